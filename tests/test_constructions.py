"""Every example sentence of rules/constructions.yaml yields the roles it says (and none it must not)."""

from __future__ import annotations

import pytest

from kg.evaluate import norm
from kg.extract import extract_facts
from kg.grammar import expand, load_constructions
from kg.models import Article
from kg.rules import load_rules
from kg.text import normalize

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
