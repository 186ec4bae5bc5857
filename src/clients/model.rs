//! The shop's customers as the API takes and shows them.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use crate::ids::ClientId;
use crate::money::Rate;

/// A client as the API shows it.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    #[oai(skip_serializing_if_is_none)]
    pub rfc: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub email: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub phone: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub address: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub notes: Option<String>,
    /// Standing discount: new quotes for this client start with it.
    pub discount_rate: Rate,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A client's details. On `PATCH`, absent fields stay as they are.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub name: Option<String>,
    /// Mexican tax id (RFC), 12 or 13 characters, e.g. `AAA010101AAA`.
    pub rfc: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    /// Standing discount, e.g. `"0.05"`: new quotes for the client start with it.
    pub discount_rate: Option<Rate>,
    /// `false` archives the client (hidden from lists unless asked for).
    pub active: Option<bool>,
}

/// Why an RFC is malformed, if it is.
pub fn rfc_problem(rfc: &str) -> Option<String> {
    let letters = rfc
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || *c == 'Ñ' || *c == '&')
        .count();
    let rest: Vec<char> = rfc.chars().skip(letters).collect();
    let ok = (3..=4).contains(&letters)
        && rest.len() == 9
        && rest[..6].iter().all(char::is_ascii_digit)
        && rest[6..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    (!ok).then(|| format!("{rfc:?} is not an RFC (3 or 4 letters, 6 digits of date, 3 characters)"))
}

crate::page_of!(
    /// A page of clients, by name.
    ClientList,
    Client
);
