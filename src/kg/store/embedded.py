"""The embedded store: Oxigraph (RocksDB) in a folder, or in memory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from rdflib import Graph

from kg.errors import QueryError, StoreError
from kg.store.base import (
    PREFIXES,
    RDF_FORMATS,
    RESULT_FORMATS,
    Result,
    Term,
    _to_rdflib,
    bind_values,
    prefixes_for,
    replace_update,
    solutions_result,
)


class OxigraphStore:
    """Embedded Oxigraph (RocksDB on disk, or in memory when ``path`` is None)."""

    batch_size = 200

    def __init__(self, path: str | Path | None, *, read_only: bool = False) -> None:
        self.location = str(path) if path else ":memory:"
        try:
            if path is None:
                self._s = ox.Store()
            elif read_only:
                self._s = ox.Store.read_only(str(path))
            else:
                Path(path).mkdir(parents=True, exist_ok=True)
                self._s = ox.Store(str(path))
        except OSError as e:
            hint = " (is another kg process, such as kg serve, using it?)" if "lock" in str(e).lower() else ""
            raise StoreError(f"cannot open store {self.location}: {e}{hint}") from e

    @property
    def raw(self) -> ox.Store:
        return self._s

    def _run(self, sparql: str, default_graphs: list[str] | None, named_graphs: list[str] | None) -> Any:
        kw: dict[str, Any] = {"prefixes": PREFIXES}
        from kg.store.sparql_check import names_dataset, user_message

        if default_graphs:
            kw["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        elif not named_graphs and not names_dataset(sparql):  # FROM / FROM NAMED in the query win
            kw["use_default_graph_as_union"] = True
        if named_graphs:
            kw["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            return self._s.query(sparql, **kw)
        except SyntaxError as e:
            raise QueryError(f"SPARQL syntax error: {user_message(str(e), sparql)}") from None
        except OSError as e:
            raise StoreError(f"query failed: {e}") from e

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Result:
        res = self._run(bind_values(sparql, bindings), default_graphs, named_graphs)
        if isinstance(res, ox.QueryBoolean | ox.QuerySolutions):
            return solutions_result(res)
        g = Graph()
        for t in res:
            g.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))  # type: ignore[arg-type]
        return Result("graph", graph=g)

    def query_raw(
        self,
        sparql: str,
        fmt: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> tuple[bytes, str]:
        res = self._run(sparql, default_graphs, named_graphs)
        if isinstance(res, ox.QueryTriples):
            rf = RDF_FORMATS.get(fmt, ox.RdfFormat.N_TRIPLES)
            return bytes(res.serialize(format=rf)), rf.media_type
        qf = RESULT_FORMATS.get(fmt, ox.QueryResultsFormat.JSON)
        return bytes(res.serialize(format=qf)), qf.media_type

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        try:
            self._s.update(sparql, prefixes=PREFIXES, base_iri=base_iri)
        except SyntaxError as e:
            from kg.store.sparql_check import user_message

            raise QueryError(f"SPARQL update syntax error: {user_message(str(e), sparql)}") from None
        except OSError as e:
            raise StoreError(f"update failed, nothing written: {e}") from e

    def replace_graphs(self, graphs: Mapping[str, Iterable[tuple[Term, Term, Term]]]) -> None:
        self.update(replace_update(graphs))

    def dump(self, out: IO[bytes], fmt: str, graphs: list[str] | None = None) -> None:
        rf = RDF_FORMATS[fmt]
        kw = prefixes_for(rf)
        if graphs:  # one serialization of all the chosen graphs (one JSON-LD document, one prefix block)
            quads = (q for g in graphs for q in self._s.quads_for_pattern(None, None, None, ox.NamedNode(g)))
            if rf.supports_datasets:
                ox.serialize(quads, out, rf, **kw)
            else:
                ox.serialize((q.triple for q in quads), out, rf, **kw)
        elif rf.supports_datasets:
            self._s.dump(out, rf, **kw)
        else:  # a triples format: the union of all graphs
            seen = (ox.Triple(q.subject, q.predicate, q.object) for q in self._s)
            ox.serialize(seen, out, rf, **kw)

    def flush(self) -> None:
        try:
            self._s.flush()
        except OSError as e:
            raise StoreError(f"could not write the store {self.location} to disk: {e}") from e

    def close(self) -> None:
        try:
            if self.location != ":memory:":
                self._s.flush()
        except OSError as e:
            raise StoreError(f"could not write the store {self.location} to disk: {e}") from e
        finally:
            del self._s
