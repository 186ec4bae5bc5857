//! Catálogo: the shop's effective materials by category, searchable, with the
//! price's origin; price history per material. Edits are in [`edit`].

pub mod edit;

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{handler, Request, Response};

use super::format;
use super::i18n::{fill, Texts};
use super::page::{self, html, signed_in, Layout, SignedIn, WebError};
use super::Web;
use crate::auth::rbac::Permission;
use crate::catalog::materials::model::Material;
use crate::catalog::materials::repo as materials;
use crate::catalog::model::{Category, MaterialCode, Source, Unit};
use crate::catalog::price_admin::model::ChangeKind;
use crate::catalog::price_admin::repo::{self as history_repo, HistoryFilter};
use crate::http::PageRequest;
use crate::state::AppState;
use crate::users::repo as users;

/// The Spanish name of a category.
pub fn category_name(t: &Texts, category: Category) -> &'static str {
    match category {
        Category::Glass => t.category_glass,
        Category::Profile => t.category_profile,
        Category::Hardware => t.category_hardware,
        Category::Consumable => t.category_consumable,
    }
}

pub fn unit_name(t: &Texts, unit: Unit) -> &'static str {
    match unit {
        Unit::M2 => t.unit_m2,
        Unit::M => t.unit_m,
        Unit::Piece => t.unit_piece,
        Unit::Cartridge => t.unit_cartridge,
        Unit::Kg => t.unit_kg,
        Unit::L => t.unit_l,
    }
}

pub const CATEGORIES: [Category; 4] = [
    Category::Glass,
    Category::Profile,
    Category::Hardware,
    Category::Consumable,
];

/// One material's row.
pub struct Row {
    pub code: String,
    pub name: String,
    pub unit: &'static str,
    /// `$1,234.56`.
    pub price: String,
    /// The decimal string the edit field starts with, `1234.56`.
    pub raw_price: String,
    pub own: bool,
    /// The version the edit form sends back (`t3`: the shop's row, version 3).
    pub version: String,
    pub price_label: String,
    /// What just happened to this row (shown in it).
    pub notice: Option<String>,
}

impl Row {
    pub fn of(t: &Texts, m: &Material) -> Self {
        let raw_price = m.price.amount().to_string();
        Self {
            code: m.code.clone(),
            name: m.name.clone(),
            unit: unit_name(t, m.unit),
            price: format::money(&raw_price),
            raw_price,
            own: m.source == Source::Tenant,
            version: m.etag().trim_matches('"').to_owned(),
            price_label: fill(t.new_price_label, &[("code", &m.code)]),
            notice: None,
        }
    }
}

/// A category's rows.
pub struct Group {
    pub name: &'static str,
    pub rows: Vec<Row>,
}

/// The table row of one material alone (htmx swaps it in place).
#[derive(Template)]
#[template(path = "catalog_row.html")]
pub struct RowFragment<'a> {
    pub t: &'static Texts,
    pub row: &'a Row,
    pub admin: bool,
    pub csrf: &'a str,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    layout: Layout,
    t: &'static Texts,
    groups: Vec<Group>,
    categories: Vec<(&'static str, &'static str, bool)>,
    q: String,
    admin: bool,
    csrf: String,
    notice: Option<String>,
}

/// The catalogue's filters (and, after a form post, what happened).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub categoria: String,
    #[serde(default)]
    pub q: String,
    /// `guardado` or `restaurado`, with `material`: the flash of an edit.
    pub aviso: Option<String>,
    pub material: Option<String>,
}

/// `GET /catalogo`.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(filters): Query<Filters>,
) -> Result<Response, WebError> {
    let user = signed_in(req, &state, &web).await?;
    let t = page::texts();
    let notice = match (filters.aviso.as_deref(), filters.material.as_deref()) {
        (Some("guardado"), Some(code)) => {
            let mut tx = user.ctx.tx(&state).await?;
            let found = materials::effective_one(&mut tx, code).await?;
            tx.commit().await?;
            found.map(|m| {
                let price = format::money(&m.price.amount().to_string());
                fill(t.price_saved, &[("code", code), ("price", &price)])
            })
        }
        (Some("restaurado"), Some(code)) => Some(fill(t.price_restored, &[("code", code)])),
        _ => None,
    };
    render(&state, &user, &filters, StatusCode::OK, notice).await
}

