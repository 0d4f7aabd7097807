"""The one bearer-token check of the server (POST /articles, SPARQL Update, the after-write hook).

RFC 6750 §3: no credentials → 401 with ``WWW-Authenticate: Bearer realm="kg"``; a token that does
not match → 401 with ``error="invalid_token"``; a server with no token configured is read-only,
which no credentials can change → 403. Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException

from kg.config import Settings

REALM = 'Bearer realm="kg"'


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def is_authorized(settings: Settings, authorization: str | None) -> bool:
    """True when the header carries the configured write token."""
    token = bearer_token(authorization)
    if not settings.write_token or token is None:
        return False
    return hmac.compare_digest(token.encode("utf-8"), settings.write_token.encode("utf-8"))


def require_write_token(settings: Settings, authorization: str | None) -> None:
    """Raise the HTTPException (403 read-only, 401 missing or wrong token) unless the write is allowed."""
    if not settings.write_token:
        raise HTTPException(403, "this server is read-only (no KG_WRITE_TOKEN configured)")
    if bearer_token(authorization) is None:
        raise HTTPException(401, "writes need an 'Authorization: Bearer <KG_WRITE_TOKEN>' header",
                            headers={"WWW-Authenticate": REALM})  # fmt: skip
    if not is_authorized(settings, authorization):
        raise HTTPException(401, "the bearer token is not this server's write token",
                            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})  # fmt: skip
