//! Tenant settings: how quotes are priced ([`quotes`]) and the company they are
//! issued by ([`company`]).

pub mod company;
pub mod quotes;
