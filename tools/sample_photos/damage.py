"""PAVE's sample damages: where each marker sits and the marks painted there."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .canvas import SS, Canvas, H, W, arc
from .geometry import Pt


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
        r: float = 26 * k
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
