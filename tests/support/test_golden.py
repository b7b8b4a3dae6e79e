"""The golden-file helper: a match writes nothing, a mismatch leaves the output by the gold file and a short diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from .golden import MAX_DIFF_LINES, UPDATE_ENV, actual_path, assert_matches_golden

PAGE = "".join(f"<p>line {i}</p>\n" for i in range(1200))


@pytest.fixture(autouse=True)
def _no_update(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer regenerating the golden files must not turn these tests into rewrites.
    monkeypatch.delenv(UPDATE_ENV, raising=False)


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    path = tmp_path / "golden" / "page.html"
    path.parent.mkdir()
    path.write_text(PAGE, encoding="utf-8")
    return path


def failure(actual: str, gold: Path) -> str:
    with pytest.raises(pytest.fail.Exception) as raised:
        assert_matches_golden(actual, gold)
    return str(raised.value)


def whole_diff_length(actual: str, gold: Path) -> int:
    """How many lines the diff has when nothing is left out (the two lines before it are the summary)."""
    with pytest.raises(pytest.fail.Exception) as raised:
        assert_matches_golden(actual, gold, max_lines=10_000)
    return len(str(raised.value).splitlines()) - 2


def test_a_match_writes_nothing(gold: Path) -> None:
    assert_matches_golden(PAGE, gold)
    assert sorted(p.name for p in gold.parent.iterdir()) == ["page.html"]
    assert gold.read_text(encoding="utf-8") == PAGE


def test_a_match_removes_the_copy_an_earlier_failure_left(gold: Path) -> None:
    failure(PAGE.replace("line 7<", "line seven<"), gold)
    assert actual_path(gold).exists()
    assert_matches_golden(PAGE, gold)
    assert not actual_path(gold).exists()


def test_a_mismatch_writes_the_output_beside_the_gold_file_and_shows_a_short_diff(gold: Path) -> None:
    changed = PAGE.replace("<p>line 1", "<p>LINE 1")  # 311 lines (1, 10-19, 100-199, 1000-1199)
    message = failure(changed, gold)
    copy = gold.parent / "actual" / "page.html"
    assert copy.read_text(encoding="utf-8") == changed
    assert gold.read_text(encoding="utf-8") == PAGE
    lines = message.splitlines()
    assert len(lines) <= MAX_DIFF_LINES + 3
    assert "311 lines removed, 311 added" in lines[0]
    assert "actual/page.html" in lines[1] and UPDATE_ENV in lines[1]
    assert lines[2].startswith("--- ") and lines[3].startswith("+++ ") and lines[4].startswith("@@ ")
    assert "-<p>line 1</p>" in lines and "+<p>LINE 1</p>" in lines
    # The count of what was left out adds up to the whole diff.
    shown = lines[2:-1]
    rest = int(lines[-1].split("and ")[1].split(" more")[0])
    assert len(shown) == MAX_DIFF_LINES and rest > 100
    assert len(shown) + rest == whole_diff_length(changed, gold)


def test_a_small_mismatch_shows_its_whole_diff(gold: Path) -> None:
    message = failure(PAGE.replace("<p>line 600</p>", "<p>line six hundred</p>"), gold)
    assert "1 lines removed, 1 added" in message
    assert "-<p>line 600</p>\n+<p>line six hundred</p>" in message
    assert "more diff lines" not in message


def test_a_missing_final_newline_is_named(gold: Path) -> None:
    message = failure(PAGE.rstrip("\n"), gold)
    assert "\\ No newline at end of file" in message


def test_a_missing_gold_file_fails_and_keeps_the_output(tmp_path: Path) -> None:
    gold = tmp_path / "golden" / "new.html"
    message = failure(PAGE, gold)
    assert "does not exist" in message
    assert actual_path(gold).read_text(encoding="utf-8") == PAGE
    assert not gold.exists()


def test_the_update_variable_rewrites_the_gold_file(gold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failure("stale", gold)
    monkeypatch.setenv(UPDATE_ENV, "1")
    assert_matches_golden("new text\n", gold)
    assert gold.read_text(encoding="utf-8") == "new text\n"
    assert not actual_path(gold).exists()
