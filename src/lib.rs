//! ventanas: a hosted multi-tenant quoting backend for window shops.

pub mod api;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod clients;
pub mod config;
pub mod db;
pub mod documents;
pub mod error;
pub mod http;
pub mod ids;
pub mod money;
pub mod ops;
pub mod pricing;
pub mod quotes;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tenants;
pub mod users;
pub mod web;
pub mod webhooks;