/// The catalogue page, filtered, with a notice on top.
pub async fn render(
    state: &AppState,
    user: &SignedIn,
    filters: &Filters,
    status: StatusCode,
    notice: Option<String>,
) -> Result<Response, WebError> {
    user.ctx
        .require(Permission::ReadCatalog)
        .map_err(|_| WebError::Forbidden)?;
    let t = page::texts();
    let category = Category::parse(&filters.categoria);
    let mut tx = user.ctx.tx(state).await?;
    let mut all = materials::effective(&mut tx, category).await?;
    tx.commit().await?;
    // Glass first, as the shops think of them, rather than alphabetically.
    let rank = |c: Category| CATEGORIES.iter().position(|x| *x == c);
    all.sort_by(|a, b| (rank(a.category), &a.code).cmp(&(rank(b.category), &b.code)));
    let q = filters.q.trim().to_lowercase();
    let mut groups: Vec<Group> = Vec::new();
    for m in all.iter().filter(|m| {
        q.is_empty() || m.code.to_lowercase().contains(&q) || m.name.to_lowercase().contains(&q)
    }) {
        let name = category_name(t, m.category);
        match groups.last_mut() {
            Some(group) if group.name == name => group.rows.push(Row::of(t, m)),
            _ => groups.push(Group {
                name,
                rows: vec![Row::of(t, m)],
            }),
        }
    }
    let page = CatalogPage {
        layout: Layout::new(t.catalog_title, Some(user), "catalogo"),
        t,
        groups,
        categories: CATEGORIES
            .iter()
            .map(|c| (c.as_str(), category_name(t, *c), Some(*c) == category))
            .collect(),
        q: filters.q.trim().to_owned(),
        admin: user.ctx.require(Permission::WriteCatalog).is_ok(),
        csrf: user.csrf.clone(),
        notice,
    };
    Ok(html(status, &page))
}

/// One line of a material's history.
struct HistoryLine {
    at: String,
    kind: &'static str,
    old: String,
    new: String,
    user: String,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    layout: Layout,
    t: &'static Texts,
    name: String,
    price: String,
    lines: Vec<HistoryLine>,
}

pub fn kind_name(t: &Texts, kind: ChangeKind, withdrawn: bool) -> &'static str {
    match kind {
        _ if withdrawn => t.kind_withdrawn,
        ChangeKind::Edit => t.kind_edit,
        ChangeKind::Bulk => t.kind_bulk,
        ChangeKind::Import => t.kind_import,
        ChangeKind::Revert => t.kind_revert,
        ChangeKind::Seed => t.kind_seed,
        ChangeKind::Platform => t.kind_platform,
    }
}

/// `GET /catalogo/{code}/historial`: the material's last 100 price changes,
/// newest first, the shop's and the default's it inherited.
#[handler]
pub async fn history(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let user = signed_in(req, &state, &web).await?;
    user.ctx
        .require(Permission::ReadCatalog)
        .map_err(|_| WebError::Forbidden)?;
    let code = MaterialCode::parse(&code).map_err(|_| WebError::NotFound)?;
    let t = page::texts();
    let mut tx = user.ctx.tx(&state).await?;
    let material = materials::effective_one(&mut tx, code.as_str())
        .await?
        .ok_or(WebError::NotFound)?;
    let filter = HistoryFilter {
        code: Some(code.as_str().to_owned()),
        ..HistoryFilter::default()
    };
    let (entries, _) =
        history_repo::history(&mut tx, &filter, &PageRequest::parse(Some(100), None)?).await?;
    let offset = super::repo::utc_offset_seconds(&mut tx).await?;
    let mut lines = Vec::with_capacity(entries.len());
    for (entry, _) in entries {
        let who = match entry.user_id.0 {
            Some(id) => users::get(&mut tx, id).await?.map(|u| u.email),
            None => None,
        };
        lines.push(HistoryLine {
            at: format::date_time(t, entry.at, offset),
            kind: kind_name(t, entry.kind, entry.withdrawn),
            old: entry.old.0.map_or_else(
                || t.nobody.to_owned(),
                |m| format::money(&m.amount().to_string()),
            ),
            new: format::money(&entry.new.amount().to_string()),
            user: who.unwrap_or_else(|| t.nobody.to_owned()),
        });
    }
    tx.commit().await?;
    let page = HistoryPage {
        layout: Layout::new(
            fill(t.history_title, &[("code", code.as_str())]),
            Some(&user),
            "catalogo",
        ),
        t,
        name: material.name.clone(),
        price: format::money(&material.price.amount().to_string()),
        lines,
    };
    Ok(html(StatusCode::OK, &page))
}
