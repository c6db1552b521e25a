"""Safe reading of YAML and JSON input into plain data, with a source position for every value.

The YAML reader consumes libyaml's event stream (PyYAML's C parser) and builds dicts and lists
itself instead of going through PyYAML's constructor. That keeps it iterative (a document nested
a hundred thousand levels deep is refused, not a crashed process), lets it refuse what PyYAML
silently accepts (duplicate keys, YAML 1.1 booleans such as ``no``, language tags), bounds alias
expansion, and is faster than ``yaml.load`` because it skips the generic node graph.

Positions are the marks libyaml already made for each event, kept by reference, so recording
them costs almost nothing; they are turned into ``line:column`` only when something is reported.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate, count
from operator import add, indexOf
from typing import Any

import yaml
import yaml.events as ev

from .errors import InputError

try:  # PyYAML's C parser; the pure-Python one is a fallback with the same events.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]


#: The largest ``--max-file-bytes`` accepted: a limit beyond it is no limit.
MAX_FILE_BYTES_CEILING = 4 * 1024**3


@dataclass(frozen=True)
class Limits:
    """Bounds on what an input may cost to read. Each is documented in docs/robustness.md.

    They can be raised with environment variables (``FEDCHECK_MAX_FILE_BYTES``,
    ``FEDCHECK_MAX_DEPTH``, ``FEDCHECK_MAX_NODES``) or the ``--max-file-bytes`` option.
    """

    max_file_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    # Ten thousand components with every field stated (keys counted) come to about 3.3 million
    # values; the budget leaves room for larger systems while bounding alias expansion.
    max_nodes: int = 5_000_000

    @classmethod
    def from_env(cls, **overrides: int | None) -> Limits:
        values: dict[str, int] = {}
        for name, var in (
            ("max_file_bytes", "FEDCHECK_MAX_FILE_BYTES"),
            ("max_depth", "FEDCHECK_MAX_DEPTH"),
            ("max_nodes", "FEDCHECK_MAX_NODES"),
        ):
            raw = os.environ.get(var)
            if raw is not None:
                try:
                    number = int(raw)
                except ValueError:
                    number = -1
                if number <= 0:
                    raise InputError(
                        var,
                        None,
                        None,
                        f"{var} must be a positive integer, got {raw!r}",
                        f"set {var} to a number such as {getattr(cls, name)}",
                    )
                values[name] = number
        for name, value in overrides.items():
            if value is not None:
                values[name] = value
        if values.get("max_file_bytes", 0) > MAX_FILE_BYTES_CEILING:
            raise InputError(
                "--max-file-bytes",
                None,
                None,
                f"a file size limit of {values['max_file_bytes']:,} bytes is absurd "
                f"(at most {MAX_FILE_BYTES_CEILING:,} bytes, 4 GiB, is accepted)",
                "give a limit a little above the largest genuine input",
            )
        return cls(**values)


DEFAULT_LIMITS = Limits()


class SourceMap:
    """Where each value of a loaded document came from.

    The positions are integers in one flat array, a block per collection, so that a document of
    millions of values costs a few bytes per value rather than an object per value. A block is
    written when its collection ends (a collection's block comes after those of its children):
    it holds the number of entries, then, in the collection's order, for a mapping entry the
    position of its key, the position of its value and where the value's own block starts (plus
    one; 0 for a scalar), for a list item the position and the block of the item. A position is
    a 0-based line and column as the YAML reader marked them, or, for JSON, an offset into the
    text, turned into a line and column (counted as the YAML reader counts them) when asked.
    The data is walked beside the blocks: a mapping's key is found by its place in the mapping.

    A map made with anything but positions (``SourceMap(file, data, {})``, for data built in
    Python) places every value at the start of the file.
    """

    def __init__(
        self,
        file: str,
        data: Any,
        positions: _Positions | Mapping[int, Any] | None = None,
        text: str | None = None,
        limits: Limits | None = None,
    ):
        self.file = file
        self.data = data
        self._positions = positions if isinstance(positions, _Positions) else None
        self._text = text  # kept for JSON input, whose positions are read only when first needed
        self._added: set[tuple[str | int, ...]] = set()

    def _ensure(self) -> _Positions | None:
        if self._positions is None and self._text is not None:
            text, self._text = self._text, None
            try:
                with collector_off():
                    self._positions = _json_positions(text)
            except (IndexError, ValueError):  # pragma: no cover - the text was read as JSON
                self._positions = None
        return self._positions

    def mark_added(self, path: Sequence[str | int]) -> None:
        """Record that the mapping entry at ``path`` was added to the data after loading (a
        field that evidence filled in): it is placed where its mapping is."""
        self._added.add(tuple(path))

    def position(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int, bool]:
        """Return (line, column, exact) of the value at ``path`` (1-based).

        Where the path does not exist in full (a field left out), this is the position of the
        deepest part that does exist, and ``exact`` is false. With ``key`` the position of the
        mapping key is given instead of its value.
        """
        positions = self._ensure()
        node = self.data
        line, column = 1, 1
        if positions is None:
            return line, column, not path
        table = positions.table
        width = positions.width
        block = positions.root
        last = len(path) - 1
        for depth, part in enumerate(path):
            if block < 0:
                return line, column, False
            count = table[block]
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                index = indexOf(node, part)
                if index >= count:
                    if tuple(path[: depth + 1]) not in self._added:
                        return line, column, False
                    block = -1  # added: placed at its mapping, and nothing below it is known
                else:
                    at = block + 1 + index * (2 * width + 1)
                    line, column = positions.place(at if key and depth == last else at + width)
                    block = table[at + 2 * width] - 1
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                if part >= count:
                    return line, column, False
                at = block + 1 + part * (width + 1)
                line, column = positions.place(at)
                block = table[at + width] - 1
                node = node[part]
            else:
                return line, column, False
        return line, column, True


_SMALL = "I" if array("I").itemsize >= 4 else "L"


def _table_type(largest: int) -> str:
    """Four bytes an entry while every number of the table is below ``largest``, else eight.

    A table has at most six entries per value (a block's count and five for a mapping entry),
    a position is below the length of the text and a block start below the table's length."""
    return _SMALL if largest < 2**32 - 1 else "q"


class _Positions:
    """The position table of a document (see SourceMap): ``width`` is 2 for line and column,
    1 for an offset into the text, whose lines start at the offsets in ``starts``."""

    __slots__ = ("root", "starts", "table", "width")

    def __init__(self, table: array[int], root: int, width: int, starts: array[int] | None = None):
        self.table = table
        self.root = root
        self.width = width
        self.starts = starts

    def place(self, at: int) -> tuple[int, int]:
        table = self.table
        if self.starts is None:
            return table[at] + 1, table[at + 1] + 1
        offset = table[at]
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


@dataclass
class Document:
    """A loaded input file: its data, where each value came from, and a digest of its bytes."""

    file: str
    data: Any
    source: SourceMap
    sha256: str
    size: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# --- reading bytes -------------------------------------------------------------------------


def read_text(path: str, limits: Limits = DEFAULT_LIMITS) -> tuple[str, bytes]:
    """Read a file as UTF-8 within the size limit; every refusal is an InputError."""
    import stat

    try:
        # Opened without blocking and checked before reading: a named pipe, a device or a
        # socket would hang the run or never end; only a regular file is an input.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(st.st_mode):
                raise InputError(
                    path,
                    None,
                    None,
                    f"is not a regular file (it is {_file_kind(st.st_mode)})",
                    "name a regular file; copy the input to a file first",
                )
            raw = handle.read(min(st.st_size, limits.max_file_bytes) + 1)
    except FileNotFoundError:
        raise InputError(path, None, None, "no such file", "check the path") from None
    except IsADirectoryError:
        raise InputError(path, None, None, "is a directory, not a file", "name a file") from None
    except OSError as exc:
        raise InputError(
            path,
            None,
            None,
            f"cannot read the file: {exc.strerror or exc}",
            "check the path and its permissions",
        ) from None
    if len(raw) > limits.max_file_bytes:
        raise InputError(
            path,
            None,
            None,
            f"file is larger than the limit of {limits.max_file_bytes:,} bytes",
            "split the description, or raise the limit with --max-file-bytes or "
            "FEDCHECK_MAX_FILE_BYTES if the file is genuine",
        )
    return decode(raw, path), raw


def _file_kind(mode: int) -> str:
    import stat

    for test, kind in (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


_OTHER_ENCODINGS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def decode(raw: bytes, file: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for mark, name in _OTHER_ENCODINGS:
        if raw.startswith(mark):
            raise InputError(
                file,
                1,
                1,
                f"the file is encoded as {name}, not UTF-8",
                "save the file as UTF-8 (without a byte order mark)",
            )
    if b"\x00" in raw[:4096] and len(raw) >= 2 and (raw[0] == 0 or raw[1] == 0):
        raise InputError(
            file,
            1,
            1,
            "the file is encoded as UTF-16 or UTF-32, not UTF-8",
            "save the file as UTF-8",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            file,
            line,
            column,
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            "save the file as UTF-8",
        ) from None


# --- YAML ----------------------------------------------------------------------------------

_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# YAML 1.1 reads these as booleans; YAML 1.2 reads them as strings. A compliance file must not
# depend on which reading a tool makes, so fedcheck refuses them unquoted.
_AMBIGUOUS_BOOLS = frozenset("y Y yes Yes YES n N no No NO on On ON off Off OFF".split())
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
# YAML 1.1 has a narrower decimal form: a dot is required, an exponent needs a sign, and a
# sign may not precede a leading dot. 1e5, 1.0e5 and +.5 are strings there, and PyYAML writes
# such strings unquoted; reading them as strings too keeps what yaml.safe_dump wrote meaning
# what its writer meant. No field of the formats is a decimal number, so a number written this
# way is still refused where a number is needed, with its position.
_YAML11_FLOAT = re.compile(r"(?:[-+]?[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?\Z")
_SPECIAL_FLOATS = {
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}
_STR_TAGS = frozenset(("tag:yaml.org,2002:str", "!"))


def _where(file: str, mark: Any) -> tuple[str, int | None, int | None]:
    if mark is None:
        return file, None, None
    return file, mark.line + 1, mark.column + 1


def _resolve_plain(value: str, file: str, mark: Any) -> Any:
    first = value[:1]
    if first and first in "0123456789+-.":
        if _INT.match(value):
            digits = value.lstrip("+-")
            if len(digits) > 1 and digits[0] == "0":
                if "8" in digits or "9" in digits:
                    return value  # no octal number: YAML 1.1 (and PyYAML) read it as a string
                raise InputError(
                    *_where(file, mark),
                    f"{value!r} is ambiguous: YAML 1.1 reads a leading zero as octal",
                    f'write it without the leading zero, or quote it as a string: "{value}"',
                )
            if len(digits) > 30:
                raise InputError(
                    *_where(file, mark),
                    f"number {value[:20]}... is absurdly large",
                    "write a realistic value",
                )
            return int(value)
        if _FLOAT.match(value):
            if not _YAML11_FLOAT.match(value):
                return value
            return float(value)
        special = _SPECIAL_FLOATS.get(value)
        if special is not None:
            return special
        return value
    if value in _NULLS:
        return None
    boolean = _BOOLS.get(value)
    if boolean is not None:
        return boolean
    if value in _AMBIGUOUS_BOOLS:
        meaning = "true" if value.lower() in ("y", "yes", "on") else "false"
        raise InputError(
            *_where(file, mark),
            f"{value!r} is ambiguous: YAML 1.1 reads it as the boolean {meaning}, YAML 1.2 as "
            "the string",
            f'write {meaning} for a boolean, or "{value}" in quotes for a string',
        )
    return value


def _describe(event: Any, value: Any) -> str:
    if isinstance(event, ev.AliasEvent):
        return "an alias"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a value"


def _yaml_error(exc: yaml.YAMLError, file: str, text: str = "") -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):
        # The reader knows only an offset into the text; turn it into a line and column.
        offset = min(max(exc.position, 0), len(text))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        char = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        )
        return InputError(
            file,
            line,
            column,
            f"the file contains the character U+{char:04X}, which YAML does not allow unescaped",
            "remove the character, or write it as an escape inside a double-quoted string "
            f'("\\x{char:02x}")'
            if char < 0x100
            else "remove the character",
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"malformed YAML: {problem}"
    if context:
        message += f" ({context})"
    fix = "correct the YAML syntax at this position (indentation, a missing ':' or quote)"
    if "found character '\\t'" in str(problem) or "\t" in str(problem):
        fix = "indent with spaces, not tabs"
    _, at_line, at_column = _where(file, mark)
    if at_line is not None and text:
        # At the end of input libyaml marks the line after the last one; point at the end of
        # the last line instead, which an editor can jump to.
        last = text.count("\n") + (0 if text.endswith("\n") else 1)
        if at_line > last:
            body = text.rstrip("\n")
            at_line = body.count("\n") + 1
            at_column = len(body) - (body.rfind("\n") + 1) + 1
    return InputError(file, at_line, at_column, message, fix)


def _nesting_within(exc: yaml.YAMLError, file: str, text: str, limits: Limits) -> InputError | None:
    """The refusal at the first level past fedcheck's depth limit, when libyaml's scanner
    stopped deep flow nesting (``[[[[``) at its own, deeper limit before fedcheck saw the
    level: the text up to where libyaml stopped is read again, without libyaml's limit in
    reach, so the error names the level a user counts, not the thousandth."""
    mark = getattr(exc, "problem_mark", None)
    if "maximum nesting depth" not in str(getattr(exc, "problem", "")) or mark is None:
        return None
    prefix = text[: mark.index]
    if len(prefix) < len(text):
        try:
            _read_yaml_text(prefix, file, limits)
        except InputError as refused:
            if refused.problem.message.startswith("nesting deeper than"):
                return refused
    # fedcheck's limit was raised past libyaml's own, which cannot be raised.
    return InputError(
        *_where(file, mark),
        f"flow nesting deeper than the YAML reader accepts (FEDCHECK_MAX_DEPTH is "
        f"{limits.max_depth})",
        "flatten the document: the YAML reader's own limit on [ and { nesting cannot be raised",
    )


@contextmanager
def collector_off() -> Iterator[None]:
    """Run a block with the cycle collector off, as it was before afterwards.

    Reading a document makes millions of containers and no cycle; the collector, run every few
    hundred new containers, would walk all those made before again and again (the YAML floor,
    PyYAML's C loader, is timed with it off too). Their memory is freed as usual."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _read_yaml_text(text: str, file: str, limits: Limits) -> tuple[Any, SourceMap]:
    with collector_off():
        return _read_yaml_events(text, file, limits)


def _read_yaml_events(text: str, file: str, limits: Limits) -> tuple[Any, SourceMap]:
    table: array[int] = array(_table_type(max(6 * limits.max_nodes, len(text))))
    anchors: dict[str, tuple[Any, int, int]] = {}
    # Each distinct scalar is read once and its value shared: the ten thousand components of a
    # large system repeat the same keys and values, and an object apiece would be most of the
    # document's memory.
    plain: dict[str, Any] = {}
    quoted: dict[str, str] = {}
    intern = sys.intern
    # A frame per open collection: [container, pending key or _NOKEY, key mark, start count,
    # anchor, merges (mapping, its block + 1), entries (the block being made), start mark]
    stack: list[list[Any]] = []
    root: Any = _NOKEY
    root_block = -1
    count = 0
    documents = 0
    max_depth = limits.max_depth
    max_nodes = limits.max_nodes
    scalar_event = ev.ScalarEvent
    mapping_start = ev.MappingStartEvent
    sequence_start = ev.SequenceStartEvent
    mapping_end = ev.MappingEndEvent
    sequence_end = ev.SequenceEndEvent
    alias_event = ev.AliasEvent
    stream_end = ev.StreamEndEvent

    loader = _Loader(text)
    try:
        while True:
            event: Any = loader.get_event()
            kind = type(event)
            child = 0  # the block of the value + 1; 0 for a scalar
            if kind is scalar_event:
                count += 1
                value: Any
                tag = event.tag
                if stack:
                    top = stack[-1]
                    if top[1] is _NOKEY and type(top[0]) is dict:
                        if tag is not None and tag not in _STR_TAGS:
                            raise InputError(
                                *_where(file, event.start_mark),
                                f"the YAML tag {tag!r} is not allowed on a key",
                                "remove the tag",
                            )
                        # A quoted "<<" is an ordinary key, not the merge key (YAML 1.1 merges
                        # only the plain scalar).
                        text_value = event.value
                        if text_value == "<<" and not event.implicit[0]:
                            top[1] = _LiteralKey(text_value)
                        else:
                            top[1] = intern(text_value)
                        top[2] = event.start_mark
                        continue
                if tag is not None and tag not in _STR_TAGS:
                    raise InputError(
                        *_where(file, event.start_mark),
                        f"the YAML tag {tag!r} is not allowed",
                        "remove the tag: fedcheck reads plain data only and never constructs "
                        "objects from a file",
                    )
                text_value = event.value
                if event.implicit[0] and tag is None:
                    value = plain.get(text_value, _NOKEY)
                    if value is _NOKEY:
                        value = plain[text_value] = _resolve_plain(
                            text_value, file, event.start_mark
                        )
                else:
                    value = quoted.setdefault(text_value, text_value)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1, 0)
                size = 1
            elif kind is mapping_start or kind is sequence_start:
                tag = event.tag
                if tag is not None and tag not in (
                    "tag:yaml.org,2002:map",
                    "tag:yaml.org,2002:seq",
                ):
                    raise InputError(
                        *_where(file, event.start_mark),
                        f"the YAML tag {tag!r} is not allowed",
                        "remove the tag: fedcheck reads plain data only",
                    )
                if len(stack) >= max_depth:
                    raise InputError(
                        *_where(file, event.start_mark),
                        f"nesting deeper than {max_depth} levels",
                        "flatten the document; raise FEDCHECK_MAX_DEPTH only if the nesting is "
                        "genuine",
                    )
                count += 1
                container: Any = {} if kind is mapping_start else []
                stack.append(
                    [container, _NOKEY, None, count, event.anchor, None, [], event.start_mark]
                )
                continue
            elif kind is mapping_end or kind is sequence_end:
                frame = stack.pop()
                value = frame[0]
                entries = frame[6]
                merges = frame[5]
                if merges:
                    for merged, merged_child in merges:
                        at = merged_child  # the first entry of the merged mapping's block
                        for k, v in merged.items():
                            if k not in value:
                                value[k] = v
                                entries.extend(table[at : at + 5])
                            at += 5
                child = len(table) + 1
                table.append(len(value))
                table.extend(entries)
                size = count - frame[3] + 1
                if frame[4] is not None:
                    anchors[frame[4]] = (value, size, child)
                if not stack:
                    root = value
                    root_block = child - 1
                    continue
                event = _EndMark(frame[7])
            elif kind is alias_event:
                found = anchors.get(event.anchor)
                if found is None:
                    raise InputError(
                        *_where(file, event.start_mark),
                        f"alias *{event.anchor} names no anchor defined before it",
                        "define the anchor (&name) before using it",
                    )
                value, size, child = found
                count += size
                if count > max_nodes:
                    raise InputError(
                        *_where(file, event.start_mark),
                        f"the document expands to more than {max_nodes:,} values through "
                        "aliases (an alias bomb?)",
                        "remove the repeated aliases; raise FEDCHECK_MAX_NODES only if the "
                        "document is genuinely this large",
                    )
            elif kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise InputError(
                        *_where(file, event.start_mark),
                        "the file holds more than one YAML document",
                        "keep one document per file: remove the '---' separator and what follows, "
                        "or split it into several files",
                    )
                continue
            elif kind is stream_end:
                break
            else:
                continue

            if count > max_nodes:
                raise InputError(
                    *_where(file, event.start_mark),
                    f"the document has more than {max_nodes:,} values",
                    "split it, or raise FEDCHECK_MAX_NODES if it is genuine",
                )
            if not stack:
                root = value
                continue
            top = stack[-1]
            parent = top[0]
            mark: Any = event.start_mark
            if type(parent) is dict:
                if top[1] is _NOKEY:
                    raise InputError(
                        *_where(file, mark),
                        f"a mapping key must be a plain string, not {_describe(event, value)}",
                        "write the key as a plain word",
                    )
                key = top[1]
                top[1] = _NOKEY
                literal = type(key) is _LiteralKey
                if literal:
                    key = str(key)
                if key == "<<" and not literal and event_is_plain_merge(kind):
                    if isinstance(value, dict):
                        merged_blocks = [(value, child)]
                    elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
                        # The blocks of the listed mappings are in the list's own block.
                        first = child + 2
                        merged_blocks = [(v, table[first + 3 * i]) for i, v in enumerate(value)]
                    else:
                        raise InputError(
                            *_where(file, top[2]),
                            "a merge key (<<) must name a mapping or a list of mappings",
                            "merge an anchored mapping: <<: *defaults",
                        )
                    top[5] = (top[5] or []) + merged_blocks
                    continue
                if key in parent:
                    first_line = top[6][5 * indexOf(parent, key)] + 1
                    raise InputError(
                        *_where(file, top[2]),
                        f"duplicate key {key!r} (first at line {first_line})",
                        "keep one of the two entries: YAML parsers would silently drop the first",
                    )
                parent[key] = value
                key_mark = top[2]
                top[6] += (key_mark.line, key_mark.column, mark.line, mark.column, child)
            else:
                parent.append(value)
                top[6] += (mark.line, mark.column, child)
    except yaml.YAMLError as exc:
        deeper = _nesting_within(exc, file, text, limits)
        raise (deeper or _yaml_error(exc, file, text)) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise InputError(file, None, None, "nesting too deep", "flatten the document") from None
    finally:
        loader.dispose()

    if root is _NOKEY or documents == 0:
        raise InputError(
            file,
            1,
            1,
            "the file is empty",
            "write a YAML mapping; a deployment description starts with 'version: 1'",
        )
    return root, SourceMap(file, root, _Positions(table, root_block, 2))


class _LiteralKey(str):
    """A key written quoted that a YAML 1.1 reader would otherwise take for the merge key."""

    __slots__ = ()


def event_is_plain_merge(kind: type) -> bool:
    return kind is ev.AliasEvent or kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent


class _EndMark:
    """Stands in for the event of a finished collection: its position is where it started."""

    __slots__ = ("start_mark",)

    def __init__(self, mark: Any) -> None:
        self.start_mark = mark


class _NoKey:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<no key>"


_NOKEY: Any = _NoKey()


# --- JSON ----------------------------------------------------------------------------------


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return result


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number that JSON allows")


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _json_depth_error(text: str, file: str, max_depth: int) -> InputError:
    """The refusal of JSON nested deeper than the limit, at the bracket that goes too deep."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > max_depth:
                offset = token.start()
                line = text.count("\n", 0, offset) + 1
                column = offset - (text.rfind("\n", 0, offset) + 1) + 1
                return InputError(
                    file,
                    line,
                    column,
                    f"nesting deeper than {max_depth} levels",
                    "flatten the document; raise FEDCHECK_MAX_DEPTH only if the nesting is genuine",
                )
        elif char in "]}":
            depth -= 1
    return InputError(file, None, None, "nesting too deep to read", "flatten the document")


def _json_depth(data: Any) -> int:
    """How deeply the collections of data read by json.loads (plain dicts and lists) nest,
    counted a level at a time."""
    deepest = 0
    level = [data] if type(data) is dict or type(data) is list else []
    while level:
        deepest += 1
        below: list[Any] = []
        for node in level:
            below += [
                v
                for v in (node.values() if type(node) is dict else node)
                if type(v) is dict or type(v) is list
            ]
        level = below
    return deepest


def _read_json_text(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, SourceMap]:
    with collector_off():
        return _read_json(text, file, limits)


def _read_json(text: str, file: str, limits: Limits) -> tuple[Any, SourceMap]:
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            file,
            exc.lineno,
            exc.colno,
            f"malformed JSON: {exc.msg}",
            "correct the JSON syntax at this position",
        ) from None
    except _Duplicate as exc:
        line, column = _find_key(text, exc.key)
        raise InputError(
            file,
            line,
            column,
            f"duplicate key {exc.key!r}",
            "keep one of the two entries: JSON parsers would silently drop the first",
        ) from None
    except ValueError as exc:
        raise InputError(
            file, None, None, f"malformed JSON: {exc}", "write a finite number"
        ) from None
    except RecursionError:
        raise _json_depth_error(text, file, limits.max_depth) from None
    if _json_depth(data) > limits.max_depth:
        raise _json_depth_error(text, file, limits.max_depth)
    if _SURROGATE_ESCAPE.search(text) and _has_surrogate(data):
        raise _surrogate_error(text, file)
    return data, SourceMap(file, data, None, text)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _has_surrogate(data: Any) -> bool:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if any("\ud800" <= ch <= "\udfff" for ch in node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _surrogate_error(text: str, file: str) -> InputError:
    m = _LONE.search(text) or _SURROGATE_ESCAPE.search(text)
    line = column = None
    escape = "a \\u escape"
    if m is not None:
        line = text.count("\n", 0, m.start()) + 1
        column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        escape = m.group(0)
    return InputError(
        file,
        line,
        column,
        f"the JSON escape {escape} is a lone surrogate, which is no character",
        "write the character itself, or a complete surrogate pair (\\ud83d\\ude00)",
    )


# One token of JSON text already read by json.loads, after the white space, commas and colons
# before it: a key with its scalar value, a key with the bracket that opens its value, a scalar
# item, a bracket that opens an item, a closing bracket.
_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_BARE = r'[^ \t\n\r,:\[\]{}"]++'  # a number, true, false or null
_JSON_SCAN = re.compile(
    rf"[ \t\n\r,]*+(?:({_STRING})[ \t\n\r]*+:[ \t\n\r]*+(?:({_STRING}|{_BARE})|([{{\[]))"
    rf"|({_STRING}|{_BARE})|([{{\[])|([}}\]]))"
)
# What the YAML reader counts as a line break (positions of JSON have always been its).
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_match_end = re.Match.end
_PIECE = 1 << 20


def _json_positions(text: str) -> _Positions:
    """The position table of JSON text that json.loads accepted, in one pass over its tokens.

    Positions are offsets into the text, turned into lines and columns when asked; the offsets
    where lines start are found with one search."""
    table: array[int] = array(_table_type(6 * len(text) + 6))
    # A frame per open collection: (the entries of its parent, offset of its key (or -1),
    # offset of its bracket, the size of one of its entries)
    stack: list[tuple[list[int], int, int, int]] = []
    root = -1
    entries: list[int] = []
    for match in _JSON_SCAN.finditer(text):
        group = match.lastindex
        if group == 2:  # "key": scalar
            entries += (match.start(1), match.start(2), 0)
        elif group == 4:  # a scalar item of a list
            entries += (match.start(4), 0)
        elif group == 3:  # "key": { or [
            start = match.start(3)
            stack.append((entries, match.start(1), start, 3 if text[start] == "{" else 2))
            entries = []
        elif group == 5:  # { or [ as an item, or the document
            start = match.start(5)
            stack.append((entries, -1, start, 3 if text[start] == "{" else 2))
            entries = []
        else:  # } or ]
            outer, key, start, size = stack.pop()
            block = len(table)
            table.append(len(entries) // size)
            table.extend(entries)
            entries = outer
            if not stack:
                root = block
                break
            if key >= 0:
                entries += (key, start, block + 1)
            else:
                entries += (start, block + 1)
    return _Positions(table, root, 1, _line_starts(text))


def _line_starts(text: str) -> array[int]:
    """The offset where each line of ``text`` starts, line breaks counted as the YAML reader
    counts them (CRLF, CR, LF, NEL, LS, PS)."""
    starts = array(_table_type(len(text) + 1), [0])
    if (
        "\x85" in text
        or "\u2028" in text
        or "\u2029" in text
        or text.count("\r") != text.count("\r\n")
    ):
        starts.extend(map(_match_end, _BREAK.finditer(text)))
        return starts
    # Only LF (and CRLF, which ends where its LF does): the text is split in pieces and the
    # lengths of their lines added up, without an object per line break.
    for begin in range(0, len(text), _PIECE):
        lines = text[begin : begin + _PIECE].split("\n")
        lines.pop()
        starts.extend(map(add, accumulate(map(len, lines)), count(begin + 1)))
    return starts


def _find_key(text: str, key: str) -> tuple[int | None, int | None]:
    needle = json.dumps(key)
    first = text.find(needle)
    second = text.find(needle, first + 1) if first >= 0 else -1
    offset = second if second >= 0 else first
    if offset < 0:
        return None, None
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# --- entry points --------------------------------------------------------------------------


def parse_text(
    text: str, file: str = "<string>", limits: Limits = DEFAULT_LIMITS, *, as_json: bool = False
) -> tuple[Any, SourceMap]:
    """Parse YAML (or JSON) text into plain data and its source map."""
    if len(text) > limits.max_file_bytes:
        raise InputError(
            file,
            None,
            None,
            f"input is larger than the limit of {limits.max_file_bytes:,} bytes",
            "raise the limit with --max-file-bytes if the input is genuine",
        )
    if as_json:
        if not text.strip():
            raise InputError(file, 1, 1, "the file is empty", "write a JSON object")
        return _read_json_text(text, file, limits)
    return _read_yaml_text(text, file, limits)


def load_file(path: str, limits: Limits = DEFAULT_LIMITS, *, expect: str = "mapping") -> Document:
    """Read a YAML or JSON file (by its extension) into a Document; the top level must be a mapping."""
    import hashlib

    text, raw = read_text(path, limits)
    sha256, size = hashlib.sha256(raw).hexdigest(), len(raw)
    del raw  # not held while the text is read: it is as large as the text
    as_json = path.lower().endswith(".json")
    data, source = parse_text(text, path, limits, as_json=as_json)
    if expect == "mapping" and not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise InputError(
            path,
            1,
            1,
            f"the top level is {kind}; expected a mapping of keys to values",
            "start the file with the top-level keys (for a deployment: 'version: 1', 'system:', ...)",
        )
    return Document(path, data, source, sha256, size)
