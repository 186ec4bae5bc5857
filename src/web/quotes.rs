//! Cotizar: a quote built row by row (product, width × height, glass, colour,
//! quantity), priced by the API's own `quotes::preview::price_with` with the same
//! `PreviewRequest`, so the figures are the preview's to the cent; then saved for
//! a client through `quotes::lifecycle::create` (the API's `POST /api/v1/quotes`,
//! in [`save`]). For the roles the API lets write quotes (`WriteQuotes`).
//!
//! Without JavaScript "Calcular" and "Agregar partida" post the form and the page
//! comes back with the results; with htmx, typing posts the form (debounced) to
//! `/cotizar/calculo`, which answers the results block alone.

pub mod actions;
pub mod builder;
pub mod detail;
pub mod edit;
pub mod form;
pub mod list;
pub mod materials;
pub mod new_client;
pub mod once;
pub mod save;
pub mod terms;

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{handler, Request, Response};

use super::format;
use super::i18n::{fill, Texts};
use super::page::{self, html, signed_in, signed_in_post, SignedIn, WebError};
use super::problems;
use super::Web;
use crate::auth::rbac::Permission;
use crate::catalog::snapshot::tenant_catalog;
use crate::error::ApiError;
use crate::ids::ClientId;
use crate::money::Rate;
use crate::pricing::{Catalog, EngineError};
use crate::quotes::preview::{price_with, PreviewRequest};
use crate::quotes::view::QuotePreview;
use crate::state::AppState;
pub use builder::{BuilderPage, Choice, ItemLine, MaterialLine, Results};
use form::{Origins, Posted, Problem, Row};

/// Whether the user's role may price and save quotes (the API's check).
pub fn quoter(user: &SignedIn) -> bool {
    user.ctx.require(Permission::WriteQuotes).is_ok()
}

/// The results block alone (htmx's fragment).
#[derive(Template)]
#[template(path = "quote_results_fragment.html")]
struct ResultsFragment {
    t: &'static Texts,
    results: Results,
}

/// The signed-in user who may quote, or 403.
async fn quoter_get(req: &Request, state: &AppState, web: &Web) -> Result<SignedIn, WebError> {
    let user = signed_in(req, state, web).await?;
    if !quoter(&user) {
        return Err(WebError::Forbidden);
    }
    Ok(user)
}

/// The signed-in user of a post (Origin and token checked) who may quote, or 403.
async fn quoter_post(
    req: &Request,
    state: &AppState,
    web: &Web,
    csrf: &str,
) -> Result<SignedIn, WebError> {
    let user = signed_in_post(req, state, web, csrf).await?;
    if !quoter(&user) {
        return Err(WebError::Forbidden);
    }
    Ok(user)
}

/// The shop's active clients, by name (the first 100), for the select; the
/// `chosen` one (an edited quote's, one just created) too when it is active and
/// not among them.
async fn client_choices(
    state: &AppState,
    user: &SignedIn,
    chosen: &str,
) -> Result<Vec<Choice>, WebError> {
    let paging = crate::http::PageRequest::<crate::clients::repo::ListKey>::parse(Some(100), None)?;
    let mut tx = user.ctx.tx(state).await?;
    let (mut rows, _) = crate::clients::repo::list(&mut tx, None, false, &paging).await?;
    rows.truncate(100);
    if let Some(id) = client_id(chosen).filter(|id| rows.iter().all(|c| c.id != *id)) {
        rows.extend(
            crate::clients::repo::get(&mut tx, id)
                .await?
                .filter(|c| c.active),
        );
    }
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|c| Choice {
            code: c.id.to_string(),
            name: c.name,
        })
        .collect())
}

/// The standing discount of the chosen client, as saving applies it
/// (`lifecycle::create`: when the quote sets none and it is not zero), so the
/// figures shown are those the saved quote will have.
async fn client_discount(
    state: &AppState,
    user: &SignedIn,
    client: &str,
) -> Result<Option<Rate>, WebError> {
    let Some(id) = client_id(client) else {
        return Ok(None);
    };
    let mut tx = user.ctx.tx(state).await?;
    let found = crate::clients::repo::get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(found
        .filter(|c| c.active && !c.discount_rate.amount().is_zero())
        .map(|c| c.discount_rate))
}

/// `GET /cotizar`'s query: `cotizacion`, a draft to edit.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Open {
    #[serde(default)]
    cotizacion: Option<String>,
}

