"""The source distribution carries the package, theme, sample and tests, and leaves the development tools out."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from .support.builders import REPO


def test_sdist_has_the_sample_but_not_the_tools_that_drew_it(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp_path)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=300,
    )
    [sdist] = tmp_path.glob("reportgen-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for required in (
        "reportgen/__init__.py",
        "samples/sample-session/hotspots.json",
        "samples/sample-session/images/UDB-512D3TASIY_01_V1N.jpg",
        "tests/conftest.py",
    ):
        assert required in names, required
    tools = sorted(name for name in names if name.startswith("tools/") or "sample_photos" in name)
    assert tools == []
