"""Read a Terraform plan (``terraform show -json plan.out``) with the standard library.

What is read: ``planned_values`` (the root module and child modules at any depth: what will
exist after apply, so a resource deleted by the plan is absent and a no-op one is present),
``resource_changes`` (the actions, and ``after_unknown``, which tells a value known only after
apply from one left unset), ``prior_state`` (what exists already) and ``configuration`` (the
provider region and the module calls). Anything that is not a plan is refused with exit 2,
naming what the file is and how to produce a plan.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..loading import DEFAULT_LIMITS, Limits
from .address import Address, AddressError, parse_address

HOW_TO_PRODUCE = (
    "produce a plan with: terraform plan -out=plan.out && terraform show -json plan.out > plan.json"
)

#: ``format_version`` majors this reader understands: 0.1 and later, and every 1.x.
SUPPORTED_MAJORS = (0, 1)


@dataclass(eq=False)
class PlannedResource:
    """One resource instance that will exist after apply (treat it as immutable; not frozen
    because a frozen dataclass costs a third of the reading time of a large plan)."""

    address: str
    type: str
    provider: str  # the provider's short name: aws, azurerm, google, ...
    values: dict[str, Any]
    unknown: Any  # after_unknown: True, or a structure of the values' shape; {} when all known
    actions: tuple[str, ...]  # from resource_changes; ("no-op",) when the plan lists none
    existed: bool  # in prior_state: already deployed before this plan
    file: str = ""  # the plan it comes from, for messages
    #: sensitive_values / after_sensitive: True, or a structure of the values' shape marking
    #: the values Terraform redacts; {} when none is. A sensitive value is never printed.
    sensitive: Any = field(default_factory=dict)

    @functools.cached_property
    def parsed(self) -> Address:
        """The parsed address, made when first needed (reading stays near json.loads speed)."""
        try:
            return parse_address(self.address)
        except AddressError as exc:
            raise InputError(self.file, None, None, str(exc), HOW_TO_PRODUCE) from None


@dataclass
class Plan:
    """A read plan: the resources that will exist, keyed by address, and what identifies it."""

    file: str
    sha256: str
    format_version: str
    terraform_version: str
    resources: dict[str, PlannedResource]
    deleted: tuple[str, ...] = ()  # addresses the plan destroys: gone, never evidence
    provider_regions: dict[str, str] = field(default_factory=dict)  # provider config key -> region
    configuration: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[PlannedResource]:
        return iter(self.resources.values())

    def __len__(self) -> int:
        return len(self.resources)


def load_plan(path: str, limits: Limits = DEFAULT_LIMITS) -> Plan:
    """Read and check a plan file; every refusal is an InputError (exit 2)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        raise InputError(path, None, None, "no such plan file", HOW_TO_PRODUCE) from None
    except IsADirectoryError:
        raise InputError(
            path, None, None, "is a directory, not a plan file", "name the JSON plan file"
        ) from None
    except OSError as exc:
        raise InputError(
            path,
            None,
            None,
            f"cannot read the plan: {exc.strerror}",
            "check the file's permissions, or write the plan again with terraform show -json",
        ) from None
    if len(raw) > limits.max_file_bytes:
        raise InputError(
            path,
            1,
            1,
            f"plan is larger than the limit of {limits.max_file_bytes:,} bytes",
            "raise the limit with --max-file-bytes or FEDCHECK_MAX_FILE_BYTES if the plan is genuine",
        )
    return parse_plan(raw, path)


def decode_plan(raw: bytes, file: str) -> str:
    """UTF-8 (with or without a byte-order mark), or UTF-16 with one (PowerShell's ``>``)."""
    if raw.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8", raw[3:]
    elif raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError(
            file, 1, 1, "the plan is encoded as UTF-32", "save it as UTF-8 or UTF-16 with a BOM"
        )
    elif raw.startswith(codecs.BOM_UTF16_LE):
        encoding, body = "utf-16-le", raw[2:]
    elif raw.startswith(codecs.BOM_UTF16_BE):
        encoding, body = "utf-16-be", raw[2:]
    else:
        encoding, body = "utf-8", raw
        if len(raw) >= 2 and (raw[0] == 0 or raw[1] == 0):
            raise InputError(
                file,
                1,
                1,
                "the plan looks like UTF-16 without a byte-order mark",
                "write it as UTF-8: terraform show -json plan.out > plan.json",
            )
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        good = body[: exc.start].decode(encoding, errors="replace")
        line = good.count("\n") + 1
        raise InputError(
            file,
            line,
            len(good) - (good.rfind("\n") + 1) + 1,
            f"the plan is not valid {encoding.upper()} (at byte {exc.start})",
            "write it again: terraform show -json plan.out > plan.json",
        ) from None


