//! A client's fields as written: `ClientInput` merged over the stored client (or
//! none, to create one), trimmed and checked. The API and the web pages share it,
//! so both accept and refuse exactly the same things.

use rust_decimal::Decimal;

use super::model::{rfc_problem, Client, ClientInput};
use super::repo::ClientFields;
use crate::error::{ApiError, ApiResult};
use crate::http::{check_name, optional_text};
use crate::money::Rate;
use crate::users::model::normalize_email;

/// The checked fields of a client, ready for `repo::insert` or `repo::update`.
pub struct OwnedFields {
    pub name: String,
    pub rfc: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub discount_rate: Rate,
    pub active: bool,
}

impl OwnedFields {
    /// The fields as the repo takes them.
    pub fn borrow(&self) -> ClientFields<'_> {
        ClientFields {
            name: &self.name,
            rfc: self.rfc.as_deref(),
            email: self.email.as_deref(),
            phone: self.phone.as_deref(),
            address: self.address.as_deref(),
            notes: self.notes.as_deref(),
            discount_rate: self.discount_rate,
            active: self.active,
        }
    }
}

/// Merges `input` over `base` and checks the result; the first problem, as the
/// API answers it (422 `invalid_field` naming the field).
pub fn merged(input: &ClientInput, base: Option<&Client>) -> ApiResult<OwnedFields> {
    checked(input, base).map_err(|mut problems| problems.remove(0))
}

/// Merges `input` over `base` and checks the result; every problem, one per
/// field, in the fields' order (name, rfc, email, phone, address, notes,
/// discount_rate). Never an empty list.
pub fn checked(input: &ClientInput, base: Option<&Client>) -> Result<OwnedFields, Vec<ApiError>> {
    let mut problems = Vec::new();
    let pick = |new: &Option<String>, old: Option<&Option<String>>| match new {
        Some(v) => Some(v.clone()),
        None => old.cloned().flatten(),
    };
    let text = |field: &str, new, old: Option<&Option<String>>, max| {
        optional_text(field, pick(new, old).as_ref(), max)
    };
    let name = keep(&mut problems, name_of(input, base));
    let rfc = keep(
        &mut problems,
        rfc_of(text("rfc", &input.rfc, base.map(|c| &c.rfc), 13)),
    );
    let email = keep(
        &mut problems,
        email_of(text("email", &input.email, base.map(|c| &c.email), 254)),
    );
    let phone = keep(
        &mut problems,
        text("phone", &input.phone, base.map(|c| &c.phone), 40),
    );
    let address = keep(
        &mut problems,
        text("address", &input.address, base.map(|c| &c.address), 500),
    );
    let notes = keep(
        &mut problems,
        text("notes", &input.notes, base.map(|c| &c.notes), 2000),
    );
    let discount_rate = keep(&mut problems, discount_of(input, base));
    match (name, rfc, email, phone, address, notes, discount_rate) {
        (
            Some(name),
            Some(rfc),
            Some(email),
            Some(phone),
            Some(address),
            Some(notes),
            Some(rate),
        ) => Ok(OwnedFields {
            name,
            rfc,
            email,
            phone,
            address,
            notes,
            discount_rate: rate,
            active: input.active.or(base.map(|c| c.active)).unwrap_or(true),
        }),
        _ => Err(problems),
    }
}

/// The value of a field's check, or `None` with its problem noted.
fn keep<T>(problems: &mut Vec<ApiError>, result: ApiResult<T>) -> Option<T> {
    result.map_err(|e| problems.push(e)).ok()
}

fn name_of(input: &ClientInput, base: Option<&Client>) -> ApiResult<String> {
    match (&input.name, base) {
        (Some(name), _) => Ok(check_name("name", name)?.to_owned()),
        (None, Some(c)) => Ok(c.name.clone()),
        (None, None) => Err(ApiError::invalid_field("name", "a client needs a name")),
    }
}

fn rfc_of(text: ApiResult<Option<String>>) -> ApiResult<Option<String>> {
    let rfc = text?.map(|r| r.to_uppercase());
    match rfc.as_deref().and_then(rfc_problem) {
        Some(problem) => Err(ApiError::invalid_field("rfc", problem)),
        None => Ok(rfc),
    }
}

fn email_of(text: ApiResult<Option<String>>) -> ApiResult<Option<String>> {
    text?
        .map(|e| normalize_email(&e).map_err(|m| ApiError::invalid_field("email", m)))
        .transpose()
}

fn discount_of(input: &ClientInput, base: Option<&Client>) -> ApiResult<Rate> {
    let rate = input
        .discount_rate
        .or(base.map(|c| c.discount_rate))
        .unwrap_or(Rate::ZERO);
    if rate.amount() > Decimal::ONE {
        return Err(ApiError::invalid_field(
            "discount_rate",
            "a discount is at most 1 (100 %)",
        ));
    }
    Ok(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ClientInput {
        ClientInput {
            name: None,
            rfc: None,
            email: None,
            phone: None,
            address: None,
            notes: None,
            discount_rate: None,
            active: None,
        }
    }

    #[test]
    fn every_bad_field_is_named_in_order_and_the_first_is_the_apis_answer() {
        let bad = ClientInput {
            name: Some("  ".into()),
            rfc: Some("XX".into()),
            email: Some("no-arroba".into()),
            phone: Some("1".repeat(41)),
            discount_rate: Rate::parse("1.5").ok(),
            ..input()
        };
        let Err(problems) = checked(&bad, None) else {
            panic!("accepted");
        };
        let fields: Vec<_> = problems.iter().filter_map(ApiError::field).collect();
        assert_eq!(fields, ["name", "rfc", "email", "phone", "discount_rate"]);
        let Err(first) = merged(&bad, None) else {
            panic!("accepted");
        };
        assert_eq!(first.field(), Some("name"));
    }

    #[test]
    fn good_fields_are_trimmed_and_normalized() {
        let good = ClientInput {
            name: Some(" Ana López ".into()),
            rfc: Some("lopa800101xy9".into()),
            email: Some("Ana@Example.MX".into()),
            phone: Some(" ".into()),
            ..input()
        };
        let Ok(fields) = checked(&good, None) else {
            panic!("refused");
        };
        assert_eq!(fields.name, "Ana López");
        assert_eq!(fields.rfc.as_deref(), Some("LOPA800101XY9"));
        assert_eq!(fields.email.as_deref(), Some("ana@example.mx"));
        assert_eq!(fields.phone, None, "blank is unset");
        assert!(fields.active);
        assert_eq!(fields.discount_rate, Rate::ZERO);
    }
}
