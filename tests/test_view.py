"""The view model: numbering, grouping, counting and the capture checklist."""

from __future__ import annotations

from datetime import datetime, timezone

from reportgen import view
from reportgen.brand import Brand
from reportgen.imaging import EncodedImage, PhotoResult
from reportgen.models import parse_captures, parse_results

from .conftest import damage, hotspots, photo

NOW = datetime(2024, 1, 3, 9, 0, tzinfo=timezone.utc)
CDN = "https://cdn.example/S"


def build(results_body, captures_body=None, photo_results=None, thumbnails=None) -> view.ReportView:
    results = parse_results(results_body)
    planned = view.plan_photos(results)
    return view.build_view(
        results=results, planned=planned,
        photo_results=photo_results or [PhotoResult(problem="not needed") for _ in planned],
        captures=parse_captures(captures_body) if captures_body is not None else None,
        thumbnails=thumbnails or {}, brand=Brand(), paper="a4", session_key="TST-SESSION1",
        generated_at=NOW, checklist_note="no photos.json", warnings=[],
    )


def two_photo_results():
    return hotspots(
        photo(7, "Right", f"{CDN}/right.jpg",
              damage("DOOR_REAR_RIGHT", "SCRAPED_MAJOR", 80, 20),
              damage("DOOR_REAR_RIGHT", "DENT_MINOR", 10, 30),
              damage("WHEEL_REAR_RIGHT", "CURB_RASH_MEDIUM", x=None, y=None)),
        photo(4, "Left", f"{CDN}/left.jpg",
              damage("DOOR_FRONT_LEFT", "SCRATCH_MINOR", 40, 40),
              damage("DOOR_FRONT_LEFT", "SCRATCH_MAJOR", 20, 40)),
    )


def test_numbers_run_through_the_report_in_capture_order_and_left_to_right() -> None:
    report = build(two_photo_results())
    # Left (code 4) is captured before Right (code 7), whatever order the API lists them in.
    assert [panel.title for panel in report.photos] == ["Left side", "Right side"]
    left, right = report.photos
    assert [(r.number, r.severity.key) for r in left.damages] == [(1, "major"), (2, "minor")]
    assert [r.number for r in right.damages] == [3, 4, 5]
    assert right.damages[-1].position_note == "position not given" and right.unplaced == 1


def test_table_rows_carry_the_same_numbers_as_the_photos() -> None:
    report = build(two_photo_results())
    on_photos = {(r.number, r.description, r.photo_anchor) for p in report.photos for r in p.damages}
    in_tables = {(r.number, r.description, r.photo_anchor) for g in report.groups for r in g.rows}
    assert on_photos == in_tables and len(in_tables) == 5


def test_groups_are_per_component_ordered_by_side_with_their_worst_severity() -> None:
    report = build(two_photo_results())
    assert [(g.name, g.side, g.worst.key, len(g.rows)) for g in report.groups] == [
        ("Front left door", "Left", "major", 2),
        ("Rear right door", "Right", "major", 2),
        ("Rear right wheel", "Right", "medium", 1),
    ]


def test_summary_counts_every_damage_once_in_each_breakdown() -> None:
    summary = build(two_photo_results()).summary
    assert summary.total == 5 and summary.photos_with_damage == 2 and summary.unplaced == 1
    for breakdown in (summary.by_group, summary.by_repair, summary.by_side, summary.by_severity):
        assert sum(count.count for count in breakdown) == 5
    assert {c.key: c.count for c in summary.by_severity} == {"major": 2, "medium": 1, "minor": 2}
    assert {c.label: c.count for c in summary.by_side} == {"Left": 2, "Right": 3}
    assert max(c.bar for c in summary.by_side) == 100


def test_no_damage_body_gives_a_clear_message_and_no_tables() -> None:
    report = build({"success": False, "data": [], "message": "No damages found on the vehicle"})
    assert report.no_damage_message == "No damages found on the vehicle"
    assert report.photos == () and report.groups == () and report.summary.total == 0


