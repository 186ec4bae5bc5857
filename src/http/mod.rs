//! HTTP plumbing shared by every area: the front layer (span, limits, state,
//! idempotency, panics), OpenAPI tags, JSON bodies whose errors name
//! the field, `If-Match` checks, common field checks, `Idempotency-Key`, NUL
//! characters refused at the edge, the OpenAPI document as served (with the checks
//! it states), and the server loop (with its header read timeout).

pub mod csv_body;
pub mod etag;
pub mod fields;
pub mod front;
pub mod idempotency;
pub mod nul;
pub mod nullable;
pub mod openapi;
pub mod openapi_checks;
pub mod paging;
pub mod payload;
pub mod rendered;
pub mod server;
pub mod split;
pub mod tags;

pub use csv_body::CsvBody;
pub use etag::check_if_match;
pub use fields::{check_name, optional_text};
pub use nullable::Nullable;
pub use paging::PageRequest;
pub use payload::{JsonBody, OptionalJsonBody};
pub use rendered::Rendered;
pub use tags::ApiTags;
