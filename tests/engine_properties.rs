//! Property checks of the quote engine and the customer document over random quotes
//! from the seed catalogue: every figure shown adds up exactly, to the cent; the
//! document's lines add up to its totals; more windows never cost less; the same
//! input always gives the same figures.
//!
//! No property-testing dependency: a fixed-seed PRNG makes every case reproducible.
//! A failure names the test, the case number and seed, the input, and the smallest
//! input found (by greedy shrinking) that still fails.

#[path = "support/seed_catalog.rs"]
mod seed_catalog;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use seed_catalog::{fixture, seed_catalog};
use ventanas::catalog::model::Category;
use ventanas::money::Money;
use ventanas::quotes::api::to_view;
use ventanas::quotes::document::customer_lines;
use ventanas::quotes::engine::{
    self, Catalog, ItemInput, MaterialInput, ProfileRule, QuoteInput, QuoteResult, Rates, Rules,
};
use ventanas::quotes::formula::Vars;

/// Fixed so that a failure seen once is seen again; `ENGINE_PROPERTIES_SEED` (hex)
/// and `ENGINE_PROPERTIES_CASES` explore further without editing the file.
const SEED: u64 = 0x5EED_7E27_A2A5_0001;
const CASES: u64 = 300;

fn seed() -> u64 {
    std::env::var("ENGINE_PROPERTIES_SEED").map_or(SEED, |s| {
        u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("ENGINE_PROPERTIES_SEED is hex")
    })
}

fn cases() -> u64 {
    std::env::var("ENGINE_PROPERTIES_CASES").map_or(CASES, |s| {
        s.parse().expect("ENGINE_PROPERTIES_CASES is a number")
    })
}

/// SplitMix64: tiny, deterministic and well mixed.
struct Rng(u64);

impl Rng {
    fn for_case(seed: u64, case: u64) -> Self {
        Rng(seed ^ case.wrapping_mul(0xA076_1D64_78BD_642F))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform enough in `lo..=hi` for test inputs (the modulo bias is negligible).
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).expect("lo <= hi");
        lo + i64::try_from(self.next() % span).expect("span fits")
    }

    fn chance(&mut self, percent: i64) -> bool {
        self.between(1, 100) <= percent
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        let last = i64::try_from(xs.len()).expect("len") - 1;
        &xs[usize::try_from(self.between(0, last)).expect("index")]
    }
}

/// The seed catalogue, with colour names so that documents show them.
fn test_catalog() -> Catalog {
    let mut catalog = seed_catalog();
    for c in fixture("seed-catalog.json")["colours"]
        .as_array()
        .expect("colours")
    {
        catalog.colours.insert(
            c["code"].as_str().expect("code").to_owned(),
            c["name"].as_str().expect("name").to_owned(),
        );
    }
    catalog
}

/// What random quotes draw from, sorted: the catalogue's maps iterate in a random
/// order, which would make the cases differ from run to run.
struct Universe {
    products: Vec<Choice>,
    glass: Vec<String>,
    materials: Vec<String>,
}

/// A product as random quotes see it.
struct Choice {
    code: String,
    width_cm: (Decimal, Decimal),
    height_cm: (Decimal, Decimal),
    /// Colours offered for every profile of the product.
    colours: Vec<String>,
}

impl Universe {
    fn of(catalog: &Catalog) -> Self {
        let mut products: Vec<_> = catalog
            .products
            .values()
            .map(|p| {
                let mut offered: Option<BTreeSet<String>> = None;
                for line in p.bom.iter().filter(|l| l.kind == Category::Profile) {
                    let colours: BTreeSet<String> = catalog.materials[&line.material]
                        .colour_prices
                        .keys()
                        .cloned()
                        .collect();
                    offered = Some(match offered {
                        Some(o) => o.intersection(&colours).cloned().collect(),
                        None => colours,
                    });
                }
                Choice {
                    code: p.code.clone(),
                    width_cm: p.width_cm,
                    height_cm: p.height_cm,
                    colours: offered.unwrap_or_default().into_iter().collect(),
                }
            })
            .collect();
        products.sort_by(|a, b| a.code.cmp(&b.code));
        let mut glass: Vec<String> = catalog
            .materials
            .values()
            .filter(|m| m.category == Category::Glass)
            .map(|m| m.code.clone())
            .collect();
        glass.sort();
        let mut materials: Vec<String> = catalog.materials.keys().cloned().collect();
        materials.sort();
        Universe {
            products,
            glass,
            materials,
        }
    }
}

