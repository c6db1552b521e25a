"""The command line: arguments -> public API -> exit code (0 clean, 1 failing, 2 bad input).

Thin on purpose: every command parses its arguments, calls the library, writes what it got
(results on stdout, errors on stderr, files atomically), and maps the outcome to an exit code.
Imports are lazy so that a command imports only what it needs; ``fedcheck --version`` itself is
answered before this module is imported (fedcheck._entry).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn, cast

from ._version import __version__

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
REPORT_FORMATS = ("text", "json", "markdown", "html", "sarif", "junit", "oscal", "poam")
# `check` also writes the CR26 Security Decision Record, built from the run (fedcheck.reports.sdr).
CHECK_FORMATS = (*REPORT_FORMATS, "sdr")
SEVERITIES = ("low", "moderate", "high", "critical")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors follow fedcheck's error shape and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n    fix: see '{self.prog} --help'\n")
        raise SystemExit(EXIT_USAGE)


class _FormatAction(argparse.Action):
    """Collects ``--format F [--output PATH]`` pairs in the order given."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        pairs = list(getattr(namespace, "outputs", None) or [])
        if self.dest == "format":
            pairs.append([values, None])
        else:
            if pairs and pairs[-1][1] is None:
                pairs[-1][1] = values
            else:
                # --output before any --format (or a second --output): infer from the extension.
                pairs.append([None, values])
        namespace.outputs = pairs


_EXTENSIONS = {
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".sarif": "sarif",
    ".xml": "junit",
    ".txt": "text",
}


