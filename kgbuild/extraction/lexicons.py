"""Lexicon candidates: a PhraseMatcher over `data/lexicon.jsonl` (built by `build_lexicons.py`).

Names that are also ordinary words when lower-cased ("SAM", "Whisper", "IT") match case-sensitively;
everything else matches on LOWER. Every hit goes to its own span group, labelled, with the lexicon
source ("curated", "whitetext", ...) as the span id, so the resolver can weigh the evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span

DATA = Path(__file__).parent / "data"
DEFAULT_LEXICON = DATA / "lexicon.jsonl"


def needs_exact_case(text: str) -> bool:
    """True for names whose lower-case form is likely an ordinary word or another acronym."""
    if any(c.isspace() for c in text):
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters or not any(c.isupper() for c in letters):
        return False
    upper = sum(c.isupper() for c in letters)
    mixed = 1 < upper < len(letters) and len(text) >= 4  # DeiT, ResNet: no ordinary word looks like that
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


def variants(text: str) -> set[str]:
    """Spellings of a lexicon name that should match too: plural, hyphen or space between words,
    a prefix joined or hyphenated ("multilayer perceptron" / "multi-layer perceptron")."""
    forms = {text} | _prefix_forms(text)
    if " " in text:
        forms.add(text.replace(" ", "-"))
    if "-" in text and not any(c.isdigit() for c in text):
        forms.add(text.replace("-", " "))
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


def _sentence_initial_word(doc: Doc, start: int, end: int) -> bool:
    """A one-word name that is also an ordinary word ("Adult", "Places") at a sentence start and nowhere
    else in the text: capitalised by the sentence, not by the name."""
    token = doc[start]
    if end - start != 1 or not token.is_sent_start or not token.is_title or not token.is_alpha:
        return False
    return not any(t.text == token.text and not t.is_sent_start for t in doc)


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
        groups: dict[tuple[str, str, bool], list[str]] = {}
        for row in read_lexicon(path):
            exact = row.get("case") == "exact" or needs_exact_case(row["text"])
            groups.setdefault((row["label"], row.get("source", "lexicon"), exact), []).extend(variants(row["text"]))
        tokenizer = _pattern_tokenizer(nlp)
        for (label, source, exact), texts in groups.items():
            matcher = self.exact if exact else self.lower
            key = f"{label}|{source}"
            for chunk in _batched(sorted(set(texts)), 1000):
                matcher.add(key, list(tokenizer.pipe(chunk)))

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        strings = doc.vocab.strings
        exact = [m for m in self.exact(doc) if not _sentence_initial_word(doc, m[1], m[2])]
        for match_id, start, end in list(self.lower(doc)) + exact:
            label, source = strings[match_id].split("|", 1)
            spans.append(Span(doc, start, end, label=label, span_id=source))
        doc.spans[self.spans_key] = spans
        return doc
