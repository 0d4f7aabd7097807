"""The triplestore boundary: the Store protocol (base), embedded Oxigraph (embedded) and a remote
SPARQL 1.1 server (remote); ``open_store`` picks one from ``--store`` / ``KG_STORE``."""

from __future__ import annotations

from pathlib import Path

from kg.config import StoreSettings
from kg.store.base import (
    DEFAULT_STORE,
    PREFIX_HEADER,
    PREFIXES,
    RDF_FORMATS,
    RESULT_FORMATS,
    Result,
    Store,
    Term,
    bind_values,
    check_graph,
    insert_update,
    prefixes_for,
    replace_update,
    solutions_result,
    term_sparql,
    to_oxigraph,
    update_url_for,
    values_first,
)
from kg.store.embedded import OxigraphStore
from kg.store.remote import RemoteStore

__all__ = [
    "DEFAULT_STORE",
    "OxigraphStore",
    "PREFIXES",
    "PREFIX_HEADER",
    "RDF_FORMATS",
    "RESULT_FORMATS",
    "RemoteStore",
    "Result",
    "Store",
    "Term",
    "bind_values",
    "check_graph",
    "insert_update",
    "open_store",
    "prefixes_for",
    "replace_update",
    "solutions_result",
    "store_spec",
    "term_sparql",
    "values_first",
    "to_oxigraph",
    "update_url_for",
]


def store_spec(spec: str | Path | None = None) -> str:
    """The store named by ``--store``, else ``KG_STORE``, else the default folder."""
    return str(spec or StoreSettings.from_env().store or DEFAULT_STORE)


def open_store(spec: str | Path | None = None, *, read_only: bool = False) -> Store:
    """``--store`` / ``KG_STORE``: a folder (embedded Oxigraph) or an http(s):// SPARQL endpoint."""
    spec = store_spec(spec)
    if spec.startswith(("http://", "https://")):
        return RemoteStore(spec)
    if spec == ":memory:":
        return OxigraphStore(None)
    return OxigraphStore(spec, read_only=read_only)
