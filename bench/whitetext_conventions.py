"""How much of the WhiteText shortfall is WhiteText's conventions rather than missed regions.

    .venv/bin/python bench/whitetext_conventions.py [--shared ../shared] [--mode accurate]

WhiteText differs from kgbuild's graph in two ways that score.py counts as errors:
- lists: it marks coordinated regions as one span ("areas TF, TH, and TL", "medial and lateral septum"),
  where the graph has a node per region, so the parts we write are false and the list is missed;
- merged forms: it counts "retina" and "retinas", or "DG" and "dentate gyrus", as two entities in one
  abstract, where the graph has one node with the other form as an alias.

Prints the accurate pipeline's score on the WhiteText held-out documents as score.py gives it (the target's
figure), then without gold lists (and our names that lie inside one), then also without gold entities that
one of our nodes holds as an alias. This is an analysis of the gap, not the target.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

from kgbuild.extraction import evaluate
from kgbuild.extraction.evaluation import read_gold
from kgbuild.extraction.scoring import norm
from kgbuild.extraction.training.convert import is_held_out

ROOT = Path(__file__).resolve().parents[1]
LIST = re.compile(r",| and | or ")
TYPE = "BRAIN_REGION"


def prf(rows: list[tuple[list[set[str]], set[str], set[str]]]) -> tuple[float, float, float]:
    """Document-level P/R/F1 as score.py counts, per paper from the gold entities recall counts (their forms),
    every gold form (a name equal to any is right) and our names."""
    hits = sum(len(names & right) for _, right, names in rows)
    predicted = sum(len(names) for _, _, names in rows)
    found = sum(sum(bool(forms & names) for forms in gold) for gold, _, names in rows)
    total = sum(len(gold) for gold, _, _ in rows)
    p, r = hits / predicted, found / total
    return p, r, 2 * p * r / (p + r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--mode", default="accurate")
    args = parser.parse_args()
    gold_path = args.shared / "eval-data" / "whitetext" / "train.jsonl"
    rows = [r for r in read_gold(gold_path) if is_held_out(r["doc_id"])]
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "pred.jsonl"
        result = evaluate(gold_path, ["BrainRegion=BRAIN_REGION"], mode=args.mode, rows=rows, predictions_out=out)
        pred = {norm(p["title"]): p["entities"] for p in map(json.loads, out.open(encoding="utf-8"))}
    as_scored, no_lists, neither = [], [], []
    lists = merged = inside = 0
    for row in rows:
        entities = [e for e in pred.get(norm(row["title"]), []) if e["type"] == TYPE]
        names = {norm(e["name"]) for e in entities}
        aliases = {norm(a) for e in entities for a in e.get("aliases", [])}
        gold = [{norm(f) for f in [e["name"], *e.get("aliases", [])]} for e in row["entities"]]
        in_lists = [forms for forms in gold if any(LIST.search(f) for f in forms)]
        gold_names = set().union(*gold) if gold else set()
        parts = {n for n in names if n not in gold_names and any(n in f for forms in in_lists for f in forms)}
        kept = [forms for forms in gold if forms not in in_lists]
        unmerged = [forms for forms in kept if forms & names or not forms & aliases]
        lists, inside, merged = lists + len(in_lists), inside + len(parts), merged + len(kept) - len(unmerged)
        as_scored.append((gold, gold_names, names))
        no_lists.append((kept, gold_names, names - parts))
        neither.append((unmerged, gold_names, names - parts))
    print(f"WhiteText held-out, {len(rows)} documents, mode {args.mode} (score.py: F1 {result['micro']['f']:.3f})")
    print(f"gold lists {lists}, our names inside a gold list {inside}, gold forms held as an alias {merged}")
    for label, scored in (("as scored", as_scored), ("without lists", no_lists),
                          ("without lists or merged forms", neither)):
        p, r, f = prf(scored)
        print(f"{label:<32}P {p:.3f}  R {r:.3f}  F1 {f:.3f}")


if __name__ == "__main__":
    main()
