"""The built wheel carries the theme, fonts and sample, and works installed outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .support.builders import REPO, damage, hotspots, jpeg_bytes, photo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = dist.glob("reportgen-*.whl")
    return built


def test_wheel_contains_templates_fonts_licences_and_sample(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "reportgen/templates/report.html.j2",
        "reportgen/templates/report.css",
        "reportgen/templates/partials/photos.html.j2",
        "reportgen/fonts/Inter-Regular.otf",
        "reportgen/fonts/LICENSE-Inter.txt",
        "reportgen/fonts/LICENSE-NotoSans.txt",
        "reportgen/fonts/NotoSansCJK-Subset-Regular.otf",
        "reportgen/fonts/LICENSE-NotoSansCJK.txt",
        "reportgen/data/vocabulary.toml",
        *(f"reportgen/locale/{lang}/LC_MESSAGES/reportgen.mo" for lang in ("fr", "es", "de", "ja")),
        *(f"reportgen/data/vocabulary-{lang}.toml" for lang in ("fr", "es", "de", "ja")),
        "reportgen/py.typed",
        "reportgen/samples/sample-session/hotspots.json",
        "reportgen/samples/brand/northwind.toml",
    ):
        assert required in names, required
    assert not any(name.startswith(("tests/", "templates/", "fonts/")) for name in names)


def test_installed_wheel_renders_outside_the_repository(wheel: Path, tmp_path: Path, make_bundle) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    bundle = make_bundle(
        hotspots(photo(5, "Front", "https://cdn.example/f.jpg", damage(description="Wheel test"))),
        images={"f.jpg": jpeg_bytes()},
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = (
        "import reportgen, reportgen.paths as p, sys\n"
        "print(reportgen.__file__); print(p.builtin_theme_dir()); print(p.fonts_dir())\n"
        f"reportgen.render_bundle({str(bundle)!r}).write('out.pdf')\n"
        # The catalogs and vocabulary of another language come from the wheel too.
        f"reportgen.render_bundle({str(bundle)!r}, lang='fr').write('fr.html', 'html')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    module, theme, fonts = result.stdout.split()
    for location in (module, theme, fonts):
        assert location.startswith(str(target)), location
    assert (work / "out.pdf").read_bytes().startswith(b"%PDF-")
    french = (work / "fr.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in french and "Synthèse" in french and "Porte avant gauche" in french
