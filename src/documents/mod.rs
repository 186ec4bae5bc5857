//! The customer document of a quote and its PDF: [`lines`] turns a priced quote into
//! the lines and totals a customer reads (sale prices that add up exactly), and
//! [`pdf`] renders them, in Spanish, with the shop's details and logo; [`renderer`]
//! bounds how many render at once and keeps logos decoded.

pub mod lines;
pub mod pdf;
pub mod quote;
pub mod renderer;
