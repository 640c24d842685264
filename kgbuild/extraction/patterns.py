"""Shape patterns: names that announce themselves by their form (`*-Net`, `GPT-4`, `X dataset`, cortical areas).

Each rule has a label, a name and a regular expression over the text whose matches must line up
with token boundaries. (As spaCy Matcher patterns, REGEX and IN predicates cost a Python call per
token and made this the slowest component by far; one regex pass over the text runs at C speed.)
The `kgbuild_shapes` component writes every match to its span group with the rule name as span id,
so provenance says which rule fired.
"""

from __future__ import annotations

import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from .docs import doc_text
from .mine_datasets import listed_names

NOT_MODEL_NETS = r"(?!(?:Image|Word|Shape|Model|Concept|Verb|Frame|Object|Scan|Bio|Pro|Ether|Inter|Sub|Dot|Wiki)Net)"
MODEL_FAMILIES = [
    "GPT", "GPT-2", "GPT-3", "GPT-3.5", "GPT-4", "GPT-4o", "BERT", "RoBERTa", "ALBERT", "DeBERTa", "ELECTRA",
    "T5", "mT5", "BART", "LLaMA", "Llama", "Llama-2", "Llama-3", "Mistral", "Mixtral", "Qwen", "Qwen2",
    "Qwen2.5", "Gemma", "Gemini", "PaLM", "OPT", "BLOOM", "Falcon", "Pythia", "Phi", "Claude", "DeepSeek",
    "Vicuna", "Alpaca", "CLIP", "BLIP", "LLaVA", "ViT", "DeiT", "Swin", "ResNet", "ResNeXt", "VGG",
    "EfficientNet", "MobileNet", "DenseNet", "YOLO", "DINO", "DINOv2", "SAM", "Whisper", "wav2vec",
    "StyleGAN", "Stable", "Codex", "StarCoder", "InternLM", "Yi", "Baichuan", "Mamba", "Inception", "XLM",
]
DATASET_HEADS = ["dataset", "datasets", "benchmark", "benchmarks", "corpus", "corpora", "database", "suite",
                 "challenge", "collection", "treebank"]
REGION_HEADS = ["cortex", "cortices", "nucleus", "nuclei", "gyrus", "gyri", "sulcus", "sulci", "lobe", "lobule",
                "thalamus", "striatum", "colliculus", "stream", "pathway", "amygdala", "hippocampus",
                "cerebellum", "area", "areas", "tegmentum", "tectum", "pallidum", "formation", "complex",
                "fasciculus", "tract", "commissure", "capsule", "ganglia", "pole", "operculum", "cingulum",
                "region", "regions", "hemisphere", "hemispheres"]
REGION_MODIFIERS = [
    "visual", "auditory", "motor", "premotor", "somatosensory", "sensory", "sensorimotor", "prefrontal",
    "frontal", "parietal", "temporal", "occipital", "entorhinal", "perirhinal", "parahippocampal", "cingulate",
    "insular", "orbitofrontal", "retrosplenial", "piriform", "olfactory", "gustatory", "extrastriate",
    "striate", "inferotemporal", "dorsolateral", "ventrolateral", "ventromedial", "dorsomedial", "basolateral",
    "subthalamic", "geniculate", "accumbens", "caudate", "thalamic", "hypothalamic", "cerebellar", "cortical",
    "hippocampal", "limbic", "paraventricular", "suprachiasmatic", "arcuate", "septal", "pontine", "vestibular",
    "cochlear", "trigeminal", "solitary", "reticular", "intralaminar", "mediodorsal", "pulvinar", "fusiform",
    "lingual", "angular", "supramarginal", "precentral", "postcentral", "calcarine", "intraparietal",
    "barrel", "association", "posterior", "anterior", "medial", "lateral", "dorsal", "ventral", "superior",
    "inferior", "primary", "secondary", "higher", "rostral", "caudal", "middle", "central", "basal", "deep",
    "early", "mid", "high-level", "low-level", "face", "place", "body", "word", "language", "ventrotemporal",
]
STRONG_MODIFIERS = set(REGION_MODIFIERS[:64])
METHOD_NAMED_HEADS = ["algorithm", "transform", "transformation", "decomposition", "filter", "filtering",
                      "sampling", "regression", "estimator", "process", "inference", "optimization", "kernel",
                      "sampler", "iteration", "rule", "smoothing"]
