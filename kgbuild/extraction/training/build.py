"""Rebuild the shipped NER models from the public gold corpora: convert, pretrain, train, copy.

Everything is deterministic: splits come from a hash of each document id, corpus samples from
fixed positions in the corpus files, and spaCy pretrains and trains with a fixed seed.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import tempfile
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from kgbuild.extraction.training.convert import (
    brain_free,
    convert_rows,
    make_nlp,
    negative_docs,
    read_jsonl,
    sample_corpus,
    save,
    split_rows,
)
from kgbuild.extraction.training.distant import distant_docs, gazetteer, harvest_dataset_names
from kgbuild.extraction.training.paths import SHARED

HERE = Path(__file__).parent
MODELS_DIR = HERE.parent / "models"
DEFAULT_DATA = SHARED / "eval-data"
DEFAULT_CORPUS = SHARED / "corpus"
ML_FILE = "abstracts-cs_ml-00.jsonl.gz"
NEGATIVE_SAMPLE = 900
"""ML abstracts (no neuro vocabulary) that teach the brain model what is *not* a region."""
DISTANT_SAMPLE = 0
"""ML abstracts where a harvested dataset name occurs, added as DATASET-only docs (rest missing).
Off by default: with 800 such docs the scholarly model scored lower on SciREX dev after 2,000 steps
(DATASET P 0.27 R 0.29 vs 0.57/0.31 without); enable with --distant N to experiment."""
PRETRAIN_SOURCES = {"abstracts-neuro-00.jsonl.gz": None, "abstracts-qbio-00.jsonl.gz": 10_000}
"""Raw text for `spacy pretrain` of the brain model's tok2vec (in-domain: neuroscience and biology):
corpus file -> about how many records (None: all), spread evenly over the file; plus the WhiteText
training documents (never the held-out ones)."""
PRETRAIN_SHUFFLE_SEED = 0


@dataclass(frozen=True)
class Recipe:
    """One model: its config, its train/dev corpora (names in the work dir) and where it ships."""

    name: str
    config: str
    train: str
    dev: str
    ship: bool = True
    pretrained: bool = True
    vectors: bool = False
    """Train with the floret word vectors (`vectors.train_vectors`) instead of a pretrained tok2vec."""
    members: int = 1
    """Models trained with consecutive seeds and shipped together as a majority-vote ensemble (`vote.py`)."""
    encoder: bool = False
    """The tok2vec also reads a frozen pretrained transformer encoder's features (`encoder.py`)."""


RECIPES: dict[str, Recipe] = {
    "brain": Recipe("brain", "brain.cfg", "brain-train.spacy", "brain-dev.spacy"),
    # The brain model on the frozen encoder's features instead of a pretrained tok2vec: not better alone (0.763
    # against 0.769), but one of the brain NER's voters in accurate mode (pipeline.VOTERS; the other is
    # models/brain_tagger, from bench/finetune_brain.py).
    "brain_encoder": Recipe("brain_encoder", "brain.cfg", "brain-train.spacy", "brain-dev.spacy",
                            pretrained=False, encoder=True),
    # the shipped scholarly model was trained without pretraining (the raw text is neuroscience)
    "scholarly": Recipe("scholarly", "scholarly.cfg", "scholarly-train.spacy", "scholarly-dev.spacy",
                        pretrained=False),
    # SciERC alone, plain: the baseline the scholarly model must beat (measured in bench/ner_eval.py).
    "scierc_baseline": Recipe(
        "scierc_baseline", "scholarly.cfg", "scierc-train.spacy", "scierc-dev.spacy", ship=False, pretrained=False
    ),
    # SciERC alone with its own six labels, unnamed materials included: the plainest baseline.
    "scierc_plain": Recipe(
        "scierc_plain", "scholarly.cfg", "scierc-plain-train.spacy", "scierc-plain-dev.spacy", ship=False,
        pretrained=False,
    ),
    # SciERC's own labels and SciREX, with word vectors and a frozen pretrained encoder's features: the model
    # of the "corpus" mode, which annotates the way the public corpora do (descriptive phrases and unnamed
    # materials too).
    "corpus": Recipe("corpus", "scholarly.cfg", "corpus-train.spacy", "corpus-dev.spacy", pretrained=False,
                     vectors=True, members=3, encoder=True),
}


