"""The close-up photos: the VIN label on the door pillar and the instrument cluster."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFilter

from .camera import Camera, px, warp
from .canvas import Canvas, H, Linear, Radial, W, arc, font, ramp
from .geometry import Pt, Vec, add, scale

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
