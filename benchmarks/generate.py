"""Generate seeded synthetic deployments for the benchmarks, as block-style YAML and as JSON.

A deployment of N components is built from the component, external service and data flow shapes
of ``examples/agency-ai-assistant-compliant.yaml`` (4 components, 2 services, 5 flows), so that
services and flows come in the example's proportion (N/2 services, 5N/4 flows). Each copy gets
its own id, and about a third of the values that controls judge are made weaker (or, for one
weakening in ten, left out), with a fixed seed: the same N and seed always give the same bytes.

    python benchmarks/generate.py 1000 --out /tmp/bench   # writes deployment-1000.yaml/.json
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fedcheck.loading import load_file  # noqa: E402  (YAML is read only through fedcheck)

EXAMPLE = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
DEFAULT_SEED = 20250101
#: Share of judged values made non-compliant.
WEAKEN_SHARE = 1 / 3
#: Share of weakenings that leave the field out instead of giving a weaker value.
DELETE_SHARE = 0.1
_DELETE = object()

#: Field path -> weaker values, per kind of object. Only fields that are safe to leave out (no
#: id, type or reference) are listed, so that every generated document stays valid.
WEAKER: dict[str, dict[str, list[Any]]] = {
    "component": {
        "access.session_timeout_minutes": [30, 60],
        "access.session_max_lifetime_hours": [24, 72],
        "access.authorization": ["none"],
        "access.inactive_account_disable_days": [90, 365],
        "access.lockout.max_attempts": [5, 10],
        "access.lockout.lock_minutes": [5, 30],
        "access.authentication.mfa": [False],
        "access.authentication.phishing_resistant": [False],
        "access.authentication.piv": [False],
        "access.privileged.mfa": [False],
        "access.privileged.separate_accounts": [False],
        "access.privileged.actions_logged": [False],
        "logging.enabled": [False],
        "logging.events": [["authentication"], ["authentication", "data_access"]],
        "logging.retention_days": [90, 365],
        "logging.active_retention_days": [30, 90],
        "logging.centralized": [False],
        "logging.tamper_protected": [False],
        "logging.review_frequency_days": [30, 90],
        "logging.time_synchronized": [False],
        "encryption.at_rest.enabled": [False],
        "encryption.at_rest.fips_validated": [False],
        "encryption.at_rest.key_rotation_days": [730],
        "encryption.in_transit.tls_min_version": ["1.0", "1.1"],
        "encryption.in_transit.fips_validated": [False],
        "backup.enabled": [False],
        "backup.frequency_hours": [48, 168],
        "backup.last_restore_test_days": [400, 1000],
        "backup.alternate_site": [False],
        "backup.encrypted": [False],
        "backup.copies": [1],
        "vulnerability_management.scan_frequency_days": [90, 180],
        "vulnerability_management.remediation_days.high": [60, 90],
        "vulnerability_management.remediation_days.moderate": [180],
        "vulnerability_management.authenticated_scans": [False],
        "hosting.fedramp_authorization": ["moderate", "none"],
        "hosting.data_location": ["de", "ca"],
        "network.boundary_protection": [[]],
        "configuration.baseline_managed": [False],
        "configuration.drift_detection": [False],
    },
    "service": {
        "fedramp_authorization": ["moderate", "li-saas", "none"],
        "data_location": ["de", "ca"],
        "interconnection_agreement": [False],
        "trains_on_customer_data": [True],
    },
    "flow": {
        "encryption.tls_min_version": ["1.0", "1.1"],
        "encryption.fips_validated": [False],
    },
}


class _BlockDumper(yaml.SafeDumper):
    """Block style, no anchors: the way a person writes a deployment by hand."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _weaken(obj: dict[str, Any], kind: str, rng: random.Random) -> int:
    """Weaken about WEAKEN_SHARE of the judged values of ``obj``; return how many."""
    changed = 0
    for path, choices in WEAKER[kind].items():
        *parents, leaf = path.split(".")
        node = obj
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or leaf not in node:
            continue
        if rng.random() >= WEAKEN_SHARE:
            continue
        changed += 1
        if rng.random() < DELETE_SHARE:
            del node[leaf]
        else:
            node[leaf] = copy.deepcopy(rng.choice(choices))
    return changed


