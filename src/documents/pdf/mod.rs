//! Renders a customer quote ("cotización") as a Letter-size PDF in Spanish.
//!
//! Pure: it takes lines and totals that are already computed and returns bytes. Text uses
//! the standard Helvetica fonts (not embedded) with WinAnsiEncoding, so strings are
//! encoded to cp1252 and measured with the Adobe AFM widths below. Output is
//! deterministic: no timestamps and no random file id.
//!
//! `f32` appears only for page geometry (points, font sizes) and colours, which is
//! what PDF content streams and pdf-writer take. Amounts stay `Decimal` and reach the
//! page only as text from [`format_money`].

//!
//! - [`text`]: cp1252 encoding, Helvetica metrics, wrapping, Spanish money and dates;
//! - [`layout`]: flowing the document down the pages;
//! - [`images`]: reading PNG and JPEG logos (once, into a [`PdfImage`]) and embedding them.

mod images;
mod layout;
#[cfg(test)]
mod tests;
mod text;

use chrono::NaiveDate;
use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, TextStr};
use rust_decimal::Decimal;

pub use images::{prepare_logo, PdfImage, PixelLimit};
pub use text::{format_date_es, format_money};

/// Everything printed on a quote.
#[derive(Debug, Clone)]
pub struct QuoteDocument<'a> {
    pub company: Company<'a>,
    /// The logo, already decoded: rendering never decodes an image.
    pub logo: Option<&'a PdfImage>,
    /// e.g. "COT-000042"
    pub number: &'a str,
    pub version: i32,
    pub title: Option<&'a str>,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// Drafts carry a "BORRADOR" mark on every page.
    pub draft: bool,
    pub client: Option<Party<'a>>,
    /// ISO code shown in the amount heading and closing line, e.g. "MXN".
    pub currency: &'a str,
    /// Items, then loose materials, in print order.
    pub lines: Vec<DocLine>,
    /// Already computed and shown in order; the last one is the grand total.
    pub totals: Vec<TotalLine>,
    pub notes: Option<&'a str>,
}

/// The shop issuing the quote.
#[derive(Debug, Clone)]
pub struct Company<'a> {
    pub name: &'a str,
    pub rfc: Option<&'a str>,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// The customer the quote is for.
#[derive(Debug, Clone)]
pub struct Party<'a> {
    pub name: &'a str,
    pub rfc: Option<&'a str>,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// How a logo upload is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
}

/// A logo as uploaded by the shop, before [`prepare_logo`] reads it.
#[derive(Debug, Clone)]
pub struct Logo<'a> {
    pub format: LogoFormat,
    pub bytes: &'a [u8],
}

/// One row of the quote table.
#[derive(Debug, Clone)]
pub struct DocLine {
    /// "3" or "2.5 m"
    pub quantity: String,
    pub description: String,
    /// e.g. "120 × 150 cm · Vidrio claro 6 mm · Blanco"
    pub detail: Option<String>,
    pub amount: Decimal,
}

/// One row of the totals block (subtotal, discount, IVA, total...).
#[derive(Debug, Clone)]
pub struct TotalLine {
    pub label: String,
    pub amount: Decimal,
}

/// Why a logo cannot be printed.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the logo is not a PNG or JPEG image we can read: {0}")]
    Logo(String),
    #[error(
        "the logo is {width}×{height} px; the limit is {}×{} px",
        limit.width,
        limit.height
    )]
    TooLarge {
        width: u32,
        height: u32,
        limit: PixelLimit,
    },
}

/// Renders the quote to PDF bytes.
pub fn render(doc: &QuoteDocument<'_>) -> Vec<u8> {
    let image = doc.logo;
    let logo_size = image.map(|img| layout::logo_box(img.width, img.height));
    let pages = layout::lay_out(doc, logo_size);

    let mut pdf = Pdf::new();
    let mut next = Ref::new(1);
    let (catalog, tree, info) = (next.bump(), next.bump(), next.bump());
    let (regular, bold, translucent) = (next.bump(), next.bump(), next.bump());
    let (image_id, mask_id) = (next.bump(), next.bump());
    let title = format!("Cotización {}", doc.number);
    pdf.document_info(info)
        .title(TextStr(&title))
        .producer(TextStr("ventanas"));
    pdf.catalog(catalog).pages(tree).lang(TextStr("es-MX"));
    let ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();
    let count = i32::try_from(ids.len()).unwrap_or(i32::MAX);
    pdf.pages(tree)
        .kids(ids.iter().map(|&(page, _)| page))
        .count(count);

    for (i, (content, &(page_id, content_id))) in pages.into_iter().zip(&ids).enumerate() {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, layout::PAGE_W, layout::PAGE_H));
        page.parent(tree).contents(content_id);
        let mut resources = page.resources();
        resources
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        if i == 0 && image.is_some() {
            resources.x_objects().pair(Name(b"Im1"), image_id);
        }
        if doc.draft {
            resources.ext_g_states().pair(Name(b"GS1"), translucent);
        }
        resources.finish();
        page.finish();
        let data = compress_to_vec_zlib(&content.finish(), 6);
        pdf.stream(content_id, &data).filter(Filter::FlateDecode);
    }

    for (id, base) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        let mut font = pdf.type1_font(id);
        font.base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    if doc.draft {
        pdf.ext_graphics(translucent).non_stroking_alpha(0.13);
    }
    if let Some(img) = image {
        images::write_image(&mut pdf, img, image_id, mask_id);
    }
    pdf.finish()
}
