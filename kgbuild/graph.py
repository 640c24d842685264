"""Extracted papers -> one networkx graph: the single source for export and for loading into Neo4j.

Nodes are `f"{Label}:{key}"` with attributes `label`, `key`, `name` and type-specific ones; edges live
in a MultiDiGraph whose edge key is the relationship type, so `MENTIONS` and `USES_DATASET` can join
the same two nodes. Every attribute value is a Neo4j-storable primitive or list of primitives.
"""

from __future__ import annotations

import gc
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import networkx as nx

from kgbuild.extraction.canonical import bare_key, canonical_key
from kgbuild.records import ENTITY_LABELS, NODE_LABELS, Entity, ExtractedPaper, Mention, Paper

SCHEMA_VERSION = 1
LARGE_CORPUS = 20_000
"""Above this many papers, CO_OCCURS pairs seen in one paper only are dropped by default."""

PAPER = "Paper"
REPOSITORY = "Repository"
ENTITY_NODE_LABELS: tuple[str, ...] = tuple(NODE_LABELS[t] for t in ENTITY_LABELS)
NODE_LABEL_ORDER: tuple[str, ...] = (PAPER, *ENTITY_NODE_LABELS, REPOSITORY)

MENTIONS = "MENTIONS"
PROPOSES = "PROPOSES"
USES_DATASET = "USES_DATASET"
USES_MODEL = "USES_MODEL"
USES_METHOD = "USES_METHOD"
STUDIES = "STUDIES"
HAS_CODE = "HAS_CODE"
CO_OCCURS = "CO_OCCURS"
REL_TYPES: tuple[str, ...] = (
    MENTIONS, PROPOSES, USES_DATASET, USES_MODEL, USES_METHOD, STUDIES, HAS_CODE, CO_OCCURS,
)

_USES = {"Dataset": USES_DATASET, "Model": USES_MODEL, "Method": USES_METHOD}
_CAN_BE_PROPOSED = frozenset({"Dataset", "Model", "Method"})
_LABEL_BY_NODE_LABEL = {v: k for k, v in NODE_LABELS.items()}


def node_id(label: str, key: str) -> str:
    """The networkx node id of a node: `Label:key`."""
    return f"{label}:{key}"


# --- typed relation rules --------------------------------------------------------------------------

_PROPOSE_VERB = re.compile(
    r"\b(?:we|this\s+(?:paper|work|study|article|letter))\s+(?:also\s+|further\s+|then\s+)?"
    r"(?:propose|introduce|present|develop|design|release|construct|curate|collect|create|build|contribute)"
    r"[sd]?\b(?P<gap>[^.;]*)$",
    re.IGNORECASE,
)
_GAP_WORD = re.compile(r"[A-Za-z][\w-]*")
_GAP_STOP = frozenset({
    "that", "which", "who", "using", "use", "uses", "based", "with", "on", "for", "to", "by", "from", "of",
    "in", "into", "via", "than", "as", "over", "where", "while", "whereas", "performing", "applying",
    "combining", "leveraging", "adopting", "extending", "adding", "training",
})
_MODIFIER_AFTER = re.compile(
    r"^(?:\s*\([^()]{1,20}\))?(?:-(?:based|inspired|like|style|driven|guided|aware|free)\b"
    r"|\s+(?:(?!(?:for|of|in|on|to|with|and|or|that|which)\b)[\w-]+\s+){1,2}"
    r"(?:model|method|framework|approach|strategy|module|architecture|algorithm|technique|paradigm|"
    r"pipeline|scheme|system|objective|loss)s?\b"
    r"|\s*,\s+[A-Z][\w-]*[A-Z])",
)
_MAX_GAP_WORDS = 6
_NAMING_CUE = re.compile(r"\b(?:called|named|dubbed|termed|coined)(?:\s+as)?\s*[,:]?\s*(?:the\s+)?[\"'“]?$",
                         re.IGNORECASE)
