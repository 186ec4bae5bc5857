//! Tokenizer and recursive-descent parser of the formula language, with the bounds
//! on depth and size checked while parsing.

use std::fmt;

use rust_decimal::Decimal;

use super::{Expr, FormulaError, Func, Op, Var, MAX_DEPTH, MAX_NODES};

/// Parses a whole formula into its expression tree.
pub(super) fn expression(source: &str) -> Result<Expr, FormulaError> {
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
    Ok(expr)
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
