"""kg.text: normalisation and matching keys."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from kg.text import ascii_fold, fold, modern_tones, modern_tones_fast, normalize


@given(st.text())
def test_normalize_idempotent_and_nfc(s: str) -> None:
    n = normalize(s)
    assert normalize(n) == n
    assert unicodedata.is_normalized("NFC", n)


@given(st.text())
def test_modern_tones_keeps_length(s: str) -> None:
    s = unicodedata.normalize("NFC", s)
    assert len(modern_tones(s)) == len(s)


def test_fold_and_lookalikes() -> None:
    assert fold("Tỉnh Uỷ ") == fold("tỉnh ủy")
    assert normalize("\u00d0ảng ủy") == "Đảng ủy"
    assert ascii_fold("Nguyễn Đình Đức") == "nguyen dinh duc"
    assert normalize(unicodedata.normalize("NFD", "Bí thư")) == "Bí thư"


@given(st.text(alphabet=st.sampled_from(list("oOuUaAeEyYàáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸỳýỷỹỵỲÝỶỸỴ hx_.\u0301")), max_size=40))
def test_modern_tones_fast_is_modern_tones(s: str) -> None:
    s = unicodedata.normalize("NFC", s)
    assert modern_tones_fast(s) == modern_tones(s)


@given(st.text())
def test_modern_tones_fast_any_text(s: str) -> None:
    s = unicodedata.normalize("NFC", s)
    assert modern_tones_fast(s) == modern_tones(s)