/// `GET /cotizar`: the empty form, or with `?cotizacion={id}` the draft's
/// ([`edit::open`]).
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(open): Query<Open>,
) -> Result<Response, WebError> {
    let user = quoter_get(req, &state, &web).await?;
    let catalog = tenant_catalog(&state, &user.ctx).await?;
    if let Some(id) = open.cotizacion {
        return edit::open(&state, &user, &catalog, &id).await;
    }
    let clients = client_choices(&state, &user, "").await?;
    let rows = vec![Row::default(); form::FIRST_ROWS];
    let view = BuilderPage::new(&user, &catalog, rows, clients);
    Ok(html(StatusCode::OK, &view))
}

/// `POST /cotizar`: "Calcular", "Agregar partida", "Agregar material" (the page
/// again, priced), "Crear y elegir cliente" ([`new_client`]) or "Guardar"
/// (saved or the draft updated, then 303 to the quote).
#[handler]
pub async fn submit(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let posted = Posted::from_pairs(pairs);
    let user = quoter_post(req, &state, &web, &posted.csrf).await?;
    let catalog = tenant_catalog(&state, &user.ctx).await?;
    let mut view = form_page(&state, &user, &catalog, &posted).await?;
    if posted.action == "crear_cliente" {
        return new_client::create(&state, &user, &catalog, &posted, view).await;
    }
    if posted.action == "guardar" {
        match save::save(&state, &user, &posted).await? {
            Ok(location) => return Ok(page::redirect(&location)),
            Err(refused) => {
                view.results = priced_for(&state, &user, &catalog, &posted).await?;
                for problem in refused.problems {
                    let known = view
                        .results
                        .problems
                        .iter()
                        .any(|p| p.message == problem.message);
                    if !known {
                        view.results.problems.insert(0, problem);
                    }
                }
                if let (Some(editing), Some(version)) = (view.editing.as_mut(), refused.version) {
                    editing.version = version;
                }
                return Ok(html(refused.status, &view));
            }
        }
    }
    view.results = priced_for(&state, &user, &catalog, &posted).await?;
    let status = if view.results.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html(status, &view))
}

/// The builder as posted: rows, materials, terms, client and nonce kept, and the
/// draft being edited (404 when it is not the shop's).
async fn form_page(
    state: &AppState,
    user: &SignedIn,
    catalog: &Catalog,
    posted: &Posted,
) -> Result<BuilderPage, WebError> {
    let clients = client_choices(state, user, &posted.client).await?;
    let mut view = BuilderPage::new(user, catalog, posted.rows.clone(), clients);
    view.material_rows = posted.materials.clone();
    view.client = posted.client.trim().to_owned();
    view.terms = posted.terms.clone();
    view.new_client = posted.new_client.clone();
    if let Ok(nonce) = uuid::Uuid::parse_str(posted.nonce.trim()) {
        view.nonce = nonce.to_string();
    }
    if !posted.quote.trim().is_empty() {
        edit::editing(state, user, posted, &mut view).await?;
    }
    // The chosen client's standing discount is what an empty field applies.
    if let Some(rate) = client_discount(state, user, &posted.client).await? {
        let percent = rate.amount() * rust_decimal::Decimal::ONE_HUNDRED;
        view.term_defaults[2] = percent.normalize().to_string();
    }
    Ok(view)
}

/// The posted form priced, with the chosen client's standing discount.
async fn priced_for(
    state: &AppState,
    user: &SignedIn,
    catalog: &Catalog,
    posted: &Posted,
) -> Result<Results, WebError> {
    let discount = client_discount(state, user, &posted.client).await?;
    priced(page::texts(), catalog, posted, discount)
}

/// `POST /cotizar/calculo` (htmx): the results block alone, always 200 (htmx
/// swaps only 2xx answers), problems included.
#[handler]
pub async fn results(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let posted = Posted::from_pairs(pairs);
    let user = quoter_post(req, &state, &web, &posted.csrf).await?;
    let catalog = tenant_catalog(&state, &user.ctx).await?;
    let fragment = ResultsFragment {
        t: page::texts(),
        results: priced_for(&state, &user, &catalog, &posted).await?,
    };
    Ok(html(StatusCode::OK, &fragment))
}

