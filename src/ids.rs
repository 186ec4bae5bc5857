//! Identifier newtypes. Mixing up two uuids is a cross-tenant bug waiting to happen,
//! so each kind of id has its own type.

use std::fmt;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::Type,
                 serde::Serialize, serde::Deserialize, poem_openapi::NewType)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A tenant (one window shop).
    TenantId
);
id_type!(
    /// A user of one tenant.
    UserId
);
id_type!(
    /// A session of a tenant user.
    SessionId
);
id_type!(
    /// A client (customer) of one tenant.
    ClientId
);
id_type!(
    /// A saved quote of one tenant.
    QuoteId
);
id_type!(
    /// A tenant's own material row.
    MaterialId
);
id_type!(
    /// A tenant's own product row.
    ProductId
);
id_type!(
    /// A tenant's webhook (an endpoint that is sent change notifications).
    WebhookId
);
id_type!(
    /// An event recorded for a tenant's webhooks.
    WebhookEventId
);
id_type!(
    /// One event's delivery to one webhook.
    WebhookDeliveryId
);
id_type!(
    /// A platform API key.
    PlatformKeyId
);
id_type!(
    /// A batch of price changes: a bulk update, a CSV import or a revert.
    BatchId
);
