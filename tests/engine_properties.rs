//! Property checks of the quote engine and the customer document over random quotes
//! from the seed catalogue: every figure shown adds up exactly, to the cent; the
//! document's lines add up to its totals; more windows never cost less; the same
//! input always gives the same figures. The random rules cover the classic ones and
//! the better ones (glass from BOM pieces, profiles cut from shared bars per job,
//! half-to-even rounding), each recomputed independently here.
//!
//! No property-testing dependency: a fixed-seed PRNG makes every case reproducible.
//! A failure names the test, the case number and seed, the input, and the smallest
//! input found (by greedy shrinking) that still fails.

#![allow(clippy::too_many_lines)] // scenarios are spelt out in full

#[path = "support/seed_catalog.rs"]
mod seed_catalog;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use seed_catalog::{fixture, seed_catalog};
use ventanas::catalog::model::Category;
use ventanas::documents::lines::customer_lines;
use ventanas::money::Money;
use ventanas::pricing::formula::{Formula, Vars};
use ventanas::pricing::{
    self as engine, Catalog, GlassRule, ItemInput, LineResult, MaterialInput, Pieces, ProfileRule,
    QuoteInput, QuoteResult, Rates, Rounding, Rules,
};
use ventanas::quotes::view::to_view;

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

/// The seed catalogue, with colour names so that documents show them and piece
/// formulas so that the piece rules have pieces to bill.
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
    add_piece_formulas(&mut catalog);
    catalog
}

fn formula(src: &str) -> Formula {
    Formula::parse(src).expect("piece formulas parse")
}

/// The seed fixture has no piece formulas. The default products get the shipped
/// defaults' (tenants/global.toml: pieces restated from the quantity formulas; the
/// perimeter lines have no piece length, so they stay per metre under cut plans).
/// The TEST-* products get a few of our own; their profile lines (perimeters, a
/// door frame of two jambs and a head in one line) keep none, so the fallbacks are
/// exercised: per metre × waste under cut plans, and the formula's m² for glass.
fn add_piece_formulas(catalog: &mut Catalog) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tenants/global.toml");
    let shipped: toml::Table =
        toml::from_str(&std::fs::read_to_string(path).expect("tenants/global.toml"))
            .expect("tenants/global.toml is TOML");
    let piece = |line: &toml::Value, key: &str| {
        line.get(key)
            .map(|v| formula(v.as_str().expect("piece formulas are strings")))
    };
    let mut restated = BTreeSet::new();
    for p in shipped["products"].as_array().expect("shipped products") {
        let code = p["code"].as_str().expect("code");
        let Some(product) = catalog.products.get_mut(code) else {
            continue;
        };
        let bom = p["bom"].as_array().expect("shipped bom");
        assert_eq!(
            bom.len(),
            product.bom.len(),
            "{code}: shipped BOM ≠ seed BOM"
        );
        for (j, (line, shipped)) in product.bom.iter_mut().zip(bom).enumerate() {
            assert_eq!(
                Some(line.material.as_str()),
                shipped["material"].as_str(),
                "{code}: bom[{j}] of the shipped product is another material"
            );
            line.pieces = piece(shipped, "pieces");
            line.piece_width_cm = piece(shipped, "piece_width_cm");
            line.piece_height_cm = piece(shipped, "piece_height_cm");
            line.piece_length_cm = piece(shipped, "piece_length_cm");
        }
        restated.insert(code.to_owned());
    }
    let defaults: BTreeSet<String> = catalog
        .products
        .keys()
        .filter(|c| !c.starts_with("TEST-"))
        .cloned()
        .collect();
    assert_eq!(restated, defaults, "every default product is shipped");

    // A tall casement is glazed in panes of 80 cm at most: pieces without sizes, so
    // the formula's m² is shared by the panes (each at least the minimum area).
    let casement = catalog
        .products
        .get_mut("TEST-ABA-S35")
        .expect("TEST-ABA-S35");
    let glass = casement
        .bom
        .iter_mut()
        .find(|l| l.kind == Category::Glass)
        .expect("a glass line");
    glass.pieces = Some(formula("max(1, ceil(height_m / 0.8))"));

    let with_pieces = catalog
        .products
        .values()
        .flat_map(|p| &p.bom)
        .filter(|l| l.pieces.is_some())
        .count();
    assert!(with_pieces >= 8, "only {with_pieces} lines have pieces");
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

