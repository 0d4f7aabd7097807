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
    r = run_kg("ingest", str(SEED), "--store", str(store), "--no-progress")
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


def test_bare_kg_prints_help_and_exits_0() -> None:
    r = run_kg()
    assert r.returncode == 0, r.stderr
    assert "Usage: kg" in r.stdout and "ingest" in r.stdout and "--version" in r.stdout
    assert "Error" not in r.stderr and "NoArgsIsHelpError" not in r.stderr


def test_kg_version_prints_the_package_version() -> None:
    from importlib.metadata import version

    r = run_kg("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"kg {version('kg')}"


@pytest.mark.parametrize("args", [["nosuchcommand"], ["ingest", "--bogus"], ["query", "--format"]])
def test_usage_errors_exit_2_with_clicks_message(args: list[str]) -> None:
    r = run_kg(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Error:" in r.stderr and "Traceback" not in r.stderr and "kg: error: " not in r.stderr


def test_eval_on_a_folder_without_gold_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Tin\nNội dung", encoding="utf-8")
    r = run_kg("eval", "--gold", str(tmp_path))
    assert r.returncode == 1
    assert "no NAME.gold.json files" in r.stderr and "F1" not in r.stdout


def test_workers_help_says_what_0_means() -> None:
    r = run_kg("ingest", "--help", env={"COLUMNS": "200"})
    line = next(ln for ln in r.stdout.splitlines() if "--workers" in ln)
    assert "auto" in line and "[default: 0]" not in line


def test_table_keeps_long_iris_whole(seeded: Path) -> None:
    r = run_kg("query", "find_entities", "-p", "text=Trường Đại học Công nghệ", "--store", str(seeded))
    assert r.returncode == 0, r.stderr
    iris = [w for ln in r.stdout.splitlines() for w in ln.split() if w.startswith("https://")]
    assert iris and all("…" not in i for i in iris)
    assert any(len(i) > 60 for i in iris)
    long_label = "x" * 80
    from rdflib import Literal, URIRef

    from kg.output import render
    from kg.store import Result

    iri = URIRef("https://w3id.org/kg-vn/id/org/" + "truong-dai-hoc-" * 6 + "0123456789")
    table = render(Result("select", vars=["e", "label"], rows=[(iri, Literal(long_label))]), "table")
    assert str(iri) in table and ("x" * 59 + "…") in table
