"""POST /articles: token, body forms, replacing, search index refresh, and readers during writes."""

from __future__ import annotations

import threading
import time

import pytest
from rdflib import URIRef

from api_fixtures import SL, TestClient, build_store, extra_article, fixture_extractor
from kg.config import Settings
from kg.ids import article_graph
from kg.serve.api import create_app
from kg.store import OxigraphStore

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture()
def store() -> OxigraphStore:
    return build_store()


@pytest.fixture()
def client(store: OxigraphStore) -> TestClient:
    return TestClient(create_app(store, Settings(write_token=TOKEN), extractor=fixture_extractor))


def _json_article(n: int) -> dict[str, str]:
    a = extra_article(n)
    return {"id": a.id, "text": a.text, "url": a.url, "published": a.published}


def test_a_server_without_a_token_is_read_only(store: OxigraphStore) -> None:
    c = TestClient(create_app(store, Settings(), extractor=fixture_extractor))
    r = c.post("/articles", json=_json_article(1), headers=AUTH)
    assert r.status_code == 403 and "read-only" in r.json()["detail"]
    assert c.get("/healthz").json()["writable"] is False


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                {"Authorization": TOKEN}, {"Authorization": f"Bearer {TOKEN}x"}]
)  # fmt: skip
def test_writes_need_the_exact_bearer_token(client: TestClient, store: OxigraphStore, headers: dict) -> None:
    before = len(store.raw)
    r = client.post("/articles", json=_json_article(1), headers=headers)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer realm=")
    assert set(r.json()) == {"detail"} and len(store.raw) == before


def test_posting_json_ingests_and_the_new_facts_are_served(client: TestClient) -> None:
    assert client.get("/people", params={"q": "vu thi lan b"}).json()["total"] == 0
    r = client.post("/articles", json=_json_article(1), headers=AUTH)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["article"]["id"] == "extra-1" and body["replaced"] is False and body["triples"] > 10
    hits = client.get("/people", params={"q": "vu thi lan b"}).json()
    assert [h["name"] for h in hits["items"]] == ["Vũ Thị Lan B"]
    roles = client.get("/roles", params={"title": "Phó Hiệu trưởng", "organization": SL}).json()
    assert [h["person"]["name"] for h in roles["items"]] == ["Vũ Thị Lan B"]
    assert roles["items"][0]["evidence"][0]["article"]["url"] == "https://example.org/sl/clb-1"
    assert client.get("/articles/extra-1").status_code == 200
    assert client.get("/stats").json()["articles"] == 4


def test_posting_plain_text_with_an_id(client: TestClient) -> None:
    a = extra_article(2)
    r = client.post(f"/articles?id={a.id}&published={a.published}", content=a.text.encode(),
                    headers={**AUTH, "Content-Type": "text/plain; charset=utf-8"})  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["article"]["published"] == "2024-03-01"
    assert client.get("/people", params={"q": "Vũ Thị Lan C"}).json()["total"] == 1


def test_posting_html_keeps_the_main_text(client: TestClient) -> None:
    a = extra_article(3)
    title, body = a.text.split("\n", 1)
    html = (f"<html><head><title>{title}</title></head><body><nav>Trang chủ | Tin tức</nav>"
            f"<article><h1>{title}</h1><p>{body}</p><p>{body}</p></article><footer>Bản quyền</footer></body></html>")  # fmt: skip
    r = client.post(f"/articles?id={a.id}", content=html.encode(), headers={**AUTH, "Content-Type": "text/html"})
    assert r.status_code == 201, r.text
    triples = client.get(f"/articles/{a.id}").json()["triples"]
    texts = [t["object"] for t in triples if t["predicate"].endswith("#conversion")]
    assert texts == ["html"]


@pytest.mark.parametrize(
    ("content", "ctype", "query", "status"),
    [
        (b'{"id": "x"}', "application/json", "", 422),  # no text
        (b'{"id": "", "text": "a"}', "application/json", "", 422),
        ('{"id": "x", "text": "a", "published": "hôm qua"}'.encode(), "application/json", "", 422),
        (b'{"id": "x", "text": "a", "extra": 1}', "application/json", "", 422),
        (b"{not json", "application/json", "", 422),
        (b"   \n  ", "text/plain", "?id=blank", 422),  # empty article
        (b"Bai viet", "text/plain", "", 422),  # no ?id=
        (b"\xff\xfe\x00bad", "text/plain", "?id=bad", 422),
        (b"<html><body></body></html>", "text/html", "?id=empty", 422),
        (b"Bai viet", "application/xml", "?id=x", 415),
        (b'{"id": "x", "text": "a", "published": "2024-02-30"}', "application/json", "", 422),
    ],
)
def test_bad_article_bodies_are_refused(
    client: TestClient, store: OxigraphStore, content: bytes, ctype: str, query: str, status: int
) -> None:
    before = len(store.raw)
    r = client.post(f"/articles{query}", content=content, headers={**AUTH, "Content-Type": ctype})
    assert r.status_code == status, r.text
    assert set(r.json()) == {"detail"} and len(store.raw) == before


