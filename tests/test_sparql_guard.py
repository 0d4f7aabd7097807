"""The SPARQL door holds: no outbound request from SERVICE or LOAD unless the operator allows the
address, and runaway queries cannot keep CPU or memory past their deadline.

Against a real ``kg serve`` (a subprocess on 127.0.0.1 over an on-disk store), with a real loopback
listener standing in for "any URL" an attacker would aim the server at, and with CPU and memory of
the server and all its worker processes read from /proc.
"""

from __future__ import annotations

import http.server
import os
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import sparql_fixtures as F
from kg.errors import QueryError
from kg.store.sparql_check import RemoteRefused, check_query, check_update, names_dataset, with_using
from kgtest import kg_serve_process

TOKEN = "guard-token"

# ---------------------------------------------------------------- a loopback listener


class Listener:
    """A real HTTP server on 127.0.0.1 that records every connection and answers SPARQL JSON."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                listener.requests.append(f"{self.command} {self.path}")
                n = int(self.headers.get("content-length") or 0)
                if n:
                    self.rfile.read(n)
                body = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"from afar"}}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(store: Path, **env: str):  # type: ignore[no-untyped-def]
    """A real ``kg serve`` with these settings: (base URL, process)."""
    return kg_serve_process(store, env=env, timeout=60)


@pytest.fixture(scope="module")
def disk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return F.disk_store(tmp_path_factory.mktemp("guard") / "store")


# SERVICE in every place a graph pattern can be; {url} is the listener's address.
SERVICE_QUERIES = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s a kg:Person . { SELECT ?s WHERE { SERVICE <{url}> { ?s ?p ?o } } } }",
    "SELECT * WHERE { ?s a kg:Person OPTIONAL { SERVICE <{url}> { ?s ?p ?o } } }",
    "SELECT * WHERE { { ?s a kg:Person } UNION { SERVICE <{url}> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s a kg:Person MINUS { SERVICE <{url}> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s a kg:Person FILTER EXISTS { SERVICE <{url}> { ?s ?p ?o } } }",
    "ASK { GRAPH ?g { SERVICE <{url}> { ?s ?p ?o } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <{url}> { ?s ?p ?o } }",
    "PREFIX far: <{url}#> SELECT * WHERE { SERVICE far: { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?u { <{url}> } SERVICE ?u { ?s ?p ?o } }",
    "SELECT * WHERE { ?s a kg:Person . service <{url}> { ?s ?p ?o } }",
]
SERVICE_UPDATES = [
    "INSERT { GRAPH <urn:x:g> { ?s ?p ?o } } WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER NOT EXISTS { SERVICE <{url}> { ?s ?p ?o } } }",
    "LOAD <{url}>",
    "LOAD SILENT <{url}> INTO GRAPH <urn:x:g>",
    "CLEAR SILENT GRAPH <urn:x:none> ; LOAD <{url}>",
]


def _fill(template: str, url: str) -> str:
    return template.replace("{url}", url)


# ---------------------------------------------------------------- the check itself (no server)


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_every_service_placement_is_refused_by_the_check(template: str) -> None:
    with pytest.raises(RemoteRefused):
        check_query(_fill(template, "http://127.0.0.1:9/sparql"))


@pytest.mark.parametrize("template", SERVICE_UPDATES)
def test_every_load_and_service_in_updates_is_refused_by_the_check(template: str) -> None:
    with pytest.raises(RemoteRefused):
        check_update(_fill(template, "http://127.0.0.1:9/sparql"))


def test_the_word_service_in_strings_iris_names_and_comments_is_not_a_call() -> None:
    for q in (
        "SELECT * WHERE { ?s <http://x.example/service> 'SERVICE <http://a/> {}' } # SERVICE <http://a/>",
        'SELECT ?service WHERE { ?service foaf:name """LOAD <http://a/>""" }',
        "SELECT * WHERE { ?s ex:service ?o } ",
    ):
        assert check_query(q).services == ()
    assert check_query("SELECT * WHERE { SERVICE <http://a.example/q> { ?s ?p ?o } }",
                       allow=("http://a.example/q",)).services == ("http://a.example/q",)  # fmt: skip