/// The API's preview request of the rows, the loose materials and the quote's
/// terms (empty ones are the tenant's), with the form row of each entry, or the
/// problems found before pricing.
pub fn request(t: &Texts, posted: &Posted) -> Result<(PreviewRequest, Origins), Vec<Problem>> {
    let mut request = PreviewRequest {
        items: Vec::new(),
        material_items: Vec::new(),
        profit_rate: None,
        indirect_rate: None,
        tax_rate: None,
        tax_code: None,
        labour_rate_override_per_m2: None,
        discount_rate: None,
    };
    let mut problems = Vec::new();
    let items = form::items(t, &posted.rows).unwrap_or_else(|p| {
        problems.extend(p);
        Vec::new()
    });
    let materials = materials::items(t, &posted.materials).unwrap_or_else(|p| {
        problems.extend(p);
        Vec::new()
    });
    if let Err(more) = posted.terms.apply(t, &mut request) {
        problems.extend(more);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    request.items = items.iter().map(|(_, item)| item.clone()).collect();
    request.material_items = materials.iter().map(|(_, m)| m.clone()).collect();
    let origins = Origins {
        items,
        materials: materials.into_iter().map(|(row, _)| row).collect(),
    };
    Ok((request, origins))
}

/// The rows priced by the preview's engine, as shown; nothing to price is no
/// results and no problem.
fn priced(
    t: &Texts,
    catalog: &Catalog,
    posted: &Posted,
    discount: Option<Rate>,
) -> Result<Results, WebError> {
    let (mut request, items) = match request(t, posted) {
        Ok((_, items)) if items.is_empty() => return Ok(Results::default()),
        Ok(found) => found,
        Err(problems) => {
            return Ok(Results {
                problems,
                ..Results::default()
            })
        }
    };
    // The client's standing discount when the quote sets none, as saving does.
    request.discount_rate = request.discount_rate.or(discount);
    match price_with(catalog, &request) {
        Ok(preview) => Ok(shown(t, &preview, &items)),
        Err(err) if err.status().is_server_error() => Err(err.into()),
        Err(err) => Ok(Results {
            problems: vec![problem_of(t, err, &items)],
            ..Results::default()
        }),
    }
}

/// An error of the shared pricing code as a row's problem: the engine's by its
/// kind (`problems::engine`), the others (tax codes) by the field they name.
pub fn problem_of(t: &Texts, err: ApiError, origins: &Origins) -> Problem {
    let field = err.field().unwrap_or_default().to_owned();
    let engine = err
        .cause::<EngineError>()
        .map(|e| problems::engine(t, &e.problem));
    if let Some(term) = terms::of_api_field(&field) {
        let message = engine.unwrap_or_else(|| {
            match term {
                "iva" => t.quote_tax_invalid,
                "titulo" | "notas" => t.quote_text_invalid,
                "mano_obra" => t.builder.money_invalid,
                _ => t.quote_percent_invalid,
            }
            .to_owned()
        });
        return terms::problem(t, term, &message);
    }
    let message = engine.unwrap_or_else(|| t.quote_invalid.to_owned());
    if let Some(problem) = materials::engine_problem(t, &field, &message, &origins.materials) {
        return problem;
    }
    form::engine_problem(t, &field, message, &origins.items)
}

/// A preview as shown: each item under its form row, then the totals.
fn shown(t: &Texts, preview: &QuotePreview, origins: &Origins) -> Results {
    let money = |m: &crate::money::Money| format::money(&m.to_string());
    let lines = preview
        .items
        .iter()
        .zip(&origins.items)
        .map(|(item, (row, _))| ItemLine {
            row: (row + 1).to_string(),
            name: item.name.clone(),
            size: fill(
                t.quote_size,
                &[
                    ("width", &item.width_cm.normalize().to_string()),
                    ("height", &item.height_cm.normalize().to_string()),
                ],
            ),
            quantity: item.quantity.to_string(),
            profiles: money(&item.profiles),
            glass: money(&item.glass),
            hardware: money(&item.hardware),
            consumables: money(&item.consumables),
            labour: money(&item.labour),
            subtotal: money(&item.subtotal),
        })
        .collect();
    let materials = preview
        .material_items
        .iter()
        .zip(&origins.materials)
        .map(|(m, row)| MaterialLine {
            row: (row + 1).to_string(),
            name: m.name.clone(),
            quantity: m.quantity.normalize().to_string(),
            unit_price: money(&m.unit_price),
            amount: money(&m.amount),
        })
        .collect();
    let totals = &preview.totals;
    Results {
        items: lines,
        materials,
        totals: total_lines(t, totals),
        problems: Vec::new(),
    }
}

/// A client id from the form's select.
pub fn client_id(text: &str) -> Option<ClientId> {
    uuid::Uuid::parse_str(text.trim()).ok().map(ClientId)
}

/// The seven totals a quote shows, labelled, formatted from the engine's decimals.
pub(super) fn total_lines(
    t: &Texts,
    totals: &crate::quotes::view::TotalsView,
) -> Vec<(&'static str, String)> {
    let money = |m: &crate::money::Money| format::money(&m.to_string());
    vec![
        (t.quote_cost, money(&totals.cost)),
        (t.quote_profit, money(&totals.profit)),
        (t.quote_indirect, money(&totals.indirect)),
        (t.quote_discount, money(&totals.discount)),
        (t.quote_before_tax, money(&totals.before_tax)),
        (t.quote_tax, money(&totals.tax)),
        (t.quote_total, money(&totals.total)),
    ]
}
