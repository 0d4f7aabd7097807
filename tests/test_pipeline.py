"""Bulk ingestion into the embedded store: batches as transactions, skip before extracting,
replacement of changed articles, failures with reasons, N-Quads that round-trip, streamed export."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import XSD, Graph, Literal, URIRef
from rdflib.compare import isomorphic

import kg.graph.build
from kg.errors import QueryError
from kg.extract import extract_facts
from kg.models import Article, ArticleFacts
from kg.pipeline import (
    IngestReport,
    TripleSink,
    build_article,
    ingest_paths,
    nquads,
    nquads_to_triples,
    use_triple_sink,
)
from kg.read.ingest import article_from_text, read_article
from kg.resolve.resolver import resolve
from kg.store import OxigraphStore
from remote_fixtures import fictional_article, write_articles

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "articles" / "seed-000.txt"
G = "https://w3id.org/kg-vn/graph/test"


def quads(store: OxigraphStore) -> set[str]:
    return {str(q) for q in store.raw}


def graph_of(store: OxigraphStore, graph: str) -> set[str]:
    return {str(q) for q in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


class CountingExtractor:
    """extract_facts, counting calls (runs in-process: workers=1)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, article: Article) -> ArticleFacts:
        self.calls.append(article.id)
        return extract_facts(article)


@pytest.fixture
def store(tmp_path: Path) -> OxigraphStore:
    s = OxigraphStore(tmp_path / "store")
    yield s
    s.close()


# --- N-Quads ------------------------------------------------------------------------------------


def test_nquads_escape_what_n_quads_forbids() -> None:
    s = URIRef("https://w3id.org/kg-vn/id/x")
    triples = [
        (s, URIRef("http://ex.org/text"), Literal('dòng 1\ndòng "2"\r\\ kết thúc')),
        (s, URIRef("http://ex.org/label"), Literal("Bí thư", lang="vi")),
        (s, URIRef("http://ex.org/n"), Literal(5)),
        (s, URIRef("http://ex.org/d"), Literal("2024-01-12", datatype=XSD.date)),
        (s, URIRef("http://ex.org/b"), Literal(True)),
    ]
    text, n = nquads(triples, G)
    assert n == 5 and text.count("\n") == 5  # one line per quad: newlines inside literals are escaped
    parsed = Graph()
    parsed.parse(data=nquads_to_triples(text, G), format="nt")
    expected = Graph()
    for t in triples:
        expected.add(t)
    assert isomorphic(parsed, expected)


def test_nquads_refuse_an_iri_with_a_space() -> None:
    from kg.errors import ArticleError

    with pytest.raises(ArticleError, match="not a valid IRI"):
        nquads([(URIRef("http://ex.org/a b"), URIRef("http://ex.org/p"), Literal("x"))], G)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_literal_round_trips_through_nquads_and_oxigraph(value: str) -> None:
    text, _ = nquads([(URIRef("http://ex.org/s"), URIRef("http://ex.org/p"), Literal(value))], G)
    (q,) = list(ox.parse(text.encode("utf-8"), ox.RdfFormat.N_QUADS))
    assert q.object.value == value and q.graph_name.value == G


def test_triple_sink_builds_the_same_triples_as_rdflib() -> None:
    texts = [SEED.read_text(encoding="utf-8"), fictional_article(1), fictional_article(6, variant=1)]
    for i, text in enumerate(texts):
        a = article_from_text(f"sink-{i}", text)
        r = resolve(a, extract_facts(a))
        reference = kg.graph.build.build_graph(r)
        assert isinstance(reference, Graph)
        g = kg.graph.build.build_graph(r, TripleSink)
        assert isinstance(g, TripleSink)
        assert set(g) == set(reference) and len(g) == len(reference)


def test_ingest_workers_build_into_the_sink_and_fall_back_to_rdflib() -> None:
    import kg.pipeline as pipeline

    a = article_from_text("sink-fallback", fictional_article(2))
    r = resolve(a, extract_facts(a))
    try:
        use_triple_sink(True)
        assert isinstance(pipeline._build(r), TripleSink)

        class Narrow(TripleSink):
            def bind(self, *_: Any, **__: Any) -> None:
                raise pipeline._Unsupported("bind")

        real = pipeline.TripleSink
        pipeline.TripleSink = Narrow  # type: ignore[misc]
        try:
            g = pipeline._build(r)  # asks Narrow for bind: falls back to rdflib for good
        finally:
            pipeline.TripleSink = real  # type: ignore[misc]
        assert isinstance(g, Graph) and not pipeline._SINK
    finally:
        use_triple_sink(False)


