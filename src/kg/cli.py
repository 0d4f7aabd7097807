"""The ``kg`` command: thin glue over the library; errors are one line on stderr, never a traceback.

Exit codes: 0 ok, 1 failure (or some articles failed), 2 usage.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from kg.config import LOCAL_TOKEN_FILE
from kg.errors import KgError

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    help="kg: a knowledge graph of people, units and directives from Vietnamese news.",
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"kg {version('kg')}")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version,
                                          help="Print the version and exit.")] = False,
) -> None:  # fmt: skip
    """Bare ``kg`` asked for help: print it and exit 0 (a wrong command or option is a usage error, 2)."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)

StoreOpt = Annotated[
    Optional[str],
    typer.Option("--store", help="Store: a folder (embedded Oxigraph) or an http(s):// SPARQL endpoint. "
                 "Default: $KG_STORE, else data/store."),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | tsv")]


def _err(msg: str) -> None:
    typer.echo(f"kg: error: {msg}", err=True)


def _open(store: str | None, read_only: bool = False):  # type: ignore[no-untyped-def]
    from kg.store import open_store

    return open_store(store, read_only=read_only)


def _open_reader(store: str | None):  # type: ignore[no-untyped-def]
    """A store to read from; while `kg serve` holds the folder, read through its /sparql endpoint."""
    from kg.errors import StoreError
    from kg.serve.handoff import running_server
    from kg.store import store_spec
    from kg.store.remote import RemoteStore

    try:
        return _open(store)
    except StoreError:
        url = running_server(store_spec(store))
        if url is None:
            raise
        typer.echo(f"kg: the store is held by kg serve at {url}: reading through its /sparql", err=True)
        return RemoteStore(f"{url}/sparql")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of .txt / .html articles.")],
    store: StoreOpt = None,
    workers: Annotated[int, typer.Option(min=0, show_default="0 = auto, one per core",
                                         help="Extraction processes.")] = 0,
    force: Annotated[bool, typer.Option(help="Re-ingest articles even when unchanged.")] = False,
    progress: Annotated[bool, typer.Option(help="Show progress with rate and ETA (a bar on a terminal, "
                                                 "a line every 5 s otherwise).")] = True,
    batch_size: Annotated[int | None, typer.Option(min=1, show_default=False, help="Articles per store "
                          "transaction (default: 200; 100 on Virtuoso).")] = None,
    timings: Annotated[bool, typer.Option(help="Print seconds per stage at the end.")] = False,
) -> None:
    """Extract, resolve and write articles into the store (each article one named graph)."""
    from kg.errors import StoreError
    from kg.pipeline import ingest_paths
    from kg.read.ingest import shown
    from kg.serve.handoff import ingest_via_server, running_server
    from kg.store import store_spec

    for p in paths:
        if not p.exists():
            raise KgError(f"no such file or folder: {p}")
    start = time.monotonic()
    bar = _Progress(tty=sys.stderr.isatty()) if progress else None
    late: list[KgError] = []  # errors after the articles were handled: reported after them, not instead
    try:
        try:
            s = _open(store)
        except StoreError:
            url = running_server(store_spec(store))
            if url is None:
                raise
            from kg.config import Settings, local_write_token

            token = Settings.from_env().write_token or local_write_token(store_spec(store))
            if not token:
                raise KgError(f"the store is in use by kg serve at {url}, which is read-only to this command: set "
                              "KG_WRITE_TOKEN to the server's write token to ingest through it, serve with "
                              "`kg serve --local-token` (as `kg run` does: kg ingest then finds the token), "
                              "or stop the server") from None
            typer.echo(f"kg: the store is held by kg serve at {url}: ingesting through it", err=True)
            report = ingest_via_server(paths, url, token, force=force, progress=bar)
            location = url
        else:
            location = s.location
            try:
                report = ingest_paths(paths, s, workers=workers or None, force=force, progress=bar,
                                      batch_size=batch_size)  # fmt: skip
            finally:
                try:
                    s.close()
                except KgError as e:
                    late.append(e)
    finally:
        if bar:
            bar.close()
    secs = time.monotonic() - start
    for path, reason in report.failed:
        typer.echo(f"kg: failed: {shown(path)}: {reason}", err=True)
    typer.echo(
        f"ingested {report.ingested}, unchanged {report.unchanged}, failed {len(report.failed)} "
        f"({report.triples} triples, {secs:.1f} s, {(report.ingested + report.unchanged) / max(secs, 1e-9):.0f} "
        f"articles/s) into {location}",
        err=True,
    )
    if timings:
        typer.echo("stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in report.timings.items()), err=True)
    for message in [*report.errors, *map(str, late)]:
        _err(message)
    if report.failed or report.errors or late:
        raise typer.Exit(1)


class _Progress:
    """A one-line progress bar on stderr: done/total, rate, ETA."""

    def __init__(self, tty: bool = True) -> None:
        self.start = time.monotonic()
        self.last = 0.0
        self.tty = tty
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else 5.0) and done < total:
            return
        if not self.tty and done == total and not self.drawn:
            return  # a short run: the summary line says it all
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        eta = (total - done) / rate if rate else 0
        if self.tty:
            width = 30
            fill = int(width * done / max(total, 1))
            sys.stderr.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{total} {rate:.0f}/s ETA {eta:.0f}s ")
        else:
            sys.stderr.write(f"kg: {done}/{total} articles, {rate:.0f}/s, ETA {eta:.0f}s\n")
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.tty and self.drawn:
            sys.stderr.write("\n")


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of articles.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for NAME.json (GOLD_SCHEMA + evidence).")],
) -> None:
    """Extract facts to one NAME.json per article, without touching the store."""
    from kg.pipeline import facts_for
    from kg.read.ingest import iter_article_paths, read_article

    out.mkdir(parents=True, exist_ok=True)
    ok = failed = 0
    for p in iter_article_paths(paths):
        try:
            facts = facts_for(read_article(p))
        except KgError as e:
            typer.echo(f"kg: failed: {p}: {e}", err=True)
            failed += 1
            continue
        (out / f"{p.stem}.json").write_text(
            json.dumps(facts.to_json(), ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
        )
        ok += 1
    typer.echo(f"extracted {ok}, failed {failed} -> {out}", err=True)
    if failed:
        raise typer.Exit(1)


@app.command("eval")
def eval_(
    gold: Annotated[Path, typer.Option("--gold", help="Folder of NAME.txt + NAME.gold.json.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Organisation names must equal the gold name or an alias (a locality may be added).")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="List misses and extras first.")] = False,
    half: Annotated[
        Optional[str], typer.Option("--half", help="Only articles whose number ends in an even or odd digit: even|odd.")
    ] = None,
) -> None:
    """Extract every article beside a gold file and score it like shared/tools/score_facts.py."""
    from kg.extract.evaluate import evaluate, format_scores

    if not gold.is_dir():
        raise KgError(f"no such folder: {gold}")
    if not any(gold.glob("*.gold.json")):
        raise KgError(f"no NAME.gold.json files in {gold}: nothing to score")
    if half not in (None, "even", "odd"):
        raise KgError(f"--half must be even or odd, not {half!r}")
    misses: list[str] | None = [] if verbose else None
    scores = evaluate(gold, misses=misses, strict=strict, half=half)
    for line in misses or []:
        typer.echo(line)
    typer.echo(json.dumps(scores, ensure_ascii=False, indent=2) if as_json else format_scores(scores))


