"""Build the spaCy pipeline from `config.cfg` and turn Papers into ExtractedPapers.

One Doc per paper holds `title + "\\n\\n" + abstract`; every offset is mapped back to its field, so
`getattr(paper, mention.field)[mention.start:mention.end] == mention.text`.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import lru_cache
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from multiprocessing.pool import AsyncResult
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..errors import KgbuildError
from ..records import ENTITY_LABELS, Entity, ExtractedPaper, Mention, Paper, Repository
from . import (  # noqa: F401  (registers the components)
    abbreviations,
    canonical,
    code_links,
    gate,
    lexicons,
    patterns,
    resolve,
    scored_ner,
    tagger,
    tokenizer,
    vote,
)
from .canonical import EntityGroup
from .docs import doc_text  # noqa: F401  (registers the Doc extensions)

EXTRACTION_VERSION = "0.48.1"
"""Bump whenever the output for the same input can change (rules, lexicons, models, keys)."""

HERE = Path(__file__).parent
CONFIG = HERE / "config.cfg"
MODELS = HERE / "models"
NER_MODELS = {"fast": (), "accurate": ("brain", "scholarly"), "corpus": ("brain", "corpus")}
"""The trained NER models of each mode. "corpus" annotates the way the public corpora (SciERC, SciREX) do:
its scholarly model, an ensemble of three seeds that votes (`vote.py`), learned their own labels, descriptive
phrases and unnamed materials included, and the resolver keeps every span of it that is not clearly generic.
The graph wants the guidelines' entities ("accurate"); "corpus" is for comparing with systems trained on those
corpora."""
MODE_CONFIG = {"corpus": {
    "components.kgbuild_resolve.ner_evidence_labels": list(ENTITY_LABELS),
    "components.kgbuild_resolve.ner_tier_labels": list(ENTITY_LABELS),
    "components.kgbuild_resolve.ner_descriptive": True,
}}
"""Overrides of `config.cfg` per mode: the resolver's corpus policy (`resolve.Resolver`)."""
VOTERS = {"accurate": {"brain": ("brain_encoder", "brain_tagger")}}
"""Models that vote with a model of `NER_MODELS`: its candidates are the spans most of them found (`vote.py`).
In accurate mode the brain NER votes with the same recipe trained on a frozen encoder's features and with a
fine-tuned transformer tagger (`tagger.py`): WhiteText held-out F1 0.763 alone, 0.803 voting (bench/RESULTS.md)."""
TRUSTED = {"brain_tagger": 0.5}
"""Voters whose spans stand without a second vote where they are at least this confident (`vote.NerVote`): the
fine-tuned tagger is the best of the brain NER's three alone (bench/RESULTS.md, twenty-third session)."""
GATED = {"ner_brain": "brain_regions"}
"""NER components that run only on texts matching a cue of `gate.CUES` (see kgbuild.extraction.gate); their
voters run on the same texts."""
MODES = tuple(NER_MODELS)
SEPARATOR = "\n\n"
RECYCLE_AFTER = 20_000
"""Papers a worker process extracts before it is replaced (its spaCy vocabulary grows with the corpus)."""


class ExtractionError(KgbuildError):
    """The pipeline cannot be built (unknown mode, broken model directory)."""


@Language.factory("kgbuild_sections")
def make_sections(nlp: Language, name: str) -> Sections:
    return Sections(name)


