"""A bulk ingest killed with SIGKILL leaves only whole articles, and running it again ends clean.

``kg ingest --workers 1`` runs as a subprocess over two batches of fictional articles (the pipeline
writes ``batch_size`` articles per transaction). Its stderr is a pseudo-terminal, so it draws its
progress bar ("100/400"), and the test kills it at a known point: early in extraction (nothing
written yet), once the first batch has been written, and the moment the last article is extracted
(the last batch's write, over a second long, is then under way). Then:

1. every article graph in the killed store has exactly as many triples as in a clean run;
2. the same ingest run again gives exactly the clean run's store (sorted N-Quads compared line by
   line: the graph has no blank nodes, so equal stores give equal lines).
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ingest_fixtures import write_corpus
from kg.ids import article_graph
from kg.pipeline import ingest_paths
from kg.store import OxigraphStore

# Articles per transaction in the embedded store's ingest (read from it, so the kill points follow it).
BATCH: int = OxigraphStore.batch_size
# One batch of short articles, then a part batch of long ones: a part batch is written after the last
# article is extracted (a full one would be written before its progress shows), and long articles
# make that write last a second or more, so a kill right then lands inside it, not later in derive.
SHORT, LONG = BATCH, min(BATCH * 3 // 4, 250)
N_ARTICLES = SHORT + LONG
TIMEOUT = 50.0  # seconds for one kg command; a test runs at most three
_PROGRESS = re.compile(rb"(\d+)/(\d+)")


def kg(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, timeout=timeout)


def ingest_args(store: Path, src: Path) -> list[str]:
    return ["ingest", "--workers", "1", "--store", str(store), str(src)]


def export_lines(store: Path) -> list[str]:
    proc = kg("export", "--format", "nq", "--store", str(store))
    assert proc.returncode == 0, proc.stderr.decode()
    return sorted(line for line in proc.stdout.decode("utf-8").splitlines() if line.strip())


def triples_per_graph(lines: list[str]) -> Counter[str]:
    """N-Quads lines end with '<graph> .'; count the lines of each graph."""
    return Counter(line.rsplit(" ", 2)[-2] for line in lines)


class Corpus:
    def __init__(self, src: Path, graphs: set[str]) -> None:
        self.src, self.graphs = src, graphs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    src = tmp_path_factory.mktemp("crash") / "articles"
    paths = write_corpus(src, SHORT, paragraphs=1) + write_corpus(src, LONG, paragraphs=8, start=SHORT)
    return Corpus(src, {f"<{article_graph(p.stem)}>" for p in paths})


def clean_run(corpus: Corpus, store: Path) -> list[str]:
    """The reference: the same ingest, not killed (made next to each crash, so that both use the same code)."""
    proc = kg(*ingest_args(store, corpus.src), "--no-progress")
    assert f"ingested {N_ARTICLES}, unchanged 0, failed 0".encode() in proc.stderr, proc.stderr.decode()
    lines = export_lines(store)
    assert corpus.graphs <= set(triples_per_graph(lines)), "every article has its named graph"
    return lines


def run_and_kill(store: Path, src: Path, *, at_done: int, delay: float) -> tuple[bool, int]:
    """Start the ingest, SIGKILL it ``delay`` s after its progress reaches ``at_done`` articles.

    Returns (killed while running, last progress seen).
    """
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *ingest_args(store, src)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, env=env,
    )
    os.close(slave)
    seen, buf, reached = 0, b"", None
    deadline = time.monotonic() + TIMEOUT
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if reached is not None and time.monotonic() >= reached + delay:
                break
            ready, _, _ = select.select([master], [], [], 0.01)
            if ready:
                try:
                    buf = (buf + os.read(master, 4096))[-256:]
                except OSError:  # the terminal closed: the process has ended
                    break
                nums = _PROGRESS.findall(buf)
                if nums:
                    seen = int(nums[-1][0])
                if reached is None and seen >= at_done:
                    reached = time.monotonic()
        running = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        return running, seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        os.close(master)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("at_done", "delay"),
    [(BATCH // 2, 0.0), (BATCH + 32, 0.0), (N_ARTICLES, 0.0)],
    ids=["before-any-write", "after-the-first-batch", "during-the-last-write"],
)
def test_killed_ingest_leaves_whole_articles_and_a_rerun_ends_clean(
    corpus: Corpus, tmp_path: Path, at_done: int, delay: float
) -> None:
    clean = clean_run(corpus, tmp_path / "clean")
    counts = triples_per_graph(clean)
    store = tmp_path / "store"
    running, seen = run_and_kill(store, corpus.src, at_done=at_done, delay=delay)
    assert running, f"the ingest ended (progress {seen}/{N_ARTICLES}) before it could be killed"
    assert seen >= at_done

    # 1. Whatever the kill left: every article graph present is whole.
    after_kill = triples_per_graph(export_lines(store)) if store.exists() else Counter()
    present = corpus.graphs & set(after_kill)
    broken = {g: (after_kill[g], counts[g]) for g in present if after_kill[g] != counts[g]}
    assert not broken, f"{len(broken)} of {len(present)} article graphs are partial: {list(broken.items())[:3]}"

    print(f"killed at progress {seen}/{N_ARTICLES}: {len(present)} whole article graphs, "
          f"{len(after_kill) - len(present)} other graphs")

    # 2. The same ingest again ends with exactly the clean run's store.
    proc = kg(*ingest_args(store, corpus.src), "--no-progress")
    assert b"failed 0" in proc.stderr, proc.stderr.decode()
    again = export_lines(store)
    missing = sorted(set(clean) - set(again))[:5]
    extra = sorted(set(again) - set(clean))[:5]
    assert again == clean, (
        f"after the kill ({len(present)} article graphs were present), the rerun differs from a clean run: "
        f"{len(clean)} vs {len(again)} quads; missing {missing}; extra {extra}"
    )


@pytest.mark.slow
def test_rerun_after_a_kill_between_the_last_write_and_derive_ends_clean(corpus: Corpus, tmp_path: Path) -> None:
    """The third place a kill can land, made deterministic: every article written, derive not run."""
    from kg.store import open_store

    clean = clean_run(corpus, tmp_path / "clean")
    store = open_store(tmp_path / "store")
    try:
        report = ingest_paths([corpus.src], store, workers=1, derive_after=False)
    finally:
        store.close()
    assert report.ingested == N_ARTICLES
    proc = kg(*ingest_args(tmp_path / "store", corpus.src), "--no-progress")
    assert f"unchanged {N_ARTICLES}, failed 0".encode() in proc.stderr, proc.stderr.decode()
    again = export_lines(tmp_path / "store")
    assert len(again) == len(clean) and again == clean
