"""What a bare acronym usually stands for, from the definitions in 180,000 corpus abstracts.

Why: the trained NER tags capitalised acronyms as techniques, models or datasets wherever it meets them
("SNR", "UAV", "TCP", "FPGAs"). When an abstract defines its acronym, the definition decides; when it
does not, most such acronyms outside machine learning are quantities, devices, systems or diseases. The
mined definitions (`data/mined_methods.tsv`: lower-case long forms that at least two corpus abstracts
define, each with its commonest short form) say what an acronym stands for in the papers that spell it
out: "UAV" is "unmanned aerial vehicle(s)" or "unmanned air vehicle(s)" in 265 of them, "GA" is
"genetic algorithm(s)" in 99 of 104.

A long form names an entity when its last word is a technique head (`mine_methods.HEADS`) or a data,
model or procedure head (`_OTHER_HEADS`), when it names a neural network or an LSTM, or when the lexicon
lists it as a technique, model or dataset. `entity_share(short)` is the share of defining abstracts that
spell `short` out as such a name; `names_other_thing(long form)` says the corpus defines that long form
and it is none.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from .canonical import canonical_key
from .lexicons import DEFAULT_LEXICON, read_lexicon
from .mine_methods import HEADS, read_mined

SENSE_LABELS = ("METHOD", "MODEL", "DATASET")
MIN_SHARE = 0.5
"""Below this share of entity senses an undefined NER-only acronym is dropped (see resolve.py)."""

# Heads of names that are entities, though mining does not take them as technique heads (`HEADS`): data,
# models and machines, statistical procedures, and the signal-processing techniques of other fields.
_OTHER_HEADS = frozenset({
    "dataset", "corpus", "database", "benchmark", "treebank", "estimator", "autoencoder", "transformer",
    "model", "machine", "filter", "test", "testing", "process", "access", "multiplexing", "modulation",
    "simulation", "queueing", "queuing", "association", "beamforming", "equalization", "cancellation",
    "combining", "correction", "refinement", "check",
})
_NETWORK_PHRASES = ("neural network", "neural net", "convolutional", "adversarial", "recurrent",
                    "short term memory")


@lru_cache(maxsize=1)
def lexicon_keys() -> frozenset[str]:
    """Canonical keys (label-free) of every technique, model and dataset name the lexicon lists."""
    if not DEFAULT_LEXICON.is_file():
        return frozenset()
    return frozenset(canonical_key(row["text"], "") for row in read_lexicon(str(DEFAULT_LEXICON))
                     if row["label"] in SENSE_LABELS)


def names_entity(long_form: str) -> bool:
    """Whether a defined long form is a technique, model or dataset name rather than a thing or quantity."""
    words = long_form.lower().replace("-", " ").split()
    if not words:
        return False
    head = canonical_key(words[-1], "")  # singular: "algorithms" -> "algorithm"
    heads = {words[-1], head, long_form.lower().split()[-1]}  # the last of "fine-tuning" too
    return (bool(heads & HEADS) or head in _OTHER_HEADS or any(p in " ".join(words) for p in _NETWORK_PHRASES)
            or canonical_key(long_form, "") in lexicon_keys())


@lru_cache(maxsize=1)
def _senses() -> tuple[dict[str, float], frozenset[str]]:
    """(acronym key -> entity share, keys of long forms that are defined things), from the mined rows."""
    entity: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    verdicts: dict[str, bool] = {}
    for long_form, defined, short in read_mined():
        key = canonical_key(short, "")
        long_key = canonical_key(long_form, "")
        if long_key not in verdicts:
            verdicts[long_key] = names_entity(long_form)
        verdict = verdicts[long_key]
        total[key] += defined
        entity[key] += defined if verdict else 0
    shares = {key: entity[key] / count for key, count in total.items()}
    return shares, frozenset(key for key, verdict in verdicts.items() if not verdict)


def entity_share(short: str) -> float | None:
    """Share of the mined definitions of `short` (lower-case long forms whose commonest short form it is)
    that spell it out as a technique, model or dataset; None when there are none, or when the lexicon
    lists `short` itself as such a name."""
    key = canonical_key(short, "")
    if key in lexicon_keys():
        return None
    return _senses()[0].get(key)


def names_other_thing(long_form: str) -> bool:
    """Whether corpus abstracts define `long_form` too, as something that is no technique, model or
    dataset ("user equipment", "gestational age", "signal-to-noise ratio")."""
    return canonical_key(long_form, "") in _senses()[1]
