"""Photos for a report in a thread pool: each decoded, marked, cropped and encoded as clean JPEG."""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from .cores import usable_cores
from .decoding import open_photo, shrink
from .errors import ImageError
from .markers import Marker, draw_markers, make_closeups

# Marker is re-exported: a PhotoJob is made of them.
__all__ = [
    "JPEG_QUALITY",
    "MISSING_PHOTO",
    "PHOTO_LONG_EDGE",
    "THUMBNAIL_LONG_EDGE",
    "THUMBNAIL_QUALITY",
    "EncodedImage",
    "Marker",
    "PhotoJob",
    "PhotoResult",
    "encode_jpeg",
    "process_photos",
]

#: Long edge of a photo page's image: about 145 dpi across an A4 text column and 220 dpi at the
#: size of two photos to a page; with JPEG_QUALITY, 100 photos stay well under 10 MB of PDF.
PHOTO_LONG_EDGE = 1024
THUMBNAIL_LONG_EDGE = 360
JPEG_QUALITY = 72
#: Thumbnails and close-ups.
THUMBNAIL_QUALITY = 78
#: The problem of a photo that the bundle does not hold (for warnings; the PDF words it for the customer).
MISSING_PHOTO = "photo not in the bundle"


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
    """What came of one PhotoJob: its encoded images, or the problem that stopped it."""

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
    with ThreadPoolExecutor(max_workers=workers or min(8, usable_cores(), len(jobs))) as pool:
        return list(pool.map(lambda job: _run(job, font_path), jobs))


def _run(job: PhotoJob, font_path: Path | None) -> PhotoResult:
    if job.source is None:
        return PhotoResult(problem=MISSING_PHOTO)
    try:
        image = open_photo(job.source, PHOTO_LONG_EDGE if job.photo else THUMBNAIL_LONG_EDGE)
    except ImageError as error:
        return PhotoResult(problem=error.message)
    thumbnail = None
    if job.thumbnail:
        thumbnail = encode_jpeg(shrink(image, THUMBNAIL_LONG_EDGE), THUMBNAIL_QUALITY)
    wanted = [marker for marker in job.markers if marker.number in job.closeups]
    crops = make_closeups(image, wanted) if wanted and job.photo else {}
    closeups = {number: encode_jpeg(crop, THUMBNAIL_QUALITY) for number, crop in crops.items()}
    photo = None
    if job.photo:
        if job.markers:
            image = draw_markers(image, job.markers, font_path)
        photo = encode_jpeg(image, JPEG_QUALITY)
    return PhotoResult(photo=photo, thumbnail=thumbnail, closeups=closeups)


def encode_jpeg(image: Image.Image, quality: int) -> EncodedImage:
    """Baseline JPEG with no EXIF or other metadata, so WeasyPrint embeds the bytes untouched."""
    buffer = io.BytesIO()
    # Pillow copies a source JPEG's comment (COM segment) unless told otherwise.
    image.save(buffer, "JPEG", quality=quality, optimize=True, comment=b"")
    return EncodedImage(buffer.getvalue(), image.width, image.height)
