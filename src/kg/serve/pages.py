"""HTML pages for people, units, documents and articles: the Catalog's records, rendered for a reader.

The pages render the same typed records the REST API returns as JSON (``Catalog.person`` →
``PersonProfile`` …), so a page never asks the store anything the API does not. Every IRI of ours
becomes a link to its page (``page_href``), every fact links to the sentence it was read from
(``/articles/{id}.html#s-{start}``), and every entity page links to the network page focused on it.

Text is hostile: templates autoescape, URLs are built from IRIs by ``page_href`` only (never from
text), and the pages carry a Content-Security-Policy that allows no script and no request to any
host. A page is asked for as ``/people/{id}.html`` or, for a browser, by ``Accept: text/html`` on
``/people/{id}`` (``PageNegotiation`` rewrites the path before routing).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FunctionLoader, select_autoescape
from pydantic import BaseModel
from rdflib import URIRef
from starlette.types import ASGIApp, Receive, Scope, Send

from kg.catalog.catalog import KINDS, PAGE_ROUTES, Catalog, page_href
from kg.vocab import GRAPH, ID

T = TypeVar("T")
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'"
_PAGE_PREFIXES = tuple(f"/{r}/" for r in PAGE_ROUTES.values())
# the {kind} of an IRI -> the kind of its page (KINDS, read backwards)
_PAGE_KIND = {iri_kind: kind for kind, iri_kind in KINDS.items() if kind in ("person", "organization", "document")}


def network_href(iri: str) -> str:
    return f"/graph?focus={quote(iri, safe='')}&depth=1"


def evidence_href(article_id: str, start: int | None) -> str:
    anchor = f"#s-{start}" if start is not None else ""
    return f"/articles/{quote(article_id, safe='-._~')}.html{anchor}"


def _template(name: str) -> str:
    return resources.files("kg.serve").joinpath("static", "pages", name).read_text(encoding="utf-8")


_ENV = Environment(
    loader=FunctionLoader(_template),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals.update(page_href=page_href, network_href=network_href, evidence_href=evidence_href)


_TEXT = Environment(loader=FunctionLoader(_template), autoescape=False, trim_blocks=True, lstrip_blocks=True)


def render(kind: str, record: BaseModel, **extra: Any) -> str:
    """One record as a page: ``kind`` is person, organization, document or article."""
    if kind == "article":
        extra.setdefault("sentences", _sentences(record))
        extra.setdefault("labels", _labels(record))
    return _ENV.get_template(f"{kind}.html").render(r=record, kind=kind, **extra)


def render_text(kind: str, record: BaseModel) -> str:
    """The same record as plain text, for the terminal (``kg show``)."""
    extra = {"sentences": _sentences(record)} if kind == "article" else {}
    return _TEXT.get_template(f"{kind}.txt").render(r=record, kind=kind, **extra).rstrip() + "\n"


def find_record(catalog: Catalog, name_or_iri: str) -> tuple[str, BaseModel] | None:
    """What ``kg show`` shows: an IRI of ours (person, unit, document, article), else the best name match
    among people, then units, then documents."""
    value = name_or_iri.strip()
    for base in (str(ID), str(GRAPH)):
        if value.startswith(base):
            kind, _, rest = value[len(base) :].partition("/")
            page_kind = "article" if kind == "article" else _PAGE_KIND.get(kind)
            rec = _record(catalog, page_kind, rest) if page_kind else None
            return (page_kind, rec) if page_kind and rec else None  # type: ignore[return-value]
    for kind in ("person", "organization", "document"):
        for entry, _match in catalog.search(catalog.names(kind), value)[:1]:
            rec = catalog.profile_of(kind, URIRef(entry.iri))
            if rec is not None:
                return kind, rec
    rec = catalog.article_by_id(value)
    return ("article", rec) if rec else None


def _record(catalog: Catalog, kind: str, id: str) -> BaseModel | None:
    """The record a page of ``kind`` shows for ``id``."""
    return catalog.article_by_id(id) if kind == "article" else catalog.profile(kind, id)


def found(record: T | None, kind: str, id: str) -> T:
    """``record``, else a 404 that says no ``kind`` has that id (the pages and the JSON routes alike)."""
    if record is None:
        raise HTTPException(404, f"No {kind} with id {id!r}")
    return record


def _sentences(graph: Any) -> list[dict[str, Any]]:
    """The article's sentences (kg:Sentence nodes with text and offsets), in reading order."""
    rows: dict[str, dict[str, Any]] = {}
    kg = "https://w3id.org/kg-vn/ontology#"
    for t in graph.triples:
        if t.predicate in (kg + "text", kg + "start", kg + "end") and "/sentence/" in t.subject:
            rows.setdefault(t.subject, {})[t.predicate[len(kg) :]] = t.object
    out = [
        {"iri": s, "text": v.get("text", ""), "start": int(v["start"]), "end": int(v.get("end", 0))}
        for s, v in rows.items()
        if str(v.get("start", "")).isdigit()
    ]
    return sorted(out, key=lambda s: (s["start"], s["end"]))


def _labels(graph: Any) -> dict[str, str]:
    names = ("http://www.w3.org/2000/01/rdf-schema#label", "http://xmlns.com/foaf/0.1/name", "https://schema.org/name")
    return {t.subject: t.object for t in graph.triples if t.predicate in names}


def _page(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers={"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff"})


def pages_router(catalog: Catalog) -> APIRouter:
    """``/people/{id}.html``, ``/organizations/{id}.html``, ``/documents/{id}.html``, ``/articles/{id}.html``."""
    router = APIRouter(include_in_schema=False)

    def page(kind: str) -> Callable[[str], HTMLResponse]:
        def view(id: str) -> HTMLResponse:
            return _page(render(kind, found(_record(catalog, kind, id), kind, id)))

        return view

    for kind, path in (("person", "/people/{id:path}.html"), ("organization", "/organizations/{id:path}.html"),
                       ("document", "/documents/{id:path}.html"), ("article", "/articles/{id}.html")):  # fmt: skip
        router.add_api_route(path, page(kind), methods=["GET"], response_class=HTMLResponse)
    return router


def _wants_html(accept: str) -> bool:
    """True when the client ranks text/html above JSON (a browser), False for API clients and */*."""
    best: dict[str, float] = {}
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        best[media.strip().lower()] = max(q, best.get(media.strip().lower(), 0.0))
    html = max(best.get("text/html", 0.0), best.get("application/xhtml+xml", 0.0))
    return html > 0 and html > best.get("application/json", 0.0)


class PageNegotiation:
    """ASGI middleware: a GET of an entity path that prefers text/html is routed to its ``.html`` page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            if path.startswith(_PAGE_PREFIXES) and not path.endswith(".html") and path.count("/") >= 2:
                accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept"), "")
                if _wants_html(accept):
                    scope = dict(scope, path=path + ".html", raw_path=(path + ".html").encode("utf-8"))
        await self.app(scope, receive, send)
