"""A bounded mutation fuzz of the loaders and of ``fedcheck check`` on real files.

Seeds are the files a user starts from: the example deployments under ``examples/``, the contract
in ``../shared/spec/deployment-v1.yaml`` (copied into a temporary directory, never into the
repository), the example profile and waiver file, and a catalog control. Hypothesis mutates
them (byte flips, truncations, duplicated, dropped or swapped lines, re-indentation, inserted YAML
specials) and the oracle is the same for every outcome: the loaders return or raise a
``FedcheckError``, and the CLI exits 0, 1 or 2 with no traceback and no "internal error".

The budget is small in CI; ``FEDCHECK_FUZZ_EXAMPLES=5000`` runs longer by hand.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fedcheck.cli import main
from fedcheck.errors import FedcheckError
from fedcheck.inputs import parse_deployment
from fedcheck.loading import Limits, parse_text

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "spec" / "deployment-v1.yaml"
EXAMPLES = int(os.environ.get("FEDCHECK_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def _seeds(kind: str) -> list[bytes]:
    if kind == "deployment":
        paths = sorted(ROOT.glob("examples/*.yaml")) + sorted(
            ROOT.glob("examples/*/deployment.yaml")
        )
        if SPEC.is_file():
            paths.append(SPEC)
    elif kind == "control":
        paths = [
            ROOT / "controls" / "ac" / "ac-11.yaml",
            *sorted(ROOT.glob("examples/tailoring/controls/*/*.yaml")),
        ]
    else:
        paths = sorted(ROOT.glob(f"examples/*/{kind}.yaml"))
    seeds = [p.read_bytes() for p in paths if p.is_file()]
    if not seeds:
        pytest.skip(f"no seed file for {kind}: examples/ and ../shared/spec are absent")
    return seeds


#: Tokens that change what YAML means, inserted anywhere.
SPECIALS = [
    "&a ",
    "*a",
    "*undefined",
    "<<: *a\n",
    "!!python/object/apply:os.system ['true'] ",
    "!!binary ",
    "!custom ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "? ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    '"',
    "|",
    ">-",
    "#",
    "\t",
    "\x00",
    "\r",
    "\ufeff",
    "\u2028",
    "\x85",
    "no",
    "yes",
    "on",
    "0755",
    "089",
    "1e5",
    "+.5",
    ".inf",
    ".nan",
    "~",
    "null",
    "1.2",
    "-1",
    "99999999999999999999999999999999",
    "\\",
    "\\u0000",
    "@",
    "`",
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(["flip", "truncate", "duplicate", "drop", "swap", "indent", "insert"])
        )
        lines = data.split(b"\n")
        if kind == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
        elif kind == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
        elif kind in ("duplicate", "drop", "indent") and lines:
            i = draw(st.integers(0, len(lines) - 1))
            if kind == "duplicate":
                lines.insert(i, lines[i])
            elif kind == "drop":
                del lines[i]
            else:
                shift = draw(st.sampled_from([b"  ", b" ", b"    "]))
                line = lines[i]
                lines[i] = shift + line if draw(st.booleans()) else line[len(shift) :]
            data = b"\n".join(lines)
        elif kind == "swap" and len(lines) > 1:
            i, j = draw(
                st.lists(st.integers(0, len(lines) - 1), min_size=2, max_size=2, unique=True)
            )
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        elif kind == "insert":
            i = draw(st.integers(0, len(data)))
            data = data[:i] + draw(st.sampled_from(SPECIALS)).encode() + data[i:]
    return data


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory for the mutated files, and a catalog cache of its own so that the bundled
    catalog is read once while every mutated control directory stays out of the user's cache."""
    path = tmp_path_factory.mktemp("fuzz")
    saved = {
        k: os.environ.get(k) for k in ("FEDCHECK_CACHE_DIR", "FEDCHECK_NO_CACHE", "FEDCHECK_DEBUG")
    }
    os.environ["FEDCHECK_CACHE_DIR"] = str(path / "cache")
    for name in ("FEDCHECK_NO_CACHE", "FEDCHECK_DEBUG"):
        os.environ.pop(name, None)
    yield path
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


