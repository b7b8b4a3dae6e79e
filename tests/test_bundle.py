"""Reading a session bundle from disk: every problem names its file; photos never resolve outside images/."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from reportgen import bundle as bundle_module
from reportgen.bundle import Bundle, image_filename, load_bundle
from reportgen.errors import InvalidBundleError

SAMPLE_BUNDLE = Path(__file__).resolve().parent.parent / "samples" / "sample-session"
CDN = "https://images-cdn.example/UDB/UDB-512D3TASIY"
_ABSENT = object()


def results_body(session_key: Any = "TST-FROM-HOTSPOTS", *, urls: tuple[str, ...] = ()) -> dict[str, Any]:
    session = {} if session_key is None else {"session_key": session_key}
    data = [
        {
            "photo_code": 4,
            "photo_label": "Left",
            "url": url,
            "inspection_data": [
                {"component": "DOOR_REAR_LEFT", "damage_name": "SCRAPED_MINOR", "coodrs": {"x": 10, "y": 20}}
            ],
        }
        for url in urls
    ]
    return {"success": True, "data": data, "session": session, "vehicle": {"vin": "VIN1"}}


def write_bundle(
    tmp_path: Path,
    *,
    hotspots: Any = _ABSENT,
    photos: Any = None,
    session: Any = None,
    manifest: Any = None,
    images: dict[str, bytes] | None = None,
    name: str = "bundle",
) -> Path:
    """A bundle directory; bodies are JSON values, str (written as is) or bytes (written raw)."""
    root = tmp_path / name
    root.mkdir(parents=True)
    bodies = {
        "hotspots.json": results_body() if hotspots is _ABSENT else hotspots,
        "photos.json": photos,
        "session.json": session,
        "bundle.json": manifest,
    }
    for file, body in bodies.items():
        if body is None:
            continue
        if isinstance(body, bytes):
            (root / file).write_bytes(body)
        else:
            (root / file).write_text(body if isinstance(body, str) else json.dumps(body), "utf-8")
    if images is not None:
        (root / "images").mkdir()
        for image, data in images.items():
            (root / "images" / image).write_bytes(data)
    return root


# --- the sample --------------------------------------------------------------------------------


def test_loads_the_sample_bundle() -> None:
    raw = json.loads((SAMPLE_BUNDLE / "hotspots.json").read_text("utf-8"))
    raw_photos = json.loads((SAMPLE_BUNDLE / "photos.json").read_text("utf-8"))
    raw_session = json.loads((SAMPLE_BUNDLE / "session.json").read_text("utf-8"))

    loaded = load_bundle(SAMPLE_BUNDLE)
    assert loaded.path == SAMPLE_BUNDLE
    assert loaded.session_key == raw["session"]["session_key"]
    assert loaded.results.damage_count == sum(len(p["inspection_data"]) for p in raw["data"])
    assert [p.url for p in loaded.results.photos] == [p["url"] for p in raw["data"]]
    assert loaded.captures is not None
    assert [c.photo_code for c in loaded.captures] == [p["photo_code"] for p in raw_photos]
    # session.json fills what hotspots.json lacks.
    assert loaded.results.vehicle.vin == raw["vehicle"]["vin"]
    assert loaded.results.vehicle.trim == raw_session["vehicle"]["trim"]
    assert loaded.results.session.status == raw_session["status"]
    assert loaded.images_dir == SAMPLE_BUNDLE / "images"


def test_loads_from_a_string_path(tmp_path: Path) -> None:
    root = write_bundle(tmp_path)
    assert load_bundle(str(root)).results.vehicle.vin == "VIN1"


# --- errors name the file ----------------------------------------------------------------------


def test_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-bundle"
    with pytest.raises(InvalidBundleError, match="no-such-bundle"):
        load_bundle(missing)


def test_a_file_is_not_a_bundle(tmp_path: Path) -> None:
    file = tmp_path / "hotspots.json"
    file.write_text("{}")
    with pytest.raises(InvalidBundleError, match=re.escape(str(file))):
        load_bundle(file)


def test_missing_hotspots(tmp_path: Path) -> None:
    root = write_bundle(tmp_path, hotspots=None, photos=[], session={})
    with pytest.raises(InvalidBundleError, match="hotspots.json"):
        load_bundle(root)


FILES = {"hotspots": "hotspots.json", "photos": "photos.json", "session": "session.json", "manifest": "bundle.json"}


@pytest.mark.parametrize("body", list(FILES))
def test_invalid_json_names_the_file_and_line(tmp_path: Path, body: str) -> None:
    root = write_bundle(tmp_path, **{body: '{\n  "success": true,\n  "data": [\n}\n'})
    with pytest.raises(InvalidBundleError) as caught:
        load_bundle(root)
    message = str(caught.value)
    assert str(root / FILES[body]) in message
    assert "line 4" in message


@pytest.mark.parametrize(
    ("bodies", "file"),
    [
        ({"hotspots": []}, "hotspots.json"),
        ({"hotspots": {"data": [{"inspection_data": [{"description": {"x": 1}}]}]}}, "hotspots.json"),
        ({"photos": {"unexpected": True}}, "photos.json"),
        ({"photos": [{"approved_message": ["no"]}]}, "photos.json"),
        ({"session": ["COMPLETE"]}, "session.json"),
        ({"session": {"vehicle": {"vin": {"v": 1}}}}, "session.json"),
        ({"manifest": ["not", "an", "object"]}, "bundle.json"),
    ],
)
def test_wrong_types_name_the_file(tmp_path: Path, bodies: dict[str, Any], file: str) -> None:
    root = write_bundle(tmp_path, **bodies)
    with pytest.raises(InvalidBundleError, match=re.escape(str(root / file))):
        load_bundle(root)


def test_wrong_type_error_names_the_location(tmp_path: Path) -> None:
    body = {"data": [{"inspection_data": [{"description": {"x": 1}}]}]}
    root = write_bundle(tmp_path, hotspots=body)
    with pytest.raises(InvalidBundleError, match=re.escape("data[0].inspection_data[0].description")):
        load_bundle(root)


@pytest.mark.parametrize("body", list(FILES))
def test_non_utf8_names_the_file(tmp_path: Path, body: str) -> None:
    root = write_bundle(tmp_path, **{body: '{"message": "Besch\u00e4digt"}'.encode("latin-1")})
    with pytest.raises(InvalidBundleError, match=re.escape(str(root / FILES[body]))) as caught:
        load_bundle(root)
    assert "UTF-8" in str(caught.value)


def test_utf8_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    root = write_bundle(tmp_path, hotspots=b"\xef\xbb\xbf" + json.dumps(results_body()).encode())
    assert load_bundle(root).results.vehicle.vin == "VIN1"


@pytest.mark.parametrize(
    ("body", "big"),
    [
        ("hotspots", {"data": [], "message": "x" * 5000}),
        ("photos", [{"approved_message": "x" * 5000}]),
        ("session", {"status": "x" * 5000}),
        ("manifest", {"notes": {"a": "x" * 5000}}),
    ],
)
def test_json_over_the_size_limit_is_refused_naming_the_file(tmp_path: Path, monkeypatch, body: str, big: Any) -> None:
    root = write_bundle(tmp_path, **{body: big})
    monkeypatch.setattr(bundle_module, "MAX_JSON_BYTES", 1000)
    with pytest.raises(InvalidBundleError, match=re.escape(str(root / FILES[body]))):
        load_bundle(root)


def test_deeply_nested_json_is_refused_not_a_recursion_error(tmp_path: Path) -> None:
    depth = 100_000
    root = write_bundle(tmp_path, hotspots='{"data": ' + "[" * depth + "]" * depth + "}")
    with pytest.raises(InvalidBundleError, match="hotspots.json"):
        load_bundle(root)


def test_integer_beyond_python_digit_limit_is_an_invalid_bundle(tmp_path: Path) -> None:
    root = write_bundle(tmp_path, hotspots='{"data": [], "odd": ' + "7" * 5000 + "}")
    with pytest.raises(InvalidBundleError, match="hotspots.json"):
        load_bundle(root)


def test_docs_malformed_no_damage_body_loads_as_no_damage(tmp_path: Path) -> None:
    text = '{\n"success": false,\n"data": []\n"message\u201d: \u201cNo damages found on the vehicle"\n}'
    root = write_bundle(tmp_path, hotspots=text)
    loaded = load_bundle(root)
    assert loaded.results.damage_count == 0 and loaded.results.success is False


# --- optional files ----------------------------------------------------------------------------


def test_photos_and_session_are_optional(tmp_path: Path) -> None:
    root = write_bundle(tmp_path)
    loaded = load_bundle(root)
    assert loaded.captures is None
    assert loaded.results.vehicle.trim == ""
    assert loaded.image_path(f"{CDN}/a.jpg") is None  # no images folder at all


def test_empty_photos_list_is_not_the_same_as_no_photos_file(tmp_path: Path) -> None:
    assert load_bundle(write_bundle(tmp_path, photos=[])).captures == []


def test_session_file_fills_gaps_but_hotspots_wins(tmp_path: Path) -> None:
    session = {"session_key": "TST-FROM-SESSION", "status": "COMPLETE", "vehicle": {"vin": "OTHERVIN", "trim": "328i"}}
    loaded = load_bundle(write_bundle(tmp_path, session=session))
    assert loaded.results.vehicle.vin == "VIN1"
    assert loaded.results.vehicle.trim == "328i"
    assert loaded.results.session.status == "COMPLETE"
    assert loaded.session_key == "TST-FROM-HOTSPOTS"


# --- session key -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manifest_key", "hotspots_key", "dir_name", "expected"),
    [
        ("TST-MANIFEST", "TST-HOTSPOTS", "TST-DIR", "TST-MANIFEST"),
        (None, "TST-HOTSPOTS", "TST-DIR", "TST-HOTSPOTS"),
        (None, None, "TST-DIR", "TST-DIR"),
        ("../../etc/passwd", "TST-HOTSPOTS", "TST-DIR", "TST-HOTSPOTS"),
        ("", "TST-HOTSPOTS", "TST-DIR", "TST-HOTSPOTS"),
        (42, "TST-HOTSPOTS", "TST-DIR", "TST-HOTSPOTS"),
        ("bad key", "../x", "TST-DIR", "TST-DIR"),
        (None, "k" * 65, "TST-DIR", "TST-DIR"),
        (None, None, "not a key", ""),
    ],
)
def test_session_key_resolution_order(
    tmp_path: Path, manifest_key: Any, hotspots_key: Any, dir_name: str, expected: str
) -> None:
    manifest = None if manifest_key is None else {"format": 1, "session_key": manifest_key}
    root = write_bundle(tmp_path, hotspots=results_body(hotspots_key), manifest=manifest, name=dir_name)
    assert load_bundle(root).session_key == expected


def test_session_key_from_session_file_when_hotspots_has_none(tmp_path: Path) -> None:
    root = write_bundle(tmp_path, hotspots=results_body(None), session={"session_key": "TST-SESSION"}, name="TST-DIR")
    assert load_bundle(root).session_key == "TST-SESSION"


def test_directory_name_is_that_of_the_real_directory(tmp_path: Path) -> None:
    root = write_bundle(tmp_path, hotspots=results_body(None), name="TST-REAL")
    link = tmp_path / "link name"
    link.symlink_to(root)
    assert load_bundle(link).session_key == "TST-REAL"
    assert load_bundle(root / ".").session_key == "TST-REAL"


# --- photos on disk ----------------------------------------------------------------------------


def test_image_path_is_the_url_basename_in_images(tmp_path: Path) -> None:
    root = write_bundle(tmp_path, images={"UDB-512D3TASIY_04_TVL.jpg": b"jpeg"})
    loaded = load_bundle(root)
    expected = (root / "images" / "UDB-512D3TASIY_04_TVL.jpg").resolve()
    assert loaded.image_path(f"{CDN}/UDB-512D3TASIY_04_TVL.jpg") == expected
    assert loaded.image_path(f"{CDN}/UDB-512D3TASIY_04_TVL.jpg?sig=abc#frag") == expected
    assert loaded.image_path(f"{CDN}/UDB-512D3TASIY_05_IC5.jpg") is None
    assert loaded.image_path("") is None


def test_manifest_names_the_file_for_a_url(tmp_path: Path) -> None:
    url = f"{CDN}/photo.jpg"
    manifest = {"session_key": "TST-1", "images": {url: "photo-1a2b3c4d.jpg", "other": 7, "x": None}}
    root = write_bundle(
        tmp_path, manifest=manifest, images={"photo.jpg": b"wrong one", "photo-1a2b3c4d.jpg": b"right one"}
    )
    loaded = load_bundle(root)
    assert loaded.image_path(url) == (root / "images" / "photo-1a2b3c4d.jpg").resolve()
    assert loaded.image_path("other") is None


@pytest.mark.parametrize("images", [[], "images", None, {"u": ["a.jpg"]}])
def test_odd_manifest_image_tables_are_ignored(tmp_path: Path, images: Any) -> None:
    root = write_bundle(tmp_path, manifest={"images": images}, images={"a.jpg": b"x"})
    assert load_bundle(root).image_path(f"{CDN}/a.jpg") == (root / "images" / "a.jpg").resolve()


def test_encoded_traversal_in_url_never_leaves_images(tmp_path: Path) -> None:
    root = write_bundle(tmp_path / "deep" / "er", images={})
    # The file a naive decoder would reach: images/../../etc/passwd → <tmp>/deep/etc/passwd.
    target = root.parent / "etc" / "passwd"
    target.parent.mkdir(parents=True)
    target.write_text("secret")
    (root / "passwd").write_text("secret")
    loaded = load_bundle(root)
    for url in (
        f"{CDN}/..%2F..%2Fetc%2Fpasswd",
        f"{CDN}/..%2Fpasswd",
        f"{CDN}/%2E%2E%2Fpasswd",
        f"{CDN}/..%5C..%5Cpasswd",
        "file:///etc/passwd",
        f"{CDN}/..",
        f"{CDN}/%2e%2e",
    ):
        found = loaded.image_path(url)
        assert found is None or found.parent == (root / "images").resolve(), url


@pytest.mark.parametrize(
    "name",
    [
        "../secret.jpg",
        "../../secret.jpg",
        "..",
        ".",
        "sub/../../secret.jpg",
        "/tmp/secret.jpg",
        "images/../secret.jpg",
        "",
    ],
)
def test_manifest_entry_never_leaves_images(tmp_path: Path, name: str) -> None:
    url = f"{CDN}/photo.jpg"
    root = write_bundle(tmp_path, manifest={"images": {url: name}}, images={"photo.jpg": b"x"})
    (root / "secret.jpg").write_bytes(b"secret")
    (tmp_path / "secret.jpg").write_bytes(b"secret")
    found = load_bundle(root).image_path(url)
    assert found is None or found.parent == (root / "images").resolve()


@pytest.mark.parametrize("target", ["outside-file", "outside-dir-file", "absolute"])
def test_symlink_inside_images_pointing_outside_is_refused(tmp_path: Path, target: str) -> None:
    root = write_bundle(tmp_path, images={})
    secret = root / "secret.jpg" if target != "outside-dir-file" else tmp_path / "elsewhere" / "secret.jpg"
    secret.parent.mkdir(exist_ok=True)
    secret.write_bytes(b"secret")
    link = root / "images" / "photo.jpg"
    if target == "absolute":
        link.symlink_to(secret.resolve())
    else:
        link.symlink_to(os.path.relpath(secret, link.parent))
    assert load_bundle(root).image_path(f"{CDN}/photo.jpg") is None


def test_symlink_inside_images_pointing_inside_images_is_allowed(tmp_path: Path) -> None:
    root = write_bundle(tmp_path, images={"real.jpg": b"x"})
    (root / "images" / "photo.jpg").symlink_to("real.jpg")
    found = load_bundle(root).image_path(f"{CDN}/photo.jpg")
    assert found is not None and found.parent == (root / "images").resolve()


def test_a_directory_in_images_is_not_a_photo(tmp_path: Path) -> None:
    root = write_bundle(tmp_path, images={})
    (root / "images" / "photo.jpg").mkdir()
    assert load_bundle(root).image_path(f"{CDN}/photo.jpg") is None


def test_images_folder_symlinked_outside_the_bundle_is_refused(tmp_path: Path) -> None:
    root = write_bundle(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "photo.jpg").write_bytes(b"private")
    (root / "images").symlink_to(elsewhere)
    found = load_bundle(root).image_path(f"{CDN}/photo.jpg")
    assert found is None or found.is_relative_to(root.resolve())


@pytest.mark.parametrize("name", ["photo\x00.jpg", "p" * 300 + ".jpg"])
def test_unusable_manifest_names_give_no_photo(tmp_path: Path, name: str) -> None:
    url = f"{CDN}/photo.jpg"
    root = write_bundle(tmp_path, manifest={"images": {url: name}}, images={"photo.jpg": b"x"})
    assert load_bundle(root).image_path(url) is None


def test_image_path_on_a_bundle_made_in_code(tmp_path: Path) -> None:
    loaded = load_bundle(write_bundle(tmp_path, images={"a.jpg": b"x"}))
    copy = Bundle(loaded.path, "TST-1", loaded.results, None)
    assert copy.image_names == {}
    assert copy.image_path(f"{CDN}/a.jpg") == (loaded.path / "images" / "a.jpg").resolve()


# --- file names --------------------------------------------------------------------------------

SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{CDN}/UDB-512D3TASIY_04_TVL.jpg", "UDB-512D3TASIY_04_TVL.jpg"),
        (f"{CDN}/UDB-512D3TASIY_04_TVL.jpg?X-Amz-Signature=abc/def", "UDB-512D3TASIY_04_TVL.jpg"),
        ("photo.jpg", "photo.jpg"),
        (f"{CDN}/", ""),
        ("", ""),
        ("https://[::1", ""),
    ],
)
def test_image_filename_is_the_url_basename(url: str, expected: str) -> None:
    assert image_filename(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"{CDN}/..%2F..%2Fetc%2Fpasswd",
        f"{CDN}/.hidden.jpg",
        f"{CDN}/...jpg",
        f"{CDN}/my%20photo%20(1).jpg",
        f"{CDN}/a%00b.jpg",
        f"{CDN}/caf%C3%A9.jpg",
        f"{CDN}/..%5C..%5Cwindows%5Cwin.ini",
        f"{CDN}/a%0Ab%0D.jpg",
        f"{CDN}/" + "n" * 1000 + ".jpg",
        f"{CDN}/%2e%2e",
    ],
)
def test_image_filename_sanitises(url: str) -> None:
    name = image_filename(url)
    assert name == "" or SAFE.fullmatch(name), name
    assert len(name.encode()) <= 255
    assert name == Path(name).name and name not in (".", "..")


def test_image_filename_keeps_names_distinct_enough() -> None:
    assert image_filename(f"{CDN}/a.jpg") != image_filename(f"{CDN}/b.jpg")
    assert image_filename(f"{CDN}/my%20photo.jpg").endswith(".jpg")
