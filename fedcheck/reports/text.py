"""Render a Result as terminal text for people: failures first, grouped by target."""

from __future__ import annotations

from ..findings import Finding, Result, Status
from ._common import STATUS_WORDS, by_urgency, first_sentence, one_line, summary_line, visible

_RESET = "\x1b[0m"
_COLORS = {
    Status.FAIL: "\x1b[1;31m",
    Status.ERROR: "\x1b[1;35m",
    Status.WAIVED: "\x1b[33m",
    "dim": "\x1b[2m",
    "bold": "\x1b[1m",
    "ok": "\x1b[32m",
}
_LABELS = {Status.FAIL: "FAIL", Status.ERROR: "ERROR", Status.WAIVED: "WAIVED"}
_COUNTED = (Status.MANUAL, Status.INHERITED, Status.PASS, Status.NOT_APPLICABLE)


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, key: object, text: str) -> str:
        if not self.color:
            return text
        return f"{_COLORS[key]}{text}{_RESET}"  # type: ignore[index]


def _clean(text: str) -> str:
    return visible(one_line(text))


def _finding_line(f: Finding, paint: _Painter) -> str:
    where = f"{_clean(str(f.location))}: " if f.location else ""
    label = paint(f.status, _LABELS[f.status])
    return f"{where}{label} {_clean(f.control_id)} {_clean(f.target)}: {_clean(f.message)}"


def _failing_lines(f: Finding, paint: _Painter) -> list[str]:
    lines = ["  " + _finding_line(f, paint)]
    if f.remediation:
        lines.append("      " + paint("dim", f"fix: {visible(first_sentence(f.remediation))}"))
    return lines


def _waived_lines(f: Finding, paint: _Painter) -> list[str]:
    lines = ["  " + _finding_line(f, paint)]
    if f.waiver is not None:
        w = f.waiver
        ref = f"{_clean(w.poam_id)}, " if w.poam_id else ""
        lines.append(
            "      "
            + paint(
                "dim",
                f"waiver: {ref}expires {_clean(w.expires)}, approved by {_clean(w.approved_by)}",
            )
        )
    return lines


def _target_block(target: str, kind: str, findings: list[Finding], paint: _Painter) -> list[str]:
    lines = [paint("bold", f"{_clean(target)} ({_clean(kind)})")]
    for f in by_urgency([f for f in findings if f.is_failing]):
        lines += _failing_lines(f, paint)
    for f in (f for f in findings if f.status is Status.WAIVED):
        lines += _waived_lines(f, paint)
    counted = [(s, sum(1 for f in findings if f.status is s)) for s in _COUNTED]
    rest = ", ".join(f"{n} {STATUS_WORDS[s]}" for s, n in counted if n)
    if rest:
        lines.append(f"  {rest}")
    return lines


def _groups(result: Result) -> dict[tuple[str, str], list[Finding]]:
    """Findings by (target, kind), in the order targets first appear."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in result.findings:
        groups.setdefault((f.target, f.target_kind), []).append(f)
    return groups


def _summary(result: Result, paint: _Painter) -> str:
    text = summary_line(result)
    counts = result.counts()
    failing = counts[Status.FAIL.value] + counts[Status.ERROR.value]
    if not paint.color:
        return text
    return paint(Status.FAIL, text) if failing else paint("ok", text)


def render_text(result: Result, *, color: bool = False, quiet: bool = False) -> str:
    """The terminal report; ANSI colour only when ``color`` is true.

    With ``quiet`` only the failing findings (and errors) are listed, with no header, no counts
    and no summary line: nothing at all when nothing fails.
    """
    if quiet:
        paint = _Painter(color)
        out: list[str] = []
        for f in by_urgency([f for f in result.findings if f.is_failing]):
            out += _failing_lines(f, paint)
        return "".join(
            line.strip() + "\n" if not line.startswith("      ") else line[4:] + "\n"
            for line in out
        )
    paint = _Painter(color)
    system = result.system
    name = _clean(str(system.get("name") or system.get("id") or "system"))
    lines = [
        f"fedcheck {_clean(result.tool_version)}: {name} "
        f"({_clean(str(system.get('id', '')))}), FedRAMP {_clean(result.baseline)} baseline, "
        f"evaluated as of {_clean(result.as_of_date)}",
        "",
    ]
    for (target, kind), findings in _groups(result).items():
        lines += _target_block(target, kind, findings, paint)
        lines.append("")
    if result.notes:
        lines.append("notes:")
        lines += [f"  {_clean(note)}" for note in result.notes]
        lines.append("")
    lines.append(_summary(result, paint))
    return "\n".join(lines) + "\n"


__all__ = ["render_text"]
