"""pytest configuration: artifacts folder for screenshots and reports (git-ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    d = ROOT / "artifacts"
    d.mkdir(exist_ok=True)
    return d
