"""Why does the graph say so: the sentences behind a role holding, or behind all roles of a person.

One block per role holding (person — post @ unit, when it was seen and whether it ended), then one
line per article that states it, each with its sentence. The default graph is the union of the
article graphs as a multiset, so the same statement read over it comes back once per article that
repeats a label: rows are keyed (holding, article, sentence) and each block is printed once.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import Literal, URIRef

from kg.errors import QueryError
from kg.store import Store
from kg.text import ascii_fold
from kg.vocab import DERIVED_GRAPH

# What each article says of the holdings (inside its graph), then the labels, outside it.
SUPPORT = """
SELECT DISTINCT ?h ?person ?title ?org ?asOf ?article ?articleTitle ?published ?url ?s ?sentence ?start ?end
WHERE {
  GRAPH ?g {
    ?h org:member ?person ; kg:title ?title .
    OPTIONAL { ?h kg:asOf ?asOf }
    OPTIONAL { ?h org:organization ?org }
    ?h prov:wasDerivedFrom ?article .
    OPTIONAL { ?h kg:evidence ?s . ?s kg:text ?sentence ; kg:start ?start ; kg:end ?end }
    ?article dcterms:title ?articleTitle .
    OPTIONAL { ?article schema:datePublished ?published }
    OPTIONAL { ?article schema:url ?url }
  }
}"""

LABELS = "SELECT DISTINCT ?x ?label WHERE { ?x rdfs:label ?label }"
POSTS = "SELECT DISTINCT ?h ?post WHERE { GRAPH ?g { ?h org:role ?r . ?r skos:prefLabel ?post } }"
TIMELINE = f"""SELECT DISTINCT ?h ?p ?o WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ ?h ?p ?o }}
  FILTER(?p IN (kg:firstSeen, kg:lastSeen, kg:endedBy)) }}"""

PERSON_BY_KEY = """
SELECT DISTINCT ?person WHERE { ?person kg:nameKey ?key }"""


def support(store: Store, *, holding: str | None = None, person: str | None = None) -> list[dict[str, str]]:
    """Rows of evidence for one holding, or for every holding of one person: one per (holding,
    article, sentence), with the person's and unit's labels (the smallest, when articles differ)."""
    bindings = {"h": URIRef(holding)} if holding else {"person": URIRef(person or "")}
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in store.query(SUPPORT, bindings).dicts():
        r = {k: str(v) for k, v in row.items() if v is not None}
        key = (r["h"], r["article"], r.get("s", ""))
        if key not in rows or r.get("title", "") < rows[key].get("title", ""):
            rows[key] = r
    labels: dict[str, str] = {}
    iris = {r[k] for r in rows.values() for k in ("person", "org") if k in r}
    for iri in sorted(iris):
        for _, label in store.query(LABELS, {"x": URIRef(iri)}).rows:
            if iri not in labels or str(label) < labels[iri]:
                labels[iri] = str(label)
    for r in rows.values():
        r["name"] = labels.get(r["person"], r["person"])
        if "org" in r and r["org"] in labels:
            r["orgName"] = labels[r["org"]]
    return sorted(rows.values(), key=lambda r: (r.get("asOf", ""), r["h"], r["article"], r.get("start", "")))


def _timeline(store: Store, holdings: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for h in holdings:
        for _, p, o in store.query(TIMELINE, {"h": URIRef(h)}).rows:
            name = str(p).rsplit("#", 1)[-1]
            prev = out[h].get(name)
            out[h][name] = str(o) if prev is None else (max if name == "lastSeen" else min)(prev, str(o))
    return out


def _posts(store: Store, holdings: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in holdings:
        for _, post in store.query(POSTS, {"h": URIRef(h)}).rows:
            out[h] = min(out.get(h, str(post)), str(post))
    return out


def explain(store: Store, what: str) -> str:
    """Human-readable evidence for a holding IRI, a person IRI, or a person's name."""
    rows: list[dict[str, str]] = []
    if what.startswith(("http://", "https://")):
        rows = support(store, holding=what) or support(store, person=what)
    else:
        people = [str(r[0]) for r in store.query(PERSON_BY_KEY, {"key": Literal(ascii_fold(what))}).rows]
        for p in sorted(set(people)):
            rows += support(store, person=p)
    if not rows:
        raise QueryError(f"nothing in the store supports {what!r} (give a role holding IRI, a person IRI or name)")
    by_holding: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_holding.setdefault(r["h"], []).append(r)
    holdings = list(by_holding)
    tl, posts = _timeline(store, holdings), _posts(store, holdings)
    out = []
    for h, hrows in by_holding.items():
        first = hrows[0]
        post = posts.get(h, first["title"])
        out.append(f"{first['name']} — {post}" + (f" @ {first['orgName']}" if first.get("orgName") else ""))
        out.append(f"  holding: {h}")
        t = tl.get(h, {})
        span = f"  seen: {t.get('firstSeen', '?')} … {t.get('lastSeen', '?')}"
        out.append(span + (f"; ended by {t['endedBy']}" if "endedBy" in t else "; not known to have ended"))
        for r in hrows:
            out.append(f"  - as of {r.get('asOf', '?')}, written \"{r['title']}\"")
            out.append(f"    article: {r['articleTitle']} [{r.get('published', 'undated')}] {r.get('url', r['article'])}")
            if r.get("sentence"):
                out.append(f"    sentence [{r['start']}:{r['end']}]: {r['sentence']}")
    return "\n".join(out) + "\n"
