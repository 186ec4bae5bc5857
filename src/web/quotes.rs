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
pub mod detail;
pub mod form;
pub mod list;
pub mod save;
pub mod terms;

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{handler, Request, Response};

use super::format;
use super::i18n::{fill, Texts};
use super::page::{self, html, signed_in, signed_in_post, Layout, SignedIn, WebError};
use super::Web;
use crate::auth::rbac::Permission;
use crate::catalog::snapshot::tenant_catalog;
use crate::catalog::Category;
use crate::error::ApiError;
use crate::ids::ClientId;
use crate::money::Rate;
use crate::pricing::Catalog;
use crate::quotes::preview::{price_with, ItemRequest, PreviewRequest};
use crate::quotes::view::QuotePreview;
use crate::state::AppState;
use form::{Posted, Problem, Row, RowItems};
use terms::Terms;

/// Whether the user's role may price and save quotes (the API's check).
pub fn quoter(user: &SignedIn) -> bool {
    user.ctx.require(Permission::WriteQuotes).is_ok()
}

/// A (code, name) choice of a select.
pub struct Choice {
    pub code: String,
    pub name: String,
}

/// One priced item as shown, amounts already formatted.
pub struct ItemLine {
    pub row: String,
    pub name: String,
    pub size: String,
    pub quantity: String,
    pub profiles: String,
    pub glass: String,
    pub hardware: String,
    pub consumables: String,
    pub labour: String,
    pub subtotal: String,
}

/// The results block: the priced items and totals, or what is wrong.
#[derive(Default)]
pub struct Results {
    pub items: Vec<ItemLine>,
    /// (label, amount) of each total, in order; empty when nothing was priced.
    pub totals: Vec<(&'static str, String)>,
    pub problems: Vec<Problem>,
}

impl Results {
    /// The problem of a row's field, for its input.
    pub fn problem(&self, row: &usize, field: &str) -> Option<&Problem> {
        self.problems
            .iter()
            .find(|p| p.row == Some(*row) && p.field == field)
    }

    /// Whether a term's field (`utilidad`, ...) has a problem, for its input.
    pub fn term_problem(&self, field: &str) -> bool {
        self.problems
            .iter()
            .any(|p| p.row.is_none() && p.field == field)
    }
}

/// The results block alone (htmx's fragment).
#[derive(Template)]
#[template(path = "quote_results_fragment.html")]
struct ResultsFragment {
    t: &'static Texts,
    results: Results,
}

/// The Cotizar page.
#[derive(Template)]
#[template(path = "quote_builder.html")]
pub struct BuilderPage {
    pub layout: Layout,
    pub t: &'static Texts,
    pub csrf: String,
    pub rows: Vec<Row>,
    pub products: Vec<Choice>,
    pub glasses: Vec<Choice>,
    pub colours: Vec<Choice>,
    pub clients: Vec<Choice>,
    pub client: String,
    /// The form's nonce (`envio`): a second save of the same form goes to the
    /// first one's quote ([`save`]).
    pub nonce: String,
    /// The quote's own terms as typed, the shop's defaults in percent (profit,
    /// indirect, discount) for the placeholders, its tax codes and default one.
    pub terms: Terms,
    pub term_defaults: [String; 3],
    pub taxes: Vec<Choice>,
    pub tax_default: String,
    pub results: Results,
}

impl BuilderPage {
    fn new(user: &SignedIn, catalog: &Catalog, rows: Vec<Row>, clients: Vec<Choice>) -> Self {
        let t = page::texts();
        let sorted = |mut list: Vec<Choice>| {
            list.sort_by(|a, b| a.name.cmp(&b.name).then(a.code.cmp(&b.code)));
            list
        };
        Self {
            layout: Layout::new(t.quote_builder_title, Some(user), "cotizar"),
            t,
            csrf: user.csrf.clone(),
            rows,
            products: sorted(
                catalog
                    .products
                    .values()
                    .map(|p| Choice {
                        code: p.code.clone(),
                        name: p.name.clone(),
                    })
                    .collect(),
            ),
            glasses: sorted(
                catalog
                    .materials
                    .values()
                    .filter(|m| m.category == Category::Glass)
                    .map(|m| Choice {
                        code: m.code.clone(),
                        name: m.name.clone(),
                    })
                    .collect(),
            ),
            colours: sorted(
                catalog
                    .colours
                    .iter()
                    .map(|(code, name)| Choice {
                        code: code.clone(),
                        name: name.clone(),
                    })
                    .collect(),
            ),
            clients,
            client: String::new(),
            nonce: uuid::Uuid::new_v4().to_string(),
            terms: Terms::default(),
            term_defaults: terms::defaults(catalog),
            taxes: terms::tax_choices(catalog),
            tax_default: catalog.default_tax_code.clone().unwrap_or_else(|| {
                let tax = catalog.default_rates.tax * rust_decimal::Decimal::ONE_HUNDRED;
                format!("{} %", tax.normalize())
            }),
            results: Results::default(),
        }
    }

