"""Finishing each picture as a phone photo and encoding the capture steps as JPEG files."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache

from PIL import Image, ImageChops

from .canvas import OUT_H, OUT_W, SS, noise
from .closeups import render_cluster, render_vin
from .exteriors import EXTERIORS, render_exterior
from .interior import render_interior

JPEG_QUALITY = 82
PREFIX = "UDB-512D3TASIY_"


@cache
def vignette() -> Image.Image:
    """A multiplier darkening the corners the way a phone lens does."""
    falloff = Image.radial_gradient("L").resize((OUT_W, OUT_H), Image.Resampling.BILINEAR)
    return Image.merge("RGB", (falloff.point(lambda v: round(255 - 60 * (v / 255) ** 2.2)),) * 3)


def finish(img: Image.Image, seed: int) -> Image.Image:
    """Reduce to output size and add what a phone photo has: slight warmth, vignette and sensor grain."""
    out = img.reduce(SS)  # a box filter is exactly right for averaging the supersamples
    out = Image.merge(
        "RGB",
        [ch.point(lambda v, g=g: min(255, round(v * g))) for ch, g in zip(out.split(), (1.02, 1.0, 0.97), strict=True)],
    )
    out = ImageChops.multiply(out, vignette())
    grain = noise((OUT_W, OUT_H), seed, 0.7).point(lambda v: round(128 + (v - 128) * 0.07))
    return ImageChops.add(out, Image.merge("RGB", (grain,) * 3), 1.0, -128)


CLOSE_UPS: dict[str, Callable[[], Image.Image]] = {
    "01_V1N": render_vin,
    "02_INT": render_interior,
    "03_CLU": render_cluster,
}
ORDER = (
    "01_V1N",
    "02_INT",
    "03_CLU",
    "04_TVL",
    "10_FLF",
    "05_IC5",
    "11_FRT",
    "07_R0Q",
    "12_RRT",
    "08_U9T",
    "13_RLF",
    "09_WSH",
    "06_TIR",
)


def make_photo(job: tuple[str, bool]) -> tuple[str, bytes]:
    """Render one capture step to finished JPEG bytes."""
    key, check = job
    picture = CLOSE_UPS[key]() if key in CLOSE_UPS else render_exterior(EXTERIORS[key], check)
    out = io.BytesIO()
    finish(picture, ORDER.index(key) + 101).save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return f"{PREFIX}{key}.jpg", out.getvalue()
