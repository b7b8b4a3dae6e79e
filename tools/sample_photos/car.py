"""Drawing the whole car: shell, glass, trim, lamps, plates, mirrors, in painter's order."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFilter

from .body import (
    ARCH_R,
    ARCH_Z,
    BOTTOM,
    FRONT_AXLE,
    HALF_W,
    REAR_AXLE,
    STEERING_AXIS,
    STEERING_CENTRE,
    Body,
    Surface,
    body,
    densify,
    ellipse_uv,
)
from .camera import PAINT, Camera, px, reflective, shade_paint, warp
from .canvas import SS, Canvas, H, Linear, Radial, W, font, polygon_mask
from .geometry import Colour, Pt, Vec, add, clamp, cross, scale, unit
from .meshes import blob_faces, draw_faces
from .wheels import draw_roundel, draw_wheel


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


def glossy_fill(cam: Camera, surf: Surface, a: Pt, b: Pt, base: Colour, f0: float) -> Linear:
    """A ramp between the reflections seen at surface points a and b."""
    ca = reflective(cam, surf.at(*a), surf.normal(*a), base, f0)
    cb = reflective(cam, surf.at(*b), surf.normal(*b), base, f0)
    return Linear(cam.project(surf.at(*a)), cam.project(surf.at(*b)), ((0.0, ca), (1.0, cb)))


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
