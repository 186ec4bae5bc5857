//! Products with their bill of materials, as a catalogue editor writes them (the
//! shape of the catalogue file), and the checks that run before one is saved.

use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};
use rust_decimal::Decimal;

use super::repo::EffectiveProduct;
use crate::catalog::materials::model::Material;
use crate::catalog::model::{Category, MaterialCode, Source, WindowType};
use crate::error::{ApiError, ApiResult};
use crate::http::check_name;
use crate::money::{Centimetres, Factor};
use crate::pricing::formula::{Formula, Vars};
use crate::pricing::{MAX_PIECES_PER_LINE, MAX_PIECE_CM};

/// What a product is: `window`, `door` or `other`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum ProductKind {
    Window,
    Door,
    Other,
}

crate::db::text_type!(ProductKind);

impl ProductKind {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductKind::Window => "window",
            ProductKind::Door => "door",
            ProductKind::Other => "other",
        }
    }
}

/// One BOM line as written by a catalogue editor.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BomLineSpec {
    /// What the line is, for documents, e.g. `Marco perimetral`; empty if absent.
    #[oai(default)]
    #[serde(default)]
    pub description: String,
    /// The material code, e.g. `PER-NAC3-FE`; it must exist in the catalogue with
    /// the line's kind.
    pub material: String,
    /// The material's category.
    pub kind: Category,
    /// A formula over width_cm, height_cm, width_m, height_m, area_m2, perimeter_m
    /// and quantity, e.g. `2 * (width_m + height_m)`.
    pub quantity_formula: String,
    /// Multiplier ≥ 1 applied to the formula's result.
    pub waste_factor: Factor,
    /// Pieces per window (glass and profile lines), for the piece rules; 1 if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub pieces: Option<String>,
    /// Glass lines: each piece's width in cm, e.g. `width_cm / 2 - 4.5`; with
    /// `piece_height_cm`, glass can be billed by pieces (quote settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub piece_width_cm: Option<String>,
    /// Glass lines: each piece's height in cm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub piece_height_cm: Option<String>,
    /// Profile lines: each piece's length in cm, e.g. `height_cm`; lets profiles be
    /// cut from shared bars per job (quote settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub piece_length_cm: Option<String>,
}

/// The formulas of a BOM line, parsed.
#[derive(Debug, Clone)]
pub struct LineFormulas {
    pub quantity: Formula,
    pub pieces: Option<Formula>,
    pub piece_width_cm: Option<Formula>,
    pub piece_height_cm: Option<Formula>,
    pub piece_length_cm: Option<Formula>,
}

impl BomLineSpec {
    /// Parses the line's formulas; [`ProductSpec::check`] evaluates them at the
    /// product's corner sizes.
    pub fn formulas(&self) -> Result<LineFormulas, (&'static str, String)> {
        let parse = |name: &'static str, src: &str| {
            Formula::parse(src).map_err(|e| (name, format!("`{src}`: {e}")))
        };
        let optional = |name: &'static str, src: &Option<String>| {
            src.as_deref().map(|s| parse(name, s)).transpose()
        };
        Ok(LineFormulas {
            quantity: parse("quantity_formula", &self.quantity_formula)?,
            pieces: optional("pieces", &self.pieces)?,
            piece_width_cm: optional("piece_width_cm", &self.piece_width_cm)?,
            piece_height_cm: optional("piece_height_cm", &self.piece_height_cm)?,
            piece_length_cm: optional("piece_length_cm", &self.piece_length_cm)?,
        })
    }
}

