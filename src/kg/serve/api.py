"""The REST API: who held what role, people, units, documents, awards, articles; ingest over HTTP.

``create_app(store, settings)`` builds a FastAPI app over one store (no global app). Routes are thin:
they validate parameters, call :class:`kg.api_queries.Catalog` and return the models of
:mod:`kg.catalog.records`. Errors have one shape, ``{"detail": …}``: 404 unknown ids, 422 bad parameters,
413 bodies over ``settings.max_request_bytes``, 401/403 writes without the token, and a 500 that says
"internal error" (the trace goes to the log, never to the client).

User input never becomes SPARQL text: values are bound as rdflib terms (see kg.catalog.catalog).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import pathlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, BeforeValidator, ValidationError
from rdflib import URIRef
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.catalog.catalog import SEGMENT, Catalog, segment_of
from kg.catalog.records import (
    ArticleBatchIn,
    ArticleGraph,
    ArticleIn,
    ArticleRef,
    AwardsPage,
    BatchFailure,
    BatchResult,
    DocsPage,
    DocumentProfile,
    Health,
    IngestResult,
    NewEntity,
    OrgProfile,
    OrgsPage,
    PeoplePage,
    PersonProfile,
    RolesPage,
    Stats,
)
from kg.config import Settings
from kg.errors import ArticleError, KgError, QueryError, StoreError
from kg.models import Article, ArticleFacts
from kg.serve.auth import is_authorized, require_write_token
from kg.serve.openapi_errors import AllowedMethods
from kg.serve.openapi_errors import install as install_error_docs
from kg.serve.pages import PageNegotiation, found, pages_router
from kg.store import Store

T = TypeVar("T")

log = logging.getLogger("kg.serve.api")


class _ArticleId(Convertor[str]):
    """An article id in a path: one segment, never "batch" (``/articles/batch`` is the batch ingest,
    and a GET route that also matched it would advertise GET there)."""

    regex = r"(?!batch$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("article_id", _ArticleId())

Extractor = Callable[[Article], ArticleFacts]
DATE = r"^\d{4}-\d{2}-\d{2}$"

DESCRIPTION = """
Who held which role, in which unit, when — read from Vietnamese news articles, with the sentence
that says so. Ids in paths are the last segment of an entity's IRI
(`https://w3id.org/kg-vn/id/person/{id}`). Errors are always `{"detail": …}`.

Every person, unit, document and article also has a page for a reader: the same path with `.html`
(`/people/{id}.html`), or with `Accept: text/html`. Also served: `/sparql` (SPARQL 1.1 protocol),
`/query` (a query page) and `/graph` (the network); every IRI they show links to its page.
"""

# ---------------------------------------------------------------- parameter docs (Vietnamese examples)


def _ex(**values: str) -> dict[str, Any]:
    return {k: {"summary": v, "value": v} for k, v in values.items()}


TitleQ = Annotated[str | None, Query(
    max_length=200,
    description="The post, normalised ('Hiệu trưởng', 'Phó Bí thư') or as written ('Phó Bí thư Đảng ủy'). "
    "Omit (or leave empty) for every post of the unit or person.",
    openapi_examples=_ex(hieu_truong="Hiệu trưởng", bi_thu="Bí thư", pho_bi_thu="Phó Bí thư Đảng ủy"),
)]  # fmt: skip
OrgQ = Annotated[str | None, Query(
    max_length=300,
    description="The unit: its id (IRI segment) or its name or alias, any case or tone placement. Matches the "
    "unit and its party organisations (its Đảng bộ, Đảng ủy); with include_subunits also the units below it.",
    openapi_examples=_ex(truong="Trường Đại học Công nghệ", dang_uy="Đảng ủy Trường Đại học Công nghệ"),
)]  # fmt: skip
PersonQ = Annotated[str | None, Query(
    max_length=200, description="Only this person's holdings: id (IRI segment) or name (namesakes: all of them).",
    openapi_examples=_ex(ten="Nguyễn Đình Đức"),
)]  # fmt: skip
AtQ = Annotated[str | None, Query(
    max_length=10, description="A date (YYYY-MM-DD): only holdings in force then. Omit (or leave empty) for 'ever'.",
    openapi_examples=_ex(ngay="2024-01-12"),
)]  # fmt: skip


def _plain_int(value: object) -> object:
    """A query-string integer is digits only: pydantic's lax int would take " 6" or "\\r6"."""
    if isinstance(value, str) and not (value.isascii() and value.lstrip("-").isdigit()):
        raise ValueError("an integer (digits only) is required")
    return value


