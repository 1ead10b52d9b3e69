//! Product images, apart from the shop's tables: what an upload really is (read from its
//! bytes), the renditions the storefront serves and the object store that keeps originals
//! and renditions under content-addressed keys.

pub mod inspect;
pub mod render;
pub mod store;

pub use inspect::{inspect, ImageFormat, Inspected, UploadLimits};
pub use render::{render, Rendered, Rendition, RenditionFormat, RENDITION_WIDTHS};
pub use store::{MediaSettings, MediaStore};
