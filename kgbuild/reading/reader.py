"""`read_papers`: files in, `Paper` records out, one at a time, with a report of what went wrong.

Format parsers yield raw records and issues; this module checks each record, gives it its id,
merges duplicates across all inputs and applies the strict / lenient policy in one place.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from kgbuild.errors import InputError
from kgbuild.reading.hfdump import read_text_dump
from kgbuild.reading.identity import paper_id
from kgbuild.reading.items import Issue, RawRecord
from kgbuild.reading.report import Problem, ReadReport
from kgbuild.reading.sources import (
    FileProblem,
    Source,
    open_binary,
    read_chunks,
    read_lines,
    resolve_sources,
    sniff_first_line,
)
from kgbuild.reading.tables import Columns, detect_delimiter, read_json_array, read_jsonl, read_table
from kgbuild.records import Paper

MAX_TITLE_CHARS = 1_000
MAX_ABSTRACT_CHARS = 30_000
ENCODING_ERRORS = ("strict", "replace")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
TABLE_SUFFIXES = {".csv": None, ".tsv": "\t", ".tab": "\t"}
"""Suffix -> delimiter (None: detected from the header among tab, comma and semicolon)."""
_JSON_ARRAY_START = re.compile(r"\[\s*(?:\{|\]|$)")
_JSON_OBJECT_START = re.compile(r"\{\s*(?:\"|\}|$)")
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1b\x7f]")
"""Dropped from text: real arXiv metadata has stray DEL bytes where TeX accents were (`Pl\x7f"ucker`)."""


def _clean(name: str, value: Any, limit: int) -> str | Issue:
    """The text of a title or abstract, whitespace collapsed and NFC; or why it is unusable."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        return Issue(0, f"{name} is {kind}, not text")
    if "\x00" in value:
        return Issue(0, f"{name} contains NUL characters (binary data?)")
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    text = " ".join((value if value.isascii() else unicodedata.normalize("NFC", value)).split())
    if not text:
        return Issue(0, f"empty {name}")
    if len(text) > limit:
        return Issue(0, f"{name} is {len(text):,} characters long (limit {limit:,})")
    return text


def _paper(source: Source, record: RawRecord) -> Paper | Issue:
    title = _clean("title", record.title, MAX_TITLE_CHARS)
    if isinstance(title, Issue):
        return Issue(record.line, title.message)
    abstract = _clean("abstract", record.abstract, MAX_ABSTRACT_CHARS)
    if isinstance(abstract, Issue):
        return Issue(record.line, abstract.message)
    return Paper(paper_id(title, record.extra), title, abstract, source.name, record.line, dict(record.extra))


class _Seen:
    """Id -> (content digest, first place) for every paper so far, packed in one int per paper.

    This is all reading keeps in memory, so its size is what grows with the number of papers.
    """

    def __init__(self) -> None:
        self._entries: dict[str, int] = {}
        self._sources: list[str] = []
        self._source_index: dict[str, int] = {}

    @staticmethod
    def _digest(paper: Paper) -> int:
        data = f"{paper.title}\n\n{paper.abstract}".encode()
        return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")

    def add(self, paper: Paper) -> tuple[str, str]:
        """("new" | "same" | "changed", where the paper was seen before)."""
        index = self._source_index.setdefault(paper.source, len(self._sources))
        if index == len(self._sources):
            self._sources.append(paper.source)
        digest = self._digest(paper)
        entry = digest << 64 | index << 40 | paper.line
        previous = self._entries.get(paper.id)
        if previous is None:
            self._entries[paper.id] = entry
            return "new", ""
        where = f"{self._sources[(previous >> 40) & 0xFFFFFF]}:{previous & 0xFFFFFFFFFF}"
        if previous >> 64 == digest:
            return "same", where
        self._entries[paper.id] = entry
        return "changed", where


