"""Numbered damage markers on a photo: where each disc goes, how it is drawn, and close-ups of each damage."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .plan import Marker

__all__ = ["CLOSEUP_EDGE", "CLOSEUP_SHARE", "Marker", "draw_markers", "make_closeups", "place_labels"]

#: Close-ups: a square crop of this share of the photo's long edge, printed about 32 mm wide.
CLOSEUP_SHARE = 0.2
CLOSEUP_EDGE = 280
#: Markers are drawn oversampled, then reduced, for smooth edges on every photo size.
_SUPERSAMPLE = 3
_HALO = (255, 255, 255, 235)
_Point = tuple[float, float]
#: Maps a point on the photo onto an oversampled tile.
_At = Callable[[_Point], _Point]


def make_closeups(image: Image.Image, markers: Sequence[Marker]) -> dict[int, Image.Image]:
    """A square crop around each damage, with a thin ring on the spot, so it is found at a glance."""
    width, height = image.size
    side = max(32, round(max(width, height) * CLOSEUP_SHARE))
    side = min(side, width, height)
    crops = {}
    for marker in markers:
        cx, cy = marker.x / 100 * width, marker.y / 100 * height
        left = round(min(max(cx - side / 2, 0), width - side))
        top = round(min(max(cy - side / 2, 0), height - side))
        crop = image.crop((left, top, left + side, top + side))
        if side != CLOSEUP_EDGE:
            crop = crop.resize((CLOSEUP_EDGE, CLOSEUP_EDGE), Image.Resampling.LANCZOS)
        scale = CLOSEUP_EDGE / side
        centre = ((cx - left) * scale, (cy - top) * scale)
        radius = CLOSEUP_EDGE * 0.09
        _stamp(crop, [centre], radius + 8, _closeup_ring, centre, radius, marker.colour)
        crops[marker.number] = crop
    return crops


def _closeup_ring(draw: ImageDraw.ImageDraw, at: _At, centre: _Point, radius: float, colour: str) -> None:
    s = _SUPERSAMPLE
    _circle(draw, at(centre), (radius + 2) * s, outline=(255, 255, 255, 255), width=4 * s)
    _circle(draw, at(centre), radius * s, outline=_rgb(colour), width=3 * s)


@dataclass(frozen=True)
class _Placed:
    marker: Marker
    target: tuple[float, float]
    label: tuple[float, float]


def draw_markers(image: Image.Image, markers: Sequence[Marker], font_path: Path | None) -> Image.Image:
    """Draw numbered markers: a ring on the damage and a numbered disc beside it, leader between.

    The disc sits beside the ring rather than on it so the damage itself stays visible, and discs
    are placed so they stay inside the photo and do not cover each other or another damage.
    """
    width, height = image.size
    radius = max(9.0, max(width, height) * 0.0165)
    placed = place_labels(markers, (width, height), radius)
    image = image.copy()
    # Each mark is drawn oversampled in a small tile of its own: drawing one overlay of the whole
    # photo at that scale cost 60 ms and 150 MB a photo. Leaders and rings go first, so no line
    # is ever drawn across another marker's number.
    for item in placed:
        _stamp(image, [item.target, item.label], radius * 1.2, _draw_ring, item, radius)
    for item in placed:
        _stamp(image, [item.label], radius * 1.5, _draw_disc, item, radius, font_path)
    return image


def _stamp(image: Image.Image, points: Sequence[_Point], margin: float, paint: Callable[..., None], *args: Any) -> None:
    """Paint an oversampled tile around points, then reduce it and blend it into the photo.

    paint(draw, at, *args) draws on the transparent tile; `at` maps photo coordinates onto it.
    """
    s = _SUPERSAMPLE
    left = max(0, math.floor(min(x for x, _ in points) - margin))
    top = max(0, math.floor(min(y for _, y in points) - margin))
    right = min(image.width, math.ceil(max(x for x, _ in points) + margin))
    bottom = min(image.height, math.ceil(max(y for _, y in points) + margin))
    if right <= left or bottom <= top:
        return
    tile = Image.new("RGBA", ((right - left) * s, (bottom - top) * s), (0, 0, 0, 0))
    paint(ImageDraw.Draw(tile), lambda point: ((point[0] - left) * s, (point[1] - top) * s), *args)
    tile = tile.reduce(s)
    image.paste(tile.convert("RGB"), (left, top), tile)


def _draw_ring(draw: ImageDraw.ImageDraw, at: _At, item: _Placed, radius: float) -> None:
    s = _SUPERSAMPLE
    ring = radius * 0.55 * s
    colour = _rgb(item.marker.colour)
    target, label = at(item.target), at(item.label)
    distance = math.dist(target, label)
    if distance > ring * 2:
        # The leader starts at the ring, so the damage inside the ring stays unobstructed.
        start = (
            target[0] + (label[0] - target[0]) * ring / distance,
            target[1] + (label[1] - target[1]) * ring / distance,
        )
        draw.line([start, label], fill=_HALO, width=round(radius * 0.30 * s))
        draw.line([start, label], fill=colour, width=round(radius * 0.14 * s))
    _circle(draw, target, ring + radius * 0.12 * s, outline=_HALO, width=round(radius * 0.42 * s))
    _circle(draw, target, ring, outline=colour, width=round(radius * 0.2 * s))


def _draw_disc(draw: ImageDraw.ImageDraw, at: _At, item: _Placed, radius: float, font_path: Path | None) -> None:
    s = _SUPERSAMPLE
    label = at(item.label)
    _circle(draw, (label[0], label[1] + radius * 0.12 * s), radius * 1.08 * s, fill=(0, 0, 0, 70))
    _circle(draw, label, radius * 1.08 * s, fill=(255, 255, 255, 255))
    _circle(draw, label, radius * 0.94 * s, fill=_rgb(item.marker.colour))
    text = str(item.marker.number)
    size = radius * s * (1.05 if len(text) <= 2 else 0.82 if len(text) == 3 else 0.64)
    draw.text(label, text, font=_font(font_path, round(size)), anchor="mm", fill=_rgb(item.marker.text_colour))


def place_labels(markers: Sequence[Marker], size: tuple[int, int], radius: float) -> list[_Placed]:
    """Choose a disc position for every marker: inside the photo, clear of discs and damages."""
    width, height = size
    edge = radius * 1.15
    # A ring on the very edge would be cut in half: keep the whole ring inside the photo.
    inset = radius * 0.8
    targets = [
        (min(max(m.x / 100 * width, inset), width - inset), min(max(m.y / 100 * height, inset), height - inset))
        for m in markers
    ]
    grid = _Grid(radius * 2.4)
    for index, target in enumerate(targets):
        grid.add(target, ("target", index))
    placed: list[_Placed] = []
    for index, (marker, target) in enumerate(zip(markers, targets, strict=True)):
        best: tuple[float, tuple[float, float]] | None = None
        for candidate in _candidates(target, radius):
            x, y = min(max(candidate[0], edge), width - edge), min(max(candidate[1], edge), height - edge)
            cost = grid.crowding((x, y), radius, index) + 0.001 * math.dist((x, y), target) / radius
            if best is None or cost < best[0]:
                best = (cost, (x, y))
            if cost < 0.01:
                break
        assert best is not None
        grid.add(best[1], ("label", index))
        placed.append(_Placed(marker, target, best[1]))
    return placed


def _candidates(target: tuple[float, float], radius: float) -> list[tuple[float, float]]:
    # Up-right first (the usual callout), then the other diagonals and axes, then further out.
    angles = (-45, -135, 45, 135, -90, 0, 180, 90)
    points = []
    for distance in (2.1, 3.2, 4.4, 5.8):
        steps = angles if distance < 3 else angles + (-67.5, -22.5, -112.5, -157.5, 22.5, 67.5, 112.5, 157.5)
        for angle in steps:
            rad = math.radians(angle)
            points.append(
                (target[0] + math.cos(rad) * distance * radius, target[1] + math.sin(rad) * distance * radius)
            )
    return points


class _Grid:
    """A bucket grid of placed discs and damage points, so placement stays fast with many markers."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.items: dict[tuple[int, int], list[tuple[tuple[float, float], tuple[str, int]]]] = {}

    def add(self, point: tuple[float, float], tag: tuple[str, int]) -> None:
        key = (int(point[0] // self.cell), int(point[1] // self.cell))
        self.items.setdefault(key, []).append((point, tag))

    def crowding(self, point: tuple[float, float], radius: float, own: int) -> float:
        """How badly a disc at point would cover other discs or other damages (0 = not at all)."""
        cx, cy = int(point[0] // self.cell), int(point[1] // self.cell)
        cost = 0.0
        for dx in (-2, -1, 0, 1, 2):
            for dy in (-2, -1, 0, 1, 2):
                for other, (kind, index) in self.items.get((cx + dx, cy + dy), ()):
                    distance = math.dist(point, other)
                    if kind == "label":
                        clearance = 2.35 * radius
                    elif index == own:
                        clearance = 1.9 * radius
                    else:
                        clearance = 1.8 * radius
                    if distance < clearance:
                        cost += (clearance - distance) / radius * (3 if kind == "label" else 1)
        return cost


def _circle(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    radius: float,
    fill: tuple[int, ...] | None = None,
    outline: tuple[int, ...] | None = None,
    width: int = 1,
) -> None:
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill, outline=outline, width=width)


def _rgb(colour: str) -> tuple[int, int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), 255


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            pass
    return ImageFont.load_default(size)
