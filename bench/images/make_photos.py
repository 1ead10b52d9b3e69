"""Writes N distinct 12-megapixel (4000 x 3000) JPEG photos for bench/images.sh: smooth colour
fields with fine noise and hard edges, so they compress like camera pictures (a few MB each),
not like flat test cards. Usage: make_photos.py <dir> <n>"""
import os
import random
import sys

from PIL import Image, ImageDraw, ImageFilter

out_dir, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out_dir, exist_ok=True)
for n in range(count):
    rng = random.Random(n)
    small = Image.new("RGB", (400, 300))
    draw = ImageDraw.Draw(small)
    for _ in range(60):
        x, y = rng.randrange(400), rng.randrange(300)
        r = rng.randrange(10, 120)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    picture = small.resize((4000, 3000), Image.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise((4000, 3000), 24).convert("RGB")
    picture = Image.blend(picture, noise, 0.12)
    picture.save(os.path.join(out_dir, f"photo-{n}.jpg"), "JPEG", quality=90)