Limit = Annotated[int, Query(ge=1, le=500, description="Page size."), BeforeValidator(_plain_int)]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip."), BeforeValidator(_plain_int)]
NameQ = Annotated[str | None, Query(
    max_length=200,
    description="Search text; case, diacritics and tone placement are ignored ('nguyen dinh duc', 'Hoà' = 'Hòa').",
    openapi_examples=_ex(khong_dau="nguyen dinh duc", co_dau="Nguyễn Đình Đức", dau_cu="Thuý Hoà"),
)]  # fmt: skip
OrgNameQ = Annotated[str | None, Query(
    max_length=200, description="Unit name or alias, folded like /people. Omit to browse every unit by name.",
    openapi_examples=_ex(truong="truong dai hoc cong nghe", viet_tat="ĐHQGHN"),
)]  # fmt: skip
DocQ = Annotated[str | None, Query(
    max_length=200, description="Document number or name ('57-NQ/TW', 'Nghị quyết 57'). Omit to browse them all.",
    openapi_examples=_ex(so="57-NQ/TW", ten="Kết luận 01"),
)]  # fmt: skip
SegmentP = Annotated[str, Path(pattern=SEGMENT, description="The entity's IRI after id/{kind}/, e.g. nguyen-van-a-3f9a01bc2d.")]


# ---------------------------------------------------------------- request body limit


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _send_json(send, 413, f"request body over {self.max_bytes} bytes")
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    # An HTTPException passes FastAPI's body parsing untouched and becomes a 413.
                    raise HTTPException(413, f"request body over {self.max_bytes} bytes")
            return msg

        await self.app(scope, limited, send)


