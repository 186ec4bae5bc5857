//! User types and input rules.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};

use crate::auth::rbac::Role;
use crate::ids::UserId;

/// A role a tenant user can hold: `admin` (everything in the tenant, users and
/// prices included), `estimator` (quotes and clients; reads the catalogue) or
/// `viewer` (reads only).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum TenantRole {
    Admin,
    Estimator,
    Viewer,
}

crate::db::text_type!(TenantRole);

impl TenantRole {
    /// The database and policy name.
    pub fn as_str(self) -> &'static str {
        self.role().as_str()
    }

    /// As an authorization role.
    pub fn role(self) -> Role {
        match self {
            TenantRole::Admin => Role::Admin,
            TenantRole::Estimator => Role::Estimator,
            TenantRole::Viewer => Role::Viewer,
        }
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The login email, lowercase.
    pub email: String,
    /// What the user may do.
    pub role: TenantRole,
    /// `false` once deactivated: the user cannot log in.
    pub active: bool,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the role or the active flag last changed.
    pub updated_at: DateTime<Utc>,
}

crate::page_of!(
    /// A page of users, by email.
    UserPage,
    User
);

/// Lowercases and checks an email address; the error names what is wrong.
pub fn normalize_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() >= 3
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(format!("{raw:?} is not an email address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_or_refused() {
        assert_eq!(
            normalize_email(" Ana@Example.MX ").as_deref(),
            Ok("ana@example.mx")
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.mx",
            "ana@mx",
            "a b@x.mx",
            "a@b@x.mx",
            "ana@x.mx.",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
    }
}
