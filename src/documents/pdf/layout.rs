//! Page layout: a cursor flowing the document down Letter-size pages, breaking them
//! as needed and repeating the table header. Coordinates are PDF points from the
//! bottom-left corner.

use pdf_writer::{Content, Name, Str};

use super::text::{
    format_date_es, format_money, win_ansi, wrap, Style, BIG, BODY, DETAIL, GRAND, HEADING, INK,
    LABEL, NOTE, SMALL, STRONG, TITLE,
};
use super::{DocLine, Party, QuoteDocument, TotalLine};

pub(super) const PAGE_W: f32 = 612.0;
pub(super) const PAGE_H: f32 = 792.0;
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

/// The size a logo of `width` × `height` pixels is drawn at: as large as fits the
/// logo box, keeping its proportions.
pub(super) fn logo_box(width: u32, height: u32) -> (f32, f32) {
    let (w, h) = (width as f32, height as f32);
    let scale = (LOGO_MAX.0 / w).min(LOGO_MAX.1 / h);
    (w * scale, h * scale)
}

/// Lays the document out: header, client, title, the table of lines, totals, notes
/// and the closing line; answers each page's content stream.
pub(super) fn lay_out(doc: &QuoteDocument<'_>, logo_size: Option<(f32, f32)>) -> Vec<Content> {
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
    layout.finish(&footer, doc.draft)
}
