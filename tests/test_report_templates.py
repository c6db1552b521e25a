"""User templates (``--template``): rendered in a sandbox, bound to their own directory, and every
problem is an InputError that names the template file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_fixtures import JINJA, SCRIPT, make_result

from fedcheck.errors import InputError
from fedcheck.findings import Result
from fedcheck.reports import render
from fedcheck.reports.html import render_html
from fedcheck.reports.markdown import render_markdown


@pytest.fixture(scope="module")
def result() -> Result:
    return make_result()


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_user_html_template_renders_with_autoescape(result: Result, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "mine.html.j2",
        "<h1>{{ system.name }}</h1><p>{{ summary.counts.fail }} failed</p>"
        "{% for f in failing %}<li>{{ f.control_id }}: {{ f.message }}</li>{% endfor %}\n",
    )
    html = render_html(result, template=str(path))
    assert html.startswith(
        "<h1>&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}</h1><p>2 failed</p>"
    )
    assert SCRIPT not in html and "49" not in html


def test_a_user_markdown_template_escapes_every_value(result: Result, tmp_path: Path) -> None:
    path = _write(tmp_path, "mine.md.j2", "# {{ system.name }}\n{{ summary.line }}\n")
    md = render_markdown(result, template=path)
    assert md.startswith("# &lt;script&gt;alert(1)&lt;/script&gt; {{ 7\\*7 }}\n")
    assert "2 failed, 1 error" in md


def test_render_passes_the_template_to_markdown_and_html_only(
    result: Result, tmp_path: Path
) -> None:
    path = _write(tmp_path, "t.j2", "system {{ system.id }}\n")
    assert render(result, "html", template=str(path)) == "system sys-1\n"
    assert render(result, "markdown", template=str(path)) == "system sys-1\n"
    assert render(result, "json", template=str(path)).startswith("{")


def test_a_user_template_can_extend_the_bundled_one(result: Result, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "branded.html.j2",
        '{% extends "fedcheck/report.html.j2" %}'
        "{% block signoff %}<p>Agency sign-off</p>{% endblock %}",
    )
    html = render_html(result, template=path)
    assert "<p>Agency sign-off</p>" in html and 'id="count-fail"' in html
    assert '<section id="signoff">' not in html


def test_a_syntax_error_names_the_template_and_line(result: Result, tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.md.j2", "# report\n\n{% for %}\n")
    with pytest.raises(InputError) as err:
        render_markdown(result, template=str(path))
    problem = err.value.problem
    assert problem.file == str(path) and problem.line == 3
    assert "template syntax error" in problem.message and problem.fix


def test_an_unknown_variable_names_the_template_and_line(result: Result, tmp_path: Path) -> None:
    path = _write(tmp_path, "typo.html.j2", "ok\n{{ sytem.name }}\n")
    with pytest.raises(InputError) as err:
        render_html(result, template=str(path))
    assert err.value.problem.line == 2 and "sytem" in err.value.problem.message


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ system.__init__.__globals__ }}",
        "{% for i in range(10**9) %}{{ i }}{% endfor %}",
        "{{ 'x' * 10**9 }}",
        "{{ 10 ** 100000 }}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_the_sandbox_refuses_internals_and_huge_work(
    result: Result, tmp_path: Path, body: str
) -> None:
    path = _write(tmp_path, "evil.html.j2", "line one\n" + body + "\n")
    with pytest.raises(InputError) as err:
        render_html(result, template=str(path))
    assert err.value.problem.file == str(path)
    assert err.value.problem.line == 2


def test_a_modest_range_is_allowed(result: Result, tmp_path: Path) -> None:
    path = _write(tmp_path, "ok.html.j2", "{% for i in range(3) %}{{ i }}{% endfor %}\n")
    assert render_html(result, template=str(path)) == "012"  # trim_blocks eats the newline


def test_a_template_cannot_include_files_outside_its_directory(
    result: Result, tmp_path: Path
) -> None:
    inner = tmp_path / "templates"
    inner.mkdir()
    _write(tmp_path, "secret.txt", "top secret\n")
    path = _write(inner, "sneaky.html.j2", '{% include "../secret.txt" %}\n')
    with pytest.raises(InputError) as err:
        render_html(result, template=str(path))
    assert "top secret" not in str(err.value)


def test_a_missing_template_is_an_input_error(result: Result, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        render_html(result, template=str(tmp_path / "nope.html.j2"))


def test_a_template_that_is_not_utf8_is_an_input_error(result: Result, tmp_path: Path) -> None:
    path = tmp_path / "latin1.html.j2"
    path.write_bytes("caf\xe9 {{ system.id }}\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        render_html(result, template=str(path))


def test_template_syntax_in_deployment_text_is_never_evaluated(
    result: Result, tmp_path: Path
) -> None:
    path = _write(tmp_path, "t.html.j2", "{{ system.name }}|{{ manual[0].message }}\n")
    out = render_html(result, template=str(path))
    assert out.count(JINJA) == 2 and "49" not in out
