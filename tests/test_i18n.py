"""The customer's language: every fixed text in the catalogs, each catalog complete, reports and emails in it."""

from __future__ import annotations

import gettext
import io
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import nodes

from reportgen import ConfigError, RenderOptions, compare_bundles, glyphs, i18n, render_bundle, vocabulary
from reportgen.brand import load_brand
from reportgen.formatting import format_date, format_number, format_time
from reportgen.mail import MailContext, compose
from reportgen.paths import builtin_theme_dir
from reportgen.service.jobs import JobRequest
from reportgen.templating import template_environment

from .support.builders import SAMPLE_BRAND, SAMPLE_BUNDLE
from .support.pdfcompare import page_texts
from .test_compare import pair  # noqa: F401 (the comparison's fixture)

REPO = Path(__file__).resolve().parent.parent
TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANGUAGE]


def _extracted() -> dict[str | tuple[str, ...], str]:
    """Every message Babel extracts with babel.cfg (what a translator gets), with where it is."""
    with open(REPO / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str | tuple[str, ...], str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    ):
        if filename.startswith(("reportgen/", "templates/")):
            found[message if isinstance(message, str) else tuple(message)] = filename
    return found


def _catalog(lang: str) -> Any:
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "reportgen.po", "rb") as file:
        return read_po(file)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_extracted_message_is_translated_in_every_catalog_and_compiled(lang: str) -> None:
    extracted = _extracted()
    assert len(extracted) > 140
    catalog = _catalog(lang)
    messages = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalog if m.id}
    missing = sorted(f"{where}: {key!r}" for key, where in extracted.items() if key not in messages)
    assert missing == [], f"run the extraction (README, Languages) and translate: {missing[:5]}"
    assert sorted(map(str, set(messages) - set(extracted))) == [], "messages no template or module uses"
    for key, message in messages.items():
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(form.strip() for form in forms) and "fuzzy" not in message.flags, key
        # The same placeholders as the English, so no value is lost or crashes the formatting.
        english = key if isinstance(key, str) else key[-1]
        wanted = sorted(re.findall(r"%\(\w+\)s|\{\w+\}", english))
        assert all(sorted(re.findall(r"%\(\w+\)s|\{\w+\}", form)) == wanted for form in forms), key
    # The compiled catalog that ships is the .po as it is.
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "reportgen.mo", "rb") as file:
        compiled = gettext.GNUTranslations(file)
    plural = gettext.c2py(catalog.plural_expr)
    for key, message in messages.items():
        if isinstance(key, str):
            assert compiled.gettext(key) == message.string, key
        else:
            assert compiled.ngettext(key[0], key[1], 1) == message.string[plural(1)], key
            assert compiled.ngettext(key[0], key[1], 7) == message.string[plural(7)], key


#: Attributes whose text a reader or a screen reader meets.
_READ_ATTRIBUTES = re.compile(r'\b(alt|title|content|data-bookmark|aria-label)="([^"]*)"')


def _untranslated(source: str) -> list[str]:
    """Literal text of a template that a reader sees but no gettext call wraps."""
    text = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    # What {% trans %} holds is in the catalogs; any other Jinja construct is a value, not text.
    text = re.sub(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", "\x00", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "\x00", text, flags=re.S)
    found = [value for _name, value in _READ_ATTRIBUTES.findall(text) if re.search(r"[A-Za-z]{2}", value)]
    visible = re.sub(r"<[^>]*>|&\w+;", "\x00", text)
    found += [part.strip() for part in visible.split("\x00") if re.search(r"[A-Za-z]{2}", part)]
    tree = template_environment([builtin_theme_dir()]).parse(source)
    wrapped = {
        id(const)
        for call in tree.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name) and call.node.name in ("_", "gettext", "ngettext")
        for const in call.find_all(nodes.Const)
    }
    # A {% trans %} block's variable names.
    wrapped |= {id(item.key) for item in tree.find_all(nodes.Pair)}
    for output in tree.find_all(nodes.Output):
        for const in output.find_all(nodes.Const):
            # A lone lower-case word (" half", "wear") is a CSS class the template adds, not text.
            if id(const) in wrapped or not isinstance(const.value, str) or re.fullmatch(r" ?[a-z][a-z-]*", const.value):
                continue
            if re.search(r"[A-Za-z]{2}", const.value):
                found.append(const.value)
    return found


