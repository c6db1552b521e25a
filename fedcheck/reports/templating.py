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
import re
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
    nodes,
)
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Macro, markup_join, str_join
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


class _RangeBudget:
    """``range`` for one rendering: each call capped, and all calls together too, so that
    nested loops cannot multiply into hours of work."""

    def __init__(self) -> None:
        self.left = MAX_RANGE_TOTAL

    def __call__(self, *args: int) -> range:
        rng = _capped_range(*args)
        self.left -= len(rng)
        if self.left < 0:
            raise SecurityError(
                f"range() produced more than {MAX_RANGE_TOTAL:,} items in one report "
                "(nested loops?)"
            )
        return rng


#: The longest string a template may build with ``~``, a width (``ljust``, ``center``,
#: ``indent``, ``format``) or any other operation, and the most text a report may have.
MAX_STRING = 1_000_000
MAX_OUTPUT = 256 * 1024 * 1024
#: The most ``range()`` items one rendering may produce in all (nested loops multiply).
MAX_RANGE_TOTAL = 1_000_000

#: str methods whose result length an argument sets.
_WIDTH_METHODS = frozenset(["ljust", "rjust", "center", "zfill", "expandtabs", "format"])
_WIDTH = re.compile(r"[0-9]+")


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``~`` to a join whose result is measured (Jinja offers no hook for it)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("), context.eval_ctx.autoescape)")


