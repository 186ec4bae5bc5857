//! The arithmetic of a bulk price update, with no I/O: a change (a percentage, an
//! amount, or a fixed price), an optional rounding to a step, and the fingerprint
//! that ties an apply to exactly the preview the owner saw.

use rust_decimal::{Decimal, RoundingStrategy};
use sha2::{Digest, Sha256};

use crate::catalog::Source;
use crate::money::Money;

/// The largest percentage change accepted: a price at most eleven times itself.
const MAX_PERCENT: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

/// How every matched price changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    /// By a percentage of the price: `7.5` raises it 7.5 %, `-10` lowers it 10 %.
    Percent(Decimal),
    /// By an amount: `12.00` adds twelve pesos, `-5` takes five off.
    Amount(Decimal),
    /// To one price.
    Set(Money),
}

/// Which way a price goes to its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Up,
    Nearest,
    Down,
}

/// Rounding of every new price to a multiple of `step` (e.g. `0.50`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rounding {
    pub step: Money,
    pub mode: Mode,
}

impl Adjustment {
    /// A percentage, checked: more than -100 (a price cannot vanish), at most 1000,
    /// at most four decimals.
    pub fn percent(text: &str) -> Result<Self, String> {
        let value = parse_signed(text, 4)?;
        if value <= Decimal::from(-100) || value > MAX_PERCENT {
            return Err(format!(
                "{text} is not a percentage above -100 and up to 1000"
            ));
        }
        Ok(Self::Percent(value))
    }

    /// An amount to add (negative to subtract), at most two decimals.
    pub fn amount(text: &str) -> Result<Self, String> {
        let value = parse_signed(text, 2)?;
        if value.abs() > Decimal::from(1_000_000_000) {
            return Err(format!("{text} is larger than 1000000000"));
        }
        Ok(Self::Amount(value))
    }
}

impl Rounding {
    /// A rounding step must be more than zero.
    pub fn new(step: Money, mode: Mode) -> Result<Self, String> {
        if step.amount().is_zero() {
            return Err("a rounding step must be more than 0".to_owned());
        }
        Ok(Self { step, mode })
    }
}

/// A signed decimal in plain notation (`-7.5`, `+12`, `3`), with at most `scale`
/// decimals; JSON numbers never reach here (the fields are strings).
fn parse_signed(text: &str, scale: u32) -> Result<Decimal, String> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let well_formed = !int.is_empty()
        && int.len() <= 12
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (!unsigned.contains('.') || !frac.is_empty());
    if !well_formed {
        return Err(format!(
            "{text:?} is not a decimal like \"7.5\" or \"-12.00\""
        ));
    }
    if frac.trim_end_matches('0').len() > scale as usize {
        return Err(format!("{text} has more than {scale} decimals"));
    }
    text.trim_start_matches('+')
        .parse()
        .map_err(|_| format!("{text:?} is not a decimal like \"7.5\" or \"-12.00\""))
}

/// The new price of `old` under an adjustment and a rounding, or why there is none
/// (it would be negative or too large).
pub fn new_price(
    old: Money,
    adjustment: Adjustment,
    rounding: Option<Rounding>,
) -> Result<Money, String> {
    let raw = match adjustment {
        Adjustment::Percent(p) => old.amount() * (Decimal::ONE_HUNDRED + p) / Decimal::ONE_HUNDRED,
        Adjustment::Amount(a) => old.amount() + a,
        Adjustment::Set(price) => price.amount(),
    };
    let rounded = match rounding {
        None => Money::round2(raw),
        Some(Rounding { step, mode }) => {
            let steps = raw / step.amount();
            let whole = match mode {
                Mode::Up => steps.ceil(),
                Mode::Down => steps.floor(),
                Mode::Nearest => {
                    steps.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                }
            };
            Money::round2(whole * step.amount())
        }
    };
    if rounded.is_sign_negative() && !rounded.is_zero() {
        return Err(format!("{old} would become {rounded}, below zero"));
    }
    Money::try_from_decimal(rounded.max(Decimal::ZERO))
}

