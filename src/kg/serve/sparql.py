"""The researchers' door: a SPARQL 1.1 Protocol endpoint, the saved queries, and a query page.

``sparql_router(store, settings)`` returns an APIRouter with

- ``GET|POST /sparql``: SPARQL 1.1 Protocol. Queries by GET ``query=``, POST form ``query=`` or POST
  ``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` (repeatable) set the
  dataset, else the query's own ``FROM`` / ``FROM NAMED``, else the default graph is the union of
  all named graphs. Relative IRIs resolve against the endpoint's URL. Results are negotiated by
  ``Accept``; a ``format=`` that names one format fitting the result overrides it (a repeated,
  unknown or unfitting one is ignored): SPARQL JSON / XML / CSV / TSV for SELECT and ASK; Turtle,
  N-Triples, JSON-LD, RDF/XML, N3 (as Turtle), TriG and N-Quads (the default graph) for CONSTRUCT
  and DESCRIBE. Updates (POST form ``update=`` or ``application/sparql-update``, with
  ``using-graph-uri`` / ``using-named-graph-uri``) need ``Authorization: Bearer <KG_WRITE_TOKEN>``;
  with no token configured the endpoint is read-only and every update gets 403. ``GET`` without a
  query answers the SPARQL 1.1 Service Description (Turtle, N-Triples, RDF/XML or JSON-LD; a
  browser is sent to the query page); ``HEAD`` and ``OPTIONS`` are answered.
- ``GET /queries``: the saved queries (name, summary, parameters with examples, text) as JSON;
  ``GET /queries/{name}?param=…``: run one with its parameters bound by a VALUES block.
- ``GET /query``: an offline HTML page to pick a saved query or write SPARQL and see a table.

Errors are ``{"detail": …}``: 400 malformed query (the parser's message, positions in the text as
sent) or bad parameter, 401 update without a valid token, 403 update on a read-only server or a
SERVICE / LOAD address not allowed, 404 unknown saved query, 406 no acceptable format, 413 body too
large, 415 wrong content type or charset, 503 timeout or too many queries running.

No outbound requests: ``SERVICE`` in a query or an update and ``LOAD`` are refused (403) unless the
operator lists the address in ``KG_SERVICE_ALLOW`` (see :mod:`kg.store.sparql_check`: the request is
parsed and its parse tree walked, not matched by a pattern).

Time limit (``KG_QUERY_TIMEOUT``). Over an on-disk Oxigraph store each query runs in a worker
process (:mod:`kg.serve.sparql_pool`) that reads a snapshot of the store; past the deadline the client
gets 503 and the worker is killed, whatever the query's shape (an aggregate, ORDER BY, a cartesian
product): its CPU and memory are free within milliseconds and a fresh worker takes its place. At
most ``KG_QUERY_WORKERS`` queries (default 2 × cores + 2, at least 6: idle workers cost memory
only) run at once; a query waits for a free worker up to its time limit (at most 5 s), then gets
503 with Retry-After. Of those workers at most ``KG_LONG_QUERIES`` (default 1) run a query past
``KG_LONG_QUERY_AFTER`` seconds (default 0.25): a query that turns long while that lane is full is
stopped there with 503 and Retry-After, so however many runaway queries arrive, the quick queries
of normal use still find a free worker. The in-memory store (tests) cannot be shared with processes: there queries run in threads, stop at the next row after
the deadline, and an aggregate keeps its thread until it finishes. Over a remote SPARQL server the
query is the engine's to stop: the request gets its 503 at the deadline and its slot is freed then;
the HTTP call itself ends by ``KG_STORE_TIMEOUT``. Updates are transactions in the server process
and are never cut off. Result size: SELECT rows and CONSTRUCT triples beyond ``KG_MAX_RESULTS`` are
not read; the response is then marked ``X-KG-Truncated: true`` (with ``X-KG-Max-Results``).

The union default graph is a multiset in Oxigraph: a triple stated by 40 articles matches 40 times
(``SELECT ?n WHERE { ?d kg:documentNumber ?n }`` repeats the number per citing article). Use
DISTINCT, or match one article's statements together inside ``GRAPH ?g { … }`` as the saved
queries do; chaining patterns over repeated triples multiplies the rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from rdflib.term import Node

from kg.catalog.saved import Query, bindings_for, load_queries, queries_dir
from kg.config import Settings
from kg.errors import QueryError, StoreError
from kg.serve.auth import require_write_token
from kg.serve.sparql_exec import (
    GRAPH_FORMATS,
    GRAPH_MEDIA,
    RESULT_MEDIA,
    Answer,
    Cancelled,
    Job,
    NotAcceptable,
    Reply,
    evaluate,
    execute,
    failure,
    negotiate,
    pick_format,
    serialize,
)
from kg.serve.sparql_pool import Busy, Overloaded, ProcessPool, Timeout
from kg.store import PREFIXES, Store, bind_values, check_graph
from kg.store.sparql_check import RemoteRefused, check_update, with_using

T = TypeVar("T")
log = logging.getLogger("kg.serve.sparql")

_FORM = "application/x-www-form-urlencoded"
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_PAGE_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_ALLOW = "GET, HEAD, POST, OPTIONS"
QUEUE_WAIT = 5.0  # seconds a query may wait for a free worker before 503


def _timeout_detail(timeout: float | None) -> str:
    return (
        f"query stopped: it ran longer than the {timeout:g} s limit (KG_QUERY_TIMEOUT). Make it more "
        "selective (bound patterns first), add a LIMIT, or avoid ORDER BY/GROUP BY over everything."
    )


def _busy(slots: int) -> HTTPException:
    return HTTPException(503, f"too many queries running ({slots}); try again shortly", headers={"Retry-After": "5"})


# ---------------------------------------------------------------- threads (in-memory and remote stores)


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


class Runner:
    """Runs store work in daemon threads: at most ``slots`` at a time, each awaited with a deadline.

    With ``free_at_deadline`` (a remote store: the engine does the work) a slot is given back when
    its request gives up, and at most ``4 × slots`` calls may still be waiting for their server;
    otherwise (the in-memory store: the work is on this machine's CPU) a slot is held until the work
    ends.
    """

    def __init__(self, slots: int, *, free_at_deadline: bool = False) -> None:
        self.slots = slots
        self.free_at_deadline = free_at_deadline
        self._free = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self.running = 0  # threads still working, given up on or not

    async def run(self, work: Callable[[threading.Event], T], timeout: float | None) -> T:
        # a burst waits a moment for a slot (up to the time limit, at most QUEUE_WAIT s); only
        # slots held longer than that, by runaway queries, turn new queries away
        wait_until = time.monotonic() + min(timeout or QUEUE_WAIT, QUEUE_WAIT)
        while not self._free.acquire(blocking=False) or (
            self.free_at_deadline and self.running >= 4 * self.slots and not self._free.release()
        ):
            if time.monotonic() >= wait_until:
                raise _busy(self.slots)
            await asyncio.sleep(0.005)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        cancel = threading.Event()
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if released.is_set():
                    return
                released.set()
            self._free.release()

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
                release()
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
            if self.free_at_deadline:
                release()
            raise
        except TimeoutError:
            cancel.set()
            fut.add_done_callback(_forget)  # the worker's late answer has nobody to read it
            if self.free_at_deadline:
                release()
            raise HTTPException(503, _timeout_detail(timeout)) from None


# ---------------------------------------------------------------- the router


def _static(name: str) -> str:
    return resources.files("kg.serve").joinpath("static", name).read_text(encoding="utf-8")


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


def _content_type(request: Request) -> str:
    """The media type; 415 for a charset other than UTF-8 (the protocol's only encoding)."""
    media, *params = (p.strip() for p in request.headers.get("content-type", "").split(";"))
    for p in params:
        k, _, v = p.partition("=")
        if k.strip().lower() == "charset" and v.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise HTTPException(415, f"charset {v.strip()!r} is not supported: send UTF-8")
    return media.lower()


def _endpoint(request: Request) -> str | None:
    """The endpoint's own URL: the base IRI of relative IRIs in queries and updates."""
    url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
    return None if _BAD_IRI.search(url) else url


def service_description(endpoint: str, settings: Settings) -> ox.Dataset | list[ox.Triple]:
    """SPARQL 1.1 Service Description of this endpoint."""
    sd = "http://www.w3.org/ns/sparql-service-description#"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    node = ox.NamedNode(endpoint)
    svc = ox.BlankNode("service")
    ds, dg = ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")

    def n(local: str) -> ox.NamedNode:
        return ox.NamedNode(sd + local)

    out = [
        ox.Triple(svc, rdf_type, n("Service")),
        ox.Triple(svc, n("endpoint"), node),
        ox.Triple(svc, n("supportedLanguage"), n("SPARQL11Query")),
        ox.Triple(svc, n("feature"), n("UnionDefaultGraph")),
        ox.Triple(svc, n("defaultDataset"), ds),
        ox.Triple(ds, rdf_type, n("Dataset")),
        ox.Triple(ds, n("defaultGraph"), dg),
        ox.Triple(dg, rdf_type, n("Graph")),
    ]
    if settings.write_token:
        out.append(ox.Triple(svc, n("supportedLanguage"), n("SPARQL11Update")))
    if settings.service_allow:
        out.append(ox.Triple(svc, n("feature"), n("BasicFederatedQuery")))
    formats = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
               "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N3", "TriG", "N-Quads"]  # fmt: skip
    for f in formats:
        out.append(ox.Triple(svc, n("resultFormat"), ox.NamedNode(f"http://www.w3.org/ns/formats/{f}")))
    return out


def sparql_router(
    store: Store,
    settings: Settings,
    *,
    queries: Path | None = None,
    max_concurrent: int | None = None,
    processes: bool | None = None,
) -> APIRouter:
    """/sparql (SPARQL 1.1 Protocol), /queries (saved queries) and /query (the page) over ``store``.

    ``processes``: run queries in worker processes (the default for an on-disk Oxigraph store, the
    only kind they can share); False runs them in threads (benchmarks compare the two).
    """
    slots = max_concurrent or settings.query_workers or max(6, 2 * (os.cpu_count() or 2) + 2)
    # a flag, not the pyoxigraph handle: nothing here may keep the database open after store.close()
    embedded = isinstance(getattr(store, "raw", None), ox.Store)
    on_disk = embedded and store.location != ":memory:" and Path(store.location).is_dir()
    pool = None
    if on_disk and processes is not False:
        try:
            pool = ProcessPool(store, store.location, slots, long_slots=settings.long_queries,
                               long_after=settings.long_query_after or None)  # fmt: skip
        except (OSError, ValueError) as e:  # a read-only folder, no fork server on this platform
            log.warning("SPARQL queries run in threads (no worker processes: %s)", e)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        if pool is not None:  # workers stopped and snapshots removed when the server stops
            pool.close()

    router = APIRouter(tags=["SPARQL"], lifespan=lifespan)
    runner = Runner(slots, free_at_deadline=not embedded)
    saved = load_queries(queries or queries_dir())
    router.runner = runner  # type: ignore[attr-defined]  # for tests and the app's health report
    router.pool = pool  # type: ignore[attr-defined]

    async def run_job(job: Job) -> Reply:
        timeout = settings.query_timeout
        if pool is None or pool.broken:
            try:
                return await runner.run(lambda cancel: execute(store, job, cancel), timeout)
            except (QueryError, NotAcceptable, StoreError, Cancelled) as e:
                status, detail = failure(e)
                raise HTTPException(status, detail) from None
        try:
            out = await pool.run(job, timeout, min(timeout or QUEUE_WAIT, QUEUE_WAIT))
        except Busy:
            raise _busy(pool.slots) from None
        except Timeout:
            raise HTTPException(503, _timeout_detail(timeout)) from None
        except Overloaded:
            raise HTTPException(
                503, f"this query ran past {pool.long_after} s while {pool.long_slots} long queries were already "
                "running; it was stopped: try again shortly", headers={"Retry-After": "10"},
            ) from None  # fmt: skip
        if out[0] == "err":
            raise HTTPException(out[1], out[2])
        reply: Reply = out[1]
        return reply

    async def answer(
        sparql: str,
        *,
        request: Request,
        formats: list[str],
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
    ) -> Response:
        if bindings:
            try:
                sparql = bind_values(sparql, bindings)
            except QueryError as e:
                raise HTTPException(400, str(e)) from e
        job = Job(
            sparql,
            default_graphs=tuple(default_graphs or ()),
            named_graphs=tuple(named_graphs or ()),
            base_iri=_endpoint(request),
            max_results=settings.max_results,
            accept=request.headers.get("accept"),
            formats=tuple(formats),
            allow=settings.service_allow,
        )
        reply = await run_job(job)
        headers = {"Vary": "Accept"}
        if reply.truncated:
            headers["X-KG-Truncated"] = "true"
            headers["X-KG-Max-Results"] = str(settings.max_results)
        return Response(reply.body, media_type=reply.media, headers=headers)

    async def run_update(update: str, request: Request, pairs: list[tuple[str, str]]) -> Response:
        require_write_token(settings, request.headers.get("authorization"))  # 403 read-only, 401 no/wrong token
        using = [v for k, v in pairs if k == "using-graph-uri"]
        using_named = [v for k, v in pairs if k == "using-named-graph-uri"]
        base = _endpoint(request)

        def work(_cancel: threading.Event) -> None:
            text = with_using(update, using, using_named)
            check_update(text, allow=settings.service_allow, base=base)
            if embedded:
                store.update(text, base_iri=base)  # type: ignore[call-arg]
            else:
                store.update(text)

        try:
            await runner.run(work, None)  # transactions are never cut off
        except QueryError as e:
            raise HTTPException(403 if isinstance(e, RemoteRefused) else 400, str(e)) from e
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

    def formats_of(pairs: list[tuple[str, str]]) -> list[str]:
        return [v for k, v in pairs if k in ("format", "output", "results")]

    def describe(request: Request) -> Response:
        endpoint = _endpoint(request) or "urn:kg:sparql"
        ans = Answer("graph", triples=list(service_description(endpoint, settings)))
        offered = (("text/turtle", "ttl"), ("application/n-triples", "nt"), ("application/rdf+xml", "rdfxml"),
                   ("application/ld+json", "jsonld"), ("text/n3", "n3"), ("application/trig", "trig"),
                   ("text/plain", "nt"), ("application/json", "jsonld"), ("application/xml", "rdfxml"))  # fmt: skip
        fmt = negotiate(request.headers.get("accept"), offered)
        if fmt is None:
            raise HTTPException(406, f"the service description is offered as {', '.join(m for m, _ in offered)}")
        body, media = serialize(ans, fmt)
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    @router.get("/sparql", summary="SPARQL 1.1 query (GET)")
    async def sparql_get(request: Request) -> Response:
        """SPARQL 1.1 Protocol query via GET: ``?query=…`` plus optional ``default-graph-uri`` /
        ``named-graph-uri`` (repeatable) and ``format`` (json, xml, csv, tsv, ttl, nt, jsonld, rdfxml,
        n3, trig). Without a query: the service description."""
        pairs = list(request.query_params.multi_items())
        if one(pairs, "update") is not None:
            raise HTTPException(400, "SPARQL Update must be sent with POST")
        query = one(pairs, "query")
        if query is None:
            accept = request.headers.get("accept", "")
            if not pairs and "text/html" in accept:
                return RedirectResponse("query", status_code=303)  # a person with a browser
            return describe(request)
        if not query.strip():
            raise HTTPException(400, "empty 'query' parameter (SPARQL 1.1 Protocol); the query page is at /query")
        dg, ng = graphs(pairs)
        return await answer(query, request=request, formats=formats_of(pairs), default_graphs=dg, named_graphs=ng)

    router.add_api_route("/sparql", sparql_get, methods=["HEAD"], include_in_schema=False)

    @router.options("/sparql", include_in_schema=False)
    async def sparql_options() -> Response:
        return Response(status_code=204, headers={"Allow": _ALLOW})

    @router.post("/sparql", summary="SPARQL 1.1 query or update (POST)")
    async def sparql_post(request: Request) -> Response:
        """SPARQL 1.1 Protocol via POST: a form (``query=`` or ``update=``), or a body of type
        ``application/sparql-query`` / ``application/sparql-update``. Updates need the write token."""
        ctype = _content_type(request)
        url_pairs = list(request.query_params.multi_items())
        raw_body = await _body(request, settings.max_request_bytes)
        if ctype == _FORM:
            pairs = parse_qsl(_text(raw_body, "the form"), keep_blank_values=True) + url_pairs
            query, update = one(pairs, "query"), one(pairs, "update")
            if (query is None) == (update is None):
                raise HTTPException(400, "the form must carry exactly one of 'query' or 'update'")
            if update is not None:
                return await run_update(update, request, pairs)
            dg, ng = graphs(pairs)
            return await answer(
                query or "", request=request, formats=formats_of(pairs), default_graphs=dg, named_graphs=ng
            )
        if ctype == "application/sparql-query":
            dg, ng = graphs(url_pairs)
            return await answer(
                _text(raw_body, "the query"), request=request, formats=formats_of(url_pairs),
                default_graphs=dg, named_graphs=ng,
            )  # fmt: skip
        if ctype == "application/sparql-update":
            return await run_update(_text(raw_body, "the update"), request, url_pairs)
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
        formats = [v for k, v in pairs if k == "format"]
        return await answer(q.text, request=request, formats=formats, bindings=bindings)

    @router.get("/query", response_class=HTMLResponse, summary="The query page")
    async def query_page() -> HTMLResponse:
        """An offline page: pick a saved query or write SPARQL, see a table, download CSV or JSON."""
        return HTMLResponse(_static("query.html"), headers={"Content-Security-Policy": _PAGE_CSP})

    return router


__all__ = ["GRAPH_FORMATS", "GRAPH_MEDIA", "PREFIXES", "RESULT_MEDIA", "Answer", "Runner", "evaluate", "negotiate",
           "pick_format", "serialize", "service_description", "sparql_router"]  # fmt: skip
