"""Canonical keys: one key per real thing, whatever its spelling, in every paper.

`canonical_key("ResNet-50", "MODEL") == canonical_key("ResNet50", "MODEL")`, and
`canonical_key("Transformers", "MODEL") == canonical_key("transformer", "MODEL")`. Well-known
abbreviations map to their long form's key (`V1` -> `primary visual cortex`), so papers that only use
the short form meet papers that define it. The graph stage calls this too, so it must stay cheap and
deterministic: changing it changes keys, so bump EXTRACTION_VERSION with it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from . import docs  # noqa: F401  (registers the Doc extensions)

DATA = Path(__file__).parent / "data"

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PLUS_TAIL = re.compile(r"\w ?(\++)[^\w+]*$")  # the "++" of "PointNet++", which edge punctuation would lose
_WORD = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9\s]+|\s+")

# Irregular plurals of head nouns (mostly anatomy); anything else loses a plain English "s".
_IRREGULAR = {
    "nuclei": "nucleus", "hippocampi": "hippocampus", "gyri": "gyrus", "sulci": "sulcus",
    "cortices": "cortex", "thalami": "thalamus", "colliculi": "colliculus", "fasciculi": "fasciculus",
    "lobuli": "lobulus", "corpora": "corpus", "data": "data", "indices": "index", "matrices": "matrix",
    "vertices": "vertex", "analyses": "analysis", "hypotheses": "hypothesis", "bases": "basis",
    "criteria": "criterion", "phenomena": "phenomenon", "strata": "stratum", "striata": "striatum",
    "amygdalae": "amygdala", "amygdalas": "amygdala", "formae": "forma", "tracts": "tract",
}
_KEEP_S = ("ss", "us", "is", "os", "ys", "as")
_PLURAL_AS = {"areas", "retinas", "foveas", "corneas", "schemas", "lemmas", "antennas", "formulas", "ideas",
              "arenas", "dilemmas", "cameras", "agendas", "vistas", "lacunas", "stromas", "gliomas", "sarcomas"}
"""Plurals in -as, listed: the rule for -as words would also cut "atlas", "bias", "pancreas" and names
("Thomas algorithm")."""


def _singular(word: str) -> str:
    """Singular of a noun, conservative: only forms that are clearly plural change."""
    low = word.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if len(word) >= 3 and word[-1] == "s" and word[:-1].isupper() and any(c.isalpha() for c in word[:-1]):
        return word[:-1]  # CNNs, LLMs, GANs
    if len(low) <= 3 or not low.isalpha():
        return word
    if low.endswith("ies") and len(low) > 5 and low not in {"series", "species"}:
        return word[:-3] + "y"
    if low.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if low in _PLURAL_AS:
        return word[:-1]
    if low.endswith("s") and not low.endswith(_KEEP_S) and low not in {"dynamics", "physics", "statistics"}:
        return word[:-1]
    return word


# British spellings, to their American form in keys only (the display name keeps the paper's spelling):
# "optimisation", "modelling", "analyse", "behaviour", "centre", "grey", "haemodynamic", "dialogue".
_SPELLINGS = [
    (re.compile(r"isation"), "ization"),
    (re.compile(r"(?<=al|im|ar|er|en|or|ic|an|ol|at|on|rd|om|gn|it)is(?=(?:e|ed|es|ing|er|ers)\b)"), "iz"),
    (re.compile(r"(?<=[a-z])ys(?=(?:e|ed|es|ing|er|ers)\b)"), "yz"),
    (re.compile(r"ell(?=(?:ing|ed|er|ers)\b)"), "el"),
    (re.compile(r"\b(behavi|col|neighb|fav|lab|harb|hum|flav|vap|rum|tum|od|arm|endeav)our"), r"\1or"),
    (re.compile(r"\b(cen|fib|lit|met|thea|spec)tre(s?)\b"), r"\1ter\2"),
    (re.compile(r"\bgrey\b"), "gray"),
    (re.compile(r"\bhaem"), "hem"),
    (re.compile(r"\bprogramme"), "program"),
    (re.compile(r"(?<=[a-z]{3})ogue(s?)\b"), r"og\1"),
]


def _american(text: str) -> str:
    """`text` (lower case) with British spellings made American, so both spellings share one key."""
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return text


def normalize_surface(text: str) -> str:
    """The surface form as score.py sees it: NFKC, unified dashes, single spaces, no edge punctuation."""
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", text))
    text = " ".join(text.split())
    return re.sub(r"^[\W_]+|[\W_]+$", "", text)


def _compact(text: str) -> str:
    """Lowercase, singular nouns, American spelling, letters and digits only, "+" spelled out.

    Every word is made singular, not only the head: "principal components analysis" is "principal
    component analysis", and a key is never shown, so "towards" -> "toward" harms nothing. "PointNet++",
    "U-Net++", "CK+" and "C++" are other things than PointNet, U-Net, CK and C."""
    tail = _PLUS_TAIL.search(text)
    text = normalize_surface(text) + (tail.group(1) if tail else "")
    pieces = [_singular(piece) if piece[0].isalnum() else piece for piece in _WORD.findall(text)]
    return _NON_ALNUM.sub("", _american("".join(pieces).lower()).replace("+", "plus"))


@lru_cache(maxsize=1)
def known_abbreviations() -> dict[tuple[str, str], str]:
    """(label, compact short form) -> long form, from the curated abbreviation list in data/."""
    table: dict[tuple[str, str], str] = {}
    path = DATA / "abbreviations.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    table[(row["label"], _compact(row["short"]))] = row["long"]
    return table


_HEAD_WORDS = r"(?:[\s-]+(?:data ?sets?|benchmarks?|corpus|corpora|databases?)){1,2}$"
_DATASET_HEAD = re.compile(_HEAD_WORDS, re.IGNORECASE)
"""Generic heads after a dataset name: "the MNIST dataset" and "the KITTI benchmark dataset" are MNIST and
KITTI, one node with "MNIST" and "KITTI" elsewhere."""


_LOWER_HEAD = re.compile(_HEAD_WORDS)
_NOT_BARE = re.compile(r"(?:-?like|\d+D)$")

DATASET_QUALIFIERS = frozenset({
    "detection", "segmentation", "recognition", "classification", "captioning", "tracking", "retrieval",
    "translation", "parsing", "tagging", "answering", "comprehension", "inference", "summarization", "generation",
    "estimation", "localization", "reconstruction", "completion", "prediction", "reasoning", "grounding",
    "matching", "alignment", "verification", "identification", "re-identification", "reading", "understanding",
    "forecasting", "labeling", "linking", "extraction", "modeling", "modelling", "keypoint", "keypoints", "pose",
    "face", "object", "instance", "semantic", "panoptic", "scene", "image", "video", "question", "sentiment",
    "action", "stereo", "depth", "speech", "entity", "relation", "person", "pedestrian", "test", "testing",
    "training", "train", "validation", "val", "dev", "development", "evaluation", "held-out"
})
"""Lower-case task and split words between a dataset's name and its head ("the COCO detection benchmark",
"the KITTI object tracking dataset", "the WSJ test set"): the name with them is still that dataset."""
QUALIFIED_HEADS = frozenset({"dataset", "benchmark", "corpus", "database", "challenge", "set", "split"})
_QUALIFIED = re.compile(r"(?:\s+(?:" + "|".join(sorted(DATASET_QUALIFIERS, key=len, reverse=True)) + r")){1,3}"
                        r"\s+(?:" + "|".join(sorted(QUALIFIED_HEADS)) + r")$")


def dataset_core(text: str) -> str:
    """`text` without a qualified head ("COCO detection benchmark" -> "COCO"), when a name with a capital or
    a digit is left; else `text` itself."""
    core = _QUALIFIED.sub("", text)
    return core if core != text and any(c.isupper() or c.isdigit() for c in core) else text


def _bare_dataset_names(forms: list[str], seen: set[str]) -> list[str]:
    """The names inside "X dataset" / "X benchmark" forms: the guidelines list such a shortened form as an
    alias ("MNIST dataset" has the alias "MNIST"), even where the text never writes it alone. Only a
    lower-case head comes off ("Brown Corpus" is a whole name), and only from names with a capital or a digit
    ("training data set", "MNIST-like dataset" and "3D dataset" give nothing)."""
    bare = []
    for form in forms:
        name = _LOWER_HEAD.sub("", dataset_core(form)).strip()
        if name != form and sum(c.isalpha() for c in name) >= 2 and not _NOT_BARE.search(name) \
                and any(c.isupper() or c.isdigit() for c in name) and name.lower() not in seen:
            seen.add(name.lower())
            bare.append(name)
    return bare


@lru_cache(maxsize=200_000)
def canonical_key(text: str, label: str) -> str:
    """Key shared by every spelling of one entity of type `label` (unique within that label)."""
    if label == "DATASET":
        surface = normalize_surface(text)
        if (bare := _DATASET_HEAD.sub("", surface)) and bare != surface:
            text = bare
    compact = _compact(text)
    long_form = known_abbreviations().get((label, compact))
    if long_form is not None:
        return _compact(long_form)
    return compact


_GENERIC_TAILS = {
    "MODEL": re.compile(r"[\s-]+(?:models?|architectures?)$", re.IGNORECASE),
    "METHOD": re.compile(r"[\s-]+(?:methods?|algorithms?|mechanisms?|techniques?|approach(?:es)?|procedures?|"
                         r"classifiers?|estimators?)$", re.IGNORECASE),
    "METRIC": re.compile(r"[\s-]+scores?$", re.IGNORECASE),
}


@lru_cache(maxsize=200_000)
def bare_key(text: str, label: str) -> str | None:
    """The key of `text` without a generic last word that only says what kind of thing it is, or None.

    "Hodgkin-Huxley model" is the Hodgkin-Huxley of other papers, "self-attention mechanism" their
    self-attention and "COCO detection benchmark" their COCO (`dataset_core`), but "genetic algorithm" is not
    "genetic methods". So the tail never leaves the key:
    an entity joins the one whose key is its bare key only where both occur, in one abstract
    (`group_entities`) or across papers (the graph stage)."""
    surface = normalize_surface(text)
    if label == "DATASET":
        bare = dataset_core(surface)
    elif (tail := _GENERIC_TAILS.get(label)) is not None:
        bare = tail.sub("", surface)
    else:
        return None
    if bare == surface or sum(c.isalnum() for c in bare) < 2:
        return None
    return canonical_key(bare, label)


@dataclass
class EntityGroup:
    """All spans of one entity in one Doc, before offsets are mapped back to the paper's fields."""

    key: str
    label: str
    name: str
    aliases: list[str]
    spans: list[Span]


