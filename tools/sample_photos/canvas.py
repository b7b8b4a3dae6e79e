"""2-D painting at render scale: gradient fills, feathered shapes, masks, fonts and seeded noise."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from .geometry import Colour, Pt, Stop, clamp, lerp

OUT_W, OUT_H = 1920, 1440
#: Everything is drawn at twice the output size and averaged down, for anti-aliased edges.
SS = 2
W, H = OUT_W * SS, OUT_H * SS


@dataclass(frozen=True)
class Linear:
    """A colour ramp from p0 to p1 (canvas pixels); stops may carry alpha as a fourth channel."""

    p0: Pt
    p1: Pt
    stops: tuple[Stop, ...]


@dataclass(frozen=True)
class Radial:
    """An elliptical colour ramp from the centre (t=0) to the given radii (t=1)."""

    centre: Pt
    radii: Pt
    stops: tuple[Stop, ...]


Fill = Colour | Linear | Radial

# A tall ramp, so an affine look-up far past either end of a gradient still lands on 0 or 255.
_RAMP_PAD = 255 * 400
_RAMP = Image.new("L", (1, 2 * _RAMP_PAD + 256))
_RAMP.putdata([clamp(i - _RAMP_PAD, 0, 255) for i in range(2 * _RAMP_PAD + 256)])
_RADIAL = Image.radial_gradient("L")


def _luts(stops: Sequence[Stop]) -> list[list[int]]:
    """Per-channel 256-entry tables interpolating the stops (RGB plus alpha, opaque if absent)."""
    full = [(t, tuple(c) + (255,) * (4 - len(c))) for t, c in stops]
    tables: list[list[int]] = [[], [], [], []]
    for i in range(256):
        t = i / 255
        j = 0
        while j < len(full) - 2 and t > full[j + 1][0]:
            j += 1
        (t0, c0), (t1, c1) = full[j], full[j + 1]
        u = clamp((t - t0) / (t1 - t0)) if t1 > t0 else 0.0
        for ch in range(4):
            tables[ch].append(round(lerp(c0[ch], c1[ch], u)))
    return tables


def fill_image(fill: Fill, x0: int, y0: int, size: tuple[int, int]) -> tuple[Image.Image, Image.Image | None]:
    """The fill's colours over the rectangle at (x0, y0), and its own alpha if its stops carry one."""
    if not isinstance(fill, (Linear, Radial)):
        return Image.new("RGB", size, fill[:3]), None
    if isinstance(fill, Linear):
        (ax, ay), (bx, by) = fill.p0, fill.p1
        dx, dy = bx - ax, by - ay
        k = 255 / ((dx * dx + dy * dy) or 1.0)
        if dx == 0 or dy == 0:
            # Axis-aligned ramps (most of them) are one computed row or column, stretched: much faster.
            vertical = dx == 0
            n = size[1] if vertical else size[0]
            o, a, d = (y0, ay, dy) if vertical else (x0, ax, dx)
            strip = Image.new("L", (1, n) if vertical else (n, 1))
            strip.putdata([round(clamp((o + i + 0.5 - a) * d * k, 0, 255)) for i in range(n)])
            grey = strip.resize(size, Image.Resampling.NEAREST)
        else:
            coeffs: tuple[float, ...] = (0, 0, 0.5, dx * k, dy * k, ((x0 - ax) * dx + (y0 - ay) * dy) * k + _RAMP_PAD)
            grey = _RAMP.transform(size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR)
    else:
        (cx, cy), (rx, ry) = fill.centre, fill.radii
        coeffs = (128 / rx, 0, (x0 - cx) * 128 / rx + 128, 0, 128 / ry, (y0 - cy) * 128 / ry + 128)
        grey = _RADIAL.transform(size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR, fillcolor=255)
    red, green, blue, opacity = _luts(fill.stops)
    colour = Image.merge("RGB", (grey.point(red), grey.point(green), grey.point(blue)))
    alpha = grey.point(opacity) if any(len(c) == 4 for _, c in fill.stops) else None
    return colour, alpha


def ramp(size: tuple[int, int], p0: Pt, p1: Pt) -> Image.Image:
    """A greyscale mask rising from 0 at p0 to 255 at p1."""
    grey, _ = fill_image(Linear(p0, p1, ((0.0, (0, 0, 0)), (1.0, (255, 255, 255)))), 0, 0, size)
    return grey.convert("L")


