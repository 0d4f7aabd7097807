"""Vietnamese knowledge as data: load ``src/kg/rules/*.yaml``, validate, compile.

This is the only module that compiles regular expressions. Extractors ask the compiled :class:`RuleSet`
(``rules.honorifics``, ``rules.documents.parse``, ``rules.dates.find``); they hold no Vietnamese literals.
"""

from __future__ import annotations

import bisect
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from kg.errors import RuleError
from kg.text import modern_tones

# --------------------------------------------------------------------------------------------------
# character classes (built, not typed: every Latin letter with Vietnamese diacritics)


def _letters() -> tuple[str, str]:
    up, low = [], []
    for cp in list(range(0x41, 0x250)) + list(range(0x1E00, 0x1F00)):
        c = chr(cp)
        if c.isalpha():
            (up if c.isupper() else low if c.islower() else low).append(c)
    return "".join(up), "".join(low)


UPPER, LOWER = _letters()
UPPER_SET = _UPPER_SET = frozenset(UPPER)


@lru_cache(maxsize=65536)
def key(s: str) -> str:
    """Token matching key: NFC, modern tones, case-folded ("Uỷ" -> "ủy")."""
    return modern_tones(unicodedata.normalize("NFC", s)).casefold()


def is_cap(tok: str) -> bool:
    return bool(tok) and tok[0] in _UPPER_SET


def is_allcaps(tok: str) -> bool:
    return len(tok) >= 2 and tok.isupper()


# --------------------------------------------------------------------------------------------------
# pydantic models of the YAML files (extra="forbid": a misspelt key is an error)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- constructions with example sentences (events engineer) ---
class ConstructionModel(_Model):
    """A construction a rules file reads: example texts written for it and the facts they must yield, exactly."""

    construction: str
    text: str
    yields: list[dict[str, str | None]]


class HonorificsModel(_Model):
    keep: list[str]
    drop: list[str]
    list_openers: list[str]


class NamesModel(_Model):
    surnames: list[str]
    not_names: list[str]
    blockers: list[str]
    glued_starts: list[str]


class HeadModel(_Model):
    head: str
    org_hint: str | None = None
    org_default: str | None = None
    unit: str | None = None
    place_committee: bool = False  # a post over a bare place belongs to its party committee ("Bí thư huyện X")
    org_word: str | None = None  # without a unit of the hint's kind, the unit whose name starts so ("Trường")


class RolesModel(_Model):
    heads: list[HeadModel]
    former: list[str]
    acting: list[str]
    deputy: list[str]
    post_modifiers: list[str]
    joiners: list[str]
    title_units: list[str]
    unit_lowercase: list[str]
    place_words: list[str]
    leveled_units: list[str]
    place_unit: str
    stop_words: list[str]
    link_verbs: list[str]
    career_openers: list[str]
    career_verbs: list[str]
    copulas: list[str]
    chain_skip: list[str]
    council_units: list[str]
    attach_to_main: list[str]


KINDS = (
    "party_central", "party_committee", "party_cell", "state_body", "university",
    "faculty_or_department", "mass_organization", "company", "other",
)  # fmt: skip


class OrgsModel(_Model):
    kinds: dict[str, list[str]]
    not_heads: list[str]
    lowercase_heads: list[str]
    lowercase_head_next: dict[str, list[str]]
    lowercase_head_not_after: list[str]
    optional_suffixes: list[str]
    optional_prefix: dict[str, str | list[str]]
    central_heads: list[str]
    central_markers: list[str]
    standalone: list[str]
    self_words: list[str]
    located_heads: list[str]
    located_word: str
    abbreviations: dict[str, str]
    name_lowercase: list[str]
    conjunction: str
    ordinal_words: list[str]
    sentence_starts: list[str]
    main_kinds: list[str]
    stop_words: list[str]

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        bad = sorted(set(v) - set(KINDS))
        if bad:
            raise ValueError(f"unknown kinds {bad}; expected one of {list(KINDS)}")
        return v


class DocumentsModel(_Model):
    kind_words: list[str]
    abbreviations: dict[str, str]
    party_qd_kind: str
    party_qd_abbr: list[str]
    party_issuer_codes: list[str]
    number_forms: dict[str, str]
    examples: dict[str, list[str]]
    number_word: list[str]
    issue_verbs: list[str]
    issuer_words: list[str]
    term_words: list[str]
    plenum_words: list[str]
    congress_words: list[str]
    congress_ok: list[str]
    plenum_issuer: str
    congress_issuer: str
    resolution_kind: str
    # --- documents: issuers (events engineer) ---
    issuer_codes: dict[str, str]
    signed_by: list[str]
    not_kind_after: list[str]
    kind_synonyms: dict[str, str]
    constructions: list[ConstructionModel]


class AwardsModel(_Model):
    kinds: list[str]
    classes: list[str]
    name_lowercase: list[str]
    give_verbs: list[str]
    receive_verbs: list[str]
    recipient_markers: list[str]
    recipient_fillers: list[str]
    passive: list[str]
    quantity: list[str]
    group_nouns: list[str]
    list_openers: list[str]
    adverbs: list[str]
    descriptor_words: list[str]
    group_modifiers: list[str]
    conferrer_markers: list[str]
    count_nouns: list[str]
    # --- awards: recipients (events engineer) ---
    subset_markers: list[str]
    one_of: list[str]
    collective: list[str]
    title_words: list[str]
    self_units: dict[str, str]
    constructions: list[ConstructionModel]


