//! A quote version as a printed document: the figures, parties and wording it was
//! priced or sent with, rendered to PDF.

use std::sync::Arc;

use chrono::NaiveDate;

use super::{lines, pdf};
use crate::quotes::stored::{Document, Party, Result as Priced};

/// Everything a quote's PDF needs, owned, so it can be rendered off the async workers.
pub struct PdfJob {
    pub reference: String,
    pub version: i32,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub draft: bool,
    pub result: Priced,
    pub document: Document,
    /// The logo as decoded once (see [`super::renderer`]).
    pub logo: Option<Arc<pdf::PdfImage>>,
}

impl PdfJob {
    /// Renders the version as a PDF.
    pub fn render(self) -> Vec<u8> {
        fn party(p: &Party) -> pdf::Party<'_> {
            pdf::Party {
                name: &p.name,
                rfc: p.rfc.as_deref(),
                address: p.address.as_deref(),
                phone: p.phone.as_deref(),
                email: p.email.as_deref(),
            }
        }
        let seller = &self.document.company;
        let (lines, totals) = lines::customer_lines(&self.result);
        let doc = pdf::QuoteDocument {
            company: pdf::Company {
                name: &seller.name,
                rfc: seller.rfc.as_deref(),
                address: seller.address.as_deref(),
                phone: seller.phone.as_deref(),
                email: seller.email.as_deref(),
            },
            logo: self.logo.as_deref(),
            number: &self.reference,
            version: self.version,
            title: self.document.title.as_deref(),
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            draft: self.draft,
            client: self.document.client.as_ref().map(party),
            currency: &self.result.currency,
            lines,
            totals,
            notes: self.document.notes.as_deref(),
        };
        pdf::render(&doc)
    }
}
