//! Authorization: casbin RBAC with domains, memoized per role.
//!
//! The policy (`config/rbac_policy.csv`) holds no tenant-specific lines, so a
//! decision depends only on (role, permission). At start-up every pair is asked of
//! casbin once and the answers are kept in a table: a request's check is then an
//! array lookup (see `benches/authz.rs` for casbin's own cost per call).

use casbin::{CoreApi, DefaultModel, Enforcer, MgmtApi, StringAdapter};

/// The casbin model, embedded so the binary needs no files at run time.
pub const MODEL: &str = include_str!("../../config/rbac_model.conf");
/// The permission lines and role hierarchy.
pub const POLICY: &str = include_str!("../../config/rbac_policy.csv");

/// A role within a tenant, or the platform operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Estimator,
    Viewer,
    Platform,
}

impl Role {
    /// Every role, in table order.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Estimator, Role::Viewer, Role::Platform];

    /// The role's name in the policy and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Estimator => "estimator",
            Role::Viewer => "viewer",
            Role::Platform => "platform",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadCatalog,
    WriteCatalog,
    ReadQuotes,
    WriteQuotes,
    ManageUsers,
    WriteSettings,
    ManageWebhooks,
    ManageTenants,
    WriteGlobalCatalog,
}

impl Permission {
    /// Every permission, in table order.
    pub const ALL: [Permission; 9] = [
        Permission::ReadCatalog,
        Permission::WriteCatalog,
        Permission::ReadQuotes,
        Permission::WriteQuotes,
        Permission::ManageUsers,
        Permission::WriteSettings,
        Permission::ManageWebhooks,
        Permission::ManageTenants,
        Permission::WriteGlobalCatalog,
    ];

    /// (object, action) in the policy.
    pub fn object_action(self) -> (&'static str, &'static str) {
        match self {
            Permission::ReadCatalog => ("catalog", "read"),
            Permission::WriteCatalog => ("catalog", "write"),
            Permission::ReadQuotes => ("quotes", "read"),
            Permission::WriteQuotes => ("quotes", "write"),
            Permission::ManageUsers => ("users", "manage"),
            Permission::WriteSettings => ("settings", "write"),
            Permission::ManageWebhooks => ("webhooks", "manage"),
            Permission::ManageTenants => ("tenants", "manage"),
            Permission::WriteGlobalCatalog => ("global_catalog", "write"),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Builds the casbin enforcer from the embedded model and policy.
pub async fn enforcer() -> anyhow::Result<Enforcer> {
    let model = DefaultModel::from_str(MODEL).await?;
    let adapter = StringAdapter::new(POLICY);
    Ok(Enforcer::new(model, adapter).await?)
}

/// Memoized decisions: `allowed[role][permission]`.
#[derive(Debug, Clone)]
pub struct Authorizer {
    allowed: [[bool; Permission::ALL.len()]; Role::ALL.len()],
}

impl Authorizer {
    /// Asks casbin every (role, permission) pair once. Refuses a policy with
    /// tenant-specific lines, which would make the memo wrong.
    pub async fn load() -> anyhow::Result<Self> {
        let enforcer = enforcer().await?;
        if let Some(line) = enforcer
            .get_policy()
            .into_iter()
            .find(|p| p.get(1).map(String::as_str) != Some("*"))
        {
            anyhow::bail!(
                "policy line {line:?} is tenant-specific; decisions could not be memoized"
            );
        }
        let mut allowed = [[false; Permission::ALL.len()]; Role::ALL.len()];
        for role in Role::ALL {
            for permission in Permission::ALL {
                let (obj, act) = permission.object_action();
                // Any concrete domain answers for all, since every line uses "*".
                allowed[role.index()][permission.index()] =
                    enforcer.enforce((role.as_str(), "any-tenant", obj, act))?;
            }
        }
        Ok(Self { allowed })
    }

    /// Whether `role` may do what `permission` names.
    pub fn allows(&self, role: Role, permission: Permission) -> bool {
        self.allowed[role.index()][permission.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn roles_get_exactly_the_permissions_of_the_policy() {
        let authz = Authorizer::load().await.expect("policy loads");
        use Permission::*;
        let cases = [
            (Role::Viewer, vec![ReadCatalog, ReadQuotes]),
            (Role::Estimator, vec![ReadCatalog, ReadQuotes, WriteQuotes]),
            (
                Role::Admin,
                vec![
                    ReadCatalog,
                    ReadQuotes,
                    WriteQuotes,
                    WriteCatalog,
                    ManageUsers,
                    WriteSettings,
                    ManageWebhooks,
                ],
            ),
            (Role::Platform, Permission::ALL.to_vec()),
        ];
        for (role, granted) in cases {
            for permission in Permission::ALL {
                assert_eq!(
                    authz.allows(role, permission),
                    granted.contains(&permission),
                    "{role:?} / {permission:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn the_memo_agrees_with_casbin_for_a_real_tenant_domain() {
        let authz = Authorizer::load().await.expect("policy loads");
        let enforcer = enforcer().await.expect("enforcer");
        let tenant = uuid::Uuid::new_v4().to_string();
        for role in Role::ALL {
            for permission in Permission::ALL {
                let (obj, act) = permission.object_action();
                let direct = enforcer
                    .enforce((role.as_str(), tenant.as_str(), obj, act))
                    .expect("enforce");
                assert_eq!(
                    authz.allows(role, permission),
                    direct,
                    "{role:?} / {permission:?}"
                );
            }
        }
    }
}
