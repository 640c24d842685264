"""The `kgbuild` command: thin click wrappers over the library, and the one place errors become exit codes.

Each command parses options, calls one library function and prints its result. Errors a user can cause
arrive as `KgbuildError` and are printed as one line (no traceback) with exit code 1.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from contextlib import nullcontext
from functools import wraps
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from kgbuild.config import Settings, load_settings
from kgbuild.errors import KgbuildError

console = Console(stderr=True)
out = Console()

MODES = click.Choice(["accurate", "fast"])
EXTRACT_MODES = click.Choice(["accurate", "fast", "corpus"])
EXTRACT_MODE_HELP = ("fast: rules and lexicons only; corpus: annotate as SciERC and SciREX do, descriptive phrases "
                     "too, to compare with systems trained on them (not for the graph).")


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user errors into one line on stderr and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KgbuildError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--uri/--user/--password/--database, overriding NEO4J_* from the environment and `.env`."""
    func = click.option("--database", help="Database name (NEO4J_DATABASE).")(func)
    func = click.option("--password", help="Password (NEO4J_PASSWORD); prefer the env var or .env.")(func)
    func = click.option("--user", help="User name (NEO4J_USER).")(func)
    func = click.option("--uri", help="Bolt or neo4j:// URI (NEO4J_URI); default: the local server.")(func)
    return func


