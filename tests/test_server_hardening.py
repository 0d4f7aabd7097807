"""A real `kg serve` under slow and idle connections: they are closed in time, real requests still
answer, and the log stays small. Loopback only; bounded socket counts and times."""

from __future__ import annotations

import json
import logging
import os
import resource
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api_fixtures import build_store
from kg.config import Settings
from kg.serve.serving import LogRateLimit, connection_bound
from kgtest import kg_serve

SLOW = 1100  # as many partial-header connections as locked the server out before
HEADER_TIMEOUT = 3.0


def _pid(store: Path) -> int:
    return int(json.loads((store / "kg-serve.json").read_text(encoding="utf-8"))["pid"])


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _soft_fd_limit(pid: int) -> int:
    line = next(x for x in Path(f"/proc/{pid}/limits").read_text().splitlines() if x.startswith("Max open files"))
    return int(line.split()[3])


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=5)
    s.setblocking(False)
    return s


def _closed_by_server(s: socket.socket) -> bool:
    """True once the server has closed the connection (whatever it said first, e.g. a 408)."""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return True
    except BlockingIOError:
        return False
    except OSError:  # reset
        return True


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    root = tmp_path_factory.mktemp("hardening")
    store, log = root / "store", root / "serve.log"
    build_store(str(store)).close()
    env = {"KG_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "KG_BODY_TIMEOUT": "3", "KG_KEEP_ALIVE_TIMEOUT": "2"}
    # started with the common default soft limit of 1,024 open files (the hard limit unchanged)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
    try:
        server = kg_serve(store, env, log=log)
        base = server.__enter__()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        yield base, store, log
    finally:
        server.__exit__(None, None, None)


@pytest.mark.slow
def test_partial_header_floods_are_closed_and_real_requests_still_answer(served: tuple[str, Path, Path]) -> None:
    base, store, log = served
    pid = _pid(store)
    fds_before = _fds(pid)
    assert _soft_fd_limit(pid) > SLOW + 256  # raised at start (up to the hard limit)
    slow: list[socket.socket] = []
    try:
        for i in range(SLOW):
            s = _connect(base)
            s.send(f"GET /roles?title=x{i} HTTP/1.1\r\nHost: kg\r\nX-Slow: ".encode())
            slow.append(s)
        # more than the 1,000 allowed are open: the oldest slow ones make room, real requests answer
        with httpx.Client(base_url=base, timeout=5) as c:
            for _ in range(5):
                t = time.monotonic()
                assert c.get("/healthz").status_code == 200
                assert time.monotonic() - t < 3
        shed = sum(_closed_by_server(s) for s in slow)
        assert shed >= SLOW - 1000
        # past the header deadline every one of them is closed, and their descriptors are free
        deadline = time.monotonic() + HEADER_TIMEOUT + 10
        open_ = list(slow)
        while open_ and time.monotonic() < deadline:
            time.sleep(0.5)
            open_ = [s for s in open_ if not _closed_by_server(s)]
        assert not open_, f"{len(open_)} slow connections still open"
    finally:
        for s in slow:
            s.close()
    time.sleep(0.5)
    assert _fds(pid) <= fds_before + 20
    with httpx.Client(base_url=base, timeout=5) as c:
        assert c.get("/healthz").status_code == 200
    assert log.stat().st_size < 50_000, log.read_text(encoding="utf-8", errors="replace")[-2000:]


@pytest.mark.slow
def test_a_trickled_header_is_cut_off_at_its_deadline(served: tuple[str, Path, Path]) -> None:
    base, _, _ = served
    s = _connect(base)
    try:
        t0 = time.monotonic()
        s.send(b"GET /healthz HTTP/1.1\r\n")
        answer = b""
        while time.monotonic() - t0 < HEADER_TIMEOUT + 5:
            try:
                s.send(b"X")  # a byte every 0.2 s: before, each one restarted nothing and nothing closed it
            except OSError:
                break
            time.sleep(0.2)
            try:
                chunk = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                break
            answer += chunk
            if not chunk:
                break
        took = time.monotonic() - t0
        assert HEADER_TIMEOUT - 0.5 <= took <= HEADER_TIMEOUT + 3
        assert answer.startswith(b"HTTP/1.1 408")
    finally:
        s.close()


@pytest.mark.slow
def test_idle_connections_and_stalled_bodies_are_closed(served: tuple[str, Path, Path]) -> None:
    base, _, log = served
    idle = _connect(base)  # says nothing at all
    body = _connect(base)  # announces 100 bytes, sends 10
    body.send(b"POST /sparql HTTP/1.1\r\nHost: kg\r\nContent-Type: application/sparql-query\r\n"
              b"Content-Length: 100\r\n\r\nASK { ?s ")
    kept = _connect(base)  # one request, then idle on keep-alive
    kept.send(b"GET /healthz HTTP/1.1\r\nHost: kg\r\n\r\n")
    try:
        time.sleep(0.5)
        assert not any(_closed_by_server(s) for s in (idle, body))
        deadline = time.monotonic() + HEADER_TIMEOUT + 5
        pending = {"idle": idle, "body": body, "kept": kept}
        while pending and time.monotonic() < deadline:
            time.sleep(0.25)
            pending = {k: s for k, s in pending.items() if not _closed_by_server(s)}
        assert not pending, f"still open: {sorted(pending)}"
    finally:
        for s in (idle, body, kept):
            s.close()
    time.sleep(0.5)
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")  # a cut-off body is no 500


def test_the_connection_bound_stays_below_the_descriptor_limit() -> None:
    assert connection_bound(Settings(max_connections=1000), 20_000) == 1000
    assert connection_bound(Settings(max_connections=1000), 1024) == 1024 - 256


def test_the_log_lets_a_few_alike_records_through_then_says_how_many_it_held() -> None:
    limit = LogRateLimit(burst=3, total=100, window=60)
    logger = logging.getLogger("kg.test.flood")
    records = [logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "accept failed: %s", ("EMFILE",), None)
               for _ in range(1000)]  # fmt: skip
    passed = [r for r in records if limit.filter(r)]
    assert len(passed) == 3
    other = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "something else", (), None)
    assert limit.filter(other) and "997 log records held back" in other.getMessage()
