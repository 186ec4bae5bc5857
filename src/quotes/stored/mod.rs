//! Quote versions as they are stored: their own types, with a format number, so that
//! no change to the API's request and response types changes how years-old legal
//! documents are read.
//!
//! Writing always uses the newest format ([`FORMAT`]); reading decodes any known
//! format and upgrades it in memory to the newest. The format number is kept in the
//! `quote_versions.format` column beside the JSON.

pub mod convert;
pub mod v1;

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use v1::{Document, Party, Request, Result};

/// The format new versions are written in.
pub const FORMAT: i16 = 1;

/// Why a stored version could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StoredError {
    #[error("quote version format {0} is not one this server reads")]
    UnknownFormat(i16),
    #[error("stored quote version {part} does not match format {format}: {source}")]
    Malformed {
        format: i16,
        part: &'static str,
        source: serde_json::Error,
    },
}

/// A stored version's request, result and document, decoded and upgraded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub request: Request,
    pub result: Result,
    pub document: Option<Document>,
}

/// Decodes the JSON of a stored version written in `format`.
pub fn decode(
    format: i16,
    request: Value,
    result: Value,
    document: Option<Value>,
) -> std::result::Result<Stored, StoredError> {
    fn part<T: DeserializeOwned>(
        format: i16,
        part: &'static str,
        value: Value,
    ) -> std::result::Result<T, StoredError> {
        serde_json::from_value(value).map_err(|source| StoredError::Malformed {
            format,
            part,
            source,
        })
    }
    match format {
        1 => Ok(Stored {
            request: part(format, "request", request)?,
            result: part(format, "result", result)?,
            document: document.map(|d| part(format, "document", d)).transpose()?,
        }),
        other => Err(StoredError::UnknownFormat(other)),
    }
}
