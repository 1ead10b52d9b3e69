"""The baseline of bench/images.sh: the same renditions with Pillow, the library Python shops
(Saleor among them) render thumbnails with. For each image named on the command line: apply the
EXIF orientation, then 160, 480 and 1200 px wide (Lanczos) as WebP (quality 80) and JPEG
(quality 82), plus a 16 px blurred JPEG placeholder, all in memory, as the Rust renderer does."""
import io
import sys

from PIL import Image, ImageFilter, ImageOps

WIDTHS = (160, 480, 1200)


def encoded(picture, fmt, quality):
    out = io.BytesIO()
    picture.save(out, fmt, quality=quality)
    return out.getvalue()


for path in sys.argv[1:]:
    with Image.open(path) as original:
        picture = ImageOps.exif_transpose(original).convert("RGB")
    made = 0
    for width in (w for w in WIDTHS if w < picture.width):
        resized = picture.resize((width, round(picture.height * width / picture.width)), Image.LANCZOS)
        encoded(resized, "WEBP", 80)
        encoded(resized, "JPEG", 82)
        made += 2
    tiny = picture.resize((16, max(1, round(picture.height * 16 / picture.width))), Image.BILINEAR)
    encoded(tiny.filter(ImageFilter.GaussianBlur(1)), "JPEG", 60)
    print(f"{path}: {made} renditions")