_OUR_NAMED = re.compile(r"\bour\s+(?:[\w-]+\s+){0,3}[\w-]+\s*,?\s*$", re.IGNORECASE)
_TITLE_HEAD = re.compile(r"^(?:the|a|an)?\s*$", re.IGNORECASE)
_USAGE_BEFORE = re.compile(
    r"\b(?:use[sd]?|using|utili[sz]\w*|employ\w*|adopt\w*|leverag\w*|appl(?:y|ies|ied|ying)|"
    r"train(?:s|ed|ing)?|fine-?tun\w*|pre-?train\w*|evaluat\w*|benchmark\w*|experiments?|"
    r"based\s+on|built\s+(?:on|upon)|rel(?:y|ies|ying)\s+on|with|via|through)\b",
    re.IGNORECASE,
)
_USAGE_AFTER = re.compile(
    r"^(?:-based\b|\s+(?:is|are|was|were)\s+(?:used|employed|adopted|applied|trained|fine-tuned)\b|"
    r"\s+as\s+(?:a|an|the|our)\s+(?:\w+\s+)?(?:backbone|encoder|decoder|baseline|teacher|feature extractor)\b)",
    re.IGNORECASE,
)
_USAGE_GAP_WORDS = 5


@dataclass(frozen=True)
class Relation:
    """A typed Paper->entity edge and why it was drawn: the rule's name and the sentence that fired it."""

    type: str
    rule: str
    sentence: str


def _sentence_prefix(paper: Paper, m: Mention) -> str:
    """The text of the mention's sentence before the mention."""
    text = getattr(paper, m.field, "") or ""
    s = text.rfind(m.sentence, 0, m.start + len(m.sentence)) if m.sentence else -1
    if 0 <= s <= m.start and s + len(m.sentence) >= m.end:
        return text[s:m.start]
    i = m.sentence.find(m.text)
    return m.sentence[: max(i, 0)]


def _proposes(paper: Paper, m: Mention) -> str | None:
    """Name of the rule that says the paper introduces what `m` names, or None."""
    if m.field == "title":
        after = paper.title[m.end:m.end + 2].lstrip()
        if after.startswith(":") and _TITLE_HEAD.match(paper.title[:m.start]):
            return "title-name"
        return None
    text = getattr(paper, m.field, "") or ""
    if _MODIFIER_AFTER.match(text[m.end:m.end + 40]):
        return None  # "an MNIST-based dataset", "an MEG decoding model": the thing proposed is something else
    prefix = _sentence_prefix(paper, m)
    cue = _NAMING_CUE.search(prefix)
    if cue and (_PROPOSE_VERB.search(prefix[:cue.start()]) or _OUR_NAMED.search(prefix[:cue.start()])):
        return "naming-cue"
    verb = _PROPOSE_VERB.search(prefix)
    if verb:
        gap = _GAP_WORD.findall(verb.group("gap"))
        plain = not any(c in verb.group("gap") for c in ",()")
        if plain and len(gap) <= _MAX_GAP_WORDS and not any(w.lower() in _GAP_STOP for w in gap):
            return "proposal-verb"
    return None


def classify_relation(paper: Paper, label: str, mentions: Iterable[Mention]) -> Relation | None:
    """The typed edge a paper gets to an entity of node label `label`, from the text around its mentions.

    Rules, first match wins:
    1. PROPOSES (Method, Model, Dataset): the entity heads the title before a colon ("X: ..."), or follows
       "we propose/introduce/present/..." with at most 6 plain words between (no comma or bracket, no
       "that", "using", "on", ...) and is not a modifier of what is proposed ("X-based", "an X decoding
       model", "a reusable X, BrainBERT"); or follows "called/named/dubbed" after such a verb or right
       after "our <up to 4 words>" ("we propose a method named X", "our approach, dubbed X").
    2. STUDIES (BrainRegion): always, a brain region named in an abstract is what the paper is about.
    3. USES_DATASET (Dataset): always when not proposed; abstracts name the data they work with.
    4. USES_MODEL / USES_METHOD: a usage cue (use, train, fine-tune, evaluate, based on, with, via, ...)
       at most 5 words before a mention in its sentence, or "X-based", "X is used", "X as a backbone"
       right after it.
    Task and Metric get MENTIONS only.
    """
    mentions = list(mentions)
    if label in _CAN_BE_PROPOSED:
        for m in mentions:
            rule = _proposes(paper, m)
            if rule:
                return Relation(PROPOSES, rule, m.sentence)
    if label == "BrainRegion" and mentions:
        return Relation(STUDIES, "brain-region", mentions[0].sentence)
    if label == "Dataset" and mentions:
        return Relation(USES_DATASET, "dataset-named", mentions[0].sentence)
    if label in _USES:
        for m in mentions:
            if _used(paper, m):
                return Relation(_USES[label], "usage-cue", m.sentence)
    return None


