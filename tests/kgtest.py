"""Test helpers: where the shared corpus is, and the real `kg` command as a subprocess."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
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


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def kg_serve(store: str | Path, env: dict[str, str] | None = None, timeout: float = 30,
             log: Path | None = None) -> Iterator[str]:  # fmt: skip
    """A real ``kg serve`` on a free 127.0.0.1 port, up (``/healthz`` answers) until the block ends.
    Its stderr goes to ``log`` when given (else a pipe, read if it fails to start)."""
    with kg_serve_process(store, env, timeout, log) as (base, _proc):
        yield base


@contextlib.contextmanager
def kg_serve_process(
    store: str | Path, env: dict[str, str] | None = None, timeout: float = 30, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`kg_serve`, also giving the server's process (to watch its CPU and memory)."""
    import httpx

    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if k not in ("KG_STORE", "KG_CORS_ORIGINS")} | (env or {})
    err_to = open(log, "wb") if log is not None else subprocess.PIPE  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port)],
        env=full_env, stdout=subprocess.DEVNULL, stderr=err_to, cwd=ROOT,
    )  # fmt: skip
    if log is not None:
        err_to.close()  # type: ignore[union-attr]  # the child has its own copy
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr and proc.poll() is not None else ""
                raise RuntimeError(f"kg serve did not come up: {err[-2000:]}")
            time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stderr:
            proc.stderr.close()
