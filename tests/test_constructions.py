"""Every construction declared in the rules files reads its example sentences as declared.

- events, awards, documents: the examples live next to the vocabulary they exercise (``constructions:`` in
  events.yaml, awards.yaml and documents.yaml);
- people and their posts: rules/constructions.yaml (each example yields the roles it says, and none it must not).

Both parts are generated from the files, so a construction added there is tested without code here.
"""

from __future__ import annotations

from typing import Any

import pytest

from kg.extract import extract_facts
from kg.extract.evaluate import norm
from kg.models import Article
from kg.rules import load_rules, read_raw
from kg.rules.grammar import expand, load_constructions
from kg.text import fold, normalize

_KIND = {"events": "events", "awards": "awards", "documents": "documents"}


def _cases() -> list[Any]:
    raw = read_raw()
    out = []
    for file, kind in _KIND.items():
        for i, c in enumerate(raw[file].constructions):  # type: ignore[attr-defined]
            out.append(pytest.param(kind, c, id=f"{file}[{i}] {c.construction}"))
    return out


def _norm(v: object) -> object:
    return fold(v) if isinstance(v, str) else v


@pytest.mark.parametrize(("kind", "case"), _cases())
def test_construction_yields_what_it_declares(kind: str, case) -> None:
    title = case.text.split("\n", 1)[0]
    facts = extract_facts(Article(id="example", title=title, text=case.text))
    fields = sorted({k for y in case.yields for k in y}) or ["name"]
    got = sorted((tuple(_norm(getattr(f, k)) for k in fields) for f in getattr(facts, kind)), key=repr)
    want = sorted((tuple(_norm(y.get(k)) for k in fields) for y in case.yields), key=repr)
    assert got == want, f"{case.construction}: read {got}, declared {want}"


def test_every_rules_file_with_constructions_declares_some() -> None:
    raw = read_raw()
    for file in _KIND:
        assert raw[file].constructions, f"{file}.yaml declares no constructions"  # type: ignore[attr-defined]


# people and their posts (rules/constructions.yaml)

RULES = load_rules()
EXAMPLES = load_constructions().examples


def _roles(text: str) -> set[tuple[str, str, str]]:
    t = normalize("Tin tức\n" + text)
    facts = extract_facts(Article(id="example", title="Tin tức", text=t), RULES)
    return {(norm(p.name), norm(r.title), norm(r.organization)) for p in facts.people for r in p.roles}


def test_every_construction_has_examples() -> None:
    names = {e.construction for e in EXAMPLES}
    assert {"apposition", "title_before_name", "link_verb", "object_after", "career_list", "cv_entry"} <= names


@pytest.mark.parametrize("ex", EXAMPLES, ids=[f"{e.construction}:{e.text[:40]}" for e in EXAMPLES])
def test_construction_example_yields_its_roles(ex) -> None:
    got = _roles(ex.text)
    want = {(norm(p), norm(t), norm(o)) for p, t, o in ex.yields}
    assert want <= got, f"missing {sorted(want - got)}; read {sorted(got)}"
    bad = {(norm(p), norm(t), norm(o)) for p, t, o in ex.not_} & got
    assert not bad, f"must not yield {sorted(bad)}"


def test_patterns_expand_alternatives_and_options() -> None:
    assert expand("[từng] (giữ|đảm nhiệm) [các] chức vụ") == [
        "giữ chức vụ", "giữ các chức vụ", "đảm nhiệm chức vụ", "đảm nhiệm các chức vụ",
        "từng giữ chức vụ", "từng giữ các chức vụ", "từng đảm nhiệm chức vụ", "từng đảm nhiệm các chức vụ",
    ]  # fmt: skip
    assert expand("đối với") == ["đối với"]
