"""Photos for a report in the thread pool: marked, encoded as clean JPEG, in order, failures as problems."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from reportgen import imaging

from .support.builders import jpeg_bytes
from .support.images import FONT, marker, write


def test_encoded_photo_carries_no_exif_and_is_baseline_jpeg(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    path = write(tmp_path, "exif.jpg", jpeg_bytes(800, 600, exif=exif))
    [result] = imaging.process_photos([imaging.PhotoJob(path, (marker(1, 10, 10),))], FONT)
    assert result.problem is None and result.photo is not None
    encoded = Image.open(io.BytesIO(result.photo.data))
    assert encoded.format == "JPEG" and not encoded.getexif() and b"SecretCam" not in result.photo.data
    assert (encoded.width, encoded.height) == (result.photo.width, result.photo.height)


def test_a_source_jpeg_comment_is_not_copied_into_any_encoded_image(tmp_path: Path) -> None:
    source = write(tmp_path, "c.jpg", jpeg_bytes(900, 600, comment=b"PRIVATE-NOTE-42"))
    [result] = imaging.process_photos(
        [imaging.PhotoJob(source, (marker(1, 50, 50),), thumbnail=True, closeups=frozenset({1}))], FONT
    )
    encoded = [result.photo, result.thumbnail, *result.closeups.values()]
    assert len(encoded) == 3
    for image in encoded:
        assert image is not None and b"PRIVATE-NOTE-42" not in image.data


def test_batch_keeps_order_and_turns_failures_into_problems(tmp_path: Path) -> None:
    good = write(tmp_path, "good.jpg", jpeg_bytes(640, 480))
    bad = write(tmp_path, "bad.jpg", b"not an image")
    jobs = [
        imaging.PhotoJob(good, (marker(1, 50, 50),), photo=True, thumbnail=True),
        imaging.PhotoJob(bad),
        imaging.PhotoJob(None),
        imaging.PhotoJob(good, photo=False, thumbnail=True),
    ]
    results = imaging.process_photos(jobs, FONT)
    assert results[0].photo and results[0].thumbnail and results[0].problem is None
    assert max(results[0].thumbnail.width, results[0].thumbnail.height) <= imaging.THUMBNAIL_LONG_EDGE
    assert results[1].problem and "not a JPEG" in results[1].problem
    assert results[2].problem == "photo not in the bundle"
    assert results[3].photo is None and results[3].thumbnail is not None