class Canvas:
    """An RGB picture at render scale with painting helpers: gradients, feathering, opacity, clipping."""

    def __init__(self, base: Colour | Image.Image = (0, 0, 0), size: tuple[int, int] = (W, H)) -> None:
        self.img = base.copy() if isinstance(base, Image.Image) else Image.new("RGB", size, base)
        self.w, self.h = self.img.size

    def paint(
        self,
        draw: Callable[[ImageDraw.ImageDraw, int, int], None],
        bbox: Sequence[float],
        fill: Fill,
        alpha: float = 1.0,
        blur: float = 0.0,
        clip: Image.Image | None = None,
    ) -> None:
        """Fill the shape that `draw` puts on a mask (given its offset) with `fill`."""
        pad = math.ceil(blur * 3) + 2
        x0, y0 = max(0, math.floor(bbox[0]) - pad), max(0, math.floor(bbox[1]) - pad)
        x1, y1 = min(self.w, math.ceil(bbox[2]) + pad), min(self.h, math.ceil(bbox[3]) + pad)
        if x1 <= x0 or y1 <= y0:
            return
        size = (x1 - x0, y1 - y0)
        mask = Image.new("L", size, 0)
        draw(ImageDraw.Draw(mask), x0, y0)
        if blur > 0:
            mask = mask.filter(ImageFilter.GaussianBlur(blur))
        colour, fill_alpha = fill_image(fill, x0, y0, size)
        if fill_alpha is not None:
            mask = ImageChops.multiply(mask, fill_alpha)
        if alpha < 1:
            mask = mask.point([round(v * alpha) for v in range(256)])
        if clip is not None:
            mask = ImageChops.multiply(mask, clip.crop((x0, y0, x1, y1)))
        self.img.paste(colour, (x0, y0), mask)

    def fill(self, fill: Fill) -> None:
        """Cover the whole picture (through the fill's own alpha, if it has one)."""
        colour, alpha = fill_image(fill, 0, 0, (self.w, self.h))
        self.img.paste(colour, (0, 0), alpha)

    def polygon(
        self, pts: Sequence[Pt], fill: Fill, alpha: float = 1.0, blur: float = 0.0, clip: Image.Image | None = None
    ) -> None:
        if len(pts) < 3:
            return
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]

        def draw(d: ImageDraw.ImageDraw, ox: int, oy: int) -> None:
            d.polygon([(x - ox, y - oy) for x, y in pts], fill=255)

        self.paint(draw, (min(xs), min(ys), max(xs), max(ys)), fill, alpha, blur, clip)

    def ellipse(
        self,
        c: Pt,
        rx: float,
        ry: float,
        fill: Fill,
        alpha: float = 1.0,
        blur: float = 0.0,
        clip: Image.Image | None = None,
    ) -> None:
        def draw(d: ImageDraw.ImageDraw, ox: int, oy: int) -> None:
            d.ellipse((c[0] - rx - ox, c[1] - ry - oy, c[0] + rx - ox, c[1] + ry - oy), fill=255)

        self.paint(draw, (c[0] - rx, c[1] - ry, c[0] + rx, c[1] + ry), fill, alpha, blur, clip)

    def line(
        self,
        pts: Sequence[Pt],
        width: float,
        fill: Fill,
        alpha: float = 1.0,
        blur: float = 0.0,
        clip: Image.Image | None = None,
    ) -> None:
        if len(pts) < 2:
            return
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]

        def draw(d: ImageDraw.ImageDraw, ox: int, oy: int) -> None:
            d.line([(x - ox, y - oy) for x, y in pts], fill=255, width=max(1, round(width)), joint="curve")

        box = (min(xs) - width, min(ys) - width, max(xs) + width, max(ys) + width)
        self.paint(draw, box, fill, alpha, blur, clip)

    def text(
        self,
        xy: Pt,
        s: str,
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
        fill: Fill,
        anchor: str = "la",
        alpha: float = 1.0,
        blur: float = 0.0,
    ) -> None:
        box = ImageDraw.Draw(self.img).textbbox(xy, s, font=font, anchor=anchor)

        def draw(d: ImageDraw.ImageDraw, ox: int, oy: int) -> None:
            d.text((xy[0] - ox, xy[1] - oy), s, font=font, fill=255, anchor=anchor)

        self.paint(draw, box, fill, alpha, blur)


def polygon_mask(pts: Sequence[Pt], size: tuple[int, int] = (W, H)) -> Image.Image:
    mask = Image.new("L", size, 0)
    if len(pts) >= 3:
        ImageDraw.Draw(mask).polygon(list(pts), fill=255)
    return mask


@cache
def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(name, size)
    except OSError:
        return ImageFont.load_default(size=size)


def arc(c: Pt, rx: float, ry: float, a0: float, a1: float, n: int = 48) -> list[Pt]:
    """Points on an ellipse from angle a0 to a1 (radians, y axis pointing down the picture)."""
    return [
        (c[0] + rx * math.cos(a0 + (a1 - a0) * i / n), c[1] + ry * math.sin(a0 + (a1 - a0) * i / n))
        for i in range(n + 1)
    ]


def noise(size: tuple[int, int], seed: int, blur: float = 0.0) -> Image.Image:
    """Uniform grey noise from a seeded generator (Pillow's own noise is not reproducible)."""
    img = Image.frombytes("L", size, random.Random(seed).randbytes(size[0] * size[1]))
    return img.filter(ImageFilter.GaussianBlur(blur)) if blur else img
