"""Small maths for the sample photos: 3-D vectors, interpolation, 3x3 matrices and a monotone curve."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

Vec = tuple[float, float, float]
Pt = tuple[float, float]
Colour = tuple[int, ...]
Stop = tuple[float, Colour]


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
    return tuple(round(lerp(x, y, t)) for x, y in zip(a, b, strict=True))


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
