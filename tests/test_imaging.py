"""Photos for a report in threads or forked processes: marked, encoded as clean JPEG, in order, failures as problems."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from PIL import Image

from reportgen import imaging

from .support.builders import jpeg_bytes
from .support.images import FONT, marker, write
from .support.processes import children, running


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


def photo_jobs(tmp_path: Path, count: int = 6) -> list[imaging.PhotoJob]:
    jobs = []
    for index in range(count):
        path = write(tmp_path, f"p{index}.jpg", jpeg_bytes(900, 600, (40 + index * 30, 90, 120)))
        markers = tuple(marker(number, 10 + number * 7, 20 + number * 5) for number in range(1, 9))
        jobs.append(imaging.PhotoJob(path, markers, thumbnail=True, closeups=frozenset({2, 5})))
    return jobs


REPO = Path(__file__).resolve().parents[1]


def in_a_process_of_its_own(tmp_path: Path, body: str, jobs: list[imaging.PhotoJob]) -> Any:
    """What `body` leaves in `answer`, run in a new interpreter with `jobs` and FONT.

    photo_processes forks only a process with no other thread, and a test process may hold some
    (pytest-xdist's, a server's left by another test): a new interpreter has none.
    """
    (tmp_path / "jobs.pickle").write_bytes(pickle.dumps((jobs, FONT)))
    script = (
        "import os, pickle, signal, sys\n"
        "from reportgen import imaging\n"
        "from tests.support.processes import children\n"
        "jobs, font = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "before = children(os.getpid())\n"
        f"{textwrap.dedent(body)}\n"
        "open(sys.argv[2], 'wb').write(pickle.dumps(answer))\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "jobs.pickle"), str(tmp_path / "answer.pickle")],
        cwd=REPO,
        check=True,
        timeout=120,
    )
    return pickle.loads((tmp_path / "answer.pickle").read_bytes())  # noqa: S301 (our own child's answer)


def test_photos_processed_in_forked_processes_are_those_threads_make_and_the_processes_end_with_the_block(
    tmp_path: Path,
) -> None:
    jobs = photo_jobs(tmp_path)
    body = """
        with imaging.photo_processes(2) as forked:
            workers = children(os.getpid()) - before
            results = imaging.process_photos(jobs, font)
            same = children(os.getpid()) - before == workers  # the same two did every photo
        answer = (forked, len(workers), same, results, children(os.getpid()) - before)
    """
    forked, workers, same, in_processes, left = in_a_process_of_its_own(tmp_path, body, jobs)
    assert forked and workers == 2 and same and not left
    assert in_processes == imaging.process_photos(jobs, FONT)
    assert all(result.photo and len(result.closeups) == 2 for result in in_processes)


def test_a_photo_process_that_dies_leaves_its_photos_to_this_process(tmp_path: Path) -> None:
    jobs = photo_jobs(tmp_path)
    body = """
        with imaging.photo_processes(2):
            os.kill(min(children(os.getpid()) - before), signal.SIGKILL)
            results = imaging.process_photos(jobs, font)
        answer = (results, children(os.getpid()) - before)
    """
    results, left = in_a_process_of_its_own(tmp_path, body, jobs)
    assert results == imaging.process_photos(jobs, FONT) and not left


def test_with_another_thread_running_photos_stay_in_threads_as_forking_then_is_unsafe(tmp_path: Path) -> None:
    jobs = photo_jobs(tmp_path, 3)
    body = """
        import threading
        release = threading.Event()
        other = threading.Thread(target=release.wait)
        other.start()
        with imaging.photo_processes(2) as forked:
            answer = (forked, children(os.getpid()) - before, imaging.process_photos(jobs, font))
        release.set()
        other.join()
    """
    forked, workers, results = in_a_process_of_its_own(tmp_path, body, jobs)
    assert not forked and not workers and results == imaging.process_photos(jobs, FONT)


def test_the_photo_processes_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    script = (
        "import os, sys, time\n"
        "from reportgen import imaging\n"
        "with imaging.photo_processes(2):\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(60)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as parent:
        try:
            assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
            workers = children(parent.pid)
            assert len(workers) == 2
        finally:
            parent.kill()
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in workers)  # gone, or a zombie waiting to be reaped
