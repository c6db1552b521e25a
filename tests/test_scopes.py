"""Named scopes (controls/_scopes.yaml): a condition several controls scope on, written once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fedcheck.catalog import check_scopes, load_catalog
from fedcheck.errors import InputError, InputErrors
from fedcheck.evaluation import evaluate
from fedcheck.findings import Status
from fedcheck.inputs import parse_deployment
from fedcheck.plan import Tailoring
from fedcheck.scopes import Scope, bundled_scopes, load_scopes

CONTROL = """id: ORG-1
title: Sessions end
family: ORG
baselines: []
severity: high
rules:
  - target: component
    where: {scope: SCOPE}
    checks:
      - assert: {field: access.session_timeout_minutes, at_most: 15}
"""

DEPLOYMENT = """version: 1
system: {id: sys, impact_level: high}
components:
  - {id: portal, type: web_app, access: {sign_in: true, session_timeout_minutes: 30}}
  - {id: db, type: database, access: {sign_in: false, session_timeout_minutes: 30}}
  - {id: mystery, access: {session_timeout_minutes: 30}}
"""


def _catalog(tmp_path: Path, scope: str = "sign_in"):
    d = tmp_path / "controls"
    d.mkdir(exist_ok=True)
    (d / "org-1.yaml").write_text(CONTROL.replace("SCOPE", scope), encoding="utf-8")
    return load_catalog([d], include_bundled=False)


def test_a_named_scope_selects_as_its_condition_and_fails_closed(tmp_path: Path) -> None:
    result = evaluate(
        parse_deployment(DEPLOYMENT, "deploy.yaml"),
        _catalog(tmp_path),
        baseline="high",
        tailoring=Tailoring(add=("ORG-1",)),
    )
    by_target = {f.target: f for f in result.findings}
    assert by_target["portal"].status is Status.FAIL  # people sign in to it
    assert by_target["db"].status is Status.NOT_APPLICABLE  # stated: nobody signs in to it
    # Not stated: the scope is unknown, so the control applies, and the message says why.
    assert by_target["mystery"].status is Status.FAIL
    assert "components[mystery].access.sign_in not stated" in by_target["mystery"].message


def test_an_unknown_scope_is_a_load_error_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _catalog(tmp_path, "sign_inn")
    problem = info.value.problem
    assert problem.line == 8 and "unknown scope 'sign_inn'" in problem.message
    assert problem.fix == "did you mean 'sign_in'?"


def test_a_scope_is_refused_on_another_kind_of_target(tmp_path: Path) -> None:
    d = tmp_path / "controls"
    d.mkdir()
    text = CONTROL.replace("target: component", "target: flow").replace("SCOPE", "sign_in")
    (d / "org-1.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="selects component targets"):
        load_catalog([d], include_bundled=False)


def test_a_scope_that_uses_itself_is_refused(tmp_path: Path) -> None:
    loop = Scope("loop", "component", "x", {"scope": "loop"}, "_scopes.yaml", 3, 3)
    with pytest.raises(InputErrors) as info:
        check_scopes({"loop": loop})
    assert "uses itself" in str(info.value) and info.value.problems[0].line == 3


@pytest.mark.parametrize(
    "text, words",
    [
        (
            "version: 1\nscopes:\n  Sign-In: {target: component, description: x, where: {}}\n",
            "snake_case",
        ),
        ("version: 1\nscopes:\n  a: {target: planet, description: x, where: {}}\n", "not a kind"),
        ("version: 1\nscopes:\n  a: {target: component, where: {}}\n", "lacks description"),
        ("scopes:\n  a: {target: component, description: x, where: {}}\n", "version: 1"),
    ],
)
def test_a_bad_scopes_file_is_refused_at_its_line(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "_scopes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_scopes(str(path))
    assert words in str(info.value)
    assert all(p.line is not None and p.fix for p in info.value.problems)


def _expressions(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _expressions(item)


def test_every_bundled_scope_is_used_and_no_control_pastes_its_condition() -> None:
    scopes = bundled_scopes()
    assert scopes, "the bundled catalog names its shared scopes in controls/_scopes.yaml"
    catalog = load_catalog()
    for name, scope in scopes.items():
        users = [c.id for c in catalog if {"scope": name} in list(_expressions(list(c.rules)))]
        assert users, f"scope {name} is used by no control"
        pasted = [c.id for c in catalog if scope.where in list(_expressions(list(c.rules)))]
        assert not pasted, f"{pasted} paste the condition of scope {name}; use the scope"


def test_the_scopes_file_is_not_read_as_a_control() -> None:
    catalog = load_catalog()
    assert all(not Path(c.file).name.startswith("_") for c in catalog)


def test_a_control_file_named_with_an_underscore_is_still_read(tmp_path: Path) -> None:
    # Only the bundled catalog's _scopes.yaml is data; any other file is a control, so that no
    # control goes unjudged for its name.
    d = tmp_path / "controls"
    d.mkdir()
    (d / "_org-1.yaml").write_text(CONTROL.replace("SCOPE", "sign_in"), encoding="utf-8")
    assert "ORG-1" in load_catalog([d], include_bundled=False)


def test_a_scopes_file_in_a_custom_directory_is_refused_not_ignored(tmp_path: Path) -> None:
    d = tmp_path / "controls"
    d.mkdir()
    (d / "org-1.yaml").write_text(CONTROL.replace("SCOPE", "sign_in"), encoding="utf-8")
    (d / "_scopes.yaml").write_text("version: 1\nscopes: {}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_catalog([d], include_bundled=False)
    assert "cannot define named scopes" in info.value.problem.message
    assert info.value.problem.line == 1 and info.value.problem.fix
