"""Ingest while ``kg serve`` holds the embedded store.

An on-disk Oxigraph store is opened by one process at a time. ``kg serve`` leaves a note in the store
folder (``kg-serve.json``: its URL and pid); when ``kg ingest`` finds the store locked and the note's
server alive, it sends the articles to that server's ``POST /articles/batch`` (with ``KG_WRITE_TOKEN``):
unchanged articles are skipped (the server's /sparql says which hashes it holds), the rest go in
batches of whole articles, and the derived graph is rebuilt once per run. The server keeps answering
and its readers never see half an article.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx

from kg.errors import ArticleError, KgError
from kg.pipeline import IngestReport
from kg.read.ingest import iter_article_paths, read_article

NOTE = "kg-serve.json"


def write_note(store_dir: str, url: str) -> Path | None:
    """Called by ``kg serve`` for a folder store; returns the note's path (to remove on exit)."""
    d = Path(store_dir)
    if not d.is_dir():
        return None
    note = d / NOTE
    note.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
    return note


def running_server(store_dir: str) -> str | None:
    """The URL of the live ``kg serve`` holding this store folder, if any."""
    note = Path(store_dir) / NOTE
    try:
        info = json.loads(note.read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(info["url"])


BATCH_ARTICLES = 50  # per POST /articles/batch
BATCH_BYTES = 1_000_000  # of JSON per request, under the server's default KG_MAX_REQUEST_BYTES (2 MB)


def server_hashes(http: httpx.Client) -> dict[str, str]:
    """Article id -> content hash, asked of the server's read-only /sparql; {} if it won't say."""
    from kg.pipeline import HASHES
    from kg.store import PREFIX_HEADER

    try:
        r = http.post("/sparql", data={"query": PREFIX_HEADER + HASHES},
                      headers={"Accept": "application/sparql-results+json"})  # fmt: skip
        if r.status_code != 200:
            return {}
        rows = r.json()["results"]["bindings"]
        return {b["id"]["value"]: b["h"]["value"] for b in rows}
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return {}  # the server skips unchanged articles itself too; this only saves sending them


def ingest_via_server(
    paths: Iterable[str | Path],
    url: str,
    token: str,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Read articles here (same decoding as a local ingest), skip those the server already holds
    unchanged, and send the rest in batches (``POST /articles/batch``): one transaction each, and
    the derived graph rebuilt once, after the last batch."""
    files = list(iter_article_paths(paths))
    report = IngestReport()
    with httpx.Client(base_url=url, timeout=600, headers={"Authorization": f"Bearer {token}"}) as http:
        known = {} if force else server_hashes(http)
        batch: list[dict[str, str]] = []
        where: dict[str, str] = {}  # article id -> file, for the server's failure reasons
        size = 0

        def send(final: bool) -> None:
            nonlocal batch, size
            body = {"articles": batch, "derive": final, "force": force}
            try:
                r = http.post("/articles/batch", json=body)
            except httpx.HTTPError as e:
                raise KgError(f"the server at {url} stopped answering: {e}") from e
            if r.status_code in (401, 403):
                raise KgError(f"the server at {url} refused the write token: {_detail(r)}")
            if r.status_code >= 300:
                report.failed.extend((where.get(a["id"], a["id"]), f"server answered {r.status_code}: {r.text[:200]}")
                                     for a in batch)  # fmt: skip
            else:
                out = r.json()
                report.ingested += int(out["ingested"])
                report.unchanged += int(out["unchanged"])
                report.triples += int(out["triples"])
                report.batches += 1
                report.failed.extend((where.get(f["id"], f["id"]), f["reason"]) for f in out["failed"])
            batch, size = [], 0

        for i, path in enumerate(files, 1):
            try:
                a = read_article(path)
            except ArticleError as e:
                report.failed.append((str(path), str(e)))
            else:
                if known.get(a.id) == a.sha256:
                    report.unchanged += 1
                else:
                    doc = {k: v for k, v in {"id": a.id, "text": a.text, "url": a.url, "published": a.published}.items() if v}
                    n = len(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
                    if batch and (len(batch) >= BATCH_ARTICLES or size + n > BATCH_BYTES):
                        send(final=False)
                    batch.append(doc)
                    where[a.id] = str(path)
                    size += n
            if progress:
                progress(i, len(files))
        send(final=True)  # the last batch, even empty: the one derive of the run (or of a pending one)
    return report


def _detail(r: httpx.Response) -> str:
    try:
        return str(r.json().get("detail"))
    except ValueError:
        return r.text[:200]