class EventsModel(_Model):
    heads: list[str]
    held_verbs: list[str]
    organizer_verbs: list[str]
    name_stops: list[str]
    bare_after: list[str]
    not_after: list[str]
    key_skip: list[str]
    meeting_verbs: list[str]
    meeting_name: str
    venue_before: list[str]
    same_day: list[str]
    attend_words: list[str]
    not_heads: list[str]
    result_before: list[str]
    reference_before: list[str]
    future_words: list[str]
    earlier_words: list[str]
    report_days: list[str]
    term_dated_heads: list[str]
    term_events: list[str]
    deadline_words: list[str]
    heading_heads: list[str]
    # --- events: numbered names (events engineer) ---
    specifiers: list[str]
    number_markers: list[str]
    connectors: list[str]
    ordinals: list[str]
    at_words: list[str]
    term_markers: list[str]
    named_alone: list[str]
    duration_words: list[str]
    verb_heads: list[str]
    meeting_verbs_person: list[str]
    ordinal_values: dict[str, int]
    roman_before: list[str]
    reported_before: list[str]
    plural_before: list[str]
    verb_adverbs: list[str]
    anniversary_words: list[str]
    session_words: list[str]
    meeting_numbered: str
    constructions: list[ConstructionModel]


class DatesModel(_Model):
    day_words: list[str]
    month_words: list[str]
    year_words: list[str]
    time_words: list[str]
    range_words: list[str]
    not_report_year_before: list[str]
    term_before: list[str]


class TextModel(_Model):
    no_break_before: list[str]
    noise_line_starts: list[str]
    noise_line_ends: list[str]


FILES: dict[str, type[_Model]] = {
    "honorifics": HonorificsModel,
    "names": NamesModel,
    "roles": RolesModel,
    "orgs": OrgsModel,
    "documents": DocumentsModel,
    "awards": AwardsModel,
    "events": EventsModel,
    "dates": DatesModel,
    "text": TextModel,
}

# --------------------------------------------------------------------------------------------------
# tokens and phrase tables

_TOKEN_RE = re.compile(r"\w+(?:[.&'’]\w+)*|[^\w\s]", re.UNICODE)


def tokenize(s: str) -> list[str]:
    """Word tokens of a phrase (used to build phrase tables and by tests)."""
    return [m.group() for m in _TOKEN_RE.finditer(s.replace("_", " "))]


@dataclass(frozen=True, slots=True)
class Tokens:
    """Tokens of a text: parallel lists of surface form, key, start and end offsets."""

    text: list[str]
    keys: list[str]
    starts: list[int]
    ends: list[int]

    def __len__(self) -> int:
        return len(self.text)


def tokens_of(work: str) -> Tokens:
    ms = list(_TOKEN_RE.finditer(work))
    text = [m.group() for m in ms]
    return Tokens(text, [t.casefold() for t in text], [m.start() for m in ms], [m.end() for m in ms])


class PhraseTable:
    """Multi-token phrases looked up by token keys, longest first.

    ``match(keys, i)`` returns (number of tokens, value) of the longest phrase starting at token i.
    A phrase written with a final "." ("GS.TS.") matches with or without it.
    """

    def __init__(self, items: dict[str, Any] | list[str], case_sensitive: bool = False):
        self.case_sensitive = case_sensitive
        self.by_first: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
        self.max_len = 0
        pairs = items.items() if isinstance(items, dict) else ((s, s) for s in items)
        for phrase, value in pairs:
            toks = tuple(self._k(t) for t in tokenize(phrase.rstrip(".")) if t)
            if not toks:
                continue
            self.by_first.setdefault(toks[0], []).append((toks, value))
            self.max_len = max(self.max_len, len(toks))
        for lst in self.by_first.values():
            lst.sort(key=lambda p: -len(p[0]))
        self.first_keys = frozenset(self.by_first)
        self.last_keys = frozenset(toks[-1] for lst in self.by_first.values() for toks, _ in lst)

    def _k(self, t: str) -> str:
        return modern_tones(unicodedata.normalize("NFC", t)) if self.case_sensitive else key(t)

    def match(self, keys: list[str], i: int, end: int | None = None) -> tuple[int, Any] | None:
        if i >= len(keys):
            return None
        cands = self.by_first.get(keys[i])
        if not cands:
            return None
        end = len(keys) if end is None else end
        for toks, value in cands:
            n = len(toks)
            if i + n <= end and (n == 1 or tuple(keys[i : i + n]) == toks):
                return n, value
        return None

    def match_ending(self, keys: list[str], j: int, start: int = 0) -> tuple[int, Any] | None:
        """Longest phrase that ends just before token j."""
        best = None
        for n in range(min(self.max_len, j - start), 0, -1):
            cands = self.by_first.get(keys[j - n])
            if not cands:
                continue
            for toks, value in cands:
                if len(toks) == n and tuple(keys[j - n : j]) == toks:
                    return n, value
        return best

    def __contains__(self, phrase: str) -> bool:
        toks = tuple(self._k(t) for t in tokenize(phrase.rstrip(".")))
        return any(t == toks for t, _ in self.by_first.get(toks[0], ())) if toks else False


