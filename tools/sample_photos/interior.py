"""The interior photo: the cabin from the open driver's door."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from PIL import Image

from .body import STEERING_AXIS, STEERING_CENTRE
from .camera import Camera, px, reflect
from .canvas import SS, Canvas, H, Linear, W
from .geometry import Colour, Pt, Vec, add, clamp, cross, dot, mix, scale, smooth, sub, unit
from .meshes import Face, Shader, blob_faces, draw_faces, mesh_faces, pitch_up
from .wheels import draw_roundel


def cabin_shader(cam: Camera, base: Colour, gloss: float = 0.04) -> Shader:
    """Interior materials lit by the windows above and the open driver's door beside the camera."""
    windows, door = unit((0.4, -0.2, 0.9)), unit((0.0, 1.0, 0.25))

    def shade(n: Vec, p: Vec) -> Colour:
        v = unit(sub(cam.pos, p))
        ndv = clamp(dot(n, v))
        r = reflect(v, n)
        env = 30 + 210 * max(smooth((r[2] + 0.05) / 0.5), smooth((r[1] - 0.3) / 0.6))
        f = min(0.5, gloss + (1 - gloss) * (1 - ndv) ** 5)
        light = 0.45 + 0.55 * max(0.0, dot(n, windows)) + 0.45 * max(0.0, dot(n, door))
        return tuple(round(clamp(b * light * (1 - f) + env * f, 0, 255)) for b in base)

    return shade


def torus(centre: Vec, normal: Vec, big: float, small: float, nu: int = 72, nv: int = 12) -> list[list[Vec]]:
    """A ring (the steering wheel rim) around `normal` through centre."""
    e1 = (0.0, 1.0, 0.0)
    e2 = unit(cross(normal, e1))
    grid = []
    for j in range(nv + 1):
        v = math.tau * j / nv
        row = []
        for i in range(nu + 1):
            u = math.tau * i / nu
            radial = add(scale(e1, math.cos(u)), scale(e2, math.sin(u)))
            row.append(add(centre, add(scale(radial, big + small * math.cos(v)), scale(normal, small * math.sin(v)))))
        grid.append(row)
    return grid


def quad_on(cam: Camera, corners: Sequence[Vec]) -> list[Pt]:
    return [cam.project(p) for p in corners]


def stitching(
    cv: Canvas,
    cam: Camera,
    centre: Vec,
    tilt: float,
    face: Callable[[float, float], Vec],
    span: float,
    pleats: Sequence[float],
) -> None:
    """The seams of a pleated leather insert: two long ones and a few across, on one face of a seat part."""

    def at(a: float, b: float) -> Vec:
        return add(centre, pitch_up(face(a, b), tilt))

    lines = [[at(t * span / 10, b) for t in range(-10, 11)] for b in (-0.12, 0.12)]
    lines += [[at(a, t * 0.012) for t in range(-10, 11)] for a in pleats]
    for line in lines:
        pts = [cam.project(p) for p in line]
        w = px(cam, line[10], 0.006)
        cv.line(pts, w, (4, 4, 4), alpha=0.6, blur=w * 0.3)
        cv.line([(x, y - w) for x, y in pts], w * 0.5, (120, 118, 112), alpha=0.35)


