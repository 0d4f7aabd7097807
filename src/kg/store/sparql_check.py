"""What a SPARQL text asks for before Oxigraph runs it: remote calls, its own dataset, USING clauses.

Oxigraph executes ``SERVICE <url>`` (a query sent to any address) and ``LOAD <url>`` (a download)
and pyoxigraph has no switch to turn them off, so a server that must make no outbound request reads
the request first:

- :func:`check_query` / :func:`check_update` parse the text with rdflib's SPARQL grammar and walk
  the whole parse tree (subqueries, OPTIONAL, UNION, MINUS, EXISTS in filters, update WHERE
  clauses) for ``ServiceGraphPattern`` and ``Load``. An endpoint or source not in the operator's
  allow list (``KG_SERVICE_ALLOW``) raises :class:`RemoteRefused`. A second, independent reading by
  :func:`tokens` (strings, IRIs, comments and prefixed names skipped) must agree: a bare ``SERVICE``
  or ``LOAD`` keyword that the parse tree does not explain is refused too, so a text the two parsers
  read differently fails closed. A text that rdflib cannot parse is refused when it has either
  keyword, and left to Oxigraph's parser otherwise.
- :func:`check_query` also says whether the query names its own dataset (``FROM`` / ``FROM NAMED``):
  only a query that names none gets the union of the named graphs as its default graph.
- :func:`with_using` adds the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to each
  ``DELETE/INSERT … WHERE`` operation as ``USING`` clauses, and refuses an update that already has
  ``USING`` or ``WITH`` (SPARQL 1.1 Protocol §2.2.3).

Both parsers apply SPARQL's ``\\uXXXX`` codepoint escapes to the whole text first, as Oxigraph does.
Texts without the keywords in question skip the rdflib parse (about 20 ms a query).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from kg.errors import QueryError
from kg.store.base import PREFIXES

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<pname>[^\W\d][\w.\-]*:[\w.\-:%]*|:[\w.\-:%]*)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class RemoteRefused(QueryError):
    """The request would make the server contact another address (SERVICE, LOAD): 403."""


@dataclass(frozen=True)
class QueryShape:
    names_dataset: bool  # FROM / FROM NAMED in the query
    services: tuple[str, ...] = ()  # the (allowed) endpoints it calls


def unescape(text: str) -> str:
    """SPARQL codepoint escapes (``\\u0053ERVICE`` is ``SERVICE``), applied to the whole text as the
    grammar says and as Oxigraph and rdflib do before parsing."""

    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _ESCAPE.sub(one, text)


def tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of each token of an unescaped SPARQL text, spaces and comments left out."""
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield kind, m.group(), m.start()


def _keywords(text: str) -> set[str]:
    return {t.upper() for kind, t, _ in tokens(text) if kind == "word"}


def _walk(node: Any) -> Iterator[Any]:
    """Every node of an rdflib SPARQL parse tree (CompValue, ParseResults, lists, dicts)."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        if isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, list | tuple) or type(n).__name__ == "ParseResults":
            stack.extend(list(n))


def _name(n: Any) -> str | None:
    return getattr(n, "name", None) if type(n).__name__ == "CompValue" else None


def _prefixes(tree: Any) -> dict[str, str]:
    out = dict(PREFIXES)
    for n in _walk(tree):
        if _name(n) == "PrefixDecl":
            out[str(dict.get(n, "prefix") or "")] = str(n["iri"])
    return out


def _iri(term: Any, prefixes: dict[str, str], base: str | None) -> str | None:
    """An IRI in the parse tree as a string (a variable, or an unknown prefix: None)."""
    if _name(term) == "pname":
        ns = prefixes.get(str(dict.get(term, "prefix") or ""))
        return None if ns is None else ns + str(dict.get(term, "localname") or "")
    if type(term).__name__ == "URIRef":
        s = str(term)
        return urljoin(base, s) if base and ":" not in s else s
    return None


def _parse(text: str, update: bool) -> Any:
    """rdflib's parse tree of a query or update, parsed in a helper thread: pyparsing keeps the
    exceptions of its failed alternatives, and with their tracebacks every calling frame; in the
    helper those frames are its own, never a caller's that later holds pyoxigraph results (which
    must be dropped in the thread that made them)."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["tree"] = parseUpdate(text) if update else parseQuery(text)
        except Exception as e:  # noqa: BLE001 - pyparsing and rdflib raise several kinds
            out["error"] = str(e)

    t = threading.Thread(target=run, name="kg-sparql-parse", daemon=True)
    t.start()
    t.join()
    if "tree" not in out:
        raise QueryError(f"SPARQL syntax error: {out.get('error', 'unreadable')}")
    return out["tree"]