/// A product as written by a catalogue editor (the shape of seed-catalog.json).
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct ProductSpec {
    /// The product code, like a material code, e.g. `VEN-FIJA-NAC3`.
    #[oai(validator(pattern = "^[A-Z0-9][A-Za-z0-9._-]{0,63}$"))]
    pub code: String,
    /// Display name, 1 to 200 characters, printed on quotes.
    #[oai(validator(pattern = "^\\s*\\S([\\s\\S]{0,198}\\S)?\\s*$"))]
    pub name: String,
    /// What the product is.
    pub kind: ProductKind,
    /// The window type, whose labour rate prices the product; required for a
    /// `window`.
    #[oai(skip_serializing_if_is_none)]
    pub window_type: Option<WindowType>,
    /// Doors: the type, e.g. `abatible`, 1 to 50 characters; informative.
    #[oai(
        skip_serializing_if_is_none,
        validator(max_length = 50, pattern = r"\S")
    )]
    pub door_type: Option<String>,
    /// The aluminium line, e.g. `nacional_serie_3`, 1 to 50 characters;
    /// informative.
    #[oai(
        skip_serializing_if_is_none,
        validator(max_length = 50, pattern = r"\S")
    )]
    pub aluminium_line: Option<String>,
    /// `[min, max]` in cm, bounds included.
    #[oai(validator(min_items = 2, max_items = 2))]
    pub width_cm: Vec<Centimetres>,
    /// `[min, max]` in cm, bounds included.
    #[oai(validator(min_items = 2, max_items = 2))]
    pub height_cm: Vec<Centimetres>,
    /// The bill of materials, per window: 1 to 100 lines.
    #[oai(validator(max_items = 100))]
    pub bom: Vec<BomLineSpec>,
    /// Ignored: accepted so that catalogue files can be posted as they are.
    #[serde(default, skip_serializing)]
    #[oai(skip_serializing_if_is_none)]
    pub in_default_catalogue: Option<bool>,
}

impl Example for ProductSpec {
    fn example() -> Self {
        let cm = |text: &str| Centimetres::parse(text).unwrap_or(Centimetres::ZERO);
        let factor = Factor::parse("1.05").unwrap_or_default();
        let line = |description: &str, material: &str, kind, formula: &str| BomLineSpec {
            description: description.to_owned(),
            material: material.to_owned(),
            kind,
            quantity_formula: formula.to_owned(),
            waste_factor: factor,
            pieces: None,
            piece_width_cm: None,
            piece_height_cm: None,
            piece_length_cm: None,
        };
        let perimeter = "2 * (width_m + height_m)";
        Self {
            code: "VEN-FIJA-NAC3-CLARO".to_owned(),
            name: "Ventana fija con vidrio claro (Línea 3\")".to_owned(),
            kind: ProductKind::Window,
            window_type: Some(WindowType::Fija),
            door_type: None,
            aluminium_line: Some("nacional_serie_3".to_owned()),
            width_cm: vec![cm("50"), cm("200")],
            height_cm: vec![cm("50"), cm("180")],
            bom: vec![
                line(
                    "Marco perimetral",
                    "PER-NAC3-FE",
                    Category::Profile,
                    perimeter,
                ),
                line("Junquillo", "PER-NAC3-JF", Category::Profile, perimeter),
                BomLineSpec {
                    pieces: Some("1".to_owned()),
                    piece_width_cm: Some("width_cm".to_owned()),
                    piece_height_cm: Some("height_cm".to_owned()),
                    ..line("Vidrio claro", "VID-CLARO-6", Category::Glass, "area_m2")
                },
                line("Silicona", "CON-SIL-NEU", Category::Consumable, "0.3"),
            ],
            in_default_catalogue: None,
        }
    }
}

/// A product checked and with its formulas parsed.
#[derive(Debug, Clone)]
pub struct CheckedProduct {
    pub code: MaterialCode,
    pub width_cm: (Decimal, Decimal),
    pub height_cm: (Decimal, Decimal),
    pub formulas: Vec<LineFormulas>,
}

/// Most BOM lines in one product.
pub const MAX_BOM_LINES: usize = 100;

impl ProductSpec {
    /// Checks everything that does not need the database: code, name, ranges, window
    /// type, and each formula (parsed, then evaluated at the four corner sizes so a
    /// division by zero shows up now rather than in a customer's quote). Errors name
    /// the field, e.g. `bom[3].quantity_formula`; this is the first of
    /// [`Self::checked_all`]'s problems.
    pub fn check(&self) -> Result<CheckedProduct, ApiError> {
        self.checked_all().map_err(|all| {
            all.into_iter()
                .next()
                .unwrap_or_else(|| ApiError::invalid_field("code", "invalid product"))
        })
    }