def test_a_relative_service_address_resolves_against_the_endpoint_and_is_refused() -> None:
    with pytest.raises(RemoteRefused, match="127.0.0.1:8000/sparql"):
        check_query("SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }", base="http://127.0.0.1:8000/sparql")


def test_a_service_the_check_cannot_parse_is_refused_not_guessed() -> None:
    with pytest.raises(QueryError):
        check_query("SELECT * WHERE { ?s ?p ?o LATERAL { SERVICE <http://a/> { ?s ?p ?o } } }")


def test_from_is_found_only_as_a_dataset_clause() -> None:
    assert names_dataset("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }")
    assert names_dataset("SELECT * FROM NAMED <urn:g> WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert not names_dataset("SELECT * WHERE { ?s ?p 'from' }")
    assert not names_dataset("SELECT * WHERE { ?s ?p ?o }")


def test_using_graph_uri_becomes_using_clauses_and_conflicts_with_with() -> None:
    out = with_using("INSERT { GRAPH <urn:t> { ?s a <urn:B> } } WHERE { ?s a <urn:D> }", ["urn:a"], ["urn:b"])
    assert "USING <urn:a> USING NAMED <urn:b> WHERE" in out
    with pytest.raises(QueryError, match="USING or WITH"):
        with_using("WITH <urn:w> DELETE { ?a ?b ?c } WHERE { ?a ?b ?c }", [], ["urn:x"])
    with pytest.raises(QueryError):
        with_using("INSERT DATA { <urn:a> <urn:b> <urn:c> }", ["not an iri"], [])


def test_errors_from_a_remote_server_point_at_the_users_text() -> None:
    from kg.store.sparql_check import shift_lines, user_message

    sent = 'SPARQL server refused the query: {"detail":"SPARQL syntax error: error at line 15, column 9: expected ..."}'
    assert shift_lines(sent, 13) == "SPARQL server refused the query: SPARQL syntax error: error at line 2, column 9: expected ..."
    raw = "error at 2:12: expected one of Prefix not found, ['%'], ['-' | '0' ..= '9']"
    msg = user_message(raw, "SELECT * {\n ?s a kgx:T }")
    assert msg.startswith("unknown prefix 'kgx:' at line 2, column 7") and "['%']" not in msg


# ---------------------------------------------------------------- no outbound request from a real server


@pytest.mark.slow
def test_a_default_server_sends_nothing_for_service_or_load(disk: Path) -> None:
    with Listener() as far, serve(disk, KG_WRITE_TOKEN=TOKEN) as (base, _proc):
        for template in SERVICE_QUERIES:
            r = httpx.get(base + "/sparql", params={"query": _fill(template, far.url)}, timeout=30)
            assert r.status_code == 403, (template, r.text)
            assert "KG_SERVICE_ALLOW" in r.json()["detail"] or "cannot be checked" in r.json()["detail"]
        saved = httpx.post(base + "/sparql", data={"query": _fill(SERVICE_QUERIES[0], far.url)}, timeout=30)
        assert saved.status_code == 403
        for template in SERVICE_UPDATES:
            r = httpx.post(base + "/sparql", content=_fill(template, far.url).encode(), timeout=30,
                           headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})  # fmt: skip
            assert r.status_code == 403, (template, r.text)
        time.sleep(0.5)
        assert far.requests == []
        assert httpx.get(base + "/sparql", params={"query": "ASK { ?s a kg:Person }"}).json()["boolean"] is True


@pytest.mark.slow
def test_an_endpoint_the_operator_lists_is_called(disk: Path) -> None:
    with Listener() as far, serve(disk, KG_SERVICE_ALLOW=far.url) as (base, _proc):
        q = f"SELECT ?x WHERE {{ SERVICE <{far.url}> {{ ?x ?p ?o }} }}"
        r = httpx.get(base + "/sparql", params={"query": q}, timeout=30)
        assert r.status_code == 200, r.text
        assert [b["x"]["value"] for b in r.json()["results"]["bindings"]] == ["from afar"]
        assert len(far.requests) == 1
        other = q.replace(far.url, far.url + "-other")
        assert httpx.get(base + "/sparql", params={"query": other}, timeout=30).status_code == 403
        assert len(far.requests) == 1
        sd = httpx.get(base + "/sparql", headers={"Accept": "text/turtle"})
        assert "BasicFederatedQuery" in sd.text


