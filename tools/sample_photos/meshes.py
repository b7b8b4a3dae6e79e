"""Rounded boxes and rings as shaded, camera-facing faces: mirrors and the cabin's parts."""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter

from .camera import Camera
from .canvas import Canvas
from .geometry import Colour, Pt, Vec, add, cross, dot, scale, sub, unit

Face = tuple[float, list[Pt], Colour]
Shader = Callable[[Vec, Vec], Colour]


def spow(v: float, e: float) -> float:
    """Signed power: squares up a circle's coordinates into a rounded box."""
    return math.copysign(abs(v) ** e, v)


def pitch_up(v: Vec, pitch: float) -> Vec:
    """Rotate about the y axis; a positive pitch lifts +x and leans +z back towards -x."""
    x, y, z = v
    return (x * math.cos(pitch) - z * math.sin(pitch), y, x * math.sin(pitch) + z * math.cos(pitch))


def superquadric(
    centre: Vec, radii: Vec, e: float = 0.6, pitch: float = 0.0, nu: int = 28, nv: int = 14
) -> list[list[Vec]]:
    """A rounded box (e < 1) or ellipsoid (e = 1) as a grid of points."""
    grid = []
    for j in range(nv + 1):
        v = -math.pi / 2 + math.pi * j / nv
        row = []
        for i in range(nu + 1):
            u = math.tau * i / nu
            local = (
                radii[0] * spow(math.cos(v), e) * spow(math.cos(u), e),
                radii[1] * spow(math.cos(v), e) * spow(math.sin(u), e),
                radii[2] * spow(math.sin(v), e),
            )
            row.append(add(centre, pitch_up(local, pitch)))
        grid.append(row)
    return grid


def mesh_faces(cam: Camera, grid: list[list[Vec]], inside: Callable[[Vec], Vec], shader: Shader) -> list[Face]:
    """Camera-facing quads of a point grid, each shaded flat; `inside` gives a point behind each face."""
    faces = []
    for j in range(len(grid) - 1):
        for i in range(len(grid[0]) - 1):
            quad = [grid[j][i], grid[j][i + 1], grid[j + 1][i + 1], grid[j + 1][i]]
            c = scale(add(add(quad[0], quad[1]), add(quad[2], quad[3])), 0.25)
            n = cross(sub(quad[2], quad[0]), sub(quad[3], quad[1]))
            if dot(n, n) < 1e-14 or cam.depth(c) < 0.05:
                continue
            n = unit(n)
            if dot(n, sub(c, inside(c))) < 0:
                n = scale(n, -1.0)
            if cam.facing(c, n):
                faces.append((-cam.depth(c), [cam.project(p) for p in quad], shader(n, c)))
    return faces


def blob_faces(
    cam: Camera, centre: Vec, radii: Vec, e: float, shader: Shader, pitch: float = 0.0, nu: int = 28, nv: int = 14
) -> list[Face]:
    """The visible faces of one rounded box."""
    return mesh_faces(cam, superquadric(centre, radii, e, pitch=pitch, nu=nu, nv=nv), lambda _: centre, shader)


def draw_faces(cv: Canvas, faces: list[Face], smooth_px: float = 0.0) -> None:
    """Paint faces far to near; optionally soften the flat shading inside the crisp outline."""
    faces = sorted(faces, key=lambda f: f[0])
    if smooth_px <= 0:
        draw = ImageDraw.Draw(cv.img)
        for _, quad, colour in faces:
            draw.polygon(quad, fill=colour, outline=colour)
        return
    layer, mask = cv.img.copy(), Image.new("L", cv.img.size, 0)
    dl, dm = ImageDraw.Draw(layer), ImageDraw.Draw(mask)
    for _, quad, colour in faces:
        dl.polygon(quad, fill=colour, outline=colour)
        dm.polygon(quad, fill=255, outline=255)
    box = mask.getbbox()
    if box:
        cv.img.paste(layer.crop(box).filter(ImageFilter.GaussianBlur(smooth_px)), box[:2], mask.crop(box))
