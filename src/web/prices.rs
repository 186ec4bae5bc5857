//! Precios: price administration for admins ([`admin`]: bulk updates with their
//! preview, batches and their revert, CSV import), and the shop's whole price history, filtered and paged (any role), and
//! "precio en una fecha", both through the API's own code
//! (`price_admin::repo::history` with its keyset cursor, `price_admin::as_of`).
//!
//! The filters are a GET form, so they work without JavaScript and a filtered
//! page can be bookmarked. Dates are the shop's days: `desde` from the start of
//! that day, `hasta` up to the end of that day, in the shop's time zone (its
//! offset now; Mexico has no daylight saving time since 2022).

pub mod admin;
pub mod batches;
pub mod bulk;
pub mod import;

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use chrono::{DateTime, Days, NaiveDate, Utc};
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{handler, Request, Response};
use uuid::Uuid;

use super::catalog::{category_name, kind_name, CATEGORIES};
use super::format;
use super::i18n::{fill, Texts};
use super::page::{self, html, signed_in, Layout, WebError};
use super::Web;
use crate::auth::rbac::Permission;
use crate::catalog::model::{Category, MaterialCode, Source};
use crate::catalog::price_admin::as_of;
use crate::catalog::price_admin::model::PriceHistoryEntry;
use crate::catalog::price_admin::repo::{self as history_repo, HistoryFilter, HistoryKey};
use crate::db::TenantTx;
use crate::http::PageRequest;
use crate::ids::{BatchId, UserId};
use crate::state::AppState;
use crate::users::repo as users;

/// Entries per page.
const PAGE_SIZE: i64 = 50;

/// The history page's query: the filters, the page, and the "price on a date" form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    codigo: String,
    #[serde(default)]
    categoria: String,
    #[serde(default)]
    usuario: String,
    #[serde(default)]
    lote: String,
    #[serde(default)]
    desde: String,
    #[serde(default)]
    hasta: String,
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    en_codigo: String,
    #[serde(default)]
    en_fecha: String,
}

/// One line of the history.
struct Line {
    at: String,
    code: String,
    kind: &'static str,
    old: String,
    new: String,
    source: &'static str,
    user: String,
    /// The batch's id and its first 8 digits, when the change belongs to one.
    batch: Option<(String, String)>,
}

/// The answer of "precio en una fecha".
struct AsOfAnswer {
    text: String,
    found: bool,
}

#[derive(Template)]
#[template(path = "prices_history.html")]
struct HistoryPage {
    layout: Layout,
    t: &'static Texts,
    q: HistoryQuery,
    categories: Vec<(&'static str, &'static str, bool)>,
    /// (id, email, selected).
    users: Vec<(String, String, bool)>,
    problems: Vec<String>,
    lines: Vec<Line>,
    /// How many changes match, as a sentence.
    total: String,
    /// The link to the next (older) page.
    next: Option<String>,
    as_of: Option<AsOfAnswer>,
}

/// The start of `day` in the shop's time zone, in UTC.
fn day_start(day: NaiveDate, utc_offset_seconds: i32) -> DateTime<Utc> {
    let local = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    local - chrono::Duration::seconds(i64::from(utc_offset_seconds))
}

/// A code as typed; `vid-claro-4` is read as `VID-CLARO-4`.
fn code_of(text: &str) -> Result<MaterialCode, String> {
    MaterialCode::parse(text).or_else(|_| MaterialCode::parse(&text.to_ascii_uppercase()))
}