def test_build_article_counts_its_quads() -> None:
    b = build_article(read_article(SEED))
    assert b.triples == b.nquads.count("\n") > 100
    assert all(line.endswith(f" <{b.graph}> .") for line in b.nquads.splitlines())


# --- ingest_paths on the embedded store ---------------------------------------------------------


def test_ingest_then_rerun_skips_before_extracting(tmp_path: Path, store: OxigraphStore) -> None:
    write_articles(tmp_path / "a", range(5))
    first = CountingExtractor()
    r = ingest_paths([tmp_path / "a"], store, workers=1, extract=first)
    assert (r.ingested, r.unchanged, r.failed) == (5, 0, [])
    assert len(first.calls) == 5 and r.triples > 5 * 30
    before = quads(store)

    again = CountingExtractor()
    r2 = ingest_paths([tmp_path / "a"], store, workers=1, extract=again)
    assert (r2.ingested, r2.unchanged, r2.failed) == (0, 5, [])
    assert again.calls == []  # unchanged articles are never extracted
    assert quads(store) == before

    forced = CountingExtractor()
    r3 = ingest_paths([tmp_path / "a"], store, workers=1, force=True, extract=forced)
    assert r3.ingested == 5 and len(forced.calls) == 5
    assert quads(store) == before


def test_a_changed_article_is_replaced_whole(tmp_path: Path, store: OxigraphStore) -> None:
    paths = write_articles(tmp_path / "a", range(3))
    ingest_paths([tmp_path / "a"], store, workers=1)
    g = str(read_article(paths[1]).id)
    from kg.ids import article_graph

    graph = str(article_graph(g))
    old = graph_of(store, graph)
    others = quads(store) - old
    paths[1].write_text(fictional_article(1, variant=2), encoding="utf-8")
    r = ingest_paths([tmp_path / "a"], store, workers=1)
    assert (r.ingested, r.unchanged) == (1, 2)
    new = graph_of(store, graph)
    assert new and new != old
    untouched = {q for q in others if "graph/derived" not in q}
    assert untouched <= quads(store)
    fresh = OxigraphStore(None)
    ingest_paths([tmp_path / "a"], fresh, workers=1)
    assert graph_of(fresh, graph) == new  # nothing of the old version is left behind