    /// Every problem [`Self::check`] finds, in the order it answers the first:
    /// `code`, `name`, `width_cm`, `height_cm`, `window_type`, `door_type`,
    /// `aluminium_line`, `bom`, then each BOM line's first problem (lines are
    /// checked only when both ranges are good, as they need the corner sizes).
    pub fn checked_all(&self) -> Result<CheckedProduct, Vec<ApiError>> {
        let mut found = Vec::new();
        let code = MaterialCode::parse_field("code", &self.code)
            .map_err(|e| found.push(e))
            .ok();
        if let Err(e) = check_name("name", &self.name) {
            found.push(e);
        }
        let range = |field: &str, values: &[Centimetres]| -> Result<(Decimal, Decimal), ApiError> {
            match values {
                [lo, hi] if !lo.amount().is_zero() && lo.amount() <= hi.amount() => {
                    Ok((lo.amount(), hi.amount()))
                }
                _ => Err(ApiError::invalid_field(
                    field,
                    "must be [min, max] with 0 < min <= max",
                )),
            }
        };
        let width_cm = range("width_cm", &self.width_cm)
            .map_err(|e| found.push(e))
            .ok();
        let height_cm = range("height_cm", &self.height_cm)
            .map_err(|e| found.push(e))
            .ok();
        if self.kind == ProductKind::Window && self.window_type.is_none() {
            found.push(ApiError::invalid_field(
                "window_type",
                "a window needs a window type (it selects the labour rate)",
            ));
        }
        for (field, value) in [
            ("door_type", &self.door_type),
            ("aluminium_line", &self.aluminium_line),
        ] {
            if value
                .as_ref()
                .is_some_and(|v| v.trim().is_empty() || v.chars().count() > 50)
            {
                found.push(ApiError::invalid_field(field, "must be 1 to 50 characters"));
            }
        }
        if self.bom.len() > MAX_BOM_LINES {
            found.push(ApiError::invalid_field(
                "bom",
                format!("at most {MAX_BOM_LINES} lines"),
            ));
        }
        let (Some(width_cm), Some(height_cm)) = (width_cm, height_cm) else {
            return Err(found);
        };
        let corners = [
            (width_cm.0, height_cm.0),
            (width_cm.0, height_cm.1),
            (width_cm.1, height_cm.0),
            (width_cm.1, height_cm.1),
        ];
        let mut formulas = Vec::new();
        for (i, line) in self.bom.iter().enumerate() {
            match line.check(i, &corners) {
                Ok(parsed) => formulas.push(parsed),
                Err(e) => found.push(e),
            }
        }
        match code {
            Some(code) if found.is_empty() => Ok(CheckedProduct {
                code,
                width_cm,
                height_cm,
                formulas,
            }),
            _ => Err(found),
        }
    }
}

