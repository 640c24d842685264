"""Extraction spread over a Dask cluster, written as shards that `kgbuild ingest` loads.

Extraction is a pure function of a paper, so this is only scheduling: the client streams papers in
chunks of `shard_size`, each chunk is one Dask task (`extraction.pipeline._extract_chunk`, which keeps
the spaCy pipeline loaded in the worker process between tasks), and the client writes each result as
shard `part-NNNNN` of the output directory. Shard numbers follow input order, so the output is the
same whatever order the tasks finish in, and the same as a single-process run. Only a bounded number
of chunks is in flight, so memory stays flat on the client for any corpus size.

Dask (`pip install 'kgbuild[cluster]'`) is optional; nothing else in kgbuild imports it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kgbuild.errors import KgbuildError
from kgbuild.records import Paper
from kgbuild.shards import shard_name, write_manifest, write_shard


@dataclass(frozen=True)
class ClusterRun:
    """What a distributed extraction wrote."""

    directory: Path
    shards: int
    papers: int
    workers: int


def _client(scheduler: str | None, workers: int):  # noqa: ANN202 - dask types are optional imports
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise KgbuildError("the dask engine needs the cluster extra: pip install 'kgbuild[cluster]'") from None
    if scheduler:
        try:
            return Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise KgbuildError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster)


def extract_on_cluster(
    papers: Iterable[Paper], out_dir: str | Path, *, scheduler: str | None = None, workers: int = 2,
    mode: str = "accurate", shard_size: int = 2000, on_shard: Callable[[int, int], None] | None = None,
) -> ClusterRun:
    """Extract `papers` on a Dask cluster (a local one of `workers` processes when no scheduler is given)."""
    from distributed import as_completed

    from kgbuild.extraction import EXTRACTION_VERSION
    from kgbuild.extraction.pipeline import _extract_chunk

    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    client = _client(scheduler, workers)
    shards: list[dict] = []
    total = 0
    try:
        width = max(1, len(client.scheduler_info()["workers"])) * 2
        iter_papers = iter(papers)
        chunks = enumerate(iter(lambda: list(itertools.islice(iter_papers, shard_size)), []))
        futures = {}
        pending = as_completed()

        def submit_next() -> bool:
            item = next(chunks, None)
            if item is None:
                return False
            index, chunk = item
            future = client.submit(_extract_chunk, chunk, mode, 256, pure=False)
            futures[future.key] = index
            pending.add(future)
            return True

        for _ in range(width):
            if not submit_next():
                break
        for future in pending:
            index = futures.pop(future.key)
            count = write_shard(future.result(), directory / shard_name(index))
            shards.append({"file": shard_name(index), "papers": count})
            total += count
            if on_shard:
                on_shard(index, count)
            future.release()
            submit_next()
        workers_seen = len(client.scheduler_info()["workers"])
    finally:
        cluster = client.cluster if scheduler is None else None
        client.close()
        if cluster is not None:
            cluster.close()
    shards.sort(key=lambda shard: shard["file"])
    write_manifest(directory, shards, EXTRACTION_VERSION, mode)
    return ClusterRun(directory=directory, shards=len(shards), papers=total, workers=workers_seen)