async def _send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AfterSparqlWrite:
    """After an authorised SPARQL Update that succeeded (204), rebuild the name index and drop cached
    answers (the SPARQL router writes to the store behind the API's back), and write the audit line.
    Anonymous or wrongly authorised requests, and queries, change nothing here."""

    def __init__(self, app: ASGIApp, on_write: Callable[[], None], settings: Settings, audit: AuditLog) -> None:
        self.app = app
        self.on_write = on_write
        self.settings = settings
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/sparql"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if not is_authorized(self.settings, headers.get(b"authorization", b"").decode("latin-1")):
            await self.app(scope, receive, send)
            return
        status = 500
        body = bytearray()  # bounded by BodyLimit (outside this middleware)

        async def keep() -> Message:
            msg = await receive()
            if msg["type"] == "http.request":
                body.extend(msg.get("body", b""))
            return msg

        async def watch(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
            await send(msg)

        await self.app(scope, keep, watch)
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        update = _update_text(ctype, bytes(body))
        if update is None:
            return  # a query: nothing written
        if status == 204:
            await run_in_threadpool(self.on_write)
        self.audit.write(scope, "sparql-update", status, **await run_in_threadpool(describe_update, update))


def _update_text(ctype: bytes, body: bytes) -> str | None:
    """The SPARQL Update of a POST /sparql body, or None for a query."""
    text = body.decode("utf-8", "replace")
    if ctype == b"application/sparql-update":
        return text
    if ctype == b"application/x-www-form-urlencoded":
        updates = [v for k, v in parse_qsl(text, keep_blank_values=True) if k == "update"]
        return updates[0] if updates else None
    return None


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy`` on every
    answer, and a Content-Security-Policy where the route set none: nothing may load for JSON and
    other data; HTML pages (which set their own, or /docs) may not be framed."""

    FIXED = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
             (b"referrer-policy", b"no-referrer")]  # fmt: skip
    DATA_CSP = b"default-src 'none'; frame-ancestors 'none'"
    PAGE_CSP = b"frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = list(msg.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.FIXED if k not in names]
                if b"content-security-policy" not in names:
                    ctype = dict(headers).get(b"content-type", b"")
                    headers.append((b"content-security-policy",
                                    self.PAGE_CSP if ctype.startswith(b"text/html") else self.DATA_CSP))  # fmt: skip
                msg = {**msg, "headers": headers}
            await send(msg)

        await self.app(scope, receive, add)


# ---------------------------------------------------------------- audit log


PARSE_LIMIT = 200_000  # characters: longer updates are audited with operations unknown
DESTRUCTIVE = {"DropAll", "ClearAll", "DropNamed", "ClearNamed", "DropDefault", "ClearDefault"}


def describe_update(update: str) -> dict[str, Any]:
    """What an update does, for the audit log: its operations as rdflib reads them (``destructive``
    when it drops or clears ALL, NAMED or DEFAULT; None when rdflib cannot read it), its size and
    hash, and its first 2,000 characters."""
    ops: list[str] | None = None
    try:
        from rdflib.plugins.sparql.parser import parseUpdate

        if len(update) > PARSE_LIMIT:
            raise ValueError("too long to classify")
        ops = []
        for op in parseUpdate(update).get("request", []):
            name = op.name
            target = op.get("graphiri")
            if name in ("Drop", "Clear") and isinstance(target, str) and target.lower() in ("all", "named", "default"):
                name += target.capitalize()
            ops.append(name)
    except Exception:  # noqa: BLE001 - any text may arrive; the store's parser is the judge
        ops = None
    return {
        "operations": ops,
        "destructive": None if ops is None else bool(DESTRUCTIVE & set(ops)),
        "bytes": len(update.encode("utf-8")),
        "sha256": hashlib.sha256(update.encode("utf-8")).hexdigest(),
        "text": update[:2000],
    }


class AuditLog:
    """One JSON line per authorised write (when, who, what, status) appended to ``path``; always also
    to the ``kg.audit`` logger (a warning for destructive updates). ``path`` None: the logger only."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.log = logging.getLogger("kg.audit")

    @classmethod
    def for_store(cls, store: Store, setting: str | None) -> AuditLog:
        if setting == "-":
            return cls(None)
        if setting:
            return cls(setting)
        folder = store.location
        return cls(os.path.join(folder, "audit.jsonl") if os.path.isdir(folder) else None)

    def write(self, scope: Scope, action: str, status: int, **what: Any) -> None:
        client = scope.get("client")
        headers = dict(scope.get("headers") or [])
        entry = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "action": action,
            "status": status,
            "client": f"{client[0]}:{client[1]}" if client else None,
            "user_agent": headers.get(b"user-agent", b"").decode("latin-1")[:200] or None,
            **what,
        }
        line = json.dumps(entry, ensure_ascii=False)
        level = logging.WARNING if what.get("destructive") else logging.INFO
        self.log.log(level, "write: %s", line)
        if self.path is None:
            return
        try:
            with self._lock, open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as e:
            log.error("cannot write the audit log %s: %s", self.path, e)


# ---------------------------------------------------------------- answers cache


class AnswerCache:
    """Recent JSON answers by request, at most ``entries`` of them and ``max_bytes`` in all (least
    recently used dropped first), all dropped on every write.

    One computation per key: concurrent requests for the same answer await the first one's
    (:meth:`answer`) instead of each asking the store. A generation counter keeps an answer computed
    before a write from being stored, or handed to a request that came after it.
    """

    def __init__(self, entries: int, max_bytes: int = 64_000_000) -> None:
        self.size = entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.generation = 0
        self._data: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[tuple[Any, ...], asyncio.Future[bytes]] = {}  # event loop only
        self.computed = 0  # how many answers were computed (tests, benchmarks)

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
            return hit

    def put(self, key: tuple[Any, ...], value: bytes, generation: int) -> None:
        if self.size <= 0 or len(value) > self.max_bytes // 4:
            return  # one answer may not take over the cache
        with self._lock:
            if generation != self.generation:
                return
            old = self._data.pop(key, None)
            self.bytes -= len(old) if old is not None else 0
            self._data[key] = value
            self.bytes += len(value)
            while len(self._data) > self.size or self.bytes > self.max_bytes:
                _, dropped = self._data.popitem(last=False)
                self.bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._data.clear()
            self.bytes = 0

    async def answer(self, key: tuple[Any, ...], compute: Callable[[], bytes]) -> bytes:
        """The cached answer, else the one being computed for the same key, else compute it (in a
        worker thread; a client that goes away does not stop it for the others)."""
        hit = self.get(key)
        if hit is not None:
            return hit
        generation = self.generation
        flight = (id(asyncio.get_running_loop()), generation, *key)  # a future belongs to one loop
        fut = self._inflight.get(flight)
        if fut is None:

            def work() -> bytes:
                self.computed += 1
                body = compute()
                self.put(key, body, generation)
                return body

            fut = asyncio.ensure_future(run_in_threadpool(work))
            self._inflight[flight] = fut
            fut.add_done_callback(lambda f: (self._inflight.pop(flight, None), f.cancelled() or f.exception()))
        return await asyncio.shield(fut)


