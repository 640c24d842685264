"""Fine-tune a transformer encoder as a brain-region tagger: the brain NER's third voter.

The shipped brain NER (a spaCy CNN with a pretrained tok2vec) reads MiniLM-L6's frozen features no better
than without them (bench/RESULTS.md, twentieth session); fine-tuned, a transformer errs elsewhere than the
spaCy models, so in accurate mode it votes with them (`kgbuild/extraction/tagger.py`). This script rebuilds
the encoder (`--encoder`, one of `encoder.ENCODERS`; BGE-small v1.5 by default, the shipped one; MiniLM-L6
scores 0.750 alone where it scores 0.792) in PyTorch from the ONNX file kgbuild fetches
(`encoder.fetch_encoder`), adds a linear BIO head and trains it on the brain model's own training corpus
(`brain-train.spacy`, written by `python -m kgbuild.extraction.training --convert-only --work WORK`);
`--save` writes the weights the package ships (kgbuild/extraction/models/brain_tagger/weights.npz, with the
encoder's name). It decodes with the tagger's BIO-constrained Viterbi and prints document-level scores on the
WhiteText held-out documents (score.py's scoring): for each spaCy model given with --vote-with, for the tagger
alone at each --bias (added to the B scores: below 0 it marks fewer spans; the package uses -2), and for the
majority vote by name of the tagger and those models.

It needs PyTorch, transformers and onnx (checked with 2.15, 5.24, 1.23), which kgbuild does not depend on:
    python -m venv /tmp/ft && /tmp/ft/bin/pip install "torch>=2.9,<3" "transformers>=5,<6" "onnx>=1.17,<2" -e .
    /tmp/ft/bin/python bench/finetune_brain.py --corpora WORK/corpora --vote-with kgbuild/extraction/models/brain \
        --vote-with kgbuild/extraction/models/brain_encoder --save kgbuild/extraction/models/brain_tagger/weights.npz
Deterministic (seed 0); on 2 cores about 17 minutes per epoch for BGE-small (48 minutes for the 3), 9 for MiniLM-L6.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy
import onnx
import spacy
import torch
from onnx import numpy_helper
from spacy.tokens import DocBin
from tokenizers import Tokenizer
from transformers import BertConfig, BertModel

from kgbuild.extraction.encoder import BGE_SMALL, ENCODERS, WIDTH, fetch_encoder, load_tokenizer
from kgbuild.extraction.evaluation import read_gold
from kgbuild.extraction.scoring import norm, parse_map, table
from kgbuild.extraction.tagger import ENCODER, TAGS, bio_spans, viterbi, windows
from kgbuild.extraction.training.convert import is_held_out, make_nlp
from kgbuild.extraction.training.paths import SHARED

WHITETEXT = SHARED / "eval-data" / "whitetext" / "train.jsonl"
MAPPING = parse_map(["BrainRegion=BRAIN_REGION"])


def load_bert(onnx_path: Path) -> tuple[BertModel, dict[str, tuple[str, bool]]]:
    """The ONNX encoder as a BertModel (as many layers as the file has), and where each of its weights sits in
    the ONNX file (name, transposed): named initializers keep their names, MatMul weights are named by their
    node."""
    graph = onnx.load(str(onnx_path)).graph
    arrays = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    places = {name: (name, False) for name in arrays if not name.startswith("onnx::")}
    for node in graph.node:
        weights = [name for name in node.input if name in arrays and name.startswith("onnx::")]
        if node.op_type == "MatMul" and weights:
            places[node.name.strip("/").removesuffix("/MatMul").replace("/", ".") + ".weight"] = (weights[0], True)
    state = {key: torch.tensor((arrays[name].T if transposed else arrays[name]).copy())
             for key, (name, transposed) in places.items()}
    layers = len({name.split(".")[2] for name in places if name.startswith("encoder.layer.")})
    config = BertConfig(vocab_size=30522, hidden_size=WIDTH, num_hidden_layers=layers, num_attention_heads=12,
                        intermediate_size=1536, max_position_embeddings=512, type_vocab_size=2)
    model = BertModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if [k for k in missing + unexpected if "position_ids" not in k]:
        sys.exit(f"weights do not fit: missing {missing}, unexpected {unexpected}")
    return model, places


def save_overlay(model: Tagger, places: dict[str, tuple[str, bool]], encoder: str, path: Path) -> None:
    """The fine-tuned weights as float16 arrays named as in the ONNX file (frozen word embeddings left out),
    plus the head and the encoder's name: what onnxruntime's `SessionOptions.add_initializer` can lay over the
    fetched encoder."""
    arrays = {"head.weight": model.head.weight.detach().numpy().T, "head.bias": model.head.bias.detach().numpy()}
    for key, tensor in model.bert.state_dict().items():
        if key in places and "word_embeddings" not in key and "position_ids" not in key:
            name, transposed = places[key]
            arrays[name] = (tensor.numpy().T if transposed else tensor.numpy())
    numpy.savez_compressed(path, **{name: array.astype(numpy.float16) for name, array in arrays.items()},
                           **{ENCODER: numpy.array(encoder)})


class Tagger(torch.nn.Module):
    def __init__(self, bert: BertModel) -> None:
        super().__init__()
        self.bert, self.drop, self.head = bert, torch.nn.Dropout(0.1), torch.nn.Linear(WIDTH, len(TAGS))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.bert(input_ids=ids, attention_mask=mask).last_hidden_state))




def training_windows(tokenizer: Tokenizer, corpus: Path) -> tuple[list, list]:
    """Windows of documents with a region, and of documents without one (negatives, sampled per epoch)."""
    with_regions, without = [], []
    for doc in DocBin().from_disk(corpus).get_docs(spacy.blank("en").vocab):
        tags = [-100 if t.ent_iob_ == "" else TAGS.index(t.ent_iob_) for t in doc]
        target = with_regions if doc.ents else without
        target.extend((ids, labels) for ids, labels, _ in windows(tokenizer, [t.text for t in doc], tags))
    return with_regions, without


def batches(items: list, budget: int = 4096) -> list[list]:
    """Length-sorted batches of at most `budget` padded pieces."""
    groups, current = [], []
    for item in sorted(items, key=lambda x: len(x[0])):
        if current and (len(current) + 1) * len(item[0]) > budget:
            groups.append(current)
            current = []
        current.append(item)
    return groups + [current] if current else groups


def collate(group: list) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids, _ in group)
    ids = torch.zeros(len(group), width, dtype=torch.long)
    mask, labels = torch.zeros_like(ids), torch.full_like(ids, -100)
    for row, (piece_ids, piece_labels) in enumerate(group):
        ids[row, :len(piece_ids)], mask[row, :len(piece_ids)] = torch.tensor(piece_ids), 1
        labels[row, :len(piece_labels)] = torch.tensor(piece_labels)
    return ids, mask, labels




def word_logp(model: Tagger, tokenizer: Tokenizer, nlp, text: str) -> tuple:
    """(Doc, log-probabilities of O/B/I per token, read at each word's first piece)."""
    doc = nlp.make_doc(text)
    logp = numpy.full((len(doc), 3), -20.0)
    logp[:, 0] = 0.0
    with torch.no_grad():
        for ids, _, first in windows(tokenizer, [t.text for t in doc]):
            out = torch.log_softmax(model(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))[0], -1)
            for piece, word in first:
                logp[word] = out[piece].numpy()
    return doc, logp


