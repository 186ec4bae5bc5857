//! The product form's fields: what was typed (kept on a refused post), read into
//! the API's `ProductSpec`, and the API's problems named in Spanish by field and
//! BOM line. BOM lines are numbered rows (`bom-{i}-material`, ...); an empty row
//! is not a line.

use std::collections::BTreeMap;

use crate::catalog::model::{Category, MaterialCode, WindowType};
use crate::catalog::products::model::{BomLineSpec, ProductKind, ProductSpec, MAX_BOM_LINES};
use crate::error::ApiError;
use crate::money::{Centimetres, Factor};
use crate::web::catalog::{category_name, CATEGORIES};
use crate::web::i18n::admin_catalog::ProductFormTexts;
use crate::web::i18n::{fill, Texts};

/// Empty rows offered after the lines, and added by "Agregar líneas".
pub const BLANK_ROWS: usize = 3;

/// One BOM row as typed.
#[derive(Debug, Default, Clone)]
pub struct LineValues {
    pub descripcion: String,
    pub material: String,
    pub categoria: String,
    pub cantidad: String,
    pub desperdicio: String,
    pub piezas: String,
    pub pieza_ancho: String,
    pub pieza_alto: String,
    pub pieza_largo: String,
}

impl LineValues {
    fn of(line: &BomLineSpec) -> Self {
        let text = |f: &Option<String>| f.clone().unwrap_or_default();
        Self {
            descripcion: line.description.clone(),
            material: line.material.clone(),
            categoria: line.kind.as_str().to_owned(),
            cantidad: line.quantity_formula.clone(),
            desperdicio: line.waste_factor.amount().normalize().to_string(),
            piezas: text(&line.pieces),
            pieza_ancho: text(&line.piece_width_cm),
            pieza_alto: text(&line.piece_height_cm),
            pieza_largo: text(&line.piece_length_cm),
        }
    }

    /// A row with nothing typed but its category or waste is not a line.
    fn is_empty(&self) -> bool {
        [
            &self.descripcion,
            &self.material,
            &self.cantidad,
            &self.piezas,
            &self.pieza_ancho,
            &self.pieza_alto,
            &self.pieza_largo,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }

    /// The field of the row's form name (`material`, `pieza-ancho`).
    fn field(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "descripcion" => &mut self.descripcion,
            "material" => &mut self.material,
            "categoria" => &mut self.categoria,
            "cantidad" => &mut self.cantidad,
            "desperdicio" => &mut self.desperdicio,
            "piezas" => &mut self.piezas,
            "pieza-ancho" => &mut self.pieza_ancho,
            "pieza-alto" => &mut self.pieza_alto,
            "pieza-largo" => &mut self.pieza_largo,
            _ => return None,
        })
    }
}

/// The form as typed.
#[derive(Debug, Default, Clone)]
pub struct Values {
    pub clave: String,
    pub nombre: String,
    pub tipo: String,
    pub tipo_ventana: String,
    pub tipo_puerta: String,
    pub linea: String,
    pub ancho_min: String,
    pub ancho_max: String,
    pub alto_min: String,
    pub alto_max: String,
    /// Editing: the product's ETag as shown.
    pub version: String,
    pub lines: Vec<LineValues>,
}

/// The posted form: the token, the button pressed (`agregar` adds rows) and the
/// values.
pub struct Posted {
    pub csrf: String,
    pub add_lines: bool,
    pub values: Values,
}

/// A problem: the id of the field to fix and the Spanish text.
#[derive(Debug, Clone)]
pub struct Problem {
    pub id: String,
    pub text: String,
}

impl Values {
    /// A new product's form: a window, and blank rows.
    pub fn blank() -> Self {
        let mut values = Self {
            tipo: ProductKind::Window.as_str().to_owned(),
            ..Self::default()
        };
        values.add_rows();
        values
    }

    /// The form of a product as it is, with its ETag.
    pub fn of(spec: &ProductSpec, etag: String) -> Self {
        let cm = |v: &[Centimetres], i: usize| {
            v.get(i)
                .map(|c| c.amount().normalize().to_string())
                .unwrap_or_default()
        };
        let mut values = Self {
            clave: spec.code.clone(),
            nombre: spec.name.clone(),
            tipo: spec.kind.as_str().to_owned(),
            tipo_ventana: spec
                .window_type
                .map(|w| w.as_str().to_owned())
                .unwrap_or_default(),
            tipo_puerta: spec.door_type.clone().unwrap_or_default(),
            linea: spec.aluminium_line.clone().unwrap_or_default(),
            ancho_min: cm(&spec.width_cm, 0),
            ancho_max: cm(&spec.width_cm, 1),
            alto_min: cm(&spec.height_cm, 0),
            alto_max: cm(&spec.height_cm, 1),
            version: etag,
            lines: spec.bom.iter().map(LineValues::of).collect(),
        };
        values.add_rows();
        values
    }

