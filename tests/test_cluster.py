"""Extraction on a real local Dask cluster of two worker processes equals the single-process run."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from kgbuild.extraction import extract_papers
from kgbuild.reading import read_papers
from kgbuild.shards import from_dict, is_shard_dir, read_shards, to_dict

pytest.importorskip("distributed")


def test_shard_records_round_trip(seed_files: list[Path]) -> None:
    papers = list(read_papers(seed_files))[:20]
    for extracted in extract_papers(papers, mode="fast"):
        assert from_dict(to_dict(extracted)) == extracted


@pytest.mark.slow
def test_two_worker_cluster_gives_the_single_process_result(seed_files: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "shards"
    result = CliRunner().invoke(main, ["extract", *map(str, seed_files), "--engine", "dask", "--workers", "2",
                                       "--mode", "fast", "--shard-size", "40", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert is_shard_dir(out)
    assert len(list(out.glob("part-*.jsonl.gz"))) == 5  # 176 papers in shards of 40
    distributed = [asdict(x) for x in read_shards(out)]
    single = [asdict(x) for x in extract_papers(read_papers(seed_files), mode="fast")]
    assert len(single) == 176
    assert distributed == single
    assert sum(len(x["entities"]) for x in distributed) > 0


def test_unreachable_scheduler_is_one_clear_line(seed_files: list[Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(seed_files[0]), "--engine", "dask", "--scheduler",
                                       "tcp://127.0.0.1:1", "--mode", "fast", "-o", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in result.output


def test_shards_for_the_graph_are_never_written_in_corpus_mode(seed_files: list[Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(seed_files[0]), "--engine", "dask", "--mode", "corpus",
                                       "-o", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "--engine dask writes shards for the graph: use --mode accurate or fast" in result.output
    assert not (tmp_path / "s").exists()
