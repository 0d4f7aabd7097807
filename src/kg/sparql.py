"""The researchers' door: a SPARQL 1.1 Protocol endpoint, the saved queries, and a query page.

``sparql_router(store, settings)`` returns an APIRouter with

- ``GET|POST /sparql``: SPARQL 1.1 Protocol. Queries by GET ``query=``, POST form ``query=`` or POST
  ``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` (repeatable) set the
  dataset, else the default graph is the union of all named graphs. Results are negotiated by
  ``Accept`` (or ``format=``): SPARQL JSON / XML / CSV / TSV for SELECT and ASK; Turtle, N-Triples,
  JSON-LD, RDF/XML for CONSTRUCT and DESCRIBE. Updates (POST form ``update=`` or
  ``application/sparql-update``) need ``Authorization: Bearer <KG_WRITE_TOKEN>``; with no token
  configured the endpoint is read-only and every update gets 403.
- ``GET /queries``: the saved queries (name, summary, parameters with examples, text) as JSON;
  ``GET /queries/{name}?param=…``: run one with its parameters bound by a VALUES block.
- ``GET /query``: an offline HTML page to pick a saved query or write SPARQL and see a table.

Errors are ``{"detail": …}``: 400 malformed query (the parser's message) or bad parameter, 401/403
update refused, 404 unknown saved query, 406 no acceptable format, 413 body too large, 415 wrong
content type, 503 timeout or too many queries running.

Time limit (``KG_QUERY_TIMEOUT``) — what it can and cannot stop. pyoxigraph has no timeout or
cancel argument. Each query runs in its own worker thread (pyoxigraph releases the GIL while it
evaluates, and its result iterators are bound to the thread that made them, so one thread both
evaluates and reads). The request waits at most the timeout, then answers 503 and sets a cancel
flag that the worker checks between result rows:
- a query that streams rows (plain joins, OPTIONAL, UNION, FILTER, LIMIT without ORDER BY) stops
  at the next row after the deadline;
- work done before the first row cannot be interrupted: aggregates (GROUP BY, COUNT), ORDER BY,
  DISTINCT over the whole result, and a long search for a rare match all run inside one call into
  Oxigraph. Such a query keeps its worker thread busy until it finishes, after the client has had
  its 503. Workers are daemon threads and count against ``max_concurrent``: when all are busy a new
  query waits for a slot (up to its time limit, at most 5 s), then gets 503 with Retry-After, so
  runaway queries can occupy at most that many cores and never block the server's event loop;
- updates are transactions and are never cut off: they run to the end, without a time limit.
The flag is also set when the client disconnects.
Result size: SELECT rows and CONSTRUCT triples beyond ``KG_MAX_RESULTS`` are not read; the
response is then marked ``X-KG-Truncated: true`` (with ``X-KG-Max-Results``).

The union default graph is a multiset in Oxigraph: a triple stated by 40 articles matches 40 times
(``SELECT ?n WHERE { ?d kg:documentNumber ?n }`` repeats the number per citing article). Use
DISTINCT, or match one article's statements together inside ``GRAPH ?g { … }`` as the saved
queries do; chaining patterns over repeated triples multiplies the rows.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from rdflib.term import Node

from kg.auth import require_write_token
from kg.config import Settings
from kg.errors import QueryError, StoreError
from kg.queries import Query, bindings_for, load_queries, queries_dir
from kg.store import PREFIXES, RESULT_FORMATS, Store, bind_values, check_graph, to_oxigraph

T = TypeVar("T")

# (media type, format) in the server's order of preference.
RESULT_TYPES: tuple[tuple[str, str], ...] = (
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
)
GRAPH_TYPES: tuple[tuple[str, str], ...] = (
    ("text/turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdfxml"),
    ("application/x-turtle", "ttl"),
    ("application/turtle", "ttl"),
    ("text/plain", "nt"),
    ("application/json", "jsonld"),
    ("application/xml", "rdfxml"),
    ("text/xml", "rdfxml"),
)
GRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
GRAPH_MEDIA = {
    "ttl": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
FORMAT_ALIASES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld", "rdf": "rdfxml"}
# ``format=xml`` / ``format=json`` (as SPARQLWrapper sends them) mean the RDF form for graph results.
GRAPH_ALIASES = {"xml": "rdfxml", "json": "jsonld"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_FORM = "application/x-www-form-urlencoded"
_PAGE_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


# ---------------------------------------------------------------- evaluation (worker thread)


@dataclass
class Answer:
    """A query's answer as pyoxigraph terms, read in the worker thread, at most ``max_results`` items."""

    kind: str  # "select" | "ask" | "graph"
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool = False
    triples: list[Any] = field(default_factory=list)
    truncated: bool = False