@app.command()
def query(
    name: Annotated[Optional[str], typer.Argument(help="A saved query from queries/ (see --list).")] = None,
    sparql: Annotated[Optional[str], typer.Option("--sparql", help="Run this SPARQL text instead.")] = None,
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="k=v, repeatable.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the saved queries.")] = False,
    fmt: FormatOpt = "table",
    store: StoreOpt = None,
) -> None:
    """Run a saved query or any SPARQL; the default graph is the union of all articles' graphs."""
    from kg.catalog.saved import bindings_for, get_query, load_queries
    from kg.output import render

    if list_:
        for q in load_queries().values():
            typer.echo(f"{q.name:<28} {q.summary}")
            for p in q.params:
                opt = ", optional" if p.optional else ""
                typer.echo(f"    --param {p.name}=…  ({p.type}{opt}) {p.doc}" + (f"  e.g. {p.example}" if p.example else ""))
        return
    if bool(name) == bool(sparql):
        raise typer.BadParameter("give a saved query NAME or --sparql TEXT (one of them)")
    values = {}
    for kv in param or []:
        if "=" not in kv:
            raise typer.BadParameter(f"--param expects k=v, got {kv!r}")
        k, v = kv.split("=", 1)
        values[k.strip()] = v
    s = _open_reader(store)
    try:
        if name:
            q = get_query(name)
            result = s.query(q.text, bindings_for(q, values))
        else:
            if values:
                raise typer.BadParameter("--param works with saved queries only")
            result = s.query(sparql or "")
        typer.echo(render(result, fmt), nl=False)
    finally:
        s.close()


