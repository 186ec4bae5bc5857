//! The original app's quotes (tests/fixtures/seed-quotes.json, copied from
//! shared/cases) priced by the engine with the classic rules: every figure within
//! 0.01 MXN of the original, and our own figures adding up exactly.

#![allow(clippy::too_many_lines)] // scenarios are spelt out in full

#[path = "support/seed_catalog.rs"]
mod seed_catalog;

use rust_decimal::Decimal;
use seed_catalog::{dec, fixture, seed_catalog};
use serde_json::Value;
use ventanas::pricing::{
    self as engine, ItemInput, MaterialInput, ProfileRule, QuoteInput, Rates, Rules,
};

fn input(case: &Value) -> QuoteInput {
    let settings = &case["settings"];
    let rate = |key: &str, default: Decimal| settings.get(key).map_or(default, dec);
    let defaults = Rates::default();
    QuoteInput {
        items: case["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| ItemInput {
                product: i["product"].as_str().expect("product").to_owned(),
                width_cm: dec(&i["width_cm"]),
                height_cm: dec(&i["height_cm"]),
                quantity: u32::try_from(i["quantity"].as_u64().expect("quantity")).expect("u32"),
                glass: i["glass"].as_str().map(str::to_owned),
                colour: i["colour"].as_str().map(str::to_owned),
            })
            .collect(),
        material_items: case["material_items"]
            .as_array()
            .expect("material items")
            .iter()
            .map(|m| MaterialInput {
                material: m["material"].as_str().expect("material").to_owned(),
                quantity: dec(&m["quantity"]),
            })
            .collect(),
        rates: Rates {
            profit: rate("profit_rate", defaults.profit),
            indirect: rate("indirect_rate", defaults.indirect),
            tax: rate("tax_rate", defaults.tax),
            labour_override_per_m2: settings.get("labour_rate_override_per_m2").map(dec),
            ..defaults
        },
        rules: Rules::default(),
    }
}

fn close(case: &str, what: &str, ours: Decimal, theirs: &Value) {
    let theirs = dec(theirs);
    let cent = Decimal::new(1, 2);
    assert!(
        (ours - theirs).abs() <= cent,
        "{case} {what}: ours {ours}, original {theirs}"
    );
}

#[test]
fn every_seed_case_matches_the_original_within_a_cent_and_adds_up_exactly() {
    let catalog = seed_catalog();
    let cases = fixture("seed-quotes.json");
    let cases = cases["cases"].as_array().expect("cases");
    assert!(cases.len() >= 8, "the seed cases are all here");
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let result = engine::price(&catalog, &input(case)).unwrap_or_else(|e| panic!("{id}: {e}"));
        let expected = &case["expected"];
        for (i, (ours, theirs)) in result
            .items
            .iter()
            .zip(expected["items"].as_array().expect("items"))
            .enumerate()
        {
            let what = |part: &str| format!("item {i} {part}");
            close(
                id,
                &what("profiles"),
                ours.profiles.amount(),
                &theirs["profiles"],
            );
            close(id, &what("glass"), ours.glass.amount(), &theirs["glass"]);
            close(
                id,
                &what("hardware"),
                ours.hardware.amount(),
                &theirs["hardware"],
            );
            close(
                id,
                &what("consumables"),
                ours.consumables.amount(),
                &theirs["consumables"],
            );
            close(id, &what("labour"), ours.labour.amount(), &theirs["labour"]);
            close(
                id,
                &what("subtotal"),
                ours.subtotal.amount(),
                &theirs["subtotal"],
            );
            assert_eq!(
                ours.area_m2,
                dec(&theirs["area_m2"]),
                "{id} {}",
                what("area")
            );
            let parts = ours.profiles.amount()
                + ours.glass.amount()
                + ours.hardware.amount()
                + ours.consumables.amount()
                + ours.labour.amount();
            assert_eq!(
                parts,
                ours.subtotal.amount(),
                "{id} item {i}: parts add up to the subtotal"
            );
        }
        let t = &result.totals;
        for (name, ours) in [
            ("materials", t.materials),
            ("labour", t.labour),
            ("cost", t.cost),
            ("profit", t.profit),
            ("indirect", t.indirect),
            ("before_tax", t.before_tax),
            ("tax", t.tax),
            ("total", t.total),
        ] {
            close(id, name, ours.amount(), &expected["totals"][name]);
        }
        let subtotals: Decimal = result
            .items
            .iter()
            .map(|i| i.subtotal.amount())
            .sum::<Decimal>()
            + result
                .material_items
                .iter()
                .map(|m| m.amount.amount())
                .sum::<Decimal>();
        assert_eq!(
            subtotals,
            t.cost.amount(),
            "{id}: the cost is the sum of the shown subtotals"
        );
        assert_eq!(
            t.materials.amount() + t.labour.amount(),
            t.cost.amount(),
            "{id}: materials + labour = cost"
        );
        assert_eq!(
            t.cost.amount() + t.profit.amount() + t.indirect.amount(),
            t.before_tax.amount(),
            "{id}: before tax"
        );
        assert_eq!(
            t.before_tax.amount() + t.tax.amount(),
            t.total.amount(),
            "{id}: total"
        );
    }
}