def _choose_label(spans: list[Span]) -> str:
    """Majority label; ties go to the label of the span with the strongest provenance, then the first."""
    votes = Counter(span.label_ for span in spans)
    best = max(votes.values())
    for span in spans:
        if votes[span.label_] == best:
            return span.label_
    return spans[0].label_


# Trailing words that only say "this is a method": "sparse coding models" = "sparse coding approach".
_METHOD_TAILS = {"model", "models", "approach", "approaches", "method", "methods", "framework", "frameworks",
                 "technique", "techniques", "algorithm", "algorithms"}
SHORTENED_LABELS = ("METHOD",)


def _core(text: str) -> tuple[str, ...]:
    """The words of a method name without a generic tail, head singular: the part that names the method."""
    words = normalize_surface(text).lower().replace("-", " ").split()
    while len(words) > 1 and words[-1] in _METHOD_TAILS:
        words.pop()
    if words:
        words[-1] = _singular(words[-1])
    return tuple(words)


def _bare(text: str) -> bool:
    """A method name of two or more words without a generic tail word."""
    words = normalize_surface(text).lower().replace("-", " ").split()
    return len(words) >= 2 and words[-1] not in _METHOD_TAILS


def _merge_shortened(merged: dict[tuple[str, str], list[Span]], long_forms: set[tuple[int, int]]
                     ) -> dict[tuple[str, str], list[Span]]:
    """Join method names that are shortened forms of each other in one abstract.

    "coding models" after "convolutional sparse coding models", or "spectral clustering" after "normalized
    spectral clustering": the guidelines make a shortened form an alias of the full name, so both
    are one entity (one core a word suffix of the other; names that share a shortened form join too, as
    "language encoding models" and "acoustic encoding models" do through "encoding models").

    Names the text defines with a short form of their own ("support vector machines (SVM)" beside
    "high-performance support vector machines (HPSVM)") and curated names are named things: two of them
    that are not one another's shortening stay two entities, through any chain of shortenings, and a
    shortened form of two such names joins neither ("reinforcement learning" beside "robust adversarial
    reinforcement learning (RARL)" and "risk-averse RARL (RARARL)", or "Kalman filter" beside the extended
    and the ensemble Kalman filter).
    """
    keys = [k for k in merged if k[0] in SHORTENED_LABELS]
    if len(keys) < 2:
        return merged
    cores = {k: _core(merged[k][0].text) for k in keys}
    defined = {k for k in keys if any((s.start, s.end) in long_forms for s in merged[k])}
    named = defined | {k for k in keys if any(s.id_ == "lexicon:curated" for s in merged[k])}

    def shortens(a: tuple[str, str], b: tuple[str, str]) -> bool:
        ca, cb = cores[a], cores[b]
        return (a != b and a[0] == b[0] and bool(ca) and len(ca) <= len(cb) and cb[len(cb) - len(ca):] == ca
                and not any(c.isupper() for c in merged[a][0].text[1:])  # "FLAN" is a name, not a shortening
                and not (a in defined and b in defined))

    def distinct(a: tuple[str, str], b: tuple[str, str]) -> bool:
        return a in named and b in named and not (shortens(a, b) or shortens(b, a))

    parent = {k: k for k in keys}
    group = {k: {k} for k in keys}

    def find(k: tuple[str, str]) -> tuple[str, str]:
        while parent[k] != k:
            k = parent[k]
        return k

    for a in keys:
        longer = [b for b in keys if shortens(a, b)]
        if any(distinct(b, c) for b, c in combinations(longer, 2)):
            continue
        for b in longer:
            ra, rb = find(a), find(b)
            if ra != rb and not any(distinct(x, y) for x in group[ra] for y in group[rb]):
                parent[ra] = rb
                group[rb] |= group.pop(ra)
    out: dict[tuple[str, str], list[Span]] = {}
    for key, members in merged.items():
        root = find(key) if key in parent else key
        out.setdefault(root, []).extend(members)
    return out


