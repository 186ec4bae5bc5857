//! BOM quantity formulas: a small, safe decimal expression language.
//!
//! Numbers, the variables of [`Var`], `+ - * /`, parentheses and the functions
//! `min(a, b, ...)`, `max(a, b, ...)`, `ceil(x)`, `floor(x)` and `round(x)` /
//! `round(x, places)` (half away from zero). Evaluated in `rust_decimal` with checked
//! arithmetic: no floats, no exponentiation, bounded length, depth and size, so a
//! formula can neither lose cents nor hang the server. Formulas are parsed (and
//! their problems reported) when a BOM is saved; evaluation errors such as a
//! division by zero are reported with the line they come from.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

/// Longest accepted formula, in bytes.
pub const MAX_LENGTH: usize = 256;
/// Deepest nesting of parentheses, calls and unary minus.
pub const MAX_DEPTH: usize = 16;
/// Most nodes in one formula.
pub const MAX_NODES: usize = 128;

/// A variable a formula may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    WidthCm,
    HeightCm,
    WidthM,
    HeightM,
    AreaM2,
    PerimeterM,
    Quantity,
}

impl Var {
    /// Every variable, with its name in formulas.
    pub const ALL: [(Var, &'static str); 7] = [
        (Var::WidthCm, "width_cm"),
        (Var::HeightCm, "height_cm"),
        (Var::WidthM, "width_m"),
        (Var::HeightM, "height_m"),
        (Var::AreaM2, "area_m2"),
        (Var::PerimeterM, "perimeter_m"),
        (Var::Quantity, "quantity"),
    ];

    fn from_name(name: &str) -> Option<Var> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
    }
}

/// Values of the variables for one window, computed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vars {
    values: [Decimal; 7],
}

impl Vars {
    /// `width_m = W/100`, `height_m = H/100`, `area_m2 = width_m·height_m`,
    /// `perimeter_m = 2·(width_m + height_m)`: exact in decimal.
    pub fn new(width_cm: Decimal, height_cm: Decimal, quantity: Decimal) -> Self {
        let (w, h) = (
            width_cm / Decimal::ONE_HUNDRED,
            height_cm / Decimal::ONE_HUNDRED,
        );
        Self {
            values: [
                width_cm,
                height_cm,
                w,
                h,
                w * h,
                Decimal::TWO * (w + h),
                quantity,
            ],
        }
    }

    /// The value of one variable.
    pub fn get(&self, var: Var) -> Decimal {
        self.values[var as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Min,
    Max,
    Ceil,
    Floor,
    Round,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        match name {
            "min" => Some(Func::Min),
            "max" => Some(Func::Max),
            "ceil" => Some(Func::Ceil),
            "floor" => Some(Func::Floor),
            "round" => Some(Func::Round),
            _ => None,
        }
    }

    /// Accepted argument counts (min, max).
    fn arity(self) -> (usize, usize) {
        match self {
            Func::Min | Func::Max => (2, 16),
            Func::Ceil | Func::Floor => (1, 1),
            Func::Round => (1, 2),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Num(Decimal),
    Var(Var),
    Neg(Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

/// A parsed formula, ready to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formula {
    source: String,
    expr: Expr,
}

/// Why a formula could not be parsed; `position` is a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

impl std::error::Error for FormulaError {}

/// Why a formula could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    DivisionByZero,
    Overflow,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::DivisionByZero => f.write_str("division by zero"),
            EvalError::Overflow => f.write_str("the result is too large"),
        }
    }
}

impl std::error::Error for EvalError {}

impl Formula {
    /// Parses and checks a formula.
    pub fn parse(source: &str) -> Result<Self, FormulaError> {
        if source.len() > MAX_LENGTH {
            return Err(FormulaError {
                position: MAX_LENGTH,
                message: format!("the formula is longer than {MAX_LENGTH} characters"),
            });
        }
        let tokens = tokenize(source)?;
        let mut parser = Parser {
            tokens: &tokens,
            pos: 0,
            nodes: 0,
            end: source.len(),
        };
        let expr = parser.expr(0)?;
        if let Some(token) = parser.peek() {
            return Err(FormulaError {
                position: token.at,
                message: format!("unexpected {}", token.kind),
            });
        }
        Ok(Self {
            source: source.to_owned(),
            expr,
        })
    }