# heads that an adjective of a name makes no name of ("Bayesian method", "Gaussian approximation"), unlike
# a name itself ("Newton's method", "Galerkin approximation", "Monte Carlo method")
METHOD_NAMED_ADJECTIVE_HEADS = ["method", "approximation", "approximations"]
SOFTWARE_HEADS = ["simulator", "software", "toolbox", "toolkit", "package", "library", "verifier", "compiler",
                  "environment", "platform", "app", "website", "browser", "plugin", "plug-in", "editor", "interpreter",
                  "engine", "language", "tool"]
"""What a program is called ("the Webots simulator", "GURLS: a Least Squares Library"): no technique or model."""
SOFTWARE_HEAD_FORMS = [*SOFTWARE_HEADS, *(h[:-1] + "ies" if h.endswith("y") else h + "es" if h.endswith("x")
                                         else h + "s" for h in SOFTWARE_HEADS)]
MEASURE_NAMED_HEADS = ["distance", "divergence"]  # "Hamming distance", "Jensen-Shannon divergence": measures

NOT_DATASET_WORDS = [
    "English", "Chinese", "German", "French", "Japanese", "Arabic", "Spanish", "Hindi", "Russian", "Korean",
    "Italian", "Dutch", "Portuguese", "Turkish", "Persian", "Urdu", "Bengali", "Vietnamese", "Indonesian",
    "Multilingual", "Bilingual", "Monolingual", "Twitter", "Wikipedia", "Reddit", "Facebook", "YouTube", "Google",
    "GitHub", "Amazon", "Web", "Proposed", "New", "Same", "Original", "Whole", "Entire", "Full", "Public", "Real",
    "Synthetic", "Training", "Test", "Validation", "Benchmark", "Dataset", "Large", "Small", "Standard", "Above",
    "Following", "First", "Second", "Third", "Final", "Resulting", "Combined", "Extended", "Augmented",
]
CURATED_DATASETS = Path(__file__).parent / "data" / "curated" / "datasets.txt"


def _dataset_names() -> frozenset[str]:
    """Curated dataset names of one or two words ("DAVIS", "PASCAL VOC") whose numbered variants are datasets
    too ("DAVIS 2017", "PASCAL VOC 2007")."""
    names = {line.strip() for line in CURATED_DATASETS.read_text(encoding="utf-8").splitlines()}
    return frozenset(n for n in names if n and not n.startswith("#") and len(n) >= 3 and len(n.split()) <= 2
                     and all(w.isalpha() for w in n.split()) and not n.startswith("The "))


# "2007", "5K", "v2", and versions "v2.0", "2.1" (not a score: "ImageNet 8.5% error")
_VARIANT = r"(?:v\d+(?:\.\d+)+|(?<![\d.])\d\.\d{1,2}(?![\d%]|\.\d)|\d+x\d+|\d{1,4}|\d+[kK]|v\d+)(?:/\d+)?"
_FAMILIES = "|".join(sorted((re.escape(f) for f in MODEL_FAMILIES), key=len, reverse=True))
_VERSION = r"(?:[A-Z]\d+|v?\d+(?:\.\d+)*[A-Za-z]{0,2}|\d+(?:\.\d+)?[BMKbmk]|XL|XXL|[Bb]ase|[Ll]arge|[Ss]mall|[Tt]iny|" \
           r"[Mm]ini|[Mm]edium|[Hh]uge|Instruct|Chat|Turbo|Pro|Ultra|Vision|Coder|Nano|Flash)"
_PART = r"[A-Z0-9][a-z0-9]*[A-Z0-9][A-Za-z0-9.+]*"
_CODE = _PART + r"(?:-" + _PART + r"|-\d+)*"  # ImageNet, MS-COCO, NAS-Bench-201: not an ordinary word
_CAP = r"[A-Z][\w+]*(?:[.-][\w+]+)*"  # a capitalised word, inner dots and hyphens allowed
_TITLED = r"(?:[A-Z][A-Za-z0-9.+]*(?:-[A-Z0-9][A-Za-z0-9.+]*)*|of|and|for|the)"

