//! Quotes: pricing without saving ([`preview`], [`view`]) and saved quotes
//! ([`lifecycle`]: drafts, sending, decisions, revisions, versions and history),
//! all under `/api/v1/quotes`.

pub mod api;
pub mod lifecycle;
pub mod model;
pub mod preview;
pub mod repo;
pub mod stored;
pub mod view;
