"""Checking many deployments at once: a directory of systems, on every core.

``expand_paths`` turns the files and directories a user names into the deployment files to
check (a directory: every ``.yaml``, ``.yml`` and ``.json`` below it, in sorted order), and
``check_files`` checks each of them as ``fedcheck.api.check_file`` does, in worker processes
when there are several files and cores. The results come back in the order of the files, each
byte-identical to a sequential run's: the catalog, profile and options are the same for every
file. A caller that writes reports passes ``render``, which the worker calls on each Result, so
that rendering too runs on every core (and, with ``keep_results=False``, only the rendered text
and the counts travel back, not hundreds of findings per file).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .catalog import Catalog
from .errors import FedcheckError, UsageError
from .findings import Result

#: Exit codes of one deployment's check (as ``fedcheck check`` exits for it alone).
EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Checked:
    """The check of one deployment file: its Result and exit code, or the input error that
    stopped it (rendered as the CLI prints it; ``code`` is then 2, ``result`` None).

    ``counts`` is ``result.counts()``, given even when the result was not kept, and
    ``rendered`` what the ``render`` of ``check_files`` returned for the result."""

    file: str
    result: Result | None
    code: int
    error: str | None = None
    counts: dict[str, int] | None = None
    rendered: Any = None


def expand_paths(paths: Sequence[str]) -> list[str]:
    """The deployment files that ``paths`` name: a file as it is, a directory as every
    ``.yaml``, ``.yml`` and ``.json`` file below it, sorted. A directory that holds none is a
    UsageError (a typo there would otherwise check nothing and pass)."""
    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(
                os.path.join(root, name)
                for root, _, names in os.walk(p)
                for name in names
                if name.lower().endswith((".yaml", ".yml", ".json"))
            )
            if not found:
                raise UsageError(
                    f"{p} holds no .yaml, .yml or .json file",
                    "name a deployment file or a directory that holds some",
                )
            files.extend(found)
        else:
            files.append(p)
    return files


def default_jobs(files: int) -> int:
    """Every core this process may use, but no more workers than files."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, files))


# The work of the worker processes: set in the parent before they fork, so that the catalog
# (whose compiled checks are closures, not picklable) is shared, not sent.
_WORK: tuple[Catalog, dict[str, Any], Callable[[Result], Any] | None, bool] | None = None


def _check_one(file: str) -> Checked:
    from .api import check_file

    assert _WORK is not None
    catalog, options, render, keep = _WORK
    try:
        result, code = check_file(file, catalog, **options)
        # Rendered here, in the worker: a report that cannot be written (an SDR asked of a run
        # without the Consolidated Rules) is this file's error, as an input error is, and never
        # an exception that would tear the pool down.
        rendered = render(result) if render is not None else None
    except FedcheckError as exc:
        return Checked(file, None, EXIT_USAGE, exc.render())
    return Checked(file, result if keep else None, code, None, result.counts(), rendered)


def check_files(
    files: Sequence[str],
    catalog: Catalog,
    *,
    jobs: int | None = None,
    render: Callable[[Result], Any] | None = None,
    keep_results: bool = True,
    **options: Any,
) -> Iterator[Checked]:
    """Check each file as ``check_file(file, catalog, **options)`` does; yield the Checked of
    each, in the order of ``files``. ``jobs`` (default: every core, at most one per file)
    worker processes share the work; ``jobs=1`` checks in this process. An input error in one
    file is that file's ``Checked.error``, and the others are still checked.

    ``render`` is called with each file's Result where it was checked (in the worker), and what
    it returns is that file's ``Checked.rendered``; with ``keep_results=False`` the Result itself
    is dropped there (``Checked.result`` is None, ``counts`` and ``code`` stay), so that a large
    portfolio's findings are never sent between processes."""
    global _WORK
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: needs at least one", "give a whole number of 1 or more")
    count = default_jobs(len(files)) if jobs is None else min(jobs, max(1, len(files)))
    previous = _WORK
    # One plan per baseline for the whole run (each worker keeps its own copy of the dict).
    _WORK = (catalog, {**options, "plans": {}}, render, keep_results)
    try:
        import multiprocessing

        if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for file in files:
                yield _check_one(file)
            return
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            # Small chunks keep every worker busy when systems differ in size; map keeps order.
            chunk = max(1, min(16, len(files) // (count * 8)))
            yield from pool.map(_check_one, files, chunksize=chunk)
    finally:
        _WORK = previous


__all__ = ["Checked", "check_files", "default_jobs", "expand_paths"]
