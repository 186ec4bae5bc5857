//! The quote's own terms on the Cotizar form: profit, indirect costs and
//! discount typed in percent (`30` is the API's `0.30`) and the tax code, each
//! empty for the shop's default (shown as the placeholder). They go into the
//! API's `PreviewRequest` / `QuoteCreate` fields as typed.

use std::str::FromStr as _;

use rust_decimal::Decimal;

use super::form::Problem;
use super::Choice;
use crate::money::{Money, Rate};
use crate::pricing::Catalog;
use crate::quotes::preview::PreviewRequest;
use crate::web::i18n::{fill, Texts};

/// The terms as typed: `utilidad`, `indirectos`, `descuento` (percent), `iva` (a
/// tax code; empty is the shop's), `iva_propio` (a plain tax rate in percent,
/// the API's `tax_rate`), `mano_obra` (labour per m², the API's
/// `labour_rate_override_per_m2`); `titulo` and `notas`, saved with the quote.
#[derive(Debug, Clone, Default)]
pub struct Terms {
    pub utilidad: String,
    pub indirectos: String,
    pub descuento: String,
    pub iva: String,
    pub iva_propio: String,
    pub mano_obra: String,
    pub titulo: String,
    pub notas: String,
}

impl Terms {
    /// Keeps a posted field of the terms; false when `name` is none of them.
    pub fn set(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "utilidad" => &mut self.utilidad,
            "indirectos" => &mut self.indirectos,
            "descuento" => &mut self.descuento,
            "iva" => &mut self.iva,
            "iva_propio" => &mut self.iva_propio,
            "mano_obra" => &mut self.mano_obra,
            "titulo" => &mut self.titulo,
            "notas" => &mut self.notas,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// Sets the request's rates and tax code from the terms, or names each field
    /// that is no percentage.
    pub fn apply(&self, t: &Texts, request: &mut PreviewRequest) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        let mut rate = |field: &'static str, text: &str| match percent(text) {
            Ok(rate) => rate,
            Err(()) => {
                problems.push(problem(t, field, t.quote_percent_invalid));
                None
            }
        };
        request.profit_rate = rate("utilidad", &self.utilidad);
        request.indirect_rate = rate("indirectos", &self.indirectos);
        request.discount_rate = rate("descuento", &self.descuento);
        request.tax_rate = rate("iva_propio", &self.iva_propio);
        let code = self.iva.trim();
        request.tax_code = Some(code.to_owned()).filter(|c| !c.is_empty());
        request.labour_rate_override_per_m2 = match self.mano_obra.trim() {
            "" => None,
            amount => match Money::parse(amount) {
                Ok(money) => Some(money),
                Err(_) => {
                    problems.push(problem(t, "mano_obra", t.builder.money_invalid));
                    None
                }
            },
        };
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// The terms of a saved request, its title and notes, as the form shows them.
pub fn of(request: &PreviewRequest, title: Option<&str>, notes: Option<&str>) -> Terms {
    let shown = |rate: Option<Rate>| {
        rate.map(|r| (r.amount() * Decimal::ONE_HUNDRED).normalize().to_string())
            .unwrap_or_default()
    };
    Terms {
        utilidad: shown(request.profit_rate),
        indirectos: shown(request.indirect_rate),
        descuento: shown(request.discount_rate),
        iva: request.tax_code.clone().unwrap_or_default(),
        iva_propio: shown(request.tax_rate),
        mano_obra: request
            .labour_rate_override_per_m2
            .map(|m| m.to_string())
            .unwrap_or_default(),
        titulo: title.unwrap_or_default().to_owned(),
        notas: notes.unwrap_or_default().to_owned(),
    }
}

/// A text field as the API takes it: trimmed, empty is none.
pub fn text(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A percentage (`7.5`) as the API's rate (`0.075`); empty is none (the shop's).
/// Only digits and a point: a minus sign or a word is refused.
fn percent(text: &str) -> Result<Option<Rate>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(());
    }
    let percent = Decimal::from_str(text).map_err(|_| ())?;
    Rate::try_from_decimal((percent / Decimal::ONE_HUNDRED).normalize())
        .map(Some)
        .map_err(|_| ())
}

/// A problem of a term's field, named by its label.
pub fn problem(t: &Texts, field: &'static str, message: &str) -> Problem {
    Problem {
        row: None,
        field,
        message: fill(
            t.quote_term_problem,
            &[("field", label(t, field)), ("problem", message)],
        ),
    }
}

/// The label of a term's field.
pub fn label(t: &Texts, field: &str) -> &'static str {
    match field {
        "utilidad" => t.quote_profit_label,
        "indirectos" => t.quote_indirect_label,
        "descuento" => t.quote_discount_label,
        "iva_propio" => t.builder.tax_rate_label,
        "mano_obra" => t.builder.labour_label,
        "titulo" => t.quote_title_label,
        "notas" => t.quote_notes_label,
        _ => t.quote_tax_label,
    }
}

/// The term's field of an API field the engine named, if it is one.
pub fn of_api_field(api_field: &str) -> Option<&'static str> {
    match api_field {
        "profit_rate" => Some("utilidad"),
        "indirect_rate" => Some("indirectos"),
        "discount_rate" => Some("descuento"),
        "tax_code" | "settings.tax_code" => Some("iva"),
        "tax_rate" => Some("iva_propio"),
        "labour_rate_override_per_m2" => Some("mano_obra"),
        "title" => Some("titulo"),
        "notes" => Some("notas"),
        _ => None,
    }
}

/// The shop's defaults in percent, for the placeholders: profit, indirect,
/// discount.
pub fn defaults(catalog: &Catalog) -> [String; 3] {
    let rates = &catalog.default_rates;
    [rates.profit, rates.indirect, rates.discount]
        .map(|r| (r * Decimal::ONE_HUNDRED).normalize().to_string())
}

/// The shop's tax codes, by code, for the select (its default first is the
/// empty choice).
pub fn tax_choices(catalog: &Catalog) -> Vec<Choice> {
    let mut codes: Vec<Choice> = catalog
        .tax_rates
        .keys()
        .map(|code| Choice {
            code: code.clone(),
            name: code.clone(),
        })
        .collect();
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_digits_and_a_point() {
        assert_eq!(percent(" ").expect("empty"), None);
        let rate = percent("7.5").expect("7.5").expect("a rate");
        assert_eq!(rate.amount(), Decimal::from_str("0.075").expect("decimal"));
        for bad in ["abc", "-5", "5%", "1.2.3", "2000"] {
            assert!(percent(bad).is_err(), "{bad}");
        }
    }
}
