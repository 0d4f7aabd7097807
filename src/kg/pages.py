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
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FunctionLoader, select_autoescape
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from kg.api_queries import Catalog, article_graph_for, iri_of
from kg.vocab import GRAPH, ID

PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'"
# URL path word of each page kind <- the {kind} of https://w3id.org/kg-vn/id/{kind}/{segment}
_ROUTE_OF_KIND = {"person": "people", "org": "organizations", "doc": "documents", "article": "articles"}
_PAGE_PREFIXES = tuple(f"/{r}/" for r in _ROUTE_OF_KIND.values())


def page_href(iri: str | None) -> str | None:
    """The page of one of our IRIs (``/people/{id}.html`` …), or None for IRIs that have no page."""
    if not iri:
        return None
    for base in (str(ID), str(GRAPH)):
        if iri.startswith(base):
            kind, _, rest = iri[len(base) :].partition("/")
            route = _ROUTE_OF_KIND.get(kind)
            if route and rest:
                return f"/{route}/{quote(rest, safe='/-._~')}.html"
    return None


def network_href(iri: str) -> str:
    return f"/graph?focus={quote(iri, safe='')}&depth=1"


def evidence_href(article_id: str, start: int | None) -> str:
    anchor = f"#s-{start}" if start is not None else ""
    return f"/articles/{quote(article_id, safe='-._~')}.html{anchor}"


def _template(name: str) -> str:
    return resources.files("kg").joinpath("static", "pages", name).read_text(encoding="utf-8")


_ENV = Environment(
    loader=FunctionLoader(_template),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals.update(page_href=page_href, network_href=network_href, evidence_href=evidence_href)


def render(kind: str, record: BaseModel, **extra: Any) -> str:
    """One record as a page: ``kind`` is person, organization, document or article."""
    return _ENV.get_template(f"{kind}.html").render(r=record, kind=kind, **extra)


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

    def entity(kind: str, path_kind: str, get: Callable[[Any], BaseModel | None]) -> Callable[[str], HTMLResponse]:
        def view(id: str) -> HTMLResponse:
            iri = iri_of(path_kind, id)
            record = get(iri) if iri is not None else None
            if record is None:
                raise HTTPException(404, f"No {path_kind} with id {id!r}")
            return _page(render(kind, record))

        return view

    router.add_api_route("/people/{id:path}.html", entity("person", "person", catalog.person),
                         methods=["GET"], response_class=HTMLResponse)  # fmt: skip
    router.add_api_route("/organizations/{id:path}.html", entity("organization", "organization",
                         catalog.organization), methods=["GET"], response_class=HTMLResponse)  # fmt: skip
    router.add_api_route("/documents/{id:path}.html", entity("document", "document", catalog.document),
                         methods=["GET"], response_class=HTMLResponse)  # fmt: skip

    @router.get("/articles/{id}.html", response_class=HTMLResponse)
    def article(id: str) -> HTMLResponse:
        record = catalog.article(article_graph_for(id)) if 0 < len(id) <= 200 else None
        if record is None:
            raise HTTPException(404, f"No article with id {id!r}")
        return _page(render("article", record, sentences=_sentences(record), labels=_labels(record)))

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
