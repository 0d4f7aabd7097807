"""One identity per real person, unit and document across articles; roles in time; evidence.

Fictional articles (tests/fixtures/identity): two years of one school's news with a change of
rector, a name written with both tone placements and two honorifics, and a namesake in a province.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg.catalog.evidence import explain
from kg.catalog.saved import run_query
from kg.graph.build import build_graph
from kg.graph.derive import derive
from kg.ids import article_graph
from kg.models import ArticleFacts, OrgFact
from kg.pipeline import facts_for, ingest_paths
from kg.read.ingest import article_from_text, read_article
from kg.resolve.resolver import resolve
from kg.store import Store, open_store
from kg.text import ascii_fold

FIX = Path(__file__).parent / "fixtures" / "identity"
ARTICLES = sorted(FIX.glob("*.txt"))
SCHOOL = "Trường Đại học Sông Hồng"


def ingest(store: Store, paths: list[Path]) -> None:
    report = ingest_paths(paths, store, workers=1)
    assert not report.failed, report.failed


def nquads(store: Store) -> list[str]:
    buf = io.BytesIO()
    store.dump(buf, "nq")
    return sorted(buf.getvalue().decode("utf-8").splitlines())


@pytest.fixture(scope="module")
def store() -> Store:
    s = open_store(":memory:")
    ingest(s, ARTICLES)
    return s


def people_named(store: Store, key: str) -> list[str]:
    rows = store.query("SELECT DISTINCT ?p WHERE { ?p kg:nameKey ?k }", {"k": Literal(key)}).rows
    return sorted(str(r[0]) for r in rows)


def org_iri(store: Store, name: str) -> str:
    rows = store.query("SELECT DISTINCT ?o WHERE { ?o a kg:Organization ; rdfs:label ?l }", {"l": Literal(name, lang="vi")}).rows
    assert len(rows) == 1, rows
    return str(rows[0][0])


def test_same_person_with_other_honorific_tone_placement_and_home_phrasing_gets_one_iri(store: Store) -> None:
    # Sông Hồng's Lê Thị Hoà: "TS." in 2022, "PGS.TS." and "Hòa" in 2023, and in 2024 an article about
    # "Đảng bộ Trường Đại học Sông Hồng" rather than the school; Sông Mã has a namesake (kept apart)
    iris = people_named(store, "le thi hoa")
    assert len(iris) == 2
    by_article = {
        str(r[0]): str(r[1])
        for r in store.query("SELECT DISTINCT ?id ?p WHERE { ?p kg:nameKey \"le thi hoa\" . ?a kg:mentions ?p ; dcterms:identifier ?id }").rows
    }
    assert by_article["song-hong-2022"] == by_article["song-hong-2023"] == by_article["song-hong-2024"]
    assert by_article["song-ma-2024-02"] != by_article["song-hong-2022"]
    honorifics = {str(r[0]) for r in store.query("SELECT ?h WHERE { ?p kg:honorific ?h }", {"p": URIRef(by_article["song-hong-2022"])}).rows}
    assert {"TS.", "PGS.TS."} <= honorifics


def test_namesake_in_another_province_is_kept_apart_with_a_scored_candidate_link(store: Store) -> None:
    iris = people_named(store, "tran van minh")
    assert len(iris) == 2
    rows = store.query(
        "SELECT ?score WHERE { ?c a kg:SameAsCandidate ; kg:candidate ?a , ?b ; kg:score ?score . FILTER(?a != ?b) }",
        {"a": URIRef(iris[0]), "b": URIRef(iris[1])},
    ).rows
    assert rows and 0 < float(rows[0][0]) < 1
    assert store.query(f"ASK {{ <{iris[0]}> kg:possibleSameAs <{iris[1]}> }}").boolean


def test_nfd_copy_of_an_article_gives_the_same_entities(store: Store, tmp_path: Path) -> None:
    src = FIX / "song-hong-2023.txt"
    nfd = tmp_path / "song-hong-2023.txt"
    nfd.write_text(unicodedata.normalize("NFD", src.read_text(encoding="utf-8")), encoding="utf-8")
    a, b = read_article(src), read_article(nfd)
    assert "nfd" in b.conversions
    ga, gb = build_graph(resolve(a, facts_for(a))), build_graph(resolve(b, facts_for(b)))
    assert set(ga.subjects()) == set(gb.subjects())
    assert len(gb) == len(ga) + 1  # the conversion note is the only difference


def test_rector_change_answers_who_held_the_post_on_a_date(store: Store) -> None:
    school = org_iri(store, SCHOOL)

    def holders(at: str | None = None) -> set[str]:
        params = {"role": "Hiệu trưởng", "organization": school} | ({"at": at} if at else {})
        return {ascii_fold(str(row["name"])) for row in run_query(store, "holders_of_title", params).dicts()}

    assert holders("2022-12-01") == {"tran van minh"}
    assert holders("2023-11-01") == {"le thi hoa"}
    assert holders("2021-01-01") == set()
    assert holders() == {"tran van minh", "le thi hoa"}


def test_former_and_succeeded_holdings_end_with_dates(store: Store) -> None:
    school = org_iri(store, SCHOOL)
    rows = store.query(
        """SELECT ?name ?ended ?next ?first ?last WHERE {
             ?h org:organization ?o ; org:role ?r ; org:member ?p .
             ?r skos:prefLabel "Hiệu trưởng"@vi . ?p rdfs:label ?name .
             OPTIONAL { ?h kg:endedBy ?ended } OPTIONAL { ?h kg:succeededBy ?next }
             OPTIONAL { ?h kg:firstSeen ?first ; kg:lastSeen ?last } }""",
        {"o": URIRef(school)},
    ).dicts()
    minh = next(r for r in rows if str(r["name"]) == "Trần Văn Minh")
    assert str(minh["ended"]) == "2023-10-20"
    assert str(minh["first"]) == str(minh["last"]) == "2022-09-15"
    successor = next(r for r in rows if "Hòa" in str(r["name"]) or "Hoà" in str(r["name"]))
    assert successor["ended"] is None
    assert minh["next"] is not None


def test_holdings_seen_in_several_articles_merge_with_earliest_and_latest_evidence(store: Store) -> None:
    rows = store.query(
        """SELECT ?h ?first ?last (COUNT(DISTINCT ?g) AS ?articles) WHERE {
             ?p kg:nameKey "pham quoc bao" . GRAPH ?g { ?h org:member ?p }
             ?h kg:firstSeen ?first ; kg:lastSeen ?last } GROUP BY ?h ?first ?last"""
    ).dicts()
    assert rows, "Phạm Quốc Bảo's union post should be a holding"
    merged = [r for r in rows if int(r["articles"]) == 2]
    assert merged and str(merged[0]["first"]) == "2022-09-15" and str(merged[0]["last"]) == "2023-10-20"


def test_every_holding_points_to_its_article_and_sentence(store: Store) -> None:
    missing = store.query(
        """SELECT ?h WHERE { GRAPH ?g { ?h a kg:RoleHolding .
             FILTER NOT EXISTS { ?h prov:wasDerivedFrom ?a ; kg:evidence ?s . ?s kg:text ?t ; kg:start ?b ; kg:end ?e } } }"""
    ).rows
    assert missing == []


def test_why_lists_the_sentences_behind_a_persons_roles(store: Store) -> None:
    text = explain(store, "tran van minh")
    assert "nguyên Hiệu trưởng" in text and "Phó Chủ tịch" in text
    assert text.count("sentence [") >= 3


def test_evidence_offsets_point_into_the_article_text(store: Store) -> None:
    texts = {p.stem: read_article(p).text for p in ARTICLES}
    rows = store.query(
        "SELECT ?id ?t ?b ?e WHERE { ?s kg:text ?t ; kg:start ?b ; kg:end ?e ; dcterms:isPartOf ?a . ?a dcterms:identifier ?id }"
    ).rows
    assert rows
    for art, t, b, e in rows:
        assert texts[str(art)][int(b) : int(e)] == str(t)


def test_ingest_is_idempotent_and_order_independent(tmp_path: Path) -> None:
    forward = open_store(":memory:")
    ingest(forward, ARTICLES)
    expected = nquads(forward)
    assert len(expected) > 100

    backward = open_store(":memory:")
    for p in reversed(ARTICLES):
        ingest(backward, [p])
    assert nquads(backward) == expected

    ingest(forward, ARTICLES)  # unchanged: skipped
    report = ingest_paths(ARTICLES, forward, workers=1, force=True)  # forced: rewritten
    assert report.ingested == len(ARTICLES)
    assert nquads(forward) == expected


def test_same_article_under_two_names_gives_the_same_entities() -> None:
    text = (FIX / "song-hong-2022.txt").read_text(encoding="utf-8")
    a, b = article_from_text("copy-a", text), article_from_text("copy-b", text)
    kinds = ("/id/person/", "/id/org/", "/id/holding/", "/id/role/", "/id/doc/", "/id/event/")
    ents = [
        {str(s) for s in build_graph(resolve(x, facts_for(x))).subjects() if any(k in str(s) for k in kinds)}
        for x in (a, b)
    ]
    assert ents[0]
    assert ents[0] == ents[1]


@pytest.mark.parametrize("variant", ["Bộ Tài chính", "bộ Tài chính", "BỘ TÀI CHÍNH"])
def test_unit_iri_ignores_case(variant: str) -> None:
    a = article_from_text("x", "Tiêu đề\nNội dung.")

    def iri(name: str) -> str:
        facts = ArticleFacts(id="x", title="t", organizations=(OrgFact(name=name, kind="state_body"),))
        return resolve(a, facts).organizations[0].iri

    assert iri(variant) == iri("Bộ Tài chính")


def test_generic_unit_names_are_scoped_by_the_articles_home_unit() -> None:
    a = article_from_text("x", "Tiêu đề\nNội dung.")

    def union_iri(home: str) -> str:
        facts = ArticleFacts(
            id="x", title="t",
            organizations=(OrgFact(name=home, kind="university"), OrgFact(name="Công đoàn", kind="mass_organization")),
        )
        return resolve(a, facts).organizations[1].iri

    assert union_iri("Trường Đại học Sông Hồng") != union_iri("Trường Đại học Sông Đà")
    assert union_iri("Trường Đại học Sông Hồng") == union_iri("Trường Đại học Sông Hồng")


def test_one_document_iri_per_canonical_number() -> None:
    a = article_from_text("x", "Tiêu đề\nNội dung.")
    from kg.models import DocumentFact

    def doc_iri(number: str) -> str:
        facts = ArticleFacts(id="x", title="t", documents=(DocumentFact(number=number, kind="Nghị quyết"),))
        return resolve(a, facts).documents[0].iri

    assert doc_iri("19-NQ/TW") == doc_iri("19-NQ/TW")
    assert "/doc/tw/nq/19-" in doc_iri("19-NQ/TW")
    assert "/doc/cp/nd/2012/108-" in doc_iri("108/2012/NĐ-CP")


def test_store_graph_for_each_article_is_named_after_it(store: Store) -> None:
    graphs = {str(r[0]) for r in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows}
    for p in ARTICLES:
        assert str(article_graph(p.stem)) in graphs


def test_derive_is_a_pure_function_of_the_store(store: Store) -> None:
    before = nquads(store)
    derive(store)
    assert nquads(store) == before


def test_local_document_numbers_are_scoped_by_their_issuer() -> None:
    from kg.models import DocumentFact

    a = article_from_text("x", "Tiêu đề\nNội dung.")

    def doc_iri(number: str, issuer: str | None) -> str:
        facts = ArticleFacts(id="x", title="t", documents=(DocumentFact(number=number, issuer=issuer),))
        return resolve(a, facts).documents[0].iri

    assert doc_iri("12-NQ/ĐU", "Đảng ủy Trường A") != doc_iri("12-NQ/ĐU", "Đảng ủy Trường B")
    assert doc_iri("12-NQ/ĐU", "Đảng ủy Trường A") == doc_iri("12-NQ/ĐU", "Đảng ủy Trường A")
    assert doc_iri("19-NQ/TW", "Bộ Chính trị") == doc_iri("19-NQ/TW", None)


def test_namesakes_in_same_named_party_cells_of_different_schools_stay_apart() -> None:
    from kg.models import EventFact, PersonFact, RoleFact

    def person_iri(school: str) -> str:
        a = article_from_text("x", "Tiêu đề\nNội dung.")
        facts = ArticleFacts(
            id="x", title="t",
            people=(PersonFact(name="Ngô Văn Tâm", roles=(RoleFact(title="Bí thư Chi bộ", organization="Chi bộ Khoa Hóa học"),)),),
            organizations=(OrgFact(name=school, kind="university"),
                           OrgFact(name="Chi bộ Khoa Hóa học", kind="party_cell", parent=f"Đảng bộ {school}")),
            events=(EventFact(name="Hội nghị", date="2024-01-01", organizer=school),),
        )  # fmt: skip
        return resolve(a, facts).people[0].iri

    assert person_iri("Trường Đại học Sông Hồng") != person_iri("Trường Đại học Sông Đà")


def test_iri_parameters_accept_known_prefixes_and_refuse_non_iris() -> None:
    from kg.catalog.saved import expand_iri
    from kg.errors import QueryError

    assert expand_iri("kg:Person") == "https://w3id.org/kg-vn/ontology#Person"
    assert expand_iri("https://w3id.org/kg-vn/id/x") == "https://w3id.org/kg-vn/id/x"
    with pytest.raises(QueryError):
        expand_iri("Trường Đại học Sông Hồng")


def test_seed_units_get_one_iri_whatever_the_spelling() -> None:
    seed = Path(__file__).resolve().parents[1] / "data" / "articles" / "seed-000.txt"
    a = read_article(seed)
    orgs = resolve(a, facts_for(a)).organizations
    by_name = {o.name: o for o in orgs}
    school = by_name["Trường Đại học Công nghệ"]
    assert {"Trường ĐHCN", "Trường ĐH Công nghệ"} <= set(school.aliases)
    assert "Đảng bộ Nhà trường" in by_name["Đảng bộ Trường Đại học Công nghệ"].aliases
    assert "Đảng ủy Trường ĐHCN" in by_name["Đảng ủy Trường Đại học Công nghệ"].aliases
    assert len({o.iri for o in orgs}) == len(orgs)


def _resolve(facts: ArticleFacts, text: str = "Tiêu đề\nNội dung."):  # type: ignore[no-untyped-def]
    return resolve(article_from_text("x", text), facts)


def _school_facts(school: str, *people, orgs=(), organizer: str | None = None) -> ArticleFacts:  # type: ignore[no-untyped-def]
    from kg.models import EventFact

    return ArticleFacts(
        id="x", title="t", people=tuple(people),
        organizations=(OrgFact(name=school, kind="university"), *orgs),
        events=(EventFact(name="Hội nghị", date="2024-01-01", organizer=organizer or school),),
    )  # fmt: skip


def test_nha_truong_is_the_articles_own_school_or_nothing() -> None:
    from kg.models import PersonFact, RoleFact

    rector = PersonFact(name="Ngô Văn Tâm", roles=(RoleFact(title="Hiệu trưởng", organization="Nhà trường", role="Hiệu trưởng"),))
    for school in ("Trường Đại học Sông Hồng", "Trường Đại học Sông Đà"):
        r = _resolve(_school_facts(school, rector, orgs=(OrgFact(name="Nhà trường", kind="university"),)))
        school_iri = next(o.iri for o in r.organizations if o.name == school)
        assert [h.organization for h in r.holdings] == [school_iri]
        assert "Nhà trường" not in {o.name for o in r.organizations}
    # no home school: the post is kept, at no unit, rather than at a "Nhà trường" every school would share
    alone = ArticleFacts(id="x", title="t", people=(rector,), organizations=(OrgFact(name="Nhà trường", kind="university"),))
    r = _resolve(alone)
    assert [h.organization for h in r.holdings] == [None] and r.organizations == ()


def test_a_rectors_post_filed_under_the_union_is_the_schools() -> None:
    from kg.models import PersonFact, RoleFact

    school = "Trường Đại học Sông Đà"
    p = PersonFact(name="Ngô Văn Tâm", roles=(RoleFact(title="Hiệu trưởng", organization="Công đoàn Trường", role="Hiệu trưởng"),))
    r = _resolve(_school_facts(school, p, orgs=(OrgFact(name="Công đoàn Trường", kind="mass_organization"),)))
    by_iri = {o.iri: o for o in r.organizations}
    assert [by_iri[h.organization].name for h in r.holdings if h.organization] == [school]
    union = next(o for o in r.organizations if o.name.startswith("Công đoàn"))
    assert union.name == f"Công đoàn {school}" and by_iri[union.parent].name == school  # type: ignore[index]


def test_party_organs_are_linked_to_their_unit_and_a_chi_bo_to_the_dang_bo() -> None:
    school = "Trường Đại học Sông Đà"
    facts = _school_facts(
        school,
        orgs=(OrgFact(name=f"Đảng ủy {school}", kind="party_committee"),
              OrgFact(name="Chi bộ Khoa Vật lý", kind="party_cell", parent=f"Đảng ủy {school}")),
    )  # fmt: skip
    orgs = {o.name: o for o in _resolve(facts).organizations}
    assert orgs[f"Đảng ủy {school}"].party_of == orgs[school].iri
    assert orgs["Chi bộ Khoa Vật lý"].parent == orgs[f"Đảng bộ {school}"].iri
    assert orgs[f"Đảng bộ {school}"].party_of == orgs[school].iri


def test_a_person_key_does_not_depend_on_how_the_article_names_its_home_unit() -> None:
    from kg.models import PersonFact, RoleFact

    school = "Trường Đại học Sông Đà"

    def iri(organizer: str, unit: str) -> str:
        p = PersonFact(name="Ngô Văn Tâm", honorifics=("TS.",), roles=(RoleFact(title="Hiệu trưởng", organization=unit, role="Hiệu trưởng"),))
        extra = (OrgFact(name=organizer, kind="party_committee"),) if organizer != school else ()
        return _resolve(_school_facts(school, p, orgs=extra, organizer=organizer)).people[0].iri

    assert iri(school, school) == iri(f"Đảng bộ {school}", "Nhà trường") == iri(f"Đảng ủy {school}", school)


def test_replaced_and_retired_holders_are_read_as_ended() -> None:
    from kg.models import Evidence, PersonFact, RoleFact

    school = "Trường Đại học Sông Đà"
    s = f"Bộ trưởng bổ nhiệm PGS.TS. Ngô Văn Tâm giữ chức Hiệu trưởng {school}, thay PGS.TS. Đinh Văn Hùng đã nghỉ hưu."
    ev = Evidence(s, 0, len(s))
    new = PersonFact(name="Ngô Văn Tâm", roles=(RoleFact(title="Hiệu trưởng", organization=school, role="Hiệu trưởng", evidence=ev),))
    old = PersonFact(name="Đinh Văn Hùng")  # named, given no post of his own
    r = _resolve(_school_facts(school, new, old), s)
    by_person = {h.person: h for h in r.holdings}
    tam, hung = (next(p.iri for p in r.people if p.name == n) for n in ("Ngô Văn Tâm", "Đinh Văn Hùng"))
    assert not by_person[tam].former
    assert by_person[hung].former and by_person[hung].post == "Hiệu trưởng"
    assert by_person[hung].organization == by_person[tam].organization


def test_a_new_deputy_is_not_also_recorded_as_the_head() -> None:
    from kg.models import Evidence, PersonFact, RoleFact

    s = "Đại hội bầu đồng chí Ngô Thị Mai giữ chức Bí thư Chi bộ, đồng chí Hoàng Văn Nam giữ chức Phó Bí thư Chi bộ."
    ev = Evidence(s, 0, len(s))
    cell = "Chi bộ Khoa Vật lý"
    nam = PersonFact(name="Hoàng Văn Nam", roles=(
        RoleFact(title="Bí thư Chi bộ", organization=cell, role="Bí thư", evidence=ev),
        RoleFact(title="Phó Bí thư Chi bộ", organization=cell, role="Bí thư", deputy=True, evidence=ev)))  # fmt: skip
    r = _resolve(_school_facts("Trường Đại học Sông Đà", nam, orgs=(OrgFact(name=cell, kind="party_cell"),)), s)
    assert [h.post for h in r.holdings] == ["Phó Bí thư"]
