"""The REST API: who held what role, people, units, documents, awards, articles; ingest over HTTP.

``create_app(store, settings)`` builds a FastAPI app over one store (no global app). Routes are thin:
they validate parameters, call :class:`kg.api_queries.Catalog` and return the models of
:mod:`kg.api_models`. Errors have one shape, ``{"detail": …}``: 404 unknown ids, 422 bad parameters,
413 bodies over ``settings.max_request_bytes``, 401/403 writes without the token, and a 500 that says
"internal error" (the trace goes to the log, never to the client).

User input never becomes SPARQL text: values are bound as rdflib terms (see kg.api_queries).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from rdflib import URIRef
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.api_models import (
    ArticleGraph,
    ArticleIn,
    ArticleRef,
    AwardsPage,
    DocsPage,
    DocumentProfile,
    Health,
    IngestResult,
    OrgProfile,
    OrgsPage,
    PeoplePage,
    PersonProfile,
    RolesPage,
    Stats,
)
from kg.api_queries import SEGMENT, Catalog, article_graph_for, iri_of, segment_of
from kg.config import Settings
from kg.errors import ArticleError, KgError, QueryError, StoreError
from kg.models import Article, ArticleFacts
from kg.pages import PageNegotiation, pages_router
from kg.store import Store

log = logging.getLogger("kg.api")

Extractor = Callable[[Article], ArticleFacts]
DATE = r"^\d{4}-\d{2}-\d{2}$"

DESCRIPTION = """
Who held which role, in which unit, when — read from Vietnamese news articles, with the sentence
that says so. Ids in paths are the last segment of an entity's IRI
(`https://w3id.org/kg-vn/id/person/{id}`). Errors are always `{"detail": …}`.

