"""Hostile input: every class of bad input file is refused the same way, whatever the file is for.

A deployment, a custom control, a profile, a waiver file or a custom template that fedcheck cannot
read must end the run with exit code 2 and a message a user can act on: ``file:LINE:COL: error:``
where a position exists, an indented ``fix:`` line, and never a Python traceback. The cases are
data: the generic classes (YAML syntax, encodings, documents, tags, aliases, nesting, size) are
applied to a valid file of each kind; the classes that depend on a format's fields (versions,
unknown fields, types, enumerations, numbers) are listed per format.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from fedcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]

#: A position is expected but its exact value is not pinned (a syntax error at the end of input).
ANY = -1

DEPLOYMENT = """\
version: 1
system: {id: demo, impact_level: moderate}
components:
  - id: web
    type: web_app
    access: {session_timeout_minutes: 15}
"""

CONTROL = """\
id: ORG-7
title: Idle lock
family: ORG
baselines: []
severity: moderate
summary: Components lock idle sessions.
rationale: An unattended session lets anyone act as its user.
remediation: Set access.session_timeout_minutes to 15 or less.
parameters:
  max_idle_minutes:
    description: Longest idle period, in minutes.
    value: 15
    stricter: lower
rules:
  - target: component
    checks:
      - name: idle-lock
        assert: {field: access.session_timeout_minutes, at_most: $max_idle_minutes}
        message: "locks after {actual} minutes"
examples:
  pass:
    - name: fifteen_minutes
      deployment:
        components:
          - {id: portal, type: web_app, access: {session_timeout_minutes: 15}}
  fail:
    - name: thirty_minutes
      deployment:
        components:
          - {id: portal, type: web_app, access: {session_timeout_minutes: 30}}
      finding: {target: portal, path: access.session_timeout_minutes}
"""

PROFILE = """\
name: Demo tailoring
baseline: moderate
remove:
  - control: AC-18
    justification: No wireless access exists inside the boundary.
    approved_by: Authorizing Official
"""

WAIVERS = """\
waivers:
  - control: AC-11
    target: web
    type: poam
    poam_id: POAM-1
    justification: The session lock moves to the identity provider's policy.
    approved_by: ISSO
    approved_on: 2026-11-02
    expires: 2027-01-29
