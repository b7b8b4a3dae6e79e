"""The parking lot around the car: sky, asphalt with its lines and shadows, buildings, trees and poles."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, partial

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from .body import FRONT_AXLE, REAR_AXLE, WHEEL_Y
from .camera import SUN, Camera, px, warp
from .canvas import Canvas, H, Linear, W, fill_image, noise, ramp
from .geometry import Colour, Pt, add, clamp, dot, lerp, mat_mul, mix, scale, unit

GROUND_RES = 0.035  # metres per texel: lines and stains only, the grain is added per photo
GROUND_X0, GROUND_Y1 = -26.0, 28.0
GROUND_TEXELS = 1600
ASPHALT = (84, 85, 88)  # beyond the mapped patch


def blotches(size: tuple[int, int], cells: int, seed: int) -> Image.Image:
    """Smooth large-scale variation: coarse noise enlarged with a soft filter."""
    coarse = noise((cells, cells), seed)
    return coarse.resize(size, Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(size[0] / cells / 2))


def to_texel(x: float, y: float) -> Pt:
    return ((x - GROUND_X0) / GROUND_RES, (GROUND_Y1 - y) / GROUND_RES)


def to_px(pts: Sequence[Pt]) -> list[Pt]:
    """Ground positions (x, y in metres) to ground-texture pixels."""
    return [to_texel(x, y) for x, y in pts]


@cache
def ground_texture() -> tuple[Image.Image, Image.Image]:
    """Top-down asphalt around the car (sharp and pre-blurred for the distance), with lines and shadow."""
    size = (GROUND_TEXELS, GROUND_TEXELS)
    rng = random.Random(7)
    tone = ImageChops.add(
        blotches(size, 40, 1).point(lambda v: v // 6), blotches(size, 220, 2).point(lambda v: v // 10)
    )
    tex = Canvas(Image.merge("RGB", [tone.point(lambda v, o=o: 62 + v + o) for o in (0, 1, 4)]))
    for _ in range(7):  # sealed cracks: dark wandering lines
        x, y = rng.uniform(-24, 28), rng.uniform(-26, 26)
        a = rng.uniform(0, math.tau)
        pts = []
        for _ in range(rng.randint(8, 24)):
            pts.append((x, y))
            a += rng.uniform(-0.5, 0.5)
            x, y = x + 0.4 * math.cos(a), y + 0.4 * math.sin(a)
        tex.line(to_px(pts), 0.03 / GROUND_RES, (44, 44, 46), alpha=0.4, blur=0.02 / GROUND_RES)
    for _ in range(30):  # oil drips, mostly where engines stand
        x = rng.choice((3.6, -9.0, 16.0)) + rng.uniform(-0.6, 0.6)
        y = 2.7 * rng.randint(-8, 8) + rng.uniform(-0.4, 0.4)
        cx, cy = to_texel(x, y)
        r = rng.uniform(0.15, 0.55) / GROUND_RES
        tex.ellipse((cx, cy), r, r * rng.uniform(0.6, 1.2), (40, 40, 42), alpha=rng.uniform(0.15, 0.4), blur=r / 3)
    paint = (206, 204, 190)
    wear = blotches(size, 115, 3).point(lambda v: 255 if v > 100 else v * 2)
    lines = Canvas((0, 0, 0), size)
    for k in range(-9, 10):  # stalls 2.7 m wide: this row faces a far row across a 7 m aisle
        y = 1.35 + 2.7 * k
        for x0, x1 in ((-0.8, 5.2), (-13.2, -7.8), (12.6, 18.0)):
            lines.polygon(to_px([(x0, y - 0.05), (x1, y - 0.05), (x1, y + 0.05), (x0, y + 0.05)]), (255,))
    for x in (5.2, -13.2, 18.0):
        lines.polygon(to_px([(x - 0.05, -26), (x + 0.05, -26), (x + 0.05, 26), (x - 0.05, 26)]), (255,))
    tex.img.paste(Image.new("RGB", size, paint), (0, 0), ImageChops.multiply(lines.img.convert("L"), wear))
    # Curbs and grass strips beyond both far rows.
    for xa, xb in ((18.2, 26.0), (-26.0, -13.4)):
        tex.polygon(to_px([(xa, -28), (xb, -28), (xb, 28), (xa, 28)]), (84, 104, 58))
        edge = xa if xa > 0 else xb
        tex.polygon(
            to_px([(edge - 0.15, -28), (edge + 0.15, -28), (edge + 0.15, 28), (edge - 0.15, 28)]), (170, 168, 160)
        )
    # The car's own shadow: soft ambient occlusion, a faint offset sun shadow and dark tyre contacts.
    shade = Canvas((255, 255, 255), size)
    shade.polygon(
        to_px([(0.05, -0.85), (4.47, -0.85), (4.47, 0.85), (0.05, 0.85)]), (150, 150, 150), blur=0.35 / GROUND_RES
    )
    dx, dy = -0.3 * SUN[0] / SUN[2], -0.3 * SUN[1] / SUN[2]
    shade.polygon(
        to_px([(0.2 + dx, -0.75 + dy), (4.3 + dx, -0.75 + dy), (4.3 + dx, 0.75 + dy), (0.2 + dx, 0.75 + dy)]),
        (95, 95, 95),
        blur=0.25 / GROUND_RES,
    )
    shade.polygon(to_px([(0.3, -0.62), (4.25, -0.62), (4.25, 0.62), (0.3, 0.62)]), (70, 70, 70), blur=0.2 / GROUND_RES)
    for ax in (REAR_AXLE, FRONT_AXLE):
        for s in (-1, 1):
            cx, cy = to_texel(ax, s * WHEEL_Y)
            shade.ellipse((cx, cy), 0.17 / GROUND_RES, 0.12 / GROUND_RES, (25, 25, 25), blur=0.075 / GROUND_RES)
    near = ImageChops.multiply(tex.img, shade.img)
    return near, near.filter(ImageFilter.GaussianBlur(0.06 / GROUND_RES))


def draw_sky(cv: Canvas, cam: Camera) -> None:
    """Hazy blue overhead, paler at the horizon, with a few soft clouds."""
    hz = cam.horizon()
    top = hz - cam.focal * math.tan(math.radians(35))
    cv.fill(Linear((0, hz), (0, top), ((0.0, (226, 231, 236)), (0.35, (186, 205, 226)), (1.0, (120, 158, 206)))))
    rng = random.Random(11)
    for _ in range(9):  # soft fair-weather clouds
        az = rng.uniform(-math.pi, math.pi)
        elev = rng.uniform(0.12, 0.5)
        d = (math.cos(az) * math.cos(elev), math.sin(az) * math.cos(elev), math.sin(elev))
        if dot(d, cam.fwd) < 0.3:
            continue
        cx, cy = cam.project(add(cam.pos, scale(d, 100.0)))
        for _ in range(5):
            r = rng.uniform(0.05, 0.12) * cam.focal
            cv.ellipse(
                (cx + rng.uniform(-1.5, 1.5) * r, cy + rng.uniform(-0.3, 0.3) * r),
                r,
                r * 0.45,
                (247, 248, 250),
                alpha=0.45,
                blur=r * 0.4,
            )


def draw_ground(cv: Canvas, cam: Camera) -> None:
    """The lot's asphalt in perspective, grainy in front of the lens and hazy far away."""
    near, far = ground_texture()
    half = [[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 1.0]]
    # The asphalt is soft at this distance anyway, so it is mapped at output size and enlarged.
    to_half = mat_mul(half, cam.plane((GROUND_X0, GROUND_Y1, 0.0), (GROUND_RES, 0.0, 0.0), (0.0, -GROUND_RES, 0.0)))
    top = max(0, math.floor(cam.horizon() / 2) + 1)
    if top >= H // 2:
        return
    box = (0, top, W // 2, H // 2)
    flat = unit((cam.fwd[0], cam.fwd[1], 0.0))

    def row(dist: float) -> float:
        return cam.project((cam.pos[0] + flat[0] * dist, cam.pos[1] + flat[1] * dist, 0.0))[1] / 2 - top

    img, _ = warp(near, to_half, box, ASPHALT)
    # Far asphalt comes from the blurred copy (no shimmering texels), needed only above the 9 m row.
    far_rows = min(img.height, max(0, math.ceil(row(9.0))))
    if far_rows:
        img_far, _ = warp(far, to_half, (0, top, W // 2, top + far_rows), ASPHALT)
        img.paste(img_far, (0, 0), ramp(img_far.size, (0, row(9.0)), (0, row(22.0))))
    # Aggregate grain, one or two output pixels across, fading out towards the horizon: far finer than
    # the ground texture could hold for the few metres in front of the lens.
    grain = noise(img.size, 31, 0.7).point(lambda v: round(128 + (v - 128) * 0.18))
    speckled = ImageChops.add(img, Image.merge("RGB", (grain,) * 3), 1.0, -128)
    img = Image.composite(speckled, img, ramp(img.size, (0, row(20.0)), (0, row(2.5))))
    cv.img.paste(img.resize((W, H - 2 * top), Image.Resampling.BILINEAR), (0, 2 * top))
    haze, alpha = fill_image(
        Linear((0, 2 * row(70.0)), (0, 2 * row(15.0)), ((0.0, (200, 204, 208, 200)), (1.0, (200, 204, 208, 0)))),
        0,
        0,
        (W, H - 2 * top),
    )
    cv.img.paste(haze, (0, 2 * top), alpha)


HAZE = (214, 220, 228)


@dataclass(frozen=True)
class Building:
    """A flat-roofed block on the lot's edge: footprint, height, wall colour, rows of windows."""

    x0: float
    x1: float
    y0: float
    y1: float
    height: float
    wall: Colour
    storeys: int
    glass_front: bool = False


BUILDINGS = (
    Building(-20.0, 26.0, 34.0, 48.0, 7.5, (206, 208, 210), 1, glass_front=True),
    Building(-52.0, -36.0, -34.0, 22.0, 9.0, (196, 182, 160), 2),
    Building(32.0, 58.0, -46.0, -20.0, 14.0, (172, 176, 182), 4),
    Building(40.0, 60.0, 10.0, 36.0, 6.0, (150, 120, 100), 1),
)
TREES = tuple(
    [(float(x), -27.0 + (x % 3)) for x in range(-24, 34, 6)]
    + [(23.0 + (y % 2), float(y)) for y in range(-18, 30, 7)]
    + [(-30.0 - (y % 4), float(y)) for y in range(-26, 30, 8)]
)
POLES = ((8.5, 9.5), (8.5, -9.5), (-10.5, 13.0), (-10.5, -14.0), (15.0, -22.0), (-4.0, 25.0))


def hazed(c: Colour, dist: float) -> Colour:
    """Aerial perspective: distant things fade towards the sky's haze."""
    return mix(c, HAZE, clamp((dist - 15) / 120) * 0.65)


def draw_building(cv: Canvas, cam: Camera, b: Building) -> None:
    """The walls that face the camera, each with its windows and a darker eave."""
    corners = [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)]
    for (xa, ya), (xb, yb) in zip(corners, corners[1:] + corners[:1], strict=True):
        n = unit((yb - ya, xa - xb, 0.0))  # outward for this counter-clockwise footprint
        mid = ((xa + xb) / 2, (ya + yb) / 2, b.height / 2)
        if not cam.facing(mid, n) or cam.depth(mid) < 1:
            continue
        dist = math.dist(cam.pos[:2], mid[:2])
        lit = 0.8 + 0.25 * dot(n, SUN)
        wall = hazed(tuple(min(255, round(c * lit)) for c in b.wall), dist)
        quad = [cam.project(p) for p in ((xa, ya, 0.0), (xb, yb, 0.0), (xb, yb, b.height), (xa, ya, b.height))]
        cv.polygon(quad, Linear(quad[3], quad[0], ((0.0, mix(wall, (255, 255, 255), 0.1)), (1.0, wall))))
        length = math.hypot(xb - xa, yb - ya)
        facing_lot = b.glass_front and n[1] < -0.9
        cols = max(1, round(length / (4.0 if facing_lot else 3.2)))
        glass = hazed((70, 86, 100) if facing_lot else (60, 66, 74), dist)
        for j in range(b.storeys):
            z0 = 0.4 + j * b.height / b.storeys if facing_lot else 1.0 + j * b.height / b.storeys
            z1 = z0 + (b.height * 0.62 if facing_lot else 1.4)
            for i in range(cols):
                t0, t1 = (i + 0.1) / cols, (i + 0.9) / cols
                p = [(lerp(xa, xb, t), lerp(ya, yb, t), z) for t, z in ((t0, z0), (t1, z0), (t1, z1), (t0, z1))]
                pts = [cam.project(q) for q in p]
                cv.polygon(pts, Linear(pts[3], pts[0], ((0.0, mix(glass, HAZE, 0.35)), (1.0, glass))))
        eave = [
            cam.project(p)
            for p in ((xa, ya, b.height - 0.5), (xb, yb, b.height - 0.5), (xb, yb, b.height), (xa, ya, b.height))
        ]
        cv.polygon(eave, hazed((90, 92, 96), dist))


def draw_tree(cv: Canvas, cam: Camera, x: float, y: float, rng: random.Random) -> None:
    """A deciduous tree standing at (x, y)."""
    base = (x, y, 0.0)
    if cam.depth(base) < 2:
        return
    dist = math.dist(cam.pos[:2], (x, y))
    height = rng.uniform(6.5, 9.5)
    spread = height * 0.32
    trunk = [cam.project((x, y, 0.0)), cam.project((x, y, height * 0.5))]
    cv.line(trunk, px(cam, base, 0.28), hazed((58, 50, 44), dist))
    # Many small leaf clusters, darker low and inside, lit on top, read as foliage rather than a blob.
    draw = ImageDraw.Draw(cv.img)
    for _ in range(70):
        a = rng.uniform(0, math.tau)
        r = spread * math.sqrt(rng.random())
        cz = height * 0.62 + rng.uniform(-0.32, 0.3) * height * math.cos(r / spread * math.pi / 2)
        p3 = (x + r * math.cos(a), y + r * math.sin(a), cz)
        size = px(cam, p3, rng.uniform(0.45, 0.9))
        lit = clamp((cz - height * 0.4) / (height * 0.5)) * 0.7 + rng.random() * 0.3
        tone = hazed(mix((30, 46, 28), (104, 126, 62), lit), dist)
        cx, cy = cam.project(p3)
        draw.ellipse((cx - size, cy - size * 0.8, cx + size, cy + size * 0.8), fill=tone)


def draw_pole(cv: Canvas, cam: Camera, x: float, y: float) -> None:
    """A lot lamp post with its luminaire."""
    if cam.depth((x, y, 0.0)) < 2:
        return
    dist = math.dist(cam.pos[:2], (x, y))
    colour = hazed((118, 120, 124), dist)
    cv.line([cam.project((x, y, 0.0)), cam.project((x, y, 9.0))], px(cam, (x, y, 4.0), 0.16), colour)
    head = [
        cam.project(p)
        for p in ((x - 0.3, y - 0.3, 9.0), (x + 0.9, y - 0.3, 9.0), (x + 0.9, y + 0.3, 9.2), (x - 0.3, y + 0.3, 9.2))
    ]
    cv.polygon(head, hazed((70, 72, 76), dist))


def draw_surroundings(cv: Canvas, cam: Camera) -> None:
    """Buildings, trees and lamp posts, farthest first."""
    rng = random.Random(5)
    items: list[tuple[float, Callable[[], None]]] = []
    for b in BUILDINGS:
        centre = ((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2)
        items.append((math.dist(cam.pos[:2], centre), partial(draw_building, cv, cam, b)))
    for x, y in TREES:
        seed = rng.random()
        items.append((math.dist(cam.pos[:2], (x, y)), partial(draw_tree, cv, cam, x, y, random.Random(seed))))
    for x, y in POLES:
        items.append((math.dist(cam.pos[:2], (x, y)), partial(draw_pole, cv, cam, x, y)))
    for _, draw in sorted(items, key=lambda item: -item[0]):
        draw()
