"""A report laid out in parallel is the document one process lays out: pages, numbers, links, outline, fonts, tags."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from weasyprint.urls import URLFetcher

import reportgen.parallel
from reportgen import RenderError, RenderOptions, render_bundle
from reportgen._structmerge import merge_structure
from reportgen._weasy import TreeHTML
from reportgen.brand import load_brand
from reportgen.render import render_html

from .support.builders import SAMPLE_BRAND, SAMPLE_BUNDLE, jpeg_bytes, many_damages_bundle
from .support.cli import run_cli
from .support.hostile import hostile_body
from .support.pdfcompare import fonts, links, outline, page_texts
from .support.processes import children, running
from .support.structure import elements, structure_problems, structure_types
from .test_accessibility import _cells
from .test_accessibility import _check as check_pdfua

MOMENT = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def merges(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The chunk counts of every parallel merge made while the test runs (the real merge still runs)."""
    calls: list[int] = []
    real = reportgen.parallel.merge

    def spy(parts: list[bytes], bookmarks: list[Any]) -> bytes:
        calls.append(len(parts))
        return real(parts, bookmarks)

    monkeypatch.setattr(reportgen.parallel, "merge", spy)
    return calls


def both(bundle: Path, merges: list[int], pdfua: bool = False, **options: Any) -> tuple[bytes, bytes]:
    """The bundle's PDF from one process and from two (untagged unless pdfua: the tagged ones have their tests)."""
    brand = load_brand(SAMPLE_BRAND)
    single = render_bundle(bundle, RenderOptions(brand=brand, generated_at=MOMENT, jobs=1, pdfua=pdfua, **options)).pdf
    assert merges == []
    parallel = render_bundle(
        bundle, RenderOptions(brand=brand, generated_at=MOMENT, jobs=2, pdfua=pdfua, **options)
    ).pdf
    assert len(merges) == 1 and merges[0] >= 2, "the report was not laid out in parallel"
    return single, parallel


def assert_same_document(single: bytes, parallel: bytes) -> None:
    texts = page_texts(parallel)
    assert texts == page_texts(single)
    for number, text in enumerate(texts, 1):
        assert f"Page {number} of {len(texts)}" in text
    single_links, parallel_links = links(single), links(parallel)
    assert parallel_links == single_links
    internal = [target for page in parallel_links for _, target in page if isinstance(target, tuple)]
    assert internal, "the document has internal links to compare"
    assert "dangling" not in [target for page in parallel_links for _, target in page]
    single_outline = outline(single)
    assert outline(parallel) == single_outline
    assert {depth for depth, *_ in single_outline} == {0, 1}
    embedded = fonts(parallel)
    assert embedded == fonts(single)
    assert len(embedded) == len(set(embedded)), "a font is embedded more than once"


def test_the_sample_laid_out_in_two_processes_is_the_single_process_document(merges: list[int]) -> None:
    single, parallel = both(SAMPLE_BUNDLE, merges)
    assert_same_document(single, parallel)


def test_the_hostile_session_laid_out_in_two_processes_is_the_single_process_document(
    merges: list[int], make_bundle
) -> None:
    bundle = make_bundle(hostile_body(), images={"f.jpg": jpeg_bytes()})
    single, parallel = both(bundle, merges)
    assert_same_document(single, parallel)


def test_a_thousand_damages_laid_out_in_two_processes_are_the_single_process_document(
    merges: list[int], tmp_path: Path
) -> None:
    single, parallel = both(many_damages_bundle(tmp_path, 1000, 20), merges)
    assert len(page_texts(single)) > 50
    assert_same_document(single, parallel)