_HCL = re.compile(
    r'^\s*(resource|provider|terraform|module|variable|output|locals|data)\s*("|\{)', re.M
)


def _what_it_is(text: str) -> str | None:
    """Name a file that is not JSON at all: a wrapper's output or configuration."""
    head = text.lstrip()[:4096]
    if head.startswith("[command]"):
        return (
            "the output of GitHub's setup-terraform wrapper (it starts with '[command]'), "
            "not the plan; set terraform_wrapper: false on setup-terraform or strip the wrapper "
            "lines"
        )
    if _HCL.search(head):
        return "Terraform configuration (HCL), not a plan"
    if head.startswith(("Terraform used", "Terraform will perform", "Plan:", "No changes.")):
        return "terraform plan's human-readable output, not its JSON form"
    return None


def parse_plan(raw: bytes, file: str = "<plan>") -> Plan:
    """Read a plan from its bytes (see ``load_plan``)."""
    sha = hashlib.sha256(raw).hexdigest()
    text = decode_plan(raw, file)
    if not text.strip():
        raise InputError(file, 1, 1, "the plan file is empty", HOW_TO_PRODUCE)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except _NotJSON as exc:
        # NaN and Infinity are not JSON (Python's reader accepts them): no plan holds them.
        match = re.search(rf"(?<![\w.\"]){re.escape(exc.args[0])}(?![\w\"])", text)
        at = match.start() if match else 0
        line = text.count("\n", 0, at) + 1
        raise InputError(
            file,
            line,
            at - (text.rfind("\n", 0, at) + 1) + 1,
            f"the plan holds {exc.args[0]}, which is not JSON (an edited or generated file?)",
            HOW_TO_PRODUCE,
        ) from None
    except RecursionError:
        raise InputError(
            file,
            1,
            1,
            "the plan nests arrays or objects deeper than any Terraform plan does",
            HOW_TO_PRODUCE,
        ) from None
    except json.JSONDecodeError as exc:
        what = _what_it_is(text)
        if what is not None:
            raise InputError(file, 1, 1, f"this file is {what}", HOW_TO_PRODUCE) from None
        stripped = text.strip()
        if exc.pos >= len(stripped) or (stripped.startswith("{") and not stripped.endswith("}")):
            raise InputError(
                file,
                exc.lineno,
                exc.colno,
                "the plan's JSON ends early: the file is truncated (an interrupted download or "
                "a full disk?)",
                "fetch or write the plan again: terraform show -json plan.out > plan.json",
            ) from None
        raise InputError(
            file, exc.lineno, exc.colno, f"the plan is not valid JSON: {exc.msg}", HOW_TO_PRODUCE
        ) from None
    return plan_from_data(data, file, sha, text)


