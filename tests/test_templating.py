"""Compiled templates kept on disk: reused by a new process, compiled again when edited or damaged, private."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import jinja2
import pytest

from reportgen.templating import CompiledTemplates, template_environment

TEMPLATE = "{% for row in rows %}<td>{{ row }}</td>{% endfor %}"


def environment(theme: Path, cache: CompiledTemplates | None) -> tuple[jinja2.Environment, list[str]]:
    """A theme's environment over `cache`, and the names of the templates it compiled."""
    built = template_environment([theme])
    built.bytecode_cache = cache
    compiled: list[str] = []
    compile_source = built.compile

    def counting(source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(name))
        return compile_source(source, name, *args, **kwargs)

    built.compile = counting  # type: ignore[method-assign]
    return built, compiled


@pytest.fixture
def theme(tmp_path: Path) -> Path:
    folder = tmp_path / "theme"
    folder.mkdir()
    (folder / "rows.html.j2").write_text(TEMPLATE, encoding="utf-8")
    return folder


def test_a_new_environment_runs_the_kept_code_without_compiling(theme: Path, tmp_path: Path) -> None:
    cache = CompiledTemplates(tmp_path / "compiled")
    cache.directory.mkdir()
    first, compiled = environment(theme, cache)
    html = first.get_template("rows.html.j2").render(rows=["<b>", "dent"])
    assert compiled == ["rows.html.j2"] and len(list(cache.directory.iterdir())) == 1
    second, compiled_again = environment(theme, cache)
    assert second.get_template("rows.html.j2").render(rows=["<b>", "dent"]) == html == "<td>&lt;b&gt;</td><td>dent</td>"
    assert compiled_again == []


def test_an_edited_template_is_compiled_again(theme: Path, tmp_path: Path) -> None:
    cache = CompiledTemplates(tmp_path / "compiled")
    cache.directory.mkdir()
    environment(theme, cache)[0].get_template("rows.html.j2").render(rows=["dent"])
    (theme / "rows.html.j2").write_text("<p>{{ rows | length }}</p>", encoding="utf-8")
    edited, compiled = environment(theme, cache)
    assert edited.get_template("rows.html.j2").render(rows=["dent"]) == "<p>1</p>"
    assert compiled == ["rows.html.j2"]


@pytest.mark.parametrize("damage", [b"", b"garbage", "truncated"])
def test_a_damaged_entry_is_compiled_again_and_replaced(theme: Path, tmp_path: Path, damage: bytes | str) -> None:
    cache = CompiledTemplates(tmp_path / "compiled")
    cache.directory.mkdir()
    environment(theme, cache)[0].get_template("rows.html.j2")
    [entry] = cache.directory.iterdir()
    whole = entry.read_bytes()
    entry.write_bytes(whole[: len(whole) // 2] if damage == "truncated" else damage)  # type: ignore[arg-type]
    again, compiled = environment(theme, cache)
    assert again.get_template("rows.html.j2").render(rows=["dent"]) == "<td>dent</td>"
    assert compiled == ["rows.html.j2"]
    assert entry.read_bytes() == whole


def test_a_cache_that_cannot_be_written_costs_a_compilation_not_the_render(theme: Path, tmp_path: Path) -> None:
    in_the_way = tmp_path / "compiled"
    in_the_way.write_text("a file of the user's, not a folder", encoding="utf-8")
    built, compiled = environment(theme, CompiledTemplates(in_the_way))
    assert built.get_template("rows.html.j2").render(rows=["dent"]) == "<td>dent</td>"
    assert compiled == ["rows.html.j2"]
    assert in_the_way.read_text(encoding="utf-8") == "a file of the user's, not a folder"


def test_the_default_cache_is_a_private_folder_in_the_users_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache = CompiledTemplates.default()
    assert cache is not None and cache.directory == tmp_path / "cache" / "reportgen" / "templates"
    assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700
    built = template_environment([tmp_path])
    (tmp_path / "page.html.j2").write_text("<p>{{ 1 + 1 }}</p>", encoding="utf-8")
    assert built.get_template("page.html.j2").render() == "<p>2</p>"
    assert len(list(cache.directory.iterdir())) == 1


def test_a_folder_others_may_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shared = tmp_path / "cache" / "reportgen" / "templates"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    assert CompiledTemplates.default() is None
    built = template_environment([tmp_path])
    (tmp_path / "page.html.j2").write_text("<p>ok</p>", encoding="utf-8")
    assert built.get_template("page.html.j2").render() == "<p>ok</p>"
    assert list(shared.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a folder away")
def test_a_folder_of_another_user_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    foreign = tmp_path / "cache" / "reportgen" / "templates"
    foreign.mkdir(parents=True, mode=0o700)
    os.chown(foreign, 4321, 4321)
    assert CompiledTemplates.default() is None