def render_interior() -> Image.Image:
    """The cabin from the open driver's door: wheel, dashboard, console and black leather seats."""
    cam = Camera((2.36, 1.08, 1.25), (2.9, -0.05, 0.68))
    cv = Canvas()
    # Daylight through the glass, overexposed because the phone meters for the dark cabin.
    cv.fill(Linear((0, 0), (0, H * 0.6), ((0.0, (250, 251, 252)), (1.0, (208, 216, 220)))))
    rng = random.Random(23)
    for _ in range(16):
        cv.ellipse(
            (rng.uniform(0, W), rng.uniform(0.1, 0.45) * H),
            W * rng.uniform(0.03, 0.09),
            H * 0.06,
            (160, 176, 150),
            alpha=0.35,
            blur=70,
        )
    leather, plastic = (30, 29, 29), (36, 36, 38)
    shell = [  # headliner, passenger door card, floor: flat panels
        ([(1.55, -0.72, 1.37), (2.75, -0.68, 1.37), (2.75, 0.72, 1.37), (1.55, 0.75, 1.37)], (176, 173, 166)),
        ([(1.6, -0.76, 0.1), (3.1, -0.74, 0.1), (3.1, -0.74, 0.98), (1.6, -0.78, 0.98)], (44, 44, 46)),
        ([(1.5, -0.75, 0.14), (3.2, -0.75, 0.14), (3.2, 0.78, 0.14), (1.5, 0.78, 0.14)], (20, 20, 21)),
        ([(3.05, -0.78, 0.14), (3.05, 0.8, 0.14), (3.05, 0.8, 0.9), (3.05, -0.78, 0.9)], (16, 16, 17)),
        ([(2.85, 0.8, 0.1), (3.4, 0.8, 0.1), (3.4, 0.8, 1.0), (2.85, 0.8, 1.0)], (12, 24, 56)),
    ]
    for corners, colour in shell:
        pts = quad_on(cam, corners)
        cv.polygon(pts, Linear(pts[0], pts[2], ((0.0, colour), (1.0, mix(colour, (0, 0, 0), 0.45)))))
    for s in (1, -1):  # A-pillars and the far B-pillar
        cv.polygon(
            quad_on(
                cam, [(3.08, s * 0.72, 0.98), (3.0, s * 0.72, 0.98), (2.5, s * 0.64, 1.38), (2.58, s * 0.64, 1.38)]
            ),
            (58, 58, 60),
        )
    cv.polygon(
        quad_on(cam, [(1.82, -0.76, 0.95), (1.95, -0.76, 0.95), (1.95, -0.7, 1.38), (1.82, -0.7, 1.38)]), (70, 70, 72)
    )
    faces: list[Face] = []
    faces += blob_faces(cam, (3.15, 0.0, 0.81), (0.3, 0.79, 0.2), 0.3, cabin_shader(cam, plastic), nu=96, nv=40)
    faces += blob_faces(cam, (2.93, 0.37, 1.0), (0.12, 0.2, 0.07), 0.5, cabin_shader(cam, (26, 26, 28)))  # cluster hood
    faces += blob_faces(cam, (2.86, 0.0, 0.6), (0.08, 0.15, 0.2), 0.3, cabin_shader(cam, (24, 24, 26)))  # centre stack
    faces += blob_faces(cam, (2.4, 0.0, 0.36), (0.45, 0.12, 0.16), 0.3, cabin_shader(cam, (26, 26, 28)))  # console
    for y in (0.37, -0.37):  # seats: cushion, bolsters, back, back bolsters, head restraint
        parts = [
            ((2.22, y, 0.45), (0.27, 0.24, 0.07), 0.08),
            ((1.93, y, 0.86), (0.07, 0.25, 0.34), 0.3),
            ((1.79, y, 1.27), (0.05, 0.13, 0.1), 0.3),
        ]
        for side in (1, -1):
            parts += [
                ((2.22, y + side * 0.2, 0.5), (0.26, 0.06, 0.075), 0.08),
                ((1.97, y + side * 0.21, 0.84), (0.075, 0.06, 0.3), 0.3),
            ]
        for centre, radii, tilt in parts:
            faces += blob_faces(cam, centre, radii, 0.45, cabin_shader(cam, leather, 0.06), tilt, nu=48, nv=24)
    draw_faces(cv, faces, 8 * SS)
    for y in (0.37, -0.37):  # stitched panels on each cushion's top and each backrest's face
        stitching(cv, cam, (2.22, y, 0.45), 0.08, lambda a, b: (a, b, 0.07), 0.22, (-0.06, 0.08))
        stitching(cv, cam, (1.93, y, 0.86), 0.3, lambda a, b: (0.07, b, a), 0.28, (-0.04, 0.14))
    # Sun through the open door, falling across the driver's cushion.
    patch = [
        add((2.22, 0.37, 0.45), pitch_up((dx, dy, 0.071), 0.08))
        for dx, dy in ((-0.2, 0.22), (0.1, 0.22), (0.2, -0.05), (-0.1, -0.05))
    ]
    cv.polygon(quad_on(cam, patch), (255, 244, 226), alpha=0.12, blur=px(cam, patch[0], 0.03))
    # Dashboard details: screen, vents, aluminium strip, radio buttons.
    cv.polygon(
        quad_on(cam, [(2.99, -0.13, 1.02), (2.99, 0.13, 1.02), (3.04, 0.13, 1.12), (3.04, -0.13, 1.12)]),
        Linear(cam.project((2.99, 0, 1.02)), cam.project((3.04, 0, 1.12)), ((0.0, (18, 20, 26)), (1.0, (52, 56, 64)))),
    )
    face_x = 2.85  # the dashboard's upright face
    for y0, y1 in ((-0.16, -0.03), (0.03, 0.16), (0.58, 0.7)):
        vent = quad_on(cam, [(face_x, y0, 0.86), (face_x, y1, 0.86), (face_x, y1, 0.95), (face_x, y0, 0.95)])
        cv.polygon(vent, (10, 10, 11))
        for k in range(5):
            z = 0.87 + k * 0.018
            cv.line(quad_on(cam, [(face_x, y0 + 0.01, z), (face_x, y1 - 0.01, z)]), 5, (52, 52, 55))
    strip = quad_on(cam, [(face_x, -0.7, 0.74), (face_x, 0.7, 0.74), (face_x, 0.7, 0.775), (face_x, -0.7, 0.775)])
    cv.polygon(strip, Linear(strip[3], strip[0], ((0.0, (150, 152, 156)), (1.0, (78, 80, 84)))))
    for row in range(3):
        for col in range(5):
            y, z = -0.11 + col * 0.045, 0.66 - row * 0.05
            button = [(2.775, y, z), (2.775, y + 0.035, z), (2.775, y + 0.035, z + 0.035), (2.775, y, z + 0.035)]
            cv.polygon(quad_on(cam, button), (58, 58, 62))
    # The steering wheel, its boss and spokes, on a column angled up towards the driver.
    centre, normal = STEERING_CENTRE, STEERING_AXIS
    tilt = -math.atan2(normal[2], -normal[0])
    wheel_faces = blob_faces(
        cam, add(centre, (0.16, 0.0, -0.07)), (0.13, 0.05, 0.05), 0.6, cabin_shader(cam, (18, 18, 19)), tilt
    )  # the column
    down = unit(cross(normal, (0.0, 1.0, 0.0)))
    for offset, radii in (
        ((0.0, 0.11, 0.0), (0.015, 0.085, 0.026)),
        ((0.0, -0.11, 0.0), (0.015, 0.085, 0.026)),
        (scale(down, 0.11), (0.015, 0.026, 0.085)),
    ):
        wheel_faces += blob_faces(
            cam, add(centre, offset), radii, 0.5, cabin_shader(cam, (120, 122, 126), 0.3), tilt, nu=20, nv=10
        )
    wheel_faces += blob_faces(
        cam, add(centre, scale(normal, 0.02)), (0.035, 0.075, 0.068), 0.5, cabin_shader(cam, (24, 24, 25), 0.06), tilt
    )
    ring = torus(centre, normal, 0.19, 0.018)

    def ring_core(p: Vec) -> Vec:
        d = sub(p, centre)
        d = sub(d, scale(normal, dot(d, normal)))
        return add(centre, scale(unit(d), 0.19))

    wheel_faces += mesh_faces(cam, ring, ring_core, cabin_shader(cam, (26, 25, 24), 0.08))
    draw_faces(cv, wheel_faces, 1.5 * SS)
    badge = add(centre, scale(normal, 0.058))
    draw_roundel(cv, cam.project(badge), px(cam, badge, 0.022), 1.15)
    # Light falls off into the footwells.
    floor = cam.project((2.5, 0.4, 0.15))
    cv.ellipse(floor, W * 0.3, H * 0.15, (0, 0, 0), alpha=0.45, blur=100)
    return cv.img
