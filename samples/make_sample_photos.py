"""Draw the sample session's stand-in inspection photos of a dark-blue 2009 BMW 3 Series sedan."""

from __future__ import annotations

import argparse
import bisect
import io
import math
import random
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

OUT_W, OUT_H = 1920, 1440
#: Everything is drawn at twice the output size and averaged down, for anti-aliased edges.
SS = 2
W, H = OUT_W * SS, OUT_H * SS
JPEG_QUALITY = 82
IMAGES_DIR = Path(__file__).resolve().parent / "sample-session" / "images"
CHECK_DIR = Path("/tmp/sample-check")
PREFIX = "UDB-512D3TASIY_"

Vec = tuple[float, float, float]
Pt = tuple[float, float]
Colour = tuple[int, ...]
Stop = tuple[float, Colour]


# ----------------------------------------------------------------------------- small maths


def add(a: Vec, b: Vec) -> Vec:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def scale(a: Vec, k: float) -> Vec:
    return (a[0] * k, a[1] * k, a[2] * k)


def dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def unit(a: Vec) -> Vec:
    n = math.sqrt(dot(a, a)) or 1.0
    return (a[0] / n, a[1] / n, a[2] / n)


def clamp(v: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo if v < lo else hi if v > hi else v


def lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


def lerp3(a: Sequence[float], b: Sequence[float], t: float) -> tuple[float, float, float]:
    return (lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t))


def mix(a: Sequence[float], b: Sequence[float], t: float) -> Colour:
    return tuple(round(lerp(x, y, t)) for x, y in zip(a, b))


def smooth(t: float) -> float:
    t = clamp(t)
    return t * t * (3 - 2 * t)


def mat_mul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def mat_inv(m: list[list[float]]) -> list[list[float]]:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    adj = [
        [e * i - f * h, c * h - b * i, b * f - c * e],
        [f * g - d * i, a * i - c * g, c * d - a * f],
        [d * h - e * g, b * g - a * h, a * e - b * d],
    ]
    return [[v / det for v in row] for row in adj]


class Curve:
    """Monotone cubic (Fritsch-Carlson) through knots, so profiles never overshoot between them."""

    def __init__(self, knots: Sequence[Pt]) -> None:
        self.xs = [k[0] for k in knots]
        self.ys = [k[1] for k in knots]
        n = len(knots)
        d = [(self.ys[i + 1] - self.ys[i]) / (self.xs[i + 1] - self.xs[i]) for i in range(n - 1)]
        m = [d[0]] + [0.0 if d[i - 1] * d[i] <= 0 else (d[i - 1] + d[i]) / 2 for i in range(1, n - 1)] + [d[-1]]
        for i in range(n - 1):
            if d[i] == 0:
                m[i] = m[i + 1] = 0.0
            else:
                a, b = m[i] / d[i], m[i + 1] / d[i]
                if a * a + b * b > 9:
                    k = 3 / math.sqrt(a * a + b * b)
                    m[i], m[i + 1] = k * a * d[i], k * b * d[i]
        self.ms = m

    def __call__(self, x: float) -> float:
        xs = self.xs
        if x <= xs[0]:
            return self.ys[0]
        if x >= xs[-1]:
            return self.ys[-1]
        i = bisect.bisect_right(xs, x) - 1
        h = xs[i + 1] - xs[i]
        t = (x - xs[i]) / h
        t2, t3 = t * t, t * t * t
        return (
            (2 * t3 - 3 * t2 + 1) * self.ys[i]
            + (t3 - 2 * t2 + t) * h * self.ms[i]
            + (-2 * t3 + 3 * t2) * self.ys[i + 1]
            + (t3 - t2) * h * self.ms[i + 1]
        )


# ----------------------------------------------------------------------------- 2-D painting


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
            coeffs = (0, 0, 0.5, dx * k, dy * k, ((x0 - ax) * dx + (y0 - ay) * dy) * k + _RAMP_PAD)
            grey = _RAMP.transform(size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR)
    else:
        (cx, cy), (rx, ry) = fill.centre, fill.radii
        coeffs = (128 / rx, 0, (x0 - cx) * 128 / rx + 128, 0, 128 / ry, (y0 - cy) * 128 / ry + 128)
        grey = _RADIAL.transform(size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR, fillcolor=255)
    r, g, b, a = _luts(fill.stops)
    colour = Image.merge("RGB", (grey.point(r), grey.point(g), grey.point(b)))
    alpha = grey.point(a) if any(len(c) == 4 for _, c in fill.stops) else None
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


# ----------------------------------------------------------------------------- the car's body
# Car coordinates in metres: x from the rear bumper (0) to the front bumper, y to the car's left,
# z up from the ground.  Proportions are those of an E90 sedan.

CAR_LEN = 4.52
HALF_W = 0.89
REAR_AXLE, FRONT_AXLE = 0.98, 3.74
TYRE_R, RIM_R, TYRE_W = 0.318, 0.215, 0.225
WHEEL_Y = 0.855 - TYRE_W / 2  # centre plane of the wheels, outer sidewall nearly flush with the body
ARCH_R, ARCH_Z = 0.336, 0.335
REAR_TAPER, FRONT_TAPER = 0.50, 4.10  # where the body starts rounding off in plan view
STEERING_CENTRE = (2.7, 0.37, 0.93)  # left-hand drive
STEERING_AXIS = unit((-0.9, 0.0, 0.42))  # towards the driver's chest

TOP = Curve(
    [
        (0.0, 0.74),
        (0.03, 0.92),
        (0.09, 1.00),
        (0.30, 1.035),
        (0.70, 1.05),
        (0.80, 1.075),
        (0.95, 1.16),
        (1.15, 1.26),
        (1.45, 1.37),
        (1.72, 1.41),
        (2.10, 1.42),
        (2.42, 1.40),
        (2.70, 1.27),
        (3.00, 1.11),
        (3.30, 0.955),
        (3.45, 0.905),
        (3.90, 0.86),
        (4.30, 0.80),
        (4.42, 0.77),
        (4.49, 0.72),
        (4.52, 0.60),
    ]
)
BELT = Curve(
    [
        (0.0, 0.72),
        (0.03, 0.90),
        (0.09, 0.975),
        (0.40, 1.0),
        (1.20, 1.0),
        (2.00, 0.975),
        (3.00, 0.94),
        (3.35, 0.915),
        (3.90, 0.835),
        (4.30, 0.775),
        (4.42, 0.745),
        (4.49, 0.70),
        (4.52, 0.58),
    ]
)
BOTTOM = Curve(
    [
        (0.0, 0.36),
        (0.04, 0.29),
        (0.15, 0.265),
        (0.60, 0.24),
        (1.40, 0.18),
        (3.30, 0.17),
        (4.10, 0.17),
        (4.40, 0.19),
        (4.49, 0.25),
        (4.52, 0.34),
    ]
)


def plan_taper(x: float, z: float) -> float:
    """Half-width factor in plan view: flat sides rounding into blunt ends, squarer at bumper height."""
    if x < REAR_TAPER:
        t, p = (REAR_TAPER - x) / REAR_TAPER, 3.2
    elif x > FRONT_TAPER:
        t, p = (x - FRONT_TAPER) / (CAR_LEN - FRONT_TAPER), 3.2 + 3.0 * smooth((0.62 - z) / 0.2)
    else:
        return 1.0
    return (1 - min(t, 1.0) ** p) ** (1 / p)


def chaikin(pts: list[Pt], rounds: int) -> list[Pt]:
    """Corner-cutting subdivision of an open polyline; the ends stay put."""
    for _ in range(rounds):
        out = [pts[0]]
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            out += [(0.75 * ax + 0.25 * bx, 0.75 * ay + 0.25 * by), (0.25 * ax + 0.75 * bx, 0.25 * ay + 0.75 * by)]
        out[1] = pts[0]
        out[-1] = pts[-1]
        pts = out[1:]
    return pts


def half_section(x: float) -> list[Pt]:
    """The left half of the body's cross-section at station x, as (y, z) from bottom centre to roof centre."""
    zb, zbelt, zt = BOTTOM(x), BELT(x), TOP(x)
    h = zbelt - zb
    green = clamp((zt - zbelt - 0.05) / 0.33)  # 0 over the hood and trunk, 1 under the roof
    y5 = lerp(0.86, 0.70, green)
    z5 = zbelt + (zt - zbelt) * lerp(0.55, 1.0, green) - 0.055 * green
    ctrl = [
        (0.0, zb),
        (0.93, zb),
        (0.985, zb + min(0.10, 0.3 * h)),
        (1.0, zbelt - min(0.12, 0.3 * h)),
        (0.975, zbelt),
        (y5, z5),
        (0.5 * y5, zt - 0.25 * (zt - z5)),
        (0.0, zt),
    ]
    return [(y * HALF_W * plan_taper(x, z), z) for y, z in chaikin(ctrl, 3)]


def _stations() -> list[float]:
    # Dense where the ends round off (sine spacing crowds the blunt tips), coarser along the sides.
    rear = [REAR_TAPER * (1 - math.sin(math.pi / 2 * i / 24)) for i in range(24, 0, -1)]
    mid = [REAR_TAPER + (FRONT_TAPER - REAR_TAPER) * i / 72 for i in range(73)]
    front = [FRONT_TAPER + (CAR_LEN - FRONT_TAPER) * math.sin(math.pi / 2 * i / 26) for i in range(1, 27)]
    return rear + mid + front


@dataclass(frozen=True)
class Quad:
    """One facet of the shell, between stations i and i+1 and ring points j and j+1."""

    i: int
    j: int
    centre: Vec
    normal: Vec


