"""Real SPARQL servers for tests, on free 127.0.0.1 ports, each with its own temporary database:

- Oxigraph: ``oxigraph serve --union-default-graph``, the binary the ``oxigraph`` package of the test
  extras installs beside this Python (so it is found whatever PATH says);
- Virtuoso: Debian's ``virtuoso-t`` (package ``virtuoso-opensource-7-bin``, installed by
  ``make engines``), with a virtuoso.ini of its own and a SPARQL user ``kg`` granted SPARQL_UPDATE,
  used through the Digest-authenticated ``/sparql-auth`` as docs/ENGINES.md says.

A missing server is an error, never a skip: the remote-store suite must run everywhere CI runs.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

GRAPH_NS = "https://w3id.org/kg-vn/graph/"
VIRTUOSO_USER = ("kg", "kg-test-password")


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    location: Path
    engine: str = "oxigraph"
    query_path: str = "/query"
    sql_port: int = 0  # Virtuoso: isql's port
    env: dict[str, str] = field(default_factory=dict)  # what kg needs to reach it (KG_STORE, credentials)

    @property
    def query_url(self) -> str:
        return f"{self.base}{self.query_path}"

    @property
    def update_url(self) -> str:
        return f"{self.base}/sparql-auth" if self.engine == "virtuoso" else f"{self.base}/update"

    @property
    def store_url(self) -> str:
        return f"{self.base}/sparql-graph-crud" if self.engine == "virtuoso" else f"{self.base}/store"

    @property
    def kg_env(self) -> dict[str, str]:
        return {"KG_STORE": self.query_url, **self.env}

    def _auth(self) -> httpx.Auth | None:
        return httpx.DigestAuth(*VIRTUOSO_USER) if self.engine == "virtuoso" else None

    def quads(self) -> set[str]:
        """Every quad in kg's graphs, read with the server's own protocol (not through kg)."""
        if self.engine == "oxigraph":
            r = httpx.get(self.store_url, headers={"Accept": "application/n-quads"}, timeout=30)
            r.raise_for_status()
            return {str(q) for q in ox.parse(r.content, ox.RdfFormat.N_QUADS)}
        quads = set()
        for g in self.graphs():  # Virtuoso: its Graph Store endpoint, one graph at a time
            r = httpx.get(self.store_url, params={"graph": g}, headers={"Accept": "application/n-triples"}, timeout=60)
            r.raise_for_status()
            name = ox.NamedNode(g)
            quads |= {str(ox.Quad(t.subject, t.predicate, t.object, name))
                      for t in ox.parse(r.content, ox.RdfFormat.N_TRIPLES)}  # fmt: skip
        return quads

    def graphs(self) -> list[str]:
        """kg's named graphs on the server (not the engine's own)."""
        q = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH_NS}")) }}'
        r = httpx.post(self.query_url, data={"query": q}, headers={"Accept": "application/sparql-results+json"},
                       timeout=60)  # fmt: skip
        r.raise_for_status()
        return [b["g"]["value"] for b in json.loads(r.content)["results"]["bindings"]]

    def update(self, sparql: str) -> None:
        url = self.update_url
        r = httpx.post(url, data={"update": sparql}, auth=self._auth(), timeout=60)
        r.raise_for_status()

    def clear(self) -> None:
        """Drop every graph of kg's (a Virtuoso server is shared by the tests of a session)."""
        graphs = self.graphs()
        if graphs:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oxigraph_exe() -> str:
    """The ``oxigraph`` CLI of this Python's environment (pip package ``oxigraph``), else PATH's."""
    beside = Path(sys.executable).parent / "oxigraph"
    exe = str(beside) if beside.exists() else shutil.which("oxigraph")
    if exe is None:
        raise RuntimeError("the oxigraph server CLI is missing: pip install -e '.[test]' (make setup-test)")
    return exe


