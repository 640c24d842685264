"""Static word vectors for the NER models, trained here on the unlabelled arXiv corpus with floret.

No pretrained vectors can be downloaded, but 180,000 abstracts are at hand. floret (fastText with
hashed subwords, made for spaCy) gives every token a vector, also unseen names such as "ResNeXt-101"
or "parahippocampal", from a small fixed table. The text is tokenized as the training documents are
(`convert.make_nlp`), gold papers are left out, and training on one thread makes the table repeat exactly.
"""

from __future__ import annotations

from pathlib import Path

from kgbuild.extraction.mine_datasets import read_corpus
from kgbuild.extraction.training.convert import make_nlp

DIM = 96
"""Vector width; spaCy's StaticVectors layer projects it to the tok2vec width."""
BUCKETS = 30_000
"""Rows of the hashed table: 30,000 x 96 float32 is 11 MB in each model trained with them."""


def write_text(corpus_dir: Path, skip_titles: set[str], path: Path) -> int:
    """One tokenized abstract (title and text) per line, from every corpus file but the papers titled in
    `skip_titles` (`mine_datasets.evaluation_titles`); returns lines written."""
    nlp = make_nlp()
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = (f"{title}\n{abstract}" for title, abstract in read_corpus(corpus_dir, skip_titles))
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for doc in nlp.tokenizer.pipe(texts, batch_size=1000):
            handle.write(" ".join(t.text for t in doc if not t.is_space) + "\n")
            count += 1
    return count


def train_vectors(text: Path, output: Path) -> Path:
    """Train floret CBOW vectors on `text` and turn them into a spaCy vectors directory (`output`).

    One thread: floret seeds each thread's random numbers by its index, so the result repeats.
    """
    import floret
    import spacy
    from spacy.training.initialize import convert_vectors

    model = floret.train_unsupervised(
        str(text), model="cbow", mode="floret", dim=DIM, bucket=BUCKETS, minn=3, maxn=5, hashCount=2,
        epoch=5, minCount=3, thread=1,
    )
    raw = output.with_suffix(".floret")
    model.save_floret_vectors(str(raw))
    nlp = spacy.blank("en")
    convert_vectors(nlp, raw, truncate=0, prune=-1, mode="floret")
    nlp.to_disk(output)
    return output