/// A size inside `[lo, hi]` in 0.1 cm steps, often exactly on a bound.
fn size(rng: &mut Rng, (lo, hi): (Decimal, Decimal)) -> Decimal {
    let steps = ((hi - lo) * Decimal::TEN)
        .floor()
        .to_i64()
        .expect("range in steps");
    let k = match rng.between(0, 9) {
        0 => 0,
        1 => steps,
        _ => rng.between(0, steps),
    };
    lo + Decimal::new(k, 1)
}

fn random_quote(rng: &mut Rng, u: &Universe) -> QuoteInput {
    let items = (0..rng.between(1, 8))
        .map(|_| {
            let p = rng.pick(&u.products);
            ItemInput {
                product: p.code.clone(),
                width_cm: size(rng, p.width_cm),
                height_cm: size(rng, p.height_cm),
                quantity: u32::try_from(rng.between(1, 20)).expect("quantity"),
                glass: rng.chance(80).then(|| rng.pick(&u.glass).clone()),
                colour: (!p.colours.is_empty() && rng.chance(70))
                    .then(|| rng.pick(&p.colours).clone()),
            }
        })
        .collect();
    let material_items = (0..rng.between(0, 3))
        .map(|_| MaterialInput {
            material: rng.pick(&u.materials).clone(),
            quantity: if rng.chance(40) {
                Decimal::from(rng.between(1, 10))
            } else {
                Decimal::new(rng.between(1, 20_000), 3)
            },
        })
        .collect();
    let tax = [Decimal::ZERO, Decimal::new(8, 2), Decimal::new(16, 2)];
    let rates = Rates {
        profit: Decimal::new(rng.between(0, 6_000), 4),
        indirect: Decimal::new(rng.between(0, 4_000), 4),
        tax: *rng.pick(&tax),
        labour_override_per_m2: rng
            .chance(30)
            .then(|| Decimal::new(rng.between(0, 30_000), 2)),
        discount: if rng.chance(50) {
            Decimal::ZERO
        } else {
            Decimal::new(rng.between(0, 3_000), 4)
        },
    };
    let rules = Rules {
        profiles: *rng.pick(&[ProfileRule::WholeBarsPerLine, ProfileRule::PerMetre]),
        waste_on_hardware: rng.chance(50),
        ..Rules::default()
    };
    QuoteInput {
        items,
        material_items,
        rates,
        rules,
    }
}

type Check = Result<(), String>;

macro_rules! ensure {
    ($cond:expr, $($what:tt)+) => {
        if !$cond {
            return Err(format!($($what)+));
        }
    };
}

macro_rules! ensure_eq {
    ($ours:expr, $expected:expr, $($what:tt)+) => {{
        let (ours, expected) = (&$ours, &$expected);
        if ours != expected {
            return Err(format!(
                "{}: got {ours:?}, expected {expected:?} (`{}` vs `{}`)",
                format!($($what)+),
                stringify!($ours),
                stringify!($expected),
            ));
        }
    }};
}

/// Half away from zero at 2 decimals, written here rather than taken from the crate.
fn round2(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn cents_only(what: &str, value: Decimal) -> Check {
    ensure!(
        value.normalize().scale() <= 2,
        "{what} = {value} has more than 2 decimals"
    );
    Ok(())
}

fn shown(what: &str, value: Money) -> Check {
    let value = value.amount();
    cents_only(what, value)?;
    ensure!(
        !value.is_sign_negative() || value.is_zero(),
        "{what} = {value} is negative"
    );
    Ok(())
}

fn priced(catalog: &Catalog, input: &QuoteInput) -> Result<QuoteResult, String> {
    engine::price(catalog, input).map_err(|e| format!("a valid quote was refused: {e}"))
}

/// Runs `check` over `CASES` random quotes; on failure, shrinks the input and panics
/// with both. Returns the quotes checked.
fn for_random_quotes(name: &str, check: fn(&Catalog, &QuoteInput) -> Check) -> Vec<QuoteInput> {
    let catalog = test_catalog();
    let universe = Universe::of(&catalog);
    let (seed, cases) = (seed(), cases());
    let mut quotes = Vec::new();
    for case in 0..cases {
        let input = random_quote(&mut Rng::for_case(seed, case), &universe);
        if let Err(problem) = check(&catalog, &input) {
            let (small, small_problem) = shrink(&catalog, &input, problem.clone(), check);
            panic!(
                "{name}: case {case} of seed {seed:#x} fails: {problem}\n\
                 input: {input:#?}\n\
                 smallest failing input found: {small_problem}\n{small:#?}"
            );
        }
        quotes.push(input);
    }
    quotes
}

/// Greedy shrinking: keeps any simpler variant that still fails until none does.
fn shrink(
    catalog: &Catalog,
    input: &QuoteInput,
    problem: String,
    check: fn(&Catalog, &QuoteInput) -> Check,
) -> (QuoteInput, String) {
    let mut best = (input.clone(), problem);
    'simpler: loop {
        for candidate in simpler(catalog, &best.0) {
            if let Err(problem) = check(catalog, &candidate) {
                best = (candidate, problem);
                continue 'simpler;
            }
        }
        return best;
    }
}

