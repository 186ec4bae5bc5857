//! [`Conn`]: the executor repositories run their statements on, and the one place
//! that decides how statements are prepared.
//!
//! By default sqlx prepares each statement once per connection under a name
//! (`sqlx_s_<n>`) and reuses it. A pooler in transaction mode without support for
//! named statements (PgBouncer before 1.21, or `max_prepared_statements = 0`) hands
//! consecutive transactions of one client to different server connections, where
//! those names are unknown or, worse, taken by another client's statement. With
//! `database.named_statements = false` every statement goes as PostgreSQL's
//! unnamed statement instead, re-parsed each time (one more round trip per
//! statement, since sqlx waits for the parse before binding). That is only sound
//! inside a transaction, which pins the server connection between the two: hence
//! the pools hand out connections only through transactions ([`super::TenantTx`],
//! [`super::Pool::begin`], [`super::Pool::single`]). `prepare_with` and
//! `describe` pass through unchanged (named): nothing in the server calls them.

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::postgres::{PgQueryResult, PgRow, PgStatement, PgTypeInfo};
use sqlx::{Describe, Either, Execute, Executor, PgConnection, Postgres};

/// One connection, borrowed from a transaction, and how to prepare on it.
/// Passed by value to sqlx's `fetch_*` / `execute` like `&mut PgConnection`;
/// [`Conn::reborrow`] gives another for the next statement.
#[derive(Debug)]
pub struct Conn<'c> {
    conn: &'c mut PgConnection,
    unnamed: bool,
}

impl<'c> Conn<'c> {
    pub(super) fn new(conn: &'c mut PgConnection, unnamed: bool) -> Self {
        Self { conn, unnamed }
    }

    /// The same connection for another statement, with the same preparation.
    pub fn reborrow(&mut self) -> Conn<'_> {
        Conn {
            conn: self.conn,
            unnamed: self.unnamed,
        }
    }
}

/// A query forced onto the unnamed statement: the same SQL and arguments, never
/// cached.
struct Unnamed<E>(E);

impl<'q, E: Execute<'q, Postgres>> Execute<'q, Postgres> for Unnamed<E> {
    fn sql(&self) -> &'q str {
        self.0.sql()
    }

    fn statement(&self) -> Option<&PgStatement<'q>> {
        self.0.statement()
    }

    fn take_arguments(
        &mut self,
    ) -> Result<Option<sqlx::postgres::PgArguments>, sqlx::error::BoxDynError> {
        self.0.take_arguments()
    }

    fn persistent(&self) -> bool {
        false
    }
}

impl<'c> Executor<'c> for Conn<'c> {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        if self.unnamed {
            self.conn.fetch_many(Unnamed(query))
        } else {
            self.conn.fetch_many(query)
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        if self.unnamed {
            self.conn.fetch_optional(Unnamed(query))
        } else {
            self.conn.fetch_optional(query)
        }
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, sqlx::Error>>
    where
        'c: 'e,
    {
        self.conn.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
    where
        'c: 'e,
    {
        self.conn.describe(sql)
    }
}
