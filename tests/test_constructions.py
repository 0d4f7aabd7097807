"""Every construction declared in the rules files reads its example sentences as declared.

The examples live next to the vocabulary they exercise (``constructions:`` in events.yaml, awards.yaml and
documents.yaml); this test is generated from them, so a construction added there is tested without code here.
"""

from __future__ import annotations

from typing import Any

import pytest

from kg.extract import extract_facts
from kg.models import Article
from kg.rules import read_raw
from kg.text import fold

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
