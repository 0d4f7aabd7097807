"""Properties over generated input (Hypothesis): reading and extraction are total, evidence is exact.

- ``normalize`` is idempotent and returns NFC;
- ``read_article`` raises nothing but ArticleError, whatever the bytes;
- ``extract_facts`` never crashes on any article text, and every evidence sentence is exactly
  ``article.text[start:end]``.

Example counts are bounded so the module runs in seconds; ``derandomize`` makes every run the same.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest_fixtures import LETTERS, SAMPLE, fictional_article, page
from kg.errors import ArticleError
from kg.models import ArticleFacts, Evidence
from kg.read import encodings
from kg.read.ingest import article_from_bytes, article_from_text, read_article
from kg.text import normalize

FAST = settings(max_examples=300, deadline=None, derandomize=True)
BOUNDED = settings(max_examples=120, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ------------------------------------------------------------------------------------- strategies

# Pieces of Vietnamese news prose (fictional names and units) that the extractor reacts to, plus
# the characters that tend to break text code: line breaks, dashes, quotes, brackets, digits, NBSP.
PIECES = (
    "Đồng chí", "đồng chí", "Ông", "Bà", "GS.TS.", "PGS.TS", "ThS.", "Trần Văn Khải", "Lê Thị Mai Hương",
    "Phạm Quốc Bảo", "Vũ Hải Yến", "Bí thư", "Phó Bí thư", "Chủ tịch", "Hiệu trưởng", "nguyên", "Quyền",
    "Đảng ủy", "Chi bộ", "Tỉnh ủy Lâm Xuyên", "Trường Đại học Hòa Vân", "Ủy ban nhân dân", "Bộ Chính trị",
    "Nghị quyết số 88-NQ/TW", "Chỉ thị số 7-CT/TU", "Quyết định số 123/QĐ-UBND", "Luật số 34/2018/QH14",
    "Huân chương Lao động hạng Nhì", "Bằng khen", "Hội nghị", "ngày 12/01/2024", "năm 2023", "khóa XII",
    "tặng", "trao", "chủ trì", "phát biểu", "tham dự", ",", ".", ";", ":", "–", "-", "—", "(", ")", "\"",
    "“", "”", "…", "\n", "\n\n", " ", "\u00a0", "\t", "/", "0", "25", "ĐH", "TW", "Tổng Bí thư",
)  # fmt: skip
prose = st.lists(st.sampled_from(PIECES), max_size=80).map(" ".join)
vietnamese_chars = st.text(alphabet=st.sampled_from(LETTERS + tuple("abcdeghiklmnopqrstuvxy ĐđAB.,-\n0123456789")),
                           max_size=300)
any_text = st.one_of(st.text(max_size=400), prose, vietnamese_chars,
                     st.integers(0, 400).map(lambda i: fictional_article(i, 2)))


def legacy_bytes() -> st.SearchStrategy[bytes]:
    """Vietnamese text in a legacy encoding, sometimes with a few bytes overwritten or cut."""

    def damage(data: bytes, cuts: list[tuple[int, int]]) -> bytes:
        b = bytearray(data)
        for pos, val in cuts:
            if b:
                b[pos % len(b)] = val
        return bytes(b)

    encoded = st.tuples(st.one_of(prose, vietnamese_chars), st.sampled_from(encodings.LEGACY)).map(
        lambda t: encodings.encode(t[0], t[1], errors="replace")
    )
    return st.builds(damage, encoded, st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3))


any_bytes = st.one_of(
    st.binary(max_size=3000),
    legacy_bytes(),
    any_text.map(lambda s: s.encode("utf-8")),
    st.tuples(any_text, st.integers(0, 4000)).map(lambda t: t[0].encode("utf-8")[: t[1]]),  # truncated
    st.tuples(st.sampled_from((b"<html>", b"<!DOCTYPE html><html><body><p>", b"\xef\xbb\xbf<html><head>",
                               b"\xff\xfe", b"%PDF-", b"<p>")), st.binary(max_size=500)).map(b"".join),
    any_text.map(lambda s: page(f"<p>{s}</p>", title=s[:40] or "Tin").encode("utf-8")),
)

# ------------------------------------------------------------------------------------ normalize


@FAST
@given(st.text(max_size=500) | prose | vietnamese_chars)
@example("Ð\u00a0Hoa\u0300\r\n\u200b  x \r")
@example(unicodedata.normalize("NFD", SAMPLE))
def test_normalize_is_idempotent_and_nfc(s: str) -> None:
    once = normalize(s)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)


# ------------------------------------------------------------------------------------ reading


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kg-props-") as d:
        yield Path(d)


@BOUNDED
@given(data=any_bytes, suffix=st.sampled_from([".txt", ".html"]))
@example(data=b"", suffix=".txt")
@example(data=b"\xef\xbb\xbf", suffix=".txt")
@example(data=b"<html>\x00", suffix=".html")
@example(data=b"\x81", suffix=".txt")
def test_read_article_raises_only_article_error_on_any_bytes(scratch: Path, data: bytes, suffix: str) -> None:
    path = scratch / f"bai{suffix}"
    path.write_bytes(data)
    try:
        a = read_article(path)
    except ArticleError as e:
        assert str(e)
        return
    assert a.text.strip() and unicodedata.is_normalized("NFC", a.text)
    assert a.text == normalize(a.text) and a.title == a.text.split("\n", 1)[0]


@FAST
@given(legacy_bytes())
def test_decoding_bytes_raises_only_article_error(data: bytes) -> None:
    try:
        article_from_bytes("x", data)
    except ArticleError:
        pass


# ---------------------------------------------------------------------------------- extraction


def evidence_of(facts: ArticleFacts) -> Iterator[Evidence]:
    for p in facts.people:
        yield from p.evidence
        yield from (r.evidence for r in p.roles if r.evidence)
    for o in facts.organizations:
        yield from o.evidence
    for d in facts.documents:
        yield from d.evidence
    yield from (a.evidence for a in facts.awards if a.evidence)
    yield from (e.evidence for e in facts.events if e.evidence)


@pytest.fixture(scope="module")
def extract():  # type: ignore[no-untyped-def]
    from kg.extract import extract_facts
    from kg.rules import load_rules

    rules = load_rules()
    return lambda article: extract_facts(article, rules)


@BOUNDED
@given(any_text)
@example(SAMPLE)
@example("Đồng chí\n\n,")
def test_extraction_never_crashes_and_evidence_is_exact(extract, text: str) -> None:  # type: ignore[no-untyped-def]
    try:
        article = article_from_text("bai", text)
    except ArticleError:
        return  # empty after normalisation
    facts = extract(article)
    assert isinstance(facts, ArticleFacts)
    for ev in evidence_of(facts):
        assert 0 <= ev.start <= ev.end <= len(article.text)
        assert article.text[ev.start : ev.end] == ev.sentence
