"""A failing gate never exits 0: attacks on the exit code, the catalog cache, the baseline, the
diff, the evaluation date and the outputs (issue 13). Each test is one attack and the promise it
must not break; docs/robustness.md lists each class with its outcome."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fedcheck.api import check_file
from fedcheck.catalog import CACHE_ENTRIES, Catalog, load_catalog
from fedcheck.cli import main
from fedcheck.dates import parse_date
from fedcheck.findings import Result, Status
from fedcheck.regressions import diff

ROOT = Path(__file__).resolve().parents[1]
FAILING = ROOT / "examples" / "agency-ai-assistant.yaml"
COMPLIANT = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
CATALOG = load_catalog()
AC11 = Catalog(
    {c.oscal_id: c for c in CATALOG if c.oscal_id == "ac-11"}, CATALOG.version, CATALOG.sha256
)


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def deployment(tmp_path: Path, name: str = "d", timeout: int = 30, level: str = "high") -> str:
    return write(
        tmp_path / f"{name}.yaml",
        f"version: 1\nsystem: {{id: sys, name: S, impact_level: {level}}}\n"
        f"components:\n  - {{id: web, type: web_app, access: {{session_timeout_minutes: {timeout}}}}}\n",
    )


class _ClosedPipe(io.StringIO):
    """A standard output whose reader went away (``| head`` after the first line)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


# --- a closed standard output keeps the verdict ----------------------------------------------


def test_a_closed_pipe_keeps_the_failing_exit_code_of_check(capsys) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fedcheck", "check", str(FAILING)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "FEDCHECK_NO_CACHE": "1"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader exits before fedcheck writes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "Exception ignored" not in err


def test_a_closed_pipe_turns_a_passing_check_into_an_error_not_a_success(
    monkeypatch, capsys
) -> None:
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["check", str(COMPLIANT), "--as-of", "2026-12-01"]) == 2
    err = capsys.readouterr().err
    assert "the reader of standard output went away" in err and "fix:" in err


