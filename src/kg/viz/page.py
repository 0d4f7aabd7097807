"""The interactive network page: people, units, documents, awards and events, offline, in one HTML file.

Three steps, each testable alone, in three modules:
- :mod:`kg.viz.network`: ``build_network(store, …)``, a handful of SPARQL SELECTs -> a
  ``networkx.MultiDiGraph``, and ``top_nodes(g, limit)`` when it is too big to draw;
- :mod:`kg.viz.layout`: positions precomputed in Python (the browser's physics freezes above ~1,500
  nodes);
- here: ``network_html(g, title=…, note=…)`` fills our own template with pyvis, and ``render_page``
  runs the three for ``kg viz`` and ``GET /graph``.

Why our own template: pyvis's ``template.html`` still fetches bootstrap CSS/JS from jsdelivr even with
``cdn_resources="in_line"``, and writes ``heading`` unescaped. Ours inlines vis-network from pyvis's
package directory, autoescapes every text, and carries article data as script-safe JSON that the
page turns into DOM text nodes (never innerHTML). The page makes no network request.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from kg.catalog.catalog import Indexes, page_href
from kg.errors import QueryError
from kg.store import Store
from kg.text import ascii_fold
from kg.viz.layout import layout
from kg.viz.network import (
    EDGE_KINDS,
    KINDS,
    MAX_NODE_ARTICLES,
    MAX_QUOTE,
    Evidence,
    build_network,
    top_nodes,
)

def script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no ``</script>``, ``<!--``, or line separators can break out."""
    s = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return (
        s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )  # fmt: skip


@lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    import pyvis

    vis = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
    static = resources.files("kg.serve").joinpath("static")
    return {
        "vis_js": (vis / "vis-network.min.js").read_text("utf-8").replace("</script", "<\\/script"),
        "vis_css": (vis / "vis-network.css").read_text("utf-8"),
        "app_js": static.joinpath("viz.js").read_text("utf-8"),
        "app_css": static.joinpath("viz.css").read_text("utf-8"),
    }


def _static_dir() -> str:
    return str(resources.files("kg.serve").joinpath("static"))


def _ev_json(evs: Iterable[Evidence], art_index: dict[str, int]) -> list[list[Any]]:
    out = []
    for e in evs:
        if e.article not in art_index:
            art_index[e.article] = len(art_index)
        q = e.quote if e.quote is None or len(e.quote) <= MAX_QUOTE else e.quote[: MAX_QUOTE - 1] + "…"
        out.append([art_index[e.article], e.date, q])
    return out


