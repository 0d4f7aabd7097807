"""A small fictional world for the SPARQL, saved-query and query-page tests.

Four invented articles about an invented university (Trường Đại học Hòa Vân), its party
organisation, an invented province (Lâm Xuyên) and an invented company. The facts are written by
hand in GOLD_SCHEMA form (no extractor involved) and go through the real resolve -> build_graph ->
store -> derive path, so the queries are tested on exactly the triples the pipeline writes.

What the world contains, for the assertions:
- Bí thư of Đảng ủy ĐH Hòa Vân: Trần Văn Khải (2023-03-10 .. 2023-09-02, "nguyên" on 2024-05-20),
  then Lê Thị Mai (from 2024-05-20).
- Hiệu trưởng of ĐH Hòa Vân: Lê Thị Mai (2023-03-10 .. 2023-09-02), then Phạm Quốc Bảo (2024-05-20).
- Party cells Chi bộ Khoa Vật lý (Bí thư Đỗ Minh Tâm) and Chi bộ Khoa Hóa học (Bí thư Vũ Hải Yến)
  are sub-organisations of Đảng bộ ĐH Hòa Vân; the Đảng ủy is part of the Đảng bộ.
- Trần Văn Khải also chairs Công ty Cổ phần Sông Mây (an interlock).
- Documents: 88-NQ/TW (Bộ Chính trị) cited in three articles (2022, 2023, 2024), 77-CT/TW (Ban Bí
  thư) cited in 2023 and 2024, 12-NQ/ĐU issued by Đảng ủy ĐH Hòa Vân cited in 2024.
- A namesake: the Ngô Thanh Hà of the 2023-09 article (an alumnus, no role) is not the Bí thư Tỉnh
  ủy Lâm Xuyên; derive links the two IRIs as a kg:possibleSameAs candidate (score 0.6).
- Awards: Huân chương Lao động hạng Nhì to the university (2023), hạng Ba to Hoàng Đức Long
  (2022), Bằng khen to Lê Thị Mai (2024), Giấy khen to "25 đảng viên" (2024).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from rdflib import URIRef

from kg.graph.build import build_graph
from kg.graph.derive import derive
from kg.ids import article_graph, make_id
from kg.models import ArticleFacts
from kg.read.ingest import article_from_text
from kg.resolve.resolver import resolve
from kg.store import Store, open_store
from kg.text import fold

UNI = "Trường Đại học Hòa Vân"
DANG_BO = "Đảng bộ Trường Đại học Hòa Vân"
DANG_UY = "Đảng ủy Trường Đại học Hòa Vân"
CELL_PHYS = "Chi bộ Khoa Vật lý"
CELL_CHEM = "Chi bộ Khoa Hóa học"
PROVINCE = "Tỉnh ủy Lâm Xuyên"
COMPANY = "Công ty Cổ phần Sông Mây"
POLITBURO = "Bộ Chính trị"
SECRETARIAT = "Ban Bí thư"

_ORG_UNI = {"name": UNI, "kind": "university", "aliases": ["Trường ĐH Hòa Vân"]}
_ORG_DANG_BO = {"name": DANG_BO, "kind": "party_committee"}
_ORG_DANG_UY = {"name": DANG_UY, "kind": "party_committee", "parent": DANG_BO}

ARTICLES: list[dict[str, Any]] = [
    {
        "id": "hv-2023-03",
        "published": "2023-03-11",
        "text": (
            "Đảng bộ Trường Đại học Hòa Vân tổ chức Hội nghị Ban Chấp hành mở rộng\n"
            "Ngày 10/3/2023, Đảng bộ Trường Đại học Hòa Vân tổ chức Hội nghị Ban Chấp hành mở rộng.\n"
            "Đồng chí Trần Văn Khải, Bí thư Đảng ủy, Chủ tịch Hội đồng quản trị Công ty Cổ phần Sông Mây "
            "chủ trì hội nghị.\n"
            "PGS.TS Lê Thị Mai, Hiệu trưởng nhà trường, báo cáo kết quả thực hiện Nghị quyết số 88-NQ/TW "
            "của Bộ Chính trị và Chỉ thị số 77-CT/TW của Ban Bí thư.\n"
        ),
        "facts": {
            "people": [
                {
                    "name": "Trần Văn Khải",
                    "roles": [
                        {"title": "Bí thư Đảng ủy", "role": "Bí thư", "organization": DANG_UY,
                         "evidence": "Đồng chí Trần Văn Khải, Bí thư Đảng ủy"},
                        {"title": "Chủ tịch Hội đồng quản trị", "role": "Chủ tịch Hội đồng quản trị",
                         "organization": COMPANY, "evidence": "Chủ tịch Hội đồng quản trị Công ty Cổ phần Sông Mây"},
                    ],
                },
                {
                    "name": "Lê Thị Mai",
                    "honorifics": ["PGS.TS"],
                    "roles": [{"title": "Hiệu trưởng", "organization": UNI,
                               "evidence": "PGS.TS Lê Thị Mai, Hiệu trưởng nhà trường"}],
                },
            ],
            "organizations": [_ORG_DANG_BO, _ORG_DANG_UY, _ORG_UNI, {"name": COMPANY, "kind": "company"},
                              {"name": POLITBURO, "kind": "party_central"},
                              {"name": SECRETARIAT, "kind": "party_central"}],
            "documents": [
                {"number": "88-NQ/TW", "kind": "Nghị quyết", "issuer": POLITBURO, "date": "2022-05-02",
                 "evidence": "Nghị quyết số 88-NQ/TW"},
                {"number": "77-CT/TW", "kind": "Chỉ thị", "issuer": SECRETARIAT, "date": "2021-11-30",
                 "evidence": "Chỉ thị số 77-CT/TW"},
            ],
            "events": [
                {"name": "Hội nghị Ban Chấp hành Đảng bộ mở rộng", "date": "2023-03-10", "organizer": DANG_BO,
                 "participants": ["Trần Văn Khải", "Lê Thị Mai"],
                 "evidence": "Ngày 10/3/2023, Đảng bộ Trường Đại học Hòa Vân tổ chức"},
            ],
        },
    },
    {
        "id": "hv-2023-09",
        "published": "2023-09-03",
        "text": (
            "Trường Đại học Hòa Vân kỷ niệm 50 năm thành lập\n"
            "Ngày 2/9/2023, Trường Đại học Hòa Vân long trọng tổ chức Lễ kỷ niệm 50 năm thành lập.\n"
            "Dự buổi lễ có đồng chí Trần Văn Khải, Bí thư Đảng ủy và PGS.TS Lê Thị Mai, Hiệu trưởng.\n"
            "Đồng chí Đỗ Minh Tâm, Bí thư Chi bộ Khoa Vật lý và đồng chí Vũ Hải Yến, Bí thư Chi bộ Khoa Hóa học "
            "cùng dự.\n"
            "Nhà trường vinh dự đón nhận Huân chương Lao động hạng Nhì của Chủ tịch nước.\n"
            "Cựu sinh viên Ngô Thanh Hà gửi thư chúc mừng.\n"
            "Các chi bộ tiếp tục quán triệt Chỉ thị số 77-CT/TW.\n"
        ),
        "facts": {
            "people": [
                {"name": "Trần Văn Khải", "roles": [{"title": "Bí thư Đảng ủy", "role": "Bí thư",
                                                      "organization": DANG_UY}]},
                {"name": "Lê Thị Mai", "honorifics": ["PGS.TS"],
                 "roles": [{"title": "Hiệu trưởng", "organization": UNI, "evidence": "PGS.TS Lê Thị Mai, Hiệu trưởng"}]},
                {"name": "Đỗ Minh Tâm", "roles": [{"title": "Bí thư Chi bộ", "role": "Bí thư",
                                                    "organization": CELL_PHYS,
                                                    "evidence": "Đỗ Minh Tâm, Bí thư Chi bộ Khoa Vật lý"}]},
                {"name": "Vũ Hải Yến", "roles": [{"title": "Bí thư Chi bộ", "role": "Bí thư",
                                                   "organization": CELL_CHEM}]},
                {"name": "Ngô Thanh Hà", "evidence": "Cựu sinh viên Ngô Thanh Hà"},
            ],
            "organizations": [_ORG_UNI, _ORG_DANG_BO, _ORG_DANG_UY,
                              {"name": CELL_PHYS, "kind": "party_cell", "parent": DANG_BO},
                              {"name": CELL_CHEM, "kind": "party_cell", "parent": DANG_BO},
                              {"name": SECRETARIAT, "kind": "party_central"}],
            "documents": [{"number": "77-CT/TW", "kind": "Chỉ thị", "issuer": SECRETARIAT,
                           "evidence": "quán triệt Chỉ thị số 77-CT/TW"}],
            "awards": [{"name": "Huân chương Lao động hạng Nhì", "recipient": UNI,
                        "conferred_by": "Chủ tịch nước", "year": 2023,
                        "evidence": "Huân chương Lao động hạng Nhì"}],
            "events": [
                {"name": "Lễ kỷ niệm 50 năm thành lập Trường", "date": "2023-09-02", "organizer": UNI,
                 "participants": ["Trần Văn Khải", "Lê Thị Mai", "Đỗ Minh Tâm", "Vũ Hải Yến"]},
            ],
        },
    },
    {
        "id": "hv-2024-05",
        "published": "2024-05-21",
        "text": (
            "Đại hội Đảng bộ Trường Đại học Hòa Vân nhiệm kỳ 2024-2029\n"
            "Ngày 20/5/2024, Đảng bộ Trường Đại học Hòa Vân tổ chức Đại hội Đảng bộ lần thứ X.\n"
            "Đồng chí Lê Thị Mai được bầu làm Bí thư Đảng ủy; PGS.TS Phạm Quốc Bảo, Hiệu trưởng, "
            "tham dự đại hội.\n"
            "Đồng chí Trần Văn Khải, nguyên Bí thư Đảng ủy, phát biểu chúc mừng.\n"
            "Dự đại hội có đồng chí Hoàng Đức Long, Phó Bí thư Tỉnh ủy Lâm Xuyên.\n"
            "Đại hội thông qua Nghị quyết số 12-NQ/ĐU của Đảng ủy, tiếp tục thực hiện Nghị quyết số 88-NQ/TW "
            "và Chỉ thị số 77-CT/TW.\n"
            "Đồng chí Lê Thị Mai nhận Bằng khen của Thủ tướng Chính phủ; 25 đảng viên nhận Giấy khen của Đảng ủy.\n"
        ),
        "facts": {
            "people": [
                {"name": "Lê Thị Mai", "roles": [{"title": "Bí thư Đảng ủy", "role": "Bí thư",
                                                   "organization": DANG_UY,
                                                   "evidence": "Lê Thị Mai được bầu làm Bí thư Đảng ủy"}]},
                {"name": "Phạm Quốc Bảo", "honorifics": ["PGS.TS"],
                 "roles": [{"title": "Hiệu trưởng", "organization": UNI}]},
                {"name": "Trần Văn Khải", "roles": [{"title": "nguyên Bí thư Đảng ủy", "role": "Bí thư",
                                                      "organization": DANG_UY, "former": True,
                                                      "evidence": "Trần Văn Khải, nguyên Bí thư Đảng ủy"}]},
                {"name": "Hoàng Đức Long", "roles": [{"title": "Phó Bí thư Tỉnh ủy", "role": "Bí thư",
                                                       "deputy": True, "organization": PROVINCE}]},
            ],
            "organizations": [_ORG_DANG_BO, _ORG_DANG_UY, _ORG_UNI, {"name": PROVINCE, "kind": "party_committee"},
                              {"name": POLITBURO, "kind": "party_central"},
                              {"name": SECRETARIAT, "kind": "party_central"}],
            "documents": [
                {"number": "12-NQ/ĐU", "kind": "Nghị quyết", "issuer": DANG_UY, "date": "2024-05-20",
                 "evidence": "Nghị quyết số 12-NQ/ĐU của Đảng ủy"},
                {"number": "88-NQ/TW", "kind": "Nghị quyết", "issuer": POLITBURO},
                {"number": "77-CT/TW", "kind": "Chỉ thị", "issuer": SECRETARIAT},
            ],
            "awards": [
                {"name": "Bằng khen của Thủ tướng Chính phủ", "recipient": "Lê Thị Mai",
                 "conferred_by": "Thủ tướng Chính phủ", "year": 2024},
                {"name": "Giấy khen", "recipient": "25 đảng viên", "conferred_by": DANG_UY, "year": 2024},
            ],
            "events": [
                {"name": "Đại hội Đảng bộ Trường Đại học Hòa Vân lần thứ X", "date": "2024-05-20",
                 "organizer": DANG_BO,
                 "participants": ["Lê Thị Mai", "Phạm Quốc Bảo", "Trần Văn Khải", "Hoàng Đức Long"]},
            ],
        },
    },
    {
        "id": "lx-2022-11",
        "published": "2022-11-16",
        "text": (
            "Tỉnh ủy Lâm Xuyên sơ kết thực hiện Nghị quyết số 88-NQ/TW\n"
            "Ngày 15/11/2022, Tỉnh ủy Lâm Xuyên tổ chức hội nghị sơ kết.\n"
            "Đồng chí Ngô Thanh Hà, Bí thư Tỉnh ủy và đồng chí Hoàng Đức Long, Phó Bí thư Tỉnh ủy chủ trì.\n"
            "Đồng chí Hoàng Đức Long được tặng Huân chương Lao động hạng Ba.\n"
        ),
        "facts": {
            "people": [
                {"name": "Ngô Thanh Hà", "roles": [{"title": "Bí thư Tỉnh ủy", "role": "Bí thư",
                                                    "organization": PROVINCE}]},
                {"name": "Hoàng Đức Long", "roles": [{"title": "Phó Bí thư Tỉnh ủy", "role": "Bí thư",
                                                       "deputy": True, "organization": PROVINCE,
                                                       "evidence": "Hoàng Đức Long, Phó Bí thư Tỉnh ủy"}]},
            ],
            "organizations": [{"name": PROVINCE, "kind": "party_committee"},
                              {"name": POLITBURO, "kind": "party_central"}],
            "documents": [{"number": "88-NQ/TW", "kind": "Nghị quyết", "issuer": POLITBURO}],
            "awards": [{"name": "Huân chương Lao động hạng Ba", "recipient": "Hoàng Đức Long", "year": 2022}],
            "events": [
                {"name": "Hội nghị sơ kết thực hiện Nghị quyết số 88-NQ/TW", "date": "2022-11-15",
                 "organizer": PROVINCE, "participants": ["Ngô Thanh Hà", "Hoàng Đức Long"]},
            ],
        },
    },
]


def _with_evidence(text: str, facts: dict[str, Any]) -> dict[str, Any]:
    """Turn ``"evidence": "quote"`` into GOLD evidence {sentence, start, end} found in ``text``.

    People, units and documents carry a list of evidence; roles, awards and events one.
    """

    def ev(quote: str) -> dict[str, Any]:
        start = text.find(quote)
        if start < 0:
            raise ValueError(f"fixture evidence {quote!r} is not in the article text")
        return {"sentence": quote, "start": start, "end": start + len(quote)}

    def one(rec: dict[str, Any], plural: bool) -> dict[str, Any]:
        rec = dict(rec)
        if isinstance(rec.get("evidence"), str):
            rec["evidence"] = [ev(rec["evidence"])] if plural else ev(rec["evidence"])
        return rec

    f = copy.deepcopy(facts)
    for p in f.get("people", []):
        p["roles"] = [one(r, False) for r in p.get("roles", [])]
    f["people"] = [one(p, True) for p in f.get("people", [])]
    for key, plural in (("organizations", True), ("documents", True), ("awards", False), ("events", False)):
        f[key] = [one(x, plural) for x in f.get(key, [])]
    return f


def graphs() -> dict[str, Any]:
    """Each fixture article's named graph, keyed by graph IRI."""
    return _graphs_of(ARTICLES)