def test_failures_are_reported_with_reasons_and_the_rest_goes_in(tmp_path: Path, store: OxigraphStore) -> None:
    d = tmp_path / "a"
    write_articles(d, range(2))
    (d / "empty.txt").write_text("   \n", encoding="utf-8")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "fic-000.txt").write_text(fictional_article(7), encoding="utf-8")
    r = ingest_paths([d, tmp_path / "b"], store, workers=1)
    reasons = {Path(p).name: why for p, why in r.failed}
    assert r.ingested == 2
    assert set(reasons) == {"empty.txt", "binary.txt", "fic-000.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "duplicate article id" in reasons["fic-000.txt"]


def test_batches_are_transactions_and_a_refused_article_fails_alone(tmp_path: Path) -> None:
    """Through the SPARQL Update path: a refused batch is retried article by article."""
    write_articles(tmp_path / "a", range(5))
    from kg.ids import article_graph

    bad = str(article_graph("fic-003"))
    updates: list[str] = []

    class Refusing(OxigraphStore):
        """Refuses any update that writes the graph of fic-003; counts the updates it runs."""

        def update(self, sparql: str) -> None:
            if f"GRAPH <{bad}> {{" in sparql:
                raise QueryError("refused for the test")
            updates.append(sparql)
            super().update(sparql)

    s = Refusing(None)
    s.raw.add(ox.Quad(ox.NamedNode("http://ex.org/x"), ox.NamedNode("http://ex.org/p"), ox.Literal("1"),
                      ox.NamedNode(bad)))  # the graph exists, so write_batch takes the SPARQL Update path
    r = ingest_paths([tmp_path / "a"], s, workers=1, batch_size=2, derive_after=False)
    assert r.ingested == 4 and [Path(p).name for p, _ in r.failed] == ["fic-003.txt"]
    assert "refused for the test" in r.failed[0][1]
    # batches [0,1] and [4] are new graphs (Store.load); [2,3] needs an update: refused whole, then
    # 2 alone is written and 3 alone refused again
    assert updates == []
    for i in (0, 1, 2, 4):
        assert graph_of(s, str(article_graph(f"fic-{i:03d}")))
    assert graph_of(s, bad) == {'<http://ex.org/x> <http://ex.org/p> "1" <' + bad + ">"}  # left as it was


def test_parallel_workers_give_the_same_store_as_one_process(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", range(40))
    one, two = OxigraphStore(None), OxigraphStore(None)
    seen: list[tuple[int, int]] = []
    r1 = ingest_paths([tmp_path / "a"], one, workers=1)
    r2 = ingest_paths([tmp_path / "a"], two, workers=2, batch_size=7, progress=lambda d, t: seen.append((d, t)))
    assert r1.ingested == r2.ingested == 40 and r2.batches == 6
    assert quads(one) == quads(two)
    assert seen[-1] == (40, 40) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert r2.timings["extract"] > 0 and r2.timings["store"] > 0


def test_report_total_and_timings_are_filled(tmp_path: Path, store: OxigraphStore) -> None:
    write_articles(tmp_path / "a", range(3))
    r = ingest_paths([tmp_path / "a"], store, workers=1)
    assert isinstance(r, IngestReport) and r.total == 3
    assert set(r.timings) >= {"read", "extract", "resolve", "build", "serialize", "store", "derive"}
    assert r.timings["derive"] > 0


# --- export -------------------------------------------------------------------------------------


def test_embedded_export_of_chosen_graphs_and_of_everything(tmp_path: Path, store: OxigraphStore) -> None:
    write_articles(tmp_path / "a", range(3))
    ingest_paths([tmp_path / "a"], store, workers=1)
    from kg.ids import article_graph

    g0, g2 = str(article_graph("fic-000")), str(article_graph("fic-002"))
    out = io.BytesIO()
    store.dump(out, "nq", [g0, g2])
    got = {str(q) for q in ox.parse(out.getvalue(), ox.RdfFormat.N_QUADS)}
    assert got == graph_of(store, g0) | graph_of(store, g2)
    out = io.BytesIO()
    store.dump(out, "nq")
    assert {str(q) for q in ox.parse(out.getvalue(), ox.RdfFormat.N_QUADS)} == quads(store)


def test_the_embedded_store_is_flushed_every_few_thousand_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.pipeline

    monkeypatch.setattr(kg.pipeline, "FLUSH_EVERY", 4)
    write_articles(tmp_path / "a", range(10))
    flushes: list[int] = []

    class Counting(OxigraphStore):
        def flush(self) -> None:
            flushes.append(len(self.raw))
            super().flush()

    s = Counting(tmp_path / "store")
    try:
        r = ingest_paths([tmp_path / "a"], s, workers=1, batch_size=2, derive_after=False)
    finally:
        s.close()
    assert r.ingested == 10 and len(flushes) == 2  # after 4 and 8 articles


def test_a_run_stopped_before_derive_is_finished_by_the_next_run(tmp_path: Path) -> None:
    """The derive-pending marker is written with every batch; an all-unchanged rerun still derives."""
    from kg.pipeline import STATE_GRAPH, derive_pending

    write_articles(tmp_path / "a", range(4))
    clean = OxigraphStore(None)
    ingest_paths([tmp_path / "a"], clean, workers=1)
    assert not derive_pending(clean)

    s = OxigraphStore(None)
    ingest_paths([tmp_path / "a"], s, workers=1, derive_after=False)  # as if killed before derive
    assert derive_pending(s) and graph_of(s, STATE_GRAPH)
    r = ingest_paths([tmp_path / "a"], s, workers=1)
    assert (r.ingested, r.unchanged) == (0, 4) and r.timings["derive"] > 0
    assert not derive_pending(s) and quads(s) == quads(clean)


def test_the_pending_marker_also_goes_through_sparql_update(tmp_path: Path) -> None:
    from kg.pipeline import derive_pending

    write_articles(tmp_path / "a", range(2))
    s = OxigraphStore(None)
    ingest_paths([tmp_path / "a"], s, workers=1)
    (tmp_path / "a" / "fic-001.txt").write_text(fictional_article(1, variant=1), encoding="utf-8")
    ingest_paths([tmp_path / "a"], s, workers=1, derive_after=False)  # a replacement: the update path
    assert derive_pending(s)
    ingest_paths([tmp_path / "a"], s, workers=1)
    assert not derive_pending(s)
