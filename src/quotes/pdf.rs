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

use std::io::Cursor;

use chrono::{Datelike, NaiveDate};
use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use rust_decimal::{Decimal, RoundingStrategy};

/// Everything printed on a quote.
#[derive(Debug, Clone)]
pub struct QuoteDocument<'a> {
    pub company: Company<'a>,
    pub logo: Option<Logo<'a>>,
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

/// A logo as uploaded by the shop.
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

/// Why a quote could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the logo is not a PNG or JPEG image we can read: {0}")]
    Logo(String),
}

#[rustfmt::skip]
const MONTHS: [&str; 12] = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
    "agosto", "septiembre", "octubre", "noviembre", "diciembre"];

/// "$1,234,567.89": comma thousands, two decimals (half away from zero), "-" for negatives.
pub fn format_money(amount: Decimal) -> String {
    let rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let mut abs = rounded.abs();
    abs.rescale(2);
    let text = abs.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::with_capacity(int.len() * 4 / 3);
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}${grouped}.{frac}")
}

/// "28 de noviembre de 2026"
pub fn format_date_es(date: NaiveDate) -> String {
    let month = MONTHS
        .get(date.month0() as usize)
        .copied()
        .unwrap_or_default();
    format!("{} de {} de {}", date.day(), month, date.year())
}

/// Checks a logo upload without rendering: Ok((width_px, height_px)) or `PdfError::Logo`.
///
/// PNGs are fully decoded; of a JPEG only the markers up to the frame header are read.
pub fn inspect_logo(logo: &Logo<'_>) -> Result<(u32, u32), PdfError> {
    prepare_logo(logo).map(|image| (image.width, image.height))
}

// ---------------------------------------------------------------------------------------
// Text: cp1252 encoding, Helvetica metrics, wrapping.

/// What cp1252 puts at 0x80..=0x9F; '\0' marks the five unused codes.
#[rustfmt::skip]
const CP1252_80: [char; 32] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0',
    '\0', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
];

/// Maps a character to its WinAnsi (cp1252) byte; anything outside becomes '?'.
fn win_ansi_byte(c: char) -> u8 {
    match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => u8::try_from(c).unwrap_or(b'?'),
        '\t' | '\n' | '\r' => b' ',
        '\u{2010}' | '\u{2011}' | '\u{2212}' => b'-',
        '\0' => b'?', // not the placeholders in CP1252_80
        _ => (0x80..=0x9F_u8)
            .zip(CP1252_80)
            .find_map(|(byte, x)| (x == c).then_some(byte))
            .unwrap_or(b'?'),
    }
}

fn win_ansi(text: &str) -> Vec<u8> {
    text.chars().map(win_ansi_byte).collect()
}

/// Helvetica advance widths (1/1000 em) for WinAnsi bytes 32..=255, from the Adobe AFM.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278,278,355,556,556,889,667,191,333,333,389,584,278,333,278,278,
    556,556,556,556,556,556,556,556,556,556,278,278,584,584,584,556,
    1015,667,667,722,722,667,611,778,722,278,500,667,556,833,722,778,
    667,778,722,667,611,722,667,944,667,667,611,278,278,278,469,556,
    333,556,556,500,556,556,278,556,556,222,222,500,222,833,556,556,
    556,556,333,500,278,556,500,722,500,500,500,334,260,334,584,350,
    556,350,222,556,333,1000,556,556,333,1000,667,333,1000,350,611,350,
    350,222,222,333,333,350,556,1000,333,1000,500,333,944,350,500,667,
    278,333,556,556,556,556,260,556,333,737,370,556,584,333,737,333,
    400,584,333,333,333,556,537,278,333,333,365,556,834,834,834,611,
    667,667,667,667,667,667,1000,722,667,667,667,667,278,278,278,278,
    722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,611,
    556,556,556,556,556,556,889,500,556,556,556,556,278,278,278,278,
    556,556,556,556,556,556,556,584,611,556,556,556,556,500,556,500,
];

/// Helvetica-Bold advance widths (1/1000 em) for WinAnsi bytes 32..=255.
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278,333,474,556,556,889,722,238,333,333,389,584,278,333,278,278,
    556,556,556,556,556,556,556,556,556,556,333,333,584,584,584,611,
    975,722,722,722,722,667,611,778,722,278,556,722,611,833,722,778,
    667,778,722,667,611,722,667,944,667,667,611,333,278,333,584,556,
    333,556,611,556,611,556,333,611,611,278,278,556,278,889,611,611,
    611,611,389,556,333,611,556,778,556,556,500,389,280,389,584,350,
    556,350,278,556,500,1000,556,556,333,1000,667,333,1000,350,611,350,
    350,278,278,500,500,350,556,1000,333,1000,556,333,944,350,500,667,
    278,333,556,556,556,556,280,556,333,737,370,556,584,333,737,333,
    400,584,333,333,333,611,556,278,333,333,365,556,834,834,834,611,
    722,722,722,722,722,722,1000,722,667,667,667,667,278,278,278,278,
    722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,611,
    556,556,556,556,556,556,889,556,556,556,556,556,278,278,278,278,
    611,611,611,611,611,611,611,584,611,611,611,611,611,556,611,556,
];