def network_html(g: nx.MultiDiGraph, *, title: str = "Mạng quan hệ", note: str = "", pages: bool = False) -> str:
    """One self-contained HTML page for a network from ``build_network`` (or any graph of that shape).

    Nodes need ``kind`` and ``label``; everything else is optional. ``title`` and ``note`` are text.
    ``pages``: the page is served beside the entity pages (``GET /graph``), so the panel links each IRI
    and article to its page (``page_href``); a file written by ``kg viz`` links nothing of the server.
    """
    href = page_href if pages else (lambda iri: None)
    from jinja2 import Environment, FileSystemLoader
    from markupsafe import Markup
    from pyvis.network import Network

    order = sorted(g.nodes, key=str)
    nid = {n: i for i, n in enumerate(order)}
    pos = layout(g)
    degree = dict(g.degree())
    ranks = sorted(degree.values(), reverse=True)
    # size by degree; smaller on big networks, where neighbours sit closer than their labels are wide
    base, grow = (10.0, 4.0) if len(order) <= 1500 else (6.0, 2.5)
    art_index: dict[str, int] = {}
    vis_nodes: list[dict[str, Any]] = []
    meta_nodes: list[dict[str, Any]] = []
    for n in order:
        d = g.nodes[n]
        kind = d.get("kind", "unit")
        kind = kind if kind in KINDS else "unit"
        label = str(d.get("label") or n)
        deg = degree.get(n, 0)
        x, y = pos[n]
        hon = " ".join(d.get("honorifics") or ())
        vis_node = {
            "id": nid[n], "label": label, "group": kind, "x": x, "y": y,
            "size": round(min(base + grow * math.sqrt(deg), 44), 1),
            "title": f"{hon + ' ' if hon else ''}{label}\n{KINDS[kind][0]} · {deg} liên kết",
        }  # fmt: skip
        if deg == 0:
            vis_node["hidden"] = True  # unconnected: shown by the page's "nút đơn lẻ" box
        vis_nodes.append(vis_node)
        holdings = [
            [h["title"], nid.get(h["unit"]) if h.get("unit") else None, h.get("first"), h.get("last"),
             h.get("ended"), _ev_json(h.get("evidence", ()), art_index)]
            for h in d.get("holdings", ())
        ]  # fmt: skip
        arts = [art_index.setdefault(a, len(art_index)) for a in (d.get("articles") or ())[:MAX_NODE_ARTICLES]]
        meta_nodes.append({
            "iri": str(n), "kind": kind, "unitKind": d.get("unit_kind"), "hon": hon,
            "years": d.get("years", []), "deg": deg, "imp": label_size(deg, ranks),
            "key": d.get("key") or ascii_fold(label), "page": href(str(n)),
            "roles": holdings, "arts": arts,
        })  # fmt: skip
    vis_edges: list[dict[str, Any]] = []
    meta_edges: list[list[Any]] = []
    for i, (u, v, data) in enumerate(sorted(g.edges(data=True), key=lambda e: (nid[e[0]], nid[e[1]], e[2].get("kind", "")))):
        kind = data.get("kind", "holds")
        kind = kind if kind in EDGE_KINDS else "holds"
        e: dict[str, Any] = {"id": i, "from": nid[u], "to": nid[v], "color": EDGE_KINDS[kind][1]}
        if data.get("label"):
            e["label"] = str(data["label"])
        vis_edges.append(e)
        meta_edges.append([
            kind, data.get("first"), data.get("last"), data.get("ended"), data.get("years", []),
            _ev_json(data.get("evidence", ()), art_index), data.get("conferred_by"),
        ])  # fmt: skip
    articles = g.graph.get("articles", {})
    art_rows: list[list[Any]] = [[]] * len(art_index)
    for iri, i in art_index.items():
        a = articles.get(iri, {})
        art_rows[i] = [a.get("title") or iri, a.get("url"), a.get("date"), href(iri)]
    focus = [nid[f] for f in g.graph.get("focus", ()) if f in nid]
    page = {
        "kinds": {k: list(v) for k, v in KINDS.items()},
        "edgeKinds": {k: list(v) for k, v in EDGE_KINDS.items()},
        "nodes": meta_nodes,
        "edges": meta_edges,
        "articles": art_rows,
        "focus": focus,
        "at": g.graph.get("at"),
        "isolated": sum(1 for n in order if degree.get(n, 0) == 0),
        "labelThreshold": LABEL_THRESHOLD,
    }

    net = Network(height="100%", width="100%", directed=True, heading="", cdn_resources="in_line")
    # Filled directly: add_node/add_edge scan lists (quadratic), and from_nx is quadratic too.
    net.nodes = vis_nodes
    net.edges = vis_edges
    net.node_ids = [n["id"] for n in vis_nodes]
    net.options = _vis_options(len(vis_nodes), len(vis_edges))

    assets = _assets()
    env = Environment(loader=FileSystemLoader(_static_dir()), autoescape=True)
    env.policies["json.dumps_function"] = lambda obj, **kw: script_json(obj)
    env.globals.update(
        page_title=title,
        note=note,
        counts={"nodes": len(vis_nodes), "edges": len(vis_edges)},
        isolated=page["isolated"],
        legend=[(k, *v) for k, v in KINDS.items()],
        edge_legend=[(k, *v) for k, v in EDGE_KINDS.items()],
        page_json=Markup(script_json(page)),
        options_json=Markup(script_json(net.options)),
        vis_js=Markup(assets["vis_js"]),
        vis_css=Markup(assets["vis_css"]),
        app_js=Markup(assets["app_js"].replace("</script", "<\\/script")),
        app_css=Markup(assets["app_css"]),
    )
    net.templateEnv = env
    net.path = "viz_template.html"
    return str(net.generate_html(name="graph.html"))


