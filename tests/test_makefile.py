"""The Makefile: `make run` and `make test` install only when pyproject.toml changed (stamp files in
the venv), so a second `make run` starts serving at once."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def up_to_date(target: str, venv: Path) -> bool:
    """``make -q``: exit 0 when the target has nothing to do (runs no recipe)."""
    if shutil.which("make") is None:
        pytest.fail("make is needed to build and test this project")
    r = subprocess.run(["make", "-q", target, f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True)
    return r.returncode == 0


def test_setup_runs_again_only_when_pyproject_changes(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "activate").write_text("")
    assert not up_to_date("setup", venv)  # never installed
    mtime = (ROOT / "pyproject.toml").stat().st_mtime
    for stamp in (".installed", ".installed-test"):
        (venv / stamp).write_text("")
        os.utime(venv / stamp, (mtime + 10, mtime + 10))
    assert up_to_date("setup", venv) and up_to_date("setup-test", venv)
    os.utime(venv / ".installed", (mtime - 10, mtime - 10))  # pyproject.toml is newer than the install
    assert not up_to_date("setup", venv)


def test_make_run_reaches_kg_run_without_installing_when_up_to_date(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "activate").write_text("")
    mtime = (ROOT / "pyproject.toml").stat().st_mtime
    (venv / ".installed").write_text("")
    os.utime(venv / ".installed", (mtime + 10, mtime + 10))
    plan = subprocess.run(["make", "-n", "run", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "pip install" not in plan and f"{venv}/bin/kg run data/articles" in plan
