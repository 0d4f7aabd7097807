"""The OpenAPI schema says what the server really answers: every error status a route can give, in
the one error shape ``{"detail": …}``, and the SPARQL protocol's parameters and media types.

FastAPI documents only 200 and a 422 whose ``detail`` is a list; the app also answers 400 (a query
the store refused), 401/403 (writes), 404 (unknown ids), 406/415 (SPARQL media types), 413 (bodies),
500 and 503, and its own 422s carry a message string. :func:`declare_errors` edits the generated
schema in place; :func:`install` makes the app's ``openapi()`` apply it once.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ERROR = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "title": "Detail",
            "description": "What went wrong: a message, or (422 from parameter checks) the list of problems.",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}],
        }
    },
}
WHY = {
    400: "Bad request: a malformed SPARQL query or parameter the store refused",
    401: "No write token, or not this server's (RFC 6750: `WWW-Authenticate: Bearer`)",
    403: "This server is read-only (no KG_WRITE_TOKEN configured)",
    404: "No such entity, article or saved query",
    406: "None of the Accept types fits the result",
    413: "Request body over KG_MAX_REQUEST_BYTES",
    415: "Unsupported Content-Type",
    422: "Invalid parameters or body",
    500: "Internal error (the trace is in the server log)",
    503: "The store is unavailable, or a query ran past KG_QUERY_TIMEOUT / too many are running",
}
SPARQL_RESULTS = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
                  "application/rdf+xml")  # fmt: skip
SPARQL_PARAMS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "A SPARQL 1.1 query.", "example": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"},
    {"name": "default-graph-uri", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "named-graph-uri", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Overrides Accept: json, xml, csv, tsv (results); ttl, nt, jsonld, rdfxml (graphs)."},
]  # fmt: skip
SPARQL_BODY = {
    "required": True,
    "content": {
        "application/sparql-query": {"schema": {"type": "string"}, "example": "ASK { ?s ?p ?o }"},
        "application/sparql-update": {"schema": {"type": "string"}},
        "application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": {"query": {"type": "string"}, "update": {"type": "string"}}}
        },
    },
}


def _codes(path: str, method: str, op: dict[str, Any]) -> set[int]:
    codes = {500}
    if path not in ("/query", "/queries"):
        codes.add(503)
    if op.get("parameters") or op.get("requestBody"):
        codes |= {400, 422}
    if "{" in path or path == "/graph":
        codes.add(404)
    if method == "post":
        codes |= {401, 403, 413, 415}
    if path in ("/sparql", "/queries/{name}"):
        codes |= {400, 406}
    return codes


def declare_errors(schema: dict[str, Any]) -> dict[str, Any]:
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas.pop("HTTPValidationError", None)
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            if path == "/sparql":
                _sparql(method, op)
            responses = op.setdefault("responses", {})
            for code in sorted(_codes(path, method, op)):
                responses[str(code)] = {
                    "description": WHY[code],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
    return schema


def _sparql(method: str, op: dict[str, Any]) -> None:
    """The protocol's parameters and answers, unless the router declared its own."""
    op.setdefault("parameters", [dict(p) for p in SPARQL_PARAMS])
    if method == "post":
        op.setdefault("requestBody", SPARQL_BODY)
        op["responses"].setdefault("204", {"description": "The update was applied"})
    ok = op["responses"].get("200", {})
    if list(ok.get("content", {})) in ([], ["application/json"]):
        op["responses"]["200"] = {
            "description": "Query results (SELECT/ASK) or a graph (CONSTRUCT/DESCRIBE), negotiated by Accept",
            "content": {m: {"schema": {}} for m in SPARQL_RESULTS},
        }


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the generated schema with the errors declared."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class AllowedMethods:
    """A 405 answer's ``Allow`` lists every method the path has (Starlette lists only those of the
    first route that matched the path, e.g. GET for /sparql, whose POST is another route)."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def fix(msg: Message) -> None:
            if msg["type"] == "http.response.start" and msg["status"] == 405:
                methods = sorted({m for r in self.api.router.routes
                                  if getattr(r, "methods", None) and r.path_regex.match(scope["path"])
                                  for m in r.methods})  # type: ignore[attr-defined]  # fmt: skip
                headers = [(k, v) for k, v in msg.get("headers") or [] if k.lower() != b"allow"]
                msg = {**msg, "headers": [*headers, (b"allow", ", ".join(methods).encode())]}
            await send(msg)

        await self.app(scope, receive, fix)
