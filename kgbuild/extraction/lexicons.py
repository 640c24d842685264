"""Lexicon candidates: a PhraseMatcher over `data/lexicon.jsonl` (built by `build_lexicons.py`).

Names that are also ordinary words when lower-cased ("SAM", "Whisper", "IT", and those `build_lexicons`
marks "ordinary" from corpus counts: ReAct, PaLM, Adult, Relational Database) match case-sensitively;
everything else matches on LOWER. An "ordinary" name whose capitals its place may explain (a sentence
start, after a colon, a Title Case title) counts only if the text also writes its words so elsewhere.
Every hit goes to its own span group, labelled, with the lexicon source ("curated", "whitetext", ...)
as the span id, so the resolver can weigh the evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span, Token

DATA = Path(__file__).parent / "data"
DEFAULT_LEXICON = DATA / "lexicon.jsonl"


def needs_exact_case(text: str, label: str = "") -> bool:
    """True for names whose lower-case form is likely an ordinary word or another acronym."""
    if any(c.isspace() for c in text):
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters or not any(c.isupper() for c in letters):
        return False
    upper = sum(c.isupper() for c in letters)
    mixed = 1 < upper < len(letters) and len(text) >= 4  # ResNet, XLNet: no ordinary word looks like that
    if mixed and text.isalpha() and len(text) <= 4 and (text[0].isupper() or label == "DATASET"):
        # PaLM, CoCa, FiLM: too short to be safe in lower case ("palm", "coca", "film"); a dataset spelled
        # dHCP or bAbI is another acronym in capitals (DHCP), while fMRI is often FMRI in a title
        return True
    return not mixed and (len(text) <= 5 or text.istitle() or text.isupper())


PREFIXES = ("multi", "semi", "non", "pre", "post", "cross", "inter", "intra", "hyper", "meta", "anti", "self")
"""Prefixes written both joined and hyphenated ("multilayer" / "multi-layer")."""


def _prefix_forms(text: str) -> set[str]:
    """`text` with each prefixed word written the other way: joined <-> hyphenated."""
    forms = set()
    words = text.split(" ")
    for i, word in enumerate(words):
        low = word.lower()
        for prefix in PREFIXES:
            n = len(prefix)
            if low.startswith(prefix + "-") and word[n + 1:].isalpha():
                other = word[:n] + word[n + 1:]
            elif low.startswith(prefix) and len(word) > n + 3 and word[n:].isalpha():
                other = word[:n] + "-" + word[n:]
            else:
                continue
            forms.add(" ".join([*words[:i], other, *words[i + 1:]]))
    return forms


_SEPARATOR = re.compile(r"(?<=[A-Za-z])[ -](?=[A-Za-z])")
_MAX_MIXED = 3
"""Names with at most this many separators get every mix of hyphens and spaces."""
# American -> British spellings (canonical keys map them back): "optimization" / "optimisation"
_BRITISH = [(re.compile(r"(?<=[a-z]{3})iz(?=(?:ation|ations|ing|ed|er|ers|e|es)\b)"), "is"),
            (re.compile(r"(?<=[a-z][^aeiou][aeiou])l(?=(?:ing|ed)\b)"), "ll"),
            (re.compile(r"\bgray\b"), "grey"), (re.compile(r"\bcenter"), "centre"),
            (re.compile(r"\b(behavi|neighb|col|tum)or"), r"\1our")]


def _separator_forms(text: str) -> set[str]:
    """`text` with its word separators written as hyphens or spaces, in every mix ("spike timing-dependent
    plasticity", "generalized least-squares"), or all at once for a long name ("multi layer" -> "multi-layer")."""
    gaps = [m.start() for m in _SEPARATOR.finditer(text)]
    if not gaps or any(c.isdigit() for c in text):
        return {text.replace(" ", "-")} if " " in text else set()
    if len(gaps) > _MAX_MIXED:
        return {text.replace(" ", "-"), text.replace("-", " ")}
    forms = set()
    for mask in range(2 ** len(gaps)):
        chars = list(text)
        for bit, at in enumerate(gaps):
            chars[at] = "-" if mask >> bit & 1 else " "
        forms.add("".join(chars))
    return forms


def _british(text: str) -> str:
    """`text` in British spelling, for papers that write it so."""
    for pattern, replacement in _BRITISH:
        text = pattern.sub(replacement, text)
    return text


def variants(text: str) -> set[str]:
    """Spellings of a lexicon name that should match too: plural, hyphen or space between words,
    a prefix joined or hyphenated ("multilayer perceptron" / "multi-layer perceptron"), British
    spelling ("optimisation", "modelling", "grey")."""
    forms = {text} | _prefix_forms(text) | _separator_forms(text)
    forms |= {_british(form) for form in forms}
    for form in list(forms):
        last = form.rsplit(" ", 1)[-1]
        if last[-1:].isalpha() and not last.lower().endswith(("s", "x", "ics")) and len(last) > 2:
            forms.add(form + "s")
    return forms


@lru_cache(maxsize=4)
def read_lexicon(path: str) -> tuple[dict, ...]:
    """Rows of a lexicon JSONL file: {"text", "label", "source"}."""
    with open(path, encoding="utf-8") as handle:
        return tuple(json.loads(line) for line in handle if line.strip())


def _batched(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _pattern_tokenizer(nlp: Language) -> Tokenizer:
    """The pipeline's tokenizer rules over a throwaway vocab, for the lexicon patterns.

    Matching compares attribute hashes, so pattern Docs need not share the pipeline's vocab; keeping
    thousands of pattern words out of it matters because spaCy only caches the tokenization of words
    whose lexemes are in the vocab, and stops adding lexemes after the first 10,000.
    """
    tok = nlp.tokenizer
    return Tokenizer(spacy.blank(nlp.lang).vocab, rules=tok.rules, prefix_search=tok.prefix_search,
                     suffix_search=tok.suffix_search, infix_finditer=tok.infix_finditer,
                     token_match=tok.token_match, url_match=tok.url_match)


def _capitalised_by_place(token: Token) -> bool:
    """A Title Case word that its place may have capitalised: a sentence start, after a colon
    ("Results: Adult rats"), or in the title."""
    if not (token.is_title and token.is_alpha):
        return False
    title_len = token.doc._.kg_title_len
    return (token.is_sent_start or token.i > 0 and token.doc[token.i - 1].text == ":"
            or title_len is not None and token.idx < title_len)


@Language.factory(
    "kgbuild_lexicon",
    default_config={"path": None, "spans_key": "cand:lexicon"},
)
def make_lexicon(nlp: Language, name: str, path: str | None, spans_key: str) -> LexiconMatcher:
    return LexiconMatcher(nlp, name, path or str(DEFAULT_LEXICON), spans_key)


class LexiconMatcher:
    """Writes every lexicon hit (overlaps included) to `doc.spans[spans_key]`."""

    def __init__(self, nlp: Language, name: str, path: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        groups: dict[tuple[str, str, bool, bool], list[str]] = {}
        for row in read_lexicon(path):
            ordinary = bool(row.get("ordinary"))
            exact = ordinary or needs_exact_case(row["text"], row["label"])
            key = (row["label"], row.get("source", "lexicon"), exact, ordinary)
            groups.setdefault(key, []).extend(variants(row["text"]))
        tokenizer = _pattern_tokenizer(nlp)
        for (label, source, exact, ordinary), texts in groups.items():
            matcher = self.exact if exact else self.lower
            key = f"{label}|{source}" + ("|ordinary" if ordinary else "")
            for chunk in _batched(sorted(set(texts)), 1000):
                matcher.add(key, list(tokenizer.pipe(chunk)))

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        strings = doc.vocab.strings
        later: set[str] | None = None  # words written where nothing but the name capitalises them
        for match_id, start, end in list(self.lower(doc)) + list(self.exact(doc)):
            label, source, *ordinary = strings[match_id].split("|")
            if ordinary and all(_capitalised_by_place(t) for t in doc[start:end] if t.is_alpha and not t.is_stop):
                later = later if later is not None else {t.text for t in doc if not _capitalised_by_place(t)}
                if not all(t.text in later for t in doc[start:end]):
                    continue  # "Adult rats were ...", "Results: Adult ...", a Title Case title
            spans.append(Span(doc, start, end, label=label, span_id=source))
        doc.spans[self.spans_key] = spans
        return doc
