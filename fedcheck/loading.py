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

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
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

    ``marks`` maps ``id(container)`` to the marks of its entries: for a dict, key -> (key mark,
    value mark); for a list, a list of value marks. Marks are libyaml's own objects.
    """

    def __init__(
        self,
        file: str,
        data: Any,
        marks: dict[int, Any] | None,
        text: str | None = None,
        limits: Limits | None = None,
    ):
        self.file = file
        self.data = data
        self._marks = marks
        self._text = text  # kept for JSON input, whose marks are made only when first needed
        self._limits = limits or DEFAULT_LIMITS

    def _ensure(self) -> dict[int, Any]:
        if self._marks is None:
            assert self._text is not None
            self._marks = {}
            try:
                data, source = _read_yaml_text(self._text, self.file, self._limits, positions=True)
            except InputError:
                # Valid JSON that the YAML reader refuses (a key longer than 1024 characters,
                # say): positions fall back to the file's start rather than turn the report
                # of one problem into another.
                return self._marks
            # Re-key the marks onto the containers of the data we already hold: the two trees
            # have the same shape, so walk them together.
            _rekey(self.data, data, source._ensure(), self._marks)
        return self._marks

    def position(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int, bool]:
        """Return (line, column, exact) of the value at ``path`` (1-based).

        Where the path does not exist in full (a field left out), this is the position of the
        deepest part that does exist, and ``exact`` is false. With ``key`` the position of the
        mapping key is given instead of its value.
        """
        marks = self._ensure()
        node = self.data
        line, column = 1, 1
        for depth, part in enumerate(path):
            entries = marks.get(id(node))
            if entries is None:
                return line, column, False
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                key_mark, value_mark = entries[part]
                last = depth == len(path) - 1
                mark = key_mark if (key and last) or value_mark is None else value_mark
                line, column = mark.line + 1, mark.column + 1
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                mark = entries[part]
                line, column = mark.line + 1, mark.column + 1
                node = node[part]
            else:
                return line, column, False
        return line, column, True


def _rekey(ours: Any, theirs: Any, marks: dict[int, Any], out: dict[int, Any]) -> None:
    stack = [(ours, theirs)]
    while stack:
        a, b = stack.pop()
        entries = marks.get(id(b))
        if entries is None:
            continue
        out[id(a)] = entries
        if isinstance(a, dict) and isinstance(b, dict):
            stack.extend((a[k], b[k]) for k in a if k in b)
        elif isinstance(a, list) and isinstance(b, list):
            stack.extend(zip(a, b, strict=False))


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


def _nesting_within(
    exc: yaml.YAMLError, file: str, text: str, limits: Limits, positions: bool
) -> InputError | None:
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
            _read_yaml_text(prefix, file, limits, positions)
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


def _events(text: str) -> Iterator[Any]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def _read_yaml_text(
    text: str, file: str, limits: Limits, positions: bool = True
) -> tuple[Any, SourceMap]:
    marks: dict[int, Any] = {}
    anchors: dict[str, tuple[Any, int]] = {}
    # A frame per open collection: [container, pending key or _NOKEY, key mark, start count,
    # anchor, merges, entries]
    stack: list[list[Any]] = []
    root: Any = _NOKEY
    count = 0
    documents = 0
    max_depth = limits.max_depth
    max_nodes = limits.max_nodes

    try:
        for event in _events(text):
            kind = type(event)
            if kind is ev.ScalarEvent:
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
                        quoted = event.value == "<<" and not event.implicit[0]
                        top[1] = _LiteralKey(event.value) if quoted else event.value
                        top[2] = event.start_mark
                        continue
                if tag is not None and tag not in _STR_TAGS:
                    raise InputError(
                        *_where(file, event.start_mark),
                        f"the YAML tag {tag!r} is not allowed",
                        "remove the tag: fedcheck reads plain data only and never constructs "
                        "objects from a file",
                    )
                if event.implicit[0] and tag is None:
                    value = _resolve_plain(event.value, file, event.start_mark)
                else:
                    value = event.value
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
                size = 1
            elif kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
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
                container: Any = {} if kind is ev.MappingStartEvent else []
                entries: Any = {} if kind is ev.MappingStartEvent else []
                if positions:
                    marks[id(container)] = entries
                stack.append(
                    [container, _NOKEY, None, count, event.anchor, None, entries, event.start_mark]
                )
                continue
            elif kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
                frame = stack.pop()
                value = frame[0]
                merges = frame[5]
                if merges:
                    for merged in merges:
                        for k, v in merged.items():
                            if k not in value:
                                value[k] = v
                                if positions:
                                    frame[6][k] = marks.get(id(merged), {}).get(k, (None, None))
                size = count - frame[3] + 1
                if frame[4] is not None:
                    anchors[frame[4]] = (value, size)
                if not stack:
                    root = value
                    continue
                event = _EndMark(frame[7])
            elif kind is ev.AliasEvent:
                found = anchors.get(event.anchor)
                if found is None:
                    raise InputError(
                        *_where(file, event.start_mark),
                        f"alias *{event.anchor} names no anchor defined before it",
                        "define the anchor (&name) before using it",
                    )
                value, size = found
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
            if type(parent) is dict:
                if top[1] is _NOKEY:
                    raise InputError(
                        *_where(file, event.start_mark),
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
                        top[5] = (top[5] or []) + [value]
                    elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
                        top[5] = (top[5] or []) + list(value)
                    else:
                        raise InputError(
                            *_where(file, top[2]),
                            "a merge key (<<) must name a mapping or a list of mappings",
                            "merge an anchored mapping: <<: *defaults",
                        )
                    continue
                if key in parent:
                    first = top[6].get(key, (None, None))[0] if positions else None
                    seen = f" (first at line {first.line + 1})" if first is not None else ""
                    raise InputError(
                        *_where(file, top[2]),
                        f"duplicate key {key!r}{seen}",
                        "keep one of the two entries: YAML parsers would silently drop the first",
                    )
                parent[key] = value
                if positions:
                    top[6][key] = (top[2], event.start_mark)
            else:
                parent.append(value)
                if positions:
                    top[6].append(event.start_mark)
    except yaml.YAMLError as exc:
        deeper = _nesting_within(exc, file, text, limits, positions)
        raise (deeper or _yaml_error(exc, file, text)) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise InputError(file, None, None, "nesting too deep", "flatten the document") from None

    if root is _NOKEY or documents == 0:
        raise InputError(
            file,
            1,
            1,
            "the file is empty",
            "write a YAML mapping; a deployment description starts with 'version: 1'",
        )
    return root, SourceMap(file, root, marks if positions else None)


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
    deepest = 0
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return deepest


def _read_json_text(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, SourceMap]:
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
    return data, SourceMap(file, data, None, text, limits)


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
    return Document(path, data, source, hashlib.sha256(raw).hexdigest(), len(raw))
