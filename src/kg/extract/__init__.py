"""Facts from one article: people and their roles, organisations, documents, awards, events.

``extract_facts(article, rules)`` is pure and total: any text gives an ``ArticleFacts`` (possibly empty),
and every fact carries the sentence it was read from (``article.text[e.start:e.end] == e.sentence``).
"""

from __future__ import annotations

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
        if 1 <= d <= 31 and 1 <= mo <= 12 and 1900 <= y <= 2100:
            found = f"{y:04d}-{mo:02d}-{d:02d}"
    return found


def text_year(doc: Doc) -> int | None:
    """The year the article is set in, when it does not say: the latest year of a full date, else the most
    frequent year mentioned."""
    counts: dict[int, int] = {}
    for m in doc.rules.dates.year_re.finditer(doc.work):
        y = int(m.group("y"))
        counts[y] = counts.get(y, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda y: (counts[y], y))


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
