//! Decimal quantities that travel as JSON strings: money (two decimals) and metres.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

/// The largest amount a price column holds (`numeric(12, 2)`).
const MAX: Decimal = Decimal::from_parts(3_567_587_327, 232, 0, false, 2); // 9_999_999_999.99

/// Declares a non-negative decimal newtype that travels as a JSON string with a fixed
/// number of decimals, refuses JSON numbers, and states its problems in words.
macro_rules! decimal_string {
    ($(#[$doc:meta])* $name:ident, scale = $scale:expr, max = $max:expr, pattern = $pattern:expr, example = $example:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
        #[sqlx(transparent)]
        pub struct $name(Decimal);

        impl $name {
            /// Zero.
            pub const ZERO: $name = $name(Decimal::ZERO);

            /// Parses a decimal string, or says why it is not acceptable.
            pub fn parse(text: &str) -> Result<Self, String> {
                Self::parse_checked(text).map_err(|p| p.to_string())
            }

            /// Parses a decimal string, or names the kind of problem.
            pub fn parse_checked(text: &str) -> Result<Self, DecimalProblem> {
                let value = parse_decimal_text(text, $example)?;
                Self::checked(value)
            }

            /// Checks sign, scale and range.
            pub fn try_from_decimal(value: Decimal) -> Result<Self, String> {
                Self::checked(value).map_err(|p| p.to_string())
            }

            /// Checks sign, scale and range, naming the kind of problem.
            pub fn checked(value: Decimal) -> Result<Self, DecimalProblem> {
                check_decimal(value, $scale, $max).map(Self)
            }

            /// The underlying decimal.
            pub fn amount(self) -> Decimal {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::ZERO
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut value = self.0;
                value.rescale($scale);
                write!(f, "{value}")
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_ref() -> MetaSchemaRef {
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    description: Some(concat!("Decimal string, e.g. \"", $example, "\"")),
                    pattern: Some($pattern.to_owned()),
                    example: Some(Value::String($example.to_owned())),
                    ..MetaSchema::new_with_format("string", "decimal")
                }))
            }

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }

            fn raw_element_iter<'a>(
                &'a self,
            ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

        impl ParseFromJSON for $name {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value {
                    Some(Value::String(text)) => $name::parse(&text).map_err(ParseError::custom),
                    Some(other) => Err(ParseError::custom(format!(
                        concat!("expected a decimal string like \"", $example, "\", found {}"),
                        other
                    ))),
                    None => Err(ParseError::custom("a value is required")),
                }
            }
        }

        impl ToJSON for $name {
            fn to_json(&self) -> Option<Value> {
                Some(Value::String(self.to_string()))
            }
        }
    };
}

decimal_string!(
    /// An amount of money in the tenant's currency, always shown with two decimals:
    /// `"85.00"`. JSON numbers are refused because most clients lose precision.
    Money, scale = 2, max = MAX, pattern = r"^\d{1,10}(\.\d{1,2})?$", example = "85.00"
);

decimal_string!(
    /// A length in metres with up to three decimals, e.g. a bar length `"6.000"`.
    Metres, scale = 3, max = Decimal::from(1000), pattern = r"^(\d{1,3}(\.\d{1,3})?|1000(\.0{1,3})?)$", example = "6.000"
);

decimal_string!(
    /// A window dimension in centimetres, e.g. `"150"` or `"120.5"`.
    Centimetres, scale = 2, max = Decimal::from(100_000), pattern = r"^(\d{1,5}(\.\d{1,2})?|100000(\.0{1,2})?)$", example = "150"
);

decimal_string!(
    /// A multiplier such as a waste factor or a labour complexity, e.g. `"1.05"`;
    /// at most 999.999, what its columns (`numeric(6, 3)`) hold.
    Factor, scale = 3, max = Decimal::from_parts(999_999, 0, 0, false, 3), pattern = r"^\d{1,3}(\.\d{1,3})?$", example = "1.05"
);

decimal_string!(
    /// A rate as a fraction: `"0.16"` is 16 %.
    Rate, scale = 4, max = Decimal::from(10), pattern = r"^(\d(\.\d{1,4})?|10(\.0{1,4})?)$", example = "0.16"
);

decimal_string!(
    /// A quantity of a material in its unit (m², m, pieces...), e.g. `"3.5"`.
    Quantity, scale = 3, max = Decimal::from(1_000_000), pattern = r"^(\d{1,6}(\.\d{1,3})?|1000000(\.0{1,3})?)$", example = "3.5"
);

impl Money {
    /// Rounds to cents, half away from zero (the domain's "half-up"), never banker's.
    pub fn round2(value: Decimal) -> Decimal {
        value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    }
}