# ---------------------------------------------------------------- ingest


class Writer:
    """POST /articles: kg.pipeline.build_article, one-transaction write_batch, derive; one write at a time."""

    def __init__(self, store: Store, catalog: Catalog, cache: AnswerCache, extractor: Extractor | None) -> None:
        self.store = store
        self.catalog = catalog
        self.cache = cache
        self.extractor = extractor
        self.lock = threading.Lock()

    def refresh_all(self) -> None:
        with self.lock:
            self.catalog.refresh(None)
            self.cache.clear()

    def ingest(self, article: Article) -> IngestResult:
        from kg.ids import article_iri
        from kg.pipeline import build_article, finish_derive, write_batch
        from kg.vocab import DERIVED_GRAPH

        built = build_article(article, self.extractor)
        counts, entities = _extracted(built.nquads)
        with self.lock:
            replaced = self.catalog.triple_count(URIRef(built.graph)) > 0
            new = [e for e in entities if not self.catalog.exists(URIRef(e.iri))]
            # one transaction: the article whole, and the derive-pending marker that a crash inside
            # derive leaves behind for the next run (kg serve / kg ingest) to finish
            write_batch(self.store, [built], mark_pending=True)
            finish_derive(self.store)
            # a replaced article may have dropped entities: rebuild; a new one only adds
            self.catalog.refresh(None if replaced else [built.graph, str(DERIVED_GRAPH)])
            self.cache.clear()
        iri = str(article_iri(article.id))
        # as stored: the pipeline may have read the publication date from the text
        ref = self.catalog.articles([URIRef(iri)]).get(iri)
        if ref is None or ref.title is None:
            ref = ArticleRef(id=article.id, iri=iri, title=article.title, published=article.published, url=article.url)
        return IngestResult(article=ref, graph=built.graph, triples=built.triples, replaced=replaced,
                            counts=counts, new_entities=new)  # fmt: skip

    def ingest_batch(self, articles: list[Article], *, derive: bool, force: bool) -> BatchResult:
        """Many articles, unchanged ones skipped, one transaction; derive once (if ``derive``)."""
        from kg.pipeline import ingest_articles

        with self.lock:
            r = ingest_articles(articles, self.store, force=force, extract=self.extractor, derive_after=derive)
            derived = r.timings["derive"] > 0
            if r.ingested or derived:
                self.catalog.refresh(None)
                self.cache.clear()
        return BatchResult(ingested=r.ingested, unchanged=r.unchanged, triples=r.triples, derived=derived,
                           failed=[BatchFailure(id=i, reason=why) for i, why in r.failed])  # fmt: skip


def _extracted(nquads: str) -> tuple[dict[str, int], list[NewEntity]]:
    """Counts per kind, and the entities (people, units, documents, awards, events), of a built graph."""
    import pyoxigraph as ox

    from kg.vocab import KG

    counted = {str(KG.Person): "people", str(KG.Organization): "organizations",
               str(KG.RoleHolding): "role_holdings", str(KG.Document): "documents",
               str(KG.Citation): "citations", str(KG.AwardConferral): "awards", str(KG.Event): "events"}  # fmt: skip
    entity = {str(KG.Person): "person", str(KG.Organization): "organization", str(KG.Document): "document",
              str(KG.Award): "award", str(KG.Event): "event"}  # fmt: skip
    rdf_type, label = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://www.w3.org/2000/01/rdf-schema#label"
    counts = dict.fromkeys(counted.values(), 0)
    kinds: dict[str, str] = {}
    labels: dict[str, str] = {}
    for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        s, p, o = q.subject.value, q.predicate.value, q.object.value
        if p == rdf_type:
            if o in counted:
                counts[counted[o]] += 1
            if o in entity:
                kinds[s] = entity[o]
        elif p == label:
            labels.setdefault(s, o)
    order = list(entity.values())
    found = sorted(kinds.items(), key=lambda kv: (order.index(kv[1]), labels.get(kv[0], ""), kv[0]))
    return counts, [NewEntity(kind=k, iri=i, label=labels.get(i)) for i, k in found]


