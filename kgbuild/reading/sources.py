"""Where records come from: paths, globs, directories and stdin, opened as numbered lines of text.

This is the only place that deals with bytes: gzip, byte order marks, undecodable bytes and
truncated files all become a `Line.error` or a `FileProblem` with a file position.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import io
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kgbuild.errors import InputError

READABLE_SUFFIXES = (".txt", ".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".tab")
"""Files a directory is searched for, each also as `.gz`."""

MAX_LINE_BYTES = 1 << 20
"""A line longer than this is a bad record, read past without holding it in memory."""

STDIN = "<stdin>"
_GLOB_CHARS = frozenset("*?[")
_SNIFF_BYTES = 1 << 16


class FileProblem(Exception):
    """The rest of a file cannot be read; what was read before stands."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Source:
    """One input: `name` is how messages and `Paper.source` show it; `path` is None for stdin."""

    name: str
    path: Path | None

    @property
    def suffix(self) -> str:
        """The format suffix, ignoring `.gz` (`a.jsonl.gz` -> `.jsonl`); empty for stdin."""
        if self.path is None:
            return ""
        suffixes = [s.lower() for s in self.path.suffixes]
        if suffixes and suffixes[-1] == ".gz":
            suffixes.pop()
        return suffixes[-1] if suffixes else ""


@dataclass(frozen=True)
class Line:
    """One line of text: 1-based `number`, `offset` of its first byte, `error` if it is unusable."""

    number: int
    text: str
    offset: int
    error: str | None = None


def _readable(path: Path) -> bool:
    name = path.name.lower()
    name = name[:-3] if name.endswith(".gz") else name
    return name.endswith(READABLE_SUFFIXES) and not path.name.startswith(".")


def _directory_files(directory: Path) -> list[Path]:
    found = []
    for path in sorted(directory.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(directory).parts)
        if not hidden and path.is_file() and _readable(path):
            found.append(path)
    return found


def _expand_one(text: str) -> list[Path]:
    path = Path(text)
    if path.is_dir():
        files = _directory_files(path)
        if not files:
            kinds = ", ".join(f"*{s}" for s in READABLE_SUFFIXES)
            raise InputError(f"{text}: directory has no readable files (looked for {kinds}, also .gz)")
        return files
    if path.exists():
        return [path]
    if _GLOB_CHARS & set(text):
        matches = [Path(m) for m in sorted(glob.glob(text, recursive=True))]
        if not matches:
            raise InputError(f"{text}: no file matches this pattern")
        return [f for m in matches for f in (_directory_files(m) if m.is_dir() else [m])]
    raise InputError(f"{text}: no such file or directory")


def resolve_sources(paths: Iterable[str | Path]) -> list[Source]:
    """Expand globs and directories (sorted, hidden files skipped); raise `InputError` for a bad path.

    Everything is resolved before the first record is read, so a typo in the last path fails fast.
    A file reached twice (a directory and a file in it) is read once.
    """
    sources: list[Source] = []
    seen: set[Path] = set()
    for item in paths:
        text = str(item)
        if text == "-":
            sources.append(Source(STDIN, None))
            continue
        for path in _expand_one(text):
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                sources.append(Source(str(path), path))
    if not sources:
        raise InputError("no input files given")
    return sources


@contextmanager
def open_binary(source: Source) -> Iterator[BinaryIO]:
    """The file's bytes, decompressed if they are gzip (by content, not by name); supports `peek`."""
    try:
        raw = sys.stdin.buffer if source.path is None else open(source.path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise FileProblem(0, f"cannot open: {exc.strerror or exc}") from None
    if not hasattr(raw, "peek"):
        raw = io.BufferedReader(raw)
    try:
        stream: BinaryIO = raw
        if raw.peek(2)[:2] == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        try:
            head = stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
        except (OSError, EOFError, zlib.error) as exc:
            raise FileProblem(0, f"not a readable gzip file ({exc})") from None
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise FileProblem(1, "text is UTF-16; save it as UTF-8")
        nul = head.find(b"\x00")
        if nul >= 0:
            raise FileProblem(0, f"binary data, not text (NUL byte at byte offset {nul})")
        if _looks_binary(head):
            raise FileProblem(0, "binary data, not text (over 10% of the first bytes are not UTF-8 text)")
        yield stream
    finally:
        if source.path is not None:
            raw.close()


def _looks_binary(head: bytes) -> bool:
    """More than 10% of the head undecodable or control characters: not a text file in any encoding
    we read. A UTF-8 file with a few Latin-1 lines stays text, and its bad lines are reported one by one."""
    text = head.decode("utf-8", errors="replace")
    odd = sum(1 for ch in text if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f\v"))
    return len(text) >= 16 and odd > len(text) / 10


def sniff_first_line(stream: BinaryIO) -> str:
    """The first non-blank line, as far as the buffered head of the stream shows it."""
    head = stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in head.splitlines():
        if line.strip():
            return line.strip()
    return ""


def read_lines(
    stream: BinaryIO, encoding_errors: str, note: Callable[[int, str], None]
) -> Iterator[Line]:
    """Numbered lines, line ends kept. Undecodable bytes give `Line.error` ("strict") or U+FFFD and
    one note per file ("replace"); a truncated or corrupt gzip stream raises `FileProblem`."""
    number = 0
    offset = 0
    noted = False
    while True:
        try:
            raw = stream.readline(MAX_LINE_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise FileProblem(
                number + 1,
                f"compressed data is truncated or corrupt after byte {offset} of the text ({exc}); "
                "the rest of the file is skipped",
            ) from None
        if not raw:
            return
        number += 1
        start = offset
        offset += len(raw)
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
            start += len(codecs.BOM_UTF8)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE_BYTES)
                offset += len(raw)
            yield Line(number, "", start, f"line is longer than {MAX_LINE_BYTES:,} bytes")
            continue
        try:
            yield Line(number, raw.decode("utf-8"), start)
        except UnicodeDecodeError as exc:
            where = f"byte offset {start + exc.start}"
            text = raw.decode("utf-8", errors="replace")
            if encoding_errors == "replace":
                if not noted:
                    note(number, f"bytes that are not UTF-8 at {where} replaced by U+FFFD "
                         "(later replacements in this file are not reported)")
                    noted = True
                yield Line(number, text, start)
            else:
                yield Line(number, text, start, f"bytes that are not UTF-8 at {where}")


def read_chunks(stream: BinaryIO, encoding_errors: str, size: int = 1 << 16) -> Iterator[str]:
    """Decoded text in pieces, for formats that are not line based (a JSON array on one line)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors=encoding_errors)
    offset = 0
    while True:
        try:
            block = stream.read(size)
        except (OSError, EOFError, zlib.error) as exc:
            raise FileProblem(0, f"compressed data is truncated or corrupt after byte {offset} ({exc}); "
                              "the rest of the file is skipped") from None
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            raise FileProblem(0, f"bytes that are not UTF-8 at byte offset {offset + exc.start}; "
                              "the rest of the file is skipped") from None
        offset += len(block)
        if text:
            yield text
        if not block:
            return