/// Valid inputs one step simpler than `q` (each strictly, so shrinking ends).
fn simpler(catalog: &Catalog, q: &QuoteInput) -> Vec<QuoteInput> {
    let mut out = Vec::new();
    let mut with = |change: &dyn Fn(&mut QuoteInput)| {
        let mut c = q.clone();
        change(&mut c);
        out.push(c);
    };
    for i in 0..q.items.len() {
        if q.items.len() > 1 {
            with(&|c| {
                c.items.remove(i);
            });
        }
        let item = &q.items[i];
        let product = &catalog.products[&item.product];
        if item.quantity > 1 {
            with(&|c| c.items[i].quantity = 1);
        }
        if item.glass.is_some() {
            with(&|c| c.items[i].glass = None);
        }
        if item.colour.is_some() {
            with(&|c| c.items[i].colour = None);
        }
        if item.width_cm != product.width_cm.0 {
            with(&|c| c.items[i].width_cm = product.width_cm.0);
        }
        if item.height_cm != product.height_cm.0 {
            with(&|c| c.items[i].height_cm = product.height_cm.0);
        }
    }
    for i in 0..q.material_items.len() {
        with(&|c| {
            c.material_items.remove(i);
        });
    }
    let r = q.rates;
    if !r.profit.is_zero() {
        with(&|c| c.rates.profit = Decimal::ZERO);
    }
    if !r.indirect.is_zero() {
        with(&|c| c.rates.indirect = Decimal::ZERO);
    }
    if !r.tax.is_zero() {
        with(&|c| c.rates.tax = Decimal::ZERO);
    }
    if !r.discount.is_zero() {
        with(&|c| c.rates.discount = Decimal::ZERO);
    }
    if r.labour_override_per_m2.is_some() {
        with(&|c| c.rates.labour_override_per_m2 = None);
    }
    if q.rules != Rules::default() {
        with(&|c| c.rules = Rules::default());
    }
    out
}

