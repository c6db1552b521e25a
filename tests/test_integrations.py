"""Pipelines: the pre-commit hooks, the GitHub Action and the GitLab CI template, run for real.

The Action's and the GitLab job's shell steps are extracted from their YAML and executed
locally against the bundled examples, with the ``fedcheck`` of this source tree on PATH in place
of the install step; ``uses:`` steps are not run, but must name the files the check wrote.
The pre-commit hooks are run by ``pre-commit try-repo`` on a committed copy of this tree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
COMPLIANT = "agency-ai-assistant-compliant.yaml"
NONCOMPLIANT = "agency-ai-assistant.yaml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _bash() -> str:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    return bash


def _shim(bin_dir: Path) -> dict[str, str]:
    """An environment whose ``fedcheck`` is this source tree's, as the install step would give."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "fedcheck"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m fedcheck "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORCE_COLOR", "GITHUB_"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env["NO_COLOR"] = "1"
    return env


def _workspace(tmp_path: Path, name: str) -> Path:
    work = tmp_path / "work"
    (work / "deploy").mkdir(parents=True)
    shutil.copy(EXAMPLES / name, work / "deploy" / name)
    return work


# --- GitHub Action ------------------------------------------------------------------------------


def _action() -> dict[str, Any]:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def _substitute(text: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr.startswith("inputs."):
            return inputs[expr[len("inputs.") :]]
        if expr == "github.action_path":
            return str(REPO)
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if m:
            return outputs.get(m.group(1), {}).get(m.group(2), "")
        raise AssertionError(f"the test does not know the expression ${{{{ {expr} }}}}")

    return EXPRESSION.sub(value, text)


def _run_action(
    tmp_path: Path, deployment: str, extra: tuple[str, ...] = (), **given: str
) -> tuple[int, Path, list[dict[str, Any]]]:
    action = _action()
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    assert set(given) <= set(inputs), f"unknown inputs {set(given) - set(inputs)}"
    inputs.update(given)
    work = _workspace(tmp_path, deployment)
    for name in extra:
        shutil.copy(EXAMPLES / name, work / "deploy" / name)
    env = _shim(tmp_path / "bin")
    outputs: dict[str, dict[str, str]] = {}
    last_code = 0
    used: list[dict[str, Any]] = []
    for step in action["runs"]["steps"]:
        if "uses" in step:
            used.append(
                {
                    "uses": step["uses"],
                    "with": {
                        k: _substitute(str(v), inputs, outputs)
                        for k, v in step.get("with", {}).items()
                    },
                }
            )
            continue
        script = step["run"]
        if "pip install" in script:
            assert '"${{ github.action_path }}"' in script  # installs the action's own fedcheck
            continue
        assert step.get("shell") == "bash"
        assert "${{" not in script, f"step {step['name']!r} pastes an expression into its script"
        output_file = tmp_path / f"output-{len(outputs)}"
        output_file.write_text("", encoding="utf-8")
        step_env = {**env, "GITHUB_OUTPUT": str(output_file)}
        step_env.update(
            {k: _substitute(str(v), inputs, outputs) for k, v in step.get("env", {}).items()}
        )
        done = subprocess.run(
            [_bash(), "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=work,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert "Traceback" not in done.stderr, done.stderr
        if "id" in step:
            outputs[step["id"]] = dict(
                line.split("=", 1)
                for line in output_file.read_text(encoding="utf-8").splitlines()
                if line
            )
        last_code = done.returncode
        if done.returncode != 0:
            break
    return last_code, work, used


def test_action_inputs_and_steps_are_as_documented() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert {"deployments", "profile", "waivers", "fail-on"} <= set(action["inputs"])
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert uses == ["github/codeql-action/upload-sarif@v3", "actions/upload-artifact@v4"]
    for step in action["runs"]["steps"]:
        if "uses" in step:
            assert "always()" in step["if"], f"{step['uses']} must run when the check fails"


@pytest.mark.parametrize("deployment,expected", [(COMPLIANT, 0), (NONCOMPLIANT, 1)])
def test_action_steps_produce_reports_and_gate(
    tmp_path: Path, deployment: str, expected: int
) -> None:
    code, work, used = _run_action(tmp_path, deployment, deployments=f"deploy/{deployment}")
    assert code == expected
    results = work / "fedcheck-results"
    stem = "deploy__" + deployment.rsplit(".", 1)[0]
    sarif, html = results / f"{stem}.sarif", results / f"{stem}.html"
    assert sarif.is_file() and html.is_file()
    assert '"version": "2.1.0"' in sarif.read_text(encoding="utf-8")
    assert "<html" in html.read_text(encoding="utf-8").lower()
    upload_sarif, upload_artifact = used
    assert (work / upload_sarif["with"]["sarif_file"]).resolve() == results.resolve()
    assert (work / upload_artifact["with"]["path"]).resolve() == results.resolve()


def test_action_fail_on_lets_lower_severities_through(tmp_path: Path) -> None:
    code, _, _ = _run_action(
        tmp_path, NONCOMPLIANT, deployments=f"deploy/{NONCOMPLIANT}", **{"fail-on": "critical"}
    )
    import fedcheck

    result = fedcheck.evaluate(
        fedcheck.load_deployment(str(EXAMPLES / NONCOMPLIANT)), fedcheck.load_catalog()
    )
    has_critical = bool(result.failing(fedcheck.Severity.CRITICAL))
    assert code == (1 if has_critical else 0)


def test_action_checks_every_file_of_a_directory_and_keeps_the_worst_code(tmp_path: Path) -> None:
    code, work, _ = _run_action(tmp_path, COMPLIANT, deployments="deploy", extra=(NONCOMPLIANT,))
    assert code == 1
    written = sorted(p.name for p in (work / "fedcheck-results").iterdir())
    assert written == sorted(
        f"deploy__{name.rsplit('.', 1)[0]}.{ext}"
        for name in (COMPLIANT, NONCOMPLIANT)
        for ext in ("html", "sarif")
    )


def test_action_bad_input_gates_with_2(tmp_path: Path) -> None:
    code, _, _ = _run_action(tmp_path, COMPLIANT, deployments="deploy/absent.yaml")
    assert code == 2


# --- GitLab CI ----------------------------------------------------------------------------------


def _gitlab_job() -> dict[str, Any]:
    doc = yaml.safe_load((REPO / "ci" / "gitlab" / "fedcheck.gitlab-ci.yml").read_text("utf-8"))
    return doc[".fedcheck"]


@pytest.mark.parametrize("deployment,expected", [(COMPLIANT, 0), (NONCOMPLIANT, 1)])
def test_gitlab_job_writes_junit_and_html_and_gates(
    tmp_path: Path, deployment: str, expected: int
) -> None:
    job = _gitlab_job()
    assert job["artifacts"]["when"] == "always"
    work = _workspace(tmp_path, deployment)
    env = {**_shim(tmp_path / "bin"), **{k: str(v) for k, v in job["variables"].items()}}
    env["FEDCHECK_DEPLOYMENT"] = f"deploy/{deployment}"
    code = 0
    for line in job["script"]:
        if "pip install" in line:
            continue
        done = subprocess.run(
            ["sh", "-e", "-c", line], cwd=work, env=env, capture_output=True, text=True, timeout=300
        )
        assert "Traceback" not in done.stderr, done.stderr
        code = done.returncode
        if code:
            break
    assert code == expected
    junit = work / job["artifacts"]["reports"]["junit"]
    assert junit.is_file() and "<testsuite" in junit.read_text(encoding="utf-8")
    for path in job["artifacts"]["paths"]:
        assert (work / path).is_file(), f"artifact {path} was not written"


# --- pre-commit ---------------------------------------------------------------------------------

HOOK_REPO_FILES = (
    "pyproject.toml",
    "README.md",
    ".pre-commit-hooks.yaml",
    "fedcheck",
    "controls",
    "schemas",
)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=fedcheck tests",
            "-c",
            "user.email=tests@invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of this working tree: what try-repo installs the hooks from."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (a test dependency: pip install pre-commit)")
    repo = tmp_path_factory.mktemp("hook-repo")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".fedcheck-cache*")
    for name in HOOK_REPO_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=ignore)
        else:
            shutil.copy(source, repo / name)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "fedcheck under test")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(
    hook_repo: Path, home: Path, work: Path, hook: str, *files: str
) -> subprocess.CompletedProcess[str]:
    if not (work / ".git").exists():
        _git(work, "init", "-q")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "--allow-empty", "-m", "deployments")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), NO_COLOR="1", FEDCHECK_NO_CACHE="1")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hook_repo),
            hook,
            "--files",
            *files,
            "--color",
            "never",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.parametrize("deployment,passes", [(COMPLIANT, True), (NONCOMPLIANT, False)])
