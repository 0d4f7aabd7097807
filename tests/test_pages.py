"""Entity pages (/people/{id}.html …): the Catalog's records rendered as HTML, linked and escaped."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest

from api_fixtures import SL, TestClient, build_store, fixture_extractor
from kg.config import Settings
from kg.serve.api import create_app
from kg.serve.pages import _wants_html, page_href
from kg.vocab import GRAPH, ID

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(build_store(), Settings(), extractor=fixture_extractor))


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("href"):
            self.hrefs.append(a["href"] or "")
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if a.get("src"):
            self.srcs.append(a["src"] or "")


def links(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def _person(client: TestClient, name: str) -> str:
    return client.get("/people", params={"q": name}).json()["items"][0]["id"]


def _org(client: TestClient, name: str) -> str:
    return client.get("/organizations", params={"q": name}).json()["items"][0]["id"]


def test_page_href_maps_our_iris_to_pages_and_nothing_else() -> None:
    assert page_href(str(ID["person/le-van-hoa-0123456789"])) == "/people/le-van-hoa-0123456789.html"
    assert page_href(str(ID["org/truong-x-01"])) == "/organizations/truong-x-01.html"
    assert page_href(str(ID["doc/tw/nq/45-ab"])) == "/documents/tw/nq/45-ab.html"
    assert page_href(str(GRAPH["article/vd-1-0123456789"])) == "/articles/vd-1-0123456789.html"
    assert page_href("http://example.org/person/x") is None
    assert page_href(str(ID["role/x"])) is None


def test_browsers_get_html_and_api_clients_get_json() -> None:
    assert _wants_html(BROWSER_ACCEPT)
    assert not _wants_html("*/*")
    assert not _wants_html("application/json")
    assert not _wants_html("application/json, text/html;q=0.5")
    assert not _wants_html("")


def test_person_page_shows_posts_with_evidence_and_links(client: TestClient) -> None:
    pid = _person(client, "Đỗ Minh Khang")
    r = client.get(f"/people/{pid}.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src" not in r.headers["content-security-policy"] and "default-src 'none'" in r.headers["content-security-policy"]
    assert "Đỗ Minh Khang" in r.text and "Hiệu trưởng" in r.text
    ls = links(r.text)
    assert any(h.startswith("/organizations/") and h.endswith(".html") for h in ls.hrefs)
    assert any(h.startswith("/graph?focus=") for h in ls.hrefs)
    evidence = [h for h in ls.hrefs if h.startswith("/articles/") and "#s-" in h]
    assert evidence
    # the sentence anchor exists on the article page
    path, _, anchor = evidence[0].partition("#")
    art = client.get(path)
    assert art.status_code == 200 and anchor in links(art.text).ids


def test_same_path_negotiates_html_for_a_browser_and_json_otherwise(client: TestClient) -> None:
    pid = _person(client, "Đỗ Minh Khang")
    assert client.get(f"/people/{pid}", headers={"Accept": BROWSER_ACCEPT}).headers["content-type"].startswith("text/html")
    assert client.get(f"/people/{pid}").json()["name"] == "Đỗ Minh Khang"
    assert client.get(f"/people/{pid}", headers={"Accept": "application/json"}).json()["id"] == pid


def test_every_link_on_every_page_resolves(client: TestClient) -> None:
    start = [f"/organizations/{_org(client, SL)}.html", f"/people/{_person(client, 'Phạm Thị Thúy')}.html"]
    seen: set[str] = set()
    todo = list(start)
    while todo and len(seen) < 60:
        url = todo.pop()
        path = urlsplit(url).path
        if path in seen:
            continue
        seen.add(path)
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
        if path.endswith(".html"):
            todo += [h for h in links(r.text).hrefs if h.startswith("/") and urlsplit(h).path.endswith(".html")]
    kinds = {p.split("/")[1] for p in seen}
    assert {"people", "organizations", "articles", "documents"} <= kinds, kinds


def test_unknown_ids_are_404_pages(client: TestClient) -> None:
    assert client.get("/people/nobody-0000000000.html").status_code == 404
    assert client.get("/articles/nothing-here.html").status_code == 404
    assert client.get("/documents/x/y/z.html").status_code == 404


def test_hostile_text_in_an_article_is_escaped_on_every_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kg.store import OxigraphStore

    store = OxigraphStore(None)
    app = create_app(store, Settings(write_token="t0ken"))
    c = TestClient(app)
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    text = (f"Trường Đại học Sông Đà tổng kết năm học {evil}\n"
            f"Sáng 12/01/2024, PGS.TS. Trần Văn Bình – Hiệu trưởng Trường Đại học Sông Đà {evil} phát biểu.")  # fmt: skip
    r = c.post("/articles", params={"id": "evil-1"}, content=text.encode(),
               headers={"Authorization": "Bearer t0ken", "Content-Type": "text/plain; charset=utf-8"})  # fmt: skip
    assert r.status_code == 201, r.text
    pages = ["/articles/evil-1.html"]
    for h in links(c.get(pages[0]).text).hrefs:
        if h.startswith(("/people/", "/organizations/")):
            pages.append(h)
    assert len(pages) > 1
    for p in pages:
        html = c.get(p).text
        assert "<script" not in html.lower() and "<img" not in html.lower(), p
        assert "&lt;script&gt;" in html or p != pages[0]
        assert not links(html).srcs


@pytest.mark.slow
def test_pages_render_in_chromium_follow_links_and_ask_no_other_host() -> None:
    import base64

    from test_query_page import ARTIFACTS, CHROMIUM, Browser, only_local
    from test_sparql import serve

    if not __import__("pathlib").Path(CHROMIUM).exists():
        pytest.fail("chromium is required for the page tests (make test installs Debian's chromium)")
    import tempfile

    app = create_app(build_store(), Settings(), extractor=fixture_extractor)
    with serve(app) as site, tempfile.TemporaryDirectory(prefix="kg-chromium-") as profile:
        pid = TestClient(app).get("/people", params={"q": "Phạm Thị Thúy"}).json()["items"][0]["id"]
        b = Browser(profile)
        try:
            b.open(f"{site}/people/{pid}")  # a browser's Accept asks for the page, not the JSON
            assert b.wait_for("document.querySelector('h1') && document.querySelector('h1').textContent") \
                .endswith("Phạm Thị Thuý")
            hrefs = b.js("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
            org = next(h for h in hrefs if h.startswith("/organizations/"))
            b.js(f"document.querySelector('a[href=\"{org}\"]').click()")
            b.wait_for("location.pathname.startsWith('/organizations/') && document.readyState === 'complete'")
            assert "Người giữ chức vụ" in b.js("document.body.textContent")
            ev = b.js("[...document.querySelectorAll('a')].map(a => a.getAttribute('href')).find(h => h.includes('#s-'))")
            b.js(f"location.href = {json.dumps(ev)}")
            target = b.wait_for("location.pathname.startsWith('/articles/') && document.readyState === 'complete' && "
                                "document.querySelector(':target') && document.querySelector(':target').textContent")
            assert "Phạm Thị" in target
            ARTIFACTS.mkdir(exist_ok=True)
            shot = b.page("Page.captureScreenshot", {"format": "png"})["data"]
            (ARTIFACTS / "article-page.png").write_bytes(base64.b64decode(shot))
            assert b.errors() == []
            assert only_local(b.requested(), site) == []
        finally:
            b.close()


def test_one_record_three_renderings_show_the_same_posts(client: TestClient) -> None:
    from kg.serve.pages import render, render_text

    catalog = client.app.state.catalog  # type: ignore[attr-defined]
    pid = _person(client, "Phạm Thị Thúy")
    record = catalog.person(__import__("kg.catalog.catalog", fromlist=["iri_of"]).iri_of("person", pid))
    as_json = client.get(f"/people/{pid}").json()
    html, text = render("person", record), render_text("person", record)
    for h in as_json["holdings"]:
        assert h["title"] in html and h["title"] in text
        assert h["organization"]["name"] in html and h["organization"]["name"] in text
        for ev in h["evidence"]:
            assert ev["sentence"] in text


def test_kg_show_prints_a_person_a_unit_and_an_article_from_a_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kgtest import run_kg

    build_store(str(tmp_path / "store")).close()
    person = run_kg("show", "Phạm Thị Thúy", "--store", str(tmp_path / "store"))
    assert person.returncode == 0, person.stderr
    assert "Bí thư Đảng ủy" in person.stdout and "sl-2024" in person.stdout
    unit = run_kg("show", SL, "--store", str(tmp_path / "store"))
    assert unit.returncode == 0 and "Hiệu trưởng" in unit.stdout and "Đỗ Minh Khang" in unit.stdout
    art = run_kg("show", "sl-2022", "--format", "json", "--store", str(tmp_path / "store"))
    assert art.returncode == 0 and json.loads(art.stdout)["article"]["id"] == "sl-2022"
    missing = run_kg("show", "Không Có Ai", "--store", str(tmp_path / "store"))
    assert missing.returncode == 1 and "nothing named" in missing.stderr


EVIL = '<script>window.kgPwned=1</script><img src=x onerror="window.kgPwned=2">'


@pytest.fixture(scope="module")
def hostile_site():  # type: ignore[no-untyped-def]
    """The fixture world served over HTTP, plus one article whose title and sentences carry markup."""
    from test_sparql import serve

    app = create_app(build_store(), Settings(write_token="t0ken"))
    text = (f"Trường Đại học Sông Đà tổng kết năm học {EVIL}\n"
            f"Sáng 12/01/2024, PGS.TS. Trần Văn Bình – Hiệu trưởng Trường Đại học Sông Đà phát biểu {EVIL}.")  # fmt: skip
    r = TestClient(app).post("/articles", params={"id": "evil-2"}, content=text.encode(),
                             headers={"Authorization": "Bearer t0ken", "Content-Type": "text/plain; charset=utf-8"})  # fmt: skip
    assert r.status_code == 201, r.text
    with serve(app) as site:
        yield site


def _assert_pages(site: str, hrefs: list[str]) -> None:
    """Each link is one of our .html pages, and it answers 200 with HTML."""
    import httpx

    assert hrefs
    for h in hrefs:
        assert urlsplit(h).path.endswith(".html"), h
        r = httpx.get(site + h)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), (h, r.status_code)


@pytest.mark.slow
def test_query_results_link_iris_to_their_pages_and_keep_markup_as_text(hostile_site: str) -> None:
    import tempfile

    from test_query_page import Browser, only_local

    sparql = ("SELECT DISTINCT ?x ?name ?a ?title ?g WHERE { GRAPH ?g { ?a kg:mentions ?x ; dcterms:title ?title . "
              "?x rdfs:label ?name } } ORDER BY ?title ?name")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="kg-chromium-") as profile:
        b = Browser(profile)
        try:
            b.open(f"{hostile_site}/query")
            assert "rows" in b.run_sparql(sparql)
            hrefs = b.js("[...document.querySelectorAll('#results a')].map(a => a.getAttribute('href'))")
            # people, units, documents, articles (by their IRI and by their graph's): every one a page
            paths = sorted({urlsplit(h).path for h in hrefs})
            assert {p.split("/")[1] for p in paths} >= {"people", "organizations", "articles"}, paths
            _assert_pages(hostile_site, paths)
            graph_links = b.js("[...document.querySelectorAll('#results td[title^=\"https://w3id.org/kg-vn/graph/article/\"] a')]"
                               ".map(a => a.getAttribute('href'))")  # fmt: skip
            assert graph_links and all(h.startswith("/articles/") and h.endswith(".html") for h in graph_links)
            # the landing lists link to pages too
            b.open(f"{hostile_site}/query")
            _assert_pages(hostile_site, b.js("[...document.querySelectorAll('#top-people a, #top-units a')]"
                                             ".map(a => a.getAttribute('href'))"))  # fmt: skip
            assert "rows" in b.run_sparql(sparql)
            assert EVIL in b.js("document.getElementById('results').textContent")
            assert b.js("document.querySelectorAll('#results script, #results img').length") == 0
            assert b.js("window.kgPwned === undefined")
            assert b.errors() == []
            assert only_local(b.requested(), hostile_site) == []
        finally:
            b.close()


@pytest.mark.slow
def test_network_panel_links_pages_and_pages_link_back_to_the_network(hostile_site: str) -> None:
    import tempfile

    from test_query_page import Browser, only_local

    pid = TestClient(create_app(build_store(), Settings())).get("/people", params={"q": "Phạm Thị Thúy"}).json()["items"][0]["id"]
    with tempfile.TemporaryDirectory(prefix="kg-chromium-") as profile:
        b = Browser(profile)
        try:
            # the person's page links the network focused on them; the panel there links back to pages
            b.open(f"{hostile_site}/people/{pid}.html")
            net = b.js("[...document.querySelectorAll('a')].map(a => a.getAttribute('href')).find(h => h.startsWith('/graph?'))")
            b.page("Page.navigate", {"url": hostile_site + net})
            b.wait_for("location.pathname === '/graph' && window.kgReady === true", timeout=60)
            assert b.js("document.querySelector('#kg-panel h2').textContent").endswith("Phạm Thị Thuý")
            links = b.js("[...document.querySelectorAll('#kg-panel a')].map(a => a.getAttribute('href'))")
            ours = [h for h in links if h.startswith("/")]
            assert f"/people/{pid}.html" in ours  # the IRI shown links to the person's own page
            assert any(h.startswith("/articles/") for h in ours)  # so does each article of the evidence
            _assert_pages(hostile_site, sorted(set(ours)))
            # a unit's panel (a click in the page) links its page too
            name = b.js("(function () { var i = KG_PAGE.nodes.findIndex(m => m.kind === 'unit'); kgFocus(i);"
                        " return nodes.get(i).label; })()")  # fmt: skip
            unit = b.js("document.querySelector('#kg-panel .kg-iri a').getAttribute('href')")
            assert unit.startswith("/organizations/")
            _assert_pages(hostile_site, [unit])
            b.js(f"location.href = {json.dumps(unit)}")
            b.wait_for("location.pathname.startsWith('/organizations/') && document.readyState === 'complete'")
            assert name in b.js("document.querySelector('h1').textContent")

            # hostile text: the panel of the person read from the article full of markup
            b.page("Page.navigate", {"url": hostile_site + "/graph?focus=" + "Trần Văn Bình" + "&depth=1"})
            b.wait_for("location.pathname === '/graph' && window.kgReady === true", timeout=60)
            panel = b.js("document.getElementById('kg-panel').innerText")
            assert "Trần Văn Bình" in panel and EVIL in panel
            assert b.js("document.querySelectorAll('#kg-panel script, #kg-panel img').length") == 0
            _assert_pages(hostile_site, [h for h in b.js("[...document.querySelectorAll('#kg-panel a')]"
                                                        ".map(a => a.getAttribute('href'))") if h.startswith("/")])  # fmt: skip
            assert b.js("window.kgPwned === undefined")
            assert b.errors() == []
            assert only_local(b.requested(), hostile_site) == []
        finally:
            b.close()
