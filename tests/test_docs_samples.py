"""Every code sample in docs/*.md (and docs/**/*.md) and README.md runs, so the docs cannot drift.

The conventions (also written at the top of docs/getting-started.md):

- Blocks of one page run in order, in one scratch directory per page that holds a copy of
  ``examples/`` and ``schemas/`` and the ``controls/`` catalog, so a page may write files
  (``fedcheck init``) and use them in a later block.
- ```python: executed.
- ```console: lines starting with ``$ `` are commands; every other line is output and is not
  compared. ```sh / ```shell / ```bash: every line that is not blank or a comment is a command
  (a leading ``$ `` is allowed). ``fedcheck ...`` runs through ``fedcheck.cli.main``; it must exit
  with the code in a trailing ``# exit N`` comment (default 0). ``VAR=value`` prefixes set
  environment variables, ``> FILE`` writes the standard output to FILE, ``cd DIR`` changes
  directory. ``pip install ...`` lines are setup and are not run. Any other command fails.
- ```yaml: loaded with fedcheck's safe loader. A deployment (told by its keys, as
  ``fedcheck validate`` does) must load with ``fedcheck.parse_deployment``; a control, profile
  or waiver file must pass ``fedcheck validate``. ```yaml fragment is only loaded.
- ```json is parsed, ```xml is parsed, ```jinja is compiled in Jinja2's sandbox, ```toml is
  parsed.
- ```text, ```markdown and ```html are samples of output and are not run.
- A fence without a language fails: write ```text for output.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import sys
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted([*(REPO / "docs").rglob("*.md"), REPO / "README.md"])
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^\n`]*)$")
SHELLS = {"console", "sh", "shell", "bash"}
OUTPUT = {"text", "markdown", "md", "html", "output"}
LANGUAGES = SHELLS | OUTPUT | {"python", "yaml", "yml", "json", "xml", "jinja", "jinja2", "toml"}


@dataclass
class Block:
    page: Path
    line: int
    language: str
    flags: tuple[str, ...]
    code: str

    @property
    def where(self) -> str:
        return f"{_shown(self.page)}:{self.line}"


def _shown(page: Path) -> str:
    return str(page.relative_to(REPO)) if page.is_relative_to(REPO) else page.name


def blocks(page: Path) -> list[Block]:
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent, info = m["fence"], len(m["indent"]), m["info"].strip().split()
        body: list[str] = []
        start = i + 1
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][indent:] if lines[i][:indent].isspace() else lines[i])
            i += 1
        i += 1
        language = info[0].lower() if info else ""
        found.append(Block(page, start, language, tuple(info[1:]), "\n".join(body) + "\n"))
    return found


ALL = [b for page in PAGES for b in blocks(page)]


# --- running ------------------------------------------------------------------------------------


def _scratch(base: Path) -> Path:
    work = base / "repo"
    if not work.exists():
        work.mkdir(parents=True)
        for name in ("examples", "schemas"):
            shutil.copytree(REPO / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        (work / "controls").symlink_to(REPO / "controls", target_is_directory=True)
        for name in ("README.md", "pyproject.toml"):
            shutil.copy(REPO / name, work / name)
    return work


def _commands(block: Block) -> list[tuple[str, int]]:
    out = []
    lines = block.code.splitlines()
    n = 0
    while n < len(lines):
        line, first = lines[n].strip(), n
        while line.endswith("\\") and n + 1 < len(lines):  # a continued command
            n += 1
            line = line[:-1].rstrip() + " " + lines[n].strip()
        n += 1
        if block.language == "console":
            if not line.startswith("$ "):
                continue
        elif not line or line.startswith("#"):
            continue
        command = line[2:] if line.startswith("$ ") else line
        for part in re.split(r"\s&&\s", command):  # a && b: b runs when a succeeded
            out.append((part.strip(), block.line + first + 1))
    return out


def _run_command(command: str, where: str, cwd: list[Path]) -> None:
    from fedcheck.cli import main

    expected = 0
    m = re.search(r"#\s*exit\s+(\d+)\s*$", command)
    if m:
        expected = int(m.group(1))
    words = shlex.split(command, comments=True)
    env: dict[str, str] = {}
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    stdout_file = None
    if ">" in words:
        at = words.index(">")
        assert at == len(words) - 2, f"{where}: only '> FILE' at the end is supported"
        stdout_file = words[-1]
        words = words[:at]
    assert not set(words) & {"|", "&&", "||", ";", "<", "2>"}, (
        f"{where}: pipes and command lists are not run by the docs test; write one command a line"
    )
    if not words:
        return
    if words[0] == "cd":
        cwd[0] = (cwd[0] / words[1]).resolve()
        return
    if words[:2] == ["pip", "install"] or words[:4] == ["python", "-m", "pip", "install"]:
        return  # setup: the environment running this test has fedcheck
    if words[:3] == ["python", "-m", "pytest"]:
        return  # the test suite, which is running now
    assert words[0] == "fedcheck", f"{where}: cannot run '{words[0]}' (only fedcheck commands run)"
    old_env = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    old_cwd = os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.chdir(cwd[0])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(words[1:])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(old_cwd)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if stdout_file:
        (cwd[0] / stdout_file).write_text(out.getvalue(), encoding="utf-8")
    assert "Traceback" not in err.getvalue(), f"{where}: {command}\n{err.getvalue()}"
    assert code == expected, (
        f"{where}: '{command}' exited {code}, the docs say {expected}\n"
        f"stdout:\n{out.getvalue()[-3000:]}\nstderr:\n{err.getvalue()[-3000:]}"
    )


def _check_yaml(block: Block, work: Path) -> None:
    from fedcheck.catalog import Catalog
    from fedcheck.inputs import parse_deployment
    from fedcheck.loading import parse_text
    from fedcheck.validate import detect_kind, validate_file

    data, _ = parse_text(block.code, block.where)
    if "fragment" in block.flags:
        return
    kind = detect_kind(data)
    if kind == "deployment":
        parse_deployment(block.code, block.where)
    elif kind is not None:
        sample = work / f".docs-sample-{block.line}.yaml"
        sample.write_text(block.code, encoding="utf-8")
        old = os.getcwd()
        os.chdir(work)
        try:
            # A control sample shows the format with a catalog control (AC-11): checked on its
            # own, since as a custom control beside the catalog it would be defined twice.
            alone = Catalog({}, "", "") if kind == "control" else None
            verdict = validate_file(str(sample.name), kind, catalog=alone)
        finally:
            os.chdir(old)
            sample.unlink()
        assert verdict.ok, f"{block.where}: a {kind} sample does not validate:\n" + "\n".join(
            p.render() for p in verdict.problems
        )


def _run(block: Block, work: Path) -> None:
    language = block.language
    if language in OUTPUT:
        return
    if language == "python":
        old = os.getcwd()
        os.chdir(work)
        sys.path.insert(0, str(work))
        try:
            code = compile(block.code, block.where, "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, {"__name__": "__docs__"})  # noqa: S102 - the docs' own samples
        finally:
            sys.path.remove(str(work))
            os.chdir(old)
    elif language in SHELLS:
        cwd = [work]
        commands = _commands(block)
        assert commands, f"{block.where}: a {language} block with no command; use text for output"
        for command, line in commands:
            _run_command(command, f"{_shown(block.page)}:{line}", cwd)
    elif language in ("yaml", "yml"):
        _check_yaml(block, work)
    elif language == "json":
        json.loads(block.code)
    elif language == "xml":
        ET.fromstring(block.code.strip())
    elif language in ("jinja", "jinja2"):
        from jinja2.sandbox import SandboxedEnvironment

        SandboxedEnvironment().parse(block.code)
    elif language == "toml":
        tomllib.loads(block.code)


# Pages whose samples are known not to run yet, each reported to its author; strict, so that
# the marker must go when the page is fixed.
KNOWN_BROKEN: dict[str, str] = {}


def _page_param(page: Path) -> object:
    name = str(page.relative_to(REPO))
    if name in KNOWN_BROKEN:
        return pytest.param(
            page, id=name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BROKEN[name])
        )
    return pytest.param(page, id=name)


@pytest.mark.parametrize("page", [_page_param(p) for p in PAGES])
def test_every_sample_of_the_page_runs(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    work = _scratch(tmp_path)
    page_blocks = blocks(page)
    for block in page_blocks:
        assert block.language, (
            f"{block.where}: a code fence without a language; write ```text "
            "for output, or the language of the sample"
        )
        assert block.language in LANGUAGES, (
            f"{block.where}: the docs test does not know ```{block.language}"
        )
        _run(block, work)


# --- the runner itself --------------------------------------------------------------------------


def test_runner_finds_languages_exit_codes_and_fragments(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```console\n$ fedcheck check examples/agency-ai-assistant.yaml  # exit 1\noutput\n```\n"
        "  ```yaml fragment\n  a: 1\n  ```\n",
        encoding="utf-8",
    )
    found = blocks(page)
    assert [(b.language, b.flags) for b in found] == [("console", ()), ("yaml", ("fragment",))]
    assert _commands(found[0]) == [
        ("fedcheck check examples/agency-ai-assistant.yaml  # exit 1", 2)
    ]
    chained = Block(page, 1, "sh", (), "pip install . && fedcheck check a.yaml \\\n  --quiet\n")
    assert _commands(chained) == [("pip install .", 2), ("fedcheck check a.yaml --quiet", 2)]
    assert found[1].code == "a: 1\n"


def test_runner_fails_a_wrong_exit_code(tmp_path: Path) -> None:
    work = _scratch(tmp_path)
    with pytest.raises(AssertionError, match="exited 1, the docs say 0"):
        _run_command("fedcheck check examples/agency-ai-assistant.yaml", "x.md:1", [work])
    _run_command(
        "fedcheck check examples/agency-ai-assistant.yaml --quiet # exit 1", "x.md:1", [work]
    )


def test_runner_refuses_other_programs_and_bad_deployments(tmp_path: Path) -> None:
    work = _scratch(tmp_path)
    with pytest.raises(AssertionError, match="cannot run 'rm'"):
        _run_command("rm -rf examples", "x.md:1", [work])
    bad = Block(tmp_path / "x.md", 1, "yaml", (), "version: 1\nsystem: {id: BAD ID}\n")
    with pytest.raises(Exception, match="system.id|id"):
        _check_yaml(bad, work)
    _check_yaml(Block(bad.page, 1, "yaml", ("fragment",), bad.code), work)