class _NotJSON(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJSON(name)


def _kind_of(data: Any) -> str | None:
    if not isinstance(data, dict):
        return f"JSON {type(data).__name__}, not a plan object"
    if "planned_values" in data:
        return None
    if "lineage" in data and "serial" in data:
        return "a Terraform state file (terraform.tfstate), not a plan"
    if "values" in data and "format_version" in data:
        return "the JSON form of a state (terraform show -json without a plan file), not a plan"
    if "resource_changes" in data:
        return None  # a plan that creates nothing stated in planned_values: refused below
    if "version" in data and "runs" in data:
        return "a SARIF report, not a plan"
    if data.get("format") == "fedcheck-result":
        return "a fedcheck result, not a plan"
    return "JSON without planned_values, not a Terraform plan"


def position(text: str | None, path: tuple[str | int, ...]) -> tuple[int, int]:
    """Line and column (1-based) of the value at ``path`` in the JSON ``text``, or of the
    nearest container on the way that exists. Used only to point an error at its place, so it
    may walk the text again; it never runs on a plan that is read without error."""
    if text is None:
        return 1, 1
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    at = ws.match(text, 0).end()  # type: ignore[union-attr]
    try:
        for step in path:
            opener = text[at : at + 1]
            if opener == "{" and isinstance(step, str):
                at = ws.match(text, at + 1).end()  # type: ignore[union-attr]
                found = False
                while text[at : at + 1] == '"':
                    key, at = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
                    at = ws.match(text, at).end() + 1  # type: ignore[union-attr]  # the ':'
                    at = ws.match(text, at).end()  # type: ignore[union-attr]
                    if key == step:
                        found = True
                        break
                    _, at = decoder.raw_decode(text, at)
                    at = ws.match(text, at).end()  # type: ignore[union-attr]
                    if text[at : at + 1] == ",":
                        at = ws.match(text, at + 1).end()  # type: ignore[union-attr]
                if not found:
                    break
            elif opener == "[" and isinstance(step, int):
                at = ws.match(text, at + 1).end()  # type: ignore[union-attr]
                for _ in range(step):
                    _, at = decoder.raw_decode(text, at)
                    at = ws.match(text, at).end() + 1  # type: ignore[union-attr]  # the ','
                    at = ws.match(text, at).end()  # type: ignore[union-attr]
            else:
                break
    except (ValueError, IndexError):
        pass
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def _check_version(data: dict[str, Any], file: str, text: str | None) -> str:
    version = data.get("format_version")
    # Placed only when refused: the walk re-reads the text up to the key.
    if not isinstance(version, str) or not re.fullmatch(r"[0-9]+\.[0-9]+(\.[0-9]+)?", version):
        line, column = position(text, ("format_version",))
        raise InputError(
            file,
            line,
            column,
            f"the plan states no readable format_version (got {version!r})",
            HOW_TO_PRODUCE,
        )
    major, minor = (int(p) for p in version.split(".")[:2])
    if major not in SUPPORTED_MAJORS or (major == 0 and minor < 1):
        line, column = position(text, ("format_version",))
        raise InputError(
            file,
            line,
            column,
            f"plan format_version {version} is not supported (fedcheck reads 0.1 to 1.x)",
            "produce the plan with Terraform 0.12 or later, 1.x, or upgrade fedcheck",
        )
    return version


def _has_resources(module: Any) -> bool:
    stack = [module]
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        if item.get("resources"):
            return True
        stack.extend(item.get("child_modules") or ())
    return False


def plan_from_data(data: Any, file: str, sha256: str, text: str | None = None) -> Plan:
    """Build a Plan from decoded JSON (``text``, when given, places errors at line:column)."""
    kind = _kind_of(data)
    if kind is not None:
        raise InputError(file, 1, 1, f"this file is {kind}", HOW_TO_PRODUCE)
    version = _check_version(data, file, text)
    root = (data.get("planned_values") or {}).get("root_module") or {}
    raw_changes = data.get("resource_changes")
    if raw_changes is None and _has_resources(root):
        # Without resource_changes, a value known only after apply cannot be told from one
        # left unset, and an unset value can pass (publicly_accessible unset is false).
        line, column = position(text, ("planned_values",))
        raise InputError(
            file,
            line,
            column,
            "the plan has resources in planned_values but no resource_changes, so a value "
            "known only after apply cannot be told from an unset one (an edited or filtered "
            "plan?)",
            "give the whole output of: terraform show -json plan.out > plan.json",
        )
    if not isinstance(raw_changes, (list, type(None))):
        line, column = position(text, ("resource_changes",))
        raise InputError(file, line, column, "resource_changes is not a list", HOW_TO_PRODUCE)
    changes: dict[str, tuple[tuple[str, ...], Any, Any]] = {}
    deleted: list[str] = []
    for i, change in enumerate(raw_changes or ()):
        if not isinstance(change, dict) or not isinstance(change.get("address"), str):
            line, column = position(text, ("resource_changes", i))
            raise InputError(
                file,
                line,
                column,
                "resource_changes holds an entry without address",
                HOW_TO_PRODUCE,
            )
        body = change.get("change") or {}
        actions = tuple(body.get("actions") or ("no-op",))
        changes[change["address"]] = (
            actions,
            body.get("after_unknown") or {},
            body.get("after_sensitive") or {},
        )
        if actions == ("delete",):
            deleted.append(change["address"])
    existed = _prior_addresses(data.get("prior_state"))
    resources: dict[str, PlannedResource] = {}
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, ("planned_values", "root_module"))]
    providers: dict[Any, str] = {}
    no_change: tuple[tuple[str, ...], Any, Any] = (("no-op",), {}, {})
    while stack:
        module, where = stack.pop()
        if not isinstance(module, dict):
            continue
        for j, item in enumerate(module.get("resources") or ()):
            if not isinstance(item, dict) or item.get("mode", "managed") != "managed":
                continue  # data sources are read, not deployed
            address = item.get("address")
            rtype = item.get("type")
            if not isinstance(address, str) or not isinstance(rtype, str):
                line, column = position(text, (*where, "resources", j))
                raise InputError(
                    file,
                    line,
                    column,
                    "planned_values holds a resource without address or type",
                    HOW_TO_PRODUCE,
                )
            actions, unknown, after_sensitive = changes.get(address, no_change)
            values = item.get("values")
            name = item.get("provider_name")
            provider = providers.get(name) if isinstance(name, str) else None
            if provider is None:
                provider = _provider_short(name, rtype)
                if isinstance(name, str):
                    providers[name] = provider
            resources[address] = PlannedResource(
                address,
                rtype,
                provider,
                values if isinstance(values, dict) else {},
                unknown,
                actions,
                address in existed,
                file,
                _either(marked, after_sensitive)
                if (marked := item.get("sensitive_values"))
                else after_sensitive,
            )
        children = module.get("child_modules") or ()
        stack.extend(
            (child, (*where, "child_modules", k))
            for k, child in reversed(list(enumerate(children)))
        )
    configuration = data.get("configuration") or {}
    return Plan(
        file=file,
        sha256=sha256,
        format_version=version,
        terraform_version=str(data.get("terraform_version", "")),
        resources=resources,  # in the plan's order, which terraform writes sorted
        deleted=tuple(sorted(a for a in deleted if a not in resources)),
        provider_regions=_provider_regions(configuration),
        configuration=configuration if isinstance(configuration, dict) else {},
    )


