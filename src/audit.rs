//! Who made a change. One type for every audit trail: a tenant's user, the platform
//! operator (by the name of its API key), or a seed file applied by `tenants sync`.
//! Tables keep users as ids (`uuid` columns that row-level security scopes with the
//! tenant) and other actors as a label (`platform:<key>`, `seed:<file>`).

use poem_openapi::{Enum, Object};

use crate::ids::UserId;

/// What kind of actor made a change: `user` (a user of the tenant), `platform` (the
/// platform operator, through an API key) or `seed` (a seed file applied by
/// `ventanas tenants sync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A user of the tenant.
    User,
    /// The platform operator, through an API key.
    Platform,
    /// A seed file applied by `ventanas tenants sync`.
    Seed,
}

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Object, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    /// What kind of actor.
    pub kind: ActorKind,
    /// The user's id, the platform key's name, or the seed file's name.
    pub id: String,
}

impl Actor {
    /// A tenant's user.
    pub fn user(id: UserId) -> Self {
        Self {
            kind: ActorKind::User,
            id: id.to_string(),
        }
    }

    /// The platform operator, by the name of its API key.
    pub fn platform(key_name: &str) -> Self {
        Self {
            kind: ActorKind::Platform,
            id: key_name.to_owned(),
        }
    }

    /// A seed file, e.g. `global.toml`.
    pub fn seed(file: &str) -> Self {
        Self {
            kind: ActorKind::Seed,
            id: file.to_owned(),
        }
    }

    /// The user, when the actor is one (for columns that hold user ids).
    pub fn user_id(&self) -> Option<UserId> {
        match self.kind {
            ActorKind::User => self.id.parse().ok().map(UserId),
            _ => None,
        }
    }

    /// The label kept in text columns: `user:<id>`, `platform:<key>`, `seed:<file>`.
    pub fn label(&self) -> String {
        let kind = match self.kind {
            ActorKind::User => "user",
            ActorKind::Platform => "platform",
            ActorKind::Seed => "seed",
        };
        format!("{kind}:{}", self.id)
    }

    /// Reads a label back; `None` for text that is not one.
    pub fn from_label(label: &str) -> Option<Self> {
        let (kind, id) = label.split_once(':')?;
        let kind = match kind {
            "user" => ActorKind::User,
            "platform" => ActorKind::Platform,
            "seed" => ActorKind::Seed,
            _ => return None,
        };
        Some(Self {
            kind,
            id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_only_users_have_user_ids() {
        let user = Actor::user(UserId::new_random());
        for actor in [
            user.clone(),
            Actor::platform("ops"),
            Actor::seed("global.toml"),
        ] {
            assert_eq!(Actor::from_label(&actor.label()), Some(actor.clone()));
        }
        assert!(user.user_id().is_some());
        assert_eq!(Actor::platform("ops").user_id(), None);
        assert_eq!(Actor::platform("ops").label(), "platform:ops");
        assert_eq!(Actor::from_label("nobody"), None);
        assert_eq!(Actor::from_label("robot:x"), None);
    }
}
