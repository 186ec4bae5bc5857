//! The piece rules with hand-checked figures: glass billed from the BOM's glass
//! pieces (sides rounded up to a step, a minimum area per piece), and profiles cut
//! from shared bars per job.
//!
//! A small catalogue keeps the arithmetic checkable by hand: glass VID at 100.00/m²,
//! profile PER at 50.00/m in 6 m bars, and one product whose BOM has two glass
//! panes and a frame of two stiles and two rails. No window type: no labour.

#![allow(clippy::too_many_lines)] // scenarios are spelt out in full

use std::collections::HashMap;

use rust_decimal::Decimal;
use ventanas::catalog::model::Category;
use ventanas::pricing::formula::Formula;
use ventanas::pricing::{
    self as engine, BomLine, Catalog, GlassRule, ItemInput, MaterialInfo, Product, ProfileRule,
    QuoteInput, Rates, Rules,
};

fn d(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

fn f(src: &str) -> Formula {
    Formula::parse(src).expect("formula")
}

fn material(code: &str, category: Category, price: &str, bar: Option<&str>) -> MaterialInfo {
    MaterialInfo {
        code: code.to_owned(),
        name: code.to_owned(),
        category,
        price: d(price),
        bar_length_m: bar.map(d),
        colour_prices: HashMap::new(),
    }
}

fn line(material: &str, kind: Category, formula: &str) -> BomLine {
    BomLine {
        description: String::new(),
        material: material.to_owned(),
        kind,
        formula: f(formula),
        waste_factor: d("1.05"),
        pieces: Some(f("2")),
        piece_width_cm: None,
        piece_height_cm: None,
        piece_length_cm: None,
    }
}

fn catalog() -> Catalog {
    let panes = BomLine {
        piece_width_cm: Some(f("width_cm / 2 - 3")),
        piece_height_cm: Some(f("height_cm - 6")),
        ..line("VID", Category::Glass, "area_m2")
    };
    let stiles = BomLine {
        piece_length_cm: Some(f("height_cm")),
        ..line("PER", Category::Profile, "2 * height_m")
    };
    let rails = BomLine {
        piece_length_cm: Some(f("width_cm")),
        ..line("PER", Category::Profile, "2 * width_m")
    };
    let product = Product {
        code: "P".to_owned(),
        name: "Ventana de prueba".to_owned(),
        window_type: None,
        width_cm: (d("10"), d("700")),
        height_cm: (d("10"), d("500")),
        bom: vec![panes, stiles, rails],
    };
    Catalog {
        materials: [
            material("VID", Category::Glass, "100.00", None),
            material("PER", Category::Profile, "50.00", Some("6.000")),
        ]
        .into_iter()
        .map(|m| (m.code.clone(), m))
        .collect(),
        products: [("P".to_owned(), product)].into_iter().collect(),
        ..Catalog::default()
    }
}

fn item(width: &str, height: &str, quantity: u32) -> ItemInput {
    ItemInput {
        product: "P".to_owned(),
        width_cm: d(width),
        height_cm: d(height),
        quantity,
        glass: None,
        colour: None,
    }
}

fn price(items: Vec<ItemInput>, rules: Rules) -> Result<engine::QuoteResult, engine::EngineError> {
    engine::price(
        &catalog(),
        &QuoteInput {
            items,
            material_items: vec![],
            rates: Rates::default(),
            rules,
        },
    )
}

const PIECES: GlassRule = GlassRule::BomPieces {
    step_cm: Decimal::from_parts(5, 0, 0, false, 0),
    min_area_m2: Decimal::from_parts(5, 0, 0, false, 1),
};

#[test]
fn glass_from_bom_pieces_rounds_each_side_up_to_the_step() {
    let rules = Rules {
        glass: PIECES,
        ..Rules::default()
    };
    let result = price(vec![item("101", "121", 1)], rules).expect("prices");
    let glass = &result.items[0].lines[0];
    // Each pane: 101 / 2 - 3 = 47.5 → 50 cm; 121 - 6 = 115 cm; 0.575 m² (over the
    // 0.5 m² minimum). Two panes × 1.05 = 1.2075 m² at 100.00 = 120.75.
    let pieces = glass.pieces.as_ref().expect("pieces");
    assert_eq!(
        (pieces.count, pieces.width_cm, pieces.height_cm),
        (2, Some(d("50")), Some(d("115")))
    );
    assert_eq!(pieces.billed_area_m2, Some(d("0.575")));
    assert!(glass.billed);
    assert_eq!(glass.quantity, d("1.2075"));
    assert_eq!(result.items[0].glass.amount(), d("120.75"));
    // The classic rule bills the whole window: 1.01 × 1.21 × 100 × 1.05 = 128.32.
    let classic = price(vec![item("101", "121", 1)], Rules::default()).expect("prices");
    assert_eq!(classic.items[0].glass.amount(), d("128.32"));
    assert!(!classic.items[0].lines[0].billed);
}

#[test]
fn small_glass_pieces_are_billed_at_the_minimum_area() {
    let rules = Rules {
        glass: PIECES,
        ..Rules::default()
    };
    let result = price(vec![item("60", "80", 3)], rules).expect("prices");
    // Each pane: 27 → 30 cm by 74 → 75 cm = 0.225 m², billed 0.5 m². Two panes × 1.05
    // = 1.05 m² per window, × 3 windows × 100.00 = 315.00.
    let glass = &result.items[0].lines[0];
    assert_eq!(glass.net_quantity, d("0.45"));
    assert_eq!(glass.quantity, d("1.05"));
    assert_eq!(result.items[0].glass.amount(), d("315.00"));
}

#[test]
fn profiles_come_from_a_cut_plan_for_the_whole_job() {
    let rules = Rules {
        profiles: ProfileRule::CutPlanPerJob,
        ..Rules::default()
    };
    let result = price(vec![item("150", "100", 2), item("200", "120", 1)], rules).expect("prices");
    // Pieces: 4 × 1000 and 4 × 1500 mm (2 windows), 2 × 1200 and 2 × 2000 mm. First
    // fit decreasing in 5980 mm (6000 less two 10 mm trims) with 4 mm kerfs:
    //   bar 1: 2000 + 2000 + 1500 (5508 mm used)
    //   bar 2: 1500 + 1500 + 1500 + 1200 (5712)
    //   bar 3: 1200 + 1000 + 1000 + 1000 + 1000 (5216)
    assert_eq!(result.cut_plans.len(), 1);
    let plan = &result.cut_plans[0];
    let cuts: Vec<Vec<u32>> = plan.bars.iter().map(|b| b.cuts.clone()).collect();
    assert_eq!(
        cuts,
        [
            vec![2000, 2000, 1500],
            vec![1500, 1500, 1500, 1200],
            vec![1200, 1000, 1000, 1000, 1000]
        ]
    );
    assert_eq!(plan.pieces_m, d("16.4"));
    // 3 bars × 6 m × 50.00 = 900.00 bought; the windows pay their metres:
    // 2 × (2 × 1.0 + 2 × 1.5) = 10 m → 500.00 and 2 × 1.2 + 2 × 2.0 = 6.4 m → 320.00;
    // the 80.00 left is the offcuts, shown once.
    assert_eq!(plan.amount.amount(), d("900.00"));
    assert_eq!(result.items[0].profiles.amount(), d("500.00"));
    assert_eq!(result.items[1].profiles.amount(), d("320.00"));
    assert_eq!(plan.offcuts.amount(), d("80.00"));
    assert_eq!(result.totals.offcuts.amount(), d("80.00"));
    // Glass (classic): 1.5 × 100 × 1.05 × 2 = 315.00 and 2.4 × 105 = 252.00.
    // Materials 500 + 315 + 320 + 252 + 80 = 1467.00; profit 366.75; indirect
    // 220.05; before tax 2053.80; tax 328.61; total 2382.41.
    let t = &result.totals;
    assert_eq!(t.materials.amount(), d("1467.00"));
    assert_eq!(t.before_tax.amount(), d("2053.80"));
    assert_eq!(t.total.amount(), d("2382.41"));
    // The per-line rule would have bought whole bars per line and window instead:
    // 2 windows × 2 lines × 1 bar + 2 lines × 1 bar = 6 bars = 1800.00.
    let classic = price(
        vec![item("150", "100", 2), item("200", "120", 1)],
        Rules::default(),
    )
    .expect("prices");
    let classic_profiles: Decimal = classic.items.iter().map(|i| i.profiles.amount()).sum();
    assert_eq!(classic_profiles, d("1800.00"));
}

#[test]
fn a_piece_longer_than_a_bar_is_an_error_naming_the_line() {
    let rules = Rules {
        profiles: ProfileRule::CutPlanPerJob,
        ..Rules::default()
    };
    let err = price(vec![item("150", "100", 1), item("600", "100", 1)], rules)
        .expect_err("a 6000 mm rail does not fit in 5980 mm");
    assert_eq!(err.field, "items[1].bom[2]");
    assert!(err.message().contains("6000 mm"), "{}", err.message());
    assert!(err.message().contains("5980 mm"), "{}", err.message());
}

#[test]
fn absurd_piece_formulas_are_errors_not_panics() {
    // Products are checked when saved; the engine must still never panic.
    let mut catalog = catalog();
    let product = catalog.products.get_mut("P").expect("product");
    product.bom[2].piece_length_cm = Some(f("width_cm * 1000000000 * 1000000000 * 100000000"));
    product.bom[0].piece_width_cm = Some(f("width_cm * 1000000000 * 1000000000 * 10000000"));
    for (rules, field) in [
        (
            Rules {
                profiles: ProfileRule::CutPlanPerJob,
                ..Rules::default()
            },
            "items[0].bom[2]",
        ),
        (
            Rules {
                glass: GlassRule::BomPieces {
                    step_cm: d("0.01"),
                    min_area_m2: Decimal::ZERO,
                },
                ..Rules::default()
            },
            "items[0].bom[0]",
        ),
    ] {
        let err = engine::price(
            &catalog,
            &QuoteInput {
                items: vec![item("150", "100", 1)],
                material_items: vec![],
                rates: Rates::default(),
                rules,
            },
        )
        .expect_err("absurd size");
        assert_eq!(err.field, field);
    }
}
