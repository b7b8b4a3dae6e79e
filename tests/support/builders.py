"""What the tests build PAVE data from: session bodies, damages, photos, JPEGs and live sessions on the fake PAVE."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

from .fake_pave import FakePave, Session

__all__ = [
    "COMPONENTS",
    "REPO",
    "SAMPLE_BRAND",
    "SAMPLE_BUNDLE",
    "add_session",
    "damage",
    "hotspots",
    "jpeg_bytes",
    "many_damages_bundle",
    "photo",
    "small_bundle",
]

REPO = Path(__file__).resolve().parents[2]
SAMPLE_BUNDLE = REPO / "samples" / "sample-session"
SAMPLE_BRAND = REPO / "samples" / "brand" / "northwind.toml"


def jpeg_bytes(
    width: int = 400, height: int = 300, colour: tuple[int, int, int] = (90, 110, 130), **save: Any
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG", quality=90, **save)
    return buffer.getvalue()


def damage(
    component: str = "DOOR_FRONT_LEFT", name: str = "SCRATCH_MINOR", x: Any = 50, y: Any = 50, **extra: Any
) -> dict[str, Any]:
    return {
        "damage_group": "BODY",
        "component": component,
        "damage_name": name,
        "description": extra.pop("description", "Scratch"),
        "tolerance": extra.pop("tolerance", "1 inch"),
        "repair_method": extra.pop("repair_method", "Refinish"),
        "coodrs": {"x": x, "y": y},
        **extra,
    }


def hotspots(*photos: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "success": True,
        "message": "",
        "data": list(photos),
        "session": {
            "session_key": "TST-SESSION1",
            "inspect_started_at": "2024-01-02T10:00:00+00:00",
            "inspect_ended_at": "2024-01-02T10:07:30+00:00",
            "condition_report": "https://reports.example/TST-SESSION1",
            "landing_page": "https://dashboard.example/park/TST-SESSION1",
        },
        "vehicle": {"vin": "1HGCM82633A004352", "year": 2021, "make": "Honda", "model": "Civic"},
        **top,
    }


def photo(code: int, label: str, url: str, *damages: dict[str, Any]) -> dict[str, Any]:
    return {"photo_code": code, "photo_label": label, "url": url, "inspection_data": list(damages)}


def add_session(
    server: FakePave, key: str = "TST-LIVE1", *, damages: int = 3, with_photos: bool = True
) -> dict[str, Any]:
    """Register a session whose photos live on the fake image host; returns its hotspots body."""
    front = f"{server.image_url}/cdn/{key}/{key}_05_front.jpg"
    left = f"{server.image_url}/cdn/{key}/{key}_04_left.jpg"
    body = hotspots(
        photo(
            5,
            "Front",
            front,
            *[
                damage("BUMPER_FRONT_UNIQUE", "SCRAPED_MAJOR", 20 + 10 * i, 40, description=f"Front scrape {i}")
                for i in range(damages)
            ],
        ),
        photo(4, "Left", left, damage("DOOR_REAR_LEFT", "DENTED_MEDIUM", 60, 30, description="Door dent")),
    )
    body["session"]["session_key"] = key
    captures = [
        {
            "photo_code": 5,
            "photo_label": "Front",
            "url": front,
            "approved": True,
            "approved_message": "ACCEPTED",
            "created_at": "2024-01-02T10:01:00Z",
            "updated_at": "2024-01-02T10:01:20Z",
        },
        {
            "photo_code": 4,
            "photo_label": "Left",
            "url": left,
            "approved": True,
            "approved_message": "ACCEPTED",
            "created_at": "2024-01-02T10:02:00Z",
            "updated_at": "2024-01-02T10:02:20Z",
        },
    ]
    record = {
        "session_key": key,
        "status": "COMPLETE",
        "vehicle": {"vin": "1HGCM82633A004352", "odom_reading": 12345, "odom_unit": "km", "ext_col": "Red"},
    }
    server.sessions[key] = Session(body, captures if with_photos else None, record)
    server.images[f"{key}_05_front.jpg"] = jpeg_bytes(800, 600, (40, 60, 90))
    server.images[f"{key}_04_left.jpg"] = jpeg_bytes(800, 600, (90, 60, 40))
    return body


def small_bundle(folder: Path) -> Path:
    root = folder / "TST-SESSION1"
    (root / "images").mkdir(parents=True)
    body = hotspots(photo(5, "Front", "https://cdn.example/front.jpg", damage(description="Deep scratch")))
    (root / "hotspots.json").write_text(json.dumps(body))
    (root / "images" / "front.jpg").write_bytes(jpeg_bytes())
    return root


#: Components the large synthetic sessions spread their damages over.
COMPONENTS = (
    "BUMPER_FRONT_UNIQUE",
    "HOOD_FRONT_UNIQUE",
    "DOOR_FRONT_LEFT",
    "DOOR_REAR_RIGHT",
    "QUARTER_PANEL_RIGHT",
    "FENDER_FRONT_LEFT",
    "TRUNK_REAR_UNIQUE",
    "WHEEL_FRONT_LEFT",
)


def many_damages_bundle(folder: Path, damages: int = 1000, photos: int = 20) -> Path:
    """A bundle of `damages` damages spread over `photos` photos and eight components (no randomness)."""
    root = folder / f"TST-MANY{damages}"
    (root / "images").mkdir(parents=True)
    names = ("SCRATCH_MINOR", "DENTED_MEDIUM", "SCRAPED_MAJOR")
    shots = []
    for index in range(photos):
        url = f"https://cdn.example/p{index:03d}.jpg"
        (root / "images" / f"p{index:03d}.jpg").write_bytes(jpeg_bytes(800, 600, (40 + index * 7 % 150, 90, 120)))
        count = damages // photos + (1 if index < damages % photos else 0)
        rows = [
            damage(
                COMPONENTS[(index * 3 + i) % len(COMPONENTS)],
                names[(index + i) % 3],
                5 + (i * 37) % 90,
                5 + (i * 53) % 90,
                description=f"Damage {index}-{i}",
            )
            for i in range(count)
        ]
        shots.append(photo(index % 13 + 1, f"Photo {index}", url, *rows))
    body = hotspots(*shots)
    body["session"]["session_key"] = root.name
    (root / "hotspots.json").write_text(json.dumps(body))
    return root
