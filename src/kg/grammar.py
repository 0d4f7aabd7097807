"""Vocabulary mined from the bulk corpus (``rules/mined.yaml``, written by ``kg.mine_vocab``), compiled
for the extractors.

Counts become three word classes:

- ``compounds``: two-syllable words ("ngoại giao"); the second syllable of a capitalised word in a unit name
  belongs to it ("Bộ Ngoại giao"), even when it is also a function word elsewhere ("giao" = to hand over).
- ``inside``: lower-case words that run a unit name on ("Bộ Giao thông vận tải", "Sở Tài chính tỉnh Y");
  a word is inside when it went on into a longer closed name at least ``RATIO`` times as often as not.
- ``after``: lower-case words that end a unit name (verbs, prepositions: "Bộ Ngoại giao cho biết").

Only words with at least ``MIN_COUNT`` observations get a class; every other word keeps the hand-written
rules of ``orgs.yaml`` / ``roles.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from kg.errors import RuleError
from kg.rules import PhraseTable, key

RATIO = 2.0
MIN_COUNT = 10


@dataclass(frozen=True)
class Mined:
    compounds: frozenset[tuple[str, str]]
    inside: frozenset[str]
    after: frozenset[str]
    leans_after: frozenset[str]  # seen more often ending a name than inside one (any margin)


def compile_mined(data: dict) -> Mined:
    comp = set()
    for pair in (data.get("compounds") or {}):
        a, _, b = str(pair).partition(" ")
        if a and b:
            comp.add((key(a), key(b)))
    inside, after, leans = set(), set(), set()
    for w, c in (data.get("unit_words") or {}).items():
        i, a = int(c.get("inside", 0)), int(c.get("after", 0))
        k = key(str(w))
        if i >= MIN_COUNT and i >= RATIO * a:
            inside.add(k)
        elif a >= MIN_COUNT and a >= RATIO * i:
            after.add(k)
        if a > i:
            leans.add(k)
    return Mined(frozenset(comp), frozenset(inside), frozenset(after), frozenset(leans))


@lru_cache(maxsize=1)
def load_mined() -> Mined:
    try:
        text = resources.files("kg").joinpath("rules", "mined.yaml").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return Mined(frozenset(), frozenset(), frozenset(), frozenset())
    return compile_mined(yaml.safe_load(text) or {})


# --------------------------------------------------------------------------------------------------
# localities (rules/localities.yaml)


@dataclass(frozen=True)
class Localities:
    place_words: PhraseTable  # value: level
    committees: PhraseTable  # value: level
    default_word: dict[str, str]
    provincial_heads: frozenset[str]
    min_mentions: int
    dominance: float


@lru_cache(maxsize=1)
def load_localities() -> Localities:
    text = resources.files("kg").joinpath("rules", "localities.yaml").read_text(encoding="utf-8")
    d = yaml.safe_load(text)
    try:
        levels: dict[str, list[str]] = d["levels"]
        pw = {w: lvl for lvl, ws in levels.items() for w in ws}
        cm = {w: lvl for lvl, ws in d["level_committees"].items() for w in ws}
        return Localities(
            place_words=PhraseTable(pw),
            committees=PhraseTable(cm),
            default_word={lvl: ws[0] for lvl, ws in levels.items()},
            provincial_heads=frozenset(key(w) for w in d["provincial_heads"]),
            min_mentions=int(d["min_mentions"]),
            dominance=float(d["dominance"]),
        )
    except (KeyError, TypeError, IndexError) as e:
        raise RuleError(f"localities.yaml: missing or malformed {e}") from e
