"""Photo downloads from a real image host on 127.0.0.1: overlap, caps, schemes, redirects, cache."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from reportgen import download
from reportgen.download import DownloadPolicy, ImageCache, download_photos
from reportgen.retry import RetryPolicy

from .support.builders import jpeg_bytes
from .support.fake_pave import declared_huge, endless, redirect, reset_mid_body, slow

NO_RETRY = RetryPolicy(attempts=1)


def fetch(pave, tmp_path: Path, names: list[str], **policy: object) -> dict[str, object]:
    targets = {f"{pave.image_url}/cdn/{name}": name for name in names}
    results = download_photos(targets, tmp_path / "images", policy=DownloadPolicy(**{"retry": NO_RETRY, **policy}))
    return {result.url.rsplit("/", 1)[-1]: result for result in results}


def test_good_photos_are_saved_under_their_names(pave, tmp_path: Path) -> None:
    data = jpeg_bytes(320, 240)
    pave.images["a.jpg"] = data
    result = fetch(pave, tmp_path, ["a.jpg"])["a.jpg"]
    assert result.problem is None and (tmp_path / "images" / "a.jpg").read_bytes() == data


def test_slow_photos_download_in_parallel(pave, tmp_path: Path) -> None:
    names = [f"slow{i}.jpg" for i in range(6)]
    for name in names:
        pave.images[name] = slow(jpeg_bytes(64, 48), 0.6)
    results = fetch(pave, tmp_path, names, concurrency=6)
    assert all(r.problem is None for r in results.values())
    assert pave.max_image_concurrency >= 3, "downloads did not overlap"
    starts = sorted(when for _, _, when in pave.image_log)
    assert starts[-1] - starts[0] < 0.6, "a download waited for another to finish"


def test_concurrency_is_bounded(pave, tmp_path: Path) -> None:
    names = [f"b{i}.jpg" for i in range(8)]
    for name in names:
        pave.images[name] = slow(jpeg_bytes(64, 48), 0.3)
    fetch(pave, tmp_path, names, concurrency=2)
    assert pave.max_image_concurrency <= 2


@pytest.mark.parametrize(
    "name, behaviour, problem",
    [
        ("missing.jpg", None, "HTTP 404"),
        ("page.jpg", b"<!DOCTYPE html><html><body>Error</body></html>", "not a JPEG, PNG or WebP"),
        ("endless.jpg", endless, "larger than 1 MiB"),
        ("huge.jpg", declared_huge, "larger than 1 MiB"),
        ("file.jpg", redirect("file:///etc/passwd"), "refused URL scheme 'file'"),
        ("ftp.jpg", redirect("ftp://127.0.0.1/x.jpg"), "refused URL scheme 'ftp'"),
        ("loop.jpg", redirect("/cdn/loop.jpg"), "more than 5 redirects"),
        ("reset.jpg", reset_mid_body, "download failed"),
    ],
)
def test_bad_photos_fail_with_a_reason_and_leave_no_file(pave, tmp_path: Path, name, behaviour, problem) -> None:
    if behaviour is not None:
        pave.images[name] = behaviour
    result = fetch(pave, tmp_path, [name], max_bytes=2**20)[name]
    assert result.file_name is None and problem in result.problem
    assert not (tmp_path / "images" / name).exists()


def test_a_redirect_to_another_http_image_is_followed(pave, tmp_path: Path) -> None:
    pave.images["real.jpg"] = jpeg_bytes()
    pave.images["moved.jpg"] = redirect(f"{pave.image_url}/cdn/real.jpg")
    assert fetch(pave, tmp_path, ["moved.jpg"])["moved.jpg"].problem is None


def test_a_host_that_goes_silent_times_out(pave, tmp_path: Path) -> None:
    pave.images["hang.jpg"] = slow(jpeg_bytes(), 3)
    result = fetch(pave, tmp_path, ["hang.jpg"], read_timeout=0.4)["hang.jpg"]
    assert "did not answer in time" in result.problem


def test_non_http_urls_are_refused_without_a_request(pave, tmp_path: Path) -> None:
    targets = {"file:///etc/passwd": "passwd", "ftp://127.0.0.1/a.jpg": "a.jpg", "data:image/jpeg;base64,/9j/": "d.jpg"}
    results = download_photos(targets, tmp_path / "images", policy=DownloadPolicy(retry=NO_RETRY))
    assert all("refused URL scheme" in r.problem for r in results)
    assert pave.image_log == []


def test_transient_errors_are_retried(pave, tmp_path: Path) -> None:
    from .support.fake_pave import Reply

    calls = []

    def flaky(handler):
        calls.append(1)
        return Reply(503) if len(calls) == 1 else Reply(200, jpeg_bytes(), {"Content-Type": "image/jpeg"})

    pave.images["flaky.jpg"] = flaky
    policy = RetryPolicy(attempts=3, sleep=lambda s: None)
    assert fetch(pave, tmp_path, ["flaky.jpg"], retry=policy)["flaky.jpg"].problem is None and len(calls) == 2


def test_the_cache_serves_a_second_render_without_downloading(pave, tmp_path: Path) -> None:
    pave.images["c.jpg"] = jpeg_bytes()
    cache = ImageCache(tmp_path / "cache")
    targets = {f"{pave.image_url}/cdn/c.jpg": "c.jpg"}
    first = download_photos(targets, tmp_path / "one", cache=cache)
    second = download_photos(targets, tmp_path / "two", cache=cache)
    assert not first[0].from_cache and second[0].from_cache
    assert len(pave.image_log) == 1
    assert (tmp_path / "two" / "c.jpg").read_bytes() == (tmp_path / "one" / "c.jpg").read_bytes()


def test_a_shared_deadline_cuts_running_downloads_and_starts_no_new_one(pave, tmp_path: Path) -> None:
    import time

    from reportgen.download import TIME_LIMIT_PROBLEM

    names = [f"stall{i}.jpg" for i in range(6)]
    for name in names:
        pave.images[name] = slow(jpeg_bytes(64, 48), 5)  # bounded: the fake's threads end after 5 s
    started = time.monotonic()
    # Retries allowed, per-photo limits far beyond the deadline: only the deadline can stop them.
    results = fetch(pave, tmp_path, names, concurrency=2, retry=RetryPolicy(attempts=3, deadline=started + 1.0))
    elapsed = time.monotonic() - started
    assert all(r.problem == TIME_LIMIT_PROBLEM for r in results.values())
    # 0.3 s: a thread's wake-up after its socket timeout and the pool's exit, on a busy machine.
    assert elapsed < 1.0 + 0.3, f"took {elapsed:.2f} s"
    assert len(pave.image_log) == 2, "a download started after the deadline"
    assert all(when < started + 1.0 for _, _, when in pave.image_log)


def test_the_downloader_imports_nothing_of_the_layers_above_it() -> None:
    # The client layer sits below the images: the photo size limit is shared through reportgen.limits.
    tree = ast.parse(Path(download.__file__).read_text(encoding="utf-8"))
    ours = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1}
    above = {"imaging", "decoding", "markers", "view", "render", "pdf", "report", "batch", "cli", "mail"}
    assert not ours & above, f"download.py imports {sorted(ours & above)}"
