"""How often the trained NER models are right at each confidence they report.

    .venv/bin/python bench/ner_confidence.py

Each model's entities on documents training never saw (SciERC dev for the scholarly model, the WhiteText
dev split for the brain model), bucketed by the confidence `kgbuild_scored_ner` gives them; an entity is
right when its text is one of the gold names or aliases of its document (untyped, normalised as
../shared/eval/score.py does), so the figures say whether a low confidence flags a doubtful guess.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kgbuild.extraction.pipeline import load_pipeline, make_doc
from kgbuild.extraction.scored_ner import scored_entities
from kgbuild.extraction.training.build import DEFAULT_DATA
from kgbuild.extraction.training.convert import read_jsonl, split_rows
from kgbuild.extraction.training.evaluate import DEFAULT_SCORER
from kgbuild.records import Paper

BUCKETS = (0.0, 0.5, 0.7, 0.85, 0.95, 1.0)


def judged(component: str, rows: list[dict], norm) -> list[tuple[float, bool]]:
    """(confidence, right) of every entity the component finds in `rows`."""
    nlp = load_pipeline("accurate")
    ner = nlp.get_pipe(component)
    docs = [make_doc(nlp, Paper(id=str(i), title=r.get("title", ""), abstract=r.get("abstract", "")))
            for i, r in enumerate(rows)]
    found = []
    for start in range(0, len(docs), 64):
        batch = docs[start:start + 64]
        for entities, row in zip(scored_entities(ner, batch), rows[start:start + 64], strict=True):
            gold = {norm(n) for e in row["entities"] for n in (e["name"], *e.get("aliases", []))}
            found += [(score, norm(ent.text) in gold) for ent, score in entities]
    return found


def table(title: str, found: list[tuple[float, bool]]) -> None:
    print(f"{title}: {len(found)} entities")
    for low, high in zip(BUCKETS, BUCKETS[1:], strict=False):
        chosen = [right for confidence, right in found if low <= confidence < high or high == 1.0 == confidence]
        if chosen:
            print(f"  confidence {low:.2f}-{high:.2f}{len(chosen):>7} entities, {sum(chosen) / len(chosen):.3f} right")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    args = parser.parse_args()
    sys.path.insert(0, str(args.scorer.parent))
    from score import norm  # the shared scorer's normalisation

    table("SciERC dev, ner_scholarly", judged("ner_scholarly", list(read_jsonl(args.data / "scierc" / "dev.jsonl")),
                                             norm))
    _, white_dev = split_rows(read_jsonl(args.data / "whitetext" / "train.jsonl"))
    table("WhiteText dev split, ner_brain", judged("ner_brain", white_dev, norm))


if __name__ == "__main__":
    main()
