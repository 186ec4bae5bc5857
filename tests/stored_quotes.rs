//! Sent quotes are legal documents kept for years: a version stored in format 1
//! today must load, and print the same text, whatever the code becomes.
//! `tests/fixtures/stored/version-v1.json` is such a version, frozen; its printed
//! text is `version-v1.txt`. Neither file is ever regenerated: a change that breaks
//! this test breaks old quotes (add format 2 with an upgrade instead).

use chrono::NaiveDate;
use serde_json::Value;
use ventanas::documents::quote::PdfJob;
use ventanas::quotes::preview::PreviewRequest;
use ventanas::quotes::stored::{self, Stored, StoredError};
use ventanas::quotes::view::QuotePreview;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/stored/version-v1.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

fn decode(v: &Value) -> Result<Stored, StoredError> {
    let format = i16::try_from(v["format"].as_i64().expect("format")).expect("i16");
    stored::decode(
        format,
        v["request"].clone(),
        v["result"].clone(),
        Some(v["document"].clone()),
    )
}

/// The text a PDF shows, one line per text-showing operator, in page order.
fn shown_text(pdf: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = pdf;
    while let Some(start) = find(rest, b"stream\n") {
        let body = &rest[start + 7..];
        let end = find(body, b"\nendstream").expect("stream ends");
        if let Ok(inflated) = miniz_oxide::inflate::decompress_to_vec_zlib(&body[..end]) {
            out.push_str(&strings(&inflated));
        }
        rest = &body[end + 10..];
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The strings of the text-showing operators, literal `(...)` or hex `<...>`,
/// decoded from WinAnsi (which agrees with Latin-1 on every character used here).
fn strings(content: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < content.len() {
        let text = match content[i] {
            b'(' => literal(content, &mut i),
            b'<' if content.get(i + 1) != Some(&b'<') => hex(content, &mut i),
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend(text.iter().map(|&b| char::from(b)));
        out.push('\n');
    }
    out
}

/// A `(...)` string starting at `*i`, with its escapes resolved; moves past it.
fn literal(content: &[u8], i: &mut usize) -> Vec<u8> {
    let mut text = Vec::new();
    // Balanced parentheses may stand unescaped inside a literal string.
    let mut depth = 0;
    *i += 1;
    while let Some(&c) = content.get(*i) {
        *i += 1;
        match c {
            b')' if depth == 0 => break,
            b'(' => {
                depth += 1;
                text.push(c);
            }
            b')' => {
                depth -= 1;
                text.push(c);
            }
            b'\\' => {
                let Some(&d) = content.get(*i) else { break };
                *i += 1;
                if d.is_ascii_digit() {
                    let mut code = u32::from(d - b'0');
                    for _ in 0..2 {
                        match content.get(*i) {
                            Some(&n @ b'0'..=b'7') => {
                                code = code * 8 + u32::from(n - b'0');
                                *i += 1;
                            }
                            _ => break,
                        }
                    }
                    text.push(u8::try_from(code).unwrap_or(b'?'));
                } else {
                    text.push(if d == b'n' { b'\n' } else { d });
                }
            }
            other => text.push(other),
        }
    }
    text
}

/// A `<...>` hex string starting at `*i`; moves past it.
fn hex(content: &[u8], i: &mut usize) -> Vec<u8> {
    let end = content[*i..]
        .iter()
        .position(|&b| b == b'>')
        .map_or(content.len(), |p| *i + p);
    let digits: Vec<u8> = content[*i + 1..end]
        .iter()
        .copied()
        .filter(u8::is_ascii_hexdigit)
        .collect();
    *i = end + 1;
    digits
        .chunks(2)
        .map(|pair| {
            u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("3F"), 16).unwrap_or(b'?')
        })
        .collect()
}

fn render(stored: Stored) -> Vec<u8> {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    PdfJob {
        reference: "COT-000042".to_owned(),
        version: 1,
        issued_on: date(2026, 12, 2),
        valid_until: Some(date(2027, 1, 1)),
        draft: false,
        result: stored.result,
        document: stored.document.expect("a sent version has its document"),
        logo: None,
    }
    .render()
}

#[test]
fn a_format_1_version_loads_and_prints_the_same_text() {
    let stored = decode(&fixture()).expect("format 1 decodes");
    let text = shown_text(&render(stored));
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/stored/version-v1.txt"
    );
    if std::env::var_os("CREATE_STORED_FIXTURES").is_some() && !std::path::Path::new(path).exists()
    {
        std::fs::write(path, &text).expect("write the printed text once");
    }
    let expected = std::fs::read_to_string(path).expect("version-v1.txt");
    assert_eq!(
        text, expected,
        "a stored version prints differently than it did"
    );
    for needle in [
        "COT-000042",
        "María Pérez Gómez",
        "Total",
        "$4,705.98",
        "Descuento 5 %",
    ] {
        assert!(text.contains(needle), "the text shows {needle}");
    }
}

#[test]
fn a_format_1_version_reads_into_the_api_and_stores_back_unchanged() {
    let stored = decode(&fixture()).expect("format 1 decodes");
    let request = PreviewRequest::try_from(&stored.request).expect("request fits the API");
    let result = QuotePreview::try_from(&stored.result).expect("result fits the API");
    assert_eq!(stored::Request::from(&request), stored.request);
    // Stored intermediates (line amounts, rates per m²) may be exact; the API shows
    // them to the cent, and what it shows stores and reads back unchanged.
    let again = QuotePreview::try_from(&stored::Result::from(&result)).expect("reads back");
    assert_eq!(again, result);
    assert_eq!(result.totals.total.to_string(), "4705.98");
    assert_eq!(result.items[0].labour_rate_per_m2.to_string(), "78.00");
    assert_eq!(result.items[1].lines[0].amount.to_string(), "232.79");
    assert_eq!(result.rates.indirect_rate.to_string(), "0.1500");
    assert_eq!(result.items[0].name, stored.result.items[0].name);
}

#[test]
fn unknown_formats_and_unknown_fields_are_refused_not_guessed() {
    let v = fixture();
    let err = stored::decode(2, v["request"].clone(), v["result"].clone(), None)
        .expect_err("format 2 is not known yet");
    assert!(matches!(err, StoredError::UnknownFormat(2)), "{err}");
    let mut extra = v.clone();
    extra["result"]["totals"]["surprise"] = Value::String("1.00".into());
    let err = decode(&extra).expect_err("an unknown field means another format");
    assert!(err.to_string().contains("surprise"), "{err}");
    let mut missing = v;
    missing["result"]["totals"]
        .as_object_mut()
        .expect("totals")
        .remove("total");
    assert!(decode(&missing).is_err(), "a missing amount is an error");
}