#: The day the example's dated facts are read on (the day its records are current).
EXAMPLE_AS_OF = date(2026, 12, 1)


def _restore_test_in_days(component: dict[str, Any]) -> None:
    """State the last restore test as its age in days (``last_restore_test_days``), as the
    contract allows, instead of the example's date: the hand-written Python and the Rego rules
    read the age, and an age does not depend on the day the benchmark runs."""
    backup = component.get("backup")
    if isinstance(backup, dict) and "last_restore_test" in backup:
        tested = backup.pop("last_restore_test")
        day = tested if isinstance(tested, date) else date.fromisoformat(str(tested))
        backup["last_restore_test_days"] = (EXAMPLE_AS_OF - day).days


def generate(n_components: int, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """A valid deployment with ``n_components`` components, services and flows in proportion."""
    example = load_file(str(EXAMPLE)).data
    rng = random.Random(f"{seed}:{n_components}")
    shapes = example["components"]
    service_shapes = example["external_services"]
    flow_shapes = example["data_flows"]

    components: list[dict[str, Any]] = []
    by_shape: dict[str, list[str]] = {}
    for i in range(n_components):
        shape = shapes[i % len(shapes)]
        c = copy.deepcopy(shape)
        _restore_test_in_days(c)
        c["id"] = f"{shape['id']}-{i:05d}"
        c["name"] = f"{shape['name']} {i}"
        by_shape.setdefault(shape["id"], []).append(c["id"])
        components.append(c)
    n_services = max(len(service_shapes), n_components * len(service_shapes) // len(shapes))
    services: list[dict[str, Any]] = []
    for i in range(n_services):
        shape = service_shapes[i % len(service_shapes)]
        s = copy.deepcopy(shape)
        s["id"] = f"{shape['id']}-{i:05d}"
        s["name"] = f"{shape['name']} {i}"
        by_shape.setdefault(shape["id"], []).append(s["id"])
        services.append(s)
    n_flows = max(len(flow_shapes), n_components * len(flow_shapes) // len(shapes))
    flows: list[dict[str, Any]] = []
    reached: dict[str, int] = {}
    for i in range(n_flows):
        shape = flow_shapes[i % len(flow_shapes)]
        f = copy.deepcopy(shape)
        f["id"] = f"{shape['id']}-{i:05d}"
        # Ends of the same shapes as in the example (a web UI still talks to an API). Targets
        # are taken in turn, so that every external service receives data, as listed services do.
        f["from"] = rng.choice(by_shape[shape["from"]])
        targets = by_shape[shape["to"]]
        turn = reached.get(shape["to"], 0)
        reached[shape["to"]] = turn + 1
        f["to"] = targets[turn % len(targets)]
        flows.append(f)

    for c in components:
        _weaken(c, "component", rng)
    for s in services:
        _weaken(s, "service", rng)
    for f in flows:
        _weaken(f, "flow", rng)

    return {
        "version": 1,
        "system": copy.deepcopy(example["system"]),
        "components": components,
        "external_services": services,
        "data_flows": flows,
        # No inherited_controls: the engine comparison evaluates a catalog of 27 controls, in
        # which the example's inherited family (PE) does not exist.
    }


def to_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(
        data,
        Dumper=_BlockDumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def write(n_components: int, directory: Path, seed: int = DEFAULT_SEED) -> tuple[Path, Path]:
    """Write deployment-N.yaml and deployment-N.json into ``directory``; return both paths."""
    data = generate(n_components, seed)
    directory.mkdir(parents=True, exist_ok=True)
    yaml_path = directory / f"deployment-{n_components}.yaml"
    json_path = directory / f"deployment-{n_components}.json"
    yaml_path.write_text(to_yaml(data), encoding="utf-8")
    json_path.write_text(to_json(data), encoding="utf-8")
    return yaml_path, json_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="+", type=int, help="numbers of components")
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    for n in args.sizes:
        for p in write(n, args.out, args.seed):
            print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
