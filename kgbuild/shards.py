"""Extraction results on disk: gzipped JSON Lines shards of ExtractedPapers, and reading them back.

Extraction is a pure function of a paper, so it can run anywhere (other processes, a Dask cluster)
and hand its results to `kgbuild ingest` as files. A shard directory holds `part-NNNNN.jsonl.gz`
files and a `manifest.json` naming the extraction version and the shards, which is how ingest
recognises it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kgbuild.errors import InputError
from kgbuild.records import Entity, ExtractedPaper, Mention, Paper, Repository

MANIFEST = "manifest.json"
FORMAT = "kgbuild-extracted/1"


def to_dict(extracted: ExtractedPaper) -> dict[str, Any]:
    """A JSON-ready dict holding everything of an ExtractedPaper."""
    return asdict(extracted)


def from_dict(row: dict[str, Any]) -> ExtractedPaper:
    """The inverse of `to_dict`."""
    entities = tuple(
        Entity(key=e["key"], name=e["name"], label=e["label"], aliases=tuple(e["aliases"]),
               mentions=tuple(Mention(**m) for m in e["mentions"]))
        for e in row["entities"]
    )
    return ExtractedPaper(
        paper=Paper(**row["paper"]), entities=entities,
        repositories=tuple(Repository(**r) for r in row["repositories"]),
        urls=tuple(row["urls"]), extraction_version=row["extraction_version"],
    )


def shard_name(index: int) -> str:
    return f"part-{index:05d}.jsonl.gz"


def write_shard(extracted: Iterable[ExtractedPaper], path: Path) -> int:
    """Write one shard; returns the number of papers in it."""
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for item in extracted:
            handle.write(json.dumps(to_dict(item), ensure_ascii=False) + "\n")
            count += 1
    return count


def write_manifest(directory: Path, shards: list[dict[str, Any]], extraction_version: str, mode: str) -> Path:
    """Record what the shards are, so ingest can tell a shard directory from a folder of abstracts."""
    path = directory / MANIFEST
    manifest = {"format": FORMAT, "extraction_version": extraction_version, "mode": mode, "shards": shards}
    path.write_text(json.dumps(manifest, indent=2))
    return path


def is_shard_dir(path: str | Path) -> bool:
    """True when `path` is a directory written by `kgbuild extract --engine ...`."""
    manifest = Path(path) / MANIFEST
    if not manifest.is_file():
        return False
    try:
        return json.loads(manifest.read_text()).get("format") == FORMAT
    except (OSError, ValueError):
        return False


def read_shards(directory: str | Path) -> Iterator[ExtractedPaper]:
    """Stream the ExtractedPapers of a shard directory, shard by shard, in manifest order."""
    directory = Path(directory)
    manifest = json.loads((directory / MANIFEST).read_text())
    for shard in manifest["shards"]:
        path = directory / shard["file"]
        if not path.is_file():
            raise InputError(f"{path}: shard listed in {directory / MANIFEST} is missing")
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    try:
                        yield from_dict(json.loads(line))
                    except (ValueError, KeyError, TypeError) as error:
                        raise InputError(f"{path}:{number}: not an extracted paper record ({error})") from None
        except (OSError, EOFError) as error:
            raise InputError(f"{path}: unreadable shard ({error})") from None
