//! The customer's view of a priced quote: one line per item and loose material,
//! each carrying its share of profit and indirect costs, then discount, tax and total.
//! The engine's result shows the shop's costs; the client sees sale prices that add
//! up, to the cent, to the same total.

use rust_decimal::Decimal;

use super::pdf::{DocLine, TotalLine};
use crate::quotes::stored::Result as Priced;

/// Splits `total` over `weights` in proportion, in whole cents, so the parts add up
/// to `total` exactly: each part is rounded down and the cents left over go to the
/// largest remainders (the first on ties). With no weight at all, the first part
/// takes everything.
pub fn allocate(weights: &[Decimal], total: Decimal) -> Vec<Decimal> {
    let hundred = Decimal::ONE_HUNDRED;
    let sum: Decimal = weights.iter().copied().sum();
    let mut parts = vec![Decimal::ZERO; weights.len()];
    if weights.is_empty() {
        return parts;
    }
    if sum.is_zero() {
        parts[0] = total;
        return parts;
    }
    let total_cents = (total * hundred).round();
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given = Decimal::ZERO;
    for (i, w) in weights.iter().enumerate() {
        let exact = total_cents * *w / sum;
        let floor = exact.floor();
        parts[i] = floor;
        given += floor;
        remainders.push((exact - floor, i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = total_cents - given;
    for (_, i) in remainders {
        if left <= Decimal::ZERO {
            break;
        }
        parts[i] += Decimal::ONE;
        left -= Decimal::ONE;
    }
    parts
        .into_iter()
        .map(|c| (c / hundred).round_dp(2))
        .collect()
}

/// `0.16` → `16 %`.
fn percent(rate: Decimal) -> String {
    format!("{} %", (rate * Decimal::ONE_HUNDRED).normalize())
}

/// The lines and totals of the customer's document, in Spanish.
pub fn customer_lines(q: &Priced) -> (Vec<DocLine>, Vec<TotalLine>) {
    let t = &q.totals;
    let gross = t.before_tax + t.discount;
    let weights: Vec<Decimal> = q
        .items
        .iter()
        .map(|i| i.subtotal)
        .chain(q.material_items.iter().map(|m| m.amount))
        .collect();
    let mut amounts = allocate(&weights, gross).into_iter();
    let mut lines = Vec::with_capacity(weights.len());
    for item in &q.items {
        let mut detail = vec![format!(
            "{} × {} cm",
            item.width_cm.normalize(),
            item.height_cm.normalize()
        )];
        detail.extend(item.glass_name.clone().or(item.glass_material.clone()));
        detail.extend(
            item.colour_name
                .clone()
                .or(item.colour.clone())
                .map(|c| format!("Color {c}")),
        );
        lines.push(DocLine {
            quantity: item.quantity.to_string(),
            description: item.name.clone(),
            detail: Some(detail.join(" · ")),
            amount: amounts.next().unwrap_or_default(),
        });
    }
    for m in &q.material_items {
        lines.push(DocLine {
            quantity: m.quantity.normalize().to_string(),
            description: m.name.clone(),
            detail: Some(m.material.clone()),
            amount: amounts.next().unwrap_or_default(),
        });
    }
    let mut totals = vec![TotalLine {
        label: "Subtotal".to_owned(),
        amount: gross,
    }];
    if !t.discount.is_zero() {
        totals.push(TotalLine {
            label: format!("Descuento {}", percent(q.rates.discount_rate)),
            amount: -t.discount,
        });
        totals.push(TotalLine {
            label: "Subtotal con descuento".to_owned(),
            amount: t.before_tax,
        });
    }
    totals.push(TotalLine {
        label: format!("IVA {}", percent(q.rates.tax_rate)),
        amount: t.tax,
    });
    totals.push(TotalLine {
        label: "Total".to_owned(),
        amount: t.total,
    });
    (lines, totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn allocation_adds_up_to_the_cent_and_follows_the_weights() {
        let parts = allocate(&[d("1"), d("1"), d("1")], d("100.00"));
        assert_eq!(parts, [d("33.34"), d("33.33"), d("33.33")]);
        let parts = allocate(&[d("2417.90"), d("88.50")], d("3509.96"));
        assert_eq!(parts.iter().copied().sum::<Decimal>(), d("3509.96"));
        assert_eq!(parts, [d("3386.02"), d("123.94")]);
        assert_eq!(allocate(&[], d("5")), Vec::<Decimal>::new());
        assert_eq!(allocate(&[d("0"), d("0")], d("0")), [d("0"), d("0")]);
    }

    #[test]
    fn allocation_of_awkward_totals_always_sums_exactly() {
        // A small deterministic sweep instead of a property-testing dependency.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for _ in 0..500 {
            let n = (next() % 8 + 1) as usize;
            let weights: Vec<Decimal> = (0..n)
                .map(|_| Decimal::new((next() % 100_000) as i64, 2))
                .collect();
            let total = Decimal::new((next() % 10_000_000) as i64, 2);
            let parts = allocate(&weights, total);
            assert_eq!(
                parts.iter().copied().sum::<Decimal>(),
                total,
                "{weights:?} {total}"
            );
            assert!(parts
                .iter()
                .all(|p| p.scale() <= 2 && !p.is_sign_negative()));
        }
    }
}