/// Font, size and RGB fill of a run of text.
#[derive(Debug, Clone, Copy)]
struct Style {
    bold: bool,
    size: f32,
    color: [f32; 3],
}

impl Style {
    const fn new(bold: bool, size: f32, color: [f32; 3]) -> Self {
        Style { bold, size, color }
    }

    fn font(self) -> Name<'static> {
        Name(if self.bold { b"F2" } else { b"F1" })
    }

    fn leading(self) -> f32 {
        self.size * 1.35
    }

    fn width(self, text: &str) -> f32 {
        let table = if self.bold {
            &HELVETICA_BOLD
        } else {
            &HELVETICA
        };
        let units: u32 = win_ansi(text)
            .iter()
            .filter_map(|&byte| table.get(usize::from(byte).checked_sub(32)?))
            .map(|&w| u32::from(w))
            .sum();
        units as f32 * self.size / 1000.0
    }
}

const INK: [f32; 3] = [0.13, 0.13, 0.13];
const MUTED: [f32; 3] = [0.42, 0.42, 0.42];
const BODY: Style = Style::new(false, 9.5, INK);
const SMALL: Style = Style::new(false, 8.5, MUTED);
const DETAIL: Style = Style::new(false, 8.0, MUTED);
const LABEL: Style = Style::new(true, 8.0, MUTED);
const HEADING: Style = Style::new(true, 8.5, INK);
const STRONG: Style = Style::new(true, 10.5, INK);
const GRAND: Style = Style::new(true, 11.0, INK);
const BIG: Style = Style::new(true, 18.0, INK);
const TITLE: Style = Style::new(true, 12.0, INK);
const NOTE: Style = Style::new(false, 9.0, INK);

/// Greedy word wrap to `max` points; words wider than a line are split by characters.
fn wrap(text: &str, style: Style, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.trim_end().split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if style.width(&candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for ch in word.chars() {
                line.push(ch);
                if style.width(&line) > max && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::replace(&mut line, ch.to_string()));
                }
            }
        }
        lines.push(line);
    }
    lines
}

// ---------------------------------------------------------------------------------------
// Page layout. Coordinates are PDF points from the bottom-left corner.

const PAGE_W: f32 = 612.0;
const PAGE_H: f32 = 792.0;
const LEFT: f32 = 40.0;
const RIGHT: f32 = PAGE_W - 40.0;
const WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = PAGE_H - 40.0;
/// Body content stays above this; the footer lives below it.
const BOTTOM: f32 = 60.0;
const QTY_X: f32 = LEFT + 6.0;
const QTY_W: f32 = 52.0;
const DESC_X: f32 = LEFT + 64.0;
const DESC_W: f32 = 350.0;
const AMOUNT_R: f32 = RIGHT - 6.0;
const TOTAL_LABEL_R: f32 = AMOUNT_R - 110.0;
const HEAD_H: f32 = 20.0;
const ROW_PAD: f32 = 5.0;
/// Room a continuation page offers to table rows, under its running head and table head.
const FRESH_ROOM: f32 = TOP - 26.0 - HEAD_H - BOTTOM;
const LOGO_MAX: (f32, f32) = (140.0, 60.0);
const MAX_LOGO_PX: u32 = 4000;

/// One page's content stream with drawing shorthands.
struct Canvas(Content);

impl Canvas {
    fn text(&mut self, style: Style, x: f32, baseline: f32, text: &str) {
        let [r, g, b] = style.color;
        self.0.set_fill_rgb(r, g, b).begin_text();
        self.0
            .set_font(style.font(), style.size)
            .next_line(x, baseline);
        self.0.show(Str(&win_ansi(text))).end_text();
    }

    fn text_right(&mut self, style: Style, right: f32, baseline: f32, text: &str) {
        self.text(style, right - style.width(text), baseline, text);
    }

    /// Draws `text` with its top at `*y`, left- or right-aligned at `x`, and moves `*y` down.
    fn stack(&mut self, y: &mut f32, style: Style, x: f32, right: bool, text: &str) {
        let baseline = *y - style.size;
        if right {
            self.text_right(style, x, baseline, text);
        } else {
            self.text(style, x, baseline, text);
        }
        *y -= style.leading();
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, gray: f32) {
        self.0.set_stroke_gray(gray).set_line_width(width);
        self.0.move_to(x1, y).line_to(x2, y).stroke();
    }