def _used(paper: Paper, m: Mention) -> bool:
    """A usage cue right before the mention ("using X", "trained with a X") or right after ("X is used")."""
    prefix = _sentence_prefix(paper, m)
    cues = list(_USAGE_BEFORE.finditer(prefix))
    if cues:
        gap = prefix[cues[-1].end():]
        if not any(c in gap for c in ".;:,") and len(_GAP_WORD.findall(gap)) <= _USAGE_GAP_WORDS:
            return True
    text = getattr(paper, m.field, "") or ""
    return bool(_USAGE_AFTER.match(text[m.end:m.end + 60]))


# --- cross-paper identity ---------------------------------------------------------------------------

_ABBREVIATION = re.compile(r"^[A-Za-z][A-Za-z0-9&-]{1,11}$")


def is_abbreviation(text: str) -> bool:
    """A short token that is mostly capitals ("EP", "LLMs", "fMRI", "ViT"), not a name like "ResNet-50"."""
    if not _ABBREVIATION.match(text):
        return False
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 and upper * 2 >= len(letters)


def _surface_forms(entity: Entity) -> set[str]:
    return {entity.name, *entity.aliases, *(m.text for m in entity.mentions)}


def _abbreviation_only(entity: Entity) -> bool:
    return all(is_abbreviation(s) for s in _surface_forms(entity))


@dataclass
class _Resolver:
    """Corpus-wide identity decisions: one label per key, abbreviation-only entities onto long forms, and
    "X model" / "X algorithm" onto X where some paper names X alone (their names count for the display name)."""

    label_of: dict[str, str]
    merge_into: dict[tuple[str, str], str]
    named_merges: set[tuple[str, str]] = field(default_factory=set)

    def target(self, entity: Entity) -> tuple[str, str]:
        label = self.label_of.get(entity.key, NODE_LABELS.get(entity.label, entity.label))
        return label, self.merge_into.get((label, entity.key), entity.key)


def _resolve(papers: list[ExtractedPaper], merge_abbreviations: bool) -> _Resolver:
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for ep in papers:
        for label, key in {(NODE_LABELS.get(e.label, e.label), e.key) for e in ep.entities}:
            votes[key][label] += 1
    rank = {label: i for i, label in enumerate(NODE_LABEL_ORDER)}
    label_of = {
        key: min(c, key=lambda lab, c=c: (-c[lab], rank.get(lab, len(rank)), lab)) for key, c in votes.items()
    }
    merge_into: dict[tuple[str, str], str] = {}
    if merge_abbreviations:
        long_forms: dict[tuple[str, str], set[str]] = defaultdict(set)
        short_only: set[tuple[str, str, str]] = set()
        for ep in papers:
            for e in ep.entities:
                label = label_of[e.key]
                if _abbreviation_only(e):
                    short_only.add((label, e.key, e.name))
                    continue
                for alias in _surface_forms(e):
                    if is_abbreviation(alias):
                        long_forms[(label, canonical_key(alias, _LABEL_BY_NODE_LABEL.get(label, label)))].add(e.key)
                        long_forms[(label, alias.casefold())].add(e.key)
        long_keys = {(label, k) for (label, _), keys in long_forms.items() for k in keys}
        for label, key, name in short_only:
            if (label, key) in long_keys:
                continue
            targets = long_forms.get((label, key), set()) | long_forms.get((label, name.casefold()), set())
            if len(targets) == 1:
                merge_into[(label, key)] = next(iter(targets))
    named_merges: set[tuple[str, str]] = set()
    for ep in papers:
        for e in ep.entities:
            label = label_of[e.key]
            if (label, e.key) in merge_into:
                continue
            for form in (e.name, *e.aliases):
                bare = bare_key(form, _LABEL_BY_NODE_LABEL.get(label, label))
                if bare is not None and bare != e.key and label_of.get(bare) == label:
                    merge_into[(label, e.key)] = merge_into.get((label, bare), bare)
                    named_merges.add((label, e.key))
                    break
    return _Resolver(label_of, merge_into, named_merges)


