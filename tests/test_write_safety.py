"""Article text never rewrites the store: whatever characters a title, a text or a name holds, it is
written as data (kg.ntriples: total escaping), read back identical, and nothing outside the article's
named graph changes — in the embedded store (Store.load and the SPARQL Update replacement) and in a
remote SPARQL server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import XSD, BNode, Literal, URIRef

from kg import ntriples as nt
from kg.ids import article_graph, article_iri
from kg.models import Article, ArticleFacts, Evidence, OrgFact, PersonFact, RoleFact
from kg.pipeline import build_article, use_triple_sink, write_batch
from kg.store import OxigraphStore, bind_values

PAYLOAD = "Tin\u2028} } ; DROP ALL ; INSERT DATA { GRAPH <urn:x> { #"
# Every character a text may hold (lone surrogates are not text: see test_lone_surrogates_are_refused),
# with the ones parsers treat specially drawn often.
SPECIAL = "\u2028\u2029\u0085\x0b\x0c\x1c\x1d\x1e\r\n\t\x00\x7f\"'\\<>{}#;.@^u"
ANY_CHAR = st.characters(blacklist_categories=("Cs",))
PIECES = st.one_of(ANY_CHAR, st.sampled_from(SPECIAL), st.sampled_from(["\\u0022", "\\U00000022", '"""', "\\\\u"]))
TEXT = st.lists(PIECES, max_size=25).map("".join)
S, P = URIRef("https://w3id.org/kg-vn/id/s"), URIRef("https://w3id.org/kg-vn/ontology#p")
G = "https://w3id.org/kg-vn/graph/test"
SAFE_LINE = re.compile(r"[\x20-\x7e]* \.")


# --- the writer ---------------------------------------------------------------------------------


def _literals(value: str) -> list[Literal]:
    return [Literal(value), Literal(value, lang="vi"), Literal(value, datatype=XSD.anyURI)]


SCRATCH = ox.Store()


@settings(max_examples=2000, deadline=None)
@given(TEXT)
@example(PAYLOAD)
@example("\\u0022 } } ; DROP ALL ; #")
def test_any_text_is_written_as_printable_ascii_and_parses_back_identical(value: str) -> None:
    body, n = nt.ntriples([(S, P, lit) for lit in _literals(value)])
    assert n == 3 and body.isascii()
    assert all(SAFE_LINE.fullmatch(line) for line in body.split("\n")[:-1])  # no raw control, one line each
    parsed = [t.object for t in ox.parse(body.encode(), ox.RdfFormat.N_TRIPLES)]
    assert [p.value for p in parsed] == [value] * 3
    # the same text inside a SPARQL Update, parsed by the store's SPARQL parser
    s = SCRATCH
    s.clear()
    s.update(nt.replace_update({G: body}))
    assert sorted(q.object.value for q in s) == [value] * 3 and len(s) == 3
    assert {q.graph_name.value for q in s} == {G}


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def decode_codepoints_first(sparql: str) -> str:
    """What SPARQL 1.1 (section 19.2) lets a server do before parsing, as QLever and others do."""
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), sparql)


@settings(max_examples=500, deadline=None)
@given(TEXT)
@example("\\u0022 } } ; DROP ALL ; #")
@example("\\\\u005C\" } ; DROP ALL")
def test_a_server_that_decodes_codepoints_before_parsing_reads_the_same_text(value: str) -> None:
    body, _ = nt.ntriples([(S, P, Literal(value))])
    s = SCRATCH
    s.clear()
    s.update(decode_codepoints_first(nt.replace_update({G: body})))
    assert [q.object.value for q in s] == [value]


@pytest.mark.parametrize(
    "iri",
    ["http://ex.org/a b", "http://ex.org/a>b", "relative/path", "http://ex.org/\u2028", "http://ex.org/\\u003E",
     "http://ex.org/\x00", "urn:a{b}", "", ":nothing"],
)  # fmt: skip
def test_iris_that_would_need_escaping_are_refused(iri: str) -> None:
    with pytest.raises(nt.TermError, match="not a valid IRI"):
        nt.iri_text(iri)


def test_non_ascii_iris_are_written_as_codepoints_and_read_back() -> None:
    iri = "https://vi.wikipedia.org/wiki/Hà_Nội_\U0001F600"
    body, _ = nt.ntriples([(URIRef(iri), P, Literal("x"))])
    assert body.isascii()
    (t,) = ox.parse(body.encode(), ox.RdfFormat.N_TRIPLES)
    assert t.subject.value == iri


