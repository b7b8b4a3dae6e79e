"""HTTP shared by the PAVE client and the photo downloader: the user agent both send."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from reportgen.download import download_photos

from .support.builders import add_session, jpeg_bytes
from .support.pave_client import client, close_clients


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    close_clients()


def test_pave_and_the_image_host_see_one_user_agent_that_names_this_version(pave, tmp_path: Path) -> None:
    add_session(pave)
    api, _ = client(pave)
    with api:
        api.results("TST-LIVE1")
    pave.images["a.jpg"] = jpeg_bytes()
    [download] = download_photos({f"{pave.image_url}/cdn/a.jpg": "a.jpg"}, tmp_path / "images")
    assert download.problem is None
    seen = [headers for _, headers in pave.api_log] + [headers for _, headers, _ in pave.image_log]
    agents = {value for headers in seen for name, value in headers.items() if name.lower() == "user-agent"}
    assert agents == {f"reportgen/{version('reportgen')} (+PAVE condition reports)"}
