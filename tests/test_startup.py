"""What a fast start must keep: ``fedcheck --version`` answers the package's version without
the command line's imports, the catalog cache is used only when an entry is exactly what a full
load wrote, and a cached catalog judges as the files do."""

from __future__ import annotations

import dataclasses
import importlib
import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

import fedcheck
from fedcheck import catalog as catalog_module
from fedcheck.api import check_file
from fedcheck.catalog import load_catalog
from fedcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
FAILING = ROOT / "examples" / "agency-ai-assistant.yaml"

#: Runs the console script's entry point as pip's script does, then lists what was imported.
PROBE = """\
import re, sys
from {module} import {function}
code = {function}()
sys.stdout.flush()
sys.stderr.write(" ".join(sorted(sys.modules)))
raise SystemExit(code)
"""


def _entry_point() -> tuple[str, str]:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    module, function = scripts["fedcheck"].split(":")
    return module, function


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_the_console_script_prints_the_packages_version_without_the_command_lines_imports() -> None:
    module, function = _entry_point()
    proc = _run([sys.executable, "-c", PROBE.format(module=module, function=function), "--version"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"fedcheck {fedcheck.__version__}\n"
    imported = set(proc.stderr.split())
    assert "fedcheck" in imported
    assert not imported & {"argparse", "typing", "fedcheck.cli", "fedcheck.api", "pydantic"}


def test_the_fast_version_is_what_the_command_line_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"fedcheck {fedcheck.__version__}\n"
    from importlib.metadata import version

    assert fedcheck.__version__ == version("fedcheck")


@pytest.mark.parametrize(
    ("argv", "code", "stream", "expected"),
    [
        (["check", str(EXAMPLE), "--quiet"], 0, "stdout", ""),
        (["--version", "check"], 0, "stdout", "fedcheck "),  # argparse answers this one
        (["--vers"], 0, "stdout", "fedcheck "),
        ([], 2, "stderr", "usage: fedcheck"),
        (["nonsense"], 2, "stderr", "invalid choice"),
    ],
)
def test_every_other_command_line_is_the_command_lines(
    argv: list[str], code: int, stream: str, expected: str
) -> None:
    module, function = _entry_point()
    entry = getattr(importlib.import_module(module), function)
    assert entry.__module__ == "fedcheck._entry"
    proc = _run([sys.executable, "-c", PROBE.format(module=module, function=function), *argv])
    assert proc.returncode == code, proc.stderr
    assert expected in getattr(proc, stream)


def test_python_m_fedcheck_is_the_same_command_line() -> None:
    proc = _run([sys.executable, "-m", "fedcheck", "--version"])
    assert (proc.returncode, proc.stdout) == (0, f"fedcheck {fedcheck.__version__}\n")
    proc = _run([sys.executable, "-m", "fedcheck", "check", str(FAILING), "--quiet"])
    assert proc.returncode == 1, proc.stderr
    proc = _run([sys.executable, "-m", "fedcheck"])
    assert proc.returncode == 2 and "usage: fedcheck" in proc.stderr


def test_the_package_imports_nothing_heavy() -> None:
    proc = _run(
        [sys.executable, "-c", "import sys, fedcheck; print(' '.join(sorted(sys.modules)))"]
    )
    assert proc.returncode == 0, proc.stderr
    assert not set(proc.stdout.split()) & {"typing", "argparse", "fedcheck.api", "pydantic"}


# --- the catalog cache ------------------------------------------------------------------------

CONTROL = """\
id: ORG-9
title: Idle lock
family: ORG
baselines: [high]
severity: moderate
summary: Components lock idle sessions within {$max_idle_minutes} minutes.
rationale: An unattended session lets anyone act as its user.
remediation: Set access.session_timeout_minutes to {$max_idle_minutes} or less.
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


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FEDCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("FEDCHECK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "fedcheck"


@pytest.fixture
def controls(tmp_path: Path) -> Path:
    directory = tmp_path / "controls"
    directory.mkdir()
    (directory / "org-9.yaml").write_text(CONTROL, encoding="utf-8")
    return directory


def _entry(cache: Path, controls: Path) -> Path:
    """The cache entry of the custom directory (the bundled catalog's is the other one)."""
    (entry,) = [e for e in cache.glob("catalog-*.json") if str(controls) in e.read_text()]
    return entry


def _written(data: bytes) -> dict[str, object]:
    """An entry's payload but for when it was written."""
    blob = json.loads(data)
    del blob["digest"], blob["written_ns"]
    return blob  # type: ignore[no-any-return]


def _reads_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The control files the next loads read (a cache hit reads none)."""
    read: list[str] = []
    real = catalog_module.load_control_file

    def counting(path: str, *args: object, **kwargs: object) -> catalog_module.Control:
        read.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_module, "load_control_file", counting)
    return read


def test_a_warm_load_reads_no_control_file(
    cache: Path, controls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_catalog([controls], include_bundled=False)
    read = _reads_files(monkeypatch)
    assert load_catalog([controls], include_bundled=False).get("ORG-9").title == "Idle lock"
    assert read == []


def test_an_entry_edited_to_other_valid_control_data_is_a_miss(
    cache: Path, controls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_catalog([controls], include_bundled=False)
    entry = _entry(cache, controls)
    text = entry.read_text(encoding="utf-8")
    # Still JSON, still a valid control with the layout of an entry: a looser limit and title.
    edited = text.replace('"*": 15', '"*": 45').replace("Idle lock", "Idle lick")
    assert edited != text
    json.loads(edited)
    entry.write_text(edited, encoding="utf-8")
    read = _reads_files(monkeypatch)
    control = load_catalog([controls], include_bundled=False).get("ORG-9")
    assert read == [str(controls / "org-9.yaml")]
    assert control.title == "Idle lock"
    assert control.parameters["max_idle_minutes"].values == {"*": 15}
    assert _written(entry.read_bytes()) == _written(text.encode())  # again from the files


def test_an_entry_whose_json_was_rewritten_is_a_miss(
    cache: Path, controls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_catalog([controls], include_bundled=False)
    entry = _entry(cache, controls)
    blob = json.loads(entry.read_text(encoding="utf-8"))
    blob["controls"][0][2]["parameters"]["max_idle_minutes"]["values"] = {"*": 45}
    entry.write_text(json.dumps(blob), encoding="utf-8")  # the digest is kept as it was
    read = _reads_files(monkeypatch)
    control = load_catalog([controls], include_bundled=False).get("ORG-9")
    assert read and control.parameters["max_idle_minutes"].values == {"*": 15}


@pytest.mark.parametrize("keep", [0, 1, 40, 100, -1])
def test_a_truncated_entry_is_a_miss(
    cache: Path, controls: Path, monkeypatch: pytest.MonkeyPatch, keep: int
) -> None:
    load_catalog([controls], include_bundled=False)
    entry = _entry(cache, controls)
    data = entry.read_bytes()
    entry.write_bytes(data[:keep])
    read = _reads_files(monkeypatch)
    control = load_catalog([controls], include_bundled=False).get("ORG-9")
    assert read == [str(controls / "org-9.yaml")]
    assert control.parameters["max_idle_minutes"].values == {"*": 15}
    assert _written(entry.read_bytes()) == _written(data)


def test_an_entry_without_its_digest_is_a_miss(
    cache: Path, controls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry of the layout before the digest (the payload alone) is read from the files."""
    load_catalog([controls], include_bundled=False)
    entry = _entry(cache, controls)
    blob = json.loads(entry.read_text(encoding="utf-8"))
    del blob["digest"]
    entry.write_text(json.dumps(blob), encoding="utf-8")
    read = _reads_files(monkeypatch)
    load_catalog([controls], include_bundled=False)
    assert read


def test_the_key_changes_with_the_named_scopes(
    controls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached control is not compiled again when read, so the scopes it was compiled against
    are part of its key."""
    files = ["org-9.yaml"]
    before = catalog_module._entry_key(controls, files)
    scopes = dict(catalog_module.bundled_scopes())
    name = sorted(scopes)[0]
    scopes[name] = dataclasses.replace(scopes[name], where={"field": "id", "exists": True})
    monkeypatch.setattr(catalog_module, "bundled_scopes", lambda: scopes)
    assert catalog_module._entry_key(controls, files) != before


def test_the_key_covers_the_code_that_reads_and_compiles_control_files(
    controls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry's controls are not validated or compiled again when read: the code that did it
    is part of the key (every module named exists: a rename would leave one out)."""
    package = ROOT / "fedcheck"
    assert all((package / name).is_file() for name in catalog_module.KEY_CODE)
    files = ["org-9.yaml"]
    before = catalog_module._entry_key(controls, files)
    monkeypatch.setattr(catalog_module, "_code_digest", lambda: b"other code")
    assert catalog_module._entry_key(controls, files) != before


def test_the_cached_catalog_is_the_catalog_of_the_files(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEDCHECK_NO_CACHE", "1")
    cold = load_catalog()
    monkeypatch.delenv("FEDCHECK_NO_CACHE")
    load_catalog()  # writes the entry
    warm = load_catalog()
    assert not any(c.source for c in warm)  # every control came from the entry
    assert list(warm.controls) == list(cold.controls)
    for oscal_id, control in cold.controls.items():
        assert dataclasses.replace(control, source=None) == warm.controls[oscal_id]
    assert warm.sha256 == cold.sha256
    assert warm.digest_of(warm) == cold.digest_of(cold)


@pytest.mark.parametrize("example", [EXAMPLE, FAILING], ids=["compliant", "failing"])
def test_a_cached_catalog_judges_as_the_files_do(
    cache: Path, monkeypatch: pytest.MonkeyPatch, example: Path
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    monkeypatch.setenv("FEDCHECK_NO_CACHE", "1")
    cold, cold_code = check_file(str(example), load_catalog())
    monkeypatch.delenv("FEDCHECK_NO_CACHE")
    load_catalog()
    warm, warm_code = check_file(str(example), load_catalog())
    assert warm_code == cold_code
    assert warm.to_dict() == cold.to_dict()


def test_a_control_that_does_not_compile_is_an_error_at_load_and_never_cached(
    cache: Path, controls: Path
) -> None:
    from fedcheck.errors import InputError

    broken = CONTROL.replace("$max_idle_minutes}", "$max_idle_minute}")
    (controls / "org-9.yaml").write_text(textwrap.dedent(broken), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError, match="max_idle_minute"):
            load_catalog([controls], include_bundled=False)
    assert not [e for e in cache.glob("catalog-*.json") if str(controls) in e.read_text()]


# --- the files' status ------------------------------------------------------------------------


def _reads_bytes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The control files whose bytes the next loads read (for their digest or to load them)."""
    read: list[str] = []
    from fedcheck.loading import read_text as real

    def counting(path: str, *args: object, **kwargs: object) -> tuple[str, bytes]:
        read.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_module, "read_text", counting)
    return read


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries written as if long after the files' last change, so that no file is racy."""
    real = catalog_module._now_ns
    monkeypatch.setattr(catalog_module, "_now_ns", lambda: real() + 60 * 10**9)


def test_a_file_whose_status_is_as_the_entry_says_is_not_read(
    cache: Path, controls: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    load_catalog([controls], include_bundled=False)
    read = _reads_bytes(monkeypatch)
    first = load_catalog([controls], include_bundled=False)
    assert read == []
    assert first.get("ORG-9").title == "Idle lock"


def test_a_racy_file_is_read_and_hashed_on_every_use(
    cache: Path, controls: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Just written, the file changed within the entry's tick: its status proves nothing."""
    load_catalog([controls], include_bundled=False)
    read, loaded = _reads_bytes(monkeypatch), _reads_files(monkeypatch)
    for _ in range(2):
        load_catalog([controls], include_bundled=False)
    assert read == [str(controls / "org-9.yaml")] * 2
    assert loaded == []  # the digest matched: a hit


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_a_miss(
    cache: Path, controls: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    import os
    import time

    path = controls / "org-9.yaml"
    cold = load_catalog([controls], include_bundled=False)
    before = os.stat(path)
    time.sleep(0.05)  # past the file system clock's tick, so that the change time moves
    path.write_text(CONTROL.replace("value: 15", "value: 45"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns
    read = _reads_files(monkeypatch)
    warm = load_catalog([controls], include_bundled=False)
    assert read == [str(path)]
    assert warm.get("ORG-9").parameters["max_idle_minutes"].values == {"*": 45}
    assert warm.sha256 != cold.sha256


def test_a_touched_but_unchanged_file_judges_the_same_and_is_not_read_again(
    cache: Path, controls: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    import os

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    cold = load_catalog([controls])
    expected = check_file(str(FAILING), cold)
    os.utime(controls / "org-9.yaml")
    read, loaded = _reads_bytes(monkeypatch), _reads_files(monkeypatch)
    touched = load_catalog([controls])
    assert read == [str(controls / "org-9.yaml")] and loaded == []  # hashed, same digest
    result, code = check_file(str(FAILING), touched)
    assert (result.to_dict(), code) == (expected[0].to_dict(), expected[1])
    assert touched.sha256 == cold.sha256
    read.clear()
    load_catalog([controls])  # the entry was written again with the file's new status
    assert read == []


def test_the_control_files_are_those_a_recursive_glob_finds(tmp_path: Path) -> None:
    """One walk of the directory finds what ``rglob`` did, in the order paths sort."""
    import os

    root = tmp_path / "c"
    for name in [
        "a.yaml",
        "a-b.yml",
        "_scopes.yaml",
        "sub/_scopes.yaml",
        "sub/x.yaml",
        "sub/deeper/y.yml",
        "a/b.yaml",
        ".yaml",
        ".hidden.yaml",
        "notes.txt",
        "Z.yaml",
    ]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x", encoding="utf-8")
    (root / "dir.yaml").mkdir()
    os.symlink(root / "sub", root / "linked")  # a link to a directory is not followed
    os.symlink(root / "a.yaml", root / "link.yaml")  # a link to a file is a file
    expected = sorted(
        p
        for p in root.rglob("*")
        if p.suffix in (".yaml", ".yml") and p != root / "_scopes.yaml" and p.is_file()
    )
    assert catalog_module._control_files(root) == expected
    names = catalog_module._control_names(root)
    assert [str(root / n) for n in names] == [catalog_module._join(str(root), n) for n in names]
    bundled = catalog_module.bundled_catalog_dir()
    assert catalog_module._control_files(bundled) == sorted(
        p
        for p in bundled.rglob("*")
        if p.suffix in (".yaml", ".yml") and p != bundled / "_scopes.yaml" and p.is_file()
    )


# --- the parser of the chosen subcommand alone -------------------------------------------------


def _parse(parser: object, argv: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    """What parsing ``argv`` gives, prints and exits with."""
    try:
        outcome: object = vars(parser.parse_args(argv))  # type: ignore[attr-defined]
    except SystemExit as stopped:
        outcome = ("exit", stopped.code)
    out, err = capsys.readouterr()
    return outcome, out, err


def _command_lines() -> list[list[str]]:
    from fedcheck.cli import COMMANDS

    lines: list[list[str]] = [[], ["--help"], ["nonsense"], ["-", "check"], ["--", "check"]]
    for name in COMMANDS:
        lines += [[name, "--help"], [name], [name, "--no-such-flag"], ["--version", name]]
    lines += [
        ["check", str(EXAMPLE), "--quiet", "--format", "json", "--output", "x.json"],
        ["check", str(EXAMPLE), "--baseline", "nope"],
        ["controls", "list", "--baseline", "high", "--format", "json"],
        ["controls", "list", "--help"],
        ["explain", "AC-11", "--format", "json"],
        ["schema", "deployment"],
    ]
    return lines


@pytest.mark.parametrize("argv", _command_lines(), ids=" ".join)
def test_the_parser_of_one_subcommand_parses_as_the_whole_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from fedcheck.cli import build_parser

    whole = _parse(build_parser(), argv, capsys)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    assert _parse(build_parser(chosen), argv, capsys) == whole
