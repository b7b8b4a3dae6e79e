"""The view model: numbering, grouping, counting, the capture checklist, the damage map and the QR code."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from reportgen import plan, render_bundle, view, viewmodel
from reportgen.brand import Brand
from reportgen.imaging import EncodedImage, PhotoResult
from reportgen.models import parse_captures, parse_results

from .support.builders import SAMPLE_BUNDLE, damage, hotspots, photo

NOW = datetime(2024, 1, 3, 9, 0, tzinfo=UTC)
CDN = "https://cdn.example/S"


def build(results_body, captures_body=None, photo_results=None, thumbnails=None) -> viewmodel.ReportView:
    results = parse_results(results_body)
    planned = plan.plan_photos(results)
    return view.build_view(
        results=results,
        planned=planned,
        photo_results=photo_results or [PhotoResult(problem="not needed") for _ in planned],
        captures=parse_captures(captures_body) if captures_body is not None else None,
        thumbnails=thumbnails or {},
        brand=Brand(),
        paper="a4",
        session_key="TST-SESSION1",
        generated_at=NOW,
        checklist_note="no photos.json",
        warnings=[],
    )


def two_photo_results():
    return hotspots(
        photo(
            7,
            "Right",
            f"{CDN}/right.jpg",
            damage("DOOR_REAR_RIGHT", "SCRAPED_MAJOR", 80, 20),
            damage("DOOR_REAR_RIGHT", "DENT_MINOR", 10, 30),
            damage("WHEEL_REAR_RIGHT", "CURB_RASH_MEDIUM", x=None, y=None),
        ),
        photo(
            4,
            "Left",
            f"{CDN}/left.jpg",
            damage("DOOR_FRONT_LEFT", "SCRATCH_MINOR", 40, 40),
            damage("DOOR_FRONT_LEFT", "SCRATCH_MAJOR", 20, 40),
        ),
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
    assert [(link.text, link.href) for link in links] == [("javascript:alert(1)", None), ("file:///etc/passwd", None)]
    assert build(hotspots()).links[0].href == "https://reports.example/TST-SESSION1"


def test_inspection_times_and_duration() -> None:
    facts = {f.label: f.value for f in build(hotspots()).inspection_facts}
    assert facts == {"Started": "2 Jan 2024, 10:00 UTC", "Finished": "2 Jan 2024, 10:07 UTC", "Duration": "7 min 30 s"}


def attempt(code, label, approved, message, created, url=None):
    return {
        "photo_code": code,
        "photo_label": label,
        "url": url or f"{CDN}/{code}-{created}.jpg",
        "approved": approved,
        "approved_message": message,
        "created_at": f"2024-01-02T10:{created:02d}:00Z",
        "updated_at": f"2024-01-02T10:{created:02d}:30Z",
    }


def test_checklist_follows_pave_order_with_recaptures_rejections_and_gaps() -> None:
    captures = [
        attempt(2, "Interior", True, "ACCEPTED", 5),  # recapture listed before the rejection
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
    captures = [
        attempt(5, "Front", True, "ACCEPTED", 1, url=f"{CDN}/old.jpg"),
        attempt(5, "Front", True, "ACCEPTED", 3, url=f"{CDN}/new.jpg"),
        attempt(5, "Front", False, "REJECTED: Blurry", 4, url=f"{CDN}/blurry.jpg"),
    ]
    assert [a.url for a in plan.chosen_attempts(parse_captures(captures))] == [f"{CDN}/new.jpg"]
    thumb = PhotoResult(thumbnail=EncodedImage(b"\xff\xd8fake", 36, 27))
    checklist = build(hotspots(), captures, thumbnails={f"{CDN}/new.jpg": thumb}).checklist
    front = next(row for row in checklist.rows if row.title == "Front")
    assert front.thumbnail is not None and front.thumbnail.data == b"\xff\xd8fake"


def test_without_photos_json_the_checklist_is_left_out_with_a_note() -> None:
    report = build(hotspots())
    assert report.checklist is None and report.checklist_note == "no photos.json"


def test_image_assets_are_named_by_content() -> None:
    a = viewmodel.ImageAsset.from_encoded(EncodedImage(b"one", 1, 1))
    b = viewmodel.ImageAsset.from_encoded(EncodedImage(b"two", 1, 1))
    assert a.name != b.name and a.name == viewmodel.ImageAsset.from_encoded(EncodedImage(b"one", 1, 1)).name


def test_short_keys_pair_photos_on_a_page_and_a_long_key_keeps_its_page() -> None:
    counts = [2, 3, 10, 1, 2, viewmodel.SHORT_KEY_ROWS, viewmodel.SHORT_KEY_ROWS + 1, 1]
    codes = [1, 2, 3, 4, 10, 5, 11, 7]  # capture order
    body = hotspots(
        *[
            photo(code, f"P{code}", f"{CDN}/{code}.jpg", *[damage(x=5 + i, y=50) for i in range(n)])
            for code, n in zip(codes, counts, strict=True)
        ]
    )
    panels = build(body).photos
    assert [len(p.damages) for p in panels] == counts
    assert [(p.shares_page, p.new_page) for p in panels] == [
        (True, False),
        (True, False),  # 2 and 3 rows: one page (the chapter's first, after its heading)
        (False, True),  # 10 rows: a page of its own
        (True, True),
        (True, False),  # 1 and 2 rows
        (False, True),  # 6 rows is short, but the next is long: alone, full size
        (False, True),  # 7 rows
        (False, True),  # the last short one has no partner
    ]
    assert [p.key_columns for p in panels] == [1, 1, 2, 1, 1, 2, 2, 2]


def test_a_key_cut_at_its_limit_is_never_short() -> None:
    body = hotspots(*[photo(code, "x", f"{CDN}/{code}.jpg", damage()) for code in (1, 2)])
    body["data"][0]["inspection_data"] = [damage(x=1 + i % 90, y=50) for i in range(viewmodel.MAX_KEY_ROWS + 3)]
    first, second = build(body).photos
    assert first.more_in_tables == 3 and not first.short and not first.shares_page and not second.shares_page


def test_without_damage_the_accepted_captures_are_the_vehicle_photos_in_capture_order() -> None:
    captures = [
        attempt(5, "Front", True, "ACCEPTED", 3),
        attempt(4, "Left", False, "REJECTED: Too dark", 1),
        attempt(2, "Interior", True, "ACCEPTED", 1),
        attempt(2, "Interior", True, "ACCEPTED", 4),
        attempt(6, "Tires", None, "", 6),
    ]
    chosen = plan.condition_photos(parse_results(hotspots()), parse_captures(captures))
    assert [(p.photo.photo_code, p.photo.url, p.damages) for p in chosen] == [
        (2, f"{CDN}/2-4.jpg", ()),
        (5, f"{CDN}/5-3.jpg", ()),
    ]


def test_without_damage_or_photo_list_the_results_photos_are_shown() -> None:
    body = hotspots(photo(8, "Rear", f"{CDN}/rear.jpg"), photo(5, "Front", f"{CDN}/front.jpg"), photo(7, "Right", ""))
    chosen = plan.condition_photos(parse_results(body), None)
    assert [p.photo.url for p in chosen] == [f"{CDN}/front.jpg", f"{CDN}/rear.jpg"]
    assert plan.condition_photos(parse_results(body), parse_captures([])) == chosen


def test_a_no_damage_view_titles_its_photos_as_vehicle_photos_and_counts_no_damaged_photo() -> None:
    results = parse_results(hotspots(photo(5, "Front", f"{CDN}/front.jpg"), photo(8, "Rear", f"{CDN}/rear.jpg")))
    planned = plan.condition_photos(results, None)
    report = view.build_view(
        results=results,
        planned=planned,
        photo_results=[PhotoResult(problem="not needed") for _ in planned],
        captures=None,
        thumbnails={},
        brand=Brand(),
        paper="a4",
        session_key="TST-SESSION1",
        generated_at=NOW,
        checklist_note="",
        warnings=[],
    )
    assert report.photos_heading == "Vehicle photos" and report.summary.photos_with_damage == 0
    assert [(p.title, p.shares_page, p.key_rows) for p in report.photos] == [("Front", True, ()), ("Rear", True, ())]
    assert report.no_damage_message and build(two_photo_results()).photos_heading == "Damage photos"


def test_missing_vehicle_details_are_said_kindly_and_the_inspection_leads() -> None:
    body = hotspots()
    body["vehicle"] = {}
    report = build(body)
    assert report.vehicle_title == "" and report.running_title == ""
    assert report.headline == "Vehicle inspection of 2 January 2024"
    assert [(f.label, f.value) for f in report.vehicle_facts] == [("Vehicle details", "Not recorded")]
    body["session"] = {}
    assert build(body).headline == "Vehicle inspection"
    assert {f.value for f in build(body).inspection_facts} == {"Not recorded"}
    known = build(hotspots())
    assert known.headline == known.vehicle_title == "2021 Honda Civic"
    assert known.running_title == "2021 Honda Civic · VIN 1HGCM82633A004352"


def test_the_summary_names_a_damage_and_its_photo_as_the_pdf_does() -> None:
    from reportgen.summary import build_summary

    body = hotspots(photo(5, "Front", f"{CDN}/f.jpg", damage(name="", description=""), damage(description="")))
    results = parse_results(body)
    planned = plan.plan_photos(results)
    report = build(body)
    summary = build_summary(results, planned, report, NOW)
    rows = [row for group in report.groups for row in group.rows]
    assert sorted((row.number, row.description, row.photo_title) for row in rows) == [
        (d["number"], d["damage"], d["photo"]) for d in summary["damages"]
    ]
    # Without a description or a code the damage is still named, in the summary as in the PDF.
    assert [d["damage"] for d in summary["damages"]] == ["Damage", "Scratch minor"]


def test_map_badges_wrap_a_long_label_into_balanced_rows_and_are_sized_to_them() -> None:
    hood = [damage("HOOD_FRONT_UNIQUE", x=5 + i, y=50) for i in range(5)]
    mirror = [damage("HOUSING_MIRROR_LEFT", x=90, y=50)]
    report = build(hotspots(photo(1, "Front", f"{CDN}/f.jpg", *hood), photo(4, "Left", f"{CDN}/l.jpg", *mirror)))
    badges = {badge.region: badge for badge in report.damage_map.badges}
    assert set(badges) == {"hood", "mirror-left"}
    # "1, 2, 3, 4, 5" is longer than the 11 characters of a middle-column row: two rows of about half.
    hood_badge = badges["hood"]
    assert [line.text for line in hood_badge.lines] == ["1, 2, 3,", "4, 5"]
    assert hood_badge.height == 2 * 10 + 3
    assert [line.y for line in hood_badge.lines] == [round(hood_badge.y + 9.3 + i * 10, 1) for i in range(2)]
    widest = 2 * 5.9 + 1 * 4.4 + 3 * 2.75 + 2 * 2.1  # "1, 2, 3,": two digits, a narrow one, 3 commas, 2 spaces
    assert hood_badge.width == round(widest + 7, 1) and hood_badge.x == round(140 - (widest + 7) / 2, 1)
    assert all(line.x == 140 for line in hood_badge.lines)
    # A badge beside the car ends at its anchor and grows away from it.
    side = badges["mirror-left"]
    assert [line.text for line in side.lines] == ["6"] and round(side.x + side.width, 1) == 53.5


def test_a_group_is_kept_on_one_page_up_to_twelve_rows_and_close_ups_fill_rows_of_three() -> None:
    twelve = [damage("HOOD_FRONT_UNIQUE", x=1 + i, y=50) for i in range(viewmodel.KEEP_WHOLE_ROWS)]
    thirteen = [damage("ROOF_UNIQUE", x=1 + i, y=50) for i in range(viewmodel.KEEP_WHOLE_ROWS + 1)]
    report = build(hotspots(photo(1, "Front", f"{CDN}/f.jpg", *twelve), photo(2, "Top", f"{CDN}/t.jpg", *thirteen)))
    assert viewmodel.KEEP_WHOLE_ROWS == 12
    assert {group.name: group.keep for group in report.groups} == {"Hood": True, "Roof": False}
    # A group too long to keep whole starts a page, unless it is the chapter's first.
    assert {group.name: group.new_page for group in report.groups} == {"Hood": False, "Roof": True}
    alone = build(hotspots(photo(2, "Top", f"{CDN}/t.jpg", *thirteen)))
    assert [(group.name, group.new_page) for group in alone.groups] == [("Roof", False)]
    rows = tuple(row for group in report.groups for row in group.rows)[:7]
    grid = replace(report, details=rows).detail_rows
    assert [(len(row.cells), row.blank_cells) for row in grid] == [(3, 0), (3, 0), (1, 2)]


def test_damage_map_shades_regions_by_worst_severity() -> None:
    report = render_bundle(SAMPLE_BUNDLE)
    regions = report.view.damage_map.regions
    assert regions["bumper-front"].colour == "#d62828"  # it has a major scrape
    assert regions["hood"].colour == "#f5b700"  # only minor dents
    assert regions["door-rear-left"].numbers == "2, 3"
    assert report.view.damage_map.unmapped == ()
    html = report.html
    assert 'id="bumper-front"' in html and 'fill="#d62828"' in html


def test_crowded_parts_show_a_few_numbers_and_how_many_more(make_bundle) -> None:
    body = hotspots(photo(5, "Front", "u", *[damage("HOOD_FRONT_UNIQUE", x=i) for i in range(30)]))
    assert render_bundle(make_bundle(body)).view.damage_map.regions["hood"].numbers == "1, 2, 3, 4, 5, 6, 7, 8, +22"


def test_unknown_components_are_listed_under_the_map(make_bundle) -> None:
    body = hotspots(photo(5, "Front", "u", damage("SPOILER_REAR_UNIQUE", "CRACK_MAJOR")))
    report = render_bundle(make_bundle(body))
    assert [(u.name, u.numbers) for u in report.view.damage_map.unmapped] == [("Rear spoiler", "1")]
    assert "Rear spoiler" in report.html


def test_qr_code_links_to_the_inspection_page_only_when_safe(make_bundle) -> None:
    report = render_bundle(make_bundle(hotspots()))
    assert report.view.qr_code is not None and report.view.qr_code.media_type == "image/svg+xml"
    body = hotspots()
    body["session"]["landing_page"] = "javascript:alert(1)"
    assert render_bundle(make_bundle(body)).view.qr_code is None
