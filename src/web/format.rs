//! Numbers and dates the Mexican way, from the server's own values: amounts from
//! their decimal strings (`"1234.5"` is `$1,234.50`; no floating point anywhere),
//! dates in the shop's time zone (`1 de diciembre de 2026`).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike, Utc};

use super::i18n::Texts;

/// `$1,234.56` from a decimal string such as `"1234.56"`; at least two decimals,
/// more when the amount has them; a minus sign before the `$`. Anything that is not
/// a plain decimal is shown as it is.
pub fn money(decimal: &str) -> String {
    let (negative, digits) = match decimal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, decimal),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !plain(int) || !plain(frac) {
        return decimal.to_owned();
    }
    let mut out = String::with_capacity(digits.len() + 6);
    if negative {
        out.push('-');
    }
    out.push('$');
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push('.');
    out.push_str(frac);
    for _ in frac.len()..2 {
        out.push('0');
    }
    out
}

fn local(at: DateTime<Utc>, utc_offset_seconds: i32) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(utc_offset_seconds)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero is a valid offset"));
    at.with_timezone(&offset)
}

/// `1 de diciembre de 2026`: the day `at` falls on in the shop's time zone.
pub fn date(t: &Texts, at: DateTime<Utc>, utc_offset_seconds: i32) -> String {
    day(t, local(at, utc_offset_seconds).date_naive())
}

/// `1 de diciembre de 2026`: a calendar day (already the shop's).
pub fn day(t: &Texts, day: NaiveDate) -> String {
    let month = t.months[day.month0() as usize];
    t.date_pattern
        .replace("{d}", &day.day().to_string())
        .replace("{m}", month)
        .replace("{y}", &day.year().to_string())
}

/// `1 de diciembre de 2026, 14:05`, in the shop's time zone.
pub fn date_time(t: &Texts, at: DateTime<Utc>, utc_offset_seconds: i32) -> String {
    let moment = local(at, utc_offset_seconds);
    format!(
        "{}, {:02}:{:02}",
        date(t, at, utc_offset_seconds),
        moment.hour(),
        moment.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::ES_MX;

    #[test]
    fn amounts_are_grouped_by_thousands_with_two_decimals_at_least() {
        let cases = [
            ("0", "$0.00", "zero"),
            ("5", "$5.00", "no decimals"),
            ("85.5", "$85.50", "one decimal"),
            ("85.00", "$85.00", "scale kept"),
            ("999.99", "$999.99", "no separator under a thousand"),
            ("1234.56", "$1,234.56", "one separator"),
            ("1234567.8", "$1,234,567.80", "two separators"),
            ("123456.789", "$123,456.789", "more decimals are kept"),
            ("-1234.5", "-$1,234.50", "negative"),
            ("12a", "12a", "not a decimal"),
            ("", "", "empty"),
        ];
        for (input, expected, why) in cases {
            assert_eq!(money(input), expected, "{why}");
        }
    }

    #[test]
    fn dates_are_written_in_spanish_in_the_shops_time_zone() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T03:30:00Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(date(&ES_MX, at, 0), "2 de diciembre de 2026", "UTC");
        assert_eq!(
            date(&ES_MX, at, -6 * 3600),
            "1 de diciembre de 2026",
            "Mexico City is still on the day before"
        );
        assert_eq!(
            date_time(&ES_MX, at, -6 * 3600),
            "1 de diciembre de 2026, 21:30"
        );
        let january = DateTime::parse_from_rfc3339("2027-01-15T12:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(date(&ES_MX, january, 0), "15 de enero de 2027");
        let first = NaiveDate::from_ymd_opt(2027, 1, 1).expect("day");
        assert_eq!(day(&ES_MX, first), "1 de enero de 2027");
    }
}
