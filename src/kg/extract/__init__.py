"""Facts from one article: people and their roles, organisations, documents, awards, events.

``extract_facts(article, rules)`` is pure and total: any text gives an ``ArticleFacts`` (possibly empty),
and every fact carries the sentence it was read from (``article.text[e.start:e.end] == e.sentence``).
"""

from __future__ import annotations

import datetime
from bisect import bisect_left

from kg.extract.awards import extract_awards
from kg.extract.doc import Doc, build
from kg.extract.documents import extract_documents
from kg.extract.entities import extract_entities
from kg.extract.events import extract_events
from kg.models import Article, ArticleFacts
from kg.rules import RuleSet, load_rules

__all__ = ["extract_facts", "published_date"]


def published_date(doc: Doc) -> str | None:
    """The publication date printed as page furniture: a line holding only a date ("13/01/2024")."""
    found = None
    for m in doc.rules.dates.furniture_re.finditer(doc.work):
        d, mo, y = int(m.group("d")), int(m.group("m")), int(m.group("y"))
        if 1900 <= y <= 2100:
            try:
                found = datetime.date(y, mo, d).isoformat()  # a day of the calendar, else not a date
            except ValueError:
                pass
    return found


def text_year(doc: Doc) -> int | None:
    """The year the article reports from, when it gives no date: the latest year it mentions, leaving out
    years of plans, terms, births and the ends of ranges ("tầm nhìn 2045", "2015-2020", "sinh năm 1971")."""
    dr = doc.rules.dates
    best = None
    for m in dr.year_re.finditer(doc.work):
        a = m.start()
        if dr.range_end_re.search(doc.work, max(0, a - 8), a):
            continue
        k = bisect_left(doc.toks.starts, a)
        if dr.not_report_year_before.match_ending(doc.toks.keys, k, max(0, k - 3)):
            continue
        # the start of a range counts only for a term ("nhiệm kỳ 2015-2020"), not for "5 năm liền (2012-2016)"
        if dr.range_start_re.match(doc.work, m.end()) and not dr.term_before.match_ending(doc.toks.keys, k, max(0, k - 3)):
            continue
        # a year in someone's career ("Năm 2006, ông ...") does not date the report
        si = doc.tok_sent[k] if k < len(doc.tok_sent) else -1
        if si >= 0 and _career(doc, si):
            continue
        y = int(m.group("y"))
        best = y if best is None else max(best, y)
    for a, _, iso in doc.dates_in():
        k = bisect_left(doc.toks.starts, a)
        if iso.startswith("--") or dr.not_report_year_before.match_ending(doc.toks.keys, k, max(0, k - 3)):
            continue
        y = int(iso[:4])
        best = y if best is None else max(best, y)
    return best


def _career(doc: Doc, si: int) -> bool:
    s = doc.sents[si]
    toks = doc.toks
    rr = doc.rules.roles
    return any(
        rr.career_openers.match(toks.keys, x, s.t1) or rr.career_verbs.match(toks.keys, x, s.t1)
        for x in range(s.t0, s.t1)
        if toks.keys[x] in rr.career_first
    )


def _year(published: str | None) -> int | None:
    if published and len(published) >= 4 and published[:4].isdigit():
        return int(published[:4])
    return None


def extract_facts(article: Article, rules: RuleSet | None = None) -> ArticleFacts:
    rules = rules or load_rules()
    doc = build(article.text, rules)
    published = published_date(doc) or article.published
    year = _year(published)
    people_facts, org_facts, people, reg, items = extract_entities(doc)
    documents = extract_documents(doc)
    awards = extract_awards(doc, items, people, reg, year)
    events = extract_events(doc, items, people, year or text_year(doc))
    return ArticleFacts(
        id=article.id,
        title=article.title,
        published=published,
        source_url=article.url,
        people=tuple(people_facts),
        organizations=tuple(org_facts),
        documents=tuple(documents),
        awards=tuple(awards),
        events=tuple(events),
    )
