"""Photos for a report in threads or forked processes: each decoded, marked, cropped and encoded as clean JPEG."""

from __future__ import annotations

import io
import itertools
import logging
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from .cores import usable_cores
from .decoding import open_photo, shrink
from .errors import ImageError
from .forked import die_with
from .markers import Marker, draw_markers, make_closeups

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

# Marker is re-exported: a PhotoJob is made of them.
__all__ = [
    "JPEG_QUALITY",
    "MAX_PHOTO_WORKERS",
    "MISSING_PHOTO",
    "PHOTO_LONG_EDGE",
    "THUMBNAIL_LONG_EDGE",
    "THUMBNAIL_QUALITY",
    "EncodedImage",
    "Marker",
    "PhotoJob",
    "PhotoResult",
    "encode_jpeg",
    "photo_processes",
    "process_photos",
]

_LOG = logging.getLogger(__name__)

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


#: Threads or processes working on photos at once, at most: more only hold more decoded photos
#: (up to 64 MP each) in memory at once.
MAX_PHOTO_WORKERS = 8
#: The processes of photo_processes(), while its block runs.
_processes: ProcessPoolExecutor | None = None


@contextmanager
def photo_processes(count: int) -> Iterator[bool]:
    """Within the block, process_photos() runs in `count` processes forked on entering it; yields whether it does.

    Threads of one process share the GIL, which marking a photo (Python) holds most of the time,
    and a command importing WeasyPrint beside it (report.preload_pdf_engine) holds the rest: on
    two cores, processes took a 1,000-damage report's photos in 0.6 s instead of 1.1. Enter it
    before the process starts any thread (forking then is safe); with other threads running,
    count < 2 or no fork(), the block runs with threads as before. The processes ignore Ctrl-C
    (this process stops them), end with this one if it is killed, and are gone when the block
    ends. One that dies mid-way leaves its photos to threads in this process.
    """
    global _processes
    count = min(count, MAX_PHOTO_WORKERS)
    if count < 2 or not hasattr(os, "fork") or threading.active_count() > 1 or _processes is not None:
        _LOG.debug("photos are processed in threads")
        yield False
        return
    # Loaded here: every render imports this module, few fork.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # SIGINT blocked across the fork: a Ctrl-C before a process has set itself to ignore it would
    # print its traceback. This process takes the pending signal once the mask is restored.
    masked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = ProcessPoolExecutor(
            count,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_photo_process_started,
            initargs=(os.getpid(), masked),
        )
        pool.submit(int)  # with fork, the first task starts every process at once: here, with no other thread
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, masked)
    _processes = pool
    _LOG.debug("photos are processed in %d forked processes", count)
    try:
        yield True
    finally:
        _processes = None
        pool.shutdown(wait=True, cancel_futures=True)


def _photo_process_started(parent: int, mask: set[int | signal.Signals]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    die_with(parent)


def process_photos(jobs: Sequence[PhotoJob], font_path: Path | None, workers: int | None = None) -> list[PhotoResult]:
    """Process photos in photo_processes()'s processes, or in threads (Pillow releases the GIL to decode, encode)."""
    if not jobs:
        return []
    if len(jobs) == 1:
        return [_run(jobs[0], font_path)]
    processes = _processes
    if processes is not None and workers is None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return list(processes.map(_run, jobs, itertools.repeat(font_path)))
        except BrokenProcessPool:
            _LOG.warning("a photo process ended unexpectedly; the photos are processed in this process")
    # One thread per core this process may use, at most MAX_PHOTO_WORKERS.
    with ThreadPoolExecutor(max_workers=workers or min(MAX_PHOTO_WORKERS, usable_cores(), len(jobs))) as pool:
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
