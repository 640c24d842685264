"""Abbreviation definitions ("equilibrium propagation (EP)") and every later use of the short form.

Built on scispaCy's Schwartz & Hearst implementation (`scispacy.abbreviation`): its candidate filter
and `find_abbreviation` do the character alignment. Around it we fix the cases it is known to get wrong:

- long form too short when letters line up loosely inside one word ("Mindful memoization (MM)" gives
  "memoization"): a long form whose word initials spell the short form wins when there is one;
- long form too long: leading determiners and verbs ("using the", "we propose") are trimmed;
- long form too short when the text capitalises the letters it gives ("Constraint-based causal Discovery
  from heterogeneous/NOnstationary Data (CD-NOD)"): it grows back to the word with the missing capital;
- long form starting inside a hyphenated word ("non-negative matrix factorization (NMF)" gives
  "negative matrix factorization"): it grows back over the glued prefix;
- extra words in the parenthesis ("(EP; Scellier 2017)", "(hereafter EP)", "(CNNs, see [3])"): the
  short form is the first segment, without the cue words;
- plural uses of the short form ("CNNs" after "convolutional neural network (CNN)") are found too;
- hyphenated short forms that the tokenizer splits ("(RT-QPS)") are one short form;
- the reverse order, a short form with its long form in brackets ("ZEPA (Zero-Embedding Predictive
  Architecture)"), counts when the bracketed words' initials spell the short form;
- "SF: Long Form for ..." (a title, or "we present SF: Long Form") defines SF when the first words
  after the colon spell it;
- anatomical short forms with lower-case position letters around a capital core ("dorsal lateral
  geniculate nucleus (LGNd)", "dorsolateral periaqueductal gray (dlPAG)"): the core spells the name,
  the position words before it give the small letters in any order.

The result is `doc._.kg_abbreviations`: a list of (short Span, long Span) for every occurrence.
"""

from __future__ import annotations

import re

from scispacy.abbreviation import find_abbreviation, short_form_filter
from spacy.language import Language
from spacy.tokens import Doc, Span

from .docs import doc_text

_CUES = {"hereafter", "henceforth", "called", "termed", "named", "dubbed", "i.e.", "i.e", "ie", "or", "aka",
         "abbreviated", "abbreviation", "short", "for", "namely"}
_TRIM = {"the", "a", "an", "our", "their", "its", "this", "that", "these", "those", "of", "in", "on", "by",
         "with", "using", "use", "uses", "used", "via", "and", "or", "to", "for", "from", "as", "we", "is",
         "are", "be", "was", "were", "propose", "proposes", "proposed", "introduce", "introduces",
         "present", "presents", "named", "called", "new", "novel", "which", "based", "into"}