def _merge_tailed(merged: dict[tuple[str, str], list[Span]], base: dict[tuple[int, int], str]
                  ) -> dict[tuple[str, str], list[Span]]:
    """Join "X model" / "X algorithm" spans to the entity X of the same type in the same abstract."""
    out: dict[tuple[str, str], list[Span]] = {}
    for (label, key), members in merged.items():
        bare = {bare_key(base[(s.start, s.end)], label) for s in members} - {None, key}
        target = next((b for b in sorted(bare) if (label, b) in merged), key)
        out.setdefault((label, target), []).extend(members)
    return out


def _most_used(members: list[Span], base: dict[tuple[int, int], str]) -> str:
    """The most frequent form, then the longest; but a name of several words written out in full wins over
    a more frequent shorter one ("ventral tegmental area" over "VTA", "rostral periaqueductal gray" over
    "rostral PAG")."""
    counts = Counter(s.text for s in members)
    name = max(counts, key=lambda t: (counts[t], len(t), -members.index(next(s for s in members if s.text == t))))
    spelled = [s.text for s in members if base[(s.start, s.end)] == s.text and len(s) > 1]
    if spelled and name not in spelled:
        name = max(spelled, key=lambda t: (counts[t], len(t)))
    return name


def _written_bare(name: str, members: list[Span]) -> str:
    """"Cityscapes" for "the Cityscapes benchmark" when the text also writes "Cityscapes" alone: the head
    only says what kind of thing the name is (a capitalised head is part of the name: "Brown Corpus")."""
    bare = _LOWER_HEAD.sub("", name).strip()
    if bare == name:
        return name
    return next((s.text for s in members if s.text == bare), name)


