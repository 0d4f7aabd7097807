"""Built graphs pass the SHACL shapes: per article, and the whole store with its derived graph."""

from __future__ import annotations

import io
from pathlib import Path

import pyshacl
import pytest
from rdflib import Dataset, Graph

from kg.derive import derive
from kg.graph import build_graph
from kg.ids import article_graph
from kg.ingest import read_article
from kg.pipeline import facts_for
from kg.resolve import resolve
from kg.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SHAPES = Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")
ARTICLES = [ROOT / "data" / "articles" / "seed-000.txt", *sorted((ROOT / "tests" / "fixtures" / "identity").glob("*.txt"))]


def conforms(g: Graph) -> tuple[bool, str]:
    ok, _, text = pyshacl.validate(g, shacl_graph=SHAPES, allow_warnings=True)
    return bool(ok), str(text)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_article_graph_passes_shacl(path: Path) -> None:
    a = read_article(path)
    g = build_graph(resolve(a, facts_for(a)))
    assert len(g) > 20
    ok, report = conforms(g)
    assert ok, report


def test_whole_store_with_derived_graph_passes_shacl() -> None:
    store = open_store(":memory:")
    for path in ARTICLES:
        a = read_article(path)
        store.replace_graphs({str(article_graph(a.id)): build_graph(resolve(a, facts_for(a)))})
    derive(store)
    buf = io.BytesIO()
    store.dump(buf, "nq")
    union = Graph()
    ds = Dataset()
    ds.parse(data=buf.getvalue().decode("utf-8"), format="nquads")
    for s, p, o, _g in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    ok, report = conforms(union)
    assert ok, report


def test_a_fact_without_its_article_fails_shacl() -> None:
    a = read_article(ARTICLES[0])
    g = build_graph(resolve(a, facts_for(a)))
    from rdflib.namespace import PROV

    g.remove((None, PROV.wasDerivedFrom, None))
    ok, report = conforms(g)
    assert not ok and "which article" in report