def _graphs_of(articles: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for a in articles:
        article = article_from_text(a["id"], a["text"], published=a["published"])
        facts = ArticleFacts.from_json(
            {"id": a["id"], "title": article.title, "published": a["published"],
             **_with_evidence(article.text, a["facts"])}
        )
        out[str(article_graph(article.id))] = build_graph(resolve(article, facts))
    return out


def fill(store: Store) -> Store:
    """Write the fixture articles into ``store`` and derive the cross-article graph."""
    store.replace_graphs(graphs())
    derive(store)
    return store


def memory_store() -> Store:
    return fill(open_store(":memory:"))


def disk_store(path: Path) -> Path:
    """Write the fixture into an on-disk store folder, close it, return the folder."""
    s = open_store(path)
    try:
        fill(s)
    finally:
        s.close()
    return path


# ------------------------------------------------------------ IRIs the assertions use


def org_iri(name: str) -> URIRef:
    """IRI of a unit that is not scoped (everything here but the party cells)."""
    return make_id("org", name, fold(name))


# ------------------------------------------------------------ a larger world, for latency checks


def scaled_articles(copies: int) -> list[dict[str, Any]]:
    """``copies`` renamed copies of the four articles: each copy's university, province and company
    get a number ("Trường Đại học Hòa Vân 17"), so units, people and holdings multiply while the
    central documents (88-NQ/TW, 77-CT/TW) are shared and become heavily cited."""
    out = []
    for i in range(copies):
        for a in ARTICLES:
            raw = json.dumps(a, ensure_ascii=False)
            for place in ("Hòa Vân", "Lâm Xuyên", "Sông Mây"):
                raw = raw.replace(place, f"{place} {i}")
            b = json.loads(raw)
            b["id"] = f"{a['id']}-{i}"
            out.append(b)
    return out


def fill_scaled(store: Store, copies: int, batch: int = 200) -> Store:
    arts = scaled_articles(copies)
    for k in range(0, len(arts), batch):
        store.replace_graphs(_graphs_of(arts[k : k + batch]))
    derive(store)
    return store


def scaled_query_params(big: Store, i: int = 7) -> dict[str, dict[str, str]]:
    """Parameters of each saved query for copy ``i`` of a ``fill_scaled`` store (tests and benchmarks)."""
    from rdflib import Literal, URIRef

    def one(q: str, **values: object) -> str:
        return str(big.query(q, values).rows[0][0])  # type: ignore[arg-type]

    uni, du, db = (str(org_iri(f"{n} {i}")) for n in (UNI, DANG_UY, DANG_BO))
    mai = one("SELECT DISTINCT ?p WHERE { ?h org:organization ?o ; org:member ?p . ?p foaf:name \"Lê Thị Mai\" }",
              o=URIRef(uni))  # fmt: skip
    return {
        "holders_of_title": {"organization": uni, "role": "Hiệu trưởng", "at": "2023-12-01"},
        "roles_of_person": {"person": mai},
        "members_of_unit": {"unit": db},
        "succession_of_post": {"organization": du, "role": "Bí thư"},
        "citations_of_document": {"document": one("SELECT DISTINCT ?d WHERE { ?d kg:documentNumber ?n }",
                                                  n=Literal("88-NQ/TW"))},
        "most_cited_documents": {"year": "2023"},
        "documents_by_issuer": {"issuer": du},
        "awards": {"kind": "Huân chương", "year": "2023"},
        "awards_of_recipient": {"recipient": uni},
        "co_attendees": {"person": mai},
        "evidence_of_fact": {"fact": one("SELECT DISTINCT ?h WHERE { ?h kg:title ?t ; org:member ?p . ?p foaf:name ?n }",
                                         t=Literal("Hiệu trưởng"), n=Literal("Lê Thị Mai"))},
        "find_entities": {"text": f"Hòa Vân {i}"},
    }  # fmt: skip
