"""Mine technique names from unlabelled abstracts: lower-case long forms that papers define with a short form.

    python -m kgbuild.extraction.mine_methods [--corpus ../shared/corpus] [--out data/mined_methods.tsv]

Why: curated lists know the techniques of a few fields; papers from everywhere else name theirs in
lower case ("successive convex approximation", "proper orthogonal decomposition"). A phrase that several
independent abstracts introduce with an abbreviation ("... (SCA)") is a name a field uses, not a
description one paper made up;
its last word tells whether it is a technique. The definitions are found by the pipeline's own
abbreviation finder (`abbreviations.find_definitions`, tokenizer and sentencizer only), so a mined long
form has the extent the pipeline would give it.

Precision filter (`select`, applied by `build_lexicons`): a long form is kept when it is defined in at
least `MIN_DOCS` abstracts, ends in a technique head word (`HEADS`) and is not a broad field
(`FIELDS`: "machine learning"). Abstracts whose title is an evaluation title are skipped, as in
`mine_datasets`. The output (`long form<TAB>abstracts defining it<TAB>commonest short form`) keeps every
lower-case long form defined in two abstracts, whatever its head, so the filter can change without
mining again. The full corpus takes about two minutes.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language

from .abbreviations import find_definitions
from .mine_datasets import evaluation_titles, read_corpus, tsv_rows, write_tsv
from .training.paths import SHARED

DATA = Path(__file__).parent / "data"
MINED = DATA / "mined_methods.tsv"
MIN_DOCS = 3

# Last words that make a defined phrase a technique. Not the heads of tasks and problems ("generation",
# "estimation", "planning", "inference": "natural language inference", "channel estimation"), of
# quantities ("loss", "objective") nor of phenomena ("plasticity", "adaptation": "short-term plasticity").
HEADS = frozenset({
    "learning", "propagation", "analysis", "search", "optimization", "optimisation", "regression", "algorithm",
    "descent", "sampling", "distillation", "decomposition", "factorization", "factorisation", "encoding",
    "imaging", "stimulation", "training", "tuning", "fine-tuning", "coding", "clustering", "embedding",
    "minimization", "minimisation", "pruning", "quantization", "augmentation", "normalization",
    "regularization", "method", "procedure", "technique", "prompting", "tomography", "spectroscopy",
    "microscopy", "filtering", "transform", "approximation", "pretraining", "pre-training",
    "programming", "matching", "scheme",
})
# Broad fields, too general to link a paper to, and tasks with a technique head.
FIELDS = frozenset({"machine learning", "deep learning", "supervised learning", "unsupervised learning",
                    "distributed machine learning", "interactive machine learning", "statistical learning",
                    "mobile learning", "data analysis", "sentiment analysis"})
_PHRASE = re.compile(r"[a-z][a-z-]*[a-z](?: [a-z][a-z-]*[a-z])+")
_BRACKETED_CAPITALS = re.compile(r"\([^()]{0,20}[A-Z][^()]{0,20}\)")


def defined_long_forms(nlp: Language, text: str) -> dict[str, str]:
    """Lower-case long forms of 2-6 words that `text` defines, each with the short form it gives."""
    doc = nlp.get_pipe("sentencizer")(nlp.make_doc(text))
    found = {}
    for short, long in find_definitions(doc):
        phrase = re.sub(r" ?- ?", "-", long.text)
        if short.start > long.start and _PHRASE.fullmatch(phrase) and 2 <= len(phrase.split()) <= 6:
            found.setdefault(phrase, short.text)
    return found


def mine(nlp: Language, records: Iterable[tuple[str, str]], min_docs: int = 2) -> list[tuple[str, int, str]]:
    """(long form, abstracts defining it, commonest short form) for long forms defined in `min_docs`."""
    defined: Counter[str] = Counter()
    shorts: dict[str, Counter[str]] = defaultdict(Counter)
    for _, abstract in records:
        if _BRACKETED_CAPITALS.search(abstract):
            for phrase, short in defined_long_forms(nlp, abstract).items():
                defined[phrase] += 1
                shorts[phrase][short] += 1
    return sorted((phrase, n, shorts[phrase].most_common(1)[0][0]) for phrase, n in defined.items()
                  if n >= min_docs)


def read_mined(path: Path = MINED) -> list[tuple[str, int, str]]:
    """(long form, abstracts defining it, short form) rows of the committed mining output."""
    return [(phrase, int(defined), short) for phrase, defined, short in tsv_rows(path)]


def select(rows: Iterable[tuple[str, int, str]], min_docs: int = MIN_DOCS) -> list[str]:
    """The precision filter: technique-headed long forms defined often enough, not broad fields."""
    return [phrase for phrase, defined, _ in rows
            if defined >= min_docs and phrase.split()[-1] in HEADS and phrase not in FIELDS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=MINED)
    args = parser.parse_args()
    from .pipeline import load_pipeline  # here: the resolver imports this module's HEADS through acronyms.py

    rows = mine(load_pipeline("fast"), read_corpus(args.corpus, evaluation_titles(args.shared)))
    write_tsv(args.out, "python -m kgbuild.extraction.mine_methods: lower-case long form, abstracts defining it, "
              "commonest short form", rows)
    print(f"wrote {len(rows)} long forms to {args.out}; {len(select(rows))} pass the precision filter")


if __name__ == "__main__":
    main()
