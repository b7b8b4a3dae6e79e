"""Shared fixtures: synthetic bundles written on the fly and a fake PAVE per test (builders in tests/support)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .support.fake_pave import FakePave

BundleFactory = Callable[..., Path]


@pytest.fixture(autouse=True)
def _library_logging_as_it_was() -> Iterator[None]:
    """A command run in this process (CliRunner) adds its handlers to reportgen's logger; no other test sees them."""
    logger = logging.getLogger("reportgen")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.fixture
def make_bundle(tmp_path: Path) -> BundleFactory:
    """Write a bundle directory: JSON bodies (objects or raw text) and images (name → bytes)."""
    counter = iter(range(1000))

    def make(
        hotspots_body: Any,
        *,
        photos: Any = None,
        session: Any = None,
        images: dict[str, bytes] | None = None,
        name: str | None = None,
    ) -> Path:
        root = tmp_path / (name or f"bundle{next(counter)}")
        (root / "images").mkdir(parents=True)
        for file, body in (("hotspots.json", hotspots_body), ("photos.json", photos), ("session.json", session)):
            if body is not None:
                text = body if isinstance(body, str) else json.dumps(body)
                (root / file).write_text(text, encoding="utf-8")
        for image_name, data in (images or {}).items():
            (root / "images" / image_name).write_bytes(data)
        return root

    return make


@pytest.fixture
def pave() -> Iterator[FakePave]:
    """A fake PAVE (API and image host) on 127.0.0.1 for one test."""
    server = FakePave()
    yield server
    server.close()