    /// Drops empty rows, then adds [`BLANK_ROWS`] (up to [`MAX_BOM_LINES`] rows).
    pub fn add_rows(&mut self) {
        self.lines.retain(|l| !l.is_empty());
        let rows = (self.lines.len() + BLANK_ROWS).min(MAX_BOM_LINES);
        while self.lines.len() < rows {
            self.lines.push(LineValues {
                desperdicio: "1".to_owned(),
                ..LineValues::default()
            });
        }
    }

    /// The form posted; rows are numbered from 0, at most [`MAX_BOM_LINES`] of
    /// them count (the rest is refused by [`Values::spec`]).
    pub fn posted(fields: Vec<(String, String)>) -> (Posted, bool) {
        let mut posted = Posted {
            csrf: String::new(),
            add_lines: false,
            values: Values::default(),
        };
        let mut rows: BTreeMap<usize, LineValues> = BTreeMap::new();
        let mut too_many = false;
        for (name, value) in fields {
            let v = &mut posted.values;
            let target = match name.as_str() {
                "csrf" => &mut posted.csrf,
                "accion" => {
                    posted.add_lines = value == "agregar";
                    continue;
                }
                "clave" => &mut v.clave,
                "nombre" => &mut v.nombre,
                "tipo" => &mut v.tipo,
                "tipo_ventana" => &mut v.tipo_ventana,
                "tipo_puerta" => &mut v.tipo_puerta,
                "linea" => &mut v.linea,
                "ancho_min" => &mut v.ancho_min,
                "ancho_max" => &mut v.ancho_max,
                "alto_min" => &mut v.alto_min,
                "alto_max" => &mut v.alto_max,
                "version" => &mut v.version,
                other => {
                    let Some((row, key)) = other
                        .strip_prefix("bom-")
                        .and_then(|rest| rest.split_once('-'))
                        .and_then(|(row, key)| Some((row.parse::<usize>().ok()?, key)))
                    else {
                        continue;
                    };
                    if row >= MAX_BOM_LINES {
                        too_many |= !value.trim().is_empty();
                        continue;
                    }
                    match rows.entry(row).or_default().field(key) {
                        Some(field) => field,
                        None => continue,
                    }
                }
            };
            *target = value;
        }
        posted.values.lines = rows.into_values().collect();
        (posted, too_many)
    }
}

