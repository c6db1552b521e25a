"""Small helpers every report format shares: family names, ordering, sentences, safe text."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..families import FAMILY_TITLES
from ..findings import STATUS_ORDER, Finding, Result, Status
from ..text import neutralize

#: How each status reads in a count ("3 failed") and as a label ("FAIL").
STATUS_WORDS: dict[Status, str] = {
    Status.FAIL: "failed",
    Status.ERROR: "errors",
    Status.PASS: "passed",
    Status.WAIVED: "waived",
    Status.MANUAL: "manual",
    Status.INHERITED: "inherited",
    Status.NOT_APPLICABLE: "not applicable",
}
STATUS_LABELS: dict[Status, str] = {
    Status.FAIL: "Fail",
    Status.ERROR: "Error",
    Status.PASS: "Pass",
    Status.WAIVED: "Waived",
    Status.MANUAL: "Manual",
    Status.INHERITED: "Inherited",
    Status.NOT_APPLICABLE: "Not applicable",
}
#: The order of the summary line: failures first, as a person reads it.
SUMMARY_ORDER: tuple[Status, ...] = (
    Status.FAIL,
    Status.ERROR,
    Status.PASS,
    Status.WAIVED,
    Status.MANUAL,
    Status.INHERITED,
    Status.NOT_APPLICABLE,
)

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")
# A sentence ends at . ! or ? before a space and a word that is not lower case ("e.g." is no end).
_SENTENCE_END = re.compile(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s(?![a-z])")


def family_title(family: str) -> str:
    return FAMILY_TITLES.get(family.upper(), family)


def summary_line(result: Result) -> str:
    """``12 failed, 3 errors, 40 passed, 2 waived, 350 manual, 0 inherited, 5 not applicable
    (baseline high)``: every status, failures first."""
    counts = result.counts()
    parts = [f"{counts[s.value]} {_word(s, counts[s.value])}" for s in SUMMARY_ORDER]
    return f"{', '.join(parts)} (baseline {result.baseline})"


def _word(status: Status, count: int) -> str:
    return "error" if status is Status.ERROR and count == 1 else STATUS_WORDS[status]


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) to single spaces."""
    return _WHITESPACE.sub(" ", text).strip()


@lru_cache(maxsize=16_384)  # a control's remediation is the same on every target
def first_sentence(text: str) -> str:
    """The first sentence of ``text`` on one line (all of it when it has no sentence end)."""
    flat = one_line(text)
    return _SENTENCE_END.split(flat, maxsplit=1)[0]


@lru_cache(maxsize=16_384)  # ids, titles, labels and severities repeat on every row
def visible(text: str) -> str:
    """``text`` with control characters, bidirectional overrides and zero-width characters
    shown as escapes, so they cannot drive a terminal or hide what the text says."""
    return neutralize(text, multiline=True)


@lru_cache(maxsize=16_384)  # family names, statuses, severities repeat on every testcase
def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold, nor any that could drive a terminal
    or hide what it says (each shown as an escape instead)."""
    text = neutralize(text, multiline=True)
    return _XML_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def show_value(value: Any) -> str:
    """A value read from a deployment, as one line of text (JSON for anything but a string)."""
    if isinstance(value, str):
        return value
    kind = type(value)
    # The scalars most evidence holds, as json.dumps writes them (without its set-up cost).
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


_STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}


def status_rank(finding: Finding) -> int:
    return _STATUS_RANK[finding.status]


def by_urgency(findings: list[Finding]) -> list[Finding]:
    """Errors, then failures by descending severity; the Result's order within each."""
    return sorted(findings, key=lambda f: (status_rank(f), -f.severity.rank))


