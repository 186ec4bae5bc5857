//! The catalogue's CSV file, with no I/O: writing the export and reading an import
//! into checked rows, with every problem found (line, column, value, reason) rather
//! than the first. UTF-8 with or without a BOM, `,` or `;` between fields, quoted
//! fields; a decimal comma (`85,50`) is refused with a reason that says so.

use std::collections::HashMap;

use crate::catalog::materials::model::Material;
use crate::catalog::{Category, MaterialCode, Source, Unit, CURRENCY};
use crate::money::{DecimalProblem, Metres, Money};

/// The header of an export, and every column an import may have.
pub const COLUMNS: [&str; 9] = [
    "code",
    "name",
    "category",
    "unit",
    "price",
    "currency",
    "bar_length_m",
    "active",
    "source",
];

pub use super::csv_problem::{Problem, ProblemKind, MAX_NAME_CHARS};

/// One checked row of an import. `None` means the column is absent or empty: the
/// material keeps what it has (a new material must give it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub code: MaterialCode,
    pub name: Option<String>,
    pub category: Option<Category>,
    pub unit: Option<Unit>,
    pub price: Money,
    /// `Some(None)`: the column is present and empty (no bar length).
    pub bar_length_m: Option<Option<Metres>>,
    pub active: Option<bool>,
}

/// Writes the export: a header row, then one row per material.
pub fn export(materials: &[Material]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::with_capacity(64 + materials.len() * 80));
    out.write_record(COLUMNS)?;
    for m in materials {
        let price = m.price.to_string();
        let bar = m.bar_length_m.map(|b| b.to_string()).unwrap_or_default();
        let source = match m.source {
            Source::Tenant => "tenant",
            Source::Global => "global",
        };
        let active = if m.active { "true" } else { "false" };
        out.write_record([
            m.code.as_str(),
            m.name.as_str(),
            m.category.as_str(),
            m.unit.as_str(),
            price.as_str(),
            m.currency.as_str(),
            bar.as_str(),
            active,
            source,
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// Reads an import file: its rows if every one is right, else every problem.
pub fn read(data: &[u8]) -> Result<Vec<Row>, Vec<Problem>> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator(data))
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(err)) => return Err(vec![unreadable(&err)]),
        None => return Err(vec![problem(1, "", "", ProblemKind::EmptyFile)]),
    };
    let columns = read_header(&header)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                problems.push(unreadable(&err));
                break;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // a blank line
        }
        match read_row(&columns, &record, line) {
            Ok(row) => match seen.insert(row.code.as_str().to_owned(), line) {
                Some(first_line) => problems.push(problem(
                    line,
                    "code",
                    row.code.as_str(),
                    ProblemKind::DuplicateCode { first_line },
                )),
                None => rows.push(row),
            },
            Err(mut found) => problems.append(&mut found),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(problem(1, "", "", ProblemKind::NoMaterials));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// `;` when the header line has semicolons and no commas (a spreadsheet set to a
/// decimal comma writes those), else `,`.
fn separator(data: &[u8]) -> u8 {
    let first = data.split(|b| *b == b'\n').next().unwrap_or_default();
    if first.contains(&b';') && !first.contains(&b',') {
        b';'
    } else {
        b','
    }
}

fn problem(line: u64, column: &str, value: &str, kind: ProblemKind) -> Problem {
    Problem {
        line,
        column: column.to_owned(),
        value: value.to_owned(),
        kind,
    }
}

fn unreadable(err: &csv::Error) -> Problem {
    let line = err.position().map_or(0, csv::Position::line);
    let error = err.to_string();
    problem(line, "", "", ProblemKind::Unreadable { error })
}

/// Where each known column is in the file.
struct Columns(HashMap<&'static str, usize>);

impl Columns {
    fn get<'r>(&self, record: &'r csv::ByteRecord, name: &str) -> Option<&'r [u8]> {
        self.0.get(name).and_then(|i| record.get(*i))
    }
}

fn read_header(header: &csv::ByteRecord) -> Result<Columns, Vec<Problem>> {
    let mut columns = HashMap::new();
    let mut problems = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(raw).trim().to_lowercase();
        match COLUMNS.iter().find(|c| **c == name) {
            Some(known) if columns.insert(*known, i).is_some() => {
                problems.push(problem(1, known, known, ProblemKind::ColumnTwice));
            }
            Some(_) => {}
            None => problems.push(problem(1, &name, &name, ProblemKind::UnknownColumn)),
        }
    }
    for required in ["code", "price"] {
        if !columns.contains_key(required) {
            problems.push(problem(1, required, "", ProblemKind::ColumnRequired));
        }
    }
    if problems.is_empty() {
        Ok(Columns(columns))
    } else {
        Err(problems)
    }
}

