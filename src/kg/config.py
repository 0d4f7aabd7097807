"""Service settings, read once from the environment and passed explicitly (no globals)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

LOCAL_TOKEN_FILE = "kg-write-token"  # in a folder store: the write token `kg run` made, mode 0600


def _float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    """What ``kg serve`` enforces. A None ``write_token`` makes the server read-only.

    The token is stripped of surrounding whitespace (a token pasted with a trailing newline would
    otherwise report "writable" and never match); an empty one means read-only.
    """

    write_token: str | None = None  # KG_WRITE_TOKEN: needed for POST /articles and SPARQL Update
    query_timeout: float = 10.0  # KG_QUERY_TIMEOUT seconds, per SPARQL query
    max_results: int = 100_000  # KG_MAX_RESULTS rows per SPARQL SELECT
    max_request_bytes: int = 2_000_000  # KG_MAX_REQUEST_BYTES for request bodies
    cors_origins: tuple[str, ...] = field(default_factory=tuple)  # KG_CORS_ORIGINS, comma-separated; off if empty
    # KG_SERVICE_ALLOW: endpoints SPARQL SERVICE may call and LOAD may fetch, comma-separated IRIs
    # ("*": any). Empty: the server makes no outbound request.
    service_allow: tuple[str, ...] = field(default_factory=tuple)
    query_workers: int = 0  # KG_QUERY_WORKERS: SPARQL worker processes (0: 2 × cores + 2, at least 6)
    # the long-query lane: a query running past KG_LONG_QUERY_AFTER seconds is long, and at most
    # KG_LONG_QUERIES long ones run at once; one more is stopped there with 503 (0 s: no lane)
    long_queries: int = 1  # KG_LONG_QUERIES
    long_query_after: float = 0.25  # KG_LONG_QUERY_AFTER seconds
    # answers cache (/roles): entries and total bytes, least recently used dropped first
    cache_entries: int = 4096  # KG_API_CACHE_SIZE; 0: no cache
    cache_bytes: int = 64_000_000  # KG_API_CACHE_BYTES
    # connections (kg serve): see kg.serve.serving
    max_connections: int = 1000  # KG_MAX_CONNECTIONS open at once; past it the slowest-to-send is closed
    header_timeout: float = 10.0  # KG_HEADER_TIMEOUT seconds to send a request's line and headers
    body_timeout: float = 30.0  # KG_BODY_TIMEOUT seconds to send its body, once the headers are in
    # longer than common clients keep an idle connection (httpx: 5 s), so the client closes first and
    # never sends a request into a connection the server is closing
    keep_alive_timeout: float = 20.0  # KG_KEEP_ALIVE_TIMEOUT seconds an idle connection stays open
    # writes: one JSON line per write; default <store folder>/audit.jsonl, "-" for the log only
    audit_log: str | None = None  # KG_AUDIT_LOG

    def __post_init__(self) -> None:
        token = self.write_token.strip() if self.write_token else None
        object.__setattr__(self, "write_token", token or None)

    @classmethod
    def from_env(cls) -> Settings:
        origins = tuple(o.strip() for o in os.environ.get("KG_CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            write_token=os.environ.get("KG_WRITE_TOKEN") or None,
            query_timeout=_float("KG_QUERY_TIMEOUT", 10.0),
            max_results=_int("KG_MAX_RESULTS", 100_000),
            max_request_bytes=_int("KG_MAX_REQUEST_BYTES", 2_000_000),
            cors_origins=origins,
            service_allow=tuple(u.strip() for u in os.environ.get("KG_SERVICE_ALLOW", "").split(",") if u.strip()),
            query_workers=_int("KG_QUERY_WORKERS", 0),
            long_queries=_int("KG_LONG_QUERIES", 1),
            long_query_after=_float("KG_LONG_QUERY_AFTER", 0.25),
            cache_entries=_int("KG_API_CACHE_SIZE", 4096),
            cache_bytes=_int("KG_API_CACHE_BYTES", 64_000_000),
            max_connections=_int("KG_MAX_CONNECTIONS", 1000),
            header_timeout=_float("KG_HEADER_TIMEOUT", 10.0),
            body_timeout=_float("KG_BODY_TIMEOUT", 30.0),
            keep_alive_timeout=_float("KG_KEEP_ALIVE_TIMEOUT", 20.0),
            audit_log=os.environ.get("KG_AUDIT_LOG") or None,
        )


def local_write_token(store_dir: str | os.PathLike[str], *, create: bool = False) -> str | None:
    """The write token kept in a folder store's ``kg-write-token`` file, readable by its owner only.

    ``kg run`` creates it (``create=True``) when ``KG_WRITE_TOKEN`` is not set, and serves with it;
    ``kg ingest`` reads it to ingest through that server. None when there is none (or no folder).
    """
    d = Path(store_dir)
    p = d / LOCAL_TOKEN_FILE
    try:
        token = p.read_text(encoding="utf-8").strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    except OSError:
        return None
    if not create or not d.is_dir():
        return None
    token = secrets.token_urlsafe(32)
    p.unlink(missing_ok=True)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return token


@dataclass(frozen=True)
class StoreSettings:
    """How to reach the store: read once from the environment (``from_env``) and handed to the store."""

    store: str | None = None  # KG_STORE: a folder, or the query URL of a SPARQL 1.1 server
    update_url: str | None = None  # KG_UPDATE_URL: a remote store's update endpoint (default: beside the query URL)
    gsp_url: str | None = None  # KG_GSP_URL: its Graph Store Protocol endpoint
    user: str | None = None  # KG_STORE_USER (with KG_STORE_PASSWORD): credentials for the remote store
    password: str = ""  # KG_STORE_PASSWORD
    auth: str = "basic"  # KG_STORE_AUTH: basic | digest (Virtuoso's /sparql-auth)
    token: str | None = None  # KG_STORE_TOKEN: sent as "Authorization: Bearer …"
    timeout: float = 300.0  # KG_STORE_TIMEOUT seconds per request
    engine: str | None = None  # KG_STORE_ENGINE: virtuoso | oxigraph | generic (default: the Server header)
    union_check: bool = True  # KG_UNION_CHECK=0 turns off the check that the default graph is the union
    max_article_bytes: str | None = None  # KG_MAX_ARTICLE_BYTES: ingest refuses larger files (checked there)
    queries_dir: str | None = None  # KG_QUERIES: the folder of saved queries (default: queries/)
    debug: bool = False  # KG_DEBUG: the CLI shows tracebacks

    @classmethod
    def from_env(cls) -> StoreSettings:
        e = os.environ
        return cls(
            store=e.get("KG_STORE") or None,
            update_url=e.get("KG_UPDATE_URL") or None,
            gsp_url=e.get("KG_GSP_URL") or None,
            user=e.get("KG_STORE_USER"),
            password=e.get("KG_STORE_PASSWORD", ""),
            auth=e.get("KG_STORE_AUTH", "basic").lower(),
            token=e.get("KG_STORE_TOKEN") or None,
            timeout=_float("KG_STORE_TIMEOUT", 300.0),
            engine=e.get("KG_STORE_ENGINE", "").lower() or None,
            union_check=e.get("KG_UNION_CHECK", "1") != "0",
            max_article_bytes=e.get("KG_MAX_ARTICLE_BYTES"),
            queries_dir=e.get("KG_QUERIES") or None,
            debug=bool(e.get("KG_DEBUG")),
        )