/// A field's text, when not blank.
fn text(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// The filter the query asks for, or the Spanish problems of its fields.
fn filter_of(q: &HistoryQuery, t: &Texts, offset: i32) -> Result<HistoryFilter, Vec<String>> {
    let mut problems = Vec::new();
    let mut bad = |field: &str| problems.push(fill(t.filter_invalid, &[("field", field)]));
    let code = text(&q.codigo).and_then(|c| match code_of(c) {
        Ok(code) => Some(code.as_str().to_owned()),
        Err(_) => {
            bad(t.col_code);
            None
        }
    });
    let mut uuid_of = |s: &str, field: &str| {
        text(s).and_then(|s| match Uuid::parse_str(s) {
            Ok(id) => Some(id),
            Err(_) => {
                bad(field);
                None
            }
        })
    };
    let user_id = uuid_of(&q.usuario, t.col_user).map(UserId);
    let batch_id = uuid_of(&q.lote, t.batch_label).map(BatchId);
    let mut day = |s: &str, field: &str| {
        text(s).and_then(|s| match parse_day(s) {
            Some(d) => Some(d),
            None => {
                bad(field);
                None
            }
        })
    };
    let from = day(&q.desde, t.from_label).map(|d| day_start(d, offset));
    let to = day(&q.hasta, t.to_label)
        .and_then(|d| d.checked_add_days(Days::new(1)))
        .map(|d| day_start(d, offset));
    if let (Some(from), Some(to)) = (from, to) {
        if from >= to {
            problems.push(t.dates_reversed.to_owned());
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(HistoryFilter {
        code,
        category: Category::parse(q.categoria.trim()),
        user_id,
        batch_id,
        from,
        to,
    })
}

/// `GET /precios/historial`.
#[handler]
pub async fn history(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, WebError> {
    let user = signed_in(req, &state, &web).await?;
    user.ctx
        .require(Permission::ReadCatalog)
        .map_err(|_| WebError::Forbidden)?;
    let t = page::texts();
    let mut tx = user.ctx.tx(&state).await?;
    let offset = super::repo::utc_offset_seconds(&mut tx).await?;
    let (members, _) = users::list(&mut tx, &PageRequest::parse(Some(100), None)?).await?;
    let mut emails: HashMap<UserId, String> =
        members.into_iter().map(|u| (u.id, u.email)).collect();
    let cursor = Some(q.cursor.trim()).filter(|c| !c.is_empty());
    let paging = PageRequest::<HistoryKey>::parse(Some(PAGE_SIZE), cursor)?;
    let (mut problems, mut lines, mut total, mut next) =
        (Vec::new(), Vec::new(), String::new(), None);
    match filter_of(&q, t, offset) {
        Err(found) => problems = found,
        Ok(filter) => {
            let (rows, count) = history_repo::history(&mut tx, &filter, &paging).await?;
            let (rows, cursor) = paging.finish(rows, |(_, key)| key.clone());
            total = fill(t.history_total, &[("total", &count.to_string())]);
            next = cursor.0.map(|c| next_link(&q, &c));
            for (entry, _) in rows {
                let who = match entry.user_id.0 {
                    Some(id) => email_of(&mut tx, &mut emails, id).await?,
                    None => t.nobody.to_owned(),
                };
                lines.push(line_of(t, entry, who, offset));
            }
        }
    }
    let as_of = price_on_a_date(&mut tx, t, &q, offset).await?;
    tx.commit().await?;
    let mut users: Vec<(String, String, bool)> = emails
        .into_iter()
        .map(|(id, email)| {
            let id = id.0.to_string();
            let selected = id == q.usuario.trim();
            (id, email, selected)
        })
        .collect();
    users.sort_by(|a, b| a.1.cmp(&b.1));
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = HistoryPage {
        layout: Layout::new(t.prices_history_title, Some(&user), "precios"),
        t,
        categories: CATEGORIES
            .iter()
            .map(|c| {
                let selected = Some(*c) == Category::parse(q.categoria.trim());
                (c.as_str(), category_name(t, *c), selected)
            })
            .collect(),
        q,
        users,
        problems,
        lines,
        total,
        next,
        as_of,
    };
    Ok(html(status, &page))
}

/// A history entry as the table shows it.
fn line_of(t: &Texts, entry: PriceHistoryEntry, who: String, offset: i32) -> Line {
    Line {
        at: format::date_time(t, entry.at, offset),
        code: entry.code,
        kind: kind_name(t, entry.kind, entry.withdrawn),
        old: entry.old.0.map_or_else(
            || t.nobody.to_owned(),
            |m| format::money(&m.amount().to_string()),
        ),
        new: format::money(&entry.new.amount().to_string()),
        source: source_name(t, entry.source),
        user: who,
        batch: entry.batch_id.0.map(|b| {
            let id = b.0.to_string();
            (id.clone(), id[..8].to_owned())
        }),
    }
}

fn source_name(t: &Texts, source: Source) -> &'static str {
    match source {
        Source::Tenant => t.source_tenant,
        Source::Global => t.source_global,
    }
}

/// The email of a user, from the shop's list or (a former member past the first
/// hundred) read alone.
async fn email_of(
    tx: &mut TenantTx,
    emails: &mut HashMap<UserId, String>,
    id: UserId,
) -> Result<String, WebError> {
    if let Some(email) = emails.get(&id) {
        return Ok(email.clone());
    }
    let email = users::get(tx, id)
        .await?
        .map_or_else(|| page::texts().nobody.to_owned(), |u| u.email);
    emails.insert(id, email.clone());
    Ok(email)
}

/// The link to the page after the one shown: the same filters, the next cursor.
fn next_link(q: &HistoryQuery, cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("codigo", &q.codigo),
        ("categoria", &q.categoria),
        ("usuario", &q.usuario),
        ("lote", &q.lote),
        ("desde", &q.desde),
        ("hasta", &q.hasta),
    ] {
        if !value.trim().is_empty() {
            query.append_pair(name, value.trim());
        }
    }
    query.append_pair("cursor", cursor);
    format!("/precios/historial?{}", query.finish())
}

/// "Precio en una fecha": the price of `en_codigo` at the end of the day
/// `en_fecha` in the shop, with its source; `None` when the form was not sent.
async fn price_on_a_date(
    tx: &mut TenantTx,
    t: &Texts,
    q: &HistoryQuery,
    offset: i32,
) -> Result<Option<AsOfAnswer>, WebError> {
    let (code, day) = (q.en_codigo.trim(), q.en_fecha.trim());
    if code.is_empty() && day.is_empty() {
        return Ok(None);
    }
    let invalid = || AsOfAnswer {
        text: t.as_of_invalid.to_owned(),
        found: false,
    };
    let (Ok(code), Some(day)) = (code_of(code), parse_day(day)) else {
        return Ok(Some(invalid()));
    };
    let Some(end) = day.checked_add_days(Days::new(1)) else {
        return Ok(Some(invalid()));
    };
    let at = day_start(end, offset) - chrono::Duration::microseconds(1);
    let shown_day = format::date(t, at, offset);
    let answer = match as_of::price(tx, &code, at).await {
        Ok(price) => AsOfAnswer {
            text: fill(
                t.as_of_found,
                &[
                    ("code", code.as_str()),
                    ("date", &shown_day),
                    ("price", &format::money(&price.price.amount().to_string())),
                    ("source", source_name(t, price.source)),
                    ("set", &format::date_time(t, price.updated_at, offset)),
                ],
            ),
            found: true,
        },
        Err(err) if err.status() == StatusCode::NOT_FOUND => AsOfAnswer {
            text: fill(
                t.as_of_missing,
                &[("code", code.as_str()), ("date", &shown_day)],
            ),
            found: false,
        },
        Err(err) => return Err(err.into()),
    };
    Ok(Some(answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::ES_MX;

    #[test]
    fn days_are_the_shops_days() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a day");
        assert_eq!(
            day_start(day, -6 * 3600).to_rfc3339(),
            "2026-12-01T06:00:00+00:00"
        );
        let q = HistoryQuery {
            desde: "2026-12-01".into(),
            hasta: "2026-12-01".into(),
            ..HistoryQuery::default()
        };
        let filter = filter_of(&q, &ES_MX, -6 * 3600).expect("valid");
        assert_eq!(
            filter.to.expect("to").to_rfc3339(),
            "2026-12-02T06:00:00+00:00",
            "hasta takes the whole day"
        );
    }

    #[test]
    fn bad_filters_are_named() {
        let q = HistoryQuery {
            codigo: "no válido".into(),
            lote: "x".into(),
            desde: "2026-12-03".into(),
            hasta: "2026-12-01".into(),
            ..HistoryQuery::default()
        };
        let Err(problems) = filter_of(&q, &ES_MX, 0) else {
            panic!("invalid filters accepted");
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains(ES_MX.col_code), "{problems:?}");
        assert!(problems[1].contains(ES_MX.batch_label), "{problems:?}");
        assert_eq!(problems[2], ES_MX.dates_reversed);
    }
}