_INNER_WORDS = {"of", "and", "for", "the", "in", "on", "to", "with", "a", "an", "-", "/"}
_MAX_LONG_TOKENS = 10
_MAX_GROWTH = 3  # tokens a capitalised long form may grow back by ("Constraint", "-", "based")
_BRACKETS = {"(", ")", "[", "]"}
_QUOTES = {'"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "``", "''"}
_COLON = re.compile(":")
_PARENTHESIS = re.compile(r"\([^()\n]{1,60}\)")
_MODIFIED = re.compile(r"([a-z]{0,3})([A-Z][A-Z0-9]*[A-Z])([a-z]{0,3})")
_POSITION_PARTS = re.compile(r"(dorso|ventro|rostro|caudo|medio|latero|postero|antero|supero|infero)")
_PART_WORDS = {"of", "the", "part", "region", "division", "subdivision", "portion", "-"}


def _segment_end(doc: Doc, start: int, end: int) -> int:
    """Where the first segment of a bracket's content doc[start:end] ends: at ";", "," or ":"."""
    stop = start
    while stop < end and doc[stop].text not in {";", ",", ":"}:
        stop += 1
    return stop


def _plural(text: str) -> bool:
    """A plural short form: "CNNs", "PINs" (the "s" spells no word of the long form)."""
    return len(text) > 1 and text.endswith("s") and text[:-1].isupper()


def _short_form(doc: Doc, start: int, end: int) -> Span | None:
    """The abbreviation inside the brackets doc[start:end], without cue words or trailing remarks."""
    stop = _segment_end(doc, start, end)
    while start < stop and (doc[start].lower_ in _CUES or doc[start].text in _QUOTES):
        start += 1
    while stop > start and doc[stop - 1].text in _QUOTES:  # ("BrainDiVE")
        stop -= 1
    span = doc[start:stop]
    if start >= stop or stop - start > 2 and not _glued(span):
        return None
    if not _short_shape(span) or not any(c.isupper() for c in span.text):
        return None
    return span


def _short_shape(span: Span) -> bool:
    """scispaCy's short-form filter, applied to a hyphenated short form as one word."""
    if not _glued(span):
        return short_form_filter(span)
    text = span.text
    return 2 <= len(text) <= 12 and text[0].isalpha() and sum(c.isalpha() for c in text) >= len(text) / 2


def _glued(span: Span) -> bool:
    """Tokens written without spaces, hyphenated ("RT-QPS"), at most five: one short form."""
    return len(span) <= 5 and not any(t.whitespace_ for t in span[:-1]) and any(t.text == "-" for t in span)


def _initials_long_form(doc: Doc, short: Span, before: int) -> Span | None:
    """The shortest run of words ending at `before` whose initials spell the short form's letters.

    "and"/"of" give no capital letter at first ("Alignments and Interactions (AI)"); when that finds
    nothing they may ("Point of Interest (POI)").
    """
    return _initials(doc, short, before, skip_inner=True) or _initials(doc, short, before, skip_inner=False)


def _initials(doc: Doc, short: Span, before: int, skip_inner: bool) -> Span | None:
    return _initials_text(doc, short.text, before, skip_inner)


def _initials_text(doc: Doc, short: str, before: int, skip_inner: bool) -> Span | None:
    cased = [c for c in short if c.isalpha()]
    if _plural(short):
        cased = cased[:-1]
    letters = [c.lower() for c in cased]
    if len(letters) < 2:
        return None
    index, want = before - 1, len(letters) - 1
    first = None
    while index >= max(0, before - _MAX_LONG_TOKENS) and want >= 0:
        token = doc[index]
        if token.is_sent_start and index < before - 1 and want > 0 and token.lower_[:1] != letters[want]:
            return None
        if token.is_punct and token.text not in {"-", "/"}:
            return None
        parts = [p for p in re.split(r"[-/]", token.text) if p]
        for part in reversed(parts):
            if skip_inner and part.lower() in _INNER_WORDS and want >= 0 and cased[want].isupper():
                continue  # "and" gives no capital: "Alignments and Interactions (AI)"; "of" gives ToM's "o"
            if want >= 0 and part[0].lower() == letters[want]:
                # one word may give several letters from its own capitals ("ResNet" -> R, N)
                want -= 1
                first = index
            elif part.lower() in _INNER_WORDS or not part[0].isalnum():
                continue
            elif want < len(letters) - 1 and part[0].lower() != letters[want]:
                return None
        index -= 1
    if want >= 0 or first is None:
        return None
    return doc[first:before]


def _modified_long_form(doc: Doc, short: Span, before: int) -> Span | None:
    """The long form of a short form whose small letters are positions ("LGNd", "dlPAG", "PBel"):
    the capital core's long form (initials, else scispaCy's alignment) ending at `before`, extended
    back over position words whose initials are the small letters in any order ("dorsolateral" gives
    d and l); "region of", "part of" may stand between ("rostromedial region of substantia nigra")."""
    match = _MODIFIED.fullmatch(short.text)
    if match is None or not (match[1] or match[3]) or match[3] == "s" and not match[1]:
        return None
    core = _initials_text(doc, match[2], before, skip_inner=True)
    if core is None:
        window = doc[max(before - len(match[2]) - 3, doc[before - 1].sent.start):before]
        core = find_abbreviation(window, Doc(doc.vocab, words=[match[2]])[:])[1] if len(window) else None
    if core is None or core.end != before:
        return None
    wanted = sorted(match[1] + match[3])
    letters: list[str] = []
    index = core.start - 1
    while index >= max(0, core.start - 6) and len(letters) < len(wanted):
        token = doc[index]
        if token.lower_ in _PART_WORDS:
            index -= 1
            continue
        if not token.is_alpha:
            return None
        parts = [p for p in _POSITION_PARTS.split(token.lower_) if p]
        letters += [p[0] for p in parts]
        index -= 1
    if sorted(letters) != wanted:
        return None
    return doc[index + 1:before]


def _trimmed(span: Span) -> Span | None:
    start, end = span.start, span.end
    while start < end and (span.doc[start].lower_ in _TRIM or span.doc[start].is_punct):
        start += 1
    return span.doc[start:end] if end - start > 0 else None


def parentheses(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of short bracketed asides, brackets included (one regex pass over the text)."""
    ranges = []
    for match in _PARENTHESIS.finditer(doc_text(doc)):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is not None and span[0].text == "(" and span[-1].text == ")":
            ranges.append((span.start, span.end))
    return ranges


def _without_trailing_marks(span: Span) -> Span | None:
    """`span` without tokens at its end that hold no letter or digit ("perceptrons~(MLPs)": TeX's "~")."""
    end = span.end
    while end > span.start and not any(c.isalnum() for c in span.doc[end - 1].text):
        end -= 1
    return span.doc[span.start:end] if end > span.start else None


def _whole_word_start(span: Span | None) -> Span | None:
    """`span` grown back over a hyphenated word it starts inside: "anti-" + "aliased spectral pooling"."""
    if span is None:
        return None
    doc, start = span.doc, span.start
    while (start >= 2 and doc[start - 1].text == "-" and not doc[start - 1].whitespace_
           and not doc[start - 2].whitespace_ and doc[start - 2].is_alpha):
        start -= 2
    return doc[start:span.end]


def _capitals(text: str) -> str:
    return "".join(c for c in text if c.isupper())


def _capitals_start(short: Span, long: Span | None) -> Span | None:
    """`long` grown back over the words whose capitals the short form still lacks, when the long form
    capitalises the letters it gives: "Constraint-based causal Discovery from heterogeneous/NOnstationary
    Data (CD-NOD)", where character alignment stops at "causal"."""
    if long is None:
        return None
    wanted = _capitals(short.text)  # a plural's "s" is no capital
    have = _capitals(long.text)
    if len(have) < 2 or have == wanted or not wanted.endswith(have):
        return long
    doc, start = long.doc, long.start
    while start > max(long.sent.start, long.start - _MAX_GROWTH):
        token = doc[start - 1]
        if token.is_punct and token.text != "-" or token.text in _BRACKETS:
            break
        start -= 1
        found = _capitals(doc[start:long.end].text)
        if found == wanted and token.text[:1].isupper():
            return doc[start:long.end]
        if not wanted.endswith(found):
            break
    return long


def _reverse_definition(doc: Doc, start: int, inner_start: int, inner_end: int) -> tuple[Span, Span] | None:
    """(short, long) for "SF (Long Form)": the words before any ";" or "," in the brackets, all of
    them needed for the initials of the token before the bracket (a short form by shape)."""
    stop = _segment_end(doc, inner_start, inner_end)
    short = doc[start - 1:start]
    if stop - inner_start < 2 or not _short_shape(short) or sum(c.isupper() for c in short.text) < 2:
        return None
    long = _initials_long_form(doc, short, stop)
    if long is None or long.start != inner_start:
        return None
    return short, long


def find_definitions(doc: Doc) -> list[tuple[Span, Span]]:
    """(short form, long form) for each definition in `doc`, long form first in the text."""
    found = []
    for start, end in parentheses(doc):
        inner_start, inner_end = start + 1, end - 1
        if inner_start >= inner_end or start == 0:
            continue
        short = _short_form(doc, inner_start, inner_end)
        if short is None:
            reverse = _reverse_definition(doc, start, inner_start, inner_end)
            if reverse is not None:
                found.append(reverse)
            continue
        long = _initials_long_form(doc, short, start) or _modified_long_form(doc, short, start)
        if long is None:
            window = max(1, min(len(short.text) + 5, len(short.text) * 2))
            candidate = doc[max(start - window, doc[start - 1].sent.start): start]
            if len(candidate) == 0:
                continue
            _, long = find_abbreviation(candidate, short)
            long = _trimmed(long) if long is not None else None
            if long is not None and sum(t.is_alpha for t in long) > 2 * len(_capitals(short.text)) + 1:
                continue  # letters scattered over a clause: "results demonstrate ... AlexNet (or ResNet)"
        long = _capitals_start(short, _whole_word_start(_without_trailing_marks(long)) if long is not None else None)
        if long is None or len(long) > _MAX_LONG_TOKENS or long.text.lower() == short.text.lower():
            continue
        if not any(t.is_alpha and len(t) > 1 for t in long) or any(t.text in _BRACKETS for t in long):
            continue  # "posterior cortical (pCorA) and medial (pMeA)": no long form runs over a bracket
        found.append((short, long))
    for colon in _colon_definitions(doc):
        if all(short.text != colon[0].text for short, _ in found):
            found.append(colon)
    found.sort(key=lambda pair: min(pair[0].start, pair[1].start))
    return found


def _colon_definitions(doc: Doc) -> list[tuple[Span, Span]]:
    """(short, long) for each "SF: Long Form ..." in the title or a sentence ("PINs: Progressive
    Implicit Networks for ...", "we present FLAN: Flow Attention for NAS"): the fewest words after
    the colon whose initials spell the short form; failing that, scispaCy's letter alignment if the
    words' initials appear in SF in order. The long form ends on the word that gives SF's last letter,
    never on a stop word or inside a hyphenated word."""
    found = []
    text = doc_text(doc)
    colons = [doc.char_span(m.start(), m.end()) for m in _COLON.finditer(text)] if ":" in text else []
    for colon in (span.start for span in colons if span is not None and 1 <= span.start < len(doc) - 2):
        if doc[colon - 1].whitespace_:
            continue
        short = doc[colon - 1:colon]
        before = doc[colon - 2] if colon > 1 else None
        if before is not None and not before.whitespace_ and not before.is_space \
                and before.text not in _BRACKETS | _QUOTES:
            continue  # "K-ANMI:" is not "ANMI:"; "(TI: Temporal Integration)" is TI
        if not _short_shape(short) or sum(c.isupper() for c in short.text) < 2:
            continue
        limit = min(doc[colon].sent.end, colon + 1 + _MAX_LONG_TOKENS)
        boundary = doc._.kg_title_len
        if boundary is not None and short.end_char <= boundary:
            title_end = doc.char_span(0, boundary, alignment_mode="contract")
            limit = min(limit, title_end.end if title_end is not None else limit)
        last = [c.lower() for c in short.text if c.isalpha()][-2 if _plural(short.text) else -1]  # "PINs": n
        ends = [end for end in range(colon + 3, limit + 1)
                if not (end < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_)]
        exact = (_initials(doc, short, end, skip_inner=True) for end in ends)
        long = next((lf for lf in exact if _fits(lf, colon + 1, last)), None)
        if long is None:
            aligned = (find_abbreviation(doc[colon + 1:end], short)[1] for end in ends)
            long = next((lf for lf in aligned if _fits(lf, colon + 1, last) and _initials_in_order(lf, short.text)),
                        None)
        if long is not None:
            found.append((short, long))
    return found


def _fits(long: Span | None, start: int, last: str) -> bool:
    """A colon long form starts right after the colon and ends on the word that gives the last letter."""
    return long is not None and long.start == start and not long[-1].is_stop and long[-1].lower_[:1] == last


def _initials_in_order(long: Span, short: str) -> bool:
    """Whether the initials of the long form's words (inner "of", "for", ... aside) appear in the short
    form in order, and no bracket is inside ("Flow Attention for NAS" for FLAN; not "A Neurally-Inspired"
    for AI)."""
    letters = iter(short.lower())
    for token in long:
        if token.text in _BRACKETS:
            return False
        if token.is_punct or token.lower_ in _INNER_WORDS:
            continue
        if token.lower_[0] not in letters:
            return False
    return True


@Language.factory("kgbuild_abbreviations")
def make_abbreviations(nlp: Language, name: str) -> Abbreviations:
    return Abbreviations(nlp, name)


class Abbreviations:
    """Sets `doc._.kg_abbreviations`: (short, long) Span pairs for every short-form occurrence."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        pairs = []
        long_of: dict[str, Span] = {}
        longer: dict[tuple[str, ...], Span] = {}  # "SFX 2.0", "RT-QPS": short forms of several tokens
        surfaces: set[str] = set()
        for short, long in find_definitions(doc):
            if short.text in long_of or tuple(t.text for t in short) in longer:
                continue
            if len(short) > 1:
                longer[tuple(t.text for t in short)] = long
                surfaces.add(short.text)
                continue
            long_of[short.text] = long
            if _plural(short.text):
                long_of.setdefault(short.text[:-1], long)
            else:
                long_of.setdefault(short.text + "s", long)
        if long_of or longer:
            forms = sorted(surfaces | set(long_of), key=len, reverse=True)  # the longest form first
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, forms)) + r")(?!\w)")
            for match in pattern.finditer(doc_text(doc)):  # C speed, not a Python loop over every token
                span = doc.char_span(match.start(), match.end())
                if span is None:
                    continue
                long = longer.get(tuple(t.text for t in span)) if len(span) > 1 else long_of.get(span.text)
                if long is not None and not (long.start <= span.start < long.end):
                    pairs.append((span, long))
        doc._.kg_abbreviations = pairs
        return doc