def group_entities(doc: Doc, spans: list[Span], pairs: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[
        EntityGroup]:
    """Group entity spans by canonical key; a short form joins its long form's group."""
    long_of = {short: long for short, long in pairs}
    # a one-word short form inside a longer name reads as its long form: "rostral PAG" = "rostral periaqueductal gray"
    expand = {doc[short[0]].text: doc[long[0]:long[1]].text for short, long in pairs if short[1] - short[0] == 1}

    def spelled_out(start: int, end: int) -> str:
        span = doc[start:end]
        if len(span) > 1 and any(t.text in expand for t in span):
            return "".join(expand.get(t.text, t.text) + t.whitespace_ for t in span).strip()
        return span.text

    # a short form takes its long form's key, spelled out the same way ("S-KAN" = "Selectable KAN", and
    # both are "Selectable Kolmogorov-Arnold Networks" where KAN is defined)
    base = {(span.start, span.end): spelled_out(*long_of.get((span.start, span.end), (span.start, span.end)))
            for span in spans}
    # a curated abbreviation ("fMRI") fixes the key of the long form it is defined with in this text
    # ("functional MRI"), so that papers using either spelling meet
    known = known_abbreviations()
    for short, long in pairs:
        short_span = doc[short[0]:short[1]]
        label = next((s.label_ for s in spans if (s.start, s.end) == short), None)
        if label is not None and (label, _compact(short_span.text)) in known:
            long_key = canonical_key(spelled_out(*long), label)  # any spelling: "Long Short Term Memory Networks"
            for span in spans:
                where = (span.start, span.end)
                if where in (short, long) or canonical_key(base[where], label) == long_key:
                    base[where] = short_span.text
    by_key: dict[str, list[Span]] = {}
    for span in spans:
        by_key.setdefault(canonical_key(base[(span.start, span.end)], span.label_), []).append(span)
    # the same text typed two ways in one abstract is one entity: keep the majority type
    merged: dict[tuple[str, str], list[Span]] = {}
    for members in by_key.values():
        label = _choose_label(members)
        key = canonical_key(base[(members[0].start, members[0].end)], label)
        merged.setdefault((label, key), []).extend(members)
    long_forms = set(long_of.values())
    merged = _merge_shortened(_merge_tailed(merged, base), long_forms)
    groups = []
    for (label, key), members in merged.items():
        members.sort(key=lambda s: s.start)
        defined = [s for s in members if (s.start, s.end) in long_forms]
        counts = Counter(s.text for s in members)
        shorts = [long_of[(s.start, s.end)] for s in members if (s.start, s.end) in long_of]
        if defined:
            name = defined[0].text
        elif shorts and all((s.start, s.end) in long_of for s in members):
            name = doc[shorts[0][0]:shorts[0][1]].text  # the long form sits inside a longer name ("part of the X")
        elif label in SHORTENED_LABELS and len(members) > 1 and any(_bare(s.text) for s in members):
            # "sparse coding" over "sparse coding model": the generic tail is not part of the name; of the
            # rest the most complete ("deep reinforcement learning" over a more frequent "reinforcement learning")
            bare = [s for s in members if _bare(s.text)]
            name = max(bare, key=lambda s: (len(_core(s.text)), counts[s.text], len(s.text))).text
        else:
            name = _most_used(members, base)
        qualified = label == "DATASET" and (core := dataset_core(name)) != name \
            and any(s.id_.startswith("qualified+") or s.text == core for s in members)
        if qualified:  # "the COCO detection benchmark" is COCO: a form without task or split words names it
            plain = [s for s in members if dataset_core(s.text) == s.text]
            name = _most_used(plain, base) if plain else core
        elif label == "DATASET" and not defined:
            name = _written_bare(name, members)
        seen = {name.lower()}
        aliases = []
        for span in members:
            if span.text.lower() not in seen:
                seen.add(span.text.lower())
                aliases.append(span.text)
        if label == "DATASET":
            aliases += _bare_dataset_names([name, *aliases], seen)
        key_of = {s.text: canonical_key(base[(s.start, s.end)], label) for s in members}
        if qualified:
            key = canonical_key(name, label)
        elif len(set(key_of.values())) > 1:  # joined shortened forms: the name's key, not whichever joined first
            key = key_of.get(name, key)
            if (tail := bare_key(name, label)) in key_of.values():  # "X model" joined to X keeps X's key
                key = tail
        groups.append(EntityGroup(key=key, label=label, name=name, aliases=aliases, spans=members))
    groups.sort(key=lambda g: g.spans[0].start)
    return groups


@Language.factory("kgbuild_canonical")
def make_canonical(nlp: Language, name: str) -> Canonicalizer:
    return Canonicalizer(name)


class Canonicalizer:
    """Sets `doc._.kg_entities`: one EntityGroup per real thing, from `doc.spans["kg:entities"]`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans["kg:entities"]) if "kg:entities" in doc.spans else list(doc.ents)
        doc._.kg_entities = group_entities(doc, spans, doc._.kg_pairs or [])
        return doc
