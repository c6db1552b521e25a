"""Measure fedcheck against its floors and against other engines; write docs/performance.md.

    python benchmarks/run.py                 # sizes 100, 1,000, 10,000; several minutes
    python benchmarks/run.py --quick         # sizes 100 and 1,000, 2 repetitions; under a minute
    python benchmarks/run.py --sizes 100,1000 --repeat 5 --out docs/performance.md

Every figure is the median of the repetitions, measured in this one run, so that the ratios
compare like with like on the same machine. The generated deployments live in a temporary
directory that is removed afterwards.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import engines  # noqa: E402
import generate  # noqa: E402
import handwritten  # noqa: E402
import svgplot  # noqa: E402
import yaml  # noqa: E402

EXAMPLE = "examples/agency-ai-assistant-compliant.yaml"
GENERATED_AT = "2025-01-01T00:00:00Z"
#: How a pip-installed console script starts fedcheck (used when `fedcheck` is not on PATH).
CONSOLE_SHIM = "import re, sys; from fedcheck._entry import main; sys.exit(main())"
START_RUNS = 10


# --- measuring -----------------------------------------------------------------------------

#: A figure whose first run takes longer than this is repeated fewer times (at least once), so
#: that the slowest stages (rendering a report of 400,000 findings) keep the run within minutes.
SLOW_SECONDS = 4.0


def median_time(
    fn: Callable[[], Any],
    repeat: int,
    *,
    setup: Callable[[], Any] | None = None,
    no_gc: bool = False,
) -> float:
    times: list[float] = []
    while len(times) < repeat:
        if (
            times
            and times[0] > SLOW_SECONDS
            and len(times) >= max(1, round(3 * SLOW_SECONDS / times[0]))
        ):
            break
        if setup is not None:
            setup()
        gc.collect()
        if no_gc:
            gc.disable()
        start = time.perf_counter()
        try:
            fn()
        finally:
            elapsed = time.perf_counter() - start
            if no_gc:
                gc.enable()
        times.append(elapsed)
    return statistics.median(times)


def run_child(
    argv: list[str], env: dict[str, str], timeout: float | None = None
) -> tuple[float, int, int, float]:
    """Run a process; return (wall seconds, exit code, its own peak RSS in KiB, CPU seconds)."""
    # Standard error goes to a file, not a pipe: a pipe that is only read at the end fills up
    # (64 KiB) and stops a child that writes more, such as the summary of a 1,000-file check.
    errors = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, env=env, cwd=ROOT)
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            errors.close()
            raise TimeoutError(f"{' '.join(argv[:3])} did not finish within {timeout:.0f} s")
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors.seek(0)
    err = errors.read().decode(errors="replace")
    errors.close()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {err.strip()[-500:]}")
    return elapsed, proc.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def median_child(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and median CPU (user + system) seconds of ``runs`` runs of a command."""
    runs_done = [run_child(argv, env) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in runs_done),
        statistics.median(r[3] for r in runs_done),
    )


#: Lists, after a check, the modules it imported that are neither fedcheck's nor the standard
#: library's: what "importing the dependencies it needs" imports.
DEPENDENCY_PROBE = (
    "import sys\n"
    "from fedcheck.cli import main\n"
    "main(sys.argv[2:])\n"
    "names = sorted(m for m in list(sys.modules) if m.split('.')[0] not in "
    "sys.stdlib_module_names and m.split('.')[0] not in ('fedcheck', '__main__'))\n"
    "open(sys.argv[1], 'w', encoding='utf-8').write(' '.join(names))\n"
)


def dependencies_of(argv: list[str], env: dict[str, str], out: Path) -> list[str]:
    subprocess.run(
        [sys.executable, "-c", DEPENDENCY_PROBE, str(out), *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    return out.read_text(encoding="utf-8").split()


#: Runs a command and prints its peak RSS. A child's ru_maxrss counts the memory of the process
#: it was forked from until it calls exec, so the command is started from this small launcher,
#: not from the benchmark process that holds the generated documents.
MEMORY_LAUNCHER = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], "
    "stdout=subprocess.DEVNULL); _, status, usage = os.wait4(p.pid, 0); "
    "print(usage.ru_maxrss)"
)


def peak_rss_kib(argv: list[str], env: dict[str, str]) -> int:
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_LAUNCHER, *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def fedcheck_command() -> tuple[list[str], str]:
    exe = shutil.which("fedcheck")
    if exe:
        return [exe], "the installed `fedcheck` console script"
    return (
        [sys.executable, "-c", CONSOLE_SHIM],
        '`python -c "import re, sys; from fedcheck._entry import main; sys.exit(main())"`, '
        "which is what a pip-installed console script runs (no `fedcheck` was on PATH)",
    )


# --- results -------------------------------------------------------------------------------


