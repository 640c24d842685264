"""Score the shipped NER models on held-out splits with the shared eval/score.py and print figures.

    .venv/bin/python bench/ner_eval.py [--baseline training/runs/scierc_baseline/model-best]
        [--plain training/runs/scierc_plain/model-best [MORE ...]]

The baselines are trained by `python -m kgbuild.extraction.training scierc_baseline scierc_plain` (not shipped):
`scierc_baseline` with the scholarly model's label mapping, `scierc_plain` with SciERC's own six labels, unnamed
materials included (a plain spaCy NER trained on SciERC train alone; several `--plain` models, trained with
other seeds, are scored each alone and as a majority vote, as the corpus ensemble is). The shipped `corpus` model
is the one to set beside them: it learned the same conventions.

Splits are the ones training never sees: WhiteText and SciREX dev (hash of doc_id, 15%) and
SciERC dev. Also counts BRAIN_REGION false alarms on ML abstracts the brain model never saw.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import spacy

from kgbuild.extraction.training.build import DEFAULT_CORPUS, DEFAULT_DATA, MODELS_DIR, ship
from kgbuild.extraction.training.convert import (
    brain_free,
    read_jsonl,
    sample_corpus,
    split_rows,
    with_kgbuild_tokenizer,
)
from kgbuild.extraction.training.evaluate import DEFAULT_SCORER, load_model, predict_rows, score

SCHOLARLY_MAPS = ["Method=METHOD,MODEL", "Material=DATASET", "Task=TASK", "Metric=METRIC"]
UNTYPED_MAPS = ["Method=METHOD,MODEL", "Material=DATASET"]


def line(name: str, result: dict, key: str) -> str:
    """One row: P/R/F1 and counts of one type (or 'micro'/'untyped')."""
    row = result["micro"] if key == "micro" else result["untyped"] if key == "untyped" else result["types"][key]
    return f"  {name:<44}{row['p']:>7.3f}{row['r']:>7.3f}{row['f']:>7.3f}{row['pred']:>7}{row['gold']:>7}"


def report(title: str, nlp, gold: list[dict], maps: list[str], keys: list[str], scorer: Path) -> dict:
    """Predict, score and print selected rows."""
    start = time.perf_counter()
    pred = predict_rows(nlp, gold)
    seconds = time.perf_counter() - start
    result = score(pred, gold, maps, scorer)
    print(f"{title}  ({len(gold)} docs, {seconds:.1f} s)   --map {' --map '.join(maps)}")
    for key in keys:
        if key in ("micro", "untyped") or key in result["types"]:
            print(line(key, result, key))
    return result


def false_alarms(nlp, rows: list[dict]) -> None:
    """BRAIN_REGION predictions on ML abstracts with no neuro vocabulary: all of them are wrong."""
    pred = predict_rows(nlp, rows)
    texts = Counter(e["name"] for p in pred for e in p["entities"] if e["type"] == "BRAIN_REGION")
    docs = sum(any(e["type"] == "BRAIN_REGION" for e in p["entities"]) for p in pred)
    print(
        f"brain false alarms on {len(rows)} unseen ML abstracts: {sum(texts.values())} in {docs} docs;"
        f" most common: {texts.most_common(8)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=MODELS_DIR)
    parser.add_argument("--baseline", type=Path, default=Path("training/runs/scierc_baseline/model-best"))
    parser.add_argument("--plain", type=Path, nargs="+", default=[Path("training/runs/scierc_plain/model-best")])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    args = parser.parse_args()
    header = f"  {'':<44}{'P':>7}{'R':>7}{'F1':>7}{'pred':>7}{'gold':>7}"

    _, white_dev = split_rows(read_jsonl(args.data / "whitetext" / "train.jsonl"))
    _, scirex_dev = split_rows(read_jsonl(args.data / "scirex" / "train.jsonl"))
    scierc_dev = list(read_jsonl(args.data / "scierc" / "dev.jsonl"))

    brain = load_model(args.models / "brain")
    print(header)
    report("WhiteText dev / brain", brain, white_dev, ["BrainRegion=BRAIN_REGION"], ["BRAIN_REGION"], args.scorer)
    pred = predict_rows(brain, white_dev)
    gated = [{**p, "entities": []} if brain_free(r) else p for p, r in zip(pred, white_dev, strict=True)]
    result = score(gated, white_dev, ["BrainRegion=BRAIN_REGION"], args.scorer)
    print("WhiteText dev / brain, gated on region vocabulary (convert.brain_free)")
    print(line("BRAIN_REGION", result, "BRAIN_REGION"))
    unseen = sample_corpus(args.corpus / "abstracts-cs_ml-01.jsonl.gz", every=7, limit=400, keep=brain_free)
    false_alarms(brain, unseen)

    scholarly = load_model(args.models / "scholarly")
    report(
        "SciREX dev / scholarly",
        scholarly,
        scirex_dev,
        SCHOLARLY_MAPS,
        ["DATASET", "METHOD/MODEL", "TASK", "METRIC", "micro", "untyped"],
        args.scorer,
    )
    report(
        "SciERC dev / scholarly (untyped map)",
        scholarly,
        scierc_dev,
        UNTYPED_MAPS,
        ["DATASET", "METHOD/MODEL", "untyped"],
        args.scorer,
    )
    report(
        "SciERC dev / scholarly (all four)", scholarly, scierc_dev, SCHOLARLY_MAPS, ["micro", "untyped"], args.scorer
    )
    corpus = load_model(args.models / "corpus")
    report("SciERC dev / corpus (untyped map; the members' majority vote)", corpus, scierc_dev, UNTYPED_MAPS,
           ["DATASET", "METHOD/MODEL", "untyped"], args.scorer)
    members = [name for name in corpus.pipe_names if corpus.get_pipe_meta(name).factory == "ner"]
    for member in members if len(members) > 1 else []:
        alone = with_kgbuild_tokenizer(spacy.load(args.models / "corpus", exclude=[m for m in members if m != member]))
        report(f"SciERC dev / {member} alone", alone, scierc_dev, UNTYPED_MAPS, ["untyped"], args.scorer)
    baselines = [("baseline", args.baseline, "scierc_baseline")]
    baselines += [(f"plain {i}" if len(args.plain) > 1 else "plain", path, "scierc_plain")
                  for i, path in enumerate(args.plain)]
    for name, path, recipe in baselines:
        if not (path / "meta.json").exists():
            print(f"no {name} model at {path}: train it with `python -m kgbuild.extraction.training {recipe}`")
            continue
        model = load_model(path)
        report(f"SciERC dev / {name} (SciERC train only)", model, scierc_dev, UNTYPED_MAPS,
               ["DATASET", "METHOD/MODEL", "untyped"], args.scorer)
        report(f"SciREX dev / {name} (SciERC train only)", model, scirex_dev, SCHOLARLY_MAPS,
               ["DATASET", "micro", "untyped"], args.scorer)
    if len(args.plain) > 1 and all((path / "meta.json").exists() for path in args.plain):
        with tempfile.TemporaryDirectory() as tmp:
            vote = load_model(ship(args.plain, "plain", Path(tmp)))
            report("SciERC dev / plain models' majority vote", vote, scierc_dev, UNTYPED_MAPS, ["untyped"],
                   args.scorer)


if __name__ == "__main__":
    main()