# --- assembly --------------------------------------------------------------------------------------

_ARXIV_NEW = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}(v\d+)?$")
_ARXIV_OLD = re.compile(r"^[a-z-]+(\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}(v\d+)?$")


def _arxiv_fields(paper_id: str) -> dict[str, Any]:
    """arXiv id, abstract url and year when the paper id is an arXiv id (`arXiv:1707.04192`)."""
    prefix, _, ident = paper_id.partition(":")
    if prefix.lower() != "arxiv" or not ident:
        return {}
    out: dict[str, Any] = {"arxiv_id": ident, "url": f"https://arxiv.org/abs/{ident}"}
    new, old = _ARXIV_NEW.match(ident), _ARXIV_OLD.match(ident)
    if new:
        out["year"] = 2000 + int(new.group(1))
    elif old:
        yy = int(old.group(2))
        out["year"] = (1900 if yy >= 90 else 2000) + yy
    return out


_PRIMITIVE = (str, int, float, bool)
_DEFAULT_HOSTS = frozenset({"", "github", "github.com"})


def _paper_attrs(ep: ExtractedPaper) -> dict[str, Any]:
    p = ep.paper
    attrs: dict[str, Any] = {}
    for k, v in p.extra.items():
        if isinstance(v, _PRIMITIVE) or (isinstance(v, list | tuple) and v and all(isinstance(x, str) for x in v)):
            attrs[k] = list(v) if isinstance(v, tuple) else v
    attrs.update({k: v for k, v in _arxiv_fields(p.id).items() if k not in attrs})
    attrs.update(
        label=PAPER, key=p.id, name=p.title or p.id, title=p.title, abstract=p.abstract, source=p.source,
        line=p.line, content_hash=ep.content_hash, text_hash=p.content_hash,
        extraction_version=ep.extraction_version,
    )
    if ep.urls:
        attrs["urls"] = list(ep.urls)
    return attrs


def _mentions_attrs(mentions: list[Mention]) -> dict[str, Any]:
    """Provenance of a MENTIONS edge: where each mention is, in which sentence, found by what."""
    ordered = sorted(mentions, key=lambda m: (m.field != "title", m.start))
    confidences = [m.confidence for m in ordered if m.confidence is not None]
    attrs: dict[str, Any] = {
        "count": len(ordered),
        "texts": list(dict.fromkeys(m.text for m in ordered)),
        "sentences": list(dict.fromkeys(m.sentence for m in ordered)),
        "offsets": [f"{m.field}:{m.start}-{m.end}" for m in ordered],
        "extractor": sorted({m.component for m in ordered}),
    }
    if confidences:
        attrs["confidence"] = float(max(confidences))
    return attrs


@dataclass
class _EntityAcc:
    label: str
    key: str
    names: Counter[str] = field(default_factory=Counter)
    aliases: set[str] = field(default_factory=set)
    papers: int = 0
    mentions: int = 0