def _format_for(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(".sarif.json"):
        return "sarif"
    if lower.endswith(".oscal.json"):
        return "oscal"
    if lower.endswith(".poam.json"):
        return "poam"
    if lower.endswith(".sdr.json"):
        return "sdr"
    return _EXTENSIONS.get(os.path.splitext(lower)[1])


EXAMPLES = {
    "check": """examples:
  fedcheck check deploy.yaml
  fedcheck check deploy.yaml --format sarif --output fedcheck.sarif --format html --output report.html
  fedcheck check deploy.yaml --profile profile.yaml --waivers waivers.yaml --fail-on high
  fedcheck check deployments/            # every .yaml/.yml/.json file in the directory
  fedcheck check deploy.yaml --evidence plan.json --tf-dir infra/   # cross-check a Terraform plan""",
    "controls": """examples:
  fedcheck controls list --baseline high
  fedcheck controls list --baseline moderate --format json""",
    "schema": """examples:
  fedcheck schema deployment > deployment.schema.json
  fedcheck schema control""",
    "report": """examples:
  fedcheck check deploy.yaml --format json --output result.json
  fedcheck report result.json --format html --output report.html""",
    "diff": """examples:
  fedcheck diff main-result.json branch-result.json
  fedcheck diff old.json new.json --fail-on high --format json""",
    "validate": """examples:
  fedcheck validate controls/org/org-1.yaml profile.yaml waivers.yaml
  fedcheck validate my-controls/ --controls my-controls
  fedcheck validate tailoring.yml --kind profile --format json""",
    "test-controls": """examples:
  fedcheck test-controls my-controls/
  fedcheck test-controls my-controls/ --format json""",
    "due": """examples:
  fedcheck due deploy.yaml                      # what is overdue or due within 30 days
  fedcheck due deploy.yaml --records records.yaml --as-of 2026-12-01 --within 60
  fedcheck due deploy.yaml --format ics --output fedcheck.ics""",
    "init": """examples:
  fedcheck init                               # writes fedcheck.yaml for a Moderate system
  fedcheck init --impact-level high deploy/fedcheck.yaml
  fedcheck init --force fedcheck.yaml         # replace an existing file
  fedcheck init --from-plan plan.json --impact-level high   # components from a Terraform plan""",
    "explain": """examples:
  fedcheck explain AC-11
  fedcheck explain ac-2.3 --format json
  fedcheck explain KSI-IAM-01      # a KSI, by its CR26 id or a legacy one""",
    "ksi": """examples:
  fedcheck ksi deploy.yaml --class a
  fedcheck ksi deploy.yaml --class c --format json
  fedcheck ksi deploy.yaml --class b --ksi KSI-IAM-01   # a legacy id, mapped to KSI-IAM-APM""",
    "completion": """examples:
  fedcheck completion bash > /etc/bash_completion.d/fedcheck
  fedcheck completion zsh > "${fpath[1]}/_fedcheck"
  fedcheck completion fish > ~/.config/fish/completions/fedcheck.fish""",
}


class _Unbuilt:
    """Stands for the arguments of a subcommand that the command line did not choose: every
    call (add_argument, add_argument_group, add_subparsers, ...) is ignored."""

    _actions: tuple[argparse.Action, ...] = ()

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser. With ``only`` (a subcommand's name) the other subcommands are
    named, with their help, but given no arguments: what parsing a command line of ``only``
    prints and does is the same, at less cost. Shell completion reads the whole parser."""
    if only is not None and only not in COMMANDS:
        only = None
    parser = _Parser(
        prog="fedcheck",
        description="Check a deployment description against FedRAMP Rev5 (NIST SP 800-53) "
        "controls before it ships.",
        epilog="exit codes: 0 no failing finding, 1 failing findings, 2 bad input or usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fedcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_: str) -> argparse.ArgumentParser:
        built = sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=EXAMPLES.get(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return built if only is None or name == only else cast(argparse.ArgumentParser, _Unbuilt())

    check = command("check", "Evaluate deployment descriptions; exit 1 when a control fails.")
    check.add_argument(
        "deployments",
        nargs="+",
        metavar="DEPLOYMENT",
        help="deployment description files (YAML or .json), or directories of them",
    )
    check.add_argument(
        "--baseline",
        choices=("low", "moderate", "high"),
        help="baseline to check (default: the system's impact_level)",
    )
    check.add_argument(
        "--controls",
        action="append",
        default=[],
        metavar="DIR",
        help="an extra directory of control YAML files (repeatable)",
    )
    _dated(check)
    _rules_flags(check)
    check.add_argument(
        "--cpo-uri",
        metavar="URI",
        help="with --format sdr: the URI of the Certification Package Overview",
    )
    check.add_argument("--profile", metavar="FILE", help="a tailoring profile (YAML)")
    check.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes for several deployments (default: every core; 1: one process); "
        "the results are the same either way",
    )
    check.add_argument("--waivers", metavar="FILE", help="a waiver file (YAML)")
    check.add_argument(
        "--crm",
        action="append",
        default=[],
        metavar="FILE",
        help="a leveraged provider's customer responsibility matrix, which backs claims of "
        "inherited controls (repeatable)",
    )
    check.add_argument(
        "--baseline-result",
        metavar="OLD.json",
        help="gate only on failures that are new since this saved JSON result",
    )
    check.add_argument(
        "--poam-history",
        metavar="POAM.json",
        help="a POA&M fedcheck wrote before: keep each weakness's original detection date",
    )
    check.add_argument(
        "--format",
        dest="format",
        action=_FormatAction,
        choices=CHECK_FORMATS,
        help="report format (repeatable; default text)",
    )
    check.add_argument(
        "--output",
        dest="output",
        action=_FormatAction,
        metavar="PATH",
        help="write the preceding --format to PATH instead of stdout",
    )
    check.add_argument(
        "--template", metavar="PATH", help="a Jinja2 template for the markdown or html report"
    )
    check.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=None,
        help="fail only on failures at or above this FedRAMP risk exposure (low, moderate, "
        "high; critical means high); errors always fail",
    )
    check.add_argument(
        "--evidence",
        action="append",
        default=[],
        metavar="PLAN.json",
        help="a Terraform plan (terraform show -json plan.out) to cross-check the components' "
        "iac: bindings against (repeatable; docs/terraform.md)",
    )
    check.add_argument(
        "--tf-dir",
        metavar="DIR",
        help="the Terraform configuration of the plan, to point findings at .tf file:line "
        "(needs the optional extra fedcheck[hcl])",
    )
    _common(check)

    ksi = command("ksi", "Roll the control verdicts up to the CR26 Key Security Indicators.")
    ksi.add_argument("deployment", metavar="DEPLOYMENT", help="a deployment description")
    ksi.add_argument("--class", dest="ksi_class", required=True, help="a | b | c")
    ksi.add_argument("--format", choices=("text", "json"), default="text")
    ksi.add_argument(
        "--ksi",
        dest="ksi_ids",
        action="append",
        default=[],
        metavar="ID",
        help="only this KSI (repeatable); legacy ids such as KSI-IAM-01 are accepted",
    )
    ksi.add_argument("--as-of", dest="as_of", type=_as_of, metavar="YYYY-MM-DD")
    _common(ksi)

    controls = command("controls", "List the controls of the catalog.")
    controls_sub = controls.add_subparsers(
        dest="controls_command", metavar="ACTION", parser_class=_Parser
    )
    listing = controls_sub.add_parser(
        "list",
        help="list controls",
        epilog=EXAMPLES["controls"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument("--baseline", choices=("low", "moderate", "high"))
    listing.add_argument(
        "--rules", choices=("rev5", "cr26"), help="with cr26, list the controls of --class"
    )
    listing.add_argument(
        "--class", dest="cert_class", choices=("b", "c", "d"), help="a CR26 Rev5 class"
    )
    listing.add_argument("--controls", action="append", default=[], metavar="DIR")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.add_argument("--automated", action="store_true", help="only automated controls")
    _common(listing)

    schema = command("schema", "Print the JSON Schema of an input format.")
    schema.add_argument(
        "kind", choices=("deployment", "control", "profile", "waivers", "records", "crm")
    )

    report = command("report", "Render a saved JSON result in another format, without evaluating.")
    report.add_argument("result", metavar="RESULT.json")
    report.add_argument(
        "--format",
        dest="format",
        action=_FormatAction,
        choices=REPORT_FORMATS,
    )
    report.add_argument("--output", dest="output", action=_FormatAction, metavar="PATH")
    report.add_argument("--template", metavar="PATH")
    report.add_argument("--fail-on", choices=SEVERITIES, default=None)
    _common(report)

    diff = command(
        "diff",
        "Compare two saved JSON results: new, resolved and unchanged "
        "failures; exit 1 when there is a new one.",
    )
    diff.add_argument(
        "old", metavar="OLD.json", help="the earlier result (fedcheck check --format json)"
    )
    diff.add_argument("new", metavar="NEW.json", help="the later result")
    diff.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=None,
        help="gate only on new failures at or above this severity",
    )
    diff.add_argument("--format", choices=("text", "json"), default="text")

    validate = command(
        "validate",
        "Check control, profile, waiver and deployment files "
        "against their schemas and the model, without evaluating.",
    )
    validate.add_argument(
        "paths", nargs="+", metavar="PATH", help="files, or directories of .yaml/.yml/.json files"
    )
    validate.add_argument(
        "--kind",
        choices=("control", "profile", "waivers", "deployment", "records", "crm"),
        help="the kind of every file (default: told by its top-level keys)",
    )
    validate.add_argument(
        "--controls",
        action="append",
        default=[],
        metavar="DIR",
        help="custom controls that waiver files may name (repeatable)",
    )
    validate.add_argument("--format", choices=("text", "json"), default="text")
    _common(validate)

    test_controls = command(
        "test-controls",
        "Run the pass/fail examples of a directory of custom controls; exit 1 when one fails.",
    )
    test_controls.add_argument("directory", metavar="DIR", help="a directory of control files")
    test_controls.add_argument("--format", choices=("text", "json"), default="text")
    _common(test_controls)

    init = command(
        "init",
        "Write a starter deployment description: FedRAMP values filled in, "
        "decisions marked TODO (they fail the check until set).",
    )
    init.add_argument(
        "path",
        nargs="?",
        default="fedcheck.yaml",
        metavar="PATH",
        help="the file to write (default: fedcheck.yaml)",
    )
    init.add_argument(
        "--impact-level",
        choices=("low", "moderate", "high"),
        default="moderate",
        help="the system's FIPS 199 impact level (default: moderate)",
    )
    init.add_argument(
        "--from-plan",
        metavar="PLAN.json",
        help="build the components from a Terraform plan: one per resource group, evidenced "
        "fields filled in, iac: bindings written (docs/terraform.md)",
    )
    init.add_argument("--force", action="store_true", help="replace PATH if it exists")
    init.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")

    explain = command(
        "explain",
        "Explain a control: what it checks, why, FedRAMP values, "
        "the fields it reads, how to fix it, examples.",
    )
    explain.add_argument(
        "control",
        metavar="CONTROL",
        help="a control id (AC-2(3), ac-2.3) or a KSI id (KSI-IAM-APM, legacy KSI-IAM-01)",
    )
    explain.add_argument(
        "--controls",
        action="append",
        default=[],
        metavar="DIR",
        help="an extra directory of control YAML files (repeatable)",
    )
    explain.add_argument("--format", choices=("text", "json"), default="text")
    _common(explain)

    due = command("due", "List dated obligations and their due dates; exit 1 when one is overdue.")
    due.add_argument("deployment", metavar="DEPLOYMENT", help="a deployment description")
    due.add_argument("--baseline", choices=("low", "moderate", "high"))
    due.add_argument("--controls", action="append", default=[], metavar="DIR")
    due.add_argument("--profile", metavar="FILE", help="a tailoring profile (YAML)")
    due.add_argument(
        "--crm",
        action="append",
        default=[],
        metavar="FILE",
        help="a leveraged provider's CRM, which backs claims of inherited controls (repeatable)",
    )
    _dated(due)
    due.add_argument(
        "--within",
        type=int,
        default=30,
        metavar="DAYS",
        help="report as due what falls due within DAYS of the evaluation date (default 30)",
    )
    due.add_argument("--format", choices=("text", "json", "ics"), default="text")
    due.add_argument("--output", metavar="PATH", help="write to PATH instead of stdout")
    _common(due)

    completion = command("completion", "Print a shell completion script.")
    completion.add_argument("shell", choices=("bash", "zsh", "fish"))
    return parser


def _dated(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        metavar="YYYY-MM-DD",
        help="the evaluation date that dated evidence and waiver expiries are judged against "
        "(default: today, UTC)",
    )
    p.add_argument(
        "--records",
        action="append",
        default=[],
        metavar="FILE",
        help="a file of dated evidence records (repeatable)",
    )


def _rules_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rules",
        choices=("rev5", "cr26"),
        help="rule edition (default: the one in force on the evaluation date; cr26 from 2027-01-01)",
    )
    p.add_argument(
        "--class",
        dest="cert_class",
        choices=("b", "c", "d"),
        help="CR26 certification class for Rev5 (default from impact level: low b, moderate c, high d)",
    )
    if not any("--as-of" in a.option_strings for a in p._actions):
        p.add_argument(
            "--as-of",
            dest="as_of",
            type=_as_of,
            default=None,
            metavar="YYYY-MM-DD",
            help="evaluation date (default: today, UTC); selects the rules in force",
        )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print nothing on success; only errors and failing findings",
    )
    p.add_argument("--no-color", action="store_true", help="never colour the output (NO_COLOR too)")
    p.add_argument(
        "--max-file-bytes",
        type=int,
        default=None,
        metavar="N",
        help="largest input file accepted (default 64 MiB)",
    )


# --- helpers ---------------------------------------------------------------------------------


def _as_of(text: str) -> Any:
    from .dates import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (write a day such as 2026-01-31)") from None


def _err(text: str) -> None:
    from .text import neutralize

    try:
        sys.stderr.write(neutralize(text.rstrip("\n"), multiline=True) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass  # standard error is gone too: the exit code still says what happened


class _Stdout:
    """Standard output that records, instead of raising, output that cannot be delivered: a
    reader that went away (``| head``), a closed descriptor, a full disk, an encoding that
    cannot carry the text. The command still computes its verdict, and ``main`` keeps it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.failure: tuple[str, str] | None = None

    def write(self, text: str) -> int:
        if self.failure is None:
            if self.stream is None:
                self.failure = (
                    "standard output is closed, so the report could not be written",
                    "run with standard output open, or write the report with --output PATH",
                )
            else:
                self._guard(lambda: self.stream.write(text))
        return len(text)

    def flush(self) -> None:
        if self.failure is None and self.stream is not None:
            self._guard(self.stream.flush)

    def _guard(self, action: Any) -> None:
        try:
            action()
        except BrokenPipeError:
            self.failure = (
                "the reader of standard output went away before the report was written",
                "read the whole output, or write the report with --output PATH",
            )
            self._silence()
        except UnicodeEncodeError as exc:
            self.failure = (
                f"standard output uses the encoding {getattr(self.stream, 'encoding', '?')}, "
                f"which cannot write the character U+{ord(exc.object[exc.start]):04X}",
                "set PYTHONIOENCODING=utf-8 (or a UTF-8 locale), or write the report with "
                "--output PATH",
            )
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self.failure = (
                f"cannot write to standard output: {reason}",
                "check where standard output goes (a full disk?), or write with --output PATH",
            )
            self._silence()

    def _silence(self) -> None:
        # Python flushes stdout once more at exit; point the descriptor at /dev/null so that
        # this last flush cannot fail again with a second message.
        try:
            fd = self.stream.fileno()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def isatty(self) -> bool:
        return bool(self.stream is not None and getattr(self.stream, "isatty", lambda: False)())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (removing temporary files) and exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: Any) -> None:
    raise _Terminated(signum)


def _install_signals() -> list[tuple[int, Any]]:
    import signal

    previous = []
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        try:
            previous.append((number, signal.signal(number, _on_signal)))
        except (ValueError, OSError):  # not the main thread
            pass
    return previous


def _restore_signals(previous: list[tuple[int, Any]]) -> None:
    import signal

    for number, handler in previous:
        try:
            signal.signal(number, handler)
        except (ValueError, OSError, TypeError):
            pass


def _use_color(args: argparse.Namespace, stream: Any) -> bool:
    if getattr(args, "no_color", False) or "NO_COLOR" in os.environ:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def _write_all(handle: Any, text: str | Iterable[str]) -> None:
    if isinstance(text, str):
        handle.write(text)
    else:
        for piece in text:
            handle.write(piece)


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    from .errors import UsageError

    pairs = getattr(args, "outputs", None) or [["text", None]]
    resolved: list[tuple[str, str | None]] = []
    for fmt, path in pairs:
        if fmt is None:
            assert path is not None
            fmt = _format_for(path)
            if fmt is None:
                raise UsageError(
                    f"cannot tell the format of --output {path} from its extension",
                    "put --format FORMAT before --output",
                )
        resolved.append((fmt, path))
    to_stdout = [f for f, p in resolved if p is None]
    if len(to_stdout) > 1:
        raise UsageError(
            f"formats {', '.join(to_stdout)} would all go to standard output",
            "give each format but one its own --output PATH",
        )
    return resolved


def _limits(args: argparse.Namespace) -> Any:
    from .loading import Limits

    if args.max_file_bytes is not None and args.max_file_bytes <= 0:
        from .errors import UsageError

        raise UsageError("--max-file-bytes must be positive", "give a number of bytes")
    return Limits.from_env(max_file_bytes=args.max_file_bytes)


def _sdr_usage(outputs: list[tuple[str, str | None]], args: argparse.Namespace) -> None:
    """``--format sdr`` needs ``--cpo-uri``; checked before any work is done."""
    if any(f == "sdr" for f, _ in outputs) and not getattr(args, "cpo_uri", None):
        from .errors import UsageError

        raise UsageError(
            "--format sdr needs the URI of the Certification Package Overview",
            "add --cpo-uri URI to fedcheck check (the SDR schema requires "
            "certificationPackageOverviewUri)",
        )


def _sdr_text(result: Any, args: argparse.Namespace) -> str:
    import json

    from .errors import UsageError
    from .reports.sdr import build_sdr

    _sdr_usage([("sdr", None)], args)
    rules = result.rules
    if rules is None or rules.edition != "cr26" or rules.cert_class is None:
        raise UsageError(
            "a Security Decision Record is written from a run under the Consolidated Rules 2026",
            "add --rules cr26 (and --class b|c|d, or let the impact level choose it)",
        )
    return json.dumps(build_sdr(result, args.cpo_uri), indent=2, ensure_ascii=False) + "\n"


def _emit(result: Any, outputs: list[tuple[str, str | None]], args: argparse.Namespace) -> None:
    """Write every report of a run: the files all or none, then standard output."""
    from .outputs import Artifact, write_all
    from .reports import render

    def renderer(fmt: str, to_stdout: bool) -> Any:
        def produce() -> str | Iterable[str]:
            if fmt == "sdr":
                return _sdr_text(result, args)
            if fmt == "json":
                # Streamed: a large system's result is hundreds of megabytes of JSON.
                from .reports.json import iter_json

                return iter_json(result)
            return render(
                result,
                fmt,
                template=getattr(args, "template", None),
                color=to_stdout and _use_color(args, sys.stdout),
                quiet=args.quiet and to_stdout,
            )

        return produce

    artifacts = [Artifact(fmt, path, renderer(fmt, False)) for fmt, path in outputs if path]
    to_stdout = [fmt for fmt, path in outputs if path is None]  # at most one (see _outputs)
    # The standard output report is rendered before any file is renamed into place, so that a
    # failing renderer leaves nothing written; only JSON is streamed (it cannot fail midway).
    text = renderer(to_stdout[0], True)() if to_stdout else None
    write_all(artifacts)
    if not args.quiet:
        for artifact in artifacts:
            _err(f"fedcheck: wrote {artifact.fmt} report to {artifact.path}")
    if text is not None:
        _write_all(sys.stdout, text)


def _plan(outputs: list[tuple[str, str | None]], inputs: Iterable[str | None]) -> None:
    from .outputs import plan

    plan(outputs, [p for p in inputs if p])


def _check_template(
    args: argparse.Namespace, outputs: list[tuple[str, str | None]], *, several: bool = False
) -> None:
    """A ``--template`` is applied or refused, never silently ignored."""
    template = getattr(args, "template", None)
    if template is None:
        return
    from .errors import UsageError
    from .reports import TEMPLATED_FORMATS

    if not any(fmt in TEMPLATED_FORMATS for fmt, _ in outputs):
        raise UsageError(
            f"--template {template} applies to the markdown and html reports, and this run "
            f"writes only {', '.join(fmt for fmt, _ in outputs)}",
            "add --format markdown or --format html, or drop --template",
        )
    if several:
        raise UsageError(
            f"--template {template} applies to a report written with --output, and several "
            "deployments print their reports to standard output without it",
            "check one deployment per run to use a template",
        )
    if not os.path.isfile(template):
        raise UsageError(
            f"--template {template}: no such file"
            + (" (it is a directory)" if os.path.isdir(template) else ""),
            "name a Jinja2 template file",
        )


# --- commands --------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from .api import check_file, load_catalog_for
    from .findings import Severity
    from .portfolio import expand_paths

    outputs = _outputs(args)
    _sdr_usage(outputs, args)
    files = expand_paths(args.deployments)
    limits = _limits(args)
    _check_template(args, outputs, several=len(files) > 1)
    named = [*files, args.waivers, args.profile, args.baseline_result, args.template, *args.crm]
    _plan(outputs, named)
    catalog, tailoring, profile_inputs = load_catalog_for(
        args.controls, args.profile, limits, crms=args.crm
    )
    _plan(outputs, [*named, *(c.file for c in catalog if not c.bundled)])
    fail_on = Severity(args.fail_on) if args.fail_on else None
    if (args.evidence or args.tf_dir) and len(files) != 1:
        from .errors import UsageError

        raise UsageError(
            "--evidence and --tf-dir cross-check one deployment description",
            "check one deployment per run when you give a plan",
        )
    if args.tf_dir and not args.evidence:
        from .errors import UsageError

        raise UsageError("--tf-dir needs --evidence PLAN.json", "add the plan of that directory")
    if len(files) == 1:
        result, code = check_file(
            files[0],
            catalog,
            baseline=args.baseline,
            tailoring=tailoring,
            waivers=args.waivers,
            baseline_result=args.baseline_result,
            poam_history=args.poam_history,
            fail_on=fail_on,
            limits=limits,
            extra_inputs=profile_inputs,
            as_of=args.as_of,
            records=args.records,
            evidence=args.evidence,
            tf_dir=args.tf_dir,
            edition=args.rules,
            cert_class=args.cert_class,
        )
        _emit(result, outputs, args)
        return code
    return _check_many(files, catalog, tailoring, profile_inputs, fail_on, limits, outputs, args)


def _check_many(
    files: list[str],
    catalog: Any,
    tailoring: Any,
    profile_inputs: Any,
    fail_on: Any,
    limits: Any,
    outputs: list[tuple[str, str | None]],
    args: argparse.Namespace,
) -> int:
    from .portfolio import check_files
    from .reports import render

    if any(path is not None for _, path in outputs) and len(outputs) > 0:
        from .errors import UsageError

        raise UsageError(
            "--output writes one report; with several deployments the reports "
            "would overwrite each other",
            "check one deployment per run to write files, or print to stdout",
        )
    started = time.monotonic()
    worst = EXIT_OK
    summary = []
    color = _use_color(args, sys.stdout)
    shown = [fmt for fmt, _ in outputs if not (args.quiet and fmt == "text")]

    def report(result: Any) -> str:
        # Called where the file was checked (in a worker process): rendering runs on every
        # core, and only this text comes back, not the file's findings.
        return "".join(
            _sdr_text(result, args) if fmt == "sdr" else render(result, fmt, color=color)
            for fmt in shown
        )

    checked = check_files(
        files,
        catalog,
        jobs=args.jobs,
        render=report,
        keep_results=False,
        baseline=args.baseline,
        tailoring=tailoring,
        waivers=args.waivers,
        baseline_result=args.baseline_result,
        poam_history=args.poam_history,
        fail_on=fail_on,
        limits=limits,
        extra_inputs=profile_inputs,
        as_of=args.as_of,
        records=args.records,
        edition=args.rules,
        cert_class=args.cert_class,
    )
    # Progress is for a person watching a terminal: a log or a captured stream gets the same
    # bytes however long the run took.
    progress = not args.quiet and sys.stderr.isatty()
    for n, one in enumerate(checked, 1):
        if progress and time.monotonic() - started > 1.0:
            _err(f"fedcheck: [{n}/{len(files)}] {one.file}")
        if one.error is not None or one.counts is None:
            _err(one.error or "error: the check stopped")
            summary.append((one.file, "input error", EXIT_USAGE))
            worst = EXIT_USAGE
            continue
        code, counts = one.code, one.counts
        sys.stdout.write(one.rendered)
        summary.append((one.file, f"{counts['fail']} failed, {counts['error']} errors", code))
        if code > worst and worst != EXIT_USAGE:
            worst = code
    if not args.quiet or worst:
        _err(f"fedcheck: checked {len(files)} deployments")
        for file, what, code in summary:
            verdict = {EXIT_OK: "ok", EXIT_FAIL: "FAIL", EXIT_USAGE: "ERROR"}[code]
            _err(f"  {verdict:5} {file}: {what}")
    return worst


def cmd_controls(args: argparse.Namespace) -> int:
    import json

    from .api import load_catalog_for

    if args.controls_command != "list":
        from .errors import UsageError

        raise UsageError("controls needs an action", "run: fedcheck controls list")
    catalog, _, _ = load_catalog_for(args.controls, None, _limits(args))
    controls = catalog.in_baseline(args.baseline) if args.baseline else list(catalog)
    if args.rules == "cr26" or args.cert_class:
        from .editions import class_members

        controls = class_members(catalog, args.rules, args.cert_class, args.baseline)
    if args.automated:
        controls = [c for c in controls if c.is_automated]
    if args.format == "json":
        rows = [
            {
                "id": c.id,
                "oscal_id": c.oscal_id,
                "title": c.title,
                "family": c.family,
                "baselines": list(c.baselines),
                "severity": c.severity.value,
                "automated": c.is_automated,
            }
            for c in controls
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    from .text import neutralize

    width = max((len(neutralize(c.id)) for c in controls), default=6)
    for c in controls:
        kind = "automated" if c.is_automated else "manual"
        sys.stdout.write(
            f"{neutralize(c.id):<{width}}  {kind:<9}  {','.join(c.baselines):<18}  "
            f"{neutralize(c.title)}\n"
        )
    if not args.quiet:
        automated = sum(c.is_automated for c in controls)
        _err(f"{len(controls)} controls, {automated} automated, {len(controls) - automated} manual")
    return EXIT_OK


def cmd_ksi(args: argparse.Namespace) -> int:
    import json

    from .api import check_file, load_catalog_for
    from .ksi import indicators_for, ksi_lens, render_ksi_text

    indicators_for(args.ksi_class)  # a class without KSIs is a usage error before any work
    catalog, _, _ = load_catalog_for([], None, _limits(args))
    # Class A/B/C KSIs relate to Rev5 controls up to the High baseline: judge them all.
    result, _ = check_file(
        args.deployment, catalog, baseline="high", as_of=args.as_of, edition="rev5"
    )
    lens = ksi_lens(result, args.ksi_class)
    if args.ksi_ids:
        from .editions import resolve_ksi_id
        from .errors import UsageError

        wanted = {resolve_ksi_id(i) for i in args.ksi_ids}
        missing = sorted(wanted - {k["id"] for k in lens})
        if missing:
            raise UsageError(
                f"{', '.join(missing)} is not a KSI of Class {args.ksi_class.upper()}",
                "leave out --ksi to list the KSIs of the class, or choose another --class",
            )
        lens = [k for k in lens if k["id"] in wanted]
    if args.format == "json":
        sys.stdout.write(
            json.dumps({"class": args.ksi_class.lower(), "indicators": lens}, indent=2) + "\n"
        )
    else:
        sys.stdout.write(render_ksi_text(lens, args.ksi_class))
    return EXIT_FAIL if any(k["status"] == "Not Implemented" for k in lens) else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from .api import schema

    sys.stdout.write(json.dumps(schema(args.kind), indent=2) + "\n")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from .api import load_result
    from .evaluation import exit_code
    from .findings import Severity

    outputs = _outputs(args)
    _check_template(args, outputs)
    _plan(outputs, [args.result, getattr(args, "template", None)])
    result = load_result(args.result)
    _emit(result, outputs, args)
    return exit_code(result, Severity(args.fail_on) if args.fail_on else None)


def cmd_diff(args: argparse.Namespace) -> int:
    import json

    from .api import load_result
    from .findings import Severity
    from .regressions import check_comparable, diff, render_text

    old, new = load_result(args.old), load_result(args.new)
    check_comparable(old, new, args.new)
    d = diff(old, new, Severity(args.fail_on) if args.fail_on else None)
    if args.format == "json":
        sys.stdout.write(json.dumps(d.to_dict(old, new), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(d, old, new))
    return d.exit_code


def cmd_validate(args: argparse.Namespace) -> int:
    import json

    from .catalog import load_catalog
    from .validate import expand, validate_file

    limits = _limits(args)
    catalog = load_catalog(args.controls, limits=limits) if args.controls else None
    verdicts = [
        validate_file(f, args.kind, catalog=catalog, limits=limits) for f in expand(args.paths)
    ]
    if not verdicts:
        from .errors import UsageError

        raise UsageError("no file to validate", "name files, or directories that hold some")
    if args.format == "json":
        sys.stdout.write(json.dumps([v.to_dict() for v in verdicts], indent=2) + "\n")
    for v in verdicts:
        for problem in v.problems:
            _err(problem.render())
        if v.ok and not args.quiet and args.format == "text":
            sys.stdout.write(f"ok    {v.file} ({v.kind})\n")
    bad = sum(not v.ok for v in verdicts)
    if not args.quiet or bad:
        _err(f"fedcheck: {len(verdicts)} file(s) checked, {bad} with problems")
    return EXIT_USAGE if bad else EXIT_OK


def cmd_test_controls(args: argparse.Namespace) -> int:
    import json

    from .catalog import load_catalog
    from .errors import UsageError
    from .selftest import run_examples

    if not os.path.isdir(args.directory):
        raise UsageError(f"{args.directory} is not a directory", "name a directory of controls")
    catalog = load_catalog([args.directory], include_bundled=False, limits=_limits(args))
    if not len(catalog):
        raise UsageError(
            f"{args.directory} holds no control file (.yaml or .yml)",
            "name the directory of your custom controls",
        )
    outcomes = run_examples(catalog)
    failed = [o for o in outcomes if not o.ok]
    if args.format == "json":
        rows = [
            {
                "control": o.control_id,
                "kind": o.kind,
                "example": o.name,
                "ok": o.ok,
                "detail": o.detail,
                "file": o.file,
            }
            for o in outcomes
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for o in outcomes:
            if not (args.quiet and o.ok):
                sys.stdout.write(o.render() + "\n")
    if not args.quiet or failed:
        _err(
            f"fedcheck: {len(catalog)} control(s), {len(outcomes)} example(s), {len(failed)} failed"
        )
    return EXIT_FAIL if failed else EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    if args.from_plan:
        from .terraform.scaffold import write_from_plan

        write_from_plan(args.from_plan, args.path, args.impact_level, force=args.force)
        if not args.quiet:
            _err(
                f"fedcheck: wrote {args.path} from {args.from_plan}; set the fields marked TODO, "
                f"then run: fedcheck check {args.path} --evidence {args.from_plan}"
            )
        return EXIT_OK
    from .scaffold import write_starter

    write_starter(args.path, args.impact_level, force=args.force)
    if not args.quiet:
        _err(
            f"fedcheck: wrote {args.path} (FedRAMP {args.impact_level}); set the fields "
            f"marked TODO, then run: fedcheck check {args.path}"
        )
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    import json

    from .api import load_catalog_for
    from .explain import explain, render_text

    catalog, _, _ = load_catalog_for(args.controls, None, _limits(args))
    data = explain(catalog, args.control)
    if args.format == "json":
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(render_text(_neutral(data)))
    return EXIT_OK


def cmd_due(args: argparse.Namespace) -> int:
    from .api import load_catalog_for
    from .due import due_calendar, render_json, render_text
    from .errors import UsageError
    from .ics import render_ics
    from .inputs import load_deployment
    from .records import load_records

    if args.within < 0:
        raise UsageError(f"--within {args.within} is negative", "give a number of days >= 0")
    limits = _limits(args)
    catalog, tailoring, _ = load_catalog_for(args.controls, args.profile, limits, crms=args.crm)
    deployment = load_deployment(args.deployment, limits)
    baseline = args.baseline
    if tailoring is not None and tailoring.baseline:
        from .profiles import profile_baseline

        baseline = profile_baseline(tailoring, baseline, deployment)
    cal = due_calendar(
        deployment,
        catalog,
        baseline=baseline,
        tailoring=tailoring,
        as_of=args.as_of,
        records=[load_records(r, limits) for r in args.records],
        within_days=args.within,
    )
    render = {"text": render_text, "json": render_json, "ics": render_ics}[args.format]
    text = render(cal)
    if args.output:
        inputs = [
            args.deployment,
            *args.records,
            *args.crm,
            *([args.profile] if args.profile else []),
        ]
        if any(
            os.path.exists(p) and os.path.realpath(p) == os.path.realpath(args.output)
            for p in inputs
        ):
            raise UsageError(
                f"--output {args.output} is one of the inputs; it would be overwritten",
                "write the calendar to a file of its own",
            )
        from .outputs import write_atomic

        write_atomic(args.output, text)
    elif not (args.quiet and args.format == "text" and not cal.is_late):
        sys.stdout.write(text)
    return EXIT_FAIL if cal.is_late else EXIT_OK


def _neutral(data: Any, key: str = "") -> Any:
    """Every string of ``data`` neutralized (see fedcheck.text); a title or an id on one line."""
    from .text import neutralize

    if isinstance(data, str):
        return neutralize(data, multiline=key not in ("title", "id", "oscal_id", "name"))
    if isinstance(data, dict):
        return {k: _neutral(v, str(k)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_neutral(v, key) for v in data]
    return data


def cmd_completion(args: argparse.Namespace) -> int:
    from .completion import script

    sys.stdout.write(script(build_parser(), args.shell))
    return EXIT_OK


COMMANDS = {
    "check": cmd_check,
    "controls": cmd_controls,
    "schema": cmd_schema,
    "report": cmd_report,
    "diff": cmd_diff,
    "validate": cmd_validate,
    "test-controls": cmd_test_controls,
    "init": cmd_init,
    "explain": cmd_explain,
    "completion": cmd_completion,
    "due": cmd_due,
    "ksi": cmd_ksi,
}


def main(argv: Sequence[str] | None = None) -> int:
    # The subcommand is the first argument that is not an option (the top level's options take
    # no value); when argparse takes another, that one is not a command and only its name,
    # in the "invalid choice" error, is read.
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(next((a for a in words if not a.startswith("-")), None))
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # A run is short and builds millions of acyclic objects (parsed values, findings): the
    # cyclic garbage collector would only walk them again and again (3-4x slower on a large
    # system) without finding garbage, so it is off for the life of a command.
    import gc

    gc.disable()
    stdout = _Stdout(sys.stdout)
    sys.stdout = stdout
    previous = _install_signals()
    try:
        code = _run_command(args)
        stdout.flush()
    finally:
        sys.stdout = stdout.stream
        _restore_signals(previous)
    if stdout.failure is not None:
        message, fix = stdout.failure
        _err(f"fedcheck: error: {message}\n    fix: {fix}")
        # The verdict stands; output that could not be delivered is never a success.
        return code if code != EXIT_OK else EXIT_USAGE
    return code


def _run_command(args: argparse.Namespace) -> int:
    from .errors import FedcheckError

    try:
        return COMMANDS[args.command](args)
    except FedcheckError as exc:
        _err(exc.render())
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("fedcheck: interrupted")
        return 130
    except _Terminated as exc:
        import signal

        _err(f"fedcheck: terminated by {signal.Signals(exc.signum).name}")
        return 128 + exc.signum
    except MemoryError:
        _err(
            "fedcheck: error: out of memory\n"
            "    fix: lower --max-file-bytes or FEDCHECK_MAX_NODES, or give the run more memory"
        )
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - a user never sees a traceback
        if os.environ.get("FEDCHECK_DEBUG"):
            raise
        _err(
            f"fedcheck: internal error: {type(exc).__name__}: {exc}\n"
            "    fix: this is a bug in fedcheck; rerun with FEDCHECK_DEBUG=1 for the traceback "
            "and report it"
        )
        return EXIT_USAGE


def run() -> NoReturn:
    raise SystemExit(main())
