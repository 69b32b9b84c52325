"""Where cells run: the engines (loky processes here, Dask workers on a cluster), the run
folder opened for writing, and ``run_cell``, the worker's entry point that never raises.

Workers only compute; the run's own process writes each result (benchmark/run/runner.py), so
workers need no shared file system. A worker exits with the run that started it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import math
import os
import sys
import threading
import time
import traceback

from benchmark.run.config import Cell, Grid, same_grid
from benchmark.run.environment import environment, now
from benchmark.run.migrations import upgrade_cell_files
from benchmark.run.schema import CURVE_COLUMNS, GRADIENT_COLUMNS, empty_columns
from benchmark.run.store import CorruptCellFile, RunStore
from benchmark.run.train import CellResult, train_cell
from core.errors import UsageError
from models import model_depth
from tasks import get_task

BACKENDS = ("loky", "dask")
DASK_CONNECT_TIMEOUT = 10  # seconds to reach a --scheduler before giving up


@dataclasses.dataclass
class RunOutcome:
    total: int
    skipped: int  # finished in an earlier invocation
    computed: int
    failed: int  # status "error"
    corrupt: list[str]  # cell files found unreadable and recomputed


_watching: list[int] = []  # the pid this worker process watches, once started


def exit_with(parent: int | None) -> None:
    """In a local worker process, exit as soon as ``parent`` (the run's process) is gone: a
    worker whose run was killed (SIGKILL or SIGTERM of the run alone, not its group) must
    not idle on. Polls the parent pid once a second from a daemon thread; a no-op in the run's
    own process, for remote (Dask) workers (``parent`` None) and when already watching."""
    if parent is None or os.getpid() == parent or _watching:
        return
    _watching.append(parent)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)  # the run is gone: nothing will read this worker's results

    threading.Thread(target=watch, name="longdep-exit-with-parent", daemon=True).start()


def run_cell(cell: Cell, parent: int | None = None) -> CellResult:
    """train_cell that never raises: a bug or an out-of-memory becomes a status ``error``.
    ``parent``: the run's pid, for a local worker to exit with it (see ``exit_with``)."""
    exit_with(parent)
    try:
        return train_cell(cell)
    except Exception as err:  # noqa: BLE001  (any failure of a plugged-in task/model)
        return error_result(cell, traceback.format_exception_only(err)[-1].strip())
    except SystemExit as err:  # a plug-in calling sys.exit must not end the run silently
        return error_result(cell, f"the cell called sys.exit({err.code!r})")


def error_result(cell: Cell, line: str) -> CellResult:
    """The record of a cell that could not finish: status ``error`` and why (one line)."""
    summary = {"cell_id": cell.id, **cell.to_dict(), "status": "error", "message": line,
               "solved": False}
    return CellResult(cell, summary, empty_columns(CURVE_COLUMNS),
                      empty_columns(GRADIENT_COLUMNS))


def cost(cell: Cell) -> float:
    """A relative estimate of a cell's run time (for longest-first scheduling): the input
    length (copy_memory's is seq_len + 20) times the work of one step, per stacked layer."""
    steps_in = get_task(cell.task, **dict(cell.task_params)).input_length(cell.seq_len)
    return steps_in * cell.steps * cell.batch_size * cell.hidden_size * model_depth(cell.model)


def check_backend(backend: str, scheduler: str | None) -> None:
    """Refuse a bad engine choice before anything is written."""
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise UsageError("--scheduler needs --backend dask")
    if backend == "dask":
        try:
            import dask.distributed
        except ImportError:
            raise UsageError("--backend dask needs the dask extra: pip install '.[dask]'") \
                from None
        if scheduler:  # reach it before anything is written
            try:
                dask.distributed.Client(scheduler, timeout=DASK_CONNECT_TIMEOUT).close()
            except (OSError, TimeoutError, ValueError) as err:
                raise UsageError(f"--scheduler {scheduler}: no Dask scheduler answered within "
                                 f"{DASK_CONNECT_TIMEOUT} s ({type(err).__name__})") from None


def check_device(device: str, backend: str) -> None:
    """A local run on a GPU needs one here (Dask workers may have GPUs this machine lacks)."""
    import torch

    if device == "cuda" and backend == "loky" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device on this machine; use --device cpu")


@contextlib.contextmanager
def engine(backend: str, n_jobs: int, scheduler: str | None):
    """The chosen engine, for as long as the run lasts: yields the Dask client (a cluster of
    its own, or the --scheduler's), or None for loky (``executor_for`` makes its workers)."""
    if backend == "loky":
        yield None
        return
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        cluster = None
    else:
        workers = n_jobs if n_jobs > 0 else os.cpu_count()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def open_run(store: RunStore, grid: Grid, n_jobs: int, backend: str, scheduler: str | None):
    """Check the engine, take the folder's lock, refuse a folder of another grid, clean up a
    killed run's partial writes and keep run.json current (finished when the body returns)."""
    check_backend(backend, scheduler)
    check_device(grid.device, backend)
    with store.lock():
        previous = store.read_run()
        if previous is not None and not same_grid(previous.get("grid", {}), grid):
            raise UsageError(f"{store.root} holds a different grid; rerun with the same preset "
                             "and flags to resume it, or choose another --out")
        store.remove_partial_writes()
        if previous is not None and (upgraded := upgrade_cell_files(store)):
            print(f"note: {upgraded} cell files of an earlier version got their checksums",
                  file=sys.stderr)
        record = previous or {"grid": grid.to_dict(), "started": now()}
        record.update(environment=environment(), resumed=previous is not None,
                      n_jobs=n_jobs, backend=backend, finished=None)
        store.write_run(record)
        yield record
        record["finished"] = now()
        store.write_run(record)


def finished_summary(store: RunStore, cell: Cell, corrupt: list[str]) -> dict | None:
    """The stored summary of a finished cell, or None if it must be (re)computed: no file, an
    unreadable file (reported in one line and appended to ``corrupt``), or a recorded error."""
    path = store.cell_path(cell)
    if not path.exists():
        return None
    try:
        summary = store.read_cell(path)["summary"]
    except CorruptCellFile as err:
        print(f"warning: corrupt cell file, recomputing: {err}", file=sys.stderr)
        corrupt.append(path.name)
        return None
    return None if summary.get("status") == "error" else summary


class _Inline:
    """An executor that runs each cell at submission, in this process (``n_jobs = 1``)."""

    def submit(self, fn, *args):
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(fn(*args))
        return future


def executor_for(client, n_jobs: int):
    """What cells are submitted to: Dask's client, this process (n_jobs 1) or loky workers."""
    if client is not None:
        return client  # Dask futures: client.submit(fn, *args)
    if n_jobs == 1:
        return _Inline()
    # joblib's own loky executor (not loky's bare one): a later joblib.Parallel in the same
    # process reuses it, where the bare one breaks it
    from joblib.executor import get_memmapping_executor

    return get_memmapping_executor(n_jobs if n_jobs > 0 else os.cpu_count())


def capacity(client, n_jobs: int) -> float:
    """How many cells to hand the executor at once: one per local worker (one at a time
    inline); Dask schedules its own queue across its cluster."""
    if client is not None:
        return math.inf
    return 1 if n_jobs == 1 else (n_jobs if n_jobs > 0 else os.cpu_count())


def stop_workers(executor) -> None:
    """On Ctrl-C or SIGTERM, end the local workers now: their running cells are lost (they
    were not finished, so nothing finished is), where waiting for them could take as long as
    a cell at the longest length. Dask's workers belong to their cluster and are left."""
    if isinstance(executor, concurrent.futures.Executor):  # loky's; a Dask Client is not one
        executor.shutdown(wait=False, kill_workers=True)


def wait_first(futures, client):
    """The futures that are done, once at least one is."""
    if client is not None:
        from dask.distributed import wait

        return wait(futures, return_when="FIRST_COMPLETED").done
    return concurrent.futures.wait(futures, return_when="FIRST_COMPLETED").done
