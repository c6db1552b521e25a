"""The engine's stages: compile_plan -> Plan, admit -> Admitted, evaluate(plan, admitted) -> Result,
and checking a directory of deployments on every core with the results of a sequential run."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

import fedcheck
from fedcheck import targets
from fedcheck.cli import main
from fedcheck.errors import InputError, UsageError
from fedcheck.evaluation import evaluate
from fedcheck.inputs import load_deployment, parse_deployment
from fedcheck.plan import Admitted, Plan, Tailoring, admit, compile_plan
from fedcheck.portfolio import check_files, expand_paths
from fedcheck.reports import render

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "agency-ai-assistant.yaml"
COMPLIANT = REPO / "examples" / "agency-ai-assistant-compliant.yaml"
AS_OF = datetime.date(2026, 12, 1)
CATALOG = fedcheck.load_catalog()


def _json(result: fedcheck.Result) -> str:
    return render(result, "json")


def test_a_plan_evaluates_like_the_one_call_form() -> None:
    deployment = load_deployment(str(EXAMPLE))
    plan = compile_plan(CATALOG, baseline="high", as_of=AS_OF)
    admitted = admit(plan, deployment, generated_at="2026-12-01T00:00:00Z")
    staged = evaluate(plan, admitted)
    direct = evaluate(deployment, CATALOG, as_of=AS_OF, generated_at="2026-12-01T00:00:00Z")
    assert _json(staged) == _json(direct)
    assert staged.counts()["fail"] > 0


def test_one_plan_judges_many_deployments_and_is_not_changed_by_them() -> None:
    plan = compile_plan(CATALOG, baseline="high", as_of=AS_OF)
    before = [(p.control.oscal_id, p.info) for p in plan.controls]
    bad = evaluate(plan, admit(plan, load_deployment(str(EXAMPLE)), generated_at="x"))
    good = evaluate(plan, admit(plan, load_deployment(str(COMPLIANT)), generated_at="x"))
    assert [(p.control.oscal_id, p.info) for p in plan.controls] == before
    assert bad.counts()["fail"] > 0
    assert good.counts()["fail"] == 0
    assert fedcheck.exit_code(good) == 0


def test_a_plan_holds_the_effective_parameter_and_its_source() -> None:
    tailoring = Tailoring(parameters={"ac-11": {"max_idle_minutes": 10}}, name="agency-x")
    plan = compile_plan(CATALOG, baseline="high", tailoring=tailoring, as_of=AS_OF)
    (ac11,) = [p for p in plan.controls if p.control.oscal_id == "ac-11"]
    bound = ac11.compiled.bound["max_idle_minutes"]
    assert (bound.value, bound.source) == (10, "profile agency-x")
    assert "15" not in ac11.compiled.summary and "10" in ac11.compiled.summary


def test_compile_refuses_an_unknown_baseline() -> None:
    with pytest.raises(UsageError, match="unknown baseline"):
        compile_plan(CATALOG, baseline="extreme")


def test_input_errors_come_from_admit_and_evaluate_raises_none(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8") + (
        "inherited_controls:\n"
        "  - provider: Nimbus Cloud\n"
        "    fedramp_authorization: high\n"
        "    controls: [PE-3]\n"
    )
    deployment = parse_deployment(text, "claims.yaml")
    plan = compile_plan(CATALOG, baseline="high", as_of=AS_OF)
    with pytest.raises(InputError, match="PE-3"):
        admit(plan, deployment)
    # The same deployment without the claim is admitted; evaluating it reads nothing more.
    admitted = admit(plan, load_deployment(str(EXAMPLE)), generated_at="x")
    assert isinstance(admitted, Admitted) and isinstance(plan, Plan)
    assert evaluate(plan, admitted).as_of == "2026-12-01"


def test_evaluate_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = compile_plan(CATALOG, baseline="high", as_of=AS_OF)
    admitted = admit(plan, load_deployment(str(EXAMPLE)), generated_at="2026-12-01T00:00:00Z")
    first = _json(evaluate(plan, admitted))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")  # would be a UsageError if read
    assert _json(evaluate(plan, admitted)) == first


def test_every_relation_of_the_target_schema_is_declared_once_and_followed() -> None:
    # The evaluator follows relations by their declaration, not by a list of its own.
    assert set(targets.RELATIONS) >= {"system", "source", "target", "inbound_flows"}
    for obj in targets.TARGETS.values():
        for member in obj.members.values():
            if member.relation:
                assert targets.RELATIONS[member.name] is not None
    data = {
        "system": {"id": "s"},
        "components": [{"id": "web"}],
        "external_services": [{"id": "llm"}],
        "data_flows": [{"id": "f", "from": "web", "to": "llm", "data": {}}],
    }
    ix = targets.Index(data)
    flow = data["data_flows"][0]
    assert targets.document_path(flow, "target.fedramp_authorization", ix) == (
        "external_services",
        0,
        "fedramp_authorization",
    )
    assert targets.document_path(flow, "system.impact_level", ix) == ("system", "impact_level")
    assert targets.document_path(flow, "data.impact_level", ix) == (
        "data_flows",
        0,
        "data",
        "impact_level",
    )
    assert targets.document_path(flow, "crosses_boundary", ix) == ("data_flows", 0)


def _portfolio(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "systems"
    folder.mkdir()
    bad = EXAMPLE.read_text(encoding="utf-8")
    good = COMPLIANT.read_text(encoding="utf-8")
    for i in range(count):
        (folder / f"s{i:03}.yaml").write_text(good if i % 3 else bad, encoding="utf-8")
    (folder / "broken.yaml").write_text("version: 1\nsystem: [\n", encoding="utf-8")
    return folder


def test_a_directory_checked_on_every_core_gives_the_sequential_results(tmp_path: Path) -> None:
    files = expand_paths([str(_portfolio(tmp_path, 7))])
    options = dict(as_of=AS_OF)
    seq = list(check_files(files, CATALOG, jobs=1, **options))
    par = list(check_files(files, CATALOG, jobs=2, **options))
    assert [c.file for c in par] == files  # the order of the files, whatever finished first
    assert [(c.code, c.error) for c in par] == [(c.code, c.error) for c in seq]
    for a, b in zip(seq, par, strict=True):
        if a.result is None:
            assert b.result is None and a.code == 2 and "broken.yaml" in (a.error or "")
            continue
        assert b.result is not None
        strip = lambda r: {**json.loads(_json(r)), "generated_at": None}  # noqa: E731
        assert strip(a.result) == strip(b.result)


def test_reports_rendered_in_the_workers_match_the_kept_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `fedcheck check DIR` renders where each file is checked, so that the report writing runs
    # on every core too; only the text and the counts come back.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    files = expand_paths([str(_portfolio(tmp_path, 5))])
    kept = list(check_files(files, CATALOG, jobs=1, as_of=AS_OF))
    for jobs in (1, 2):
        sent = list(
            check_files(files, CATALOG, jobs=jobs, render=_json, keep_results=False, as_of=AS_OF)
        )
        assert [c.file for c in sent] == files
        for a, b in zip(kept, sent, strict=True):
            assert b.result is None and (a.code, a.error) == (b.code, b.error)
            if a.result is None:
                assert b.counts is None and b.rendered is None
                continue
            assert b.counts == a.result.counts() == a.counts
            assert b.rendered == _json(a.result)


def test_a_report_that_cannot_be_written_is_the_same_error_with_one_or_two_jobs(
    tmp_path: Path,
) -> None:
    # An SDR needs a run under the Consolidated Rules. Rendered in a worker, the refusal was an
    # exception that tore the process pool down: a traceback and "internal error" with two
    # jobs, a clear error with one.
    folder = str(_portfolio(tmp_path, 2))
    runs = []
    for jobs in ("1", "2"):
        argv = ["check", folder, "--as-of", "2026-12-01", "--format", "sdr"]
        argv += ["--cpo-uri", "https://example.org/cpo", "--jobs", jobs]
        done = subprocess.run(
            [sys.executable, "-m", "fedcheck", *argv], capture_output=True, text=True
        )
        runs.append((done.returncode, done.stdout, done.stderr))
    assert runs[0] == runs[1]
    code, _, err = runs[0]
    assert code == 2
    assert "Traceback" not in err and "internal error" not in err
    assert "Consolidated Rules 2026" in err and "fix: add --rules cr26" in err


def test_check_dir_output_is_byte_identical_with_one_or_two_jobs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    folder = str(_portfolio(tmp_path, 4))
    runs = []
    for jobs in ("1", "2"):
        code = main(["check", folder, "--as-of", "2026-12-01", "--format", "json", "--jobs", jobs])
        out, err = capsys.readouterr()
        runs.append((code, out, err))
    assert runs[0] == runs[1]
    assert runs[0][0] == 2  # the broken file is an input error, the worst code wins
    assert "ERROR" in runs[0][2] and "broken.yaml" in runs[0][2]


def test_a_slow_portfolio_run_writes_no_progress_to_a_stream_that_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The progress line appeared once a run took over a second, so a loaded machine changed
    # what a log captured (and two identical runs differed).
    folder = str(_portfolio(tmp_path, 3))
    clock = iter(range(0, 10_000, 5))
    monkeypatch.setattr("fedcheck.cli.time.monotonic", lambda: float(next(clock)))
    main(["check", folder, "--as-of", "2026-12-01", "--format", "json", "--jobs", "1"])
    err = capsys.readouterr().err
    assert "[1/" not in err and "[2/" not in err


def test_jobs_below_one_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(_portfolio(tmp_path, 1)), "--jobs", "0"]) == 2
    assert "fix:" in capsys.readouterr().err


def test_a_directory_without_deployments_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="holds no"):
        expand_paths([str(tmp_path)])