def _read_html(html: str) -> tuple[str, str | None, str | None]:
    """A web page's main text, canonical URL and date: what ``kg ingest`` reads from a .html file."""
    from kg.read.ingest import main_text

    try:
        page = main_text(html)
    except ArticleError as e:
        raise HTTPException(422, f"no article text found in the HTML ({e})") from e
    return page.text, page.url, page.published


def _inline_schema(model: type[Any]) -> dict[str, Any]:
    """A model's JSON schema with its nested models written in place (no "$defs" the OpenAPI document
    would not have)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(defs[ref.rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HTTPException(422, f"body is not UTF-8 (byte {e.start})") from e


INGEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ArticleIn.model_json_schema()},
            "text/plain": {"schema": {"type": "string"}, "example": "Hội nghị tổng kết năm 2023\nNgày 12/01/2024, …"},
            "text/html": {"schema": {"type": "string"}, "example": "<html><body><article><h1>…</h1><p>…</p></article></body></html>"},
        },
    }
}  # fmt: skip


# ---------------------------------------------------------------- the app


def create_app(
    store: Store,
    settings: Settings | None = None,
    *,
    extractor: Extractor | None = None,
    cache_size: int | None = None,
) -> FastAPI:
    """The API over ``store``.

    ``extractor`` replaces the default extractor (tests, other extractors); ``cache_size`` is how many
    /roles answers are kept until the next write (default ``settings.cache_entries``; 0: none).
    """
    settings = settings or Settings.from_env()
    catalog = Catalog(store)
    cache = AnswerCache(settings.cache_entries if cache_size is None else cache_size, settings.cache_bytes)
    audit = AuditLog.for_store(store, settings.audit_log)
    writer = Writer(store, catalog, cache, extractor)
    # /docs and /redoc with Swagger UI and ReDoc served from the installed fastapi-offline package
    # (under /static-offline-docs), not from a CDN: the pages work offline and ask no other host.
    app = FastAPIOffline(
        swagger_ui_parameters={"validatorUrl": None},  # no badge image from the online validator
        redoc_url=None,  # our own /redoc below: the package's ReDoc bundle loads a logo from a CDN
        title="kg — Vietnamese people, units and directives",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=[
            {"name": "roles", "description": "Ai giữ chức vụ gì — who held which post, when, with evidence."},
            {"name": "entities", "description": "People, units and documents."},
            {"name": "articles", "description": "Articles: their facts, and ingest."},
            {"name": "service", "description": "Health and statistics."},
        ],
    )
    app.state.catalog = catalog
    app.state.cache = cache
    app.state.audit = audit
    app.state.settings = settings

    @app.exception_handler(QueryError)
    async def _query_error(request: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes the input and fails (500) on a body that isn't UTF-8
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.error("store error on %s: %s", request.url.path, exc)
        return JSONResponse({"detail": "the store is unavailable"}, status_code=503)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        # the client left (or was cut off at KG_BODY_TIMEOUT) while sending its body: nobody reads this
        log.info("client left during %s %s", request.method, request.url.path)
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    app.add_middleware(AfterSparqlWrite, on_write=writer.refresh_all, settings=settings, audit=audit)
    app.add_middleware(PageNegotiation)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AllowedMethods, api=app)
    install_error_docs(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )

    app.include_router(pages_router(catalog))  # before the JSON routes: /people/{id}.html is a page
    sparql_mounted = False
    try:
        from kg.serve.sparql import sparql_router
    except ImportError as e:
        log.warning("SPARQL endpoint not mounted (kg.serve.sparql unavailable: %s)", e)
    else:
        app.include_router(sparql_router(store, settings))
        sparql_mounted = True

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/query" if sparql_mounted else "/docs")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - ReDoc",
                              redoc_js_url=REDOC_JS_URL, redoc_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
                              with_google_fonts=False)  # fmt: skip

    @app.get(REDOC_JS_URL, include_in_schema=False)
    def redoc_js() -> Response:
        return Response(_redoc_bundle(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip

    @app.get("/healthz", response_model=Health, tags=["service"], summary="Liveness and store check")
    def healthz() -> Health:
        store.query("ASK { ?s ?p ?o }")
        return Health(status="ok", store=store.location, writable=bool(settings.write_token))

    @app.get("/stats", response_model=Stats, tags=["service"], summary="Counts of entities per class")
    def stats() -> Stats:
        return catalog.stats()

    @app.get("/roles", response_model=RolesPage, tags=["roles"], summary="Ai giữ chức vụ — who held a post")
    async def roles(title: TitleQ = None, organization: OrgQ = None, person: PersonQ = None, at: AtQ = None,
              include_subunits: Annotated[bool, Query(description="Also holdings at units below the unit.")] = False,
              limit: Limit = 50, offset: Offset = 0) -> Response:  # fmt: skip
        """Who held `title` (any post when omitted) at `organization` and / or as `person`, on the date
        `at` or ever: per holding the person, the unit it is at (and how that unit relates to the one
        asked for), as-of / first-seen / last-seen dates, whether and by when it ended, and the
        evidence (article, date, sentence with offsets). Oldest first. Empty parameters are ignored;
        at least one of title, organization and person is needed."""
        title, organization, person, at = (_given(x) for x in (title, organization, person, at))
        if title is None and organization is None and person is None:
            raise HTTPException(422, "give at least one of title, organization, person")
        _check_date(at)
        key = ("roles", title, organization, person, at, include_subunits, limit, offset)

        def compute() -> bytes:
            return catalog.roles_json(title=title, organization=organization, at=at, limit=limit, offset=offset,
                                      person=person, include_subunits=include_subunits)  # fmt: skip

        body = await cache.answer(key, compute)
        return Response(body, media_type="application/json")

    def profile_route(kind: str, path: str, model: type[BaseModel], summary: str, description: str) -> None:
        """GET ``path``: the record of the ``kind`` whose id it names (``Catalog.profile``), else 404."""

        def view(id: SegmentP) -> Any:
            return found(catalog.profile(kind, id), kind, id)

        app.add_api_route(path, view, methods=["GET"], name=kind, response_model=model, tags=["entities"],
                          summary=summary, description=description)  # fmt: skip

    @app.get("/people", response_model=PeoplePage, tags=["entities"], summary="Tìm người — search people")
    def people(q: NameQ = None, limit: Limit = 20, offset: Offset = 0) -> PeoplePage:
        """Ranked: exact name > prefix > every word present; diacritics, case and tone placement ignored.
        Without `q`, every person by name (paged). Each hit lists up to 5 current posts."""
        total, items = catalog.people_page(_given(q), limit, offset)
        return PeoplePage(total=total, limit=limit, offset=offset, items=items)

    profile_route("person", "/people/{id:path}", PersonProfile, "A person's profile",
                  "All role holdings over time (with evidence), awards, events, articles, possible namesakes.")

    @app.get("/organizations", response_model=OrgsPage, tags=["entities"], summary="Tìm đơn vị — search units")
    def organizations(q: OrgNameQ = None, limit: Limit = 20, offset: Offset = 0) -> OrgsPage:
        """Ranked like /people; without `q`, every unit by name (paged)."""
        total, items = catalog.orgs_page(_given(q), limit, offset)
        return OrgsPage(total=total, limit=limit, offset=offset, items=items)

    profile_route("organization", "/organizations/{id:path}", OrgProfile, "A unit's profile",
                  "Kind, aliases, parent and sub-units, party cells, officers over time, awards, documents.")

    @app.get("/documents", response_model=DocsPage, tags=["entities"], summary="Tìm văn bản — search documents")
    def documents(q: DocQ = None, limit: Limit = 20, offset: Offset = 0) -> DocsPage:
        """Ranked like /people; without `q`, every document by name (paged)."""
        total, items = catalog.docs_page(_given(q), limit, offset)
        return DocsPage(total=total, limit=limit, offset=offset, items=items)

    profile_route("document", "/documents/{id:path}", DocumentProfile, "A document",
                  "Number, kind, issuer, date, term, and who cites it when (with the sentence).")

    @app.get("/awards", response_model=AwardsPage, tags=["entities"], summary="Khen thưởng — awards")
    def awards(
        kind: Annotated[str | None, Query(max_length=100, openapi_examples=_ex(hc="Huân chương", bk="Bằng khen"))] = None,
        award_class: Annotated[str | None, Query(alias="class", max_length=50,
                                                 openapi_examples=_ex(nhi="hạng Nhì"))] = None,
        year: Annotated[int | None, Query(ge=1900, le=2100), BeforeValidator(_plain_int)] = None,
        recipient: Annotated[str | None, Query(min_length=1, max_length=300, description="Person or unit: id or name.",
                                               openapi_examples=_ex(truong="Trường Đại học Công nghệ"))] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> AwardsPage:  # fmt: skip
        total, items = catalog.awards(kind=kind, award_class=award_class, year=year, recipient=recipient,
                                      limit=limit, offset=offset)  # fmt: skip
        return AwardsPage(total=total, limit=limit, offset=offset, items=items)

    @app.get("/articles/{id:article_id}", response_model=ArticleGraph, tags=["articles"], summary="One article's facts")
    def article(id: Annotated[str, Path(min_length=1, max_length=200)]) -> ArticleGraph:
        """The triples of the article's named graph. `id` is the article's own id or its IRI's segment."""
        return found(catalog.article_by_id(id), "article", id)

    async def audited(request: Request, action: str, status: int, work: Callable[[], T],
                      failed: dict[str, Any], done: Callable[[T], dict[str, Any]]) -> T:  # fmt: skip
        """``work()`` in a thread, with one audit line whatever happens: ``failed`` and the error's
        status if it raises, ``done(result)`` and ``status`` if not."""
        try:
            result = await run_in_threadpool(work)
        except Exception as e:
            audit.write(request.scope, action, getattr(e, "status_code", 500), **failed)
            raise
        audit.write(request.scope, action, status, **done(result))
        return result

    @app.post("/articles", response_model=IngestResult, status_code=201, tags=["articles"],
              summary="Ingest one article (needs the write token)", openapi_extra=INGEST_BODY)  # fmt: skip
    async def post_article(
        request: Request,
        id: Annotated[str | None, Query(min_length=1, max_length=200, description="For text/plain and text/html.")] = None,
        url: Annotated[str | None, Query(max_length=2000)] = None,
        published: Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] = None,
    ) -> IngestResult:  # fmt: skip
        """JSON `{"id", "text", "url"?, "published"?}`, or `text/plain` / `text/html` with `?id=`.
        HTML is reduced to its main text. Re-posting an id replaces that article. Needs
        `Authorization: Bearer $KG_WRITE_TOKEN`; without a configured token the server is read-only."""
        require_write_token(settings, request.headers.get("authorization"))
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if ctype == "application/json":
            try:
                doc = ArticleIn.model_validate_json(body)
            except ValidationError as e:
                raise RequestValidationError(e.errors(include_url=False, include_context=False)) from e
            aid, text, url, published = doc.id, doc.text, doc.url, doc.published
        elif ctype in ("text/plain", "text/html"):
            if not id:
                raise HTTPException(422, "give the article's id as ?id= for text/plain and text/html bodies")
            aid, text = id, _decode(body)
            if ctype == "text/html":  # the page's canonical URL and date, unless given as parameters
                text, page_url, page_date = await run_in_threadpool(_read_html, text)
                url, published = url or page_url, published or page_date
        else:
            raise HTTPException(415, "send application/json, text/plain or text/html")
        _check_date(published if published and len(published) == 10 else None)
        from kg.read.ingest import article_from_text

        try:
            art = article_from_text(aid, text, url=url, published=published,
                                    conversions=("html",) if ctype == "text/html" else ())  # fmt: skip
        except ArticleError as e:
            raise HTTPException(422, str(e)) from e
        return await audited(
            request, "post-article", 201, lambda: writer.ingest(art), {"article": art.id},
            lambda r: {"article": art.id, "graph": r.graph, "triples": r.triples, "replaced": r.replaced},
        )  # fmt: skip

    @app.post("/articles/batch", response_model=BatchResult, tags=["articles"],
              summary="Ingest many articles, derive once (needs the write token)",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": _inline_schema(ArticleBatchIn)}}}})  # fmt: skip
    async def post_articles(request: Request) -> BatchResult:
        """Articles whose text the store already holds are skipped (unless `force`); the rest are
        written in one transaction and the derived graph is rebuilt once — or, with `derive: false`,
        left marked as pending until a later batch with `derive: true` (which may be empty). `kg
        ingest` uses this while `kg serve` holds the store."""
        require_write_token(settings, request.headers.get("authorization"))  # before reading the body
        try:
            batch = ArticleBatchIn.model_validate_json(await request.body())
        except ValidationError as e:
            raise RequestValidationError(e.errors(include_url=False, include_context=False)) from e
        from kg.read.ingest import article_from_text

        arts, bad = [], []
        for doc in batch.articles:
            try:
                _check_date(doc.published if doc.published and len(doc.published) == 10 else None)
                arts.append(article_from_text(doc.id, doc.text, url=doc.url, published=doc.published))
            except ArticleError as e:
                bad.append(BatchFailure(id=doc.id, reason=str(e)))
            except HTTPException as e:
                bad.append(BatchFailure(id=doc.id, reason=str(e.detail)))
        result = await audited(
            request, "post-articles-batch", 200, lambda: writer.ingest_batch(arts, derive=batch.derive, force=batch.force),
            {"articles": len(arts)},
            lambda r: {"ingested": r.ingested, "unchanged": r.unchanged, "derived": r.derived,
                       "articles": [a.id for a in arts][:100]},
        )  # fmt: skip
        result.failed[:0] = bad
        return result

    @app.get("/graph", response_class=HTMLResponse, tags=["service"], summary="The network, as an HTML page")
    def graph(
        focus: Annotated[str | None, Query(max_length=300, description="Centre on a name or IRI.",
                                           openapi_examples=_ex(nguoi="Nguyễn Đình Đức"))] = None,
        depth: Annotated[int, Query(ge=0, le=4)] = 2,
        at: AtQ = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1500,
    ) -> HTMLResponse:  # fmt: skip
        _check_date(at)
        from kg.viz.page import render_page  # imported here: the page's assets load on first use

        try:
            html = render_page(store, focus=focus, depth=depth, at=at, limit=limit, names=catalog.ix,
                               pages=True)
        except QueryError as e:
            raise HTTPException(400, str(e)) from e
        except KgError as e:
            if isinstance(e, StoreError):
                raise
            raise HTTPException(404, str(e)) from e
        return HTMLResponse(html)

    return app


DOCS_ASSETS_URL = "/static-offline-docs"  # where fastapi-offline mounts its Swagger UI and ReDoc files
REDOC_JS_URL = "/docs-assets/redoc.standalone.js"
_REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.lru_cache(maxsize=1)
def _redoc_bundle() -> bytes:
    """fastapi-offline's ReDoc bundle, its one remote resource (the sidebar's logo) pointed at our favicon."""
    import fastapi_offline

    js = (pathlib.Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js").read_bytes()
    return js.replace(_REDOC_LOGO, f"{DOCS_ASSETS_URL}/favicon.png".encode())


def _given(value: str | None) -> str | None:
    """An optional parameter left empty (``?at=``) counts as not given."""
    return value if value is not None and value.strip() else None


def _check_date(value: str | None) -> None:
    if value is None:
        return
    if not re.fullmatch(DATE, value):
        raise HTTPException(422, f"not a date (YYYY-MM-DD): {value[:20]!r}")
    try:
        dt.date.fromisoformat(value)
    except ValueError as e:
        raise HTTPException(422, f"not a calendar date: {value!r}") from e


__all__ = ["create_app", "segment_of"]
