//! Checks an upload before anything is stored: its type from its bytes (never its name),
//! its size, its pixel count from the header (a decompression bomb declares billions of
//! pixels in a few bytes) and that the file is complete (JPEG end marker, PNG `IEND`, WebP
//! RIFF length). Every refusal is a 422 naming the `file` field.

use shopfleet_domain::DomainError;
use std::io::Cursor;

/// The image types the shop accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
    WebP,
}

impl ImageFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::WebP => "image/webp",
        }
    }
}

/// How large an upload may be.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_bytes: usize,
    pub max_pixels: u64,
}

/// What an accepted upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspected {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

const FIELD: &str = "file";

fn refuse(message: impl Into<String>) -> DomainError {
    DomainError::invalid(FIELD, message)
}

pub fn inspect(bytes: &[u8], limits: UploadLimits) -> Result<Inspected, DomainError> {
    if bytes.is_empty() {
        return Err(refuse("is empty"));
    }
    if bytes.len() > limits.max_bytes {
        return Err(refuse(format!("is larger than {} bytes", limits.max_bytes)));
    }
    let format = match image::guess_format(bytes) {
        Ok(image::ImageFormat::Jpeg) => ImageFormat::Jpeg,
        Ok(image::ImageFormat::Png) => ImageFormat::Png,
        Ok(image::ImageFormat::WebP) => ImageFormat::WebP,
        _ => return Err(refuse("is not a JPEG, PNG or WebP image")),
    };
    if !complete(format, bytes) {
        return Err(refuse("is truncated: the image ends before its data does"));
    }
    let reader = image::ImageReader::with_format(Cursor::new(bytes), to_image_format(format));
    let (width, height) =
        reader.into_dimensions().map_err(|_| refuse("is not a readable image (its header is damaged)"))?;
    if width == 0 || height == 0 {
        return Err(refuse("has no pixels"));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(refuse(format!(
            "has {width}×{height} pixels, more than the {} allowed",
            limits.max_pixels
        )));
    }
    Ok(Inspected { format, width, height })
}

pub(crate) fn to_image_format(format: ImageFormat) -> image::ImageFormat {
    match format {
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::WebP => image::ImageFormat::WebP,
    }
}

/// Whether the container ends where it says it does.
fn complete(format: ImageFormat, bytes: &[u8]) -> bool {
    match format {
        // The end-of-image marker, possibly followed by padding some cameras add.
        ImageFormat::Jpeg => {
            let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            end >= 4 && bytes[end - 2..end] == [0xFF, 0xD9]
        }
        // The last chunk is IEND: length 0, type, CRC.
        ImageFormat::Png => bytes.len() >= 12 && &bytes[bytes.len() - 8..bytes.len() - 4] == b"IEND",
        // RIFF size counts every byte after the first 8.
        ImageFormat::WebP => {
            bytes.len() >= 12
                && u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize + 8 <= bytes.len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};

    const LIMITS: UploadLimits = UploadLimits { max_bytes: 1 << 20, max_pixels: 1_000_000 };

    pub(crate) fn encoded(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
        let picture = ImageBuffer::from_fn(width, height, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(picture).write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn message(result: Result<Inspected, DomainError>) -> String {
        match result {
            Err(DomainError::Invalid { field, message }) => {
                assert_eq!(field, "file");
                message
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_jpeg_png_and_webp_by_their_bytes() {
        for (format, expected) in [
            (image::ImageFormat::Jpeg, ImageFormat::Jpeg),
            (image::ImageFormat::Png, ImageFormat::Png),
            (image::ImageFormat::WebP, ImageFormat::WebP),
        ] {
            let inspected = inspect(&encoded(format, 40, 30), LIMITS).unwrap();
            assert_eq!(inspected, Inspected { format: expected, width: 40, height: 30 });
        }
    }

    #[test]
    fn refuses_other_types_truncation_bombs_and_size() {
        assert!(message(inspect(b"GIF89a\x01\x00\x01\x00", LIMITS)).contains("not a JPEG, PNG or WebP"));
        assert!(message(inspect(b"<svg xmlns='http://www.w3.org/2000/svg'/>", LIMITS)).contains("not a JPEG"));
        assert!(message(inspect(&[], LIMITS)).contains("empty"));
        for format in [image::ImageFormat::Jpeg, image::ImageFormat::Png, image::ImageFormat::WebP] {
            let whole = encoded(format, 64, 64);
            let cut = &whole[..whole.len() * 2 / 3];
            assert!(message(inspect(cut, LIMITS)).contains("truncated"), "{format:?}");
        }
        // A PNG whose header declares 100 000 × 100 000 pixels.
        let mut bomb = encoded(image::ImageFormat::Png, 8, 8);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let said = message(inspect(&bomb, LIMITS));
        assert!(said.contains("100000×100000 pixels, more than"), "{said}");
        let big = encoded(image::ImageFormat::Png, 2000, 1000);
        assert!(message(inspect(&big, UploadLimits { max_bytes: 1 << 24, max_pixels: 1_000_000 }))
            .contains("more than"));
        assert!(message(inspect(&big, UploadLimits { max_bytes: 100, max_pixels: u64::MAX }))
            .contains("larger than"));
    }
}