def test_reposting_an_article_replaces_it(client: TestClient, store: OxigraphStore) -> None:
    first = client.post("/articles", json=_json_article(4), headers=AUTH).json()
    size = len(store.raw)
    again = client.post("/articles", json=_json_article(4), headers=AUTH).json()
    assert again["replaced"] is True and again["triples"] == first["triples"] and len(store.raw) == size


def test_a_replaced_article_drops_what_it_no_longer_says(store: OxigraphStore) -> None:
    said = {"on": True}

    def extractor(article):  # type: ignore[no-untyped-def]
        facts = fixture_extractor(article)
        return facts if said["on"] else type(facts)(id=facts.id, title=facts.title)

    c = TestClient(create_app(store, Settings(write_token=TOKEN), extractor=extractor))
    c.post("/articles", json=_json_article(5), headers=AUTH)
    assert c.get("/people", params={"q": "vu thi lan f"}).json()["total"] == 1
    said["on"] = False
    assert c.post("/articles", json=_json_article(5), headers=AUTH).json()["replaced"] is True
    assert c.get("/people", params={"q": "vu thi lan f"}).json()["total"] == 0


def test_readers_never_see_half_an_article_while_writers_post(store: OxigraphStore) -> None:
    """Reader threads count each article's triples while writer threads (re)post: 0 or complete."""
    app = create_app(store, Settings(write_token=TOKEN), extractor=fixture_extractor)
    client = TestClient(app)
    catalog = app.state.catalog
    articles = [extra_article(n) for n in range(10, 16)]
    # the complete size of each article's graph, measured on a scratch store
    scratch = TestClient(create_app(build_store(), Settings(write_token=TOKEN), extractor=fixture_extractor))
    full = {a.id: scratch.post("/articles", json=_json_article(int(a.id.split("-")[1])), headers=AUTH).json()["triples"]
            for a in articles}  # fmt: skip
    graphs = {a.id: URIRef(str(article_graph(a.id))) for a in articles}
    seen: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                for aid, g in graphs.items():
                    seen.append((aid, catalog.triple_count(g)))
                r = client.get("/roles", params={"title": "Phó Hiệu trưởng", "organization": SL})
                assert r.status_code == 200
        except BaseException as e:  # noqa: BLE001 - reported to the main thread
            errors.append(e)

    def write(batch: list) -> None:
        try:
            for _ in range(3):
                for a in batch:
                    r = client.post("/articles", json=_json_article(int(a.id.split("-")[1])), headers=AUTH)
                    assert r.status_code == 201, r.text
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    readers = [threading.Thread(target=read) for _ in range(3)]
    writers = [threading.Thread(target=write, args=(articles[i::2],)) for i in range(2)]
    for t in readers + writers:
        t.start()
    deadline = time.monotonic() + 60
    for t in writers:
        t.join(timeout=max(0.1, deadline - time.monotonic()))
    stop.set()
    for t in readers:
        t.join(timeout=10)
    assert not errors, errors
    assert not any(t.is_alive() for t in readers + writers)
    assert len(seen) > 50
    assert all(n in (0, full[aid]) for aid, n in seen), sorted({(a, n) for a, n in seen if n not in (0, full[a])})
    assert {n for _, n in seen} & set(full.values()), "readers never saw a written article"
    assert client.get("/roles", params={"title": "Phó Hiệu trưởng", "organization": SL}).json()["total"] == len(articles)


def test_a_write_drops_cached_answers(client: TestClient) -> None:
    params = {"title": "Phó Hiệu trưởng", "organization": SL}
    assert client.get("/roles", params=params).json()["total"] == 0
    assert client.get("/roles", params=params).json()["total"] == 0  # now from the cache
    client.post("/articles", json=_json_article(20), headers=AUTH)
    assert client.get("/roles", params=params).json()["total"] == 1


