"""The exceptions fedcheck raises for input it cannot accept.

    FedcheckError                 any problem a user must fix; the CLI exits with code 2
    ├── InputError                one problem in one input file, at file:line:column
    │   └── InputErrors           several at once (all the problems of one file)
    └── UsageError                a bad command line or option combination

A check that breaks while evaluating is not an exception: it becomes an ``error`` finding.
``CompileError`` (a problem inside a control's check, at a path in the control document) is
internal: the catalog turns it into an InputError at the control file's line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class FedcheckError(Exception):
    """Base class of every error that a user can fix."""

    def render(self) -> str:
        return f"error: {_clean(str(self))}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what, and how to fix it."""

    file: str
    line: int | None
    column: int | None
    message: str
    fix: str

    def render(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{_clean(where)}: error: {_clean(self.message)}"
        if self.fix:
            text += f"\n    fix: {_clean(self.fix)}"
        return text


class InputError(FedcheckError):
    """One problem in one input file."""

    def __init__(
        self,
        file: str,
        line: int | None,
        column: int | None,
        message: str,
        fix: str,
    ) -> None:
        super().__init__(message)
        self.problem = Problem(file, line, column, message, fix)

    @property
    def problems(self) -> list[Problem]:
        return [self.problem]

    def render(self) -> str:
        return self.problem.render()


class InputErrors(InputError):
    """Several problems found in one pass, reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        items = list(problems)
        if not items:
            raise ValueError("InputErrors needs at least one problem")
        first = items[0]
        super().__init__(first.file, first.line, first.column, first.message, first.fix)
        self._problems = items

    @property
    def problems(self) -> list[Problem]:
        return self._problems

    def render(self) -> str:
        return "\n".join(p.render() for p in self._problems)

    def __str__(self) -> str:
        return "; ".join(p.message for p in self._problems)


class UsageError(FedcheckError):
    """A bad command line: an unknown option value, a missing file, a conflicting combination."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix

    def render(self) -> str:
        text = f"error: {_clean(str(self))}"
        if self.fix:
            text += f"\n    fix: {_clean(self.fix)}"
        return text


def _clean(text: str) -> str:
    # Keys, ids and values quoted in a message come from input files: no terminal escapes,
    # no forged lines.
    from .text import neutralize

    return neutralize(text)


class CompileError(Exception):
    """A problem in a control's expression, at a path inside the control document (internal:
    fedcheck.catalog turns it into an InputError at the control file's line)."""

    def __init__(self, path: Sequence[str | int], message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.path = tuple(path)
        self.message = message
        self.fix = fix
