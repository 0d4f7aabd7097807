"""Pure, total text functions: normalisation of scraped Vietnamese text and matching keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Old-style tone placement ("hoà", "thuý") -> modern ("hòa", "thúy"), at a syllable's end only,
# as ../shared/tools/score_facts.py does, so that our identity keys agree with the scorer.
_OLD_TO_NEW = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}  # fmt: skip
_OLD_TONE_RE = re.compile("(" + "|".join(_OLD_TO_NEW) + r")(?![\wà-ỹ])", re.IGNORECASE)
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_WS_RE = re.compile(r"\s+")
# "Ð" (U+00D0, Icelandic eth) is a frequent look-alike of "Đ" (U+0110) in scraped Vietnamese.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
_EDGE_PUNCT = " .,;:–-—\"'“”()[]…!?"


def _old_to_new(m: re.Match[str]) -> str:
    s = m.group(1)
    new = _OLD_TO_NEW[s.lower()]
    return new.upper() if s.isupper() else (new[0].upper() + new[1:] if s[0].isupper() else new)


def modern_tones(s: str) -> str:
    """Move old-style tone marks to the modern place ("hoà" -> "hòa"). Input must be NFC."""
    return _OLD_TONE_RE.sub(_old_to_new, s)


def normalize(text: str) -> str:
    """Normalise an article's text: NFC, LF line ends, no zero-width characters, one space, "Đ".

    Idempotent: ``normalize(normalize(s)) == normalize(s)``. Line structure is kept (the first
    line is the title); tone placement is kept as written.
    """
    s = text.replace("\r\n", "\n").replace("\r", "\n").translate(_ZERO_WIDTH)
    s = unicodedata.normalize("NFC", s).translate(_LOOKALIKES)
    lines = (_SPACES_RE.sub(" ", line).strip() for line in s.split("\n"))
    return "\n".join(lines).strip("\n")


def collapse_ws(s: str) -> str:
    return _WS_RE.sub(" ", s).strip()


def strip_edge_punct(s: str) -> str:
    return s.strip(_EDGE_PUNCT)


@lru_cache(maxsize=1 << 16)
def fold(s: str) -> str:
    """Matching key that keeps diacritics: NFC, "Đ", modern tones, case-folded, one space."""
    s = unicodedata.normalize("NFC", s).translate(_LOOKALIKES)
    return strip_edge_punct(collapse_ws(modern_tones(s).casefold()))


@lru_cache(maxsize=1 << 16)
def ascii_fold(s: str) -> str:
    """Matching key without diacritics ("Nguyễn Đình Đức" -> "nguyen dinh duc"), for search."""
    s = unicodedata.normalize("NFD", fold(s)).replace("đ", "d")
    return "".join(c for c in s if not unicodedata.combining(c))


# The same rewrite as ``modern_tones`` with character classes instead of a 15-way alternation: about five
# times faster on whole articles (extraction runs it once per article).
_OLD_TONE_FAST_RE = re.compile("(o[àáảãạèéẻẽẹ]|u[ỳýỷỹỵ])(?![\\wà-ỹ])", re.IGNORECASE)


def modern_tones_fast(s: str) -> str:
    """Exactly ``modern_tones(s)`` (property-tested), faster on long texts. Input must be NFC."""
    return _OLD_TONE_FAST_RE.sub(_old_to_new, s)