/// Why a decimal string is not acceptable, with what a message in any language
/// needs; `Display` is the API's English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecimalProblem {
    /// Not plain decimal notation (`"1e3"`, `"abc"`, `"12."`).
    NotADecimal {
        text: String,
        example: &'static str,
    },
    Negative {
        value: Decimal,
    },
    TooManyDecimals {
        value: Decimal,
        scale: u32,
    },
    TooLarge {
        value: Decimal,
        max: Decimal,
    },
}

impl std::fmt::Display for DecimalProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotADecimal { text, example } => {
                write!(f, "{text:?} is not a decimal like \"{example}\"")
            }
            Self::Negative { value } => write!(f, "{value} is negative; it must be 0 or more"),
            Self::TooManyDecimals { value, scale } => {
                write!(f, "{value} has more than {scale} decimals")
            }
            Self::TooLarge { value, max } => write!(f, "{value} is larger than {max}"),
        }
    }
}

/// Parses plain decimal notation only: digits, an optional fraction; no exponent,
/// no sign other than a leading minus (refused later with a clearer message).
fn parse_decimal_text(text: &str, example: &'static str) -> Result<Decimal, DecimalProblem> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let well_formed = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (!digits.contains('.') || !frac.is_empty())
        && text.len() <= 32;
    let not_a_decimal = || DecimalProblem::NotADecimal {
        text: text.to_owned(),
        example,
    };
    if !well_formed {
        return Err(not_a_decimal());
    }
    text.parse().map_err(|_| not_a_decimal())
}

fn check_decimal(value: Decimal, scale: u32, max: Decimal) -> Result<Decimal, DecimalProblem> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(DecimalProblem::Negative { value });
    }
    if value.normalize().scale() > scale {
        return Err(DecimalProblem::TooManyDecimals { value, scale });
    }
    if value > max {
        return Err(DecimalProblem::TooLarge { value, max });
    }
    let mut value = value.abs();
    value.rescale(scale);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern_of<T: Type>() -> regex::Regex {
        let MetaSchemaRef::Inline(schema) = T::schema_ref() else {
            panic!("an inline schema");
        };
        regex::Regex::new(schema.pattern.as_deref().expect("a pattern")).expect("compiles")
    }

    #[test]
    fn the_documented_patterns_accept_only_what_the_parsers_accept() {
        type Check = (regex::Regex, fn(&str) -> bool, &'static [&'static str]);
        let cases: [Check; 5] = [
            (
                pattern_of::<Metres>(),
                |t| Metres::parse(t).is_ok(),
                &["1000", "1000.000", "1000.001", "999.999", "1001", "0"],
            ),
            (
                pattern_of::<Centimetres>(),
                |t| Centimetres::parse(t).is_ok(),
                &[
                    "100000",
                    "100000.00",
                    "100000.01",
                    "99999.99",
                    "100001",
                    "150",
                ],
            ),
            (
                pattern_of::<Factor>(),
                |t| Factor::parse(t).is_ok(),
                &["1000", "999.999", "1.05", "1001"],
            ),
            (
                pattern_of::<Rate>(),
                |t| Rate::parse(t).is_ok(),
                &["10", "10.0000", "10.0001", "9.9999", "11", "0.16", "99"],
            ),
            (
                pattern_of::<Quantity>(),
                |t| Quantity::parse(t).is_ok(),
                &[
                    "1000000",
                    "1000000.000",
                    "1000000.001",
                    "999999.999",
                    "1000001",
                ],
            ),
        ];
        // Plain forms (no leading zeros, no padding): the pattern and the parser agree.
        for (pattern, parses, samples) in cases {
            for text in samples {
                assert_eq!(
                    pattern.is_match(text),
                    parses(text),
                    "{text} against {pattern}"
                );
            }
        }
    }

    #[test]
    fn parses_valid_amounts_and_keeps_two_decimals() {
        for (input, shown) in [
            ("85", "85.00"),
            ("85.5", "85.50"),
            ("0", "0.00"),
            ("999.00", "999.00"),
        ] {
            assert_eq!(
                Money::parse(input).expect(input).to_string(),
                shown,
                "input {input}"
            );
        }
    }

    #[test]
    fn refuses_malformed_negative_and_over_precise_amounts() {
        for input in [
            "",
            "abc",
            "1e3",
            "-1.00",
            "1.234",
            "12.",
            ".5",
            "NaN",
            "1,00",
            " 1",
            "10000000000.00",
        ] {
            assert!(Money::parse(input).is_err(), "{input:?} must be refused");
        }
    }

    #[test]
    fn json_numbers_are_refused() {
        let err = Money::parse_from_json(Some(serde_json::json!(85.0)));
        assert!(err.is_err());
    }

    #[test]
    fn round2_is_half_away_from_zero_not_bankers() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        assert_eq!(Money::round2(d("2.345")), d("2.35"));
        assert_eq!(Money::round2(d("2.355")), d("2.36"));
        assert_eq!(Money::round2(d("-2.345")), d("-2.35"));
        assert_eq!(MAX.to_string(), "9999999999.99");
    }
}