# Capitalised words that describe data rather than name it ("the English corpus", "the Twitter dataset").
_NAMED = r"(?<=[a-z,;] )(?:[A-Z][\w-]*[a-z] )*[A-Z][a-z]+(?:'s)? "  # capitalised words after a lower-case one
_NOT_NAMES = "(?:" + "|".join(sorted(NOT_DATASET_WORDS, key=len, reverse=True)) + ")"
# Function words a sentence starts with, capitalised by their place, not part of a name ("Unlike NoSQL
# databases", "While SQL Server database ...").
STARTER_WORDS = [
    "Unlike", "Like", "While", "Whereas", "Although", "Though", "Because", "Since", "When", "Where", "If", "As",
    "Using", "Via", "With", "Without", "Within", "In", "On", "For", "From", "To", "Into", "By", "At", "Of", "Our",
    "Their", "Its", "This", "These", "Those", "That", "The", "A", "An", "We", "It", "They", "Both", "Each",
    "Every", "All", "Any", "Some", "Many", "Most", "Several", "Such", "However", "Moreover", "Furthermore",
    "Thus", "Hence", "Here", "There", "Then", "Also", "After", "Before", "During", "Among", "Across", "Beyond",
    "Despite", "Through", "Under", "Over", "Between", "Against", "Toward", "Towards", "Upon", "Compared", "Given",
    "Based", "Besides", "Instead", "Unless", "Until", "Once", "Only", "Even", "Either", "Neither", "Not", "No",
    "Whether", "Which", "What", "How", "Why", "Who"
]
_STARTERS = r"(?!(?:" + "|".join(sorted(STARTER_WORDS, key=len, reverse=True)) + r")\b)"

# "we introduce Zorb Steering, a training-free steering technique", "a model called ZorbNet": the text
# names its own system and says what it is; the head noun gives the type. The name (group "name") is
# one to four capitalised words, each with a letter after the first.
_INTRODUCED = (r"(?:\b[Ww]e (?:propose|introduce|present|develop|describe|design|call|term|name|dub)"
               r"(?: (?:a|an|the))? )")
_OWN_NAME = (r"(?P<name>(?!(?:The|A|An|This|These|Our|It|We)\b)"
             r"[A-Z][A-Za-z0-9]*[A-Za-z0-9](?:[- ][A-Z][A-Za-z0-9]*){0,3})")
_INTRODUCED_HEAD = (r"\b[Ww]e (?:also |further |then |here |now |first |next )?"
                    r"(?:propose|introduce|present|develop|design) (?:a|an|our|the) ")
_CODE_NAME = r"(?P<name3>[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)"
_MODEL_HEADS = r"(?:model|architecture|network|transformer|encoder|decoder)s?"
_METHOD_HEADS = (r"(?:method|technique|framework|algorithm|approach|mechanism|procedure|strategy|paradigm|"
                 r"objective|loss|regularizer)s?")


# after "called X" the name must end: "called Levy flight" is a longer name in lower case, not "Levy"
_NAME_ENDS = r"(?= ?[,.;:()\[]|$| (?:and|or|to|for|that|which|is|was|are|in|on|with|as)\b)"
_OTHER_HEADS = r"(?:dataset|benchmark|corpus|database|task|suite|library|toolkit|tool)s?"
_ANY_HEAD = r"(?:" + _MODEL_HEADS + "|" + _METHOD_HEADS + "|" + _OTHER_HEADS + r")(?![\w-])"


def _apposition(heads: str) -> str:
    """`we introduce NAME, a ... HEAD`, `a ... HEAD called NAME` or `we propose a ... HEAD, NAME`: the first
    head noun within six words decides ("ZQA, a dataset of questions for training models" is no model;
    "transformer-based" is no head). After the head, the name is one code-shaped word ("MixHop", "GP-MW")."""
    return (r"(?:" + _INTRODUCED + _OWN_NAME + r", (?:a|an|the) (?:(?!" + _ANY_HEAD + r")[\w/-]+,? ){0,6}" + heads
            + r"|\b" + heads + r",? (?:called|named|termed|dubbed) " + _OWN_NAME.replace("?P<name>", "?P<name2>")
            + _NAME_ENDS
            + r"|" + _INTRODUCED_HEAD + r"(?:(?!" + _ANY_HEAD + r")[\w/-]+ ){0,4}" + heads + r",? " + _CODE_NAME
            + _NAME_ENDS + r")(?![\w-])")