    /// The formula as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates with the given variables.
    pub fn eval(&self, vars: &Vars) -> Result<Decimal, EvalError> {
        eval(&self.expr, vars)
    }
}

fn eval(expr: &Expr, vars: &Vars) -> Result<Decimal, EvalError> {
    Ok(match expr {
        Expr::Num(n) => *n,
        Expr::Var(v) => vars.get(*v),
        Expr::Neg(e) => -eval(e, vars)?,
        Expr::Bin(op, a, b) => {
            let (a, b) = (eval(a, vars)?, eval(b, vars)?);
            match op {
                Op::Add => a.checked_add(b).ok_or(EvalError::Overflow)?,
                Op::Sub => a.checked_sub(b).ok_or(EvalError::Overflow)?,
                Op::Mul => a.checked_mul(b).ok_or(EvalError::Overflow)?,
                Op::Div if b.is_zero() => return Err(EvalError::DivisionByZero),
                Op::Div => a.checked_div(b).ok_or(EvalError::Overflow)?,
            }
        }
        Expr::Call(func, args) => {
            let values = args
                .iter()
                .map(|a| eval(a, vars))
                .collect::<Result<Vec<_>, _>>()?;
            match func {
                Func::Min => values.iter().copied().min().unwrap_or_default(),
                Func::Max => values.iter().copied().max().unwrap_or_default(),
                Func::Ceil => values[0].ceil(),
                Func::Floor => values[0].floor(),
                Func::Round => {
                    // Places were checked at parse time to be a whole number in 0..=6.
                    let places = values
                        .get(1)
                        .map_or(0, |p| p.trunc().mantissa().clamp(0, 6) as u32);
                    values[0].round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
                }
            }
        }
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Num(Decimal),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    LParen,
    RParen,
    Comma,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Num(n) => write!(f, "number {n}"),
            Kind::Ident(name) => write!(f, "name `{name}`"),
            Kind::Plus => f.write_str("`+`"),
            Kind::Minus => f.write_str("`-`"),
            Kind::Star => f.write_str("`*`"),
            Kind::Slash => f.write_str("`/`"),
            Kind::LParen => f.write_str("`(`"),
            Kind::RParen => f.write_str("`)`"),
            Kind::Comma => f.write_str("`,`"),
        }
    }
}

struct Token {
    kind: Kind,
    at: usize,
}

fn tokenize(source: &str) -> Result<Vec<Token>, FormulaError> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let simple = match c {
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            b'+' => Some(Kind::Plus),
            b'-' => Some(Kind::Minus),
            b'*' => Some(Kind::Star),
            b'/' => Some(Kind::Slash),
            b'(' => Some(Kind::LParen),
            b')' => Some(Kind::RParen),
            b',' => Some(Kind::Comma),
            _ => None,
        };
        if let Some(kind) = simple {
            if kind == Kind::Star && bytes.get(i + 1) == Some(&b'*') {
                return Err(FormulaError {
                    position: i,
                    message: "`**` (powers) is not supported".to_owned(),
                });
            }
            tokens.push(Token { kind, at: start });
            i += 1;
        } else if c.is_ascii_digit() || c == b'.' {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let text = &source[start..i];
            let value = (text.len() <= 20
                && text.matches('.').count() <= 1
                && !text.starts_with('.')
                && !text.ends_with('.'))
            .then(|| text.parse::<Decimal>().ok())
            .flatten()
            .ok_or_else(|| FormulaError {
                position: start,
                message: format!("`{text}` is not a number"),
            })?;
            tokens.push(Token {
                kind: Kind::Num(value),
                at: start,
            });
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            tokens.push(Token {
                kind: Kind::Ident(source[start..i].to_owned()),
                at: start,
            });
        } else {
            let ch = source[start..].chars().next().unwrap_or('?');
            return Err(FormulaError {
                position: start,
                message: format!("unexpected character `{ch}`"),
            });
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    nodes: usize,
    end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.at)
    }

    fn node(&mut self, expr: Expr) -> Result<Expr, FormulaError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(FormulaError {
                position: self.here(),
                message: format!("the formula has more than {MAX_NODES} parts"),
            });
        }
        Ok(expr)
    }

    fn eat(&mut self, kind: &Kind) -> bool {
        if self.peek().is_some_and(|t| t.kind == *kind) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kind: &Kind) -> Result<(), FormulaError> {
        if self.eat(kind) {
            return Ok(());
        }
        let found = self
            .peek()
            .map_or_else(|| "the end".to_owned(), |t| t.kind.to_string());
        Err(FormulaError {
            position: self.here(),
            message: format!("expected {kind}, found {found}"),
        })
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, FormulaError> {
        let mut left = self.term(depth)?;
        loop {
            let op = if self.eat(&Kind::Plus) {
                Op::Add
            } else if self.eat(&Kind::Minus) {
                Op::Sub
            } else {
                return Ok(left);
            };
            let right = self.term(depth)?;
            left = self.node(Expr::Bin(op, Box::new(left), Box::new(right)))?;
        }
    }

    fn term(&mut self, depth: usize) -> Result<Expr, FormulaError> {
        let mut left = self.unary(depth)?;
        loop {
            let op = if self.eat(&Kind::Star) {
                Op::Mul
            } else if self.eat(&Kind::Slash) {
                Op::Div
            } else {
                return Ok(left);
            };
            let at = self.here();
            let right = self.unary(depth)?;
            if op == Op::Div && right == Expr::Num(Decimal::ZERO) {
                return Err(FormulaError {
                    position: at,
                    message: "division by zero".to_owned(),
                });
            }
            left = self.node(Expr::Bin(op, Box::new(left), Box::new(right)))?;
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, FormulaError> {
        if depth > MAX_DEPTH {
            return Err(FormulaError {
                position: self.here(),
                message: format!("the formula nests deeper than {MAX_DEPTH} levels"),
            });
        }
        if self.eat(&Kind::Minus) {
            let inner = self.unary(depth + 1)?;
            return self.node(Expr::Neg(Box::new(inner)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, FormulaError> {
        let Some(token) = self.tokens.get(self.pos) else {
            return Err(FormulaError {
                position: self.end,
                message: "the formula ends too soon".to_owned(),
            });
        };
        let at = token.at;
        self.pos += 1;
        match &token.kind {
            Kind::Num(n) => self.node(Expr::Num(*n)),
            Kind::LParen => {
                let inner = self.expr(depth + 1)?;
                self.expect(&Kind::RParen)?;
                Ok(inner)
            }
            Kind::Ident(name) => {
                if self.peek().is_some_and(|t| t.kind == Kind::LParen) {
                    let func = Func::from_name(name).ok_or_else(|| FormulaError {
                        position: at,
                        message: format!(
                            "unknown function `{name}` (known: min, max, ceil, floor, round)"
                        ),
                    })?;
                    self.pos += 1;
                    let mut args = vec![self.expr(depth + 1)?];
                    while self.eat(&Kind::Comma) {
                        args.push(self.expr(depth + 1)?);
                    }
                    self.expect(&Kind::RParen)?;
                    let (lo, hi) = func.arity();
                    if args.len() < lo || args.len() > hi {
                        return Err(FormulaError {
                            position: at,
                            message: format!(
                                "`{name}` takes {lo} to {hi} arguments, not {}",
                                args.len()
                            ),
                        });
                    }
                    if func == Func::Round {
                        if let Some(places) = args.get(1) {
                            let ok = matches!(places, Expr::Num(p) if p.fract().is_zero() && *p >= Decimal::ZERO && *p <= Decimal::from(6));
                            if !ok {
                                return Err(FormulaError {
                                    position: at,
                                    message: "`round` places must be a whole number from 0 to 6"
                                        .to_owned(),
                                });
                            }
                        }
                    }
                    self.node(Expr::Call(func, args))
                } else {
                    let var = Var::from_name(name).ok_or_else(|| {
                        let known: Vec<&str> = Var::ALL.iter().map(|(_, n)| *n).collect();
                        FormulaError {
                            position: at,
                            message: format!(
                                "unknown variable `{name}` (known: {})",
                                known.join(", ")
                            ),
                        }
                    })?;
                    self.node(Expr::Var(var))
                }
            }
            other => Err(FormulaError {
                position: at,
                message: format!("unexpected {other}"),
            }),
        }
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn vars(w: &str, h: &str) -> Vars {
        Vars::new(d(w), d(h), Decimal::ONE)
    }

    #[test]
    fn every_formula_of_the_seed_catalogue_evaluates_exactly() {
        let v = vars("150", "120");
        let cases = [
            ("width_m", "1.5"),
            ("2 * height_m", "2.4"),
            ("2 * (width_m / 2)", "1.5"),
            ("area_m2 * 0.5", "0.9"),
            ("4 * (width_m / 2 + height_m)", "7.8"),
            ("2 * (width_m + height_m) - 0.1", "5.3"),
            ("max(2, ceil(height_m / 0.6))", "2"),
            ("ceil(perimeter_m * 4)", "22"),
            ("ceil(perimeter_m / 0.25)", "22"),
            ("-1", "-1"),
            ("round(width_m / 7, 2)", "0.21"),
            ("round(2.5)", "3"),
            ("min(width_cm, height_cm, 130) + floor(1.9)", "121"),
            ("2 * height_m + width_m", "3.9"),
        ];
        for (source, expected) in cases {
            let formula = Formula::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
            assert_eq!(formula.eval(&v), Ok(d(expected)), "{source}");
        }
    }

    #[test]
    fn precedence_and_unary_minus_follow_arithmetic() {
        let v = vars("100", "100");
        for (source, expected) in [
            ("1 + 2 * 3", "7"),
            ("(1 + 2) * 3", "9"),
            ("-2 * -3", "6"),
            ("10 - 4 - 3", "3"),
            ("8 / 4 / 2", "1"),
        ] {
            assert_eq!(
                Formula::parse(source).expect(source).eval(&v),
                Ok(d(expected)),
                "{source}"
            );
        }
    }

    #[test]
    fn bad_formulas_are_refused_with_a_reason_and_position() {
        let cases = [
            ("widht_m * 2", "unknown variable `widht_m`"),
            ("pow(2, 3)", "unknown function `pow`"),
            ("9 ** 9 ** 9", "powers"),
            ("2 *", "ends too soon"),
            ("(1 + 2", "expected `)`"),
            ("1 2", "unexpected number"),
            ("width_m / 0", "division by zero"),
            ("ceil(1, 2)", "takes 1 to 1 arguments"),
            ("round(1, 1.5)", "places"),
            ("1.2.3", "not a number"),
            ("a$", "unexpected character"),
            ("", "ends too soon"),
        ];
        for (source, reason) in cases {
            let err = Formula::parse(source).expect_err(source);
            assert!(err.message.contains(reason), "{source}: {err}");
        }
    }

    #[test]
    fn length_depth_and_size_are_bounded() {
        let long = format!("1{}", " + 1".repeat(100));
        assert!(Formula::parse(&long)
            .expect_err("long")
            .message
            .contains("longer than"));
        let deep = format!("{}1{}", "(".repeat(40), ")".repeat(40));
        assert!(Formula::parse(&deep)
            .expect_err("deep")
            .message
            .contains("deeper"));
        let wide = vec!["1"; 70].join("+");
        assert!(Formula::parse(&wide)
            .expect_err("wide")
            .message
            .contains("parts"));
        let negs = format!("{}1", "-".repeat(40));
        assert!(Formula::parse(&negs).is_err());
    }

    #[test]
    fn runtime_division_by_zero_and_overflow_are_errors_not_panics() {
        let zero_width = vars("0", "100");
        assert_eq!(
            Formula::parse("1 / width_m")
                .expect("parses")
                .eval(&zero_width),
            Err(EvalError::DivisionByZero)
        );
        let huge =
            Formula::parse("99999999999999999999 * 99999999999999999999 * 99999999999999999999")
                .expect("parses");
        assert_eq!(huge.eval(&zero_width), Err(EvalError::Overflow));
    }
}
