"""The API behind a real `kg serve` process on 127.0.0.1 (a free port), over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api_fixtures import SL, build_store, extra_article
from kgtest import kg_serve

TOKEN = "server-test-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("store") / "store"
    build_store(str(path)).close()
    with kg_serve(path, {"KG_WRITE_TOKEN": TOKEN, "KG_MAX_REQUEST_BYTES": "100000"}) as base:
        yield base


@pytest.mark.slow
def test_a_real_server_answers_who_held_the_post(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as c:
        r = c.get("/roles", params={"title": "Hiệu trưởng", "organization": SL, "at": "2023-06-01"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert [h["person"]["name"] for h in r.json()["items"]] == ["Lê Văn Hoà"]
        assert c.get("/people", params={"q": "do minh khang"}).json()["total"] == 1
        assert c.get("/healthz").json()["writable"] is True
        assert c.get("/openapi.json").json()["info"]["title"].startswith("kg")
        assert c.get("/people/khong-co-0000000000").status_code == 404


@pytest.mark.slow
def test_a_real_server_refuses_bad_writes_and_big_bodies(server: str) -> None:
    a = extra_article(7)
    body = {"id": a.id, "text": a.text}
    with httpx.Client(base_url=server, timeout=30) as c:
        assert c.post("/articles", json=body).status_code == 401
        assert c.post("/articles", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
        big = c.post("/articles?id=big", content=b"x" * 200_000,
                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"})  # fmt: skip
        assert big.status_code == 413 and big.json().keys() == {"detail"}


@pytest.mark.slow
def test_a_real_server_ingests_with_the_token(server: str) -> None:
    """With the real extractor: the article lands (201) and can be read back, whatever was extracted."""
    text = extra_article(8).text
    with httpx.Client(base_url=server, timeout=60) as c:
        r = c.post("/articles", json={"id": "server-1", "text": text}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 201, r.text
        assert c.get("/articles/server-1").json()["article"]["id"] == "server-1"
        assert c.get("/stats").json()["articles"] == 4
