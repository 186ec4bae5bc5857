//! Quotes: the formula language and the pricing engine. (The quotes API, products,
//! colours and labour rates in the database follow; see docs/plan-quotes.md.)

pub mod engine;
pub mod formula;
