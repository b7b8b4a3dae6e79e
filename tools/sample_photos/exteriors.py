"""The walk-around photos: where the phone stood for each capture step and what it shows."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageChops

from .camera import Camera
from .canvas import Canvas
from .car import render_car
from .damage import Damage, draw_cross, paint_damage
from .geometry import Vec
from .lot import draw_ground, draw_sky, draw_surroundings


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