class Cancelled(Exception):
    """The request gave up (timeout); the worker stops reading rows."""


def _dataset(default_graphs: list[str], named_graphs: list[str]) -> dict[str, Any]:
    kw: dict[str, Any] = {"prefixes": PREFIXES}
    if default_graphs:
        kw["default_graph"] = [ox.NamedNode(check_graph(g)) for g in default_graphs]
    elif named_graphs:
        kw["default_graph"] = []  # protocol: named graphs only -> an empty default graph
    else:
        kw["use_default_graph_as_union"] = True
    if named_graphs:
        kw["named_graphs"] = [ox.NamedNode(check_graph(g)) for g in named_graphs]
    return kw


def evaluate(
    store: Store,
    sparql: str,
    *,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    max_results: int = 100_000,
    cancel: threading.Event | None = None,
) -> Answer:
    """Run a query and read at most ``max_results`` rows/triples, stopping early if ``cancel`` is set.

    Embedded Oxigraph is read natively (streamed); any other store through ``Store.query``.
    """
    cancel = cancel or threading.Event()
    dg, ng = list(default_graphs or []), list(named_graphs or [])
    raw = getattr(store, "raw", None)
    if isinstance(raw, ox.Store):
        try:
            res = raw.query(sparql, **_dataset(dg, ng))
        except SyntaxError as e:
            raise QueryError(f"SPARQL syntax error: {e}") from e
        except OSError as e:
            raise StoreError(f"query failed: {e}") from e
        return _read(res, max_results, cancel)
    generic = store.query(sparql, default_graphs=dg or None, named_graphs=ng or None)
    if generic.kind == "ask":
        return Answer("ask", boolean=bool(generic.boolean))
    if generic.kind == "select":
        rows = [tuple(None if t is None else to_oxigraph(t) for t in r) for r in generic.rows]
        return Answer("select", vars=list(generic.vars), rows=rows[:max_results], truncated=len(rows) > max_results)
    assert generic.graph is not None
    triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in generic.graph]
    return Answer("graph", triples=triples[:max_results], truncated=len(triples) > max_results)


