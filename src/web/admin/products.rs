//! Productos: the products the shop quotes, its own over the defaults, as
//! `GET /api/v1/products` lists them; each links to its details (the BOM as
//! `GET /api/v1/products/{code}` shows it) with "Editar" and, for the shop's
//! own, "Eliminar producto" or "Restaurar predeterminado" (`edit`). Admins only
//! (`WriteCatalog`, the API's check).

pub mod edit;
pub mod form;

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{handler, Request, Response};

use super::admin_get;
use super::labour::type_name;
use crate::auth::rbac::Permission;
use crate::catalog::model::{MaterialCode, Source};
use crate::catalog::products::model::{BomLineSpec, ProductKind, ProductSpec, ProductView};
use crate::catalog::products::{manage, repo};
use crate::money::Centimetres;
use crate::state::AppState;
use crate::web::catalog::category_name;
use crate::web::i18n::admin_catalog::{ProductFormTexts, ProductTexts};
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, Layout, SignedIn, WebError};
use crate::web::Web;

/// The list's path; a product's details are at `{PATH}/{code}`.
pub const PATH: &str = "/administracion/productos";

/// A product's summary.
struct Line {
    code: String,
    name: String,
    kind: String,
    line: String,
    /// `60 – 300 cm`.
    width: String,
    height: String,
    bom_lines: usize,
    own: bool,
}

/// The kind in Spanish: the window's type, or door / other.
fn kind_text(t: &Texts, texts: &ProductTexts, p: &ProductSpec) -> String {
    match (p.kind, p.window_type) {
        (ProductKind::Window, Some(w)) => fill(texts.kind_window, &[("type", type_name(t, w))]),
        (ProductKind::Window, None) => fill(texts.kind_window, &[("type", "")]).trim().to_owned(),
        (ProductKind::Door, _) => texts.kind_door.to_owned(),
        (ProductKind::Other, _) => texts.kind_other.to_owned(),
    }
}

/// `60 – 300 cm` from a `[min, max]`.
fn range(texts: &ProductTexts, bounds: &[Centimetres]) -> String {
    let cm = |i: usize| {
        bounds
            .get(i)
            .map(|c| c.amount().normalize().to_string())
            .unwrap_or_default()
    };
    fill(
        texts.range,
        &[("min", cm(0).as_str()), ("max", cm(1).as_str())],
    )
}

impl Line {
    fn of(t: &Texts, texts: &ProductTexts, v: &ProductView) -> Self {
        let p = &v.product;
        Self {
            code: p.code.clone(),
            name: p.name.clone(),
            kind: kind_text(t, texts, p),
            line: p.aluminium_line.clone().unwrap_or_default(),
            width: range(texts, &p.width_cm),
            height: range(texts, &p.height_cm),
            bom_lines: p.bom.len(),
            own: v.source == Source::Tenant,
        }
    }
}

/// The shop's products as listed now.
async fn products(state: &AppState, user: &SignedIn) -> Result<Vec<ProductView>, WebError> {
    let mut tx = user.ctx.tx(state).await?;
    let found = repo::effective_products(&mut tx).await?;
    tx.commit().await?;
    Ok(found.into_iter().map(ProductView::new).collect())
}

#[derive(Template)]
#[template(path = "admin_products.html")]
struct ProductsPage {
    layout: Layout,
    t: &'static Texts,
    texts: &'static ProductTexts,
    form: &'static ProductFormTexts,
    lines: Vec<Line>,
    notice: Option<String>,
}

/// The flash after a post (`?aviso=guardado`, or `?aviso=eliminado&clave=X`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
    #[serde(default)]
    clave: String,
}

impl Flash {
    /// The flash's text, for a code that is one.
    fn notice(&self, form: &ProductFormTexts, code: &str) -> Option<String> {
        MaterialCode::parse(code).ok()?;
        let text = match self.aviso.as_deref()? {
            "guardado" => form.saved,
            "eliminado" => form.removed,
            "restaurado" => form.restored,
            _ => return None,
        };
        Some(fill(text, &[("code", code)]))
    }
}

/// `GET /administracion/productos`.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::WriteCatalog).await?;
    let t = page::texts();
    let texts = &t.admin_catalog.products;
    let lines = products(&state, &user)
        .await?
        .iter()
        .map(|v| Line::of(t, texts, v))
        .collect();
    let form = &t.admin_catalog.product_form;
    let view = ProductsPage {
        layout: Layout::new(texts.title, Some(&user), "administracion"),
        t,
        texts,
        form,
        lines,
        notice: flash.notice(form, &flash.clave),
    };
    Ok(html(StatusCode::OK, &view))
}

/// One BOM line as shown.
struct BomLine {
    description: String,
    material: String,
    category: &'static str,
    quantity: String,
    waste: String,
    /// The piece formulas present, e.g. `piezas: 2; largo: height_cm`.
    pieces: String,
}

impl BomLine {
    fn of(t: &Texts, texts: &ProductTexts, l: &BomLineSpec) -> Self {
        let pieces = [
            (texts.pieces, &l.pieces),
            (texts.piece_width, &l.piece_width_cm),
            (texts.piece_height, &l.piece_height_cm),
            (texts.piece_length, &l.piece_length_cm),
        ]
        .into_iter()
        .filter_map(|(label, f)| f.as_ref().map(|f| format!("{label}: {f}")))
        .collect::<Vec<_>>()
        .join("; ");
        Self {
            description: l.description.clone(),
            material: l.material.clone(),
            category: category_name(t, l.kind),
            quantity: l.quantity_formula.clone(),
            waste: l.waste_factor.amount().normalize().to_string(),
            pieces,
        }
    }
}

#[derive(Template)]
#[template(path = "admin_product.html")]
struct ProductPage {
    layout: Layout,
    t: &'static Texts,
    texts: &'static ProductTexts,
    form: &'static ProductFormTexts,
    csrf: String,
    line: Line,
    door_type: String,
    bom: Vec<BomLine>,
    /// The shop's own version of a default: removing it restores the default.
    over_default: bool,
    notice: Option<String>,
}

/// `GET /administracion/productos/{code}`: one product with its BOM; 404 for a
/// code the shop does not list.
#[handler]
pub async fn details(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(code): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::WriteCatalog).await?;
    let t = page::texts();
    let texts = &t.admin_catalog.products;
    let form = &t.admin_catalog.product_form;
    let mut tx = user.ctx.tx(&state).await?;
    let found = manage::find(&mut tx, &code).await?;
    let over_default = repo::has_default(&mut tx, &code).await?;
    tx.commit().await?;
    let view = found.as_ref().ok_or(WebError::NotFound)?;
    let p = &view.product;
    let page = ProductPage {
        layout: Layout::new(
            format!("{} · {}", p.name, p.code),
            Some(&user),
            "administracion",
        ),
        t,
        texts,
        form,
        csrf: user.csrf.clone(),
        line: Line::of(t, texts, view),
        door_type: p.door_type.clone().unwrap_or_default(),
        bom: p.bom.iter().map(|l| BomLine::of(t, texts, l)).collect(),
        over_default,
        notice: flash.notice(form, &code),
    };
    Ok(html(StatusCode::OK, &page))
}