/// Every figure the engine shows is rounded once to the cent, and they add up.
fn check_adds_up(catalog: &Catalog, input: &QuoteInput) -> Check {
    let r = priced(catalog, input)?;
    ensure_eq!(r.items.len(), input.items.len(), "item count");
    ensure_eq!(
        r.material_items.len(),
        input.material_items.len(),
        "material item count"
    );
    let (mut materials, mut labour) = (Decimal::ZERO, Decimal::ZERO);
    for (i, (item, req)) in r.items.iter().zip(&input.items).enumerate() {
        let at = |part: &str| format!("items[{i}].{part}");
        let product = &catalog.products[&req.product];
        let q = Decimal::from(req.quantity);
        for (part, value) in [
            ("profiles", item.profiles),
            ("glass", item.glass),
            ("hardware", item.hardware),
            ("consumables", item.consumables),
            ("labour", item.labour),
            ("subtotal", item.subtotal),
        ] {
            shown(&at(part), value)?;
        }
        let parts = item.profiles.amount()
            + item.glass.amount()
            + item.hardware.amount()
            + item.consumables.amount();
        ensure_eq!(
            item.subtotal.amount(),
            parts + item.labour.amount(),
            "{}",
            at("subtotal")
        );
        materials += parts;
        labour += item.labour.amount();

        let area = req.width_cm / Decimal::ONE_HUNDRED * (req.height_cm / Decimal::ONE_HUNDRED);
        ensure_eq!(item.area_m2, area, "{}", at("area_m2"));
        let glass_code = req.glass.clone().or_else(|| {
            product
                .bom
                .iter()
                .find(|l| l.kind == Category::Glass)
                .map(|l| l.material.clone())
        });
        let glass_price = glass_code
            .as_ref()
            .map_or(Decimal::ZERO, |c| catalog.materials[c].price);
        ensure_eq!(
            item.glass_price_per_m2,
            glass_price,
            "{}",
            at("glass_price")
        );
        ensure_eq!(
            item.glass.amount(),
            round2(area * glass_price * Decimal::new(105, 2) * q),
            "{} (area × price × 1.05 × quantity)",
            at("glass")
        );
        let labour_rate = input.rates.labour_override_per_m2.unwrap_or_else(|| {
            product
                .window_type
                .as_ref()
                .and_then(|t| catalog.labour.get(t))
                .map_or(Decimal::ZERO, |l| l.rate * l.complexity)
        });
        ensure_eq!(
            item.labour_rate_per_m2,
            labour_rate,
            "{}",
            at("labour_rate")
        );
        ensure_eq!(
            item.labour.amount(),
            round2(area * labour_rate * q),
            "{} (area × rate × quantity)",
            at("labour")
        );

        ensure_eq!(item.lines.len(), product.bom.len(), "{}", at("lines"));
        let vars = Vars::new(req.width_cm, req.height_cm, q);
        for (j, (line, bom)) in item.lines.iter().zip(&product.bom).enumerate() {
            let at = |part: &str| format!("items[{i}].lines[{j}].{part}");
            let info = &catalog.materials[&bom.material];
            let net = bom.formula.eval(&vars).map_err(|e| at(&e.to_string()))?;
            ensure_eq!(line.net_quantity, net.max(Decimal::ZERO), "{}", at("net"));
            let waste = if bom.kind == Category::Hardware && !input.rules.waste_on_hardware {
                Decimal::ONE
            } else {
                bom.waste_factor
            };
            ensure_eq!(line.waste_factor, waste, "{}", at("waste_factor"));
            let needed = line.net_quantity * waste;
            match (bom.kind, input.rules.profiles, info.bar_length_m) {
                (Category::Profile, ProfileRule::WholeBarsPerLine, Some(bar)) => {
                    let bars = line.bars.ok_or_else(|| at("bars is missing"))?;
                    ensure_eq!(bars, bars.trunc(), "{} whole", at("bars"));
                    ensure_eq!(line.quantity, bars * bar, "{}", at("quantity"));
                    ensure!(
                        (line.quantity >= needed && line.quantity - bar < needed)
                            || (bars.is_zero() && needed.is_zero()),
                        "{}: {bars} bars of {bar} m for {needed} m",
                        at("bars")
                    );
                }
                _ => {
                    ensure!(
                        line.bars.is_none(),
                        "{}: bars without whole bars",
                        at("bars")
                    );
                    ensure_eq!(line.quantity, needed, "{}", at("quantity"));
                }
            }
            let unit_price = match (&req.colour, bom.kind) {
                (Some(colour), Category::Profile) => info.colour_prices[colour],
                _ => info.price,
            };
            ensure_eq!(line.unit_price, unit_price, "{}", at("unit_price"));
            ensure_eq!(
                line.amount,
                line.quantity * unit_price * q,
                "{}",
                at("amount")
            );
            ensure_eq!(line.billed, bom.kind != Category::Glass, "{}", at("billed"));
        }
        for (part, kind, value) in [
            ("profiles", Category::Profile, item.profiles),
            ("hardware", Category::Hardware, item.hardware),
            ("consumables", Category::Consumable, item.consumables),
        ] {
            let sum: Decimal = item
                .lines
                .iter()
                .filter(|l| l.billed && l.kind == kind)
                .map(|l| l.amount)
                .sum();
            ensure_eq!(value.amount(), round2(sum), "{} (Σ lines)", at(part));
        }
    }
    for (i, (m, req)) in r
        .material_items
        .iter()
        .zip(&input.material_items)
        .enumerate()
    {
        let at = format!("material_items[{i}]");
        shown(&at, m.amount)?;
        let price = catalog.materials[&req.material].price;
        ensure_eq!(m.unit_price, price, "{at}.unit_price");
        ensure_eq!(
            m.amount.amount(),
            round2(req.quantity * price),
            "{at}.amount"
        );
        materials += m.amount.amount();
    }

    let t = &r.totals;
    for (what, value) in [
        ("materials", t.materials),
        ("labour", t.labour),
        ("cost", t.cost),
        ("profit", t.profit),
        ("indirect", t.indirect),
        ("discount", t.discount),
        ("before_tax", t.before_tax),
        ("tax", t.tax),
        ("total", t.total),
    ] {
        shown(&format!("totals.{what}"), value)?;
    }
    let rates = input.rates;
    ensure_eq!(r.rates, rates, "rates echoed");
    ensure_eq!(t.materials.amount(), materials, "totals.materials");
    ensure_eq!(t.labour.amount(), labour, "totals.labour");
    let cost = t.cost.amount();
    ensure_eq!(cost, materials + labour, "totals.cost");
    ensure_eq!(
        t.profit.amount(),
        round2(cost * rates.profit),
        "totals.profit"
    );
    ensure_eq!(
        t.indirect.amount(),
        round2(cost * rates.indirect),
        "totals.indirect"
    );
    let gross = cost + t.profit.amount() + t.indirect.amount();
    ensure_eq!(
        t.discount.amount(),
        round2(gross * rates.discount),
        "totals.discount"
    );
    let before_tax = t.before_tax.amount();
    ensure_eq!(before_tax, gross - t.discount.amount(), "totals.before_tax");
    ensure_eq!(t.tax.amount(), round2(before_tax * rates.tax), "totals.tax");
    ensure_eq!(
        t.total.amount(),
        before_tax + t.tax.amount(),
        "totals.total"
    );
    Ok(())
}