"""


@dataclass(frozen=True)
class Kind:
    """One kind of input file: a valid example, where it goes, and the command that reads it."""

    name: str
    valid: str
    module: str | None  # a module that must exist for this kind to be tested

    def place(self, tmp: Path) -> Path:
        if self.name == "control":
            (tmp / "controls").mkdir(exist_ok=True)
            return tmp / "controls" / "org-7.yaml"
        return tmp / f"{self.name}.yaml"

    def argv(self, path: Path, tmp: Path) -> list[str]:
        if self.name == "deployment":
            return ["check", str(path)]
        deployment = tmp / "ok-deployment.yaml"
        deployment.write_text(DEPLOYMENT, encoding="utf-8")
        option = {"control": "--controls", "profile": "--profile", "waivers": "--waivers"}[
            self.name
        ]
        target = path.parent if self.name == "control" else path
        return ["check", str(deployment), "--quiet", option, str(target)]


KINDS = {
    "deployment": Kind("deployment", DEPLOYMENT, None),
    "control": Kind("control", CONTROL, None),
    "profile": Kind("profile", PROFILE, "fedcheck.profiles"),
    "waivers": Kind("waivers", WAIVERS, "fedcheck.waivers"),
}


@dataclass(frozen=True)
class Case:
    """A hostile file: its bytes (built from a valid file's text), the message, the position."""

    name: str
    build: Callable[[str], bytes]
    message: str
    line: int | None  # None: the problem is the file as a whole, no position is claimed
    column: int | None = None


def _lines(text: str) -> int:
    return text.count("\n")


def _billion_laughs(text: str) -> bytes:
    lines = ["x-lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"x-lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return (text + "\n".join(lines) + "\n").encode()


GENERIC: list[Case] = [
    Case(
        "malformed_yaml",
        lambda t: (t + "broken: [unclosed, list\n").encode(),
        "malformed YAML",
        ANY,
    ),
    Case("unclosed_quote", lambda t: (t + 'broken: "no end\n').encode(), "malformed YAML", ANY),
    Case(
        "tab_indentation",
        lambda t: (t + "x-tabbed:\n\tkey: value\n").encode(),
        "malformed YAML",
        ANY,
    ),
    Case("empty_file", lambda t: b"", "the file is empty", 1, 1),
    Case("only_whitespace", lambda t: b"  \n\n", "the file is empty", 1, 1),
    Case("only_a_comment", lambda t: b"# nothing here\n", "the file is empty", 1, 1),
    Case(
        "several_documents",
        lambda t: (t + "---\n" + t).encode(),
        "more than one YAML document",
        ANY,
    ),
    Case(
        "top_level_scalar", lambda t: b"just a sentence\n", "the top level is a single value", 1, 1
    ),
    Case("top_level_number", lambda t: b"42\n", "the top level is a single value", 1, 1),
    Case("top_level_list", lambda t: b"- a\n- b\n", "the top level is a list", 1, 1),
    Case(
        "latin1_not_utf8",
        lambda t: (t + "# caf\xe9\n").encode("latin-1"),
        "not valid UTF-8 (byte 0xe9)",
        _lines(DEPLOYMENT) + 1,
    ),
    Case("utf16", lambda t: t.encode("utf-16"), "encoded as UTF-16", 1, 1),
    Case("utf16_without_bom", lambda t: t.encode("utf-16-le"), "UTF-16 or UTF-32", 1, 1),
    Case("utf32", lambda t: t.encode("utf-32"), "encoded as UTF-32", 1, 1),
    Case("nul_byte", lambda t: (t + "x-nul: a\x00b\n").encode(), "U+0000", ANY),
    Case("control_character", lambda t: (t + 'x-bell: "\x07"\n').encode(), "U+0007", ANY),
    Case(
        "duplicate_top_level_key",
        lambda t: (t + t.splitlines()[0] + "\n").encode(),
        "duplicate key",
        ANY,
    ),
    Case(
        "duplicate_nested_key",
        lambda t: (t + "x-dup:\n  a: 1\n  a: 2\n").encode(),
        "duplicate key 'a'",
        ANY,
    ),
    Case("yaml11_no", lambda t: (t + "x-flag: no\n").encode(), "'no' is ambiguous", ANY),
    Case("yaml11_yes", lambda t: (t + "x-flag: yes\n").encode(), "'yes' is ambiguous", ANY),
    Case("yaml11_on", lambda t: (t + "x-flag: on\n").encode(), "'on' is ambiguous", ANY),
    Case("yaml11_off", lambda t: (t + "x-flag: Off\n").encode(), "'Off' is ambiguous", ANY),
    Case("leading_zero_octal", lambda t: (t + "x-mode: 0755\n").encode(), "octal", ANY),
    Case(
        "python_object_tag",
        lambda t: (t + "x-evil: !!python/object/apply:os.system [echo pwned]\n").encode(),
        "is not allowed",
        ANY,
    ),
    Case(
        "python_name_tag",
        lambda t: (t + "x-evil: !!python/name:os.system ''\n").encode(),
        "is not allowed",
        ANY,
    ),
    Case(
        "binary_tag", lambda t: (t + "x-blob: !!binary aGVsbG8=\n").encode(), "is not allowed", ANY
    ),
    Case("set_tag", lambda t: (t + "x-set: !!set {a: null}\n").encode(), "is not allowed", ANY),
    Case("alias_to_nothing", lambda t: (t + "x-ref: *nowhere\n").encode(), "names no anchor", ANY),
    Case("billion_laughs", _billion_laughs, "alias bomb", ANY),
    Case("list_as_key", lambda t: (t + "[a, b]: c\n").encode(), "key must be a plain string", ANY),
]


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(
    code: int, err: str, path: Path, message: str, line: int | None, column: int | None = None
) -> None:
    """Exit 2, the message, a fix line, no traceback, and the position where one exists."""
    assert code == 2, err
    assert "Traceback" not in err
    assert "internal error" not in err, err
    assert message in err, err
    assert "\n    fix: " in err, err
    if line is None:
        assert f"{path}: error:" in err or f"error: {path}" in err or str(path) in err, err
    elif line == ANY:
        assert f"{path}:" in err and ": error: " in err, err
        head = err.split(f"{path}:", 1)[1].split(": error:", 1)[0]
        row, _, col = head.partition(":")
        assert row.isdigit() and col.isdigit(), err
    else:
        expected = f"{path}:{line}:{column}: error:" if column else f"{path}:{line}:"
        assert expected in err, err


def _kind(name: str) -> Kind:
    kind = KINDS[name]
    if kind.module:
        pytest.importorskip(kind.module)
    return kind


@pytest.mark.parametrize("case", GENERIC, ids=lambda c: c.name)
@pytest.mark.parametrize("kind_name", list(KINDS))
def test_generic_hostile_file_is_refused_with_a_located_fix(
    kind_name: str, case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = _kind(kind_name)
    path = _write(kind.place(tmp_path), case.build(kind.valid))
    code, _, err = _run(kind.argv(path, tmp_path), capsys)
    line = case.line
    if case.name == "latin1_not_utf8":
        line = _lines(kind.valid) + 1
    assert_refused(code, err, path, case.message, line, case.column)


@pytest.mark.parametrize("kind_name", list(KINDS))
def test_valid_base_files_are_accepted(
    kind_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The hostile cases are built from these; were a base refused, every case would pass vacuously.
    kind = _kind(kind_name)
    path = _write(kind.place(tmp_path), kind.valid.encode())
    code, _, err = _run([*kind.argv(path, tmp_path), "--quiet"], capsys)
    assert code in (0, 1), err


def test_python_tags_never_run_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "pwned"
    path = _write(
        tmp_path / "deployment.yaml",
        (DEPLOYMENT + f"x-evil: !!python/object/apply:os.mkdir ['{marker}']\n").encode(),
    )
    code, _, err = _run(["check", str(path)], capsys)
    assert_refused(code, err, path, "is not allowed", _lines(DEPLOYMENT) + 1, 9)
    assert not marker.exists()


def test_alias_bomb_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Ten levels of ten aliases: 10**10 values if expanded. The node budget refuses it after a few
    # million; the time is printed, not asserted (`pytest -s` shows it), because CI machines vary.
    path = _write(tmp_path / "deployment.yaml", _billion_laughs(DEPLOYMENT))
    started = time.perf_counter()
    code, _, err = _run(["check", str(path)], capsys)
    elapsed = time.perf_counter() - started
    print(f"alias bomb refused in {elapsed:.2f}s")
    assert_refused(code, err, path, "alias bomb", ANY)
    assert "FEDCHECK_MAX_NODES" in err


def test_node_budget_is_configurable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "deployment.yaml", DEPLOYMENT.encode())
    monkeypatch.setenv("FEDCHECK_MAX_NODES", "5")
    code, _, err = _run(["check", str(path)], capsys)
    assert_refused(code, err, path, "more than 5 values", ANY)


# --- deep nesting: in a subprocess, because a crashed interpreter would take pytest with it ---

DEEP = 100_000


def _deep(style: str) -> str:
    if style == "flow":
        return "x-deep: " + "[" * DEEP + "]" * DEEP + "\n"
    if style == "block":
        return "x-deep:\n" + "- " * DEEP + "leaf\n"
    if style == "mapping":
        return "x-deep: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n"
    raise ValueError(style)


def _subprocess(argv: list[str], tmp: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDCHECK_")} | extra
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "fedcheck", *argv],
        capture_output=True,
        text=True,
        cwd=tmp,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize("style", ["flow", "block", "mapping"])
@pytest.mark.parametrize("kind_name", list(KINDS))
def test_nesting_100000_deep_is_refused_not_crashed(
    kind_name: str, style: str, tmp_path: Path
) -> None:
    kind = _kind(kind_name)
    path = _write(kind.place(tmp_path), (kind.valid + _deep(style)).encode())
    proc = _subprocess(kind.argv(path, tmp_path), tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    # The top-level mapping is level 1 and x-deep's value level 2, so the 64th opening of the
    # value is level 65: the error points there, never where libyaml's own (deeper) limit of
    # flow nesting stops its scanner.
    line = kind.valid.count("\n") + 1
    position = {
        "flow": (line, 9 + 63),
        "mapping": (line, 9 + 63 * 4),
        "block": (line + 1, 1 + 63 * 2),
    }
    assert_refused(
        proc.returncode, proc.stderr, path, "nesting deeper than 64 levels", *position[style]
    )
    assert "FEDCHECK_MAX_DEPTH" in proc.stderr


def test_flow_nesting_past_libyaml_s_own_limit_names_that_limit(tmp_path: Path) -> None:
    path = _write(tmp_path / "deployment.yaml", (DEPLOYMENT + _deep("flow")).encode())
    proc = _subprocess(["check", str(path)], tmp_path, FEDCHECK_MAX_DEPTH="5000")
    assert_refused(
        proc.returncode, proc.stderr, path, "flow nesting deeper than the YAML reader accepts", ANY
    )
    assert "FEDCHECK_MAX_DEPTH is 5000" in proc.stderr and "cannot be raised" in proc.stderr


def test_deep_json_is_refused_with_its_position(tmp_path: Path) -> None:
    body = '{"version": 1, "system": {"id": "demo", "name": ' + "[" * DEEP + "]" * DEEP + "}}"
    path = _write(tmp_path / "deployment.json", body.encode())
    proc = _subprocess(["check", str(path)], tmp_path)
    # The object and "system" are levels 1 and 2, so the 63rd bracket is the 65th level.
    column = body.index("[") + 1 + 62
    assert_refused(proc.returncode, proc.stderr, path, "nesting deeper than 64 levels", 1, column)


def test_depth_limit_is_configurable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "deployment.yaml", DEPLOYMENT.encode())
    monkeypatch.setenv("FEDCHECK_MAX_DEPTH", "2")
    code, _, err = _run(["check", str(path)], capsys)
    # components (level 1 inside the top level) holds the mapping of web: the third level.
    assert_refused(code, err, path, "nesting deeper than 2 levels", 4, 5)


# --- the file as a whole: size, directories, absence ---------------------------------------


@pytest.mark.parametrize("kind_name", list(KINDS))
def test_file_above_the_size_limit_is_refused(
    kind_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = _kind(kind_name)
    # Bundled control files are a few kilobytes, so a limit of 100 kB refuses only this file.
    padding = "# padding\n" * 20_000
    path = _write(kind.place(tmp_path), (kind.valid + padding).encode())
    code, _, err = _run([*kind.argv(path, tmp_path), "--max-file-bytes", "100000"], capsys)
    assert_refused(code, err, path, "larger than the limit of 100,000 bytes", None)
    assert "--max-file-bytes" in err


def test_size_limit_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "deployment.yaml", DEPLOYMENT.encode())
    monkeypatch.setenv("FEDCHECK_MAX_FILE_BYTES", "50")
    code, _, err = _run(["check", str(path)], capsys)
    assert_refused(code, err, path, "larger than the limit of 50 bytes", None)


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_nonsense_limit_is_a_usage_error(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "deployment.yaml", DEPLOYMENT.encode())
    monkeypatch.setenv("FEDCHECK_MAX_DEPTH", value)
    code, _, err = _run(["check", str(path)], capsys)
    assert code == 2 and "FEDCHECK_MAX_DEPTH must be a positive integer" in err
    assert "fix:" in err and "Traceback" not in err


@pytest.mark.parametrize("kind_name", list(KINDS))
def test_missing_file_is_refused(
    kind_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = _kind(kind_name)
    path = kind.place(tmp_path)
    if kind_name == "control":
        path = tmp_path / "no-such-dir" / "org-7.yaml"
    code, _, err = _run(kind.argv(path, tmp_path), capsys)
    assert code == 2, err
    assert "Traceback" not in err and "fix:" in err
    assert "no such file" in err or "no such control directory" in err, err


@pytest.mark.parametrize("kind_name", list(KINDS))
def test_directory_given_for_a_file_is_refused(
    kind_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = _kind(kind_name)
    if kind_name == "control":
        # --controls wants a directory: a file given there is the mirror mistake.
        path = _write(tmp_path / "org-7.yaml", CONTROL.encode())
        argv = [
            "check",
            str(_write(tmp_path / "d.yaml", DEPLOYMENT.encode())),
            "--controls",
            str(path),
        ]
    else:
        path = tmp_path / f"{kind_name}.yaml"
        path.mkdir()  # a directory with a file's name, and no YAML inside
        argv = kind.argv(path, tmp_path)
        if kind_name == "deployment":
            argv = ["check", str(path)]
    code, _, err = _run(argv, capsys)
    assert code == 2, err
    assert "Traceback" not in err and "fix:" in err and str(path) in err, err


# --- format-specific classes ---------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """A valid file with one text substitution, the message it must produce, and where."""

    name: str
    old: str
    new: str
    message: str
    line: int | None
    column: int | None = None
    fix: str | None = None


DEPLOYMENT_EDITS = [
    Edit("version_2", "version: 1", "version: 2", "unsupported version 2", 1, 10),
    Edit("version_string", "version: 1", 'version: "1"', "unsupported version '1'", 1, 10),
    Edit(
        "version_decimal",
        "version: 1",
        "version: 1.0",
        "unsupported version 1.0",
        1,
        10,
        fix="an integer",
    ),
    Edit("version_boolean", "version: 1", "version: true", "unsupported version true", 1, 10),
    Edit("version_missing", "version: 1\n", "", "does not say which version", 1, 1),
    Edit(
        "unknown_field_did_you_mean",
        "session_timeout_minutes",
        "session_timout_minutes",
        "unknown field 'session_timout_minutes'",
        6,
        14,
        fix="did you mean 'session_timeout_minutes'?",
    ),
    Edit(
        "unknown_top_level_field",
        "components:",
        "componets:",
        "unknown field 'componets'",
        3,
        1,
        fix="did you mean 'components'?",
    ),
    Edit(
        "wrong_type_units", "minutes: 15}", "minutes: 15m}", 'expected an integer, got "15m"', 6, 39
    ),
    Edit(
        "wrong_type_quoted_number", "minutes: 15}", 'minutes: "15"}', "expected an integer", 6, 39
    ),
    Edit(
        "wrong_type_list_for_mapping",
        "access: {session_timeout_minutes: 15}",
        "access: [15]",
        "expected a mapping of fields, got a list",
        6,
        13,
    ),
    Edit(
        "wrong_type_components_scalar",
        "components:\n  - id: web\n    type: web_app\n    access: {session_timeout_minutes: 15}\n",
        "components: web\n",
        "expected a list",
        3,
        13,
    ),
    Edit(
        "out_of_enum",
        "type: web_app",
        "type: web-app",
        "'web-app' is not one of",
        5,
        11,
        fix="did you mean 'web_app'?",
    ),
    Edit(
        "out_of_enum_level",
        "impact_level: moderate",
        "impact_level: Moderate",
        "'Moderate' is not one of low, moderate, high",
        2,
        34,
    ),
    Edit("negative_number", "minutes: 15}", "minutes: -5}", "-5 is below the minimum of 0", 6, 39),
    Edit("absurd_number", "minutes: 15}", "minutes: 99999999}", "absurdly large", 6, 39),
    Edit("absurd_digits", "minutes: 15}", "minutes: 1" + "0" * 40 + "}", "absurdly large", 6, 39),
    Edit(
        "infinite_number", "minutes: 15}", "minutes: .inf}", "expected an integer, got inf", 6, 39
    ),
    Edit(
        "yaml11_boolean_in_a_boolean_field",
        "access: {session_timeout_minutes: 15}",
        "network: {public: no}",
        "'no' is ambiguous",
        6,
        23,
        fix="write false",
    ),
    Edit(
        "yaml11_on_in_a_boolean_field",
        "access: {session_timeout_minutes: 15}",
        "network: {public: on}",
        "'on' is ambiguous",
        6,
        23,
        fix="write true",
    ),
    Edit(
        "tls_version_unquoted",
        "access: {session_timeout_minutes: 15}",
        "encryption: {in_transit: {tls_min_version: 1.2}}",
        "expected a string, got the number 1.2",
        6,
        48,
        fix='quote it: "1.2"',
    ),
    Edit(
        "tls_version_1_0_as_float",
        "access: {session_timeout_minutes: 15}",
        "encryption: {in_transit: {tls_min_version: 1.0}}",
        "expected a string, got the number 1.0",
        6,
        48,
    ),
    Edit(
        "python_tag_on_a_field",
        "type: web_app",
        "type: !!python/object:os.system web_app",
        "is not allowed",
        5,
        11,
    ),
    Edit(
        "system_missing",
        "system: {id: demo, impact_level: moderate}\n",
        "",
        "system is required",
        1,
        1,
    ),
    Edit(
        "bad_system_id", "id: demo,", "id: Demo System,", "does not have the expected form", 2, 14
    ),
    Edit(
        "duplicate_id", "components:\n", "components:\n  - {id: web}\n", "duplicate id 'web'", ANY
    ),
    Edit(
        "flow_to_nowhere",
        "components:\n",
        "data_flows: [{id: f1, from: web, to: wbe}]\ncomponents:\n",
        "names 'wbe', which is no component",
        3,
        38,
        fix="did you mean 'web'?",
    ),
]


@pytest.mark.parametrize("edit", DEPLOYMENT_EDITS, ids=lambda e: e.name)
def test_deployment_field_errors_are_located(
    edit: Edit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert edit.old in DEPLOYMENT
    path = _write(tmp_path / "deployment.yaml", DEPLOYMENT.replace(edit.old, edit.new, 1).encode())
    code, _, err = _run(["check", str(path)], capsys)
    assert_refused(code, err, path, edit.message, edit.line, edit.column)
    if edit.fix:
        assert edit.fix in err, err


JSON_DEPLOYMENT = '{"version": 1, "system": {"id": "demo", "impact_level": "moderate"}}'


@pytest.mark.parametrize(
    "body,message,line",
    [
        ('{"version": 1, "system": {"id": "demo"', "malformed JSON", 1),
        ('{"version": 1, "version": 1, "system": {"id": "demo"}}', "duplicate key 'version'", 1),
        ('{"version": 1, "system": {"id": "demo", "impact_level": NaN}}', "malformed JSON", None),
        ("[1, 2]", "the top level is a list", 1),
        ("", "the file is empty", 1),
        ('{"version": 1, "system": {"id": "demo", "impact_levl": "low"}}', "did you mean", 1),
    ],
)
def test_json_deployment_errors(
    body: str, message: str, line: int | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "deployment.json", body.encode())
    code, _, err = _run(["check", str(path)], capsys)
    assert_refused(code, err, path, message, line)


def test_a_flood_of_errors_is_capped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path / "deployment.yaml",
        (
            DEPLOYMENT.replace("components:", "x-unused:")
            + "components: ["
            + ", ".join(["1"] * 5000)
            + "]\n"
        ).encode(),
    )
    code, _, err = _run(["check", str(path)], capsys)
    assert_refused(code, err, path, "expected a mapping of fields, got 1", ANY)
    assert err.count(": error: ") == 51, err[-500:]
    assert "more problems not shown" in err


CONTROL_EDITS = [
    Edit(
        "unknown_optional_field",
        "summary:",
        "sumary:",
        "unknown key 'sumary'",
        6,
        1,
        fix="did you mean 'summary'?",
    ),
    Edit(
        "out_of_enum_severity",
        "severity: moderate",
        "severity: hihg",
        "'hihg' is not one of",
        5,
        11,
    ),
    Edit(
        "wrong_type_baselines",
        "baselines: []",
        "baselines: moderate",
        "is not of type 'array'",
        4,
        12,
    ),
    Edit("wrong_type_id", "id: ORG-7", "id: 7", "is not of type 'string'", 1, 5),
    Edit(
        "typo_in_a_check_path",
        "session_timeout_minutes, at_most",
        "session_timout_minutes, at_most",
        "unknown field 'session_timout_minutes'",
        18,
        25,
        fix="did you mean 'session_timeout_minutes'?",
    ),
    Edit("parameter_of_the_wrong_type", "value: 15", 'value: "15"', "must be a number", ANY),
    Edit("version_key", "id: ORG-7", "version: 2\nid: ORG-7", "unknown key 'version'", 1, 1),
]


@pytest.mark.parametrize("edit", CONTROL_EDITS, ids=lambda e: e.name)
def test_control_file_errors_are_located(
    edit: Edit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = KINDS["control"]
    assert edit.old in CONTROL
    path = _write(kind.place(tmp_path), CONTROL.replace(edit.old, edit.new, 1).encode())
    code, _, err = _run(kind.argv(path, tmp_path), capsys)
    assert_refused(code, err, path, edit.message, edit.line, edit.column)
    if edit.fix:
        assert edit.fix in err, err


def test_misspelt_required_control_key_gets_a_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = KINDS["control"]
    path = _write(kind.place(tmp_path), CONTROL.replace("severity:", "severty:").encode())
    code, _, err = _run(kind.argv(path, tmp_path), capsys)
    assert code == 2 and "did you mean 'severity'?" in err, err


PROFILE_EDITS = [
    Edit("unknown_field", "name:", "nmae:", "unknown key 'nmae'", 1, 1, fix="did you mean 'name'?"),
    Edit(
        "out_of_enum_baseline",
        "baseline: moderate",
        "baseline: hihg",
        "'hihg' is not one of",
        2,
        11,
    ),
    Edit(
        "wrong_type_remove", "remove:\n", "remove: AC-18\nx-rest:\n", "is not of type 'array'", 3, 9
    ),
    Edit("unknown_control", "control: AC-18", "control: AC-999", "unknown control 'AC-999'", 4, 14),
    Edit(
        "absurd_parameter",
        "remove:",
        "parameters: {AC-11: {max_idle_minutes: 99999999}}\nremove:",
        "looser than the FedRAMP",
        3,
        40,
    ),
    Edit(
        "parameter_as_a_string",
        "remove:",
        'parameters: {AC-11: {max_idle_minutes: "15"}}\nremove:',
        'got "15"',
        3,
        40,
    ),
    Edit("version_key", "name:", "version: 2\nname:", "unknown key 'version'", 1, 1),
]


@pytest.mark.parametrize("edit", PROFILE_EDITS, ids=lambda e: e.name)
def test_profile_errors_are_located(
    edit: Edit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = _kind("profile")
    assert edit.old in PROFILE
    path = _write(kind.place(tmp_path), PROFILE.replace(edit.old, edit.new, 1).encode())
    code, _, err = _run(kind.argv(path, tmp_path), capsys)
    assert_refused(code, err, path, edit.message, edit.line, edit.column)
    if edit.fix:
        assert edit.fix in err, err


def test_negative_profile_parameter_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = _kind("profile")
    path = _write(
        kind.place(tmp_path),
        PROFILE.replace("remove:", "parameters: {AC-11: {max_idle_minutes: -5}}\nremove:").encode(),
    )
    code, _, err = _run(kind.argv(path, tmp_path), capsys)
    assert_refused(code, err, path, "-5", 3, 40)


WAIVER_EDITS = [
    Edit(
        "unknown_field",
        "poam_id:",
        "poam_idd:",
        "unknown key 'poam_idd'",
        5,
        5,
        fix="did you mean 'poam_id'?",
    ),
    Edit("out_of_enum_type", "type: poam", "type: poamm", "'poamm' is not one of", 4, 11),
    Edit(
        "impossible_date",
        "expires: 2027-01-29",
        "expires: 2027-02-30",
        "is not a date in the form YYYY-MM-DD",
        9,
        14,
    ),
    Edit(
        "date_as_a_number",
        "expires: 2027-01-29",
        "expires: 20270129",
        "is not of type 'string'",
        9,
        14,
    ),
    Edit("wrong_type_target", "target: web", "target: 5", "is not of type 'string'", 3, 13),
    Edit("unknown_control", "control: AC-11", "control: AC-999", "unknown control 'AC-999'", 2, 14),
    Edit(
        "expiry_beyond_the_deadline",
        "expires: 2027-01-29",
        "expires: 2099-01-29",
        "is due at most 180 days after its weakness was detected",
        9,
        14,
    ),
    Edit(
        "waivers_not_a_list", "waivers:\n", "waivers: {}\nx-rest:\n", "is not of type 'array'", ANY
    ),
    Edit("version_key", "waivers:", "version: 2\nwaivers:", "unknown key 'version'", 1, 1),
]


@pytest.mark.parametrize("edit", WAIVER_EDITS, ids=lambda e: e.name)
def test_waiver_file_errors_are_located(
    edit: Edit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = _kind("waivers")
    assert edit.old in WAIVERS
    path = _write(kind.place(tmp_path), WAIVERS.replace(edit.old, edit.new, 1).encode())
    code, _, err = _run(kind.argv(path, tmp_path), capsys)
    assert_refused(code, err, path, edit.message, edit.line, edit.column)
    if edit.fix:
        assert edit.fix in err, err


# --- custom templates ----------------------------------------------------------------------

TEMPLATES = [
    ("syntax_error", "# {{ result.system.id }}\n{% if %}\n", True),
    ("unclosed_block", "{% for f in result.findings %}\n{{ f.control_id }}\n", True),
    ("python_escape", "{{ cycler.__init__.__globals__.os.popen('echo PWNED').read() }}\n", False),
    ("class_walk", "{{ ''.__class__.__mro__[1].__subclasses__() }}\n", False),
    ("unbounded_range", "{% for i in range(10 ** 12) %}x{% endfor %}\n", False),
    ("unbounded_recursion", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}\n", False),
    ("read_outside_its_directory", '{% include "../secret.txt" %}\n', False),
    ("absolute_include", '{% include "/etc/passwd" %}\n', False),
]


def _require_markdown_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Skip until the markdown report renders: the template cases need a working renderer."""
    pytest.importorskip("fedcheck.reports")
    deployment = _write(tmp_path / "plain.yaml", DEPLOYMENT.encode())
    code, _, err = _run(["check", str(deployment), "--format", "markdown"], capsys)
    if "internal error" in err:
        pytest.skip(f"the markdown report does not render yet: {err.strip().splitlines()[0]}")


@pytest.mark.parametrize("name,body,located", TEMPLATES, ids=[t[0] for t in TEMPLATES])
def test_hostile_template_is_refused(
    name: str, body: str, located: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _require_markdown_reports(tmp_path, capsys)
    (tmp_path / "secret.txt").write_text("TOPSECRET", encoding="utf-8")
    templates = tmp_path / "templates"
    template = _write(templates / "report.md.j2", body.encode())
    deployment = _write(tmp_path / "d.yaml", DEPLOYMENT.encode())
    output = tmp_path / "report.md"
    code, out, err = _run(
        [
            "check",
            str(deployment),
            "--format",
            "markdown",
            "--output",
            str(output),
            "--template",
            str(template),
        ],
        capsys,
    )
    assert code == 2, err
    assert "Traceback" not in err and "fix:" in err and str(template) in err, err
    if located:
        assert f"{template}:" in err and ": error:" in err
    for leak in ("TOPSECRET", "PWNED", "root:"):
        assert leak not in out and leak not in err
    assert not output.exists()


@pytest.mark.parametrize("problem", ["missing", "directory"])
def test_template_that_is_not_a_file_is_refused(
    problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _require_markdown_reports(tmp_path, capsys)
    template = tmp_path / "report.md.j2"
    if problem == "directory":
        template.mkdir()
    deployment = _write(tmp_path / "d.yaml", DEPLOYMENT.encode())
    code, _, err = _run(
        ["check", str(deployment), "--format", "markdown", "--template", str(template)], capsys
    )
    assert code == 2 and "Traceback" not in err and "fix:" in err, err
