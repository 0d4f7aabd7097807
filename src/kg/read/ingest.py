"""Reading articles: files and folders -> ``Article`` records (decoded, normalised, hashed).

Bad input raises ``ArticleError`` with the reason; callers report it by file name and go on. Reading
never raises anything else for any bytes: empty, binary, truncated or damaged UTF-8, too large.

Odd but valid input is read, and ``Article.conversions`` says what reading had to do:
"bom", "utf-16", "crlf", "nfd", "controls" (stray control characters dropped), "html" (main text
taken out of a web page), and a legacy encoding: "cp1258", "tcvn3" or "vni".

Decoding order: UTF-8 first (a file that is valid UTF-8 is UTF-8); a file that is almost UTF-8 is
damaged UTF-8 and is refused; anything else is decoded as each legacy encoding, and the one whose
text looks most Vietnamese wins (``kg.read.encodings``).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.config import StoreSettings
from kg.errors import ArticleError, KgError
from kg.models import Article
from kg.read import encodings
from kg.text import normalize

DEFAULT_MAX_BYTES = 2_000_000
ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
# A legacy decoding is accepted when at least this share of its words with diacritics are
# Vietnamese syllables; the right one scores near 1.0, wrong ones well under 0.5.
MIN_VIETNAMESE_SCORE = 0.6
# More control characters than this share of the text means a binary file, not a damaged article.
MAX_CONTROL_SHARE = 0.01
# A file whose non-ASCII bytes are mostly well-formed UTF-8 sequences is UTF-8, damaged.
UTF8_SHARE = 0.5

_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH = re.compile(rb"[\x80-\xff]")
_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>])", re.I | re.S)
_HTML_TAGS = re.compile(r"<(?:body|p|div|article)[\s>]", re.I)
_ANY_TAG = re.compile(r"<(?:[a-z][a-z0-9]*|!--|!doctype|/[a-z][a-z0-9]*)[\s/>]", re.I)


def max_bytes(settings: StoreSettings | None = None) -> int:
    """The size limit for one article file: $KG_MAX_ARTICLE_BYTES, else 2 MB."""
    raw = (settings or StoreSettings.from_env()).max_article_bytes
    if raw is None or not raw.strip():
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise KgError(f"KG_MAX_ARTICLE_BYTES must be a whole number of bytes, got {raw!r}") from None
    if value <= 0:
        raise KgError(f"KG_MAX_ARTICLE_BYTES must be positive, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Refused:
    """Something under a given folder that is not read, and why: reported like an article that failed
    (``read_article`` raises ArticleError with the reason), so the rest goes on and nothing is silent."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return str(self.path)


def iter_article_paths(paths: Iterable[str | Path]) -> Iterator[Path | Refused]:
    """Files as given, and every article file under folders, in a stable (sorted) order.

    Under a folder, symbolic links that lead out of it are not followed (a link to /etc/passwd is not
    an article), and folders that can't be listed are not skipped silently: both come out as
    ``Refused`` with the reason. Files given by name are read wherever they are.
    """
    for p in map(Path, paths):
        if not p.is_dir():
            yield p
            continue
        root = p.resolve()
        errors: list[OSError] = []
        for dirpath, dirs, files in os.walk(p, onerror=errors.append):
            yield from _unlisted(errors)
            here = Path(dirpath)
            dirs.sort()
            for d in dirs:  # os.walk lists links to folders but does not enter them
                if (here / d).is_symlink() and not _inside(here / d, root):
                    yield Refused(here / d, f"link to a folder outside {p} ({_target(here / d)}): not followed")
            for f in sorted(files):
                if f.lower().endswith(ARTICLE_SUFFIXES) and not f.startswith("."):
                    fp = here / f
                    if fp.is_symlink() and not _inside(fp, root):
                        yield Refused(fp, f"link to a file outside {p} ({_target(fp)}): not followed")
                    else:
                        yield fp
        yield from _unlisted(errors)


def _unlisted(errors: list[OSError]) -> Iterator[Refused]:
    while errors:
        e = errors.pop(0)
        yield Refused(Path(e.filename or "?"), f"cannot read folder: {e.strerror or e}")


def _inside(link: Path, root: Path) -> bool:
    target = link.resolve()
    return target == root or root in target.parents


def _target(link: Path) -> str:
    try:
        return shown(os.readlink(link))
    except OSError:
        return "?"


def shown(path: str | Path) -> str:
    """A path for messages: a file name that isn't UTF-8 shows its odd bytes as \\xNN, not as an error."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def article_id_of(path: Path) -> str:
    """The article id of a file: its name without the suffix; bytes that aren't UTF-8 written \\xNN."""
    return shown(path.stem)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # "utf-8", "utf-16", "cp1258", "tcvn3", "vni"
    conversions: tuple[str, ...]


