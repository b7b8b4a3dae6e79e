"""The wheels: the textured tyre and alloy rim, the tread, and the quartered roundel badge."""

from __future__ import annotations

import math
from functools import cache

from PIL import Image, ImageChops, ImageDraw

from .body import RIM_R, TYRE_R, TYRE_W, WHEEL_Y
from .camera import Camera, shade_paint, warp
from .canvas import Canvas, Linear, Radial, arc, font
from .geometry import Colour, Pt, add, mix, scale, unit

WHEEL_TEX = 1400  # texels across the tyre's diameter


def _arc_text(cv: Canvas, c: Pt, radius: float, centre_angle: float, text: str, size: int, fill: Colour) -> None:
    """Letters standing on a circle (clockwise reading), as moulded into a tyre's sidewall."""
    f = font(size)
    widths = [f.getlength(ch) for ch in text]
    angle = centre_angle - sum(widths) / radius / 2
    for ch, w in zip(text, widths, strict=True):
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
