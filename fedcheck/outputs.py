"""Write the artifacts of a run: every file or none, never over an input, never half-written.

A run asks for several reports (``--format sarif --output a.sarif --format html --output
b.html``). They are planned before any work (``plan``: an output that names an input of the run,
or two formats given one path, is refused), then each is rendered to a temporary file beside its
target (a device or a pipe, such as /dev/null, is streamed to directly), and only when all of
them rendered are the files renamed into place (``write_all``). A renderer that fails, a full
disk, Ctrl-C, SIGTERM or SIGHUP leave no temporary file and no new artifact behind.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import UsageError

Text = str | Iterable[str]


@dataclass(frozen=True)
class Artifact:
    """One report to write: its format, its path, and how to produce its text."""

    fmt: str
    path: str
    render: Callable[[], Text]


def _identity(path: str) -> tuple[str, tuple[int, int] | None]:
    real = os.path.realpath(path)
    try:
        st = os.stat(path)
    except OSError:
        return real, None
    return real, (st.st_dev, st.st_ino)


def plan(outputs: Sequence[tuple[str, str | None]], inputs: Iterable[str]) -> None:
    """Refuse, before any work, an ``--output`` that names an input of the run (it would be
    replaced by the report) and one path given to two formats (one report would be lost)."""
    known: dict[Any, str] = {}
    for name in inputs:
        real, node = _identity(name)
        known[real] = name
        if node is not None:
            known[node] = name
    seen: dict[Any, str] = {}
    for fmt, path in outputs:
        if path is None:
            continue
        real, node = _identity(path)
        for key in (real, node):
            if key is None:
                continue
            if key in known:
                raise UsageError(
                    f"--output {path} names an input of the run ({known[key]}): writing the "
                    f"{fmt} report there would replace it",
                    "write the report to another path",
                )
            if key in seen and not _is_device(path):
                raise UsageError(
                    f"--output {path} is given to two formats ({seen[key]} and {fmt}): one "
                    "report would overwrite the other",
                    "give each format its own --output path",
                )
        seen[real] = fmt
        if node is not None:
            seen[node] = fmt


def _is_device(path: str) -> bool:
    """/dev/null and the like: several reports may be discarded there."""
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


def _is_special(path: str) -> bool:
    """An existing path that is not a regular file (a device, a pipe): written in place."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    if stat.S_ISDIR(mode):
        raise UsageError(f"cannot write {path}: it is a directory", "name a file")
    return not stat.S_ISREG(mode)


def _write_text(handle: Any, text: Text) -> None:
    if isinstance(text, str):
        handle.write(text)
    else:
        for piece in text:
            handle.write(piece)


def _os_error(path: str, exc: OSError) -> UsageError:
    if exc.errno == errno.EPIPE:
        return UsageError(
            f"cannot write {path}: its reader went away before the report was written",
            "read the whole output, or write the report to a file",
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UsageError(
            f"cannot write {path}: the disk is full", "free some space, or write elsewhere"
        )
    return UsageError(
        f"cannot write {path}: {exc.strerror or exc}",
        "check that the directory exists and is writable",
    )


def _stage(path: str, text: Text) -> str:
    """Write ``text`` to a temporary file beside ``path``; return the temporary file's name."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(
            f"cannot write {path}: the directory {directory} does not exist",
            "create the directory first",
        )
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".fedcheck-", suffix=".tmp")
    except OSError as exc:
        raise _os_error(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            _write_text(handle, text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
    except BaseException as exc:
        _discard(tmp)
        if isinstance(exc, OSError):
            raise _os_error(path, exc) from None
        raise
    return tmp


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _write_special(path: str, text: Text) -> None:
    """Stream ``text`` into a device or pipe (/dev/null, /dev/stdout, a named pipe): no rename
    (it would replace the device with a regular file), and no temporary file."""
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            _write_text(handle, text)
    except OSError as exc:
        raise _os_error(path, exc) from None


def write_atomic(path: str, text: Text) -> None:
    """Write one file so that a reader never sees it half-written: temp file, then rename."""
    if _is_special(path):
        _write_special(path, text)
        return
    tmp = _stage(path, text)
    try:
        os.replace(tmp, path)
    except BaseException as exc:
        _discard(tmp)
        if isinstance(exc, OSError):
            raise _os_error(path, exc) from None
        raise


def write_all(artifacts: Sequence[Artifact]) -> None:
    """Write every artifact or none: the files are rendered to temporary files first, the
    devices and pipes (which cannot be renamed over) are streamed next, and only then are the
    files renamed into place.

    Nothing is held whole in memory: a report of a large system is hundreds of megabytes. A
    renderer or a write that fails, for a file or a device, removes every temporary file, so no
    file is replaced (what a device or pipe received before the failure cannot be taken back).
    """
    staged: list[tuple[str, str]] = []
    special = [a for a in artifacts if _is_special(a.path)]
    try:
        for artifact in artifacts:
            if artifact in special:
                continue
            staged.append((_stage(artifact.path, artifact.render()), artifact.path))
        for artifact in special:
            _write_special(artifact.path, artifact.render())
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException as exc:
        for tmp, _ in staged:
            _discard(tmp)
        if isinstance(exc, OSError):
            raise _os_error(exc.filename or "the report", exc) from None
        raise


__all__ = ["Artifact", "plan", "write_all", "write_atomic"]
