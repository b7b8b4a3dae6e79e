"""Photo pixels: safe decoding, upright orientation, print size, numbered markers, clean JPEG bytes."""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps

from .errors import ImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
#: Larger than any phone camera (50 MP); a bigger image is refused before it is decoded.
MAX_SOURCE_PIXELS = 64_000_000
MAX_SOURCE_BYTES = 40 * 1024 * 1024
#: Long edge of a photo page's image: about 145 dpi across an A4 text column and 220 dpi at the
#: size of two photos to a page; with JPEG_QUALITY, 100 photos stay well under 10 MB of PDF.
PHOTO_LONG_EDGE = 1024
THUMBNAIL_LONG_EDGE = 360
#: Close-ups: a square crop of this share of the photo's long edge, printed about 32 mm wide.
CLOSEUP_SHARE = 0.2
CLOSEUP_EDGE = 280
JPEG_QUALITY = 72
THUMBNAIL_QUALITY = 78
#: Markers are drawn oversampled, then reduced, for smooth edges on every photo size.
_SUPERSAMPLE = 3
_ORIENTATION_TAG = 0x0112
_HALO = (255, 255, 255, 235)
_Point = tuple[float, float]
#: Maps a point on the photo onto an oversampled tile.
_At = Callable[[_Point], _Point]
#: Sharp enough for print at these sizes and twice as fast as LANCZOS (57 → 26 ms a photo).
_DOWNSCALE = Image.Resampling.HAMMING
#: The next JPEG marker: 0xFF, then a code that is not a fill byte (0xFF), stuffing (0x00) or a
#: restart marker (0xD0-0xD7); the last two occur inside a scan's coded data.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xff\xd0-\xd7]")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The problem of a photo that the bundle does not hold (for warnings; the PDF words it for the customer).
MISSING_PHOTO = "photo not in the bundle"


@dataclass(frozen=True)
class Marker:
    """A numbered damage marker at a position in percent of the photo's width and height."""

    number: int
    x: float
    y: float
    colour: str
    text_colour: str