def build_graph(
    extracted: Iterable[ExtractedPaper],
    *,
    cooccurrence: bool = True,
    max_cooccurring: int = 40,
    min_cooccurrence: int | None = None,
    merge_abbreviations: bool = True,
) -> nx.MultiDiGraph:
    """Assemble the knowledge graph from a stream of extracted papers.

    A paper id seen again replaces the earlier record (the later one wins). Entities merge across papers
    by (label, canonical key); a key extracted under several labels takes the label most papers gave it;
    an abbreviation-only entity ("EP" without its long form in that paper) joins the long-form entity
    that defines it elsewhere when exactly one long form of that label does. `max_cooccurring` bounds the
    co-occurrence pairs one paper adds (its most-mentioned entities); `min_cooccurrence` drops CO_OCCURS
    pairs seen in fewer papers; by default 1, and 2 above 20,000 papers, where most pairs occur once and
    would dominate memory.
    """
    latest: dict[str, ExtractedPaper] = {}
    for ep in extracted:
        latest.pop(ep.paper.id, None)
        latest[ep.paper.id] = ep
    with _gc_paused():
        return _assemble(list(latest.values()), cooccurrence, max_cooccurring, min_cooccurrence,
                         merge_abbreviations)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Assembly allocates millions of small acyclic objects; the cycle collector would rescan them all
    again and again (it doubles the build time) for nothing to free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _assemble(papers: list[ExtractedPaper], cooccurrence: bool, max_cooccurring: int,
              min_cooccurrence: int | None, merge_abbreviations: bool) -> nx.MultiDiGraph:
    resolver = _resolve(papers, merge_abbreviations)

    G = nx.MultiDiGraph(name="kgbuild", schema_version=SCHEMA_VERSION)
    entities: dict[str, _EntityAcc] = {}
    repositories: dict[str, dict[str, Any]] = {}
    per_paper: list[tuple[str, dict[str, list[Mention]]]] = []

    for ep in papers:
        pid = node_id(PAPER, ep.paper.id)
        G.add_node(pid, **_paper_attrs(ep))
        grouped: dict[str, list[Mention]] = defaultdict(list)
        for e in ep.entities:
            label, key = resolver.target(e)
            nid = node_id(label, key)
            acc = entities.get(nid)
            if acc is None:
                acc = entities[nid] = _EntityAcc(label, key)
            if key == e.key or (label, e.key) in resolver.named_merges:
                acc.names[e.name] += 1
            acc.aliases |= _surface_forms(e)
            grouped[nid].extend(e.mentions)
        for nid, mentions in grouped.items():
            acc = entities[nid]
            acc.papers += 1
            acc.mentions += len(mentions)
            G.add_edge(pid, nid, key=MENTIONS, **_mentions_attrs(mentions))
            rel = classify_relation(ep.paper, acc.label, mentions)
            if rel:
                G.add_edge(pid, nid, key=rel.type, rule=rel.rule, sentence=rel.sentence)
        for repo in ep.repositories:
            rkey = repo.key if repo.host in _DEFAULT_HOSTS else f"{repo.host}:{repo.key}"
            canon = rkey.casefold()
            rid = node_id(REPOSITORY, repositories.setdefault(canon, {"key": rkey, "url": repo.url,
                                                                         "host": repo.host})["key"])
            offsets = [f"{repo.field}:{repo.start}-{repo.end}"]
            written = (getattr(ep.paper, repo.field, "") or "")[repo.start:repo.end] or repo.url
            if G.has_edge(pid, rid, HAS_CODE):
                G.edges[pid, rid, HAS_CODE]["offsets"] += offsets
            else:
                G.add_edge(pid, rid, key=HAS_CODE, url=written, offsets=offsets)
        per_paper.append((pid, grouped))

    for nid, acc in entities.items():
        name = acc.names.most_common(1)[0][0] if acc.names else max(sorted(acc.aliases), key=len)
        G.add_node(
            nid, label=acc.label, key=acc.key, name=name,
            entity_type=_LABEL_BY_NODE_LABEL.get(acc.label, acc.label),
            aliases=sorted(acc.aliases - {name}, key=lambda s: (s.casefold(), s)),
            paper_count=acc.papers, mention_count=acc.mentions,
        )
    for r in repositories.values():
        G.add_node(node_id(REPOSITORY, r["key"]), label=REPOSITORY, name=r["key"], **r)
    if cooccurrence:
        if min_cooccurrence is None:
            min_cooccurrence = 1 if len(papers) <= LARGE_CORPUS else 2
        _add_cooccurrence(G, per_paper, max_cooccurring, min_cooccurrence)
    return G