SELF_NAMING = {"apposition_model", "apposition_method", "title_dataset"}
"""Rules whose name is then found at every other use in the same text."""

# Rules on the text (one C-speed regex pass each); the match must line up with token boundaries.
TEXT_RULES: list[tuple[str, str, str]] = [
    ("MODEL", "net_token", r"(?<![\w-])" + NOT_MODEL_NETS
     + r"[A-Z][A-Za-z0-9]*Net(?:-?v?\d+[A-Za-z]*|\+\+|s)?(?![\w-])"),
    ("MODEL", "hyphen_net", r"(?<![\w-])[A-Z][A-Za-z0-9]*-Net(?:s|\d+|\+\+)?(?![\w-])"),
    ("MODEL", "former_token", r"(?<![\w-])[A-Z][A-Za-z0-9]*[Ff]ormer(?:-?v?\d+)?(?![\w-])"),
    ("MODEL", "versioned_family", r"(?<![\w-])(?:" + _FAMILIES + r")(?:[- ]?" + _VERSION + r"(?![\w]))+"),
    # "Zorb-7B", "Foo-Chat-1.5B": a name with a parameter count in billions is a trained model (a name of
    # three characters or more: "IL-1B" is a cytokine)
    ("MODEL", "sized_model", r"(?<![\w-])[A-Z][A-Za-z0-9.]{2,}(?:-[A-Za-z0-9.]+)*-\d+(?:\.\d+)?B(?![\w-])"),
    ("MODEL", "hyphen_llm", r"(?<![\w-])[A-Z][A-Za-z0-9]+-(?:LLM|GPT|BERT|GAN|VAE|ViT|CLIP|NeRF|LM|VLM)(?![\w-])"),
    # the first word has a letter: "TUT Sound Events 2017 dataset" gives no "2017 dataset"
    ("DATASET", "named_dataset", r"(?<![\w-])(?=[\w.+-]*[A-Za-z])(?:" + _CODE + r" ){1,3}(?:" + "|".join(DATASET_HEADS)
     + r")(?![\w-])"),
    ("DATASET", "titled_dataset", r"(?<![\w-])" + _STARTERS + r"(?:" + _TITLED + r" ){1,4}(?:Dataset|Benchmark|Corpus|"
     r"Database|Suite|Challenge|Treebank)(?![\w-])"),
    # "Labeled Faces in the Wild dataset": two or more capitalised words before a lower-case head name a dataset
    # (not "on": "Experiments on the Gigaword benchmark" is a sentence)
    ("DATASET", "titled_lower_dataset", r"(?<![\w-])" + _STARTERS + _CAP + r"(?: (?:of|for|the|in)){0,2}"
     r"(?: " + _CAP + r"(?: (?:of|for|the|in)){0,2}){1,4} (?:dataset|benchmark|corpus|database)s?"
     r"(?![\w-])"),
    # "the Cityscapes dataset", "the Tobacco-3482 dataset": one capitalised word after "the" before a dataset head
    ("DATASET", "the_word_dataset", r"(?<=[Tt]he )(?!" + _NOT_NAMES + r"\b)[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
     r" (?:dataset|benchmark|corpus|database)s?(?![\w-])"),
    # "VOC 2007-12", "DCASE 2018 Task 5", not "CoNLL-2014 10": any one or two words before a variant, kept
    # when they are a curated name (`_bounds`); one alternation of 1,500 names would be a slow regex
    ("DATASET", "dataset_variant", r"(?<![\w-])(?P<base>[A-Za-z]{3,}(?: [A-Za-z]{2,})?)[- ]?" + _VARIANT
     + r"(?:-?" + _VARIANT + r")*(?: [Tt]ask ?\d{1,2}[A-Za-z]?)?(?![\w-])"),
    ("DATASET", "bench_token", r"(?<![\w-])[A-Z][A-Za-z0-9]*-?Bench(?:-?\d+)?(?![\w-])"),
    ("MODEL", "embedded_family", r"(?<![\w-])(?:[A-Z][a-z]+|[a-z]+)(?:BERT|GPT|NeRF|ViT|CLIP|LLaMA|GAN|LM)"
     r"(?:-?\d+(?:\.\d+)?[A-Za-z]?)?(?![\w-])"),
    ("BRAIN_REGION", "named_area",
     r"(?<![\w-])area (?:V\d[A-Za-z]?|MT|MST|LIP|VIP|AIP|IT|TE|TEO|F\d|\d{1,2}[a-z]?)(?![\w-])"),
    ("BRAIN_REGION", "hippocampal_field", r"(?<![\w-])CA[1-4](?![\w-])"),
    # "Foo: A large-scale dataset of ...": the title's subtitle says what the named thing is
    ("DATASET", "title_dataset", r"^[A-Z][\w-]*(?=: (?:An?|The|[A-Z][\w-]*) (?:[\w-]+ ){0,4}(?:[Dd]ataset|[Bb]enchmark|"
     r"[Cc]orpus|[Dd]atabase)s?\b)"),
    # neural encoding/decoding analyses ("neural decoding", "voxelwise encoding models"); resolve keeps them only
    # in neuroscience text, where "neural decoding" is not a sequence decoder
    ("METHOD", "coding_method", r"(?<![\w-])(?:(?:(?:[Bb]rain|[Nn]eural|fMRI|[Vv]oxel-?wise|[Ll]inear|[Nn]onlinear|"
     r"[Ll]anguage|[Ss]emantic|[Aa]coustic|[Ss]peech|MEG|EEG|[Ww]hole-brain)[ -])+(?:encoding|decoding)"
     r"(?: models?| approach(?:es)?)?|(?:[Ee]ncoding|[Dd]ecoding) models?)(?![\w-])"),
    # "TrAct: Making ..." names the paper's system, unless the subtitle calls it a program ("GURLS: a Least
    # Squares Library for ...", "DTN7: An Open-Source ... Implementation"): no technique, model or dataset
    ("METHOD", "title_name", r"^[A-Z][\w-]*[A-Z0-9][\w-]*(?=: )(?!: (?:An? |The )?(?:[\w-]+ ){0,4}(?i:"
     + "|".join(sorted([*SOFTWARE_HEAD_FORMS, "implementations?"], key=len, reverse=True))
     + r")\b(?![ -][Mm]odel))"),
    # "the Kalman filter", "the Kantorovich-Test Subdivision algorithm" (the whole run of capitalised words)
    ("METHOD", "named_method", _NAMED + r"(?:" + "|".join(METHOD_NAMED_HEADS) + r"|(?<![ei]an )(?:"
     + "|".join(METHOD_NAMED_ADJECTIVE_HEADS) + r"))(?![\w-])"),
    ("METRIC", "named_measure", _NAMED + r"(?:" + "|".join(MEASURE_NAMED_HEADS) + r")(?![\w-])"),
    ("MODEL", "apposition_model", _apposition(_MODEL_HEADS)),
    ("METHOD", "apposition_method", _apposition(_METHOD_HEADS)),
]
# Literals of which a text must contain one for the rule to match at all: a C-speed `in` test skips
# the regex pass (each pass costs about as much as tokenizing) on most abstracts.
_LLM_TAILS = ("LM", "GPT", "BERT", "GAN", "VAE", "ViT", "CLIP", "NeRF", "LLaMA")
REQUIRES: dict[str, tuple[str, ...]] = {
    "net_token": ("Net",), "hyphen_net": ("-Net",), "former_token": ("ormer",), "bench_token": ("Bench",),
    "versioned_family": tuple(MODEL_FAMILIES), "hyphen_llm": _LLM_TAILS, "embedded_family": _LLM_TAILS,
    "coding_method": ("ncoding", "ecoding"), "named_measure": (" distance", " divergence"),
    "sized_model": tuple(f"{d}B" for d in "0123456789"),
    **dict.fromkeys(["apposition_model", "apposition_method"],
                    (", a ", ", an ", ", the ", " called ", " named ", " termed ", " dubbed ", "propose ",
                     "introduce ", "present ", "develop ", "design ")),
    "titled_lower_dataset": ("dataset", "benchmark", "corpus", "database"),
    "the_word_dataset": ("dataset", "benchmark", "corpus", "database"),
    "titled_dataset": ("Dataset", "Benchmark", "Corpus", "Database", "Suite", "Challenge", "Treebank"),
    "named_area": ("area ",), "hippocampal_field": ("CA",),
}
# Anchored on the head noun; the modifiers before it are collected by `_region_start`.
TEXT_RULES.append(("BRAIN_REGION", "modified_region", r"(?<![\w-])(?:" + "|".join(REGION_HEADS) + r")(?![\w-])"))
_MODIFIER_SET = {m.lower() for m in REGION_MODIFIERS} | {"higher-order", "lower-order", "mid-level"}
# Heads whose own modifiers make a region name although they are not anatomical adjectives elsewhere:
# "ventral stream", "right hemisphere" (but not "left area" or "brain regions").
HEAD_STRONG = {"stream": {"dorsal", "ventral"}, "streams": {"dorsal", "ventral"},
               "pathway": {"dorsal", "ventral"}, "pathways": {"dorsal", "ventral"},
               "hemisphere": {"left", "right", "cerebral", "brain", "contralateral", "ipsilateral"},
               "hemispheres": {"left", "right", "cerebral", "brain", "contralateral", "ipsilateral"}}