def fingerprint(*parts: str) -> str:
    """A stable hex digest of ``parts``."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def inputs_digest(result: Result) -> str:
    """A digest of what the run read (inputs, catalog, baseline, system): equal inputs give
    equal identifiers in every format."""
    parts = [result.baseline, result.catalog_sha256, str(result.system.get("id", ""))]
    parts += [f"{i.role}:{i.path}:{i.sha256}" for i in result.inputs]
    return fingerprint(*parts)


_COMPACT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
# JSONEncoder.encode builds a new C encoder on every call; a report encodes hundreds of
# thousands of small values, so one C encoder is built here and called directly. Its output is
# the same as _COMPACT_ENCODER.encode's (which uses the same C encoder when it is available).
_MAKE_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODER = (
    _MAKE_ENCODER(
        None,  # no check for circular references: reports are trees built by fedcheck
        _COMPACT_ENCODER.default,
        json.encoder.encode_basestring,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    if _MAKE_ENCODER is not None
    else None
)
_ENCODE_STR = json.encoder.encode_basestring


class RawJSON(str):
    """Text that is already JSON (as ``compact_json`` writes it): ``compact_json`` and
    ``pretty_json`` write it as is. Only an item of a list, or a value of a dict, that
    ``pretty_json`` itself lays out may be one (the C encoder would quote it as a string)."""

    __slots__ = ()


def compact_json(value: Any) -> str:
    """``value`` as JSON on one line (``", "`` and ``": "`` separators, non-ASCII kept)."""
    kind = type(value)
    if kind is str:
        return _ENCODE_STR(value)
    if kind is RawJSON:
        return value  # type: ignore[no-any-return]
    if _C_ENCODER is None:
        return _COMPACT_ENCODER.encode(value)
    return "".join(_C_ENCODER(value, 0))


def pretty_json(value: Any, levels: int = 4) -> str:
    """JSON indented for its first ``levels`` levels, each deeper value on one line.

    A report of a large system holds hundreds of thousands of entries: Python's JSON encoder
    is many times faster on compact values than with ``indent``, and one entry per line stays
    readable and diffable. Ends with a newline.
    """
    out: list[str] = []
    _pretty(value, levels, "", out)
    out.append("\n")
    return "".join(out)


def _pretty(value: Any, levels: int, pad: str, out: list[str]) -> None:
    if levels <= 0 or not isinstance(value, (dict, list)) or not value:
        out.append(compact_json(value))
        return
    inner = pad + "  "
    if levels == 1:  # the innermost indented level: every item on one line
        is_dict = isinstance(value, dict)
        if isinstance(value, dict):
            parts = [_ENCODE_STR(str(k)) + ": " + compact_json(v) for k, v in value.items()]
        else:
            parts = [compact_json(v) for v in value]
        opening, closing = ("{", "}") if is_dict else ("[", "]")
        # The pieces go to ``out`` as they are: a list of a large report is tens of megabytes,
        # which one join at the end copies once.
        separator = f",\n{inner}"
        out.append(f"{opening}\n{inner}")
        out.append(parts[0])
        for part in parts[1:]:
            out.append(separator)
            out.append(part)
        out.append(f"\n{pad}{closing}")
        return
    if isinstance(value, dict):
        out.append("{")
        first = True
        for key, item in value.items():
            out.append("\n" + inner if first else ",\n" + inner)
            first = False
            out.append(_ENCODE_STR(str(key)) + ": ")
            _pretty(item, levels - 1, inner, out)
        out.append("\n" + pad + "}")
    else:
        out.append("[")
        first = True
        for item in value:
            out.append("\n" + inner if first else ",\n" + inner)
            first = False
            _pretty(item, levels - 1, inner, out)
        out.append("\n" + pad + "]")


# --- summaries of large reports ------------------------------------------------------------

#: A report lists each passing finding, and each not-applicable one, while it has at most this
#: many of that status; with more, that status is summarized per control (docs/reports.md).
LIST_LIMIT = 1_000
#: The statuses a large report summarizes: nothing to act on. Failing, erroring, waived,
#: manual and inherited findings are always listed one by one.
SUMMARIZABLE: tuple[Status, ...] = (Status.PASS, Status.NOT_APPLICABLE)
#: How many target ids a summary row names before "and N more".
SHOWN_TARGETS = 10


@dataclass(frozen=True)
class ControlSummary:
    """The findings of one status of one control, as one row of a large report."""

    control_id: str
    title: str
    family: str
    status: Status
    severity: str
    findings: tuple[Finding, ...]
    targets: tuple[str, ...]  # distinct, in the Result's order

    @property
    def shown(self) -> tuple[str, ...]:
        return self.targets[:SHOWN_TARGETS]

    @property
    def more(self) -> int:
        return max(0, len(self.targets) - SHOWN_TARGETS)


def summarized_statuses(result: Result) -> frozenset[Status]:
    """The statuses that ``result``'s reports summarize per control (more than LIST_LIMIT)."""
    counts = Counter(f.status for f in result.findings)
    return frozenset(s for s in SUMMARIZABLE if counts[s] > LIST_LIMIT)


def summarize(findings: list[Finding]) -> list[ControlSummary]:
    """``findings`` (one status) grouped by control, in the order each control first appears."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.control_id, []).append(f)
    out = []
    for control_id, members in groups.items():
        lead = members[0]
        out.append(
            ControlSummary(
                control_id=control_id,
                title=lead.title,
                family=lead.family,
                status=lead.status,
                severity=lead.severity.value,
                findings=tuple(members),
                targets=tuple(dict.fromkeys(f.target for f in members)),
            )
        )
    return out