def decode_bytes(data: bytes) -> Decoded:
    """Bytes -> text, with the encoding found and the conversions reading needed. Raises ArticleError."""
    conversions: list[str] = []
    kind = encodings.signature(data)
    if kind:
        raise ArticleError(f"binary file ({kind})")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise ArticleError(f"UTF-16 (by its byte order mark) but broken at byte {e.start}") from None
        return _finish(text.lstrip("\ufeff"), "utf-16", ["bom", "utf-16"])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        conversions.append("bom")
    if b"\x00" in data:
        text16 = _utf16_without_bom(data)
        if text16 is None:
            raise ArticleError("binary file (NUL bytes)")
        return _finish(text16, "utf-16", ["utf-16"])
    try:
        return _finish(data.decode("utf-8"), "utf-8", conversions)
    except UnicodeDecodeError as e:
        _refuse_damaged_utf8(data, e)
    best = encodings.guess(data)[0]
    if best.score < MIN_VIETNAMESE_SCORE:
        raise ArticleError(
            "not UTF-8, and not Vietnamese text in Windows-1258, TCVN3 or VNI either "
            f"(best guess {best.encoding}: {max(best.score, 0):.0%} of words read as Vietnamese)"
        )
    text = encodings.decode(data, best.encoding)
    return _finish(text, best.encoding, [*conversions, best.encoding], nfd_known=True)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a byte order mark: Latin script, no control characters."""
    if len(data) % 2:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        latin = sum(c < "\u0250" or "\u1e00" <= c <= "\u1eff" or "\u2010" <= c <= "\u2026" for c in text)
        if text.strip() and encodings.control_share(text) == 0 and latin >= 0.9 * len(text):
            return text  # Vietnamese is written in Latin letters: random bytes would read as CJK
    return None


def _refuse_damaged_utf8(data: bytes, e: UnicodeDecodeError) -> None:
    """Raise if ``data`` is UTF-8 cut short or with bad bytes, rather than a legacy encoding."""
    high = len(_HIGH.findall(data))
    in_seqs = sum(len(m) for m in _UTF8_SEQ.findall(data))
    if not in_seqs:
        return
    if e.reason == "unexpected end of data" and e.end == len(data):
        raise ArticleError(f"truncated UTF-8: the file ends inside a character (byte {e.start} of {len(data)})")
    if in_seqs >= UTF8_SHARE * high:
        raise ArticleError(f"damaged UTF-8: invalid sequence at byte {e.start} ({e.reason})")


def _finish(text: str, encoding: str, conversions: list[str], *, nfd_known: bool = False) -> Decoded:
    if "\r\n" in text or "\r" in text:
        conversions.append("crlf")
    if not nfd_known and not unicodedata.is_normalized("NFC", text):
        conversions.append("nfd")
    share = encodings.control_share(text)
    if share > MAX_CONTROL_SHARE:
        raise ArticleError(f"binary file ({share:.0%} control characters)")
    if share:
        text = encodings.drop_controls(text)
        conversions.append("controls")
    return Decoded(text, encoding, tuple(conversions))


def decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Bytes -> (text, conversions); see ``decode_bytes``."""
    d = decode_bytes(data)
    return d.text, d.conversions


def looks_like_html(text: str) -> bool:
    """A web page saved under any name: it starts like HTML, or has tags in its first kilobytes."""
    head = text[:4096]
    return bool(_HTML_START.match(head)) or (
        head.lstrip().startswith("<") and len(_HTML_TAGS.findall(head)) >= 2
    )


@dataclass(frozen=True, slots=True)
class Page:
    text: str  # the title on the first line, then the main text
    title: str | None
    url: str | None
    published: str | None


DEEP_HTML = 200  # levels of nesting: past ~255 lxml (libxml2) drops the content, and trafilatura finds none
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "svg", "nav", "footer", "iframe"})
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
                         "header", "blockquote", "pre", "table", "ul", "ol", "dd", "dt", "main"})  # fmt: skip
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                        "track", "wbr"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class FlatText:
    text: str
    title: str | None
    depth: int  # deepest nesting of elements seen