def _either(a: Any, b: Any) -> Any:
    """The union of two sensitivity structures: a value either marks sensitive is sensitive."""
    if a is True or b is True:
        return True
    if not a:
        return b or {}
    if not b:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _either(a.get(k), b.get(k)) for k in dict.fromkeys([*a, *b])}
    if isinstance(a, list) and isinstance(b, list):
        return [_either(x, y) for x, y in zip(a, b, strict=False)] + (a[len(b) :] or b[len(a) :])
    return True  # shapes that disagree: treat the whole value as sensitive


def _prior_addresses(prior: Any) -> set[str]:
    out: set[str] = set()
    if not isinstance(prior, dict):
        return out
    stack = [(prior.get("values") or {}).get("root_module") or {}]
    while stack:
        module = stack.pop()
        if not isinstance(module, dict):
            continue
        for item in module.get("resources") or ():
            if isinstance(item, dict) and isinstance(item.get("address"), str):
                out.add(item["address"])
        stack.extend(module.get("child_modules") or ())
    return out


def _provider_short(name: Any, rtype: str) -> str:
    if isinstance(name, str) and name:
        return name.rsplit("/", 1)[-1]
    return rtype.split("_", 1)[0]


def _provider_regions(configuration: Any) -> dict[str, str]:
    """Region (AWS) or region/location (Google) stated as a constant in a provider block."""
    out: dict[str, str] = {}
    if not isinstance(configuration, dict):
        return out
    for key, provider in (configuration.get("provider_config") or {}).items():
        expressions = provider.get("expressions") or {} if isinstance(provider, dict) else {}
        for attribute in ("region", "location"):
            value = (expressions.get(attribute) or {}).get("constant_value")
            if isinstance(value, str):
                out[key] = value
                break
    return out


__all__ = [
    "HOW_TO_PRODUCE",
    "Plan",
    "PlannedResource",
    "decode_plan",
    "load_plan",
    "parse_plan",
    "position",
]