/// A size inside `[lo, hi]` in 0.1 cm steps, often exactly on a bound or round.
fn size(rng: &mut Rng, (lo, hi): (Decimal, Decimal)) -> Decimal {
    let steps = ((hi - lo) * Decimal::TEN)
        .floor()
        .to_i64()
        .expect("range in steps");
    let k = match rng.between(0, 9) {
        0 => 0,
        1 => steps,
        // Whole 10 cm, as shops often quote: pieces that can fill a bar exactly.
        2..=4 => rng.between(0, steps) / 100 * 100,
        _ => rng.between(0, steps),
    };
    lo + Decimal::new(k, 1)
}

/// Glass rounding steps (cm) and minimum areas per piece (m²), as `Decimal::new` parts.
const GLASS_STEPS_CM: [(i64, u32); 4] = [(0, 0), (5, 1), (1, 0), (5, 0)];
const GLASS_MIN_AREAS_M2: [(i64, u32); 3] = [(0, 0), (25, 2), (5, 1)];

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
    // Often an ideal saw (no kerf, no trims), so that round pieces fill a bar to
    // the millimetre.
    let (kerf_mm, trim_mm) = if rng.chance(33) {
        (0, 0)
    } else {
        (rng.between(0, 8), rng.between(0, 20))
    };
    let (kerf_mm, trim_mm) = (
        u32::try_from(kerf_mm).expect("kerf"),
        u32::try_from(trim_mm).expect("trim"),
    );
    let rules = Rules {
        profiles: *rng.pick(&[
            ProfileRule::WholeBarsPerLine,
            ProfileRule::PerMetre,
            ProfileRule::CutPlanPerJob,
        ]),
        waste_on_hardware: rng.chance(50),
        glass: if rng.chance(50) {
            GlassRule::WindowArea
        } else {
            GlassRule::BomPieces {
                step_cm: *rng.pick(&GLASS_STEPS_CM.map(|(n, s)| Decimal::new(n, s))),
                min_area_m2: *rng.pick(&GLASS_MIN_AREAS_M2.map(|(n, s)| Decimal::new(n, s))),
            }
        },
        kerf_mm,
        trim_mm,
        rounding: *rng.pick(&[Rounding::HalfUp, Rounding::HalfEven]),
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

/// To cents as the quote's rules say: half away from zero (half-up) or half to even,
/// written here rather than taken from the crate.
fn round2(rounding: Rounding, value: Decimal) -> Decimal {
    let strategy = match rounding {
        Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
    };
    value.round_dp_with_strategy(2, strategy)
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
        if item.quantity > 2 {
            with(&|c| c.items[i].quantity = item.quantity / 2);
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
    // Rules step towards the default one setting at a time (and the glass rule's
    // parameters towards 0), so every step is strictly simpler.
    let (rules, classic) = (q.rules, Rules::default());
    if rules != classic {
        with(&|c| c.rules = classic);
    }
    if rules.profiles != classic.profiles {
        with(&|c| c.rules.profiles = classic.profiles);
    }
    if rules.waste_on_hardware != classic.waste_on_hardware {
        with(&|c| c.rules.waste_on_hardware = classic.waste_on_hardware);
    }
    if let GlassRule::BomPieces {
        step_cm,
        min_area_m2,
    } = rules.glass
    {
        with(&|c| c.rules.glass = classic.glass);
        if !step_cm.is_zero() {
            with(&|c| {
                c.rules.glass = GlassRule::BomPieces {
                    step_cm: Decimal::ZERO,
                    min_area_m2,
                }
            });
        }
        if !min_area_m2.is_zero() {
            with(&|c| {
                c.rules.glass = GlassRule::BomPieces {
                    step_cm,
                    min_area_m2: Decimal::ZERO,
                }
            });
        }
    }
    if rules.kerf_mm != classic.kerf_mm {
        with(&|c| c.rules.kerf_mm = classic.kerf_mm);
    }
    if rules.trim_mm != classic.trim_mm {
        with(&|c| c.rules.trim_mm = classic.trim_mm);
    }
    if rules.rounding != classic.rounding {
        with(&|c| c.rules.rounding = classic.rounding);
    }
    out
}

/// Profile pieces of one BOM line of one item, as this test plans them.
struct Planned {
    material: String,
    colour: Option<String>,
    unit_price: Decimal,
    bar_length_m: Decimal,
    /// Whole millimetres, rounded up: a piece is never cut short.
    length_mm: u32,
    /// Pieces per window × windows.
    count: u32,
    /// What the windows pay for them: the line's (unrounded) amount.
    paid: Decimal,
}

/// `value` rounded up to a multiple of `step` (unchanged when `step` is 0).
fn stepped_up(value: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() {
        value
    } else {
        (value / step).ceil() * step
    }
}

/// First-fit decreasing, written out plainly: each piece, longest first, goes into
/// the first bar it fits in (after a kerf, as every open bar has a cut already).
fn first_fit_decreasing(pieces: &[u32], usable_mm: u32, kerf_mm: u32) -> Vec<Vec<u32>> {
    let mut sorted: Vec<u32> = pieces.iter().copied().filter(|p| *p > 0).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let mut bars: Vec<(u32, Vec<u32>)> = Vec::new();
    for piece in sorted {
        match bars
            .iter_mut()
            .find(|(used, _)| used + kerf_mm + piece <= usable_mm)
        {
            Some((used, cuts)) => {
                *used += kerf_mm + piece;
                cuts.push(piece);
            }
            None => bars.push((piece, vec![piece])),
        }
    }
    bars.into_iter().map(|(_, cuts)| cuts).collect()
}

/// Every figure the engine shows is rounded once to the cent, and they add up.
fn check_adds_up(catalog: &Catalog, input: &QuoteInput) -> Check {
    let r = priced(catalog, input)?;
    let rules = input.rules;
    let round2 = |value: Decimal| round2(rules.rounding, value);
    ensure_eq!(r.items.len(), input.items.len(), "item count");
    ensure_eq!(
        r.material_items.len(),
        input.material_items.len(),
        "material item count"
    );
    let (mut materials, mut labour) = (Decimal::ZERO, Decimal::ZERO);
    let mut planned: Vec<Planned> = Vec::new();
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
        // Glass by pieces needs glass lines; a product without any is billed on the
        // window area, as classically.
        let glass_by_pieces = match rules.glass {
            GlassRule::BomPieces {
                step_cm,
                min_area_m2,
            } if product.bom.iter().any(|l| l.kind == Category::Glass) => {
                Some((step_cm, min_area_m2))
            }
            _ => None,
        };
        if glass_by_pieces.is_none() {
            ensure_eq!(
                item.glass.amount(),
                round2(area * glass_price * Decimal::new(105, 2) * q),
                "{} (area × price × 1.05 × quantity)",
                at("glass")
            );
        }
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
            let eval = |f: &Formula| {
                f.eval(&vars)
                    .map(|v| v.max(Decimal::ZERO))
                    .map_err(|e| at(&e.to_string()))
            };
            // Billing glass by pieces, a chosen glass replaces the BOM's.
            let material = match (&req.glass, bom.kind, glass_by_pieces) {
                (Some(chosen), Category::Glass, Some(_)) => chosen,
                _ => &bom.material,
            };
            ensure_eq!(&line.material, material, "{}", at("material"));
            let info = &catalog.materials[material];
            let net = eval(&bom.formula)?;
            let waste = if bom.kind == Category::Hardware && !rules.waste_on_hardware {
                Decimal::ONE
            } else {
                bom.waste_factor
            };
            let needed = net * waste;
            let unit_price = match (&req.colour, bom.kind) {
                (Some(colour), Category::Profile) => info.colour_prices[colour],
                _ => info.price,
            };
            ensure_eq!(line.unit_price, unit_price, "{}", at("unit_price"));
            let count = match &bom.pieces {
                Some(f) => eval(f)?.ceil().to_u32().ok_or_else(|| at("pieces"))?,
                None => 1,
            };
            let bar = info.bar_length_m.filter(|b| !b.is_zero());
            match (bom.kind, rules.profiles, bar) {
                (Category::Glass, _, _) if glass_by_pieces.is_some() => {
                    let (step, min_area) = glass_by_pieces.ok_or_else(|| at("glass rule"))?;
                    let n = Decimal::from(count);
                    let (each, width, height) = match (&bom.piece_width_cm, &bom.piece_height_cm) {
                        (Some(w), Some(h)) => {
                            let (w, h) = (stepped_up(eval(w)?, step), stepped_up(eval(h)?, step));
                            (w * h / Decimal::from(10_000), Some(w), Some(h))
                        }
                        // No sizes: the formula's m², shared by the pieces.
                        _ if count > 0 => (net / n, None, None),
                        _ => (Decimal::ZERO, None, None),
                    };
                    let billed_area = each.max(min_area);
                    ensure_eq!(line.net_quantity, each * n, "{}", at("net"));
                    ensure_eq!(line.waste_factor, waste, "{}", at("waste_factor"));
                    ensure_eq!(
                        line.quantity,
                        billed_area * n * waste,
                        "{} (max(piece area, minimum) × pieces × waste)",
                        at("quantity")
                    );
                    ensure!(line.bars.is_none(), "{}: bars of glass", at("bars"));
                    let pieces = Pieces {
                        count,
                        width_cm: width,
                        height_cm: height,
                        billed_area_m2: Some(billed_area),
                        length_cm: None,
                    };
                    ensure_eq!(line.pieces, Some(pieces), "{}", at("pieces"));
                }
                (Category::Profile, ProfileRule::CutPlanPerJob, Some(bar))
                    if bom.piece_length_cm.is_some() =>
                {
                    let length = eval(bom.piece_length_cm.as_ref().ok_or_else(|| at("length"))?)?;
                    let metres = Decimal::from(count) * length / Decimal::ONE_HUNDRED;
                    ensure_eq!(line.net_quantity, metres, "{}", at("net (pieces × length)"));
                    // The plan's offcuts are the waste: the windows pay their metres.
                    ensure_eq!(line.waste_factor, Decimal::ONE, "{}", at("waste_factor"));
                    ensure_eq!(line.quantity, metres, "{}", at("quantity"));
                    ensure!(line.bars.is_none(), "{}: bars per line", at("bars"));
                    let pieces = Pieces {
                        count,
                        width_cm: None,
                        height_cm: None,
                        billed_area_m2: None,
                        length_cm: Some(length),
                    };
                    ensure_eq!(line.pieces, Some(pieces), "{}", at("pieces"));
                    planned.push(Planned {
                        material: material.clone(),
                        colour: req.colour.clone(),
                        unit_price,
                        bar_length_m: bar,
                        length_mm: (length * Decimal::TEN)
                            .ceil()
                            .to_u32()
                            .ok_or_else(|| at("length in mm"))?,
                        count: count * req.quantity,
                        paid: metres * unit_price * q,
                    });
                }
                (Category::Profile, ProfileRule::WholeBarsPerLine, Some(bar)) => {
                    ensure_eq!(line.net_quantity, net, "{}", at("net"));
                    ensure_eq!(line.waste_factor, waste, "{}", at("waste_factor"));
                    let bars = line.bars.ok_or_else(|| at("bars is missing"))?;
                    ensure_eq!(bars, bars.trunc(), "{} whole", at("bars"));
                    ensure_eq!(line.quantity, bars * bar, "{}", at("quantity"));
                    ensure!(
                        (line.quantity >= needed && line.quantity - bar < needed)
                            || (bars.is_zero() && needed.is_zero()),
                        "{}: {bars} bars of {bar} m for {needed} m",
                        at("bars")
                    );
                    ensure!(line.pieces.is_none(), "{}: pieces per line", at("pieces"));
                }
                _ => {
                    ensure_eq!(line.net_quantity, net, "{}", at("net"));
                    ensure_eq!(line.waste_factor, waste, "{}", at("waste_factor"));
                    ensure!(
                        line.bars.is_none(),
                        "{}: bars without whole bars",
                        at("bars")
                    );
                    ensure_eq!(line.quantity, needed, "{}", at("quantity"));
                    ensure!(
                        line.pieces.is_none(),
                        "{}: pieces without a piece rule",
                        at("pieces")
                    );
                }
            }
            ensure_eq!(
                line.amount,
                line.quantity * unit_price * q,
                "{}",
                at("amount")
            );
            ensure_eq!(
                line.billed,
                bom.kind != Category::Glass || glass_by_pieces.is_some(),
                "{}",
                at("billed")
            );
        }
        let mut kinds = vec![
            ("profiles", Category::Profile, item.profiles),
            ("hardware", Category::Hardware, item.hardware),
            ("consumables", Category::Consumable, item.consumables),
        ];
        if glass_by_pieces.is_some() {
            kinds.push(("glass", Category::Glass, item.glass));
        }
        for (part, kind, value) in kinds {
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
    let offcuts = check_cut_plans(&r, &planned, rules)?;
    materials += offcuts;

    let t = &r.totals;
    for (what, value) in [
        ("materials", t.materials),
        ("offcuts", t.offcuts),
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
    ensure_eq!(
        t.offcuts.amount(),
        offcuts,
        "totals.offcuts (Σ plans' offcuts)"
    );
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

/// The quote's cut plans, recomputed from the pieces the lines were billed by: one
/// plan per profile and colour, in the order they first appear; the bars are those
/// of first-fit decreasing; each bar's cuts and kerfs fit its usable length; the
/// windows pay their metres and the plan shows the rest as offcuts. Returns Σ offcuts.
fn check_cut_plans(r: &QuoteResult, planned: &[Planned], rules: Rules) -> Result<Decimal, String> {
    if rules.profiles != ProfileRule::CutPlanPerJob {
        ensure!(
            r.cut_plans.is_empty(),
            "cut plans under {:?}",
            rules.profiles
        );
        ensure_eq!(r.totals.offcuts.amount(), Decimal::ZERO, "totals.offcuts");
        return Ok(Decimal::ZERO);
    }
    let mut groups: Vec<(&str, Option<&str>, Vec<&Planned>)> = Vec::new();
    for p in planned {
        let key = (p.material.as_str(), p.colour.as_deref());
        match groups.iter_mut().find(|(m, c, _)| (*m, *c) == key) {
            Some((_, _, members)) => members.push(p),
            None => groups.push((key.0, key.1, vec![p])),
        }
    }
    let plans: Vec<(&str, Option<&str>)> = r
        .cut_plans
        .iter()
        .map(|p| (p.material.as_str(), p.colour.as_deref()))
        .collect();
    let expected: Vec<(&str, Option<&str>)> = groups.iter().map(|(m, c, _)| (*m, *c)).collect();
    ensure_eq!(plans, expected, "cut plans (profile, colour)");
    let mut offcuts = Decimal::ZERO;
    for (k, (plan, (_, _, members))) in r.cut_plans.iter().zip(&groups).enumerate() {
        let at = |part: &str| format!("cut_plans[{k}].{part}");
        let first = members[0];
        ensure_eq!(
            plan.bar_length_m,
            first.bar_length_m,
            "{}",
            at("bar_length_m")
        );
        ensure_eq!(plan.unit_price, first.unit_price, "{}", at("unit_price"));
        for m in members {
            ensure_eq!(
                m.unit_price,
                first.unit_price,
                "{}: one price",
                at("members")
            );
        }
        ensure_eq!(plan.kerf_mm, rules.kerf_mm, "{}", at("kerf_mm"));
        ensure_eq!(plan.trim_mm, rules.trim_mm, "{}", at("trim_mm"));
        shown(&at("amount"), plan.amount)?;
        shown(&at("offcuts"), plan.offcuts)?;

        let bar_mm = (first.bar_length_m * Decimal::ONE_THOUSAND)
            .ceil()
            .to_u32()
            .ok_or_else(|| at("bar in mm"))?;
        let usable = bar_mm - 2 * rules.trim_mm;
        let mut pieces: Vec<u32> = members
            .iter()
            .flat_map(|m| std::iter::repeat_n(m.length_mm, m.count as usize))
            .filter(|l| *l > 0)
            .collect();
        let pieces_mm: u64 = pieces.iter().map(|l| u64::from(*l)).sum();
        ensure_eq!(
            plan.pieces_m,
            Decimal::from(pieces_mm) / Decimal::ONE_THOUSAND,
            "{}",
            at("pieces_m")
        );
        // Every planned piece is cut once: the plan's cuts are the pieces.
        let mut cuts: Vec<u32> = plan.bars.iter().flat_map(|b| b.cuts.clone()).collect();
        let cuts_mm: u64 = cuts.iter().map(|l| u64::from(*l)).sum();
        ensure_eq!(cuts_mm, pieces_mm, "{}: Σ cuts = Σ pieces", at("bars"));
        cuts.sort_unstable();
        pieces.sort_unstable();
        ensure!(
            cuts == pieces,
            "{}: the cuts are not the pieces",
            at("bars")
        );
        for (b, bar) in plan.bars.iter().enumerate() {
            let at = |part: &str| at(&format!("bars[{b}].{part}"));
            ensure!(!bar.cuts.is_empty(), "{}: a bar without cuts", at("cuts"));
            ensure!(
                bar.cuts.windows(2).all(|w| w[0] >= w[1]),
                "{}: {:?} not longest first",
                at("cuts"),
                bar.cuts
            );
            let kerfs = rules.kerf_mm * u32::try_from(bar.cuts.len() - 1).expect("cuts");
            let used = bar.cuts.iter().sum::<u32>() + kerfs;
            ensure_eq!(bar.used_mm, used, "{} (cuts + kerfs)", at("used_mm"));
            ensure!(
                bar.used_mm <= usable,
                "{}: {} mm used of a usable {usable} mm",
                at("used_mm"),
                bar.used_mm
            );
            ensure_eq!(bar.offcut_mm, usable - bar.used_mm, "{}", at("offcut_mm"));
        }
        let bars: Vec<Vec<u32>> = plan.bars.iter().map(|b| b.cuts.clone()).collect();
        let ffd = first_fit_decreasing(&pieces, usable, rules.kerf_mm);
        ensure!(
            bars == ffd,
            "{}: {bars:?} is not first-fit decreasing {ffd:?}",
            at("bars")
        );

        let bought = Decimal::from(plan.bars.len()) * first.bar_length_m * first.unit_price;
        ensure_eq!(
            plan.amount.amount(),
            round2(rules.rounding, bought),
            "{} (bars × bar length × price)",
            at("amount")
        );
        let paid: Decimal = members.iter().map(|m| m.paid).sum();
        ensure!(
            bought >= paid,
            "{}: the bars ({bought}) cost less than the metres the windows pay ({paid})",
            at("amount")
        );
        ensure_eq!(
            plan.offcuts.amount(),
            round2(rules.rounding, bought - paid),
            "{} (bars bought − metres paid)",
            at("offcuts")
        );
        offcuts += plan.offcuts.amount();
    }
    Ok(offcuts)
}

/// The customer's lines add up to the document's subtotal, and its totals chain.
fn check_document(catalog: &Catalog, input: &QuoteInput) -> Check {
    let r = priced(catalog, input)?;
    let view = to_view(catalog, input, r.clone()).map_err(|e| format!("the view fails: {e}"))?;
    let t = &view.totals;
    ensure!(
        t.total == r.totals.total,
        "the view's total is the engine's"
    );
    ensure_eq!(view.totals.offcuts, r.totals.offcuts, "the view's offcuts");
    ensure_eq!(
        view.cut_plans.len(),
        r.cut_plans.len(),
        "the view's cut plans"
    );
    for (k, (shown, plan)) in view.cut_plans.iter().zip(&r.cut_plans).enumerate() {
        ensure_eq!(
            shown.bar_count as usize,
            plan.bars.len(),
            "cut_plans[{k}].bar_count"
        );
        ensure!(
            (&shown.material, shown.amount, shown.offcuts)
                == (&plan.material, plan.amount, plan.offcuts),
            "cut_plans[{k}] is shown as {shown:?}, priced as {plan:?}"
        );
    }
    let (lines, totals) = customer_lines(&(&view).into());
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
/// Under cut plans the offcuts may fall as new pieces fill old bars' leftovers (and
/// first-fit decreasing is not monotone in bars in principle); the cost must still
/// rise, by at least the window's own metres, glass, hardware and labour.
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
    let doc = |r: QuoteResult| {
        format!(
            "{:?}",
            customer_lines(&(&to_view(catalog, input, r).expect("shown")).into())
        )
    };
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

    // The better rules, each with every parameter value drawn.
    some("cut plans", &|q| {
        q.rules.profiles == ProfileRule::CutPlanPerJob
    });
    some("glass by the window area", &|q| {
        q.rules.glass == GlassRule::WindowArea
    });
    for (n, scale) in GLASS_STEPS_CM {
        let step = Decimal::new(n, scale);
        some(
            &format!("glass pieces in steps of {step} cm"),
            &|q| matches!(q.rules.glass, GlassRule::BomPieces { step_cm, .. } if step_cm == step),
        );
    }
    for (n, scale) in GLASS_MIN_AREAS_M2 {
        let min = Decimal::new(n, scale);
        some(
            &format!("glass pieces of at least {min} m²"),
            &|q| matches!(q.rules.glass, GlassRule::BomPieces { min_area_m2, .. } if min_area_m2 == min),
        );
    }
    some("cut plans and glass pieces together", &|q| {
        q.rules.profiles == ProfileRule::CutPlanPerJob && q.rules.glass != GlassRule::WindowArea
    });
    some("half-even rounding", &|q| {
        q.rules.rounding == Rounding::HalfEven
    });
    some("half-up rounding", &|q| {
        q.rules.rounding == Rounding::HalfUp
    });

    // And the cases reach what the rules are for: read from the engine's results.
    let catalog = test_catalog();
    let results: Vec<QuoteResult> = quotes
        .iter()
        .map(|q| engine::price(&catalog, q).expect("checked above"))
        .collect();
    let seen = |what: &str, f: &dyn Fn(&QuoteInput, &QuoteResult) -> bool| {
        let n = quotes.iter().zip(&results).filter(|(q, r)| f(q, r)).count();
        assert!(n > 0, "none of {} quotes has {what}", quotes.len());
    };
    fn lines(r: &QuoteResult) -> impl Iterator<Item = &LineResult> {
        r.items.iter().flat_map(|i| &i.lines)
    }
    // Each bound of the kerf and trim ranges (20 mm trims are only 1 in 28).
    for (what, kerf) in [("no kerf", 0), ("an 8 mm kerf", 8)] {
        seen(what, &|q, _| q.rules.kerf_mm == kerf);
    }
    for (what, trim) in [("no trim", 0), ("20 mm trims", 20)] {
        seen(what, &|q, _| q.rules.trim_mm == trim);
    }
    seen("a cut plan of several bars", &|_, r| {
        r.cut_plans.iter().any(|p| p.bars.len() > 1)
    });
    seen("a bar cut to the millimetre, with no offcut", &|_, r| {
        r.cut_plans
            .iter()
            .flat_map(|p| &p.bars)
            .any(|b| b.offcut_mm == 0)
    });
    seen("a bar cut into pieces of different lengths", &|_, r| {
        r.cut_plans
            .iter()
            .flat_map(|p| &p.bars)
            .any(|b| b.cuts.first() != b.cuts.last())
    });
    seen("a profile line per metre under cut plans", &|q, r| {
        q.rules.profiles == ProfileRule::CutPlanPerJob
            && lines(r).any(|l| l.kind == Category::Profile && l.pieces.is_none())
    });
    seen("a glass piece billed at the minimum area", &|_, r| {
        lines(r).any(|l| {
            l.pieces.as_ref().is_some_and(|p| {
                p.billed_area_m2
                    .is_some_and(|a| a * Decimal::from(p.count) > l.net_quantity)
            })
        })
    });
    seen("a glass side stepped up", &|q, r| {
        q.items.iter().zip(&r.items).any(|(req, item)| {
            item.lines.iter().any(|l| {
                l.pieces
                    .as_ref()
                    .and_then(|p| p.height_cm)
                    .is_some_and(|h| h > req.height_cm)
            })
        })
    });
    seen("glass pieces without sizes", &|_, r| {
        lines(r).any(|l| {
            l.pieces
                .as_ref()
                .is_some_and(|p| p.count > 1 && p.width_cm.is_none())
        })
    });
    seen("a chosen glass billed by pieces", &|q, r| {
        q.items.iter().zip(&r.items).any(|(req, item)| {
            req.glass.is_some()
                && item
                    .lines
                    .iter()
                    .any(|l| l.kind == Category::Glass && l.billed)
        })
    });
    seen("half-even rounding changing a figure", &|q, r| {
        let half_up = QuoteInput {
            rules: Rules {
                rounding: Rounding::HalfUp,
                ..q.rules
            },
            ..q.clone()
        };
        q.rules.rounding == Rounding::HalfEven
            && engine::price(&catalog, &half_up).expect("prices") != *r
    });
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