# ---------------------------------------------------------------- runaway queries


def _tree(root: int) -> list[int]:
    """``root`` and all its descendants, from /proc."""
    parents: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, ValueError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            pass
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def _idle_cpu(root: int, over: float = 1.0) -> float:
    """CPU seconds used by the server and its workers in the next ``over`` seconds."""
    before = _cpu_seconds(_tree(root))
    time.sleep(over)
    return _cpu_seconds(_tree(root)) - before


# ~700 triples cubed: 343 million rows to count, or to sort
RUNAWAYS = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT ?a ?d ?g WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i",
    "SELECT DISTINCT ?a ?c ?f ?i WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT ?c (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } GROUP BY ?c",
]


@pytest.mark.slow
def test_runaway_queries_stop_using_cpu_and_memory_at_their_deadline(disk: Path) -> None:
    timeout = 2.0
    # no row cap: a DISTINCT that streams its first 100,000 rows in time would answer 200, truncated
    with serve(disk, KG_QUERY_TIMEOUT=str(timeout), KG_QUERY_WORKERS="2", KG_MAX_RESULTS="1000000000") as (base, proc):
        time.sleep(1.0)  # workers warm
        start_rss = _rss_mb(_tree(proc.pid))
        results: list[httpx.Response] = []

        def send(q: str) -> None:
            results.append(httpx.get(base + "/sparql", params={"query": q}, timeout=60))

        threads = [threading.Thread(target=send, args=(q,)) for q in RUNAWAYS * 2]  # 8 runaways, 2 workers
        sent = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(timeout * 0.8)
        busy_rss = _rss_mb(_tree(proc.pid))
        for t in threads:
            t.join(60)
        assert len(results) == len(threads)
        assert all(r.status_code == 503 for r in results), [r.text for r in results]
        assert any("limit" in r.json()["detail"] for r in results)
        # every runaway got its answer within its deadline plus its wait for a worker
        assert time.monotonic() - sent < 4 * timeout + 10
        time.sleep(1.0)
        used = _idle_cpu(proc.pid, over=1.5)
        assert used < 0.3, f"server and workers still used {used:.2f} CPU s in 1.5 s"
        rss = _rss_mb(_tree(proc.pid))
        assert rss < start_rss + 150, f"memory {start_rss:.0f} MB -> {busy_rss:.0f} MB busy -> {rss:.0f} MB after"
        ok = httpx.get(base + "/sparql", params={"query": "SELECT DISTINCT ?n WHERE { ?p foaf:name ?n }"}, timeout=10)
        assert ok.status_code == 200 and len(ok.json()["results"]["bindings"]) == 7
        assert httpx.get(base + "/queries/counts", timeout=10).status_code == 200


