//! The API suite's check of every answer against the OpenAPI document, which its
//! harness (`helpers`) runs on each API call these tests make.

#[allow(dead_code)]
#[path = "../api/contract/answers.rs"]
pub mod answers;
#[allow(dead_code)]
#[path = "../api/contract/schema.rs"]
pub mod schema;