def test_pre_commit_check_hook_gates(
    hook_repo: Path, pre_commit_home: Path, tmp_path: Path, deployment: str, passes: bool
) -> None:
    work = _workspace(tmp_path, deployment)
    done = _try_repo(hook_repo, pre_commit_home, work, "fedcheck-check", f"deploy/{deployment}")
    output = done.stdout + done.stderr
    assert "fedcheck check" in output
    assert "Skipped" not in output, "the hook's files pattern did not match deploy/*.yaml"
    assert (done.returncode == 0) is passes, output
    if not passes:
        assert "FAIL" in output


def test_pre_commit_validate_hook(hook_repo: Path, pre_commit_home: Path, tmp_path: Path) -> None:
    from fedcheck.cli import build_parser

    sub = next(
        a for a in build_parser()._actions if hasattr(a, "choices") and isinstance(a.choices, dict)
    )
    if "validate" not in sub.choices:
        pytest.skip("fedcheck validate is not there yet")
    work = tmp_path / "work"
    shutil.copytree(EXAMPLES / "tailoring", work)
    controls = sorted(str(p.relative_to(work)) for p in (work / "controls").rglob("*.yaml"))
    good = _try_repo(
        hook_repo, pre_commit_home, work, "fedcheck-validate", "profile.yaml", *controls
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    (work / "profile.yaml").write_text("name: broken\nbaseline: extreme\n", encoding="utf-8")
    bad = _try_repo(hook_repo, pre_commit_home, work, "fedcheck-validate", "profile.yaml")
    assert bad.returncode != 0
    assert "profile.yaml:2" in bad.stdout + bad.stderr


def test_hooks_are_declared_as_documented() -> None:
    hooks = {
        h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    }
    assert hooks["fedcheck-check"]["entry"] == "fedcheck check"
    assert hooks["fedcheck-validate"]["entry"] == "fedcheck validate"
    pattern = re.compile(hooks["fedcheck-check"]["files"])
    for path in (
        "fedcheck.yaml",
        "deploy/app.yaml",
        "svc/deployments/prod.yml",
        "prod.fedcheck.yaml",
    ):
        assert pattern.search(path), path
    for path in (".github/workflows/ci.yaml", "docker-compose.yml", "controls/org-1.yaml"):
        assert not pattern.search(path), path
    assert all(h["pass_filenames"] for h in hooks.values())
