"""spaCy's English tokenizer with a few extra rules for scientific abstracts.

Registered as ``kgbuild.sci_tokenizer.v1`` so that the extraction pipeline and the NER training
configs (``spacy train ... --code kgbuild/extraction/tokenizer.py``) tokenize the same way. This file
imports nothing from kgbuild on purpose: ``--code`` loads it on its own.

What changes, each fixing a span boundary that the default rules hide inside one token:

- ``CIFAR-10/100``: a slash before a digit splits (``CIFAR-10`` ``/`` ``100``).
- ``$\\alpha$-divergence``, ``\\textit{KL}``: ``$``, ``{`` and ``}`` always split.
- ``propagation(EP``, ``(fMRI)-based``: a bracket glued to a word splits.
- ``ViT.`` at a sentence end: a full stop after a mixed-case abbreviation splits.
- ``$\\alpha$-divergence``: a leading hyphen before a letter splits.
- ``perceptrons~(MLPs)``: TeX's non-breaking ``~`` before a bracket splits off, and so does the bracket.
- ``olive.(ABSTRACT TRUNCATED AT 400 WORDS)``: a full stop glued to a following bracket splits, and so
  does the bracket (PubMed's truncation mark follows the last sentence without a space).
"""

from __future__ import annotations

import spacy
from spacy.lang.en import English
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

EXTRA_PREFIXES = [r"\$", r"\{", r"\}", r"-(?=[A-Za-z])"]
EXTRA_SUFFIXES = [r"\$", r"\{", r"\}", r"(?<=[a-z0-9][A-Z])\."]
EXTRA_INFIXES = [
    r"(?<=[0-9A-Za-z])/(?=[0-9])",
    r"\$",
    r"(?<=[$}])-(?=[A-Za-z])",
    r"[{}]",
    r"(?<=[0-9A-Za-z])[(\[](?=[0-9A-Za-z])",
    r"(?<=[0-9A-Za-z])[)\]](?=[-0-9A-Za-z])",
    r"(?<=[0-9A-Za-z])~(?=[(\[])",
    r"(?<=~)[(\[]",
    r"(?<=[0-9A-Za-z])\.(?=[(\[][A-Za-z])",
    r"(?<=\.)[(\[](?=[A-Za-z])",
]


def scientific_tokenizer(nlp: spacy.language.Language) -> Tokenizer:
    """Build the default English tokenizer for `nlp` plus the extra scientific-text rules."""
    defaults = English.Defaults
    prefixes = list(defaults.prefixes) + EXTRA_PREFIXES
    suffixes = list(defaults.suffixes) + EXTRA_SUFFIXES
    infixes = list(defaults.infixes) + EXTRA_INFIXES
    return Tokenizer(
        nlp.vocab,
        rules=defaults.tokenizer_exceptions,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=defaults.token_match,
        url_match=defaults.url_match,
    )


make_tokenizer = scientific_tokenizer
"""The name NER training looks for (training/convert.py)."""


@spacy.registry.tokenizers("kgbuild.sci_tokenizer.v1")
def create_scientific_tokenizer():
    """Config entry point: ``[nlp.tokenizer] @tokenizers = "kgbuild.sci_tokenizer.v1"``."""
    return scientific_tokenizer
