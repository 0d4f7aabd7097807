"""Cross-article conclusions, recomputed over the whole store after each ingest.

They live in their own named graph (``vocab.DERIVED_GRAPH``), rebuilt from scratch, so the result
depends only on which articles are in the store, never on the order they came in:
- role holdings: first and last date an article states them as current (kg:firstSeen,
  kg:lastSeen; "nguyên" mentions don't count), and the same as an
  OWL-Time interval: org:memberDuring a kg:EvidenceInterval);
- ended holdings: a "nguyên" mention (or "thay Y", "Y nghỉ hưu": see kg.resolve.resolver), a later holder
  of the same single-seat post at the same unit, or the same person later seen in the post itself
  after an acting or deputy one ("Quyền Hiệu trưởng" -> "Hiệu trưởng") (kg:ended, kg:endedBy,
  kg:succeededBy);
- candidate same-person links between IRIs that share a name (kg:possibleSameAs with a score).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import islice

from rdflib import RDF, XSD, Literal, URIRef

from kg.ids import make_id
from kg.store import Store, insert_update
from kg.vocab import DERIVED_GRAPH, KG

D = f"<{DERIVED_GRAPH}>"

SEEN = f"""
INSERT {{ GRAPH {D} {{
  ?h kg:firstSeen ?first ; kg:lastSeen ?last ; org:memberDuring ?iv .
  ?iv a kg:EvidenceInterval , time:Interval ; time:hasBeginning ?b ; time:hasEnd ?e .
  ?b a time:Instant ; time:inXSDDate ?first .
  ?e a time:Instant ; time:inXSDDate ?last .
}} }}
WHERE {{
  {{
    SELECT ?h (MIN(?d) AS ?first) (MAX(?d) AS ?last)
    WHERE {{ GRAPH ?g {{ ?h kg:asOf ?d FILTER NOT EXISTS {{ ?h kg:former true }} }} }}
    GROUP BY ?h
  }}
  BIND(IRI(CONCAT(STR(?h), "/seen")) AS ?iv)
  BIND(IRI(CONCAT(STR(?h), "/seen/first")) AS ?b)
  BIND(IRI(CONCAT(STR(?h), "/seen/last")) AS ?e)
}}"""

# A holding ended by the earliest of: a "nguyên" mention, the first sighting of a successor.
# Each cross-graph pattern is a SELECT DISTINCT: a role's kg:singleSeat and a holding's triples are
# repeated in every article that mentions them, and joined graph by graph they multiplied the rows
# (45 s for 2,000 articles; 1.2 s this way, same result: MIN and INSERT ignore duplicates).
ENDED = f"""
INSERT {{ GRAPH {D} {{ ?h kg:ended true ; kg:endedBy ?end }} }}
WHERE {{
  SELECT ?h (MIN(?d) AS ?end) WHERE {{
    {{ GRAPH ?g {{ ?h kg:former true ; kg:asOf ?d }} }}
    UNION
    {{
      {{ SELECT DISTINCT ?r WHERE {{ GRAPH ?g2 {{ ?r kg:singleSeat true }} }} }}
      {{ SELECT DISTINCT ?h ?r ?o ?p WHERE {{ GRAPH ?g1 {{ ?h org:role ?r ; org:organization ?o ; org:member ?p }} }} }}
      GRAPH {D} {{ ?h kg:lastSeen ?last }}
      {{ SELECT DISTINCT ?h2 ?r ?o ?p2 WHERE {{ GRAPH ?g3 {{ ?h2 org:organization ?o ; org:role ?r ; org:member ?p2 }} }} }}
      FILTER(?p2 != ?p)
      GRAPH {D} {{ ?h2 kg:firstSeen ?d }}
      FILTER(?d > ?last)
    }}
    UNION
    {{
      # promoted: an acting or deputy post ("Quyền Hiệu trưởng", "Phó Bí thư") ends when the same
      # person is later seen in the post itself at the same unit (one cannot hold both)
      {{ SELECT DISTINCT ?h ?p ?o ?l WHERE {{ GRAPH ?g4 {{ ?h org:role ?r4 ; org:organization ?o ; org:member ?p .
                                                        ?r4 skos:prefLabel ?l }}
         FILTER(STRSTARTS(STR(?l), "Quyền ") || STRSTARTS(STR(?l), "Phó ")) }} }}
      GRAPH {D} {{ ?h kg:lastSeen ?last }}
      {{ SELECT DISTINCT ?h2 ?p ?o ?l2 WHERE {{ GRAPH ?g5 {{ ?h2 org:organization ?o ; org:member ?p ; org:role ?r5 .
                                                         ?r5 skos:prefLabel ?l2 }} }} }}
      FILTER(STR(?l) = CONCAT("Quyền ", STR(?l2)) || STR(?l) = CONCAT("Phó ", STR(?l2)))
      GRAPH {D} {{ ?h2 kg:firstSeen ?d }}
      FILTER(?d > ?last)
    }}
  }} GROUP BY ?h
}}"""

SUCCEEDED = f"""
INSERT {{ GRAPH {D} {{ ?h kg:succeededBy ?h2 }} }}
WHERE {{
  GRAPH {D} {{ ?h kg:endedBy ?end ; kg:lastSeen ?last }}
  {{ SELECT DISTINCT ?r WHERE {{ GRAPH ?g2 {{ ?r kg:singleSeat true }} }} }}
  {{ SELECT DISTINCT ?h ?r ?o ?p WHERE {{ GRAPH ?g1 {{ ?h org:role ?r ; org:organization ?o ; org:member ?p }} }} }}
  {{ SELECT DISTINCT ?h2 ?r ?o ?p2 WHERE {{ GRAPH ?g3 {{ ?h2 org:organization ?o ; org:role ?r ; org:member ?p2 }} }} }}
  FILTER(?p2 != ?p)
  GRAPH {D} {{ ?h2 kg:firstSeen ?end }}
}}"""

# DISTINCT sub-selects for the same reason as ENDED: per-graph repeats multiplied the rows
# (15 s for 20,000 articles; 1.1 s this way, same rows).
NAMESAKES = """
SELECT DISTINCT ?k ?p ?o WHERE {
  { SELECT DISTINCT ?k ?p WHERE { GRAPH ?g { ?p kg:nameKey ?k } } }
  OPTIONAL { SELECT DISTINCT ?p ?o WHERE { GRAPH ?g2 { ?h org:member ?p ; org:organization ?o } } }
}"""

CHUNK = 20_000  # triples per candidate insert
MAX_NAMESAKES = 25  # a very common name: candidates are not worth listing pairwise


def derive(store: Store) -> None:
    """Rebuild the derived graph: one update for the timeline, then the candidates in chunks (a
    common name gives many pairs; one huge update text was the ingest's memory peak)."""
    store.update(f"DROP SILENT GRAPH {D} ;\n{SEEN} ;\n{ENDED} ;\n{SUCCEEDED}")
    triples = _same_as_candidates(store)
    while chunk := list(islice(triples, CHUNK)):
        store.update(insert_update(str(DERIVED_GRAPH), chunk))


def _same_as_candidates(store: Store):  # type: ignore[no-untyped-def]
    """Persons with the same folded name under different IRIs: a scored candidate link each.

    Score: 0.6 when one of them has no known unit (nothing conflicts), 0.3 when they share a unit,
    which can't be a namesake conflict but wasn't merged, 0.1 when their units differ.
    """
    units: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for k, p, o in store.query(NAMESAKES).rows:
        units[str(k)][str(p)]  # noqa: B018 - registers the person even without a unit
        if o is not None:
            units[str(k)][str(p)].add(str(o))
    for key, people in units.items():
        if not 1 < len(people) <= MAX_NAMESAKES:
            continue
        iris = sorted(people)
        for i, a in enumerate(iris):
            for b in iris[i + 1 :]:
                ua, ub = people[a], people[b]
                if not ua or not ub:
                    score, reason = 0.6, "same name; one has no known unit"
                elif ua & ub:
                    score, reason = 0.3, "same name and a shared unit, different anchors"
                else:
                    score, reason = 0.1, "same name, different units"
                c = make_id("candidate", key, a, b)
                pa, pb = URIRef(a), URIRef(b)
                yield (pa, KG.possibleSameAs, pb)
                yield (c, RDF.type, KG.SameAsCandidate)
                yield (c, KG.candidate, pa)
                yield (c, KG.candidate, pb)
                yield (c, KG.score, Literal(str(score), datatype=XSD.decimal))
                yield (c, KG.reason, Literal(reason))
