"""Service settings, read once from the environment and passed explicitly (no globals)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


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
    query_workers: int = 0  # KG_QUERY_WORKERS: SPARQL worker processes (0: max(2, cores))
    # answers cache (/roles): entries and total bytes, least recently used dropped first
    cache_entries: int = 4096  # KG_API_CACHE_SIZE; 0: no cache
    cache_bytes: int = 64_000_000  # KG_API_CACHE_BYTES
    # connections (kg serve): see kg.serving
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
            cache_entries=_int("KG_API_CACHE_SIZE", 4096),
            cache_bytes=_int("KG_API_CACHE_BYTES", 64_000_000),
            max_connections=_int("KG_MAX_CONNECTIONS", 1000),
            header_timeout=_float("KG_HEADER_TIMEOUT", 10.0),
            body_timeout=_float("KG_BODY_TIMEOUT", 30.0),
            keep_alive_timeout=_float("KG_KEEP_ALIVE_TIMEOUT", 20.0),
            audit_log=os.environ.get("KG_AUDIT_LOG") or None,
        )
