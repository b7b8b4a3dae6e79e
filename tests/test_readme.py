"""The README's Python examples run as written, against the fake PAVE."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .support.builders import REPO, add_session
from .support.fake_pave import API_KEY, API_SECRET, USERNAME

EXAMPLES = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)


def test_the_readme_has_the_library_examples() -> None:
    assert len(EXAMPLES) >= 3
    assert any("render_bundle" in e for e in EXAMPLES) and any("agenerate_report" in e for e in EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_runs(index: int, pave, tmp_path: Path) -> None:
    add_session(pave, "UDB-CJDQF4DJYM")
    (tmp_path / "samples").symlink_to(REPO / "samples")
    env = {
        **os.environ,
        "PAVE_API_KEY": API_KEY,
        "PAVE_API_SECRET": API_SECRET,
        "PAVE_USERNAME": USERNAME,
        "PAVE_BASE_URL": pave.api_url,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    result = subprocess.run(
        [sys.executable, "-c", EXAMPLES[index]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "failed:" not in result.stdout and "Traceback" not in result.stderr
    written = sorted(p.name for p in (tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else []
    if "render_bundle" in EXAMPLES[index]:
        assert written == ["report.pdf"] and "27 damages" in result.stdout
    elif "agenerate_report" in EXAMPLES[index]:
        assert result.stdout.split() == ["1HGCM82633A004352", "4"]
    else:
        assert written == ["UDB-CJDQF4DJYM.json", "UDB-CJDQF4DJYM.pdf"]
