"""Render a report template in a Jinja2 sandbox, turning every template problem into an InputError.

Templates (the bundled ones and a user's ``--template``) see only the plain-data context of
``context.build_context``; the sandbox blocks Python internals, ``range`` and ``*``/``**`` are
capped, StrictUndefined turns a misspelt variable into an error, and the loader reads only the
template's own directory (plus the bundled templates under the ``fedcheck/`` prefix, so that a
user template can ``{% extends "fedcheck/report.html.j2" %}``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from ..errors import InputError
from ..findings import Result
from .context import build_context

BUILTIN_DIR = Path(__file__).resolve().parent / "templates"

#: The most items ``range()`` may produce in a template.
MAX_RANGE = 10_000
#: The longest string or list that ``*`` may build in a template.
MAX_REPEAT = 1_000_000
#: The most bits an integer ``**`` may produce in a template.
MAX_POWER_BITS = 4_096

_FIX = "correct the template (see docs/reports.md for the context it can use)"


def _capped_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(f"range() of {len(rng)} items is refused (at most {MAX_RANGE})")
    return rng


class ReportEnvironment(SandboxedEnvironment):
    """The sandbox, with ``*`` and ``**`` checked so that a template cannot exhaust memory."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        elif operator == "**":
            _check_power(left, right)
        return super().call_binop(context, operator, left, right)


def _check_repeat(seq: Any, times: Any) -> None:
    if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
        if len(seq) * times > MAX_REPEAT:
            raise SecurityError(
                f"a sequence of {len(seq) * times} items is refused (at most {MAX_REPEAT})"
            )


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if exponent * math.log2(abs(base)) > MAX_POWER_BITS:
            raise SecurityError(f"{base} ** {exponent} is too large to compute")


def _loader(directory: Path) -> BaseLoader:
    builtin = FileSystemLoader(str(BUILTIN_DIR), encoding="utf-8")
    if directory == BUILTIN_DIR:
        return builtin
    return ChoiceLoader(
        [FileSystemLoader(str(directory), encoding="utf-8"), PrefixLoader({"fedcheck": builtin})]
    )


def make_environment(
    directory: Path,
    *,
    autoescape: bool,
    filters: dict[str, Callable[..., Any]] | None = None,
    finalize: Callable[[Any], Any] | None = None,
) -> ReportEnvironment:
    """A sandboxed environment that loads templates from ``directory`` only."""
    env = ReportEnvironment(
        loader=_loader(directory),
        autoescape=autoescape,
        undefined=StrictUndefined,
        finalize=finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["range"] = _capped_range
    env.filters.update(filters or {})
    return env


def _template_line(exc: BaseException, filename: str) -> int | None:
    """The line of the template being rendered when ``exc`` was raised (Jinja rewrites
    tracebacks so that template frames carry the template's file name and line)."""
    line = None
    tb = exc.__traceback__
    target = os.path.realpath(filename)
    while tb is not None:
        frame_file = tb.tb_frame.f_code.co_filename
        if frame_file == filename or os.path.realpath(frame_file) == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _shown(path: Path, given: str | None) -> str:
    return given if given is not None else str(path)


def render_template(
    result: Result,
    name: str,
    *,
    template: str | os.PathLike[str] | None,
    autoescape: bool,
    filters: dict[str, Callable[..., Any]] | None = None,
    finalize: Callable[[Any], Any] | None = None,
) -> str:
    """Render ``template`` (a user's file) or else the bundled template ``name`` with the
    context of ``result``.

    Raises InputError (naming the template file and line) for a template that is missing,
    unreadable, malformed, fails while rendering, or tries something the sandbox refuses.
    """
    given = None if template is None else os.fspath(template)
    path = BUILTIN_DIR / name if given is None else Path(given).resolve()
    shown = _shown(path, given)
    env = make_environment(path.parent, autoescape=autoescape, filters=filters, finalize=finalize)
    try:
        loaded = env.get_template(path.name)
        return loaded.render(build_context(result))
    except TemplateSyntaxError as exc:
        where = shown if exc.filename in (None, str(path)) else str(exc.filename)
        raise InputError(
            where, exc.lineno, None, f"template syntax error: {exc.message}", _FIX
        ) from None
    except TemplateNotFound as exc:
        what = (
            "the template file does not exist"
            if exc.name == path.name
            else (f"template {exc.name!r} is not in the template's directory")
        )
        raise InputError(
            shown,
            None,
            None,
            what,
            "give the path of a Jinja2 template; included templates must sit beside it",
        ) from None
    except SecurityError as exc:
        raise InputError(
            shown,
            _template_line(exc, str(path)),
            None,
            f"template refused by the sandbox: {exc}",
            _FIX,
        ) from None
    except TemplateError as exc:
        raise InputError(
            shown,
            _template_line(exc, str(path)),
            None,
            f"template error: {exc.message or type(exc).__name__}",
            _FIX,
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            shown, None, None, "the template is not UTF-8 text", "save the template as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(
            shown,
            None,
            None,
            f"cannot read the template: {exc.strerror or exc}",
            "check the path and its permissions",
        ) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as exc:
        raise InputError(
            shown,
            _template_line(exc, str(path)),
            None,
            f"template failed: {type(exc).__name__}: {exc}",
            _FIX,
        ) from None


__all__ = ["BUILTIN_DIR", "MAX_RANGE", "ReportEnvironment", "make_environment", "render_template"]