    /// The number of rows, for the hidden `filas` field.
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// "El de la empresa (IVA16)": the tax select's empty choice.
    pub fn tax_default_label(&self) -> String {
        fill(self.t.quote_tax_default, &[("tax", &self.tax_default)])
    }

    /// "Partida 3" for the row at `index`.
    pub fn legend(&self, index: &usize) -> String {
        fill(
            self.t.quote_row_legend,
            &[("row", &(index + 1).to_string())],
        )
    }
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

/// The shop's active clients, by name (the first 100), for the select.
async fn client_choices(state: &AppState, user: &SignedIn) -> Result<Vec<Choice>, WebError> {
    let paging = crate::http::PageRequest::<crate::clients::repo::ListKey>::parse(Some(100), None)?;
    let mut tx = user.ctx.tx(state).await?;
    let (rows, _) = crate::clients::repo::list(&mut tx, None, false, &paging).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .take(100)
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

/// `GET /cotizar`: the empty form.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
) -> Result<Response, WebError> {
    let user = quoter_get(req, &state, &web).await?;
    let catalog = tenant_catalog(&state, &user.ctx).await?;
    let clients = client_choices(&state, &user).await?;
    let rows = vec![Row::default(); form::FIRST_ROWS];
    let view = BuilderPage::new(&user, &catalog, rows, clients);
    Ok(html(StatusCode::OK, &view))
}

/// `POST /cotizar`: "Calcular", "Agregar partida" (the page again, priced) or
/// "Guardar para cliente" (saved, then 303 to the quote).
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
    let clients = client_choices(&state, &user).await?;
    let t = page::texts();
    let mut view = BuilderPage::new(&user, &catalog, posted.rows.clone(), clients);
    view.client = posted.client.trim().to_owned();
    view.terms = posted.terms.clone();
    if let Ok(nonce) = uuid::Uuid::parse_str(posted.nonce.trim()) {
        view.nonce = nonce.to_string();
    }
    if posted.action == "guardar" {
        match save::save(&state, &user, &catalog, &posted).await? {
            Ok(location) => return Ok(page::redirect(&location)),
            Err(problems) => {
                let discount = client_discount(&state, &user, &posted.client).await?;
                view.results = priced(t, &catalog, &posted, discount)?;
                for problem in problems {
                    let known = view
                        .results
                        .problems
                        .iter()
                        .any(|p| p.message == problem.message);
                    if !known {
                        view.results.problems.insert(0, problem);
                    }
                }
                return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view));
            }
        }
    }
    let discount = client_discount(&state, &user, &posted.client).await?;
    view.results = priced(t, &catalog, &posted, discount)?;
    let status = if view.results.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html(status, &view))
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
    let t = page::texts();
    let discount = client_discount(&state, &user, &posted.client).await?;
    let fragment = ResultsFragment {
        t,
        results: priced(t, &catalog, &posted, discount)?,
    };
    Ok(html(StatusCode::OK, &fragment))
}

/// The API's preview request of the rows and the quote's terms (empty ones are
/// the tenant's), with the form row of each item, or the problems found before
/// pricing.
pub fn request(
    t: &Texts,
    rows: &[Row],
    terms: &Terms,
) -> Result<(PreviewRequest, RowItems), Vec<Problem>> {
    let items = form::items(t, rows);
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
    let items = match (items, terms.apply(t, &mut request)) {
        (Ok(items), Ok(())) => items,
        (Err(mut problems), Err(more)) => {
            problems.extend(more);
            return Err(problems);
        }
        (Err(problems), _) | (_, Err(problems)) => return Err(problems),
    };
    request.items = items.iter().map(|(_, item)| item.clone()).collect();
    Ok((request, items))
}

/// The rows priced by the preview's engine, as shown; nothing to price is no
/// results and no problem.
fn priced(
    t: &Texts,
    catalog: &Catalog,
    posted: &Posted,
    discount: Option<Rate>,
) -> Result<Results, WebError> {
    let (mut request, items) = match request(t, &posted.rows, &posted.terms) {
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
            problems: vec![problem_of(t, catalog, err, &items)],
            ..Results::default()
        }),
    }
}

/// An error of the shared pricing code as a row's problem.
pub fn problem_of(
    t: &Texts,
    catalog: &Catalog,
    err: ApiError,
    items: &[(usize, ItemRequest)],
) -> Problem {
    let field = err.field().unwrap_or_default().to_owned();
    if let Some(term) = terms::of_api_field(&field) {
        let message = match term {
            "iva" => t.quote_tax_invalid,
            "titulo" | "notas" => t.quote_text_invalid,
            _ => t.quote_percent_invalid,
        };
        let mut problem = terms::problem(t, term, message);
        problem.detail = Some(err.message().to_owned());
        return problem;
    }
    form::engine_problem(t, catalog, &field, err.message().to_owned(), items)
}

/// A preview as shown: each item under its form row, then the totals.
fn shown(t: &Texts, preview: &QuotePreview, items: &[(usize, ItemRequest)]) -> Results {
    let money = |m: &crate::money::Money| format::money(&m.to_string());
    let lines = preview
        .items
        .iter()
        .zip(items)
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
    let totals = &preview.totals;
    Results {
        items: lines,
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
