//! Renders each image file named on the command line exactly as the worker's `images`
//! handler does (checked from its bytes, then every rendition and the placeholder), and
//! prints how many renditions each gave. `bench/images.sh` times it.

use shopfleet_media::{inspect, render, UploadLimits};

fn main() -> anyhow::Result<()> {
    let limits = UploadLimits { max_bytes: usize::MAX, max_pixels: u64::MAX };
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let accepted = inspect(&bytes, limits)?;
        let rendered = render(&bytes, accepted.format)?;
        println!(
            "{path}: {} renditions, placeholder of {} bytes",
            rendered.renditions.len(),
            rendered.placeholder.len()
        );
    }
    Ok(())
}
