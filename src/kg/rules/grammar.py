"""Vocabulary mined from the bulk corpus (``rules/mined.yaml``, written by ``kg.rules.mine_vocab``), compiled
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

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import product
from typing import Any

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
    surnames: tuple[str, ...] = ()  # family names seen starting names after "ông"/"bà" (as written)
    words: frozenset[tuple[str, str]] = frozenset()  # two-syllable words of running text ("thể hiện")
    places: dict[str, str] = field(default_factory=dict)  # folded place name -> level ("hậu giang": province)


def place_key(name: str) -> str:
    """The key a place name is looked up by: its words' keys ("Tiền Giang" -> "tiền giang")."""
    return " ".join(key(t) for t in name.replace("–", "-").split())


def compile_mined(data: dict) -> Mined:
    def pairs(section: str) -> frozenset[tuple[str, str]]:
        out = set()
        for pair in (data.get(section) or {}):
            a, _, b = str(pair).partition(" ")
            if a and b:
                out.add((key(a), key(b)))
        return frozenset(out)

    comp = pairs("compounds")
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
    surn = tuple(str(w) for w in (data.get("surnames") or {}))
    places = {place_key(str(n)): str(v["level"]) for n, v in (data.get("places") or {}).items()}
    return Mined(comp, frozenset(inside), frozenset(after), frozenset(leans), surn, pairs("words") | comp, places)


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
    committee_members: dict[str, str]  # folded member title -> committee
    executive_prefix: PhraseTable
    executive_committee: str
    executive_by_place: PhraseTable  # place word -> committee
    level_committee: dict[str, str] = field(default_factory=dict)  # level -> its party committee ("Tỉnh ủy")


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
            level_committee={lvl: ws[0] for lvl, ws in d["level_committees"].items()},
            provincial_heads=frozenset(key(w) for w in d["provincial_heads"]),
            min_mentions=int(d["min_mentions"]),
            dominance=float(d["dominance"]),
            committee_members={key(k): v for k, v in (d.get("committee_members") or {}).items()},
            executive_prefix=PhraseTable(d["executive"]["prefix"]),
            executive_committee=str(d["executive"]["committee"]),
            executive_by_place=PhraseTable(d["executive"]["by_place_word"]),
        )
    except (KeyError, TypeError, IndexError) as e:
        raise RuleError(f"localities.yaml: missing or malformed {e}") from e


# --------------------------------------------------------------------------------------------------
# constructions (rules/constructions.yaml)

_PART = re.compile(r"\(([^)]*)\)|\[([^\]]*)\]|([^\s()\[\]]+)")


def expand(pattern: str) -> list[str]:
    """All phrases a pattern stands for: "(a|b)" one of, "[a|b]" optional, other words as written."""
    slots: list[list[str]] = []
    for m in _PART.finditer(pattern):
        one, opt, word = m.groups()
        if word is not None:
            slots.append([word])
        elif one is not None:
            slots.append([a.strip() for a in one.split("|") if a.strip()])
        else:
            slots.append([""] + [a.strip() for a in (opt or "").split("|") if a.strip()])
    out = []
    for combo in product(*slots):
        phrase = " ".join(w for w in combo if w)
        if phrase and phrase not in out:
            out.append(phrase)
    return out


@dataclass(frozen=True)
class Example:
    construction: str
    text: str
    yields: tuple[tuple[str, str, str | None], ...]
    not_: tuple[tuple[str, str, str | None], ...]


@dataclass(frozen=True)
class Constructions:
    slots: dict[str, tuple[str, ...]]  # slot -> phrases (patterns expanded)
    examples: tuple[Example, ...]

    def phrases(self, slot: str) -> list[str]:
        return list(self.slots.get(slot, ()))


def _triples(rows: Any, where: str) -> tuple[tuple[str, str, str | None], ...]:
    out = []
    for r in rows or []:
        if not isinstance(r, list) or len(r) != 3:
            raise RuleError(f"constructions.yaml: {where}: expected [person, title, organisation], got {r!r}")
        out.append((str(r[0]), str(r[1]), None if r[2] is None else str(r[2])))
    return tuple(out)


@lru_cache(maxsize=1)
def load_constructions() -> Constructions:
    text = resources.files("kg").joinpath("rules", "constructions.yaml").read_text(encoding="utf-8")
    d = yaml.safe_load(text) or {}
    slots: dict[str, list[str]] = {}
    examples = []
    for name, c in (d.get("constructions") or {}).items():
        if not isinstance(c, dict) or not c.get("doc"):
            raise RuleError(f"constructions.yaml: {name}: each construction needs a 'doc'")
        bad = set(c) - {"doc", "slot", "phrases", "examples"}
        if bad:
            raise RuleError(f"constructions.yaml: {name}: unknown keys {sorted(bad)}")
        if c.get("phrases") and not c.get("slot"):
            raise RuleError(f"constructions.yaml: {name}: phrases need a slot")
        if not c.get("examples"):
            raise RuleError(f"constructions.yaml: {name}: each construction needs examples")
        if c.get("slot"):
            lst = slots.setdefault(c["slot"], [])
            for pat in c.get("phrases") or []:
                lst.extend(p for p in expand(str(pat)) if p not in lst)
        for x, ex in enumerate(c["examples"]):
            where = f"{name}.examples[{x}]"
            examples.append(Example(name, str(ex["text"]), _triples(ex.get("yields"), where), _triples(ex.get("not"), where)))
    return Constructions({k: tuple(v) for k, v in slots.items()}, tuple(examples))
