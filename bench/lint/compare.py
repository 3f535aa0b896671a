#!/usr/bin/env python3
"""bench/lint/compare.py -- where pgfleet lint and squawk disagree, rule by rule.

usage: compare.py --rulemap TSV --pgfleet JSON --squawk JSON [--squawk JSON...]
                  --files N --report OUT.md [--examples K]

--pgfleet: the output of `pgfleet lint --json FILE...` (its "findings":
  file, line, rule, message; waived ones included).
--squawk: `squawk --reporter json` output (a JSON array; lines and columns
  0-based, made 1-based here).
--squawk-notx, --notx: squawk's JSON over the files listed in --notx (one
  path a line), linted without --assume-in-transaction; for those files it
  replaces what --squawk found.
--rulemap: TSV `pgfleet_rule <TAB> squawk_rule[,squawk_rule...] <TAB> why`;
  `-` as pgfleet rule for squawk rules pgfleet has no counterpart of, `-` as
  squawk rules for pgfleet rules squawk has none of. Lines starting with #
  are comments.

Matching: each squawk finding becomes (file, line, mapped pgfleet rule);
several squawk rules that map to the same pgfleet rule on the same line
count once (squawk reports an unvalidated foreign key twice, as
constraint-missing-not-valid and adding-foreign-key-constraint). Then, per
file and pgfleet rule, findings on the same line pair up first, then the
nearest within WINDOW lines (the tools may point at different lines of one
multi-line statement: squawk at the column, pgfleet at the statement). What
is left is "pgfleet only" or "squawk only".

Writes the full report (counts, why, examples as file:line) to --report
and prints the summary table.
"""
import argparse
import collections
import json
import os
import sys

WINDOW = 12