@pytest.mark.slow
def test_runaways_past_the_long_lane_are_stopped_early_and_quick_queries_still_answer(disk: Path) -> None:
    """More runaway queries than workers: one holds the long lane to its time limit, the others are
    stopped as they turn long, and quick queries sent meanwhile find a free worker every time."""
    env = {"KG_QUERY_TIMEOUT": "6", "KG_QUERY_WORKERS": "3", "KG_LONG_QUERIES": "1",
           "KG_LONG_QUERY_AFTER": "0.4", "KG_MAX_RESULTS": "1000000000"}  # fmt: skip
    with serve(disk, **env) as (base, _proc):
        time.sleep(1.0)  # workers warm
        runaways: list[tuple[float, httpx.Response]] = []

        def send(q: str) -> None:
            t0 = time.monotonic()
            r = httpx.get(base + "/sparql", params={"query": q}, timeout=60)
            runaways.append((time.monotonic() - t0, r))

        threads = [threading.Thread(target=send, args=(q,)) for q in RUNAWAYS * 2]
        for t in threads:
            t.start()
            time.sleep(0.05)
        quick = []
        until = time.monotonic() + 4
        while time.monotonic() < until:  # while the lane is held and the others keep being stopped
            t0 = time.monotonic()
            r = httpx.get(base + "/sparql", params={"query": "SELECT DISTINCT ?n WHERE { ?p foaf:name ?n }"}, timeout=30)
            quick.append((time.monotonic() - t0, r.status_code))
        for t in threads:
            t.join(60)
        assert quick and all(code == 200 for _, code in quick), quick
        assert max(s for s, _ in quick) < 3, quick
        details = [r.json()["detail"] for _, r in runaways]
        assert all(r.status_code == 503 for _, r in runaways)
        stopped_early = [s for s, r in runaways if "long queries were already running" in r.json()["detail"]]
        assert len(stopped_early) >= 4, details
        assert all(s < 5 for s in stopped_early)
        assert any("6 s limit" in d for d in details), details
        # stopped for want of room, not for what it asks: worth retrying, and the answer says when
        assert all(r.headers.get("Retry-After") for _, r in runaways if "already running" in r.json()["detail"])


@pytest.mark.slow
def test_a_write_is_seen_by_the_next_query_in_the_workers(tmp_path: Path) -> None:
    store = F.disk_store(tmp_path / "store")
    with serve(store, KG_WRITE_TOKEN=TOKEN) as (base, _proc):
        ask = {"query": 'ASK { <urn:x:new> <http://xmlns.com/foaf/0.1/name> "Mới" }'}
        assert httpx.get(base + "/sparql", params=ask).json()["boolean"] is False
        for i in range(3):
            upd = f'INSERT DATA {{ GRAPH <urn:x:g{i}> {{ <urn:x:new> <http://xmlns.com/foaf/0.1/name> "Mới" }} }}'
            r = httpx.post(base + "/sparql", content=upd.encode(),
                           headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})  # fmt: skip
            assert r.status_code == 204
            assert httpx.get(base + "/sparql", params=ask).json()["boolean"] is True
            n = httpx.get(base + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { <urn:x:new> ?p ?o }"})
            assert n.json()["results"]["bindings"][0]["n"]["value"] == str(i + 1)
        httpx.post(base + "/sparql", data={"update": "DROP GRAPH <urn:x:g0>"}, headers={"Authorization": f"Bearer {TOKEN}"})
        n = httpx.get(base + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { <urn:x:new> ?p ?o }"})
        assert n.json()["results"]["bindings"][0]["n"]["value"] == "2"
    assert not any((store / "kg-snapshots").glob("*")), "snapshots are removed when the server stops"


# ---------------------------------------------------------------- a remote store that never answers


def test_a_silent_remote_engine_does_not_hold_the_slots() -> None:
    """Over a remote store the engine does the work: the request gets 503 at its deadline and its
    slot is free at once, so a silent engine cannot fill the door (the HTTP call ends by its client
    timeout)."""
    import socket

    from fastapi import FastAPI

    from kg.config import Settings
    from kg.serve.sparql import sparql_router
    from kg.store.remote import RemoteStore
    from test_sparql import serve as uvicorn_serve

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections, never answers
    remote = RemoteStore(f"http://127.0.0.1:{silent.getsockname()[1]}/query", timeout=3)
    app = FastAPI()
    router = sparql_router(remote, Settings(query_timeout=0.5), max_concurrent=1)
    app.include_router(router)
    try:
        with uvicorn_serve(app) as url:
            for _ in range(3):
                start = time.monotonic()
                r = httpx.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
                assert r.status_code == 503 and "0.5 s limit" in r.json()["detail"], r.text
                assert time.monotonic() - start < 2
        deadline = time.monotonic() + 10
        while router.runner.running and time.monotonic() < deadline:
            time.sleep(0.1)
        assert router.runner.running == 0, "the calls end by the client timeout"
    finally:
        remote.close()
        silent.close()
