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
    """What ``kg serve`` enforces. A None ``write_token`` makes the server read-only."""

    write_token: str | None = None  # KG_WRITE_TOKEN: needed for POST /articles and SPARQL Update
    query_timeout: float = 10.0  # KG_QUERY_TIMEOUT seconds, per SPARQL query
    max_results: int = 100_000  # KG_MAX_RESULTS rows per SPARQL SELECT
    max_request_bytes: int = 2_000_000  # KG_MAX_REQUEST_BYTES for request bodies
    cors_origins: tuple[str, ...] = field(default_factory=tuple)  # KG_CORS_ORIGINS, comma-separated; off if empty
    # KG_SERVICE_ALLOW: endpoints SPARQL SERVICE may call and LOAD may fetch, comma-separated IRIs
    # ("*": any). Empty: the server makes no outbound request.
    service_allow: tuple[str, ...] = field(default_factory=tuple)
    query_workers: int = 0  # KG_QUERY_WORKERS: SPARQL worker processes (0: max(2, cores))

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
        )
