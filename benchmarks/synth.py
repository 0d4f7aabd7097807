"""A synthetic knowledge graph of our exact shape, for benchmarks: ~10M triples in a few minutes.

Same triples as kg.graph.build.build_graph writes (articles as named graphs; people with nameKey; units in a
5-level hierarchy with kinds and aliases; role holdings with title/asOf/evidence sentences; citations;
events; awards), IRIs from kg.ids, and the derived graph (firstSeen/lastSeen/endedBy/succeededBy)
computed from the generated timeline instead of running kg.graph.derive over 10M triples.

    python benchmarks/synth.py --out /tmp/kg-synth --articles 80000        # ~10M triples
    python benchmarks/synth.py --out /tmp/kg-synth-small --articles 2000   # quick

Writes OUT/all-{0,1}.nq, OUT/subset.nq (the first --subset articles, for rdflib), OUT/samples.json (real
names, posts and dates to query) and loads OUT/store (an on-disk Oxigraph store: `oxigraph load`
when the CLI is on PATH, else pyoxigraph bulk_load), then optimises it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph as ox

from kg.ids import article_graph, article_iri, make_id, sentence_iri
from kg.text import ascii_fold, fold
from kg.vocab import DERIVED_GRAPH, KG, ORG_CLASS

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def k(term: str) -> str:
    return f"<{KG[term]}>"


def u(iri: str) -> str:
    return f"<{iri}>"


def lit(s: str, dtype: str | None = None, lang: str | None = None) -> str:
    e = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{e}"@{lang}'
    return f'"{e}"^^<{XSD}{dtype}>' if dtype else f'"{e}"'


FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Đình", "Minh", "Hữu", "Quang", "Thanh", "Xuân", "Đức", "Ngọc", "Thu", "Hoài", "Công", "Bá", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hoà", "Hùng", "Hương", "Khang",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngân", "Nhung", "Phong", "Phúc", "Phương",
         "Quân", "Quyên", "Sơn", "Tâm", "Thắng", "Thành", "Thảo", "Thủy", "Thuỷ", "Tiến", "Trang", "Trung", "Tú",
         "Tuấn", "Tùng", "Uyên", "Vân", "Việt", "Vinh", "Xuân", "Yến", "Thúy", "Thuý", "Hiếu", "Luân", "Nhân",
         "Quế", "Toàn", "Trí", "Duy", "Đạt", "Hưng", "Lực"]  # fmt: skip
SYLL = ["Sông", "Lam", "Hồng", "Lĩnh", "Bắc", "Nam", "Đông", "Tây", "Hà", "Tiên", "Phú", "Yên", "Bình", "Định", "Quảng",
        "Long", "An", "Thái", "Hòa", "Vĩnh", "Tân", "Cẩm", "Gia", "Lạc", "Kỳ", "Sơn", "Trà", "Mỹ", "Đức", "Thủy"]  # fmt: skip
# level -> (name prefix, GOLD kind, posts: (post, single seat))
LEVELS = [
    ("Ban Chỉ đạo", "party_central", [("Trưởng ban", True), ("Phó Trưởng ban", False)]),
    ("Tỉnh ủy", "party_committee", [("Bí thư", True), ("Phó Bí thư", False), ("Chủ tịch", True)]),
    ("Trường Đại học", "university", [("Hiệu trưởng", True), ("Phó Hiệu trưởng", False), ("Bí thư", True)]),
    ("Khoa", "faculty_or_department", [("Trưởng khoa", True), ("Phó Trưởng khoa", False)]),
    ("Chi bộ", "party_cell", [("Bí thư", True), ("Phó Bí thư", False)]),
]
FANOUT = [5, 5, 5, 5, 8]  # 5 + 25 + 125 + 625 + 5000 ≈ 5.8k units
HONORIFICS = ["PGS.TS.", "GS.TS.", "TS.", "ThS.", ""]
DOCS = [("Nghị quyết", "NQ"), ("Kết luận", "KL"), ("Chỉ thị", "CT"), ("Quy định", "QĐ")]
START = date(2015, 1, 1)
DAYS = 11 * 365
TENURE_DAYS = 5 * 365


def h(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


class Units:
    """About 5.8k units in a 5-level hierarchy (5 roots, fan-out 5, 5, 5, 8)."""

    def __init__(self, rnd: random.Random) -> None:
        self.items: list[dict] = []
        used: set[str] = set()

        def place() -> str:
            while True:
                p = f"{rnd.choice(SYLL)} {rnd.choice(SYLL)} {rnd.randint(1, 99)}"
                if p not in used:
                    used.add(p)
                    return p

        frontier: list[dict | None] = [None]
        for level, (prefix, kind, posts) in enumerate(LEVELS):
            nxt: list[dict | None] = []
            for parent in frontier:
                for _ in range(FANOUT[level]):
                    name = f"{prefix} {place()}"
                    unit = {
                        "name": name, "kind": kind, "level": level, "posts": posts,
                        "iri": str(make_id("org", name, fold(name))),
                        "parent": parent["iri"] if parent else None,
                        "alias": ascii_fold(name).upper() if rnd.random() < 0.3 else None,
                    }  # fmt: skip
                    self.items.append(unit)
                    nxt.append(unit)
            frontier = nxt


class Generator:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.units = Units(self.rnd).items
        self.by_iri = {x["iri"]: x for x in self.units}
        self.people: dict[tuple, tuple[str, str]] = {}
        self.holdings: dict[tuple, str] = {}
        self.seen: dict[str, list[str]] = {}  # holding -> [min asOf, max asOf]
        self.seat_of: dict[str, tuple[str, str, int]] = {}  # holding -> (unit, post, tenure index)
        self.single: dict[str, bool] = {}
        self.roles = {p: str(make_id("role", p, fold(p))) for _, _, posts in LEVELS for p, _ in posts}
        self.roles_written: set[str] = set()

    def person(self, unit: dict, post: str, idx: int) -> tuple[str, str]:
        key = (unit["iri"], post, idx)
        if key not in self.people:
            x = h(*key)
            name = f"{FAMILY[x % 15]} {MIDDLE[(x >> 8) % 15]} {GIVEN[(x >> 16) % len(GIVEN)]}"
            iri = str(make_id("person", name, fold(name), fold(unit["name"])))
            self.people[key] = (name, iri)
        return self.people[key]

    def holding(self, unit: dict, post: str, idx: int, person_iri: str, name: str) -> str:
        key = (unit["iri"], post, idx)
        if key not in self.holdings:
            self.holdings[key] = str(make_id("holding", f"{name} {post}", person_iri, fold(post), unit["iri"]))
        return self.holdings[key]

    def article(self, n: int, out: list[str]) -> None:
        rnd = self.rnd
        unit = self.units[rnd.randrange(len(self.units))]
        day = START + timedelta(days=rnd.randrange(DAYS))
        d = day.isoformat()
        aid = f"synth-{n:06d}"
        g = f"<{article_graph(aid)}>"
        art = u(str(article_iri(aid)))
        title = f"Hội nghị của {unit['name']} ngày {day.day}/{day.month}/{day.year}"
        q = out.append
        q(f"{art} {RDF_TYPE} {k('Article')} {g} .")
        q(f"{art} <{DCT}identifier> {lit(aid)} {g} .")
        q(f"{art} <{DCT}title> {lit(title)} {g} .")
        q(f"{art} {RDFS_LABEL} {lit(title, lang='vi')} {g} .")
        q(f"{art} {k('graph')} {g} {g} .")
        q(f"{art} <{SCHEMA}url> {lit(f'https://example.org/tin/{aid}', 'anyURI')} {g} .")
        q(f"{art} <{SCHEMA}datePublished> {lit(d, 'date')} {g} .")
        q(f"{art} {k('contentHash')} {lit(hashlib.sha256(aid.encode()).hexdigest())} {g} .")
        pos = len(title) + 1

        def sentence(node: str, text: str) -> None:
            nonlocal pos
            s = u(str(sentence_iri(aid, pos, pos + len(text))))
            q(f"{node} <{PROV}wasDerivedFrom> {art} {g} .")
            q(f"{node} {k('evidence')} {s} {g} .")
            q(f"{s} {RDF_TYPE} {k('Sentence')} {g} .")
            q(f"{s} {k('text')} {lit(text)} {g} .")
            q(f"{s} {k('start')} {lit(str(pos), 'integer')} {g} .")
            q(f"{s} {k('end')} {lit(str(pos + len(text)), 'integer')} {g} .")
            q(f"{s} <{DCT}isPartOf> {art} {g} .")
            pos += len(text) + 1

        parent = self.by_iri.get(unit["parent"]) if unit["parent"] else None
        for o in (unit, parent) if parent else (unit,):
            n_ = u(o["iri"])
            q(f"{n_} {RDF_TYPE} <{ORG_CLASS[o['kind']]}> {g} .")
            q(f"{n_} {RDF_TYPE} {k('Organization')} {g} .")
            q(f"{n_} {RDFS_LABEL} {lit(o['name'], lang='vi')} {g} .")
            q(f"{n_} {k('kind')} {lit(o['kind'])} {g} .")
            if o["alias"]:
                q(f"{n_} {k('alias')} {lit(o['alias'])} {g} .")
            if o["parent"]:
                q(f"{n_} <{ORG}subOrganizationOf> {u(o['parent'])} {g} .")
            q(f"{art} {k('mentions')} {n_} {g} .")
            sentence(n_, f"{o['name']} tổ chức hội nghị.")

        attendees = []
        for post, single in rnd.sample(unit["posts"], min(3, len(unit["posts"]))):
            offset = h(unit["iri"], post) % TENURE_DAYS
            idx = ((day - START).days + offset) // TENURE_DAYS
            name, person = self.person(unit, post, idx)
            hol = self.holding(unit, post, idx, person, name)
            hon = HONORIFICS[h(person) % len(HONORIFICS)]
            p = u(person)
            q(f"{p} {RDF_TYPE} {k('Person')} {g} .")
            q(f"{p} {RDFS_LABEL} {lit(name, lang='vi')} {g} .")
            q(f"{p} <{FOAF}name> {lit(name)} {g} .")
            q(f"{p} {k('nameKey')} {lit(ascii_fold(name))} {g} .")
            if hon:
                q(f"{p} {k('honorific')} {lit(hon)} {g} .")
            q(f"{art} {k('mentions')} {p} {g} .")
            text = f"{hon} {name} – {post} {unit['name']} phát biểu.".strip()
            sentence(p, text)
            role = self.roles[post]
            r = u(role)
            q(f"{r} {RDF_TYPE} {k('Role')} {g} .")
            q(f"{r} <{SKOS}prefLabel> {lit(post, lang='vi')} {g} .")
            q(f"{r} {RDFS_LABEL} {lit(post, lang='vi')} {g} .")
            q(f"{r} {k('singleSeat')} {lit('true' if single else 'false', 'boolean')} {g} .")
            hn = u(hol)
            q(f"{hn} {RDF_TYPE} {k('RoleHolding')} {g} .")
            q(f"{hn} <{ORG}member> {p} {g} .")
            q(f"{hn} <{ORG}role> {r} {g} .")
            q(f"{hn} {k('title')} {lit(post)} {g} .")
            q(f"{hn} <{ORG}organization> {u(unit['iri'])} {g} .")
            q(f"{hn} {k('asOf')} {lit(d, 'date')} {g} .")
            q(f"{hn} <{PROV}wasDerivedFrom> {art} {g} .")
            q(f"{hn} {k('evidence')} {u(str(sentence_iri(aid, pos - len(text) - 1, pos - 1)))} {g} .")
            s = self.seen.setdefault(hol, [d, d])
            s[0], s[1] = min(s[0], d), max(s[1], d)
            self.seat_of[hol] = (unit["iri"], post, idx)
            self.single[hol] = single
            attendees.append(p)

        dk, abbr = DOCS[h(aid) % len(DOCS)]
        num = f"{h(aid, 'doc') % 300 + 1}-{abbr}/TW"
        doc = u(str(make_id("doc", num, "number", num)))
        cit = u(str(make_id("citation", f"{aid} {num}", aid, doc)))
        q(f"{doc} {RDF_TYPE} {k('Document')} {g} .")
        q(f"{doc} {RDFS_LABEL} {lit(f'{dk} {num}', lang='vi')} {g} .")
        q(f"{doc} {k('documentNumber')} {lit(num)} {g} .")
        q(f"{doc} {k('documentKind')} {lit(dk)} {g} .")
        q(f"{doc} <{DCT}creator> {u(self.units[0]['iri'])} {g} .")
        q(f"{cit} {RDF_TYPE} {k('Citation')} {g} .")
        q(f"{cit} {k('cites')} {doc} {g} .")
        q(f"{cit} {k('citedBy')} {u(unit['iri'])} {g} .")
        q(f"{art} <{DCT}references> {doc} {g} .")
        sentence(cit, f"Hội nghị quán triệt {dk} số {num}.")

        ev = u(str(make_id("event", title, fold(title), d, unit["iri"])))
        q(f"{ev} {RDF_TYPE} {k('Event')} {g} .")
        q(f"{ev} {RDFS_LABEL} {lit(title, lang='vi')} {g} .")
        q(f"{ev} <{SCHEMA}name> {lit(title)} {g} .")
        q(f"{ev} <{SCHEMA}startDate> {lit(d, 'date')} {g} .")
        q(f"{ev} <{SCHEMA}organizer> {u(unit['iri'])} {g} .")
        for p in attendees:
            q(f"{ev} <{SCHEMA}attendee> {p} {g} .")
        q(f"{ev} <{SCHEMA}about> {art} {g} .")
        sentence(ev, title)

        if h(aid, "award") % 5 == 0:
            aw_name = "Bằng khen của Bộ trưởng" if h(aid) % 2 else "Huân chương Lao động hạng Ba"
            aw = u(str(make_id("award", aw_name, fold(aw_name))))
            c = u(str(make_id("conferral", f"{aw_name} {unit['name']}", aid)))
            q(f"{aw} {RDF_TYPE} {k('Award')} {g} .")
            q(f"{aw} {RDFS_LABEL} {lit(aw_name, lang='vi')} {g} .")
            q(f"{aw} {k('awardKind')} {lit(aw_name.split(' ')[0] + ' ' + aw_name.split(' ')[1])} {g} .")
            q(f"{c} {RDF_TYPE} {k('AwardConferral')} {g} .")
            q(f"{c} {k('award')} {aw} {g} .")
            q(f"{c} {k('recipient')} {u(unit['iri'])} {g} .")
            q(f"{c} {k('recipientText')} {lit(unit['name'])} {g} .")
            q(f"{c} {k('year')} {lit(str(day.year), 'gYear')} {g} .")
            sentence(c, f"{unit['name']} nhận {aw_name}.")

    def derived(self, holdings: set[str] | None = None) -> list[str]:
        """firstSeen/lastSeen, and for single seats the end at the successor's first sighting."""
        g = f"<{DERIVED_GRAPH}>"
        out = []
        by_seat: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for hol, (unit, post, idx) in self.seat_of.items():
            by_seat[(unit, post)].append((idx, hol))
        for hol, (first, last) in self.seen.items():
            if holdings is not None and hol not in holdings:
                continue
            out.append(f"<{hol}> {k('firstSeen')} {lit(first, 'date')} {g} .")
            out.append(f"<{hol}> {k('lastSeen')} {lit(last, 'date')} {g} .")
        for seat, seq in by_seat.items():
            seq.sort()
            for (i, a), (_, b) in zip(seq, seq[1:]):
                if not self.single[a] or (holdings is not None and a not in holdings):
                    continue
                nxt_first = self.seen[b][0]
                if nxt_first > self.seen[a][1]:
                    out.append(f"<{a}> {k('ended')} {lit('true', 'boolean')} {g} .")
                    out.append(f"<{a}> {k('endedBy')} {lit(nxt_first, 'date')} {g} .")
                    out.append(f"<{a}> {k('succeededBy')} <{b}> {g} .")
        return out