# --------------------------------------------------------------------------------------------------
# compiled sections


@dataclass
class Honorifics:
    keep: PhraseTable
    drop: PhraseTable
    list_openers: PhraseTable
    keep_dotted: frozenset[str]  # keys of entries written with a final "."
    first_keys: frozenset[str]  # first-token keys of every title and form of address


@dataclass
class Names:
    surnames: PhraseTable
    not_names: frozenset[str]
    blockers: PhraseTable
    glued_starts: frozenset[str]


@dataclass
class Roles:
    heads: PhraseTable  # value: HeadModel
    head_units: tuple[str, ...]  # the unit words heads end with ("Bộ" of "Bộ trưởng")
    former: frozenset[str]
    acting: frozenset[str]
    deputy: frozenset[str]
    post_modifiers: PhraseTable
    joiners: PhraseTable
    title_units: PhraseTable
    unit_lowercase: PhraseTable
    place_words: frozenset[str]  # first words of the place words ("thành" of "thành phố")
    place_table: PhraseTable
    leveled_units: frozenset[str]
    place_unit: str
    stop_words: frozenset[str]
    link_verbs: PhraseTable
    career_openers: PhraseTable
    career_verbs: PhraseTable
    career_first: frozenset[str]
    copulas: PhraseTable
    chain_skip: frozenset[str]
    council_units: PhraseTable
    attach_to_main: frozenset[str]
    # from constructions.yaml (kg.rules.grammar)
    object_markers: PhraseTable = field(default_factory=lambda: PhraseTable([]))  # "… chức vụ R đối với ông X"
    cv_words: frozenset[str] = frozenset()  # words of a dated biography entry before its colon ("tháng 3/2001 - nay:")


@dataclass(eq=False)
class Orgs:
    heads: PhraseTable  # value: (kind, head phrase)
    not_heads: PhraseTable
    lowercase_heads: frozenset[str]
    lowercase_head_next: dict[str, frozenset[str]]
    lowercase_head_not_after: frozenset[str]
    optional_suffixes: frozenset[str]
    optional_prefix: tuple[str, frozenset[str]]
    central_heads: frozenset[str]
    central_markers: PhraseTable
    standalone: frozenset[str]
    self_words: PhraseTable
    located_heads: frozenset[str]  # "Đại sứ quán X tại Y": heads whose name goes on with the place they sit in
    located_word: str
    abbreviations: dict[str, str]  # surface form -> expansion
    abbrev_tokens: frozenset[str]
    name_lowercase: PhraseTable
    conjunction: str
    ordinal_words: frozenset[str]
    sentence_starts: frozenset[str]
    main_kinds: tuple[str, ...]
    stop_words: frozenset[str]

    def kind_of(self, name: str) -> str:
        keys = [key(t) for t in tokenize(name)]
        return self._kind_of(tuple(keys))

    @lru_cache(maxsize=8192)  # noqa: B019 (one RuleSet per process)
    def _kind_of(self, keys_t: tuple[str, ...]) -> str:
        keys = list(keys_t)
        m = self.heads.match(keys, 0)
        if not m:
            return "other"
        n, (kind, head) = m
        if key(head) in self.central_heads and self.central_markers.match_ending(keys, len(keys), n):
            return "party_central"
        return kind

    def abbr(self, tok: str) -> str | None:
        """The expansion of an abbreviation written exactly so ("TƯ", not "Tư" in "Tư pháp")."""
        return self.abbreviations.get(modern_tones(unicodedata.normalize("NFC", tok)))

    def expand(self, name: str) -> str:
        """Abbreviations written out ("UBND tỉnh X" -> "Ủy ban nhân dân tỉnh X")."""
        out = []
        for t in name.split():
            e = self.abbr(t)
            out.append(e if e else t)
        return " ".join(out)


