//! Every kind has a Spanish text: one sample of each (the `match`es below name
//! every kind without a wildcard, so a new kind fails to compile here until it
//! has a sample), each worded, filled and not the API's English.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::*;
use crate::catalog::{Category, Unit};
use crate::pricing::cutplan::PieceTooLong;

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// The sample's words are Spanish-looking, filled and not the English.
fn check(spanish: &str, english: &str, expected: &[&str]) {
    assert!(!spanish.trim().is_empty(), "{english}: no text");
    assert!(!spanish.contains('{'), "{english}: unfilled {spanish}");
    assert_ne!(spanish, english, "still English");
    for part in expected {
        assert!(spanish.contains(part), "{spanish} lacks {part}");
    }
}

fn decimal_samples() -> Vec<DecimalProblem> {
    vec![
        DecimalProblem::NotADecimal {
            text: "abc".into(),
            example: "85.00",
        },
        DecimalProblem::Negative { value: dec("-1") },
        DecimalProblem::TooManyDecimals {
            value: dec("1.234"),
            scale: 2,
        },
        DecimalProblem::TooLarge {
            value: dec("20000"),
            max: dec("1000"),
        },
    ]
}

fn decimal_index(p: &DecimalProblem) -> usize {
    match p {
        DecimalProblem::NotADecimal { .. } => 0,
        DecimalProblem::Negative { .. } => 1,
        DecimalProblem::TooManyDecimals { .. } => 2,
        DecimalProblem::TooLarge { .. } => 3,
    }
}

#[test]
fn every_decimal_problem_has_a_spanish_text() {
    let t = &crate::web::i18n::ES_MX;
    let samples = decimal_samples();
    let seen: BTreeSet<usize> = samples.iter().map(decimal_index).collect();
    assert_eq!(seen, (0..4).collect(), "one sample per kind");
    let expected: [&[&str]; 4] = [
        &["85.00"],
        &["-1", "negativo"],
        &["1.234", "2"],
        &["20000", "1000"],
    ];
    for (p, parts) in samples.iter().zip(expected) {
        check(&decimal(t, p), &p.to_string(), parts);
    }
}

fn csv_samples() -> Vec<(ProblemKind, &'static [&'static str])> {
    use ProblemKind as K;
    let code = || "VID-1".to_owned();
    vec![
        (K::EmptyFile, &["vacío"]),
        (K::NoMaterials, &["ningún material"]),
        (K::Unreadable { error: "x".into() }, &["CSV"]),
        (K::DuplicateCode { first_line: 7 }, &["línea 7"]),
        (K::ColumnTwice, &["dos veces"]),
        (K::UnknownColumn, &["bar_length_m"]),
        (K::ColumnRequired, &["obligatoria"]),
        (
            K::FieldCount {
                found: 3,
                expected: 5,
            },
            &["3", "5"],
        ),
        (K::Nul, &["NUL"]),
        (K::NotUtf8, &["UTF-8"]),
        (K::CodeRequired, &["código"]),
        (K::BadCode { code: "a b".into() }, &["código"]),
        (K::PriceRequired, &["precio"]),
        (
            K::Amount(DecimalProblem::Negative { value: dec("-2") }),
            &["-2"],
        ),
        (
            K::DecimalComma {
                int: "85".into(),
                frac: "50".into(),
            },
            &["85.50"],
        ),
        (K::NameTooLong, &["200"]),
        (K::NotACategory, &["vidrio"]),
        (K::NotAUnit, &["piece"]),
        (K::NotABool, &["true"]),
        (K::Currency, &["MXN"]),
        (K::Source, &["tenant"]),
        (
            K::MissingForNew {
                code: code(),
                column: "name",
            },
            &["VID-1", "«name»"],
        ),
        (
            K::CategoryMismatch {
                code: code(),
                default: Category::Glass,
            },
            &["VID-1", "Vidrio"],
        ),
        (
            K::Shape(ShapeProblem::UnitNotAllowed {
                category: Category::Glass,
                unit: Unit::M,
            }),
            &["Vidrio"],
        ),
        (K::Shape(ShapeProblem::BarOnlyForProfiles), &["perfiles"]),
        (K::Shape(ShapeProblem::BarLengthZero), &["mayor que 0"]),
        (K::InheritedCannotDeactivate { code: code() }, &["VID-1"]),
    ]
}

fn csv_index(k: &ProblemKind) -> usize {
    use ProblemKind as K;
    match k {
        K::EmptyFile => 0,
        K::NoMaterials => 1,
        K::Unreadable { .. } => 2,
        K::DuplicateCode { .. } => 3,
        K::ColumnTwice => 4,
        K::UnknownColumn => 5,
        K::ColumnRequired => 6,
        K::FieldCount { .. } => 7,
        K::Nul => 8,
        K::NotUtf8 => 9,
        K::CodeRequired => 10,
        K::BadCode { .. } => 11,
        K::PriceRequired => 12,
        K::Amount(_) => 13,
        K::DecimalComma { .. } => 14,
        K::NameTooLong => 15,
        K::NotACategory => 16,
        K::NotAUnit => 17,
        K::NotABool => 18,
        K::Currency => 19,
        K::Source => 20,
        K::MissingForNew { .. } => 21,
        K::CategoryMismatch { .. } => 22,
        K::Shape(ShapeProblem::UnitNotAllowed { .. }) => 23,
        K::Shape(ShapeProblem::BarOnlyForProfiles) => 24,
        K::Shape(ShapeProblem::BarLengthZero) => 25,
        K::InheritedCannotDeactivate { .. } => 26,
    }
}