@dataclass(frozen=True)
class EncodedImage:
    """JPEG bytes ready to embed as they are, with their pixel size."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class PhotoJob:
    """What to make from one photo file: an annotated print image, a thumbnail, or both."""

    source: Path | None
    markers: tuple[Marker, ...] = ()
    photo: bool = True
    thumbnail: bool = False
    #: Marker numbers that get a close-up.
    closeups: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PhotoResult:
    photo: EncodedImage | None = None
    thumbnail: EncodedImage | None = None
    #: Marker number → a zoomed crop around that damage.
    closeups: dict[int, EncodedImage] = field(default_factory=dict)
    #: Why the photo could not be used; None when it was processed.
    problem: str | None = None


def process_photos(jobs: Sequence[PhotoJob], font_path: Path | None, workers: int | None = None) -> list[PhotoResult]:
    """Process photos in threads (Pillow releases the GIL while decoding, resizing and encoding)."""
    if not jobs:
        return []
    if len(jobs) == 1:
        return [_run(jobs[0], font_path)]
    # One thread per core this process may use, at most 8: more only holds more decoded photos
    # (up to 64 MP each) in memory at once.
    with ThreadPoolExecutor(max_workers=workers or min(8, _usable_cores(), len(jobs))) as pool:
        return list(pool.map(lambda job: _run(job, font_path), jobs))


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 2


def _run(job: PhotoJob, font_path: Path | None) -> PhotoResult:
    if job.source is None:
        return PhotoResult(problem=MISSING_PHOTO)
    try:
        image = open_photo(job.source, PHOTO_LONG_EDGE if job.photo else THUMBNAIL_LONG_EDGE)
    except ImageError as error:
        return PhotoResult(problem=error.message)
    thumbnail = None
    if job.thumbnail:
        small = image.resize(_fit(image.size, THUMBNAIL_LONG_EDGE), _DOWNSCALE, reducing_gap=2.0)
        thumbnail = encode_jpeg(small, THUMBNAIL_QUALITY)
    wanted = [marker for marker in job.markers if marker.number in job.closeups]
    closeups = make_closeups(image, wanted) if wanted and job.photo else {}
    photo = None
    if job.photo:
        if job.markers:
            image = draw_markers(image, job.markers, font_path)
        photo = encode_jpeg(image, JPEG_QUALITY)
    return PhotoResult(photo=photo, thumbnail=thumbnail, closeups=closeups)


def make_closeups(image: Image.Image, markers: Sequence[Marker]) -> dict[int, EncodedImage]:
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
        crops[marker.number] = encode_jpeg(crop, THUMBNAIL_QUALITY)
    return crops


def _closeup_ring(draw: ImageDraw.ImageDraw, at: _At, centre: _Point, radius: float, colour: str) -> None:
    s = _SUPERSAMPLE
    _circle(draw, at(centre), (radius + 2) * s, outline=(255, 255, 255, 255), width=4 * s)
    _circle(draw, at(centre), radius * s, outline=_rgb(colour), width=3 * s)


def open_photo(path: Path, long_edge: int) -> Image.Image:
    """Decode a JPEG, PNG or WebP safely: upright, RGB, no larger than long_edge.

    A file that ends before its image does is refused whatever Pillow's process-wide
    LOAD_TRUNCATED_IMAGES says: WeasyPrint's import sets it, and other code may at any time.
    """
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise ImageError(f"file is too large ({size / 2**20:.0f} MiB)")
        with path.open("rb") as file:
            data = file.read(MAX_SOURCE_BYTES + 1)
        if len(data) > MAX_SOURCE_BYTES:
            raise ImageError("file is too large (it grew while being read)")
        if not data:
            raise ImageError("file is empty")
        if not is_complete(data):
            raise ImageError("truncated image data (the file ends before the image does)")
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as source:
            width, height = source.size
            if width * height > MAX_SOURCE_PIXELS:
                raise ImageError(f"image is too large ({width}×{height} pixels)")
            orientation = source.getexif().get(_ORIENTATION_TAG, 1)
            # draft() lets libjpeg decode at 1/2, 1/4 or 1/8 scale: most of the saving on big photos.
            target = _fit((width, height), long_edge)
            if orientation in (5, 6, 7, 8):
                target = (target[1], target[0])
            if source.format == "JPEG":
                source.draft("RGB", target)
            # exif_transpose copies the whole photo even when it is already upright.
            image = (ImageOps.exif_transpose(source) or source) if orientation != 1 else source
            image = _to_rgb(image)
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError("file not found") from None
    except Image.UnidentifiedImageError:
        raise ImageError("not a JPEG, PNG or WebP image") from None
    except Image.DecompressionBombError:
        raise ImageError("image is too large to decode safely") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageError(f"corrupt or truncated image data ({error})") from None
    if max(image.size) > long_edge:
        image = image.resize(_fit(image.size, long_edge), _DOWNSCALE, reducing_gap=2.0)
    return image


def is_complete(data: bytes) -> bool:
    """False when a JPEG, PNG or WebP file ends before its image data does; True for other data.

    Read from the file's own structure, so the answer never depends on Pillow's settings.
    """
    if data.startswith(b"\xff\xd8"):
        return _jpeg_complete(data)
    if data.startswith(_PNG_SIGNATURE):
        return _png_complete(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return len(data) >= 8 + int.from_bytes(data[4:8], "little")
    return True


def _jpeg_complete(data: bytes) -> bool:
    # Walk the segments to the end-of-image marker; a scan's coded data runs to the next marker.
    # Anything after the first end-of-image (a motion photo's video, say) is not the photo's.
    position = 2
    while True:
        match = _JPEG_MARKER.search(data, position)
        if match is None:
            return False
        code, position = data[match.end() - 1], match.end()
        if code == 0xD9:
            return True
        if code in (0x01, 0xD8):  # markers without a length field
            continue
        if position + 2 > len(data):
            return False
        position += int.from_bytes(data[position : position + 2], "big")
        if position > len(data):
            return False


def _png_complete(data: bytes) -> bool:
    # Chunks are length, type, data and CRC back to back, up to IEND.
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        if data[position + 4 : position + 8] == b"IEND":
            return True
        position += 12 + int.from_bytes(data[position : position + 4], "big")
    return False


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits instead of letting convert() clip it to white.
        return image.convert("I").point(lambda value: value / 256).convert("L").convert("RGB")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent areas print as paper, not as black.
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    if image.mode != "RGB":
        image = image.convert("RGB")
    image.load()
    return image


def encode_jpeg(image: Image.Image, quality: int) -> EncodedImage:
    """Baseline JPEG with no EXIF or other metadata, so WeasyPrint embeds the bytes untouched."""
    buffer = io.BytesIO()
    # Pillow copies a source JPEG's comment (COM segment) unless told otherwise.
    image.save(buffer, "JPEG", quality=quality, optimize=True, comment=b"")
    return EncodedImage(buffer.getvalue(), image.width, image.height)


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
    """Call paint(draw, at, *args) on an oversampled transparent tile around points (`at` maps
    photo coordinates onto the tile), then reduce the tile and blend it into the photo.
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
