"""The phone's pinhole camera, the sun, and how paint, glass and chrome reflect the lot."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image

from .canvas import SS, H, W
from .geometry import Colour, Pt, Vec, clamp, cross, dot, lerp3, mat_inv, mat_mul, sub, unit

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
        rows[0] = [a + W / 2 * d for a, d in zip(rows[0], depth, strict=True)]
        rows[1] = [a + H / 2 * d for a, d in zip(rows[1], depth, strict=True)]
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
        for b, e, k in zip(base, env, (0.45, 0.6, 1.0), strict=True)
    )


def reflective(cam: Camera, p: Vec, n: Vec, base: Colour, f0: float, cap: float = 0.9) -> Colour:
    """A glossy surface (glass, chrome, lens) showing base colour and a Fresnel share of the scene."""
    v = unit(sub(cam.pos, p))
    ndv = clamp(dot(n, v))
    f = min(cap, f0 + (1 - f0) * (1 - ndv) ** 5)
    env = environment(reflect(v, n))
    return tuple(round(b * (1 - f) + e * f) for b, e in zip(base, env, strict=True))


def px(cam: Camera, p: Vec, metres: float) -> float:
    """How many canvas pixels a length at p spans."""
    return max(1.0, cam.focal * metres / max(cam.depth(p), 0.1))
