//! Lists answer one envelope, `{"items": [...], "total": n, "next": cursor | null}`,
//! in a stable order. Long lists are paged by key ("keyset"): the cursor is the sort
//! key of the last entry shown, so a page never skips or repeats an entry when rows
//! are added or removed meanwhile, and reading page 1,000 costs what page 1 costs.
//! The cursor is opaque to clients: pass back `next` as `cursor`.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::http::Nullable;

/// Entries per page when the client does not say.
pub const DEFAULT_LIMIT: i64 = 50;
/// The most entries one page holds.
pub const MAX_LIMIT: i64 = 100;

/// Declares the list envelope of one item type, e.g. `page_of!(QuoteList, QuoteSummary)`.
#[macro_export]
macro_rules! page_of {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, poem_openapi::Object)]
        pub struct $name {
            /// The entries of this page, in the list's order.
            pub items: Vec<$item>,
            /// How many entries match the filters, across all pages.
            pub total: i64,
            /// The cursor of the next page (pass it as `cursor`); `null` on the last page.
            pub next: $crate::http::Nullable<String>,
        }

        impl $name {
            /// A list that fits in one page.
            #[allow(dead_code)]
            pub fn whole(items: Vec<$item>) -> Self {
                let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
                Self {
                    items,
                    total,
                    next: $crate::http::Nullable(None),
                }
            }
        }
    };
}

/// A page to read: how many entries, after which sort key.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: i64,
    /// The sort key of the last entry of the previous page.
    pub after: Option<K>,
}

/// The envelope's wire shape of a cursor: a version, so the key can change later.
#[derive(Serialize, serde::Deserialize)]
struct Cursor<K> {
    v: u8,
    k: K,
}

impl<K: Serialize + DeserializeOwned> PageRequest<K> {
    /// Checks `limit` (1 to 100, default 50) and decodes `cursor`; errors name them.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> ApiResult<Self> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(
                "limit",
                format!("must be 1 to {MAX_LIMIT}"),
            ));
        }
        let after = cursor.map(decode).transpose()?;
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the page, to know if another follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to the page and names the next page's cursor.
    pub fn finish<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> K) -> (Vec<T>, Nullable<String>) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() <= limit {
            return (rows, Nullable(None));
        }
        rows.truncate(limit);
        let next = rows.last().map(|last| encode(&key(last)));
        (rows, Nullable(next))
    }
}

fn encode<K: Serialize>(key: &K) -> String {
    let cursor = Cursor { v: 1, k: key };
    hex::encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

fn decode<K: DeserializeOwned>(text: &str) -> ApiResult<K> {
    let bad = || {
        ApiError::bad_request(
            "invalid_cursor",
            "cursor: not a cursor this list gave out; start again without it",
        )
        .with_details(serde_json::json!({ "field": "cursor" }))
    };
    let bytes = hex::decode(text.trim()).map_err(|_| bad())?;
    let cursor: Cursor<K> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if cursor.v != 1 {
        return Err(bad());
    }
    Ok(cursor.k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_names_the_key_of_its_last_entry_as_the_next_cursor() {
        let page = PageRequest::<(String, i64)>::parse(Some(2), None).expect("valid");
        let (rows, next) = page.finish(vec![1, 2, 3], |n| ("k".to_owned(), i64::from(*n)));
        assert_eq!(rows, [1, 2]);
        let next = next.0.expect("more follow");
        let again = PageRequest::<(String, i64)>::parse(Some(2), Some(&next)).expect("decodes");
        assert_eq!(again.after, Some(("k".to_owned(), 2)));
        let (rows, next) = again.finish(vec![3], |n| ("k".to_owned(), i64::from(*n)));
        assert_eq!(
            (rows, next.0),
            (vec![3], None),
            "the last page has no cursor"
        );
    }

    #[test]
    fn bad_limits_and_cursors_are_refused_naming_the_parameter() {
        for limit in [0, 101, -1] {
            let err = PageRequest::<i64>::parse(Some(limit), None).expect_err("out of range");
            assert_eq!(err.code(), "invalid_field");
        }
        for cursor in ["zz", "", "7b7d", &hex::encode(br#"{"v":2,"k":1}"#)] {
            let err = PageRequest::<i64>::parse(None, Some(cursor)).expect_err(cursor);
            assert_eq!(err.code(), "invalid_cursor", "{cursor}");
        }
        assert_eq!(
            PageRequest::<i64>::parse(None, None)
                .expect("defaults")
                .limit,
            DEFAULT_LIMIT
        );
    }
}