@dataclass
class Documents:
    kind_words: PhraseTable
    abbreviations: dict[str, str]
    party_qd_kind: str
    party_qd_abbr: frozenset[str]
    party_issuer_codes: frozenset[str]
    number_re: re.Pattern[str]
    forms: dict[str, re.Pattern[str]]
    number_word: frozenset[str]
    issue_verbs: PhraseTable
    issuer_words: frozenset[str]
    term_words: frozenset[str]
    plenum_words: PhraseTable
    congress_words: PhraseTable
    plenum_issuer: str
    congress_issuer: str
    resolution_kind: str
    resolution_key: str
    congress_ok: frozenset[str]
    ordinal_words: frozenset[str]
    roman_re: re.Pattern[str]
    bare_number_re: re.Pattern[str]
    issuer_codes: dict[str, str]  # "TTg" -> "Thủ tướng Chính phủ": the issuer a number's code stands for
    signed_by: PhraseTable  # "do": the issuer follows the number ("do Chủ tịch UBND tỉnh ký")
    not_kind_after: PhraseTable  # "kỷ" before "luật": no kind word
    kind_synonyms: dict[str, str]  # folded word -> kind ("văn bản" -> "Công văn")

    def canonical(self, m: re.Match[str]) -> tuple[str, str | None, str | None]:
        """(canonical number, abbreviation, issuer code) of a number match."""
        g = next((name for name in self.forms if m.group(name)), "")
        d = {k: v for k, v in m.groupdict().items() if v is not None}
        if g.startswith("party"):
            n, abbr, iss = d[g + "_n"], d[g + "_abbr"], d[g + "_issuer"]
            return f"{n}-{abbr}/{iss}", abbr, iss
        if g.startswith("law"):
            return f"{d[g + '_n']}/{d[g + '_year']}/{d[g + '_issuer']}", "QH", d[g + "_issuer"]
        if g.startswith("short"):
            return f"{d[g + '_n']}/{d[g + '_year']}", None, None
        year = d.get(g + "_year")
        s = d[g + "_n"] + "/" + (year + "/" if year else "") + d[g + "_abbr"] + "-" + d[g + "_issuer"]
        return s, d[g + "_abbr"], d[g + "_issuer"]

    def kind_of_abbr(self, abbr: str | None, issuer: str | None) -> str | None:
        if not abbr:
            return None
        k = self.abbreviations.get(abbr)
        if k and abbr in self.party_qd_abbr and issuer in self.party_issuer_codes:
            return self.party_qd_kind
        return k


@dataclass
class Awards:
    kinds: PhraseTable
    classes: PhraseTable
    name_lowercase: PhraseTable
    give_verbs: PhraseTable
    receive_verbs: PhraseTable
    recipient_markers: PhraseTable
    recipient_fillers: PhraseTable
    passive: PhraseTable
    quantity: dict[str, str]
    group_nouns: PhraseTable
    list_openers: PhraseTable
    adverbs: frozenset[str]
    descriptor_words: frozenset[str]
    group_modifiers: PhraseTable  # "tiêu biểu": words that go on with a group recipient
    conferrer_markers: frozenset[str]
    count_nouns: PhraseTable
    # --- awards: recipients (events engineer) ---
    subset_markers: PhraseTable  # "trong đó": a part of the recipients already named
    one_of: PhraseTable  # "một trong số": the count describes the subject named before
    collective: PhraseTable  # awards only units receive ("Cờ thi đua"): a person receives them for their unit
    title_words: PhraseTable  # "danh hiệu" before a quoted honour
    self_units: PhraseTable  # "tỉnh", "trường" as a subject: value "place" or the kind of unit it stands for


@dataclass
class Events:
    heads: PhraseTable
    held_verbs: PhraseTable
    organizer_verbs: PhraseTable
    name_stops: PhraseTable
    bare_after: PhraseTable
    not_after: frozenset[str]
    key_skip: frozenset[str]
    meeting_verbs: PhraseTable
    meeting_name: str
    venue_before: PhraseTable
    same_day: PhraseTable
    attend_words: PhraseTable
    not_heads: PhraseTable  # a head that starts another word ("Lễ hội": a festival)
    result_before: PhraseTable  # "kết quả Hội nghị ...": the sentence's date is the report's, not the event's
    reference_before: PhraseTable  # "nội dung Hội nghị ...": an event cited, not reported
    future_words: PhraseTable  # "sẽ được tổ chức": a plan, not a report
    earlier_words: PhraseTable  # "Trước đó, …": what the sentence dates came before the report
    report_days: PhraseTable  # "Hôm nay, …": a day relative to the report's
    term_dated_heads: PhraseTable  # "Đại hội": dated by the first year of the term it names
    term_events: PhraseTable  # "được bầu": a sentence whose term dates the report
    deadline_words: PhraseTable  # "trước ngày 15/5/2021": a date of a plan
    heading_heads: PhraseTable  # heads that start an event only on a heading line ("Ra mắt ...")
    # --- events: numbered names (events engineer) ---
    specifiers: PhraseTable  # words inside a numbered event name ("lần thứ", "khóa", "nhiệm kỳ", "của")
    number_markers: PhraseTable  # words that number it ("lần thứ", "khóa", "kỳ")
    connectors: PhraseTable  # specifiers that can't end a name ("của")
    ordinals: frozenset[str]  # ordinal words ("nhất", "hai", "đầu tiên")
    ordinals_table: PhraseTable
    duration_words: frozenset[str]  # "năm" after a numeral: a duration ("kỷ niệm 50 năm"), not a number
    verb_heads: PhraseTable  # "trao quyết định", "khánh thành": events named by what is done
    meeting_verbs_person: PhraseTable  # "tiếp", "hội kiến": such events when a capitalised name follows
    ordinal_values: dict[str, int]  # folded ordinal word -> number ("tư" -> 4)
    roman_before: frozenset[str]  # words before the number of an event ("lần thứ", "khóa")
    plural_before: frozenset[str]  # "các", "những" before a head: many events, none named
    reported_before: PhraseTable  # "được … bầu tại", "kết thúc": words before an undated numbered event that report it
    verb_adverbs: PhraseTable  # "đã", "thân mật" between the subject and such a verb
    anniversary_words: PhraseTable  # "kỷ niệm": a date in brackets after the name is what is remembered
    session_words: frozenset[str]  # "kỳ" in "đã họp kỳ 37": a numbered session
    meeting_numbered: str  # its name ("kỳ họp {n} {org}")
    at_words: PhraseTable  # "tại", "trong chuyến": the event named after them is reported
    term_markers: PhraseTable  # "nhiệm kỳ", "khóa" after a comma go on with the name
    named_alone: PhraseTable  # heads that name an event without more words ("tại buổi họp báo, ...")


