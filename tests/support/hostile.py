"""The hostile corpus (tests/hostile/) the tests share: its strings, and a damage body made of them."""

from __future__ import annotations

import json
from pathlib import Path

from .builders import damage, hotspots, photo

__all__ = ["CORPUS", "STRINGS", "hostile_body"]

CORPUS = Path(__file__).resolve().parents[1] / "hostile"
STRINGS = json.loads((CORPUS / "strings.json").read_text())


def hostile_body() -> dict:
    damages = [
        damage(
            component=text,
            name=text,
            description=f"D{i} {text}",
            tolerance=text,
            repair_method=text,
            x=(i * 7) % 100,
            y=(i * 13) % 100,
        )
        for i, text in enumerate(STRINGS)
    ]
    body = hotspots(
        photo(5, STRINGS[0], "https://cdn.example/f.jpg", *damages),
        photo(7, STRINGS[3], "https://cdn.example/../../etc/passwd", damage()),
    )
    body["vehicle"].update(make=STRINGS[1], model=STRINGS[12] + " " + STRINGS[13], vin=STRINGS[2], trim=STRINGS[4])
    body["session"].update(landing_page=STRINGS[8], condition_report=STRINGS[6], session_key=STRINGS[23])
    return body