def test_a_report_written_to_a_pipe_whose_reader_went_away_says_so(tmp_path: Path) -> None:
    # `--output /dev/stdout | head`: the report is streamed to the device; the message said
    # to check that a directory exists, which is not what went wrong.
    proc = subprocess.Popen(
        [sys.executable, "-m", "fedcheck", "check", str(COMPLIANT), "--as-of", "2026-12-01"]
        + ["--format", "json", "--output", "/dev/stdout"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 2  # a passing check whose report was lost is not a pass
    assert "reader went away" in err and "directory" not in err and "Traceback" not in err


def test_a_closed_stdout_descriptor_is_an_error_with_a_message(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    assert main(["check", str(FAILING), "--quiet"]) == 1
    assert "standard output is closed" in capsys.readouterr().err


def test_a_non_utf8_stdout_is_an_environment_error(tmp_path: Path, monkeypatch, capsys) -> None:
    path = deployment(tmp_path)
    Path(path).write_text(Path(path).read_text().replace("name: S", "name: Café"))
    ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", ascii_out)
    code = main(["check", path])
    err = capsys.readouterr().err
    assert code == 1 and "internal error" not in err  # the failing verdict is kept
    assert "encoding ascii" in err and "PYTHONIOENCODING=utf-8" in err


def test_closed_pipes_keep_the_codes_of_report_diff_and_test_controls(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    failing, _ = check_file(deployment(tmp_path, "f"), AC11)
    result = tmp_path / "r.json"
    result.write_text(json.dumps(failing.to_dict()), encoding="utf-8")
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(dataclasses.replace(failing, findings=()).to_dict()))
    broken = tmp_path / "controls"
    write(broken / "org-9.yaml", _custom_control(expect_target="nobody"))  # its example fails
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["report", str(result)]) == 1
    assert main(["diff", str(empty), str(result)]) == 1
    assert main(["test-controls", str(broken)]) == 1
    assert main(["controls", "list"]) == 2  # nothing to gate, but output lost is no success


def _custom_control(expect_target: str = "portal") -> str:
    return f"""\
    id: ORG-9
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
            assert: {{field: access.session_timeout_minutes, at_most: $max_idle_minutes}}
            message: "locks after {{actual}} minutes"
    examples:
      pass:
        - name: fifteen_minutes
          deployment:
            components:
              - {{id: portal, type: web_app, access: {{session_timeout_minutes: 15}}}}
      fail:
        - name: thirty_minutes
          deployment:
            components:
              - {{id: portal, type: web_app, access: {{session_timeout_minutes: 30}}}}
          finding: {{target: {expect_target}, path: access.session_timeout_minutes}}
    """


# --- the catalog cache ------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FEDCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("FEDCHECK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "fedcheck"


def test_a_same_size_edit_with_its_mtime_kept_is_judged_with_the_new_control(
    tmp_path: Path, cache: Path
) -> None:
    path = Path(write(tmp_path / "controls" / "org-9.yaml", _custom_control()))
    first = load_catalog([tmp_path / "controls"])
    assert first.get("ORG-9").parameters["max_idle_minutes"].values == {"*": 15}
    st = path.stat()
    path.write_text(path.read_text().replace("value: 15", "value: 45"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # what cp -p, rsync -a and tar do
    assert path.stat().st_size == st.st_size
    second = load_catalog([tmp_path / "controls"])
    assert second.get("ORG-9").parameters["max_idle_minutes"].values == {"*": 45}
    assert second.sha256 != first.sha256


def test_two_projects_with_the_same_relative_directory_get_their_own_controls(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a" / "controls" / "org-9.yaml", _custom_control())
    write(
        tmp_path / "b" / "controls" / "org-9.yaml",
        _custom_control().replace("title: Idle lock", "title: Other lock"),
    )
    monkeypatch.chdir(tmp_path / "a")
    assert load_catalog(["controls"]).get("ORG-9").title == "Idle lock"
    monkeypatch.chdir(tmp_path / "b")
    assert load_catalog(["controls"]).get("ORG-9").title == "Other lock"


def test_a_tampered_cache_cannot_empty_the_catalog(cache: Path, capsys) -> None:
    assert main(["check", str(FAILING), "--quiet"]) == 1
    entries = list(cache.glob("catalog-*.json"))
    assert entries
    for entry in entries:  # a restored or poisoned CI cache
        entry.write_text(json.dumps({"sha256": "0" * 64, "controls": []}), encoding="utf-8")
    assert len(load_catalog()) == len(CATALOG)
    for entry in cache.glob("catalog-*.json"):
        blob = json.loads(entry.read_text())
        blob["controls"][0][2]["rules"] = [{"target": "nowhere"}]  # not a valid control
        entry.write_text(json.dumps(blob), encoding="utf-8")
    assert main(["check", str(FAILING), "--quiet"]) == 1
    assert "internal error" not in capsys.readouterr().err


def test_the_cache_is_private_to_the_user_and_pruned(tmp_path: Path, cache: Path) -> None:
    write(tmp_path / "controls" / "org-9.yaml", _custom_control())
    cache.mkdir(parents=True)
    for n in range(CACHE_ENTRIES + 5):
        old = cache / f"catalog-old{n}.json"
        old.write_text("{}", encoding="utf-8")
        os.utime(old, (time.time() - 10_000 + n, time.time() - 10_000 + n))
    os.chmod(cache, 0o777)
    load_catalog([tmp_path / "controls"])
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    entries = list(cache.glob("catalog-*.json"))
    assert len(entries) <= CACHE_ENTRIES
    assert all(stat.S_IMODE(e.stat().st_mode) == 0o600 for e in entries if "old" not in e.name)


# --- the baseline -----------------------------------------------------------------------------


def test_a_baseline_below_the_impact_level_is_refused(capsys) -> None:
    assert main(["check", str(COMPLIANT), "--baseline", "low", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--baseline low is below the system's impact level (high" in err
    assert "fix:" in err and "baseline_deviation" in err


def test_a_profile_may_declare_a_lower_baseline_with_its_justification(
    tmp_path: Path, capsys
) -> None:
    profile = write(
        tmp_path / "p.yaml",
        """\
        baseline: moderate
        baseline_deviation:
          justification: The AO accepted the Moderate baseline for the pilot, memo 2026-14.
          approved_by: Authorizing Official
        """,
    )
    out = tmp_path / "r.json"
    args = ["check", deployment(tmp_path), "--profile", profile, "--quiet", "--output", str(out)]
    assert main(args) == 1
    result = json.loads(out.read_text())
    assert result["baseline"] == "moderate"
    (declared,) = [d for d in result["deviations"] if d["kind"] == "baseline"]
    assert declared["value"] == "moderate" and "memo 2026-14" in declared["justification"]
    assert "high" in declared["fedramp_value"]
    undeclared = write(tmp_path / "q.yaml", "baseline: moderate\n")
    assert main(["check", deployment(tmp_path), "--profile", undeclared, "--quiet"]) == 2


# --- diff -------------------------------------------------------------------------------------


def _saved(tmp_path: Path, name: str, result: Result) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    return str(path)


def test_diff_refuses_results_of_different_baselines(tmp_path: Path, capsys) -> None:
    high, _ = check_file(deployment(tmp_path, "h"), AC11)
    low = dataclasses.replace(high, baseline="low", findings=())
    code = main(["diff", _saved(tmp_path, "old", high), _saved(tmp_path, "new", low)])
    assert code == 2
    assert "the high baseline, this one the low baseline" in capsys.readouterr().err


def test_diff_fails_when_the_new_result_verified_nothing(tmp_path: Path, capsys) -> None:
    old, _ = check_file(deployment(tmp_path, "o"), AC11)
    manual = tuple(dataclasses.replace(f, status=Status.MANUAL) for f in old.findings)
    new = dataclasses.replace(old, findings=manual)
    d = diff(old, new)
    assert not d.new and not d.errors and d.fails_gate
    assert main(["diff", _saved(tmp_path, "o", old), _saved(tmp_path, "n", new)]) == 1
    assert "verified nothing" in capsys.readouterr().out


def test_an_error_in_the_old_result_does_not_hide_the_same_finding_failing_now(
    tmp_path: Path,
) -> None:
    new, _ = check_file(deployment(tmp_path, "n"), AC11)
    errored = tuple(dataclasses.replace(f, status=Status.ERROR) for f in new.findings)
    old = dataclasses.replace(new, findings=errored)
    d = diff(old, new)
    assert [f.target for f in d.new] == ["web"] and not d.unchanged
    assert d.exit_code == 1


# --- the evaluation date ----------------------------------------------------------------------

WAIVER = """\
waivers:
  - control: AC-11
    target: web
    justification: The lock moves to the identity provider in release 4.2.
    approved_by: ISSO
    approved_on: {approved}
    expires: {expires}
"""


def test_a_past_source_date_epoch_never_revives_an_expired_waiver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waivers = write(tmp_path / "w.yaml", WAIVER.format(approved="2026-01-02", expires="2026-01-31"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01: before the expiry
    result, code = check_file(deployment(tmp_path), AC11, waivers=waivers)
    assert result.waivers[0]["state"] == "expired" and code == 1  # judged today, not 2026-01-01
    dated, code = check_file(deployment(tmp_path), AC11, waivers=waivers, as_of=date(2026, 1, 15))
    assert dated.waivers[0]["state"] == "applied" and code == 0
    assert dated.as_of == "2026-01-15" and dated.to_dict()["as_of"] == "2026-01-15"
    assert any("evaluated as of 2026-01-15" in n for n in dated.notes)
    assert Result.from_dict(dated.to_dict()).as_of == "2026-01-15"


def test_as_of_is_a_strict_calendar_date(capsys) -> None:
    for bad in ("2026-W04-5", "2026-024", "20260124", "2026-02-30", "2026-1-5"):
        with pytest.raises(SystemExit) as exit_:
            main(["check", str(COMPLIANT), "--as-of", bad])
        assert exit_.value.code == 2
        assert "YYYY-MM-DD" in capsys.readouterr().err or bad == "2026-02-30"


def test_iso_week_and_ordinal_dates_are_refused_in_waivers(tmp_path: Path, capsys) -> None:
    for bad in ("2027-W04-5", "2027-024"):
        with pytest.raises(ValueError):
            parse_date(bad)
        waivers = write(tmp_path / "w.yaml", WAIVER.format(approved="2026-12-01", expires=bad))
        assert main(["check", deployment(tmp_path), "--waivers", waivers, "--quiet"]) == 2
        assert "is not a date in the form YYYY-MM-DD" in capsys.readouterr().err


# --- outputs ----------------------------------------------------------------------------------


def test_an_output_naming_an_input_is_refused_before_any_work(tmp_path: Path, capsys) -> None:
    path = deployment(tmp_path)
    before = Path(path).read_bytes()
    assert main(["check", path, "--format", "json", "--output", path]) == 2
    assert Path(path).read_bytes() == before
    assert "names an input of the run" in capsys.readouterr().err
    waivers = write(tmp_path / "w.yaml", WAIVER.format(approved="2026-12-01", expires="2026-12-20"))
    assert main(["check", path, "--waivers", waivers, "--format", "json", "--output", waivers]) == 2
    assert "expires" in Path(waivers).read_text()


def test_one_path_for_two_formats_is_refused(tmp_path: Path, capsys) -> None:
    out = str(tmp_path / "r.out")
    args = ["check", deployment(tmp_path), "--format", "json", "--output", out]
    assert main([*args, "--format", "sarif", "--output", out]) == 2
    assert "given to two formats" in capsys.readouterr().err
    assert not os.path.exists(out)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--template", "t.j2"], "applies to the markdown and html reports"),
        (["--format", "html", "--output", "r.html", "--template", "missing.j2"], "no such file"),
    ],
)
def test_a_template_is_applied_or_refused_never_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, extra: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "t.j2", "{{ system.id }}\n")
    assert main(["check", deployment(tmp_path), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
    two = [deployment(tmp_path, "a"), deployment(tmp_path, "b")]
    assert main(["check", *two, "--format", "html", "--template", "t.j2"]) == 2


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        import fedcheck.reports.json as j
        real = j.iter_json
        def slow(result):
            yield from real(result)
            os.kill(os.getpid(), signal.SIGTERM)
            yield ""
        j.iter_json = slow
        from fedcheck.cli import main
        sys.exit(main(["check", {str(FAILING)!r}, "--format", "json", "--output",
                       {str(tmp_path / "r.json")!r}]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FEDCHECK_NO_CACHE": "1"},
    )
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert "terminated by SIGTERM" in proc.stderr
    assert os.listdir(tmp_path) == []


def test_a_full_disk_is_an_environment_error(tmp_path: Path, capsys) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system to simulate a full disk")
    code = main(["check", str(FAILING), "--quiet", "--format", "json", "--output", "/dev/full"])
    err = capsys.readouterr().err
    assert code == 2 and "internal error" not in err and "the disk is full" in err


def test_every_output_states_the_evaluation_date(tmp_path: Path, capsys) -> None:
    args = ["check", str(FAILING), "--as-of", "2026-01-15", "--quiet"]
    for fmt in ("json", "markdown", "html", "sarif", "junit", "oscal", "poam"):
        args += ["--format", fmt, "--output", str(tmp_path / f"r.{fmt}")]
    assert main(args) == 1
    for fmt in ("json", "markdown", "html", "sarif", "junit", "oscal", "poam"):
        assert "2026-01-15" in (tmp_path / f"r.{fmt}").read_text(), fmt
    capsys.readouterr()
    assert main(["check", str(FAILING), "--as-of", "2026-01-15"]) == 1
    out = capsys.readouterr().out
    assert "evaluated as of 2026-01-15" in out.splitlines()[0]


# --- inputs that are not files, paths that leave, absurd values --------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
@pytest.mark.parametrize(
    "command", [["check"], ["validate"], ["check", str(COMPLIANT), "--waivers"]]
)
def test_a_named_pipe_as_input_is_refused_not_waited_on(
    tmp_path: Path, capsys, command: list[str]
) -> None:
    fifo = tmp_path / "deploy.yaml"
    os.mkfifo(fifo)  # nobody writes to it: reading would hang forever
    assert main([*command, str(fifo)]) == 2
    err = capsys.readouterr().err
    assert "is not a regular file (it is a named pipe)" in err and "fix:" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_init_refuses_a_named_pipe(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "fedcheck.yaml"
    os.mkfifo(fifo)
    assert main(["init", "--force", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_device_as_input_is_refused(capsys) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    assert main(["check", "/dev/zero"]) == 2
    assert "a character device" in capsys.readouterr().err


@pytest.mark.parametrize("escape", ["/", "..", "../elsewhere"])
def test_control_dirs_may_not_leave_the_profile_folder(tmp_path: Path, capsys, escape: str) -> None:
    (tmp_path / "elsewhere").mkdir()
    profile = write(
        tmp_path / "tailoring" / "p.yaml", f"baseline: high\ncontrol_dirs: [{escape!r}]\n"
    )
    assert main(["check", str(COMPLIANT), "--profile", profile, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{profile}:2:" in err and "leaves the profile's folder" in err
    assert "--controls DIR" in err


def test_lone_surrogates_in_json_input_are_refused_at_their_position(
    tmp_path: Path, capsys
) -> None:
    path = tmp_path / "d.json"
    path.write_text('{"version": 1,\n "system": {"id": "s\\udc80", "impact_level": "high"}}\n')
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:21: error: the JSON escape \\udc80 is a lone surrogate" in err
    assert "internal error" not in err


def test_an_absurd_max_file_bytes_is_a_usage_error(capsys) -> None:
    assert main(["check", str(COMPLIANT), "--max-file-bytes", "1" + "0" * 30]) == 2
    err = capsys.readouterr().err
    assert "is absurd" in err and "internal error" not in err


def test_init_refuses_a_path_with_a_line_break(tmp_path: Path, capsys) -> None:
    target = str(tmp_path / "a\nversion: 2.yaml")
    assert main(["init", target]) == 2
    assert "line break" in capsys.readouterr().err
    spaced = tmp_path / "my system.yaml"
    assert main(["init", "--quiet", str(spaced)]) == 0
    assert f"fedcheck check '{spaced}'" in spaced.read_text()


# --- values and text --------------------------------------------------------------------------


def test_a_quoted_merge_key_is_an_ordinary_key(tmp_path: Path, capsys) -> None:
    from fedcheck.loading import parse_text

    data, _ = parse_text('a: &x {b: 1}\nc:\n  "<<": *x\n  d: 2\n')
    assert data["c"] == {"<<": {"b": 1}, "d": 2}  # not merged
    plain, _ = parse_text("a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n")
    assert plain["c"] == {"b": 1, "d": 2}


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "[.inf]"])
def test_infinite_and_nan_profile_values_are_refused(tmp_path: Path, capsys, value: str) -> None:
    profile = write(
        tmp_path / "p.yaml",
        f"""\
        baseline: high
        deviations:
          - control: AC-11
            parameter: max_idle_minutes
            value: {value}
            justification: Kiosk terminals in a locked room.
        """,
    )
    assert main(["check", str(COMPLIANT), "--profile", profile, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{profile}:5:" in err and ("not a finite number" in err or "expected" in err)


def test_a_parameter_lacking_the_run_baseline_takes_its_strictest_value() -> None:
    from fedcheck.catalog import Parameter

    loose_first = Parameter("max_idle_minutes", {"low": 30, "moderate": 15}, "lower")
    assert loose_first.value_for("high") == 15
    fewest = Parameter("events", {"low": ["a"], "moderate": ["a", "b"]}, "superset")
    assert fewest.value_for("high") == ["a", "b"]
    tls = Parameter("tls", {"low": "1.2", "moderate": "1.3"}, "higher")
    assert tls.value_for("high") == "1.3"


def test_validate_refuses_a_control_that_redefines_a_catalog_control(
    tmp_path: Path, capsys
) -> None:
    copy = tmp_path / "ac-11.yaml"
    copy.write_text((ROOT / "controls" / "ac" / "ac-11.yaml").read_text(), encoding="utf-8")
    assert main(["validate", str(copy)]) == 2
    assert "control AC-11 is defined twice" in capsys.readouterr().err
    assert main(["validate", str(ROOT / "controls" / "ac" / "ac-11.yaml")]) == 0


def test_terminal_escapes_in_titles_and_keys_never_reach_the_terminal(
    tmp_path: Path, capsys
) -> None:
    hostile = _custom_control().replace(
        "title: Idle lock", 'title: "Idle\\e]52;c;ZWNobyBwd25lZA==\\a lock\\nFAKE OK\\e[2J"'
    )
    write(tmp_path / "controls" / "org-9.yaml", hostile)
    assert main(["controls", "list", "--controls", str(tmp_path / "controls")]) == 0
    assert main(["explain", "ORG-9", "--controls", str(tmp_path / "controls")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\nFAKE OK" not in out
    assert "\\x1b]52" in out
    bad = write(tmp_path / "d.yaml", 'version: 1\nsystem: {id: s, "\\e[31mimpact\\u202e": high}\n')
    assert main(["check", bad]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err and "\\u202e" in err


def test_bidi_and_zero_width_characters_are_shown_in_every_report(tmp_path: Path) -> None:
    path = deployment(tmp_path).replace("", "")
    Path(path).write_text(
        Path(path).read_text().replace("name: S", 'name: "adm\\u202ein\\u200b"'), encoding="utf-8"
    )
    args = ["check", path, "--quiet"]
    for fmt in ("markdown", "html", "junit", "text"):
        args += ["--format", fmt, "--output", str(tmp_path / f"r.{fmt}")]
    main(args)
    for fmt in ("markdown", "html", "text"):
        text = (tmp_path / f"r.{fmt}").read_text()
        assert "\u202e" not in text and "\u200b" not in text, fmt
        assert "\\u202e" in text, fmt


def test_an_invisible_justification_is_refused(tmp_path: Path, capsys) -> None:
    waivers = write(
        tmp_path / "w.yaml",
        WAIVER.format(approved="2026-12-01", expires="2026-12-20").replace(
            "The lock moves to the identity provider in release 4.2.", '"\\u200b\\u2060"'
        ),
    )
    assert main(["check", deployment(tmp_path), "--waivers", waivers, "--quiet"]) == 2
    assert "the text shows nothing" in capsys.readouterr().err
    profile = write(
        tmp_path / "p.yaml",
        'baseline: high\nremove:\n  - control: AC-8\n    justification: "\\u200b"\n',
    )
    assert main(["check", str(COMPLIANT), "--profile", profile, "--quiet"]) == 2
    assert f"{profile}:4:" in capsys.readouterr().err


# --- templates --------------------------------------------------------------------------------

TEMPLATE_BOMBS = {
    "nested_loops": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}"
    "{% endfor %}",
    "lipsum": "{{ lipsum(1000000) }}",
    "doubling": '{% set ns = namespace(s="ab") %}{% for i in range(64) %}'
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "ljust": '{{ "x".ljust(2000000000) }}',
    "center": '{{ "x"|center(2000000000) }}',
    "indent": '{{ "a\nb"|indent(2000000000) }}',
    "format": '{{ "%2000000000s"|format("x") }}',
    "str_format": '{{ "{:>2000000000}".format("x") }}',
    "integer_product": "{% set ns = namespace(n=10 ** 300) %}{% for i in range(60) %}"
    "{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n % 7 }}",
}


@pytest.mark.parametrize("name", sorted(TEMPLATE_BOMBS))
def test_a_template_cannot_hang_or_build_gigabytes(tmp_path: Path, capsys, name: str) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text(TEMPLATE_BOMBS[name], encoding="utf-8")
    out = tmp_path / "r.md"
    started = time.monotonic()
    code = main(
        ["check", str(FAILING), "--quiet", "--format", "markdown", "--output", str(out)]
        + ["--template", str(template)]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert "t.md.j2" in err and "fix:" in err and "internal error" not in err
    assert not out.exists()
    assert time.monotonic() - started < 60  # a refusal, not minutes of work


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_include_cannot_follow_a_symlink_out_of_the_template_folder(tmp_path: Path, capsys) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("CI_TOKEN=hunter2\n", encoding="utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "part.txt").symlink_to(secret)
    (folder / "t.md.j2").write_text('{% include "part.txt" %}\n', encoding="utf-8")
    out = tmp_path / "r.md"
    code = main(
        ["check", str(FAILING), "--quiet", "--format", "markdown", "--output", str(out)]
        + ["--template", str(folder / "t.md.j2")]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert "hunter2" not in captured.err + captured.out and not out.exists()
    assert "is not in the template's directory" in captured.err


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda d: d["findings"][0]["location"].update(line="twelve"),
            "expected an integer, got a string",
        ),
        (lambda d: d["findings"][0].update(status="fine"), "'fine' is not a status"),
        (lambda d: d["catalog"].update(sha256="abc"), "not a SHA-256 digest"),
        (lambda d: d.update(generated_at="yesterday"), "is not an ISO 8601 timestamp"),
        (lambda d: d.update(as_of="2026-W04-5"), "YYYY-MM-DD"),
        (
            lambda d: d["findings"][0].update(message=["a", "list"]),
            "expected a string, got a list",
        ),
        # A key left out is said to be missing, never shown as Python's None.
        (lambda d: d["findings"][0].pop("severity"), "nothing (the key is missing or null) is"),
        (lambda d: d["findings"][0].pop("status"), "status: nothing (the key is missing or null)"),
        (lambda d: d["findings"][0].pop("target"), "expected a string, got nothing"),
    ],
)
def test_report_validates_a_saved_result_before_rendering(
    tmp_path: Path, capsys, edit: Any, message: str
) -> None:
    result, _ = check_file(deployment(tmp_path), AC11)
    data = result.to_dict()
    edit(data)
    saved = tmp_path / "r.json"
    saved.write_text(json.dumps(data, indent=2), encoding="utf-8")
    for fmt in ("sarif", "oscal", "json"):
        out = tmp_path / f"out.{fmt}"
        assert main(["report", str(saved), "--format", fmt, "--output", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and f"{saved}:" in err and "fix:" in err, err
        assert "None" not in err and "NoneType" not in err, err
        assert not out.exists()


# --- the rule language ------------------------------------------------------------------------

NESTED = """\
id: ORG-5
title: Nested quantifiers
family: ORG
baselines: []
severity: low
summary: Flows into components are encrypted.
rationale: Deeply nested quantifiers cost the length of a list per level.
remediation: Encrypt the flows.
rules:
  - target: system
    checks:
      - name: deep
        assert:
          every:
            in: components
            assert:
              every:
                in: inbound_flows
                assert:
                  every:
                    in: source.inbound_flows
                    assert: {field: encrypted, equals: true}
"""


def test_nested_quantifiers_are_bounded_when_the_catalog_loads(tmp_path: Path, capsys) -> None:
    write(tmp_path / "controls" / "org-5.yaml", NESTED)
    started = time.monotonic()
    assert main(["check", str(FAILING), "--controls", str(tmp_path / "controls")]) == 2
    err = capsys.readouterr().err
    assert "org-5.yaml:21:21: error: ORG-5: quantifiers nested 3 deep (at most 2)" in err
    assert "fix:" in err and time.monotonic() - started < 60


def test_an_unreadable_file_is_refused_with_a_fix(tmp_path: Path, capsys) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root reads any file, so permissions cannot make one unreadable")
    path = Path(deployment(tmp_path))
    path.chmod(0)
    assert main(["check", str(path)]) == 2
    assert "cannot read the file" in (err := capsys.readouterr().err) and "fix:" in err


NONE_QUANTIFIER = """\
id: ORG-6
title: No flow into a component skips FIPS encryption
family: ORG
baselines: []
severity: low
summary: Flows into components use FIPS-validated encryption.
rationale: A flow that leaves its encryption unstated verified nothing.
remediation: State encryption.fips_validated on every flow.
rules:
  - target: component
    checks:
      - name: none-unvalidated
        assert:
          none:
            in: inbound_flows
            assert: {field: encryption.fips_validated, equals: false}
        message: "a flow into it is not FIPS-validated"
"""


def test_a_none_quantifier_over_entries_that_leave_a_contract_field_out_fails(
    tmp_path: Path,
) -> None:
    write(tmp_path / "c" / "org-6.yaml", NONE_QUANTIFIER)
    profile = write(tmp_path / "p.yaml", "baseline: high\nadd: [ORG-6]\ncontrol_dirs: [c]\n")
    path = write(
        tmp_path / "d.yaml",
        "version: 1\nsystem: {id: s, impact_level: high}\ncomponents:\n"
        "  - {id: a, type: web_app}\n  - {id: b, type: database}\n"
        "data_flows:\n  - {id: f1, from: a, to: b}\n",
    )
    out = tmp_path / "r.json"
    main(["check", path, "--profile", profile, "--quiet", "--output", str(out)])
    (finding,) = [
        f
        for f in json.loads(out.read_text())["findings"]
        if f["control_id"] == "ORG-6" and f["target"] == "b"
    ]
    assert finding["status"] == "fail"
    assert "encryption.fips_validated is not stated" in finding["message"]


def test_several_reports_may_be_discarded_to_dev_null(capsys) -> None:
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null")
    args = ["check", str(COMPLIANT), "--quiet", "--as-of", "2026-12-01"]
    args += [
        "--format",
        "sarif",
        "--output",
        "/dev/null",
        "--format",
        "html",
        "--output",
        "/dev/null",
    ]
    assert main(args) == 0


def test_comparing_a_result_without_a_system_id_never_prints_none() -> None:
    import dataclasses

    from fedcheck.api import load_catalog
    from fedcheck.errors import InputError
    from fedcheck.evaluation import evaluate
    from fedcheck.inputs import load_deployment
    from fedcheck.regressions import check_comparable

    result = evaluate(load_deployment(str(COMPLIANT)), load_catalog(), as_of=date(2026, 12, 1))
    anonymous = dataclasses.replace(result, system={**result.system, "id": None})
    with pytest.raises(InputError) as caught:
        check_comparable(anonymous, result)
    assert "None" not in caught.value.render()
    assert "a system with no id" in caught.value.render()