def test_a_parallel_pdfa_keeps_its_attachments_and_the_same_bytes_come_back(
    merges: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    options = RenderOptions.load(brand=SAMPLE_BRAND, pdfa=True, jobs=2, pdfua=False)
    first, again = render_bundle(SAMPLE_BUNDLE, options).pdf, render_bundle(SAMPLE_BUNDLE, options).pdf
    assert merges == [2, 2]
    assert first == again
    single = render_bundle(SAMPLE_BUNDLE, RenderOptions.load(brand=SAMPLE_BRAND, pdfa=True, jobs=1, pdfua=False)).pdf
    assert_same_document(single, first)
    document = pikepdf.open(io.BytesIO(first))
    assert sorted(document.attachments) == [
        "hotspots.json",
        "manifest.json",
        "photos.json",
        "session.json",
        "summary.json",
    ]
    assert len(document.Root.AF) == 5
    assert len(document.Root.OutputIntents) == 1
    assert document.open_metadata().get("pdfaid:part") == "3"
    assert document.trailer.ID[0] == document.trailer.ID[1] or len(document.trailer.ID) == 2


def test_one_job_or_a_user_theme_lays_out_in_this_process(merges: list[int], tmp_path: Path) -> None:
    assert render_bundle(SAMPLE_BUNDLE, RenderOptions(jobs=1)).pdf.startswith(b"%PDF")
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "extra.css").write_text("h2 { color: #123456; }")
    pdf = render_bundle(SAMPLE_BUNDLE, RenderOptions.load(templates=theme, jobs=2, pdfua=False)).pdf
    assert merges == []
    assert pdf.startswith(b"%PDF")


def assert_same_tagged_document(single: bytes, parallel: bytes, tmp_path: Path) -> None:
    """The same document, tagged as accessibly as the single render: one structure tree, right throughout."""
    assert_same_document(single, parallel)
    check_pdfua(parallel, tmp_path)
    # The same elements in the same reading order: a chapter cut between chunks is cut at a page
    # break, where WeasyPrint's tree has a new top-level element anyway (one per page).
    assert structure_types(parallel) == structure_types(single)
    assert structure_problems(single) == []
    assert structure_problems(parallel) == []
    assert _accessibility(parallel) == _accessibility(single)
    with pikepdf.open(io.BytesIO(parallel)) as document:
        found = [element for _, element in elements(document)]
        headers = [element for element in found if element.S == "/TH"]
        assert headers and all("/Scope" in element.A for element in headers)
        # A table left a table has header cells; the layout tables (masthead, photo grids) are /Div.
        tables = [element for element in found if element.S == "/Table"]
        assert tables and all(any(cell.get("/S") == "/TH" for cell in _cells(table)) for table in tables)
        figures = [element for element in found if element.S == "/Figure"]
        assert figures and all(str(element.get("/Alt", "")).strip() for element in figures)
        assert "pdfuaid:part" in document.open_metadata()