class Sections:
    """Starts a sentence at the abstract so that no sentence (or entity) runs across the title."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        start = doc._.kg_abstract_start
        if start:
            for token in doc:
                if token.idx >= start:
                    token.is_sent_start = True
                    break
        return doc


@Language.factory("kgbuild_collect_ents", default_config={"spans_key": "cand:ner"})
def make_collect(nlp: Language, name: str, spans_key: str) -> CollectEnts:
    return CollectEnts(name, spans_key)


class CollectEnts:
    """Moves a statistical NER's `doc.ents` into a candidate span group and clears them for the next one."""

    def __init__(self, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        doc.spans[self.spans_key] = list(doc.ents)
        doc.ents = []
        return doc


def available_models(mode: str = "accurate") -> list[Path]:
    """Trained NER pipelines of `mode` shipped in models/ (a directory with a config.cfg and an ner component)."""
    return [MODELS / name for name in NER_MODELS[mode] if (MODELS / name / "config.cfg").is_file()]


def _share_vectors(nlp: Language, source: Language, path: Path) -> None:
    """A model trained with static vectors reads them from the vocab of the Doc it is given, so the
    pipeline takes them over; two models with different tables cannot share one pipeline."""
    vectors = source.vocab.vectors
    if not vectors.shape[0]:
        return
    if not nlp.vocab.vectors.shape[0]:
        nlp.vocab.vectors = vectors
    elif nlp.vocab.vectors != vectors:
        raise ExtractionError(f"{path} was trained with other word vectors than the models before it")


def _gate(nlp: Language, target: str, last: str, cue: str | None) -> str:
    """Wrap the component `last` (which ends NER `target`) in a gate on `cue`, if any; the name that ends it."""
    if cue is None:
        return last
    gated = nlp.add_pipe("kgbuild_gate", name=f"gate_{target}", after=last,
                         config={"component": last, "cue": cue}).name
    nlp.disable_pipe(last)
    return gated


def _add_ner(nlp: Language, path: Path, cue: str | None = None) -> None:
    """Source every `ner` component of the pipeline at `path`, each followed by a collector and gated on `cue`
    (else as `GATED` says); several are an ensemble whose majority vote is the candidates of `ner_<directory>`
    (`vote.NerVote`)."""
    source = spacy.load(path)
    names = [n for n in source.pipe_names if source.get_pipe_meta(n).factory == "ner"]
    if not names:
        raise ExtractionError(f"{path} has no NER component")
    _share_vectors(nlp, source, path)
    targets = []
    for name in names:
        if "tok2vec" in source.pipe_names:
            source.replace_listeners("tok2vec", name, ["model.tok2vec"])
        target = name if name.startswith("ner") else f"ner_{path.name}"
        targets.append(target)
        nlp.add_pipe(name, name=target, source=source, before="kgbuild_abbreviations")
        last = nlp.add_pipe("kgbuild_scored_ner", name=f"score_{target}", after=target,
                            config={"component": target}).name
        nlp.disable_pipe(target)
        last = _gate(nlp, target, last, cue or GATED.get(target))
        last = nlp.add_pipe("kgbuild_collect_ents", name=f"collect_{target}", after=last,
                            config={"spans_key": f"cand:{target}"}).name
    if len(targets) > 1:
        nlp.add_pipe("kgbuild_ner_vote", name=f"vote_ner_{path.name}", after=last,
                     config={"members": [f"cand:{t}" for t in targets], "spans_key": f"cand:ner_{path.name}"})


def _add_voters(nlp: Language, name: str, voters: tuple[str, ...]) -> None:
    """Add the `voters` of model `name` (spaCy NER pipelines, or a fine-tuned tagger's weights) and the vote
    that replaces their candidates and those of `ner_<name>` by the spans most of them found. The voters run on
    the texts `ner_<name>` runs on."""
    cue = GATED.get(f"ner_{name}")
    for voter in voters:
        path = MODELS / voter
        if (path / tagger.WEIGHTS).is_file():
            target = f"ner_{voter}"
            nlp.add_pipe("kgbuild_transformer_tagger", name=target, before="kgbuild_abbreviations",
                         config={"model": str(path), "spans_key": f"cand:{target}"})
            _gate(nlp, target, target, cue)
        else:
            _add_ner(nlp, path, cue)
    members = [f"cand:ner_{member}" for member in (name, *voters)]
    trusted = {f"cand:ner_{member}": TRUSTED[member] for member in voters if member in TRUSTED}
    nlp.add_pipe("kgbuild_ner_vote", name=f"vote_ner_{name}", before="kgbuild_abbreviations",
                 config={"members": members, "spans_key": f"cand:ner_{name}", "trusted": trusted})


@lru_cache(maxsize=3)
def load_pipeline(mode: str = "accurate") -> Language:
    """The extraction pipeline: "fast" = rules and lexicons only; "accurate" adds the trained NER models;
    "corpus" annotates as the public corpora do (`NER_MODELS`)."""
    if mode not in MODES:
        raise ExtractionError(f"unknown extraction mode {mode!r}: use one of {', '.join(MODES)}")
    config = spacy.util.load_config(CONFIG, overrides=MODE_CONFIG.get(mode, {}))
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    for path in available_models(mode):
        _add_ner(nlp, path)
        if voters := VOTERS.get(mode, {}).get(path.name):
            _add_voters(nlp, path.name, voters)
    return nlp


def make_doc(nlp: Language, paper: Paper) -> Doc:
    """One Doc for title and abstract, remembering where the abstract starts."""
    if paper.title:
        text = paper.title + SEPARATOR + paper.abstract if paper.abstract else paper.title
        abstract_start = len(paper.title) + len(SEPARATOR)
    else:
        text, abstract_start = paper.abstract, 0
    doc = nlp.make_doc(text)
    doc._.kg_text = text
    doc._.kg_title_len = len(paper.title) if paper.title else None
    doc._.kg_abstract_start = abstract_start
    return doc


def _field(doc: Doc, paper: Paper, start: int, end: int) -> tuple[str, int, int]:
    offset = doc._.kg_abstract_start or 0
    if paper.title and start < len(paper.title):
        return "title", start, end
    return "abstract", start - offset, end - offset


def _entity(doc: Doc, paper: Paper, group: EntityGroup, sentences: dict[int, str]) -> Entity:
    mentions = []
    for span in group.spans:
        field, start, end = _field(doc, paper, span.start_char, span.end_char)
        confidence = doc.user_data.get((resolve.ENTITY_CONFIDENCE, span.start, span.end))
        sent = span.sent
        if sent.start not in sentences:
            sentences[sent.start] = sent.text.strip()
        mentions.append(Mention(text=span.text, label=group.label, field=field, start=start, end=end,
                                sentence=sentences[sent.start], component=span.id_ or "unknown",
                                confidence=confidence))
    return Entity(key=group.key, name=group.name, label=group.label, aliases=tuple(group.aliases),
                  mentions=tuple(mentions))


def to_extracted(doc: Doc, paper: Paper) -> ExtractedPaper:
    """Plain records from a processed Doc: entities with mentions, repositories, other URLs.

    Mentions of one sentence share one sentence string (and stay shared through pickling), which keeps a
    large corpus's extractions small in memory.
    """
    sentences: dict[int, str] = {}
    entities = tuple(_entity(doc, paper, group, sentences) for group in doc._.kg_entities or [])
    repositories: dict[str, Repository] = {}
    urls: list[str] = []
    for link in doc._.kg_links or []:
        field, start, end = _field(doc, paper, link.start, link.end)
        if link.repo:
            host = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}[link.host]
            repositories.setdefault(link.repo, Repository(key=link.repo, host=link.host,
                                                          url=f"https://{host}/{link.repo}",
                                                          field=field, start=start, end=end))
        elif link.url not in urls:
            urls.append(link.url)
    return ExtractedPaper(paper=paper, entities=entities, repositories=tuple(repositories.values()),
                          urls=tuple(urls), extraction_version=EXTRACTION_VERSION)


