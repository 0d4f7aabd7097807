"""A small fictional store for the API tests: invented people and units, facts written by hand.

Three articles:
- sl-2022 (2022-09-05): PGS.TS. Lê Văn Hoà is Hiệu trưởng of Trường Đại học Sông Lam (old tone
  placement "Hoà"); TS. Phạm Thị Thuý is Phó Bí thư Đảng ủy; the school gets a Huân chương; it
  studies Nghị quyết 45-NQ/TW.
- sl-2024 (2024-01-12): GS.TS. Đỗ Minh Khang is now Hiệu trưởng (the rector changed); Phạm Thị Thúy
  (new tone placement) is Bí thư Đảng ủy and Bí thư Chi bộ Khoa Toán; Kết luận 12-KL/TW is cited.
- hl-2024 (2024-05-20): a namesake, Lê Văn Hòa, Trưởng khoa at Trường Đại học Hồng Lĩnh.

Facts are given in GOLD_SCHEMA form (kg.models.ArticleFacts.from_json), so the tests do not depend
on the extractor.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from kg.graph.build import build_graph
from kg.graph.derive import derive
from kg.ids import article_graph
from kg.models import Article, ArticleFacts
from kg.read.ingest import article_from_text
from kg.resolve.resolver import resolve
from kg.store import OxigraphStore, Store

with warnings.catch_warnings():
    # starlette 1.x warns at import that it wants httpx2 (not installed here); pytest turns warnings into errors
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

__all__ = ["TestClient", "build_store", "fixture_extractor", "load_articles", "extra_article", "ARTICLES"]

SL = "Trường Đại học Sông Lam"
SL_PARTY = "Đảng ủy Trường Đại học Sông Lam"
SL_CELL = "Chi bộ Khoa Toán"
HL = "Trường Đại học Hồng Lĩnh"


@dataclass(frozen=True)
class FixtureArticle:
    id: str
    published: str
    url: str
    text: str
    facts: dict[str, Any]

    def article(self) -> Article:
        return article_from_text(self.id, self.text, url=self.url, published=self.published)


def _ev(text: str, sentence: str) -> dict[str, Any]:
    start = text.index(sentence)
    return {"sentence": sentence, "start": start, "end": start + len(sentence)}


def _sl_2022() -> FixtureArticle:
    s1 = "Sáng 05/9/2022, Trường Đại học Sông Lam (ĐHSL) long trọng tổ chức Lễ khai giảng năm học 2022-2023."
    s2 = "PGS.TS. Lê Văn Hoà – Hiệu trưởng nhà trường phát biểu khai mạc."
    s3 = "TS. Phạm Thị Thuý – Phó Bí thư Đảng ủy Trường Đại học Sông Lam quán triệt Nghị quyết số 45-NQ/TW."
    s4 = "Nhà trường vinh dự đón nhận Huân chương Lao động hạng Nhì của Chủ tịch nước."
    text = "\n".join(["Lễ khai giảng năm học 2022-2023 tại Trường Đại học Sông Lam", s1, s2, s3, s4])
    facts = {
        "id": "sl-2022",
        "title": "Lễ khai giảng năm học 2022-2023 tại Trường Đại học Sông Lam",
        "published": "2022-09-05",
        "people": [
            {"name": "Lê Văn Hoà", "honorifics": ["PGS.TS."], "evidence": [_ev(text, s2)],
             "roles": [{"title": "Hiệu trưởng", "organization": SL, "role": "Hiệu trưởng", "evidence": _ev(text, s2)}]},
            {"name": "Phạm Thị Thuý", "honorifics": ["TS."], "evidence": [_ev(text, s3)],
             "roles": [{"title": "Phó Bí thư Đảng ủy", "organization": SL_PARTY, "role": "Bí thư", "deputy": True,
                        "evidence": _ev(text, s3)}]},
        ],
        "organizations": [
            {"name": SL, "aliases": ["ĐHSL", "Trường ĐH Sông Lam"], "kind": "university", "evidence": [_ev(text, s1)]},
            {"name": SL_PARTY, "kind": "party_committee", "parent": SL, "evidence": [_ev(text, s3)]},
            {"name": "Chủ tịch nước", "kind": "state_body"},
        ],
        "documents": [{"number": "45-NQ/TW", "kind": "Nghị quyết", "issuer": "Ban Chấp hành Trung ương",
                       "evidence": [_ev(text, s3)]}],
        "awards": [{"name": "Huân chương Lao động hạng Nhì", "recipient": SL, "conferred_by": "Chủ tịch nước",
                    "year": 2022, "evidence": _ev(text, s4)}],
        "events": [{"name": "Lễ khai giảng năm học 2022-2023", "date": "2022-09-05", "organizer": SL,
                    "participants": ["Lê Văn Hoà", "Phạm Thị Thuý"], "evidence": _ev(text, s1)}],
    }  # fmt: skip
    return FixtureArticle("sl-2022", "2022-09-05", "https://example.org/sl/khai-giang-2022", text, facts)


def _sl_2024() -> FixtureArticle:
    s1 = "Ngày 12/01/2024, Đảng ủy Trường Đại học Sông Lam tổ chức Hội nghị tổng kết công tác năm 2023."
    s2 = "GS.TS. Đỗ Minh Khang – Hiệu trưởng Trường Đại học Sông Lam báo cáo kết quả năm học."
    s3 = "Đồng chí Phạm Thị Thúy – Bí thư Đảng ủy, Bí thư Chi bộ Khoa Toán trình bày tham luận về Kết luận số 12-KL/TW."
    text = "\n".join(["Hội nghị tổng kết công tác năm 2023 của Đảng ủy Trường Đại học Sông Lam", s1, s2, s3])
    facts = {
        "id": "sl-2024",
        "title": "Hội nghị tổng kết công tác năm 2023 của Đảng ủy Trường Đại học Sông Lam",
        "published": "2024-01-13",
        "people": [
            {"name": "Đỗ Minh Khang", "honorifics": ["GS.TS."], "evidence": [_ev(text, s2)],
             "roles": [{"title": "Hiệu trưởng", "organization": SL, "role": "Hiệu trưởng", "evidence": _ev(text, s2)}]},
            {"name": "Phạm Thị Thúy", "honorifics": [], "evidence": [_ev(text, s3)],
             "roles": [{"title": "Bí thư Đảng ủy", "organization": SL_PARTY, "role": "Bí thư", "evidence": _ev(text, s3)},
                       {"title": "Bí thư Chi bộ Khoa Toán", "organization": SL_CELL, "role": "Bí thư",
                        "evidence": _ev(text, s3)}]},
        ],
        "organizations": [
            {"name": SL, "aliases": ["Trường ĐH Sông Lam"], "kind": "university", "evidence": [_ev(text, s2)]},
            {"name": SL_PARTY, "kind": "party_committee", "parent": SL, "evidence": [_ev(text, s1)]},
            {"name": SL_CELL, "kind": "party_cell", "parent": SL_PARTY, "evidence": [_ev(text, s3)]},
        ],
        "documents": [{"number": "12-KL/TW", "kind": "Kết luận", "issuer": "Bộ Chính trị", "evidence": [_ev(text, s3)]}],
        "awards": [],
        "events": [{"name": "Hội nghị tổng kết công tác năm 2023", "date": "2024-01-12", "organizer": SL_PARTY,
                    "participants": ["Đỗ Minh Khang"], "evidence": _ev(text, s1)}],
    }  # fmt: skip
    return FixtureArticle("sl-2024", "2024-01-13", "https://example.org/sl/tong-ket-2023", text, facts)


def _hl_2024() -> FixtureArticle:
    s1 = "Ngày 20/5/2024, Trường Đại học Hồng Lĩnh tổ chức Hội thảo khoa học cấp trường."
    s2 = "TS. Lê Văn Hòa – Trưởng khoa Toán Trường Đại học Hồng Lĩnh nhận Bằng khen của Bộ trưởng năm 2024."
    text = "\n".join(["Hội thảo khoa học tại Trường Đại học Hồng Lĩnh", s1, s2])
    facts = {
        "id": "hl-2024",
        "title": "Hội thảo khoa học tại Trường Đại học Hồng Lĩnh",
        "published": "2024-05-20",
        "people": [
            {"name": "Lê Văn Hòa", "honorifics": ["TS."], "evidence": [_ev(text, s2)],
             "roles": [{"title": "Trưởng khoa Toán", "organization": HL, "role": "Trưởng khoa", "evidence": _ev(text, s2)}]},
        ],
        "organizations": [{"name": HL, "kind": "university", "evidence": [_ev(text, s1)]}],
        "documents": [],
        "awards": [{"name": "Bằng khen của Bộ trưởng", "recipient": "Lê Văn Hòa", "year": 2024, "evidence": _ev(text, s2)}],
        "events": [],
    }  # fmt: skip
    return FixtureArticle("hl-2024", "2024-05-20", "https://example.org/hl/hoi-thao-2024", text, facts)


ARTICLES: tuple[FixtureArticle, ...] = (_sl_2022(), _sl_2024(), _hl_2024())
FACTS: dict[str, dict[str, Any]] = {a.id: a.facts for a in ARTICLES}


def extra_article(n: int) -> FixtureArticle:
    """One more fictional article, for ingest tests: a Phó Hiệu trưởng of Trường Đại học Sông Lam."""
    name = f"Vũ Thị Lan {chr(0x41 + n % 26)}"
    s1 = f"Ngày 0{1 + n % 9}/3/2024, {name} – Phó Hiệu trưởng Trường Đại học Sông Lam dự lễ ra mắt câu lạc bộ."
    text = f"Ra mắt câu lạc bộ số {n}\n{s1}"
    facts = {
        "id": f"extra-{n}",
        "title": f"Ra mắt câu lạc bộ số {n}",
        "published": "2024-03-01",
        "people": [{"name": name, "evidence": [_ev(text, s1)],
                    "roles": [{"title": "Phó Hiệu trưởng", "organization": SL, "role": "Hiệu trưởng", "deputy": True,
                               "evidence": _ev(text, s1)}]}],
        "organizations": [{"name": SL, "kind": "university", "evidence": [_ev(text, s1)]}],
    }  # fmt: skip
    return FixtureArticle(f"extra-{n}", "2024-03-01", f"https://example.org/sl/clb-{n}", text, facts)


def fixture_extractor(article: Article) -> ArticleFacts:
    """Stands in for kg.extract: the hand-written facts of a known article id, else nothing."""
    known = FACTS.get(article.id)
    if known is None and article.id.startswith("extra-"):
        known = extra_article(int(article.id.split("-", 1)[1])).facts
    if known is None:
        return ArticleFacts(id=article.id, title=article.title, published=article.published)
    return ArticleFacts.from_json(known)


def load_articles(store: Store, articles: tuple[FixtureArticle, ...] = ARTICLES) -> None:
    for a in articles:
        art = a.article()
        g = build_graph(resolve(art, ArticleFacts.from_json(a.facts)))
        store.replace_graphs({str(article_graph(art.id)): g})
    derive(store)


def build_store(path: str | None = None) -> OxigraphStore:
    """The fixture store, in memory (default) or on disk."""
    store = OxigraphStore(path)
    load_articles(store)
    return store