@app.command()
def why(
    holding: Annotated[str, typer.Argument(help="A role holding IRI, or a person's name or IRI.")],
    store: StoreOpt = None,
) -> None:
    """Show the sentences (with article, date, offsets) that support a role holding or a person's roles."""
    from kg.catalog.evidence import explain

    s = _open_reader(store)
    try:
        typer.echo(explain(s, holding))
    finally:
        s.close()


@app.command()
def show(
    name_or_iri: Annotated[str, typer.Argument(help="A person's, unit's or document's name or IRI, or an article id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json | html")] = "text",
    store: StoreOpt = None,
) -> None:
    """Show one entity as the API and the pages see it: posts over time with evidence, officers, citations."""
    from kg.catalog.catalog import Catalog
    from kg.serve.pages import find_record, render, render_text

    if fmt not in ("text", "json", "html"):
        raise typer.BadParameter("--format must be text, json or html")
    s = _open_reader(store)
    try:
        found = find_record(Catalog(s), name_or_iri)
    finally:
        s.close()
    if found is None:
        raise KgError(f"nothing named {name_or_iri!r} in the store")
    kind, record = found
    if fmt == "json":
        typer.echo(record.model_dump_json(indent=2))
    else:
        typer.echo(render(kind, record) if fmt == "html" else render_text(kind, record), nl=False)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="ttl | nq | jsonld | nt | trig")] = "nq",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File (default: stdout).")] = None,
    graph: Annotated[Optional[list[str]], typer.Option("--graph", help="Only these named graphs.")] = None,
    store: StoreOpt = None,
) -> None:
    """Stream the whole store (or chosen named graphs) as Turtle, N-Quads or JSON-LD.

    While `kg serve` holds the store folder, the graphs are streamed from its /sparql endpoint, one
    named graph at a time (Turtle and TriG keep the kg:, org:, … prefixes either way)."""
    from kg.store import RDF_FORMATS

    if fmt not in RDF_FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(RDF_FORMATS)}")
    s = _open_reader(store)
    try:
        if out:
            with out.open("wb") as f:
                s.dump(f, fmt, graph)
        else:
            s.dump(sys.stdout.buffer, fmt, graph)
            sys.stdout.buffer.flush()
    finally:
        s.close()


@app.command()
def viz(
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("data/build/graph.html"),
    focus: Annotated[Optional[str], typer.Option(help="Centre on a name or IRI.")] = None,
    depth: Annotated[int, typer.Option(help="Hops around --focus.")] = 2,
    at: Annotated[Optional[str], typer.Option(help="Show who held what on this date (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many nodes (most connected first).")] = 1500,
    store: StoreOpt = None,
) -> None:
    """Write the network of people, units, documents, awards and events as one offline HTML page."""
    from kg.viz.page import render_page

    s = _open_reader(store)
    try:
        html = render_page(s, focus=focus, depth=depth, at=at, limit=limit)
    finally:
        s.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    typer.echo(f"wrote {out} ({len(html.encode()) / 1e6:.1f} MB)", err=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    store: StoreOpt = None,
    local_token: Annotated[bool, typer.Option(
        help=f"Without KG_WRITE_TOKEN, accept writes with a token kept in the store folder "
             f"({LOCAL_TOKEN_FILE}, made on first use, readable only by you); kg ingest finds it.")] = False,
) -> None:  # fmt: skip
    """Serve the REST API (/docs), the SPARQL endpoint (/sparql) and the network page (/graph)."""
    import dataclasses

    from kg.config import Settings, local_write_token
    from kg.serve.api import create_app
    from kg.serve.handoff import write_note
    from kg.serve.serving import run_server

    settings = Settings.from_env()
    s = _open(store)
    _finish_interrupted_derive(s)
    token_file = None
    if local_token and not settings.write_token:
        token = local_write_token(s.location, create=True)
        if token:
            settings = dataclasses.replace(settings, write_token=token)
            token_file = Path(s.location) / LOCAL_TOKEN_FILE
    url = f"http://{host}:{port}"
    for line in startup_lines(s.location, url, settings, token_file):
        typer.echo(f"kg: {line}", err=True)
    note = write_note(s.location, url)  # lets `kg ingest` on this folder go through the server

    def cleanup() -> None:
        if note:
            note.unlink(missing_ok=True)
        s.close()

    run_server(create_app(s, settings), settings, host=host, port=port, on_shutdown=cleanup)