@dataclass
class Results:
    sizes: list[int]
    repeat: int
    stages: dict[str, dict[int, float | None]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    memory_kib: dict[int, int] = field(default_factory=dict)
    memory_example_kib: int = 0
    findings: dict[int, int] = field(default_factory=dict)
    subset_failures: dict[int, int] = field(default_factory=dict)
    rego_checked: dict[int, bool] = field(default_factory=dict)
    file_bytes: dict[int, tuple[int, int]] = field(default_factory=dict)
    start: dict[str, float] = field(default_factory=dict)
    start_cpu: dict[str, float] = field(default_factory=dict)
    report_bytes: dict[str, int] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    previous: dict[str, str] = field(default_factory=dict)
    previous_catalog: str = ""
    catalog: dict[str, float] = field(default_factory=dict)
    catalog_counts: tuple[int, int] = (0, 0)
    fedcheck_cmd: str = ""
    portfolio: dict[str, float] = field(default_factory=dict)
    portfolio_shape: tuple[int, int, int, int] = (0, 0, 0, 0)  # files, components, sample, CPUs

    def put(self, stage: str, size: int, seconds: float | None) -> None:
        self.stages.setdefault(stage, {})[size] = seconds

    def get(self, stage: str, size: int) -> float | None:
        return self.stages.get(stage, {}).get(size)


# --- the Rego engine, in a child process so that a slow run can be stopped -------------------


def rego_child(json_path: str, out_path: str, repeat: int) -> int:
    data = json.loads(Path(json_path).read_text(encoding="utf-8"))
    engine = engines.RegoEngine()
    inputs, queries, failures = [], [], set()
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        engine.set_input(data)
        t1 = time.perf_counter()
        failures = engine.query()
        t2 = time.perf_counter()
        inputs.append(t1 - t0)
        queries.append(t2 - t1)
    Path(out_path).write_text(
        json.dumps(
            {
                "input": statistics.median(inputs),
                "query": statistics.median(queries),
                "failures": sorted(failures),
                "version": engine.version,
            }
        ),
        encoding="utf-8",
    )
    return 0


def measure_rego(
    json_path: Path,
    expected: set[tuple[str, str, str]],
    repeat: int,
    timeout: float,
    env: dict[str, str],
) -> tuple[float | None, float | None, str]:
    out = json_path.with_suffix(".rego.json")
    try:
        run_child(
            [
                sys.executable,
                str(HERE / "run.py"),
                "--_rego",
                str(json_path),
                str(out),
                str(repeat),
            ],
            env,
            timeout=timeout,
        )
    except TimeoutError as exc:
        return None, None, f"did not finish: {exc}"
    except RuntimeError as exc:
        return None, None, f"failed: {exc}"
    got = json.loads(out.read_text(encoding="utf-8"))
    failures = {tuple(x) for x in got["failures"]}
    if failures != expected:
        raise AssertionError(engines.describe_difference("fedcheck", expected, "Rego", failures))
    return got["input"], got["query"], ""


# --- the run -------------------------------------------------------------------------------


def measure(
    sizes: list[int], repeat: int, rego_timeout: float, work: Path, rego_up_to: int
) -> Results:
    from fedcheck import evaluate
    from fedcheck.catalog import load_catalog
    from fedcheck.inputs import _validate
    from fedcheck.loading import parse_text

    res = Results(sizes, repeat)
    env = dict(
        os.environ,
        FEDCHECK_CACHE_DIR=str(work / "cache"),
        SOURCE_DATE_EPOCH="1735689600",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    env.pop("FEDCHECK_NO_CACHE", None)
    # Children start as an installed fedcheck does, from compiled bytecode (pip writes it at
    # install); it is written under the temporary directory, never into the repository.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    cmd, res.fedcheck_cmd = fedcheck_command()

    # Catalog: cold (every control file parsed, validated, compiled) and warm (from the cache).
    os.environ["FEDCHECK_NO_CACHE"] = "1"
    res.catalog["load, cold (no cache)"] = median_time(load_catalog, max(1, min(repeat, 3)))
    del os.environ["FEDCHECK_NO_CACHE"]
    os.environ["FEDCHECK_CACHE_DIR"] = str(work / "cache-inproc")
    load_catalog()  # fills the cache
    res.catalog["load, warm (cache)"] = median_time(load_catalog, repeat)
    catalog = load_catalog()
    automated = [c for c in catalog if c.is_automated]
    res.catalog_counts = (len(catalog), len(automated))
    fresh: list[Any] = []

    def fresh_catalog() -> None:
        fresh[:] = [c for c in load_catalog() if c.is_automated]

    res.catalog["compile every automated control"] = median_time(
        lambda: [c.compile("high") for c in fresh], repeat, setup=fresh_catalog
    )
    catalog = load_catalog()
    subset = engines.load_subset_catalog()

    try:
        from fedcheck import reports

        formats: tuple[str, ...] = reports.FORMATS
    except ImportError as exc:
        reports, formats = None, ()
        res.notes["render"] = f"not available ({exc})"

    run_child([*cmd, "check", EXAMPLE, "--quiet"], env)  # fills the catalog cache of the children
    for n in sizes:
        print(f"size {n:,}: generating", file=sys.stderr, flush=True)
        yaml_path, json_path = generate.write(n, work)
        text = yaml_path.read_text(encoding="utf-8")
        jtext = json_path.read_text(encoding="utf-8")
        res.file_bytes[n] = (len(text.encode()), len(jtext.encode()))

        print(f"size {n:,}: floors and stages", file=sys.stderr, flush=True)
        res.put(
            "YAML floor (C loader, no GC)",
            n,
            median_time(lambda: yaml.load(text, Loader=yaml.CSafeLoader), repeat, no_gc=True),
        )
        res.put("JSON floor (json.loads)", n, median_time(lambda: json.loads(jtext), repeat))
        res.put(
            "load YAML with positions",
            n,
            median_time(lambda: parse_text(text, str(yaml_path)), repeat),
        )

        def load_json() -> None:
            # JSON positions are found on the first lookup, so one lookup is part of the load.
            data, source = parse_text(jtext, str(json_path), as_json=True)
            source.position((next(iter(data)),))

        res.put("load JSON with positions", n, median_time(load_json, repeat))
        data, source = parse_text(text, str(yaml_path))
        res.put(
            "validate against the model",
            n,
            median_time(lambda: _validate(data, source, str(yaml_path), "0" * 64), repeat),
        )
        loaded = _validate(data, source, str(yaml_path), "0" * 64)
        result = evaluate(loaded, catalog, baseline="high", generated_at=GENERATED_AT)
        res.findings[n] = len(result.findings)
        res.put(
            "evaluate the whole High catalog",
            n,
            median_time(
                lambda: evaluate(loaded, catalog, baseline="high", generated_at=GENERATED_AT),
                repeat,
            ),
        )
        for fmt in formats:
            stage = f"render {fmt}"
            try:
                assert reports is not None
                res.report_bytes[fmt] = len(reports.render(result, fmt).encode())
            except (ImportError, NotImplementedError) as exc:
                res.put(stage, n, None)
                res.notes[stage] = f"not available ({type(exc).__name__}: {exc})"
                continue
            res.put(stage, n, median_time(lambda: reports.render(result, fmt), repeat))

        # The rule subset: identical findings first, then time.
        print(f"size {n:,}: rule subset", file=sys.stderr, flush=True)
        expected = engines.fedcheck_failures(loaded, subset)
        hand = handwritten.failures(loaded.data)
        if hand != expected:
            raise AssertionError(
                engines.describe_difference("fedcheck", expected, "hand-written", hand)
            )
        res.subset_failures[n] = len(expected)
        res.put(
            "subset: fedcheck",
            n,
            median_time(
                lambda: evaluate(loaded, subset, baseline="high", generated_at=GENERATED_AT), repeat
            ),
        )
        res.put(
            "subset: hand-written Python",
            n,
            median_time(lambda: handwritten.failures(loaded.data), repeat),
        )
        rego_repeat = repeat if n < 1000 else 1
        if n > rego_up_to:
            r_in, r_query, why = (
                None,
                None,
                f"not run above {rego_up_to:,} components (--rego-up-to)",
            )
        else:
            r_in, r_query, why = measure_rego(json_path, expected, rego_repeat, rego_timeout, env)
        res.rego_checked[n] = r_query is not None
        res.put("subset: Rego (regopy), query", n, r_query)
        res.put("subset: Rego (regopy), input conversion", n, r_in)
        if why:
            res.notes[f"rego {n}"] = why

        print(f"size {n:,}: whole check", file=sys.stderr, flush=True)
        del data, source, loaded, result, hand, expected, text, jtext
        gc.collect()
        for label, path in (("YAML", yaml_path), ("JSON", json_path)):
            argv = [*cmd, "check", str(path), "--format", "json", "--output", os.devnull]
            res.put(
                f"fedcheck check ({label})", n, median_time(lambda: run_child(argv, env), repeat)
            )
            if label == "YAML":
                res.memory_kib[n] = peak_rss_kib(argv, env)

    print("process start", file=sys.stderr, flush=True)
    py = sys.executable
    example = [*cmd, "check", EXAMPLE, "--quiet"]
    run_child(example, env)  # writes the bytecode of everything it imports
    res.dependencies = dependencies_of(["check", EXAMPLE, "--quiet"], env, work / "deps.txt")
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "import yaml, pydantic, jsonschema, jinja2": [
            py,
            "-c",
            "import yaml, pydantic, jsonschema, jinja2",
        ],
        DEPENDENCIES: [py, "-c", IMPORT_EACH, *res.dependencies],
        "fedcheck --version": [*cmd, "--version"],
        "fedcheck check (bundled example)": example,
    }
    for name, argv in commands.items():
        res.start[name], res.start_cpu[name] = median_child(argv, env, START_RUNS)
    res.memory_example_kib = peak_rss_kib(example, env)
    measure_portfolio(res, cmd, env, work, repeat)
    return res


#: The portfolio: this many small generated systems in one directory, each of this many
#: components; checking them one process at a time is timed on the first PORTFOLIO_SAMPLE.
PORTFOLIO, PORTFOLIO_COMPONENTS, PORTFOLIO_SAMPLE = 1000, 4, 100
PORTFOLIO_EPOCH = "1764547200"  # SOURCE_DATE_EPOCH, so that two runs' reports can be compared


def _stdout_digest(argv: list[str], env: dict[str, str]) -> str:
    """The SHA-256 of a command's standard output, read in pieces (a portfolio's JSON is large)."""
    import hashlib

    digest = hashlib.sha256()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    for piece in iter(lambda: proc.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
        digest.update(piece)
    proc.wait()
    return digest.hexdigest()


def measure_portfolio(
    res: Results, cmd: list[str], env: dict[str, str], work: Path, repeat: int
) -> None:
    """`fedcheck check DIR` on every core, with one job, and one process per file."""
    print(f"portfolio of {PORTFOLIO:,} systems", file=sys.stderr, flush=True)
    folder = work / "portfolio"
    folder.mkdir()
    for i in range(PORTFOLIO):
        data = generate.generate(PORTFOLIO_COMPONENTS, seed=i)
        (folder / f"system-{i:04d}.yaml").write_text(generate.to_yaml(data), encoding="utf-8")
    penv = {**env, "SOURCE_DATE_EPOCH": PORTFOLIO_EPOCH}
    check = [*cmd, "check", str(folder), "--format", "json", "--as-of", "2026-12-01", "--quiet"]
    one_job = [*check, "--jobs", "1"]
    if _stdout_digest(check, penv) != _stdout_digest(one_job, penv):
        raise AssertionError("fedcheck check DIR wrote different reports with one job and with all")
    res.portfolio["every core"] = median_time(lambda: run_child(check, penv), repeat)
    res.portfolio["one job"] = median_time(lambda: run_child(one_job, penv), repeat)
    sample = sorted(folder.iterdir())[:PORTFOLIO_SAMPLE]
    started = time.perf_counter()
    for path in sample:
        run_child([*cmd, "check", str(path), "--format", "json", "--as-of", "2026-12-01"], penv)
    per_file = (time.perf_counter() - started) / len(sample)
    res.portfolio["one process per file"] = per_file * PORTFOLIO
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    res.portfolio_shape = (PORTFOLIO, PORTFOLIO_COMPONENTS, len(sample), cpus)


#: The start-up floor of a check: importing every third-party module it imports.
DEPENDENCIES = "import the dependencies the check imports"
#: Imports each module named on its command line (one that cannot be imported on its own,
#: such as a lazily created submodule, is skipped: importing its package made it).
IMPORT_EACH = (
    "import importlib, sys\n"
    "for name in sys.argv[1:]:\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "    except Exception:\n"
    "        pass\n"
)


# --- the report ------------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    import pydantic

    import fedcheck

    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        import yaml._yaml as libyaml  # type: ignore[import-not-found]

        libyaml_version = libyaml.get_version_string()
    except ImportError:
        libyaml_version = "not available"
    try:
        import regopy

        regopy_version = getattr(regopy, "__version__", "installed")
    except ImportError as exc:
        regopy_version = f"not installed ({exc})"
    return [
        ("platform", platform.platform()),
        ("processor", platform.processor() or platform.machine()),
        ("CPUs", str(os.cpu_count())),
        ("memory", mem),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        (
            "PyYAML",
            f"{yaml.__version__} (libyaml {libyaml_version}, C loader "
            f"{'available' if yaml.__with_libyaml__ else 'missing'})",
        ),
        ("pydantic", pydantic.VERSION),
        ("regopy", regopy_version),
        ("fedcheck", fedcheck.__version__),
    ]


def fmt_s(v: float | None) -> str:
    if v is None:
        return "n/a"
    if v >= 10:
        return f"{v:.1f} s"
    if v >= 1:
        return f"{v:.2f} s"
    if v >= 0.001:
        return f"{v * 1000:.1f} ms"
    return f"{v * 1e6:.0f} µs"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def verdict(value: float | None, limit: float, *, at_least: bool = False) -> str:
    if value is None:
        return "not measured"
    ok = value >= limit if at_least else value <= limit
    if ok:
        return "**met**"
    if at_least:
        return f"**missed**: {limit / value:.1f}× short"
    return f"**missed** by {value / limit:.1f}× ({value:.2f} against {limit:g})"


def targets(res: Results) -> list[tuple[str, str, str, str]]:
    big = max(res.sizes)
    small = [n for n in res.sizes if n < big]
    rows = []
    check = res.get("fedcheck check (YAML)", big)
    floor = res.get("YAML floor (C loader, no GC)", big)
    r = ratio(check, floor)
    rows.append(
        (
            f"`fedcheck check` on YAML ÷ YAML floor, {big:,} components",
            "≤ 1.5",
            f"{r:.2f}" if r is not None else "n/a",
            verdict(r, 1.5),
        )
    )
    r = ratio(res.get("fedcheck check (JSON)", big), res.get("JSON floor (json.loads)", big))
    rows.append(
        (
            f"`fedcheck check` on JSON ÷ JSON floor, {big:,} components",
            "≤ 5",
            f"{r:.2f}" if r is not None else "n/a",
            verdict(r, 5),
        )
    )
    r = ratio(res.get("subset: fedcheck", big), res.get("subset: hand-written Python", big))
    rows.append(
        (
            f"fedcheck ÷ hand-written Python on the same 27 controls, {big:,} components",
            "≤ 3",
            f"{r:.2f}" if r is not None else "n/a",
            verdict(r, 3),
        )
    )
    r = ratio(
        res.get("evaluate the whole High catalog", big), res.get("subset: hand-written Python", big)
    )
    rows.append(
        (
            f"whole-catalog evaluation ÷ hand-written subset, {big:,} components",
            "≤ 3",
            f"{r:.2f}" if r is not None else "n/a",
            verdict(r, 3),
        )
    )
    for lo in small:
        if big == lo * 10:
            r = ratio(
                res.get("evaluate the whole High catalog", big),
                res.get("evaluate the whole High catalog", lo),
            )
            rows.append(
                (
                    f"evaluation at {big:,} ÷ at {lo:,} components",
                    "≤ 12",
                    f"{r:.1f}" if r is not None else "n/a",
                    verdict(r, 12),
                )
            )
    rego_sizes = [n for n in res.sizes if res.get("subset: Rego (regopy), query", n)]
    if rego_sizes:
        n = max(rego_sizes)
        r = ratio(res.get("subset: Rego (regopy), query", n), res.get("subset: fedcheck", n))
        rows.append(
            (
                f"Rego query ÷ fedcheck on the same 27 controls, {n:,} components",
                "≥ 100",
                f"{r:.0f}" if r is not None else "n/a",
                verdict(r, 100, at_least=True),
            )
        )
    else:
        rows.append(("Rego ÷ fedcheck on the same 27 controls", "≥ 100", "n/a", "not measured"))
    json_time = res.get("render json", big)
    for stage in res.stages:
        if stage.startswith("render ") and stage != "render json":
            r = ratio(res.get(stage, big), json_time)
            rows.append(
                (
                    f"{stage} ÷ render json, {big:,} components",
                    "≤ 2",
                    f"{r:.2f}" if r is not None else "n/a",
                    verdict(r, 2),
                )
            )
    r = ratio(res.start.get("fedcheck --version"), res.start.get("python -c pass"))
    rows.append(
        (
            "`fedcheck --version` ÷ `python -c pass`",
            "≤ 2",
            f"{r:.2f}" if r is not None else "n/a",
            verdict(r, 2),
        )
    )
    r = ratio(res.start.get("fedcheck check (bundled example)"), res.start.get(DEPENDENCIES))
    rows.append(
        (
            "check of the bundled example ÷ importing the dependencies it imports",
            "≤ 1.5",
            f"{r:.2f}" if r is not None else "n/a",
            verdict(r, 1.5),
        )
    )
    r = ratio(
        res.start_cpu.get("fedcheck check (bundled example)"), res.start_cpu.get(DEPENDENCIES)
    )
    rows.append(
        (
            "the same, in CPU time (steadier on a shared machine)",
            "≤ 1.5",
            f"{r:.2f}" if r is not None else "n/a",
            verdict(r, 1.5),
        )
    )
    if res.portfolio:
        files, _, _, cpus = res.portfolio_shape
        r = ratio(res.portfolio.get("one job"), res.portfolio.get("every core"))
        want = 0.8 * cpus
        rows.append(
            (
                f"`fedcheck check DIR`, one job ÷ every core ({cpus} CPUs), {files:,} systems",
                f"≥ {want:.1f}",
                f"{r:.2f}" if r is not None else "n/a",
                verdict(r, want, at_least=True),
            )
        )
    mem = res.memory_kib.get(big)
    if mem:
        gib = mem / 1024 / 1024
        rows.append(
            (
                f"peak memory of `fedcheck check`, {big:,} components",
                "< 1 GiB",
                f"{mem / 1024:.0f} MiB",
                "**met**" if gib < 1 else f"**missed** by {gib:.2f}×",
            )
        )
    for lo in small:
        if big == lo * 10 and res.memory_kib.get(lo) and mem:
            base = res.memory_example_kib
            r = ratio(mem - base, res.memory_kib[lo] - base)
            rows.append(
                (
                    f"memory above the start-up footprint, {big:,} ÷ {lo:,} components",
                    "≤ 12 (linear)",
                    f"{r:.1f}" if r is not None else "n/a",
                    verdict(r, 12),
                )
            )
    return rows


def without_files(argv: list[str]) -> list[str]:
    """The arguments that shaped the measurement (not where its figures were saved)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--save", "--render", "--out"):
            skip = True
        elif not arg.startswith(("--save=", "--render=", "--out=")):
            out.append(arg)
    return out


def from_saved(data: dict[str, Any]) -> Results:
    """Results written by --save (JSON turns the sizes used as keys into strings)."""

    def sized(table: dict[str, Any]) -> dict[int, Any]:
        return {int(n): v for n, v in table.items()}

    res = Results(data["sizes"], data["repeat"])
    res.stages = {stage: sized(values) for stage, values in data["stages"].items()}
    for name in ("memory_kib", "findings", "subset_failures", "rego_checked"):
        setattr(res, name, sized(data[name]))
    res.file_bytes = {int(n): (v[0], v[1]) for n, v in data["file_bytes"].items()}
    res.catalog_counts = (data["catalog_counts"][0], data["catalog_counts"][1])
    for name in ("notes", "memory_example_kib", "start", "start_cpu", "catalog", "report_bytes"):
        setattr(res, name, data[name])
    res.dependencies, res.fedcheck_cmd = data["dependencies"], data["fedcheck_cmd"]
    res.portfolio = data.get("portfolio", {})
    shape = data.get("portfolio_shape", (0, 0, 0, 0))
    res.portfolio_shape = (shape[0], shape[1], shape[2], shape[3])
    return res


def why(target: str, res: Results) -> str:
    """What the profile of this branch says keeps ``target`` from being met."""
    big = max(res.sizes)
    automated = res.catalog_counts[1]
    if target.startswith("`fedcheck check` on YAML"):
        return (
            "the floor only parses. The check also records a source position for every value "
            "(`load YAML with positions`, under half the floor's time: the data is built from "
            "libyaml's events directly, repeated scalars shared, positions kept as integers), "
            "validates the model, "
            f"evaluates the {automated} automated controls over every target, and writes the "
            "JSON result; the stages table below gives each share."
        )
    if target.startswith("`fedcheck check` on JSON"):
        return (
            "`json.loads` builds the document in C and does nothing else; the check also "
            "records a source position for every value (`load JSON with positions`), validates "
            f"the model, evaluates the {automated} automated controls and writes the JSON "
            "result, which is many times the size of its input (every finding with its "
            "location, message and remediation). The evaluation and the report, not the "
            "reading, are most of the time (stages table)."
        )
    if target.startswith("fedcheck ÷ hand-written Python"):
        return (
            "both sides judge the same 27 controls and agree on every failing target. "
            "fedcheck also builds a finding for every passing and not-applicable target, with "
            "its location in the file, its message and its remediation, and keeps the "
            "three-valued logic (an unstated fact is neither a pass nor a failure); the "
            "hand-written functions return only the failing (control, kind, id) triples."
        )
    if target.startswith("whole-catalog evaluation"):
        r = ratio(
            res.get("evaluate the whole High catalog", big),
            res.get("subset: hand-written Python", big),
        )
        per = f" Per control, that is {r * 27 / automated:.2f} times." if r and automated else ""
        same = ratio(res.get("subset: fedcheck", big), res.get("subset: hand-written Python", big))
        on_same = (
            f" On the same 27 controls fedcheck takes {same:.1f} times the hand-written time."
            if same
            else ""
        )
        return (
            f"the two sides do not do the same work: every one of the {automated} automated "
            "controls against 27 hand-written functions, so the ratio grows with the catalog."
            + per
            + on_same
            + " A compiled condition is one or two Python calls over the document's dicts "
            "(more through a relation), close to what the hand-written code does inline, and "
            "the cycle collector is paused while the findings are made. What is left is what "
            "the hand-written code does not do: a finding for every control and target, and for "
            "each failure its explanation, with the line and column of each field it rests on "
            "looked up in the source map (a quarter to a third of the evaluation), its evidence, "
            "message and risk rating."
        )
    if target.startswith("Rego"):
        sizes = [n for n in res.sizes if res.get("subset: Rego (regopy), query", n)]
        n = max(sizes) if sizes else big
        rego = res.get("subset: Rego (regopy), query", n)
        hand = res.get("subset: hand-written Python", n)
        floor = ratio(rego, hand)
        bound = (
            f" Hand-written Python is {floor:.0f} times faster than Rego at {n:,} components, "
            f"so 100 times would ask fedcheck to come within {floor / 100:.2f} times the "
            "hand-written functions while it also builds a finding, a location and an "
            "explanation for every target: this target stands or falls with the one against "
            "hand-written Python on the same controls."
            if floor
            else ""
        )
        return (
            "the same 27 rules on regopy (its query alone, the input already converted) "
            "against fedcheck's evaluation of them, at the largest size --rego-up-to allowed."
            + bound
        )
    if target.startswith("render"):
        fmt = target.split()[1]
        size = res.report_bytes.get(fmt)
        json_size = res.report_bytes.get("json")
        sizes = (
            f" At {big:,} components it writes {size / 2**20:,.0f} MiB against JSON's "
            f"{json_size / 2**20:,.0f} MiB."
            if size and json_size
            else ""
        )
        each = {
            "oscal": "an observation, a finding and a risk, each with UUIDs derived from its "
            "name and the risk with a remediation plan and a milestone",
            "poam": "an observation, a risk with a remediation plan and a POA&M item, each "
            "laid out over several lines",
            "junit": "a testcase, for passing findings too: JUnit has no summary row",
            "markdown": "a block with its location, evidence and remediation, and a risk row, "
            "every value escaped for Markdown",
            "html": "a card or table row and a risk row, every value escaped for HTML",
        }.get(fmt, "a record with its location and remediation")
        return (
            "passing and not-applicable findings are summarized per control above 1,000, and "
            "what repeats once per finding is written as text directly, encoding once what "
            "findings share, as the JSON renderer does: the bundled Markdown and HTML templates "
            "print their per-finding sections rendered in Python (not through the sandbox), "
            "OSCAL and POA&M objects are written as JSON text, JUnit as XML text. What is left "
            f"are the failing findings, always listed each, and each costs more here: {each}."
            + sizes
        )
    if target.startswith("check of the bundled example") or target.startswith("the same, in"):
        return (
            "a cache entry is no longer validated or compiled again when read (its digest is "
            "checked; each control is compiled for the baseline a plan asks for), a control "
            "file whose status (inode, size, modification and change time) is as the entry "
            "says is not read again, and the command line builds the arguments of the chosen "
            "subcommand only. What is left is spread over many steps, none of them a third of "
            "the time. Under `-X importtime` and cProfile: importing fedcheck's own modules, "
            "the deployment models (pydantic creating about 35 model classes) and the "
            "dataclasses of the findings and the records first; then pydantic building the "
            "deployment's validator on the first document, decoding the cache entry (about "
            "1.5 MB of JSON, each control's canonical data included, which the scope digest "
            "hashes), compiling the High controls and evaluating."
        )
    if target.startswith("peak memory"):
        mem, findings = res.memory_kib.get(big, 0), res.findings.get(big, 0)
        return (
            f"memory grows linearly (next row), by about {mem / big / 1024:.2f} MiB per "
            f"component, and the run holds everything until the report is written: the "
            f"{findings / big:.0f} findings per component of {automated} automated controls "
            "(the largest share, about 300 bytes each with their locations), then the "
            "deployment, its data with a source position for every value (integers in one "
            "table, a few bytes a value) and its validated pydantic model (an object and a "
            "dict per mapping). Reports are streamed, to files and devices alike. Streaming "
            "findings from the evaluation to the report is the remedy, in the evaluation "
            "(issue 12)."
        )
    if target.startswith("`fedcheck check DIR`"):
        return (
            "each worker checks and renders its files, but the parent process receives every "
            "report and writes it to standard output in the order of the files, and it runs "
            "on the same CPUs as the workers; each worker also compiles its plan once, after "
            "the fork."
        )
    if target.startswith("`fedcheck --version`"):
        return (
            "both figures are mostly the interpreter's start (tens of milliseconds), so the "
            "ratio moves with the machine's load; the CPU column of the process-start table "
            "is steadier. `fedcheck --version` imports only the package and its version "
            "(fedcheck._entry); the rest is the console script's own `import re`."
        )
    return ""


def read_previous(path: Path) -> tuple[dict[str, str], str]:
    """The measured figure of each target in a page this script wrote before, and the size of
    the catalog it was made with ({} and "" when there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}, ""
    figures = {}
    section = text.split("## Targets", 1)[-1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0] not in ("target", "---"):
            figures[cells[0]] = cells[2]
    found = re.search(r"held (\d+) controls, (\d+) of them automated", text)
    catalog = f"{found.group(1)} controls, {found.group(2)} automated" if found else ""
    return figures, catalog


def packages(modules: list[str]) -> list[str]:
    """The distinct packages of some module names, without private and runtime helpers."""
    return sorted({m.split(".")[0] for m in modules if not m.startswith(("_", "cython_"))})


def moved(now: str, before: str | None) -> str:
    """The previous figure, and whether the target moved since."""
    if before is None:
        return "new"
    try:
        a, b = float(now.split()[0]), float(before.split()[0])
    except ValueError:
        return before
    if b == 0 or abs(a - b) / b < 0.1:
        return f"{before} (about the same)"
    return f"{before} ({'up' if a > b else 'down'} {abs(a - b) / b:.0%})"


def render_markdown(res: Results, argv: list[str], elapsed: float) -> str:
    sizes = res.sizes
    out = [
        "# Performance",
        "",
        "Generated by `python benchmarks/run.py"
        + (" " + " ".join(argv) if argv else "")
        + "`; do not edit by hand. Every time is the median of "
        f"{res.repeat} repetitions in one run (fewer, at least one, for a figure whose single "
        f"run takes over {SLOW_SECONDS:g} s; the Rego engine: see below), so the ratios compare figures taken on the same machine at the same time. "
        f"The run took {elapsed:.0f} s.",
        "",
        "## What is measured",
        "",
        "Synthetic deployments are generated with a fixed seed by `benchmarks/generate.py` from "
        "the component, external service and data flow shapes of "
        "`examples/agency-ai-assistant-compliant.yaml`: N components, N/2 external services "
        "and 5N/4 data flows, with about a third of the judged values made non-compliant (one "
        "weakening in ten leaves the field out). They are written as block-style YAML, as a "
        "person writes it, and as JSON.",
        "",
        "| components | YAML | JSON | findings (whole High catalog) | failing (27-control subset) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        yb, jb = res.file_bytes[n]
        out.append(
            f"| {n:,} | {yb / 1024:,.0f} KiB | {jb / 1024:,.0f} KiB | {res.findings[n]:,} "
            f"| {res.subset_failures[n]:,} |"
        )
    out += [
        "",
        f"The bundled catalog held {res.catalog_counts[0]} controls, "
        f"{res.catalog_counts[1]} of them automated, when this run was made; the whole-catalog "
        "figures grow with the number of automated controls.",
        "",
        "## Targets",
        "",
        "The last column is the figure of the previous run (the page this run replaced"
        + (f", made with {res.previous_catalog}" if res.previous_catalog else "")
        + "), so that a target that moved shows; a target new in this run has none.",
        "",
        "| target | limit | measured | verdict | previous run |",
        "|---|---|---|---|---|",
    ]
    for row in targets(res):
        before = res.previous.get(row[0])
        out.append("| " + " | ".join(row) + f" | {moved(row[2], before)} |")
    missed = [(row[0], why(row[0], res)) for row in targets(res) if "missed" in row[3]]
    if missed:
        out += ["", "### Why the missed targets are missed", ""]
        out += [f"- **{name}**: {reason}" for name, reason in missed if reason]
    out += [
        "",
        "## Stages, by size",
        "",
        "| stage | " + " | ".join(f"{n:,}" for n in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for stage, values in res.stages.items():
        out.append(f"| {stage} | " + " | ".join(fmt_s(values.get(n)) for n in sizes) + " |")
    floor = "YAML floor (C loader, no GC)"
    out += [
        "",
        "Relative to the YAML floor:",
        "",
        "| stage | " + " | ".join(f"{n:,}" for n in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for stage in (
        "load YAML with positions",
        "validate against the model",
        "evaluate the whole High catalog",
        "fedcheck check (YAML)",
        "JSON floor (json.loads)",
        "fedcheck check (JSON)",
    ):
        cells = []
        for n in sizes:
            r = ratio(res.get(stage, n), res.get(floor, n))
            cells.append(f"{r:.2f}×" if r is not None else "n/a")
        out.append(f"| {stage} | " + " | ".join(cells) + " |")
    out += [
        "",
        "- **Floors**: `yaml.load(text, Loader=yaml.CSafeLoader)` with the garbage "
        "collector disabled during the read, and `json.loads` of the same document as JSON.",
        "- **Stages** run in this process on text already in memory: "
        "`fedcheck.loading.parse_text` (data plus source positions; for JSON, which finds its positions on the first lookup, with one lookup), the model validation of "
        "`fedcheck.inputs` (pydantic, references), `fedcheck.evaluate` over the whole High "
        "catalog, and `fedcheck.reports.render` for each format of `reports.FORMATS`. Above "
        "1,000 passing (or not-applicable) findings, the markdown, html and OSCAL reports "
        'summarize them per control (docs/reports.md, "Large systems"); every generated '
        "deployment but the smallest is above it. JSON lists every finding at every size.",
        f"- **`fedcheck check`** is run as a user runs it, `check FILE --format json --output "
        f"{os.devnull}`, as a new process, wall time, with a warm catalog cache; the command is "
        f"{res.fedcheck_cmd}.",
        "- **Subset**: 27 controls (`benchmarks/subset.yaml`, in fedcheck's check language, "
        "with the catalog's ids and FedRAMP High values) evaluated by `fedcheck.evaluate` on "
        "a Catalog of just them, by hand-written Python functions over the loaded dicts "
        "(`benchmarks/handwritten.py`), and by the same rules in Rego "
        "(`benchmarks/rules.rego`) on regopy. Before any timing, the three sets of failing "
        "(control, target kind, target id) are asserted identical at every size; a size at "
        "which Rego did not finish is compared between fedcheck and Python only. The Rego "
        "figure is the query alone; converting the input into the engine is listed apart. "
        "From 1,000 components on, the Rego run is made once, in a child process with a time "
        "limit.",
    ]
    for key, note in res.notes.items():
        out.append(f"- {key}: {note}")
    out += ["", "## Catalog", "", "| step | time |", "|---|---:|"]
    for k, v in res.catalog.items():
        out.append(f"| {k} | {fmt_s(v)} |")
    out += [
        "",
        "Cold: `fedcheck.catalog.load_catalog()` with `FEDCHECK_NO_CACHE=1` (every control "
        "file read, validated against the schema and compiled). Warm: from the cache, "
        "keyed by the files' content digests, its own digest checked. Compile: "
        '`Control.compile("high")` of every automated control of a freshly loaded catalog.',
        "",
        "## Process start",
        "",
        f"Median of {START_RUNS} runs of each command as a new process: wall time, and CPU "
        "time (user + system, from `os.wait4`), which other work on a shared machine disturbs "
        "less. Children run from compiled bytecode, as an installed fedcheck does (written "
        "under the run's temporary directory, `PYTHONPYCACHEPREFIX`).",
        "",
        "| command | wall | CPU |",
        "|---|---:|---:|",
    ]
    for k, v in res.start.items():
        out.append(f"| `{k}` | {fmt_s(v)} | {fmt_s(res.start_cpu.get(k))} |")
    out += [
        "",
        f"*{DEPENDENCIES}*: every module outside fedcheck and the standard library that "
        f"`fedcheck check {EXAMPLE} --quiet` had imported when it finished, imported in a new "
        "process, measured in this run ("
        + str(len(res.dependencies))
        + " modules of "
        + ", ".join(f"`{m}`" for m in packages(res.dependencies))
        + "). "
        "`import pydantic` alone is not that floor: pydantic imports its parts lazily, "
        "when a model is first defined.",
    ]
    out += [
        "",
        "## Peak memory",
        "",
        "Peak resident set size of the `fedcheck check` process on the YAML input (the "
        "child's `ru_maxrss` from `os.wait4`, so it includes the interpreter and every "
        "imported module), the largest over the repetitions.",
        "",
        "| components | peak RSS | above the bundled example's check |",
        "|---:|---:|---:|",
    ]
    for n in sizes:
        m = res.memory_kib[n]
        out.append(
            f"| {n:,} | {m / 1024:,.0f} MiB | {(m - res.memory_example_kib) / 1024:,.0f} MiB |"
        )
    out.append(f"| bundled example | {res.memory_example_kib / 1024:,.0f} MiB | |")
    if res.portfolio:
        files, comps, sample, cpus = res.portfolio_shape
        out += [
            "",
            "## A portfolio of systems",
            "",
            f"{files:,} generated systems of {comps} components each (a seed per system) in one "
            "directory, checked as `fedcheck check DIR --format json --as-of 2026-12-01 "
            f"--quiet`: on every core ({cpus} here), with `--jobs 1`, and one `fedcheck check "
            f"FILE` process per file, timed on the first {sample:,} files and scaled to "
            f"{files:,}. Before the timing, the reports of the first two are asserted "
            "byte-identical (`SOURCE_DATE_EPOCH` set).",
            "",
            "| how | time | ÷ every core |",
            "|---|---:|---:|",
        ]
        whole = res.portfolio.get("every core")
        for how, label in (
            ("every core", "`fedcheck check DIR`, every core"),
            ("one job", "`fedcheck check DIR --jobs 1`"),
            ("one process per file", f"one process per file (scaled from {sample:,})"),
        ):
            t = res.portfolio.get(how)
            r = ratio(t, whole)
            out.append(f"| {label} | {fmt_s(t)} | {f'{r:.2f}×' if r is not None else 'n/a'} |")
    out += [
        "",
        "## Time against size",
        "",
        "![time against size, log-log](performance.svg)",
        "",
        "## Machine and versions",
        "",
        "| | |",
        "|---|---|",
    ]
    for k, v in machine():
        out.append(f"| {k} | {v} |")
    out.append("")
    return "\n".join(out)


PLOTTED = (
    "YAML floor (C loader, no GC)",
    "JSON floor (json.loads)",
    "load YAML with positions",
    "validate against the model",
    "evaluate the whole High catalog",
    "render json",
    "fedcheck check (YAML)",
    "fedcheck check (JSON)",
    "subset: fedcheck",
    "subset: hand-written Python",
    "subset: Rego (regopy), query",
)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_rego"]:
        return rego_child(argv[1], argv[2], int(argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="sizes 100 and 1,000 with 2 repetitions"
    )
    parser.add_argument(
        "--sizes", help="comma-separated numbers of components (default 100,1000,10000)"
    )
    parser.add_argument("--repeat", type=int, help="repetitions per figure (default 5)")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "docs" / "performance.md",
        help="the Markdown report to write; the SVG goes beside it",
    )
    parser.add_argument(
        "--rego-timeout",
        type=float,
        default=300,
        help="seconds the Rego engine may take at one size (default 300)",
    )
    parser.add_argument(
        "--rego-up-to",
        type=int,
        default=1000,
        help="the largest size at which the Rego engine runs (default 1000: at 10,000 it "
        "takes longer than its time limit)",
    )
    parser.add_argument(
        "--save", type=Path, help="also write the measured figures to this JSON file"
    )
    parser.add_argument(
        "--render",
        type=Path,
        help="measure nothing: write the page from figures saved with --save",
    )
    args = parser.parse_args(argv)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([100, 1000] if args.quick else [100, 1000, 10000])
    )
    repeat = args.repeat or (2 if args.quick else 5)
    if args.render is not None:
        saved = json.loads(args.render.read_text(encoding="utf-8"))
        res, elapsed, shown_argv = from_saved(saved["results"]), saved["elapsed"], saved["argv"]
    else:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="fedcheck-bench-") as tmp:
            res = measure(sorted(sizes), repeat, args.rego_timeout, Path(tmp), args.rego_up_to)
        elapsed = time.perf_counter() - started
        shown_argv = without_files(argv)
        if args.save is not None:
            args.save.write_text(
                json.dumps(
                    {"results": dataclasses.asdict(res), "elapsed": elapsed, "argv": shown_argv}
                ),
                encoding="utf-8",
            )
    res.previous, res.previous_catalog = read_previous(args.out)
    svg_path = args.out.with_suffix(".svg")
    series = {s: {n: v for n, v in res.stages.get(s, {}).items() if v} for s in PLOTTED}
    svg_path.write_text(
        svgplot.loglog(
            {s: v for s, v in series.items() if len(v) > 0},
            title="fedcheck: time against size",
            x_label="components",
            y_label="seconds",
        ),
        encoding="utf-8",
    )
    args.out.write_text(render_markdown(res, shown_argv, elapsed), encoding="utf-8")
    print(f"wrote {args.out} and {svg_path}", file=sys.stderr)
    for row in targets(res):
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
