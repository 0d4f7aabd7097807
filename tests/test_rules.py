"""The rules data itself: every file validates, entries are clean, regexes compile and match examples."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from kg.errors import RuleError
from kg.rules import FILES, load_rules, read_raw

RULES_DIR = Path(__file__).resolve().parents[1] / "src" / "kg" / "rules"


def _strings(x, path=""):
    if isinstance(x, str):
        yield path, x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from _strings(k, f"{path}/{k}")
            yield from _strings(v, f"{path}/{k}")
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _strings(v, f"{path}[{i}]")


def _raw(name: str):
    return yaml.safe_load((RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def test_every_file_validates() -> None:
    raw = read_raw()
    assert set(raw) == set(FILES)
    rs = load_rules()
    assert rs is load_rules()  # cached


@pytest.mark.parametrize("name", sorted(FILES))
def test_entries_are_nfc_and_stripped(name: str) -> None:
    for path, s in _strings(_raw(name)):
        assert s == unicodedata.normalize("NFC", s), f"{name}{path}: not NFC: {s!r}"
        assert s == s.strip() and s, f"{name}{path}: not stripped: {s!r}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_no_duplicates_in_lists(name: str) -> None:
    def lists(x, path=""):
        if isinstance(x, list):
            yield path, x
            for i, v in enumerate(x):
                yield from lists(v, f"{path}[{i}]")
        elif isinstance(x, dict):
            for k, v in x.items():
                yield from lists(v, f"{path}/{k}")

    for path, lst in lists(_raw(name)):
        items = [yaml.safe_dump(v, allow_unicode=True) if not isinstance(v, str) else v for v in lst]
        dups = sorted({v for v in items if items.count(v) > 1})
        assert not dups, f"{name}{path}: duplicates {dups}"


def test_keep_not_shadowed_by_drop() -> None:
    h = _raw("honorifics")
    assert not set(h["keep"]) & set(h["drop"])


def test_number_forms_compile_with_groups_and_match_examples() -> None:
    d = _raw("documents")
    for name, rx in d["number_forms"].items():
        c = re.compile(rx)
        assert "n" in c.groupindex, name
        if name != "short":
            assert "issuer" in c.groupindex, name
        for ex in d["examples"][name]:
            assert c.fullmatch(ex), f"{name}: {rx} does not match its example {ex!r}"
    assert set(d["examples"]) == set(d["number_forms"])


def test_org_kinds_are_gold_kinds() -> None:
    from kg.rules import KINDS

    assert set(_raw("orgs")["kinds"]) <= set(KINDS)


def test_bad_rules_raise_rule_error(tmp_path: Path) -> None:
    for f in RULES_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "dates.yaml").write_text("day_words: [ngày]\nunknown_key: 1\n", encoding="utf-8")
    with pytest.raises(RuleError, match="dates.yaml"):
        load_rules(tmp_path)
    (tmp_path / "dates.yaml").unlink()
    with pytest.raises(RuleError, match="dates.yaml"):
        load_rules(tmp_path / "nowhere")
    (tmp_path / "dates.yaml").write_text("[unclosed", encoding="utf-8")
    with pytest.raises(RuleError):
        load_rules(tmp_path)


def test_document_numbers_canonical() -> None:
    dr = load_rules().documents
    for text, want in [
        ("số 19-NQ-TW", "19-NQ/TW"),
        ("số 01-KL/TW", "01-KL/TW"),
        ("số 155-KH/ĐUK", "155-KH/ĐUK"),
        ("số 123/QĐ-TTg", "123/QĐ-TTg"),
        ("số 108/2012/NĐ-CP", "108/2012/NĐ-CP"),
        ("Luật số 34/2018/QH14", "34/2018/QH14"),
        ("số 51/C46 (P12)", "51/C46-P12"),
    ]:
        m = dr.number_re.search(text)
        assert m, text
        assert dr.canonical(m)[0] == want
    assert dr.number_re.search("ngày 12/01/2024") is None


def test_dates_find() -> None:
    d = load_rules().dates
    got = [iso for _, _, iso in d.find("ngày 18/5/2021, 18-5-2021, ngày 18 tháng 5 năm 2021, tháng 6/2017, Sáng 16/10")]
    assert got == ["2021-05-18", "2021-05-18", "2021-05-18", "2017-06", "--10-16"]


def test_a_day_not_in_the_calendar_is_no_date() -> None:
    d = load_rules().dates
    got = [iso for _, _, iso in d.find("ngày 31/4/2023, ngày 29/2/2023, ngày 29/2/2024, sáng 30/2, chiều 29/2")]
    assert got == ["2024-02-29", "--02-29"]


def test_a_date_completed_past_the_calendar_keeps_its_month_in_the_graph() -> None:
    from rdflib.namespace import XSD

    from kg.graph.build import _date

    assert _date("2023-02-29") is not None and _date("2023-02-29").datatype == XSD.gYearMonth  # type: ignore[union-attr]
    assert str(_date("2023-02-29")) == "2023-02"
    assert _date("2024-02-29").datatype == XSD.date  # type: ignore[union-attr]
