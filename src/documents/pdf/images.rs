//! Logos: PNGs decoded to 8-bit samples (with a soft mask for transparency), JPEGs
//! passed through after reading their frame header; both embedded as image XObjects.
//!
//! Decoding is the expensive part (a 2000 × 2000 RGBA PNG is 16 MB of samples), so it
//! happens once: [`prepare_logo`] yields a [`PdfImage`], compressed and ready to
//! embed, which callers keep and hand to every render.

use std::io::Cursor;

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::{Filter, Finish, Pdf, Ref};

use super::{Logo, LogoFormat, PdfError};

/// Widest and tallest logo ever decoded, in pixels, whatever the upload limit (logos
/// stored before it was lowered are still printed).
pub const DECODE_LIMIT_PX: u32 = 4000;

/// The largest logo to accept, in pixels: (width, height).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelLimit {
    pub width: u32,
    pub height: u32,
}

impl PixelLimit {
    /// What any stored logo may measure.
    pub const DECODE: Self = Self {
        width: DECODE_LIMIT_PX,
        height: DECODE_LIMIT_PX,
    };
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

/// A logo decoded once and ready to embed as an image XObject (samples compressed).
#[derive(Debug)]
pub struct PdfImage {
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

impl PdfImage {
    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Bytes held, for cache weights.
    pub fn weight(&self) -> usize {
        self.data.len() + self.alpha.as_ref().map_or(0, Vec::len)
    }
}

/// Refuses empty images and images over the limit, before any sample is decoded.
fn check_size(width: u32, height: u32, limit: PixelLimit) -> Result<(), PdfError> {
    if width == 0 || height == 0 {
        return Err(bad("the image has no pixels"));
    }
    let limit = PixelLimit {
        width: limit.width.min(DECODE_LIMIT_PX),
        height: limit.height.min(DECODE_LIMIT_PX),
    };
    if width > limit.width || height > limit.height {
        return Err(PdfError::TooLarge {
            width,
            height,
            limit,
        });
    }
    Ok(())
}

/// Reads a logo into its embeddable form, refusing it when it measures more than
/// `limit` (checked from the header, before decoding). PNGs are fully decoded; of
/// a JPEG only the markers up to the frame header are read.
pub fn prepare_logo(logo: &Logo<'_>, limit: PixelLimit) -> Result<PdfImage, PdfError> {
    if logo.format == LogoFormat::Png {
        return decode_png(logo.bytes, limit);
    }
    let (width, height, components, adobe) = jpeg_frame(logo.bytes, limit)?;
    let colour = match components {
        1 => Colour::Gray,
        3 => Colour::Rgb,
        4 => Colour::Cmyk { inverted: adobe },
        n => return Err(bad(format!("JPEG with {n} colour components"))),
    };
    let (filter, data, alpha) = (Filter::DctDecode, logo.bytes.to_vec(), None);
    Ok(PdfImage {
        width,
        height,
        filter,
        colour,
        data,
        alpha,
    })
}

/// Decodes any PNG to 8-bit gray or RGB samples plus an optional alpha channel.
fn decode_png(bytes: &[u8], limit: PixelLimit) -> Result<PdfImage, PdfError> {
    use png::ColorType as Png;
    let png_error = |e: png::DecodingError| bad(format!("PNG: {e}"));
    let limits = png::Limits { bytes: 80 << 20 };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let header = decoder.read_header_info().map_err(png_error)?;
    check_size(header.width, header.height, limit)?;
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
    Ok(PdfImage {
        width,
        height,
        filter,
        colour,
        data,
        alpha,
    })
}

/// Reads JPEG markers up to the frame header: (width, height, components, Adobe APP14 seen).
fn jpeg_frame(bytes: &[u8], limit: PixelLimit) -> Result<(u32, u32, u8, bool), PdfError> {
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
                check_size(width, height, limit)?;
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

pub(super) fn write_image(pdf: &mut Pdf, img: &PdfImage, id: Ref, mask_id: Ref) {
    // Both sides were checked against DECODE_LIMIT_PX, so they fit in i32.
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
