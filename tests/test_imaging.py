"""Photo processing: safe decoding, orientation, sizing and markers checked on real pixels."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from reportgen import decoding, imaging
from reportgen.errors import ImageError
from reportgen.markers import CLOSEUP_EDGE, _rgb, draw_markers, make_closeups, place_labels

from .support.builders import jpeg_bytes
from .support.images import FONT, RED, marker, save, write


def is_close(pixel: tuple[int, ...], colour: str, tolerance: int = 40) -> bool:
    target = _rgb(colour)[:3]
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], target, strict=True))


def test_marker_ring_and_numbered_disc_are_drawn_in_the_severity_colour() -> None:
    base = Image.new("RGB", (1200, 900), (128, 128, 128))
    drawn = draw_markers(base, [marker(7, 50, 50)], FONT)
    radius = max(9.0, 1200 * 0.0165)
    [placed] = place_labels([marker(7, 50, 50)], (1200, 900), radius)

    ring = 0.45 * radius  # the middle of the ring's stroke
    ring_pixels = [
        drawn.getpixel((round(600 + ring * math.cos(a)), round(450 + ring * math.sin(a)))) for a in (0.3, 2.0, 3.5, 5.0)
    ]
    assert sum(is_close(p, RED) for p in ring_pixels) >= 3
    # The damage itself, inside the ring, is left visible.
    assert drawn.getpixel((600, 450)) == (128, 128, 128)

    cx, cy = placed.label
    disc = [
        drawn.getpixel((round(cx + dx), round(cy + dy)))
        for dx, dy in ((-0.7 * radius, 0), (0, 0.75 * radius), (0.7 * radius, -0.2 * radius))
    ]
    assert all(is_close(p, RED) for p in disc)
    # The number is written in the text colour inside the disc.
    inner = drawn.crop(
        (round(cx - radius * 0.5), round(cy - radius * 0.5), round(cx + radius * 0.5), round(cy + radius * 0.5))
    )
    assert any(min(inner.getpixel((x, y))) > 220 for x in range(inner.width) for y in range(inner.height))


def test_markers_change_only_the_pixels_around_them() -> None:
    base = Image.effect_noise((1400, 1050), 40).convert("RGB")
    before = base.copy()
    drawn = draw_markers(base, [marker(3, 20, 30), marker(4, 80, 70)], FONT)
    assert base.tobytes() == before.tobytes()  # the caller's image is not drawn on
    radius = 1400 * 0.0165
    changed = Image.frombytes(
        "L",
        drawn.size,
        bytes(a != b for a, b in zip(drawn.convert("L").tobytes(), before.convert("L").tobytes(), strict=True)),
    )
    box = changed.getbbox()
    assert box is not None
    # Marks stay within a few disc radii of their damages: a corner and the centre are untouched.
    assert box[0] > 280 - 7 * radius and box[2] < 1120 + 7 * radius
    for point in ((5, 5), (1394, 5), (700, 525), (5, 1044)):
        assert drawn.getpixel(point) == before.getpixel(point)


def test_close_up_rings_the_damage_without_covering_it() -> None:
    base = Image.new("RGB", (1400, 1050), (90, 120, 150))
    [image] = make_closeups(base, [marker(5, 40, 60)]).values()
    assert image.size == (CLOSEUP_EDGE, CLOSEUP_EDGE)
    centre = CLOSEUP_EDGE / 2
    assert all(abs(a - b) <= 12 for a, b in zip(image.getpixel((centre, centre)), (90, 120, 150), strict=True))
    ring = CLOSEUP_EDGE * 0.09 - 2  # the middle of the coloured stroke, drawn inwards
    on_ring = [
        image.getpixel((round(centre + ring * math.cos(a)), round(centre + ring * math.sin(a))))
        for a in (0.2, 1.7, 3.3, 4.9)
    ]
    assert sum(is_close(p, RED, 60) for p in on_ring) >= 3


def test_marker_disc_is_large_enough_to_read_in_print() -> None:
    base = Image.new("RGB", (1400, 1050), (128, 128, 128))
    drawn = draw_markers(base, [marker(12, 30, 60)], FONT)
    radius = 1400 * 0.0165
    [placed] = place_labels([marker(12, 30, 60)], (1400, 1050), radius)
    y = round(placed.label[1])
    row = [drawn.getpixel((x, y)) for x in range(1400)]
    red_run = [x for x, p in enumerate(row) if is_close(p, RED)]
    diameter_px = max(red_run) - min(red_run)
    # A photo printed 170 mm wide: the disc must be at least 4.5 mm across.
    assert diameter_px / 1400 * 170 >= 4.5


@pytest.mark.parametrize("x, y", [(0, 0), (100, 100), (100, 0), (0, 100), (99.9, 50), (50, 0.1)])
def test_markers_at_edges_stay_wholly_inside_the_photo(x: float, y: float) -> None:
    radius = 20.0
    [placed] = place_labels([marker(1, x, y)], (1000, 750), radius)
    lx, ly = placed.label
    assert radius <= lx <= 1000 - radius and radius <= ly <= 750 - radius
    tx, ty = placed.target
    assert 0.55 * radius <= tx <= 1000 - 0.55 * radius and 0.55 * radius <= ty <= 750 - 0.55 * radius


def test_close_damages_get_discs_that_do_not_cover_each_other() -> None:
    markers = [marker(n, 60 + n * 0.4, 24 + (n % 2) * 0.5) for n in range(1, 7)]
    radius = 1400 * 0.0165
    placed = place_labels(markers, (1400, 1050), radius)
    labels = [p.label for p in placed]
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert math.dist(a, b) >= 2 * radius, "two numbered discs overlap"
        for p in placed:
            # No disc hides another damage's ring.
            if p.label != a:
                assert math.dist(a, p.target) >= radius * 1.5


def test_a_crowded_photo_still_gets_every_marker_inside() -> None:
    markers = [marker(n, (n * 37) % 100, (n * 53) % 100) for n in range(1, 401)]
    placed = place_labels(markers, (1400, 1050), 23.0)
    assert len(placed) == 400
    assert all(0 <= p.label[0] <= 1400 and 0 <= p.label[1] <= 1050 for p in placed)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    # Stored landscape, left half red; orientation 6 means "rotate 90° clockwise to view".
    stored = Image.new("RGB", (400, 300), (255, 255, 255))
    stored.paste((220, 0, 0), (0, 0, 200, 300))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = write(tmp_path, "rotated.jpg", save(stored, "JPEG", exif=exif, quality=95))
    image = decoding.open_photo(path, 1400)
    assert image.size == (300, 400)
    top, bottom = image.getpixel((150, 20)), image.getpixel((150, 380))
    assert top[0] > 180 and top[1] < 80 and min(bottom) > 200


def test_large_jpeg_is_downscaled_to_print_size(tmp_path: Path) -> None:
    path = write(tmp_path, "big.jpg", jpeg_bytes(4032, 3024))
    image = decoding.open_photo(path, imaging.PHOTO_LONG_EDGE)
    assert max(image.size) == imaging.PHOTO_LONG_EDGE
    assert image.size[0] / image.size[1] == pytest.approx(4 / 3, rel=0.01)


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


@pytest.mark.parametrize(
    "mode, fill, expect",
    [
        ("CMYK", (0, 0, 0, 0), (255, 255, 255)),
        ("L", 100, (100, 100, 100)),
        ("P", 0, None),
    ],
)
def test_jpeg_and_palette_modes_become_rgb(tmp_path: Path, mode: str, fill: object, expect: object) -> None:
    fmt = "PNG" if mode == "P" else "JPEG"
    path = write(tmp_path, f"m.{fmt.lower()}", save(Image.new(mode, (64, 48), fill), fmt))
    image = decoding.open_photo(path, 1400)
    assert image.mode == "RGB"
    if expect:
        assert all(abs(a - b) <= 3 for a, b in zip(image.getpixel((10, 10)), expect, strict=True))


def test_sixteen_bit_png_keeps_its_tones(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.png", save(Image.new("I;16", (64, 48), 32768), "PNG"))
    pixel = decoding.open_photo(path, 1400).getpixel((5, 5))
    assert 120 <= pixel[0] <= 136, "a mid-grey 16-bit photo must not turn white"


def test_transparent_png_prints_on_white(tmp_path: Path) -> None:
    path = write(tmp_path, "clear.png", save(Image.new("RGBA", (64, 48), (0, 0, 0, 0)), "PNG"))
    assert decoding.open_photo(path, 1400).getpixel((5, 5)) == (255, 255, 255)


def test_webp_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "p.webp", save(Image.new("RGB", (64, 48), (10, 200, 10)), "WEBP"))
    assert decoding.open_photo(path, 1400).size == (64, 48)


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("gif.jpg", save(Image.new("RGB", (10, 10)), "GIF"), "not a JPEG, PNG or WebP"),
        ("page.jpg", b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "not a JPEG, PNG or WebP"),
        ("trunc.jpg", jpeg_bytes(800, 600)[:900], "truncated"),
        ("empty.jpg", b"", "empty"),
    ],
)
def test_unusable_files_raise_image_error_with_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(ImageError, match=reason):
        decoding.open_photo(path, 1400)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.png", save(Image.new("1", (10_000, 10_000)), "PNG"))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ImageError, match="too large"):
        decoding.open_photo(path, 1400)


def test_truncated_photos_stay_errors_after_a_pdf_was_made(tmp_path: Path) -> None:
    import reportgen.pdf  # noqa: F401 (importing WeasyPrint used to relax Pillow for the whole process)

    path = write(tmp_path, "trunc.jpg", jpeg_bytes(800, 600)[:900])
    with pytest.raises(ImageError, match="truncated"):
        decoding.open_photo(path, 1400)


def _noise(width: int, height: int) -> Image.Image:
    # Noise, not a flat colour: its coded data is long and full of 0xFF bytes, as a real photo's is.
    return Image.merge(
        "RGB", [Image.effect_noise((width, height), 70).point(lambda v, k=k: (v * k) % 256) for k in (1, 3, 7)]
    )


def _exif_with_thumbnail() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera"
    return exif.tobytes()


WHOLE_PHOTOS = {
    "baseline.jpg": lambda: save(_noise(640, 480), "JPEG", quality=90),
    "progressive.jpg": lambda: save(_noise(640, 480), "JPEG", quality=90, progressive=True),
    "restart-markers.jpg": lambda: save(_noise(640, 480), "JPEG", quality=90, restart_marker_blocks=4),
    "exif.jpg": lambda: save(_noise(640, 480), "JPEG", quality=90, exif=_exif_with_thumbnail()),
    "photo.png": lambda: save(_noise(320, 240), "PNG"),
    "photo.webp": lambda: save(_noise(320, 240), "WEBP"),
}


@pytest.mark.parametrize("name", WHOLE_PHOTOS)
def test_truncated_photos_are_refused_whatever_pillows_process_wide_flag_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # Exactly what importing WeasyPrint does (weasyprint/images.py), at any moment, from any thread.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = WHOLE_PHOTOS[name]()
    assert decoding.open_photo(write(tmp_path, name, data), 1400).size
    # Trailing bytes after the image (a motion photo's video, say) do not make it incomplete.
    assert decoding.open_photo(write(tmp_path, "tail-" + name, data + b"\x00\xff\xd9 video"), 1400).size
    # The last cut takes only a JPEG's end-of-image marker; a PNG or WebP loses its last coded bytes.
    for cut in (len(data) // 4, len(data) // 2, len(data) * 9 // 10, len(data) - (2 if name.endswith(".jpg") else 20)):
        path = write(tmp_path, f"cut{cut}-{name}", data[:cut])
        with pytest.raises(ImageError, match="truncated"):
            decoding.open_photo(path, 1400)
        [result] = imaging.process_photos([imaging.PhotoJob(path, thumbnail=True)], FONT)
        assert result.photo is None and result.thumbnail is None and "truncated" in (result.problem or "")


def test_a_weasyprint_import_in_another_thread_cannot_let_a_truncated_photo_through(tmp_path: Path) -> None:
    # The race as the CLI ran it: photo threads decode while WeasyPrint is imported in the background.
    # A fresh process, so that the real import really happens; each photo is checked after it.
    truncated = write(tmp_path, "trunc.jpg", save(_noise(800, 600), "JPEG", quality=90)[:20_000])
    script = f"""
import threading
from pathlib import Path
from PIL import ImageFile
from reportgen import imaging

importer = threading.Thread(target=__import__, args=("weasyprint",))
importer.start()
jobs = [imaging.PhotoJob(Path({str(truncated)!r}), thumbnail=True)] * 40
problems = []
while importer.is_alive() or not problems:
    problems += [result.problem for result in imaging.process_photos(jobs, None, workers=2)]
importer.join()
assert ImageFile.LOAD_TRUNCATED_IMAGES, "WeasyPrint's import no longer relaxes Pillow: this test is moot"
problems += [result.problem for result in imaging.process_photos(jobs, None, workers=2)]
assert all(problem and "truncated" in problem for problem in problems), set(problems)
print(len(problems))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 80


def test_missing_file_is_reported() -> None:
    with pytest.raises(ImageError, match="not found"):
        decoding.open_photo(Path("/nonexistent/photo.jpg"), 1400)


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