def _templates() -> list[str]:
    root = builtin_theme_dir()
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*.j2"))


@pytest.mark.parametrize("template", _templates())
def test_no_template_prints_a_fixed_text_outside_the_catalogs(template: str) -> None:
    assert _untranslated((builtin_theme_dir() / template).read_text(encoding="utf-8")) == []


def test_the_template_check_finds_a_fixed_text() -> None:
    source = (
        '<p class="x">Total: {{ n }}</p><img src="{{ s }}" alt="A photo"/>{{ "More" if n }}'
        '{{ _("Fine") }}{% trans %}Also fine{% endtrans %}<td class="{{ c }}">Cell</td>'
    )
    assert sorted(_untranslated(source)) == ["A photo", "Cell", "More", "Total:"]


@pytest.fixture(scope="module")
def reports() -> dict[str, Any]:
    return {lang: render_bundle(SAMPLE_BUNDLE, lang=lang) for lang in i18n.LANGUAGES}


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", ["Synthèse", "Photos des dommages", "Pare-chocs avant", "Éraflure", "Important", "Carte des dommages"]),
        ("es", ["Resumen", "Fotos de los daños", "Parachoques delantero", "Rozadura", "Grave", "Mapa de daños"]),
        ("de", ["Übersicht", "Schadensfotos", "Stoßfänger vorne", "Schürfung", "Schwer", "Schadenskarte"]),
        ("ja", ["概要", "損傷の写真", "フロントバンパー", "擦れ", "重度", "損傷マップ"]),
    ],
)
def test_a_report_in_another_language_says_everything_in_it(
    reports: dict[str, Any], lang: str, words: list[str]
) -> None:
    html = reports[lang].html
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in html, word
    english = reports["en"].html
    for fixed in (">Summary<", ">Damage photos<", "Front bumper", "Scraped", ">Damage map<", ">Odometer<"):
        assert fixed in english and fixed not in html, fixed
    # The alternative texts too: the photo's and the map's.
    assert reports[lang].view.photos[0].alt_text not in english


def test_the_summary_json_keeps_its_codes_and_the_pdf_declares_its_language(reports: dict[str, Any]) -> None:
    assert reports["de"].summary["damages"] == reports["en"].summary["damages"]
    with pikepdf.open(io.BytesIO(reports["de"].pdf)) as pdf:
        assert str(pdf.Root.Lang) == "de"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_in_every_language_the_inspection_record_shares_the_last_page_with_the_checklist(lang: str) -> None:
    # With a brand's contact line, German's longer words once pushed the record onto a page of its own.
    pages = page_texts(render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND, lang=lang).pdf)
    assert re.search(r"[0-9a-f]{8} [0-9a-f]{8}", pages[-1])  # the record's fingerprint
    assert "21:11:12" in pages[-1]  # the checklist's last step


def test_japanese_is_drawn_by_the_shipped_fonts(reports: dict[str, Any]) -> None:
    assert reports["ja"].view.cjk_font and not reports["en"].view.cjk_font
    for lang in TRANSLATED:
        catalog = _catalog(lang)
        text = "".join(m.string if isinstance(m.string, str) else "".join(m.string) for m in catalog if m.id)
        text += (vocabulary.translations(lang) and str(vocabulary.translations(lang))) or ""
        assert glyphs.coverage(text).missing == (), lang


def test_dates_and_numbers_in_the_language() -> None:
    moment = datetime(2023, 5, 30, 21, 10, tzinfo=UTC)
    expected = {
        "en": ("30 May 2023, 21:10 UTC", "30 May 2023", "87,412"),
        "fr": ("30 mai 2023 21:10 UTC", "30 mai 2023", "87\u202f412"),
        "de": ("30.05.2023 21:10 UTC", "30. Mai 2023", "87.412"),
        "ja": ("2023/05/30 21:10 UTC", "2023年5月30日", "87,412"),
    }
    for lang, (time, date, number) in expected.items():
        with i18n.language(lang):
            assert (format_time(moment), format_date(moment), format_number(87412)) == (time, date, number)


