//! The Cotizar form: its rows as typed, and how they become the API's
//! `ItemRequest`s (empty rows left out) with each problem named by row and field.

use crate::money::Centimetres;
use crate::quotes::preview::ItemRequest;
use crate::web::i18n::{fill, Texts};

use super::materials::{self, MaterialRow, FIRST_MATERIALS, MAX_MATERIALS};
use super::terms::Terms;
use crate::web::clients::Values;

/// Rows shown at first.
pub const FIRST_ROWS: usize = 5;
/// Most rows the form grows to ("Agregar partida"); the API takes 200 items.
pub const MAX_ROWS: usize = 50;

/// One row of the form as typed.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub producto: String,
    pub ancho: String,
    pub alto: String,
    pub vidrio: String,
    pub color: String,
    pub cantidad: String,
}

impl Row {
    /// A row with nothing chosen nor typed (the quantity alone does not count).
    pub fn is_empty(&self) -> bool {
        [&self.producto, &self.ancho, &self.alto]
            .iter()
            .all(|v| v.trim().is_empty())
    }
}

/// The whole form as posted: the fixed fields and the rows.
#[derive(Debug, Default)]
pub struct Posted {
    pub csrf: String,
    /// `calcular`, `agregar` or `guardar`.
    pub action: String,
    pub client: String,
    /// `envio`: the rendered form's nonce (a UUID), against double saves.
    pub nonce: String,
    /// The quote's own rates and tax code.
    pub terms: Terms,
    pub rows: Vec<Row>,
    /// The loose materials' rows.
    pub materials: Vec<MaterialRow>,
    /// `cotizacion` and `version`: the draft being edited and its entity tag as
    /// read (empty for a new quote).
    pub quote: String,
    pub version: String,
    /// `cliente_nombre`, `cliente_telefono`, `cliente_correo`: a client to
    /// create ("Crear y elegir cliente").
    pub new_client: Values,
}

impl Posted {
    /// Reads the form's pairs: `csrf`, `accion`, `cliente`, `filas` and each row's
    /// `p{n}_{field}`, `materiales` and each material's `m{n}_{field}`. Rows
    /// beyond [`MAX_ROWS`] are ignored; `agregar` adds one (`agregar_material`
    /// a material row).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut posted = Self::default();
        let (mut count, mut material_count) = (FIRST_ROWS, FIRST_MATERIALS);
        let mut rows = vec![Row::default(); MAX_ROWS];
        let mut material_rows = vec![MaterialRow::default(); MAX_MATERIALS];
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => posted.csrf = value,
                "accion" => posted.action = value,
                "cliente" => posted.client = value,
                "envio" => posted.nonce = value,
                "cotizacion" => posted.quote = value,
                "version" => posted.version = value,
                "cliente_nombre" => posted.new_client.nombre = value,
                "cliente_telefono" => posted.new_client.telefono = value,
                "cliente_correo" => posted.new_client.correo = value,
                "utilidad" | "indirectos" | "descuento" | "iva" | "iva_propio" | "mano_obra"
                | "titulo" | "notas" => {
                    posted.terms.set(&name, value);
                }
                "filas" => count = value.trim().parse().unwrap_or(FIRST_ROWS),
                "materiales" => material_count = value.trim().parse().unwrap_or(FIRST_MATERIALS),
                n if n.starts_with('m') => {
                    materials::set_cell(&mut material_rows, n, value);
                }
                _ => set_cell(&mut rows, &name, value),
            }
        }
        match posted.action.as_str() {
            "agregar" => count += 1,
            "agregar_material" => material_count += 1,
            _ => {}
        }
        posted.materials = materials::trimmed(material_rows, material_count);
        // Rows typed beyond the count (a forged form) still count.
        let used = rows
            .iter()
            .rposition(|r| !r.is_empty())
            .map_or(0, |i| i + 1);
        rows.truncate(count.max(used).clamp(1, MAX_ROWS));
        posted.rows = rows;
        posted
    }
}

/// Puts `p{n}_{field}`'s value in its row.
fn set_cell(rows: &mut [Row], name: &str, value: String) {
    let Some((index, field)) = name.strip_prefix('p').and_then(|rest| rest.split_once('_')) else {
        return;
    };
    let Some(row) = index.parse::<usize>().ok().and_then(|i| rows.get_mut(i)) else {
        return;
    };
    let slot = match field {
        "producto" => &mut row.producto,
        "ancho" => &mut row.ancho,
        "alto" => &mut row.alto,
        "vidrio" => &mut row.vidrio,
        "color" => &mut row.color,
        "cantidad" => &mut row.cantidad,
        _ => return,
    };
    *slot = value;
}

/// A problem of one row's field (or of the whole quote when `row` is `None`).
#[derive(Debug, Clone)]
pub struct Problem {
    /// The form's row, from 0.
    pub row: Option<usize>,
    /// The form's field name, e.g. `ancho`.
    pub field: &'static str,
    pub message: String,
}

/// The API's items with the form row each came from (empty rows left out).
pub type RowItems = Vec<(usize, ItemRequest)>;

/// Where a request's entries came from: each item's form row and each loose
/// material's row.
#[derive(Debug, Default)]
pub struct Origins {
    pub items: RowItems,
    pub materials: Vec<usize>,
}