def _assert_clean_outcome(code: int, err: str, data: bytes) -> None:
    assert code in (0, 1, 2), (code, err, data[:300])
    assert "Traceback" not in err and "internal error" not in err, (err, data[:300])
    if code == 2:
        assert "error" in err and "fix:" in err, (err, data[:300])


# --- the loaders, in process: fast, so many examples -----------------------------------------


@settings(FUZZ, max_examples=EXAMPLES * 4)
@given(data=st.data())
def test_loaders_return_or_refuse_cleanly(data: Any) -> None:
    raw = data.draw(mutated(_seeds("deployment")))
    limits = Limits(max_file_bytes=1_000_000)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # read_text refuses it; the CLI fuzz below covers that path
    for load in (
        lambda: parse_text(text, "fuzz.yaml", limits),
        lambda: parse_deployment(text, "fuzz.yaml", limits),
    ):
        try:
            load()
        except FedcheckError as exc:
            for problem in exc.problems:  # type: ignore[attr-defined]
                assert problem.message and problem.file == "fuzz.yaml"
                if problem.line is not None:
                    assert 1 <= problem.line <= text.count("\n") + 1, (problem, text)


# --- the CLI on mutated files ----------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_check_on_mutated_deployments_exits_cleanly(workdir: Path, data: Any) -> None:
    raw = data.draw(mutated(_seeds("deployment")))
    path = workdir / "deployment.yaml"
    path.write_bytes(raw)
    _assert_clean_outcome(*_cli(["check", str(path), "--quiet"]), raw)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 2))
@given(data=st.data())
def test_check_on_mutated_json_deployments_exits_cleanly(workdir: Path, data: Any) -> None:
    import json

    import yaml

    seeds = []
    for seed in _seeds("deployment"):
        try:
            seeds.append(json.dumps(yaml.safe_load(seed), indent=1, default=str).encode())
        except yaml.YAMLError:
            continue
    raw = data.draw(mutated(seeds))
    path = workdir / "deployment.json"
    path.write_bytes(raw)
    _assert_clean_outcome(*_cli(["check", str(path), "--quiet"]), raw)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 2))
@given(data=st.data())
def test_check_with_a_mutated_control_exits_cleanly(workdir: Path, data: Any) -> None:
    raw = data.draw(mutated(_seeds("control")))
    controls = workdir / "controls"
    shutil.rmtree(controls, ignore_errors=True)
    controls.mkdir()
    # An id of its own, so that a mutated copy of a catalog control is not a mere duplicate.
    (controls / "org-99.yaml").write_bytes(raw.replace(b"AC-11", b"ORG-99", 1))
    deployment = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
    if not deployment.is_file():
        pytest.skip("examples/agency-ai-assistant-compliant.yaml is absent")
    _assert_clean_outcome(
        *_cli(["check", str(deployment), "--quiet", "--controls", str(controls)]), raw
    )


@pytest.mark.parametrize("kind", ["profile", "waivers"])
def test_check_with_a_mutated_profile_or_waiver_file_exits_cleanly(
    workdir: Path, kind: str
) -> None:
    pytest.importorskip("fedcheck.profiles" if kind == "profile" else "fedcheck.waivers")
    seeds = _seeds(kind)
    deployment = ROOT / "examples" / "tailoring" / "deployment.yaml"
    if not deployment.is_file():
        pytest.skip("examples/tailoring/deployment.yaml is absent")
    controls = ROOT / "examples" / "tailoring" / "controls"
    option = "--profile" if kind == "profile" else "--waivers"

    @settings(FUZZ, max_examples=max(10, EXAMPLES // 2))
    @given(raw=mutated(seeds))
    def fuzz(raw: bytes) -> None:
        path = workdir / "tailoring" / f"{kind}.yaml"
        path.parent.mkdir(exist_ok=True)
        if kind == "profile" and not (path.parent / "controls").exists():
            shutil.copytree(controls, path.parent / "controls")  # control_dirs is relative
        path.write_bytes(raw)
        argv = ["check", str(deployment), "--quiet", option, str(path)]
        if kind == "waivers":
            argv += ["--controls", str(controls)]
        _assert_clean_outcome(*_cli(argv), raw)

    fuzz()