# "region(s)" names a region only after a functional-system word and another modifier ("higher visual
# regions"); after a position or a lobe alone ("dorsomedial regions", "occipital region") it is a description.
_SYSTEMS = {"visual", "auditory", "motor", "premotor", "somatosensory", "sensorimotor", "olfactory", "gustatory",
            "language", "face", "place", "body", "word", "vestibular"}
HEAD_REQUIRES = {"region": _SYSTEMS, "regions": _SYSTEMS}
_BEFORE = re.compile(r"(?:[A-Za-z]+(?:-[A-Za-z]+)*[ -]){1,4}$")


def _parts(word: str) -> list[str]:
    """A modifier word and, for a hyphenated compound ("dorsal-lateral"), its parts."""
    low = word.lower()
    return [low, *low.split("-")] if "-" in low else [low]


def _region_start(text: str, match: re.Match) -> int | None:
    """Start of the run of anatomical modifiers before the head, or None without a strong one.

    A hyphenated modifier counts when it is listed whole ("higher-order") or all its parts are
    modifiers ("dorsal-lateral"), so that the whole compound joins the name.
    """
    before = _BEFORE.search(text, max(0, match.start() - 80), match.start())
    if before is None:
        return None
    head = match.group().lower()
    extra = HEAD_STRONG.get(head, set())
    words = re.split(r"( )", before.group())[:-1]  # word, sep, word, sep, ...
    keep = len(words)
    while keep >= 2:
        word = words[keep - 2].lower()
        if not (word in _MODIFIER_SET or word in extra
                or "-" in word and all(p in _MODIFIER_SET for p in word.split("-"))):
            break
        keep -= 2
    kept = {p for w in words[keep::2] for p in _parts(w)}
    if not HEAD_REQUIRES.get(head, STRONG_MODIFIERS | extra) & kept:
        return None
    if head in HEAD_REQUIRES and len(words[keep::2]) < 2:
        return None  # "visual regions" is a vague grouping; "early visual regions" is specific
    return before.start() + sum(len(w) for w in words[:keep])