impl BomLineSpec {
    /// Checks line `i` of a product: its material code, description, waste factor
    /// and formulas, which are parsed and then evaluated at the product's corner
    /// sizes so that a division by zero shows up now rather than in a customer's
    /// quote. Errors name the field, e.g. `bom[3].quantity_formula`.
    fn check(&self, i: usize, corners: &[(Decimal, Decimal); 4]) -> Result<LineFormulas, ApiError> {
        let line = self;
        let field = |name: &str| format!("bom[{i}].{name}");
        MaterialCode::parse_field(&field("material"), &line.material)?;
        if line.description.len() > 200 {
            return Err(ApiError::invalid_field(
                &field("description"),
                "must be at most 200 characters",
            ));
        }
        if line.waste_factor.amount() < Decimal::ONE {
            return Err(ApiError::invalid_field(
                &field("waste_factor"),
                "a waste factor is 1 or more",
            ));
        }
        let parsed = line
            .formulas()
            .map_err(|(name, message)| ApiError::invalid_field(&field(name), message))?;
        let glass = line.kind == Category::Glass;
        for (name, given, allowed) in [
            (
                "pieces",
                parsed.pieces.is_some(),
                glass || line.kind == Category::Profile,
            ),
            ("piece_width_cm", parsed.piece_width_cm.is_some(), glass),
            ("piece_height_cm", parsed.piece_height_cm.is_some(), glass),
            (
                "piece_length_cm",
                parsed.piece_length_cm.is_some(),
                line.kind == Category::Profile,
            ),
        ] {
            if given && !allowed {
                return Err(ApiError::invalid_field(
                    &field(name),
                    format!("a {} line has no {name}", line.kind.as_str()),
                ));
            }
        }
        if line.kind == Category::Profile
            && parsed.pieces.is_some()
            && parsed.piece_length_cm.is_none()
        {
            return Err(ApiError::invalid_field(
                &field("piece_length_cm"),
                "profile pieces need a piece_length_cm",
            ));
        }
        if parsed.piece_width_cm.is_some() != parsed.piece_height_cm.is_some() {
            return Err(ApiError::invalid_field(
                &field("piece_height_cm"),
                "glass pieces need both piece_width_cm and piece_height_cm",
            ));
        }
        parsed.check_at_corners(&field, corners)?;
        Ok(parsed)
    }
}

