//! Text on the page: cp1252 (WinAnsi) encoding, Helvetica metrics, word wrapping,
//! and money and dates written the Mexican way.

use chrono::{Datelike, NaiveDate};
use pdf_writer::Name;
use rust_decimal::{Decimal, RoundingStrategy};

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

pub(super) fn win_ansi(text: &str) -> Vec<u8> {
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
pub(super) struct Style {
    pub(super) bold: bool,
    pub(super) size: f32,
    pub(super) color: [f32; 3],
}

impl Style {
    pub(super) const fn new(bold: bool, size: f32, color: [f32; 3]) -> Self {
        Style { bold, size, color }
    }

    pub(super) fn font(self) -> Name<'static> {
        Name(if self.bold { b"F2" } else { b"F1" })
    }

    pub(super) fn leading(self) -> f32 {
        self.size * 1.35
    }

    pub(super) fn width(self, text: &str) -> f32 {
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

pub(super) const INK: [f32; 3] = [0.13, 0.13, 0.13];
pub(super) const MUTED: [f32; 3] = [0.42, 0.42, 0.42];
pub(super) const BODY: Style = Style::new(false, 9.5, INK);
pub(super) const SMALL: Style = Style::new(false, 8.5, MUTED);
pub(super) const DETAIL: Style = Style::new(false, 8.0, MUTED);
pub(super) const LABEL: Style = Style::new(true, 8.0, MUTED);
pub(super) const HEADING: Style = Style::new(true, 8.5, INK);
pub(super) const STRONG: Style = Style::new(true, 10.5, INK);
pub(super) const GRAND: Style = Style::new(true, 11.0, INK);
pub(super) const BIG: Style = Style::new(true, 18.0, INK);
pub(super) const TITLE: Style = Style::new(true, 12.0, INK);
pub(super) const NOTE: Style = Style::new(false, 9.0, INK);

/// Greedy word wrap to `max` points; words wider than a line are split by characters.
pub(super) fn wrap(text: &str, style: Style, max: f32) -> Vec<String> {
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