_DATASET_NAMES = _dataset_names()


def _variant_start(match: re.Match) -> int | None:
    """Start of a numbered variant of a curated dataset name ("PASCAL VOC 2007", "DAVIS 2017"), or None."""
    base = match.group("base")
    if base in _DATASET_NAMES:
        return match.start()
    last = base.rsplit(" ", 1)[-1]
    return match.end("base") - len(last) if " " in base and last in _DATASET_NAMES else None


def _bounds(text: str, rule: str, match: re.Match) -> tuple[int | None, int]:
    """Character range of a rule's match: its "name" group when it has one."""
    if rule == "modified_region":
        return _region_start(text, match), match.end()
    if rule == "dataset_variant":
        return _variant_start(match), match.end()
    for group in ("name", "name2", "name3"):
        if group in match.re.groupindex and match.start(group) >= 0:
            return match.start(group), match.end(group)
    return match.start(), match.end()


def _other_uses(doc: Doc, text: str, named: Span, label: str, rule: str) -> list[Span]:
    """Spans of every other whole-word occurrence of a name the text introduced."""
    spans = []
    for match in re.finditer(r"(?<![\w-])" + re.escape(named.text) + r"(?![\w-])", text):
        span = doc.char_span(match.start(), match.end(), label=label, alignment_mode="contract")
        if span is not None and len(span) and span.start != named.start:
            spans.append(Span(doc, span.start, span.end, label=label, span_id=rule))
    return spans


