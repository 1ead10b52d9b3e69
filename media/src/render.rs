//! Renditions of an accepted original: decoded with its EXIF orientation applied, resized to
//! each width the storefront uses (never enlarged), encoded as lossy WebP and as a JPEG
//! fallback, plus a tiny blurred placeholder as a data URI. Re-encoding drops every
//! metadata block of the original (EXIF, GPS, ICC comments).

use crate::inspect::{to_image_format, ImageFormat};
use base64::{engine::general_purpose::STANDARD, Engine};
use image::{imageops::FilterType, DynamicImage, ImageDecoder, ImageReader};
use std::io::Cursor;

/// The widths rendered (thumbnails, listing cards, product pages); narrower originals get
/// one rendition at their own width instead of the wider ones.
pub const RENDITION_WIDTHS: [u32; 3] = [160, 480, 1200];
const WEBP_QUALITY: f32 = 80.0;
const JPEG_QUALITY: u8 = 82;
const PLACEHOLDER_WIDTH: u32 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RenditionFormat {
    Webp,
    Jpeg,
}

impl RenditionFormat {
    pub fn extension(self) -> &'static str {
        match self {
            RenditionFormat::Webp => "webp",
            RenditionFormat::Jpeg => "jpg",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            RenditionFormat::Webp => "image/webp",
            RenditionFormat::Jpeg => "image/jpeg",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rendition {
    pub width: u32,
    pub height: u32,
    pub format: RenditionFormat,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Rendered {
    /// The upright size of the original.
    pub width: u32,
    pub height: u32,
    pub renditions: Vec<Rendition>,
    /// `data:image/jpeg;base64,…` of a 16-pixel-wide blurred version.
    pub placeholder: String,
}

/// Why an original could not be rendered (kept on the image as its failure reason).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(String);

/// Renders `original` (already accepted by [`crate::inspect`]); CPU-bound, run it on a
/// blocking thread.
pub fn render(original: &[u8], format: ImageFormat) -> Result<Rendered, RenderError> {
    let mut decoder = ImageReader::with_format(Cursor::new(original), to_image_format(format))
        .into_decoder()
        .map_err(|e| RenderError(format!("cannot read the image: {e}")))?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder)
        .map_err(|e| RenderError(format!("cannot decode the image: {e}")))?;
    picture.apply_orientation(orientation);
    let picture = DynamicImage::ImageRgb8(picture.to_rgb8());
    let (width, height) = (picture.width(), picture.height());

    let mut widths: Vec<u32> = RENDITION_WIDTHS.iter().copied().filter(|w| *w < width).collect();
    if widths.len() < RENDITION_WIDTHS.len() {
        widths.push(width);
    }
    // Widest first, each resized from the one before: only the widest reads the whole
    // original, which is most of the work for a camera picture.
    let mut sized: Vec<DynamicImage> = Vec::with_capacity(widths.len());
    for &target in widths.iter().rev() {
        let source = sized.last().unwrap_or(&picture);
        let resized = if target == source.width() {
            source.clone()
        } else {
            source.resize(target, u32::MAX, FilterType::Lanczos3)
        };
        sized.push(resized);
    }
    let mut renditions = Vec::with_capacity(2 * sized.len());
    for resized in sized.iter().rev() {
        let (w, h) = (resized.width(), resized.height());
        renditions.push(Rendition {
            width: w,
            height: h,
            format: RenditionFormat::Webp,
            bytes: webp(resized)?,
        });
        renditions.push(Rendition {
            width: w,
            height: h,
            format: RenditionFormat::Jpeg,
            bytes: jpeg(resized, JPEG_QUALITY)?,
        });
    }
    let smallest = sized.last().unwrap_or(&picture);
    let tiny = smallest.resize(PLACEHOLDER_WIDTH, u32::MAX, FilterType::Triangle).blur(1.0);
    let placeholder = format!("data:image/jpeg;base64,{}", STANDARD.encode(jpeg(&tiny, 60)?));
    Ok(Rendered { width, height, renditions, placeholder })
}

fn webp(picture: &DynamicImage) -> Result<Vec<u8>, RenderError> {
    let rgb = picture.to_rgb8();
    let encoder = webp::Encoder::from_rgb(rgb.as_raw(), rgb.width(), rgb.height());
    Ok(encoder.encode(WEBP_QUALITY).to_vec())
}

fn jpeg(picture: &DynamicImage, quality: u8) -> Result<Vec<u8>, RenderError> {
    let mut out = Cursor::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    picture
        .to_rgb8()
        .write_with_encoder(encoder)
        .map_err(|e| RenderError(format!("cannot encode JPEG: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};

    fn jpeg_of(width: u32, height: u32) -> Vec<u8> {
        let picture = ImageBuffer::from_fn(width, height, |x, _| Rgb([(x % 256) as u8, 40, 200]));
        jpeg(&DynamicImage::ImageRgb8(picture), 90).unwrap()
    }

    /// A JPEG with an APP1 EXIF block carrying `orientation` and a GPS-looking marker string.
    fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
        tiff.extend_from_slice(&1u16.to_be_bytes()); // one IFD entry
        tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_be_bytes());
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        tiff.extend_from_slice(b"GPSLatitude 52.52N");
        let mut app1 = b"Exif\x00\x00".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn renders_each_width_in_webp_and_jpeg_without_enlarging() {
        let rendered = render(&jpeg_of(800, 400), ImageFormat::Jpeg).unwrap();
        let sizes: Vec<(u32, u32, RenditionFormat)> =
            rendered.renditions.iter().map(|r| (r.width, r.height, r.format)).collect();
        assert_eq!(
            sizes,
            [
                (160, 80, RenditionFormat::Webp),
                (160, 80, RenditionFormat::Jpeg),
                (480, 240, RenditionFormat::Webp),
                (480, 240, RenditionFormat::Jpeg),
                (800, 400, RenditionFormat::Webp),
                (800, 400, RenditionFormat::Jpeg),
            ]
        );
        for r in &rendered.renditions {
            let format = image::guess_format(&r.bytes).unwrap();
            assert_eq!(
                format,
                if r.format == RenditionFormat::Webp {
                    image::ImageFormat::WebP
                } else {
                    image::ImageFormat::Jpeg
                }
            );
        }
        assert!(rendered.placeholder.starts_with("data:image/jpeg;base64,"));
        assert!(rendered.placeholder.len() < 2000, "the placeholder stays tiny");
    }

    #[test]
    fn applies_the_exif_orientation_and_drops_the_metadata() {
        let original = with_exif(&jpeg_of(300, 100), 6); // rotate 90° clockwise to view
        assert!(original.windows(11).any(|w| w == b"GPSLatitude"));
        let rendered = render(&original, ImageFormat::Jpeg).unwrap();
        assert_eq!((rendered.width, rendered.height), (100, 300), "upright");
        for r in &rendered.renditions {
            assert!(!r.bytes.windows(4).any(|w| w == b"Exif"), "no EXIF in a rendition");
            assert!(!r.bytes.windows(11).any(|w| w == b"GPSLatitude"));
        }
    }

    #[test]
    fn a_corrupt_body_fails_with_a_reason() {
        // Header and end intact (it passes inspection), one byte of the pixel data flipped.
        let mut out = Cursor::new(Vec::new());
        let picture = ImageBuffer::from_fn(64, 64, |x, y| Rgb([(x * 4) as u8, (y * 4) as u8, 7]));
        DynamicImage::ImageRgb8(picture).write_to(&mut out, image::ImageFormat::Png).unwrap();
        let mut broken = out.into_inner();
        let data = broken.windows(4).position(|w| w == b"IDAT").unwrap() + 10;
        broken[data] ^= 0xFF;
        let limits = crate::UploadLimits { max_bytes: 1 << 20, max_pixels: 1 << 20 };
        assert!(crate::inspect(&broken, limits).is_ok());
        let reason = render(&broken, ImageFormat::Png).err().map(|e| e.to_string());
        assert!(reason.as_deref().is_some_and(|r| r.starts_with("cannot decode")), "{reason:?}");
    }
}
