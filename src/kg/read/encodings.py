"""Legacy Vietnamese encodings: Windows-1258, TCVN3 (ABC) and VNI, read into NFC Unicode.

The tables are data (``src/kg/encodings/*.yaml``, with their sources); this module only interprets
them. Reading a file that is not UTF-8 decodes it as every candidate and keeps the one whose text
looks most Vietnamese (``vietnamese_score``: the share of words with diacritics that are well-formed
syllables), because the three encodings overlap byte for byte and no header says which one a file
uses. ``encode`` is the inverse, used by the tests to round-trip every letter and to write fixtures.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from kg.errors import KgError

LEGACY = ("cp1258", "tcvn3", "vni")  # also the order of preference when scores tie
SAMPLE_CHARS = 65_536  # the choice is made on a sample; the winner then decodes the whole file
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")  # all but tab and line breaks


def _load(name: str) -> dict[str, Any]:
    try:
        text = resources.files("kg.read").joinpath("encodings", name).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as e:
        raise KgError(f"encoding table encodings/{name} can't be read: {e}") from e
    if not isinstance(data, dict):
        raise KgError(f"encoding table encodings/{name}: expected a mapping at the top")
    return data


# ---------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class _Tables:
    cp1252: str  # 256 characters: byte -> char, Latin-1 where Windows-1252 leaves a byte undefined
    cp1258: str
    tcvn3: str  # VN3, Windows-1252 punctuation at 0x80-0x9F
    tcvn3_vn1: str  # VN1: capitals at 0x80-0x9F and some C0 codes
    vni_to_letter: dict[str, str]  # VNI sequence (as Windows-1252 text) -> letter
    vni_re: re.Pattern[str]
    letter_to_vni: dict[str, str]
    tcvn3_inverse: dict[str, int]
    syllable_re: re.Pattern[str]
    tone_marks: frozenset[str]
    edge: str
    signatures: tuple[tuple[bytes, str], ...]


def _single_byte(codec: str) -> str:
    """A codec's 256 characters; bytes it leaves undefined read as U+FFFD, which scores as junk."""
    out = []
    for b in range(256):
        try:
            out.append(bytes([b]).decode(codec))
        except UnicodeDecodeError:
            out.append("\ufffd")
    return "".join(out)


def _check_byte(key: str, b: object, ch: object) -> None:
    low = 0xA0 if key == "bytes" else 0
    if not (isinstance(b, int) and low <= b < 256 and isinstance(ch, str) and len(ch) == 1):
        raise KgError(f"encodings/tcvn3.yaml: bad entry in `{key}`: {b!r}: {ch!r}")


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@functools.cache
def tables() -> _Tables:
    """Load and check the tables once (they are constant package data)."""
    tc = _load("tcvn3.yaml")
    cp1252 = _single_byte("cp1252")
    # ASCII, Windows-1252 punctuation at 0x80-0x9F, then the table's VN3 bytes 0xA0-0xFF.
    vn3 = [chr(b) for b in range(0x80)] + list(cp1252[0x80:0xA0]) + [""] * 0x60
    for b, ch in tc["bytes"].items():
        _check_byte("bytes", b, ch)
        vn3[b] = ch
    missing = [f"0x{b:02X}" for b in range(0xA0, 0x100) if not vn3[b]]
    if missing or len(vn3) != 256:
        raise KgError(f"encodings/tcvn3.yaml: `bytes` must map every byte 0xA0-0xFF; missing {missing}")
    vn1 = list(vn3)
    for b, ch in tc["vn1_capitals"].items():
        _check_byte("vn1_capitals", b, ch)
        vn1[b] = ch
    inverse = {ch: b for b, ch in enumerate(vn3) if b >= 0x80 and ch != "\ufffd"}
    inverse.update({ch: b for b, ch in enumerate(vn1) if vn1[b] != vn3[b]})

    letters: dict[str, str] = _load("vni.yaml")["letters"]
    to_letter: dict[str, str] = {}
    for letter, seq in letters.items():
        if seq in to_letter:
            raise KgError(f"encodings/vni.yaml: {seq!r} is given for both {to_letter[seq]!r} and {letter!r}")
        to_letter[seq] = letter
    # Tolerance: a capital base with a small mark (or the reverse) still means that letter, in the
    # base letter's case; such mixed pairs don't occur in any other reading of the bytes.
    for seq, letter in list(to_letter.items()):
        if len(seq) == 2:
            mixed = seq[0] + seq[1].swapcase()
            to_letter.setdefault(mixed, letter.upper() if seq[0].isupper() else letter.lower())

    vn = _load("vietnamese.yaml")
    syllable = (
        f"(?:{_alternation(vn['onsets'])})?"
        f"(?:(?:{_alternation(vn['open_nuclei'])})(?:{_alternation(vn['codas'])})?"
        f"|(?:{_alternation(vn['closed_nuclei'])}))"
    )
    sigs = tuple(
        (key.encode("latin-1"), str(name)) for key, name in _load("signatures.yaml")["signatures"].items()
    )
    return _Tables(
        cp1252=cp1252,
        cp1258=_single_byte("cp1258"),
        tcvn3="".join(vn3),
        tcvn3_vn1="".join(vn1),
        vni_to_letter=to_letter,
        vni_re=re.compile(_alternation(list(to_letter))),
        letter_to_vni=dict(letters),
        tcvn3_inverse=inverse,
        syllable_re=re.compile(syllable),
        tone_marks=frozenset(vn["tone_marks"]),
        edge=vn["edge_punctuation"],
        signatures=sigs,
    )


