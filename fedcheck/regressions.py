"""Compare two results: which failures are new, resolved or unchanged, and gate on the new ones.

A team with legacy findings gates every change on what it made worse: ``fedcheck diff OLD NEW``
and ``fedcheck check --baseline-result OLD`` fail only when a failure appears that the previous
result did not have. A finding is identified by its control and target. A finding waived in
the previous result counts as not failing there, so a waiver that has since expired shows as a
new failure. An ``error`` finding (a check that broke) always fails the gate, old or new:
nothing was verified. So an ``error`` in the previous result never excuses the same finding
failing now: only a previous ``fail`` makes a failure "unchanged". A new result that verified
nothing fails the gate, and two results of different baselines, rules editions (``Result.rules``:
edition, version, class, VDR) or catalog versions are not compared (the controls one leaves out
would look "resolved").
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

from .catalog import to_oscal
from .errors import InputError
from .findings import Finding, InputFile, Result, Severity, Status


def _key(finding: Finding) -> tuple[str, str]:
    try:
        control = to_oscal(finding.control_id)
    except ValueError:
        control = finding.control_id
    return control, finding.target


@dataclass(frozen=True)
class Diff:
    """New, resolved and unchanged failures between two results, each in the newer order."""

    new: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    unchanged: tuple[Finding, ...]
    errors: tuple[Finding, ...]  # error findings of the new result: they always fail the gate
    waived: tuple[Finding, ...] = ()  # failing before, accepted by a waiver now
    verified: bool = True  # did the new result verify anything automatically?

    @property
    def fails_gate(self) -> bool:
        return bool(self.new or self.errors) or not self.verified

    @property
    def exit_code(self) -> int:
        return 1 if self.fails_gate else 0

    def to_dict(self, old: Result, new: Result) -> dict[str, Any]:
        def side(r: Result) -> dict[str, Any]:
            return {
                "generated_at": r.generated_at,
                "system": r.system.get("id"),
                "baseline": r.baseline,
                "failing": len(r.failing()),
            }

        def rows(findings: tuple[Finding, ...]) -> list[dict[str, Any]]:
            return [
                {
                    "control_id": f.control_id,
                    "target": f.target,
                    "status": f.status.value,
                    "severity": f.severity.value,
                    "message": f.message,
                    "location": f.location.to_dict() if f.location else None,
                }
                for f in findings
            ]

        return {
            "format": "fedcheck-diff",
            "old": side(old),
            "new": side(new),
            "summary": {
                "new": len(self.new),
                "resolved": len(self.resolved),
                "unchanged": len(self.unchanged),
                "errors": len(self.errors),
                "waived": len(self.waived),
            },
            "new_failures": rows(self.new),
            "resolved": rows(self.resolved),
            "unchanged": rows(self.unchanged),
            "errors": rows(self.errors),
            "waived": rows(self.waived),
            "verified": self.verified,
            "gate": "fail" if self.fails_gate else "pass",
        }


def diff(old: Result, new: Result, fail_on: Severity | None = None) -> Diff:
    """Failures of ``new`` (at or above ``fail_on``) against every failure of ``old``."""
    before = {_key(f): f for f in old.findings if f.status in (Status.FAIL, Status.ERROR)}
    # Only a failure judged before is "unchanged": an error verified nothing, so it cannot
    # excuse the same finding failing now.
    failed_before = {k for k, f in before.items() if f.status is Status.FAIL}
    now = [f for f in new.failing(fail_on) if f.status is Status.FAIL]
    now_keys = {_key(f) for f in new.findings if f.status in (Status.FAIL, Status.ERROR)}
    waived = [f for f in new.findings if f.status is Status.WAIVED and _key(f) in before]
    waived_keys = {_key(f) for f in waived}
    return Diff(
        new=tuple(f for f in now if _key(f) not in failed_before),
        resolved=tuple(f for k, f in before.items() if k not in now_keys | waived_keys),
        unchanged=tuple(f for f in now if _key(f) in failed_before),
        errors=tuple(f for f in new.findings if f.status is Status.ERROR),
        waived=tuple(waived),
        verified=new.verified_anything,
    )


def _system_name(system_id: object) -> str:
    """A system as a message names it: its id, or that the result states none."""
    return f"system '{system_id}'" if system_id else "a system with no id"


def _rules_key(result: Result) -> tuple[object, ...] | None:
    """What makes two results' rules the same: edition, version, class and whether VDR ran."""
    rules = result.rules
    if rules is None:
        return None
    return rules.edition, rules.version, rules.cert_class, rules.vdr