def _finish_interrupted_derive(s) -> None:  # type: ignore[no-untyped-def]
    """A write killed before its derive finished left the derive-pending marker: derive now."""
    from kg.pipeline import derive_pending, finish_derive

    try:
        if derive_pending(s):
            typer.echo("kg: the last write stopped before the derived graph was rebuilt: rebuilding it", err=True)
            finish_derive(s)
    except KgError as e:
        typer.echo(f"kg: warning: could not finish the interrupted derive: {e}", err=True)


def startup_lines(location: str, url: str, settings, token_file: Path | None) -> list[str]:  # type: ignore[no-untyped-def]
    """What `kg serve` says when it starts: where, the pages, read-only or writable, how to ingest."""
    kg = sys.argv[0] if Path(sys.argv[0]).name == "kg" else "kg"
    store = f" --store {location}" if "://" not in location else ""
    lines = [f"serving {location} on {url}/",
             f"  query page {url}/  ·  API docs {url}/docs  ·  SPARQL {url}/sparql  ·  network {url}/graph"]  # fmt: skip
    if token_file is not None:
        lines += [f"writable: the write token is in {token_file} (readable only by you)",
                  f"  ingest into this server:  {kg} ingest PATH{store}   (finds the server and the token)"]  # fmt: skip
    elif settings.write_token:
        lines += ["writable with KG_WRITE_TOKEN (POST /articles, SPARQL Update)",
                  f"  ingest into this server:  KG_WRITE_TOKEN=… {kg} ingest PATH{store}"]  # fmt: skip
    else:
        lines += ["read-only: KG_WRITE_TOKEN is not set, so POST /articles and SPARQL Update are refused",
                  f"  to ingest: stop the server and run `{kg} ingest PATH{store}`, or serve with "
                  f"`{kg} serve --local-token` (as `kg run` and `make run` do) and run `{kg} ingest PATH{store}`"]  # fmt: skip
    return lines


@app.command()
def run(
    data: Annotated[Path, typer.Argument(help="Folder of articles to build from.")] = Path("data/articles"),
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    store: StoreOpt = None,
) -> None:
    """The main job: build the graph from data/ and serve the API, SPARQL and network page.

    Articles that can't be read are reported (name and reason) and the rest is served all the same."""
    try:
        ingest([data], store=store, workers=0, force=False, progress=True)
    except typer.Exit as e:
        if e.exit_code:
            typer.echo("kg: some articles were not ingested (see above); serving the rest", err=True)
    serve(host=host, port=port, store=store, local_token=True)


def main() -> None:
    """Entry point: KgError and bad input become one line on stderr."""
    try:
        rv = app(standalone_mode=False, prog_name="kg")  # returns typer.Exit's code instead of raising it
    except KgError as e:
        _err(str(e))
        sys.exit(1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        _err("aborted")
        sys.exit(130)
    except Exception as e:  # usage errors carry their own formatting (typer vendors click: typer._click)
        import click

        if isinstance(e, (click.exceptions.ClickException, typer.TyperException)) and hasattr(e, "show"):
            e.show()
            sys.exit(getattr(e, "exit_code", 2))
        from kg.config import StoreSettings

        if StoreSettings.from_env().debug:
            raise
        _err(f"{type(e).__name__}: {e} (set KG_DEBUG=1 for the traceback)")
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