def _read(res: Any, max_results: int, cancel: threading.Event) -> Answer:
    try:
        if isinstance(res, ox.QueryBoolean):
            return Answer("ask", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = [v.value for v in res.variables]
            ans = Answer("select", vars=names)
            for sol in res:
                if cancel.is_set():
                    raise Cancelled
                if len(ans.rows) >= max_results:
                    ans.truncated = True
                    break
                ans.rows.append(tuple(sol[i] for i in range(len(names))))
            return ans
        ans = Answer("graph")
        for t in res:
            if cancel.is_set():
                raise Cancelled
            if len(ans.triples) >= max_results:
                ans.truncated = True
                break
            ans.triples.append(t)
        return ans
    except SyntaxError as e:  # some errors only surface while reading (e.g. a bad SERVICE)
        raise QueryError(f"SPARQL evaluation error: {e}") from e
    except OSError as e:
        raise StoreError(f"query failed: {e}") from e


# ---------------------------------------------------------------- serialisation


def term_json(t: Any) -> dict[str, Any]:
    """A pyoxigraph term in SPARQL 1.1 JSON results form."""
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict[str, Any] = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {
            "type": "triple",
            "value": {"subject": term_json(t.subject), "predicate": term_json(t.predicate), "object": term_json(t.object)},
        }
    raise StoreError(f"cannot serialise term {t!r}")


def results_json(ans: Answer) -> bytes:
    if ans.kind == "ask":
        return json.dumps({"head": {}, "boolean": ans.boolean}).encode()
    bindings = [{v: term_json(t) for v, t in zip(ans.vars, row, strict=True) if t is not None} for row in ans.rows]
    doc = {"head": {"vars": ans.vars}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def serialize(ans: Answer, fmt: str) -> tuple[bytes, str]:
    """Bytes and media type of an answer in ``fmt`` (one of the keys of RESULT_FORMATS/GRAPH_FORMATS)."""
    if ans.kind == "graph":
        return bytes(ox.serialize(ans.triples, format=GRAPH_FORMATS[fmt], prefixes=PREFIXES)), GRAPH_MEDIA[fmt]
    body = results_json(ans)
    if fmt == "json":
        return body, RESULT_MEDIA[fmt]
    # XML, CSV and TSV through Oxigraph's own writers, from the (already capped) JSON.
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return bytes(parsed.serialize(format=RESULT_FORMATS[fmt])), RESULT_MEDIA[fmt]


# ---------------------------------------------------------------- content negotiation


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    out = []
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        out.append((bits[0].lower(), q))
    return out


def negotiate(accept: str | None, offered: tuple[tuple[str, str], ...]) -> str | None:
    """The format of the offered media type the client prefers (most specific range gives q)."""
    if not accept or not accept.strip():
        return offered[0][1]
    ranges = _accept_ranges(accept)
    best: tuple[float, str] | None = None
    for media, fmt in offered:
        major = media.split("/")[0]
        match = [(2, q) for r, q in ranges if r == media]
        match += [(1, q) for r, q in ranges if r == f"{major}/*"]
        match += [(0, q) for r, q in ranges if r == "*/*"]
        if not match:
            continue
        q = max(match)[1]
        if q > 0 and (best is None or q > best[0]):
            best = (q, fmt)
    return best[1] if best else None


def pick_format(kind: str, accept: str | None, explicit: str | None) -> str:
    offered = GRAPH_TYPES if kind == "graph" else RESULT_TYPES
    known = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    if explicit:
        fmt = FORMAT_ALIASES.get(explicit.lower(), explicit.lower())
        if kind == "graph":
            fmt = GRAPH_ALIASES.get(fmt, fmt)
        if fmt not in known:
            raise HTTPException(406, f"format {explicit!r} does not fit a {kind} result; use one of {', '.join(known)}")
        return fmt
    fmt = negotiate(accept, offered)
    if fmt is None:
        types = ", ".join(dict.fromkeys(m for m, _ in offered))
        raise HTTPException(406, f"none of the Accept types ({accept}) fits a {kind} result; offered: {types}")
    return fmt


# ---------------------------------------------------------------- running with a deadline


def _forget(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled():
        fut.exception()  # marks it retrieved: no "exception was never retrieved" log


def _detached(e: BaseException) -> BaseException:
    """``e`` without tracebacks: they hold the worker's frames, and with them pyoxigraph result
    iterators, which must be dropped in the thread that made them (pyo3 "unsendable")."""
    seen: set[int] = set()
    x: BaseException | None = e
    while x is not None and id(x) not in seen:
        seen.add(id(x))
        x.__traceback__ = None
        x = x.__cause__ or x.__context__
    return e


QUEUE_WAIT = 5.0  # seconds a query may wait for a free worker before 503


class Runner:
    """Runs store work in daemon worker threads: at most ``slots`` at a time, each awaited with a deadline."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._free = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self.running = 0

    async def run(self, work: Callable[[threading.Event], T], timeout: float | None) -> T:
        # a burst waits a moment for a slot (up to the time limit, at most QUEUE_WAIT s); only
        # slots held longer than that, by runaway queries, turn new queries away
        wait_until = time.monotonic() + min(timeout or QUEUE_WAIT, QUEUE_WAIT)
        while not self._free.acquire(blocking=False):
            if time.monotonic() >= wait_until:
                raise HTTPException(
                    503, f"too many queries running ({self.slots}); try again shortly", headers={"Retry-After": "5"}
                )
            await asyncio.sleep(0.005)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        cancel = threading.Event()

        def settle(ok: bool, value: Any) -> None:
            if not fut.done():
                fut.set_result(value) if ok else fut.set_exception(value)

        def target() -> None:
            with self._lock:
                self.running += 1
            try:
                value: Any = work(cancel)
                ok = True
            except BaseException as e:  # noqa: BLE001 - handed to the awaiting request as is
                value, ok = _detached(e), False
            finally:
                with self._lock:
                    self.running -= 1
                self._free.release()
            try:
                loop.call_soon_threadsafe(settle, ok, value)
            except RuntimeError:  # the event loop is gone (server shut down): nobody is waiting
                pass

        threading.Thread(target=target, name="kg-sparql-worker", daemon=True).start()
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except asyncio.CancelledError:  # the client went away: stop reading rows for it
            cancel.set()
            fut.add_done_callback(_forget)
            raise
        except TimeoutError:
            cancel.set()
            fut.add_done_callback(_forget)  # the worker's late answer has nobody to read it
            raise HTTPException(
                503,
                f"query stopped: it ran longer than the {timeout:g} s limit (KG_QUERY_TIMEOUT). Make it more "
                "selective (bound patterns first), add a LIMIT, or avoid ORDER BY/GROUP BY over everything.",
            ) from None


# ---------------------------------------------------------------- the router


def _static(name: str) -> str:
    return resources.files("kg").joinpath("static", name).read_text(encoding="utf-8")


def _query_info(q: Query) -> dict[str, Any]:
    return {
        "name": q.name,
        "summary": q.summary,
        "params": [
            {"name": p.name, "type": p.type, "optional": p.optional, "doc": p.doc, "example": p.example}
            for p in q.params
        ],
        "sparql": q.text,
    }


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body over {limit} bytes (KG_MAX_REQUEST_BYTES)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body over {limit} bytes (KG_MAX_REQUEST_BYTES)")
        chunks.append(chunk)
    return b"".join(chunks)


def _text(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HTTPException(400, f"{what} is not UTF-8 (byte {e.start})") from e


def sparql_router(
    store: Store,
    settings: Settings,
    *,
    queries: Path | None = None,
    max_concurrent: int | None = None,
) -> APIRouter:
    """/sparql (SPARQL 1.1 Protocol), /queries (saved queries) and /query (the page) over ``store``."""
    router = APIRouter(tags=["SPARQL"])
    runner = Runner(max_concurrent or max(2, os.cpu_count() or 2))
    saved = load_queries(queries or queries_dir())
    router.runner = runner  # type: ignore[attr-defined]  # for tests and the app's health report

    async def answer(
        sparql: str,
        *,
        accept: str | None,
        fmt: str | None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
    ) -> Response:
        if bindings:
            try:
                sparql = bind_values(sparql, bindings)
            except QueryError as e:
                raise HTTPException(400, str(e)) from e

        def work(cancel: threading.Event) -> tuple[bytes, str, bool]:
            # Evaluate, read and serialise in the worker: pyoxigraph objects stay in this thread,
            # and a large result never blocks the event loop.
            ans = evaluate(
                store,
                sparql,
                default_graphs=default_graphs,
                named_graphs=named_graphs,
                max_results=settings.max_results,
                cancel=cancel,
            )
            body, media = serialize(ans, pick_format(ans.kind, accept, fmt))
            return body, media, ans.truncated

        try:
            body, media, truncated = await runner.run(work, settings.query_timeout)
        except QueryError as e:
            raise HTTPException(400, str(e)) from e
        except StoreError as e:
            raise HTTPException(503, str(e)) from e
        except Cancelled:  # only when the deadline passed in the same instant
            raise HTTPException(503, "query cancelled") from None
        headers = {"Vary": "Accept"}
        if truncated:
            headers["X-KG-Truncated"] = "true"
            headers["X-KG-Max-Results"] = str(settings.max_results)
        return Response(body, media_type=media, headers=headers)

    async def run_update(update: str, authorization: str | None) -> Response:
        require_write_token(settings, authorization)  # 403 read-only, 401 missing or wrong token
        try:
            await runner.run(lambda _cancel: store.update(update), None)  # transactions are never cut off
        except QueryError as e:
            raise HTTPException(400, str(e)) from e
        except StoreError as e:
            raise HTTPException(503, str(e)) from e
        return Response(status_code=204)

    def graphs(pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
        dg = [v for k, v in pairs if k == "default-graph-uri"]
        ng = [v for k, v in pairs if k == "named-graph-uri"]
        for g in dg + ng:
            try:
                check_graph(g)
            except StoreError as e:
                raise HTTPException(400, str(e)) from e
        return dg, ng

    def one(pairs: list[tuple[str, str]], key: str) -> str | None:
        vals = [v for k, v in pairs if k == key]
        if len(vals) > 1:
            raise HTTPException(400, f"give exactly one {key!r} parameter, got {len(vals)}")
        return vals[0] if vals else None

    @router.get("/sparql", summary="SPARQL 1.1 query (GET)")
    async def sparql_get(request: Request) -> Response:
        """SPARQL 1.1 Protocol query via GET: ``?query=…`` plus optional ``default-graph-uri`` /
        ``named-graph-uri`` (repeatable) and ``format`` (json, xml, csv, tsv, ttl, nt, jsonld, rdfxml)."""
        pairs = list(request.query_params.multi_items())
        if one(pairs, "update") is not None:
            raise HTTPException(400, "SPARQL Update must be sent with POST")
        query = one(pairs, "query")
        if not query:
            if not pairs and "text/html" in request.headers.get("accept", ""):
                return RedirectResponse("query", status_code=303)  # a person with a browser
            raise HTTPException(400, "missing 'query' parameter (SPARQL 1.1 Protocol); the query page is at /query")
        dg, ng = graphs(pairs)
        return await answer(
            query, accept=request.headers.get("accept"), fmt=one(pairs, "format"), default_graphs=dg, named_graphs=ng
        )

    @router.post("/sparql", summary="SPARQL 1.1 query or update (POST)")
    async def sparql_post(request: Request) -> Response:
        """SPARQL 1.1 Protocol via POST: a form (``query=`` or ``update=``), or a body of type
        ``application/sparql-query`` / ``application/sparql-update``. Updates need the write token."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        url_pairs = list(request.query_params.multi_items())
        raw = await _body(request, settings.max_request_bytes)
        auth = request.headers.get("authorization")
        if ctype == _FORM:
            pairs = parse_qsl(_text(raw, "the form"), keep_blank_values=True) + url_pairs
            query, update = one(pairs, "query"), one(pairs, "update")
            if (query is None) == (update is None):
                raise HTTPException(400, "the form must carry exactly one of 'query' or 'update'")
            if update is not None:
                return await run_update(update, auth)
            dg, ng = graphs(pairs)
            return await answer(
                query or "", accept=request.headers.get("accept"), fmt=one(pairs, "format"),
                default_graphs=dg, named_graphs=ng,
            )  # fmt: skip
        if ctype == "application/sparql-query":
            dg, ng = graphs(url_pairs)
            return await answer(
                _text(raw, "the query"), accept=request.headers.get("accept"), fmt=one(url_pairs, "format"),
                default_graphs=dg, named_graphs=ng,
            )  # fmt: skip
        if ctype == "application/sparql-update":
            if any(k in ("using-graph-uri", "using-named-graph-uri") for k, _ in url_pairs):
                raise HTTPException(400, "using-graph-uri / using-named-graph-uri are not supported; use USING in the update")
            return await run_update(_text(raw, "the update"), auth)
        raise HTTPException(
            415, f"unsupported content type {ctype!r}: use {_FORM}, application/sparql-query or application/sparql-update"
        )

    @router.get("/queries", summary="The saved queries")
    async def list_queries() -> JSONResponse:
        """Every saved query: name, summary, parameters (type, optional, doc, example) and its SPARQL."""
        return JSONResponse([_query_info(q) for q in saved.values()])

    @router.get("/queries/{name}", summary="Run a saved query")
    async def run_saved(name: str, request: Request) -> Response:
        """Run a saved query; its parameters come from the URL (``?person=…&at=…``). The result is
        negotiated like /sparql (default SPARQL JSON); ``format=`` overrides."""
        q = saved.get(name)
        if q is None:
            raise HTTPException(404, f"No query {name!r}. Available: {', '.join(saved) or '(none)'}")
        pairs = list(request.query_params.multi_items())
        fmt = one(pairs, "format")
        values: dict[str, str] = {}
        for k, v in pairs:
            if k == "format" or (v == "" and any(p.name == k and p.optional for p in q.params)):
                continue
            if k in values:
                raise HTTPException(400, f"parameter {k!r} given twice")
            values[k] = v
        try:
            bindings = bindings_for(q, values)
        except QueryError as e:
            raise HTTPException(400, str(e)) from e
        return await answer(q.text, accept=request.headers.get("accept"), fmt=fmt, bindings=bindings)

    @router.get("/query", response_class=HTMLResponse, summary="The query page")
    async def query_page() -> HTMLResponse:
        """An offline page: pick a saved query or write SPARQL, see a table, download CSV or JSON."""
        return HTMLResponse(_static("query.html"), headers={"Content-Security-Policy": _PAGE_CSP})

    return router


__all__ = ["Answer", "Runner", "evaluate", "negotiate", "serialize", "sparql_router"]
