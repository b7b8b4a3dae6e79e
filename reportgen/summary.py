"""Report.summary: a versioned, JSON-ready digest of a report for billing and other systems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .estimate import Estimate
from .models import DamageResults
from .plan import PlannedPhoto
from .viewmodel import ReportView

__all__ = ["SCHEMA", "build_summary"]

#: Bump the number when a field is removed or changes meaning; adding a field keeps it.
SCHEMA = "reportgen.summary/1"


def build_summary(
    results: DamageResults,
    planned: Sequence[PlannedPhoto],
    report: ReportView,
    generated_at: datetime,
    estimate: Estimate | None = None,
    manifest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary's shape is documented in the README ("Report.summary"); `manifest` is the inspection record."""
    damages = []
    for plan in planned:
        title = plan.title
        for numbered in plan.damages:
            damage, position = numbered.damage, numbered.damage.position
            damages.append(
                {
                    "number": numbered.number,
                    "component": numbered.component.name,
                    "component_code": damage.component,
                    "side": numbered.component.side,
                    "damage": numbered.description,
                    "damage_code": damage.damage_name,
                    "group": damage.damage_group,
                    "severity": numbered.severity.key,
                    "tolerance": damage.tolerance,
                    "repair_method": damage.repair_method,
                    "photo": title,
                    "photo_code": plan.photo.photo_code,
                    "position": {"x": position.x, "y": position.y} if position else None,
                }
            )
    vehicle, session = results.vehicle, results.session

    def counts(key: str) -> dict[str, int]:
        return dict(Counter(str(d[key]) or "not given" for d in damages).most_common())

    checklist = report.checklist
    return {
        "schema": SCHEMA,
        "session_key": report.session_key,
        "generated_at": generated_at.isoformat(),
        "vehicle": {
            "vin": vehicle.vin,
            "year": vehicle.year,
            "make": vehicle.make,
            "model": vehicle.model,
            "trim": vehicle.trim,
            "odometer": vehicle.odom_reading,
            "odometer_unit": vehicle.odom_unit,
        },
        "inspection": {
            "started_at": session.inspect_started_at.isoformat() if session.inspect_started_at else None,
            "ended_at": session.inspect_ended_at.isoformat() if session.inspect_ended_at else None,
            "status": session.status,
            "condition_report": session.condition_report,
            "landing_page": session.landing_page,
        },
        "damage_count": len(damages),
        "counts": {
            "by_group": counts("group"),
            "by_severity": counts("severity"),
            "by_repair_method": counts("repair_method"),
            "by_component": counts("component"),
            "by_side": counts("side"),
        },
        "damages": damages,
        "photos": None
        if checklist is None
        else {
            "accepted": checklist.accepted,
            "rejected": checklist.rejected,
            "missing": checklist.missing,
            "steps": [
                {"step": row.step, "photo": row.title, "status": row.status, "attempts": row.attempts, "note": row.note}
                for row in checklist.rows
            ],
        },
        "estimate": None
        if estimate is None
        else {
            "currency": estimate.card.currency,
            "labour_rate": str(estimate.card.labour_rate),
            "lines": [
                {
                    "number": line.number,
                    "hours": str(line.hours),
                    "labour": str(line.labour),
                    "parts": str(line.parts),
                    "total": str(line.total),
                    "chargeable": line.chargeable,
                    "note": line.note,
                }
                for line in estimate.lines
            ],
            "excess_wear": str(estimate.excess_wear),
            # Normal wear is never charged; schema 1 keeps the field, always zero.
            "normal_wear": "0",
            "total": str(estimate.total),
        },
        "manifest": manifest,
        "manifest_sha256": report.record_digest or None,
        "warnings": list(report.warnings),
    }
