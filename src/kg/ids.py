"""Stable, meaningful IRIs: a readable slug plus a short hash of the identity key.

The same key always gives the same IRI, whatever the run, the order of articles or the machine.
"""

from __future__ import annotations

import hashlib
import re

from rdflib import URIRef

from kg.text import ascii_fold
from kg.vocab import GRAPH, ID

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 60) -> str:
    """"Trường Đại học Công nghệ" -> "truong-dai-hoc-cong-nghe"; never empty, IRI-safe."""
    s = _NON_SLUG.sub("-", ascii_fold(text)).strip("-")[:limit].rstrip("-")
    return s or "x"


def digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def make_id(kind: str, label: str, *key: str) -> URIRef:
    """IRI for an entity of ``kind``: ``id/{kind}/{slug(label)}-{hash(key or label)}``."""
    return ID[f"{kind}/{slug(label)}-{digest(*(key or (label,)))}"]


def make_path_id(kind: str, parts: list[str], *key: str) -> URIRef:
    """IRI with a readable path, ELI-like: ``id/doc/tw/nq/19-{hash}`` for issuer / kind / number."""
    path = "/".join(slug(p, 40) for p in parts if p)
    return ID[f"{kind}/{path}-{digest(*(key or tuple(parts)))}"]


def article_iri(article_id: str) -> URIRef:
    return ID[f"article/{slug(article_id, 120)}-{digest(article_id)}"]


def article_graph(article_id: str) -> URIRef:
    """The named graph that holds one article's facts."""
    return GRAPH[f"article/{slug(article_id, 120)}-{digest(article_id)}"]


def sentence_iri(article_id: str, start: int, end: int) -> URIRef:
    return ID[f"sentence/{slug(article_id, 120)}-{digest(article_id)}/{start}-{end}"]