def load_rulemap(path):
    by_pg, by_sq, why_pg, why_sq = {}, {}, {}, {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 3:
                sys.exit("%s:%d: expected 3 tab-separated columns, got %d" % (path, n, len(cols)))
            pg, sqs, why = cols
            sql = [] if sqs == "-" else [s.strip() for s in sqs.split(",")]
            if pg == "-":
                for s in sql:
                    why_sq[s] = why
                    by_sq[s] = None
            else:
                by_pg[pg] = sql
                why_pg[pg] = why
                for s in sql:
                    if s in by_sq:
                        sys.exit("%s:%d: squawk rule %s mapped twice" % (path, n, s))
                    by_sq[s] = pg
    return by_pg, by_sq, why_pg, why_sq


def load_pgfleet(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    return [(os.path.basename(x["file"]), int(x["line"]), x["rule"], x["message"]) for x in report["findings"]]


def load_squawk_json(path):
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    return [(os.path.basename(d["file"]), d["line"] + 1, d["rule_name"], d["message"])
            for d in (json.loads(text) if text else [])]


def load_squawk(main, notx_json, notx_list):
    """squawk's findings: from main, except for the files of notx_list, whose
    findings come from notx_json alone (also when it has none for a file)."""
    notx = set()
    if notx_list:
        with open(notx_list, encoding="utf-8") as f:
            notx = set(os.path.basename(x.strip()) for x in f if x.strip())
    out = [x for x in load_squawk_json(main) if x[0] not in notx]
    if notx_json:
        out += [x for x in load_squawk_json(notx_json) if x[0] in notx]
    return out


def match(pg, sq):
    """pg, sq: lists of (line, payload) for one file and rule -> both, pg only, sq only."""
    pg = sorted(pg)
    sq = sorted(sq)
    used_p, used_s = set(), set()
    both = []
    for i, (lp, _) in enumerate(pg):
        for j, (ls, _) in enumerate(sq):
            if j not in used_s and ls == lp:
                used_p.add(i)
                used_s.add(j)
                both.append((pg[i], sq[j]))
                break
    pairs = sorted((abs(lp - ls), i, j) for i, (lp, _) in enumerate(pg) for j, (ls, _) in enumerate(sq)
                   if i not in used_p and j not in used_s and abs(lp - ls) <= WINDOW)
    for _, i, j in pairs:
        if i in used_p or j in used_s:
            continue
        used_p.add(i)
        used_s.add(j)
        both.append((pg[i], sq[j]))
    return (both, [pg[i] for i in range(len(pg)) if i not in used_p],
            [sq[j] for j in range(len(sq)) if j not in used_s])


def md_escape(s):
    return s.replace("|", "\\|")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rulemap", required=True)
    ap.add_argument("--pgfleet", required=True)
    ap.add_argument("--squawk", required=True)
    ap.add_argument("--squawk-notx", help="squawk's JSON for the no-transaction files")
    ap.add_argument("--notx", help="the no-transaction files, one path a line")
    ap.add_argument("--files", type=int, required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--header", default="")
    ap.add_argument("--dump", help="also write every finding as TSV: rule, agreement, file, line, message")
    a = ap.parse_args()

    by_pg, by_sq, why_pg, why_sq = load_rulemap(a.rulemap)
    pgf = load_pgfleet(a.pgfleet)
    sqf = load_squawk(a.squawk, a.squawk_notx, a.notx)

    # pgfleet side, keyed by (file, rule)
    P = collections.defaultdict(list)
    for f, line, rule, msg in pgf:
        P[(f, rule)].append((line, msg))
    # squawk side: mapped ones by (file, pgfleet rule), deduplicated per line;
    # unmapped ones counted by squawk rule
    S = collections.defaultdict(dict)
    unmapped = collections.defaultdict(list)
    unknown_sq = set()
    for f, line, rule, msg in sqf:
        pg = by_sq.get(rule)
        if rule not in by_sq:
            unknown_sq.add(rule)
        if pg is None:
            unmapped[rule].append((f, line, msg))
            continue
        S[(f, pg)].setdefault(line, "%s: %s" % (rule, msg))

    rules_pg = sorted(set(r for _, r in P) | set(by_pg))
    stats = {}
    for r in rules_pg:
        both, ponly, sonly = [], [], []
        files = set(f for f, rr in P if rr == r) | set(f for f, rr in S if rr == r)
        for f in sorted(files):
            b, po, so = match(P.get((f, r), []), sorted(S.get((f, r), {}).items()))
            both += [(f, pp, ss) for pp, ss in b]
            ponly += [(f, l, m) for l, m in po]
            sonly += [(f, l, m) for l, m in so]
        stats[r] = (both, ponly, sonly)

    nf_pg = len(set(f for f, _, _, _ in pgf))
    nf_sq = len(set(f for f, _, _, _ in sqf))
    lines = []
    w = lines.append
    w("# pgfleet lint and squawk on the same %d files" % a.files)
    w("")
    if a.header:
        w(a.header)
        w("")
    w("pgfleet: %d findings in %d files; squawk: %d findings in %d files." % (
        len(pgf), nf_pg, len(sqf), nf_sq))
    w("")
    w("Matching: per file and pgfleet rule, same line first, then nearest within %d lines; "
      "squawk rules mapped to one pgfleet rule count once per line (see bench/lint/compare.py)." % WINDOW)
    w("")
    w("## Rules both tools have")
    w("")
    w("| pgfleet rule | squawk rule(s) | both | pgfleet only | squawk only | why they disagree |")
    w("|---|---|---:|---:|---:|---|")
    summary = []
    for r in rules_pg:
        sqs = by_pg.get(r)
        if not sqs:
            continue
        b, po, so = stats[r]
        w("| %s | %s | %d | %d | %d | %s |" % (r, ", ".join(sqs), len(b), len(po), len(so),
                                             md_escape(why_pg.get(r, ""))))
        summary.append((r, ", ".join(sqs), len(b), len(po), len(so)))
    w("")
    w("## pgfleet rules squawk has no counterpart of")
    w("")
    w("| pgfleet rule | findings | files | why squawk does not flag them |")
    w("|---|---:|---:|---|")
    only_pg = []
    for r in rules_pg:
        if by_pg.get(r):
            continue
        _, po, _ = stats[r]
        why = why_pg.get(r, "(not in rulemap.tsv)")
        w("| %s | %d | %d | %s |" % (r, len(po), len(set(f for f, _, _ in po)), md_escape(why)))
        only_pg.append((r, len(po)))
    w("")
    w("## squawk rules pgfleet has no counterpart of")
    w("")
    w("| squawk rule | findings | files | why pgfleet does not flag them |")
    w("|---|---:|---:|---|")
    only_sq = []
    for r in sorted(unmapped, key=lambda k: (-len(unmapped[k]), k)):
        v = unmapped[r]
        why = why_sq.get(r, "(not in rulemap.tsv)")
        w("| %s | %d | %d | %s |" % (r, len(v), len(set(f for f, _, _ in v)), md_escape(why)))
        only_sq.append((r, len(v)))
    w("")
    w("## Examples of each disagreement (file:line)")
    for r in rules_pg:
        b, po, so = stats[r]
        if not po and not so:
            continue
        w("")
        w("### %s" % r)
        for label, v in (("pgfleet only", po), ("squawk only", so)):
            if not v:
                continue
            w("")
            w("%s (%d):" % (label, len(v)))
            step = max(1, len(v) // a.examples)
            for f, l, m in v[::step][:a.examples]:
                w("- `%s:%d` %s" % (f, l, m))
    for r in sorted(unmapped):
        v = unmapped[r]
        w("")
        w("### squawk %s (no pgfleet rule)" % r)
        w("")
        step = max(1, len(v) // a.examples)
        for f, l, m in v[::step][:a.examples]:
            w("- `%s:%d` %s" % (f, l, m))
    with open(a.report, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    if a.dump:
        with open(a.dump, "w", encoding="utf-8") as f:
            f.write("rule\tagreement\tfile\tline\tmessage\n")
            for r in rules_pg:
                b, po, so = stats[r]
                for kind, v in (("pgfleet only", po), ("squawk only", so)):
                    for fl, l, m in v:
                        f.write("%s\t%s\t%s\t%d\t%s\n" % (r, kind, fl, l, m))
                for fl, (pl, pm), _ in b:
                    f.write("%s\tboth\t%s\t%d\t%s\n" % (r, fl, pl, pm))
            for r in sorted(unmapped):
                for fl, l, m in unmapped[r]:
                    f.write("squawk:%s\tsquawk only\t%s\t%d\t%s\n" % (r, fl, l, m))

    print("pgfleet: %d findings in %d files; squawk: %d findings in %d files" % (
        len(pgf), nf_pg, len(sqf), nf_sq))
    print("%-34s %-48s %6s %8s %8s" % ("pgfleet rule", "squawk rule(s)", "both", "pgf only", "sq only"))
    for r, s, b, po, so in summary:
        print("%-34s %-48s %6d %8d %8d" % (r, s[:48], b, po, so))
    if only_pg:
        print("pgfleet rules without a squawk counterpart: " +
              ", ".join("%s %d" % x for x in only_pg))
    if only_sq:
        print("squawk rules without a pgfleet counterpart: " +
              ", ".join("%s %d" % x for x in only_sq))
    if unknown_sq:
        print("warning: squawk rules missing from %s: %s" % (a.rulemap, ", ".join(sorted(unknown_sq))),
              file=sys.stderr)
    unknown_pg = sorted(set(r for _, r in P) - set(by_pg))
    if unknown_pg:
        print("warning: pgfleet rules missing from %s: %s" % (a.rulemap, ", ".join(unknown_pg)),
              file=sys.stderr)


if __name__ == "__main__":
    main()