/// One material a batch changes, as the fingerprint sees it.
pub struct Fingerprinted<'a> {
    pub code: &'a str,
    pub source: Source,
    pub old: Option<Money>,
    pub new: Money,
}

/// A short digest of exactly which materials change from what to what: an apply
/// whose recomputed fingerprint differs from its preview's changes nothing. The
/// entries must come in a stable order (by code).
pub fn fingerprint<'a>(entries: impl IntoIterator<Item = Fingerprinted<'a>>) -> String {
    let mut hash = Sha256::new();
    for e in entries {
        let source = match e.source {
            Source::Tenant => "t",
            Source::Global => "g",
        };
        let old = e.old.map(|m| m.to_string()).unwrap_or_default();
        hash.update(format!("{}\t{source}\t{old}\t{}\n", e.code, e.new).as_bytes());
    }
    let digest = hash.finalize();
    format!("v1-{}", hex::encode(&digest[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        Money::parse(text).expect("money")
    }

    fn priced(old: &str, adjustment: Adjustment, rounding: Option<Rounding>) -> String {
        new_price(money(old), adjustment, rounding)
            .expect("a price")
            .to_string()
    }

    #[test]
    fn percentages_round_half_away_from_zero_to_cents() {
        let up = Adjustment::percent("7.5").expect("valid");
        assert_eq!(priced("85.00", up, None), "91.38"); // 91.375
        let down = Adjustment::percent("-10").expect("valid");
        assert_eq!(priced("85.00", down, None), "76.50");
        assert_eq!(priced("0.00", up, None), "0.00");
    }

    #[test]
    fn amounts_and_fixed_prices() {
        let add = Adjustment::amount("12.00").expect("valid");
        assert_eq!(priced("85.00", add, None), "97.00");
        let take = Adjustment::amount("-5").expect("valid");
        assert_eq!(priced("85.00", take, None), "80.00");
        let err = new_price(money("3.00"), take, None).expect_err("negative");
        assert!(err.contains("below zero"), "{err}");
        assert_eq!(priced("85.00", Adjustment::Set(money("99")), None), "99.00");
    }

    #[test]
    fn rounding_goes_to_the_step_in_the_mode_asked() {
        let up = Adjustment::percent("7.5").expect("valid");
        let step = |mode| Rounding::new(money("0.50"), mode).ok();
        assert_eq!(priced("85.00", up, step(Mode::Up)), "91.50");
        assert_eq!(priced("85.00", up, step(Mode::Down)), "91.00");
        assert_eq!(priced("85.00", up, step(Mode::Nearest)), "91.50"); // 91.375 -> 91.5
        let tens = Rounding::new(money("10"), Mode::Nearest).ok();
        assert_eq!(priced("85.00", Adjustment::Set(money("85")), tens), "90.00");
        assert!(Rounding::new(money("0"), Mode::Up).is_err());
    }

    #[test]
    fn bad_numbers_are_refused_with_reasons() {
        for bad in [
            "", "abc", "1e3", "7,5", "--1", "1.", ".5", "-100", "1001", "1.23456",
        ] {
            assert!(Adjustment::percent(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Adjustment::percent("+12.25").is_ok());
        assert!(Adjustment::amount("1.234").is_err());
        assert!(Adjustment::amount("-0.50").is_ok());
    }

    #[test]
    fn fingerprints_change_with_any_price_and_only_then() {
        let entries = |new: &str| {
            let new = money(new);
            fingerprint([Fingerprinted {
                code: "VID-CLARO-4",
                source: Source::Tenant,
                old: Some(money("85.00")),
                new,
            }])
        };
        assert_eq!(entries("91.50"), entries("91.50"));
        assert_ne!(entries("91.50"), entries("91.00"));
        assert!(entries("91.50").starts_with("v1-"));
    }
}