/// Reads the typed form into the API's spec; the problems of what cannot be read
/// (a NUL, a choice not offered, a number that is not one), each by field and
/// line. Empty rows are dropped first, so line `n` is row `n`.
pub fn spec(
    t: &Texts,
    texts: &ProductFormTexts,
    values: &mut Values,
    too_many: bool,
) -> Result<ProductSpec, Vec<Problem>> {
    values.lines.retain(|l| !l.is_empty());
    let mut problems = Vec::new();
    let mut problem = |id: String, text: String| problems.push(Problem { id, text });
    if too_many || values.lines.len() > MAX_BOM_LINES {
        problem("bom".to_owned(), texts.bom_too_long.to_owned());
    }
    let p = &t.admin_catalog.products;
    for (id, label, value) in [
        ("clave", p.col_code, &values.clave),
        ("nombre", p.col_name, &values.nombre),
        ("tipo_puerta", p.door_type, &values.tipo_puerta),
        ("linea", texts.line_label, &values.linea),
    ] {
        if value.contains('\0') {
            problem(id.to_owned(), fill(t.client_field_nul, &[("field", label)]));
        }
    }
    let kind = match values.tipo.as_str() {
        "window" => Some(ProductKind::Window),
        "door" => Some(ProductKind::Door),
        "other" => Some(ProductKind::Other),
        _ => None,
    };
    if kind.is_none() {
        problem("tipo".to_owned(), texts.kind_invalid.to_owned());
    }
    let window_type = match values.tipo_ventana.as_str() {
        "" => Ok(None),
        name => WindowType::parse(name).map(Some).ok_or(()),
    };
    if window_type.is_err() {
        problem(
            "tipo_ventana".to_owned(),
            texts.window_type_invalid.to_owned(),
        );
    }
    let range = |lo: &str, hi: &str| -> Option<Vec<Centimetres>> {
        Some(vec![
            Centimetres::parse(lo.trim()).ok()?,
            Centimetres::parse(hi.trim()).ok()?,
        ])
    };
    let width = range(&values.ancho_min, &values.ancho_max);
    if width.is_none() {
        problem("ancho_min".to_owned(), texts.width_invalid.to_owned());
    }
    let height = range(&values.alto_min, &values.alto_max);
    if height.is_none() {
        problem("alto_min".to_owned(), texts.height_invalid.to_owned());
    }
    let mut bom = Vec::new();
    for (i, line) in values.lines.iter().enumerate() {
        match line_spec(t, texts, i, line) {
            Ok(spec) => bom.push(spec),
            Err(found) => problems.extend(found),
        }
    }
    let optional = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    match (kind, window_type, width, height) {
        (Some(kind), Ok(window_type), Some(width_cm), Some(height_cm)) if problems.is_empty() => {
            Ok(ProductSpec {
                code: values.clave.trim().to_owned(),
                name: values.nombre.clone(),
                kind,
                window_type,
                door_type: optional(&values.tipo_puerta),
                aluminium_line: optional(&values.linea),
                width_cm,
                height_cm,
                bom,
                in_default_catalogue: None,
            })
        }
        _ => Err(problems),
    }
}

/// Row `i` read into a BOM line, or its problems.
fn line_spec(
    t: &Texts,
    texts: &ProductFormTexts,
    i: usize,
    line: &LineValues,
) -> Result<BomLineSpec, Vec<Problem>> {
    let number = (i + 1).to_string();
    let n = [("line", number.as_str())];
    let id = |key: &str| format!("bom-{i}-{key}");
    let mut problems = Vec::new();
    for (key, label, value) in line_fields(t, texts, line) {
        if value.contains('\0') {
            let field = fill(texts.line_field, &[("line", &number), ("field", label)]);
            let text = fill(t.client_field_nul, &[("field", field.as_str())]);
            problems.push(Problem { id: id(key), text });
        }
    }
    let kind = Category::parse(&line.categoria);
    if kind.is_none() {
        let text = fill(texts.category_invalid, &n);
        problems.push(Problem {
            id: id("categoria"),
            text,
        });
    }
    let waste = Factor::parse(line.desperdicio.trim());
    if waste.is_err() {
        let text = fill(texts.waste_invalid, &n);
        problems.push(Problem {
            id: id("desperdicio"),
            text,
        });
    }
    let optional = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    match (kind, waste) {
        (Some(kind), Ok(waste_factor)) if problems.is_empty() => Ok(BomLineSpec {
            description: line.descripcion.trim().to_owned(),
            material: line.material.trim().to_owned(),
            kind,
            quantity_formula: line.cantidad.trim().to_owned(),
            waste_factor,
            pieces: optional(&line.piezas),
            piece_width_cm: optional(&line.pieza_ancho),
            piece_height_cm: optional(&line.pieza_alto),
            piece_length_cm: optional(&line.pieza_largo),
        }),
        _ => Err(problems),
    }
}

