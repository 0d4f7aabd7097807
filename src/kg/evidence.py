"""Why does the graph say so: the sentences behind a role holding, or behind all roles of a person."""

from __future__ import annotations

from rdflib import URIRef

from kg.errors import QueryError
from kg.store import Store
from kg.text import ascii_fold

SUPPORT = """
SELECT ?h ?person ?name ?title ?org ?orgName ?asOf ?article ?articleTitle ?published ?url ?sentence ?start ?end
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
  ?person rdfs:label ?name .
  OPTIONAL { ?org rdfs:label ?orgName }
}
ORDER BY ?asOf ?title"""

PERSON_BY_KEY = """
SELECT DISTINCT ?person WHERE { ?person kg:nameKey ?key }"""


def support(store: Store, *, holding: str | None = None, person: str | None = None) -> list[dict[str, str]]:
    """Rows of evidence for one holding, or for every holding of one person."""
    bindings = {"h": URIRef(holding)} if holding else {"person": URIRef(person or "")}
    res = store.query(SUPPORT, bindings)
    return [{k: str(v) for k, v in row.items() if v is not None} for row in res.dicts()]


def explain(store: Store, what: str) -> str:
    """Human-readable evidence for a holding IRI, a person IRI, or a person's name."""
    rows: list[dict[str, str]] = []
    if what.startswith(("http://", "https://")):
        rows = support(store, holding=what) or support(store, person=what)
    else:
        from rdflib import Literal

        people = [str(r[0]) for r in store.query(PERSON_BY_KEY, {"key": Literal(ascii_fold(what))}).rows]
        for p in people:
            rows += support(store, person=p)
    if not rows:
        raise QueryError(f"nothing in the store supports {what!r} (give a role holding IRI, a person IRI or name)")
    out = []
    for r in rows:
        head = f"{r['name']} — {r['title']}" + (f" @ {r['orgName']}" if r.get("orgName") else "")
        out.append(f"{head}  (as of {r.get('asOf', '?')})\n  holding: {r['h']}")
        out.append(f"  article: {r['articleTitle']} [{r.get('published', 'undated')}] {r.get('url', r['article'])}")
        if r.get("sentence"):
            out.append(f"  sentence [{r['start']}:{r['end']}]: {r['sentence']}")
    return "\n".join(out) + "\n"
