//! Logos: PNGs decoded to 8-bit samples (with a soft mask for transparency), JPEGs
//! passed through after reading their frame header; both embedded as image XObjects.

use std::io::Cursor;

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::{Filter, Finish, Pdf, Ref};

use super::{Logo, LogoFormat, PdfError};

/// Widest and tallest logo accepted, in pixels.
const MAX_LOGO_PX: u32 = 4000;

/// Checks a logo upload without rendering: Ok((width_px, height_px)) or `PdfError::Logo`.
///
/// PNGs are fully decoded; of a JPEG only the markers up to the frame header are read.
pub fn inspect_logo(logo: &Logo<'_>) -> Result<(u32, u32), PdfError> {
    prepare_logo(logo).map(|image| (image.width, image.height))
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Colour {
    Gray,
    Rgb,
    /// Adobe-style CMYK JPEGs store inverted samples.
    Cmyk {
        inverted: bool,
    },
}

/// A logo ready to embed as an image XObject.
pub(super) struct Image {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) filter: Filter,
    pub(super) colour: Colour,
    pub(super) data: Vec<u8>,
    /// Flate-compressed 8-bit alpha, when the image has any transparency.
    pub(super) alpha: Option<Vec<u8>>,
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

pub(super) fn prepare_logo(logo: &Logo<'_>) -> Result<Image, PdfError> {
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

pub(super) fn write_image(pdf: &mut Pdf, img: &Image, id: Ref, mask_id: Ref) {
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