def _extract_chunk(papers: list[Paper], mode: str, batch_size: int) -> list[ExtractedPaper]:
    nlp = load_pipeline(mode)
    docs = nlp.pipe((make_doc(nlp, p) for p in papers), batch_size=batch_size)
    return [to_extracted(doc, paper) for doc, paper in zip(docs, papers, strict=True)]


def _worker_context() -> BaseContext:
    """Workers forked from a fork server that has imported spaCy and kgbuild once: a recycled worker starts
    in well under a second and inherits nothing of the parent's (possibly large) memory."""
    context = get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def extract_papers(papers: Iterable[Paper], *, mode: str = "accurate", n_process: int = 1,
                   batch_size: int = 256, recycle_after: int = RECYCLE_AFTER) -> Iterator[ExtractedPaper]:
    """Extract entities and links from papers, streaming in input order with bounded memory.

    With n_process > 1, chunks of `batch_size` papers go to worker processes that return plain records
    (not Docs), at most 2 chunks per worker in flight. A worker is replaced after about `recycle_after`
    papers: spaCy's vocabulary grows with every new word it sees, so a long-lived worker would grow with
    the corpus. The records come back attached to the caller's own Paper objects, so a paper's text is
    held once.
    """
    papers = iter(papers)
    if n_process <= 1:
        nlp = load_pipeline(mode)
        for chunk in iter(lambda: list(itertools.islice(papers, batch_size)), []):
            docs = nlp.pipe((make_doc(nlp, p) for p in chunk), batch_size=batch_size)
            for doc, paper in zip(docs, chunk, strict=True):
                yield to_extracted(doc, paper)
        return
    load_pipeline(mode)  # fail here, in the caller, on a broken model directory
    n_process = min(n_process, os.cpu_count() or 1)
    # multiprocessing.Pool, not ProcessPoolExecutor: the executor's max_tasks_per_child deadlocks on
    # Python 3.11-3.13 once a worker is replaced (CPython gh-115634)
    with _worker_context().Pool(n_process, maxtasksperchild=max(1, recycle_after // batch_size)) as pool:
        pending: deque[tuple[list[Paper], AsyncResult[list[ExtractedPaper]]]] = deque()

        def results(chunk: list[Paper], result: AsyncResult[list[ExtractedPaper]]) -> Iterator[ExtractedPaper]:
            for ep, paper in zip(result.get(), chunk, strict=True):
                yield replace(ep, paper=paper)

        for chunk in iter(lambda: list(itertools.islice(papers, batch_size)), []):
            pending.append((chunk, pool.apply_async(_extract_chunk, (chunk, mode, batch_size))))
            if len(pending) >= 2 * n_process:
                yield from results(*pending.popleft())
        while pending:
            yield from results(*pending.popleft())
