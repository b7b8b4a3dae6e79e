"""Draw the sample session's stand-in inspection photos of a dark-blue 2009 BMW 3 Series sedan."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .exteriors import EXTERIORS
from .output import CLOSE_UPS, ORDER, PREFIX, make_photo

IMAGES_DIR = Path(__file__).resolve().parents[2] / "samples" / "sample-session" / "images"
CHECK_DIR = Path("/tmp/sample-check")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"mark the damage coordinates with red crosses and write to {CHECK_DIR} instead",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"write the photos to DIR (default: {IMAGES_DIR}, or {CHECK_DIR} with --check)",
    )
    args = parser.parse_args(argv)
    target = args.out or (CHECK_DIR if args.check else IMAGES_DIR)
    target.mkdir(parents=True, exist_ok=True)
    if args.check:
        for key, shot in EXTERIORS.items():
            for d in shot.damages:
                print(f"{PREFIX}{key}.jpg  {d.part:24} ({d.x:5.2f}, {d.y:5.2f})  {d.kind}")
    # Each photo is independent; two processes keep the run short on a two-core machine.
    # The heavier outdoor scenes go first so neither worker is left alone with one at the end.
    jobs = sorted(ORDER, key=lambda key: key in CLOSE_UPS)
    with ProcessPoolExecutor(max_workers=2) as pool:
        for name, data in pool.map(make_photo, [(key, args.check) for key in jobs]):
            (target / name).write_bytes(data)
            print(f"{target / name}  {len(data) // 1024} KiB")
    return 0