#[test]
fn every_csv_problem_kind_has_a_spanish_text() {
    let t = &crate::web::i18n::ES_MX;
    let samples = csv_samples();
    let seen: BTreeSet<usize> = samples.iter().map(|(k, _)| csv_index(k)).collect();
    assert_eq!(seen, (0..27).collect(), "one sample per kind");
    for (kind, parts) in &samples {
        check(&csv(t, kind), &kind.to_string(), parts);
    }
}

fn engine_samples() -> Vec<(EngineProblem, &'static [&'static str])> {
    use EngineProblem as P;
    let s = |text: &str| text.to_owned();
    vec![
        (P::UnknownProduct { code: s("VEN-X") }, &["VEN-X"]),
        (P::UnknownMaterial { code: s("PER-X") }, &["PER-X"]),
        (
            P::SizeOutOfRange {
                value: dec("300.00"),
                product: s("VEN-1"),
                min: dec("50"),
                max: dec("200"),
            },
            &["300 cm", "VEN-1", "de 50 a 200 cm"],
        ),
        (P::Quantity { quantity: 0 }, &["1 a 1000"]),
        (
            P::NotGlass {
                code: s("PER-1"),
                category: Category::Profile,
            },
            &["PER-1", "Perfil"],
        ),
        (
            P::ColourNotOffered {
                colour: s("NEG"),
                profile: s("PER-1"),
            },
            &["NEG", "PER-1"],
        ),
        (
            P::Formula {
                formula: s("W / 0"),
                product: s("VEN-1"),
                error: EvalError::DivisionByZero,
            },
            &["W / 0", "VEN-1", "cero"],
        ),
        (
            P::Formula {
                formula: s("W * W"),
                product: s("VEN-1"),
                error: EvalError::Overflow,
            },
            &["demasiado grande"],
        ),
        (
            P::PieceTooLong {
                formula: s("W * 9"),
                product: s("VEN-1"),
                size: dec("1800"),
            },
            &["W * 9", "1800 cm"],
        ),
    ]
}

/// The job-wide kinds: rates, loose materials, cut plans, amounts.
fn engine_job_samples() -> Vec<(EngineProblem, &'static [&'static str])> {
    use EngineProblem as P;
    let s = |text: &str| text.to_owned();
    vec![
        (P::TooManyPieces { count: dec("101") }, &["101", "100"]),
        (
            P::RateOutOfRange {
                value: dec("12"),
                max: dec("10"),
            },
            &["1200 %", "1000 %"],
        ),
        (P::NegativeLabour { rate: dec("-5") }, &["-5"]),
        (P::MaterialQuantity { quantity: dec("0") }, &["0"]),
        (
            P::TooManyPlannedPieces { total: 20_001 },
            &["20001", "20000"],
        ),
        (
            P::PieceLongerThanBar {
                length_mm: 6000,
                material: s("PER-1"),
                usable_mm: 5980,
            },
            &["6000 mm", "PER-1", "5980 mm"],
        ),
        (
            P::CutPlan(PieceTooLong {
                length_mm: 6000,
                usable_mm: 5980,
            }),
            &["6000 mm", "5980 mm"],
        ),
        (P::TooLarge, &["demasiado grande"]),
        (
            P::Amount(DecimalProblem::TooLarge {
                value: dec("100000000000"),
                max: dec("9999999999.99"),
            }),
            &["máximo"],
        ),
    ]
}

fn engine_index(p: &EngineProblem) -> usize {
    use EngineProblem as P;
    match p {
        P::UnknownProduct { .. } => 0,
        P::UnknownMaterial { .. } => 1,
        P::SizeOutOfRange { .. } => 2,
        P::Quantity { .. } => 3,
        P::NotGlass { .. } => 4,
        P::ColourNotOffered { .. } => 5,
        P::Formula { .. } => 6,
        P::PieceTooLong { .. } => 7,
        P::TooManyPieces { .. } => 8,
        P::RateOutOfRange { .. } => 9,
        P::NegativeLabour { .. } => 10,
        P::MaterialQuantity { .. } => 11,
        P::TooManyPlannedPieces { .. } => 12,
        P::PieceLongerThanBar { .. } => 13,
        P::CutPlan(_) => 14,
        P::TooLarge => 15,
        P::Amount(_) => 16,
    }
}

#[test]
fn every_engine_problem_kind_has_a_spanish_text() {
    let t = &crate::web::i18n::ES_MX;
    let mut samples = engine_samples();
    samples.extend(engine_job_samples());
    let seen: BTreeSet<usize> = samples.iter().map(|(p, _)| engine_index(p)).collect();
    assert_eq!(seen, (0..17).collect(), "one sample per kind");
    for (problem, parts) in &samples {
        check(&engine(t, problem), &problem.to_string(), parts);
    }
}
