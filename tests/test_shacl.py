"""Built graphs pass the SHACL shapes: per article, and the whole store with its derived graph."""

from __future__ import annotations

import io
from pathlib import Path

import pyshacl
import pytest
from rdflib import Dataset, Graph

from kg.graph.build import build_graph
from kg.graph.derive import derive
from kg.ids import article_graph
from kg.pipeline import facts_for
from kg.read.ingest import read_article
from kg.resolve.resolver import resolve
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


def test_generic_sparql_finds_people_and_units_by_standard_classes() -> None:
    """A query that knows only FOAF, schema.org and ORG (no kg: terms, no inference) finds them."""
    store = open_store(":memory:")
    a = read_article(ARTICLES[0])
    store.replace_graphs({str(article_graph(a.id)): build_graph(resolve(a, facts_for(a)))})
    q = """PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX schema: <https://schema.org/>
           PREFIX org: <http://www.w3.org/ns/org#>
           SELECT DISTINCT ?name WHERE { ?p a foaf:Person , schema:Person ; foaf:name ?name }"""
    names = {str(r["name"]) for r in store.query(q).dicts()}
    assert {"Nguyễn Đình Đức", "Chử Đức Trình"} <= names
    q = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX schema: <https://schema.org/>
           PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
           SELECT DISTINCT ?label ?t WHERE { ?u a org:Organization , schema:Organization , ?t ; rdfs:label ?label .
                                             FILTER(?t IN (org:FormalOrganization, org:OrganizationalUnit)) }"""
    kinds = {(str(r["label"]), str(r["t"]).rsplit("#", 1)[1]) for r in store.query(q).dicts()}
    assert ("Trường Đại học Công nghệ", "FormalOrganization") in kinds
    assert any(label.startswith("Chi bộ") and t == "OrganizationalUnit" for label, t in kinds)
    store.close()


def test_a_person_without_its_foaf_type_fails_shacl() -> None:
    from rdflib import RDF
    from rdflib.namespace import FOAF

    a = read_article(ARTICLES[0])
    g = build_graph(resolve(a, facts_for(a)))
    g.remove((None, RDF.type, FOAF.Person))
    ok, report = conforms(g)
    assert not ok and "foaf:Person" in report
