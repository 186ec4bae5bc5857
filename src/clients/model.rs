//! The shop's customers as the API takes and shows them.

use chrono::{DateTime, Utc};
use poem_openapi::types::Example;
use poem_openapi::Object;

use crate::ids::ClientId;
use crate::money::Rate;

/// A client as the API shows it.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct Client {
    /// The client's id.
    pub id: ClientId,
    /// The name printed on quotes, e.g. `Juan Pérez García`.
    pub name: String,
    /// Mexican tax id (RFC), uppercase; absent when not known.
    #[oai(skip_serializing_if_is_none)]
    pub rfc: Option<String>,
    /// Email address, lowercase; absent when not known.
    #[oai(skip_serializing_if_is_none)]
    pub email: Option<String>,
    /// Phone number as written, e.g. `+52 55 1234 5678`; absent when not known.
    #[oai(skip_serializing_if_is_none)]
    pub phone: Option<String>,
    /// Postal address, printed on quotes; absent when not known.
    #[oai(skip_serializing_if_is_none)]
    pub address: Option<String>,
    /// Internal notes (not printed); absent when empty.
    #[oai(skip_serializing_if_is_none)]
    pub notes: Option<String>,
    /// Standing discount: new quotes for this client start with it.
    pub discount_rate: Rate,
    /// `false` once archived: hidden from lists unless `include_inactive`, and new
    /// quotes cannot name it.
    pub active: bool,
    /// When the client was added.
    pub created_at: DateTime<Utc>,
    /// When the client last changed.
    pub updated_at: DateTime<Utc>,
}

/// A client's details. On `POST` only `name` is needed; on `PATCH`, absent fields
/// stay as they are. Text fields are trimmed; an empty one is left unset.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(example, skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    /// The name printed on quotes, 1 to 200 characters; required to create a client.
    pub name: Option<String>,
    /// Mexican tax id (RFC), 12 or 13 characters, e.g. `AAA010101AAA`.
    pub rfc: Option<String>,
    /// Email address, at most 254 characters.
    pub email: Option<String>,
    /// Phone number as written, at most 40 characters.
    pub phone: Option<String>,
    /// Postal address, at most 500 characters.
    pub address: Option<String>,
    /// Internal notes, at most 2000 characters.
    pub notes: Option<String>,
    /// Standing discount, e.g. `"0.05"`: new quotes for the client start with it.
    pub discount_rate: Option<Rate>,
    /// `false` archives the client (hidden from lists unless asked for); `true`
    /// brings it back. New clients are active.
    pub active: Option<bool>,
}

impl Example for ClientInput {
    fn example() -> Self {
        Self {
            name: Some("Juan Pérez García".to_owned()),
            rfc: Some("PEGJ800101AB1".to_owned()),
            email: Some("juan.perez@example.mx".to_owned()),
            phone: Some("+52 55 1234 5678".to_owned()),
            address: Some("Av. Reforma 123, Col. Centro, CDMX".to_owned()),
            notes: Some("Prefiere visitas por la mañana".to_owned()),
            discount_rate: Rate::parse("0.05").ok(),
            active: Some(true),
        }
    }
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
