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

mod parse;

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
        let expr = parse::expression(source)?;
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