Also served: `/sparql` (SPARQL 1.1 protocol), `/query` (a query page) and `/graph` (the network).
"""

# ---------------------------------------------------------------- parameter docs (Vietnamese examples)


def _ex(**values: str) -> dict[str, Any]:
    return {k: {"summary": v, "value": v} for k, v in values.items()}


TitleQ = Annotated[str, Query(
    min_length=1, max_length=200,
    description="The post, normalised ('Hiệu trưởng', 'Phó Bí thư') or as written ('Phó Bí thư Đảng ủy').",
    openapi_examples=_ex(hieu_truong="Hiệu trưởng", bi_thu="Bí thư", pho_bi_thu="Phó Bí thư Đảng ủy"),
)]  # fmt: skip
OrgQ = Annotated[str | None, Query(
    min_length=1, max_length=300,
    description="The unit: its id (IRI segment) or its name or alias, any case or tone placement.",
    openapi_examples=_ex(truong="Trường Đại học Công nghệ", dang_uy="Đảng ủy Trường Đại học Công nghệ"),
)]  # fmt: skip
AtQ = Annotated[str | None, Query(
    pattern=DATE, description="A date (YYYY-MM-DD): only holdings in force then. Omit for 'ever'.",
    openapi_examples=_ex(ngay="2024-01-12"),
)]  # fmt: skip
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
NameQ = Annotated[str, Query(
    min_length=1, max_length=200,
    description="Search text; case, diacritics and tone placement are ignored ('nguyen dinh duc', 'Hoà' = 'Hòa').",
    openapi_examples=_ex(khong_dau="nguyen dinh duc", co_dau="Nguyễn Đình Đức", dau_cu="Thuý Hoà"),
)]  # fmt: skip
OrgNameQ = Annotated[str, Query(
    min_length=1, max_length=200, description="Unit name or alias, folded like /people.",
    openapi_examples=_ex(truong="truong dai hoc cong nghe", viet_tat="ĐHQGHN"),
)]  # fmt: skip
DocQ = Annotated[str, Query(
    min_length=1, max_length=200, description="Document number or name ('57-NQ/TW', 'Nghị quyết 57').",
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
    """After an authorised POST /sparql that succeeded (possibly a SPARQL Update), rebuild the name
    index and drop cached answers: the SPARQL router writes to the store behind the API's back."""

    def __init__(self, app: ASGIApp, on_write: Callable[[], None]) -> None:
        self.app = app
        self.on_write = on_write

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/sparql"
                and any(k == b"authorization" for k, _ in scope.get("headers") or [])):  # fmt: skip
            await self.app(scope, receive, send)
            return
        status = 500

        async def watch(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
            await send(msg)

        await self.app(scope, receive, watch)
        if status < 300:
            await run_in_threadpool(self.on_write)


# ---------------------------------------------------------------- answers cache


class AnswerCache:
    """Recent JSON answers by request, all dropped on every write.

    A generation counter keeps an answer computed before a write from being stored after it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.generation = 0
        self._data: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
            return hit

    def put(self, key: tuple[Any, ...], value: bytes, generation: int) -> None:
        if self.size <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._data.clear()


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
        try:
            from kg.pipeline import build_article, write_batch
        except ImportError as e:  # the extractor is being written; the read API works without it
            log.error("ingest unavailable: %s", e)
            raise HTTPException(503, "ingest is not available on this server (no extractor)") from e
        from kg.derive import derive
        from kg.ids import article_iri
        from kg.vocab import DERIVED_GRAPH

        built = build_article(article, self.extractor)
        with self.lock:
            replaced = self.catalog.triple_count(URIRef(built.graph)) > 0
            write_batch(self.store, [built])  # one transaction: readers see all of the article or none
            derive(self.store)
            # a replaced article may have dropped entities: rebuild; a new one only adds
            self.catalog.refresh(None if replaced else [built.graph, str(DERIVED_GRAPH)])
            self.cache.clear()
        ref = ArticleRef(id=article.id, iri=str(article_iri(article.id)), title=article.title,
                         published=article.published, url=article.url)  # fmt: skip
        return IngestResult(article=ref, graph=built.graph, triples=built.triples, replaced=replaced)


def _authorize(request: Request, settings: Settings) -> None:
    if not settings.write_token:
        raise HTTPException(403, "this server is read-only (no KG_WRITE_TOKEN configured)")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode("utf-8"), settings.write_token.encode("utf-8")
    ):
        raise HTTPException(401, "a valid 'Authorization: Bearer <token>' header is required",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip


def _html_to_text(html: str) -> str:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False)
    if not text or not text.strip():
        raise HTTPException(422, "no article text found in the HTML")
    title = None
    meta = trafilatura.extract_metadata(html)
    if meta is not None and meta.title and not text.startswith(meta.title):
        title = meta.title
    return f"{title}\n{text}" if title else text


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
    /roles answers are kept until the next write (default ``$KG_API_CACHE_SIZE``, else 4096; 0: none).
    """
    settings = settings or Settings.from_env()
    if cache_size is None:
        cache_size = int(os.environ.get("KG_API_CACHE_SIZE", "4096") or 0)
    catalog = Catalog(store)
    cache = AnswerCache(cache_size)
    writer = Writer(store, catalog, cache, extractor)
    app = FastAPI(
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

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    app.add_middleware(AfterSparqlWrite, on_write=writer.refresh_all)
    app.add_middleware(PageNegotiation)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
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
        from kg.sparql import sparql_router
    except ImportError as e:
        log.warning("SPARQL endpoint not mounted (kg.sparql unavailable: %s)", e)
    else:
        app.include_router(sparql_router(store, settings))
        sparql_mounted = True

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/query" if sparql_mounted else "/docs")

    @app.get("/healthz", response_model=Health, tags=["service"], summary="Liveness and store check")
    def healthz() -> Health:
        store.query("ASK { ?s ?p ?o }")
        return Health(status="ok", store=store.location, writable=bool(settings.write_token))

    @app.get("/stats", response_model=Stats, tags=["service"], summary="Counts of entities per class")
    def stats() -> Stats:
        return catalog.stats()

    @app.get("/roles", response_model=RolesPage, tags=["roles"], summary="Ai giữ chức vụ — who held a post")
    def roles(title: TitleQ, organization: OrgQ = None, at: AtQ = None, limit: Limit = 50,
              offset: Offset = 0) -> Response:  # fmt: skip
        """Who held `title` (at `organization`), on the date `at` or ever: per holding the person, the
        unit, as-of / first-seen / last-seen dates, whether and by when it ended, and the evidence
        (article, date, sentence with offsets). Oldest first."""
        _check_date(at)
        key = ("roles", title, organization, at, limit, offset)
        body = cache.get(key)
        if body is None:
            generation = cache.generation
            total, items = catalog.roles(title, organization, at, limit, offset)
            body = RolesPage(total=total, limit=limit, offset=offset, items=items).model_dump_json().encode()
            cache.put(key, body, generation)
        return Response(body, media_type="application/json")

    @app.get("/people", response_model=PeoplePage, tags=["entities"], summary="Tìm người — search people")
    def people(q: NameQ, limit: Limit = 20, offset: Offset = 0) -> PeoplePage:
        """Ranked: exact name > prefix > every word present; diacritics, case and tone placement ignored."""
        hits = catalog.person_hits(q)
        items = [catalog.person_hit(e, m) for e, m in hits[offset : offset + limit]]
        return PeoplePage(total=len(hits), limit=limit, offset=offset, items=items)

    @app.get("/people/{id:path}", response_model=PersonProfile, tags=["entities"], summary="A person's profile")
    def person(id: SegmentP) -> PersonProfile:
        """All role holdings over time (with evidence), awards, events, articles, possible namesakes."""
        profile = catalog.person(_iri("person", id))
        if profile is None:
            raise HTTPException(404, f"No person with id {id!r}")
        return profile

    @app.get("/organizations", response_model=OrgsPage, tags=["entities"], summary="Tìm đơn vị — search units")
    def organizations(q: OrgNameQ, limit: Limit = 20, offset: Offset = 0) -> OrgsPage:
        hits = catalog.search(catalog.ix.orgs, q)
        items = [catalog.org_hit(e, m) for e, m in hits[offset : offset + limit]]
        return OrgsPage(total=len(hits), limit=limit, offset=offset, items=items)

    @app.get("/organizations/{id:path}", response_model=OrgProfile, tags=["entities"], summary="A unit's profile")
    def organization(id: SegmentP) -> OrgProfile:
        """Kind, aliases, parent and sub-units, party cells, officers over time, awards, documents."""
        profile = catalog.organization(_iri("organization", id))
        if profile is None:
            raise HTTPException(404, f"No organization with id {id!r}")
        return profile

    @app.get("/documents", response_model=DocsPage, tags=["entities"], summary="Tìm văn bản — search documents")
    def documents(q: DocQ, limit: Limit = 20, offset: Offset = 0) -> DocsPage:
        hits = catalog.search(catalog.ix.docs, q)
        items = [catalog.doc_hit(e, m) for e, m in hits[offset : offset + limit]]
        return DocsPage(total=len(hits), limit=limit, offset=offset, items=items)

    @app.get("/documents/{id:path}", response_model=DocumentProfile, tags=["entities"], summary="A document")
    def document(id: SegmentP) -> DocumentProfile:
        """Number, kind, issuer, date, term, and who cites it when (with the sentence)."""
        profile = catalog.document(_iri("document", id))
        if profile is None:
            raise HTTPException(404, f"No document with id {id!r}")
        return profile

    @app.get("/awards", response_model=AwardsPage, tags=["entities"], summary="Khen thưởng — awards")
    def awards(
        kind: Annotated[str | None, Query(max_length=100, openapi_examples=_ex(hc="Huân chương", bk="Bằng khen"))] = None,
        award_class: Annotated[str | None, Query(alias="class", max_length=50,
                                                 openapi_examples=_ex(nhi="hạng Nhì"))] = None,
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        recipient: Annotated[str | None, Query(min_length=1, max_length=300, description="Person or unit: id or name.",
                                               openapi_examples=_ex(truong="Trường Đại học Công nghệ"))] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> AwardsPage:  # fmt: skip
        total, items = catalog.awards(kind=kind, award_class=award_class, year=year, recipient=recipient,
                                      limit=limit, offset=offset)  # fmt: skip
        return AwardsPage(total=total, limit=limit, offset=offset, items=items)

    @app.get("/articles/{id}", response_model=ArticleGraph, tags=["articles"], summary="One article's facts")
    def article(id: Annotated[str, Path(min_length=1, max_length=200)]) -> ArticleGraph:
        """The triples of the article's named graph. `id` is the article's own id or its IRI's segment."""
        graph = catalog.article(article_graph_for(id))
        if graph is None:
            raise HTTPException(404, f"No article with id {id!r}")
        return graph

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
        _authorize(request, settings)
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
            if ctype == "text/html":
                text = await run_in_threadpool(_html_to_text, text)
        else:
            raise HTTPException(415, "send application/json, text/plain or text/html")
        _check_date(published if published and len(published) == 10 else None)
        from kg.ingest import article_from_text

        try:
            art = article_from_text(aid, text, url=url, published=published,
                                    conversions=("html",) if ctype == "text/html" else ())  # fmt: skip
        except ArticleError as e:
            raise HTTPException(422, str(e)) from e
        return await run_in_threadpool(writer.ingest, art)

    @app.get("/graph", response_class=HTMLResponse, tags=["service"], summary="The network, as an HTML page")
    def graph(
        focus: Annotated[str | None, Query(max_length=300, description="Centre on a name or IRI.",
                                           openapi_examples=_ex(nguoi="Nguyễn Đình Đức"))] = None,
        depth: Annotated[int, Query(ge=0, le=4)] = 2,
        at: AtQ = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1500,
    ) -> HTMLResponse:  # fmt: skip
        _check_date(at)
        try:
            from kg.viz import render_page
        except ImportError as e:
            log.warning("network page unavailable (kg.viz: %s)", e)
            raise HTTPException(503, "the network page is not available on this server") from e
        try:
            html = render_page(store, focus=focus, depth=depth, at=at, limit=limit)
        except QueryError as e:
            raise HTTPException(400, str(e)) from e
        except KgError as e:
            if isinstance(e, StoreError):
                raise
            raise HTTPException(404, str(e)) from e
        return HTMLResponse(html)

    return app


def _iri(kind: str, segment: str) -> URIRef:
    iri = iri_of(kind, segment)
    if iri is None:  # the path pattern already refuses these; kept for direct callers
        raise HTTPException(422, f"not an id: {segment!r}")
    return iri


def _check_date(value: str | None) -> None:
    if value is None:
        return
    try:
        dt.date.fromisoformat(value)
    except ValueError as e:
        raise HTTPException(422, f"not a calendar date: {value!r}") from e


__all__ = ["create_app", "segment_of"]
