"""Score extracted facts against human gold, exactly as ``../shared/tools/score_facts.py`` does.

The held-out scorer is that file; this is a faithful re-implementation so that the package works alone
(``tests/test_eval.py`` checks that both give the same numbers on the same predictions).

- ``score_dirs(gold_dir, pred_dir, strict=)`` -> the dict ``score_facts.py --json [--strict]`` prints;
- ``format_scores(d)`` -> its text output;
- ``evaluate(gold_dir, rules, strict=)`` -> extract every ``NAME.txt`` beside ``NAME.gold.json`` and score in memory.

``strict`` is the scorer's ``--strict``: organisation names (in orgs, roles+org, issuers and award
recipients) must equal the gold name or an alias; containment counts only where the longer name is the
shorter plus a locality ("Sở Tài chính" / "Sở Tài chính tỉnh Bắc Ninh").

The matching rules mirror the scorer's, including its text key (which differs slightly from
``kg.text.fold``: no look-alike mapping, a shorter set of edge punctuation).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable

KINDS = ["people", "roles", "roles+org", "orgs", "documents", "awards", "events"]

_OLD_TONES = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}  # fmt: skip
_OLD_RES = [(re.compile(old + r"(?![\wà-ỹ])"), new) for new, old in _OLD_TONES.items()]
_WS = re.compile(r"\s+")
_PARTY = re.compile(r"(\d+[A-ZĐ]*)-([A-ZĐ]+)-([A-ZĐ]+)")
_LEAD0 = re.compile(r"^0+(\d)")


def norm(s: Any) -> str:
    if not s:
        return ""
    s = unicodedata.normalize("NFC", str(s)).casefold()
    for rx, new in _OLD_RES:
        s = rx.sub(new, s)
    s = _WS.sub(" ", s)
    return s.strip(" .,;:–-—\"'“”()[]")


def canon_number(n: str | None) -> str:
    if not n:
        return ""
    s = unicodedata.normalize("NFC", n).upper().replace(" ", "")
    s = s.replace("QD", "QĐ")
    m = _PARTY.fullmatch(s)
    if m:
        s = f"{m.group(1)}-{m.group(2)}/{m.group(3)}"
    return _LEAD0.sub(r"\1", s)


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else (1.0 if n_gold == 0 else 0.0)
    r = tp / n_gold if n_gold else (1.0 if n_pred == 0 else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def match_greedy(gold: list, pred: list, same: Callable[[Any, Any], bool]) -> list[tuple[int, int]]:
    used: set[int] = set()
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if pi not in used and same(g, p):
                used.add(pi)
                pairs.append((gi, pi))
                break
    return pairs


_LOCALITY = ("tỉnh ", "thành phố ", "tp ", "tp. ", "tp.", "huyện ", "quận ", "thị xã ", "xã ", "phường ", "thị trấn ")


def _contains(a: str, b: str, strict: bool = False) -> bool:
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if strict:
        return long_.startswith(short + " ") and long_[len(short) + 1 :].startswith(_LOCALITY)
    return len(short.split()) >= 2 and re.search(r"(?<!\w)" + re.escape(short) + r"(?!\w)", long_) is not None


class _Orgs:
    def __init__(self, gold_orgs: list[dict], strict: bool = False):
        self.strict = strict
        self.names = []
        for o in gold_orgs:
            forms = {norm(o.get("name"))} | {norm(a) for a in o.get("aliases") or []}
            self.names.append({f for f in forms if f})

    def same(self, a: str | None, b: str | None) -> bool:
        a, b = norm(a), norm(b)
        if not a or not b:
            return a == b
        if a == b or _contains(a, b, self.strict):
            return True
        return any(a in forms and b in forms for forms in self.names)


def titles_match(gt: str, go: str | None, pt: str, po: str | None) -> bool:
    gt, pt = norm(gt), norm(pt)
    if gt == pt:
        return True
    short, long_, other_org = (gt, pt, norm(go)) if len(gt) < len(pt) else (pt, gt, norm(po))
    if long_.startswith(short + " "):
        rest = long_[len(short) + 1 :]
        return bool(other_org) and rest in other_org
    return False


def score_article(
    gold: dict, pred: dict, tally: dict, misses: list[str] | None = None, name: str = "", strict: bool = False
) -> None:
    """Add one article's counts to ``tally`` (and its misses, as the scorer's --verbose lines)."""
    orgs = _Orgs(gold.get("organizations") or [], strict)

    def add(kind: str, tp: int, npred: int, ngold: int, ms: list[str] | None = None) -> None:
        t = tally.setdefault(kind, [0, 0, 0])
        t[0] += tp
        t[1] += npred
        t[2] += ngold
        if misses is not None and ms:
            misses.extend(f"  {name} {kind}: {m}" for m in ms)

    def unmatched(n: int, pairs: list[tuple[int, int]], side: int) -> list[int]:
        return sorted(set(range(n)) - {p[side] for p in pairs})

    gp = [norm(p.get("name")) for p in gold.get("people") or []]
    pp = [norm(p.get("name")) for p in pred.get("people") or []]
    pairs = match_greedy(gp, pp, lambda a, b: a == b)
    add("people", len(pairs), len(pp), len(gp),
        [f"missed {gp[i]}" for i in unmatched(len(gp), pairs, 0)]
        + [f"extra {pp[i]}" for i in unmatched(len(pp), pairs, 1)])  # fmt: skip

    def roles(doc: dict) -> list[tuple[str, str, Any]]:
        return [(norm(p.get("name")), r.get("title") or "", r.get("organization"))
                for p in doc.get("people") or [] for r in p.get("roles") or []]  # fmt: skip

    gr, pr = roles(gold), roles(pred)

    def same_role(g: tuple, p: tuple) -> bool:
        return g[0] == p[0] and titles_match(g[1], g[2], p[1], p[2])

    pairs = match_greedy(gr, pr, same_role)
    add("roles", len(pairs), len(pr), len(gr),
        [f"missed {gr[i][0]} / {gr[i][1]}" for i in unmatched(len(gr), pairs, 0)]
        + [f"extra {pr[i][0]} / {pr[i][1]}" for i in unmatched(len(pr), pairs, 1)])  # fmt: skip
    pairs = match_greedy(gr, pr, lambda g, p: same_role(g, p) and orgs.same(g[2], p[2]))
    add("roles+org", len(pairs), len(pr), len(gr),
        [f"missed {gr[i][0]} / {gr[i][1]} @ {gr[i][2]}" for i in unmatched(len(gr), pairs, 0)])  # fmt: skip

    go = gold.get("organizations") or []
    po = pred.get("organizations") or []

    def org_same(g: dict, p: dict) -> bool:
        forms = {norm(g.get("name"))} | {norm(a) for a in g.get("aliases") or []}
        pforms = {norm(p.get("name"))} | {norm(a) for a in p.get("aliases") or []}
        return bool(forms & pforms) or any(_contains(a, b, strict) for a in forms if a for b in pforms if b)

    pairs = match_greedy(go, po, org_same)
    add("orgs", len(pairs), len(po), len(go),
        [f"missed {go[i].get('name')}" for i in unmatched(len(go), pairs, 0)]
        + [f"extra {po[i].get('name')}" for i in unmatched(len(po), pairs, 1)])  # fmt: skip

    gd = gold.get("documents") or []
    pd = pred.get("documents") or []

    def doc_key(d: dict) -> Any:
        n = canon_number(d.get("number"))
        return n if n else ("plenum", norm(d.get("kind")), norm(d.get("term")))

    pairs = match_greedy(gd, pd, lambda g, p: doc_key(g) == doc_key(p))
    add("documents", len(pairs), len(pd), len(gd),
        [f"missed {doc_key(gd[i])}" for i in unmatched(len(gd), pairs, 0)]
        + [f"extra {doc_key(pd[i])}" for i in unmatched(len(pd), pairs, 1)])  # fmt: skip
    for field in ("kind", "issuer", "date"):
        ok = n = 0
        for gi, pi in pairs:
            g, p = gd[gi].get(field), pd[pi].get(field)
            if not g:
                continue
            n += 1
            ok += orgs.same(g, p) if field == "issuer" else norm(g) == norm(p)
        t = tally.setdefault(f"documents.{field}", [0, 0])
        t[0] += ok
        t[1] += n

    ga = gold.get("awards") or []
    pa = pred.get("awards") or []

    def recip_same(g: Any, p: Any) -> bool:
        return orgs.same(g, p) or norm(g) == norm(p) or _contains(norm(g), norm(p), strict)

    def award_same(g: dict, p: dict) -> bool:
        gn, pn = norm(g.get("name")), norm(p.get("name"))
        name_ok = gn == pn or (gn and pn and (gn in pn or pn in gn))
        return bool(name_ok) and recip_same(g.get("recipient"), p.get("recipient"))

    pairs = match_greedy(ga, pa, award_same)
    add("awards", len(pairs), len(pa), len(ga),
        [f"missed {ga[i].get('name')} -> {ga[i].get('recipient')}" for i in unmatched(len(ga), pairs, 0)]
        + [f"extra {pa[i].get('name')} -> {pa[i].get('recipient')}" for i in unmatched(len(pa), pairs, 1)])  # fmt: skip

    ge = gold.get("events") or []
    pe = pred.get("events") or []

    def event_same(g: dict, p: dict) -> bool:
        if (g.get("date") or None) != (p.get("date") or None):
            return False
        gn, pn = norm(g.get("name")), norm(p.get("name"))
        return bool(gn and pn) and (gn in pn or pn in gn or _contains(gn, pn, strict))

    pairs = match_greedy(ge, pe, event_same)
    add("events", len(pairs), len(pe), len(ge),
        [f"missed {ge[i].get('name')} {ge[i].get('date')}" for i in unmatched(len(ge), pairs, 0)])


def summarize(tally: dict, articles: int, missing: int) -> dict:
    out: dict[str, Any] = {}
    for k in KINDS:
        tp, npred, ngold = tally.get(k, [0, 0, 0])
        p, r, f = prf(tp, npred, ngold)
        out[k] = {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "gold": ngold, "pred": npred}
    for field in ("kind", "issuer", "date"):
        ok, n = tally.get(f"documents.{field}", [0, 0])
        out[f"documents.{field}_accuracy"] = round(ok / n, 3) if n else None
    overall = sum(out[k]["f1"] for k in KINDS) / len(KINDS)
    out["overall_f1"] = round(overall, 3)
    out["articles"] = articles
    out["missing_predictions"] = missing
    return out


def _gold_files(gold_dir: Path, half: str | None = None) -> list[Path]:
    """``NAME.gold.json`` files; ``half`` "even"/"odd" keeps those whose name ends in a digit of that parity
    (the dev set is split so: write rules from one half's errors, check them on the other)."""
    files = sorted(Path(gold_dir).glob("*.gold.json"))
    if half is None:
        return files
    if half not in ("even", "odd"):
        raise ValueError(f"half must be 'even' or 'odd', not {half!r}")
    want = 0 if half == "even" else 1
    out = []
    for f in files:
        stem = f.name[: -len(".gold.json")]
        if stem and stem[-1].isdigit() and int(stem[-1]) % 2 == want:
            out.append(f)
    return out


def score_dirs(gold_dir: Path, pred_dir: Path, misses: list[str] | None = None, strict: bool = False) -> dict:
    """Score ``pred_dir/NAME.json`` against every ``gold_dir/NAME.gold.json`` (a missing file is empty)."""
    tally: dict = {}
    golds = _gold_files(gold_dir)
    missing = 0
    for gf in golds:
        name = gf.name[: -len(".gold.json")]
        gold = json.loads(gf.read_text(encoding="utf-8"))
        pf = Path(pred_dir) / f"{name}.json"
        pred: dict = {}
        if pf.exists():
            try:
                pred = json.loads(pf.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                pred = {}
        else:
            missing += 1
        score_article(gold, pred, tally, misses, name, strict)
    return summarize(tally, len(golds), missing)


def format_scores(d: dict) -> str:
    """The scorer's text report."""
    lines = [f"{d['articles']} articles, {d['missing_predictions']} without a prediction"]
    lines.append(f"{'kind':<12} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6} {'pred':>6}")
    for k in KINDS:
        o = d[k]
        lines.append(f"{k:<12} {o['precision']:>6.3f} {o['recall']:>6.3f} {o['f1']:>6.3f} {o['gold']:>6} {o['pred']:>6}")
    for field in ("kind", "issuer", "date"):
        v = d[f"documents.{field}_accuracy"]
        lines.append(f"documents.{field} accuracy: {'n/a' if v is None else f'{v:.3f}'}")
    overall = sum(d[k]["f1"] for k in KINDS) / len(KINDS)
    lines.append(f"overall F1 {overall:.3f}")
    return "\n".join(lines)


def read_article(path: Path):
    """An Article from a corpus ``NAME.txt`` (title = first line, text normalised)."""
    from kg.models import Article
    from kg.text import normalize

    text = normalize(Path(path).read_text(encoding="utf-8"))
    name = Path(path).name
    name = name[: -len(".txt")] if name.endswith(".txt") else name
    return Article(id=name, title=text.split("\n", 1)[0], text=text, source_path=str(path))


def evaluate(
    gold_dir: Path, rules: Any = None, misses: list[str] | None = None, strict: bool = False, half: str | None = None
) -> dict:
    """Extract every ``NAME.txt`` beside ``NAME.gold.json`` (or one half of them) and score the facts in memory."""
    from kg.extract import extract_facts
    from kg.rules import load_rules

    rules = rules or load_rules()
    tally: dict = {}
    golds = _gold_files(gold_dir, half)
    missing = 0
    for gf in golds:
        name = gf.name[: -len(".gold.json")]
        gold = json.loads(gf.read_text(encoding="utf-8"))
        txt = gf.with_name(f"{name}.txt")
        if txt.exists():
            pred = extract_facts(read_article(txt), rules).to_json()
        else:
            missing += 1
            pred = {}
        score_article(gold, pred, tally, misses, name, strict)
    return summarize(tally, len(golds), missing)
