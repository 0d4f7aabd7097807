"""The demo corpus in data/articles (what `make run` serves): fictional articles about two universities,
a college, a province and a ministry, 2021–2025. Every saved query's example parameters (the ones the
query page pre-fills) and every `kg query` example in the README answer on it."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.catalog.saved import bindings_for, load_queries
from kg.pipeline import ingest_paths
from kg.store import OxigraphStore, Store
from kgtest import ROOT

ARTICLES = ROOT / "data" / "articles"
QUERIES = load_queries()


@pytest.fixture(scope="module")
def demo() -> Iterator[Store]:
    s = OxigraphStore(None)
    report = ingest_paths([ARTICLES], s, workers=1)
    assert report.failed == [] and report.ingested == len(list(ARTICLES.glob("*.txt")))
    yield s
    s.close()


def test_the_demo_has_at_least_twenty_articles_over_five_years() -> None:
    demo_files = sorted(ARTICLES.glob("demo-*.txt"))
    assert len(demo_files) >= 20 and (ARTICLES / "seed-000.txt").exists()
    years = {m for f in demo_files for m in re.findall(r"\b(202[1-5])\b", f.read_text(encoding="utf-8"))}
    assert years == {"2021", "2022", "2023", "2024", "2025"}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_saved_query_answers_its_examples_on_the_demo(demo: Store, name: str) -> None:
    q = QUERIES[name]
    required = {p.name: p.example for p in q.params if not p.optional}
    everything = {p.name: p.example for p in q.params}
    for values in (required, everything):  # the page pre-fills the required ones; the header gives all
        rows = demo.query(q.text, bindings_for(q, values)).rows
        assert rows, f"{name} with {values} answers no row on the demo corpus"


def readme_query_examples() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = [shlex.split(m) for m in re.findall(r"`(kg query [a-z_]+(?: (?:-p|--param) [^`]+)?)`", readme)]
    return [args for args in found if len(args) > 2]


def test_the_readme_has_query_examples() -> None:
    assert len(readme_query_examples()) >= 4


@pytest.mark.parametrize("args", readme_query_examples(), ids=lambda a: a[2])
def test_every_readme_query_example_answers_on_the_demo(demo: Store, args: list[str]) -> None:
    name, rest = args[2], args[3:]
    values = dict(rest[i + 1].split("=", 1) for i in range(0, len(rest), 2) if rest[i] in ("-p", "--param"))
    q = QUERIES[name]
    assert demo.query(q.text, bindings_for(q, values)).rows, args


def test_the_demo_shows_succession_with_dates(demo: Store) -> None:
    q = QUERIES["succession_of_post"]
    example = {p.name: p.example for p in q.params}
    rows = [r for r in demo.query(q.text, bindings_for(q, example)).dicts()]
    names = [str(r["name"]) for r in rows]
    assert names == ["Hoàng Minh Tuấn", "Đỗ Thị Hạnh"]
    assert str(rows[0]["successorName"]) == "Đỗ Thị Hạnh" and str(rows[0]["ended"]) == "2023-02-10"


def test_the_demo_store_passes_the_shacl_shapes(demo: Store) -> None:
    import io

    import pyshacl
    from rdflib import Dataset, Graph

    buf = io.BytesIO()
    demo.dump(buf, "nq")
    ds = Dataset()
    ds.parse(data=buf.getvalue().decode("utf-8"), format="nquads")
    union = Graph()
    for s, p, o, _g in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    shapes = Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")
    ok, _, report = pyshacl.validate(union, shacl_graph=shapes, allow_warnings=True)
    assert ok, report
