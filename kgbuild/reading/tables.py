"""Records with named fields: JSON Lines, a JSON array, CSV and TSV.

Title and abstract are found by column name (case-insensitive, common aliases, or the name the
user gives); every other field is optional and never an error.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kgbuild.reading.identity import extract_extra, normalise_key
from kgbuild.reading.items import Issue, RawRecord
from kgbuild.reading.sources import FileProblem, Line

TITLE_ALIASES = ("title", "paper_title", "article_title", "document_title", "papertitle", "ti")
ABSTRACT_ALIASES = (
    "abstract", "summary", "paper_abstract", "abstract_text", "abstracttext", "abstract_note", "ab",
)
DELIMITERS = ("\t", ",", ";")
MAX_JSON_RECORD_CHARS = 1 << 20
"""A JSON array element longer than this is treated as malformed rather than read into memory."""


@dataclass(frozen=True)
class Columns:
    """Which field names to look for: the user's choice, or the aliases."""

    title: str | None = None
    abstract: str | None = None

    def titles(self) -> tuple[str, ...]:
        return (normalise_key(self.title),) if self.title else TITLE_ALIASES

    def abstracts(self) -> tuple[str, ...]:
        return (normalise_key(self.abstract),) if self.abstract else ABSTRACT_ALIASES

    def find(self, keys: Mapping[str, Any] | list[str]) -> tuple[str | None, str | None]:
        """The title and abstract keys among normalised `keys`, or None for each one missing."""
        title = next((k for k in self.titles() if k in keys), None)
        abstract = next((k for k in self.abstracts() if k in keys), None)
        return title, abstract

    def missing(self, which: str, keys: list[str]) -> str:
        named = self.title if which == "title" else self.abstract
        shown = ", ".join(keys[:12]) + (", ..." if len(keys) > 12 else "") or "none"
        if named:
            return f"no {which} column named {named!r} (columns: {shown})"
        option = f"--{which}-column"
        return f"no {which} column (columns: {shown}); name it with {option}"


def record_from_fields(line: int, fields: Mapping[str, Any], columns: Columns) -> RawRecord | Issue:
    """A record from one object or row whose keys are already normalised.

    A record that nests the paper one level down (`{"paper": {"title": ..., "summary": ...}}`,
    as Hugging Face's API returns it) is read from the nested object.
    """
    title_key, abstract_key = columns.find(fields)
    if title_key is None and abstract_key is None:
        for value in fields.values():
            if isinstance(value, Mapping):
                inner = {normalise_key(k): v for k, v in value.items()}
                if all(columns.find(inner)):
                    return record_from_fields(line, {**fields, **inner}, columns)
    keys = list(fields)
    if title_key is None:
        return Issue(line, columns.missing("title", keys).replace("column", "field"))
    if abstract_key is None:
        return Issue(line, columns.missing("abstract", keys).replace("column", "field"))
    return RawRecord(line, fields[title_key], fields[abstract_key], extract_extra(fields))


def _record_from_json(line: int, value: Any, columns: Columns) -> RawRecord | Issue:
    if not isinstance(value, dict):
        return Issue(line, f"expected a JSON object, got {type(value).__name__}")
    return record_from_fields(line, {normalise_key(k): v for k, v in value.items()}, columns)


def read_jsonl(lines: Iterator[Line], columns: Columns) -> Iterator[RawRecord | Issue]:
    """One JSON object per line; blank lines are allowed, a bad line is one bad record."""
    for line in lines:
        if line.error:
            yield Issue(line.number, line.error)
            continue
        text = line.text.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Issue(line.number, f"malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        yield _record_from_json(line.number, value, columns)


def read_json_array(chunks: Iterator[str], columns: Columns) -> Iterator[RawRecord | Issue]:
    """A JSON array of objects, decoded element by element so a large file is never held whole.

    A malformed element ends the file (there is no safe place to resume inside an array).
    """
    decoder = json.JSONDecoder()
    buffer = ""
    pos = 0
    line = 1
    done = False

    def more() -> bool:
        nonlocal buffer, pos, done
        if done:
            return False
        try:
            chunk = next(chunks)
        except StopIteration:
            done = True
            return False
        except FileProblem as exc:
            raise FileProblem(line, exc.message) from None
        buffer = buffer[pos:] + chunk
        pos = 0
        return True

    def skip_space() -> str:
        nonlocal pos, line
        while True:
            while pos < len(buffer) and buffer[pos].isspace():
                line += buffer[pos] == "\n"
                pos += 1
            if pos < len(buffer) or not more():
                return buffer[pos] if pos < len(buffer) else ""

    if skip_space() != "[":
        raise FileProblem(line, "expected a JSON array")
    pos += 1
    expect_value = True
    while True:
        char = skip_space()
        if char == "]" or (char == "," and not expect_value):
            pos += 1
            if char == "]":
                return
            expect_value = True
            continue
        if not char or not expect_value:
            raise FileProblem(line, "malformed JSON array (expected ',' or ']'); the rest of the file is skipped")
        while True:
            try:
                value, end = decoder.raw_decode(buffer, pos)
                break
            except json.JSONDecodeError as exc:
                if len(buffer) - pos > MAX_JSON_RECORD_CHARS or not more():
                    raise FileProblem(
                        line, f"malformed JSON in array ({exc.msg}); the rest of the file is skipped"
                    ) from None
        yield _record_from_json(line, value, columns)
        line += buffer.count("\n", pos, end)
        pos = end
        expect_value = False


def detect_delimiter(header: str, columns: Columns) -> str | None:
    """The delimiter that makes `header` name both a title and an abstract column, if any does."""
    for delimiter in DELIMITERS:
        if delimiter not in header:
            continue
        names = [normalise_key(name) for name in next(csv.reader([header], delimiter=delimiter))]
        if all(columns.find(names)):
            return delimiter
    return None


def read_table(lines: Iterator[Line], delimiter: str | None, columns: Columns) -> Iterator[RawRecord | Issue]:
    """CSV or TSV with a header row; quoted fields may span lines. `delimiter` None: detect it."""
    header_line = next((line for line in lines if line.text.strip()), None)
    if header_line is None:
        raise FileProblem(0, "empty file")
    if header_line.error:
        raise FileProblem(header_line.number, f"header row: {header_line.error}")
    header_text = header_line.text.strip("\r\n")
    delimiter = detect_delimiter(header_text, columns) or delimiter or ","
    names = [normalise_key(name) for name in next(csv.reader([header_text], delimiter=delimiter))]
    title_key, abstract_key = columns.find(names)
    for key, which in ((title_key, "title"), (abstract_key, "abstract")):
        if key is None:
            raise FileProblem(header_line.number, columns.missing(which, names))

    bad_lines: dict[int, str] = {}

    def texts() -> Iterator[str]:
        for line in lines:
            if line.error:
                bad_lines[line.number] = line.error
            yield line.text

    first = header_line.number
    reader = csv.reader(texts(), delimiter=delimiter)
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Issue(first + previous + 1, f"malformed {'TSV' if delimiter == chr(9) else 'CSV'} row ({exc})")
            previous = reader.line_num
            continue
        start, previous = first + previous + 1, reader.line_num
        if not any(field.strip() for field in row):
            continue
        errors = [bad_lines[n] for n in range(start, first + previous + 1) if n in bad_lines]
        if errors:
            yield Issue(start, errors[0])
        elif len(row) != len(names):
            yield Issue(start, f"row has {len(row)} fields, the header has {len(names)}")
        else:
            fields: dict[str, Any] = {}
            for name, value in zip(names, row, strict=True):
                fields.setdefault(name, value)
            yield record_from_fields(start, fields, columns)
