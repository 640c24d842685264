"""Extraction quality on every gold set, both modes, with score.py's document-level scoring.

    .venv/bin/python bench/quality.py [--modes fast,accurate,corpus] [--shared ../shared] [--save DIR] [--why]

The "corpus" mode annotates as SciERC and SciREX do (`kgbuild.extraction.pipeline.NER_MODELS`): its figures
on those corpora are the ones to set beside a plain NER trained on them (`bench/ner_eval.py`).

Sets (held-out parts only where we train or build lexicons):
- dev_gold: eval/dev_gold.jsonl, our four types, no map (target micro F1 >= 0.85, dup = 0)
- whitetext-heldout: WhiteText docs in the NER dev split, --map BrainRegion=BRAIN_REGION (target F1 >= 0.85)
- scirex-heldout: SciREX docs in the NER dev split, --map Material=DATASET (target R >= 0.80 at P >= 0.60)
- scierc-dev: SciERC dev, --map Method=METHOD,MODEL --map Material=DATASET (untyped F1 reported)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kgbuild.extraction import evaluate
from kgbuild.extraction.evaluation import read_gold
from kgbuild.extraction.pipeline import available_models
from kgbuild.extraction.scoring import format_reasons, format_table
from kgbuild.extraction.training.convert import is_held_out

ROOT = Path(__file__).resolve().parents[1]


def sets(shared: Path) -> list[tuple[str, list[dict], list[str] | None, str]]:
    data = shared / "eval-data"
    white = [r for r in read_gold(data / "whitetext" / "train.jsonl") if is_held_out(r["doc_id"])]
    scirex = [r for r in read_gold(data / "scirex" / "train.jsonl") if is_held_out(r["doc_id"])]
    return [
        ("dev_gold", read_gold(shared / "eval" / "dev_gold.jsonl"), None, "micro"),
        ("whitetext-heldout", white, ["BrainRegion=BRAIN_REGION"], "BRAIN_REGION"),
        ("scirex-heldout", scirex, ["Material=DATASET"], "DATASET"),
        ("scierc-dev", read_gold(data / "scierc" / "dev.jsonl"), ["Method=METHOD,MODEL", "Material=DATASET"],
         "untyped"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modes", default="fast,accurate")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--only", default="", help="comma-separated set names")
    parser.add_argument("--save", type=Path, help="write each set's predictions here")
    parser.add_argument("--tables", action="store_true", help="print full per-type tables")
    parser.add_argument("--why", action="store_true", help="print how many errors of each kind (scoring.MISSED_WHY)")
    parser.add_argument("--forms", choices=["entities", "surface"], default="entities",
                        help="'surface': score every surface form of an entity as its own entry, as the public "
                        "corpora (one gold entity per distinct string) and a plain NER are counted")
    args = parser.parse_args()
    for mode in args.modes.split(","):
        print(f"NER models of {mode}: {[p.name for p in available_models(mode)] or 'none'}", file=sys.stderr)
    summary = []
    for name, rows, maps, focus in sets(args.shared):
        if args.only and name not in args.only.split(","):
            continue
        for mode in args.modes.split(","):
            started = time.perf_counter()
            out = args.save / f"{name}.{mode}.jsonl" if args.save else None
            if out:
                out.parent.mkdir(parents=True, exist_ok=True)
            result = evaluate(name, maps=maps, mode=mode, rows=rows, predictions_out=out, forms=args.forms,
                              errors=args.why)
            seconds = time.perf_counter() - started
            if args.tables:
                print(f"== {name} ({len(rows)} docs), mode {mode}, map {maps or '-'}")
                print(format_table(result))
            if args.why:
                print(f"== {name}, mode {mode}: why the errors\n{format_reasons(result['errors'])}")
            row = result["micro"] if focus == "micro" else result["untyped"] if focus == "untyped" \
                else result["types"].get(focus, {"p": 0, "r": 0, "f": 0, "dup": 0})
            summary.append((name, len(rows), mode, focus, row["p"], row["r"], row["f"],
                            result["micro"]["dup"], seconds))
    print(f"{'set':<19}{'docs':>5} {'mode':<9}{'scored':<13}{'P':>7}{'R':>7}{'F1':>7}{'dup':>5}{'sec':>6}")
    for name, docs, mode, focus, p, r, f, dup, seconds in summary:
        print(f"{name:<19}{docs:>5} {mode:<9}{focus:<13}{p:>7.3f}{r:>7.3f}{f:>7.3f}{dup:>5}{seconds:>6.1f}")


if __name__ == "__main__":
    main()
