"""`kgbuild ingest`: read -> look up stored hashes -> extract only new or changed papers -> graph -> load.

The graph of a run covers the whole corpus in the database, not just the input: unchanged papers come
back from the extraction each Paper stores, so entity counts, labels voted across papers, abbreviation
merges and CO_OCCURS come out the same as after one clean load of everything. A re-run whose papers are
all unchanged (and whose previous load finished) stops after the hash lookup.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from neo4j.exceptions import DriverError, Neo4jError

from kgbuild import bulk, loading
from kgbuild.config import Settings
from kgbuild.connection import open_driver, resolve
from kgbuild.errors import KgbuildError, ServerError
from kgbuild.graph import PAPER, SCHEMA_VERSION, build_graph
from kgbuild.reading import ReadReport, read_papers
from kgbuild.records import ExtractedPaper, Paper
from kgbuild.shards import is_shard_dir, read_shards

MODES = ("accurate", "fast")
PARALLEL_FROM = 2000
"""Papers to extract from which `n_process=0` uses every core."""


@dataclass(frozen=True)
class IngestOptions:
    """How to ingest. `bulk`: a first load through neo4j-admin import into the empty local database
    (`kgbuild.bulk`). `n_process` 0 = automatic: every core once there are at least `PARALLEL_FROM` papers
    to extract (a worker pool costs a few seconds to start)."""

    mode: str = "accurate"
    batch_size: int = loading.DEFAULT_BATCH_SIZE
    rebuild: bool = False
    strict: bool = False
    bulk: bool = False
    n_process: int = 0
    title_column: str | None = None
    abstract_column: str | None = None
    encoding_errors: str = "strict"


@dataclass
class IngestSummary:
    """What a run did, with the counts Neo4j holds afterwards."""

    papers_read: int = 0
    papers_skipped: int = 0
    papers_new: int = 0
    papers_changed: int = 0
    papers_unchanged: int = 0
    papers_extracted: int = 0
    papers_in_database: int = 0
    papers_written: int = 0
    nodes_written: int = 0
    rows_written: int = 0
    rows_per_second: float = 0.0
    orphans_removed: int = 0
    orphan_examples: list[dict[str, str]] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    read_summary: str = ""
    problems: list[str] = field(default_factory=list)
    up_to_date: bool = False
    rebuilt: bool = False
    uri: str = ""
    database: str = ""
    seconds: float = 0.0
    seconds_by_stage: dict[str, float] = field(default_factory=dict)
    peak_rss_mib_by_stage: dict[str, int] = field(default_factory=dict)
    """Peak resident memory of this process (not its extraction workers) at the end of each stage."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def record_load(self, result: loading.LoadResult) -> None:
        """Take the counters of a load, transactional or bulk."""
        self.papers_written = result.papers_written
        self.nodes_written = result.nodes_written
        self.rows_written = result.rows_written
        self.rows_per_second = round(result.rows_per_second, 1)
        self.orphans_removed = len(result.orphans_removed)
        self.orphan_examples = result.orphans_removed[:20]

    def render(self) -> str:
        """A short human-readable account for the terminal."""
        out = [self.read_summary] if self.read_summary else []
        out.append(
            f"papers: {self.papers_new} new, {self.papers_changed} changed, {self.papers_unchanged} unchanged "
            f"({self.papers_extracted} extracted, {self.papers_written} written)"
        )
        if self.up_to_date:
            out.append("nothing to do: every paper is already loaded with the current extraction")
        if self.orphans_removed:
            names = ", ".join(f"{o['label']}:{o['name']}" for o in self.orphan_examples[:5])
            out.append(f"removed {self.orphans_removed} entity nodes no paper mentions any more ({names})")
        out.append("nodes: " + ", ".join(f"{k} {v:,}" for k, v in self.nodes.items()))
        out.append("relationships: " + ", ".join(f"{k} {v:,}" for k, v in self.relationships.items()))
        out.append(f"{self.seconds:.1f} s, {self.rows_written:,} rows written ({self.rows_per_second:,.0f} rows/s)")
        return "\n".join(out)


def _extraction() -> tuple[str, Callable[..., Iterator[ExtractedPaper]]]:
    from kgbuild.extraction import EXTRACTION_VERSION, extract_papers

    return EXTRACTION_VERSION, extract_papers


def expected_hash(paper: Paper, version: str) -> str:
    """The content hash the Paper node will carry once `paper` is extracted with `version`."""
    return ExtractedPaper(paper=paper, extraction_version=version).content_hash


@contextmanager
def _server_errors(settings: Settings, stage: list[str]) -> Iterator[None]:
    """Driver failures mid-run become one line that says what happened and what to do."""
    try:
        yield
    except KgbuildError:
        raise
    except Neo4jError as error:
        if error.code and error.code.startswith("Neo.ClientError.Security"):
            raise ServerError(f"Neo4j at {settings.uri} refused the write: {error.message}") from None
        raise ServerError(
            f"Neo4j at {settings.uri} failed while {stage[0]}: {error.message or error.code}; papers already "
            "written are complete, run the same command again to finish"
        ) from None
    except (DriverError, OSError) as error:
        raise ServerError(
            f"lost the connection to Neo4j at {settings.uri} while {stage[0]} ({type(error).__name__}); papers "
            "already written are complete and nothing is duplicated: run the same command again to finish"
        ) from None