/// A row's text fields: (form key, Spanish label, value).
fn line_fields<'a>(
    t: &Texts,
    texts: &ProductFormTexts,
    line: &'a LineValues,
) -> [(&'static str, &'static str, &'a str); 8] {
    let p = &t.admin_catalog.products;
    [
        ("descripcion", p.col_description, &line.descripcion),
        ("material", texts.material_label, &line.material),
        ("cantidad", p.col_quantity, &line.cantidad),
        ("desperdicio", texts.waste_label, &line.desperdicio),
        ("piezas", texts.pieces_label, &line.piezas),
        ("pieza-ancho", texts.piece_width_label, &line.pieza_ancho),
        ("pieza-alto", texts.piece_height_label, &line.pieza_alto),
        ("pieza-largo", texts.piece_length_label, &line.pieza_largo),
    ]
}

/// An API problem of the spec (`invalid_field`, `material_not_found`) in
/// Spanish, naming the field and, for BOM lines, the line; `None` for one that
/// names no field of the form.
pub fn named(
    t: &Texts,
    texts: &ProductFormTexts,
    values: &Values,
    err: &ApiError,
) -> Option<Problem> {
    let field = err.field()?;
    let top = |id: &str, text: &str| Problem {
        id: id.to_owned(),
        text: text.to_owned(),
    };
    let problem = match field {
        "code" => top("clave", texts.code_invalid),
        "name" => top("nombre", texts.name_invalid),
        "width_cm" => top("ancho_min", texts.width_invalid),
        "height_cm" => top("alto_min", texts.height_invalid),
        "window_type" => top("tipo_ventana", texts.window_type_invalid),
        "door_type" => top("tipo_puerta", texts.door_type_invalid),
        "aluminium_line" => top("linea", texts.line_invalid),
        "bom" => top("bom", texts.bom_too_long),
        _ => {
            let (i, name) = field
                .strip_prefix("bom[")
                .and_then(|rest| rest.split_once("]."))
                .and_then(|(i, name)| Some((i.parse::<usize>().ok()?, name)))?;
            let line = values.lines.get(i)?;
            line_problem(t, texts, i, line, name, err)
        }
    };
    Some(problem)
}

/// The Spanish problem of field `name` (the API's) of row `i`.
fn line_problem(
    t: &Texts,
    texts: &ProductFormTexts,
    i: usize,
    line: &LineValues,
    name: &str,
    err: &ApiError,
) -> Problem {
    let number = (i + 1).to_string();
    let category = Category::parse(&line.categoria);
    let category_text = category.map(|c| category_name(t, c)).unwrap_or_default();
    let code = line.material.trim();
    let values = [
        ("line", number.as_str()),
        ("code", code),
        ("category", category_text),
    ];
    let id = |key: &str| format!("bom-{i}-{key}");
    let (key, text) = match name {
        "material" if err.code() == "material_not_found" => {
            ("material", fill(texts.material_missing, &values))
        }
        "material" if MaterialCode::parse(code).is_err() => {
            ("material", fill(texts.material_invalid, &values))
        }
        "material" => ("material", fill(texts.material_kind, &values)),
        "description" => ("descripcion", fill(texts.description_invalid, &values)),
        "waste_factor" => ("desperdicio", fill(texts.waste_invalid, &values)),
        _ => return formula_problem(t, texts, i, line, name),
    };
    Problem { id: id(key), text }
}

/// The Spanish problem of a formula field of row `i`: not for its category, a
/// piece size missing, or the formula itself.
fn formula_problem(
    t: &Texts,
    texts: &ProductFormTexts,
    i: usize,
    line: &LineValues,
    name: &str,
) -> Problem {
    let number = (i + 1).to_string();
    let category = Category::parse(&line.categoria);
    let glass = category == Some(Category::Glass);
    let profile = category == Some(Category::Profile);
    let (key, allowed) = match name {
        "pieces" => ("piezas", glass || profile),
        "piece_width_cm" => ("pieza-ancho", glass),
        "piece_height_cm" => ("pieza-alto", glass),
        "piece_length_cm" => ("pieza-largo", profile),
        _ => ("cantidad", true),
    };
    let (_, label, formula) = line_fields(t, texts, line)
        .into_iter()
        .find(|(k, _, _)| *k == key)
        .unwrap_or(("cantidad", "", ""));
    let category_text = category.map(|c| category_name(t, c)).unwrap_or_default();
    let values = [
        ("line", number.as_str()),
        ("field", label),
        ("formula", formula.trim()),
        ("category", category_text),
    ];
    let text = if !allowed && !formula.trim().is_empty() {
        fill(texts.not_for_category, &values)
    } else if key == "pieza-largo" && formula.trim().is_empty() {
        fill(texts.piece_length_needed, &values)
    } else if key == "pieza-alto"
        && (line.pieza_ancho.trim().is_empty() || line.pieza_alto.trim().is_empty())
    {
        fill(texts.piece_sizes_needed, &values)
    } else {
        fill(texts.formula_invalid, &values)
    };
    Problem {
        id: format!("bom-{i}-{key}"),
        text,
    }
}

/// The choices of the category select: (value, Spanish name).
pub fn categories(t: &Texts) -> Vec<(&'static str, &'static str)> {
    CATEGORIES
        .iter()
        .map(|c| (c.as_str(), category_name(t, *c)))
        .collect()
}
