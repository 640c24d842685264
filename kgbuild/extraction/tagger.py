"""A fine-tuned transformer as a BIO tagger: the brain NER's third voter, unlike the two spaCy models.

The brain-region models are spaCy CNNs; two of them trained differently still make many of the same
mistakes, so a vote of them gains little (bench/RESULTS.md, twenty-first session). A transformer encoder
fine-tuned on the brain model's training documents with a linear O/B/I head (`bench/finetune_brain.py --save`)
errs elsewhere. The shipped one is BGE-small v1.5 (12 layers; `encoder.BGE_SMALL`): alone it is the best of
the three on WhiteText held-out (0.794 against 0.772 and 0.758; MiniLM-L6, fine-tuned the same way, 0.752),
so the vote keeps its confident spans without a second vote (`pipeline.TRUSTED`, `vote.NerVote`).

Only the fine-tuned weights ship (float16, named as in the encoder's ONNX file, the frozen word embeddings
left out, with the encoder's name under `ENCODER`): onnxruntime lays them over that encoder fetched from Maven
Central (`SessionOptions.add_initializer`), and the head is a matrix product here. Title and abstract are
tagged apart, in windows of whole words of at most `PIECES` word pieces, each word read at its first piece;
the tags are the best BIO path (Viterbi) after `b_bias` is added to every B score (below 0: fewer, surer
spans). A span's confidence is the product of its tokens' tag probabilities, as `kgbuild_scored_ner` gives one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span
from tokenizers import Tokenizer

from .encoder import ENCODERS, fetch_encoder, last_hidden_states, load_tokenizer, open_session
from .scored_ner import CONFIDENCE

TAGS = ("O", "B", "I")
PIECES = 254
"""Word pieces per window (the encoder reads 512; training used windows this long)."""
WEIGHTS = "weights.npz"
HEAD = ("head.weight", "head.bias")
ENCODER = "encoder"
"""The entry of the weights file naming the encoder (`encoder.ENCODERS`) the weights were fine-tuned from."""
UNREAD = -20.0
"""Log-probability of B and I for a token without a word piece (whitespace): it is outside."""


@Language.factory("kgbuild_transformer_tagger",
                  default_config={"model": "", "label": "BRAIN_REGION", "spans_key": "cand:ner_tagger",
                                  "b_bias": -2.0})
def make_tagger(nlp: Language, name: str, model: str, label: str, spans_key: str, b_bias: float) -> TransformerTagger:
    return TransformerTagger(name, Path(model), label, spans_key, b_bias)


def windows(tokenizer: Tokenizer, words: list[str], tags: list[int] | None = None
            ) -> list[tuple[list[int], list[int], list[tuple[int, int]]]]:
    """Split `words` between words into windows of at most `PIECES` pieces: per window its piece ids, the
    piece labels (a word's tag on its first piece, -100 elsewhere) and the (piece, word) of each first piece."""
    encoded = tokenizer.encode(words, is_pretokenized=True).word_ids
    counts = numpy.bincount([w for w in encoded if w is not None], minlength=len(words))
    result, start = [], 0
    while start < len(words):
        end, total = start, 0
        while end < len(words) and total + max(counts[end], 1) <= PIECES:
            total, end = total + max(counts[end], 1), end + 1
        end = max(end, start + 1)
        encoding = tokenizer.encode(words[start:end], is_pretokenized=True)
        labels, first, previous = [], [], None
        for index, word in enumerate(encoding.word_ids):
            if word is None or word == previous:
                labels.append(-100)
            else:
                first.append((index, start + word))
                labels.append(tags[start + word] if tags else -100)
            previous = word if word is not None else previous
        result.append((encoding.ids, labels, first))
        start = end
    return result


def viterbi(logp: numpy.ndarray) -> list[int]:
    """The best tag path through per-token O/B/I log-probabilities where I never follows O or starts it."""
    forbid = numpy.zeros((3, 3))
    forbid[0, 2] = -1e9
    score, back = logp[0] + numpy.array([0.0, 0.0, -1e9]), []
    for row in logp[1:]:
        candidates = score[:, None] + forbid + row[None, :]
        back.append(candidates.argmax(0))
        score = candidates.max(0)
    path = [int(score.argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return path[::-1]


def bio_spans(path: list[int]) -> list[tuple[int, int]]:
    """(start, end) token ranges of the spans a BIO path marks."""
    spans, start = [], None
    for index, tag in enumerate([*path, 0]):
        if start is not None and tag != 2:
            spans.append((start, index))
            start = None
        if tag == 1:
            start = index
    return spans


class TransformerTagger:
    """Writes the spans the fine-tuned encoder tags as `label` into `doc.spans[spans_key]`."""

    def __init__(self, name: str, model: Path, label: str, spans_key: str, b_bias: float) -> None:
        from .pipeline import ExtractionError

        if not (model / WEIGHTS).is_file():
            raise ExtractionError(f"{model} has no {WEIGHTS}: rebuild it with bench/finetune_brain.py --save")
        self.name, self.label, self.spans_key, self.b_bias = name, label, spans_key, b_bias
        weights = dict(numpy.load(model / WEIGHTS))
        spec = ENCODERS.get(str(weights.pop(ENCODER, "")))
        if spec is None:
            raise ExtractionError(f"{model / WEIGHTS} names no encoder kgbuild knows: rebuild it with "
                                  "bench/finetune_brain.py --save")
        self.head_weight, self.head_bias = (weights.pop(key).astype(numpy.float32) for key in HEAD)
        directory = fetch_encoder(spec=spec)
        self.session = open_session(directory, spec, overlay=weights)
        self.tokenizer = load_tokenizer(directory, spec)

    def __call__(self, doc: Doc) -> Doc:
        start = doc._.kg_abstract_start or 0
        boundary = next((t.i for t in doc if t.idx >= start), len(doc)) if start else 0
        spans = []
        for part in (doc[:boundary], doc[boundary:]):
            spans.extend(self._tag(doc, part))
        doc.spans[self.spans_key] = spans
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    def log_probabilities(self, words: list[str]) -> numpy.ndarray:
        """Per word, the log-probabilities of O, B and I, read at the word's first piece."""
        logp = numpy.full((len(words), len(TAGS)), UNREAD, dtype=numpy.float32)
        logp[:, 0] = 0.0
        for ids, _labels, first in windows(self.tokenizer, words):
            logits = last_hidden_states(self.session, ids) @ self.head_weight + self.head_bias
            rows = logits - numpy.logaddexp.reduce(logits, axis=1, keepdims=True)
            pieces, targets = zip(*first, strict=True) if first else ((), ())
            logp[list(targets)] = rows[list(pieces)]
        return logp

    def _tag(self, doc: Doc, part: Span) -> list[Span]:
        if not len(part):
            return []
        logp = self.log_probabilities([t.text for t in part])
        path = viterbi(logp + numpy.array([0.0, self.b_bias, 0.0]))
        spans = []
        for begin, end in bio_spans(path):
            span = Span(doc, part.start + begin, part.start + end, label=self.label)
            chosen = [logp[begin, 1], *logp[begin + 1:end, 2]]
            key = (CONFIDENCE, span.start, span.end, self.label)
            doc.user_data[key] = max(float(numpy.exp(sum(chosen))), doc.user_data.get(key, 0.0))
            spans.append(span)
        return spans