@dataclass
class Dates:
    full_re: re.Pattern[str]  # day month year in any of the written forms
    day_month_re: re.Pattern[str]  # day and month without a year, after a day or time word
    month_year_re: re.Pattern[str]
    year_re: re.Pattern[str]
    furniture_re: re.Pattern[str]  # a line that is only a date (page furniture: publication date)
    words: frozenset[str]  # keys of every date word ("ngày", "tháng", "sáng")
    day_words: frozenset[str]  # words before a day ("ngày", "sáng"), not "năm"
    month_words: frozenset[str]  # "tháng": before a month written alone ("cuối tháng 6")
    year_words: frozenset[str]  # "năm": before a year written alone ("năm 2016")
    range_words: frozenset[str]  # "đến": inside a closed range of days ("từ 1/6 đến 30/6/2017")
    not_report_year_before: PhraseTable
    range_end_re: re.Pattern[str]  # the second year of "2015-2020"
    range_start_re: re.Pattern[str]  # "-2020" after the first year of a range
    term_before: PhraseTable

    def find(self, s: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[int, int, str]]:
        """(start, end, ISO date) of every dated expression, most precise first at each place."""
        endpos = len(s) if endpos is None else endpos
        # spans taken so far: disjoint, kept sorted, so only the two neighbours of a match can overlap
        # it (a bisection, not a scan of all of them: quadratic on a long article)
        starts: list[int] = []
        ends: list[int] = []
        for rx, kind in ((self.full_re, "full"), (self.month_year_re, "my"), (self.day_month_re, "dm")):
            for m in rx.finditer(s, pos, endpos):
                i = bisect.bisect_right(starts, m.start())
                if (i and ends[i - 1] > m.start()) or (i < len(starts) and starts[i] < m.end()):
                    continue
                iso = _iso(m, kind)
                if iso:
                    starts.insert(i, m.start())
                    ends.insert(i, m.end())
                    yield m.start(), m.end(), iso


def _iso(m: re.Match[str], kind: str) -> str | None:
    d = {k: v for k, v in m.groupdict().items() if v}
    day = next((int(v) for k, v in d.items() if k.startswith("d")), None)
    mon = next((int(v) for k, v in d.items() if k.startswith("m")), None)
    year = next((int(v) for k, v in d.items() if k.startswith("y")), None)
    if mon is not None and not 1 <= mon <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    if year is not None and not 1900 <= year <= 2100:
        return None
    if day is not None and mon is not None:
        try:  # "31/4", "30/2", 29/2 of a common year: no such day (without a year, 29/2 may be one)
            datetime.date(year or 2000, mon, day)
        except ValueError:
            return None
    if kind == "full" and day and mon and year:
        return f"{year:04d}-{mon:02d}-{day:02d}"
    if kind == "my" and mon and year:
        return f"{year:04d}-{mon:02d}"
    if kind == "dm" and day and mon:
        return f"--{mon:02d}-{day:02d}"  # no year: the caller may complete it
    return None


@dataclass
class TextRules:
    no_break_before: frozenset[str]
    sentence_end_re: re.Pattern[str]
    noise_starts: PhraseTable
    noise_ends: frozenset[str]


@dataclass
class RuleSet:
    honorifics: Honorifics
    names: Names
    roles: Roles
    orgs: Orgs
    documents: Documents
    awards: Awards
    events: Events
    dates: Dates
    text: TextRules
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


# --------------------------------------------------------------------------------------------------
# compilation


def _alt(words: list[str]) -> str:
    """Longest-first alternation of escaped words, accepting old and new tone placement."""
    forms: set[str] = set()
    for w in words:
        forms.add(w)
        forms.add(modern_tones(w))
    return "(?:" + "|".join(re.escape(w) for w in sorted(forms, key=lambda x: (-len(x), x))) + ")"


def _keyset(words: list[str]) -> frozenset[str]:
    return frozenset(key(w) for w in words)


