//! The seed catalogue (tests/fixtures/seed-catalog.json, a copy of shared/cases) as
//! an engine catalogue snapshot. Shared by tests/engine_cases.rs and benches/engine.rs.

#![allow(dead_code)]

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde_json::Value;
use ventanas::catalog::model::Category;
use ventanas::pricing::formula::Formula;
use ventanas::pricing::{BomLine, Catalog, LabourRate, MaterialInfo, Product};

pub fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

pub fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().expect("decimal string"),
        Value::Number(n) => n.to_string().parse().expect("decimal number"),
        other => panic!("not a decimal: {other}"),
    }
}

fn category(name: &str) -> Category {
    serde_json::from_value(Value::String(name.to_owned())).expect("category")
}

pub fn seed_catalog() -> Catalog {
    let seed = fixture("seed-catalog.json");
    let mut materials: HashMap<String, MaterialInfo> = HashMap::new();
    for m in seed["materials"].as_array().expect("materials") {
        let code = m["code"].as_str().expect("code").to_owned();
        materials.insert(
            code.clone(),
            MaterialInfo {
                code,
                name: m["name"].as_str().unwrap_or_default().to_owned(),
                category: category(m["category"].as_str().expect("category")),
                price: dec(&m["price"]),
                bar_length_m: m.get("bar_length_m").filter(|v| !v.is_null()).map(dec),
                colour_prices: HashMap::new(),
            },
        );
    }
    for cp in seed["colour_prices"].as_array().expect("colour prices") {
        let material = materials
            .get_mut(cp["material"].as_str().expect("material"))
            .expect("known material");
        material.colour_prices.insert(
            cp["colour"].as_str().expect("colour").to_owned(),
            dec(&cp["price"]),
        );
    }
    let mut products = HashMap::new();
    for p in seed["products"].as_array().expect("products") {
        let range = |key: &str| (dec(&p[key][0]), dec(&p[key][1]));
        let bom = p["bom"]
            .as_array()
            .expect("bom")
            .iter()
            .map(|l| BomLine {
                description: l["description"].as_str().unwrap_or_default().to_owned(),
                material: l["material"].as_str().expect("material").to_owned(),
                kind: category(l["kind"].as_str().expect("kind")),
                formula: Formula::parse(l["quantity_formula"].as_str().expect("formula"))
                    .expect("seed formulas parse"),
                waste_factor: dec(&l["waste_factor"]),
                pieces: optional_formula(&l["pieces"]),
                piece_width_cm: optional_formula(&l["piece_width_cm"]),
                piece_height_cm: optional_formula(&l["piece_height_cm"]),
                piece_length_cm: optional_formula(&l["piece_length_cm"]),
            })
            .collect();
        let code = p["code"].as_str().expect("code").to_owned();
        products.insert(
            code.clone(),
            Product {
                code,
                name: p["name"].as_str().unwrap_or_default().to_owned(),
                window_type: p["window_type"].as_str().map(str::to_owned),
                width_cm: range("width_cm"),
                height_cm: range("height_cm"),
                bom,
            },
        );
    }
    let labour = seed["labour_per_m2"]
        .as_object()
        .expect("labour")
        .iter()
        .map(|(t, r)| {
            (
                t.clone(),
                LabourRate {
                    rate: dec(&r["rate"]),
                    complexity: dec(&r["complexity"]),
                },
            )
        })
        .collect();
    Catalog {
        materials,
        products,
        labour,
        ..Catalog::default()
    }
}

/// A piece formula of a BOM line, if the line has one.
fn optional_formula(v: &Value) -> Option<Formula> {
    v.as_str()
        .map(|src| Formula::parse(src).expect("piece formulas parse"))
}