/// The customer's lines add up to the document's subtotal, and its totals chain.
fn check_document(catalog: &Catalog, input: &QuoteInput) -> Check {
    let r = priced(catalog, input)?;
    let view = to_view(catalog, input, r.clone());
    let t = &view.totals;
    ensure!(
        t.total == r.totals.total,
        "the view's total is the engine's"
    );
    let (lines, totals) = customer_lines(&view);
    ensure_eq!(
        lines.len(),
        input.items.len() + input.material_items.len(),
        "one line per item and material item"
    );
    for (i, line) in lines.iter().enumerate() {
        cents_only(&format!("lines[{i}]"), line.amount)?;
        ensure!(
            !line.amount.is_sign_negative() || line.amount.is_zero(),
            "lines[{i}] = {} is negative",
            line.amount
        );
    }
    for (i, total) in totals.iter().enumerate() {
        cents_only(&format!("totals[{i}] {}", total.label), total.amount)?;
    }
    let labels: Vec<&str> = totals.iter().map(|t| t.label.as_str()).collect();
    let subtotal = totals.first().ok_or("no total lines")?;
    ensure_eq!(subtotal.label, "Subtotal", "first total line {labels:?}");
    let sum: Decimal = lines.iter().map(|l| l.amount).sum();
    ensure_eq!(sum, subtotal.amount, "Σ customer lines = Subtotal");
    ensure_eq!(
        subtotal.amount,
        t.cost.amount() + t.profit.amount() + t.indirect.amount(),
        "Subtotal = cost + profit + indirect"
    );

    // Each line is its share of the subtotal by the item's cost, within a cent.
    let weights: Vec<Decimal> = view
        .items
        .iter()
        .map(|i| i.subtotal.amount())
        .chain(view.material_items.iter().map(|m| m.amount.amount()))
        .collect();
    let weight: Decimal = weights.iter().copied().sum();
    if !weight.is_zero() {
        for (i, (line, w)) in lines.iter().zip(&weights).enumerate() {
            let share = subtotal.amount * *w / weight;
            ensure!(
                (line.amount - share).abs() < Decimal::new(1, 2),
                "lines[{i}] = {} is not its share {share} of the subtotal",
                line.amount
            );
        }
    }

    let mut rest = &totals[1..];
    let before_tax = if t.discount.amount().is_zero() {
        subtotal.amount
    } else {
        let [discount, after, tail @ ..] = rest else {
            return Err(format!("discount lines are missing: {labels:?}"));
        };
        ensure!(
            discount.label.starts_with("Descuento"),
            "discount label {labels:?}"
        );
        ensure_eq!(discount.amount, -t.discount.amount(), "Descuento");
        ensure_eq!(after.label, "Subtotal con descuento", "{labels:?}");
        ensure_eq!(
            after.amount,
            subtotal.amount + discount.amount,
            "Subtotal − discount"
        );
        rest = tail;
        after.amount
    };
    ensure_eq!(before_tax, t.before_tax.amount(), "before tax");
    let [iva, total] = rest else {
        return Err(format!("expected IVA and Total at the end: {labels:?}"));
    };
    ensure!(iva.label.starts_with("IVA"), "IVA label {labels:?}");
    ensure_eq!(iva.amount, t.tax.amount(), "IVA");
    ensure_eq!(total.label, "Total", "{labels:?}");
    ensure_eq!(total.amount, before_tax + iva.amount, "before tax + IVA");
    ensure_eq!(total.amount, t.total.amount(), "Total");
    Ok(())
}