def _check_remote(tree: Any, text: str, allow: Iterable[str], base: str | None, update: bool) -> tuple[str, ...]:
    allowed = set(allow)
    prefixes = _prefixes(tree)
    found: list[str] = []
    services = loads = 0
    for n in _walk(tree):
        kind = _name(n)
        if kind not in ("ServiceGraphPattern", "Load"):
            continue
        term = dict.get(n, "term") if kind == "ServiceGraphPattern" else dict.get(n, "iri")
        what = "SERVICE" if kind == "ServiceGraphPattern" else "LOAD"
        services += kind == "ServiceGraphPattern"
        loads += kind == "Load"
        iri = _iri(term, prefixes, base)
        if iri is None:
            raise RemoteRefused(
                f"{what} with a variable or an unknown prefix as its address is not allowed: this server "
                "makes no outbound requests unless the operator lists the address in KG_SERVICE_ALLOW"
            )
        if "*" not in allowed and iri not in allowed:
            raise RemoteRefused(
                f"{what} <{iri}> is not allowed: this server makes no outbound requests "
                "unless the operator lists the address in KG_SERVICE_ALLOW"
            )
        found.append(iri)
    # the independent reading: every bare keyword must be one the parse tree has accounted for
    words = [t.upper() for kind, t, _ in tokens(text) if kind == "word"]
    if words.count("SERVICE") > services or (update and words.count("LOAD") > loads):
        raise RemoteRefused("the query reads as calling SERVICE or LOAD in a way that cannot be checked; refused")
    return tuple(found)


def check_query(sparql: str, *, allow: Iterable[str] = (), base: str | None = None) -> QueryShape:
    """Refuse SERVICE calls to addresses not in ``allow``; say whether the query names a dataset."""
    text = unescape(sparql)
    low = text.lower()
    if "service" not in low and "from" not in low:  # the cheap answer for nearly every query
        return QueryShape(names_dataset=False)
    words = _keywords(text)
    if not words & {"SERVICE", "FROM"}:
        return QueryShape(names_dataset=False)
    try:
        tree = _parse(text, update=False)
    except QueryError as e:
        if "SERVICE" in words:
            raise RemoteRefused(f"the query has SERVICE and cannot be checked, so it is refused ({e})") from None
        return QueryShape(names_dataset=False)  # Oxigraph's parser will report the error
    services = _check_remote(tree, text, allow, base, update=False)
    names = any(_name(n) == "DatasetClause" for n in _walk(tree))
    return QueryShape(names_dataset=names, services=services)


def names_dataset(sparql: str) -> bool:
    """Whether the query has FROM / FROM NAMED (never raises: a text rdflib cannot read is left to
    Oxigraph's parser, and counts as naming none)."""
    text = unescape(sparql)
    if "from" not in text.lower() or "FROM" not in _keywords(text):
        return False
    try:
        return any(_name(n) == "DatasetClause" for n in _walk(_parse(text, update=False)))
    except QueryError:
        return False


def check_update(sparql: str, *, allow: Iterable[str] = (), base: str | None = None) -> None:
    """Refuse LOAD and SERVICE (in WHERE clauses) from addresses not in ``allow``."""
    text = unescape(sparql)
    low = text.lower()
    if ("service" in low or "load" in low) and _keywords(text) & {"SERVICE", "LOAD"}:
        try:
            tree = _parse(text, update=True)
        except QueryError as e:
            raise RemoteRefused(f"the update has SERVICE or LOAD and cannot be checked, so it is refused ({e})") from None
        _check_remote(tree, text, allow, base, update=True)