def test_language_tags_and_blank_nodes_are_checked() -> None:
    with pytest.raises(ValueError):  # rdflib refuses such a tag already; kg.ntriples checks it again
        Literal("x", lang="vi } ; DROP ALL")
    with pytest.raises(nt.TermError):
        nt.term_text(BNode("a b"))
    assert nt.term_text(BNode("b0")) == "_:b0"


def test_lone_surrogates_are_refused() -> None:
    with pytest.raises(nt.TermError, match="not valid Unicode"):
        nt.literal_text("a\ud800b")


@settings(max_examples=500, deadline=None)
@given(TEXT)
@example(PAYLOAD)
def test_bound_parameters_stay_one_literal(value: str) -> None:
    s = ox.Store()
    s.add(ox.Quad(ox.NamedNode(str(S)), ox.NamedNode(str(P)), ox.Literal(value), ox.NamedNode(G)))
    q = bind_values("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?v } }", {"v": Literal(value)})
    (row,) = s.query(q)
    assert int(row["n"].value) == 1


# --- whole articles in the embedded store -------------------------------------------------------


def _article(aid: str, title: str, body: str) -> Article:
    text = f"{title}\n{body}"
    return Article(id=aid, title=title, text=text, sha256=f"{hash(text) & 0xFFFFFFFF:08x}")


def _extractor(name: str):  # type: ignore[no-untyped-def]
    """Facts naming a person and a unit after ``name`` (any text), with evidence quoting it."""

    def extract(a: Article) -> ArticleFacts:
        ev = Evidence(sentence=f"{name} – {a.text[:50]}", start=0, end=len(a.text))
        role = RoleFact(title=f"Bí thư {name}", organization=f"Đảng bộ {name}", role="Bí thư", evidence=ev)
        return ArticleFacts(
            id=a.id, title=a.title,
            people=(PersonFact(name=f"Nguyễn {name}", roles=(role,), evidence=(ev,)),),
            organizations=(OrgFact(name=f"Đảng bộ {name}", kind="party_committee", evidence=(ev,)),),
        )  # fmt: skip

    return extract


def _bystander_store() -> OxigraphStore:
    store = OxigraphStore(None)
    other = build_article(_article("bystander", "Tin khác", "Nội dung khác."), _extractor("Khác"))
    write_batch(store, [other])
    store.raw.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:p"), ox.Literal("kept"), ox.NamedNode("urn:x")))
    return store


def _outside(store: OxigraphStore, graph: str) -> set[str]:
    return {str(q) for q in store.raw if q.graph_name.value != graph}


def _titles(store: OxigraphStore, aid: str) -> list[str]:
    rows = store.query("SELECT ?t WHERE { ?a dcterms:title ?t }", {"a": article_iri(aid)}).rows
    return [str(r[0]) for r in rows]


STORE = _bystander_store()  # one store for all examples: the article is replaced again and again


@pytest.fixture(scope="module")
def worker_sink() -> Iterator[None]:
    """Build graphs as the ingest workers do (kg.pipeline.TripleSink): the same triples, 3× faster."""
    use_triple_sink(True)
    yield
    use_triple_sink(False)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(title=TEXT, name=TEXT)
@example(title=PAYLOAD, name=PAYLOAD)
def test_an_article_of_any_text_is_written_whole_and_nothing_else_changes(worker_sink: None, title: str,
                                                                         name: str) -> None:
    graph = str(article_graph("art"))
    before = _outside(STORE, graph)
    first = build_article(_article("art", f"{title}", f"{name} đọc lần một."), _extractor(name))
    write_batch(STORE, [first], mark_pending=True)  # the graph may exist: Store.load or the Update
    again = build_article(_article("art", f"{title}", f"{name} đọc lần hai."), _extractor(name))
    write_batch(STORE, [again])  # a replacement: always the SPARQL Update
    assert _titles(STORE, "art") == [title]
    names = {str(r[0]) for r in STORE.query("SELECT ?n WHERE { GRAPH ?g { ?p foaf:name ?n } }").rows}
    assert f"Nguyễn {name}" in names
    stored = {str(q) for q in STORE.raw.quads_for_pattern(None, None, None, ox.NamedNode(graph))}
    expected = {str(q) for q in ox.parse(again.nquads.encode(), ox.RdfFormat.N_QUADS)}
    assert stored == expected
    assert _outside(STORE, graph) - {q for q in _outside(STORE, graph) if "ingest-state" in q} == before - {
        q for q in before if "ingest-state" in q
    }