def test_clamped_position_is_explained() -> None:
    report = build(hotspots(photo(5, "Front", f"{CDN}/f.jpg", damage(x=130, y=-4))))
    assert report.photos[0].damages[0].position_note == "position outside the photo; marked at its edge"


def test_links_are_only_made_for_plain_web_addresses() -> None:
    body = hotspots()
    body["session"]["condition_report"] = "javascript:alert(1)"
    body["session"]["landing_page"] = "file:///etc/passwd"
    links = build(body).links
    assert [(link.text, link.href) for link in links] == [
        ("javascript:alert(1)", None), ("file:///etc/passwd", None)]
    assert build(hotspots()).links[0].href == "https://reports.example/TST-SESSION1"


def test_inspection_times_and_duration() -> None:
    facts = {f.label: f.value for f in build(hotspots()).inspection_facts}
    assert facts == {"Started": "2 Jan 2024, 10:00 UTC", "Finished": "2 Jan 2024, 10:07 UTC",
                     "Duration": "7 min 30 s"}


def attempt(code, label, approved, message, created, url=None):
    return {"photo_code": code, "photo_label": label, "url": url or f"{CDN}/{code}-{created}.jpg",
            "approved": approved, "approved_message": message,
            "created_at": f"2024-01-02T10:{created:02d}:00Z", "updated_at": f"2024-01-02T10:{created:02d}:30Z"}


def test_checklist_follows_pave_order_with_recaptures_rejections_and_gaps() -> None:
    captures = [
        attempt(2, "Interior", True, "ACCEPTED", 5),   # recapture listed before the rejection
        attempt(2, "Interior", False, "REJECTED: Wrong View", 1),
        attempt(1, "VIN", True, "ACCEPTED", 0),
        attempt(4, "Left", False, "REJECTED: Too dark", 2),
        attempt(99, "Odd_Angle", True, "ACCEPTED", 9),
    ]
    checklist = build(hotspots(), captures).checklist
    assert checklist is not None
    rows = {row.title: row for row in checklist.rows}
    assert [row.step for row in checklist.rows[:13]] == [str(n) for n in range(1, 14)]
    assert checklist.rows[-1].title == "Odd angle" and checklist.rows[-1].step == "–"
    interior = rows["Interior"]
    assert (interior.status, interior.attempts, interior.note) == ("accepted", 2, "Earlier: Wrong View")
    assert (interior.first_captured, interior.last_updated) == ("10:01:00", "10:05:30")
    assert (rows["Left side"].status, rows["Left side"].note) == ("rejected", "Too dark")
    assert rows["Tires"].status == "missing" and rows["Tires"].attempts == 0
    assert (checklist.accepted, checklist.rejected, checklist.missing) == (3, 1, 10)


def test_checklist_thumbnail_is_the_latest_approved_attempt() -> None:
    captures = [attempt(5, "Front", True, "ACCEPTED", 1, url=f"{CDN}/old.jpg"),
                attempt(5, "Front", True, "ACCEPTED", 3, url=f"{CDN}/new.jpg"),
                attempt(5, "Front", False, "REJECTED: Blurry", 4, url=f"{CDN}/blurry.jpg")]
    assert [a.url for a in view.chosen_attempts(parse_captures(captures))] == [f"{CDN}/new.jpg"]
    thumb = PhotoResult(thumbnail=EncodedImage(b"\xff\xd8fake", 36, 27))
    checklist = build(hotspots(), captures, thumbnails={f"{CDN}/new.jpg": thumb}).checklist
    front = next(row for row in checklist.rows if row.title == "Front")
    assert front.thumbnail is not None and front.thumbnail.data == b"\xff\xd8fake"


def test_without_photos_json_the_checklist_is_left_out_with_a_note() -> None:
    report = build(hotspots())
    assert report.checklist is None and report.checklist_note == "no photos.json"


def test_image_assets_are_named_by_content() -> None:
    a = view.ImageAsset.from_encoded(EncodedImage(b"one", 1, 1))
    b = view.ImageAsset.from_encoded(EncodedImage(b"two", 1, 1))
    assert a.name != b.name and a.name == view.ImageAsset.from_encoded(EncodedImage(b"one", 1, 1)).name
