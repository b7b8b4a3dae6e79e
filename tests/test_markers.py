"""Numbered damage markers and close-ups, checked on real pixels: where each disc goes and how it is drawn."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from PIL import Image

from reportgen import render_bundle
from reportgen.markers import CLOSEUP_EDGE, _rgb, draw_markers, make_closeups, place_labels

from .support.builders import damage, hotspots, photo
from .support.images import FONT, RED, marker


def is_close(pixel: tuple[int, ...], colour: str, tolerance: int = 40) -> bool:
    target = _rgb(colour)[:3]
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], target, strict=True))


def test_marker_ring_and_numbered_disc_are_drawn_in_the_severity_colour() -> None:
    base = Image.new("RGB", (1200, 900), (128, 128, 128))
    drawn = draw_markers(base, [marker(7, 50, 50)], FONT)
    radius = max(9.0, 1200 * 0.0165)
    [placed] = place_labels([marker(7, 50, 50)], (1200, 900), radius)

    ring = 0.45 * radius  # the middle of the ring's stroke
    ring_pixels = [
        drawn.getpixel((round(600 + ring * math.cos(a)), round(450 + ring * math.sin(a)))) for a in (0.3, 2.0, 3.5, 5.0)
    ]
    assert sum(is_close(p, RED) for p in ring_pixels) >= 3
    # The damage itself, inside the ring, is left visible.
    assert drawn.getpixel((600, 450)) == (128, 128, 128)

    cx, cy = placed.label
    disc = [
        drawn.getpixel((round(cx + dx), round(cy + dy)))
        for dx, dy in ((-0.7 * radius, 0), (0, 0.75 * radius), (0.7 * radius, -0.2 * radius))
    ]
    assert all(is_close(p, RED) for p in disc)
    # The number is written in the text colour inside the disc.
    inner = drawn.crop(
        (round(cx - radius * 0.5), round(cy - radius * 0.5), round(cx + radius * 0.5), round(cy + radius * 0.5))
    )
    assert any(min(inner.getpixel((x, y))) > 220 for x in range(inner.width) for y in range(inner.height))


def test_markers_change_only_the_pixels_around_them() -> None:
    base = Image.effect_noise((1400, 1050), 40).convert("RGB")
    before = base.copy()
    drawn = draw_markers(base, [marker(3, 20, 30), marker(4, 80, 70)], FONT)
    assert base.tobytes() == before.tobytes()  # the caller's image is not drawn on
    radius = 1400 * 0.0165
    changed = Image.frombytes(
        "L",
        drawn.size,
        bytes(a != b for a, b in zip(drawn.convert("L").tobytes(), before.convert("L").tobytes(), strict=True)),
    )
    box = changed.getbbox()
    assert box is not None
    # Marks stay within a few disc radii of their damages: a corner and the centre are untouched.
    assert box[0] > 280 - 7 * radius and box[2] < 1120 + 7 * radius
    for point in ((5, 5), (1394, 5), (700, 525), (5, 1044)):
        assert drawn.getpixel(point) == before.getpixel(point)


def test_close_up_rings_the_damage_without_covering_it() -> None:
    base = Image.new("RGB", (1400, 1050), (90, 120, 150))
    [image] = make_closeups(base, [marker(5, 40, 60)]).values()
    assert image.size == (CLOSEUP_EDGE, CLOSEUP_EDGE)
    centre = CLOSEUP_EDGE / 2
    assert all(abs(a - b) <= 12 for a, b in zip(image.getpixel((centre, centre)), (90, 120, 150), strict=True))
    ring = CLOSEUP_EDGE * 0.09 - 2  # the middle of the coloured stroke, drawn inwards
    on_ring = [
        image.getpixel((round(centre + ring * math.cos(a)), round(centre + ring * math.sin(a))))
        for a in (0.2, 1.7, 3.3, 4.9)
    ]
    assert sum(is_close(p, RED, 60) for p in on_ring) >= 3


def test_marker_disc_is_large_enough_to_read_in_print() -> None:
    base = Image.new("RGB", (1400, 1050), (128, 128, 128))
    drawn = draw_markers(base, [marker(12, 30, 60)], FONT)
    radius = 1400 * 0.0165
    [placed] = place_labels([marker(12, 30, 60)], (1400, 1050), radius)
    y = round(placed.label[1])
    row = [drawn.getpixel((x, y)) for x in range(1400)]
    red_run = [x for x, p in enumerate(row) if is_close(p, RED)]
    diameter_px = max(red_run) - min(red_run)
    # A photo printed 170 mm wide: the disc must be at least 4.5 mm across.
    assert diameter_px / 1400 * 170 >= 4.5


@pytest.mark.parametrize("x, y", [(0, 0), (100, 100), (100, 0), (0, 100), (99.9, 50), (50, 0.1)])
def test_markers_at_edges_stay_wholly_inside_the_photo(x: float, y: float) -> None:
    radius = 20.0
    [placed] = place_labels([marker(1, x, y)], (1000, 750), radius)
    lx, ly = placed.label
    assert radius <= lx <= 1000 - radius and radius <= ly <= 750 - radius
    tx, ty = placed.target
    assert 0.55 * radius <= tx <= 1000 - 0.55 * radius and 0.55 * radius <= ty <= 750 - 0.55 * radius


def test_close_damages_get_discs_that_do_not_cover_each_other() -> None:
    markers = [marker(n, 60 + n * 0.4, 24 + (n % 2) * 0.5) for n in range(1, 7)]
    radius = 1400 * 0.0165
    placed = place_labels(markers, (1400, 1050), radius)
    labels = [p.label for p in placed]
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert math.dist(a, b) >= 2 * radius, "two numbered discs overlap"
        for p in placed:
            # No disc hides another damage's ring.
            if p.label != a:
                assert math.dist(a, p.target) >= radius * 1.5


def test_a_crowded_photo_still_gets_every_marker_inside() -> None:
    markers = [marker(n, (n * 37) % 100, (n * 53) % 100) for n in range(1, 401)]
    placed = place_labels(markers, (1400, 1050), 23.0)
    assert len(placed) == 400
    assert all(0 <= p.label[0] <= 1400 and 0 <= p.label[1] <= 1050 for p in placed)


def test_closeups_centre_on_the_damage(tmp_path: Path, make_bundle) -> None:
    picture = Image.new("RGB", (1200, 900), (200, 200, 200))
    picture.paste((20, 20, 20), (300, 600, 340, 640))  # a dark blemish around (26.7 %, 68.9 %)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95)
    body = hotspots(photo(5, "Front", "https://cdn.example/f.jpg", damage(x=26.67, y=68.89), damage(x=None, y=None)))
    report = render_bundle(make_bundle(body, images={"f.jpg": buffer.getvalue()}))
    [detail] = report.view.details  # the damage without a position has no close-up
    closeup = Image.open(io.BytesIO(detail.closeup.data))
    assert closeup.size == (CLOSEUP_EDGE, CLOSEUP_EDGE)
    centre = closeup.getpixel((CLOSEUP_EDGE // 2, CLOSEUP_EDGE // 2))
    assert max(centre) < 80, "the blemish is not at the centre of its close-up"
