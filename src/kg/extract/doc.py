"""One article prepared for extraction: a working copy with stable offsets, tokens and sentences."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from kg.models import Evidence
from kg.rules import RuleSet, Tokens, is_cap, tokens_of
from kg.text import fold as _fold
from kg.text import modern_tones_fast


@lru_cache(maxsize=131072)
def fold(s: str) -> str:
    """``kg.text.fold``, cached: extraction folds the same names and titles many times."""
    return _fold(s)


@dataclass
class Sentence:
    start: int  # character offsets in the article text
    end: int
    t0: int  # token range [t0, t1)
    t1: int
    noise: bool = False


@dataclass
class Doc:
    text: str  # the article's text, as given (normalised)
    work: str  # same length: modern tones, "_" as space (word-segmented sources)
    toks: Tokens
    sents: list[Sentence]
    rules: RuleSet
    tok_sent: list[int] = field(default_factory=list)  # sentence index of each token

    _dates: list[tuple[int, int, str]] | None = None
    _date_starts: list[int] = field(default_factory=list)

    def dates_in(self, a: int = 0, b: int | None = None) -> list[tuple[int, int, str]]:
        """Dated expressions inside [a, b) of the text (found once per article, in order; read-only).

        The expressions don't overlap, so sorted by start they are sorted by end too: a bisection
        finds the first, and the scan stops at the first that ends past ``b`` (a long article asks
        for the dates of each of its sentences: scanning them all each time was quadratic)."""
        if self._dates is None:
            self._dates = sorted(self.rules.dates.find(self.work))
            self._date_starts = [d[0] for d in self._dates]
        if a <= 0 and b is None:
            return self._dates
        b = len(self.work) if b is None else b
        out = []
        for d in self._dates[bisect_left(self._date_starts, a) :]:
            if d[1] > b:
                break
            out.append(d)
        return out

    def evidence(self, si: int) -> Evidence:
        s = self.sents[si]
        return Evidence(sentence=self.text[s.start : s.end], start=s.start, end=s.end)

    def span(self, i: int, j: int) -> str:
        """Surface text of tokens [i, j) from the article (original spelling)."""
        if j <= i:
            return ""
        # word-segmented sources join syllables with "_" ("Bí_thư"): names are written with spaces
        return self.text[self.toks.starts[i] : self.toks.ends[j - 1]].replace("_", " ")

    def wspan(self, i: int, j: int) -> str:
        if j <= i:
            return ""
        return self.work[self.toks.starts[i] : self.toks.ends[j - 1]]

    def gap(self, i: int) -> str:
        """Characters between token i-1 and token i."""
        if i <= 0 or i >= len(self.toks):
            return ""
        return self.work[self.toks.ends[i - 1] : self.toks.starts[i]]

    def sent_of_char(self, pos: int) -> int:
        k = bisect_left(self.toks.starts, pos)
        if k >= len(self.tok_sent):
            return len(self.sents) - 1 if self.sents else -1
        return self.tok_sent[k]


def own_place(doc: Doc, word: str | None = None) -> str | None:
    """The place the article names most, as written ("tỉnh Hòa Lâm"); with ``word`` ("tỉnh"), only places of that
    kind. None when it names none."""
    toks = doc.toks
    table = doc.rules.roles.place_table
    wk = fold(word) if word else None
    counts: dict[str, int] = {}
    first = {w.split()[0] for w in doc.rules.roles.place_words}  # "thành phố" starts with "thành"
    for x in range(len(toks)):
        if toks.text[x] not in first:
            continue
        pm = table.match(toks.text, x)
        if not pm or (wk and fold(doc.span(x, x + pm[0])) != wk):
            continue
        j = x + pm[0]
        while j < len(toks) and toks.text[j][:1].isupper() and toks.text[j][:1].isalpha():
            j += 1
        if j > x + pm[0]:
            nm = doc.span(x, j)
            counts[nm] = counts.get(nm, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def build(text: str, rules: RuleSet) -> Doc:
    work = modern_tones_fast(text).replace("_", " ")
    if len(work) != len(text):  # modern_tones is length-preserving on NFC; be safe on odd input
        work = text.replace("_", " ")
    toks = tokens_of(work)
    sents = _sentences(work, toks, rules)
    tok_sent = [0] * len(toks)
    for si, s in enumerate(sents):
        for k in range(s.t0, s.t1):
            tok_sent[k] = si
    return Doc(text=text, work=work, toks=toks, sents=sents, rules=rules, tok_sent=tok_sent)


def _sentences(work: str, toks: Tokens, rules: RuleSet) -> list[Sentence]:
    tr = rules.text
    cuts: list[int] = []
    for m in tr.sentence_end_re.finditer(work):
        a, b = m.start(), m.end()
        chunk = m.group()
        if chunk.startswith("\n"):
            # a break inside a word or a clause: "V\nề", "nội bộ\n: Thực hiện"
            line_start = work.rfind("\n", 0, a) + 1
            prev_line = work[line_start:a].strip()
            nxt = work[b : b + 1]
            if nxt and (nxt.islower() or nxt in ":;,)") and len(prev_line) > 0:
                continue
            cuts.append(a)
            cuts.append(b)
            continue
        # "GS.TS. Chử", "TP. Hồ Chí Minh": no sentence end after a known abbreviation
        k = bisect_left(toks.starts, a) - 1
        if k >= 0 and toks.ends[k] == a and toks.keys[k] in tr.no_break_before:
            continue
        cut = a + len(chunk.rstrip())
        cuts.append(cut)
        cuts.append(b)
    bounds = [0] + cuts + [len(work)]
    out: list[Sentence] = []
    for x in range(0, len(bounds) - 1, 2):
        s, e = bounds[x], bounds[x + 1]
        while s < e and work[s].isspace():
            s += 1
        while e > s and work[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        t0 = bisect_left(toks.starts, s)
        t1 = bisect_left(toks.starts, e)
        out.append(Sentence(s, e, t0, t1))
    _mark_noise(work, toks, out, rules)
    return out


def _mark_noise(work: str, toks: Tokens, sents: list[Sentence], rules: RuleSet) -> None:
    tr = rules.text
    for s in sents:
        if s.t1 <= s.t0:
            s.noise = True
            continue
        if tr.noise_starts.match(toks.text, s.t0, s.t1) and s.t1 - s.t0 <= 15:
            s.noise = True  # a long "sentence" after a credit is the credit glued to the next sentence
        elif toks.keys[s.t1 - 1] in tr.noise_ends:
            s.noise = True
    # a byline: the last sentences of the article made only of capitalised words ("Xuân Hiếu - Quốc Dũng")
    for s in reversed(sents):
        if s.noise:
            continue
        words = [toks.text[k] for k in range(s.t0, s.t1) if toks.text[k][0].isalpha()]
        if 0 < len(words) <= 10 and all(is_cap(w) for w in words):
            s.noise = True
            continue
        break
