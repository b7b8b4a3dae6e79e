"""Photo files decoded safely: formats, size limits, truncation, orientation and print size, on real pixels."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from reportgen import decoding, imaging
from reportgen.errors import ImageError

from .support.builders import jpeg_bytes
from .support.images import FONT, save, write


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