class _Progress:
    """Thin adapter over an optional rich Progress: one task per stage, rows/s in the description."""

    def __init__(self, progress: Any | None) -> None:
        self.progress = progress
        self.tasks: dict[str, Any] = {}
        self.started: dict[str, float] = {}
        self.done: dict[str, int] = {}
        self.rows: dict[str, int] = {}

    def start(self, name: str, description: str, total: int | None) -> None:
        if self.progress is not None and name not in self.tasks:
            self.tasks[name] = self.progress.add_task(description, total=total, rate="")
        elif self.progress is not None:
            self.progress.update(self.tasks[name], total=total)
        self.started[name] = time.perf_counter()
        self.done[name] = self.rows[name] = 0

    def advance(self, name: str, n: int = 1, rows: int = 0) -> None:
        self.done[name] = self.done.get(name, 0) + n
        self.rows[name] = self.rows.get(name, 0) + rows
        if self.progress is None or name not in self.tasks:
            return
        if rows:
            rate = self.rows[name] / max(time.perf_counter() - self.started[name], 1e-9)
            self.progress.update(self.tasks[name], advance=n, rate=f"{rate:,.0f} rows/s")
        else:
            self.progress.update(self.tasks[name], advance=n)

    def finish(self, name: str) -> None:
        """Mark a stage complete (a stream of unknown length gets its final count as total)."""
        if self.progress is not None and name in self.tasks:
            self.progress.update(self.tasks[name], total=self.done.get(name, 0), completed=self.done.get(name, 0))


def _read(paths: Iterable[str], options: IngestOptions, report: ReadReport, bar: _Progress,
          extracted: dict[str, ExtractedPaper]) -> dict[str, Paper]:
    """Papers by id; a changed duplicate later in the input replaces the earlier one.

    Shard directories (`kgbuild extract --engine dask`) are read after the input files: they give their
    papers and fill `extracted` with the extractions they hold, so those papers are not extracted again.
    """
    paths = list(paths)
    shard_dirs = [p for p in paths if is_shard_dir(p)]
    files = [p for p in paths if p not in shard_dirs]
    papers: dict[str, Paper] = {}
    bar.start("read", "reading papers", None)
    stream = read_papers(files, strict=options.strict, title_column=options.title_column,
                         abstract_column=options.abstract_column, encoding_errors=options.encoding_errors,
                         report=report) if files else iter(())
    for paper in stream:
        papers.pop(paper.id, None)
        papers[paper.id] = paper
        bar.advance("read")
    for directory in shard_dirs:
        for ep in read_shards(directory):
            papers.pop(ep.paper.id, None)
            papers[ep.paper.id] = ep.paper
            extracted[ep.paper.id] = ep
            bar.advance("read")
    bar.finish("read")
    return papers


