"""The API app under concurrency and abuse: one computation per cached key, a bounded cache, only an
authorised write clears it, one token check with RFC 6750 answers, security headers, the audit log."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from api_fixtures import SL, TestClient, build_store, extra_article, fixture_extractor
from kg.config import Settings
from kg.serve.api import AnswerCache, create_app, describe_update

TOKEN = "hardening-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = 'INSERT DATA { GRAPH <https://w3id.org/kg-vn/graph/t> { <https://w3id.org/kg-vn/id/x> <http://xmlns.com/foaf/0.1/name> "X" } }'
ROLES = {"title": "Hiệu trưởng", "organization": SL}


def _slow_roles(app, delay: float) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Make the catalog's /roles query take ``delay`` s more (a cold store), recording each call."""
    catalog, calls = app.state.catalog, []
    real = catalog.roles

    def roles(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((args, kwargs))
        time.sleep(delay)
        return real(*args, **kwargs)

    catalog.roles = roles
    return calls


async def _many(app, params: list[dict[str, str]]) -> list[httpx.Response]:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kg") as c:
        return await asyncio.gather(*(c.get("/roles", params=p) for p in params))


# ---------------------------------------------------------------- the cache


def test_concurrent_requests_for_one_answer_compute_it_once() -> None:
    app = create_app(build_store(), Settings())
    calls = _slow_roles(app, 0.3)
    rs = asyncio.run(_many(app, [ROLES] * 50 + [{**ROLES, "at": "2023-06-01"}] * 20))
    assert {r.status_code for r in rs} == {200}
    assert len(calls) == 2  # one per distinct question, not 70
    assert len({r.content for r in rs[:50]}) == 1 and rs[0].json()["total"] >= 1


def test_an_answer_computed_before_a_write_is_not_served_after_it() -> None:
    app = create_app(build_store(), Settings())
    calls = _slow_roles(app, 0.3)

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kg") as c:
            first = asyncio.ensure_future(c.get("/roles", params=ROLES))
            await asyncio.sleep(0.1)
            app.state.cache.clear()  # a write lands while the first answer is being computed
            second = await c.get("/roles", params=ROLES)
            assert (await first).status_code == second.status_code == 200

    asyncio.run(go())
    assert len(calls) == 2 and len(app.state.cache) == 1


def test_the_cache_is_bounded_by_entries_and_by_bytes() -> None:
    cache = AnswerCache(entries=3, max_bytes=10_000)
    for i in range(10):
        cache.put(("k", i), b"x" * 100, cache.generation)
    assert len(cache) == 3 and cache.get(("k", 9)) and cache.get(("k", 0)) is None
    cache = AnswerCache(entries=1000, max_bytes=10_000)
    for i in range(100):
        cache.put(("k", i), b"x" * 1_000, cache.generation)
    assert cache.bytes <= 10_000 and len(cache) == 10
    cache.put(("big",), b"x" * 5_000, cache.generation)  # over a quarter of the cache: not kept
    assert cache.get(("big",)) is None
    cache.clear()
    assert cache.bytes == 0 and len(cache) == 0


# ---------------------------------------------------------------- who may clear it


@pytest.mark.parametrize("auth", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", "x"])
def test_only_an_authorised_successful_update_rebuilds_the_index_and_clears_the_cache(auth: str | None) -> None:
    app = create_app(build_store(), Settings(write_token=TOKEN))
    c = TestClient(app)
    assert c.get("/roles", params=ROLES).status_code == 200
    cache, generation = app.state.cache, app.state.cache.generation
    headers = {"Content-Type": "application/sparql-update"} | ({"Authorization": auth} if auth else {})
    assert c.post("/sparql", content=UPDATE, headers=headers).status_code in (401, 403)
    query = {"Content-Type": "application/sparql-query"}
    assert c.post("/sparql", content="ASK { ?s ?p ?o }", headers=query | ({"Authorization": auth} if auth else {})).status_code == 200
    assert c.post("/sparql", content="ASK { ?s ?p ?o }", headers=query | AUTH).status_code == 200  # a query writes nothing
    assert c.post("/sparql", content="NOT SPARQL", headers={"Content-Type": "application/sparql-update"} | AUTH).status_code == 400
    assert cache.generation == generation and len(cache) == 1
    assert c.post("/sparql", content=UPDATE, headers={"Content-Type": "application/sparql-update"} | AUTH).status_code == 204
    assert cache.generation == generation + 1 and len(cache) == 0


# ---------------------------------------------------------------- one token check


def test_a_missing_token_is_401_and_a_wrong_one_401_invalid_token_on_every_write_route() -> None:
    c = TestClient(create_app(build_store(), Settings(write_token=TOKEN), extractor=fixture_extractor))
    a = extra_article(3)
    writes = [
        lambda h: c.post("/articles", json={"id": a.id, "text": a.text}, headers=h),
        lambda h: c.post("/sparql", content=UPDATE, headers={"Content-Type": "application/sparql-update"} | h),
        lambda h: c.post("/sparql", data={"update": UPDATE}, headers=h),
    ]
    for write in writes:
        missing, wrong = write({}), write({"Authorization": "Bearer nope"})
        assert missing.status_code == wrong.status_code == 401
        assert missing.headers["www-authenticate"] == 'Bearer realm="kg"'
        assert wrong.headers["www-authenticate"] == 'Bearer realm="kg", error="invalid_token"'
        assert set(missing.json()) == set(wrong.json()) == {"detail"}
    read_only = TestClient(create_app(build_store(), Settings()))
    assert read_only.post("/sparql", content=UPDATE, headers={"Content-Type": "application/sparql-update"} | AUTH).status_code == 403


def test_a_token_with_surrounding_whitespace_is_stripped_and_matches() -> None:
    s = Settings(write_token=f"  {TOKEN}\n")
    assert s.write_token == TOKEN and Settings(write_token=" \n").write_token is None
    c = TestClient(create_app(build_store(), s, extractor=fixture_extractor))
    assert c.get("/healthz").json()["writable"] is True
    headers = {"Content-Type": "application/sparql-update"} | AUTH
    assert c.post("/sparql", content=UPDATE, headers=headers).status_code == 204


# ---------------------------------------------------------------- headers


def test_every_answer_says_nosniff_no_framing_and_a_content_security_policy() -> None:
    c = TestClient(create_app(build_store(), Settings()))
    for path, csp in [("/healthz", "default-src 'none'"), ("/people?q=x", "default-src 'none'"),
                      ("/people/none-0000000000", "default-src 'none'"), ("/docs", "frame-ancestors 'none'"),
                      ("/query", "script-src 'unsafe-inline'")]:  # fmt: skip
        r = c.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert csp in r.headers["content-security-policy"], path
        assert "unsafe-eval" not in r.headers["content-security-policy"]
    page = c.get("/graph").text
    assert "Content-Security-Policy" in page and "unsafe-eval" not in page


# ---------------------------------------------------------------- audit


def test_writes_are_audited_with_who_when_what_and_drop_all_is_marked_destructive(tmp_path: Path) -> None:
    store = build_store(str(tmp_path / "store"))
    c = TestClient(create_app(store, Settings(write_token=TOKEN), extractor=fixture_extractor))
    a = extra_article(4)
    assert c.post("/articles", json={"id": a.id, "text": a.text}, headers=AUTH).status_code == 201
    sparql = {"Content-Type": "application/sparql-update"} | AUTH
    assert c.post("/sparql", content=UPDATE, headers=sparql).status_code == 204
    assert c.post("/sparql", data={"update": "DROP ALL"}, headers=AUTH).status_code == 204
    assert c.post("/sparql", content="DROP ALL", headers={"Content-Type": "application/sparql-update"}).status_code == 401
    lines = [json.loads(x) for x in (tmp_path / "store" / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(x["action"], x["status"]) for x in lines] == [("post-article", 201), ("sparql-update", 204),
                                                           ("sparql-update", 204)]  # fmt: skip
    assert lines[0]["article"] == a.id and lines[0]["triples"] > 0 and lines[0]["time"].endswith("+00:00")
    assert lines[1]["destructive"] is False and lines[1]["operations"] == ["InsertData"]
    assert lines[2]["destructive"] is True and lines[2]["operations"] == ["DropAll"] and lines[2]["client"]


def test_an_update_rdflib_cannot_read_is_audited_as_unknown() -> None:
    d = describe_update("DROP ALL ; \u2028 }")
    assert d["operations"] is None and d["destructive"] is None and len(d["sha256"]) == 64
    assert describe_update("CLEAR DEFAULT")["destructive"] is True
    assert describe_update("DROP GRAPH <urn:g>")["destructive"] is False


def test_audit_lines_are_whole_under_concurrent_writes(tmp_path: Path) -> None:
    store = build_store(str(tmp_path / "store"))
    app = create_app(store, Settings(write_token=TOKEN))
    c = TestClient(app)
    sparql = {"Content-Type": "application/sparql-update"} | AUTH
    threads = [threading.Thread(target=lambda: c.post("/sparql", content=UPDATE, headers=sparql)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = (tmp_path / "store" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 8 and all(json.loads(x)["status"] == 204 for x in lines)