def _accessibility(pdf: bytes) -> tuple[Any, ...]:
    """What a screen reader is told besides the tree: per element its text alternative and header scope, the catalog."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        per_element = [
            (str(element.S), str(element.get("/Alt", "")), str(element.get("/A", {}).get("/Scope", "")))
            for _, element in elements(document)
        ]
        return (
            per_element,
            str(root.Lang),
            bool(root.MarkInfo.Marked),
            bool(root.ViewerPreferences.DisplayDocTitle),
            document.open_metadata().get("pdfuaid:part"),
        )


def test_the_tagged_sample_laid_out_in_two_processes_is_the_single_process_document(
    merges: list[int], tmp_path: Path
) -> None:
    single, parallel = both(SAMPLE_BUNDLE, merges, pdfua=True)
    assert_same_tagged_document(single, parallel, tmp_path)


def test_the_tagged_hostile_session_laid_out_in_two_processes_is_the_single_process_document(
    merges: list[int], make_bundle, tmp_path: Path
) -> None:
    bundle = make_bundle(hostile_body(), images={"f.jpg": jpeg_bytes()})
    single, parallel = both(bundle, merges, pdfua=True)
    assert_same_tagged_document(single, parallel, tmp_path)


def test_a_thousand_tagged_damages_laid_out_in_two_processes_are_the_single_process_document(
    merges: list[int], tmp_path: Path
) -> None:
    single, parallel = both(many_damages_bundle(tmp_path, 1000, 20), merges, pdfua=True)
    assert len(page_texts(single)) > 50
    assert_same_tagged_document(single, parallel, tmp_path)


def test_a_tagged_parallel_pdfa_is_both_pdfa_and_pdfua_and_the_same_bytes_come_back(
    merges: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    options = RenderOptions.load(brand=SAMPLE_BRAND, pdfa=True, jobs=2)
    first, again = render_bundle(SAMPLE_BUNDLE, options).pdf, render_bundle(SAMPLE_BUNDLE, options).pdf
    assert merges == [2, 2]
    assert first == again
    single = render_bundle(SAMPLE_BUNDLE, RenderOptions.load(brand=SAMPLE_BRAND, pdfa=True, jobs=1)).pdf
    assert_same_tagged_document(single, first, tmp_path)
    with pikepdf.open(io.BytesIO(first)) as document:
        metadata = document.open_metadata()
        assert (metadata.get("pdfaid:part"), metadata.get("pdfaid:conformance")) == ("3", "B")
        assert metadata.get("pdfuaid:part") == "1"
        assert len(document.attachments) == 5 and len(document.Root.OutputIntents) == 1


def test_a_link_to_an_anchor_nowhere_leaves_the_structure_as_a_single_render_does() -> None:
    # Chunks lay links to another chunk's anchors out as named links the merge resolves; one
    # whose anchor is in no chunk is dropped, from the page and from the structure tree.
    def chapter(number: int) -> str:
        return (
            f'<section class="chapter"><h2 id="c{number}">Chapter {number}</h2>'
            f'<p><a href="#c{3 - number}">the other chapter</a>, <a href="#nowhere{number}">nowhere</a></p>'
            f'<table><tr><th scope="col">Part</th><th scope="col">Cost</th></tr><tr><td>Door</td><td>{number}</td></tr>'
            "</table></section>"
        )

    html = (
        '<html lang="en"><head><title>Two chapters</title><style>section.chapter { break-before: page }</style>'
        f"</head><body>{chapter(1)}{chapter(2)}</body></html>"
    )
    root = ElementTree.fromstring(html)

    def render(tree: ElementTree.Element, first: bool) -> bytes:
        pdf: bytes = TreeHTML(tree, "file:///", URLFetcher()).write_pdf(pdf_tags=True, pdf_identifier=b"same")
        return pdf

    parallel = reportgen.parallel.lay_out_in_parallel(root, 2, render)
    assert parallel is not None
    single = render(root, True)
    assert structure_types(parallel) == structure_types(single)
    assert structure_problems(parallel) == []
    assert links(parallel) == links(single)
    assert [len(page) for page in links(parallel)] == [1, 1]
    with pikepdf.open(io.BytesIO(parallel)) as document:
        ids = [bytes(element.ID) for _, element in elements(document) if "/ID" in element]
    assert len(ids) == 4 == len(set(ids))


def test_the_role_maps_and_element_ids_of_every_chunk_are_kept() -> None:
    # WeasyPrint writes neither a /RoleMap nor an /IDTree, but a structure tree may have both.
    def tagged(body: str) -> pikepdf.Pdf:
        html = f'<html lang="en"><head><title>Part</title></head><body>{body}</body></html>'
        pdf = TreeHTML(ElementTree.fromstring(html), "file:///", URLFetcher()).write_pdf(pdf_tags=True)
        return pikepdf.open(io.BytesIO(pdf))

    first, second = tagged("<h2>Damages</h2><p>One</p>"), tagged("<p>Two</p><p>Three</p><h2>Checklist</h2>")
    for document, roles, name in (
        (first, {"/Callout": pikepdf.Name.P}, b"damages"),
        (second, {"/Callout": pikepdf.Name.Div, "/Note": pikepdf.Name.P}, b"checklist"),
    ):
        root = document.Root.StructTreeRoot
        heading = next(element for _, element in elements(document) if element.S == "/H2")
        heading.ID = pikepdf.String(name)
        root.RoleMap = pikepdf.Dictionary(roles)
        root.IDTree = pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String(name), heading]))
    first.pages.extend(second.pages)
    merge_structure(first, [second])
    output = io.BytesIO()
    first.save(output)
    assert structure_problems(output.getvalue()) == []
    with pikepdf.open(output) as merged:
        root = merged.Root.StructTreeRoot
        assert dict(root.RoleMap.items()) == {"/Callout": pikepdf.Name.P, "/Note": pikepdf.Name.P}
        ids = dict(pikepdf.NameTree(root.IDTree).items())
        headings = [element for _, element in elements(merged) if element.S == "/H2"]
    assert sorted(ids) == ["checklist", "damages"]
    assert [ids["damages"].objgen, ids["checklist"].objgen] == [heading.objgen for heading in headings]


def test_jobs_default_to_the_cores_this_process_may_use() -> None:
    assert RenderOptions().layout_jobs == len(os.sched_getaffinity(0))
    # Narrowed to one core (taskset, a container), the PDF is laid out in the process itself.
    script = "from reportgen import RenderOptions; print(RenderOptions().layout_jobs)"
    one = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert one.stdout.strip() == "1"
    assert RenderOptions(jobs=3).layout_jobs == 3
    for wrong in (0, -1, True, 1.5, "2"):
        with pytest.raises(ValueError, match="RenderOptions.jobs"):
            RenderOptions(jobs=wrong)  # type: ignore[arg-type]


def test_the_report_is_cut_only_where_a_page_starts() -> None:
    report = render_bundle(SAMPLE_BUNDLE)
    root = ElementTree.fromstring(render_html(report.view, report.theme, standalone=False))
    chunks = reportgen.parallel.plan_chunks(root, 2)
    assert len(chunks) == 2
    for chunk in chunks[1:]:
        first = chunk[0]
        classes = first.get("class", "").split()
        assert "chapter" in classes or "new-page" in classes
    assert len(reportgen.parallel.plan_chunks(root, 1)) == 1


def test_a_long_report_is_cut_between_components_into_chunks_of_about_equal_work(tmp_path: Path) -> None:
    report = render_bundle(many_damages_bundle(tmp_path, 1000, 20), jobs=1)
    root = ElementTree.fromstring(render_html(report.view, report.theme, standalone=False))
    first, second = reportgen.parallel.plan_chunks(root, 2)
    # The damage tables are most of the work: the cut falls between two components, where the
    # second (too long to keep whole) starts a page.
    assert "new-page" in second[0].get("class", "").split() and "group" in second[0].get("class", "").split()
    costs = [sum(1 for piece in chunk for _ in piece.iter()) for chunk in (first, second)]
    assert max(costs) < 1.3 * min(costs), costs


def test_a_chunk_that_fails_is_a_render_error_and_leaves_no_process_behind() -> None:
    report = render_bundle(SAMPLE_BUNDLE)
    root = ElementTree.fromstring(render_html(report.view, report.theme, standalone=False))

    def render(tree: ElementTree.Element, first: bool) -> bytes:
        raise RuntimeError("no room left on the page")

    before = _children()
    with pytest.raises(RenderError, match="PDF rendering failed: no room left on the page"):
        reportgen.parallel.lay_out_in_parallel(root, 2, render)
    # Other tests of this worker may keep servers as children: only new children count.
    assert _children() == before


@pytest.mark.parametrize(
    ("ending", "told"), [("kill", "killed by SIGKILL"), ("exit", "exit code 3")], ids=["killed", "exited"]
)
def test_a_chunk_process_that_dies_is_a_render_error_that_says_how(ending: str, told: str) -> None:
    report = render_bundle(SAMPLE_BUNDLE)
    root = ElementTree.fromstring(render_html(report.view, report.theme, standalone=False))

    def render(tree: ElementTree.Element, first: bool) -> bytes:
        if first:
            if ending == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(3)
        time.sleep(0.2)
        return b"%PDF-"

    before = _children()
    with pytest.raises(RenderError, match=f"a layout process ended unexpectedly \\({told}\\)"):
        reportgen.parallel.lay_out_in_parallel(root, 2, render)
    assert _children() == before


def _children() -> set[int]:
    """This process's child processes, alive or not yet reaped."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The parent's pid is the second field after the command name, which is in parentheses.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while being read
            continue
        if int(fields[1]) == os.getpid():
            children.add(int(stat.parent.name))
    return children


