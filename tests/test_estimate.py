"""Repair estimates: the rate card checked strictly (typos refused with file, table and key) and priced."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from reportgen import render_bundle, vocabulary
from reportgen.errors import ConfigError
from reportgen.estimate import PricedDamage, estimate, load_rate_card

from .support.builders import REPO, SAMPLE_BUNDLE, add_session, damage, hotspots, photo
from .support.fake_pave import API_KEY, API_SECRET, USERNAME

SAMPLE_RATES = REPO / "samples" / "rates.toml"
HEAD = 'currency = "USD"\nlabour_rate = 95\n'


def card_file(tmp_path: Path, body: str, name: str = "rates.toml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def refusal(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_rate_card(card_file(tmp_path, body))
    message = str(caught.value)
    assert "\n" not in message
    return message


# ---- the typos ----------------------------------------------------------------------------


def test_a_misspelt_repair_method_is_refused_naming_file_table_and_key(tmp_path: Path) -> None:
    message = refusal(tmp_path, '[hours."Refinsh"]\nminor = 1.5\n')
    assert message == (
        f'rate card {tmp_path / "rates.toml"}: [hours."Refinsh"]: unknown repair method "Refinsh", '
        'did you mean "Refinish"? (known: Refinish, Repair & Refinish, Replace, PDR Repair; '
        "declare a new one in extra_repair_methods)"
    )


def test_a_misspelt_severity_is_refused_naming_its_method_table(tmp_path: Path) -> None:
    message = refusal(tmp_path, '[hours."Repair & Refinish"]\nminor = 2\nminr = 1.5\n')
    assert message == (
        f'rate card {tmp_path / "rates.toml"}: [hours."Repair & Refinish"]: unknown severity "minr", '
        'did you mean "minor"? (known: minor, medium, major)'
    )


def test_an_unknown_component_code_is_refused_with_the_closest_code(tmp_path: Path) -> None:
    message = refusal(tmp_path, "[parts]\nBUMPER_FRONT_UNIQUE = 420\nBUMPER_FRONT_UNIQE = 400\n")
    assert message == (
        f'rate card {tmp_path / "rates.toml"}: [parts]: unknown component code "BUMPER_FRONT_UNIQE", '
        'did you mean "BUMPER_FRONT_UNIQUE"? (not in reportgen\'s vocabulary; declare a new one in extra_components)'
    )


def test_a_code_like_nothing_known_gets_no_suggestion(tmp_path: Path) -> None:
    message = refusal(tmp_path, "[parts]\nXQZ = 1\n")
    assert '[parts]: unknown component code "XQZ" (' in message and "did you mean" not in message


def test_an_unknown_top_level_key_is_refused_with_the_closest_key(tmp_path: Path) -> None:
    message = refusal(tmp_path, "labor_rate = 80\n")
    assert message.startswith(
        f'rate card {tmp_path / "rates.toml"}: unknown key "labor_rate", did you mean "labour_rate"? (known: currency, '
    )


def test_severities_are_matched_without_case(tmp_path: Path) -> None:
    # "Minor" used to be stored as is and never matched the damage's "minor": default hours, silently.
    card = load_rate_card(card_file(tmp_path, "default_hours = 9\n[hours.REFINISH]\nMinor = 2\n"))
    (line,) = estimate(card, [PricedDamage(1, "HOOD_FRONT_UNIQUE", "minor", "Refinish", "1 inch")]).lines
    assert (line.hours, line.total, line.note) == (Decimal("2"), Decimal("190.00"), "")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "[hours.Refinish]\nminor = 1\n[hours.refinish]\nmajor = 2\n",
            '[hours."refinish"]: the same repair method as [hours."Refinish"]',
        ),
        ("[hours.Refinish]\nminor = 1\nMINOR = 2\n", '[hours."Refinish"]: severity "minor" is given twice'),
        (
            "[parts]\nBUMPER_FRONT_UNIQUE = 1\nbumper_front_unique = 2\n",
            '[parts]: component code "BUMPER_FRONT_UNIQUE" is given twice',
        ),
    ],
)
def test_one_name_in_two_spellings_is_refused(tmp_path: Path, body: str, expected: str) -> None:
    assert expected in refusal(tmp_path, body)


# ---- types and ranges -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[hours.Refinish]\nminor = true\n", '[hours."Refinish"]: minor must be a number, not true'),
        ('[hours.Refinish]\nmajor = "lots"\n', '[hours."Refinish"]: major must be a number, not "lots"'),
        ("[hours.Refinish]\nmedium = -1.5\n", '[hours."Refinish"]: medium must be a number of zero or more, not -1.5'),
        ("[hours.Refinish]\nmedium = nan\n", '[hours."Refinish"]: medium must be a number of zero or more'),
        ("[hours.Refinish]\nmedium = inf\n", '[hours."Refinish"]: medium must be a number of zero or more'),
        ("[hours.Refinish]\nmedium = 1e300\n", '[hours."Refinish"]: medium must be at most 1,000,000,000'),
        ("[hours.Refinish]\nmedium = [1]\n", '[hours."Refinish"]: medium must be a number, not [1]'),
        ("[parts]\nDOOR_REAR_LEFT = -10\n", "[parts]: DOOR_REAR_LEFT must be a number of zero or more, not -10"),
        ("[parts]\nDOOR_REAR_LEFT = false\n", "[parts]: DOOR_REAR_LEFT must be a number, not false"),
        ("[hours]\nRefinish = 1.5\n", '[hours]: "Refinish" must be a table of hours by severity'),
        ("hours = 3\n", "hours must be a table of repair methods"),
        ("parts = 3\n", "parts must map component codes to prices"),
        ("default_hours = true\n", "default_hours must be a number, not true"),
        ('locale = "xx_YY"\n', 'unknown locale "xx_YY"'),
        ("locale = 5\n", "unknown locale 5"),
        ('extra_components = "SPOILER"\n', 'extra_components must be a list of texts, not "SPOILER"'),
        ('extra_components = ["rear spoiler"]\n', 'extra_components: "rear spoiler" is not a component code'),
        ('extra_repair_methods = [""]\n', "extra_repair_methods must be a list of texts"),
    ],
)
def test_wrong_types_and_ranges_are_one_line_naming_the_key(tmp_path: Path, body: str, expected: str) -> None:
    message = refusal(tmp_path, body)
    assert message.startswith(f"rate card {tmp_path / 'rates.toml'}: ") and expected in message


@pytest.mark.parametrize("currency", ['"XYZ"', '"US$"', "840", '"usdollar"'])
def test_currency_must_be_an_iso_4217_code(tmp_path: Path, currency: str) -> None:
    path = tmp_path / "rates.toml"
    path.write_text(f"currency = {currency}\nlabour_rate = 95\n")
    with pytest.raises(ConfigError, match="currency must be a three-letter ISO 4217 code"):
        load_rate_card(path)


@pytest.mark.parametrize(
    ("body", "expected"),
    [('currency = "EUR"\n', "labour_rate is missing"), ("labour_rate = 80\n", "currency is missing")],
)
def test_a_missing_key_says_it_is_missing(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "rates.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=expected):
        load_rate_card(path)


# ---- the escape hatch -----------------------------------------------------------------------------


def test_declared_new_codes_are_accepted_and_priced(tmp_path: Path, make_bundle) -> None:
    card = card_file(
        tmp_path,
        """