def with_using(sparql: str, default: list[str], named: list[str]) -> str:
    """The update with ``USING <g>`` / ``USING NAMED <g>`` before the WHERE of every
    ``DELETE/INSERT … WHERE`` operation. Graph IRIs are checked; the result is parsed again to make
    sure each such operation got exactly these clauses."""
    if not default and not named:
        return sparql
    for g in default + named:
        if _BAD_IRI.search(g) or ":" not in g:
            raise QueryError(f"not a valid graph IRI: {g!r}")
    text = unescape(sparql)
    if text != sparql:  # the rewrite is made on the unescaped text, which Oxigraph would unescape again
        raise QueryError("using-graph-uri / using-named-graph-uri cannot be combined with \\u escapes; use USING")
    tree = _parse(text, update=True)
    modifies = [n for n in _walk(tree) if _name(n) == "Modify"]
    if any(dict.get(n, "withClause") is not None or dict.get(n, "using") for n in modifies):
        raise QueryError(
            "using-graph-uri / using-named-graph-uri cannot be combined with USING or WITH in the update"
        )
    clause = " ".join([f"USING <{g}>" for g in default] + [f"USING NAMED <{g}>" for g in named]) + " "
    out, last, depth, op = [], 0, 0, []  # op: the depth-0 keywords of the current operation
    for kind, tok, pos in tokens(text):
        if kind == "other" and tok == "{":
            if depth == 0:
                op.append("{")
            depth += 1
        elif kind == "other" and tok == "}":
            depth -= 1
        elif kind == "other" and tok == ";" and depth == 0:
            op = []
        elif kind == "word" and depth == 0:
            word = tok.upper()
            if word == "WHERE" and op and op[0] in ("DELETE", "INSERT", "WITH") and op[-1] == "{":
                out.append(text[last:pos] + clause)
                last = pos
            op.append(word)
    out.append(text[last:])
    rewritten = "".join(out)
    again = [n for n in _walk(_parse(rewritten, update=True)) if _name(n) == "Modify"]
    want = sorted([("default", g) for g in default] + [("named", g) for g in named])
    for n in again:
        got = sorted((k, str(u[k])) for u in dict.get(n, "using") or [] for k in ("default", "named") if dict.get(u, k) is not None)
        if got != want:
            raise QueryError("could not apply using-graph-uri to this update; use USING in the update text")
    if len(again) != len(modifies):
        raise QueryError("could not apply using-graph-uri to this update; use USING in the update text")
    return rewritten


_POSITION = re.compile(r"error at (?:line )?(\d+)(?::|, column )(\d+)")


def user_message(message: str, text: str, header_lines: int = 0) -> str:
    """Oxigraph's syntax error in the user's terms: positions in the user's text (``header_lines``
    lines of PREFIX declarations were sent before it), and an unknown prefix named plainly instead
    of the parser's list of expected characters."""
    m = _POSITION.search(message)
    if not m:
        return message
    line, col = int(m.group(1)) - header_lines, int(m.group(2))
    if line < 1:
        line = 1
    where = f"line {line}, column {col}"
    if "Prefix not found" in message:
        lines = text.splitlines() or [""]
        src = lines[line - 1] if line - 1 < len(lines) else ""
        before = src[: max(col - 1, 0)]
        pm = re.search(r"([^\W\d][\w.\-]*)?:[\w.\-:%]*\s*$", before)
        known = ", ".join(sorted(PREFIXES))
        if pm is None:
            return f"unknown prefix at {where}; declare it with PREFIX (built in: {known})"
        name = pm.group(1) or ""
        where = f"line {line}, column {pm.start() + 1}"
        return f"unknown prefix '{name}:' at {where}; declare it with PREFIX {name}: <…> (built in: {known})"
    return _POSITION.sub(f"error at {where}", message, count=1)


_LINE = re.compile(r"\b(at |at line )(\d+)(:|, column )(\d+)")


def shift_lines(message: str, header_lines: int) -> str:
    """A server's error about a text that had ``header_lines`` lines put before the user's (the
    PREFIX declarations a remote store sends) in the user's line numbers; a JSON ``{"detail": …}``
    body quoted in the message is reduced to its detail."""
    m = re.search(r'\{"detail":\s*(".*")\s*\}', message)
    if m:
        import json

        with contextlib.suppress(ValueError):
            message = message[: m.start()] + str(json.loads(m.group(1))) + message[m.end() :]

    def one(p: re.Match[str]) -> str:
        line = max(int(p.group(2)) - header_lines, 1)
        return f"{p.group(1)}{line}{p.group(3)}{p.group(4)}"

    return _LINE.sub(one, message)


__all__ = ["QueryShape", "RemoteRefused", "check_query", "check_update", "tokens", "names_dataset", "shift_lines", "unescape", "user_message",
           "with_using"]
