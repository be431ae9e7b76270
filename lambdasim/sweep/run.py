"""Running a sweep's runs: the unit of work (:func:`run_one`) and the executors that run it,
serially, on a local process pool or on a Dask cluster.

Nothing heavy is imported here at import time: the process pool (multiprocessing) when a
local pool starts, Dask's ``distributed`` when a Dask executor is used, the simulator when a
run starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, as_completed

from ..spec import Scenario, ScenarioError
from .grid import _Run

#: columns of ``Result.functions`` added to each source's row as ``function_<column>``
FUNCTION_COLUMNS = ("mean_concurrency", "max_concurrency", "mean_environments",
                    "cold_start_fraction", "gb_seconds", "cost_usd")


def run_one(scenario: dict, seed: int) -> list[dict]:
    """Simulate one scenario (as :meth:`Scenario.to_dict` gives it) with ``seed``: its summary
    as a list of records, each with its function's ``function_<column>`` numbers (see
    :data:`FUNCTION_COLUMNS`). The unit of work every executor runs."""
    from ..results import simulate

    result = simulate(Scenario.from_dict(scenario), seed=seed)
    functions = result.functions.set_index("function")
    records = result.summary.to_dict("records")
    for rec in records:
        fn = functions.loc[rec["function"]]
        rec.update({f"function_{c}": float(fn[c]) for c in FUNCTION_COLUMNS})
    return records


def _attempt(scenario: dict, seed: int) -> tuple[list[dict] | None, str | None]:
    """:func:`run_one`, with an exception turned into its message."""
    try:
        return run_one(scenario, seed), None
    except Exception as exc:  # noqa: BLE001 - a failing configuration becomes an error row
        return None, _message(exc)


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _mp_context():
    """forkserver (spawn where it is missing): fork is unsafe once threads run (tqdm's
    monitor, a Dask client, a Jupyter kernel). The fork server imports lambdasim once, so
    workers start in a fraction of a second."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def _cores() -> int:
    """The cores this process may use (its CPU affinity where the platform tells it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def _is_dask(executor) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed"


def _check_executor(executor) -> None:
    if executor is None or executor == "serial" or isinstance(executor, Executor) or _is_dask(
            executor):
        return
    if isinstance(executor, str) and ":" in executor:
        return
    raise ScenarioError(f"executor = {executor!r}: must be None (local processes), 'serial', a "
                        "distributed.Client, a scheduler address (tcp://host:8786) or a "
                        "concurrent.futures Executor")


def _completed(runs: list[_Run], executor, workers: int | None) -> Iterator[tuple]:
    """Yield ``(run, records, error)`` as runs finish. Closing the generator cancels
    what has not started."""
    if not runs:
        return
    if executor == "serial":
        for run in runs:
            yield (run, *_attempt(run.config.scenario, run.seed))
    elif executor is None:
        from concurrent.futures import ProcessPoolExecutor

        n = max(1, min(workers or _cores(), len(runs)))
        pool = ProcessPoolExecutor(n, mp_context=_mp_context())
        try:
            yield from _from_futures(pool, runs)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif isinstance(executor, Executor):
        yield from _from_futures(executor, runs)
    else:
        from distributed import Client

        own = isinstance(executor, str)
        client = Client(executor) if own else executor
        try:
            yield from _from_dask(client, runs)
        finally:
            if own:
                client.close()


def _from_futures(pool: Executor, runs: list[_Run]) -> Iterator[tuple]:
    futures = {pool.submit(_attempt, r.config.scenario, r.seed): r for r in runs}
    try:
        for fut in as_completed(futures):
            try:
                yield (futures[fut], *fut.result())
            except Exception as exc:  # noqa: BLE001 - e.g. a worker process died
                yield futures[fut], None, _message(exc)
    finally:
        for fut in futures:
            fut.cancel()


def _from_dask(client, runs: list[_Run]) -> Iterator[tuple]:
    from distributed import as_completed as dask_completed

    futures = {client.submit(_attempt, r.config.scenario, r.seed, pure=False): r for r in runs}
    try:
        for fut in dask_completed(list(futures)):
            run = futures[fut]
            try:
                yield (run, *fut.result())
            except Exception as exc:  # noqa: BLE001 - e.g. a worker died
                yield run, None, _message(exc)
            fut.release()
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)