    fn band(&mut self, x: f32, y: f32, w: f32, h: f32, gray: f32) {
        self.0.set_fill_gray(gray).rect(x, y, w, h).fill_nonzero();
    }

    /// A large translucent diagonal "BORRADOR" over the page.
    fn watermark(&mut self) {
        let style = Style::new(true, 110.0, [0.5; 3]);
        let (width, cap) = (style.width("BORRADOR"), 0.718 * style.size);
        let (sin, cos) = (PAGE_H - 160.0).atan2(PAGE_W - 80.0).sin_cos();
        let x = PAGE_W / 2.0 - cos * width / 2.0 + sin * cap / 2.0;
        let y = PAGE_H / 2.0 - sin * width / 2.0 - cos * cap / 2.0;
        let page = &mut self.0;
        page.save_state().set_parameters(Name(b"GS1"));
        page.set_fill_gray(0.5);
        page.begin_text().set_font(style.font(), style.size);
        page.set_text_matrix([cos, sin, -sin, cos, x, y]);
        page.show(Str(b"BORRADOR")).end_text().restore_state();
    }
}

/// A cursor flowing content down the pages, breaking them as needed.
struct Layout {
    done: Vec<Canvas>,
    page: Canvas,
    y: f32,
    /// While set, every new page repeats the table header.
    in_table: bool,
    running_head: [String; 2],
    amount_heading: String,
}

impl Layout {
    fn new_page(&mut self) {
        let full = std::mem::replace(&mut self.page, Canvas(Content::new()));
        self.done.push(full);
        let [left, right] = &self.running_head;
        self.page.text(LABEL, LEFT, TOP - 8.0, left);
        self.page.text_right(SMALL, RIGHT, TOP - 8.0, right);
        self.page.hline(LEFT, RIGHT, TOP - 14.0, 0.5, 0.75);
        self.y = TOP - 26.0;
        if self.in_table {
            self.table_head();
        }
    }

    /// Starts a new page unless `height` points fit above the bottom margin.
    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    /// Flows wrapped text at the cursor, a line at a time.
    fn paragraph(&mut self, style: Style, x: f32, width: f32, text: &str) {
        for line in wrap(text, style, width) {
            self.room(style.leading());
            self.page.stack(&mut self.y, style, x, false, &line);
        }
    }

    /// Logo and company on the left, quote number and dates on the right.
    fn header(&mut self, doc: &QuoteDocument<'_>, logo: Option<(f32, f32)>) {
        let (page, mut right_y) = (&mut self.page, TOP);
        page.stack(&mut right_y, BIG, RIGHT, true, "COTIZACIÓN");
        right_y -= 2.0;
        page.stack(&mut right_y, GRAND, RIGHT, true, doc.number);
        let until = doc.valid_until.map(format_date_es);
        let facts = [
            Some(format!("Versión {}", doc.version)),
            Some(format!("Fecha: {}", format_date_es(doc.issued_on))),
            until.map(|d| format!("Válida hasta: {d}")),
        ];
        for fact in facts.iter().flatten() {
            page.stack(&mut right_y, BODY, RIGHT, true, fact);
        }
        if doc.draft {
            right_y -= 2.0;
            let red = Style::new(true, 10.0, [0.75, 0.1, 0.1]);
            page.stack(&mut right_y, red, RIGHT, true, "BORRADOR");
        }

        let mut left_y = TOP;
        if let Some((w, h)) = logo {
            let matrix = [w, 0.0, 0.0, h, LEFT, TOP - h];
            page.0.save_state().transform(matrix).x_object(Name(b"Im1"));
            page.0.restore_state();
            left_y -= h + 10.0;
        }
        let (name, width) = (Style::new(true, 13.0, INK), 300.0);
        for line in wrap(doc.company.name, name, width) {
            page.stack(&mut left_y, name, LEFT, false, &line);
        }
        let c = &doc.company;
        for text in contact_lines(c.rfc, c.address, c.phone, c.email) {
            for line in wrap(&text, NOTE, width) {
                page.stack(&mut left_y, NOTE, LEFT, false, &line);
            }
        }
        self.y = left_y.min(right_y) - 6.0;
        page.hline(LEFT, RIGHT, self.y, 0.8, 0.35);
        self.y -= 16.0;
    }

    fn client(&mut self, c: &Party<'_>) {
        self.paragraph(LABEL, LEFT, WIDTH, "Cliente");
        self.y -= 1.0;
        self.paragraph(STRONG, LEFT, WIDTH, c.name);
        for text in contact_lines(c.rfc, c.address, c.phone, c.email) {
            self.paragraph(BODY, LEFT, WIDTH, &text);
        }
        self.y -= 12.0;
    }