extra_repair_methods = ["Wheel Refurbish"]
extra_components = ["SPOILER_REAR_UNIQUE", "bumper_lower_front_unique"]
[hours."Wheel Refurbish"]
minor = 2
[hours.Replace]
major = 1
[parts]
SPOILER_REAR_UNIQUE = 260.00
BUMPER_LOWER_FRONT_UNIQUE = 50
DOOR_REAR_LEFT = 780
""",
    )
    body = hotspots(
        photo(
            5,
            "Front",
            "https://cdn.example/f.jpg",
            damage("SPOILER_REAR_UNIQUE", "CRACKED_MAJOR", repair_method="Replace"),
            damage("WHEEL_FRONT_LEFT", "SCUFFED_MINOR", repair_method="Wheel Refurbish"),
        )
    )
    report = render_bundle(make_bundle(body), rates=card)
    lines = {line["number"]: line for line in report.summary["estimate"]["lines"]}
    by_component = {d["component_code"]: d["number"] for d in report.summary["damages"]}
    spoiler, wheel = lines[by_component["SPOILER_REAR_UNIQUE"]], lines[by_component["WHEEL_FRONT_LEFT"]]
    assert (Decimal(spoiler["parts"]), spoiler["total"], spoiler["note"]) == (Decimal("260"), "355.00", "")
    assert (wheel["hours"], wheel["total"], wheel["note"]) == ("2", "190.00", "")
    assert Decimal(report.summary["estimate"]["total"]) == Decimal("545.00")


def test_a_declared_name_does_not_make_the_other_tables_lenient(tmp_path: Path) -> None:
    message = refusal(tmp_path, 'extra_components = ["SPOILER_REAR_UNIQUE"]\n[parts]\nSPOILER_REAR_UNIQE = 1\n')
    assert 'unknown component code "SPOILER_REAR_UNIQE", did you mean "SPOILER_REAR_UNIQUE"?' in message


def test_the_sample_rate_cards_commented_example_works_when_uncommented(tmp_path: Path) -> None:
    text = SAMPLE_RATES.read_text(encoding="utf-8")
    uncommented = re.sub(r"^# (extra_\w+ = )", r"\1", text, flags=re.M)
    assert uncommented.count("\nextra_") == 2
    # The sample's last table is [parts]: its comments say what each declaration then allows.
    path = tmp_path / "rates.toml"
    path.write_text(uncommented + 'SPOILER_REAR_UNIQUE = 260.00\n[hours."Wheel Refurbish"]\nminor = 1\n')
    card = load_rate_card(path)
    assert card.parts["SPOILER_REAR_UNIQUE"] == Decimal("260.00") and card.hours["wheel refurbish"]["minor"] == 1


# ---- the sample, the README and the CLI -----------------------------------------------------------


def test_the_sample_rate_card_loads_and_prices_the_sample_as_before() -> None:
    card = load_rate_card(SAMPLE_RATES)
    report = render_bundle(SAMPLE_BUNDLE, rates=card)
    # The demo's figures before strict checking (the golden HTML in test_render pins the page too).
    assert report.summary["estimate"]["total"] == "6967.50"
    assert len(report.summary["estimate"]["lines"]) == 27


def readme_rate_card_section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("### Rate card (`--rates FILE`)", 1)[1].split("\n### ", 1)[0]


def test_the_readmes_rate_card_example_loads(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", readme_rate_card_section(), re.S)
    assert example
    path = tmp_path / "rates.toml"
    path.write_text(example.group(1), encoding="utf-8")
    assert load_rate_card(path).parts == {"BUMPER_FRONT_UNIQUE": Decimal("420.00")}


def cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **env},
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("reportgen: error: rate card ")
    return result.stderr.strip()


def test_render_with_a_typo_exits_1_with_the_readmes_line_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "rates.toml").write_text(HEAD + '[hours."Refinsh"]\nminor = 1.5\n')
    result = cli(tmp_path, "render", str(SAMPLE_BUNDLE), "--rates", "rates.toml")
    line = assert_one_line_error(result)
    assert line in readme_rate_card_section()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["rates.toml"]


def test_report_checks_the_rate_card_before_downloading_anything(pave, tmp_path: Path) -> None:
    add_session(pave, "TST-LIVE1")
    (tmp_path / "rates.toml").write_text(HEAD + "[hours.Refinish]\nminr = 1.5\n")
    result = cli(
        tmp_path,
        "report",
        "TST-LIVE1",
        "--rates",
        "rates.toml",
        "--keep-bundle",
        "kept",
        PAVE_BASE_URL=pave.api_url,
        PAVE_API_KEY=API_KEY,
        PAVE_API_SECRET=API_SECRET,
        PAVE_USERNAME=USERNAME,
    )
    assert 'unknown severity "minr"' in assert_one_line_error(result)
    assert pave.api_log == [] and pave.image_log == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["rates.toml"]


def test_batch_with_a_typo_exits_1_before_rendering(pave, tmp_path: Path) -> None:
    add_session(pave, "TST-LIVE1")
    (tmp_path / "keys.txt").write_text("TST-LIVE1\n")
    (tmp_path / "rates.toml").write_text(HEAD + "[parts]\nBUMPER_FRONT_UNIQE = 400\n")
    result = cli(
        tmp_path,
        "batch",
        "keys.txt",
        "--rates",
        "rates.toml",
        "-d",
        "out",
        "--jobs",
        "1",
        PAVE_BASE_URL=pave.api_url,
        PAVE_API_KEY=API_KEY,
        PAVE_API_SECRET=API_SECRET,
        PAVE_USERNAME=USERNAME,
    )
    assert 'unknown component code "BUMPER_FRONT_UNIQE"' in assert_one_line_error(result)
    assert pave.api_log == [] and not (tmp_path / "out").exists()


def test_the_vocabulary_knows_every_repair_method_and_component_of_the_sample_session() -> None:
    body = json.loads((SAMPLE_BUNDLE / "hotspots.json").read_text(encoding="utf-8"))
    found = [d for p in body["data"] for d in p["inspection_data"]]
    assert found and {d["repair_method"] for d in found} <= set(vocabulary.repair_methods())
    assert {d["component"] for d in found} <= vocabulary.component_codes()


def test_a_gap_in_the_card_is_named_for_its_keeper_and_worded_for_the_customer(tmp_path: Path) -> None:
    card = load_rate_card(card_file(tmp_path, "default_hours = 1\n[hours.Refinish]\nminor = 2\n"))
    lines = estimate(
        card,
        [
            PricedDamage(1, "HOOD_FRONT_UNIQUE", "major", "Refinish", "2 inches"),
            PricedDamage(2, "BUMPER_FRONT_UNIQUE", "major", "Replace", "6 inches"),
            PricedDamage(3, "HOOD_FRONT_UNIQUE", "minor", "Refinish", "1/8 inch - NAAA Acceptable"),
        ],
    ).lines
    assert [line.note for line in lines] == [
        "standard labour time",
        "standard labour time; part price to be confirmed",
        "",
    ]
    assert lines[0].gap == "no 'Refinish' hours for severity 'major'; default_hours (1) used"
    assert lines[1].gap == (
        "no hours for repair method 'Replace'; default_hours (1) used; "
        "no part price for component 'BUMPER_FRONT_UNIQUE'"
    )
    assert lines[2].gap == "" and lines[2].hours == Decimal("2")


def test_the_estimates_figures_are_summed_from_its_lines(tmp_path: Path) -> None:
    card = load_rate_card(card_file(tmp_path, 'normal_wear = ["NAAA Acceptable"]\n[hours.Refinish]\nminor = 2\n'))
    priced = estimate(
        card,
        [
            PricedDamage(1, "HOOD_FRONT_UNIQUE", "minor", "Refinish", "2 inches"),
            PricedDamage(2, "DOOR_FRONT_LEFT", "minor", "Refinish", "1/8 inch - NAAA Acceptable"),
            PricedDamage(3, "ROOF_UNIQUE", "minor", "Refinish", "1/8 inch - naaa acceptable"),
        ],
    )
    assert [line.chargeable for line in priced.lines] == [True, False, False]
    # The normal-wear lines keep their labour (what is waived) and are charged nothing.
    assert [line.labour for line in priced.lines] == [Decimal("190.00")] * 3
    assert (priced.excess_wear, priced.total) == (Decimal("190.00"), Decimal("190.00"))
    assert priced.normal_wear_lines == 2
    # Nothing is stored beside the lines, so no figure can disagree with them.
    assert [field.name for field in dataclasses.fields(priced)] == ["card", "lines"]
    fewer = dataclasses.replace(priced, lines=priced.lines[1:])
    assert (fewer.excess_wear, fewer.total, fewer.normal_wear_lines) == (0, 0, 2)


def rates_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rates.toml"
    path.write_text(body)
    return path


def test_estimate_prices_labour_parts_and_normal_wear(tmp_path: Path, make_bundle) -> None:
    card = rates_file(
        tmp_path,
        """
