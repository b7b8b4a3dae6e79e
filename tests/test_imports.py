"""The command line starts light: `import reportgen.cli` loads no renderer, parser, client or comparison."""

from __future__ import annotations

import json
import subprocess
import sys

import reportgen

HEAVY = ("weasyprint", "pydantic", "httpx", "PIL", "jinja2", "pikepdf", "rich")
LATER = ("reportgen.report", "reportgen.compare", "reportgen.batch", "reportgen.models", "reportgen.pdf")


def test_importing_the_command_line_loads_nothing_a_command_does_not_need_first() -> None:
    code = "import json, sys, reportgen.cli; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True).stdout))
    assert "reportgen.cli" in loaded
    assert [name for name in HEAVY + LATER if name in loaded] == []


def test_every_public_name_is_there_when_asked_for() -> None:
    for name in reportgen.__all__:
        assert getattr(reportgen, name).__name__ == name
    assert reportgen.render_bundle.__module__ == "reportgen.report"
    try:
        reportgen.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("an unknown name was found")