def _wait_for(server: Server, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            r = httpx.post(server.query_url, data={"query": "ASK {}"}, timeout=2)
            if r.status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return False


def start_oxigraph(location: Path, *, union_default_graph: bool = True, timeout: float = 20.0) -> tuple[subprocess.Popen[bytes], Server]:
    """``oxigraph serve`` on a free port; returns once it answers a query."""
    exe = oxigraph_exe()
    for _attempt in range(3):  # the port may be taken between free_port() and bind
        port = free_port()
        args = [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
        if union_default_graph:
            args.append("--union-default-graph")
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        server = Server(f"http://127.0.0.1:{port}", location)
        if _wait_for(server, proc, timeout):
            return proc, server
        stop(proc)
    raise RuntimeError(f"oxigraph serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


VIRTUOSO_INI = """\
; kg's test and benchmark Virtuoso: its own database folder, listening on 127.0.0.1 only.
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping        = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
MaxClientConnections = 8
CheckpointInterval   = 60
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty}
DirsAllowed          = ., {db}, {load_dir}
CaseMode             = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {db}
ServerThreads        = 8
MaxClientConnections = 8
Charset              = UTF-8

[SPARQL]
; Virtuoso cuts a SELECT at ResultSetMaxRows (10,000 in Debian's template) without an error
ResultSetMaxRows     = 10000000
MaxConstructTriples  = 10000000
MaxSortedTopRows     = 10000000
"""

VIRTUOSO_SETUP = """\
DB.DBA.USER_CREATE ('{user}', '{password}');
GRANT SPARQL_UPDATE TO "{user}";
"""


def virtuoso_exe(name: str = "virtuoso-t") -> str:
    exe = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if exe is None:
        raise RuntimeError(f"{name} is missing: install Debian's virtuoso-opensource-7-bin (make engines)")
    return exe


def start_virtuoso(folder: Path, *, timeout: float = 60.0, buffers: int = 10000,
                   load_dir: Path | None = None) -> tuple[subprocess.Popen[bytes], Server]:  # fmt: skip
    """Debian's Virtuoso with a fresh database in ``folder``; returns once /sparql answers and the
    ``kg`` user exists. ``load_dir`` is allowed for the bulk loader (ld_dir)."""
    exe, isql = virtuoso_exe(), virtuoso_exe("isql-vt")
    folder.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):
        sql_port, http_port = free_port(), free_port()
        ini = folder / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(db=folder, sql_port=sql_port, http_port=http_port, buffers=buffers,
                                           dirty=buffers * 3 // 4, load_dir=load_dir or folder))  # fmt: skip
        proc = subprocess.Popen([exe, "+configfile", str(ini), "+foreground"], cwd=folder,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        user, password = VIRTUOSO_USER
        server = Server(f"http://127.0.0.1:{http_port}", folder, engine="virtuoso", query_path="/sparql",
                        sql_port=sql_port, env={"KG_STORE_USER": user, "KG_STORE_PASSWORD": password, "KG_STORE_AUTH": "digest"})  # fmt: skip
        if _wait_for(server, proc, timeout):
            setup = folder / "setup.sql"
            setup.write_text(VIRTUOSO_SETUP.format(user=user, password=password), encoding="utf-8")
            isql_run(isql, sql_port, setup)
            return proc, server
        stop(proc)
    log = (folder / "virtuoso.log").read_text(errors="replace")[-2000:] if (folder / "virtuoso.log").exists() else ""
    raise RuntimeError(f"virtuoso-t did not start: {log}")


def isql_run(isql: str, sql_port: int, script: Path) -> str:
    """Run an SQL script as dba (the fresh database's default password); fail on any error."""
    r = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba", str(script)], capture_output=True, text=True,
                       timeout=600)  # fmt: skip
    if r.returncode != 0 or "*** Error" in r.stdout + r.stderr:
        raise RuntimeError(f"isql {script.name} failed: {r.stdout[-1000:]} {r.stderr[-1000:]}")
    return r.stdout


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if proc.stderr:
        proc.stderr.close()


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module (each module gets a fresh, empty store)."""
    proc, server = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "db")
    try:
        yield server
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One Virtuoso per test session (its start costs seconds); tests clear kg's graphs first."""
    proc, server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield server
    finally:
        stop(proc)


# Small fictional articles (invented people and units) for ingestion tests.
SURNAMES = ("Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ")
GIVEN = ("Văn Minh", "Thị Hoà", "Quốc Bảo", "Đức Long", "Thu Hằng", "Hữu Nghĩa", "Minh Châu", "Anh Tuấn")
UNITS = ("Trường Đại học Sông Hồng", "Trường Đại học Lam Sơn", "Trường Đại học Hạ Long Xanh", "Trường Cao đẳng Tây Nguyên")


def fictional_article(i: int, *, variant: int = 0) -> str:
    """Article ``i``: a party meeting of a fictional unit; ``variant`` changes who is deputy."""
    unit = UNITS[i % len(UNITS)]
    chief = f"{SURNAMES[i % 8]} {GIVEN[(i // 8) % 8]}"
    deputy = f"{SURNAMES[(i + 3 + variant) % 8]} {GIVEN[(i + 5 + variant) % 8]}"
    day, month, year = 1 + i % 27, 1 + i % 12, 2020 + i % 4
    return (
        f"Đảng bộ {unit} tổng kết công tác năm {year} (bài {i})\n"
        f"Sáng ngày {day}/{month}/{year}, Đảng bộ {unit} tổ chức Hội nghị tổng kết công tác Đảng năm {year}.\n"
        f"Tham dự hội nghị có PGS.TS. {chief} – Bí thư Đảng ủy, Hiệu trưởng {unit}; "
        f"TS. {deputy} – Phó Bí thư Đảng ủy, Phó Hiệu trưởng.\n"
        f"Hội nghị đã quán triệt Nghị quyết số {10 + i % 40}-NQ/TW của Bộ Chính trị.\n"
    )


def write_articles(folder: Path, ids: range, *, variant: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in ids:
        p = folder / f"fic-{i:03d}.txt"
        p.write_text(fictional_article(i, variant=variant), encoding="utf-8")
        paths.append(p)
    return paths
