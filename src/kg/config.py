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
    """What ``kg serve`` enforces. A None ``write_token`` makes the server read-only."""

    write_token: str | None = None  # KG_WRITE_TOKEN: needed for POST /articles and SPARQL Update
    query_timeout: float = 10.0  # KG_QUERY_TIMEOUT seconds, per SPARQL query
    max_results: int = 100_000  # KG_MAX_RESULTS rows per SPARQL SELECT
    max_request_bytes: int = 2_000_000  # KG_MAX_REQUEST_BYTES for request bodies
    cors_origins: tuple[str, ...] = field(default_factory=tuple)  # KG_CORS_ORIGINS, comma-separated; off if empty

    @classmethod
    def from_env(cls) -> Settings:
        origins = tuple(o.strip() for o in os.environ.get("KG_CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            write_token=os.environ.get("KG_WRITE_TOKEN") or None,
            query_timeout=_float("KG_QUERY_TIMEOUT", 10.0),
            max_results=_int("KG_MAX_RESULTS", 100_000),
            max_request_bytes=_int("KG_MAX_REQUEST_BYTES", 2_000_000),
            cors_origins=origins,
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
