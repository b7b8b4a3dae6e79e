"""reportgen as a service: an HTTP API and PAVE's callbacks in, reports out through a task queue."""

from __future__ import annotations

from .config import BrandProfile, ServiceConfig, load_config

__all__ = ["BrandProfile", "ServiceConfig", "load_config"]
