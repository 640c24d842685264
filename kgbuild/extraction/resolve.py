"""Resolution: from every candidate span (lexicons, shape rules, each NER) to final, non-overlapping entities.

Steps, in order: clean each candidate's edges (a lexicon match inside a hyphenated word grows over a
glued prefix: "self-attention"); split a trained region span at words that no region name contains
("the X reach the Y" is X and Y; `data/region_breaks.txt`); drop generic phrases, spans inside URLs,
publisher notices or across the title/abstract boundary, brain-region look-alikes outside
neuroscience text, a model's unsure guesses (below `ner_min_confidence`) that the text does not define, and
datasets or multi-word techniques that only the scholarly model found in a text on no learning system;
pick spans greedily by evidence tier, then length, then the model's confidence (a rule's match first); refine MODEL vs
METHOD by shape; use abbreviation definitions to fix the long form's extent and to type every use of
the short form (a lexicon short form yields to the text's own, different definition: "episodic
memory (EM)"); a defined long form is the entity wherever it is written again; then extend
(`extend.py`): names only the NER typed take their list's type, code-like names coordinated with a
dataset or model get its type, a dataset grows over task or split words and a head after it ("the COCO
detection benchmark"), and a region grows over a positioned part word before it ("lateral part of the
X"); last, names of ideas ("... Hypothesis", "Theory of ...") are dropped.

The chosen spans go to `doc.spans["kg:entities"]` (span id = the component or rule that produced it)
and to `doc.ents`, with a model's confidence in `doc.user_data[(ENTITY_CONFIDENCE, start, end)]`;
`doc._.kg_links` pairs short forms with their long forms for the canonicaliser.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .acronyms import MIN_SHARE, SENSE_LABELS, entity_share, lexicon_keys, names_other_thing
from .canonical import canonical_key, known_abbreviations
from .docs import doc_text
from .extend import PART_WORDS, POSITION, coordinated, list_neighbours, part_start, qualified_end
from .lexicons import DEFAULT_LEXICON, read_lexicon
from .patterns import REGION_MODIFIERS, SOFTWARE_HEAD_FORMS, STARTER_WORDS
from .scored_ner import CONFIDENCE

CANDIDATE_PREFIX = "cand:"
ENTITIES_KEY = "kg:entities"
ENTITY_CONFIDENCE = "kg:confidence"
"""`doc.user_data[(ENTITY_CONFIDENCE, start, end)]`: the confidence of a chosen span that a model found."""
_BREAKS_FILE = Path(__file__).parent / "data" / "region_breaks.txt"
REGION_BREAKS = frozenset(_BREAKS_FILE.read_text(encoding="utf-8").split()) if _BREAKS_FILE.is_file() else frozenset()
"""Words WhiteText training text uses often but never inside a region name (built by build_lexicons.py)."""


def _region_heads() -> frozenset[str]:
    """Words that end at least two of the lexicon's region names ("nucleus", "putamen", "24b"), lower-cased.

    Two, because a single corpus name can end in noise ("putamen terminate"); not position words
    ("anterior") or single letters, which end names only in lists ("anterior and posterior").
    """
    if not DEFAULT_LEXICON.is_file():
        return frozenset()
    rows = read_lexicon(str(DEFAULT_LEXICON))  # cached: the lexicon matcher reads the same file
    heads = Counter(row["text"].split()[-1].lower() for row in rows if row["label"] == "BRAIN_REGION")
    return frozenset(word for word, count in heads.items() if count >= 2 and len(word) > 1
                     and not POSITION.match(word))


REGION_HEADS = _region_heads()


def _region_words() -> frozenset[str]:
    """Words of three letters or more in at least two of the lexicon's region names ("glomerular", "corpus",
    "subthalamic"), lower-cased; not position words nor part words ("part", "division"), which say where
    in a thing, not what."""
    if not DEFAULT_LEXICON.is_file():
        return frozenset()
    counts = Counter(word for row in read_lexicon(str(DEFAULT_LEXICON)) if row["label"] == "BRAIN_REGION"
                     for word in set(re.findall(r"[a-z]{3,}", row["text"].lower())))
    return frozenset(word for word, count in counts.items() if count >= 2 and not POSITION.match(word)
                     and word not in PART_WORDS and word not in {"the", "and"})


REGION_WORDS = _region_words()

# Evidence tiers: higher wins an overlap, then the longer span. A title that says "SoccerNet: A Scalable Dataset
# for ..." makes SoccerNet a dataset in the whole text, whatever its shape says.
TIERS = {
    "lexicon:curated": 3, "lexicon:variant": 3,
    "shapes:net_token": 3, "shapes:hyphen_net": 3, "shapes:versioned_family": 3, "shapes:former_token": 3,
    "shapes:modified_region": 3, "shapes:named_area": 3, "shapes:dataset_variant": 3,
    "shapes:named_dataset": 3, "shapes:titled_dataset": 3, "shapes:titled_lower_dataset": 3,
    "shapes:title_dataset": 4, "shapes:coding_method": 3, "shapes:hyphen_llm": 3, "shapes:bench_token": 3,
    "shapes:embedded_family": 3, "shapes:the_word_dataset": 3, "shapes:sized_model": 3,
    "shapes:apposition_model": 3, "shapes:apposition_method": 3,
    "shapes:dataset_list": 2,
    "abbreviation": 3,
    "ner": 2,
    "lexicon:whitetext": 2, "lexicon:scirex": 1, "lexicon:mined": 1,
    "shapes:hippocampal_field": 2, "shapes:named_method": 1, "shapes:named_measure": 1, "shapes:title_name": 2,
}
# Weak lexicon sources whose label an abbreviation definition in the text overrides: a name mined from other
# abstracts ("CTB") may be defined as something else here.
DEFINITION_YIELDS = {"lexicon:mined"}
# Lexicons taken from corpora rather than curated: their short forms yield to a text defining them as generic.
CORPUS_LEXICONS = {"lexicon:mined", "lexicon:whitetext", "lexicon:scirex"}
_DATASET_SHAPES = {"shapes:named_dataset", "shapes:titled_lower_dataset", "shapes:the_word_dataset"}
_PLURAL_HEADS = {"datasets", "benchmarks", "corpora", "databases", "suites", "collections", "challenges", "treebanks"}
_SINGULAR_HEADS = {"dataset", "benchmark", "corpus", "database", "data"}
_LEADING = {"the", "a", "an", "our", "their", "its", "this", "that", "these", "those", "such", "each", "every",
            "his", "her", "my", "your", "we", "any", "both", "all", "several", "various", "novel", "new",
            "proposed", "standard", "conventional", "existing", "popular", "recent", "so-called", "called",
            "using", "via", "with", "and", "or", "of", "in", "on", "for", "to", "by", "from", "as", "is"}
_TRAILING = {"the", "a", "an", "of", "in", "on", "at", "to", "from", "by", "with", "into", "onto", "within", "for",
             "and", "or", ","}
"""Words no region name ends in: a trained span that stops on one ran into the next phrase ("area T3 on the",
"thalamic relay of", "pars anterior (GA) and a")."""
GENERIC = {
    "model", "models", "method", "methods", "approach", "approaches", "algorithm", "algorithms", "network",
    "networks", "neural network", "neural networks", "deep neural network", "deep neural networks",
    "artificial neural network", "artificial neural networks", "deep network", "deep networks",
    "deep learning", "machine learning", "artificial intelligence", "ai", "dataset", "datasets", "data",
    "benchmark", "benchmarks", "corpus", "brain", "brains", "cortex", "cortical", "analysis", "experiments",
    "experiment", "framework", "system", "architecture", "training", "learning", "inference", "language model",
    "language models", "large language model", "large language models", "llm", "llms", "computational model",
    "computational models", "neural network model", "neural network models", "deep learning model",
    "deep learning models", "foundation model", "foundation models", "attention", "convolution", "task",
    "tasks", "accuracy", "performance", "area", "areas", "region", "regions", "nucleus", "layer", "layers",
    "stream", "pathway", "complex", "formation", "process", "test", "state-of-the-art", "sota", "baseline",
    "baselines", "our model", "our method", "the brain", "visual system", "nervous system",
    "reward model", "reward models", "reasoning model", "reasoning models", "large reasoning model",
    "large reasoning models", "vision-language model", "vision-language models", "vision language model",
    "vision language models", "large vision-language model", "large vision-language models",
    "large vision language model", "large vision language models", "multimodal large language model",
    "multimodal large language models", "multi-modal large language models", "large multimodal models",
    "computer vision", "natural language processing", "natural language understanding", "neuroscience",
    "computational neuroscience", "cognitive science", "speech processing", "robotics", "data science",
    # the cortex or the brain at large, as "cortex" alone is ("cerebral images", "across cortical areas")
    "cerebral", "neocortical", "subcortical", "cortical area", "cortical areas", "cortical region",
    "cortical regions", "cortical surface", "brain area", "brain areas", "brain region", "brain regions",
    # settings of a training run, not measures of a result
    "learning rate", "learning rates", "batch size", "batch sizes",
    # the headings of structured abstracts ("OBJECTIVES: ...", "AVAILABILITY: ...")
    "background", "objective", "objectives", "aim", "aims", "purpose", "motivation", "methods and materials",
    "materials and methods", "results", "conclusion", "conclusions", "significance", "availability",
    "availability and implementation", "implementation", "contact", "findings", "interpretation", "design",
    "setting", "participants", "interventions", "measurements", "main outcome measures", "limitations",
}
_QUANTITY = re.compile(r"^[-+\u2212]?\d(?!.*[A-Za-z]{3})")
"""A number with at most a unit or a dimension: "3-40x", "-20 dB", "2D"; no name ("3D-CNN" is one)."""
NEURO_CUES = re.compile(r"\b(?:neuron|neural activit|brain|hippocamp|thalam|fmri|eeg|electrophysiolog|synap|"
                        r"neuroscien|macaque|monkey|primate|lesion|axon|dendrit|spik|neurotransmit|dopamin|"
                        r"(?:cortex|cortical|rats?|mice|mouse|nucleus|nuclei)\b)", re.IGNORECASE)
"""Words of neuroscience text: stems, and whole words where a stem would be another word ("rate", "nucleic")."""
# A defined name headed "network", "machine" or "architecture" is a model only in a text about learning
# systems, or when it says so itself ("... neural network"): elsewhere it is a sensor, social or optical
# network, a virtual or state machine, a software architecture ("Passive Optical Networks (PON)",
# "Ethereum Virtual Machine (EVM)"). A short one-word model name needs one such word in the text:
# elsewhere "SSD" is a disk, "Gemini" a telescope, "Maple" a computer algebra system. Neurons and spikes of an
# animal are no such word: only "neural network/model/architecture" and "artificial neurons" are.
LEARNING_CUES = re.compile(r"\b(?:neural (?:net\w*|models?|architectures?)|artificial neur\w*|learn\w*|train\w*|"
                           r"deep|perceptrons?|backprop\w*|gradients?|classif\w*|transformers?|convolution\w*|"
                           r"recurrent|(?:Bi)?LSTMs?|embeddings?|language models?|LLMs?|attention|interpretab\w*|"
                           r"pre-?train\w*|fine-?tun\w*|prompt\w*|generative|artificial intelligence|baselines?|"
                           r"outperform\w*|reasoning|state-of-the-art)\b",
                           re.IGNORECASE)
# The scholarly NER learned machine learning, language, vision and speech papers (SciERC, SciREX). In a text
# with none of their words (on DNA, wireless standards, processors) a one-word name only it found is a
# molecule, protocol or chip it calls a technique ("DNA", "GSM", "XML", "KNL"). These are the words of
# SciERC's older papers that have no learning word ("An entity-oriented approach to restricted-domain parsing"),
# and of algorithm papers ("BFS", "PTAS").
FIELD_CUES = re.compile(r"\b(?:pars(?:e|er|ers|ing)|grammars?|corp(?:us|ora)|semantic\w*|speech|images?|imaging|"
                        r"visual|vision|pixels?|cameras?|recogni\w+|retriev\w+|translat\w+|summari\w+|estimat\w+|"
                        r"inference|probabilistic|bayesian|linguistic\w*|lexical|syntactic|words?|sentences?|"
                        r"dialog\w*|annotat\w+|quer(?:y|ies)|ontolog\w+|knowledge|algorithm\w*|approximation)\b",
                        re.IGNORECASE)
# Publisher notices pasted into abstracts ("(c) 2016 IEEE. Personal use of this material is permitted.")
NOTICE = re.compile(r"(?:[A-Z][\w&]*\s+){0,3}(?:Copyright\s+(?:Notice\s+)?(?:Copyright\s+)?)?(?:\([cC]\)|©|Copyright)"
                    r"\s*(?:\d{4}|\d{2}XX)\b[^.)]*\.?(?:\s*(?:Personal use|Permission|All rights)[^.)]*\.?)*"
                    r"|All rights reserved\.?|Personal use of this material[^.]*\.?")
# Publication notices ("To appear in Theory and Practice of Logic Programming (TPLP)."): a venue is no entity.
PUBLICATION = re.compile(r"(?:(?:^|[.(:\n])\s*(?:To appear|Under consideration|Accepted for publication|Published) in"
                         r"|\b(?:paper|note|article|manuscript) is (?:to appear|under consideration|accepted)\b)"
                         r"[^.;]*")
# TeX references pasted into abstracts: "\cite{Bach:1997:sppr,Itoh:2001:PPR}" holds citation keys, no names.
TEX_REFERENCE = re.compile(r"\\(?:cite[a-z]*|[a-z]*ref|label)\*?(?:\[[^\]]*\])*\{[^}]*\}")
_OTHER_SENSE_PHRASES = [line.split() for line in (Path(__file__).parent / "data" / "other_senses.txt")
                        .read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
# Phrases in which a lexicon name has another sense ("power transformers", "student dropout"), each word also plural.
OTHER_SENSES = re.compile(r"\b(?:" + "|".join(r"\s+".join(re.escape(word) + "s?" for word in words)
                                              for words in _OTHER_SENSE_PHRASES) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def other_sense_names() -> frozenset[str]:
    """The lexicon names inside the phrases of `OTHER_SENSES` ("transformer", "dropout"): a text without
    one of them holds none of the phrases, so the pattern need not run over it."""
    names = {row["text"].lower() for row in read_lexicon(str(DEFAULT_LEXICON))}
    inside = set()
    for words in _OTHER_SENSE_PHRASES:
        lower = [word.lower() for word in words]
        grams = [" ".join(lower[i:j]) for i in range(len(lower)) for j in range(i + 1, len(lower) + 1)]
        inside.add(max((g for g in grams if g in names), key=len, default=" ".join(lower)))
    return frozenset(inside)
# A short mined name ("CTB", "AMI") is a dataset only in a text that talks about data sets at all.
DATA_CUES = re.compile(r"\b(?:data ?sets?|benchmarks?|corpus|corpora|databases?|treebanks?)\b", re.IGNORECASE)
# One-word region names that also name parts of other organs or cells (a yeast septum, the renal medulla).
_OTHER_ORGANS = {"septum", "fornix", "medulla"}
# Rules whose names mean something else outside neuroscience ("neural decoding" of a sequence model).
NEURO_GATED = {"shapes:coding_method"}
# Head words that type a long form defined with an abbreviation when no candidate covers it.
HEAD_LABELS = {
    **dict.fromkeys(["network", "networks", "net", "nets", "transformer", "transformers", "autoencoder",
                     "autoencoders", "machine", "perceptron", "llm", "gan", "former", "architecture"], "MODEL"),
    **dict.fromkeys(["dataset", "datasets", "benchmark", "benchmarks", "corpus", "database", "suite"], "DATASET"),
    **dict.fromkeys(["cortex", "nucleus", "gyrus", "sulcus", "area", "lobe", "thalamus", "striatum",
                     "colliculus", "amygdala", "hippocampus", "cerebellum", "tegmentum", "pallidus",
                     "stream", "pathway", "nigra", "accumbens", "putamen", "cortices", "nuclei"], "BRAIN_REGION"),
    **dict.fromkeys(["learning", "propagation", "analysis", "search", "optimization", "optimisation",
                     "regression", "algorithm", "descent", "sampling", "distillation", "decomposition",
                     "factorization", "factorisation", "estimation", "encoding", "imaging", "stimulation",
                     "training", "tuning", "fine-tuning", "alignment", "coding", "inference", "clustering",
                     "embedding", "embeddings", "maximization", "minimization", "attention", "pruning",
                     "quantization", "augmentation", "normalization", "regularization", "method", "procedure",
                     "technique", "scheme", "strategy", "generation", "prompting", "modeling", "modelling",
                     "recording", "tomography", "spectroscopy", "microscopy", "planning", "filtering",
                     "transform", "adaptation", "basis", "approximation", "pretraining", "pre-training",
                     "objective", "loss", "rule", "plasticity", "programming", "matching", "mapping"], "METHOD"),
    **dict.fromkeys(["score", "accuracy", "error", "rate", "ratio", "distance", "precision", "recall",
                     "metric", "index", "coefficient", "divergence"], "METRIC"),
    **dict.fromkeys(["recognition", "detection", "classification", "segmentation", "translation",
                     "answering", "summarization", "retrieval", "parsing", "tracking", "captioning",
                     "reconstruction", "synthesis", "prediction", "forecasting"], "TASK"),
}
MODEL_SHAPE = re.compile(r"(?:(?:Net(?:-?\d+)?|former|GPT|BERT|LLM|GAN|VAE|ViT|NeRF|CNN|RNN|LSTM|CLIP|T5)"
                         r"(?:[-\d.]*[A-Za-z]{0,3})?s?|Networks?)$")


_SOFTWARE_HEADS = set(SOFTWARE_HEAD_FORMS)
_PROBLEMS = ("problem", "problems")  # the head of a task's name, whatever typed it a technique
_CODE_WORD = re.compile(r"^(?=.*[A-Za-z])(?:[A-Za-z]*[a-z][A-Z]|[A-Z]{2,}|.*\d)")  # TrAct, DiffROAR, BOLD5000
_GENERIC_HEADS = {"method", "methods", "approach", "approaches", "framework", "frameworks", "model", "models",
                  "system", "systems", "features", "feature", "technique", "techniques", "architecture",
                  "architectures", "module", "layer", "layers", "solution", "process", "mechanism", "network",
                  "networks", "strategy", "pipeline", "setting", "paradigm", "representations", "representation"}
GENERIC_ACRONYMS = {"DNN", "LLM", "LM", "SOTA", "AI", "ML", "DL", "NN", "ANN", "ROI", "MLLM", "VLM", "GPU", "CPU",
                    "API", "NLP", "CV", "RGB", "IQ", "TPU", "LLMs", "FLOP", "FLOPs"}
_ADJECTIVE_END = ("al", "ic", "ar", "ive", "ous", "ary")
_CAMEL = re.compile(r"[a-z][A-Z]")
_DIMENSION = re.compile(r"^\d(?:\.\d)?D$")


def ner_acceptable(span: Span, label: str) -> bool:
    """Whether a statistical NER span looks like a named entity under our guidelines.

    The NER models learned corpora (SciERC, SciREX, WhiteText) that also tag generic phrases
    ("data-driven approach", "images"); we keep named-looking spans and phrases with a telling head.
    """
    words = [t for t in span if not t.is_punct]
    if not words or len(words) > 6 or any(t.text in {"(", ")", "[", "]"} for t in span):
        return False
    last = words[-1].lower_
    coded = any(_CODE_WORD.match(t.text) for t in words)
    if label == "BRAIN_REGION":
        if len(words) == 1 and (last.endswith(_ADJECTIVE_END) or (coded and any(c.islower() for c in last))):
            return False
        return not coded or len(words[0].text) <= 6
    if last in _GENERIC_HEADS or words[0].lower_ in {"our", "their", "this", "these", "such", "novel", "new"}:
        return False
    if label in ("METHOD", "MODEL"):
        head = words[-1].text
        return (len(words) <= 3 and bool(_CODE_WORD.match(head)) and head.rstrip("s") not in GENERIC_ACRONYMS
                and "-" not in head[-6:])
    if label == "DATASET":
        return coded or (len(words) >= 2 and all(t.text[:1].isupper() or t.is_stop for t in words))
    return HEAD_LABELS.get(last) == label


_UNIT_HEADS = {"sentences", "files", "pairs", "features", "scans", "samples", "tokens", "triples", "vectors",
               "formats", "format", "snippets", "frames"}
_TEXT_KINDS = {"language", "languages", "text", "texts", "speech", "messages", "documents", "sentences", "words"}
_DETERMINERS = {"our", "their", "its", "this", "that", "these", "those", "his", "her", "my", "your", "we", "such",
                "the", "a", "an", "each", "every", "any", "both", "all", "several", "various", "some", "it", "they"}


_TEX = re.compile(r"[$\\^{}]|(?<![A-Za-z0-9]{2})_")  # "c_1", not "CHASE_DB1"
_BARE_ACRONYM = re.compile(r"^(?:[A-Z]{2,6}|[A-Z](?:[a-z]?[A-Z]){1,4})s?$")  # "UAV", "IoT", "QoS"


_NOT_ENTITIES = frozenset(line.strip() for line in (Path(__file__).parent / "data" / "not_entities.txt")
                          .read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#"))


def _no_entity(text: str) -> bool:
    """Whether `text` is a well-known name of something of no entity type (`data/not_entities.txt`)."""
    return text in _NOT_ENTITIES or text.endswith("s") and text[:-1] in _NOT_ENTITIES


def _other_sense(doc: Doc, text: str, lazy: dict) -> bool:
    """Whether `text` is a bare acronym this abstract does not define and the corpus mostly defines as
    something other than a technique, model or dataset ("UAV", "SNR"; see acronyms.py)."""
    if not _BARE_ACRONYM.match(text):
        return False
    if "defined" not in lazy:
        lazy["defined"] = {canonical_key(short.text, "") for short, _ in (doc._.kg_abbreviations or [])}
    share = entity_share(text)
    return share is not None and share < MIN_SHARE and canonical_key(text, "") not in lazy["defined"]


def ner_generic(span: Span, cleaned: Span, label: str = "", descriptive: bool = False) -> bool:
    """Whether a statistical NER span is clearly generic even though a trained model predicted it.

    Used by the "evidence" policy: a trained model's span is evidence in itself, so only
    determiner/pronoun-headed generic phrases ("our model", "a novel approach"), lone stop words,
    over-long phrases and URL-like strings are dropped. Unless `descriptive`, lower-case descriptions
    with a generic head ("probabilistic model", "parallel corpus") are dropped too (GUIDELINES: not entities).
    """
    words = [t for t in cleaned if not t.is_punct]
    limit = 12 if label == "BRAIN_REGION" else 8  # "interstitial nucleus of the posterior limb of the X"
    if not words or len(words) > limit or any(t.like_url or t.like_email for t in cleaned):
        return True
    if all(t.is_stop for t in words):
        return True
    last = words[-1].lower_
    if span[0].lower_ in _DETERMINERS and last in _GENERIC_HEADS:
        return True
    if descriptive:
        return False
    if label == "BRAIN_REGION" and any(_CAMEL.search(t.text) for t in words):
        return True  # "BrainSCUBA" is a model name, not a region
    if label == "DATASET" and all(t.is_lower or not t.is_alpha for t in words) \
            and not any(_CODE_WORD.match(t.text) for t in words):
        return True  # "images", "limited training data": a lower-case description, not a named dataset
    if label == "DATASET" and len(words) == 1 and (words[0].is_title and words[0].is_alpha
                                                   or _DIMENSION.match(words[0].text)):
        return True  # "English", "Speech", "2D": an ordinary capitalised word or a dimension, not a name
    if label == "DATASET" and len(words) == 2 and words[0].is_title and words[0].is_alpha and last in _TEXT_KINDS:
        return True  # "Polish language", "Korean text", "Romance languages": a language, not a named collection
    if label == "DATASET" and len(words) > 1 and last in _UNIT_HEADS:
        return True  # "SPO sentences", "ONNX files": units of some format, not a named collection
    return last in _GENERIC_HEADS and len(words) <= 2 and all(t.is_lower and not _CODE_WORD.match(t.text)
                                                              for t in words)


@dataclass
class Candidate:
    start: int
    end: int
    label: str
    component: str
    tier: int
    score: float | None


def _software(doc: Doc, start: int, end: int) -> bool:
    """Whether a capitalised name is said to be a program: "the PTV VISSIM microsimulation environment",
    "Virtual Test Drive (VTD), a comprehensive traffic simulator", "the simulators Gazebo and Webots" (no
    technique, model or dataset)."""
    if all(t.is_lower for t in doc[start:end] if t.is_alpha):
        return False  # "conjugate gradient solver", "beam search engine": a technique's own program
    i = start - 1
    while i >= 0 and start - i <= 12 and (doc[i].text in (",", "&", "and", "or")
                                                   or not (doc[i].is_lower or doc[i].is_punct)):
        i -= 1  # "the verifiers CPAchecker, SeaHorn and Ultimate Automizer": a list after a program head
    if i >= 0 and doc[i].lower_ in _SOFTWARE_HEADS:
        return True
    i = end
    if i < len(doc) and doc[i].text == "(":
        while i < len(doc) and doc[i].text != ")" and i - end < 6:
            i += 1
        i += 1
    if i < len(doc) and doc[i].text in (",", ":"):
        i += 1
        if i < len(doc) and doc[i].lower_ not in ("a", "an", "the"):
            return False
    if i < len(doc) and doc[i].lower_ in ("a", "an", "the"):
        i += 1
    for token in doc[i:i + 4]:
        if token.lower_ in _SOFTWARE_HEADS:
            return token.i + 1 == len(doc) or doc[token.i + 1].lower_ not in ("model", "models")
        if token.is_punct or not token.is_alpha or (token.is_stop and token.is_lower):
            return False  # "QuuxNet, a model of the simulator": the head must follow the name's own words
    return False


def _unmatched(doc: Doc, start: int, end: int) -> int | None:
    """Index of the first bracket in tokens start:end that the span does not match, or None."""
    opened: list[int] = []
    for i in range(start, end):
        if doc[i].text in ("(", "["):
            opened.append(i)
        elif doc[i].text in (")", "]"):
            if not opened:
                return i
            opened.pop()
    return opened[0] if opened else None


def _in_definition(doc: Doc, start: int, end: int) -> bool:
    """Whether tokens start:end touch either form of an abbreviation definition of this text."""
    return any(form.start < end and start < form.end for pair in doc._.kg_abbreviations or () for form in pair)


def _clean(doc: Doc, start: int, end: int, brackets: bool = False) -> tuple[int, int]:
    """Tokens start:end without leading stop words, edge punctuation and an unmatched bracket; with `brackets`,
    a closing bracket that ends a matched pair stays ("conditional random field (CRF)", as SciERC marks)."""
    while start < end and (doc[start].lower_ in _LEADING or doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].is_punct and doc[end - 1].text not in {"+", "++"}
                           or doc[end - 1].is_space or doc[end - 1].text == "-"):
        if brackets and doc[end - 1].text == ")" and _unmatched(doc, start, end) is None:
            break
        end -= 1
    cut = _unmatched(doc, start, end)
    if cut is not None:
        # a trained span that stops inside brackets: "ZorbSet (2019" is ZorbSet, but one that runs into a
        # definition ("Wall Street Journal (WSJ", "RFP (reversed field pinch") is no name, and the
        # definition's own forms are left to the other components
        if doc[cut].text in (")", "]") or _in_definition(doc, cut, end) \
                or all(t.lower_ in _REGION_WORDS for t in doc[start:cut]):  # "primary (M1", "dorsal (DR"
            return start, start
        return _clean(doc, start, cut)
    if end > start and doc[end - 1].lower_ in {"'s", "’s"}:
        end -= 1
    if end - start > 1 and doc[end - 1].lower_ in {"and", "or"}:
        # a span cut inside a coordination: "areas 18 and" + "19" is one name, "X and" is X
        nxt = doc[end] if end < len(doc) else None
        if nxt is not None and (nxt.like_num or nxt.is_upper and len(nxt) <= 4):
            end += 1
        else:
            end -= 1
    return start, end


def region_pieces(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """A trained region span split at break words: the pieces that end in a region head word.

    A CNN span can run over a clause ("medial X reach the rostral part of the Y"); the words
    around the break are separate names, or nothing ("caudal part of this nucleus").
    """
    cuts = [i for i in range(start, end) if doc[i].lower_ in REGION_BREAKS and not doc[i].is_upper]  # "IT"
    if not cuts:
        return [(start, end)]
    pieces = []
    for left, right in zip([start, *(c + 1 for c in cuts)], [*cuts, end], strict=True):
        left, right = _clean(doc, left, right)
        while left < right and (doc[left].is_stop and not doc[left].is_upper or doc[left].is_punct):
            left += 1
        while right > left and (doc[right - 1].is_stop and not doc[right - 1].is_upper or doc[right - 1].is_punct):
            right -= 1
        last = doc[right - 1] if left < right else None
        if last is not None and (last.lower_ in REGION_HEADS or last.is_upper or any(c.isdigit() for c in last.text)):
            pieces.append((left, right))  # ends in a head word or a code ("area IT", "area 24b")
    return pieces


_REGION_WORDS = {m.lower() for m in REGION_MODIFIERS} | {"left", "right", "contralateral", "ipsilateral",
                                                       "bilateral", "primary", "secondary"}
"""Lower-case words that belong to a region name before a Title Case part ("left Hippocampus")."""


def _region_end(doc: Doc, start: int, end: int) -> int:
    """Where a trained region span really ends when it stopped on a word no name ends in: it ran into the
    next phrase ("area T3 on the", "thalamic relay of")."""
    while end - start > 1 and not doc[end - 1].is_upper and doc[end - 1].lower_ in _TRAILING:
        end -= 1
    return end


def _titled_start(doc: Doc, start: int, end: int) -> int:
    """Where a trained region span really starts when lower-case words that are no anatomical modifiers
    come before a Title Case name ("biological Corpus Callosum" is Corpus Callosum)."""
    first = start
    while first < end and doc[first].is_lower and doc[first].is_alpha and doc[first].lower_ not in _REGION_WORDS \
            and not POSITION.match(doc[first].lower_):
        first += 1
    if first == start or end - first < 2 or not all(t.is_title for t in doc[first:end]):
        return start
    return first


GLUED_PREFIXES = {"self", "semi", "multi", "cross", "hyper", "meta", "intra", "inter", "sub"}
"""Lower-case words that a hyphen joins to the name after them ("self-attention"); not "non", "pre"."""
NEGATING_PREFIXES = {"non", "anti", "un", "pre", "post", "de"}
"""Never part of the name after them, capitalised or not ("Non-Transformer baselines")."""


_ROLE_NOUNS = _GENERIC_HEADS | {"predictor", "baseline", "baselines", "classifier", "encoder", "decoder", "detector",
                              "agent", "algorithm", "dataset", "datasets", "benchmark", "corpus", "backbone",
                              "variant", "version"}


_SPLIT_HEADS = {"set", "sets", "split", "splits", "subset", "subsets", "track", "task", "tasks"}


_FORMAT_NOUNS = {"data", "documents", "document", "files", "file", "pages", "page", "content", "text", "texts",
                 "videos", "video", "images", "signals", "signal", "recordings", "scripts", "structures", "versions",
                 "format", "formats", "displays", "streams"}
"""Nouns after a format or source acronym that describe data, not a named collection ("HTML documents")."""


def name_core(doc: Doc, start: int, end: int, label: str) -> tuple[int, int] | None:
    """A trained span around a code name without the ordinary words it ran over: "predictor FLAN" is
    FLAN, "BlockMNIST leverages" is BlockMNIST. A last word naming the kind of thing stays ("CNN
    architecture"), and so does a describing first word ("bidirectional LSTM"). None for data described
    by a format or source acronym ("HTML documents", "MIDI data"): no named collection; "ZQBD cohort" is ZQBD."""
    coded = [i for i in range(start, end) if _CODE_WORD.match(doc[i].text) and not _DIMENSION.match(doc[i].text)]
    if not coded:
        return start, end
    tail = doc[coded[-1] + 1:end]
    if len(tail) and all(t.is_lower and t.is_alpha for t in tail) and tail[-1].lower_ not in HEAD_LABELS \
            and tail[-1].lower_ not in _SPLIT_HEADS:
        if label == "DATASET" and tail[-1].lower_ in _FORMAT_NOUNS \
                and all(doc[i].is_upper and not any(c.isdigit() for c in doc[i].text) for i in coded):
            return None
        end = coded[-1] + 1
    lead = doc[start:coded[0]]
    if len(lead) and all(t.is_lower and t.is_alpha for t in lead) and lead[-1].lower_ in _ROLE_NOUNS:
        start = coded[0]
    return start, end


def _glued_start(doc: Doc, start: int, label: str) -> int:
    """Where a lexicon match starting inside a hyphenated word really starts: over a prefix before the
    hyphen ("self-attention", "Semi-Nonnegative Matrix Factorization"), for a model over a capitalised
    word too ("Places-CNN"; but "Image-fMRI" pairs are data, not a method), for a lower-case method or model
    over any lower-case word ("non-linear regression"), and for a method or model over a code-shaped word
    ("LSD-SLAM")."""
    if start < 2 or doc[start - 1].text != "-" or doc[start - 1].whitespace_ or doc[start - 2].whitespace_:
        return start
    left = doc[start - 2]
    whole = start < 3 or bool(doc[start - 3].whitespace_) or doc[start - 3].is_punct  # "Semi-", not "a-Semi-"
    if whole and left.is_alpha and left.lower_ not in NEGATING_PREFIXES \
            and (left.lower_ in GLUED_PREFIXES or label == "MODEL" and left.text[0].isupper()):
        return start - 2
    if whole and label in ("METHOD", "MODEL") and left.is_alpha and left.is_lower and doc[start].is_lower:
        return start - 2  # a lower-case compound is a name of its own: "non-linear regression", "k-nearest
        # neighbour search", "reaction-diffusion model" (no diffusion model)
    if whole and label in ("METHOD", "MODEL") and _CODE_WORD.match(left.text) and not _DIMENSION.match(left.text) \
            and left.text.rstrip("s") not in GENERIC_ACRONYMS and canonical_key(left.text, "") not in lexicon_keys():
        return start - 2  # "GlORIE-SLAM", "DA-MCMC"; not two names ("PCA-SVM", "MEG-EEG"), "3D-CNN" or "LLM-RLHF"
    return start


_NOT_TITLED = frozenset(STARTER_WORDS) | {"Our", "Novel", "New", "Proposed", "Standard", "Classical", "Conventional"}


def _titled_word(token: Token) -> bool:
    return token.is_title and token.is_alpha and token.text not in _NOT_TITLED


def _titled_growth(doc: Doc, start: int, end: int) -> int:
    """Where a Title Case technique or model name really starts when up to three capitalised words come
    before a lexicon match in a sentence of the abstract: "Upside-Down Reinforcement Learning" is a technique
    of its own, not reinforcement learning. Not in the title, where every word is capitalised, and not when
    the capitalised words run on to the sentence's start or beyond three words (where the name starts is
    then unclear)."""
    if doc[start].idx < (doc._.kg_title_len or 0) or not all(t.is_title or t.is_punct or t.like_num
                                                             for t in doc[start:end]):
        return start
    first = start
    for words in range(4):
        unit = first - 1
        if unit < 0 or not doc[unit].whitespace_:
            break
        while unit >= 2 and doc[unit - 1].text == "-" and not doc[unit - 1].whitespace_ \
                and not doc[unit - 2].whitespace_:
            unit -= 2  # the whole of a hyphenated word: "Upside-Down"
        if not all(_titled_word(t) for t in doc[unit:first] if t.text != "-"):
            break
        if doc[unit].is_sent_start or words == 3:
            return start
        first = unit
    return first


def _cuts_word(doc: Doc, start: int, end: int) -> bool:
    """Whether a span ends inside a hyphenated word ("Foo" of "Foo-reID"; not "Foo-based", which is no name)."""
    if end + 1 >= len(doc) or doc[end - 1].whitespace_ or doc[end].text != "-" or doc[end].whitespace_:
        return False
    return doc[end + 1].text[:1].isupper() or any(c.isupper() for c in doc[end + 1].text[1:])


def _component(group: str, span: Span) -> str:
    name = group[len(CANDIDATE_PREFIX):]
    return f"{name}:{span.id_}" if span.id_ else name


def _tier(component: str) -> int:
    if component in TIERS:
        return TIERS[component]
    return TIERS["ner"] if component.startswith("ner") else 1


_COMPOUND_HEAD = re.compile(r"(?<=[a-z]{3})(?:networks?|transformers?)$")


def head_label(span: Span) -> str | None:
    """Type of a phrase from its last word ("... propagation" -> METHOD; a compound "Metanetworks" is a
    network), or None if the head says nothing."""
    words = [t for t in span if not t.is_punct]
    if not words:
        return None
    last = words[-1].lower_
    label = HEAD_LABELS.get(last) or HEAD_LABELS.get(re.split(r"-", last)[-1])
    if label is None and (compound := _COMPOUND_HEAD.search(last)):  # "metanetworks", "hypernetwork"
        label = HEAD_LABELS.get(compound.group(0))
    return label


_PROCESS_NOUN = re.compile(r"(?:tion|sion|ing|ment|sis|graphy|metry|scopy)s?$")


def _refuted_guess(short: Candidate, long: Span) -> bool:
    """Whether a trained model's label for a short form, read without its definition, is refuted by that
    definition. An acronym alone looks like a name of anything: the model calls "PV" (photovoltaic), "PSU"
    (primary sampling unit), "HRP" (horseradish peroxidase) techniques, and unnamed data datasets. So a
    DATASET guess never stands, and a METHOD guess only for a definition headed by a process noun
    ("pulse width modulation", "ordered weighted averaging").

    A region's short form, whatever found it, types only a definition with a word of the lexicon's region
    names ("glomerular layer (GL)", "corpus cerebelli (CCb)") or a position word alone, as nuclei are
    named ("mediodorsal (MD)"): its region acronyms are other things in other fields ("interference
    channel (IC)", "multi-electrode arrays (MEA)", "time slot (TS)")."""
    words = [t for t in long if not t.is_punct]
    if short.label == "BRAIN_REGION":
        return not (any(t.lower_ in REGION_WORDS for t in words)
                    or len(words) == 1 and POSITION.match(words[0].lower_))
    if not short.component.startswith("ner"):
        return False
    if short.label == "DATASET":
        return True
    return short.label == "METHOD" and not (words and _PROCESS_NOUN.search(words[-1].lower_))


def inner_head_label(span: Span) -> str | None:
    """Type of a defined long form from a head before a prepositional tail: "method of multipliers" -> METHOD."""
    words = [t for t in span if not t.is_punct]
    for i, token in enumerate(words[1:-1], 1):
        if token.lower_ in {"of", "for", "with"} and HEAD_LABELS.get(words[i - 1].lower_) in ("METHOD", "MODEL"):
            return HEAD_LABELS[words[i - 1].lower_]
    return None


_DEFINITION_HEADS = {"dataset": "DATASET", "database": "DATASET", "benchmark": "DATASET", "corpus": "DATASET",
                     "task": "TASK"}


_SPLIT_WORDS = {"set", "sets", "split", "splits", "subset", "subsets", "partition", "portion"}


def _typed_inside(chosen: dict, long: Span) -> bool:
    """Whether a lexicon or a shape typed something inside a long form: "task" after it does not retype
    that ("Low-Rank Adaptation (LoRA) task")."""
    return any(c.component.startswith(("lexicon", "shapes")) for c in chosen.values()
               if c.start < long.end and long.start < c.end)


def _head_after_definition(doc: Doc, short: Span, long: Span) -> str | None:
    """Type of a definition from the words around it: "Urban Street Scenes (USS) Database", or "the test
    set of Urban Street Scenes (USS)", names a dataset whatever its long form looks like. Only at the
    definition itself (short form right after the long)."""
    if short.start - long.end > 1 or short.end >= len(doc) or doc[short.end].text != ")":
        return None
    if short.end + 1 < len(doc) and doc[short.end + 1].lower_ in _DEFINITION_HEADS:
        label = _DEFINITION_HEADS[doc[short.end + 1].lower_]
        after = doc[short.end + 2] if short.end + 2 < len(doc) else None
        if label == "TASK" and after is not None and (after.text == "-" or after.is_alpha and not after.is_stop):
            return None  # "(LoRA) task vectors": "task" describes the next noun
        return label
    before = [t.lower_ for t in doc[max(0, long.start - 3):long.start]]
    if before and before[-1] == "the":
        before.pop()
    if len(before) >= 2 and before[-1] == "of" and before[-2] in _SPLIT_WORDS:
        return "DATASET"
    return None


_DESCRIPTIVE_TAIL = re.compile(r"-[a-z]{4,}$")


def _coordinable(text: str) -> bool:
    """A word that can join a coordinated name: code-shaped, not a generic acronym, number or description."""
    return bool(_CODE_WORD.match(text)) and text.rstrip("s") not in GENERIC_ACRONYMS and text[0].isalpha() \
        and not _DESCRIPTIVE_TAIL.search(text)  # "960h", "3D", "ML-ready" are no names


_LIST_TYPED = ("METHOD", "MODEL", "DATASET")


def _guessed_texts(doc: Doc, chosen: dict, pairs: list) -> dict[str, set[str]]:
    """Long and short forms of the definitions that nothing but the abbreviation rule typed (their capitals
    made them a METHOD), each with both forms of its definition: their type is a guess. A short form whose
    long form a lexicon or a shape typed ("Knowledge Distillation (KD)") is not."""
    texts: dict[str, set[str]] = {}
    for short, long in pairs:
        hit = chosen.get(long)
        if hit is not None and hit.component == "abbreviation":
            forms = {doc[short[0]:short[1]].text, doc[long[0]:long[1]].text}
            for form in forms:
                texts.setdefault(form, set()).update(forms)
    return texts


def _extend(doc: Doc, chosen: dict, taken: list[bool], pairs: list) -> None:
    """Apply the extension rules of `extend` to the chosen spans (see the module docstring).

    A list's type comes from its members whose type is no guess; it retypes the trained spans in it and the
    definitions typed only by their capitals, with every other use of their short form."""
    keys = sorted(k for k, c in chosen.items() if c.label in _LIST_TYPED)
    guessed = _guessed_texts(doc, chosen, pairs)

    def guess(c: Candidate) -> bool:
        return c.component.startswith("ner") or c.component == "abbreviation" and doc[c.start:c.end].text in guessed

    for group in list_neighbours(doc, keys):
        members = [chosen[keys[i]] for i in group]
        typed = Counter(c.label for c in members if not guess(c)) or Counter(c.label for c in members)
        (label, count), *rest = typed.most_common(2)
        if rest and rest[0][1] == count:
            continue  # a tie: no evidence which kind of thing the list holds
        for c in members:
            if guess(c) and c.label != label:
                c.label = label
                forms = guessed.get(doc[c.start:c.end].text)
                if not forms:
                    continue
                for other in chosen.values():
                    if other.component == "abbreviation" and doc[other.start:other.end].text in forms:
                        other.label = label  # the long form and every use of the short form
    for label in ("DATASET", "MODEL"):
        anchors = [key for key, c in chosen.items() if c.label == label]
        for a, b in coordinated(doc, anchors, taken, _coordinable):
            chosen[(a, b)] = Candidate(a, b, label, "coordination", 1, None)
    # a task name among the qualifiers is part of the dataset's name ("the IJB-A face recognition dataset")
    tasks = [key for key, c in chosen.items() if c.label == "TASK"]
    free = taken.copy()
    for a, b in tasks:
        free[a:b] = [False] * (b - a)
    for cand in [c for c in chosen.values() if c.label == "DATASET"]:
        end = qualified_end(doc, cand.end, free)
        if end is not None and not any(cand.end <= a < end < b for a, b in tasks):  # no task cut in two
            for a, b in [t for t in tasks if cand.end <= t[0] and t[1] <= end]:
                del chosen[(a, b)]
            del chosen[(cand.start, cand.end)]
            chosen[(cand.start, end)] = Candidate(cand.start, end, "DATASET", f"qualified+{cand.component}",
                                                  cand.tier, cand.score)
            for k in range(cand.end, end):
                taken[k] = free[k] = True
    for cand in [c for c in chosen.values() if c.label == "BRAIN_REGION"]:
        start = part_start(doc, cand.start, taken)
        if start is not None:
            del chosen[(cand.start, cand.end)]
            chosen[(start, cand.end)] = Candidate(start, cand.end, "BRAIN_REGION", f"part_of+{cand.component}",
                                                  cand.tier, cand.score)
            for k in range(start, cand.start):
                taken[k] = True


CONCEPT_HEADS = {"hypothesis", "hypotheses", "theory", "theories", "phenomenon", "phenomena", "effect", "effects",
                 "curse", "paradox", "conjecture", "illusion", "parameter", "parameters", "head", "heads"}
"""Heads of ideas and quantities, not techniques ("Linear Representation Hypothesis (LRH)", "Theory of Mind
(ToM)", "Displacement Parameters (DPs)", "induction head (IH)"). Not "representation": named
representations are often methods ("Maximum Manifold Capacity Representations")."""


ORGANISATION_HEADS = {"university", "universities", "league", "centre", "centres", "center", "centers", "institute",
                      "institutes", "society", "foundation", "agency", "agencies", "organization", "organisation",
                      "council", "consortium", "ministry", "department", "bureau", "corporation", "company",
                      "administration", "commission", "federation", "hospital", "college", "academy"}
"""Heads of organisations, which the guidelines do not type ("University of North Carolina (UNC)", "European
Centre for Medium-Range Weather Forecasts (ECMWF)", "National Football League (NFL)"); only written with a
capital, as a name ("pontine micturition center" is a region). "Association" only before "for" or "of":
"joint probabilistic data association" is a technique; not "committee": "Query by Committee" is one too."""


def concept_named(span: Span) -> bool:
    """Whether a name's head (its last word, or a word before "of" or "for") is an idea or an organisation
    rather than a technique."""
    words = [t for t in span if t.is_alpha]
    if not words:
        return False
    before = [words[i - 1] for i in range(1, len(words) - 1) if words[i].lower_ in ("of", "for")]
    heads = [words[-1], *before]
    if any(t.lower_ in CONCEPT_HEADS for t in heads):
        return True
    return len(words) > 1 and (any(t.is_title and t.lower_ in ORGANISATION_HEADS for t in heads)
                               or any(t.is_title and t.lower_ == "association" for t in before))


def _drop_concepts(doc: Doc, chosen: dict, pairs: list) -> list:
    """Drop uncurated METHOD/MODEL/DATASET entities named for an idea, with the short forms defined for
    them; returns the pairs that remain. Curated names ("Free Energy ...") stay."""
    dropped = {key for key, c in chosen.items() if c.component != "lexicon:curated"
               and c.label in ("METHOD", "MODEL", "DATASET") and concept_named(doc[c.start:c.end])}
    if not dropped:
        return pairs
    dropped |= {short for short, long in pairs if long in dropped and short in chosen
                and chosen[short].component != "lexicon:curated"}
    for key in dropped:
        del chosen[key]
    return [(short, long) for short, long in pairs if long not in dropped and short not in dropped]


def _long_forms_everywhere(doc: Doc, chosen: dict, taken: list[bool], pairs: list) -> None:
    """A long form that a definition names is that entity wherever it is written again, also where a
    shorter candidate sat inside it ("Aligned Contrastive Predictive Coding" in the title, not the
    lexicon's "Contrastive Predictive Coding")."""
    for start, end in {long for _, long in pairs}:
        entity = chosen.get((start, end))
        if entity is None:
            continue
        words = [t.lower_ for t in doc[start:end]]
        width = end - start
        for i in range(len(doc) - width + 1):
            if i == start or doc[i].lower_ != words[0] or [t.lower_ for t in doc[i:i + width]] != words:
                continue
            overlapping = [k for k in chosen if k[0] < i + width and i < k[1]]
            if any(a < i or b > i + width for a, b in overlapping):
                continue  # a longer name holds this occurrence
            for key in overlapping:
                del chosen[key]
            chosen[(i, i + width)] = Candidate(i, i + width, entity.label, entity.component, entity.tier, entity.score)
            for k in range(i, i + width):
                taken[k] = True


def _same_long_form(a: str, b: str) -> bool:
    """Whether two long forms are spellings of one name: same word initials and the same first word
    stem ("expectation-maximisation" = "expectation maximization"; not "episodic memory")."""
    words_a, words_b = (re.split(r"[\s\-/]+", text.lower().strip()) for text in (a, b))
    return [w[:1] for w in words_a] == [w[:1] for w in words_b] and words_a[0][:5] == words_b[0][:5]


CONDITION_HEADS = {"disease", "diseases", "disorder", "disorders", "syndrome", "syndromes", "impairment",
                   "impairments", "decline", "injury", "injuries", "deficit", "deficits", "dementia", "palsy",
                   "sclerosis", "epilepsy", "schizophrenia", "autism", "depression", "tumor", "tumors", "tumour",
                   "tumours", "cancer", "cancers", "stroke", "atrophy"}
"""Last words of names of diseases and conditions ("mild cognitive impairment (MCI)"): none of our types."""


def _release(chosen: dict, taken: list[bool], key: tuple[int, int]) -> None:
    """Withdraw the chosen candidate at token range `key` and free its tokens for others."""
    del chosen[key]
    for i in range(key[0], key[1]):
        taken[i] = False


def _drop_condition(short: Span, long: Span, chosen: dict, taken: list[bool]) -> bool:
    """Whether a definition names a disease or condition; then its words and short form are no entity
    (unless curated)."""
    if long[-1].lower_ not in CONDITION_HEADS:
        return False
    for key, cand in list(chosen.items()):
        inside = cand.start < long.end and long.start < cand.end or cand.start < short.end and short.start < cand.end
        if inside and cand.component != "lexicon:curated":
            _release(chosen, taken, key)
    return True


def _drop_other_thing(short: Span, long: Span, chosen: dict, taken: list[bool], headed: dict) -> bool:
    """Whether a definition spells out something the corpus defines as no technique, model or dataset
    ("user equipment (UE)", "Wireless Sensor Networks (WSNs)") or the text calls a program (`_software`);
    then neither form is an entity.

    Only where nothing but the trained NER found its words: the lexicon, a shape rule, a metric or task
    head ("signal-to-noise ratio (SNR)") or a following "dataset" ("... (UAV) Dataset") keep it. Entity
    heads that the text's words suggest ("networks", "machine") are overridden: the corpus has the sense.
    A name that only contains the short form ("VINS" in "RIEKF-VINS") is kept.
    """
    if (long.start, long.end) in headed or head_label(long) not in (None, *SENSE_LABELS) \
            or not (names_other_thing(long.text) or _software(long.doc, long.start, long.end)):
        return False
    inside = [cand for cand in chosen.values()
              if cand.start < long.end and long.start < cand.end or cand.start < short.end and short.start < cand.end]
    larger = [cand for cand in inside if cand.start < short.end and short.start < cand.end
              and (cand.start < short.start or cand.end > short.end)]
    rest = [cand for cand in inside if cand not in larger]
    if not all(cand.component.startswith("ner") and cand.label in SENSE_LABELS for cand in rest):
        return False
    for cand in rest:
        _release(chosen, taken, (cand.start, cand.end))
    return True


def _drop_other_sense(short: Span, long: Span, chosen: dict, taken: list[bool]) -> None:
    """A lexicon short form that the curated list knows with another long form yields to the text's own
    definition: "episodic memory (EM)" is not EM = expectation maximization."""
    hit = chosen.get((short.start, short.end))
    if hit is None or not hit.component.startswith("lexicon"):
        return
    known = known_abbreviations().get((hit.label, canonical_key(short.text, "")))
    if known is not None and not _same_long_form(known, long.text):
        _release(chosen, taken, (short.start, short.end))


def _named_label(span: Span) -> str | None:
    """A Title Case long form with an acronym ("Local Interaction Basis (LIB)") names a technique."""
    words = [t for t in span if t.is_alpha and t.lower_ not in {"of", "and", "for", "the", "in", "on", "to"}]
    if len(words) < 2 or not all(t.text[:1].isupper() for t in words):
        return None
    return "TASK" if words[-1].lower_ in _PROBLEMS else "METHOD"  # "Art Gallery Problem (AGP)" is a task


@Language.factory("kgbuild_resolve", default_config={"neuro_gate": True,
                                                    "ner_evidence_labels": ["BRAIN_REGION", "DATASET"],
                                                    "ner_tier_labels": ["BRAIN_REGION"],
                                                    "ner_descriptive": False, "ner_min_confidence": 0.0})
def make_resolve(nlp: Language, name: str, neuro_gate: bool, ner_evidence_labels: list[str],
                 ner_tier_labels: list[str], ner_descriptive: bool, ner_min_confidence: float) -> Resolver:
    return Resolver(name, neuro_gate, ner_evidence_labels, ner_tier_labels, ner_descriptive, ner_min_confidence)


class Resolver:
    """Chooses the final entity spans; see the module docstring for the order of the rules.

    NER policy per label: for `ner_evidence_labels` a trained NER span is evidence in itself and
    survives unless it is clearly generic (`ner_generic`); for the other labels (whose training corpora
    tag generic phrases that are not entities under GUIDELINES) only named-looking spans survive
    (`ner_acceptable`). For `ner_tier_labels` the NER's extent wins overlaps like curated evidence.
    `ner_descriptive` also keeps lower-case descriptive NER phrases ("duration model", "deep networks"),
    as the SciERC/SciREX annotation does; set it with every label in the other two lists to score
    such a corpus (the "corpus" mode of `pipeline.load_pipeline`). A span of a label outside `ner_tier_labels` that
    its model scored below `ner_min_confidence` (`kgbuild_scored_ner`) is dropped unless it is a form of a
    definition: on abstracts of every field such guesses are mostly devices, programs and fragments (for
    tasks and metrics only outside texts about learning systems, where the unsure ones are right half the time).
    """

    def __init__(self, name: str, neuro_gate: bool, ner_evidence_labels: list[str] | None = None,
                 ner_tier_labels: list[str] | None = None, ner_descriptive: bool = False,
                 ner_min_confidence: float = 0.0) -> None:
        self.name = name
        self.ner_min_confidence = ner_min_confidence
        self.neuro_gate = neuro_gate
        self.ner_evidence_labels = set(ner_evidence_labels or ())
        self.ner_tier_labels = set(ner_tier_labels or ())
        self.ner_descriptive = ner_descriptive

    def _ner_keeps(self, span: Span, clean: Span, label: str) -> bool:
        if label in self.ner_evidence_labels:
            return not ner_generic(span, clean, label, self.ner_descriptive)
        return ner_acceptable(clean, label)

    @staticmethod
    def _learning(doc: Doc, lazy: dict[str, object]) -> bool:
        """Whether the text is about learning systems (`LEARNING_CUES`), computed once per Doc."""
        if "learning" not in lazy:
            lazy["learning"] = LEARNING_CUES.search(doc_text(doc)) is not None
        return bool(lazy["learning"])

    def _in_fields(self, doc: Doc, lazy: dict[str, object]) -> bool:
        """Whether the text has a word of the fields the trained models learned (`FIELD_CUES`), once per Doc."""
        if "fields" not in lazy:
            lazy["fields"] = self._learning(doc, lazy) or FIELD_CUES.search(doc_text(doc)) is not None
        return bool(lazy["fields"])

    def _blocked(self, doc: Doc) -> list[tuple[int, int]]:
        """Character ranges that no entity may touch: URLs, TeX references, publisher and publication notices
        pasted into abstracts, and phrases where a lexicon name has another sense (`OTHER_SENSES`)."""
        blocked = [(link.start, link.end) for link in (doc._.kg_links or [])]
        text = doc_text(doc)
        if "\\" in text:
            blocked += [(m.start(), m.end()) for m in TEX_REFERENCE.finditer(text)]
        if "opyright" in text or "©" in text or "ights reserved" in text:
            blocked += [(m.start(), m.end()) for m in NOTICE.finditer(text)]
        if "ppear" in text or "onsideration" in text or "ublish" in text or "ccepted" in text:
            blocked += [(m.start(), m.end()) for m in PUBLICATION.finditer(text)]
        lower = text.lower()
        if any(name in lower for name in other_sense_names()):
            blocked += [(m.start(), m.end()) for m in OTHER_SENSES.finditer(text)]
        return blocked

    def candidates(self, doc: Doc, lazy: dict[str, object]) -> list[Candidate]:
        blocked = lazy["blocked"] = self._blocked(doc)
        found: list[Candidate] = []
        for group, spans in doc.spans.items():
            if not group.startswith(CANDIDATE_PREFIX):
                continue
            for span in spans:
                component = _component(group, span)
                start, end = (_glued_start(doc, span.start, span.label_), span.end) if component.startswith("lexicon") \
                    else _clean(doc, span.start, span.end, self.ner_descriptive and component.startswith("ner"))
                if start >= end:
                    continue
                pieces = region_pieces(doc, start, end) if component.startswith("ner") \
                    and span.label_ == "BRAIN_REGION" else [(start, end)]
                if component.startswith("ner") and span.label_ == "BRAIN_REGION":
                    pieces = [(a, _region_end(doc, a, b)) for a, b in pieces]
                    pieces = [(_titled_start(doc, a, b), b) for a, b in pieces]
                for piece_start, piece_end in pieces:
                    candidate = self._candidate(doc, span, component, piece_start, piece_end, blocked, lazy)
                    if candidate is not None:
                        found.append(candidate)
        named = {i for c in found if c.component.startswith(("lexicon", "shapes")) for i in range(c.start, c.end)}
        for cand in found:
            if cand.component == "lexicon:variant":  # "approximate maximum likelihood" + "... estimation"
                cand.end = max([cand.end] + [c.end for c in found if c.component == "lexicon:curated"
                                             and cand.start < c.start < cand.end and c.label == cand.label])
        for cand in found:
            if cand.component == "lexicon:curated" and cand.label in ("METHOD", "MODEL"):
                start = _titled_growth(doc, cand.start, cand.end)
                if start < cand.start and not named.intersection(range(start, cand.start)):
                    cand.start, cand.component = start, "titled+lexicon:curated"  # not over "Sparse" of a name
        return found

    def _candidate(self, doc: Doc, span: Span, component: str, start: int, end: int,
                   blocked: list[tuple[int, int]], lazy: dict[str, object]) -> Candidate | None:
        """Tokens start:end of a candidate `span` as a Candidate, or None when a filter drops them.

        `lazy` caches the document-wide cues ("neuro", "learning", "data", the defined short forms) the first
        time a filter needs one.
        """
        label = span.label_
        if component in _DATASET_SHAPES and doc[end - 1].lower_ in _PLURAL_HEADS:
            end -= 1  # "the LFW and YTF datasets": the plural head belongs to no single name
        clean = doc[start:end]
        if component.startswith("ner") and not self._ner_keeps(span, clean, label):
            return None
        confidence = doc.user_data.get((CONFIDENCE, span.start, span.end, label)) if component.startswith("ner") \
            else None  # the model's score for the span it found, also when a rule trimmed it
        if (confidence is not None and confidence < self.ner_min_confidence and label not in self.ner_tier_labels
                and (label in SENSE_LABELS or not self._learning(doc, lazy)) and not _in_definition(doc, start, end)):
            return None  # an unsure guess, unless the text defines a short form for it
        if component.startswith("ner") and (_TEX.search(clean.text) or _QUANTITY.match(clean.text)
                                            or "=" in clean.text):
            return None  # "3+c_1", "$-EKF": cut out of TeX mathematics; "3-40x", "-20 dB": quantities; "RMSE=9.2"
        if component.startswith("ner") and clean[-1].lower_ in CONDITION_HEADS:
            return None  # "ischemic cerebral stroke", "mild cognitive impairment": a disease is none of our types
        if component.startswith("ner") and label != "BRAIN_REGION" and not self.ner_descriptive:
            core = name_core(doc, start, end, label)  # after the filters: the span as predicted must pass them
            if core is None:
                return None
            start, end = core
            clean = doc[start:end]
            if label in SENSE_LABELS and end - start == 1 and _other_sense(doc, doc[start].text, lazy):
                return None  # "UAV", and "DNA" out of "model DNA"
            if label in SENSE_LABELS and (_no_entity(clean.text) or _software(doc, start, end)):
                return None  # "XML", "MATLAB", "PSPACE": a format, a program, a complexity class
            one_word = not any(t.whitespace_ for t in clean[:-1])
            if label in SENSE_LABELS and one_word and not self._in_fields(doc, lazy):
                return None
            if label == "DATASET" and not self._learning(doc, lazy):
                return None  # a dataset only the NER sees in a text on no learning system: a chip, an institute
            if label == "METHOD" and not one_word and not self._learning(doc, lazy) \
                    and not _in_definition(doc, start, end):
                return None  # likewise a phrase it calls a technique: "RF MEMS", "receptors TCR", "internal DSL"
        if component in CORPUS_LEXICONS and _no_entity(clean.text):
            return None  # "YouTube": SciREX marks the site where a collection came from
        text = clean.text.lower()
        descriptive = self.ner_descriptive and component.startswith("ner")
        if text in GENERIC and not descriptive or all(t.is_stop or t.is_punct or t.like_num for t in clean):
            return None
        if label == "BRAIN_REGION" and text in {"cortex", "brain"}:
            return None
        if label == "DATASET" and _DIMENSION.match(clean[0].text) \
                and (len(clean) == 1 or len(clean) == 2 and clean[1].lower_ in _PLURAL_HEADS | _SINGULAR_HEADS):
            return None  # "2D and 3D datasets", "a 3D dataset": a dimension, not a name
        char_start, char_end = clean.start_char, clean.end_char
        if any(char_start < b_end and b_start < char_end for b_start, b_end in blocked):
            return None
        boundary = doc._.kg_title_len
        if boundary is not None and char_start < boundary < char_end:
            return None
        if (self.neuro_gate and component in NEURO_GATED or label == "BRAIN_REGION" and self.neuro_gate
                and len(clean) == 1
                and (component != "lexicon:curated" or text in _OTHER_ORGANS)
                or label == "BRAIN_REGION" and len(text) <= 3):
            if "neuro" not in lazy:
                lazy["neuro"] = len(NEURO_CUES.findall(doc_text(doc))) >= 2
            if not lazy["neuro"]:
                return None
        if label == "MODEL" and len(clean) == 1 and len(text) <= 6 and not self._learning(doc, lazy):
            return None
        if component == "lexicon:mined" and len(text) <= 4:
            if "data" not in lazy:
                lazy["data"] = DATA_CUES.search(doc_text(doc)) is not None
            if not lazy["data"]:
                return None
        if label in ("METHOD", "MODEL") and clean[-1].lower_ in _PROBLEMS:
            label = "TASK"  # "the Capacitated Vehicle Routing Problem", "nonlinear programming problems"
        tier = TIERS["lexicon:curated"] if component.startswith("ner") and label in self.ner_tier_labels \
            else _tier(component)
        if component.startswith("lexicon") and _cuts_word(doc, start, end):
            tier -= 1  # "Foo" inside "Foo-reID": a whole-word name from a weaker source may win
        return Candidate(start, end, label, component, tier, confidence)

    def __call__(self, doc: Doc) -> Doc:
        lazy: dict[str, object] = {}  # document-wide cues, computed when a filter first needs one
        found = self.candidates(doc, lazy)
        refine = {(c.start, c.end) for c in found if c.label == "MODEL" and c.tier >= 3}
        # a rule match beats a model's span of the same tier and length; of two models, the surer one wins
        found.sort(key=lambda c: (-c.tier, -(c.end - c.start), -(2.0 if c.score is None else c.score), c.start))
        taken = [False] * len(doc)
        chosen: dict[tuple[int, int], Candidate] = {}
        for cand in found:
            if any(taken[cand.start:cand.end]):
                continue
            if cand.label == "METHOD" and ((cand.start, cand.end) in refine
                                           or MODEL_SHAPE.search(doc[cand.start:cand.end].text)
                                           and not cand.component.endswith("lexicon:curated")):
                cand.label = "MODEL"  # but a curated technique keeps its type ("Bayesian Network", "Elastic Net")
            chosen[(cand.start, cand.end)] = cand
            for i in range(cand.start, cand.end):
                taken[i] = True
        pairs = self._abbreviations(doc, chosen, taken, lazy)
        _long_forms_everywhere(doc, chosen, taken, pairs)
        _extend(doc, chosen, taken, pairs)
        if not self.ner_descriptive:  # the corpora annotate ideas ("distributional hypothesis") as well
            pairs = _drop_concepts(doc, chosen, pairs)
        spans = [Span(doc, c.start, c.end, label=c.label, span_id=c.component)
                 for c in sorted(chosen.values(), key=lambda c: c.start)]
        doc.spans[ENTITIES_KEY] = spans
        doc.ents = spans
        doc.user_data.update({(ENTITY_CONFIDENCE, c.start, c.end): c.score for c in chosen.values()
                              if c.score is not None})
        doc._.kg_pairs = pairs
        return doc

    def _abbreviations(self, doc: Doc, chosen: dict, taken: list[bool], lazy: dict[str, object]) -> list[
            tuple[tuple[int, int], tuple[int, int]]]:
        """Fix long forms from definitions, type short forms; return (short, long) token ranges."""
        pairs = []
        defined = doc._.kg_abbreviations or []

        def named_label(long: Span) -> str | None:
            # a Title Case definition names a technique only in a text about learning systems: elsewhere a field,
            # an organisation or a thing ("Mixed Reality (MR)", "Network on Chip (NoC)", "European Union (EU)")
            return _named_label(long) if self._learning(doc, lazy) else None
        headed = {(long.start, long.end): label for short, long in defined
                  if (label := _head_after_definition(doc, short, long))
                  and not (label == "TASK" and _typed_inside(chosen, long))}
        blocked = lazy["blocked"]
        for short, long in defined:
            if any(long.start_char < b_end and b_start < long.end_char for b_start, b_end in blocked):
                continue  # "To appear in Theory and Practice of Logic Programming (TPLP)": a venue
            if _drop_condition(short, long, chosen, taken) or _drop_other_thing(short, long, chosen, taken, headed):
                continue
            _drop_other_sense(short, long, chosen, taken)
            inside = [c for c in chosen.values() if c.start < long.end and long.start < c.end]
            if inside:
                label = headed.get((long.start, long.end))
                if label is None:
                    label = max(inside, key=lambda c: (c.tier, c.end - c.start)).label
                    if not any(c.end >= long.end for c in inside):
                        # the candidate is a modifier ("Visual Cortex" in "... Visual Cortex Captioning")
                        label = (head_label(long) or self._short_label(short, long, chosen) or named_label(long)
                                 or label)
                outer = [c for c in inside if c.start <= long.start and c.end >= long.end]
                left = [c.start for c in inside if c.start < long.start and c.label == label == "DATASET"
                        and c.tier >= 3]
                if not outer and left:  # a dataset name the long form cuts into: "extended Cohn-Kanade dataset (CK+)"
                    long = doc[min(left):long.end]
                if not outer:
                    for c in inside:
                        _release(chosen, taken, (c.start, c.end))
                    if any(taken[long.start:long.end]):
                        continue
                    best = max(inside, key=lambda c: (c.tier, c.end - c.start))
                    chosen[(long.start, long.end)] = Candidate(long.start, long.end, label,
                                                               f"abbreviation+{best.component}", 3, best.score)
                    for i in range(long.start, long.end):
                        taken[i] = True
                else:
                    if (long.start, long.end) in headed:
                        outer[0].label = label
                    if not any(t.lower_ == "of" for t in doc[outer[0].start:long.start]):
                        # the candidate is the fuller long form; but in "lower rim of the X (XS)" XS is X
                        long = doc[outer[0].start:outer[0].end]
            else:
                guess = chosen.get((short.start, short.end))
                refuted = guess is not None and _refuted_guess(guess, long)
                label = (headed.get((long.start, long.end)) or head_label(long)
                         or (None if refuted else self._short_label(short, long, chosen)) or named_label(long)
                         or inner_head_label(long))
                if label == "MODEL" and (guess is None or guess.component.startswith("ner")) \
                        and (long.start, long.end) not in headed and not LEARNING_CUES.search(long.text) \
                        and len(LEARNING_CUES.findall(doc_text(doc))) < 2:
                    if guess is not None:
                        _release(chosen, taken, (short.start, short.end))
                    continue
                generic = long.text.lower() in GENERIC
                if label is None or generic or any(taken[long.start:long.end]):
                    if guess is not None and (label is None and (guess.component in DEFINITION_YIELDS or refuted)
                                              or generic and (guess.component in CORPUS_LEXICONS
                                                              or guess.component.startswith("ner"))):
                        # "cholera toxin subunit B (CTB)" is not the mined dataset CTB (Chinese Treebank);
                        # "computational neuroscience (CN)" is not the WhiteText region CN; "photovoltaic
                        # (PV)" is no technique, whatever the model guessed for PV
                        _release(chosen, taken, (short.start, short.end))
                    continue
                chosen[(long.start, long.end)] = Candidate(long.start, long.end, label, "abbreviation", 3, None)
                for i in range(long.start, long.end):
                    taken[i] = True
            existing = chosen.get((short.start, short.end))
            if existing is None:
                overlapping = [c for c in chosen.values() if c.start < short.end and short.start < c.end]
                if overlapping:
                    continue
                chosen[(short.start, short.end)] = Candidate(short.start, short.end, label, "abbreviation", 3, None)
                for i in range(short.start, short.end):
                    taken[i] = True
            else:
                existing.label = label
            pairs.append(((short.start, short.end), (long.start, long.end)))
        return pairs

    @staticmethod
    def _short_label(short: Span, long: Span, chosen: dict) -> str | None:
        """The label a candidate gave the short form ("NeRF" in the lexicon), unless the curated
        abbreviation list knows that short form with another long form ("SAM" = Segment Anything Model)."""
        hit = chosen.get((short.start, short.end))
        if hit is None or hit.component in DEFINITION_YIELDS:
            return None
        known = known_abbreviations().get((hit.label, canonical_key(short.text, "")))
        if known is not None and canonical_key(known, "") != canonical_key(long.text, ""):
            return None
        return hit.label
