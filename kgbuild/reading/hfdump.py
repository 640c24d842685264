"""Plain-text dumps of listing pages such as Hugging Face Daily Papers.

The layout is found from the shape of the text, not from a page's exact wording: a record is a
title line (short, no final full stop) followed by an abstract paragraph (long prose). Short lines
that no abstract follows are page text (menus, dates, vote counts) and are dropped. The few page
words that a copy-paste glues onto the start of a title ("SubscribeEncodings for ...") come off
by pattern. Blank lines between the parts are optional.

Known limit: an abstract hard-wrapped into short lines is not recognised as prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from kgbuild.reading.items import Issue, RawRecord
from kgbuild.reading.sources import Line

LONG_LINE = 300
"""Longer lines are prose; up to MAX_TITLE_LINE they may still be a title if prose follows them."""
MAX_TITLE_LINE = 400
MIN_PROSE_CHARS = 100
"""Shorter lines are never prose."""

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = rf"(?:{'|'.join(_MONTHS)})[a-z]*\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = rf"(?:{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?|{_DAY}\s+{_MONTH}(?:,?\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}})"
_PAGE_WORDS = (
    r"subscribed?",
    r"daily papers",
    r"new",
    r"upvote[sd]?\s*\d*",
    r"\d+(?:[.,]\d+)?k?(?:\s+(?:upvotes?|comments?|authors?|likes?|votes?|papers?))?",
    r"get (?:the )?trending papers\b.*",
    r"by\s*\S+ and the research community",
    r"(?:published|submitted)(?: on)?\s+" + _DATE,
    r"submitted by\s+\S+(?:\s+\S+)?",
    r"(?:on|at)\s+" + _DATE,
    _DATE,
    r"[·•|\-–—]+",
)
_PAGE_LINE = re.compile(rf"^(?:{'|'.join(_PAGE_WORDS)})$", re.IGNORECASE)
# Glued to a title: page words as the page spells them (case matters: "new" but not "New"), then
# what can start a title. "Newton ..." and "NewsQA" keep their first word.
_GLUED_PREFIX = re.compile(
    rf"^(?:Subscribe|Daily Papers|new|Upvote\s*\d*|Get trending papers[^!?.]*[!?.]"
    rf"|by\s*\S+ and the research community|{_DATE})\s*(?=[A-Z0-9\"'(\[])"
)
_PROSE_END = re.compile(r"[.!?][\"')\]}]*$")


def is_page_text(text: str) -> bool:
    """A whole line of page furniture: navigation words, a date, a vote count."""
    return bool(_PAGE_LINE.match(text))


def strip_glued_page_text(text: str) -> str:
    """`SubscribeEncodings for ...` -> `Encodings for ...`; repeated for several glued words."""
    while True:
        stripped = _GLUED_PREFIX.sub("", text, count=1)
        if stripped == text or not stripped:
            return text
        text = stripped


def _ends_sentences(text: str) -> bool:
    return len(text) >= MIN_PROSE_CHARS and len(text.split()) >= 12 and bool(_PROSE_END.search(text))


def is_prose(text: str) -> bool:
    """An abstract paragraph: a long line, or a line of a dozen words or more that ends a sentence."""
    return len(text) > LONG_LINE or _ends_sentences(text)


def is_title_like(text: str) -> bool:
    """Not too long, has letters, does not end with a full stop (titles do not; sentences do)."""
    return (
        2 <= len(text) <= MAX_TITLE_LINE
        and any(ch.isalpha() for ch in text)
        and not text.endswith(".")
        and not _ends_sentences(text)
    )


MAX_DRAFT_CHARS = 1 << 20
"""Memory guard: an abstract growing past this (a whole book after one title) is not kept."""


@dataclass
class _Draft:
    title: Line
    parts: list[Line] = field(default_factory=list)
    chars: int = 0

    def add(self, line: Line) -> None:
        self.chars += len(line.text)
        if self.chars <= MAX_DRAFT_CHARS:
            self.parts.append(line)

    def result(self) -> RawRecord | Issue:
        bad = next((line for line in (self.title, *self.parts) if line.error), None)
        if bad is not None:
            return Issue(bad.number, bad.error or "")
        if self.chars > MAX_DRAFT_CHARS:
            return Issue(self.title.number, f"abstract is over {MAX_DRAFT_CHARS:,} characters long")
        title = strip_glued_page_text(self.title.text.strip())
        abstract = " ".join(part.text.strip() for part in self.parts)
        return RawRecord(self.title.number, title, abstract)


def read_text_dump(lines: Iterator[Line]) -> Iterator[RawRecord | Issue]:
    """Title + abstract records from a page dump; one note at the end counts the dropped lines.

    `title` is a line waiting to see whether prose follows it. A long line that could be either
    (a 350-character title, or an abstract's second paragraph without a final full stop) waits
    too, and joins the abstract before it when no prose follows.
    """
    draft: _Draft | None = None
    title: Line | None = None
    dropped = 0
    first_dropped: Line | None = None

    def settle(waiting: Line) -> None:
        nonlocal dropped, first_dropped
        if draft is not None and is_prose(waiting.text.strip()):
            draft.add(waiting)
        else:
            dropped, first_dropped = dropped + 1, first_dropped or waiting

    for line in lines:
        text = line.text.strip() or ("x" * (MAX_TITLE_LINE + 1) if line.error else "")
        if not text or is_page_text(text):
            continue
        if is_prose(text) and (title is not None or draft is None or not is_title_like(text)):
            if title is not None:
                if draft is not None:
                    yield draft.result()
                draft, title = _Draft(title), None
                draft.add(line)
            elif draft is not None:
                draft.add(line)
            else:
                yield Issue(line.number, "a paragraph with no title line before it")
            continue
        if title is not None:
            settle(title)
        title = line if is_title_like(text) else None
        if title is None:
            settle(line)
    if title is not None:
        settle(title)
    if draft is not None:
        yield draft.result()
    if first_dropped is not None:
        count = f"{dropped} short line" + ("s" if dropped > 1 else "")
        shown = first_dropped.text.strip()[:60]
        yield Issue(
            first_dropped.number,
            f"{count} with no abstract after them ignored as page text (first: {shown!r})",
            skip=False,
        )