def ingest(
    paths: list[str],
    settings: Settings,
    options: IngestOptions | None = None,
    progress: Any | None = None,
) -> IngestSummary:
    """Read `paths`, extract what is new or changed, and load the corpus graph into Neo4j."""
    options = options or IngestOptions()
    if options.mode not in MODES:
        raise KgbuildError(f"unknown extraction mode {options.mode!r}: choose one of {', '.join(MODES)}")
    if options.batch_size < 1:
        raise KgbuildError("--batch-size must be at least 1")
    started = time.perf_counter()
    times: dict[str, float] = {}
    summary = IngestSummary(rebuilt=options.rebuild)
    bar = _Progress(progress)

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        times[name] = round(times.get(name, 0.0) + now - since, 3)
        summary.peak_rss_mib_by_stage[name] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return now

    resolved = resolve(settings, start_local=True)
    if options.bulk:
        bulk.local_instance(resolved)
    summary.uri, summary.database = resolved.uri or "", resolved.database
    db = resolved.database
    driver = open_driver(resolved)
    t = lap("connect", started)
    stage = ["creating the schema"]
    try:
        if options.bulk:
            bulk.check_importable(driver, db, options.rebuild)
        report = ReadReport()
        extracted: dict[str, ExtractedPaper] = {}
        papers = _read(paths, options, report, bar, extracted)
        t = lap("read", t)
        summary.papers_read = len(papers)
        summary.papers_skipped = report.skipped
        summary.read_summary = report.summary()
        summary.problems = [str(p) for p in report.problems[:50]]
        version, extract_papers = _extraction()
        with _server_errors(resolved, stage):
            loading.ensure_schema(driver, db)
            if options.rebuild and not options.bulk:  # the import replaces the database
                stage[0] = "clearing the database (--rebuild)"
                loading.clear_graph(driver, db)
            stage[0] = "looking up stored papers"
            stored = {} if options.bulk else loading.paper_hashes(driver, db, papers)  # bulk replaces all
            expected = {pid: expected_hash(p, version) for pid, p in papers.items()}
            new = [pid for pid in papers if pid not in stored]
            changed = [pid for pid in papers if pid in stored and stored[pid] != expected[pid]]
            summary.papers_new, summary.papers_changed = len(new), len(changed)
            summary.papers_unchanged = len(papers) - len(new) - len(changed)
            state = loading.load_state(driver, db)
            finished = (
                state is not None and state.get("dirty") is False
                and state.get("extraction_version") == version and state.get("schema_version") == SCHEMA_VERSION
            )
            t = lap("lookup", t)
            if options.bulk:
                driver.close()  # the import stops the server: let this side close its connections first
                resolved = _full_load(None, resolved, papers, list(papers), version, extract_papers, options,
                                      bar, summary, stage, lap, t, extracted)
                summary.uri = resolved.uri or ""
                driver = open_driver(resolved)
            elif new or changed or not finished:
                _full_load(driver, resolved, papers, new + changed, version, extract_papers, options, bar,
                           summary, stage, lap, t, extracted)
            else:
                summary.up_to_date = True
            stage[0] = "counting the graph"
            summary.nodes, summary.relationships = loading.graph_counts(driver, db)
            summary.papers_in_database = summary.nodes.get(PAPER, 0)
    finally:
        driver.close()
    summary.seconds_by_stage = {**times, **summary.seconds_by_stage}
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _full_load(driver: Any, settings: Settings, papers: dict[str, Paper], todo: list[str], version: str,
               extract_papers: Callable[..., Iterator[ExtractedPaper]], options: IngestOptions, bar: _Progress,
               summary: IngestSummary, stage: list[str], lap: Callable[[str, float], float], t: float,
               extracted: dict[str, ExtractedPaper]) -> Settings:
    """Rebuild the corpus graph from stored and fresh extractions, then write what differs (or import it all
    with --bulk); the settings of the server afterwards (a bulk import restarts it)."""
    db = settings.database
    stage[0] = "reading stored extractions"
    todo_set = set(todo)
    blobs: dict[str, bytes] = {}
    kept: list[ExtractedPaper] = []
    stale: list[Paper] = []
    for key, blob in () if options.bulk else loading.stored_extractions(driver, db):
        if key in todo_set:
            continue
        ep = loading.decode_extraction(blob) if blob is not None else None
        if ep is None:
            if key in papers:
                stale.append(papers[key])
                continue
            raise KgbuildError(
                f"Paper {key!r} in the database was not written by `kgbuild ingest` (no stored extraction); "
                "run with --rebuild to reload from your files"
            )
        if ep.extraction_version != version:
            stale.append(ep.paper)
            continue
        kept.append(ep)
        blobs[key] = blob
    t = lap("stored", t)

    fresh: list[ExtractedPaper] = []
    for pid in todo:  # from shard directories, when made with the current extraction
        ep = extracted.pop(pid, None)
        if ep is not None and ep.extraction_version == version:
            fresh.append(ep)
            blobs[pid] = loading.encode_extraction(ep)
    done = {ep.paper.id for ep in fresh}
    to_extract = [papers[pid] for pid in todo if pid not in done] + stale
    stage[0] = "extracting"
    bar.start("extract", f"extracting ({options.mode})", len(to_extract))
    n_process = options.n_process or ((os.cpu_count() or 1) if len(to_extract) >= PARALLEL_FROM else 1)
    for ep in extract_papers(to_extract, mode=options.mode, n_process=n_process):
        fresh.append(ep)
        blobs[ep.paper.id] = loading.encode_extraction(ep)
        bar.advance("extract")
    summary.papers_extracted = len(to_extract)
    t = lap("extract", t)

    G = build_graph(sorted([*kept, *fresh], key=lambda ep: ep.paper.id))
    kept.clear()  # the graph and the blobs hold all that loading needs
    fresh.clear()
    t = lap("graph", t)

    if options.bulk:
        stage[0] = "importing with neo4j-admin"
        bar.start("bulk", "writing neo4j-admin import files", None)

        def on_step(description: str) -> None:
            if bar.progress is not None:
                bar.progress.update(bar.tasks["bulk"], description=description)

        imported = bulk.import_graph(settings, G, blobs, extraction_version=version, on_step=on_step)
        bar.finish("bulk")
        lap("load", t)
        summary.record_load(imported)
        summary.seconds_by_stage.update({f"bulk_{k}": v for k, v in imported.seconds_by_step.items()})
        return settings.with_overrides(uri=imported.uri)

    stage[0] = "loading"
    what = {"papers": "writing papers", "entities": "writing entities and co-occurrences"}

    def on_plan(phase: str, total: int) -> None:
        bar.start(phase, what[phase], total)

    def on_batch(phase: str, nodes: int, rows: int) -> None:
        bar.advance(phase, nodes, rows)

    result = loading.load_graph(driver, db, G, blobs, batch_size=options.batch_size, on_batch=on_batch,
                                on_plan=on_plan, extraction_version=version)
    bar.finish("papers")
    bar.finish("entities")
    lap("load", t)
    summary.record_load(result)
    return settings
