"""Ingest while ``kg serve`` holds the embedded store.

An on-disk Oxigraph store is opened by one process at a time. ``kg serve`` leaves a note in the store
folder (``kg-serve.json``: its URL and pid); when ``kg ingest`` finds the store locked and the note's
server alive, it sends each article to that server's ``POST /articles`` (with ``KG_WRITE_TOKEN``), so
the server keeps answering and its readers never see half an article.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx

from kg.errors import ArticleError, KgError
from kg.ingest import iter_article_paths, read_article
from kg.pipeline import IngestReport

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


def ingest_via_server(
    paths: Iterable[str | Path],
    url: str,
    token: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Read articles here (same decoding as a local ingest) and POST them one by one."""
    files = list(iter_article_paths(paths))
    report = IngestReport()
    with httpx.Client(base_url=url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
        for i, path in enumerate(files, 1):
            try:
                a = read_article(path)
                body = {"id": a.id, "text": a.text, "url": a.url, "published": a.published}
                r = http.post("/articles", json={k: v for k, v in body.items() if v})
            except ArticleError as e:
                report.failed.append((str(path), str(e)))
            except httpx.HTTPError as e:
                raise KgError(f"the server at {url} stopped answering: {e}") from e
            else:
                if r.status_code in (401, 403):
                    raise KgError(f"the server at {url} refused the write token: {r.json().get('detail')}")
                if r.status_code >= 300:
                    report.failed.append((str(path), f"server answered {r.status_code}: {r.text[:200]}"))
                else:
                    report.ingested += 1
                    report.triples += int(r.json().get("triples", 0))
            if progress:
                progress(i, len(files))
    return report
