"""Scored NER: the trained model's own confidence in each entity it finds.

spaCy's greedy NER picks, token by token, the best valid action of its transition system (B-, I-, L-,
U-, O) and keeps no score. `kgbuild_scored_ner` makes the same decisions in the same order (the same
model scores, the same validity rules, so the entities are identical) and keeps the softmax probability
of each chosen action among the valid ones; an entity's confidence is the product over its tokens. On
SciERC dev the scholarly model's entities with confidence below 0.5 are right about half the time, those
above 0.95 nine times in ten, so a user (and `cypher/curation-candidates.cypher`) can rank the model's
guesses. Rule matches have no confidence.

The component wraps an `ner` component already in the pipeline (which is then disabled), as
`kgbuild_gate` does, and writes `doc.ents` like it plus `doc.user_data[(CONFIDENCE, start, end, label)]`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.pipeline import EntityRecognizer
from spacy.tokens import Doc, Span
from spacy.util import minibatch

CONFIDENCE = "kg:ner_confidence"
NEGLIGIBLE = 9.0
"""Actions scored this far (in logits) below the best add under 2e-4 each to the normaliser: not checked."""


@Language.factory("kgbuild_scored_ner", default_config={"component": ""})
def make_scored_ner(nlp: Language, name: str, component: str) -> ScoredNER:
    return ScoredNER(name, nlp.get_pipe(component))


def action_probabilities(ner: EntityRecognizer, docs: list[Doc]) -> list[list[float]]:
    """Parse `docs` greedily in place (setting `doc.ents`); per Doc, the probability of each action taken.

    The BILUO system takes exactly one action per token, so `result[i][t]` belongs to token t of docs[i].
    """
    moves = ner.moves
    names = [moves.get_class_name(i) for i in range(moves.n_moves)]
    states = moves.init_batch(docs)
    position = {id(state): i for i, state in enumerate(states)}
    taken: list[list[float]] = [[] for _ in docs]
    model = ner.model.predict(docs)
    try:
        while unfinished := [state for state in states if not state.is_final()]:
            scores = model.predict(unfinished)
            ranked = (-scores).argsort(axis=1).tolist()
            for row, order, state in zip(scores.tolist(), ranked, unfinished, strict=True):
                best, top, total = "", 0.0, 0.0
                for action in order:
                    if best and row[action] < top - NEGLIGIBLE:
                        break
                    if moves.is_valid(state, names[action]):
                        if not best:
                            best, top = names[action], row[action]
                        total += math.exp(row[action] - top)
                taken[position[id(state)]].append(1.0 / total)
                moves.apply_transition(state, best)
    finally:
        model.clear_memory()
    ner.set_annotations(docs, states)
    return taken


def scored_entities(ner: EntityRecognizer, docs: list[Doc]) -> list[list[tuple[Span, float]]]:
    """Parse `docs` in place; per Doc, each entity with its confidence (the product over its tokens)."""
    return [[(ent, math.prod(taken[ent.start:ent.end])) for ent in doc.ents]
            for doc, taken in zip(docs, action_probabilities(ner, docs), strict=True)]


class ScoredNER:
    """Runs `ner` and records each entity's confidence beside it in `doc.user_data`."""

    def __init__(self, name: str, ner: EntityRecognizer) -> None:
        self.name = name
        self.ner = ner

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            for doc, entities in zip(batch, scored_entities(self.ner, batch), strict=True):
                for ent, score in entities:
                    key = (CONFIDENCE, ent.start, ent.end, ent.label_)
                    doc.user_data[key] = max(score, doc.user_data.get(key, 0.0))
            yield from batch