def compile_rules(raw: dict[str, _Model]) -> RuleSet:
    h: HonorificsModel = raw["honorifics"]  # type: ignore[assignment]
    nm: NamesModel = raw["names"]  # type: ignore[assignment]
    ro: RolesModel = raw["roles"]  # type: ignore[assignment]
    og: OrgsModel = raw["orgs"]  # type: ignore[assignment]
    do: DocumentsModel = raw["documents"]  # type: ignore[assignment]
    aw: AwardsModel = raw["awards"]  # type: ignore[assignment]
    ev: EventsModel = raw["events"]  # type: ignore[assignment]
    da: DatesModel = raw["dates"]  # type: ignore[assignment]
    tx: TextModel = raw["text"]  # type: ignore[assignment]

    honorifics = Honorifics(
        keep=PhraseTable(h.keep, case_sensitive=False),
        drop=PhraseTable(h.drop),
        list_openers=PhraseTable(h.list_openers),
        keep_dotted=frozenset(key(k.rstrip(".")) for k in h.keep if k.endswith(".")),
        first_keys=frozenset(key(tokenize(k)[0]) for k in h.keep + h.drop),
    )
    from kg.rules.grammar import load_mined

    names = Names(
        # names.yaml's family names, and those mined from the bulk corpus (mined.yaml, kg.rules.mine_vocab)
        surnames=PhraseTable(nm.surnames + [w for w in load_mined().surnames if w not in nm.surnames], case_sensitive=True),
        not_names=_keyset(nm.not_names),
        blockers=PhraseTable(nm.blockers, case_sensitive=True),
        glued_starts=frozenset(nm.glued_starts),
    )
    # constructions.yaml adds the phrases of its patterns to the tables the reader looks up (kg.rules.grammar)
    from kg.rules.grammar import load_constructions

    cons = load_constructions()
    roles = Roles(
        heads=PhraseTable({x.head: x for x in ro.heads}),
        head_units=tuple(sorted({x.unit for x in ro.heads if x.unit})),
        former=_keyset(ro.former),
        acting=_keyset(ro.acting),
        deputy=_keyset(ro.deputy),
        post_modifiers=PhraseTable(ro.post_modifiers),
        joiners=PhraseTable(ro.joiners),
        title_units=PhraseTable(ro.title_units),
        unit_lowercase=PhraseTable(ro.unit_lowercase),
        place_words=frozenset(tokenize(w)[0] for w in ro.place_words),
        place_table=PhraseTable(ro.place_words, case_sensitive=True),
        place_unit=ro.place_unit,
        leveled_units=_keyset(ro.leveled_units),
        stop_words=_keyset(ro.stop_words + og.stop_words),
        link_verbs=PhraseTable(ro.link_verbs + cons.phrases("link_verbs")),
        career_openers=PhraseTable(ro.career_openers + cons.phrases("career_openers")),
        career_verbs=PhraseTable(ro.career_verbs),
        career_first=PhraseTable(ro.career_openers + cons.phrases("career_openers")).first_keys
        | PhraseTable(ro.career_verbs).first_keys,
        object_markers=PhraseTable(cons.phrases("object_markers")),
        cv_words=_keyset(cons.phrases("cv_dates")),
        copulas=PhraseTable(ro.copulas + cons.phrases("copulas")),
        chain_skip=_keyset([t for w in ro.chain_skip for t in tokenize(w)]),
        council_units=PhraseTable(ro.council_units),
        attach_to_main=_keyset(ro.attach_to_main),
    )
    heads: dict[str, tuple[str, str]] = {}
    for kind, lst in og.kinds.items():
        for hd in lst:
            heads.setdefault(hd, (kind, hd))
    orgs = Orgs(
        heads=PhraseTable(heads),
        not_heads=PhraseTable(og.not_heads),
        lowercase_heads=_keyset(og.lowercase_heads),
        lowercase_head_next={key(k): _keyset([tokenize(w)[0] for w in v]) for k, v in og.lowercase_head_next.items()},
        lowercase_head_not_after=_keyset(og.lowercase_head_not_after),
        optional_suffixes=_keyset(og.optional_suffixes),
        optional_prefix=(key(str(og.optional_prefix["word"])), _keyset([tokenize(w)[0] for w in og.optional_prefix["before"]])),
        central_heads=_keyset(og.central_heads),
        central_markers=PhraseTable(og.central_markers),
        standalone=_keyset(og.standalone + og.kinds.get("party_central", [])),
        self_words=PhraseTable(og.self_words),
        located_heads=_keyset(og.located_heads),
        located_word=key(og.located_word),
        abbreviations={modern_tones(unicodedata.normalize("NFC", k)): v for k, v in og.abbreviations.items()},
        abbrev_tokens=frozenset(key(k) for k in og.abbreviations),
        name_lowercase=PhraseTable(og.name_lowercase),
        conjunction=key(og.conjunction),
        ordinal_words=_keyset(og.ordinal_words),
        sentence_starts=frozenset(og.sentence_starts),
        main_kinds=tuple(og.main_kinds),
        stop_words=_keyset(og.stop_words),
    )
    forms = {}
    parts = []
    for name, rx in do.number_forms.items():
        try:
            forms[name] = re.compile(rx)
        except re.error as e:
            raise RuleError(f"documents.yaml: number_forms.{name} does not compile: {e}") from e
        parts.append(f"(?P<{name}>" + re.sub(r"\(\?P<(\w+)>", rf"(?P<{name}_\1>", rx) + ")")
    # a number is not part of a longer token ("ngày 12/01/2024" is a date, not a document)
    number_re = re.compile(r"(?<![\w/.-])(?:" + "|".join(parts) + r")(?![\w/])")
    documents = Documents(
        kind_words=PhraseTable(do.kind_words + list(do.kind_synonyms)),
        abbreviations=dict(do.abbreviations),
        party_qd_kind=do.party_qd_kind,
        party_qd_abbr=frozenset(do.party_qd_abbr),
        party_issuer_codes=frozenset(do.party_issuer_codes),
        number_re=number_re,
        forms=forms,
        number_word=_keyset(do.number_word),
        issue_verbs=PhraseTable(do.issue_verbs),
        issuer_words=_keyset(do.issuer_words),
        term_words=_keyset(do.term_words),
        plenum_words=PhraseTable(do.plenum_words),
        congress_words=PhraseTable(do.congress_words),
        plenum_issuer=do.plenum_issuer,
        congress_issuer=do.congress_issuer,
        resolution_kind=do.resolution_kind,
        resolution_key=key(tokenize(do.resolution_kind)[0]),
        congress_ok=_keyset([t for w in do.congress_ok for t in tokenize(w)]),
        ordinal_words=_keyset(og.ordinal_words),
        roman_re=re.compile(r"^[IVXL]{1,6}$"),
        bare_number_re=re.compile(r"^\d{1,4}$"),
        issuer_codes=dict(do.issuer_codes),
        signed_by=PhraseTable(do.signed_by),
        not_kind_after=PhraseTable(do.not_kind_after),
        kind_synonyms={key(k): v for k, v in do.kind_synonyms.items()},
    )
    awards = Awards(
        kinds=PhraseTable(aw.kinds),
        classes=PhraseTable(aw.classes),
        name_lowercase=PhraseTable(aw.name_lowercase),
        give_verbs=PhraseTable(aw.give_verbs),
        receive_verbs=PhraseTable(aw.receive_verbs),
        recipient_markers=PhraseTable(aw.recipient_markers),
        recipient_fillers=PhraseTable(aw.recipient_fillers),
        passive=PhraseTable(aw.passive),
        quantity={key(t): w for w in aw.quantity for t in tokenize(w)},
        group_nouns=PhraseTable(aw.group_nouns),
        list_openers=PhraseTable(aw.list_openers),
        adverbs=_keyset([t for w in aw.adverbs for t in tokenize(w)]),
        descriptor_words=_keyset(aw.descriptor_words),
        group_modifiers=PhraseTable(aw.group_modifiers),
        conferrer_markers=_keyset(aw.conferrer_markers),
        count_nouns=PhraseTable(aw.count_nouns),
        subset_markers=PhraseTable(aw.subset_markers),
        one_of=PhraseTable(aw.one_of),
        collective=PhraseTable(aw.collective),
        title_words=PhraseTable(aw.title_words),
        self_units=PhraseTable(dict(aw.self_units)),
    )
    events = Events(
        heads=PhraseTable(ev.heads),
        held_verbs=PhraseTable(ev.held_verbs),
        organizer_verbs=PhraseTable(ev.organizer_verbs),
        name_stops=PhraseTable(ev.name_stops),
        bare_after=PhraseTable(ev.bare_after),
        not_after=_keyset(ev.not_after),
        key_skip=_keyset(ev.key_skip),
        meeting_verbs=PhraseTable(ev.meeting_verbs),
        meeting_name=ev.meeting_name,
        venue_before=PhraseTable(ev.venue_before),
        same_day=PhraseTable(ev.same_day),
        attend_words=PhraseTable(ev.attend_words),
        not_heads=PhraseTable(ev.not_heads),
        result_before=PhraseTable(ev.result_before),
        reference_before=PhraseTable(ev.reference_before),
        future_words=PhraseTable(ev.future_words),
        earlier_words=PhraseTable(ev.earlier_words),
        report_days=PhraseTable(ev.report_days),
        term_dated_heads=PhraseTable(ev.term_dated_heads),
        term_events=PhraseTable(ev.term_events),
        deadline_words=PhraseTable(ev.deadline_words),
        heading_heads=PhraseTable(ev.heading_heads),
        specifiers=PhraseTable(ev.specifiers),
        number_markers=PhraseTable(ev.number_markers),
        connectors=PhraseTable(ev.connectors),
        ordinals=_keyset(ev.ordinals),
        ordinals_table=PhraseTable(ev.ordinals),
        duration_words=_keyset(ev.duration_words),
        verb_heads=PhraseTable(ev.verb_heads),
        meeting_verbs_person=PhraseTable(ev.meeting_verbs_person),
        ordinal_values={key(k): v for k, v in ev.ordinal_values.items()},
        roman_before=_keyset(ev.roman_before),
        reported_before=PhraseTable(ev.reported_before),
        plural_before=_keyset(ev.plural_before),
        verb_adverbs=PhraseTable(ev.verb_adverbs),
        anniversary_words=PhraseTable(ev.anniversary_words),
        session_words=_keyset(ev.session_words),
        meeting_numbered=ev.meeting_numbered,
        at_words=PhraseTable(ev.at_words),
        term_markers=PhraseTable(ev.term_markers),
        named_alone=PhraseTable(ev.named_alone),
    )
    day_w, mon_w, year_w = _alt(da.day_words), _alt(da.month_words), _alt(da.year_words)
    sep = r"\s?[/.-]\s?"
    rng = _alt(da.range_words)
    full = (
        rf"(?<!\d)(?P<d3>\d{{1,2}}){sep}(?P<m3>\d{{1,2}})\s*{rng}\s*(?:{day_w}\s+)?\d{{1,2}}{sep}\d{{1,2}}{sep}(?P<y3>\d{{4}})(?!\d)"
        rf"|(?<![\d/-])(?P<d4>\d{{1,2}})\s*{rng}\s*(?:{day_w}\s+)?\d{{1,2}}{sep}(?P<m4>\d{{1,2}}){sep}(?P<y4>\d{{4}})(?!\d)"
        # "trong các ngày 8, 9 và 10/4/2019": a list of days, dated by the first
        rf"|(?<![\d/-])(?P<d5>\d{{1,2}})(?:\s*,\s*\d{{1,2}})+\s*{rng}\s*\d{{1,2}}{sep}(?P<m5>\d{{1,2}}){sep}(?P<y5>\d{{4}})(?!\d)"
        rf"|(?<!\d)(?P<d1>\d{{1,2}}){sep}(?P<m1>\d{{1,2}}){sep}(?P<y1>\d{{4}})(?!\d)"
        rf"|{day_w}\s+(?P<d2>\d{{1,2}})\s+{mon_w}\s+(?P<m2>\d{{1,2}})\s+{year_w}\s+(?P<y2>\d{{4}})(?!\d)"
    )
    dm = (
        rf"(?:{day_w}|{_alt(da.time_words)})\s+(?:{day_w}\s+)?(?P<d2>\d{{1,2}})\s*{rng}\s*(?:{day_w}\s+)?\d{{1,2}}"
        rf"\s?[/-]\s?(?P<m2>\d{{1,2}})(?![\d/-])"
        rf"|(?:{day_w}|{_alt(da.time_words)})\s+(?:{day_w}\s+)?(?P<d1>\d{{1,2}})\s?[/-]\s?(?P<m1>\d{{1,2}})(?![\d/-])"
        rf"|(?<=\()(?P<d3>\d{{1,2}})/(?P<m3>\d{{1,2}})(?=\))"
    )
    my = (
        rf"{mon_w}\s+(?P<m1>\d{{1,2}})\s?/\s?(?P<y1>\d{{4}})(?!\d)"
        rf"|{mon_w}\s+(?P<m2>\d{{1,2}})\s+{year_w}\s+(?P<y2>\d{{4}})(?!\d)"
    )
    dates = Dates(
        full_re=re.compile(full),
        day_month_re=re.compile(dm),
        month_year_re=re.compile(my),
        year_re=re.compile(r"(?<![\d/.-])(?P<y>(?:19|20)\d\d)(?![\d/])"),
        furniture_re=re.compile(r"^\s*(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\s*$", re.M),
        words=_keyset([t for w in da.day_words + da.month_words + da.year_words + da.time_words for t in tokenize(w)]),
        day_words=_keyset([t for w in da.day_words + da.time_words for t in tokenize(w)]),
        month_words=_keyset(da.month_words),
        year_words=_keyset(da.year_words),
        range_words=_keyset(da.range_words),
        not_report_year_before=PhraseTable(da.not_report_year_before),
        range_end_re=re.compile(r"\d{4}\s?[–-]\s?$"),
        range_start_re=re.compile(r"\s?[–-]\s?\d{4}"),
        term_before=PhraseTable(da.term_before),
    )
    nb = sorted({w for w in tx.no_break_before}, key=len, reverse=True)
    text = TextRules(
        no_break_before=_keyset(nb),
        sentence_end_re=re.compile(r"[.!?…]+[\"'”’)]*\s+(?=[\"“'‘(]?[" + re.escape(UPPER) + r"0-9])|\n+"),
        noise_starts=PhraseTable(tx.noise_line_starts, case_sensitive=True),
        noise_ends=_keyset(tx.noise_line_ends),
    )
    return RuleSet(honorifics, names, roles, orgs, documents, awards, events, dates, text, raw=dict(raw))