#[test]
fn inputs_outside_the_rules_are_errors_naming_the_field() {
    let catalog = seed_catalog();
    let base = ItemInput {
        product: "VEN-CORR-NAC3".to_owned(),
        width_cm: Decimal::from(150),
        height_cm: Decimal::from(120),
        quantity: 1,
        glass: Some("VID-CLARO-6".to_owned()),
        colour: Some("NAT".to_owned()),
    };
    let cases: Vec<(&str, ItemInput, &str)> = vec![
        (
            "too narrow",
            ItemInput {
                width_cm: Decimal::from(79),
                ..base.clone()
            },
            "items[0].width_cm",
        ),
        (
            "too tall",
            ItemInput {
                height_cm: Decimal::from(251),
                ..base.clone()
            },
            "items[0].height_cm",
        ),
        (
            "zero windows",
            ItemInput {
                quantity: 0,
                ..base.clone()
            },
            "items[0].quantity",
        ),
        (
            "too many windows",
            ItemInput {
                quantity: 1001,
                ..base.clone()
            },
            "items[0].quantity",
        ),
        (
            "unknown product",
            ItemInput {
                product: "VEN-NADA".to_owned(),
                ..base.clone()
            },
            "items[0].product",
        ),
        (
            "unknown glass",
            ItemInput {
                glass: Some("VID-NADA".to_owned()),
                ..base.clone()
            },
            "items[0].glass",
        ),
        (
            "profile as glass",
            ItemInput {
                glass: Some("PER-NAC3-RS".to_owned()),
                ..base.clone()
            },
            "items[0].glass",
        ),
        (
            "colour not offered",
            ItemInput {
                colour: Some("ROSA".to_owned()),
                ..base.clone()
            },
            "items[0].colour",
        ),
    ];
    for (what, item, field) in cases {
        let err = engine::price(
            &catalog,
            &QuoteInput {
                items: vec![item],
                ..QuoteInput::default()
            },
        )
        .expect_err(what);
        assert_eq!(err.field, field, "{what}: {err}");
    }
    // Bounds are inclusive.
    let edge = ItemInput {
        width_cm: Decimal::from(80),
        height_cm: Decimal::from(250),
        ..base
    };
    assert!(engine::price(
        &catalog,
        &QuoteInput {
            items: vec![edge],
            ..QuoteInput::default()
        }
    )
    .is_ok());
}

/// C01's window (corrediza 150 × 120, Vidrio Claro 6 mm, Natural) under other rules.
fn c01(rules: Rules, rates: Rates) -> engine::QuoteResult {
    let item = ItemInput {
        product: "VEN-CORR-NAC3".to_owned(),
        width_cm: Decimal::from(150),
        height_cm: Decimal::from(120),
        quantity: 1,
        glass: Some("VID-CLARO-6".to_owned()),
        colour: Some("NAT".to_owned()),
    };
    engine::price(
        &seed_catalog(),
        &QuoteInput {
            items: vec![item],
            material_items: vec![],
            rates,
            rules,
        },
    )
    .expect("prices")
}

fn d(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

#[test]
fn per_metre_profiles_bill_metres_times_waste_instead_of_whole_bars() {
    let result = c01(
        Rules {
            profiles: ProfileRule::PerMetre,
            ..Rules::default()
        },
        Rates::default(),
    );
    // Metres × 1.05 × price: RS 1.5 × 52 + ZO 1.5 × 55 + JA 2.4 × 48 + JA 1.5 × 48
    // + ZO 1.5 × 55 + TR 1.2 × 60 = 78 + 82.5 + 115.2 + 72 + 82.5 + 72 = 502.20; × 1.05.
    assert_eq!(result.items[0].profiles.amount(), d("527.31"));
    assert!(result.items[0].lines.iter().all(|l| l.bars.is_none()));
    // Everything else is as in C01.
    assert_eq!(result.items[0].glass.amount(), d("226.80"));
    assert_eq!(result.items[0].hardware.amount(), d("63.00"));
}

#[test]
fn hardware_without_waste_bills_four_rollers_not_four_point_two() {
    let result = c01(
        Rules {
            waste_on_hardware: false,
            ..Rules::default()
        },
        Rates::default(),
    );
    let rollers = result.items[0]
        .lines
        .iter()
        .find(|l| l.material == "HER-ROD-3")
        .expect("rollers");
    assert_eq!((rollers.quantity, rollers.waste_factor), (d("4"), d("1")));
    assert_eq!(result.items[0].hardware.amount(), d("60.00"), "4 × 15.00");
}

#[test]
fn a_discount_applies_before_tax_and_the_document_still_adds_up() {
    let rates = Rates {
        discount: d("0.10"),
        ..Rates::default()
    };
    let t = c01(Rules::default(), rates).totals;
    // C01: cost 2417.90, profit 604.48, indirect 362.69 → 3385.07; 10 % = 338.507 → 338.51.
    assert_eq!(t.discount.amount(), d("338.51"));
    assert_eq!(t.before_tax.amount(), d("3046.56"));
    assert_eq!(t.tax.amount(), d("487.45"), "16 % of 3046.56 = 487.4496");
    assert_eq!(t.total.amount(), d("3534.01"));
    assert_eq!(
        t.cost.amount() + t.profit.amount() + t.indirect.amount() - t.discount.amount(),
        t.before_tax.amount()
    );
}

#[test]
fn a_tenant_may_round_half_to_even_and_the_document_still_adds_up() {
    let t = c01(
        Rules {
            rounding: engine::Rounding::HalfEven,
            ..Rules::default()
        },
        Rates::default(),
    )
    .totals;
    // Indirect 2417.90 × 0.15 = 362.685: half to even gives 362.68 (half up 362.69).
    // Profit 604.475 → 604.48 either way. Before tax 3385.06; tax 541.6096 → 541.61.
    assert_eq!(t.indirect.amount(), d("362.68"));
    assert_eq!(t.profit.amount(), d("604.48"));
    assert_eq!(t.before_tax.amount(), d("3385.06"));
    assert_eq!(t.total.amount(), d("3926.67"));
    assert_eq!(
        t.cost.amount() + t.profit.amount() + t.indirect.amount(),
        t.before_tax.amount()
    );
}
