"""The project's one writer of RDF terms as text: N-Triples, N-Quads and the data of SPARQL Updates.

Its escaping is total, so no parser can read its output differently from what was meant:
- the output is printable ASCII plus the "\\n" that ends each line, whatever the input; every other
  character of a literal is an escape (``\\"`` ``\\\\`` ``\\n`` ``\\r`` ``\\t`` ``\\b`` ``\\f``, else
  ``\\uXXXX`` / ``\\UXXXXXXXX``), so no line separator (U+2028, U+0085, ``\\x0b`` …) and no control
  character ever reaches a parser raw;
- ``"``, ``\\``, line feed and carriage return are written as the two-character escapes, never as
  ``\\u0022``-style codepoints: SPARQL 1.1 lets a server decode ``\\uXXXX`` before parsing, and a
  decoded quote would end the literal. For the same reason a ``u`` or ``U`` right after a backslash
  of the text is written as a codepoint, so ``\\\\u0022`` in the text can't become a quote either;
- IRIs are checked against the N-Triples IRIREF production plus a scheme (absolute IRIs only) and
  written with their non-ASCII characters as codepoints; language tags and blank node labels are
  checked against their productions; text that is not Unicode (lone surrogates) is refused.

Anything refused raises ``TermError`` (a ``KgError``) naming what was wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import BNode, Literal, URIRef

from kg.errors import KgError

# IRIREF minus UCHAR (we never read escapes back), plus: absolute (a scheme), no surrogates
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\ud800-\udfff]*")
_LANG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_BNODE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_ECHAR = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


class TermError(KgError):
    """A term that has no safe text form: a relative or malformed IRI, a bad language tag, not Unicode."""


def _uchar(cp: int) -> str:
    return f"\\u{cp:04X}" if cp < 0x10000 else f"\\U{cp:08X}"


class _LiteralTable(dict):  # type: ignore[type-arg]
    """str.translate table for literal text, filled on first sight of each character."""

    def __missing__(self, cp: int) -> str:
        if 0xD800 <= cp <= 0xDFFF:
            raise TermError(f"text is not valid Unicode (lone surrogate U+{cp:04X})")
        c = chr(cp)
        out = _ECHAR.get(c) or (c if 0x20 <= cp < 0x7F else _uchar(cp))
        self[cp] = out
        return out


class _IriTable(dict):  # type: ignore[type-arg]
    """str.translate table for a checked IRI: non-ASCII characters as codepoints."""

    def __missing__(self, cp: int) -> str:
        out = chr(cp) if cp < 0x80 else _uchar(cp)
        self[cp] = out
        return out


_LIT = _LiteralTable()
_IRI_TABLE = _IriTable()
_BACKSLASH_U = re.compile(r"\\([uU])")


def literal_text(value: str) -> str:
    """``value`` as the quoted text of a literal: ``"…"`` in printable ASCII."""
    if "\\" in value:
        # "\u" in the text: the backslash as \\ and the u as a codepoint (see the module doc)
        parts = _BACKSLASH_U.split(value)  # [text, "u", text, "U", text …]
        out = []
        for i, part in enumerate(parts):
            out.append(part.translate(_LIT) if i % 2 == 0 else "\\\\" + _uchar(ord(part)))
        return f'"{"".join(out)}"'
    return f'"{value.translate(_LIT)}"'


def iri_text(value: str) -> str:
    """``<value>``, after checking it is an absolute IRI that needs no escaping to stay one."""
    return f"<{check_iri(value).translate(_IRI_TABLE)}>"


def check_iri(value: str) -> str:
    """``value`` unchanged, or TermError when it isn't an IRI ``iri_text`` accepts: absolute, none of
    IRIREF's excluded characters, and no control, separator or unassigned character beyond ASCII."""
    if not _IRI.fullmatch(value) or (
        not value.isascii() and any(unicodedata.category(c)[0] in "CZ" for c in value if c > "\x7f")
    ):
        raise TermError(f"not a valid IRI: {value[:80]!r}")
    return value