    fn table_head(&mut self) {
        let (page, base) = (&mut self.page, self.y - 13.5);
        page.band(LEFT, self.y - HEAD_H, WIDTH, HEAD_H, 0.9);
        page.text(HEADING, QTY_X, base, "Cant.");
        page.text(HEADING, DESC_X, base, "Descripción");
        page.text_right(HEADING, AMOUNT_R, base, &self.amount_heading);
        self.y -= HEAD_H;
    }

    fn table_row(&mut self, line: &DocLine) {
        let qty = wrap(&line.quantity, BODY, QTY_W);
        let desc = wrap(&line.description, BODY, DESC_W);
        let detail = match &line.detail {
            Some(detail) => wrap(detail, DETAIL, DESC_W),
            None => Vec::new(),
        };
        let main = qty.len().max(desc.len());
        let height = main as f32 * BODY.leading() + detail.len() as f32 * DETAIL.leading();
        // Keep a row on one page when it can fit on one; taller rows split line by line.
        if height + 2.0 * ROW_PAD <= FRESH_ROOM {
            self.room(height + 2.0 * ROW_PAD);
        }
        self.y -= ROW_PAD;
        for i in 0..main {
            self.room(BODY.leading());
            let (page, base) = (&mut self.page, self.y - BODY.size);
            if let Some(text) = qty.get(i) {
                page.text(BODY, QTY_X, base, text);
            }
            if let Some(text) = desc.get(i) {
                page.text(BODY, DESC_X, base, text);
            }
            if i == 0 {
                page.text_right(BODY, AMOUNT_R, base, &format_money(line.amount));
            }
            self.y -= BODY.leading();
        }
        for text in &detail {
            self.paragraph(DETAIL, DESC_X, DESC_W, text);
        }
        self.y -= ROW_PAD;
        self.page.hline(LEFT, RIGHT, self.y, 0.5, 0.82);
    }

    /// Right-aligned labels and amounts; the last (grand total) bold on a grey band.
    fn totals(&mut self, totals: &[TotalLine]) {
        let Some((grand, rest)) = totals.split_last() else {
            return;
        };
        let band = 22.0;
        self.room(14.0 + rest.len() as f32 * 15.0 + band);
        self.y -= 10.0;
        let page = &mut self.page;
        for total in rest {
            page.text_right(BODY, TOTAL_LABEL_R, self.y - 11.0, &total.label);
            page.text_right(BODY, AMOUNT_R, self.y - 11.0, &format_money(total.amount));
            self.y -= 15.0;
        }
        let (x, base) = (TOTAL_LABEL_R - 150.0, self.y - 19.0);
        page.band(x, self.y - 4.0 - band, RIGHT - x, band, 0.9);
        page.text_right(GRAND, TOTAL_LABEL_R, base, &grand.label);
        page.text_right(GRAND, AMOUNT_R, base, &format_money(grand.amount));
        self.y -= 4.0 + band;
    }

    /// Closes the last page, then stamps footers (and the draft mark) now the count is known.
    fn finish(mut self, footer: &str, draft: bool) -> Vec<Content> {
        self.done.push(self.page);
        let count = self.done.len();
        let stamp = |(i, mut page): (usize, Canvas)| {
            page.hline(LEFT, RIGHT, 40.0, 0.5, 0.75);
            page.text(SMALL, LEFT, 28.0, footer);
            page.text_right(SMALL, RIGHT, 28.0, &format!("Página {} de {count}", i + 1));
            if draft {
                page.watermark();
            }
            page.0
        };
        self.done.into_iter().enumerate().map(stamp).collect()
    }
}

