"""A majority vote of NER models trained alike: a span is a candidate when most of them found it.

Models trained on the same data with different seeds agree on most right spans and disagree on many wrong
ones, so keeping the spans most of them found raises precision at a small cost in recall (bench/RESULTS.md,
nineteenth session). A shipped model directory with several `ner` components is sourced as such an
ensemble (`pipeline._add_ner`): each member writes its own candidate group and `kgbuild_ner_vote` replaces
them by one group named for the directory, so provenance names the ensemble ("ner_corpus"). A member's
confidence in a span stays where `kgbuild_scored_ner` put it (the highest of the members that found it).

A member that is better alone than the others can be `trusted`: its spans it is at least that confident in are
kept without a second vote (the brain tagger, `pipeline.TRUSTED`).
"""

from __future__ import annotations

from collections import Counter

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .scored_ner import CONFIDENCE


@Language.factory("kgbuild_ner_vote",
                  default_config={"members": [], "spans_key": "cand:ner", "min_votes": 0, "set_ents": False,
                                  "trusted": {}})
def make_ner_vote(nlp: Language, name: str, members: list[str], spans_key: str, min_votes: int,
                  set_ents: bool, trusted: dict[str, float]) -> NerVote:
    return NerVote(name, members, spans_key, min_votes, set_ents, trusted)


class NerVote:
    """Replaces the span groups `members` by one group `spans_key` of the spans (same tokens, same label)
    found by at least `min_votes` of them (0 means a majority), and of the spans of a `trusted` member whose
    confidence is at least its value there (the confidence `kgbuild_scored_ner` keeps: the highest of the
    members that found the span, which is the trusted member's own unless another member seconded it). A
    majority alone never keeps two overlapping spans (each member found at most one of them); a trusted span
    may overlap a voted one, and resolution picks between them as between any candidates. `set_ents` also
    makes the spans `doc.ents`, to score the ensemble on its own (`training.evaluate.load_model`)."""

    def __init__(self, name: str, members: list[str], spans_key: str, min_votes: int = 0,
                 set_ents: bool = False, trusted: dict[str, float] | None = None) -> None:
        self.name = name
        self.members = list(members)
        self.spans_key = spans_key
        self.min_votes = min_votes or len(self.members) // 2 + 1
        self.set_ents = set_ents
        self.trusted = dict(trusted or {})

    def __call__(self, doc: Doc) -> Doc:
        votes: Counter[tuple[int, int, str]] = Counter()
        kept: set[tuple[int, int, str]] = set()
        for key in self.members:
            found = {(span.start, span.end, span.label_) for span in doc.spans.pop(key, [])}
            votes.update(found)
            if key in self.trusted:
                kept.update(k for k in found if doc.user_data.get((CONFIDENCE, *k), 0.0) >= self.trusted[key])
        kept.update(k for k, count in votes.items() if count >= self.min_votes)
        doc.spans[self.spans_key] = [Span(doc, start, end, label=label) for start, end, label in sorted(kept)]
        if self.set_ents:
            doc.ents = filter_spans(doc.spans[self.spans_key])  # a minority vote may keep overlapping spans
        return doc