LABEL_THRESHOLD = 4  # px on screen below which vis-network skips a label (viz.js draws them at 11 px and up)


def label_size(deg: int, ranks: list[int]) -> int:
    """A node's importance by how connected it is among the page's nodes (``ranks``: degrees, highest
    first): 40 for the top 1%, 30 for the top 3%, 22 for the top 10%, 16 for the top 30%, else 12.
    The page labels the top 1% when zoomed out furthest, then the top 3%, 10%, 30% and, from zoom
    0.6 on, every node whose label covers no more important one (viz.js labelsForZoom, placeLabels)."""
    n = len(ranks)
    for share, size in ((0.01, 40), (0.03, 30), (0.10, 22), (0.30, 16)):
        k = max(int(n * share), 1)
        if deg > 0 and deg >= ranks[min(k, n) - 1]:
            return size
    return 12


def _vis_options(n_nodes: int, n_edges: int) -> dict[str, Any]:
    """Physics off (positions are precomputed); straight edges; labels drawn only when readable."""
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "interaction": {"hover": n_nodes <= 2000, "tooltipDelay": 150, "hideEdgesOnDrag": n_edges > 3000,
                        "hideEdgesOnZoom": n_edges > 3000, "navigationButtons": False, "keyboard": False},
        # which labels are drawn, and at what font, viz.js decides by zoom level and each node's
        # importance (labelsForZoom, label_size): a label hidden there has font size 0, below
        # vis-network's drawThreshold.
        "nodes": {"font": {"size": 0, "face": "system-ui, sans-serif", "strokeWidth": 4, "strokeColor": "#ffffff"},
                  "borderWidth": 1, "scaling": {"label": {"enabled": False, "drawThreshold": LABEL_THRESHOLD}}},
        "edges": {"smooth": False, "width": 1,
                  "arrows": {"to": {"enabled": True, "scaleFactor": 0.4}},
                  # edge labels (a holding's title) only from a zoom where they are readable (viz.js)
                  "font": {"size": 0, "align": "horizontal", "color": "#333333", "strokeWidth": 4},
                  "scaling": {"label": {"enabled": False, "drawThreshold": LABEL_THRESHOLD}},
                  "color": {"inherit": False, "opacity": 0.75}, "selectionWidth": 2},
        "groups": {k: {"shape": shape, "color": {"background": col, "border": "#1a202c",
                                                  "highlight": {"background": col, "border": "#000000"}}}
                   for k, (_, shape, col) in KINDS.items()},
    }  # fmt: skip


def render_page(
    store: Store, *, focus: str | None = None, depth: int = 2, at: str | None = None, limit: int = 1500,
    names: Indexes | None = None, pages: bool = False,
) -> str:
    """The network page for ``kg viz`` and ``GET /graph``: one self-contained, offline HTML string.

    ``names``: the name indexes ``focus`` is looked up in; ``pages``: link the entity pages (both
    for ``GET /graph``, which passes its catalog's indexes)."""
    if limit < 1:
        raise QueryError(f"limit must be at least 1, got {limit}")
    if depth < 0:
        raise QueryError(f"depth must be 0 or more, got {depth}")
    g = build_network(store, focus=focus, depth=depth, at=at, names=names)
    g, note = top_nodes(g, limit, keep=g.graph.get("focus", ()))
    parts = []
    if focus and g.graph.get("focus"):
        names = ", ".join(sorted({g.nodes[f]["label"] for f in g.graph["focus"] if f in g}))
        parts.append(f"Quanh: {names} (bán kính {depth})")
    if at:
        parts.append(f"Tại ngày {at}: chỉ các chức vụ đang giữ")
    title = "Mạng quan hệ" + (" — " + "; ".join(parts) if parts else "")
    if g.number_of_nodes() == 0:
        note = (note + " " if note else "") + "Kho dữ liệu chưa có nút nào để vẽ."
    return network_html(g, title=title, note=note, pages=pages)


__all__ = ["label_size", "network_html", "render_page", "script_json"]
