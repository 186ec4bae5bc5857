//! Loose materials on the Cotizar form: rows of a material of the shop's
//! catalogue and a quantity in its unit, the API's `material_items` (priced by
//! the same engine: quantity × price, no waste). Fields `m{n}_material`,
//! `m{n}_cantidad`; `materiales` carries the row count.

use crate::money::Quantity;
use crate::quotes::preview::MaterialItemRequest;
use crate::web::i18n::{fill, Texts};

use super::form::Problem;

/// Material rows shown at first.
pub const FIRST_MATERIALS: usize = 2;
/// Most material rows the form grows to ("Agregar material").
pub const MAX_MATERIALS: usize = 50;

/// One loose material as typed.
#[derive(Debug, Clone, Default)]
pub struct MaterialRow {
    pub material: String,
    pub cantidad: String,
}

impl MaterialRow {
    /// A row with nothing chosen nor typed.
    pub fn is_empty(&self) -> bool {
        self.material.trim().is_empty() && self.cantidad.trim().is_empty()
    }

    /// The row of a saved quote's loose material.
    pub fn of(item: &MaterialItemRequest) -> Self {
        Self {
            material: item.material.clone(),
            cantidad: item.quantity.amount().normalize().to_string(),
        }
    }
}

/// Puts `m{n}_{field}`'s value in its row; false when `name` is no material
/// row's field.
pub fn set_cell(rows: &mut [MaterialRow], name: &str, value: String) -> bool {
    let Some((index, field)) = name.strip_prefix('m').and_then(|rest| rest.split_once('_')) else {
        return false;
    };
    let Some(row) = index.parse::<usize>().ok().and_then(|i| rows.get_mut(i)) else {
        return false;
    };
    match field {
        "material" => row.material = value,
        "cantidad" => row.cantidad = value,
        _ => return false,
    }
    true
}

/// Keeps the rows up to the posted count (or the last typed one), at most
/// [`MAX_MATERIALS`].
pub fn trimmed(mut rows: Vec<MaterialRow>, count: usize) -> Vec<MaterialRow> {
    let used = rows
        .iter()
        .rposition(|r| !r.is_empty())
        .map_or(0, |i| i + 1);
    rows.truncate(count.max(used).clamp(1, MAX_MATERIALS));
    rows
}

/// The rows' loose materials for the API, each with its form row (empty rows
/// left out), or every problem found before pricing.
pub fn items(
    t: &Texts,
    rows: &[MaterialRow],
) -> Result<Vec<(usize, MaterialItemRequest)>, Vec<Problem>> {
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
        let material = row.material.trim();
        if material.is_empty() {
            problems.push(problem(t, i, "m_material", t.builder.material_missing));
        }
        let quantity = Quantity::parse(row.cantidad.trim())
            .ok()
            .filter(|q| !q.amount().is_zero());
        match quantity {
            None => problems.push(problem(
                t,
                i,
                "m_cantidad",
                t.builder.material_quantity_invalid,
            )),
            Some(quantity) if !material.is_empty() => items.push((
                i,
                MaterialItemRequest {
                    material: material.to_owned(),
                    quantity,
                },
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(items)
    } else {
        Err(problems)
    }
}

/// The problem of a material row's field (`m_material`, `m_cantidad`).
fn problem(t: &Texts, row: usize, field: &'static str, message: &str) -> Problem {
    Problem {
        row: Some(row),
        field,
        message: fill(
            t.builder.material_problem,
            &[
                ("row", &(row + 1).to_string()),
                ("field", label(t, field)),
                ("problem", message),
            ],
        ),
    }
}

fn label(t: &Texts, field: &str) -> &'static str {
    match field {
        "m_material" => t.builder.material_label,
        _ => t.builder.material_quantity_label,
    }
}

/// The material row's problem of an engine error naming
/// `material_items[k].{material|quantity}` (`message` its Spanish words), where
/// entry `k` came from form row `rows[k]`; `None` when the error names no
/// material entry.
pub fn engine_problem(
    t: &Texts,
    api_field: &str,
    message: &str,
    rows: &[usize],
) -> Option<Problem> {
    let (k, field) = api_field.strip_prefix("material_items[")?.split_once(']')?;
    let row = *rows.get(k.parse::<usize>().ok()?)?;
    let field = if field.starts_with(".material") {
        "m_material"
    } else {
        "m_cantidad"
    };
    Some(problem(t, row, field, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_rows_are_named_and_bad_quantities_refused() {
        let t = crate::web::page::texts();
        let mut rows = vec![MaterialRow::default(); 4];
        assert!(set_cell(&mut rows, "m2_material", "CON-SIL-NEU".into()));
        assert!(set_cell(&mut rows, "m2_cantidad", "2.5".into()));
        assert!(!set_cell(&mut rows, "m9_material", "X".into()));
        assert!(!set_cell(&mut rows, "materiales", "3".into()));
        let found = items(t, &rows).expect("items");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 2);
        assert_eq!(found[0].1.quantity.amount().to_string(), "2.500");
        assert_eq!(trimmed(rows.clone(), 2).len(), 3, "the typed row stays");

        rows[0].cantidad = "0".into();
        rows[2].cantidad = "-1".into();
        let problems = items(t, &rows).expect_err("problems");
        let fields: Vec<_> = problems.iter().map(|p| (p.row, p.field)).collect();
        assert_eq!(
            fields,
            [
                (Some(0), "m_material"),
                (Some(0), "m_cantidad"),
                (Some(2), "m_cantidad")
            ]
        );
        assert!(problems[2].message.starts_with("Material 3, «Cantidad"));
        let engine =
            engine_problem(t, "material_items[0].material", "no material", &[2]).expect("a row");
        assert_eq!((engine.row, engine.field), (Some(2), "m_material"));
        assert!(engine_problem(t, "items[0].product", "x", &[2]).is_none());
    }
}
