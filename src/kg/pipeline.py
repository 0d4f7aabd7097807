"""The ingest pipeline: paths -> articles -> facts -> resolved -> quads -> store -> derived graph.

Built for folders of any size with bounded memory:
- paths are streamed (one counting walk for the progress total, then a second walk);
- worker processes read, hash, extract, resolve, build and serialise whole articles, a small chunk
  at a time; only a bounded window of chunks is in flight, so a slow store never lets results pile up;
- a worker compares the content hash with the hashes already in the store (``kg:contentHash``) BEFORE
  extracting, so an unchanged article costs one read and one hash;
- this process alone writes the store, in batches, each batch ONE transaction of whole articles
  (their named graphs dropped and rewritten), so readers and crashes never see half an article;
- a batch the store refuses is retried one article at a time, so one bad article fails alone.

Workers send N-Quads text, not rdflib objects: pickling text is cheap, and the embedded store loads it
natively (``Store.load`` is one transaction) when none of the batch's graphs exist yet; otherwise one
SPARQL Update "DROP SILENT GRAPH …; INSERT DATA …" does the replacement in one transaction.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Literal

from kg import ntriples as nt
from kg.errors import ArticleError, KgError, QueryError, StoreError
from kg.graph.build import build_graph
from kg.ids import article_graph
from kg.models import Article, ArticleFacts
from kg.read.ingest import Refused, iter_article_paths, read_article, shown
from kg.resolve.resolver import resolve
from kg.store import OxigraphStore, Store, values_first

HASHES = """
SELECT ?id ?h WHERE { GRAPH ?g { ?a a kg:Article ; dcterms:identifier ?id ; kg:contentHash ?h } }"""

Extractor = Callable[[Article], ArticleFacts]
Progress = Callable[[int, int], None]
CHUNK = 16  # articles per task sent to a worker: amortises IPC, keeps the in-flight window small
FLUSH_EVERY = 2000  # articles; see _Writer.flush
CHUNK_TIMEOUT = 600.0  # seconds; a chunk takes well under one. A worker killed (OOM) loses its task.
STAGES = ("read", "extract", "resolve", "build", "serialize")


@dataclass
class IngestReport:
    """What happened to every article of a run, and where the time went.

    ``timings``: seconds per stage, summed over worker processes for the article stages
    (read, extract, resolve, build, serialize), wall time in this process for ``store`` and ``derive``.
    """

    ingested: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    triples: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)  # after the articles were handled (derive failed, …)
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys((*STAGES, "store", "derive"), 0.0))

    @property
    def total(self) -> int:
        return self.ingested + self.unchanged + len(self.failed)


@dataclass(frozen=True, slots=True)
class Built:
    """One article made ready for the store (what a worker sends back)."""

    article_id: str
    sha256: str
    graph: str
    nquads: str  # N-Quads lines of the article's named graph, "\n"-terminated
    triples: int
    path: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    article_id: str
    path: str


@dataclass(frozen=True, slots=True)
class Failed:
    path: str
    reason: str
    article_id: str = ""


Outcome = Built | Skipped | Failed


# ---------------------------------------------------------------------------------------------------
# N-Quads: written by kg.ntriples (total escaping: printable ASCII out, whatever comes in; IRIs
# checked), in the worker, so a term with no safe text form fails its article only.


def nt_term(t: Any) -> str:
    """One rdflib term in N-Triples syntax (``kg.ntriples.term_text``; ArticleError if it has none)."""
    try:
        return nt.term_text(t)
    except nt.TermError as e:
        raise ArticleError(str(e)) from e


def nquads(triples: Iterable[tuple[Any, Any, Any]], graph: str) -> tuple[str, int]:
    """N-Quads text of ``triples`` in ``graph``, and how many lines it has."""
    try:
        return nt.nquads(triples, graph)
    except nt.TermError as e:
        raise ArticleError(str(e)) from e


def nquads_to_triples(nq: str, graph: str) -> str:
    """The N-Triples body of an INSERT DATA block, from our own N-Quads lines of one graph."""
    return nt.to_ntriples(nq, graph)


# ---------------------------------------------------------------------------------------------------
# Per-article work (pure apart from reading the file); runs in worker processes.


def default_extractor() -> Extractor:
    from kg.extract import extract_facts

    return extract_facts


def facts_for(article: Article, extract: Extractor | None = None) -> ArticleFacts:
    return (extract or default_extractor())(article)


def build_article(article: Article, extract: Extractor | None = None, timings: dict[str, float] | None = None) -> Built:
    """Extract, resolve and serialise the named graph of one article."""
    t = timings if timings is not None else dict.fromkeys(STAGES, 0.0)
    t0 = time.perf_counter()
    facts = facts_for(article, extract)
    t1 = time.perf_counter()
    if facts.published and not article.published:
        article = dataclasses.replace(article, published=facts.published)
    resolved = resolve(article, facts)
    t2 = time.perf_counter()
    g = _build(resolved)
    t3 = time.perf_counter()
    graph = str(article_graph(article.id))
    text, n = nquads(g, graph)
    t4 = time.perf_counter()
    t["extract"] += t1 - t0
    t["resolve"] += t2 - t1
    t["build"] += t3 - t2
    t["serialize"] += t4 - t3
    return Built(article.id, article.sha256, graph, text, n, article.source_path or "")


class _Unsupported(AttributeError):
    pass


class TripleSink:
    """What ``build_graph`` needs of an rdflib Graph (``add``, ``bind``, ``identifier``), minus the
    indexing: ordered, de-duplicated triples. Building into it costs 0.6 ms an article instead of 2.

    Used in worker processes only (see ``_init_worker``), where nothing else can call build_graph.
    Anything else build_graph might start to ask of a Graph raises ``_Unsupported``, and the worker
    falls back to rdflib for good; tests/test_pipeline.py checks both give the same triples.
    """

    __slots__ = ("identifier", "_triples")

    def __init__(self, store: str = "default", identifier: Any = None, **_: Any) -> None:
        self.identifier = identifier
        self._triples: dict[tuple[Any, Any, Any], None] = {}

    def bind(self, *_: Any, **__: Any) -> None:
        return None

    def add(self, triple: tuple[Any, Any, Any]) -> TripleSink:
        self._triples[triple] = None
        return self

    def __iter__(self) -> Iterator[tuple[Any, Any, Any]]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def __getattr__(self, name: str) -> Any:
        raise _Unsupported(name)


_SINK = False  # build into TripleSink: set in ingest worker processes (see TripleSink)


def use_triple_sink(on: bool) -> None:
    """Build article graphs into TripleSink (worker processes only; see TripleSink) or rdflib Graphs."""
    global _SINK
    _SINK = on


def _build(resolved: Any) -> Any:
    if _SINK:
        try:
            return build_graph(resolved, TripleSink)
        except _Unsupported:  # build_graph asked for more than the sink has: rdflib from now on
            use_triple_sink(False)
    return build_graph(resolved)


# Worker state, set once per process by _init_worker (inherited, not pickled, under fork).
_KNOWN: dict[str, str] = {}
_EXTRACT: Extractor | None = None


def _init_worker(known: dict[str, str], extract: Extractor | None, sink: bool = False) -> None:
    global _KNOWN, _EXTRACT
    _KNOWN, _EXTRACT = known, extract
    if sink:
        use_triple_sink(True)


def work_one(path: str | Refused, known: dict[str, str], extract: Extractor | None,
             timings: dict[str, float]) -> Outcome:  # fmt: skip
    """Read and hash; skip when the store holds the same hash; else build. Never raises."""
    try:
        t0 = time.perf_counter()
        article = read_article(path)
        timings["read"] += time.perf_counter() - t0
        if known.get(article.id) == article.sha256:
            return Skipped(article.id, path)
        return build_article(article, extract, timings)
    except ArticleError as e:
        return Failed(shown(str(path)), str(e))
    except Exception as e:  # noqa: BLE001 - one article's bug must not stop a bulk run; it is reported
        return Failed(shown(str(path)), f"internal error: {type(e).__name__}: {e}")


def _work_chunk(paths: list[str | Refused]) -> tuple[list[Outcome], dict[str, float]]:
    timings = dict.fromkeys(STAGES, 0.0)
    return [work_one(p, _KNOWN, _EXTRACT, timings) for p in paths], timings


# ---------------------------------------------------------------------------------------------------
# The store side; runs in the calling process only.


HASHES_OF = """
SELECT ?id ?h WHERE { GRAPH ?g { ?a dcterms:identifier ?id ; a kg:Article ; kg:contentHash ?h } }"""


def existing_hashes(store: Store, ids: list[str] | None = None) -> dict[str, str]:
    """Article id -> content hash of the articles in the store (only ``ids`` when given)."""
    if ids is None:
        return {str(i): str(h) for i, h in store.query(HASHES).rows}
    out: dict[str, str] = {}
    for k in range(0, len(ids), 500):
        q = values_first(HASHES_OF, ["id"], [(Literal(i),) for i in ids[k : k + 500]])
        out.update((str(i), str(h)) for i, h in store.query(q).rows)
    return out


def replace_update(batch: list[Built]) -> str:
    """One SPARQL Update replacing every article of the batch (a single transaction)."""
    return nt.replace_update({b.graph: nt.to_ntriples(b.nquads, b.graph) for b in batch})


# "The derived graph is out of date": written in the same transaction as every ingest batch and
# removed once derive has run, so a run killed between its last write and derive (or inside derive)
# is finished by the next run, even when that run finds every article unchanged.
STATE_GRAPH = "https://w3id.org/kg-vn/graph/ingest-state"
_PENDING_TRIPLE = f'<{STATE_GRAPH}> <https://w3id.org/kg-vn/pipeline#derivePending> "true"'
_PENDING_QUAD = f"{_PENDING_TRIPLE} <{STATE_GRAPH}> .\n"
PENDING_ASK = f"ASK {{ GRAPH <{STATE_GRAPH}> {{ ?s ?p ?o }} }}"


def derive_pending(store: Store) -> bool:
    return bool(store.query(PENDING_ASK).boolean)


def write_batch(store: Store, batch: list[Built], *, mark_pending: bool = False) -> None:
    """One transaction: every article of the batch is replaced whole, or none is.

    Embedded store and all graphs new: ``Store.load`` of the N-Quads (transactional, and about 1.5×
    faster than parsing the same data as SPARQL). Otherwise one SPARQL Update. ``mark_pending`` adds
    the derive-pending marker to the same transaction.
    """
    if not batch:
        return
    if isinstance(store, OxigraphStore):
        import pyoxigraph as ox

        raw = store.raw
        if not any(raw.contains_named_graph(ox.NamedNode(b.graph)) for b in batch):
            data = "".join(b.nquads for b in batch) + (_PENDING_QUAD if mark_pending else "")
            try:
                raw.load(data.encode("utf-8"), ox.RdfFormat.N_QUADS)
            except SyntaxError as e:
                raise QueryError(f"store refused the batch: {e}") from e
            except OSError as e:
                raise StoreError(f"store write failed, nothing written: {e}") from e
            return
    update = replace_update(batch)
    if mark_pending:
        update += f" ;\nINSERT DATA {{ GRAPH <{STATE_GRAPH}> {{ {_PENDING_TRIPLE} . }} }}"
    store.update(update)


class _Writer:
    """Collects built articles and writes them in batches; records outcomes in the report."""

    def __init__(self, store: Store, report: IngestReport, batch_size: int) -> None:
        self.store, self.report, self.batch_size = store, report, max(1, batch_size)
        self.batch: list[Built] = []
        self.seen: dict[str, str] = {}  # article id -> path, to catch two files with one id
        self.unflushed = 0

    def add(self, outcome: Outcome) -> None:
        r = self.report
        if isinstance(outcome, Failed):
            r.failed.append((outcome.path, outcome.reason))
            return
        first = self.seen.setdefault(outcome.article_id, outcome.path)
        if first != outcome.path:
            r.failed.append((outcome.path, f"duplicate article id {outcome.article_id!r} (also {first}); not written"))
            return
        if isinstance(outcome, Skipped):
            r.unchanged += 1
            return
        self.batch.append(outcome)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        t0 = time.perf_counter()
        try:
            self._write(batch)
            # The embedded store keeps every write in RocksDB memtables and WAL until flushed: 20,000
            # articles grew the process to 1.8 GB. Flushing every 2,000 keeps it near 350 MB, and
            # costs less CPU (47 s instead of 60 s for the 2.6M quads of the bulk corpus).
            self.unflushed += len(batch)
            flush = getattr(self.store, "flush", None)
            if flush is not None and self.unflushed >= FLUSH_EVERY:
                self.unflushed = 0
                try:
                    flush()
                except StoreError as e:
                    self.report.errors.append(str(e))
        finally:
            self.report.timings["store"] += time.perf_counter() - t0

    def _write(self, batch: list[Built]) -> None:
        r = self.report
        try:
            write_batch(self.store, batch, mark_pending=True)
        except QueryError as e:
            if len(batch) == 1:
                r.failed.append((batch[0].path or batch[0].article_id, f"store refused the article: {e}"))
                return
            for b in batch:  # find the culprit; each article is still its own transaction
                self._write([b])
            return
        except StoreError as e:
            r.failed.extend((b.path or b.article_id, f"store write failed, nothing written: {e}") for b in batch)
            return
        r.batches += 1
        r.ingested += len(batch)
        r.triples += sum(b.triples for b in batch)


def _chunks(paths: Iterator[Path | Refused], size: int) -> Iterator[list[str | Refused]]:
    chunk: list[str | Refused] = []
    for p in paths:
        chunk.append(p if isinstance(p, Refused) else str(p))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _outcomes(
    paths: Iterable[str | Path],
    known: dict[str, str],
    extract: Extractor | None,
    workers: int,
    window: int,
    timings: dict[str, float],
) -> Iterator[list[Outcome]]:
    """Chunks of outcomes in input order, with at most ``window`` chunks in flight."""
    chunks = _chunks(iter_article_paths(paths), CHUNK)

    def add(t: dict[str, float]) -> None:
        for k, v in t.items():
            timings[k] += v

    if workers <= 1:
        _init_worker(known, extract)
        try:
            for c in chunks:
                outs, t = _work_chunk(c)
                add(t)
                yield outs
        finally:
            _init_worker({}, None)
        return
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(known, extract, True)) as pool:
        pending: deque[Any] = deque()

        def take() -> list[Outcome]:
            try:
                outs, t = pending.popleft().get(CHUNK_TIMEOUT)
            except mp.TimeoutError as e:
                raise KgError(f"an extraction worker gave no answer in {CHUNK_TIMEOUT:.0f} s (killed?)") from e
            add(t)
            return outs

        for c in chunks:
            pending.append(pool.apply_async(_work_chunk, (c,)))
            if len(pending) >= window:
                yield take()
        while pending:
            yield take()


def ingest_paths(
    paths: Iterable[str | Path],
    store: Store,
    *,
    workers: int | None = None,
    force: bool = False,
    batch_size: int | None = None,
    progress: Progress | None = None,
    extract: Extractor | None = None,
    derive_after: bool = True,
) -> IngestReport:
    """Ingest every article under ``paths`` into ``store``; report what happened to each.

    ``workers``: extraction processes (default: the number of cores); ``force``: rewrite unchanged
    articles too; ``extract``: the extractor (default ``kg.extract.extract_facts``);
    ``batch_size``: articles per transaction (default: the store's, 100 for Virtuoso, else 200).
    """
    batch_size = batch_size or store.batch_size
    paths = [str(p) for p in paths]
    total = sum(1 for _ in iter_article_paths(paths))
    report = IngestReport()
    known = {} if force else existing_hashes(store)
    pending = derive_pending(store)
    workers = workers or os.cpu_count() or 1
    if total < 2 * CHUNK:
        workers = 1
    if extract is None:
        extract = default_extractor()  # imported (and its rules loaded) once, before any fork
    # The window covers a batch write: workers keep extracting while this process writes.
    window = max(4 * workers, batch_size // CHUNK + 2 * workers)
    writer = _Writer(store, report, batch_size)
    done = 0
    for outs in _outcomes(paths, known, extract, workers, window, report.timings):
        for o in outs:
            writer.add(o)
        done += len(outs)
        if progress:
            progress(done, total)
    writer.flush()
    if derive_after and (report.ingested or pending):
        t0 = time.perf_counter()
        try:
            finish_derive(store)
        except StoreError as e:  # the articles are in; the marker stays, so the next run derives
            report.errors.append(f"the derived graph was not rebuilt (the next run will): {e}")
        report.timings["derive"] = time.perf_counter() - t0
    return report


def finish_derive(store: Store) -> None:
    """Rebuild the derived graph, then clear the derive-pending marker."""
    from kg.graph.derive import derive

    derive(store)
    store.update(f"DROP SILENT GRAPH <{STATE_GRAPH}>")


def ingest_articles(
    articles: Iterable[Article],
    store: Store,
    *,
    force: bool = False,
    extract: Extractor | None = None,
    derive_after: bool = True,
) -> IngestReport:
    """Ingest articles already in memory (an upload), in this process, in one transaction.

    With ``derive_after`` False the derive-pending marker stays in the store (written in the same
    transaction as the articles): a later call with it True, or the next ``kg ingest`` / ``kg serve``,
    rebuilds the derived graph.
    """
    report = IngestReport()
    articles = list(articles)
    known = {} if force else existing_hashes(store, sorted({a.id for a in articles}))
    writer = _Writer(store, report, batch_size=1_000_000)
    for a in articles:
        if known.get(a.id) == a.sha256:
            writer.add(Skipped(a.id, a.source_path or a.id))
            continue
        try:
            writer.add(build_article(a, extract, report.timings))
        except KgError as e:
            writer.add(Failed(a.source_path or a.id, str(e), a.id))
    writer.flush()
    if derive_after and (report.ingested or derive_pending(store)):
        t0 = time.perf_counter()
        finish_derive(store)
        report.timings["derive"] = time.perf_counter() - t0
    return report