impl LineFormulas {
    /// Evaluates every formula at the corner sizes, within the engine's limits.
    fn check_at_corners(
        &self,
        field: &impl Fn(&str) -> String,
        corners: &[(Decimal, Decimal); 4],
    ) -> Result<(), ApiError> {
        let parsed = self;
        let all = [
            ("quantity_formula", Some(&parsed.quantity)),
            ("pieces", parsed.pieces.as_ref()),
            ("piece_width_cm", parsed.piece_width_cm.as_ref()),
            ("piece_height_cm", parsed.piece_height_cm.as_ref()),
            ("piece_length_cm", parsed.piece_length_cm.as_ref()),
        ];
        for (name, formula) in all {
            let Some(formula) = formula else { continue };
            // Piece counts and sizes have limits the engine enforces; finding a
            // break at the corner sizes now is better than in a customer's quote.
            let max = match name {
                "quantity_formula" => None,
                "pieces" => Some(Decimal::from(MAX_PIECES_PER_LINE)),
                _ => Some(Decimal::from(MAX_PIECE_CM)),
            };
            for &(w, h) in corners {
                let vars = Vars::new(w, h, Decimal::ONE);
                let value = formula.eval(&vars).map_err(|e| {
                    ApiError::invalid_field(
                        &field(name),
                        format!("`{formula}` fails at {w} × {h} cm: {e}"),
                    )
                })?;
                if let Some(max) = max.filter(|m| value > *m) {
                    return Err(ApiError::invalid_field(
                        &field(name),
                        format!("`{formula}` gives {value} at {w} × {h} cm, over {max}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A product as the tenant sees it.
#[derive(Debug, Clone, Object)]
pub struct ProductView {
    #[oai(flatten)]
    pub product: ProductSpec,
    /// `tenant` for the tenant's own product, `global` when inherited.
    pub source: Source,
    /// Grows with every change of the row it comes from.
    pub version: i32,
}

impl ProductView {
    /// The view of an effective product.
    pub fn new(p: EffectiveProduct) -> Self {
        Self {
            product: p.spec,
            source: p.source,
            version: p.version,
        }
    }

    /// What `If-Match` must carry to replace it.
    pub fn etag(&self) -> String {
        let source = match self.source {
            Source::Tenant => "t",
            Source::Global => "g",
        };
        format!("\"p{source}{}\"", self.version)
    }
}

/// Every BOM line's material is among `materials` (active ones) and of the line's
/// kind; errors name the line. Shared by tenant and default products; the first
/// of [`bom_material_problems`].
pub fn check_bom_materials(spec: &ProductSpec, materials: &[Material]) -> ApiResult<()> {
    match bom_material_problems(spec, materials).into_iter().next() {
        Some(first) => Err(first),
        None => Ok(()),
    }
}

/// Every BOM line whose material is not among `materials` (active ones), 404
/// `material_not_found` with the field in its details, or not of the line's kind,
/// 422 naming `bom[i].material`; in line order.
pub fn bom_material_problems(spec: &ProductSpec, materials: &[Material]) -> Vec<ApiError> {
    let mut found = Vec::new();
    for (i, line) in spec.bom.iter().enumerate() {
        let field = format!("bom[{i}].material");
        let Some(material) = materials
            .iter()
            .find(|m| m.code == line.material && m.active)
        else {
            found.push(
                ApiError::not_found(
                    "material_not_found",
                    format!("{field}: no material with code {}", line.material),
                )
                .with_details(serde_json::json!({ "field": field })),
            );
            continue;
        };
        if material.category != line.kind {
            found.push(ApiError::invalid_field(
                &field,
                format!(
                    "{} is a {}, not a {}",
                    line.material,
                    material.category.as_str(),
                    line.kind.as_str()
                ),
            ));
        }
    }
    found
}

crate::page_of!(
    /// Products, by code, in one page.
    ProductPage,
    ProductView
);

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ProductSpec {
        serde_json::from_value(serde_json::json!({
            "code": "VEN-X", "name": "Ventana", "kind": "window", "window_type": "fija",
            "width_cm": ["50", "200"], "height_cm": ["50", "180"],
            "bom": [{ "material": "PER-NAC3-FE", "kind": "profile", "quantity_formula": "2 * (width_m + height_m)", "waste_factor": "1.05" }]
        }))
        .expect("spec")
    }

    #[test]
    fn a_good_product_checks_and_parses_its_formulas() {
        let checked = spec().check().expect("valid");
        assert_eq!(checked.formulas.len(), 1);
        assert_eq!(checked.width_cm, (Decimal::from(50), Decimal::from(200)));
    }

    #[test]
    fn checked_all_lists_every_problem_in_the_order_check_answers_the_first() {
        let mut p = spec();
        p.code = "ventana x".into();
        p.window_type = None;
        p.bom[0].quantity_formula = "widht_m".into();
        let all = p.checked_all().expect_err("three problems");
        let fields: Vec<&str> = all.iter().filter_map(ApiError::field).collect();
        assert_eq!(fields, ["code", "window_type", "bom[0].quantity_formula"]);
        assert_eq!(p.check().expect_err("the first").field(), Some("code"));
        p.width_cm.reverse();
        let all = p
            .checked_all()
            .expect_err("lines unchecked without a range");
        let fields: Vec<&str> = all.iter().filter_map(ApiError::field).collect();
        assert_eq!(fields, ["code", "width_cm", "window_type"]);
    }

    type Change = Box<dyn Fn(&mut ProductSpec)>;

    #[test]
    fn problems_name_the_field() {
        let cases: Vec<(&str, Change)> = vec![
            (
                "bom[0].quantity_formula",
                Box::new(|p| p.bom[0].quantity_formula = "widht_m".into()),
            ),
            (
                "bom[0].quantity_formula",
                Box::new(|p| p.bom[0].quantity_formula = "1 / (width_cm - 50)".into()),
            ),
            (
                "bom[0].waste_factor",
                Box::new(|p| p.bom[0].waste_factor = Factor::parse("0.9").expect("factor")),
            ),
            (
                "bom[0].material",
                Box::new(|p| p.bom[0].material = "per x".into()),
            ),
            ("width_cm", Box::new(|p| p.width_cm.reverse())),
            ("height_cm", Box::new(|p| p.height_cm.truncate(1))),
            ("window_type", Box::new(|p| p.window_type = None)),
            ("code", Box::new(|p| p.code = "ventana x".into())),
        ];
        for (field, change) in cases {
            let mut p = spec();
            change(&mut p);
            let err = p.check().expect_err(field);
            assert!(
                err.to_string().contains(field) || format!("{err:?}").contains(field),
                "{field}: {err:?}"
            );
        }
    }
}