def load_gold(data_dir: Path) -> dict[str, tuple[list[dict], list[dict]]]:
    """(train, dev) rows per corpus; WhiteText and SciREX split by hash of doc_id, SciERC as shipped."""
    return {
        "whitetext": split_rows(read_jsonl(data_dir / "whitetext" / "train.jsonl")),
        "scirex": split_rows(read_jsonl(data_dir / "scirex" / "train.jsonl")),
        "scierc": (
            list(read_jsonl(data_dir / "scierc" / "train.jsonl")),
            list(read_jsonl(data_dir / "scierc" / "dev.jsonl")),
        ),
    }


def build_corpora(
    data_dir: Path, corpus_dir: Path, out_dir: Path, distant_sample: int = DISTANT_SAMPLE
) -> dict[str, int]:
    """Write every .spacy file the recipes need into `out_dir`; returns doc counts per file."""
    nlp = make_nlp()
    gold = load_gold(data_dir)
    (white_train, white_dev), (scirex_train, scirex_dev), (scierc_train, scierc_dev) = (
        gold["whitetext"],
        gold["scirex"],
        gold["scierc"],
    )
    every_gold = [row for train, dev in gold.values() for row in train + dev]
    ml_file = corpus_dir / ML_FILE
    negatives = [r for r in scierc_train + scirex_train if brain_free(r)]
    distant: list = []
    if ml_file.exists():
        negatives += sample_corpus(ml_file, every=25, limit=NEGATIVE_SAMPLE, exclude=every_gold)
    if ml_file.exists() and distant_sample:
        rows = sample_corpus(ml_file, every=1, limit=10**6, keep=lambda r: True, exclude=every_gold)
        names = harvest_dataset_names(r["abstract"] for r in rows) | gazetteer(scirex_train, "scirex", "DATASET")
        distant = list(islice(distant_docs(nlp, rows[::7], names), distant_sample))
    plain_train = list(convert_rows(nlp, scierc_train, "scierc_plain"))  # SciERC as annotated: baseline and corpus
    plain_dev = list(convert_rows(nlp, scierc_dev, "scierc_plain"))
    files = {
        "brain-train.spacy": [*convert_rows(nlp, white_train, "whitetext"), *negative_docs(nlp, negatives)],
        "brain-dev.spacy": [
            *convert_rows(nlp, white_dev, "whitetext"),
            *negative_docs(nlp, [r for r in scierc_dev if brain_free(r)]),
        ],
        "scholarly-train.spacy": [
            *convert_rows(nlp, scierc_train, "scierc"),
            *convert_rows(nlp, scirex_train, "scirex"),
            *distant,
        ],
        "scholarly-dev.spacy": [*convert_rows(nlp, scierc_dev, "scierc"), *convert_rows(nlp, scirex_dev, "scirex")],
        "scierc-train.spacy": list(convert_rows(nlp, scierc_train, "scierc")),
        "scierc-dev.spacy": list(convert_rows(nlp, scierc_dev, "scierc")),
        "scierc-plain-train.spacy": plain_train,
        "scierc-plain-dev.spacy": plain_dev,
        "corpus-train.spacy": [*plain_train, *convert_rows(nlp, scirex_train, "scirex")],
        "corpus-dev.spacy": [*plain_dev, *convert_rows(nlp, scirex_dev, "scirex")],
    }
    return {name: save(docs, out_dir / name) for name, docs in files.items()}