def _records(source: Source, stream: Any, columns: Columns, encoding_errors: str,
             note: Callable[[int, str], None]) -> Iterator[RawRecord | Issue]:
    """Pick the format from the name; when the name does not say (.txt, stdin), from the first line."""
    suffix = source.suffix
    first = sniff_first_line(stream)
    named = suffix in JSON_SUFFIXES or suffix in TABLE_SUFFIXES
    lines = read_lines(stream, encoding_errors, note)
    if _JSON_ARRAY_START.match(first) and suffix not in TABLE_SUFFIXES:
        if suffix in (".jsonl", ".ndjson"):
            yield Issue(1, "a JSON array, not JSON Lines: reading its elements as records", skip=False)
        yield from read_json_array(read_chunks(stream, encoding_errors), columns)
    elif suffix in JSON_SUFFIXES or (_JSON_OBJECT_START.match(first) and not named):
        yield from read_jsonl(lines, columns)
    elif suffix in TABLE_SUFFIXES or detect_delimiter(first, columns):
        yield from read_table(lines, TABLE_SUFFIXES.get(suffix), columns)
    else:
        found = False
        for item in read_text_dump(lines):
            found = found or isinstance(item, RawRecord) or item.skip
            yield item
        if not found:
            raise FileProblem(0, "no papers found (expected title lines, each followed by an abstract "
                              "paragraph, or JSON Lines / CSV / TSV with title and abstract columns)")


def _stream(sources: list[Source], strict: bool, columns: Columns, encoding_errors: str,
            report: ReadReport, on_problem: Callable[[Problem], None] | None) -> Iterator[Paper]:
    seen = _Seen()

    def tell(source: Source, line: int, message: str, level: str = "error") -> None:
        problem = Problem(source.name, line, message, level)
        report.add(problem)
        if on_problem is not None:
            on_problem(problem)
        if strict and level == "error":
            raise InputError(str(problem))

    for source in sources:
        report.files += 1

        def note(line: int, message: str, source: Source = source) -> None:
            tell(source, line, message, "note")

        read_before = report.read
        try:
            with open_binary(source) as stream:
                for item in _records(source, stream, columns, encoding_errors, note):
                    if isinstance(item, Issue) and not item.skip:
                        note(item.line, item.message)
                        continue
                    report.read += 1
                    paper = _paper(source, item) if isinstance(item, RawRecord) else item
                    if isinstance(paper, Issue):
                        report.skipped += 1
                        tell(source, paper.line, paper.message + ("" if strict else "; record skipped"))
                        continue
                    status, where = seen.add(paper)
                    if status == "same":
                        report.merged += 1
                        continue
                    if status == "changed":
                        report.replaced += 1
                        note(paper.line, f"same paper ({paper.id}) as {where} with a different title or "
                             "abstract; this later record replaces it")
                    yield paper
        except FileProblem as exc:
            report.file_errors += 1
            tell(source, exc.line, exc.message)
        else:
            if report.read == read_before:
                note(0, "no records in this file")


def read_papers(
    paths: Iterable[str | Path],
    *,
    strict: bool = False,
    title_column: str | None = None,
    abstract_column: str | None = None,
    encoding_errors: str = "strict",
    report: ReadReport | None = None,
    on_problem: Callable[[Problem], None] | None = None,
) -> Iterator[Paper]:
    """Stream papers from files, directories, globs and `-` (stdin); duplicates come out once.

    Formats: Hugging Face Daily Papers text dumps, JSON Lines, JSON arrays, CSV and TSV, each
    plain or gzip. Paths are checked before anything is read: a missing path raises `InputError`.
    A bad record is skipped and reported (`report.problems`, `on_problem`), or raises
    `InputError` with file:line when `strict`. A paper whose id comes again with a different
    text is yielded again (the later one wins); an identical one is dropped as merged.
    `encoding_errors="replace"` reads undecodable bytes as U+FFFD with a note instead of
    skipping the record.
    """
    if encoding_errors not in ENCODING_ERRORS:
        raise InputError(f"encoding_errors must be one of {', '.join(ENCODING_ERRORS)}, not {encoding_errors!r}")
    sources = resolve_sources([paths] if isinstance(paths, (str, Path)) else paths)
    columns = Columns(title_column, abstract_column)
    return _stream(sources, strict, columns, encoding_errors, report or ReadReport(), on_problem)