#: Every attribute a dict has (``items``, ``get``, ``__class__``...): looked up as attributes.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class ReportEnvironment(SandboxedEnvironment):
    """The sandbox, with ``*``, ``**``, ``~``, widths and ``range`` bounded so that a template
    can neither exhaust memory nor run for hours."""

    intercepted_binops = frozenset(["*", "**"])
    code_generator_class = _BoundedCodeGenerator

    def bounded_join(self, parts: tuple[Any, ...], autoescape: bool) -> str:
        text = (markup_join if autoescape else str_join)(parts)
        _check_length(text)
        return text

    def getattr(self, obj: Any, attribute: str) -> Any:
        # The context is plain dicts: ``f.target`` is a key. Jinja tries the attribute first
        # and the key after an AttributeError, which costs more than the rest of a report's
        # rendering; a name no dict has as an attribute can only be a key, so look it up first.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N807 - Jinja's signature
        name = getattr(__obj, "__name__", "")
        if isinstance(getattr(__obj, "__self__", None), str) and name in _WIDTH_METHODS:
            _check_widths(args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        # A macro's text becomes part of the report, which MAX_OUTPUT bounds; a large
        # system's table of manual controls is longer than any one value may be.
        _check_length(result, MAX_OUTPUT if isinstance(__obj, Macro) else MAX_STRING)
        return result

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
            _check_product(left, right)
        elif operator == "**":
            _check_power(left, right)
        return super().call_binop(context, operator, left, right)


def _check_length(value: Any, limit: int = MAX_STRING) -> None:
    if isinstance(value, str | bytes | list | tuple) and len(value) > limit:
        raise SecurityError(f"a value of {len(value):,} items is refused (at most {limit:,})")


def _check_widths(args: Any, kwargs: Any) -> None:
    for value in (*args, *kwargs.values()):
        numbers = [value] if isinstance(value, int) else []
        if isinstance(value, str):  # a format spec such as "%999999999s" or "{:>999999999}"
            numbers = [int(n) for n in _WIDTH.findall(value) if len(n) < 20] or numbers
            if any(len(n) >= 20 for n in _WIDTH.findall(value)):
                numbers.append(MAX_STRING + 1)
        if any(n > MAX_STRING for n in numbers):
            raise SecurityError(f"a width above {MAX_STRING:,} is refused")


def _capped_filter(original: Callable[..., Any]) -> Callable[..., Any]:
    def capped(*args: Any, **kwargs: Any) -> Any:
        _check_widths(args[1:] if args else (), kwargs)
        result = original(*args, **kwargs)
        _check_length(result)
        return result

    capped.__name__ = getattr(original, "__name__", "filter")
    for attribute in ("jinja_pass_arg",):
        if hasattr(original, attribute):
            setattr(capped, attribute, getattr(original, attribute))
    return capped


def _capped_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> Any:  # noqa: A002
    from jinja2.utils import generate_lorem_ipsum

    if n > 100 or max > 1000:
        raise SecurityError("lipsum() of more than 100 paragraphs or 1,000 words is refused")
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


def _check_repeat(seq: Any, times: Any) -> None:
    if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
        if len(seq) * times > MAX_REPEAT:
            raise SecurityError(
                f"a sequence of {len(seq) * times} items is refused (at most {MAX_REPEAT})"
            )


def _check_product(left: Any, right: Any) -> None:
    if type(left) is int and type(right) is int:
        if left.bit_length() + right.bit_length() > MAX_POWER_BITS:
            raise SecurityError(f"{MAX_POWER_BITS}-bit integers are the largest computed")


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if exponent * math.log2(abs(base)) > MAX_POWER_BITS:
            raise SecurityError(f"{base} ** {exponent} is too large to compute")


class _ContainedLoader(FileSystemLoader):
    """Loads templates from one folder only: a symlink (or ``..``) that leads out of it is
    not found, so that ``{% include %}`` cannot put any readable file into a report."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        real = os.path.realpath(filename)
        if not any(
            os.path.commonpath([real, os.path.realpath(root)]) == os.path.realpath(root)
            for root in self.searchpath
        ):
            raise TemplateNotFound(template)
        return source, filename, uptodate


def _loader(directory: Path) -> BaseLoader:
    builtin = _ContainedLoader(str(BUILTIN_DIR), encoding="utf-8")
    if directory == BUILTIN_DIR:
        return builtin
    return ChoiceLoader(
        [_ContainedLoader(str(directory), encoding="utf-8"), PrefixLoader({"fedcheck": builtin})]
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
    env.globals["lipsum"] = _capped_lipsum
    for name in ("center", "indent", "format", "wordwrap", "truncate", "join", "replace"):
        env.filters[name] = _capped_filter(env.filters[name])
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


def _bounded_render(template: Any, context: dict[str, Any], shown: str) -> str:
    pieces: list[str] = []
    size = 0
    for piece in template.generate(context):
        size += len(piece)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the report grew beyond {MAX_OUTPUT:,} characters")
        pieces.append(piece)
    return "".join(pieces)


#: The bundled templates, compiled once per process (a user's template is read every time).
_BUNDLED: dict[tuple[str, bool], Any] = {}


def _bundled(
    name: str,
    autoescape: bool,
    filters: dict[str, Callable[..., Any]] | None,
    finalize: Callable[[Any], Any] | None,
) -> Any:
    key = (name, autoescape)
    if key not in _BUNDLED:
        env = make_environment(
            BUILTIN_DIR, autoescape=autoescape, filters=filters, finalize=finalize
        )
        _BUNDLED[key] = env.get_template(name)
    return _BUNDLED[key]


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
    prerender: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> str:
    """Render ``template`` (a user's file) or else the bundled template ``name`` with the
    context of ``result``.

    ``prerender`` (for the bundled template only) renders the sections of the bundled template
    that repeat once per finding in Python, from the same context and with the same escaping;
    the bundled template prints them (``prerendered``) instead of running its own loops, which
    every other template, one that extends the bundled one included, runs as written.

    Raises InputError (naming the template file and line) for a template that is missing,
    unreadable, malformed, fails while rendering, or tries something the sandbox refuses.
    """
    given = None if template is None else os.fspath(template)
    path = BUILTIN_DIR / name if given is None else Path(given).resolve()
    shown = _shown(path, given)
    try:
        budget = _RangeBudget()
        if given is None:
            loaded = _bundled(name, autoescape, filters, finalize)
        else:
            env = make_environment(
                path.parent, autoescape=autoescape, filters=filters, finalize=finalize
            )
            env.globals["range"] = budget  # for templates it imports, too
            loaded = env.get_template(path.name)
        # One range budget per rendering: the context's ``range`` hides the environment's.
        context = {**build_context(result), "range": budget}
        if given is None and prerender is not None:
            context["prerendered"] = prerender(context)
        return _bounded_render(loaded, context, shown)
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
