"""The HTML attestation report in a real headless browser (Debian's chromium).

It must load offline (no request but the file itself), log no console error, show the same
summary numbers as the JSON result, and fit a phone's width.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fedcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "agency-ai-assistant.yaml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright (test extra) drives the browser"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's)"
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("browser")
    html, result = out / "report.html", out / "result.json"
    code = main(
        [
            "check",
            str(EXAMPLE),
            "--quiet",
            "--format",
            "html",
            "--output",
            str(html),
            "--format",
            "json",
            "--output",
            str(result),
        ]
    )
    assert code == 1
    return html, json.loads(result.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_report_loads_offline_without_console_errors(browser, report, tmp_path: Path) -> None:
    html, _ = report
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    requests: list[str] = []
    console: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append((m.type, m.text)))
    page.on("pageerror", lambda e: console.append(("pageerror", str(e))))
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot))
    assert requests == [html.as_uri()], f"the report made network requests: {requests[1:]}"
    assert [c for c in console if c[0] in ("error", "pageerror", "warning")] == []
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    page.close()


def test_summary_numbers_match_the_json_result(browser, report) -> None:
    html, result = report
    page = browser.new_page()
    page.goto(html.as_uri())
    for status, count in result["summary"]["by_status"].items():
        shown = page.inner_text(f"#count-{status.replace('_', '-')}").strip()
        assert int(shown) == count, f"{status}: page shows {shown}, result has {count}"
    assert result["summary"]["by_status"]["fail"] > 0
    page.close()


def test_report_fits_a_phone_screen(browser, report, tmp_path: Path) -> None:
    html, _ = report
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(html.as_uri())
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"the page is {width}px wide on a 390px screen"
    page.screenshot(path=str(tmp_path / "phone.png"))
    page.close()


def test_report_prints(browser, report, tmp_path: Path) -> None:
    html, _ = report
    page = browser.new_page()
    page.goto(html.as_uri())
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf))
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    page.close()
