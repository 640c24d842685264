"""`python -m kgbuild.extraction.training`: rebuild the corpora, train and ship the NER models (seed `--seed`; an
ensemble recipe trains its members with that seed and the next ones)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kgbuild.extraction.mine_datasets import evaluation_titles
from kgbuild.extraction.training.build import (
    DEFAULT_CORPUS,
    DEFAULT_DATA,
    DISTANT_SAMPLE,
    MODELS_DIR,
    RECIPES,
    build_corpora,
    pretrain,
    ship,
    train,
    write_raw_text,
)
from kgbuild.extraction.training.vectors import train_vectors, write_text


def word_vectors(work: Path, corpus: Path, data: Path) -> Path:
    """The floret vectors directory in `work`, trained on the corpus unless present (delete it to retrain).

    Every evaluation paper is left out of the text: the public corpora's and dev_gold's (`data`/../eval).
    """
    output = work / "floret"
    if not (output / "config.cfg").exists():
        count = write_text(corpus, evaluation_titles(data.parent), work / "text.txt")
        print(f"text for word vectors: {count} abstracts")
        train_vectors(work / "text.txt", output)
    return output


def main(argv: list[str] | None = None) -> None:
    """Convert, pretrain once (for the recipes that use it), then train every recipe asked for (all by
    default) and ship."""
    parser = argparse.ArgumentParser(prog="python -m kgbuild.extraction.training", description=__doc__)
    parser.add_argument("models", nargs="*", help=f"recipes to train, from {sorted(RECIPES)} (default: all)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the gold corpora")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="arXiv corpus (negatives, raw text)")
    parser.add_argument("--work", type=Path, default=Path("training"), help="corpora, weights and training runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--convert-only", action="store_true", help="only write the .spacy corpora")
    parser.add_argument("--reuse-pretrained", action="store_true", help="keep existing pretrained weights")
    parser.add_argument("--no-pretrain", action="store_true",
                        help="skip `spacy pretrain` of the brain model's tok2vec (about 37 min on 2 cores)")
    parser.add_argument("--reuse-corpora", action="store_true", help="keep .spacy corpora already in --work")
    parser.add_argument("--distant", type=int, default=DISTANT_SAMPLE, help="distant-supervision DATASET docs")
    parser.add_argument("--max-steps", type=int, default=None, help="override [training] max_steps")
    parser.add_argument("--vectors", action="store_true",
                        help="train floret word vectors on the corpus (about 21 min on 2 cores, kept in --work) and "
                        "train every recipe with them instead of a pretrained tok2vec (implies --no-pretrain); of the "
                        "models in the repository only `corpus` was trained with them (bench/RESULTS.md, eleventh "
                        "and eighteenth sessions)")
    args = parser.parse_args(argv)
    unknown = set(args.models) - set(RECIPES)
    if unknown:
        parser.error(f"unknown recipe(s) {sorted(unknown)}; choose from {sorted(RECIPES)}")
    corpora = args.work / "corpora"
    if not (args.reuse_corpora and corpora.is_dir()):
        for name, count in build_corpora(args.data, args.corpus, corpora, args.distant).items():
            print(f"{name}: {count} docs")
    if args.convert_only:
        return
    recipes = [RECIPES[name] for name in args.models or RECIPES]
    weights: Path | None = args.work / "pretrain" / "model-last.bin"
    if args.no_pretrain or args.vectors:
        weights = None  # pretrained weights fit a tok2vec without static vectors
    elif any(r.pretrained for r in recipes) and not (args.reuse_pretrained and weights.exists()):
        raw = args.work / "raw.jsonl"
        print(f"raw text for pretraining: {write_raw_text(args.corpus, args.data, raw)} abstracts")
        weights = pretrain(raw, weights.parent, seed=args.seed)
    vectors = word_vectors(args.work / "vectors", args.corpus, args.data) \
        if args.vectors or any(r.vectors for r in recipes) else None
    for recipe in recipes:
        bests = [train(recipe, corpora, args.work / "runs" / (f"seed{seed}" if recipe.members > 1 else ""), seed,
                       weights, args.max_steps, vectors if args.vectors or recipe.vectors else None)
                 for seed in range(args.seed, args.seed + recipe.members)]
        if recipe.ship:
            print(f"shipped {ship(bests, recipe.name, MODELS_DIR)}")


if __name__ == "__main__":
    main()