def _read_yaml(name: str, text: str) -> _Model:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise RuleError(f"{name}.yaml is not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise RuleError(f"{name}.yaml: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return FILES[name].model_validate(data)
    except ValidationError as e:
        raise RuleError(f"{name}.yaml: {e}") from e


def read_raw(path: Path | None = None) -> dict[str, _Model]:
    """Validated YAML models by file stem, from ``path`` (a folder) or the package data."""
    out: dict[str, _Model] = {}
    for name in FILES:
        fn = f"{name}.yaml"
        try:
            if path is None:
                text = resources.files("kg").joinpath("rules", fn).read_text(encoding="utf-8")
            else:
                text = (Path(path) / fn).read_text(encoding="utf-8")
        except (FileNotFoundError, OSError) as e:
            where = path or "kg/rules"
            raise RuleError(f"No rules file {fn} in {where}. Expected: {', '.join(f + '.yaml' for f in FILES)}") from e
        out[name] = _read_yaml(name, text)
    return out


_CACHE: dict[str, RuleSet] = {}


def load_rules(path: Path | None = None) -> RuleSet:
    """Load, validate and compile the rules (package data by default). Raises RuleError."""
    ck = str(path) if path is not None else ""
    rs = _CACHE.get(ck)
    if rs is None:
        rs = compile_rules(read_raw(path))
        _CACHE[ck] = rs
    return rs