def test_the_vocabulary_translates_only_known_codes_and_every_component() -> None:
    data = tomllib.loads((REPO / "reportgen" / "data" / "vocabulary.toml").read_text(encoding="utf-8"))
    for lang in TRANSLATED:
        names = vocabulary.translations(lang)
        assert set(names["components"]) == set(data["components"]), lang
        assert set(names["severities"]) == set(data["severities"])
        assert set(names["sides"]) == set(data["sides"])
        assert set(names["damage_groups"]) <= set(data["damage_groups"])
        assert set(names["repair_methods"]) == set(data["repair_methods"])
        assert {int(code) for code in names["photos"]} == {step["code"] for step in data["capture_steps"]}
    with i18n.language("fr"):
        assert (
            vocabulary.translated_damage("DENTED_MEDIUM_THROUGH_PAINT", "Has Medium Dent") == "Bosse, peinture atteinte"
        )
        assert vocabulary.translated_damage("DENTED_MAJOR_LARGE", "Large dent") == "Bosse"
        # A code reportgen does not know keeps PAVE's English words.
        assert vocabulary.translated_damage("WOBBLY_MINOR", "Wobbly") == "Wobbly"


def test_the_email_is_in_the_language() -> None:
    context = MailContext("Northwind", "2009 BMW 328i", "WBA123", "S1", 3, "https://example.com/i", lang="de")
    mail = compose(b"%PDF-1.7", context=context, sender="desk@example.com", to=["a@example.com"])
    text = mail.message.get_body(("plain",)).get_content()
    html = mail.message.get_body(("html",)).get_content()
    assert "Guten Tag," in text and "3 Schäden" in text and "Mit freundlichen Grüßen" in text
    assert '<html lang="de">' in html and "<strong>3 Schäden</strong>" in html
    assert mail.message["Subject"] == "Northwind: Zustandsbericht für Ihren 2009 BMW 328i"


def test_the_language_is_chosen_by_option_brand_and_service_request(tmp_path: Path) -> None:
    assert RenderOptions().lang == "en"
    brand = tmp_path / "brand.toml"
    brand.write_text("lang = 'ES'\n")
    assert RenderOptions.load(brand=brand).lang == "es"
    assert RenderOptions.load(brand=brand, lang="ja").lang == "ja"
    assert RenderOptions(brand=load_brand(brand)).lang == "es"
    with pytest.raises(ConfigError, match="lang must be one of: en, fr, es, de, ja"):
        RenderOptions(lang="xx")
    brand.write_text("lang = 'klingon'\n")
    with pytest.raises(ConfigError, match=r"brand\.toml: lang must be one of"):
        load_brand(brand)
    # A stored request without a language keeps its key; a language makes another report.
    plain = JobRequest("S1", brand="b")
    assert plain.dedupe_key() == JobRequest("S1", brand="b", lang=None).dedupe_key()
    assert plain.dedupe_key() != JobRequest("S1", brand="b", lang="fr").dedupe_key()


def test_a_comparison_in_another_language(pair: tuple[Path, Path]) -> None:  # noqa: F811
    french = compare_bundles(*pair, RenderOptions(lang="fr"))
    html = french.html
    assert '<html lang="fr">' in html
    for words in ("Dommages facturables", "Nouveau dommage", "Première inspection", "Ce qui a changé", "Non facturés"):
        assert words in html, words
    assert "Chargeable damages" not in html and "First inspection" not in html
    # The machine-readable summary keeps its English and its codes.
    assert french.summary == compare_bundles(*pair).summary | {"generated_at": french.summary["generated_at"]}


def test_the_service_takes_a_language_per_request() -> None:
    from pydantic import ValidationError

    from reportgen.service.app import ComparisonRequestBody, ReportRequestBody

    assert ReportRequestBody(session_key="S1", lang="DE").lang == "de"
    assert ComparisonRequestBody(before_session_key="S1", after_session_key="S2", lang="ja").lang == "ja"
    with pytest.raises(ValidationError, match="must be one of: en, fr, es, de, ja"):
        ReportRequestBody(session_key="S1", lang="xx")