class Body:
    """The lofted body shell plus look-ups that put points on its surface."""

    def __init__(self) -> None:
        self.xs = _stations()
        self.halves = [half_section(x) for x in self.xs]
        self.zs = [[p[1] for p in half] for half in self.halves]
        n = len(self.halves[0])
        self.widest = [max(range(n), key=lambda k: half[k][0]) for half in self.halves]
        # Closed rings: up the left side to the roof centre, then down the right side.
        self.rings: list[list[Vec]] = []
        for x, half in zip(self.xs, self.halves):
            left = [(x, y, z) for y, z in half]
            right = [(x, -y, z) for y, z in reversed(half[1:-1])]
            self.rings.append(left + right)
        self.quads = self._quads()

    def _quads(self) -> list[Quad]:
        quads = []
        m = len(self.rings[0])
        for i in range(len(self.rings) - 1):
            a, b = self.rings[i], self.rings[i + 1]
            for j in range(m):
                k = (j + 1) % m
                p = (a[j], a[k], b[k], b[j])
                if all(in_arch(q) for q in p):
                    continue  # the wheel opening: left for the wheel and its dark housing
                centre = scale(add(add(p[0], p[1]), add(p[2], p[3])), 0.25)
                normal = cross(sub(p[2], p[0]), sub(p[3], p[1]))
                if dot(normal, normal) < 1e-12:
                    continue
                quads.append(Quad(i, j, centre, unit(normal)))
        return quads

    def _y_at(self, i: int, z: float) -> float:
        zs, half = self.zs[i], self.halves[i]
        if z <= zs[0] or z >= zs[-1]:
            return 0.0
        k = max(1, bisect.bisect_left(zs, z))
        (y0, z0), (y1, z1) = half[k - 1], half[k]
        return y0 if z1 == z0 else lerp(y0, y1, (z - z0) / (z1 - z0))

    def _bracket(self, x: float) -> tuple[int, float]:
        i = min(max(bisect.bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)
        return i, clamp((x - self.xs[i]) / (self.xs[i + 1] - self.xs[i]))

    def side(self, x: float, z: float, s: int) -> Vec:
        """The point on the left (s=1) or right (s=-1) flank at station x and height z."""
        i, t = self._bracket(x)
        return (x, s * lerp(self._y_at(i, z), self._y_at(i + 1, z), t), z)

    def _z_at(self, i: int, y: float) -> float:
        half, w = self.halves[i], self.widest[i]
        for k in range(len(half) - 1, w, -1):
            (y0, z0), (y1, z1) = half[k], half[k - 1]
            if y1 >= y:
                return z0 if y1 == y0 else lerp(z0, z1, (y - y0) / (y1 - y0))
        return half[w][1]

    def top(self, x: float, y: float) -> Vec:
        """The point on the upper surface (hood, glass, roof, trunk) above (x, y)."""
        i, t = self._bracket(x)
        return (x, y, lerp(self._z_at(i, abs(y)), self._z_at(i + 1, abs(y)), t))

    def end(self, y: float, z: float, front: bool) -> Vec:
        """The point on the nose (front=True) or tail at lateral offset y and height z."""
        # Walk out from where the taper starts until the section is narrower than |y|.
        if front:
            order = range(bisect.bisect_left(self.xs, FRONT_TAPER - 1e-9), len(self.xs))
        else:
            order = range(bisect.bisect_right(self.xs, REAR_TAPER + 1e-9) - 1, -1, -1)
        prev_i, prev_w = None, 0.0
        for i in order:
            w = self._y_at(i, z)
            if w < abs(y) and prev_i is not None:
                t = (prev_w - abs(y)) / ((prev_w - w) or 1.0)
                return (lerp(self.xs[prev_i], self.xs[i], t), y, z)
            prev_i, prev_w = i, w
        return (self.xs[prev_i] if prev_i is not None else 0.0, y, z)


def in_arch(p: Vec) -> bool:
    if abs(p[1]) < 0.55:
        return False
    return any((p[0] - ax) ** 2 + (p[2] - ARCH_Z) ** 2 < ARCH_R**2 for ax in (REAR_AXLE, FRONT_AXLE))


@cache
def body() -> Body:
    return Body()


# ----------------------------------------------------------------------------- camera and light

PHONE_FOCAL = 1450.0  # output pixels: a phone's main camera, about 67 degrees across
SUN = unit((0.45, 0.55, 0.70))
PAINT = (10, 26, 66)  # dark blue metallic, before light


class Camera:
    """A level pinhole camera (no roll) looking from pos towards target."""

    def __init__(self, pos: Vec, target: Vec, focal: float = PHONE_FOCAL) -> None:
        self.pos = pos
        self.fwd = unit(sub(target, pos))
        self.right = unit(cross(self.fwd, (0.0, 0.0, 1.0)))
        self.up = cross(self.right, self.fwd)
        self.focal = focal * SS

    def depth(self, p: Vec) -> float:
        return dot(sub(p, self.pos), self.fwd)

    def project(self, p: Vec) -> Pt:
        d = sub(p, self.pos)
        z = max(dot(d, self.fwd), 1e-3)
        return (W / 2 + self.focal * dot(d, self.right) / z, H / 2 - self.focal * dot(d, self.up) / z)

    def horizon(self) -> float:
        """Canvas row of the horizon."""
        flat = unit((self.fwd[0], self.fwd[1], 0.0))
        return H / 2 - self.focal * dot(flat, self.up) / dot(flat, self.fwd)

    def plane(self, origin: Vec, ua: Vec, vb: Vec) -> list[list[float]]:
        """Homography taking plane coordinates (a, b, 1) of origin + a*ua + b*vb to canvas pixels."""
        o = sub(origin, self.pos)
        rows = []
        for axis, sign in ((self.right, 1.0), (self.up, -1.0)):
            rows.append([sign * self.focal * dot(v, axis) for v in (ua, vb, o)])
        depth = [dot(v, self.fwd) for v in (ua, vb, o)]
        rows[0] = [a + W / 2 * d for a, d in zip(rows[0], depth)]
        rows[1] = [a + H / 2 * d for a, d in zip(rows[1], depth)]
        return [rows[0], rows[1], depth]

    def facing(self, p: Vec, n: Vec) -> bool:
        return dot(n, sub(self.pos, p)) > 0


def warp(
    texture: Image.Image, to_canvas: list[list[float]], box: Sequence[float], fill: Colour | None = None
) -> tuple[Image.Image, tuple[int, int]]:
    """Map texture (whose pixel (s, t) sits at to_canvas @ (s, t, 1)) into the canvas rectangle box."""
    x0, y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x1, y1 = min(W, math.ceil(box[2])), min(H, math.ceil(box[3]))
    if x1 <= x0 or y1 <= y0:
        return Image.new(texture.mode, (1, 1)), (0, 0)
    shift = [[1.0, 0.0, float(x0)], [0.0, 1.0, float(y0)], [0.0, 0.0, 1.0]]
    inv = mat_inv(mat_mul(mat_inv(shift), to_canvas))
    k = inv[2][2]
    coeffs = tuple(v / k for row in inv for v in row)[:8]
    out = texture.transform(
        (x1 - x0, y1 - y0), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=fill
    )
    return out, (x0, y0)


def skyline(az: float) -> float:
    """Elevation (radians) of the trees and buildings around the lot, as reflected in the paint."""
    return 0.06 + 0.035 * math.sin(2 * az + 1.3) + 0.02 * math.sin(5 * az + 0.4) + 0.01 * math.sin(13 * az)


def environment(d: Vec) -> tuple[float, float, float]:
    """What a mirror-like surface reflects in direction d: sky, the lot's surroundings, asphalt."""
    z = d[2]
    if z < 0:
        return lerp3((108, 108, 110), (58, 58, 61), clamp(-z * 2.2))
    az = math.atan2(d[1], d[0])
    if z < skyline(az):
        return lerp3((72, 80, 74), (128, 126, 120), 0.5 + 0.5 * math.sin(3 * az + 0.7))
    r, g, b = lerp3((236, 239, 242), (120, 160, 212), clamp(z * 1.5) ** 0.6)
    sun = max(0.0, dot(d, SUN)) ** 400 * 400
    return (min(255.0, r + sun), min(255.0, g + sun), min(255.0, b + sun))


def reflect(view: Vec, n: Vec) -> Vec:
    """Mirror the direction from the eye to the surface (-view) about the normal."""
    k = 2 * dot(view, n)
    return (n[0] * k - view[0], n[1] * k - view[1], n[2] * k - view[2])


def shade_paint(n: Vec, p: Vec, eye: Vec, base: Colour = PAINT) -> Colour:
    """Clear-coated metallic paint: lit base colour plus a Fresnel-weighted reflection of the scene."""
    v = unit(sub(eye, p))
    ndv = clamp(dot(n, v), 0.0, 1.0)
    r = reflect(v, n)
    env = environment(r)
    fres = min(0.7, 0.045 + 0.955 * (1 - ndv) ** 5)
    light = 0.55 + 0.35 * n[2] + 0.55 * max(0.0, dot(n, SUN))
    glint = max(0.0, dot(r, SUN))
    flake = glint**10 * 70
    spec = glint**120 * 220
    return tuple(
        round(clamp(b * light * (1 - fres) + e * fres + flake * k + spec, 0, 255))
        for b, e, k in zip(base, env, (0.45, 0.6, 1.0))
    )


# ----------------------------------------------------------------------------- drawing the car


def draw_body(cv: Canvas, cam: Camera, shell: Body) -> None:
    """Paint the shell's camera-facing facets, far ones first."""
    proj = [[cam.project(p) for p in ring] for ring in shell.rings]
    m = len(shell.rings[0])
    faces = []
    for q in shell.quads:
        if cam.facing(q.centre, q.normal) and cam.depth(q.centre) > 0.05:
            faces.append((-cam.depth(q.centre), q))
    faces.sort(key=lambda f: f[0])
    # Padded with a paint colour so the smoothing below does not darken the silhouette's rim.
    layer = Image.new("RGB", (W, H), shade_paint((0.0, 0.0, 1.0), (2.0, 0.0, 1.0), cam.pos))
    mask = Image.new("L", (W, H), 0)
    dl, dm = ImageDraw.Draw(layer), ImageDraw.Draw(mask)
    for _, q in faces:
        a, b = proj[q.i], proj[q.i + 1]
        k = (q.j + 1) % m
        poly = [a[q.j], a[k], b[k], b[q.j]]
        colour = shade_paint(q.normal, q.centre, cam.pos)
        dl.polygon(poly, fill=colour, outline=colour)
        dm.polygon(poly, fill=255, outline=255)
    box = mask.getbbox()
    if box:
        # Each facet is flat-shaded; blurring about half a facet inside the crisp silhouette makes the
        # panels read as smooth, however close the camera is.
        sizes = sorted(math.dist(proj[q.i][q.j], proj[q.i + 1][q.j]) for _, q in faces)
        radius = clamp(0.5 * sizes[len(sizes) // 2], 2.5 * SS, 30 * SS)
        region = layer.crop(box).filter(ImageFilter.GaussianBlur(radius))
        cv.img.paste(region, box[:2], mask.crop(box))


# ----------------------------------------------------------------------------- the parking lot

GROUND_RES = 0.035  # metres per texel: lines and stains only, the grain is added per photo
GROUND_X0, GROUND_Y1 = -26.0, 28.0
GROUND_TEXELS = 1600
ASPHALT = (84, 85, 88)  # beyond the mapped patch


def noise(size: tuple[int, int], seed: int, blur: float = 0.0) -> Image.Image:
    """Uniform grey noise from a seeded generator (Pillow's own noise is not reproducible)."""
    img = Image.frombytes("L", size, random.Random(seed).randbytes(size[0] * size[1]))
    return img.filter(ImageFilter.GaussianBlur(blur)) if blur else img


def blotches(size: tuple[int, int], cells: int, seed: int) -> Image.Image:
    """Smooth large-scale variation: coarse noise enlarged with a soft filter."""
    coarse = noise((cells, cells), seed)
    return coarse.resize(size, Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(size[0] / cells / 2))


def to_texel(x: float, y: float) -> Pt:
    return ((x - GROUND_X0) / GROUND_RES, (GROUND_Y1 - y) / GROUND_RES)


def to_px(pts: Sequence[Pt]) -> list[Pt]:
    """Ground positions (x, y in metres) to ground-texture pixels."""
    return [to_texel(x, y) for x, y in pts]


@cache
def ground_texture() -> tuple[Image.Image, Image.Image]:
    """Top-down asphalt around the car (sharp and pre-blurred for the distance), with lines and shadow."""
    size = (GROUND_TEXELS, GROUND_TEXELS)
    rng = random.Random(7)
    tone = ImageChops.add(
        blotches(size, 40, 1).point(lambda v: v // 6), blotches(size, 220, 2).point(lambda v: v // 10)
    )
    tex = Canvas(Image.merge("RGB", [tone.point(lambda v, o=o: 62 + v + o) for o in (0, 1, 4)]))
    for _ in range(7):  # sealed cracks: dark wandering lines
        x, y = rng.uniform(-24, 28), rng.uniform(-26, 26)
        a = rng.uniform(0, math.tau)
        pts = []
        for _ in range(rng.randint(8, 24)):
            pts.append((x, y))
            a += rng.uniform(-0.5, 0.5)
            x, y = x + 0.4 * math.cos(a), y + 0.4 * math.sin(a)
        tex.line(to_px(pts), 0.03 / GROUND_RES, (44, 44, 46), alpha=0.4, blur=0.02 / GROUND_RES)
    for _ in range(30):  # oil drips, mostly where engines stand
        x = rng.choice((3.6, -9.0, 16.0)) + rng.uniform(-0.6, 0.6)
        y = 2.7 * rng.randint(-8, 8) + rng.uniform(-0.4, 0.4)
        cx, cy = to_texel(x, y)
        r = rng.uniform(0.15, 0.55) / GROUND_RES
        tex.ellipse((cx, cy), r, r * rng.uniform(0.6, 1.2), (40, 40, 42), alpha=rng.uniform(0.15, 0.4), blur=r / 3)
    paint = (206, 204, 190)
    wear = blotches(size, 115, 3).point(lambda v: 255 if v > 100 else v * 2)
    lines = Canvas((0, 0, 0), size)
    for k in range(-9, 10):  # stalls 2.7 m wide: this row faces a far row across a 7 m aisle
        y = 1.35 + 2.7 * k
        for x0, x1 in ((-0.8, 5.2), (-13.2, -7.8), (12.6, 18.0)):
            lines.polygon(to_px([(x0, y - 0.05), (x1, y - 0.05), (x1, y + 0.05), (x0, y + 0.05)]), (255,))
    for x in (5.2, -13.2, 18.0):
        lines.polygon(to_px([(x - 0.05, -26), (x + 0.05, -26), (x + 0.05, 26), (x - 0.05, 26)]), (255,))
    tex.img.paste(Image.new("RGB", size, paint), (0, 0), ImageChops.multiply(lines.img.convert("L"), wear))
    # Curbs and grass strips beyond both far rows.
    for xa, xb in ((18.2, 26.0), (-26.0, -13.4)):
        tex.polygon(to_px([(xa, -28), (xb, -28), (xb, 28), (xa, 28)]), (84, 104, 58))
        edge = xa if xa > 0 else xb
        tex.polygon(
            to_px([(edge - 0.15, -28), (edge + 0.15, -28), (edge + 0.15, 28), (edge - 0.15, 28)]), (170, 168, 160)
        )
    # The car's own shadow: soft ambient occlusion, a faint offset sun shadow and dark tyre contacts.
    shade = Canvas((255, 255, 255), size)
    shade.polygon(
        to_px([(0.05, -0.85), (4.47, -0.85), (4.47, 0.85), (0.05, 0.85)]), (150, 150, 150), blur=0.35 / GROUND_RES
    )
    dx, dy = -0.3 * SUN[0] / SUN[2], -0.3 * SUN[1] / SUN[2]
    shade.polygon(
        to_px([(0.2 + dx, -0.75 + dy), (4.3 + dx, -0.75 + dy), (4.3 + dx, 0.75 + dy), (0.2 + dx, 0.75 + dy)]),
        (95, 95, 95),
        blur=0.25 / GROUND_RES,
    )
    shade.polygon(to_px([(0.3, -0.62), (4.25, -0.62), (4.25, 0.62), (0.3, 0.62)]), (70, 70, 70), blur=0.2 / GROUND_RES)
    for ax in (REAR_AXLE, FRONT_AXLE):
        for s in (-1, 1):
            cx, cy = to_texel(ax, s * WHEEL_Y)
            shade.ellipse((cx, cy), 0.17 / GROUND_RES, 0.12 / GROUND_RES, (25, 25, 25), blur=0.075 / GROUND_RES)
    near = ImageChops.multiply(tex.img, shade.img)
    return near, near.filter(ImageFilter.GaussianBlur(0.06 / GROUND_RES))


def draw_sky(cv: Canvas, cam: Camera) -> None:
    """Hazy blue overhead, paler at the horizon, with a few soft clouds."""
    hz = cam.horizon()
    top = hz - cam.focal * math.tan(math.radians(35))
    cv.fill(Linear((0, hz), (0, top), ((0.0, (226, 231, 236)), (0.35, (186, 205, 226)), (1.0, (120, 158, 206)))))
    rng = random.Random(11)
    for _ in range(9):  # soft fair-weather clouds
        az = rng.uniform(-math.pi, math.pi)
        elev = rng.uniform(0.12, 0.5)
        d = (math.cos(az) * math.cos(elev), math.sin(az) * math.cos(elev), math.sin(elev))
        if dot(d, cam.fwd) < 0.3:
            continue
        cx, cy = cam.project(add(cam.pos, scale(d, 100.0)))
        for _ in range(5):
            r = rng.uniform(0.05, 0.12) * cam.focal
            cv.ellipse(
                (cx + rng.uniform(-1.5, 1.5) * r, cy + rng.uniform(-0.3, 0.3) * r),
                r,
                r * 0.45,
                (247, 248, 250),
                alpha=0.45,
                blur=r * 0.4,
            )


def draw_ground(cv: Canvas, cam: Camera) -> None:
    """The lot's asphalt in perspective, grainy in front of the lens and hazy far away."""
    near, far = ground_texture()
    half = [[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 1.0]]
    # The asphalt is soft at this distance anyway, so it is mapped at output size and enlarged.
    to_half = mat_mul(half, cam.plane((GROUND_X0, GROUND_Y1, 0.0), (GROUND_RES, 0.0, 0.0), (0.0, -GROUND_RES, 0.0)))
    top = max(0, math.floor(cam.horizon() / 2) + 1)
    if top >= H // 2:
        return
    box = (0, top, W // 2, H // 2)
    flat = unit((cam.fwd[0], cam.fwd[1], 0.0))

    def row(dist: float) -> float:
        return cam.project((cam.pos[0] + flat[0] * dist, cam.pos[1] + flat[1] * dist, 0.0))[1] / 2 - top

    img, _ = warp(near, to_half, box, ASPHALT)
    # Far asphalt comes from the blurred copy (no shimmering texels), needed only above the 9 m row.
    far_rows = min(img.height, max(0, math.ceil(row(9.0))))
    if far_rows:
        img_far, _ = warp(far, to_half, (0, top, W // 2, top + far_rows), ASPHALT)
        img.paste(img_far, (0, 0), ramp(img_far.size, (0, row(9.0)), (0, row(22.0))))
    # Aggregate grain, one or two output pixels across, fading out towards the horizon: far finer than
    # the ground texture could hold for the few metres in front of the lens.
    grain = noise(img.size, 31, 0.7).point(lambda v: round(128 + (v - 128) * 0.18))
    speckled = ImageChops.add(img, Image.merge("RGB", (grain,) * 3), 1.0, -128)
    img = Image.composite(speckled, img, ramp(img.size, (0, row(20.0)), (0, row(2.5))))
    cv.img.paste(img.resize((W, H - 2 * top), Image.Resampling.BILINEAR), (0, 2 * top))
    haze, alpha = fill_image(
        Linear((0, 2 * row(70.0)), (0, 2 * row(15.0)), ((0.0, (200, 204, 208, 200)), (1.0, (200, 204, 208, 0)))),
        0,
        0,
        (W, H - 2 * top),
    )
    cv.img.paste(haze, (0, 2 * top), alpha)


# ----------------------------------------------------------------------------- wheels

WHEEL_TEX = 1400  # texels across the tyre's diameter


def _arc_text(cv: Canvas, c: Pt, radius: float, centre_angle: float, text: str, size: int, fill: Colour) -> None:
    """Letters standing on a circle (clockwise reading), as moulded into a tyre's sidewall."""
    f = font(size)
    widths = [f.getlength(ch) for ch in text]
    angle = centre_angle - sum(widths) / radius / 2
    for ch, w in zip(text, widths):
        a = angle + w / radius / 2
        glyph = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text((size, size), ch, font=f, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.Resampling.BICUBIC)
        x, y = c[0] + radius * math.cos(a) - size, c[1] + radius * math.sin(a) - size
        cv.img.paste(Image.new("RGB", glyph.size, fill[:3]), (round(x), round(y)), glyph)
        angle += w / radius


@cache
def wheel_texture() -> Image.Image:
    """The outer face of a wheel: tyre sidewall and a five-double-spoke alloy rim, lit from above."""
    n = WHEEL_TEX
    k = n / (2 * TYRE_R)
    c = (n / 2, n / 2)
    cv = Canvas((0, 0, 0), (n, n))
    tyre = TYRE_R * k
    cv.ellipse(
        c,
        tyre,
        tyre,
        Radial(c, (tyre, tyre), ((0.0, (30, 30, 32)), (0.72, (40, 40, 42)), (0.88, (34, 34, 36)), (1.0, (16, 16, 18)))),
    )
    cv.ellipse(c, tyre, tyre, Linear((0, 0), (0, n), ((0.0, (255, 255, 255, 38)), (0.6, (255, 255, 255, 0)))))
    cv.ellipse(c, tyre * 0.9, tyre * 0.9, (20, 20, 22), alpha=0.5, blur=3)
    cv.ellipse(c, tyre * 0.895, tyre * 0.895, (38, 38, 40))
    for radius, shade in ((0.93, (48, 48, 50)), (0.765, (26, 26, 28))):
        cv.line(arc(c, tyre * radius, tyre * radius, 0, math.tau, 180), 2.5, shade, alpha=0.8)
    band = (RIM_R + 0.5 * (TYRE_R - RIM_R)) * k
    for angle, words in (
        (-math.pi / 2, "ALL SEASON  M+S"),
        (math.pi / 2, "225/45 R17 91W"),
        (math.pi, "TUBELESS RADIAL"),
        (0.0, "DOT 4X7F 2408"),
    ):
        _arc_text(cv, c, band, angle, words, 42, (64, 64, 66))
    rim = RIM_R * k
    cv.ellipse(c, rim, rim, Radial(c, (rim, rim), ((0.0, (18, 18, 20)), (0.8, (40, 40, 44)), (1.0, (70, 70, 74)))))
    disc = 0.155 * k
    cv.ellipse(
        c,
        disc,
        disc,
        Radial(
            c, (disc, disc), ((0.0, (70, 70, 72)), (0.5, (118, 116, 112)), (0.95, (96, 94, 92)), (1.0, (52, 52, 54)))
        ),
    )
    cal = arc(c, disc * 1.02, disc * 1.02, math.radians(195), math.radians(245), 16)
    cal += arc(c, disc * 0.62, disc * 0.62, math.radians(245), math.radians(195), 16)
    cv.polygon(cal, (46, 48, 52))
    for i in range(5):  # double spokes
        base = math.tau * i / 5 - math.pi / 2
        for off in (-0.105, 0.105):
            a = base + off
            hub_w, rim_w = 0.016 * k, 0.012 * k
            p0 = (c[0] + 0.06 * k * math.cos(a - 0.5 * off), c[1] + 0.06 * k * math.sin(a - 0.5 * off))
            p1 = (c[0] + (RIM_R - 0.012) * k * math.cos(a), c[1] + (RIM_R - 0.012) * k * math.sin(a))
            nx, ny = -math.sin(a), math.cos(a)
            poly = [
                (p0[0] + nx * hub_w, p0[1] + ny * hub_w),
                (p1[0] + nx * rim_w, p1[1] + ny * rim_w),
                (p1[0] - nx * rim_w, p1[1] - ny * rim_w),
                (p0[0] - nx * hub_w, p0[1] - ny * hub_w),
            ]
            lit = 0.5 + 0.5 * -math.sin(a)  # spokes pointing up catch more sky
            cv.polygon([(x + 6, y + 8) for x, y in poly], (10, 10, 12), alpha=0.6, blur=6)
            cv.polygon(
                poly,
                Linear(
                    p0,
                    p1,
                    (
                        (0.0, mix((150, 152, 156), (206, 208, 212), lit)),
                        (1.0, mix((118, 120, 124), (178, 180, 184), lit)),
                    ),
                ),
            )
            edge = [poly[2], poly[3]] if off > 0 else [poly[0], poly[1]]
            cv.line(edge, 5, (236, 238, 240), alpha=0.5 * lit + 0.2)
    lip = arc(c, rim, rim, 0, math.tau, 180)
    cv.line(
        lip,
        0.02 * k,
        Linear(
            (0, c[1] - rim), (0, c[1] + rim), ((0.0, (228, 230, 232)), (0.5, (168, 170, 174)), (1.0, (110, 112, 116)))
        ),
    )
    cv.line(arc(c, rim - 0.011 * k, rim - 0.011 * k, 0, math.tau, 180), 3, (60, 60, 64), alpha=0.7)
    hub = 0.07 * k
    cv.ellipse(
        c,
        hub,
        hub,
        Radial(
            (c[0] - hub * 0.3, c[1] - hub * 0.4),
            (hub * 1.6, hub * 1.6),
            ((0.0, (214, 216, 220)), (1.0, (120, 122, 126))),
        ),
    )
    for i in range(5):
        a = math.tau * (i + 0.5) / 5 - math.pi / 2
        bx, by = c[0] + 0.048 * k * math.cos(a), c[1] + 0.048 * k * math.sin(a)
        cv.ellipse((bx, by), 0.0095 * k, 0.0095 * k, (60, 60, 64))
        cv.ellipse((bx - 3, by - 3), 0.006 * k, 0.006 * k, (186, 188, 192))
    draw_roundel(cv, c, 0.028 * k)
    alpha = Image.new("L", (n, n), 0)
    ImageDraw.Draw(alpha).ellipse((1, 1, n - 2, n - 2), fill=255)
    out = cv.img.convert("RGBA")
    out.putalpha(alpha)
    return out


def draw_roundel(cv: Canvas, c: Pt, r: float, squash: float = 1.0) -> None:
    """A generic blue-and-white quartered badge in a black ring."""
    cv.ellipse(c, r, r * squash, (22, 22, 24))
    cv.ellipse(c, r * 0.93, r * 0.93 * squash, (150, 152, 156))
    cv.ellipse(c, r * 0.86, r * 0.86 * squash, (24, 24, 26))
    inner = r * 0.58
    for q in range(4):
        pts = [c] + arc(c, inner, inner * squash, (q - 1) * math.pi / 2, q * math.pi / 2, 12)
        cv.polygon(pts, (40, 110, 190) if q % 2 else (238, 240, 242))


def wheel_faces_y(s: int) -> tuple[float, float]:
    """Where the outer and inner sidewalls of a wheel on side s are."""
    return s * (WHEEL_Y + TYRE_W / 2), s * (WHEEL_Y - TYRE_W / 2)


def draw_tread(cv: Canvas, cam: Camera, ax: float, s: int, clip: Image.Image | None) -> None:
    """The tyre's running surface as shaded rubber facets."""
    y_out, y_in = wheel_faces_y(s)
    # Rounded shoulders: the tread band is slightly narrower in radius at both edges.
    bands = [(y_out, 0.94), (y_out - s * 0.025, 1.0), (y_in + s * 0.025, 1.0), (y_in, 0.94)]
    faces = []
    segs = 48
    for b in range(3):
        (ya, ra), (yb, rb) = bands[b], bands[b + 1]
        for i in range(segs):
            a0, a1 = math.tau * i / segs, math.tau * (i + 1) / segs
            quad = [
                (ax + TYRE_R * r * math.cos(a), y, TYRE_R + TYRE_R * r * math.sin(a))
                for (y, r), a in (((ya, ra), a0), ((ya, ra), a1), ((yb, rb), a1), ((yb, rb), a0))
            ]
            am = (a0 + a1) / 2
            tilt = (rb - ra) * 3
            n = unit((math.cos(am), s * tilt, math.sin(am)))
            centre = scale(add(add(quad[0], quad[1]), add(quad[2], quad[3])), 0.25)
            if cam.facing(centre, n):
                faces.append((-cam.depth(centre), quad, shade_paint(n, centre, cam.pos, (22, 22, 24))))
    faces.sort(key=lambda f: f[0])
    for _, quad, colour in faces:
        cv.polygon([cam.project(p) for p in quad], colour, clip=clip)


def draw_wheel(cv: Canvas, cam: Camera, ax: float, s: int, clip: Image.Image | None) -> None:
    """Tread, then whichever sidewall faces the camera: the textured outer face or the plain inner one."""
    y_out, y_in = wheel_faces_y(s)
    draw_tread(cv, cam, ax, s, clip)
    outer_visible = (cam.pos[1] - y_out) * s > 0
    if outer_visible:
        res = 2 * TYRE_R / WHEEL_TEX
        to_canvas = cam.plane((ax - s * TYRE_R, y_out, 2 * TYRE_R), (s * res, 0.0, 0.0), (0.0, 0.0, -res))
        ring = [
            cam.project((ax + TYRE_R * math.cos(a), y_out, TYRE_R + TYRE_R * math.sin(a)))
            for a in (math.tau * i / 32 for i in range(32))
        ]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        face, at = warp(wheel_texture(), to_canvas, (min(xs) - 4, min(ys) - 4, max(xs) + 4, max(ys) + 4))
        mask = face.getchannel("A")
        if clip is not None:
            mask = ImageChops.multiply(mask, clip.crop((at[0], at[1], at[0] + face.width, at[1] + face.height)))
        cv.img.paste(face.convert("RGB"), at, mask)
    else:
        ring = [
            cam.project((ax + TYRE_R * 0.97 * math.cos(a), y_in, TYRE_R + TYRE_R * 0.97 * math.sin(a)))
            for a in (math.tau * i / 48 for i in range(48))
        ]
        hub = [
            cam.project((ax + RIM_R * math.cos(a), y_in + s * 0.05, TYRE_R + RIM_R * math.sin(a)))
            for a in (math.tau * i / 48 for i in range(48))
        ]
        cv.polygon(ring, (26, 26, 28), clip=clip)
        cv.polygon(hub, (40, 40, 43), clip=clip)


# ----------------------------------------------------------------------------- trim, glass and lamps


@dataclass(frozen=True)
class Surface:
    """Where decal coordinates (u, v) live: flank (x, z), top (x, y), nose or tail (y, z); s mirrors left/right."""

    kind: str
    s: int = 1

    def at(self, u: float, v: float) -> Vec:
        b = body()
        if self.kind == "side":
            return b.side(u, v, self.s)
        if self.kind == "top":
            return b.top(u, self.s * v)
        return b.end(self.s * u, v, self.kind == "front")

    def normal(self, u: float, v: float) -> Vec:
        e = 0.01
        p, pu, pv = self.at(u, v), self.at(u + e, v), self.at(u, v + e)
        n = unit(cross(sub(pu, p), sub(pv, p)))
        outward = {
            "side": (0.0, float(self.s), 0.0),
            "top": (0.0, 0.0, 1.0),
            "front": (1.0, 0.0, 0.0),
            "rear": (-1.0, 0.0, 0.0),
        }[self.kind]
        return n if dot(n, outward) >= 0 else scale(n, -1.0)

    def facing(self, cam: Camera, uv: Sequence[Pt]) -> bool:
        probes = [uv[0], uv[len(uv) // 3], uv[2 * len(uv) // 3]]
        return any(cam.facing(self.at(u, v), self.normal(u, v)) for u, v in probes)

    def project(self, cam: Camera, uv: Sequence[Pt]) -> list[Pt]:
        return [cam.project(self.at(u, v)) for u, v in uv]


def densify(pts: Sequence[Pt], step: float = 0.02, closed: bool = True) -> list[Pt]:
    """Extra points along each edge so straight lines in surface coordinates follow the curved panel."""
    out: list[Pt] = []
    ring = list(pts) + ([pts[0]] if closed else [])
    for (ax, ay), (bx, by) in zip(ring, ring[1:]):
        n = max(1, math.ceil(math.hypot(bx - ax, by - ay) / step))
        out += [(lerp(ax, bx, i / n), lerp(ay, by, i / n)) for i in range(n)]
    if not closed:
        out.append(pts[-1])
    return out


def ellipse_uv(c: Pt, ru: float, rv: float, n: int = 40) -> list[Pt]:
    return [(c[0] + ru * math.cos(math.tau * i / n), c[1] + rv * math.sin(math.tau * i / n)) for i in range(n)]


def reflective(cam: Camera, p: Vec, n: Vec, base: Colour, f0: float, cap: float = 0.9) -> Colour:
    """A glossy surface (glass, chrome, lens) showing base colour and a Fresnel share of the scene."""
    v = unit(sub(cam.pos, p))
    ndv = clamp(dot(n, v))
    f = min(cap, f0 + (1 - f0) * (1 - ndv) ** 5)
    env = environment(reflect(v, n))
    return tuple(round(b * (1 - f) + e * f) for b, e in zip(base, env))


def glossy_fill(cam: Camera, surf: Surface, a: Pt, b: Pt, base: Colour, f0: float) -> Linear:
    """A ramp between the reflections seen at surface points a and b."""
    ca = reflective(cam, surf.at(*a), surf.normal(*a), base, f0)
    cb = reflective(cam, surf.at(*b), surf.normal(*b), base, f0)
    return Linear(cam.project(surf.at(*a)), cam.project(surf.at(*b)), ((0.0, ca), (1.0, cb)))


def px(cam: Camera, p: Vec, metres: float) -> float:
    """How many canvas pixels a length at p spans."""
    return max(1.0, cam.focal * metres / max(cam.depth(p), 0.1))


def seam(cv: Canvas, cam: Camera, surf: Surface, uv: Sequence[Pt], closed: bool = False, strength: float = 1.0) -> None:
    """A panel gap: a dark line with a faint lit lip beside it."""
    pts = densify(uv, 0.03, closed)
    if not surf.facing(cam, pts):
        return
    proj = surf.project(cam, pts)
    w = px(cam, surf.at(*pts[len(pts) // 2]), 0.004)
    cv.line([(x, y - w) for x, y in proj], w, (150, 170, 210), alpha=0.25 * strength)
    cv.line(proj, w, (4, 8, 16), alpha=0.85 * strength)


def crease(cv: Canvas, cam: Camera, surf: Surface, uv: Sequence[Pt]) -> None:
    """A sharp character line: a light edge above, a soft shadow below."""
    pts = densify(uv, 0.05, False)
    if not surf.facing(cam, pts):
        return
    proj = surf.project(cam, pts)
    w = px(cam, surf.at(*pts[len(pts) // 2]), 0.006)
    cv.line(proj, w, (150, 175, 215), alpha=0.35, blur=w * 0.4)
    cv.line([(x, y + 1.5 * w) for x, y in proj], 2 * w, (2, 6, 14), alpha=0.35, blur=w)


DLO = [
    (3.12, 0.962),
    (2.46, 1.322),
    (2.0, 1.342),
    (1.66, 1.333),
    (1.43, 1.245),
    (1.27, 1.11),
    (1.21, 1.045),
    (1.27, 1.012),
]  # the side glass outline, with the Hofmeister kink at the back


def draw_flank(cv: Canvas, cam: Camera, s: int) -> None:
    """One side's glass, pillars, chrome, shut lines, creases, handles and reflectors."""
    surf = Surface("side", s)
    if not surf.facing(cam, [(2.3, 0.7), (1.0, 0.8), (3.8, 0.8)]):
        return
    glass = densify(DLO)
    pts = surf.project(cam, glass)
    cv.polygon(pts, glossy_fill(cam, surf, (2.2, 1.30), (2.2, 1.0), (14, 17, 22), 0.1))
    clip = polygon_mask(pts)
    # Through the tint the head restraints show; over it lie soft streaks of reflected sky.
    for hx in (2.55, 1.62):
        cv.polygon(surf.project(cam, ellipse_uv((hx, 1.17), 0.11, 0.09)), (6, 7, 9), alpha=0.55, blur=6, clip=clip)
    for x0 in (2.9, 1.9):
        streak = [(x0, 0.95), (x0 + 0.22, 0.95), (x0 - 0.3, 1.4), (x0 - 0.48, 1.4)]
        cv.polygon(surf.project(cam, streak), (210, 220, 235), alpha=0.13, blur=14, clip=clip)
    black = (12, 13, 15)
    cv.polygon(surf.project(cam, densify([(2.30, 0.95), (2.41, 0.95), (2.37, 1.36), (2.26, 1.36)])), black)
    cv.polygon(surf.project(cam, densify([(1.49, 0.97), (1.525, 0.97), (1.46, 1.31), (1.425, 1.31)])), black)
    trim = surf.project(cam, glass + glass[:1])
    w = px(cam, surf.at(2.2, 1.0), 0.012)
    cv.line(trim, w, glossy_fill(cam, surf, (2.2, 1.34), (2.2, 0.96), (150, 152, 156), 0.6))
    belt = surf.project(cam, densify([(1.26, 0.995), (3.15, 0.948)], closed=False))
    cv.line(belt, w * 0.8, (235, 238, 242), alpha=0.5)
    # Doors, bumpers and sills.
    seam(cv, cam, surf, [(3.30, 0.93), (3.33, 0.60), (3.32, 0.44), (2.37, 0.435), (2.37, 0.96)])
    seam(
        cv,
        cam,
        surf,
        [(2.35, 0.96), (2.35, 0.435), (1.62, 0.44), (1.45, 0.53), (1.36, 0.63), (1.33, 0.78), (1.30, 0.99)],
    )
    seam(cv, cam, surf, [(4.02, 0.60), (4.10, 0.645), (4.18, 0.67)])
    seam(cv, cam, surf, [(0.72, 0.60), (0.40, 0.62), (0.03, 0.64)])
    crease(cv, cam, surf, [(4.2, 0.775), (3.3, 0.82), (2.4, 0.845), (1.4, 0.868), (0.5, 0.882), (0.12, 0.878)])
    crease(cv, cam, surf, [(3.25, 0.50), (2.4, 0.505), (1.62, 0.515)])
    for hx in (2.62, 1.62):  # door handles, body colour over a dark recess
        cv.polygon(surf.project(cam, ellipse_uv((hx + 0.08, 0.835), 0.085, 0.022)), (3, 6, 12), alpha=0.8, blur=2)
        handle = surf.project(cam, ellipse_uv((hx + 0.08, 0.852), 0.09, 0.017))
        cv.polygon(handle, glossy_fill(cam, surf, (hx, 0.87), (hx, 0.835), PAINT, 0.2))
    if s < 0:  # the fuel filler flap is on the right rear quarter
        seam(cv, cam, surf, densify(ellipse_uv((0.70, 0.895), 0.075, 0.062, 24)), closed=True, strength=0.8)
    markers = ((4.28, 0.52, (220, 120, 20)), (0.22, 0.54, (150, 20, 22)))  # US-market side reflectors
    for x, z, colour in markers:
        cv.polygon(
            surf.project(
                cam,
                densify(
                    [(x - 0.06, z - 0.015), (x + 0.06, z - 0.015), (x + 0.06, z + 0.015), (x - 0.06, z + 0.015)], 0.01
                ),
            ),
            colour,
        )


def arch_outline(ax: float) -> list[Pt]:
    """The wheel opening on the flank, closed along the sill."""
    pts = []
    for i in range(49):
        a = math.pi + 0.5 - (math.pi + 1.0) * i / 48
        x = ax + ARCH_R * math.cos(a)
        pts.append((x, max(ARCH_Z + ARCH_R * math.sin(a), BOTTOM(x) + 0.01)))
    return pts


def wheel_clip(cam: Camera, ax: float, s: int) -> Image.Image:
    """Where a near-side wheel may show: through its opening, and anywhere below the body."""
    y = s * (HALF_W + 0.005)
    pts = [(x, y, z) for x, z in arch_outline(ax)]
    x_front, x_rear = pts[-1][0], pts[0][0]
    pts += [
        (x_front + 0.7, y, BOTTOM(x_front)),
        (x_front + 0.7, y, -0.5),
        (x_rear - 0.7, y, -0.5),
        (x_rear - 0.7, y, BOTTOM(x_rear)),
    ]
    return polygon_mask([cam.project(p) for p in pts])


def draw_arch(cv: Canvas, cam: Camera, ax: float, s: int) -> None:
    """The dark wheel housing seen through an opening, and the light caught by its lip."""
    surf = Surface("side", s)
    outline = arch_outline(ax)
    if not surf.facing(cam, outline):
        return
    pts = surf.project(cam, outline)
    top = cam.project(surf.at(ax, ARCH_Z + ARCH_R))
    cv.polygon(
        pts, Linear(top, (top[0], top[1] + px(cam, surf.at(ax, 0.3), 0.5)), ((0.0, (8, 8, 10)), (1.0, (22, 22, 24))))
    )
    lip = surf.project(
        cam,
        [
            (ax + (ARCH_R + 0.012) * math.cos(a), ARCH_Z + (ARCH_R + 0.012) * math.sin(a))
            for a in (math.pi * (0.08 + 0.84 * i / 30) for i in range(31))
        ],
    )
    cv.line(lip, px(cam, surf.at(ax, 0.7), 0.01), (120, 140, 180), alpha=0.35, blur=2)


def render_car(cv: Canvas, cam: Camera) -> None:
    """The whole car, in an order that stands in for a depth buffer."""
    sides = [s for s in (1, -1) if (cam.pos[1] - s * HALF_W) * s > 0]
    for ax in (REAR_AXLE, FRONT_AXLE):
        for s in (1, -1):
            if s not in sides:
                draw_wheel(cv, cam, ax, s, None)
    # A mirror is hidden behind the cabin only when the camera stands clearly on the other side.
    far_mirrors = [s for s in (1, -1) if cam.pos[1] * s < -1.0]
    for s in far_mirrors:
        draw_mirror(cv, cam, s)
    draw_body(cv, cam, body())
    draw_top(cv, cam)
    draw_nose(cv, cam)
    draw_tail(cv, cam)
    for s in (1, -1):
        draw_flank(cv, cam, s)
    for s in sides:
        for ax in (REAR_AXLE, FRONT_AXLE):
            draw_arch(cv, cam, ax, s)
            draw_wheel(cv, cam, ax, s, wheel_clip(cam, ax, s))
    for s in (1, -1):
        if s not in far_mirrors:
            draw_mirror(cv, cam, s)


def draw_top(cv: Canvas, cam: Camera) -> None:
    """Windscreen, rear window and sunroof with what shows through them; hood and trunk lines."""
    top = Surface("top")
    tint = (12, 15, 20)
    ws = densify([(3.33, -0.68), (2.52, -0.55), (2.52, 0.55), (3.33, 0.68)], 0.03)
    if top.facing(cam, ws):
        pts = top.project(cam, ws)
        cv.polygon(pts, glossy_fill(cam, top, (2.55, 0.0), (3.3, 0.0), tint, 0.12))
        clip = polygon_mask(pts)
        cv.polygon(
            top.project(cam, densify([(2.52, -0.55), (2.52, 0.55), (2.62, 0.56), (2.62, -0.56)], 0.03)),
            (5, 5, 6),
            alpha=0.85,
            clip=clip,
        )  # the dotted frit along the header
        cv.polygon(
            top.project(cam, densify([(2.63, -0.06), (2.63, 0.06), (2.70, 0.05), (2.70, -0.05)], 0.02)),
            (10, 10, 12),
            alpha=0.8,
            clip=clip,
        )  # rear-view mirror behind the glass
        # Behind the tint: the dashboard top, the steering wheel rim and the VIN plate on the driver's side.
        dash = [cam.project(p) for p in ((3.25, -0.7, 0.99), (3.25, 0.7, 0.99), (2.85, 0.7, 1.05), (2.85, -0.7, 1.05))]
        cv.polygon(dash, (40, 40, 43), alpha=0.5, clip=clip)
        down = unit(cross(STEERING_AXIS, (0.0, 1.0, 0.0)))
        rim = [
            cam.project(add(STEERING_CENTRE, add((0.0, 0.19 * math.cos(a), 0.0), scale(down, 0.19 * math.sin(a)))))
            for a in (math.tau * i / 48 for i in range(49))
        ]
        cv.line(rim, px(cam, STEERING_CENTRE, 0.035), (6, 6, 7), alpha=0.35, blur=4, clip=clip)
        plate = [cam.project(p) for p in ((3.24, 0.48, 0.995), (3.24, 0.62, 0.995), (3.2, 0.62, 1.0), (3.2, 0.48, 1.0))]
        cv.polygon(plate, (170, 172, 176), alpha=0.55, clip=clip)
        # In front of it, reflections: sky over the top edge, the tree line across the middle.
        rng = random.Random(3)
        for _ in range(12):
            c = cam.project(top.at(rng.uniform(2.62, 2.85), rng.uniform(-0.6, 0.6)))
            r = px(cam, top.at(2.7, 0.0), rng.uniform(0.08, 0.18))
            cv.ellipse(c, r, r * 0.6, (70, 90, 64), alpha=0.3, blur=r * 0.4, clip=clip)
        for x0, y0 in ((3.1, -0.5), (2.9, 0.1)):
            streak = [(x0, y0), (x0, y0 + 0.18), (x0 - 0.5, y0 + 0.5), (x0 - 0.5, y0 + 0.32)]
            cv.polygon(top.project(cam, streak), (225, 232, 240), alpha=0.12, blur=16, clip=clip)
        for y0, y1 in ((-0.62, -0.06), (-0.02, 0.52)):  # wipers parked along the cowl
            blade = top.project(cam, densify([(3.28, y0), (3.24, y1)], 0.05, False))
            cv.line(
                [(x, y - px(cam, top.at(3.26, y0), 0.012)) for x, y in blade],
                px(cam, top.at(3.26, y0), 0.016),
                (8, 8, 9),
            )
    rw = densify([(0.93, -0.62), (1.60, -0.54), (1.60, 0.54), (0.93, 0.62)], 0.03)
    if top.facing(cam, rw):
        pts = top.project(cam, rw)
        cv.polygon(pts, glossy_fill(cam, top, (1.55, 0.0), (0.95, 0.0), tint, 0.12))
        clip = polygon_mask(pts)
        for i in range(9):  # demister lines
            x = 1.02 + i * 0.055
            cv.line(
                top.project(cam, densify([(x, -0.5), (x, 0.5)], 0.05, False)), 1.5, (40, 30, 28), alpha=0.5, clip=clip
            )
        cv.polygon(
            top.project(cam, densify([(1.53, -0.16), (1.53, 0.16), (1.56, 0.16), (1.56, -0.16)], 0.02)),
            (90, 14, 16),
            clip=clip,
        )
    sunroof = densify([(1.95, -0.42), (2.42, -0.42), (2.42, 0.42), (1.95, 0.42)], 0.03)
    if top.facing(cam, sunroof):
        cv.polygon(top.project(cam, sunroof), glossy_fill(cam, top, (2.4, 0.0), (1.96, 0.0), (8, 10, 13), 0.12))
        seam(cv, cam, top, sunroof, closed=True, strength=0.7)
    # Hood and trunk shut lines, the cowl, and the hood's two raised lines.
    for s in (1, -1):
        seam(cv, cam, top, [(3.42, s * 0.70), (3.9, s * 0.735), (4.30, s * 0.75), (4.44, s * 0.74)])
        seam(cv, cam, top, [(0.06, s * 0.53), (0.5, s * 0.54), (0.92, s * 0.55)])
        crease(cv, cam, top, [(3.5, s * 0.30), (4.0, s * 0.26), (4.43, s * 0.20)])
    seam(cv, cam, top, [(3.42, -0.70), (3.42, 0.70)])
    seam(cv, cam, top, [(0.92, -0.55), (0.92, 0.55)])
    cent = top.at(4.40, 0.0)
    if cam.facing(cent, top.normal(4.40, 0.0)):
        c = cam.project(cent)
        r = px(cam, cent, 0.04)
        squash = abs(cam.project(top.at(4.44, 0.0))[1] - cam.project(top.at(4.36, 0.0))[1]) / (2 * r)
        draw_roundel(cv, c, r, clamp(squash, 0.1, 1.0))


HEADLIGHT = [
    (0.33, 0.697),
    (0.31, 0.752),
    (0.55, 0.757),
    (0.76, 0.748),
    (0.845, 0.737),
    (0.875, 0.718),
    (0.868, 0.700),
    (0.76, 0.684),
    (0.50, 0.670),
]
KIDNEY = [
    (0.035, 0.665),
    (0.035, 0.76),
    (0.05, 0.775),
    (0.19, 0.775),
    (0.215, 0.76),
    (0.205, 0.675),
    (0.185, 0.654),
    (0.06, 0.652),
]


@cache
def plate_texture() -> Image.Image:
    """A 12 x 6 inch licence plate: white, small print above and below the registration."""
    w, h = 1220, 610
    cv = Canvas((236, 238, 240), (w, h))
    cv.fill(Linear((0, 0), (w, h), ((0.0, (246, 247, 249)), (1.0, (214, 218, 224)))))
    cv.text((w / 2, 70), "SAMPLE  STATE", font(70, bold=False), (40, 60, 130), anchor="mm")
    cv.text((w / 2, h / 2 + 20), "8MXN214", font(196), (26, 38, 92), anchor="mm")
    cv.text((w / 2, h - 55), "DEALER INSPECTION", font(46, bold=False), (70, 80, 110), anchor="mm")
    for x, y in ((120, 120), (w - 120, 120), (120, h - 120), (w - 120, h - 120)):
        cv.ellipse((x, y), 22, 22, (150, 152, 156))
    frame = Image.new("L", (w, h), 0)
    ImageDraw.Draw(frame).rounded_rectangle((0, 0, w - 1, h - 1), radius=40, fill=255)
    out = cv.img.convert("RGBA")
    out.putalpha(frame)
    return out


def draw_plate(cv: Canvas, cam: Camera, front: bool, z_top: float) -> None:
    """The licence plate, mapped flat onto the bumper centre with its top edge at z_top."""
    surf = Surface("front" if front else "rear")
    if not surf.facing(cam, [(0.0, z_top - 0.07)]):
        return
    x = surf.at(0.0, z_top - 0.076)[0] + (0.012 if front else -0.012)
    tex = plate_texture()
    res = 0.305 / tex.width
    s = 1.0 if front else -1.0
    origin = (x, -s * 0.1525, z_top)
    to_canvas = cam.plane(origin, (0.0, s * res, 0.0), (0.0, 0.0, -res))
    corners = [
        cam.project((x, -s * 0.1525 + s * a, z_top - b)) for a, b in ((0, 0), (0.305, 0), (0.305, 0.152), (0, 0.152))
    ]
    cv.polygon([(p[0] + 6, p[1] + 8) for p in corners], (0, 0, 0), alpha=0.5, blur=6)
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    img, at = warp(tex, to_canvas, (min(xs) - 2, min(ys) - 2, max(xs) + 2, max(ys) + 2))
    cv.img.paste(img.convert("RGB"), at, img.getchannel("A"))


def draw_nose(cv: Canvas, cam: Camera) -> None:
    """Weathered headlights, kidney grilles, fog lights, intake and plate."""
    nose = Surface("front")
    if not nose.facing(cam, [(0.0, 0.5), (0.6, 0.5), (-0.6, 0.5)]):
        return
    for s in (1, -1):
        surf = Surface("front", s)
        lamp = densify(HEADLIGHT, 0.015)
        pts = surf.project(cam, lamp)
        cv.polygon(pts, glossy_fill(cam, surf, (0.55, 0.755), (0.55, 0.66), (92, 96, 104), 0.3))
        clip = polygon_mask(pts)
        for cy, r in ((0.70, 0.04), (0.47, 0.04)):  # twin projectors, each in a corona ring
            ring = surf.project(cam, ellipse_uv((cy, 0.715), r, r))
            cv.polygon(ring, (30, 32, 36), clip=clip)
            cv.line(ring + ring[:1], px(cam, surf.at(cy, 0.7), 0.007), (226, 232, 240), clip=clip)
            inner = surf.project(cam, ellipse_uv((cy, 0.715), r * 0.45, r * 0.45))
            glow = px(cam, surf.at(cy, 0.715), r * 0.45)
            cv.polygon(
                inner,
                Radial(cam.project(surf.at(cy, 0.7)), (glow, glow), ((0.0, (200, 206, 214)), (1.0, (40, 44, 50)))),
                clip=clip,
            )
        cv.polygon(
            surf.project(cam, densify([(0.34, 0.672), (0.60, 0.664), (0.60, 0.676), (0.34, 0.684)], 0.01)),
            (210, 140, 50),
            alpha=0.7,
            clip=clip,
        )
        # Oxidised polycarbonate: a milky, yellowed film over the whole lens.
        cv.polygon(pts, (214, 204, 168), alpha=0.38, clip=clip)
        for i in range(3):
            spot = surf.project(cam, ellipse_uv((0.42 + 0.16 * i, 0.71 + 0.015 * (i % 2)), 0.09, 0.03))
            cv.polygon(spot, (232, 226, 200), alpha=0.22, blur=8, clip=clip)
        cv.polygon(
            surf.project(cam, densify([(0.33, 0.745), (0.84, 0.73), (0.84, 0.738), (0.33, 0.752)], 0.02)),
            (250, 250, 250),
            alpha=0.35,
            blur=3,
            clip=clip,
        )
        cv.line(pts + pts[:1], px(cam, surf.at(0.55, 0.7), 0.005), (6, 8, 12), alpha=0.9)
        kidney = densify(KIDNEY, 0.012)
        kpts = surf.project(cam, kidney)
        cv.polygon(kpts, (10, 10, 12))
        kclip = polygon_mask(kpts)
        for i in range(11):
            y = 0.045 + i * 0.015
            slat = surf.project(cam, [(y, 0.64), (y, 0.78)])
            cv.line(slat, px(cam, surf.at(y, 0.7), 0.006), (58, 60, 64), clip=kclip)
        cv.line(
            kpts + kpts[:1],
            px(cam, surf.at(0.12, 0.7), 0.012),
            glossy_fill(cam, surf, (0.12, 0.775), (0.12, 0.655), (170, 172, 176), 0.6),
        )
        fog = surf.project(cam, densify([(0.50, 0.22), (0.76, 0.22), (0.75, 0.365), (0.53, 0.38)], 0.015))
        cv.polygon(fog, (14, 14, 16))
        lens = surf.project(cam, ellipse_uv((0.66, 0.315), 0.036, 0.036))
        cv.polygon(lens, Linear(lens[30], lens[10], ((0.0, (220, 224, 230)), (1.0, (90, 94, 100)))))
    intake = nose.project(cam, densify([(-0.50, 0.19), (0.50, 0.19), (0.46, 0.29), (-0.46, 0.29)], 0.02))
    cv.polygon(intake, (12, 12, 14))
    iclip = polygon_mask(intake)
    for k in range(-30, 31):  # honeycomb mesh, as staggered highlights
        y = k * 0.016
        for j in range(5):
            z = 0.205 + j * 0.018
            p = cam.project(nose.at(y + (0.008 if j % 2 else 0), z))
            r = px(cam, nose.at(y, z), 0.004)
            cv.ellipse(p, r, r * 0.7, (44, 45, 48), clip=iclip)
    seam(cv, cam, nose, [(-0.86, 0.77), (-0.3, 0.765), (0.3, 0.765), (0.86, 0.77)])
    for s in (1, -1):  # the bumper's swage lines, sweeping down from the grille to the fog lights
        crease(cv, cam, Surface("front", s), [(0.24, 0.585), (0.45, 0.545), (0.66, 0.47), (0.8, 0.42)])
    draw_plate(cv, cam, True, 0.54)


TAIL_OUTER = [
    (0.54, 0.805),
    (0.54, 0.935),
    (0.72, 0.94),
    (0.84, 0.93),
    (0.875, 0.89),
    (0.87, 0.79),
    (0.80, 0.76),
    (0.76, 0.80),
]
TAIL_INNER = [(0.30, 0.85), (0.30, 0.93), (0.52, 0.935), (0.52, 0.805)]


def draw_tail(cv: Canvas, cam: Camera) -> None:
    """Tail lights, trunk and bumper lines, badge, plate and exhaust tips."""
    tail = Surface("rear")
    if not tail.facing(cam, [(0.0, 0.6), (0.6, 0.6), (-0.6, 0.6)]):
        return
    for s in (1, -1):
        surf = Surface("rear", s)
        for shape in (TAIL_OUTER, TAIL_INNER):
            pts = surf.project(cam, densify(shape, 0.015))
            cv.polygon(pts, glossy_fill(cam, surf, (0.6, 0.93), (0.6, 0.8), (120, 12, 16), 0.2))
            clip = polygon_mask(pts)
            for z in (0.835, 0.865, 0.895):  # the light-guide bars behind the lens
                bar = surf.project(cam, densify([(0.30, z), (0.88, z)], 0.03, False))
                cv.line(bar, px(cam, surf.at(0.6, z), 0.009), (196, 40, 44), alpha=0.7, clip=clip)
            cv.line(pts + pts[:1], px(cam, surf.at(0.6, 0.85), 0.005), (20, 4, 6))
        reverse = surf.project(cam, densify([(0.31, 0.853), (0.51, 0.81), (0.51, 0.83), (0.31, 0.873)], 0.01))
        cv.polygon(reverse, (200, 196, 196), alpha=0.6)
        refl = surf.project(cam, densify([(0.66, 0.49), (0.80, 0.49), (0.80, 0.52), (0.66, 0.52)], 0.01))
        cv.polygon(refl, (130, 14, 18))
    seam(cv, cam, tail, [(0.53, 0.945), (0.53, 0.66), (-0.53, 0.66), (-0.53, 0.945)])
    bumper = [(0.53, 0.655), (0.58, 0.70), (0.64, 0.755), (0.72, 0.77), (0.88, 0.775)]
    seam(cv, cam, tail, [(-y, z) for y, z in reversed(bumper)] + bumper, strength=0.7)
    cv.polygon(
        tail.project(cam, densify([(-0.70, 0.36), (0.70, 0.36), (0.66, 0.31), (-0.66, 0.31)], 0.02)), (16, 16, 18)
    )
    badge = tail.at(0.0, 0.905)
    draw_roundel(cv, cam.project(badge), px(cam, badge, 0.035))
    draw_plate(cv, cam, False, 0.60)
    for y in (0.36, 0.47):  # twin exhaust tips on the left
        c = cam.project((0.05, y, 0.29))
        r = px(cam, (0.05, y, 0.29), 0.042)
        chrome = Linear((c[0], c[1] - r), (c[0], c[1] + r), ((0.0, (200, 202, 206)), (1.0, (90, 92, 96))))
        cv.ellipse(c, r, r * 0.9, chrome)
        cv.ellipse(c, r * 0.78, r * 0.7, (12, 10, 10))


# ----------------------------------------------------------------------------- meshes: rounded boxes and rings

Face = tuple[float, list[Pt], Colour]
Shader = Callable[[Vec, Vec], Colour]


def spow(v: float, e: float) -> float:
    """Signed power: squares up a circle's coordinates into a rounded box."""
    return math.copysign(abs(v) ** e, v)


def pitch_up(v: Vec, pitch: float) -> Vec:
    """Rotate about the y axis; a positive pitch lifts +x and leans +z back towards -x."""
    x, y, z = v
    return (x * math.cos(pitch) - z * math.sin(pitch), y, x * math.sin(pitch) + z * math.cos(pitch))


def superquadric(
    centre: Vec, radii: Vec, e: float = 0.6, pitch: float = 0.0, nu: int = 28, nv: int = 14
) -> list[list[Vec]]:
    """A rounded box (e < 1) or ellipsoid (e = 1) as a grid of points."""
    grid = []
    for j in range(nv + 1):
        v = -math.pi / 2 + math.pi * j / nv
        row = []
        for i in range(nu + 1):
            u = math.tau * i / nu
            local = (
                radii[0] * spow(math.cos(v), e) * spow(math.cos(u), e),
                radii[1] * spow(math.cos(v), e) * spow(math.sin(u), e),
                radii[2] * spow(math.sin(v), e),
            )
            row.append(add(centre, pitch_up(local, pitch)))
        grid.append(row)
    return grid


def mesh_faces(cam: Camera, grid: list[list[Vec]], inside: Callable[[Vec], Vec], shader: Shader) -> list[Face]:
    """Camera-facing quads of a point grid, each shaded flat; `inside` gives a point behind each face."""
    faces = []
    for j in range(len(grid) - 1):
        for i in range(len(grid[0]) - 1):
            quad = [grid[j][i], grid[j][i + 1], grid[j + 1][i + 1], grid[j + 1][i]]
            c = scale(add(add(quad[0], quad[1]), add(quad[2], quad[3])), 0.25)
            n = cross(sub(quad[2], quad[0]), sub(quad[3], quad[1]))
            if dot(n, n) < 1e-14 or cam.depth(c) < 0.05:
                continue
            n = unit(n)
            if dot(n, sub(c, inside(c))) < 0:
                n = scale(n, -1.0)
            if cam.facing(c, n):
                faces.append((-cam.depth(c), [cam.project(p) for p in quad], shader(n, c)))
    return faces


def blob_faces(
    cam: Camera, centre: Vec, radii: Vec, e: float, shader: Shader, pitch: float = 0.0, nu: int = 28, nv: int = 14
) -> list[Face]:
    """The visible faces of one rounded box."""
    return mesh_faces(cam, superquadric(centre, radii, e, pitch=pitch, nu=nu, nv=nv), lambda _: centre, shader)


def draw_faces(cv: Canvas, faces: list[Face], smooth_px: float = 0.0) -> None:
    """Paint faces far to near; optionally soften the flat shading inside the crisp outline."""
    faces = sorted(faces, key=lambda f: f[0])
    if smooth_px <= 0:
        draw = ImageDraw.Draw(cv.img)
        for _, quad, colour in faces:
            draw.polygon(quad, fill=colour, outline=colour)
        return
    layer, mask = cv.img.copy(), Image.new("L", cv.img.size, 0)
    dl, dm = ImageDraw.Draw(layer), ImageDraw.Draw(mask)
    for _, quad, colour in faces:
        dl.polygon(quad, fill=colour, outline=colour)
        dm.polygon(quad, fill=255, outline=255)
    box = mask.getbbox()
    if box:
        cv.img.paste(layer.crop(box).filter(ImageFilter.GaussianBlur(smooth_px)), box[:2], mask.crop(box))


def draw_mirror(cv: Canvas, cam: Camera, s: int) -> None:
    """The door mirror: a body-coloured shell on a short arm, glass facing rearwards."""
    centre = (3.13, s * 0.985, 1.0)

    def shader(n: Vec, c: Vec) -> Colour:
        if n[0] < -0.55:
            return reflective(cam, c, n, (60, 64, 70), 0.8)
        return shade_paint(n, c, cam.pos, (10, 10, 12) if n[2] < -0.5 else PAINT)

    arm = [(3.10, s * 0.86, 0.95), (3.20, s * 0.86, 0.95), (3.17, s * 0.93, 0.97), (3.10, s * 0.93, 0.97)]
    cv.polygon([cam.project(p) for p in arm], (10, 10, 12))
    draw_faces(cv, blob_faces(cam, centre, (0.06, 0.12, 0.065), 0.6, shader, nu=24, nv=12))


# ----------------------------------------------------------------------------- what stands around the lot

HAZE = (214, 220, 228)


@dataclass(frozen=True)
class Building:
    """A flat-roofed block on the lot's edge: footprint, height, wall colour, rows of windows."""

    x0: float
    x1: float
    y0: float
    y1: float
    height: float
    wall: Colour
    storeys: int
    glass_front: bool = False


BUILDINGS = (
    Building(-20.0, 26.0, 34.0, 48.0, 7.5, (206, 208, 210), 1, glass_front=True),
    Building(-52.0, -36.0, -34.0, 22.0, 9.0, (196, 182, 160), 2),
    Building(32.0, 58.0, -46.0, -20.0, 14.0, (172, 176, 182), 4),
    Building(40.0, 60.0, 10.0, 36.0, 6.0, (150, 120, 100), 1),
)
TREES = tuple(
    [(float(x), -27.0 + (x % 3)) for x in range(-24, 34, 6)]
    + [(23.0 + (y % 2), float(y)) for y in range(-18, 30, 7)]
    + [(-30.0 - (y % 4), float(y)) for y in range(-26, 30, 8)]
)
POLES = ((8.5, 9.5), (8.5, -9.5), (-10.5, 13.0), (-10.5, -14.0), (15.0, -22.0), (-4.0, 25.0))


def hazed(c: Colour, dist: float) -> Colour:
    """Aerial perspective: distant things fade towards the sky's haze."""
    return mix(c, HAZE, clamp((dist - 15) / 120) * 0.65)


def draw_building(cv: Canvas, cam: Camera, b: Building) -> None:
    """The walls that face the camera, each with its windows and a darker eave."""
    corners = [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)]
    for (xa, ya), (xb, yb) in zip(corners, corners[1:] + corners[:1]):
        n = unit((yb - ya, xa - xb, 0.0))  # outward for this counter-clockwise footprint
        mid = ((xa + xb) / 2, (ya + yb) / 2, b.height / 2)
        if not cam.facing(mid, n) or cam.depth(mid) < 1:
            continue
        dist = math.dist(cam.pos[:2], mid[:2])
        lit = 0.8 + 0.25 * dot(n, SUN)
        wall = hazed(tuple(min(255, round(c * lit)) for c in b.wall), dist)
        quad = [cam.project(p) for p in ((xa, ya, 0.0), (xb, yb, 0.0), (xb, yb, b.height), (xa, ya, b.height))]
        cv.polygon(quad, Linear(quad[3], quad[0], ((0.0, mix(wall, (255, 255, 255), 0.1)), (1.0, wall))))
        length = math.hypot(xb - xa, yb - ya)
        facing_lot = b.glass_front and n[1] < -0.9
        cols = max(1, round(length / (4.0 if facing_lot else 3.2)))
        glass = hazed((70, 86, 100) if facing_lot else (60, 66, 74), dist)
        for j in range(b.storeys):
            z0 = 0.4 + j * b.height / b.storeys if facing_lot else 1.0 + j * b.height / b.storeys
            z1 = z0 + (b.height * 0.62 if facing_lot else 1.4)
            for i in range(cols):
                t0, t1 = (i + 0.1) / cols, (i + 0.9) / cols
                p = [(lerp(xa, xb, t), lerp(ya, yb, t), z) for t, z in ((t0, z0), (t1, z0), (t1, z1), (t0, z1))]
                pts = [cam.project(q) for q in p]
                cv.polygon(pts, Linear(pts[3], pts[0], ((0.0, mix(glass, HAZE, 0.35)), (1.0, glass))))
        eave = [
            cam.project(p)
            for p in ((xa, ya, b.height - 0.5), (xb, yb, b.height - 0.5), (xb, yb, b.height), (xa, ya, b.height))
        ]
        cv.polygon(eave, hazed((90, 92, 96), dist))


def draw_tree(cv: Canvas, cam: Camera, x: float, y: float, rng: random.Random) -> None:
    """A deciduous tree standing at (x, y)."""
    base = (x, y, 0.0)
    if cam.depth(base) < 2:
        return
    dist = math.dist(cam.pos[:2], (x, y))
    height = rng.uniform(6.5, 9.5)
    spread = height * 0.32
    trunk = [cam.project((x, y, 0.0)), cam.project((x, y, height * 0.5))]
    cv.line(trunk, px(cam, base, 0.28), hazed((58, 50, 44), dist))
    # Many small leaf clusters, darker low and inside, lit on top, read as foliage rather than a blob.
    draw = ImageDraw.Draw(cv.img)
    for _ in range(70):
        a = rng.uniform(0, math.tau)
        r = spread * math.sqrt(rng.random())
        cz = height * 0.62 + rng.uniform(-0.32, 0.3) * height * math.cos(r / spread * math.pi / 2)
        p3 = (x + r * math.cos(a), y + r * math.sin(a), cz)
        size = px(cam, p3, rng.uniform(0.45, 0.9))
        lit = clamp((cz - height * 0.4) / (height * 0.5)) * 0.7 + rng.random() * 0.3
        tone = hazed(mix((30, 46, 28), (104, 126, 62), lit), dist)
        cx, cy = cam.project(p3)
        draw.ellipse((cx - size, cy - size * 0.8, cx + size, cy + size * 0.8), fill=tone)


def draw_pole(cv: Canvas, cam: Camera, x: float, y: float) -> None:
    """A lot lamp post with its luminaire."""
    if cam.depth((x, y, 0.0)) < 2:
        return
    dist = math.dist(cam.pos[:2], (x, y))
    colour = hazed((118, 120, 124), dist)
    cv.line([cam.project((x, y, 0.0)), cam.project((x, y, 9.0))], px(cam, (x, y, 4.0), 0.16), colour)
    head = [
        cam.project(p)
        for p in ((x - 0.3, y - 0.3, 9.0), (x + 0.9, y - 0.3, 9.0), (x + 0.9, y + 0.3, 9.2), (x - 0.3, y + 0.3, 9.2))
    ]
    cv.polygon(head, hazed((70, 72, 76), dist))


def draw_surroundings(cv: Canvas, cam: Camera) -> None:
    """Buildings, trees and lamp posts, farthest first."""
    rng = random.Random(5)
    items: list[tuple[float, Callable[[], None]]] = []
    for b in BUILDINGS:
        centre = ((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2)
        items.append((math.dist(cam.pos[:2], centre), lambda b=b: draw_building(cv, cam, b)))
    for x, y in TREES:
        seed = rng.random()
        items.append(
            (math.dist(cam.pos[:2], (x, y)), lambda x=x, y=y, seed=seed: draw_tree(cv, cam, x, y, random.Random(seed)))
        )
    for x, y in POLES:
        items.append((math.dist(cam.pos[:2], (x, y)), lambda x=x, y=y: draw_pole(cv, cam, x, y)))
    for _, draw in sorted(items, key=lambda item: -item[0]):
        draw()


# ----------------------------------------------------------------------------- damage


@dataclass(frozen=True)
class Damage:
    """A damage from PAVE's sample data: where its marker sits (percent of the photo) and what to paint."""

    part: str
    x: float
    y: float
    kind: str  # scrape, dent, scratch, scuff, chips, haze, crack
    angle: float = 0.0  # degrees, for the long marks

    @property
    def at(self) -> Pt:
        return (self.x / 100 * W, self.y / 100 * H)


def paint_damage(cv: Canvas, d: Damage, rng: random.Random) -> None:
    """Small, believable marks centred on the marker position."""
    cx, cy = d.at
    a = math.radians(d.angle)
    ux, uy = math.cos(a), math.sin(a)
    nx, ny = -uy, ux
    k = SS
    if d.kind in ("scrape", "scuff"):
        length, width = (70 if d.kind == "scrape" else 46) * k, (16 if d.kind == "scrape" else 10) * k
        for _ in range(26 if d.kind == "scrape" else 16):
            off = rng.uniform(-width, width) / 2
            start = rng.uniform(-length / 2, length / 4)
            end = start + rng.uniform(length / 4, length * 0.75)
            p0 = (cx + ux * start + nx * off, cy + uy * start + ny * off)
            drift = off + rng.uniform(-2, 2) * k
            p1 = (cx + ux * end + nx * drift, cy + uy * end + ny * drift)
            tone = rng.choice(((196, 198, 200), (150, 154, 160), (226, 226, 222)))
            cv.line([p0, p1], rng.uniform(0.6, 1.8) * k, tone, alpha=rng.uniform(0.35, 0.8))
        cv.ellipse((cx, cy), length * 0.45, width * 0.7, (170, 172, 176), alpha=0.18, blur=width * 0.4)
    elif d.kind == "dent":
        r = 26 * k
        cv.ellipse((cx, cy + r * 0.15), r, r * 0.62, (0, 2, 8), alpha=0.45, blur=r * 0.35)
        crescent = arc((cx, cy - r * 0.1), r * 0.85, r * 0.5, math.pi * 1.1, math.pi * 1.9, 20)
        cv.line(crescent, 3 * k, (200, 215, 240), alpha=0.55, blur=k * 1.5)
        cv.line(
            arc((cx, cy + r * 0.2), r * 0.8, r * 0.42, math.pi * 0.15, math.pi * 0.85, 20),
            2 * k,
            (120, 140, 180),
            alpha=0.3,
            blur=k * 2,
        )
        cv.line([(cx - r * 0.5, cy - r * 0.05), (cx + r * 0.45, cy + r * 0.08)], 1.2 * k, (225, 230, 240), alpha=0.5)
    elif d.kind == "scratch":
        length = 64 * k
        pts = []
        for i in range(9):
            t = -length / 2 + length * i / 8
            wob = rng.uniform(-1.5, 1.5) * k
            pts.append((cx + ux * t + nx * wob, cy + uy * t + ny * wob))
        cv.line(pts, 2.2 * k, (236, 238, 240), alpha=0.85)
        cv.line([(x + nx * 5 * k, y + ny * 5 * k) for x, y in pts[2:7]], 1.2 * k, (210, 214, 220), alpha=0.6)
    elif d.kind == "chips":
        for _ in range(14):
            p = (cx + rng.gauss(0, 12) * k, cy + rng.gauss(0, 7) * k)
            r = rng.uniform(0.8, 2.2) * k
            cv.ellipse(p, r, r * 0.8, (230, 232, 236), alpha=0.9)
        cv.line([(cx - 22 * k, cy - 3 * k), (cx + 20 * k, cy + 4 * k)], 1.4 * k, (220, 224, 230), alpha=0.7)
    elif d.kind == "haze":
        cv.ellipse((cx, cy), 40 * k, 14 * k, (236, 230, 205), alpha=0.35, blur=10 * k)
        for _ in range(30):  # crazing: fine crack lines in the weathered lens coating
            p = (cx + rng.uniform(-34, 34) * k, cy + rng.uniform(-10, 10) * k)
            q = (p[0] + rng.uniform(-6, 6) * k, p[1] + rng.uniform(-3, 3) * k)
            cv.line([p, q], 0.8 * k, (250, 248, 236), alpha=0.5)
    elif d.kind == "crack":
        pts = [(cx - 30 * k, cy - 4 * k)]
        for i in range(1, 8):
            pts.append((cx - 30 * k + 60 * k * i / 7, cy + rng.uniform(-6, 6) * k))
        cv.line([(x, y + 2 * k) for x, y in pts], 2 * k, (180, 190, 210), alpha=0.35)
        cv.line(pts, 2 * k, (4, 6, 10), alpha=0.9)


def draw_cross(cv: Canvas, p: Pt) -> None:
    """A check-mode marker: a small red cross exactly on a damage coordinate."""
    r = 14 * SS
    for (ax, ay), (bx, by) in (((-r, -r), (r, r)), ((-r, r), (r, -r))):
        cv.line([(p[0] + ax, p[1] + ay), (p[0] + bx, p[1] + by)], 3 * SS, (255, 0, 0))


# ----------------------------------------------------------------------------- the exterior photos


@dataclass(frozen=True)
class Exterior:
    """One walk-around capture: where the phone stood, what it aimed at, and the damages it shows."""

    pos: Vec
    target: Vec
    damages: tuple[Damage, ...] = ()


# Camera placements were solved so that PAVE's sample marker coordinates land on the named parts.
EXTERIORS = {
    "04_TVL": Exterior(
        (2.136, 4.813, 1.1),
        (2.136, 0.0, -0.666),
        (
            Damage("WHEEL_FRONT_LEFT", 17.43, 27.37, "scuff", -40),
            Damage("DOOR_REAR_LEFT", 59.84, 24.76, "dent"),
            Damage("DOOR_REAR_LEFT", 60.88, 23.56, "scratch", -8),
        ),
    ),
    "10_FLF": Exterior((5.9, 3.05, 1.45), (2.3, 0.1, 0.22)),
    "05_IC5": Exterior(
        (6.534, -0.185, 0.897),
        (2.216, 0.188, -0.75),
        (
            Damage("LIGHT_HEAD_FRONT_LEFT", 72.03, 21.54, "haze"),
            Damage("LIGHT_HEAD_FRONT_RIGHT", 27.52, 22.14, "haze"),
            Damage("BUMPER_FRONT_UNIQUE", 20.72, 37.92, "scrape", 10),
            Damage("BUMPER_FRONT_UNIQUE", 19.45, 23.49, "scratch", 4),
            Damage("BUMPER_FRONT_UNIQUE", 47.25, 40.91, "scrape", -3),
            Damage("BUMPER_FRONT_UNIQUE", 36.05, 26.93, "crack"),
            Damage("BUMPER_FRONT_UNIQUE", 50.11, 26.40, "scratch", 6),
            Damage("HOOD_FRONT_UNIQUE", 43.01, 12.86, "chips"),
            Damage("HOOD_FRONT_UNIQUE", 54.30, 13.76, "scratch", -12),
            Damage("HOUSING_MIRROR_LEFT", 70.16, 8.38, "scuff", 15),
        ),
    ),
    "11_FRT": Exterior((5.9, -3.05, 1.45), (2.3, -0.1, 0.22)),
    "07_R0Q": Exterior(
        (2.337, -4.814, 1.1),
        (2.337, 0.0, -0.666),
        (
            Damage("DOOR_FRONT_RIGHT", 55.95, 22.29, "dent"),
            Damage("BUMPER_FRONT_UNIQUE", 86.84, 26.10, "scrape", -6),
            Damage("BUMPER_FRONT_UNIQUE", 87.88, 32.24, "scuff", 20),
            Damage("DOOR_REAR_RIGHT", 42.11, 26.85, "scratch", 3),
            Damage("DOOR_REAR_RIGHT", 42.41, 24.38, "dent"),
            Damage("ROCKER_PANEL_RIGHT", 34.93, 32.01, "scrape", 2),
            Damage("QUARTER_PANEL_RIGHT", 16.16, 22.51, "dent"),
            Damage("QUARTER_PANEL_RIGHT", 24.68, 13.16, "scratch", 25),
            Damage("QUARTER_PANEL_RIGHT", 22.84, 23.98, "scrape", -4),
            Damage("QUARTER_PANEL_RIGHT", 24.21, 20.73, "dent"),
            Damage("WHEEL_REAR_RIGHT", 22.90, 27.33, "scuff", 35),
        ),
    ),
    "12_RRT": Exterior((-1.75, -3.1, 1.45), (2.2, -0.1, 0.22)),
    "08_U9T": Exterior(
        (-1.85, 0.135, 1.1),
        (2.069, -0.086, -0.706),
        (
            Damage("BUMPER_REAR_UNIQUE", 76.36, 25.88, "scrape", 5),
            Damage("BUMPER_REAR_UNIQUE", 67.46, 30.82, "crack"),
            Damage("TRUNK_REAR_UNIQUE", 48.62, 28.35, "dent"),
        ),
    ),
    "13_RLF": Exterior((-1.75, 3.1, 1.45), (2.2, 0.1, 0.22)),
    "09_WSH": Exterior((4.5, 0.4, 1.42), (2.9, 0.0, 1.12)),
    "06_TIR": Exterior((3.98, 1.72, 0.5), (3.74, 0.86, 0.31)),
}


def render_exterior(shot: Exterior, check: bool) -> Image.Image:
    """One walk-around photo at render scale: the lot, the car, its damages (and check crosses)."""
    cam = Camera(shot.pos, shot.target)
    cv = Canvas()
    draw_sky(cv, cam)
    draw_ground(cv, cam)
    draw_surroundings(cv, cam)
    backdrop = cv.img.copy()
    render_car(cv, cam)
    # Damage is painted only where the car is: whatever rendering the car changed.
    on_car = ImageChops.difference(backdrop, cv.img).convert("L").point(lambda v: 255 if v else 0)
    rng = random.Random(seed_from(shot.pos))
    marked = Canvas(cv.img)
    for d in shot.damages:
        paint_damage(marked, d, rng)
    cv.img.paste(marked.img, (0, 0), on_car)
    if check:
        for d in shot.damages:
            draw_cross(cv, d.at)
    return cv.img


def seed_from(values: Sequence[float]) -> int:
    """A stable seed from numbers (Python's hash() of strings changes between runs)."""
    return sum(round(v * 1000) * (i + 1) for i, v in enumerate(values)) & 0xFFFFFFFF


# ----------------------------------------------------------------------------- the camera's look


@cache
def vignette() -> Image.Image:
    """A multiplier darkening the corners the way a phone lens does."""
    falloff = Image.radial_gradient("L").resize((OUT_W, OUT_H), Image.Resampling.BILINEAR)
    return Image.merge("RGB", (falloff.point(lambda v: round(255 - 60 * (v / 255) ** 2.2)),) * 3)


def finish(img: Image.Image, seed: int) -> Image.Image:
    """Reduce to output size and add what a phone photo has: slight warmth, vignette and sensor grain."""
    out = img.reduce(SS)  # a box filter is exactly right for averaging the supersamples
    out = Image.merge(
        "RGB", [ch.point(lambda v, g=g: min(255, round(v * g))) for ch, g in zip(out.split(), (1.02, 1.0, 0.97))]
    )
    out = ImageChops.multiply(out, vignette())
    grain = noise((OUT_W, OUT_H), seed, 0.7).point(lambda v: round(128 + (v - 128) * 0.07))
    return ImageChops.add(out, Image.merge("RGB", (grain,) * 3), 1.0, -128)


# ----------------------------------------------------------------------------- close-ups

VIN = "WBAPG73589A641024"


@cache
def vin_label() -> Image.Image:
    """The certification label from the driver's door pillar, flat, 0.11 m x 0.06 m."""
    w, h = 2200, 1200
    cv = Canvas((232, 232, 228), (w, h))
    cv.fill(Linear((0, 0), (w, h), ((0.0, (240, 240, 236)), (1.0, (214, 216, 214)))))
    ink = (30, 30, 34)
    small, mid = font(42, bold=False), font(54, bold=False)
    cv.text((80, 70), "MFD. BY BMW AG", font(62), ink)
    cv.text((w - 80, 70), "DATE: 09/08", font(62), ink, anchor="ra")
    cv.text((80, 170), "GVWR: 2100 KG (4630 LB)", mid, ink)
    cv.text((80, 240), "GAWR FRT: 975 KG (2150 LB)      GAWR RR: 1170 KG (2579 LB)", mid, ink)
    lines = (
        "THIS VEHICLE CONFORMS TO ALL APPLICABLE U.S. FEDERAL MOTOR VEHICLE SAFETY,",
        "BUMPER, AND THEFT PREVENTION STANDARDS IN EFFECT ON THE DATE OF",
        "MANUFACTURE SHOWN ABOVE.",
    )
    for i, text in enumerate(lines):
        cv.text((80, 340 + i * 56), text, small, ink)
    cv.text((80, 560), "VIN:", font(92), ink)
    cv.text((330, 548), VIN, font(118), ink)
    rng = random.Random(17)
    x = 90
    while x < w - 120:  # a barcode of the VIN, bars of one to three modules
        bar = rng.choice((4, 4, 8, 12))
        cv.polygon([(x, 720), (x + bar, 720), (x + bar, 930), (x, 930)], ink)
        x += bar + rng.choice((4, 8, 8, 12))
    cv.text((80, 980), "TYPE: PASS. CAR", mid, ink)
    cv.text((w - 80, 980), "MADE IN GERMANY", mid, ink, anchor="ra")
    cv.text((80, 1070), "PAINT A76   TRIM LCSW   E90 328I", small, ink)
    border = Image.new("L", (w, h), 0)
    ImageDraw.Draw(border).rounded_rectangle((0, 0, w - 1, h - 1), radius=60, fill=255)
    edge = Image.new("L", (w, h), 0)
    ImageDraw.Draw(edge).rounded_rectangle((20, 20, w - 21, h - 21), radius=46, outline=255, width=6)
    img = cv.img
    img.paste((60, 60, 64), (0, 0), edge)
    out = img.convert("RGBA")
    out.putalpha(border)
    return out


def render_vin() -> Image.Image:
    """The door pillar seen from the open driver's door: painted metal, rubber seal, the VIN label."""
    cam = Camera((0.0, 0.0, 0.0), (1.0, 0.0, 0.0), focal=1750.0)
    cv = Canvas()
    # The pillar face is a plane 0.22 m away, turned 32 degrees, so the label recedes to the right.
    turn = math.radians(32)
    along = (math.sin(turn), -math.cos(turn), 0.0)
    down = (0.0, 0.0, -1.0)
    centre = (0.22, 0.0, 0.0)

    def corner(a: float, b: float) -> Vec:
        """The point a metres along and b metres down the pillar face from its centre."""
        return add(centre, add(scale(along, a), scale(down, b)))

    face = [cam.project(corner(a, b)) for a, b in ((-0.4, -0.3), (0.4, -0.3), (0.4, 0.3), (-0.4, 0.3))]
    cv.polygon(face, Linear((0, 0), (W, H), ((0.0, (22, 40, 86)), (0.45, (12, 26, 62)), (1.0, (6, 14, 36)))))
    cv.polygon([(W * 0.05, 0), (W * 0.3, 0), (W * 0.75, H), (W * 0.52, H)], (150, 170, 210), alpha=0.16, blur=90)
    cv.polygon(
        [(-50, H * 0.8), (W * 0.4, H * 0.55), (W * 0.45, H * 0.62), (-50, H * 0.95)],
        (120, 140, 190),
        alpha=0.1,
        blur=60,
    )
    for i in range(9):  # spot welds along the pinch flange
        b = -0.1 + i * 0.03
        p = cam.project(corner(0.066, b))
        r = px(cam, corner(0.066, b), 0.0035)
        cv.ellipse(p, r, r * 1.1, (4, 10, 26), alpha=0.6, blur=r * 0.3)
        cv.ellipse((p[0] - r * 0.3, p[1] - r * 0.3), r * 0.5, r * 0.5, (90, 110, 160), alpha=0.4, blur=r * 0.3)
    seal_x = cam.project(corner(0.075, 0))[0]
    cv.polygon([(seal_x, -10), (W + 10, -10), (W + 10, H + 10), (seal_x - 40, H + 10)], (10, 10, 11))
    for i in range(7):  # ribs of the door seal
        x = seal_x + 60 + i * 110
        cv.line([(x, -10), (x - 30, H + 10)], 22, (30, 30, 32), alpha=0.7, blur=8)
    cv.line([(seal_x + 10, -10), (seal_x - 30, H + 10)], 14, (70, 72, 76), alpha=0.6, blur=6)
    label = vin_label()
    res = 0.11 / label.width
    origin = corner(-0.085, -0.025)
    to_canvas = cam.plane(origin, scale(along, res), scale(down, res))
    quad = [cam.project(corner(-0.085 + a, -0.025 + b)) for a, b in ((0, 0), (0.11, 0), (0.11, 0.06), (0, 0.06))]
    cv.polygon([(x + 24, y + 30) for x, y in quad], (0, 0, 0), alpha=0.55, blur=20)
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    img, at = warp(label, to_canvas, (min(xs) - 2, min(ys) - 2, max(xs) + 2, max(ys) + 2))
    cv.img.paste(img.convert("RGB"), at, img.getchannel("A"))
    cv.polygon(
        quad,
        Linear(quad[0], quad[2], ((0.0, (255, 255, 255, 0)), (0.45, (255, 255, 255, 70)), (0.6, (255, 255, 255, 0)))),
    )
    # Shallow depth of field: the far end of the pillar is soft.
    soft = cv.img.filter(ImageFilter.GaussianBlur(7))
    return Image.composite(soft, cv.img, ramp((W, H), (W * 0.55, 0), (W, 0)))


def dial_point(c: Pt, r: float, angle: float) -> Pt:
    """A point on a dial; angle in degrees clockwise from twelve o'clock."""
    a = math.radians(angle)
    return (c[0] + r * math.sin(a), c[1] - r * math.cos(a))


def draw_dial(
    cv: Canvas,
    c: Pt,
    r: float,
    top: float,
    major: float,
    minor: float,
    label_every: float,
    red_from: float | None,
    caption: str,
    reading: float,
) -> None:
    """A round gauge: chrome bezel, black face, ticks, numerals and a lit orange needle."""

    def sweep(v: float) -> float:
        return -135 + 270 * v / top

    cv.ellipse(
        c,
        r * 1.08,
        r * 1.08,
        Linear(
            (c[0], c[1] - r),
            (c[0], c[1] + r),
            ((0.0, (214, 216, 220)), (0.45, (92, 94, 98)), (0.55, (60, 62, 66)), (1.0, (170, 172, 176))),
        ),
    )
    cv.ellipse(c, r * 1.02, r * 1.02, (6, 6, 8))
    cv.ellipse(c, r, r, Radial(c, (r, r), ((0.0, (30, 30, 34)), (0.8, (16, 16, 19)), (1.0, (8, 8, 10)))))
    if red_from is not None:
        band = [dial_point(c, r * 0.96, sweep(red_from) + (sweep(top) - sweep(red_from)) * i / 20) for i in range(21)]
        band += [dial_point(c, r * 0.86, sweep(top) - (sweep(top) - sweep(red_from)) * i / 20) for i in range(21)]
        cv.polygon(band, (190, 30, 28))
    v = 0.0
    while v <= top + 1e-6:
        is_major = abs(v / major - round(v / major)) < 1e-6
        a = sweep(v)
        inner = r * (0.84 if is_major else 0.9)
        tick = [dial_point(c, inner, a), dial_point(c, r * 0.97, a)]
        cv.line(tick, r * (0.018 if is_major else 0.008), (236, 236, 232))
        if abs(v / label_every - round(v / label_every)) < 1e-6:
            text = f"{v:g}"
            cv.text(dial_point(c, r * 0.68, a), text, font(round(r * 0.15), bold=False), (240, 240, 236), anchor="mm")
        v += minor
    cv.text((c[0], c[1] - r * 0.36), caption, font(round(r * 0.075), bold=False), (200, 200, 196), anchor="mm")
    a = sweep(reading)
    tip, tail = dial_point(c, r * 0.9, a), dial_point(c, r * 0.18, a + 180)
    side_a, side_b = dial_point(c, r * 0.035, a + 90), dial_point(c, r * 0.035, a - 90)
    cv.polygon([tip, side_a, tail, side_b], (255, 140, 60), alpha=0.5, blur=r * 0.03)
    cv.polygon([tip, side_a, tail, side_b], (246, 104, 36))
    cv.ellipse(
        c,
        r * 0.11,
        r * 0.11,
        Radial((c[0], c[1] - r * 0.04), (r * 0.12, r * 0.12), ((0.0, (70, 70, 74)), (1.0, (14, 14, 16)))),
    )


def draw_lcd(cv: Canvas, box: tuple[float, float, float, float], lines: Sequence[tuple[str, int]]) -> None:
    """A backlit segment display with centred lines of (text, size)."""
    x0, y0, x1, y1 = box
    cv.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], (26, 16, 8))
    cv.line([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], 6, (50, 50, 54))
    y = y0 + (y1 - y0) / (len(lines) + 1)
    for text, size in lines:
        cv.text(((x0 + x1) / 2, y), text, font(size), (255, 150, 60), anchor="mm", alpha=0.35, blur=6)
        cv.text(((x0 + x1) / 2, y), text, font(size), (255, 170, 84), anchor="mm")
        y += (y1 - y0) / (len(lines) + 1)


def render_cluster() -> Image.Image:
    """The instrument cluster through the steering wheel, ignition on, engine idling."""
    cv = Canvas()
    cv.fill(Linear((0, 0), (0, H), ((0.0, (40, 40, 43)), (1.0, (18, 18, 20)))))
    face = [(W * 0.05, H * 0.2), (W * 0.95, H * 0.2), (W * 0.98, H * 0.9), (W * 0.02, H * 0.9)]
    cv.polygon(face, (8, 8, 10))
    cv.polygon([(0, 0), (W, 0), (W, H * 0.26), (W * 0.5, H * 0.32), (0, H * 0.26)], (0, 0, 0), alpha=0.6, blur=60)
    cv.polygon(
        [(-20, -20), (W + 20, -20), (W + 20, H * 0.17), (W * 0.5, H * 0.22), (-20, H * 0.17)],
        Linear((0, 0), (0, H * 0.2), ((0.0, (44, 44, 46)), (1.0, (24, 24, 26)))),
    )
    r = W * 0.19
    speedo, tacho = (W * 0.3, H * 0.53), (W * 0.7, H * 0.53)
    draw_dial(cv, speedo, r, 160, 20, 10, 20, None, "mph", 0)
    draw_dial(cv, tacho, r, 7, 1, 0.5, 1, 6.5, "1/min x1000", 0.75)
    draw_lcd(
        cv,
        (speedo[0] - r * 0.34, speedo[1] + r * 0.3, speedo[0] + r * 0.34, speedo[1] + r * 0.6),
        (("87,412 mi", round(r * 0.1)), ("TRIP A   235.8", round(r * 0.06))),
    )
    draw_lcd(
        cv,
        (tacho[0] - r * 0.34, tacho[1] + r * 0.3, tacho[0] + r * 0.34, tacho[1] + r * 0.6),
        (("10:42", round(r * 0.1)), ("+68\u00b0F    D", round(r * 0.06))),
    )
    for i, colour in enumerate(((220, 40, 30), (240, 170, 20), (220, 40, 30))):  # bulb check at ignition
        cv.ellipse((W * 0.5 + (i - 1) * r * 0.16, H * 0.72), r * 0.035, r * 0.035, colour)
    # The cluster glass: a broad soft reflection and a crisp arc where its curved edge catches the light.
    cv.polygon(
        [(W * 0.1, H * 0.2), (W * 0.45, H * 0.2), (W * 0.3, H * 0.9), (W * 0.0, H * 0.9)],
        (230, 235, 240),
        alpha=0.07,
        blur=80,
    )
    cv.line(
        arc((W * 0.5, H * 1.6), W * 0.62, H * 1.36, math.pi * 1.25, math.pi * 1.75, 60),
        10,
        (240, 240, 240),
        alpha=0.25,
        blur=4,
    )
    # The steering wheel rim and its spokes, close to the lens and out of focus.
    wheel = Canvas(cv.img)
    rim = arc((W * 0.5, H * 1.75), W * 0.75, H * 0.95, math.pi * 1.05, math.pi * 1.95, 90)
    wheel.line(
        rim,
        H * 0.11,
        Linear((0, H * 0.78), (0, H * 0.95), ((0.0, (46, 44, 42)), (0.4, (22, 21, 20)), (1.0, (8, 8, 8)))),
    )
    wheel.line([(x, y - H * 0.045) for x, y in rim], 12, (90, 88, 84), alpha=0.5)
    for side in (-1, 1):
        wheel.polygon(
            [
                (W * 0.5 + side * W * 0.22, H),
                (W * 0.5 + side * W * 0.58, H * 0.93),
                (W * 0.5 + side * W * 0.62, H + 20),
            ],
            (16, 16, 17),
        )
    soft = wheel.img.filter(ImageFilter.GaussianBlur(18))
    return Image.composite(soft, wheel.img, ramp((W, H), (0, H * 0.8), (0, H * 0.9)))


def cabin_shader(cam: Camera, base: Colour, gloss: float = 0.04) -> Shader:
    """Interior materials lit by the windows above and the open driver's door beside the camera."""
    windows, door = unit((0.4, -0.2, 0.9)), unit((0.0, 1.0, 0.25))

    def shade(n: Vec, p: Vec) -> Colour:
        v = unit(sub(cam.pos, p))
        ndv = clamp(dot(n, v))
        r = reflect(v, n)
        env = 30 + 210 * max(smooth((r[2] + 0.05) / 0.5), smooth((r[1] - 0.3) / 0.6))
        f = min(0.5, gloss + (1 - gloss) * (1 - ndv) ** 5)
        light = 0.45 + 0.55 * max(0.0, dot(n, windows)) + 0.45 * max(0.0, dot(n, door))
        return tuple(round(clamp(b * light * (1 - f) + env * f, 0, 255)) for b in base)

    return shade


def torus(centre: Vec, normal: Vec, big: float, small: float, nu: int = 72, nv: int = 12) -> list[list[Vec]]:
    """A ring (the steering wheel rim) around `normal` through centre."""
    e1 = (0.0, 1.0, 0.0)
    e2 = unit(cross(normal, e1))
    grid = []
    for j in range(nv + 1):
        v = math.tau * j / nv
        row = []
        for i in range(nu + 1):
            u = math.tau * i / nu
            radial = add(scale(e1, math.cos(u)), scale(e2, math.sin(u)))
            row.append(add(centre, add(scale(radial, big + small * math.cos(v)), scale(normal, small * math.sin(v)))))
        grid.append(row)
    return grid


def quad_on(cam: Camera, corners: Sequence[Vec]) -> list[Pt]:
    return [cam.project(p) for p in corners]


def stitching(
    cv: Canvas,
    cam: Camera,
    centre: Vec,
    tilt: float,
    face: Callable[[float, float], Vec],
    span: float,
    pleats: Sequence[float],
) -> None:
    """The seams of a pleated leather insert: two long ones and a few across, on one face of a seat part."""

    def at(a: float, b: float) -> Vec:
        return add(centre, pitch_up(face(a, b), tilt))

    lines = [[at(t * span / 10, b) for t in range(-10, 11)] for b in (-0.12, 0.12)]
    lines += [[at(a, t * 0.012) for t in range(-10, 11)] for a in pleats]
    for line in lines:
        pts = [cam.project(p) for p in line]
        w = px(cam, line[10], 0.006)
        cv.line(pts, w, (4, 4, 4), alpha=0.6, blur=w * 0.3)
        cv.line([(x, y - w) for x, y in pts], w * 0.5, (120, 118, 112), alpha=0.35)


def render_interior() -> Image.Image:
    """The cabin from the open driver's door: wheel, dashboard, console and black leather seats."""
    cam = Camera((2.36, 1.08, 1.25), (2.9, -0.05, 0.68))
    cv = Canvas()
    # Daylight through the glass, overexposed because the phone meters for the dark cabin.
    cv.fill(Linear((0, 0), (0, H * 0.6), ((0.0, (250, 251, 252)), (1.0, (208, 216, 220)))))
    rng = random.Random(23)
    for _ in range(16):
        cv.ellipse(
            (rng.uniform(0, W), rng.uniform(0.1, 0.45) * H),
            W * rng.uniform(0.03, 0.09),
            H * 0.06,
            (160, 176, 150),
            alpha=0.35,
            blur=70,
        )
    leather, plastic = (30, 29, 29), (36, 36, 38)
    shell = [  # headliner, passenger door card, floor: flat panels
        ([(1.55, -0.72, 1.37), (2.75, -0.68, 1.37), (2.75, 0.72, 1.37), (1.55, 0.75, 1.37)], (176, 173, 166)),
        ([(1.6, -0.76, 0.1), (3.1, -0.74, 0.1), (3.1, -0.74, 0.98), (1.6, -0.78, 0.98)], (44, 44, 46)),
        ([(1.5, -0.75, 0.14), (3.2, -0.75, 0.14), (3.2, 0.78, 0.14), (1.5, 0.78, 0.14)], (20, 20, 21)),
        ([(3.05, -0.78, 0.14), (3.05, 0.8, 0.14), (3.05, 0.8, 0.9), (3.05, -0.78, 0.9)], (16, 16, 17)),
        ([(2.85, 0.8, 0.1), (3.4, 0.8, 0.1), (3.4, 0.8, 1.0), (2.85, 0.8, 1.0)], (12, 24, 56)),
    ]
    for corners, colour in shell:
        pts = quad_on(cam, corners)
        cv.polygon(pts, Linear(pts[0], pts[2], ((0.0, colour), (1.0, mix(colour, (0, 0, 0), 0.45)))))
    for s in (1, -1):  # A-pillars and the far B-pillar
        cv.polygon(
            quad_on(
                cam, [(3.08, s * 0.72, 0.98), (3.0, s * 0.72, 0.98), (2.5, s * 0.64, 1.38), (2.58, s * 0.64, 1.38)]
            ),
            (58, 58, 60),
        )
    cv.polygon(
        quad_on(cam, [(1.82, -0.76, 0.95), (1.95, -0.76, 0.95), (1.95, -0.7, 1.38), (1.82, -0.7, 1.38)]), (70, 70, 72)
    )
    faces: list[Face] = []
    faces += blob_faces(cam, (3.15, 0.0, 0.81), (0.3, 0.79, 0.2), 0.3, cabin_shader(cam, plastic), nu=96, nv=40)
    faces += blob_faces(cam, (2.93, 0.37, 1.0), (0.12, 0.2, 0.07), 0.5, cabin_shader(cam, (26, 26, 28)))  # cluster hood
    faces += blob_faces(cam, (2.86, 0.0, 0.6), (0.08, 0.15, 0.2), 0.3, cabin_shader(cam, (24, 24, 26)))  # centre stack
    faces += blob_faces(cam, (2.4, 0.0, 0.36), (0.45, 0.12, 0.16), 0.3, cabin_shader(cam, (26, 26, 28)))  # console
    for y in (0.37, -0.37):  # seats: cushion, bolsters, back, back bolsters, head restraint
        parts = [
            ((2.22, y, 0.45), (0.27, 0.24, 0.07), 0.08),
            ((1.93, y, 0.86), (0.07, 0.25, 0.34), 0.3),
            ((1.79, y, 1.27), (0.05, 0.13, 0.1), 0.3),
        ]
        for side in (1, -1):
            parts += [
                ((2.22, y + side * 0.2, 0.5), (0.26, 0.06, 0.075), 0.08),
                ((1.97, y + side * 0.21, 0.84), (0.075, 0.06, 0.3), 0.3),
            ]
        for centre, radii, tilt in parts:
            faces += blob_faces(cam, centre, radii, 0.45, cabin_shader(cam, leather, 0.06), tilt, nu=48, nv=24)
    draw_faces(cv, faces, 8 * SS)
    for y in (0.37, -0.37):  # stitched panels on each cushion's top and each backrest's face
        stitching(cv, cam, (2.22, y, 0.45), 0.08, lambda a, b: (a, b, 0.07), 0.22, (-0.06, 0.08))
        stitching(cv, cam, (1.93, y, 0.86), 0.3, lambda a, b: (0.07, b, a), 0.28, (-0.04, 0.14))
    # Sun through the open door, falling across the driver's cushion.
    patch = [
        add((2.22, 0.37, 0.45), pitch_up((dx, dy, 0.071), 0.08))
        for dx, dy in ((-0.2, 0.22), (0.1, 0.22), (0.2, -0.05), (-0.1, -0.05))
    ]
    cv.polygon(quad_on(cam, patch), (255, 244, 226), alpha=0.12, blur=px(cam, patch[0], 0.03))
    # Dashboard details: screen, vents, aluminium strip, radio buttons.
    cv.polygon(
        quad_on(cam, [(2.99, -0.13, 1.02), (2.99, 0.13, 1.02), (3.04, 0.13, 1.12), (3.04, -0.13, 1.12)]),
        Linear(cam.project((2.99, 0, 1.02)), cam.project((3.04, 0, 1.12)), ((0.0, (18, 20, 26)), (1.0, (52, 56, 64)))),
    )
    face_x = 2.85  # the dashboard's upright face
    for y0, y1 in ((-0.16, -0.03), (0.03, 0.16), (0.58, 0.7)):
        vent = quad_on(cam, [(face_x, y0, 0.86), (face_x, y1, 0.86), (face_x, y1, 0.95), (face_x, y0, 0.95)])
        cv.polygon(vent, (10, 10, 11))
        for k in range(5):
            z = 0.87 + k * 0.018
            cv.line(quad_on(cam, [(face_x, y0 + 0.01, z), (face_x, y1 - 0.01, z)]), 5, (52, 52, 55))
    strip = quad_on(cam, [(face_x, -0.7, 0.74), (face_x, 0.7, 0.74), (face_x, 0.7, 0.775), (face_x, -0.7, 0.775)])
    cv.polygon(strip, Linear(strip[3], strip[0], ((0.0, (150, 152, 156)), (1.0, (78, 80, 84)))))
    for row in range(3):
        for col in range(5):
            y, z = -0.11 + col * 0.045, 0.66 - row * 0.05
            button = [(2.775, y, z), (2.775, y + 0.035, z), (2.775, y + 0.035, z + 0.035), (2.775, y, z + 0.035)]
            cv.polygon(quad_on(cam, button), (58, 58, 62))
    # The steering wheel, its boss and spokes, on a column angled up towards the driver.
    centre, normal = STEERING_CENTRE, STEERING_AXIS
    tilt = -math.atan2(normal[2], -normal[0])
    wheel_faces = blob_faces(
        cam, add(centre, (0.16, 0.0, -0.07)), (0.13, 0.05, 0.05), 0.6, cabin_shader(cam, (18, 18, 19)), tilt
    )  # the column
    down = unit(cross(normal, (0.0, 1.0, 0.0)))
    for offset, radii in (
        ((0.0, 0.11, 0.0), (0.015, 0.085, 0.026)),
        ((0.0, -0.11, 0.0), (0.015, 0.085, 0.026)),
        (scale(down, 0.11), (0.015, 0.026, 0.085)),
    ):
        wheel_faces += blob_faces(
            cam, add(centre, offset), radii, 0.5, cabin_shader(cam, (120, 122, 126), 0.3), tilt, nu=20, nv=10
        )
    wheel_faces += blob_faces(
        cam, add(centre, scale(normal, 0.02)), (0.035, 0.075, 0.068), 0.5, cabin_shader(cam, (24, 24, 25), 0.06), tilt
    )
    ring = torus(centre, normal, 0.19, 0.018)

    def ring_core(p: Vec) -> Vec:
        d = sub(p, centre)
        d = sub(d, scale(normal, dot(d, normal)))
        return add(centre, scale(unit(d), 0.19))

    wheel_faces += mesh_faces(cam, ring, ring_core, cabin_shader(cam, (26, 25, 24), 0.08))
    draw_faces(cv, wheel_faces, 1.5 * SS)
    badge = add(centre, scale(normal, 0.058))
    draw_roundel(cv, cam.project(badge), px(cam, badge, 0.022), 1.15)
    # Light falls off into the footwells.
    floor = cam.project((2.5, 0.4, 0.15))
    cv.ellipse(floor, W * 0.3, H * 0.15, (0, 0, 0), alpha=0.45, blur=100)
    return cv.img


# ----------------------------------------------------------------------------- output

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"mark the damage coordinates with red crosses and write to {CHECK_DIR} instead",
    )
    args = parser.parse_args(argv)
    target = CHECK_DIR if args.check else IMAGES_DIR
    target.mkdir(parents=True, exist_ok=True)
    if args.check:
        for key, shot in EXTERIORS.items():
            for d in shot.damages:
                print(f"{PREFIX}{key}.jpg  {d.part:24} ({d.x:5.2f}, {d.y:5.2f})  {d.kind}")
    # Each photo is independent; two processes keep the run short on a two-core machine.
    # The heavier outdoor scenes go first so neither worker is left alone with one at the end.
    jobs = sorted(ORDER, key=lambda key: key in CLOSE_UPS)
    with ProcessPoolExecutor(max_workers=2) as pool:
        for name, data in pool.map(make_photo, [(key, args.check) for key in jobs]):
            (target / name).write_bytes(data)
            print(f"{target / name}  {len(data) // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