/// One more window (or several) of any item never lowers any figure up the chain.
fn check_monotone(catalog: &Catalog, input: &QuoteInput) -> Check {
    let base = priced(catalog, input)?;
    for i in 0..input.items.len() {
        for extra in [1, 7] {
            let mut more = input.clone();
            more.items[i].quantity += extra;
            let r = priced(catalog, &more)?;
            let at = format!(
                "items[{i}] quantity {} → {}",
                input.items[i].quantity, more.items[i].quantity
            );
            for (what, before, after) in [
                ("subtotal", base.items[i].subtotal, r.items[i].subtotal),
                ("cost", base.totals.cost, r.totals.cost),
                ("before_tax", base.totals.before_tax, r.totals.before_tax),
                ("tax", base.totals.tax, r.totals.tax),
                ("total", base.totals.total, r.totals.total),
            ] {
                ensure!(
                    after >= before,
                    "{at}: {what} fell from {before} to {after}"
                );
            }
            for (j, (a, b)) in base.items.iter().zip(&r.items).enumerate() {
                ensure!(j == i || a == b, "{at}: items[{j}] changed too");
            }
        }
    }
    Ok(())
}

/// Same input, same figures: twice on one catalogue, and on a second copy (whose
/// hash maps iterate in another order), through to the customer's document.
fn check_deterministic(catalog: &Catalog, input: &QuoteInput) -> Check {
    let first = priced(catalog, input)?;
    let again = priced(catalog, input)?;
    ensure!(
        first == again,
        "two pricings differ:\n{first:#?}\n{again:#?}"
    );
    static OTHER: OnceLock<Catalog> = OnceLock::new();
    let other = priced(OTHER.get_or_init(test_catalog), input)?;
    ensure!(
        first == other,
        "another copy of the catalogue prices differently:\n{first:#?}\n{other:#?}"
    );
    let doc = |r: QuoteResult| format!("{:?}", customer_lines(&to_view(catalog, input, r)));
    let (a, b) = (doc(first), doc(again));
    ensure!(a == b, "two documents differ:\n{a}\n{b}");
    Ok(())
}

#[test]
fn random_quotes_show_figures_that_add_up_to_the_cent() {
    let quotes = for_random_quotes("adds up", check_adds_up);
    // The cases must cover what they claim to: every product, both rules, discounts,
    // labour overrides, colours, default glass and loose materials.
    let products: BTreeSet<&str> = quotes
        .iter()
        .flat_map(|q| q.items.iter().map(|i| i.product.as_str()))
        .collect();
    assert_eq!(
        products.len(),
        test_catalog().products.len(),
        "every product is drawn"
    );
    let some = |what: &str, f: &dyn Fn(&QuoteInput) -> bool| {
        let n = quotes.iter().filter(|q| f(q)).count();
        assert!(
            n * 30 >= quotes.len(),
            "only {n} of {} quotes have {what}",
            quotes.len()
        );
    };
    some("per-metre profiles", &|q| {
        q.rules.profiles == ProfileRule::PerMetre
    });
    some("whole bars", &|q| {
        q.rules.profiles == ProfileRule::WholeBarsPerLine
    });
    some("no waste on hardware", &|q| !q.rules.waste_on_hardware);
    some("a discount", &|q| !q.rates.discount.is_zero());
    some("a labour override", &|q| {
        q.rates.labour_override_per_m2.is_some()
    });
    some("a colour", &|q| q.items.iter().any(|i| i.colour.is_some()));
    some("default glass", &|q| {
        q.items.iter().any(|i| i.glass.is_none())
    });
    some("loose materials", &|q| !q.material_items.is_empty());
    some("no tax", &|q| q.rates.tax.is_zero());
}

#[test]
fn customer_documents_of_random_quotes_add_up_to_their_totals() {
    for_random_quotes("document", check_document);
}

#[test]
fn more_windows_never_make_a_quote_cheaper() {
    for_random_quotes("monotone", check_monotone);
}

#[test]
fn pricing_the_same_quote_twice_gives_the_same_figures() {
    for_random_quotes("deterministic", check_deterministic);
}
