"""The kg command end to end on the seed, and its errors: one clear line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgtest import ROOT, run_kg

SEED = ROOT / "data" / "articles" / "seed-000.txt"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("kg") / "store"
    r = run_kg("ingest", str(ROOT / "data" / "articles"), "--store", str(store), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "ingested 1" in r.stderr
    return store


def test_ingest_then_query_counts_the_seed_quads(seeded: Path) -> None:
    r = run_kg("query", "--sparql", COUNT, "--format", "csv", "--store", str(seeded))
    assert r.returncode == 0, r.stderr
    header, value = r.stdout.strip().splitlines()
    assert header == "n"
    assert int(value) > 100


def test_reingesting_unchanged_seed_skips_it(seeded: Path) -> None:
    before = run_kg("query", "--sparql", COUNT, "--format", "csv", "--store", str(seeded)).stdout
    r = run_kg("ingest", str(SEED), "--store", str(seeded), "--no-progress")
    assert r.returncode == 0 and "unchanged 1" in r.stderr
    assert run_kg("query", "--sparql", COUNT, "--format", "csv", "--store", str(seeded)).stdout == before


def test_saved_query_runs_with_json_output(seeded: Path) -> None:
    r = run_kg("query", "counts", "--format", "json", "--store", str(seeded))
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["results"]["bindings"]
    kinds = {b["kind"]["value"].rsplit("#", 1)[1]: int(b["n"]["value"]) for b in rows}
    assert kinds["Person"] >= 2 and kinds["Article"] == 1


def test_query_list_shows_saved_queries() -> None:
    r = run_kg("query", "--list")
    assert r.returncode == 0
    assert "holders_of_title" in r.stdout and "counts" in r.stdout


def test_export_writes_nquads_of_every_graph(seeded: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.nq"
    r = run_kg("export", "--format", "nq", "--out", str(out), "--store", str(seeded))
    assert r.returncode == 0, r.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 100 and all(line.endswith(" .") for line in lines)


def test_why_shows_the_sentences_behind_a_persons_roles(seeded: Path) -> None:
    r = run_kg("why", "Chử Đức Trình", "--store", str(seeded))
    assert r.returncode == 0, r.stderr
    assert "Hiệu trưởng" in r.stdout and "sentence [" in r.stdout


@pytest.mark.parametrize(
    "args, expect",
    [
        (["ingest", "/nonexistent/articles"], "no such file or folder"),
        (["query", "--sparql", "SELECT WHERE {"], "syntax error"),
        (["query", "no_such_query"], "No query 'no_such_query'. Available:"),
        (["query", "holders_of_title"], "missing parameter(s)"),
        (["query", "counts", "--param", "x=1"], "unknown parameter(s)"),
        (["export", "--format", "docx"], "--format must be one of"),
        (["why", "Người Không Tồn Tại"], "nothing in the store supports"),
    ],
)
def test_cli_errors_are_one_clear_line(args: list[str], expect: str, tmp_path: Path) -> None:
    r = run_kg(*args, "--store", str(tmp_path / "store"))
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert expect in r.stderr, r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) <= 3, r.stderr


def test_readme_documents_every_command() -> None:
    from kg.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert names
    for name in names:
        assert f"`kg {name.rstrip('_')}" in readme, f"README does not document `kg {name}`"