def test_an_answer_computed_before_a_write_is_not_cached_after_it() -> None:
    from kg.serve.api import AnswerCache

    cache = AnswerCache(10)
    before = cache.generation
    cache.clear()  # a write lands while the answer is being computed
    cache.put(("roles", "x"), b"{}", before)
    assert cache.get(("roles", "x")) is None
    cache.put(("roles", "x"), b"{}", cache.generation)
    assert cache.get(("roles", "x")) == b"{}"
    assert AnswerCache(0).get(("roles", "x")) is None


def test_a_sparql_update_through_the_api_refreshes_search(client: TestClient) -> None:
    assert "/sparql" in client.get("/openapi.json").json()["paths"]
    update = ('INSERT DATA { GRAPH <https://w3id.org/kg-vn/graph/manual> { <https://w3id.org/kg-vn/id/person/x-1> '
              'a <https://w3id.org/kg-vn/ontology#Person> ; <http://xmlns.com/foaf/0.1/name> "Trịnh Văn Xuyên" } }')  # fmt: skip
    assert client.get("/people", params={"q": "trinh van xuyen"}).json()["total"] == 0
    r = client.post("/sparql", content=update.encode(), headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert r.status_code in (200, 204), r.text
    assert client.get("/people", params={"q": "trinh van xuyen"}).json()["total"] == 1


PAGE = """<html><head><title>Lễ trao Bằng khen năm 2024</title>
<link rel="canonical" href="https://tin.example.org/song-lam/le-trao-bang-khen">
<meta property="article:published_time" content="2024-04-02T08:00:00+07:00"></head>
<body><nav>Trang chủ | Tin tức</nav><article><h1>Lễ trao Bằng khen năm 2024</h1>
<p>Ngày 01/4/2024, Trường Đại học Sông Lam tổ chức lễ trao Bằng khen cho các tập thể và cá nhân.</p>
<p>Tham dự buổi lễ có PGS.TS Đinh Quang Hà – Hiệu trưởng Trường Đại học Sông Lam và TS. Mai Thị Cúc
– Trưởng khoa Hóa học.</p></article><footer>Bản quyền</footer></body></html>"""


def test_posting_html_answers_the_stored_date_url_counts_and_new_entities(store: OxigraphStore) -> None:
    c = TestClient(create_app(store, Settings(write_token=TOKEN)))  # the real extractor
    r = c.post("/articles?id=song-lam-khen", content=PAGE.encode(), headers={**AUTH, "Content-Type": "text/html"})
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["article"]["published"] == "2024-04-02"
    assert got["article"]["url"] == "https://tin.example.org/song-lam/le-trao-bang-khen"
    assert got["article"] == c.get("/articles/song-lam-khen").json()["article"]  # what was stored
    assert got["counts"]["people"] == 2 and got["counts"]["role_holdings"] >= 2, got["counts"]
    new = {(e["kind"], e["label"]) for e in got["new_entities"]}
    assert {("person", "Đinh Quang Hà"), ("person", "Mai Thị Cúc")} <= new
    assert ("organization", SL) not in new  # the fixture store already knows Trường Đại học Sông Lam
    person = next(e for e in got["new_entities"] if e["label"] == "Đinh Quang Hà")
    assert c.get(f"/people/{person['iri'].rsplit('/', 1)[1]}").status_code == 200
    again = c.post("/articles?id=song-lam-khen", content=PAGE.encode(), headers={**AUTH, "Content-Type": "text/html"})
    assert again.json()["replaced"] is True and again.json()["new_entities"] == []


def test_posting_text_without_a_date_answers_the_date_read_from_the_text(store: OxigraphStore) -> None:
    c = TestClient(create_app(store, Settings(write_token=TOKEN)))
    text = ("Hội nghị cán bộ năm 2024\nNgày 15/01/2024, Trường Đại học Sông Lam tổ chức Hội nghị cán bộ, "
            "viên chức năm 2024. PGS.TS Đinh Quang Hà – Hiệu trưởng chủ trì hội nghị.\n|\n16/01/2024\n|\nTin tức")
    r = c.post("/articles", json={"id": "song-lam-hn", "text": text}, headers=AUTH)
    assert r.status_code == 201, r.text
    stored = c.get("/articles/song-lam-hn").json()["article"]["published"]
    assert stored == "2024-01-16" and r.json()["article"]["published"] == stored
