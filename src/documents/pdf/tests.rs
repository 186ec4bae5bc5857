//! Rendering checks: formats, encoding, wrapping, logos and page breaks.

use super::text::{win_ansi, wrap, BODY};
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

/// Reads a logo as uploads are read (any size up to the decode limit).
fn prepared(format: LogoFormat, bytes: &[u8]) -> Result<PdfImage, PdfError> {
    prepare_logo(&Logo { format, bytes }, PixelLimit::DECODE)
}

fn doc(lines: usize, logo: Option<&PdfImage>) -> QuoteDocument<'_> {
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
    let logo = prepared(LogoFormat::Png, &png).expect("readable logo");
    assert_eq!(logo.size(), (40, 20));
    let quote = doc(3, Some(&logo));
    let pdf = render(&quote);
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
    assert_eq!(render(&quote), pdf, "deterministic");
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
        let logo = prepared(LogoFormat::Png, &bytes).expect(why);
        let pdf = render(&doc(1, Some(&logo)));
        assert_eq!(contains(&pdf, b"/SMask"), masked, "{why}");
    }
}

#[test]
fn reads_jpeg_dimensions_from_the_frame_header_and_embeds_it_as_dct() {
    let jpeg = jpeg_header();
    let logo = prepared(LogoFormat::Jpeg, &jpeg).expect("readable logo");
    assert_eq!(logo.size(), (320, 200));
    let pdf = render(&doc(1, Some(&logo)));
    assert!(contains(&pdf, b"/DCTDecode") && contains(&pdf, b"/DeviceRGB"));
}

#[test]
fn long_quotes_continue_on_more_pages() {
    let mut quote = doc(120, None);
    quote.draft = true;
    let pdf = render(&quote);
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
        assert!(
            matches!(
                prepared(format, bytes),
                Err(PdfError::Logo(_) | PdfError::TooLarge { .. })
            ),
            "{why}"
        );
    }
}

#[test]
fn the_pixel_limit_is_checked_from_the_header_and_named_in_the_error() {
    let limit = PixelLimit {
        width: 30,
        height: 10,
    };
    let logo = |bytes| Logo {
        format: LogoFormat::Png,
        bytes,
    };
    let wide = png_logo(31, 10);
    let err = prepare_logo(&logo(&wide), limit).expect_err("too wide");
    assert!(err.to_string().contains("31×10 px"), "{err}");
    assert!(err.to_string().contains("30×10 px"), "{err}");
    let tall = png_logo(30, 11);
    assert!(prepare_logo(&logo(&tall), limit).is_err(), "too tall");
    let fits = png_logo(30, 10);
    assert_eq!(
        prepare_logo(&logo(&fits), limit).expect("fits").size(),
        (30, 10)
    );
    let jpeg = jpeg_header();
    let jpeg = Logo {
        format: LogoFormat::Jpeg,
        bytes: &jpeg,
    };
    let err = prepare_logo(&jpeg, limit).expect_err("JPEG too large");
    assert!(err.to_string().contains("320×200 px"), "{err}");
}
