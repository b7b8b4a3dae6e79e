"""The car's lofted body shell and the surface coordinates that put decals on it."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from .camera import Camera
from .geometry import Curve, Pt, Vec, add, clamp, cross, dot, lerp, scale, smooth, sub, unit

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
    return float((1 - min(t, 1.0) ** p) ** (1 / p))


def chaikin(pts: list[Pt], rounds: int) -> list[Pt]:
    """Corner-cutting subdivision of an open polyline; the ends stay put."""
    for _ in range(rounds):
        out = [pts[0]]
        for (ax, ay), (bx, by) in pairwise(pts):
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
        for x, half in zip(self.xs, self.halves, strict=True):
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
    for (ax, ay), (bx, by) in pairwise(ring):
        n = max(1, math.ceil(math.hypot(bx - ax, by - ay) / step))
        out += [(lerp(ax, bx, i / n), lerp(ay, by, i / n)) for i in range(n)]
    if not closed:
        out.append(pts[-1])
    return out


def ellipse_uv(c: Pt, ru: float, rv: float, n: int = 40) -> list[Pt]:
    return [(c[0] + ru * math.cos(math.tau * i / n), c[1] + rv * math.sin(math.tau * i / n)) for i in range(n)]