def _add_cooccurrence(G: nx.MultiDiGraph, per_paper: list[tuple[str, dict[str, list[Mention]]]],
                      cap: int, min_papers: int) -> None:
    """Entity-entity CO_OCCURS over the corpus: `papers` (same abstract) and `sentences` (same sentence).

    Only pairs within one paper are counted, sum over papers of min(n, cap)^2 / 2 updates. A pair is one
    int in two int->int dicts (about 100 bytes); example papers are collected in a second pass for the
    pairs that get an edge (seen in at least `min_papers` papers).
    """
    ids = sorted({n for _, grouped in per_paper for n in grouped})
    index = {n: i for i, n in enumerate(ids)}
    size = len(ids)

    def ranked(grouped: dict[str, list[Mention]]) -> list[str]:
        return sorted(grouped, key=lambda n: (-len(grouped[n]), n))[:cap]

    papers: dict[int, int] = {}
    sentences: dict[int, int] = {}
    for _, grouped in per_paper:
        top = ranked(grouped)
        for a, b in combinations(sorted(index[n] for n in top), 2):
            pair = a * size + b
            papers[pair] = papers.get(pair, 0) + 1
        by_sentence: dict[tuple[str, str], set[int]] = defaultdict(set)
        for n in top:
            for m in grouped[n]:
                by_sentence[(m.field, m.sentence)].add(index[n])
        for members in by_sentence.values():
            for a, b in combinations(sorted(members), 2):
                pair = a * size + b
                sentences[pair] = sentences.get(pair, 0) + 1
    if min_papers > 1:
        papers = {pair: n for pair, n in papers.items() if n >= min_papers}
    examples: dict[int, list[str]] = defaultdict(list)
    for pid, grouped in per_paper:
        key = G.nodes[pid]["key"]
        for a, b in combinations(sorted(index[n] for n in ranked(grouped)), 2):
            pair = a * size + b
            if pair in papers and len(examples[pair]) < 3:
                examples[pair].append(key)
    nodes = G.nodes
    for pair, n in papers.items():
        a, b = ids[pair // size], ids[pair % size]
        weight = n / math.sqrt(nodes[a]["paper_count"] * nodes[b]["paper_count"])
        G.add_edge(a, b, key=CO_OCCURS, papers=n, sentences=sentences.get(pair, 0), weight=round(weight, 6),
                   example_papers=examples[pair])


# --- rows for loaders and exporters ----------------------------------------------------------------

def _props(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and k != "label"}


def node_rows(G: nx.MultiDiGraph) -> dict[str, list[dict[str, Any]]]:
    """Node properties grouped by label, ready for `UNWIND $rows AS row MERGE (n:Label {key: row.key})
    SET n += row`. Each row holds `key`, `name` and the other properties (never `label`, never None)."""
    rows: dict[str, list[dict[str, Any]]] = {label: [] for label in NODE_LABEL_ORDER}
    for _, data in G.nodes(data=True):
        rows.setdefault(data["label"], []).append(_props(data))
    return {label: r for label, r in rows.items() if r}


def edge_rows(G: nx.MultiDiGraph) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Relationships grouped by (type, start label, end label); each row is
    `{"start": key, "end": key, "props": {...}}` for `UNWIND $rows AS row MATCH (a:Start {key: row.start})
    MATCH (b:End {key: row.end}) MERGE (a)-[r:TYPE]->(b) SET r += row.props`."""
    rows: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    nodes = G.nodes
    for u, v, rel, data in G.edges(keys=True, data=True):
        a, b = nodes[u], nodes[v]
        rows[(rel, a["label"], b["label"])].append({"start": a["key"], "end": b["key"], "props": _props(data)})
    order = {t: i for i, t in enumerate(REL_TYPES)}
    return dict(sorted(rows.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0])))


def batched(rows: list[dict[str, Any]], size: int = 1000) -> Iterator[list[dict[str, Any]]]:
    """Slices of `rows` of at most `size`, one per UNWIND transaction."""
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


# --- stats -----------------------------------------------------------------------------------------

def _summary(values: list[int]) -> dict[str, float | int]:
    if not values:
        return {"count": 0, "min": 0, "median": 0, "mean": 0.0, "p90": 0, "max": 0}
    ordered = sorted(values)
    return {
        "count": len(ordered), "min": ordered[0], "median": statistics.median(ordered),
        "mean": round(statistics.fmean(ordered), 2), "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "max": ordered[-1],
    }


def graph_stats(G: nx.MultiDiGraph, top: int = 10, examples: int = 20) -> dict[str, Any]:
    """What `kgbuild stats` reports: counts, most connected entities, degrees, components, papers missed.

    Entity "paper degree" is its number of MENTIONS edges, i.e. the distinct papers naming it.
    """
    labels = nx.get_node_attributes(G, "label")
    node_counts = Counter(labels.values())
    edge_counts = Counter(k for _, _, k in G.edges(keys=True))
    mentions = nx.subgraph_view(G, filter_edge=lambda u, v, k: k == MENTIONS)
    paper_nodes = [n for n, lab in labels.items() if lab == PAPER]
    entity_nodes = [n for n, lab in labels.items() if lab in ENTITY_NODE_LABELS]
    entity_degree = dict(mentions.in_degree(entity_nodes))
    paper_degree = dict(mentions.out_degree(paper_nodes))

    top_entities: dict[str, list[dict[str, Any]]] = {}
    for label in ENTITY_NODE_LABELS:
        ranked = sorted((n for n in entity_nodes if labels[n] == label),
                        key=lambda n: (-entity_degree[n], G.nodes[n]["key"]))[:top]
        if ranked:
            top_entities[label] = [
                {"key": G.nodes[n]["key"], "name": G.nodes[n]["name"], "papers": entity_degree[n]} for n in ranked
            ]

    components = list(nx.weakly_connected_components(G)) if len(G) else []
    largest = max(components, key=len, default=set())
    empty = [n for n in paper_nodes if paper_degree[n] == 0]
    return {
        "nodes": {lab: node_counts[lab] for lab in sorted(node_counts, key=_label_rank)},
        "edges": {t: edge_counts[t] for t in sorted(edge_counts, key=_rel_rank)},
        "top_entities": top_entities,
        "degree": {
            "entity_papers": _summary(list(entity_degree.values())),
            "paper_entities": _summary(list(paper_degree.values())),
        },
        "components": {
            "count": len(components),
            "largest_nodes": len(largest),
            "largest_papers": sum(1 for n in largest if labels[n] == PAPER),
            "singleton_papers": sum(1 for c in components if len(c) == 1),
        },
        "papers_without_entities": {
            "count": len(empty),
            "examples": [{"key": G.nodes[n]["key"], "name": G.nodes[n]["name"]} for n in empty[:examples]],
        },
    }


def _label_rank(label: str) -> tuple[int, str]:
    return (NODE_LABEL_ORDER.index(label) if label in NODE_LABEL_ORDER else len(NODE_LABEL_ORDER), label)


def _rel_rank(rel: str) -> tuple[int, str]:
    return (REL_TYPES.index(rel) if rel in REL_TYPES else len(REL_TYPES), rel)


def format_stats(stats: dict[str, Any]) -> str:
    """Plain-text report of `graph_stats`, or of the same dict computed from Neo4j (missing parts skipped)."""
    lines = ["Nodes"]
    lines += [f"  {lab:<14}{n:>10,}" for lab, n in stats.get("nodes", {}).items()]
    lines.append("Relationships")
    lines += [f"  {t:<14}{n:>10,}" for t, n in stats.get("edges", {}).items()]
    if stats.get("top_entities"):
        lines.append("Most connected entities (papers)")
        for label, rows in stats["top_entities"].items():
            lines.append(f"  {label}: " + ", ".join(f"{r['name']} ({r['papers']})" for r in rows))
    if stats.get("degree"):
        lines.append("Degree distribution")
        for what, title in (("entity_papers", "papers per entity"), ("paper_entities", "entities per paper")):
            s = stats["degree"].get(what)
            if s:
                lines.append(f"  {title:<19} min {s['min']}  median {s['median']}  mean {s['mean']}  "
                             f"p90 {s['p90']}  max {s['max']}  (n={s['count']:,})")
    c = stats.get("components")
    if c:
        lines.append(f"Connected components: {c['count']:,} (largest: {c['largest_nodes']:,} nodes, "
                     f"{c['largest_papers']:,} papers; single nodes: {c['singleton_papers']:,})")
    missed = stats.get("papers_without_entities")
    if missed:
        lines.append(f"Papers with no entity: {missed['count']:,}")
        lines += [f"  {r['key']}  {r['name']}" for r in missed["examples"]]
        if missed["count"] > len(missed["examples"]):
            lines.append(f"  ... and {missed['count'] - len(missed['examples']):,} more")
    return "\n".join(lines)