def term_text(t: Any) -> str:
    """One rdflib term (IRI, literal, blank node) as N-Triples text, also valid in SPARQL."""
    if isinstance(t, URIRef):
        return iri_text(str(t))
    if isinstance(t, Literal):
        lex = literal_text(str(t))
        if t.language:
            if not _LANG.fullmatch(t.language):
                raise TermError(f"not a language tag: {t.language[:40]!r}")
            return f"{lex}@{t.language}"
        if t.datatype is not None:  # an explicit xsd:string too: the same term, and some engines need it
            return f"{lex}^^{iri_text(str(t.datatype))}"
        return lex
    if isinstance(t, BNode):
        if not _BNODE.fullmatch(str(t)):
            raise TermError(f"not a blank node label: {str(t)[:40]!r}")
        return f"_:{t}"
    raise TermError(f"cannot write {type(t).__name__} as an RDF term")


def ntriples(triples: Iterable[tuple[Any, Any, Any]]) -> tuple[str, int]:
    """N-Triples text (one ``s p o .`` line per triple, "\\n"-terminated) and the number of lines."""
    memo: dict[Any, str] = {}

    def term(t: Any) -> str:
        s = memo.get(t)
        if s is None:
            s = memo[t] = term_text(t)
        return s

    lines = [f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in triples]
    return "".join(lines), len(lines)


def nquads(triples: Iterable[tuple[Any, Any, Any]], graph: str) -> tuple[str, int]:
    """N-Quads text of ``triples`` in the named graph ``graph``, and how many lines it has."""
    g = iri_text(graph)
    body, n = ntriples(triples)
    return to_nquads(body, g), n


def to_nquads(body: str, graph_text: str) -> str:
    """Our own N-Triples ``body`` with ``graph_text`` (``<…>``) as every line's graph.

    Exact because the body is ours: printable ASCII lines, each ending " .\\n" (checked)."""
    _check_ours(body)
    return body.replace(" .\n", f" {graph_text} .\n")


def to_ntriples(nq: str, graph: str) -> str:
    """The inverse of ``to_nquads`` for one graph: our own N-Quads lines back to N-Triples."""
    _check_ours(nq)
    suffix = f" {iri_text(graph)} .\n"
    lines = nq.split("\n")[:-1] if nq else []
    out = []
    for line in lines:
        line += "\n"
        if not line.endswith(suffix):
            raise TermError(f"not a line of graph {graph}: {line[:80]!r}")
        out.append(line[: -len(suffix)] + " .\n")
    return "".join(out)


def _check_ours(text: str) -> None:
    if text and (not text.isascii() or not text.endswith("\n") or _RAW_CONTROL.search(text)):
        raise TermError("not text written by kg.ntriples (raw control or non-ASCII characters)")


_RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


# ---------------------------------------------------------------------------------------------------
# SPARQL Update text, built only from the pieces above.


def insert_data(graph: str, body: str) -> str:
    """``INSERT DATA`` of an N-Triples ``body`` (from ``ntriples``) into one named graph; "" if empty."""
    if not body:
        return ""
    _check_ours(body)
    return f"INSERT DATA {{ GRAPH {iri_text(graph)} {{\n{body}}} }}"


def drop_graph(graph: str) -> str:
    return f"DROP SILENT GRAPH {iri_text(graph)}"


def replace_update(graphs: Mapping[str, str]) -> str:
    """One SPARQL Update that drops and rewrites whole named graphs (one transaction on the server).

    ``graphs``: graph IRI -> its new content as N-Triples text from ``ntriples`` ("" to just drop it).
    """
    ops: list[str] = []
    for g, body in graphs.items():
        ops.append(drop_graph(g))
        if body:
            ops.append(insert_data(g, body))
    return " ;\n".join(ops)