def region_names(doc, logp: numpy.ndarray, bias: float) -> set[str]:
    """Names of the Viterbi path's spans, after adding `bias` to every B score (below 0: fewer, surer spans)."""
    if not len(doc):
        return set()
    return {doc[start:end].text for start, end in bio_spans(viterbi(logp + numpy.array([0.0, bias, 0.0])))}


def score(predictions: dict[str, set[str]], held: list[dict]) -> str:
    """score.py's micro P/R/F1 line (`scoring.table`, document level)."""
    pred = {norm(title): [{"name": name, "type": "BRAIN_REGION"} for name in names]
            for title, names in predictions.items()}
    micro = table(pred, {norm(r["title"]): r["entities"] for r in held}, MAPPING)["micro"]
    return f"micro P {micro['p']:.3f} R {micro['r']:.3f} F1 {micro['f']:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, required=True, help="directory holding brain-train.spacy")
    parser.add_argument("--encoder", choices=sorted(ENCODERS), default=BGE_SMALL.name)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--negatives", type=float, default=0.33, help="share of region-free windows per epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--windows", type=int, default=0, help="train on this many windows only (a quick check)")
    parser.add_argument("--save", type=Path, help="write the fine-tuned weights here (.npz, ONNX names)")
    parser.add_argument("--bias", type=float, nargs="+", default=[0.0, -1.0, -2.0], help="B-score offsets to try")
    parser.add_argument("--vote-with", type=Path, action="append", default=[], help="spaCy NER model directory")
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    spec = ENCODERS[args.encoder]
    directory = fetch_encoder(spec=spec)
    tokenizer = load_tokenizer(directory, spec)
    bert, places = load_bert(directory / spec.files[0])
    model = Tagger(bert)
    model.bert.embeddings.word_embeddings.weight.requires_grad = False
    with_regions, without = training_windows(tokenizer, args.corpora / "brain-train.spacy")
    if args.windows:
        with_regions, without = with_regions[: args.windows], without[: args.windows]
    per_epoch = len(batches(with_regions + without[: int(args.negatives * len(without))]))
    steps = args.epochs * per_epoch
    warm = max(1, steps // 10)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    loss_of = torch.nn.CrossEntropyLoss(ignore_index=-100)
    began = time.time()
    for epoch in range(args.epochs):
        groups = batches(with_regions + random.sample(without, int(args.negatives * len(without))))
        random.shuffle(groups)
        for group in groups:
            ids, mask, labels = collate(group)
            loss = loss_of(model(ids, mask).reshape(-1, len(TAGS)), labels.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
        print(f"epoch {epoch + 1}: {len(groups)} batches, last loss {loss.item():.4f}, {time.time() - began:.0f} s")
    model.eval()
    if args.save:
        save_overlay(model, places, spec.name, args.save)
        print(f"fine-tuned weights: {args.save} ({args.save.stat().st_size / 1e6:.1f} MB)")
    nlp = make_nlp()
    held = [row for row in read_gold(WHITETEXT) if is_held_out(row["doc_id"])]  # as bench/quality.py
    scored = [(r["title"], [word_logp(model, tokenizer, nlp, r[f]) for f in ("title", "abstract")]) for r in held]
    runs = {}
    for path in args.vote_with:
        ner = spacy.load(path)
        runs[str(path)] = {r["title"]: {e.text for text in (r["title"], r["abstract"]) for e in ner(text).ents
                                        if e.label_ == "BRAIN_REGION"} for r in held}
    for name, predictions in runs.items():
        print(f"{name}: {score(predictions, held)}")
    for bias in args.bias:
        tagged = {title: set().union(*(region_names(doc, logp, bias) for doc, logp in texts))
                  for title, texts in scored}
        print(f"fine-tuned {spec.name}, B bias {bias}: {score(tagged, held)}")
        if len(runs) >= 2:
            voters = [tagged, *runs.values()]
            majority = {title: {n for n in set().union(*(v[title] for v in voters))
                                if sum(n in v[title] for v in voters) * 2 > len(voters)} for title in tagged}
            print(f"  majority with the {len(runs)} models: {score(majority, held)}")


if __name__ == "__main__":
    main()