def reading_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of the reading stage, shared by every command that reads abstracts."""
    func = click.option("--strict", is_flag=True, help="Stop at the first bad record (non-zero exit).")(func)
    func = click.option("--title-column", help="Name of the title column/field in JSONL or CSV input.")(func)
    func = click.option("--abstract-column", help="Name of the abstract column/field in JSONL or CSV input.")(func)
    func = click.option(
        "--encoding-errors", type=click.Choice(["strict", "replace"]), default="strict", show_default=True,
        help="On undecodable bytes: report the file and offset (strict) or replace them with a warning.",
    )(func)
    return func


def _settings(uri: str | None, user: str | None, password: str | None, database: str | None) -> Settings:
    return load_settings().with_overrides(uri=uri, user=user, password=password, database=database)


def _print_problem(problem: Any) -> None:
    """Skipped records in yellow; notes (nothing lost) dim."""
    style = "yellow" if problem.level == "error" else "dim"
    console.print(str(problem), style=style, highlight=False, markup=False)


def _reader(paths: tuple[str, ...], options: dict[str, Any], report: Any) -> Any:
    from kgbuild.reading import read_papers

    return read_papers(
        list(paths), strict=options["strict"], title_column=options["title_column"],
        abstract_column=options["abstract_column"], encoding_errors=options["encoding_errors"], report=report,
        on_problem=_print_problem,
    )


def _progress(quiet: bool) -> Any:
    if quiet:
        return nullcontext(None)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(), console=console,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kgbuild")
def main() -> None:
    """Turn scientific abstracts into a knowledge graph in Neo4j."""
    # The driver logs lost connections itself; our one-line error already says it (and what to do).
    logging.getLogger("neo4j").addHandler(logging.NullHandler())


def _how_to_look(uri: str, database: str) -> str:
    """The next steps after an ingest: where the graph is and three ways to look at it."""
    return "\n".join([
        f"\nThe graph is in Neo4j at {uri} (database {database!r}). To look at it:",
        "  kgbuild browser                      # Neo4j Browser on http://localhost:7475 with a guide of saved queries",
        "                                       # (with docker compose: http://localhost:7474)",
        "  kgbuild query run top-entities       # the most mentioned entities of each type (kgbuild query list: all)",
        "  kgbuild report -o report.html        # a self-contained HTML page with charts and the graph",
        "In Browser, try: MATCH (p:Paper)-[m:MENTIONS]->(e) RETURN p, m, e LIMIT 100",
    ])


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--mode", type=MODES, default="accurate", show_default=True,
              help="accurate: trained NER + rules; fast: rules and lexicons only.")
@click.option("--batch-size", type=click.IntRange(1), default=5000, show_default=True, help="Rows per write.")
@click.option("--processes", "n_process", type=click.IntRange(0), default=0, show_default=True,
              help="Extraction processes (0: every core when 2,000+ papers need extracting).")
@click.option("--rebuild", is_flag=True, help="Delete everything kgbuild loaded, then load again.")
@click.option("--bulk", is_flag=True, help="First load into an empty local database with neo4j-admin import.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@reading_options
@connection_options
@_fail_cleanly
def ingest(paths: tuple[str, ...], mode: str, batch_size: int, n_process: int, rebuild: bool, bulk: bool,
           quiet: bool, as_json: bool, uri: str | None, user: str | None, password: str | None,
           database: str | None, **reading: Any) -> None:
    """Read, extract, assemble and load PATHS (files, directories, globs, - for stdin, or shard directories
    written by `kgbuild extract --engine dask`) into Neo4j."""
    from kgbuild.ingest import IngestOptions
    from kgbuild.ingest import ingest as run_ingest

    options = IngestOptions(mode=mode, batch_size=batch_size, rebuild=rebuild, bulk=bulk, n_process=n_process,
                            strict=reading["strict"], title_column=reading["title_column"],
                            abstract_column=reading["abstract_column"], encoding_errors=reading["encoding_errors"])
    with _progress(quiet or as_json) as progress:
        summary = run_ingest(list(paths), _settings(uri, user, password, database), options, progress)
    if as_json:
        click.echo(json.dumps(summary.to_dict()))
    else:
        click.echo(summary.render())
        click.echo(_how_to_look(summary.uri, summary.database))


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default="-",
              help="Where to write one JSON line per paper (default: stdout); a directory with --engine dask.")
@click.option("--mode", type=EXTRACT_MODES, default="accurate", show_default=True, help=EXTRACT_MODE_HELP)
@click.option("--processes", "n_process", type=click.IntRange(1), default=1, show_default=True)
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: spread extraction over a Dask cluster and write shards that `ingest` loads.")
@click.option("--scheduler", help="Dask scheduler address (tcp://host:8786); default: a local cluster.")
@click.option("--workers", type=click.IntRange(1), default=2, show_default=True,
              help="Worker processes of the local Dask cluster.")
@click.option("--shard-size", type=click.IntRange(1), default=2000, show_default=True, help="Papers per shard.")
@click.option("--all-types", is_flag=True,
              help="Also write TASK and METRIC entities (default: the guidelines' METHOD, DATASET, MODEL, "
                   "BRAIN_REGION; shards always keep everything).")
@reading_options
@_fail_cleanly
def extract(paths: tuple[str, ...], output: Path, mode: str, n_process: int, engine: str, scheduler: str | None,
            workers: int, shard_size: int, all_types: bool, **reading: Any) -> None:
    """Extract entities from PATHS and write predictions (the format score.py reads, with provenance)."""
    from kgbuild.reading import ReadReport

    report = ReadReport()
    papers = _reader(paths, reading, report)
    if engine == "dask":
        from kgbuild.cluster import extract_on_cluster

        if str(output) == "-":
            raise KgbuildError("--engine dask writes shards: give an output directory with -o")
        if mode == "corpus":
            raise KgbuildError("--engine dask writes shards for the graph: use --mode accurate or fast")
        run = extract_on_cluster(papers, output, scheduler=scheduler, workers=workers, mode=mode,
                                 shard_size=shard_size)
        console.print(report.summary(), highlight=False)
        console.print(f"wrote {run.papers} papers in {run.shards} shards to {run.directory} "
                      f"({run.workers} workers); load them with `kgbuild ingest {run.directory}`", highlight=False)
        return
    from kgbuild.extraction import extract_papers, prediction_record
    from kgbuild.records import GUIDELINE_LABELS

    types = None if all_types else GUIDELINE_LABELS
    handle = sys.stdout if str(output) == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
    count = 0
    try:
        for extracted in extract_papers(papers, mode=mode, n_process=n_process):
            handle.write(json.dumps(prediction_record(extracted, types), ensure_ascii=False) + "\n")
            count += 1
    finally:
        if handle is not sys.stdout:
            handle.close()
    console.print(report.summary(), highlight=False)
    console.print(f"wrote {count} papers to {output}", highlight=False)


@main.command()
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.option("--map", "maps", multiple=True, help="GOLDTYPE=PREDTYPE[,PREDTYPE], as in score.py.")
@click.option("--mode", type=EXTRACT_MODES, default="accurate", show_default=True, help=EXTRACT_MODE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the score table as JSON.")
@click.option("--forms", type=click.Choice(["entities", "surface"]), default="entities", show_default=True,
              help="'surface': score each surface form (name and every alias) as its own entry, for gold files "
              "that hold one entity per distinct string.")
@click.option("--errors", "show_errors", is_flag=True,
              help="Also list, per paper, the gold entities missed and the false predictions with the "
              "components (and model confidence) that wrote them.")
@_fail_cleanly
def evaluate(gold: str, maps: tuple[str, ...], mode: str, as_json: bool, forms: str, show_errors: bool) -> None:
    """Extract from a gold JSONL file and print per-type precision, recall and F1."""
    from kgbuild.extraction import evaluate as run_evaluate
    from kgbuild.extraction.scoring import format_errors, format_reasons, format_table

    scores = run_evaluate(gold, list(maps) or None, mode=mode, forms=forms, errors=show_errors)
    if as_json:
        click.echo(json.dumps(scores))
        return
    if show_errors:
        click.echo(format_errors(scores["errors"]) + "\n\n" + format_reasons(scores["errors"]) + "\n")
    click.echo(format_table(scores))


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--mode", type=MODES, default="accurate", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@reading_options
@connection_options
@_fail_cleanly
def stats(paths: tuple[str, ...], mode: str, as_json: bool, uri: str | None, user: str | None,
          password: str | None, database: str | None, **reading: Any) -> None:
    """Graph statistics of PATHS, or of the loaded Neo4j graph when no PATHS are given."""
    if paths:
        from kgbuild.extraction import extract_papers
        from kgbuild.graph import build_graph, format_stats, graph_stats
        from kgbuild.reading import ReadReport

        graph = build_graph(extract_papers(_reader(paths, reading, ReadReport()), mode=mode))
        result = graph_stats(graph)
    else:
        from kgbuild.connection import driver_for
        from kgbuild.graph import format_stats
        from kgbuild.queries import neo4j_stats

        with driver_for(_settings(uri, user, password, database)) as (driver, resolved):
            result = neo4j_stats(driver, resolved.database)
    click.echo(json.dumps(result, default=str) if as_json else format_stats(result))


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["graphml", "json", "csv"]), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="A file (graphml, json) or a directory (csv).")
@click.option("--mode", type=MODES, default="accurate", show_default=True)
@reading_options
@_fail_cleanly
def export(paths: tuple[str, ...], fmt: str, output: Path, mode: str, **reading: Any) -> None:
    """Export the graph of PATHS as GraphML, node-link JSON, or neo4j-admin import CSV."""
    from kgbuild.export import export_graph
    from kgbuild.extraction import extract_papers
    from kgbuild.graph import build_graph
    from kgbuild.reading import ReadReport

    report = ReadReport()
    graph = build_graph(extract_papers(_reader(paths, reading, report), mode=mode))
    written = export_graph(graph, fmt, output)
    console.print(report.summary(), highlight=False)
    for path in written:
        click.echo(str(path))


@main.group()
def query() -> None:
    """Saved Cypher templates (cypher/*.cypher)."""


@query.command("list")
@_fail_cleanly
def query_list() -> None:
    """Names and descriptions of the saved queries."""
    from rich.table import Table

    from kgbuild.queries import list_templates

    table = Table("name", "description", "parameters")
    for template in list_templates():
        table.add_row(template.name, template.description, ", ".join(p.name for p in template.params))
    out.print(table)


@query.command("show")
@click.argument("name")
@click.option("--browser", is_flag=True, help="Print `:param` lines and the query, ready to paste into Neo4j Browser.")
@_fail_cleanly
def query_show(name: str, browser: bool) -> None:
    """The Cypher of a saved query, its parameters and a ready command line."""
    from kgbuild.queries import describe_template, get_template

    template = get_template(name)
    if browser:
        from kgbuild.browser import browser_script

        click.echo(browser_script(template))
    else:
        click.echo(describe_template(template))


@query.command("run")
@click.argument("name")
@click.option("--param", "-p", "raw_params", multiple=True, metavar="KEY=VALUE", help="A template parameter.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@connection_options
@_fail_cleanly
def query_run(name: str, raw_params: tuple[str, ...], fmt: str, uri: str | None, user: str | None,
              password: str | None, database: str | None) -> None:
    """Run a saved query with typed parameters and print its rows."""
    from kgbuild.connection import driver_for
    from kgbuild.queries import get_template, parse_assignments, parse_params, render_rows, run_template

    template = get_template(name)
    params = parse_params(template, parse_assignments(raw_params))
    with driver_for(_settings(uri, user, password, database)) as (driver, resolved):
        columns, rows = run_template(driver, template, params, resolved.database)
    click.echo(render_rows(columns, rows, fmt))


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default="report.html",
              show_default=True)
@click.option("--paper", "paper_id", help="Paper id whose abstract is shown with its entities highlighted.")
@connection_options
@_fail_cleanly
def report(output: Path, paper_id: str | None, uri: str | None, user: str | None, password: str | None,
           database: str | None) -> None:
    """Write a self-contained HTML report of the loaded graph."""
    from kgbuild.report import write_report

    path = write_report(_settings(uri, user, password, database), output, paper_id)
    click.echo(f"wrote {path}")


@main.command()
@click.option("--port", type=int, default=7475, show_default=True, help="Port of the local Browser page.")
@click.option("--no-open", is_flag=True, help="Do not open a web browser; just print the address.")
@connection_options
@_fail_cleanly
def browser(port: int, no_open: bool, uri: str | None, user: str | None, password: str | None,
            database: str | None) -> None:
    """Serve Neo4j Browser (fetched once from Maven Central) with a guide holding every saved query."""
    from kgbuild.browser import serve_browser

    settings = _settings(uri, user, password, database)
    page = serve_browser(settings, port, open_page=not no_open)
    click.echo(f"Neo4j Browser: {page.url}\n(log in as {settings.user} with NEO4J_PASSWORD; Ctrl+C stops it)")
    page.wait()


@main.group()
def neo4j() -> None:
    """The local Neo4j (Community 5.26 from Maven Central; no Docker needed)."""


@neo4j.command("start")
@click.option("--port", type=int, default=7687, show_default=True, help="Bolt port (another free one if taken).")
@_fail_cleanly
def neo4j_start(port: int) -> None:
    """Fetch (once) and start the local Neo4j, or find the one already running."""
    from kgbuild import server

    settings = load_settings()
    with console.status("starting the local Neo4j (the first time downloads it with Maven)"):
        info = server.start(settings.home, settings.password, port=port)
    click.echo(f"Neo4j {server.NEO4J_VERSION} is running at {info.uri} (pid {info.pid}, data in {info.home})")


@neo4j.command("stop")
@_fail_cleanly
def neo4j_stop() -> None:
    """Stop the local Neo4j cleanly."""
    from kgbuild import server

    stopped = server.stop(load_settings().home)
    click.echo("stopped the local Neo4j" if stopped else "the local Neo4j was not running")


@neo4j.command("status")
@_fail_cleanly
def neo4j_status() -> None:
    """Say whether the local Neo4j is running and where; exit 1 if not."""
    from kgbuild import server

    info = server.status(load_settings().home)
    if info is None:
        click.echo("the local Neo4j is not running (start it with `kgbuild neo4j start`)")
        sys.exit(1)
    click.echo(f"running at {info.uri} (pid {info.pid}, data in {info.home})")


if __name__ == "__main__":
    main()