impl Origins {
    /// Nothing to price.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.materials.is_empty()
    }
}

/// The rows' items for the API (each with the form row it came from), or every
/// problem found before pricing (a width that is no number, a quantity that is
/// no whole number).
pub fn items(t: &Texts, rows: &[Row]) -> Result<RowItems, Vec<Problem>> {
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
        let mut problem = |field: &'static str, message: String| {
            problems.push(Problem {
                row: Some(i),
                field,
                message: named(t, i, field, &message),
            });
        };
        if row.producto.trim().is_empty() {
            problem("producto", t.quote_product_missing.to_owned());
        }
        let width = Centimetres::parse(row.ancho.trim());
        if width.is_err() {
            problem("ancho", t.quote_size_invalid.to_owned());
        }
        let height = Centimetres::parse(row.alto.trim());
        if height.is_err() {
            problem("alto", t.quote_size_invalid.to_owned());
        }
        let quantity = match row.cantidad.trim() {
            "" => Some(1),
            q => q.parse::<u32>().ok().filter(|q| (1..=1000).contains(q)),
        };
        if quantity.is_none() {
            problem("cantidad", t.quote_quantity_invalid.to_owned());
        }
        if let (Ok(width_cm), Ok(height_cm), Some(quantity)) = (width, height, quantity) {
            items.push((
                i,
                ItemRequest {
                    product: row.producto.trim().to_owned(),
                    width_cm,
                    height_cm,
                    quantity,
                    glass: chosen(&row.vidrio),
                    colour: chosen(&row.color),
                },
            ));
        }
    }
    if problems.is_empty() {
        Ok(items)
    } else {
        Err(problems)
    }
}

fn chosen(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `Partida 2, «Ancho (cm)»: …`.
pub fn named(t: &Texts, row: usize, field: &str, message: &str) -> String {
    let number = (row + 1).to_string();
    fill(
        t.quote_row_problem,
        &[
            ("row", &number),
            ("field", label(t, field)),
            ("problem", message),
        ],
    )
}

/// The label of a row's field.
pub fn label(t: &Texts, field: &str) -> &'static str {
    match field {
        "producto" => t.quote_product_label,
        "ancho" => t.quote_width_label,
        "alto" => t.quote_height_label,
        "vidrio" => t.quote_glass_label,
        "color" => t.quote_colour_label,
        _ => t.quote_quantity_label,
    }
}

/// The problem of an engine error naming `items[k].{field}` (`message` its
/// Spanish words), on form row `rows[k]` and the field the user sees: a BOM
/// line's problem is the product's. Anything else is the quote's.
pub fn engine_problem(
    t: &Texts,
    api_field: &str,
    message: String,
    rows: &[(usize, ItemRequest)],
) -> Problem {
    let parsed = api_field
        .strip_prefix("items[")
        .and_then(|rest| rest.split_once("]."))
        .and_then(|(k, f)| Some((rows.get(k.parse::<usize>().ok()?)?.0, f)));
    let Some((row, field)) = parsed else {
        return Problem {
            row: None,
            field: "",
            message,
        };
    };
    let field = match field.split(['.', '[']).next().unwrap_or_default() {
        "width_cm" => "ancho",
        "height_cm" => "alto",
        "glass" => "vidrio",
        "colour" => "color",
        "quantity" => "cantidad",
        _ => "producto",
    };
    Problem {
        row: Some(row),
        field,
        message: named(t, row, field, &message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rows_are_read_by_name_and_agregar_adds_one() {
        let posted = Posted::from_pairs(pairs(&[
            ("csrf", "x"),
            ("filas", "5"),
            ("accion", "agregar"),
            ("p1_producto", "VEN-FIJA-NAC3"),
            ("p1_ancho", "100"),
            ("p9_alto", "50"),
            ("p999_alto", "50"),
            ("pX_alto", "50"),
        ]));
        assert_eq!(posted.rows.len(), 10, "the row typed at 9 counts");
        assert_eq!(posted.rows[1].producto, "VEN-FIJA-NAC3");
        assert!(posted.rows[0].is_empty());
        let plain = Posted::from_pairs(pairs(&[("filas", "3"), ("accion", "agregar")]));
        assert_eq!(plain.rows.len(), 4);
        let many = Posted::from_pairs(pairs(&[("filas", "5000")]));
        assert_eq!(many.rows.len(), MAX_ROWS);
    }

    #[test]
    fn empty_rows_are_left_out_and_bad_numbers_named() {
        let t = crate::web::page::texts();
        let rows = vec![
            Row::default(),
            Row {
                producto: "VEN-FIJA-NAC3".into(),
                ancho: "120".into(),
                alto: "100".into(),
                cantidad: "2".into(),
                ..Row::default()
            },
        ];
        let found = items(t, &rows).expect("items");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 1);
        assert_eq!(found[0].1.quantity, 2);
        let bad = vec![Row {
            producto: "VEN-FIJA-NAC3".into(),
            ancho: "ancho".into(),
            alto: "100".into(),
            cantidad: "0".into(),
            ..Row::default()
        }];
        let problems = items(t, &bad).expect_err("problems");
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["ancho", "cantidad"]);
        assert!(problems[0].message.starts_with("Partida 1"), "{problems:?}");
    }
}