def write_raw_text(corpus_dir: Path, data_dir: Path, path: Path) -> int:
    """Raw abstracts for pretraining, shuffled with a fixed seed (spaCy reads them in file order);
    no gold dev/test paper among them. Returns how many."""
    gold = load_gold(data_dir)
    every_gold = [row for train, dev in gold.values() for row in train + dev]
    rows = []
    for name, wanted in PRETRAIN_SOURCES.items():
        if not (corpus_dir / name).exists():
            continue
        every = 1 if wanted is None else max(1, sum(1 for _ in read_jsonl(corpus_dir / name)) // wanted)
        rows += sample_corpus(corpus_dir / name, every, wanted or 10**7, keep=lambda r: True, exclude=every_gold)
    rows += gold["whitetext"][0]
    random.Random(PRETRAIN_SHUFFLE_SEED).shuffle(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            text = "\n\n".join(part for part in (row.get("title") or "", row.get("abstract") or "") if part.strip())
            if text.strip():
                handle.write(json.dumps({"text": text}) + "\n")
                count += 1
    return count


def pretrain(raw_text: Path, output: Path, seed: int = 0) -> Path:
    """`spacy pretrain` the tok2vec shared by both configs (same architecture); returns the weights file."""
    from spacy.training.pretrain import pretrain as spacy_pretrain
    from spacy.util import load_config

    import kgbuild.extraction.tokenizer  # noqa: F401  registers kgbuild.sci_tokenizer.v1

    # the raw text is tokenized as the training documents are (convert.make_nlp), not by spaCy's default
    overrides = {"paths.raw_text": str(raw_text), "system.seed": seed,
                 "nlp.tokenizer": {"@tokenizers": "kgbuild.sci_tokenizer.v1"}}
    config = load_config(HERE / "brain.cfg", overrides=overrides, interpolate=True)
    output.mkdir(parents=True, exist_ok=True)
    spacy_pretrain(config, output, use_gpu=-1, silent=False)
    return output / "model-last.bin"


def train(
    recipe: Recipe,
    corpora_dir: Path,
    runs_dir: Path,
    seed: int = 0,
    init_tok2vec: Path | None = None,
    max_steps: int | None = None,
    vectors: Path | None = None,
) -> Path:
    """Train one recipe with spaCy's own training loop on CPU; returns its model-best directory.

    With `vectors` (a spaCy vocab directory, `vectors.train_vectors`), the tok2vec also reads them.
    """
    from spacy.cli.train import train as spacy_train

    output = runs_dir / recipe.name
    overrides: dict = {
        "paths.train": str(corpora_dir / recipe.train),
        "paths.dev": str(corpora_dir / recipe.dev),
        "system.seed": seed,
    }
    if max_steps is not None:
        overrides["training.max_steps"] = max_steps
    if vectors is not None:
        overrides["paths.vectors"] = str(vectors)
        overrides["components.tok2vec.model.embed.include_static_vectors"] = True
    if recipe.encoder:
        overrides["components.tok2vec.model.embed.@architectures"] = "kgbuild.EncoderHashEmbed.v1"
    if init_tok2vec is not None and recipe.pretrained:
        overrides["paths.init_tok2vec"] = str(init_tok2vec)
    spacy_train(HERE / recipe.config, output, overrides=overrides, use_gpu=-1)
    return output / "model-best"


def ship(model_bests: list[Path], name: str, models_dir: Path = MODELS_DIR) -> Path:
    """Save trained pipelines into the package as self-contained NER components.

    One model is the component `ner_<name>` (what provenance shows); several, trained alike with other seeds,
    are the members `ner_<name>_s0`, `ner_<name>_s1`, ... of one pipeline sharing one vocabulary and its word
    vectors, which extraction sources as a majority-vote ensemble (`vote.py`). Only the pipeline is written
    (no checkpoints).
    """
    import spacy

    target = models_dir / name
    components = [f"ner_{name}"] if len(model_bests) == 1 else [f"ner_{name}_s{i}" for i in range(len(model_bests))]
    with tempfile.TemporaryDirectory() as tmp:
        parts = [_component_only(path, component, Path(tmp) / component)
                 for path, component in zip(model_bests, components, strict=True)]
        nlp = spacy.load(parts[0])
        for part, model_best, component in zip(parts[1:], model_bests[1:], components[1:], strict=True):
            member = spacy.load(part)
            if member.vocab.vectors != nlp.vocab.vectors:
                raise ValueError(f"{model_best} was trained with other word vectors than {model_bests[0]}")
            nlp.add_pipe(component, source=member)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        nlp.to_disk(target)
    return target


def _component_only(model_best: Path, component: str, out: Path) -> Path:
    """Write the trained pipeline at `model_best` to `out` as its NER alone, named `component`: the shared
    tok2vec is copied into the NER (`replace_listeners`) and removed, so the NER can be sourced on its own."""
    import spacy

    nlp = spacy.load(model_best)
    [trained] = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == "ner"]
    resolved = nlp.config.interpolate()
    if "tok2vec" in nlp.pipe_names:
        nlp.replace_listeners("tok2vec", trained, ["model.tok2vec"])
        nlp.remove_pipe("tok2vec")
    if trained != component:
        nlp.rename_pipe(trained, component)  # the corpus recipe trains scholarly.cfg's ner_scholarly
    nlp.to_disk(out)
    _resolve_references(out / "config.cfg", resolved)
    return out


def _resolve_references(config_path: Path, resolved: dict) -> None:
    """Replace `${section.key}` references (to the removed tok2vec) by their values."""

    def value(match: re.Match[str]) -> str:
        node = resolved
        for part in match.group(1).split("."):
            node = node[part]
        return json.dumps(node)

    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(re.sub(r"\$\{(components\.tok2vec\.[\w.]+)\}", value, text), encoding="utf-8")
