//! The quote engine alone: pricing 1, 10 and 50 windows from the seed catalogue.
//!
//! `cargo bench --bench engine` measures; under `cargo test` it runs a few
//! iterations only, as a smoke test.

#![allow(clippy::too_many_lines)] // scenarios are spelt out in full

#[path = "../tests/support/seed_catalog.rs"]
mod seed_catalog;

use std::hint::black_box;
use std::time::Instant;

use rust_decimal::Decimal;
use ventanas::pricing::{self as engine, ItemInput, QuoteInput};

fn quote(items: usize) -> QuoteInput {
    let products = [
        ("VEN-CORR-NAC3", "VID-CLARO-6", "BLA"),
        ("VEN-FIJA-NAC3", "VID-TEMPLADO-6", "NEG"),
        ("VEN-PROY-S35", "VID-LAMINADO-6", "NAT"),
    ];
    QuoteInput {
        items: (0..items)
            .map(|i| {
                let (product, glass, colour) = products[i % products.len()];
                ItemInput {
                    product: product.to_owned(),
                    width_cm: Decimal::from(80 + (i % 5) * 10),
                    height_cm: Decimal::from(60 + (i % 5) * 10),
                    quantity: 1 + (i % 3) as u32,
                    glass: Some(glass.to_owned()),
                    colour: Some(colour.to_owned()),
                }
            })
            .collect(),
        ..QuoteInput::default()
    }
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let catalog = seed_catalog::seed_catalog();
    for items in [1, 10, 50] {
        let input = quote(items);
        let iterations = if measuring {
            20_000 / items.max(1) as u32 * 10
        } else {
            3
        };
        let mut samples = Vec::with_capacity(iterations as usize);
        for _ in 0..iterations {
            let start = Instant::now();
            let result = engine::price(black_box(&catalog), black_box(&input)).expect("prices");
            black_box(result);
            samples.push(start.elapsed().as_nanos());
        }
        samples.sort_unstable();
        let at = |q: usize| samples[(samples.len() - 1) * q / 100];
        println!(
            "{items:>3} items: p50 {:>8} ns  p99 {:>8} ns  ({iterations} runs)",
            at(50),
            at(99)
        );
    }
}