# ------------------------------------------------------------------------------------ decode / encode


def _by_byte(data: bytes, table: str) -> str:
    return data.decode("latin-1").translate(dict(enumerate(table)))


def decode(data: bytes, encoding: str) -> str:
    """Bytes in a legacy encoding -> NFC text (tone marks written as combining characters composed)."""
    t = tables()
    if encoding == "cp1258":
        text = _by_byte(data, t.cp1258)
    elif encoding == "tcvn3":
        text = unicodedata.normalize("NFC", _by_byte(data, t.tcvn3))
        if any(t.tcvn3_vn1[b] != t.tcvn3[b] for b in set(data)):
            vn1 = unicodedata.normalize("NFC", _by_byte(data, t.tcvn3_vn1))
            if _plausibility(vn1[:SAMPLE_CHARS]) > _plausibility(text[:SAMPLE_CHARS]):
                text = vn1
    elif encoding == "vni":
        text = t.vni_re.sub(lambda m: t.vni_to_letter[m.group()], _by_byte(data, t.cp1252))
    else:
        raise ValueError(f"unknown legacy encoding {encoding!r}; known: {', '.join(LEGACY)}")
    return unicodedata.normalize("NFC", text)


def encode(text: str, encoding: str, errors: str = "strict") -> bytes:
    """NFC text -> bytes in a legacy encoding (for tests and fixtures).

    A character the encoding lacks raises ValueError, or becomes "?" with ``errors="replace"``.
    """
    if errors == "replace":
        return b"".join(_encode_char(ch, encoding) for ch in unicodedata.normalize("NFC", text))
    return _encode(text, encoding)


def _encode_char(ch: str, encoding: str) -> bytes:
    try:
        return _encode(ch, encoding)
    except ValueError:
        return b"?"


def _encode(text: str, encoding: str) -> bytes:
    t = tables()
    text = unicodedata.normalize("NFC", text)
    if encoding == "cp1258":
        # Windows-1258 has the shaped letters (â, ơ, ư, đ…) but writes most tones as combining marks.
        out = bytearray()
        for ch in text:
            try:
                out += ch.encode("cp1258")
            except UnicodeEncodeError:
                d = unicodedata.normalize("NFD", ch)
                tones = "".join(c for c in d if c in t.tone_marks)
                base = unicodedata.normalize("NFC", "".join(c for c in d if c not in t.tone_marks))
                try:
                    out += (base + tones).encode("cp1258")
                except UnicodeEncodeError as e:
                    raise ValueError(f"{ch!r} has no Windows-1258 form") from e
        return bytes(out)
    if encoding == "tcvn3":
        out = bytearray()
        for ch in text:
            if ch in t.tcvn3_inverse:
                out.append(t.tcvn3_inverse[ch])
            elif ord(ch) < 0x80:
                out.append(ord(ch))
            else:
                raise ValueError(f"{ch!r} has no TCVN3 form")
        return bytes(out)
    if encoding == "vni":
        try:
            return "".join(t.letter_to_vni.get(ch, ch) for ch in text).encode("cp1252")
        except UnicodeEncodeError as e:
            raise ValueError(f"{e.object[e.start]!r} has no VNI form") from e
    raise ValueError(f"unknown legacy encoding {encoding!r}; known: {', '.join(LEGACY)}")


# ----------------------------------------------------------------------------------------- detection


def is_syllable(word: str) -> bool:
    """A well-formed written Vietnamese syllable (any case, at most one tone mark)."""
    t = tables()
    d = unicodedata.normalize("NFD", word.casefold())
    if sum(c in t.tone_marks for c in d) > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(c for c in d if c not in t.tone_marks))
    return t.syllable_re.fullmatch(base) is not None


def vietnamese_score(text: str) -> float:
    """Share of the words with non-ASCII characters that are Vietnamese syllables (0.0 if none).

    Control characters and U+FFFD count as bad words: a wrong decoding of legacy bytes produces them.
    """
    t = tables()
    considered = good = 0
    for raw in text.split():
        word = raw.strip(t.edge)
        if not word or word.isascii() and word.isprintable():
            continue
        considered += 1
        parts = word.split("-")
        if all(p.isascii() or is_syllable(p) for p in parts):
            good += 1
    return good / considered if considered else 0.0


def _plausibility(text: str) -> float:
    return vietnamese_score(text) - control_share(text)


def control_share(text: str) -> float:
    """Share of characters that are C0/C1 controls (other than tab and line breaks) or U+FFFD."""
    if not text:
        return 0.0
    return len(_CONTROL_RE.findall(text)) / len(text)


def drop_controls(text: str) -> str:
    """``text`` without the characters ``control_share`` counts."""
    return _CONTROL_RE.sub("", text)


@dataclass(frozen=True, slots=True)
class Guess:
    encoding: str
    score: float  # vietnamese_score of the sample, less the share of control characters


def guess(data: bytes) -> list[Guess]:
    """Every legacy candidate for ``data``, best first (ties keep the order of LEGACY)."""
    sample = data[:SAMPLE_CHARS]
    guesses = []
    for enc in LEGACY:
        guesses.append(Guess(enc, _plausibility(decode(sample, enc))))
    return sorted(guesses, key=lambda g: -g.score)


def signature(data: bytes) -> str | None:
    """The name of a non-text format ``data`` starts with (PDF, PNG, ZIP…), or None."""
    for magic, name in tables().signatures:
        if data.startswith(magic):
            return name
    return None