def flat_text(html: str) -> FlatText:
    """All the text of a page, block elements as line breaks, without scripts, styles and menus; the
    title first. A streaming parser (html.parser): no tree, no recursion, any depth."""
    from html.parser import HTMLParser

    class Flat(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.title: list[str] = []
            self.stack: list[str] = []
            self.skip = 0
            self.depth = 0
            self.in_title = False

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag in _BLOCK_TAGS:
                self.parts.append("\n")
            if tag in _VOID_TAGS:
                return
            self.stack.append(tag)
            self.depth = max(self.depth, len(self.stack))
            self.skip += tag in _SKIP_TAGS
            self.in_title = self.in_title or tag == "title"

        def handle_endtag(self, tag: str) -> None:
            if tag in _VOID_TAGS or tag not in self.stack:
                return
            while self.stack:  # close what was left open inside it
                t = self.stack.pop()
                self.skip -= t in _SKIP_TAGS
                if t == "title":
                    self.in_title = False
                if t == tag:
                    break
            if tag in _BLOCK_TAGS:
                self.parts.append("\n")

        def handle_data(self, data: str) -> None:
            if self.in_title:
                self.title.append(data)
            elif not self.skip:
                self.parts.append(data)

    p = Flat()
    p.feed(html)
    p.close()
    lines = (" ".join(line.split()) for line in "".join(p.parts).split("\n"))
    body = "\n".join(line for line in lines if line)
    title = " ".join("".join(p.title).split()) or None
    if title and body and normalize(body.split("\n", 1)[0]) != normalize(title):
        body = f"{title}\n{body}"
    return FlatText(body, title, p.depth)


def main_text(html: str) -> Page:
    """The article in a web page, without menus, footers and comments (trafilatura)."""
    import trafilatura  # slow to import; only web pages need it

    try:
        doc = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_images=False, favor_precision=True
        )
    except (ValueError, TypeError, AttributeError, LookupError) as e:  # lxml/trafilatura on odd markup
        raise ArticleError(f"HTML page can't be parsed: {type(e).__name__}: {e}") from None
    body = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not body:
        flat = flat_text(html)
        if flat.depth < DEEP_HTML or not flat.text:
            raise ArticleError("HTML page without main text")
        # nested deeper than lxml parses (256 levels): trafilatura saw nothing; take all the text
        return Page(flat.text, flat.title, None, None)
    title = (getattr(doc, "title", None) or "").strip() or None
    if title and normalize(body.split("\n", 1)[0]) != normalize(title):
        body = f"{title}\n{body}"
    date = getattr(doc, "date", None) or None
    return Page(body, title, getattr(doc, "url", None) or None, date)


def article_from_text(
    article_id: str,
    raw: str,
    *,
    url: str | None = None,
    published: str | None = None,
    source_path: str | None = None,
    encoding: str = "utf-8",
    conversions: tuple[str, ...] = (),
) -> Article:
    """An Article from text already decoded: normalised, titled by its first line, hashed."""
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
        encoding=encoding,
        conversions=conversions,
    )


def article_from_bytes(
    article_id: str, data: bytes, *, html: bool | None = None, source_path: str | None = None
) -> Article:
    """An Article from a file's bytes. Raises ArticleError.

    ``html``: True for a web page (a .html file; one without any tag is read as text), None to sniff.
    """
    if not data.strip(b" \t\r\n\f\v") or data in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        raise ArticleError("empty file")
    d = decode_bytes(data)
    if not d.text.strip():
        raise ArticleError("empty file")
    if (html and _ANY_TAG.search(d.text)) or (html is None and looks_like_html(d.text)):
        page = main_text(d.text)
        return article_from_text(
            article_id, page.text, url=page.url, published=page.published, source_path=source_path,
            encoding=d.encoding, conversions=(*d.conversions, "html"),
        )
    return article_from_text(
        article_id, d.text, source_path=source_path, encoding=d.encoding, conversions=d.conversions
    )


def read_article(path: str | Path | Refused) -> Article:
    """Read one article file. Raises ArticleError (empty, binary, undecodable, too large, refused)."""
    if isinstance(path, Refused):
        raise ArticleError(path.reason)
    p = Path(path)
    limit = max_bytes()
    try:
        if not p.is_file():
            raise ArticleError("not a file" if p.exists() else "no such file")
        size = p.stat().st_size
        if size > limit:
            raise ArticleError(f"too large ({size} bytes > limit {limit}; set KG_MAX_ARTICLE_BYTES)")
        with p.open("rb") as f:
            data = f.read(limit + 1)  # the file may have grown since stat
    except OSError as e:
        raise ArticleError(f"cannot read: {e.strerror or e}") from e
    if len(data) > limit:
        raise ArticleError(f"too large (over the limit of {limit} bytes; set KG_MAX_ARTICLE_BYTES)")
    is_html = True if p.suffix.lower() in HTML_SUFFIXES else None
    return article_from_bytes(article_id_of(p), data, html=is_html, source_path=shown(p))