def samples(gen: Generator, n: int = 200) -> dict:
    """Real (title, unit, date) triples and names to query, drawn from the generated data."""
    rnd = random.Random(7)
    units = {x["iri"]: x for x in gen.units}
    seats = list(gen.seat_of.items())
    rnd.shuffle(seats)
    roles = []
    for hol, (unit, post, _) in seats[:n]:
        first, last = gen.seen[hol]
        roles.append({"title": post, "organization": units[unit]["name"], "at": first})
    names = [name for name, _ in list(gen.people.values())[:n]]
    return {"roles": roles, "people": [ascii_fold(x) for x in names[: n // 2]] + names[n // 2 :]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("/tmp/kg-synth"))
    ap.add_argument("--articles", type=int, default=80_000)
    ap.add_argument("--subset", type=int, default=3_500, help="articles in subset.nq (for rdflib)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-load", action="store_true", help="write the N-Quads only")
    ap.add_argument("--shards", type=int, default=2, help="N-Quads files (loaded in parallel by the CLI)")
    ap.add_argument("--loader", choices=["cli", "python"], default="cli" if shutil.which("oxigraph") else "python",
                    help="`oxigraph load` (parallel, default when on PATH) or pyoxigraph Store.bulk_load")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    gen = Generator(a.seed)
    total = 0
    subset_holdings: set[str] = set()
    shards = [open(a.out / f"all-{i}.nq", "w", encoding="utf-8") for i in range(a.shards)]
    flushes = 0
    with open(a.out / "subset.nq", "w", encoding="utf-8") as fs:
        buf: list[str] = []
        for n in range(a.articles):
            mark = len(buf)
            gen.article(n, buf)
            if n < a.subset:
                fs.write("\n".join(buf[mark:]) + "\n")
                subset_holdings |= {x.split(" ", 1)[0][1:-1] for x in buf[mark:] if x.startswith("<https://w3id.org/kg-vn/id/holding/")}
            if len(buf) > 200_000 or n == a.articles - 1:
                shards[flushes % a.shards].write("\n".join(buf) + "\n")
                flushes += 1
                total += len(buf)
                buf.clear()
        derived = gen.derived()
        shards[0].write("\n".join(derived) + "\n")
        for f in shards:
            f.close()
        fs.write("\n".join(gen.derived(subset_holdings)) + "\n")
        total += len(derived)
    (a.out / "samples.json").write_text(json.dumps(samples(gen), ensure_ascii=False, indent=1), encoding="utf-8")
    t1 = time.monotonic()
    print(f"wrote {total:,} quads ({a.articles:,} articles, {len(gen.units):,} units, {len(gen.people):,} people, "
          f"{len(gen.seen):,} holdings) in {t1 - t0:.0f} s", file=sys.stderr)  # fmt: skip
    if a.no_load:
        return
    store_dir = a.out / "store"
    if store_dir.exists():
        shutil.rmtree(store_dir)
    files = [str(a.out / f"all-{i}.nq") for i in range(a.shards)]
    if a.loader == "cli":  # the oxigraph CLI loads several files in parallel (MEASURED.md: 42 s for 11.8M)
        subprocess.run(["oxigraph", "load", "--location", str(store_dir), "--lenient", "--file", *files],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        t2 = time.monotonic()
        subprocess.run(["oxigraph", "optimize", "--location", str(store_dir)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        t3 = time.monotonic()
        n = len(ox.Store.read_only(str(store_dir)))
    else:
        store = ox.Store(str(store_dir))
        for path in files:
            store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
        t2 = time.monotonic()
        store.optimize()
        store.flush()
        t3 = time.monotonic()
        n = len(store)
    print(f"{a.loader} load {t2 - t1:.0f} s, optimize {t3 - t2:.0f} s -> {store_dir} ({n:,} quads)", file=sys.stderr)


if __name__ == "__main__":
    main()
