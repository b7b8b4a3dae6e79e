"""What the photo tests share: image files saved and written, red markers and the font they are drawn in."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from reportgen.markers import Marker
from reportgen.paths import fonts_dir

__all__ = ["FONT", "RED", "RED_TEXT", "marker", "save", "write"]

RED, RED_TEXT = "#d62828", "#ffffff"
FONT = fonts_dir() / "Inter-Bold.otf"


def marker(number: int, x: float, y: float, colour: str = RED) -> Marker:
    return Marker(number, x, y, colour, RED_TEXT)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def save(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()
