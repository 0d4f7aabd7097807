"""Reading articles: files and folders -> ``Article`` records (decoded, normalised, hashed).

Bad input raises ``ArticleError`` with the reason; callers report it by file name and go on.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import ArticleError
from kg.models import Article
from kg.text import normalize

DEFAULT_MAX_BYTES = 2_000_000
ARTICLE_SUFFIXES = (".txt", ".html", ".htm")


def max_bytes() -> int:
    return int(os.environ.get("KG_MAX_ARTICLE_BYTES", DEFAULT_MAX_BYTES))


def iter_article_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files as given, and every article file under folders, in a stable (sorted) order."""
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith(ARTICLE_SUFFIXES) and not f.startswith("."):
                        yield Path(root) / f
        else:
            yield p


def decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Bytes -> text, with the conversions reading needed (BOM, CRLF, NFD)."""
    conversions: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        conversions.append("bom")
    if b"\x00" in data[:4096]:
        raise ArticleError("binary file (NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ArticleError(f"not valid UTF-8 at byte {e.start}") from e
    if "\r\n" in text:
        conversions.append("crlf")
    if not unicodedata.is_normalized("NFC", text):
        conversions.append("nfd")
    return text, tuple(conversions)


def article_from_text(
    article_id: str,
    raw: str,
    *,
    url: str | None = None,
    published: str | None = None,
    source_path: str | None = None,
    conversions: tuple[str, ...] = (),
) -> Article:
    text = normalize(raw)
    if not text.strip():
        raise ArticleError("empty article")
    title = text.split("\n", 1)[0].strip()
    return Article(
        id=article_id,
        title=title,
        text=text,
        published=published,
        url=url,
        source_path=source_path,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        conversions=conversions,
    )


def read_article(path: str | Path) -> Article:
    """Read one article file. Raises ArticleError (empty, binary, undecodable, too large)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes():
            raise ArticleError(f"too large ({size} bytes > limit {max_bytes()}; set KG_MAX_ARTICLE_BYTES)")
        data = p.read_bytes()
    except OSError as e:
        raise ArticleError(f"cannot read: {e.strerror or e}") from e
    if not data.strip():
        raise ArticleError("empty file")
    text, conversions = decode(data)
    return article_from_text(p.stem, text, source_path=str(p), conversions=conversions)
