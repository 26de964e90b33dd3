"""Dask distributed clients for batches and decomposition (the optional extra ``distributed``).

Dask is imported only inside these functions, so the rest of Doorstep runs without it;
install it with ``pip install 'doorstep[distributed]'``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from solver.decompose import MapFn, local_map


class ClusterError(RuntimeError):
    """No Dask cluster: the scheduler cannot be reached or a local cluster cannot start."""


class DistributedMissingError(ClusterError):
    """Dask distributed is not installed."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - the test command installs the extra
        raise DistributedMissingError(
            "batch planning needs Dask distributed: pip install 'doorstep[distributed]'"
        ) from exc
    return distributed


def machine_workers() -> int:
    """Worker processes of a local cluster sized to this machine: one per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def open_client(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    memory_limit: str | int = "auto",
    dashboard: bool = False,
) -> Iterator[Any]:
    """A Dask client: to ``scheduler`` (``tcp://HOST:8786``) or to a new in-process cluster.

    Parameters
    ----------
    scheduler
        Address of a running Dask scheduler; ``None`` starts a ``LocalCluster`` here, of
        ``workers`` single-threaded worker processes (one OR-Tools search each), closed
        when the block ends.
    workers
        Worker processes of the local cluster (default: one per usable core).
    memory_limit
        Memory limit per local worker (Dask's notation, e.g. ``"2GiB"``).
    dashboard
        Serve the local cluster's dashboard (needs ``bokeh``) on a free loopback port.

    Yields
    ------
    distributed.Client

    Raises
    ------
    ClusterError
        When the scheduler cannot be reached, or the local cluster cannot start.
    """
    dist = _distributed()
    if scheduler:
        try:
            client = dist.Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
        try:
            yield client
        finally:
            client.close()
        return
    try:
        cluster = _local_cluster(dist, workers, memory_limit, dashboard)
    except (OSError, TimeoutError, RuntimeError) as exc:
        raise ClusterError(f"cannot start a local Dask cluster: {exc}") from exc
    client = dist.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _local_cluster(dist: Any, workers: int | None, memory_limit: str | int, dashboard: bool) -> Any:
    return dist.LocalCluster(
        n_workers=workers or machine_workers(),
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        host="127.0.0.1",
        # One task, one core: the street matrices' compiled loops would otherwise start a
        # thread per core in every worker, and workers would fight over the same cores.
        env={"NUMBA_NUM_THREADS": "1"},
        # The scheduler's HTTP server (metrics, and the dashboard when asked) takes a free
        # port, so several local clusters on one machine never clash.
        scheduler_kwargs={"dashboard": dashboard, "dashboard_address": "127.0.0.1:0"},
    )


def client_workers(client: Any) -> int:
    """Number of tasks the client's cluster runs at once (worker threads in total)."""
    info = client.scheduler_info()
    return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))


def client_map(client: Any) -> MapFn:
    """A ``map_fn`` for :func:`solver.solve_decomposed` that runs the parts on ``client``."""

    def run(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        data = client.scatter(list(items))  # straight to the workers, not in the task graph
        futures = client.map(fn, data, pure=False)
        try:
            return list(client.gather(futures))
        finally:
            client.cancel(data)

    return run


@contextlib.contextmanager
def process_map(workers: int) -> Iterator[MapFn]:
    """A ``map_fn`` for :func:`solver.solve_decomposed` on ``workers`` local processes.

    No Dask needed: a process pool (``forkserver``) for the length of the ``with`` block;
    with ``workers`` 1, the parts run one after another in this process.
    """
    if workers <= 1:
        yield local_map
        return
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:

        def run(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
            return list(pool.map(fn, items))

        yield run
