"""Distant supervision for DATASET: names harvested from raw abstracts, then located in more text.

SciREX has only a few hundred dataset mentions. Phrases like "on the X dataset" in the arXiv corpus
name thousands more; a name that is followed by "dataset"/"benchmark"/"corpus" in a good share of
its occurrences is a dataset name. Abstracts where such names occur become extra training docs in
which only those names are annotated and every other token stays missing (no false negatives).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from kgbuild.extraction.training.convert import FIELDS, LABEL_MAPS, annotate, locate, named

_NAME = r"(?:[A-Z][\w\-.]*\w|[A-Z0-9]{2,}[\w\-]*)"
_BEFORE_DATA_WORD = re.compile(
    rf"\b({_NAME}(?:[ \-](?:[A-Z0-9][\w\-.]*\w|\d+))*)\s+(?:data ?sets?|benchmarks?|corpus|corpora|databases?)\b"
)
MIN_COUNT = 2
MIN_SHARE = 0.12
"""A harvested name must precede a data word at least twice and in >= 12% of its occurrences
(MNIST 0.21, ImageNet 0.20, Penn Treebank 0.12; but NLP 0.01, RL 0.01, "The" 0.01)."""


_WORD = re.compile(r"\w[\w\-]*")


def _ordinary_word_first(name: str, words: Counter) -> bool:
    """True if the name starts with a capitalised ordinary word ("Robust", "Using", "Found" ...):
    one that is written in lower case more often than capitalised in the same texts."""
    first = name.split()[0]
    if not (first[0].isupper() and first[1:].islower() and first.isalpha()):
        return False
    return words[first.lower()] >= words[first]


def harvest_dataset_names(texts: Iterable[str]) -> dict[str, str]:
    """Names that behave like dataset names in `texts` (pattern counts, then share of occurrences)."""
    texts = list(texts)
    before = Counter(m.group(1) for text in texts for m in _BEFORE_DATA_WORD.finditer(text))
    words = Counter(word for text in texts for word in _WORD.findall(text))
    names: dict[str, str] = {}
    for name, count in before.items():
        if count < MIN_COUNT or not named(name) or _ordinary_word_first(name, words):
            continue
        pattern = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")
        total = sum(len(pattern.findall(text)) for text in texts if name in text)
        if count / total >= MIN_SHARE:
            names[name] = "DATASET"
    return names


def distant_docs(nlp: Language, rows: Iterable[dict], names: dict[str, str], minimum: int = 1) -> Iterator[Doc]:
    """Unlabelled text annotated only where a known name occurs; every other token stays missing.

    Distant supervision: it shows the model many more contexts of (say) dataset names without
    claiming that the rest of the text holds no entity.
    """
    entities = [{"name": name, "type": label} for name, label in names.items()]
    identity = {label: label for label in set(names.values())}
    for row in rows:
        for name in FIELDS:
            text = row.get(name) or ""
            if not any(known in text for known in names):  # cheap filter before the regexes
                continue
            spans = locate(text, entities, identity, exact=True)
            if len(spans) >= minimum:
                yield annotate(nlp.make_doc(text), spans, default="missing")


def gazetteer(rows: Iterable[dict], corpus: str, label: str) -> dict[str, str]:
    """Named forms of every gold entity whose corpus type maps to `label`."""
    label_map = LABEL_MAPS[corpus]
    return {
        form: label
        for row in rows
        for entity in row["entities"]
        if label_map.get(entity["type"]) == label
        for form in [entity["name"], *entity.get("aliases", [])]
        if named(form)
    }