/// One row's fields, checked; every problem of the row.
fn read_row(columns: &Columns, record: &csv::ByteRecord, line: u64) -> Result<Row, Vec<Problem>> {
    let mut problems = Vec::new();
    if record.len() != columns.0.len() {
        let kind = ProblemKind::FieldCount {
            found: record.len(),
            expected: columns.0.len(),
        };
        problems.push(problem(line, "", "", kind));
        return Err(problems);
    }
    let mut text = |name: &'static str| -> Option<String> {
        let raw = columns.get(record, name)?;
        match std::str::from_utf8(raw) {
            Ok(s) if s.contains('\0') => {
                problems.push(problem(
                    line,
                    name,
                    &s.replace('\0', "\\0"),
                    ProblemKind::Nul,
                ));
                None
            }
            Ok(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Err(_) => {
                let shown = String::from_utf8_lossy(raw).into_owned();
                problems.push(problem(line, name, &shown, ProblemKind::NotUtf8));
                None
            }
        }
    };
    let fields = Fields {
        code: text("code"),
        name: text("name"),
        category: text("category"),
        unit: text("unit"),
        price: text("price"),
        currency: text("currency"),
        bar_length_m: text("bar_length_m"),
        active: text("active"),
        source: text("source"),
        has_bar_column: columns.0.contains_key("bar_length_m"),
    };
    let row = fields.check(line, &mut problems);
    match row {
        Some(row) if problems.is_empty() => Ok(row),
        _ => Err(problems),
    }
}

/// A row's fields as text (trimmed; empty is `None`).
struct Fields {
    code: Option<String>,
    name: Option<String>,
    category: Option<String>,
    unit: Option<String>,
    price: Option<String>,
    currency: Option<String>,
    bar_length_m: Option<String>,
    active: Option<String>,
    source: Option<String>,
    has_bar_column: bool,
}

impl Fields {
    fn check(self, line: u64, problems: &mut Vec<Problem>) -> Option<Row> {
        let mut bad = |column: &str, value: &str, kind: ProblemKind| {
            problems.push(problem(line, column, value, kind));
        };
        let code = match self.code.as_deref() {
            None => {
                bad("code", "", ProblemKind::CodeRequired);
                None
            }
            Some(raw) => MaterialCode::parse(raw)
                .map_err(|_| {
                    let code = raw.to_owned();
                    bad("code", raw, ProblemKind::BadCode { code });
                })
                .ok(),
        };
        let price = match self.price.as_deref() {
            None => {
                bad("price", "", ProblemKind::PriceRequired);
                None
            }
            Some(raw) => parse_amount(raw, Money::parse_checked)
                .map_err(|kind| bad("price", raw, kind))
                .ok(),
        };
        let name = self.name.clone().filter(|n| {
            let ok = n.chars().count() <= MAX_NAME_CHARS;
            if !ok {
                bad("name", n, ProblemKind::NameTooLong);
            }
            ok
        });
        let category = self.category.as_deref().and_then(|raw| {
            let parsed = Category::parse(&raw.to_lowercase());
            if parsed.is_none() {
                bad("category", raw, ProblemKind::NotACategory);
            }
            parsed
        });
        let unit = self.unit.as_deref().and_then(|raw| {
            let parsed = Unit::parse(&raw.to_lowercase());
            if parsed.is_none() {
                bad("unit", raw, ProblemKind::NotAUnit);
            }
            parsed
        });
        let (bar_length_m, active) = self.check_rest(&mut bad);
        Some(Row {
            line,
            code: code?,
            name,
            category,
            unit,
            price: price?,
            bar_length_m,
            active,
        })
    }

    /// The bar length and `active`, and the informative columns.
    fn check_rest(
        &self,
        bad: &mut impl FnMut(&str, &str, ProblemKind),
    ) -> (Option<Option<Metres>>, Option<bool>) {
        let bar_length_m = match self.bar_length_m.as_deref() {
            None => self.has_bar_column.then_some(None),
            Some(raw) => parse_amount(raw, Metres::parse_checked)
                .map(|m| Some(Some(m)))
                .unwrap_or_else(|kind| {
                    bad("bar_length_m", raw, kind);
                    None
                }),
        };
        let active = self.active.as_deref().and_then(|raw| {
            let parsed = parse_bool(raw);
            if parsed.is_none() {
                bad("active", raw, ProblemKind::NotABool);
            }
            parsed
        });
        if let Some(raw) = self
            .currency
            .as_deref()
            .filter(|c| !c.eq_ignore_ascii_case(CURRENCY))
        {
            bad("currency", raw, ProblemKind::Currency);
        }
        if let Some(raw) = self
            .source
            .as_deref()
            .filter(|s| !matches!(*s, "tenant" | "global"))
        {
            bad("source", raw, ProblemKind::Source);
        }
        (bar_length_m, active)
    }
}

/// A decimal with a point; a decimal comma gets a reason of its own.
fn parse_amount<T>(
    raw: &str,
    parse: impl Fn(&str) -> Result<T, DecimalProblem>,
) -> Result<T, ProblemKind> {
    let (int, frac) = raw.split_once(',').unwrap_or((raw, ""));
    let comma = !frac.is_empty()
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    if comma {
        return Err(ProblemKind::DecimalComma {
            int: int.to_owned(),
            frac: frac.to_owned(),
        });
    }
    parse(raw).map_err(ProblemKind::Amount)
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.to_lowercase().as_str() {
        "true" | "yes" | "si" | "sí" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
#[path = "csv_file_tests.rs"]
mod tests;