currency = "EUR"
locale = "de_DE"
labour_rate = 80
normal_wear = ["naaa acceptable"]
[hours.Refinish]
minor = 1.5
major = 3
[hours.Replace]
major = 2
[parts]
BUMPER_FRONT_UNIQUE = 400.50
""",
    )
    body = hotspots(
        photo(
            5,
            "Front",
            "https://cdn.example/f.jpg",
            damage("HOOD_FRONT_UNIQUE", "SCRATCH_MINOR", repair_method="Refinish", tolerance="1 inch"),
            damage("BUMPER_FRONT_UNIQUE", "CRACKED_MAJOR", repair_method="Replace", tolerance="6 inches"),
            damage(
                "DOOR_FRONT_LEFT", "SCRATCH_MINOR", repair_method="Refinish", tolerance="1/8 inch - NAAA Acceptable"
            ),
            damage("ROOF_UNIQUE", "DENT_MEDIUM", repair_method="Polish", tolerance="2 inches"),
        )
    )
    report = render_bundle(make_bundle(body), rates=card)
    estimate = report.summary["estimate"]
    lines = {line["number"]: line for line in estimate["lines"]}
    by_component = {d["component_code"]: d["number"] for d in report.summary["damages"]}
    hood, bumper = lines[by_component["HOOD_FRONT_UNIQUE"]], lines[by_component["BUMPER_FRONT_UNIQUE"]]
    wear, unknown = lines[by_component["DOOR_FRONT_LEFT"]], lines[by_component["ROOF_UNIQUE"]]
    assert (hood["hours"], hood["total"]) == ("1.5", "120.00")
    assert Decimal(bumper["total"]) == Decimal("2") * 80 + Decimal("400.50")
    assert wear["total"] == "0" and not wear["chargeable"] and wear["note"] == "normal wear and tear"
    # The customer reads plain words; whoever keeps the rate card learns what it lacks.
    assert unknown["note"] == "standard labour time" and unknown["total"] == "0.00"
    assert report.warnings[-1] == (
        f"rate card {card}: damage {unknown['number']}: no hours for repair method 'Polish'; default_hours (0) used"
    )
    assert not any(warning.startswith("rate card") for warning in report.warnings[:-1])
    assert "no hours" not in report.html and "standard labour time" in report.html
    assert Decimal(estimate["total"]) == Decimal("120.00") + Decimal("560.50")
    html = report.html
    assert "680,50\xa0€" in html and "Normal wear and tear (1 damage)</th><td>No charge</td>" in html
    assert estimate["normal_wear"] == "0"


def test_rate_card_errors_are_clear(tmp_path: Path) -> None:
    for body, message in [
        ('currency = "DOLLARS"\nlabour_rate = 1', "three-letter"),
        ('currency = "USD"\nlabour_rate = -5', "zero or more"),
        ('currency = "USD"\nlabour_rate = 5\nlocale = "xx_YY"', "unknown locale"),
        ('currency = "USD"\nlabour_rate = 5\nhourz = 1', "unknown key"),
    ]:
        with pytest.raises(ConfigError, match=message):
            load_rate_card(rates_file(tmp_path, body))
    assert load_rate_card(SAMPLE_RATES).labour_rate == Decimal("95.00")


def test_no_rate_card_means_no_estimate(make_bundle) -> None:
    report = render_bundle(make_bundle(hotspots(photo(5, "Front", "u", damage()))))
    assert report.summary["estimate"] is None and ">Repair estimate<" not in report.html
