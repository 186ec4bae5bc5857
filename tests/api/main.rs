//! Integration tests: the real server on a random port against real PostgreSQL and
//! Redis. Every test gets its own database and Redis key prefix (see `helpers`).

#![allow(clippy::too_many_lines)] // scenarios are spelt out in full

mod abuse;
mod acceptance;
mod auth;
mod backup;
mod bad_input;
mod cache;
mod citus;
mod citus_ready;
mod citus_writes;
mod clients;
mod company;
mod contract;
mod csrf;
mod drills;
mod fallback;
mod helpers;
mod http_isolation;
mod idempotency;
mod last_admin;
mod lists;
mod login_hardening;
mod metrics;
mod onboarding;
mod operations;
mod outage;
mod pgbouncer;
mod platform_quotes;
mod price_history;
mod price_import;
mod price_updates;
mod products;
mod quotes;
mod redis_cluster;
mod redis_trust;
mod restart;
mod rls;
mod saved_quotes;
mod sigterm;
mod smoke;
mod stored_versions;
mod taxes;
mod tenant_archive;
mod tenant_deletion;
mod web;
mod webhooks;