/// The "RFC: ...", address, "Tel. ..." and e-mail lines that are present.
fn contact_lines(
    rfc: Option<&str>,
    address: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
) -> Vec<String> {
    let lines = [rfc.map(|v| format!("RFC: {v}")), address.map(str::to_owned)];
    let more = [phone.map(|v| format!("Tel. {v}")), email.map(str::to_owned)];
    lines
        .into_iter()
        .chain(more)
        .flatten()
        .filter(|v| !v.trim().is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Logos.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Colour {
    Gray,
    Rgb,
    /// Adobe-style CMYK JPEGs store inverted samples.
    Cmyk {
        inverted: bool,
    },
}

/// A logo ready to embed as an image XObject.
struct Image {
    width: u32,
    height: u32,
    filter: Filter,
    colour: Colour,
    data: Vec<u8>,
    /// Flate-compressed 8-bit alpha, when the image has any transparency.
    alpha: Option<Vec<u8>>,
}

fn bad(message: impl Into<String>) -> PdfError {
    PdfError::Logo(message.into())
}

fn check_size(width: u32, height: u32) -> Result<(), PdfError> {
    if width == 0 || height == 0 {
        return Err(bad("the image has no pixels"));
    }
    if width > MAX_LOGO_PX || height > MAX_LOGO_PX {
        let limit = MAX_LOGO_PX;
        return Err(bad(format!(
            "it is {width}×{height} px; the limit is {limit}×{limit}"
        )));
    }
    Ok(())
}

fn prepare_logo(logo: &Logo<'_>) -> Result<Image, PdfError> {
    if logo.format == LogoFormat::Png {
        return decode_png(logo.bytes);
    }
    let (width, height, components, adobe) = jpeg_frame(logo.bytes)?;
    let colour = match components {
        1 => Colour::Gray,
        3 => Colour::Rgb,
        4 => Colour::Cmyk { inverted: adobe },
        n => return Err(bad(format!("JPEG with {n} colour components"))),
    };
    let (filter, data, alpha) = (Filter::DctDecode, logo.bytes.to_vec(), None);
    Ok(Image {
        width,
        height,
        filter,
        colour,
        data,
        alpha,
    })
}

/// Decodes any PNG to 8-bit gray or RGB samples plus an optional alpha channel.
fn decode_png(bytes: &[u8]) -> Result<Image, PdfError> {
    use png::ColorType as Png;
    let png_error = |e: png::DecodingError| bad(format!("PNG: {e}"));
    let limits = png::Limits { bytes: 80 << 20 };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let header = decoder.read_header_info().map_err(png_error)?;
    check_size(header.width, header.height)?;
    let mut reader = decoder.read_info().map_err(png_error)?;
    let mut buf = vec![
        0;
        reader
            .output_buffer_size()
            .ok_or_else(|| bad("PNG too large"))?
    ];
    let out = reader.next_frame(&mut buf).map_err(png_error)?;
    buf.truncate(out.buffer_size());
    let (colour, channels, has_alpha) = match out.color_type {
        Png::Grayscale => (Colour::Gray, 1, false),
        Png::GrayscaleAlpha => (Colour::Gray, 1, true),
        Png::Rgb => (Colour::Rgb, 3, false),
        Png::Rgba => (Colour::Rgb, 3, true),
        Png::Indexed => return Err(bad("PNG palette was not expanded")),
    };
    if out.bit_depth != png::BitDepth::Eight {
        return Err(bad("PNG samples were not normalised to 8 bits"));
    }
    let (samples, alpha) = if has_alpha {
        let mut samples = Vec::with_capacity(buf.len());
        let mut alpha = Vec::with_capacity(buf.len() / (channels + 1));
        for pixel in buf.chunks_exact(channels + 1) {
            let (colour, a) = pixel.split_at(channels);
            samples.extend_from_slice(colour);
            alpha.extend_from_slice(a);
        }
        // A fully opaque alpha channel needs no soft mask.
        let opaque = alpha.iter().all(|&a| a == 255);
        (samples, (!opaque).then(|| compress_to_vec_zlib(&alpha, 6)))
    } else {
        (buf, None)
    };
    let (width, height, filter) = (out.width, out.height, Filter::FlateDecode);
    let data = compress_to_vec_zlib(&samples, 6);
    Ok(Image {
        width,
        height,
        filter,
        colour,
        data,
        alpha,
    })
}

/// Reads JPEG markers up to the frame header: (width, height, components, Adobe APP14 seen).
fn jpeg_frame(bytes: &[u8]) -> Result<(u32, u32, u8, bool), PdfError> {
    let truncated = || bad("truncated JPEG");
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(bad("missing JPEG start-of-image marker"));
    }
    let (mut at, mut adobe) = (2, false);
    loop {
        if bytes.get(at) != Some(&0xFF) {
            return Err(bad("malformed JPEG marker"));
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1; // fill bytes
        }
        let marker = *bytes.get(at).ok_or_else(truncated)?;
        at += 1;
        match marker {
            0x01 | 0xD0..=0xD7 => continue, // markers without a length
            0xD9 | 0xDA => return Err(bad("JPEG has no frame header before its data")),
            _ => {}
        }
        let len = match bytes.get(at..at + 2) {
            Some(&[hi, lo]) if u16::from_be_bytes([hi, lo]) >= 2 => {
                usize::from(u16::from_be_bytes([hi, lo]))
            }
            _ => return Err(truncated()),
        };
        let segment = bytes.get(at + 2..at + len).ok_or_else(truncated)?;
        match (marker, segment) {
            // Baseline, extended and progressive Huffman frames: what PDF readers decode.
            (0xC0..=0xC2, &[precision, h1, h0, w1, w0, components, ..]) => {
                if precision != 8 {
                    return Err(bad(format!("{precision}-bit JPEG samples")));
                }
                let height = u32::from(u16::from_be_bytes([h1, h0]));
                let width = u32::from(u16::from_be_bytes([w1, w0]));
                check_size(width, height)?;
                return Ok((width, height, components, adobe));
            }
            (0xC0..=0xC2, _) => return Err(truncated()),
            (0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF, _) => {
                return Err(bad("lossless, hierarchical or arithmetic-coded JPEG"));
            }
            (0xEE, _) if segment.starts_with(b"Adobe") => adobe = true,
            _ => {}
        }
        at += len;
    }
}

// ---------------------------------------------------------------------------------------
// Assembly.

/// Renders the quote to PDF bytes. Fails only on an unreadable logo.
pub fn render(doc: &QuoteDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let image = doc.logo.as_ref().map(prepare_logo).transpose()?;
    let logo_size = image.as_ref().map(|img| {
        let (w, h) = (img.width as f32, img.height as f32);
        let scale = (LOGO_MAX.0 / w).min(LOGO_MAX.1 / h);
        (w * scale, h * scale)
    });

    let mut layout = Layout {
        done: Vec::new(),
        page: Canvas(Content::new()),
        y: TOP,
        in_table: false,
        running_head: [
            doc.company.name.to_owned(),
            format!("Cotización {} (continuación)", doc.number),
        ],
        amount_heading: format!("Importe ({})", doc.currency),
    };
    layout.header(doc, logo_size);
    if let Some(client) = &doc.client {
        layout.client(client);
    }
    if let Some(title) = doc.title.filter(|t| !t.trim().is_empty()) {
        layout.paragraph(TITLE, LEFT, WIDTH, title);
        layout.y -= 6.0;
    }
    layout.room(HEAD_H + 2.0 * ROW_PAD + BODY.leading());
    layout.in_table = true;
    layout.table_head();
    for line in &doc.lines {
        layout.table_row(line);
    }
    layout.in_table = false;
    layout.totals(&doc.totals);
    if let Some(notes) = doc.notes.filter(|n| !n.trim().is_empty()) {
        layout.y -= 18.0;
        layout.room(LABEL.leading() + 2.0 * NOTE.leading()); // no orphaned "Notas"
        layout.paragraph(LABEL, LEFT, WIDTH, "Notas");
        layout.y -= 1.0;
        layout.paragraph(NOTE, LEFT, WIDTH, notes);
    }
    let mut closing = format!("Precios en {}.", doc.currency);
    if let Some(until) = doc.valid_until {
        let until = format_date_es(until);
        closing.push_str(&format!(" Esta cotización es válida hasta el {until}."));
    }
    layout.y -= 12.0;
    layout.paragraph(SMALL, LEFT, WIDTH, &closing);
    let (name, number, version) = (doc.company.name, doc.number, doc.version);
    let footer = format!("{name} · Cotización {number} · Versión {version}");
    let pages = layout.finish(&footer, doc.draft);

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
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
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
    if let Some(img) = &image {
        write_image(&mut pdf, img, image_id, mask_id);
    }
    Ok(pdf.finish())
}

fn write_image(pdf: &mut Pdf, img: &Image, id: Ref, mask_id: Ref) {
    // Both sides were checked against MAX_LOGO_PX, so they fit in i32.
    let width = i32::try_from(img.width).unwrap_or(i32::MAX);
    let height = i32::try_from(img.height).unwrap_or(i32::MAX);
    let mut xobject = pdf.image_xobject(id, &img.data);
    xobject.width(width).height(height).bits_per_component(8);
    xobject.filter(img.filter);
    match img.colour {
        Colour::Gray => xobject.color_space().device_gray(),
        Colour::Rgb => xobject.color_space().device_rgb(),
        Colour::Cmyk { inverted } => {
            xobject.color_space().device_cmyk();
            if inverted {
                xobject.decode([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
            }
        }
    }
    if img.alpha.is_some() {
        xobject.s_mask(mask_id);
    }
    xobject.finish();
    if let Some(alpha) = &img.alpha {
        let mut mask = pdf.image_xobject(mask_id, alpha);
        mask.width(width).height(height).bits_per_component(8);
        mask.filter(Filter::FlateDecode);
        mask.color_space().device_gray();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::inflate::decompress_to_vec_zlib;

    fn dec(text: &str) -> Decimal {
        text.parse().expect(text)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    /// An RGBA PNG whose left half is transparent.
    fn png_logo(width: u32, height: u32) -> Vec<u8> {
        let mut pixels = Vec::new();
        for _ in 0..height {
            for x in 0..width {
                pixels.extend_from_slice(&[20, 80, 160, if x < width / 2 { 0 } else { 255 }]);
            }
        }
        let rgba = (png::ColorType::Rgba, png::BitDepth::Eight);
        encode_png((width, height), rgba, &pixels, None)
    }

    type Palette = Option<(Vec<u8>, Vec<u8>)>;

    fn encode_png(
        (width, height): (u32, u32),
        (color, depth): (png::ColorType, png::BitDepth),
        pixels: &[u8],
        palette_and_trns: Palette,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(depth);
        if let Some((palette, trns)) = palette_and_trns {
            encoder.set_palette(palette);
            encoder.set_trns(trns);
        }
        let mut writer = encoder.write_header().expect("png header");
        writer.write_image_data(pixels).expect("png data");
        writer.finish().expect("png end");
        out
    }

    /// SOI, an APP0 segment, then a baseline frame header for a 3-component 320×200 image.
    fn jpeg_header() -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x06, b'J', b'F', b'I', b'F'];
        bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 8, 0x00, 200, 0x01, 0x40, 3]);
        bytes.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        bytes.extend_from_slice(&[0xFF, 0xD9]);
        bytes
    }

    fn doc(lines: usize, logo: Option<Logo<'_>>) -> QuoteDocument<'_> {
        let line = |i: usize| DocLine {
            quantity: format!("{}", i + 1),
            description: format!("Ventana corrediza línea Española núm. {i}"),
            detail: Some("120 × 150 cm · Vidrio claro 6 mm · Blanco".into()),
            amount: Decimal::new(150_000 + i as i64, 2),
        };
        let total = |label: &str, amount: &str| TotalLine {
            label: label.into(),
            amount: dec(amount),
        };
        QuoteDocument {
            company: Company {
                name: "Cristales Peña",
                rfc: Some("CPE010203AB1"),
                address: Some("Av. Revolución 1234, CDMX"),
                phone: None,
                email: Some("ventas@example.mx"),
            },
            logo,
            number: "COT-000042",
            version: 2,
            title: Some("Fachada (etapa 2) \\ baños"),
            issued_on: date(2026, 11, 28),
            valid_until: Some(date(2026, 12, 28)),
            draft: false,
            client: Some(Party {
                name: "José Núñez",
                rfc: None,
                address: Some("Calle Pingüino 45"),
                phone: Some("33 9876 5432"),
                email: None,
            }),
            currency: "MXN",
            lines: (0..lines).map(line).collect(),
            totals: vec![
                total("Subtotal", "4500.00"),
                total("Descuento", "-450.00"),
                total("IVA 16%", "648.00"),
                total("Total", "4698.00"),
            ],
            notes: Some("Anticipo (50%\\ al pedido"),
        }
    }

    /// The decompressed content of every Flate stream in the file, concatenated.
    fn streams(pdf: &[u8]) -> Vec<u8> {
        let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
        let (mut out, mut rest) = (Vec::new(), pdf);
        while let Some(start) = find(rest, b"stream\n") {
            let body = &rest[start + 7..];
            let Some(end) = find(body, b"\nendstream") else {
                break;
            };
            out.extend(decompress_to_vec_zlib(&body[..end]).unwrap_or_default());
            rest = &body[end + 10..];
        }
        out
    }

    /// How a non-ASCII string shows up in a content stream: cp1252 bytes as a hex string.
    fn shown(text: &str) -> Vec<u8> {
        let hex: String = win_ansi(text).iter().map(|b| format!("{b:02X}")).collect();
        format!("<{hex}>").into_bytes()
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn page_count(pdf: &[u8]) -> usize {
        pdf.windows(12).filter(|w| w == b"/Type /Page\n").count()
    }

    #[test]
    fn money_has_comma_thousands_two_decimals_and_a_leading_minus() {
        let cases = [
            ("0", "$0.00", "zero"),
            ("0.5", "$0.50", "pads to two decimals"),
            ("1234.5", "$1,234.50", "one comma"),
            (
                "1234567.891",
                "$1,234,567.89",
                "rounds down below the midpoint",
            ),
            ("2.345", "$2.35", "half away from zero, not to even"),
            ("999.995", "$1,000.00", "rounding carries into a new group"),
            ("-1234.5", "-$1,234.50", "negative"),
            ("-0.001", "$0.00", "no negative zero"),
            ("-2.345", "-$2.35", "negative half away from zero"),
        ];
        for (input, expected, why) in cases {
            assert_eq!(format_money(dec(input)), expected, "{why}");
        }
    }

    #[test]
    fn dates_are_written_in_spanish() {
        assert_eq!(
            format_date_es(date(2026, 11, 28)),
            "28 de noviembre de 2026"
        );
        assert_eq!(format_date_es(date(2027, 1, 1)), "1 de enero de 2027");
        assert_eq!(
            format_date_es(date(2026, 12, 31)),
            "31 de diciembre de 2026"
        );
        assert_eq!(format_date_es(date(2028, 2, 29)), "29 de febrero de 2028");
    }

    #[test]
    fn text_is_encoded_as_win_ansi() {
        assert_eq!(
            win_ansi("Año ó ×"),
            [b'A', 0xF1, b'o', b' ', 0xF3, b' ', 0xD7]
        );
        assert_eq!(
            win_ansi("¿€·°¡Ñü"),
            [0xBF, 0x80, 0xB7, 0xB0, 0xA1, 0xD1, 0xFC]
        );
        assert_eq!(win_ansi("漢\u{1F600}"), b"??", "outside cp1252");
    }

    #[test]
    fn wrapped_lines_fit_the_width_and_keep_every_word() {
        let text = "Ventana fija con mosquitero, instalación incluida y sellado perimetral \
                    con silicón neutro Supercalifragilísticoespialidoso";
        let lines = wrap(text, BODY, 120.0);
        assert!(lines.len() > 3, "{lines:?}");
        assert!(lines.iter().all(|l| BODY.width(l) <= 120.0), "{lines:?}");
        assert_eq!(lines.join(" ").replace(' ', ""), text.replace(' ', ""));
        assert!(
            (BODY.width("Helvetica") - 39.064).abs() < 0.001,
            "AFM widths: 4112 units"
        );
    }

    #[test]
    fn renders_a_quote_with_a_png_logo() {
        let png = png_logo(40, 20);
        let logo = Logo {
            format: LogoFormat::Png,
            bytes: &png,
        };
        assert_eq!(inspect_logo(&logo).expect("readable logo"), (40, 20));
        let quote = doc(3, Some(logo));
        let pdf = render(&quote).expect("rendered");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
        assert!(
            contains(&pdf, b"/SMask"),
            "transparent logo gets a soft mask"
        );
        assert!(contains(&pdf, b"/WinAnsiEncoding"));
        let text = streams(&pdf);
        assert!(contains(&text, &shown("Cristales Peña")));
        assert!(contains(&text, b"($4,698.00)"), "grand total");
        assert!(contains(&text, &shown("Fachada (etapa 2) \\ baños")));
        assert!(
            contains(&text, br"(Anticipo \(50%\\ al pedido)"),
            "escaped parens"
        );
        assert_eq!(page_count(&pdf), 1);
        assert_eq!(render(&quote).expect("rendered"), pdf, "deterministic");
    }

    #[test]
    fn palette_and_sixteen_bit_pngs_are_normalised_to_eight_bits() {
        use png::{BitDepth, ColorType};
        let trns = Some((vec![255, 0, 0, 0, 0, 255], vec![0, 255]));
        let palette = encode_png((2, 1), (ColorType::Indexed, BitDepth::Eight), &[0, 1], trns);
        let grey16 = encode_png(
            (1, 1),
            (ColorType::Grayscale, BitDepth::Sixteen),
            &[1, 2],
            None,
        );
        for (bytes, masked, why) in [(palette, true, "palette + tRNS"), (grey16, false, "grey16")] {
            let logo = Logo {
                format: LogoFormat::Png,
                bytes: &bytes,
            };
            let pdf = render(&doc(1, Some(logo))).expect(why);
            assert_eq!(contains(&pdf, b"/SMask"), masked, "{why}");
        }
    }

    #[test]
    fn reads_jpeg_dimensions_from_the_frame_header_and_embeds_it_as_dct() {
        let jpeg = jpeg_header();
        let logo = Logo {
            format: LogoFormat::Jpeg,
            bytes: &jpeg,
        };
        assert_eq!(inspect_logo(&logo).expect("readable logo"), (320, 200));
        let pdf = render(&doc(1, Some(logo))).expect("rendered");
        assert!(contains(&pdf, b"/DCTDecode") && contains(&pdf, b"/DeviceRGB"));
    }

    #[test]
    fn long_quotes_continue_on_more_pages() {
        let mut quote = doc(120, None);
        quote.draft = true;
        let pdf = render(&quote).expect("rendered");
        let pages = page_count(&pdf);
        assert!(pages > 1, "{pages} pages");
        let text = streams(&pdf);
        assert!(contains(&text, &shown(&format!("Página 2 de {pages}"))));
        let watermarks = text.windows(10).filter(|w| w == b"(BORRADOR)").count();
        assert_eq!(watermarks, pages + 1, "one per page plus the header mark");
    }

    #[test]
    fn unreadable_or_oversized_logos_are_rejected() {
        let noise: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        let huge = png_logo(4001, 1);
        let mut truncated = jpeg_header();
        truncated.truncate(14);
        let cases = [
            (LogoFormat::Png, noise.as_slice(), "random bytes as PNG"),
            (LogoFormat::Jpeg, noise.as_slice(), "random bytes as JPEG"),
            (LogoFormat::Png, huge.as_slice(), "wider than 4000 px"),
            (
                LogoFormat::Jpeg,
                truncated.as_slice(),
                "JPEG cut inside its frame header",
            ),
            (
                LogoFormat::Jpeg,
                &png_logo(2, 2),
                "PNG bytes declared as JPEG",
            ),
        ];
        for (format, bytes, why) in cases {
            let logo = Logo { format, bytes };
            assert!(
                matches!(inspect_logo(&logo), Err(PdfError::Logo(_))),
                "{why}"
            );
            assert!(
                matches!(render(&doc(1, Some(logo))), Err(PdfError::Logo(_))),
                "{why}"
            );
        }
    }
}
