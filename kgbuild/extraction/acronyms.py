"""What a bare acronym usually stands for, from the definitions in 180,000 corpus abstracts.

Why: the trained NER tags capitalised acronyms as techniques, models or datasets wherever it meets them
("SNR", "UAV", "TCP", "FPGAs"). When an abstract defines its acronym, the definition decides; when it
does not, most such acronyms outside machine learning are quantities, devices, systems or diseases. The
mined definitions (`data/mined_methods.tsv`: lower-case long forms that at least two corpus abstracts
define with a short form) say what an acronym stands for in the papers that spell it out: "UAV" is
"unmanned aerial vehicle" in 265 of them, "GA" is "genetic algorithm" in 99 of 104.

`entity_share(short)` is the share of those defining abstracts whose long form is a technique, model or
dataset name: its last word is a technique head (`mine_methods.HEADS`), a data or model head, it names a
neural network, or the lexicon lists it. The resolver drops an undefined NER-only acronym whose share is
below one half, unless the lexicon lists the acronym itself; an acronym the corpus never defines keeps
the NER's word.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache

from .canonical import canonical_key
from .lexicons import DEFAULT_LEXICON
from .mine_datasets import tsv_rows
from .mine_methods import HEADS, MINED

ENTITY_LABELS = ("METHOD", "MODEL", "DATASET")
# Heads of names that are entities too, though not technique heads for mining (`mine_methods.HEADS`):
# data, models, estimators, and the channel-access and simulation techniques of other fields.
_OTHER_HEADS = frozenset({"dataset", "corpus", "database", "benchmark", "treebank", "estimator", "autoencoder",
                          "transformer", "access", "multiplexing", "modulation", "simulation", "queueing",
                          "queuing", "association", "beamforming", "equalization", "testing"})
_NETWORK_WORDS = frozenset({"neural", "convolutional", "adversarial", "recurrent", "short-term", "short"})


def short_key(short: str) -> str:
    """"SNRs" and "SNR" are one acronym."""
    return short[:-1] if len(short) > 2 and short.endswith("s") and short[:-1].isupper() else short


@lru_cache(maxsize=1)
def _lexicon_keys() -> frozenset[str]:
    if not DEFAULT_LEXICON.is_file():
        return frozenset()
    with DEFAULT_LEXICON.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return frozenset(canonical_key(row["text"], "") for row in rows if row["label"] in ENTITY_LABELS)


def names_entity(long_form: str) -> bool:
    """Whether a defined long form is a technique, model or dataset name rather than a thing or quantity."""
    words = long_form.split()
    head = canonical_key(words[-1], "")
    return (words[-1] in HEADS or head in _OTHER_HEADS or not _NETWORK_WORDS.isdisjoint(words)
            or canonical_key(long_form, "") in _lexicon_keys())


@lru_cache(maxsize=1)
def _shares() -> dict[str, float]:
    entity: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for long_form, defined, short in tsv_rows(MINED):
        key = short_key(short)
        total[key] += int(defined)
        if names_entity(long_form):
            entity[key] += int(defined)
    return {key: entity[key] / count for key, count in total.items()}


def entity_share(short: str) -> float | None:
    """Share of the corpus abstracts defining `short` that define it as a named technique, model or dataset;
    None when no two corpus abstracts define it or the lexicon lists `short` itself as one."""
    if canonical_key(short_key(short), "") in _lexicon_keys():
        return None
    return _shares().get(short_key(short))


@lru_cache(maxsize=1)
def _things() -> frozenset[str]:
    return frozenset(canonical_key(long_form, "") for long_form, _, _ in tsv_rows(MINED)
                     if not names_entity(long_form))


def names_other_thing(long_form: str) -> bool:
    """Whether corpus abstracts define `long_form` too, as something that is no technique, model or
    dataset ("user equipment", "gestational age", "signal-to-noise ratio")."""
    return canonical_key(long_form, "") in _things()