@Language.factory("kgbuild_shapes", default_config={"spans_key": "cand:shapes"})
def make_shapes(nlp: Language, name: str, spans_key: str) -> ShapeMatcher:
    return ShapeMatcher(nlp, name, spans_key)


CASE_CUED = {"titled_dataset", "titled_lower_dataset"}
"""Rules that read capitals as a name; a Title Case title capitalises every word ("A Lexical Database")."""


_CAPITAL_BEFORE = re.compile(r"(?<![\w-])([A-Z][\w.+-]*) $")
_STARTER_SET = frozenset(STARTER_WORDS)


def _inside_capitals(text: str, start: int) -> bool:
    """Whether a capitals rule's match starts right after a capitalised word that is no sentence opener: the
    regex found no name that fits from the run's first word, so this is its tail ("VizDoom, DeepMind Lab and
    DeepMind Control Suite" gives "Lab and DeepMind Control Suite"), not a name."""
    before = _CAPITAL_BEFORE.search(text, max(0, start - 40), start)
    return before is not None and before.group(1) not in _STARTER_SET


def title_case_end(doc: Doc) -> int:
    """The title's length in characters if the title is in Title Case (most words of four letters or more
    capitalised), else 0."""
    boundary = doc._.kg_title_len
    if not boundary:
        return 0
    words = re.findall(r"[A-Za-z]{4,}", doc_text(doc)[:boundary])
    return boundary if words and sum(w[0].isupper() for w in words) >= 0.7 * len(words) else 0


class ShapeMatcher:
    """Writes every shape-rule match to `doc.spans[spans_key]`, the rule name as span id."""

    def __init__(self, nlp: Language, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key
        # a rule's required literals as one alternation: one C-speed scan instead of one `in` per literal
        self.rules = [(label, rule, re.compile(pattern),
                       re.compile("|".join(map(re.escape, REQUIRES[rule]))) if REQUIRES.get(rule) else None)
                      for label, rule, pattern in TEXT_RULES]

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        titled: int | None = None  # the Title Case title's end, read when a capitals rule first matches
        spans = []
        for label, rule, regex, requires in self.rules:
            if requires is not None and requires.search(text) is None:
                continue
            for match in regex.finditer(text):
                start, end = _bounds(text, rule, match)
                if start is None:
                    continue
                if rule in CASE_CUED:
                    titled = title_case_end(doc) if titled is None else titled
                    if start < titled or _inside_capitals(text, start):
                        continue
                span = doc.char_span(start, end, label=label, alignment_mode="contract")
                if span is None or not len(span):
                    continue
                if rule in SELF_NAMING:
                    if span.text.isalpha() and span.text.istitle() and text.count(span.text) < 2 \
                            and rule != "title_dataset":
                        continue  # one plain capitalised word ("Results, a framework") must recur to be a name
                    spans += _other_uses(doc, text, span, label, rule)
                spans.append(Span(doc, span.start, span.end, label=label, span_id=rule))
        if any(cue in text for cue in ("datasets", "benchmarks", "corpora", "databases", "data sets", " on ")):
            for start, end in listed_names(text):
                span = doc.char_span(start, end, label="DATASET", alignment_mode="contract")
                if span is not None and len(span):
                    spans.append(Span(doc, span.start, span.end, label="DATASET", span_id="dataset_list"))
        doc.spans[self.spans_key] = spans
        return doc
