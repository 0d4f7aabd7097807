"""Mine extraction vocabulary from the unannotated bulk corpus, with counts.

    python -m kg.rules.mine_vocab ../shared/corpus/bulk            # writes src/kg/rules/mined.yaml

Two word lists, both counted over every ``*.txt`` under the folder (20,000 articles of the same genres
as the dev set; no gold is read):

- ``unit_words``: lower-case words seen right after a unit name that is elsewhere closed by punctuation
  ("Bộ Ngoại giao," closes "Bộ Ngoại giao"; a closed name holds no function word). ``inside`` counts the times the name then goes on into a
  longer closed name ("Bộ Giao thông" + "vận" -> "Bộ Giao thông vận tải."), ``after`` the times it did not
  ("Bộ Ngoại giao" + "cho" -> "cho biết"). A unit name runs on over a lower-case word whose ``inside``
  outweighs its ``after``, and ends at one whose ``after`` does.
- ``compounds``: two-syllable words ("ngoại giao", "vận tải") with their lower-case count: pairs written in
  lower case often enough (10 times and 15% of either word's uses) that are also written capitalised inside names
  (3 times). The
  second syllable of a capitalised word in a name belongs to it ("Bộ Ngoại giao"), whatever word it is.
- ``words``: two-syllable words of running text, capitalised in names or not ("thể hiện", "đồng thời"): lower-case
  pairs seen 30 times that make 15% of either word's uses or meet 10 times more often than chance would have them. A lower-case word that opens one of them with the next
  word starts the clause's next word, so it is no second syllable of a capitalised name before it ("Công an tỉnh X
  thể hiện").
- ``places``: capitalised names written after a place word or a leveled party committee ("tỉnh Y", "Tỉnh ủy Y":
  province; "thành phố Y", "TP Y", "Thành ủy Y": city), 10 times or more, with the level they take at least twice as
  often as the other, and not written after "ông"/"bà" half as often (a person); a post written over a bare place name ("Bí thư Y") belongs to that level's committee.
- ``surnames``: the first word of three- and four-word names written after "ông", "bà", "anh", "chị" (10 times
  or more, and more than twice as often as it stands second in such a name); names.yaml's family names plus
  these start personal names.
- ``role_heads``: the head of a capitalised title right before a personal name ("Đại sứ", "Tổng thống",
  "Sư đoàn trưởng" before "Nguyễn Văn A"), counted before names and after role cues ("chức", "nguyên", ...).

The extractor reads only the YAML this writes; the script is kept so that anyone can re-mine it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

from kg.rules import UPPER_SET, key, load_rules
from kg.text import normalize

_TOK = re.compile(r"\w+(?:[.&'’-]\w+)*|[^\w\s]", re.UNICODE)
MAX_NAME = 12  # tokens after the head
WORD_MIN = 30  # times a lower-case pair is seen to count as a two-syllable word of running text
# words before a place name, and the level they give it
PLACE_LEVELS = {"tỉnh": "province", "tỉnh ủy": "province", "thành phố": "city", "tp": "city", "thành ủy": "city"}
WORD_LIFT = 10  # ... and how many times more often than its two words would meet by chance
# words right before a post ("giữ chức vụ X", "nguyên X", "kiêm X"); "Phó"/"Quyền" are skipped over
ROLE_CUES = {"chức", "vụ", "danh", "nguyên", "cựu", "kiêm", "trí"}
SKIP = {"phó", "quyền"}
ADDRESS = {"ông", "bà", "anh", "chị"}
# function words that never sit inside a unit name (verbs of saying, auxiliaries, prepositions, particles)
FUNCTION_WORDS = {"cho", "biết", "đã", "đang", "sẽ", "là", "của", "với", "được", "có", "không", "để", "khi", "thì",
                  "mà", "nhưng", "nên", "vừa", "mới", "cũng", "đều", "bị", "rằng", "này", "đó", "nói", "tại", "về"}


def _cap(t: str) -> bool:
    return t[:1] in UPPER_SET


def _lower_word(t: str) -> bool:
    return t[:1].isalpha() and t[:1] not in UPPER_SET


def _head_at(toks: list[str], keys: list[str], a: int, end: int) -> list[str]:
    """A capitalised word and the lower-case words after it ("Sư đoàn trưởng"); a lone first word
    ("Phó", "Tổng") takes the next such group too ("Phó Thủ tướng", "Tổng Bí thư")."""
    h = [keys[a]]
    x = a + 1
    while x < end and _lower_word(toks[x]):
        h.append(keys[x])
        x += 1
    if len(h) == 1 and x < end and _cap(toks[x]):
        h.append(keys[x])
        x += 1
        while x < end and _lower_word(toks[x]):
            h.append(keys[x])
            x += 1
    return h


def lines_of(folder: Path):
    for p in sorted(folder.rglob("*.txt")):
        try:
            text = normalize(p.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        for line in text.split("\n"):
            # sentences: the unit-name scan never crosses a full stop
            for s in re.split(r"(?<=[.!?])\s+", line):
                if s:
                    yield [m.group() for m in _TOK.finditer(s)]


def mine(folder: Path) -> dict:
    rules = load_rules()
    heads = rules.orgs.heads
    surn = rules.names.surnames
    runs: list[tuple[str, ...]] = []  # unit phrases: head + following words up to punctuation
    person_next: Counter = Counter()
    head_before_name: Counter = Counter()
    head_total: Counter = Counter()
    head_after_cue_first: Counter = Counter()
    family: Counter = Counter()
    middle: Counter = Counter()  # second words of the same names ("Văn", "Thị")
    uni: Counter = Counter()  # lower-case words
    bi: Counter = Counter()  # lower-case word pairs ("ngoại giao")
    cap_pair: Counter = Counter()  # a capitalised word inside a sentence and the lower-case word after it ("Ngoại giao")
    place_level: dict[str, Counter] = {}  # "Tiền Giang" -> {province: 120, city: 3}
    addressed: Counter = Counter()  # capitalised runs after "ông", "bà": people ("TP Y" may go on with a name)
    n_sent = 0
    for toks in lines_of(folder):
        n_sent += 1
        keys = [t.casefold() for t in toks]
        n = len(toks)
        for x in range(n - 1):
            two = f"{key(toks[x])} {key(toks[x + 1])}"
            lvl, a = (PLACE_LEVELS[two], x + 2) if two in PLACE_LEVELS else (PLACE_LEVELS.get(key(toks[x])), x + 1)
            if lvl is None:
                continue
            if a < n and toks[a] == ".":
                a += 1  # "TP. Y"
            y = a
            while y < n and y - a < 4 and (_cap(toks[y]) and not toks[y].isupper()
                                           or (toks[y] in ("-", "–") and y > a and y + 1 < n and _cap(toks[y + 1]))):
                y += 1
            if y == a or (y < n and _cap(toks[y])) or toks[y - 1] in ("-", "–"):
                continue  # no name, or a longer capitalised run than a place's
            name = " ".join(toks[a:y])
            place_level.setdefault(name, Counter())[lvl] += 1
        for x in range(1, n - 1):
            if keys[x - 1] in ADDRESS and _cap(toks[x]):
                y = x
                while y < n and y - x < 4 and _cap(toks[y]):
                    y += 1
                addressed[" ".join(toks[x:y])] += 1  # "ông Y": a person, whatever place word came before
        for x in range(n):
            t = toks[x]
            if _lower_word(t):
                uni[t] += 1
                if x + 1 < n and _lower_word(toks[x + 1]):
                    bi[t, toks[x + 1]] += 1
            elif x > 0 and _cap(t) and not t.isupper() and x + 1 < n and _lower_word(toks[x + 1]):
                cap_pair[keys[x], toks[x + 1]] += 1
        i = 0
        while i < n:
            t = toks[i]
            if _cap(t):
                m = heads.match(keys, i, n)
                if m and i + m[0] < n and toks[i + m[0]][:1].isalnum():
                    j = i + m[0]
                    run = list(keys[i:j])
                    while j < n and len(run) < m[0] + MAX_NAME and toks[j][:1].isalnum():
                        run.append(keys[j])
                        j += 1
                    closed = j < n and not toks[j][:1].isalnum()
                    runs.append(tuple(run) + (("\0",) if closed or j == n else ()))
            i += 1
        # posts after role cues ("chức vụ Tùy viên", "nguyên Sư đoàn trưởng")
        for i in range(1, n):
            if keys[i - 1] in ROLE_CUES and _cap(toks[i]):
                a = i + 1 if keys[i] in SKIP and i + 1 < n and _cap(toks[i + 1]) else i
                head_after_cue_first[" ".join(_head_at(toks, keys, a, min(n, a + 5)))] += 1
        # family names: the first word of a three- or four-word name after a form of address ("ông Sử Văn A")
        for i in range(1, n - 3):
            if keys[i - 1] in ADDRESS and _cap(toks[i]) and _cap(toks[i + 1]) and _cap(toks[i + 2]) and not toks[i].isupper():
                if not _cap(toks[i + 3]) or (i + 4 < n and _cap(toks[i + 3]) and not _cap(toks[i + 4])):
                    family[toks[i]] += 1
                    middle[toks[i + 1]] += 1
        # titles before personal names: "<Cap lower*> ... <Surname> <Cap> <Cap>"
        for i in range(1, n - 2):
            if surn.match(toks, i, n) and _cap(toks[i + 1]) and _cap(toks[i + 2]):
                # walk back over the capitalised title run
                k = i - 1
                while k >= 0 and (toks[k][:1].isalpha()) and (_cap(toks[k]) or (k > 0 and _cap(toks[k - 1]))):
                    k -= 1
                a = k + 1
                if a < i and _cap(toks[a]):
                    head_before_name[" ".join(_head_at(toks, keys, a, i))] += 1
    # closed unit names, and what follows them
    closed_count: Counter = Counter()
    prefix_count: Counter = Counter()
    for r in runs:
        closed = r[-1] == "\0"
        words = r[:-1] if closed else r
        for L in range(1, len(words) + 1):
            prefix_count[words[:L]] += 1
        if closed:
            closed_count[words] += 1
    # a closed name holds no function word (else a repeated "Bộ X cho biết," would make "cho" name-internal)
    good = {w for w, c in closed_count.items() if c >= 2 and not any(t in FUNCTION_WORDS for t in w[1:])}
    good_prefix = set()
    for w in good:
        for L in range(1, len(w) + 1):
            good_prefix.add(w[:L])
    inside: Counter = Counter()
    after: Counter = Counter()
    for r in runs:
        words = r[:-1] if r[-1] == "\0" else r
        for L in range(1, len(words)):
            pre = words[:L]
            if pre not in good:
                continue
            w = words[L]
            if not w[:1].isalpha() or w != w.lower() or not _lower_word(w):
                continue
            if words[: L + 1] in good_prefix and any(words[: L + x] in good for x in range(1, len(words) - L + 1)):
                inside[w] += 1
            else:
                after[w] += 1
    unit_words = {
        w: {"inside": inside[w], "after": after[w]}
        for w in sorted(set(inside) | set(after), key=lambda w: (-(inside[w] + after[w]), w))
        if inside[w] + after[w] >= 5
    }
    # role heads: cue counts over all text, for the heads seen before names
    cand = {h for h, c in head_before_name.items() if c >= 5 and len(h.split()) <= 4}
    cand |= {h for h, c in head_after_cue_first.items() if c >= 5 and len(h.split()) <= 4}
    if cand:
        first = {h.split()[0] for h in cand}
        for toks in lines_of(folder):
            keys = [t.casefold() for t in toks]
            n = len(keys)
            for i in range(n):
                if keys[i] not in first or not _cap(toks[i]):
                    continue
                h = _head_at(toks, keys, i, min(n, i + 5))
                # the longest candidate head that starts here
                for L in range(len(h), 0, -1):
                    s = " ".join(h[:L])
                    if s in cand:
                        head_total[s] += 1
                        break
    role_heads = {
        h: {"before_name": head_before_name[h], "after_cue": head_after_cue_first[h], "total": head_total[h]}
        for h in sorted(cand, key=lambda h: (-(head_before_name[h] + head_after_cue_first[h]), h))
    }
    # two-syllable words: a pair written in lower case often enough, and also capitalised inside names
    compounds = {}
    for (a, b), c in sorted(cap_pair.items(), key=lambda x: (-bi[x[0]], x[0])):
        lc = bi[a, b]
        if c >= 3 and lc >= 10 and (lc / uni[a] >= 0.15 or lc / uni[b] >= 0.15):
            compounds[f"{a} {b}"] = lc
    # two-syllable words of running text, whether or not names hold them
    n_words = sum(uni.values())
    words = {}
    for (a, b), lc in sorted(bi.items(), key=lambda x: (-x[1], x[0])):
        if lc < WORD_MIN:
            break
        if lc / uni[a] >= 0.15 or lc / uni[b] >= 0.15 or lc * n_words >= WORD_LIFT * uni[a] * uni[b]:
            words[f"{a} {b}"] = lc
    # a family name starts names more often than it stands second in them ("Văn" does not), and is no place
    # word written after "Bà" ("Bà Rịa")
    not_names = rules.names.not_names
    surnames = {w: c for w, c in family.most_common() if c >= 10 and c > 2 * middle[w] and f"bà {w.casefold()}" not in not_names}
    places = {}
    for name, c in sorted(place_level.items(), key=lambda x: (-sum(x[1].values()), x[0])):
        (lvl, top), *rest = c.most_common() + [(None, 0)]
        other = rest[0][1] if rest else 0
        if top >= 10 and top >= 2 * other and addressed[name] * 2 < top:
            places[name] = {"level": lvl, "count": top}
    return {"places": places, "sentences": n_sent, "unit_names": len(runs), "unit_words": unit_words, "role_heads": role_heads,
            "compounds": compounds, "words": words, "surnames": surnames}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bulk", type=Path, help="folder of *.txt articles")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "mined.yaml")
    a = ap.parse_args(argv)
    if not a.bulk.is_dir():
        print(f"no such folder: {a.bulk}", file=sys.stderr)
        return 2
    d = mine(a.bulk)
    head = (
        f"# Mined by `python -m kg.rules.mine_vocab {a.bulk.name}` from {d['sentences']} sentences\n"
        f"# ({d['unit_names']} unit phrases). Counts, not judgements: see the script's docstring for what\n"
        "# each count means and src/kg/rules.py (Mined) for how the extractor uses them.\n"
    )
    body = {"compounds": d["compounds"], "words": d["words"], "places": d["places"], "unit_words": d["unit_words"], "role_heads": d["role_heads"],
            "surnames": d["surnames"]}
    a.out.write_text(head + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    print(f"wrote {a.out}: {len(d['unit_words'])} unit words, {len(d['role_heads'])} role heads", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
