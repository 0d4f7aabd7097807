"""Test helpers: where the shared corpus is, and the real `kg` command as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared"))
FIXTURES = Path(__file__).parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when the shared material is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared material not available: {p}")
    return p


def run_kg(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real ``kg`` command (as a user would) and capture its output."""
    full_env = {k: v for k, v in os.environ.items() if k != "KG_STORE"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=ROOT,
    )
