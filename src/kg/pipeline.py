"""The ingest pipeline: paths -> articles -> facts -> resolved -> triples -> store -> derived graph.

Extraction runs in worker processes (``workers``); the store is written by this process only, in
batches, each batch ONE transaction of whole articles (drop + rewrite their named graphs). An
article whose content hash is already in the store is skipped unless ``force``.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.derive import derive
from kg.errors import ArticleError, KgError
from kg.extract import extract_facts
from kg.graph import build_graph
from kg.ids import article_graph
from kg.ingest import iter_article_paths, read_article
from kg.models import Article, ArticleFacts
from kg.resolve import resolve
from kg.store import Store, ntriples

HASHES = """
SELECT ?id ?h WHERE { GRAPH ?g { ?a a kg:Article ; dcterms:identifier ?id ; kg:contentHash ?h } }"""


@dataclass
class IngestReport:
    ingested: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    triples: int = 0


@dataclass(frozen=True, slots=True)
class Built:
    """One article made ready for the store (what a worker sends back)."""

    article_id: str
    sha256: str
    graph: str
    ntriples: str
    triples: int


def facts_for(article: Article) -> ArticleFacts:
    facts = extract_facts(article)
    return facts


def build_article(article: Article) -> Built:
    """Pure: extract, resolve and build the named graph of one article."""
    facts = facts_for(article)
    if facts.published and not article.published:
        article = dataclasses.replace(article, published=facts.published)
    g = build_graph(resolve(article, facts))
    return Built(article.id, article.sha256, str(article_graph(article.id)), ntriples(g), len(g))


def _work(path: str) -> Built | tuple[str, str]:
    try:
        return build_article(read_article(path))
    except ArticleError as e:
        return (path, str(e))
    except Exception as e:  # noqa: BLE001 - one article's bug must not stop a bulk run; reported
        return (path, f"internal error: {type(e).__name__}: {e}")


def existing_hashes(store: Store) -> dict[str, str]:
    return {str(i): str(h) for i, h in store.query(HASHES).rows}


def write_batch(store: Store, batch: list[Built]) -> None:
    """One transaction: every article of the batch is replaced whole, or none is."""
    ops = []
    for b in batch:
        ops.append(f"DROP SILENT GRAPH <{b.graph}>")
        if b.ntriples:
            ops.append(f"INSERT DATA {{ GRAPH <{b.graph}> {{\n{b.ntriples}\n}} }}")
    store.update(" ;\n".join(ops))


def ingest_paths(
    paths: Iterable[str | Path],
    store: Store,
    *,
    workers: int | None = None,
    force: bool = False,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Ingest every article under ``paths`` into ``store``; report what happened to each."""
    files = [str(p) for p in iter_article_paths(paths)]
    known = {} if force else existing_hashes(store)
    report = IngestReport()
    workers = workers or os.cpu_count() or 1
    batch: list[Built] = []
    done = 0

    def results() -> Iterator[Built | tuple[str, str]]:
        if workers <= 1 or len(files) < 8:
            yield from map(_work, files)
            return
        ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ctx.Pool(workers) as pool:
            yield from pool.imap(_work, files, chunksize=16)

    for res in results():
        done += 1
        if isinstance(res, tuple):
            report.failed.append(res)
        elif known.get(res.article_id) == res.sha256:
            report.unchanged += 1
        else:
            batch.append(res)
            if len(batch) >= batch_size:
                _flush(store, batch, report)
        if progress:
            progress(done, len(files))
    _flush(store, batch, report)
    if report.ingested:
        derive(store)
    return report


def _flush(store: Store, batch: list[Built], report: IngestReport) -> None:
    if not batch:
        return
    try:
        write_batch(store, batch)
    except KgError as e:
        report.failed.extend((b.article_id, f"store write failed, nothing written: {e}") for b in batch)
    else:
        report.ingested += len(batch)
        report.triples += sum(b.triples for b in batch)
    batch.clear()