def _rules_name(result: Result) -> str:
    return result.rules.label if result.rules is not None else "rules it does not record"


def check_comparable(old: Result, new: Result, source: str | None = None) -> None:
    """Refuse to compare results of two different systems: every failure would look new."""
    a, b = old.system.get("id"), new.system.get("id")
    if a != b:
        raise InputError(
            source or "previous result",
            None,
            None,
            f"the previous result is for {_system_name(a)}, this one for {_system_name(b)}",
            "compare results of the same system",
        )
    if old.baseline != new.baseline:
        raise InputError(
            source or "previous result",
            None,
            None,
            f"the previous result judged the {old.baseline} baseline, this one the "
            f"{new.baseline} baseline: the controls only one of them holds would look new or "
            "resolved",
            "compare two results of the same baseline",
        )
    if _rules_key(old) != _rules_key(new):
        raise InputError(
            source or "previous result",
            None,
            None,
            f"the previous result was judged under {_rules_name(old)}, this one under "
            f"{_rules_name(new)}: the rules only one of them holds (VDR, MAS, changed parameter "
            "values) would look new or resolved",
            "compare two results judged under the same rules: run the previous one again with "
            "the same --rules and --class as this one",
        )
    if old.catalog_version != new.catalog_version:
        raise InputError(
            source or "previous result",
            None,
            None,
            f"the previous result used catalog version {old.catalog_version}, this one "
            f"{new.catalog_version}: controls added or dropped by the catalog would look new "
            "or resolved",
            "produce both results with the same fedcheck version (regenerate the previous one)",
        )


def gate_on_new(
    previous: Result, result: Result, fail_on: Severity | None = None, *, source: str | None = None
) -> tuple[Result, int]:
    """The gate of ``check --baseline-result``: exit 1 only for new failures (or any error, or a
    run that verified nothing); the Result gains a note that says what was compared."""
    check_comparable(previous, result, source)
    d = diff(previous, result, fail_on)
    code = 1 if d.fails_gate else 0
    note = (
        f"compared with the previous result of {previous.generated_at}: "
        f"{len(d.new)} new failing, {len(d.resolved)} resolved, {len(d.unchanged)} unchanged; "
        f"the gate {'fails' if code else 'passes'} on new failures only"
    )
    if d.new:
        note += " (new: " + ", ".join(f"{f.control_id} on {f.target}" for f in d.new) + ")"
    inputs = result.inputs
    if source is not None:
        from .loading import read_text

        _, raw = read_text(source)
        inputs = (*inputs, InputFile("baseline-result", source, hashlib.sha256(raw).hexdigest()))
    return dataclasses.replace(result, notes=(*result.notes, note), inputs=inputs), code


def render_text(d: Diff, old: Result, new: Result) -> str:
    """The diff as lines a person reads in a CI log."""
    out = [f"fedcheck diff: {old.system.get('id')} {old.generated_at} -> {new.generated_at}"]
    for title, findings in (
        ("new failures", d.new),
        ("resolved", d.resolved),
        ("unchanged failures", d.unchanged),
        ("now waived", d.waived),
        ("errors", d.errors),
    ):
        out.append(f"{title} ({len(findings)}):")
        for f in findings:
            where = f"{f.location}: " if f.location else ""
            out.append(f"  {where}{f.status.value.upper()} {f.control_id} {f.target}: {f.message}")
    verdict = (
        "FAIL: new failures"
        if d.new
        else "FAIL: checks that broke"
        if d.errors
        else "FAIL: the new result verified nothing automatically"
        if not d.verified
        else "ok: no new failures"
    )
    out.append(
        f"{len(d.new)} new, {len(d.resolved)} resolved, {len(d.unchanged)} unchanged; {verdict}"
    )
    return "\n".join(out) + "\n"


__all__ = ["Diff", "check_comparable", "diff", "gate_on_new", "render_text"]
