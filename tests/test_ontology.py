"""The ontology and the shapes parse, and the code's vocabulary matches the ontology."""

from __future__ import annotations

from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from kg.vocab import KG, ORG_CLASS

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"


def load(name: str) -> Graph:
    return Graph().parse(ONTOLOGY / name, format="turtle")


def test_ontology_and_shapes_parse() -> None:
    assert len(load("kg.ttl")) > 100
    assert len(load("shapes.ttl")) > 50


def test_every_vocab_term_is_declared_in_the_ontology() -> None:
    g = load("kg.ttl")
    declared = {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}
    for name in KG.__annotations__:
        term = KG[name]
        assert term in declared, f"{term} is used by the code but not declared in kg.ttl"


def test_every_ontology_term_has_vietnamese_and_english_labels() -> None:
    g = load("kg.ttl")
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    for kind in kinds:
        for term in g.subjects(RDF.type, kind):
            langs = {lbl.language for lbl in g.objects(term, RDFS.label)}  # type: ignore[union-attr]
            assert {"vi", "en"} <= langs, f"{term} lacks a vi or en label"


def test_every_gold_kind_maps_to_an_organisation_class() -> None:
    g = load("kg.ttl")
    for cls in ORG_CLASS.values():
        assert (cls, RDFS.subClassOf, KG.Organization) in g or cls == KG.Organization


def test_ontology_reuses_standard_vocabularies() -> None:
    text = (ONTOLOGY / "kg.ttl").read_text(encoding="utf-8")
    for ns in ("www.w3.org/ns/org#", "xmlns.com/foaf/0.1/", "www.w3.org/ns/prov#", "schema.org/",
               "purl.org/dc/terms/", "www.w3.org/2004/02/skos/core#", "www.w3.org/2006/time#"):
        assert ns in text