def test_the_command_line_takes_jobs(tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    result = run_cli("render", str(SAMPLE_BUNDLE), "-o", str(out), "--jobs", "2", "--no-pdfua")
    assert result.returncode == 0, result.stderr
    assert len(pikepdf.open(out).pages) == 12
    refused = run_cli("render", str(SAMPLE_BUNDLE), "-o", str(out), "--jobs", "0")
    assert refused.returncode == 2
    assert b"--jobs" in refused.stderr


def test_a_damage_table_weighs_more_in_the_plan_than_the_same_elements_elsewhere() -> None:
    # Laid out alone, a damage table took ~1.5x the time of a photo page's legend of as many elements.
    rows = "".join("<tr><td><span>1</span></td><td>Scratch<span>CODE</span></td><td>Minor</td></tr>" for _ in range(40))
    damages = ElementTree.fromstring(f'<table class="damages"><tbody>{rows}</tbody></table>')
    legend = ElementTree.fromstring(f'<table class="legend"><tbody>{rows}</tbody></table>')
    weighted, plain = reportgen.parallel._cost(damages), reportgen.parallel._cost(legend)
    assert plain >= len(list(legend.iter()))
    assert 1.4 * plain <= weighted <= 1.6 * plain


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_render_leaves_no_temporary_font_folder_behind(tmp_path: Path, jobs: str) -> None:
    # WeasyPrint writes each @font-face to a temporary folder that it removes in __del__; a chunk
    # process ends with os._exit and left its own (7,600 of them, 19 GB, had piled up in /tmp here).
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    out = tmp_path / "report.pdf"
    done = run_cli("render", str(SAMPLE_BUNDLE), "-o", str(out), "--jobs", jobs, TMPDIR=str(temporary))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF") and not list(temporary.iterdir())


def test_a_killed_command_leaves_no_layout_process_running(tmp_path: Path) -> None:
    bundle = many_damages_bundle(tmp_path, 1000, 20)
    log = tmp_path / "stderr.txt"
    with log.open("w") as stream:
        command = subprocess.Popen(
            [sys.executable, "-m", "reportgen.cli", "--debug", "render", str(bundle), "-o", str(tmp_path / "r.pdf")]
            + ["--jobs", "2"],
            stderr=stream,
        )
    try:
        deadline = time.monotonic() + 60
        while "photos processed" not in log.read_text() and command.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        photo_processes = children(command.pid)
        chunks: set[int] = set()
        # The layout processes: forked once the photo processes have gone.
        while len(chunks) < 2 and command.poll() is None and time.monotonic() < deadline:
            chunks = children(command.pid) - photo_processes
            time.sleep(0.01)
        command.kill()
    finally:
        command.kill()
        command.wait()
    assert len(chunks) == 2, log.read_text()
    # At once: not when a chunk next talks to its parent, seconds of layout later.
    gone_by = time.monotonic() + 1
    while any(running(pid) for pid in chunks) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not any(running(pid) for pid in chunks)


_WORKER_RENDERS = """
import multiprocessing
from reportgen.report import warm_up_render

def work():
    warm_up_render()  # as a batch worker does, in a process multiprocessing started

if __name__ == "__main__":
    worker = multiprocessing.get_context("fork").Process(target=work)
    worker.start()
    worker.join()
    assert worker.exitcode == 0
"""


def test_a_worker_process_that_rendered_leaves_no_temporary_font_folder_behind(tmp_path: Path) -> None:
    # multiprocessing ends its processes with os._exit: no atexit handler, no __del__ runs there.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    subprocess.run(
        [sys.executable, "-c", _WORKER_RENDERS],
        check=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    assert not list(temporary.iterdir())


_A_WARM_WORKERS_JOB = """
from reportgen import RenderOptions, pdf
from reportgen.forked import call_forked
from reportgen.paths import sample_bundle
from reportgen.report import render_bundle, warm_up, warm_up_render

warm_up()  # this process owns the font configuration, as the service's consumer does

def worker():
    warm_up_render()  # as a service worker does: its faces in a folder of its own
    # its next job, in a child, laid out in two processes
    return call_forked(lambda: len(render_bundle(sample_bundle(), RenderOptions(jobs=2)).pdf))

print(call_forked(worker) > 0)
# Its files but the lock file that marks the folder in use (reportgen/scratch.py).
print(sorted(p.name for p in pdf._font_config()._shared.iterdir() if p.is_file() and p.name != ".in-use"))
"""


def test_the_layout_processes_of_a_warm_workers_job_write_no_font_into_the_shared_folder(tmp_path: Path) -> None:
    # Both chunk processes wrote the worker's faces there, one file each time by both: one truncating
    # it while the other's Fontconfig read it killed the reader (SIGBUS), about one job in 50 that
    # was a worker's first in the service's tests. Only the configuration's owner may write there.
    done = subprocess.run(
        [sys.executable, "-c", _A_WARM_WORKERS_JOB],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["True", "[]"], done.stdout
