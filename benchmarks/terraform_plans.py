"""Reading and cross-checking Terraform plans: cost as ratios measured in one run.

    python benchmarks/terraform_plans.py              # 10,000 resources
    python benchmarks/terraform_plans.py --resources 2000 --repeat 3

Reports two ratios, never absolute times: reading a plan (``parse_plan``) against
``json.loads`` of the same bytes (the floor; the target is at most 2x), and the cross-check of
N bound components against N/10 (linear is about 10x).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from fedcheck.inputs import parse_deployment
from fedcheck.terraform.crosscheck import cross_check
from fedcheck.terraform.plan import parse_plan

_KINDS = (
    (
        "aws_s3_bucket",
        {
            "server_side_encryption_configuration": [
                {
                    "rule": [
                        {"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}
                    ]
                }
            ]
        },
    ),
    (
        "aws_db_instance",
        {"storage_encrypted": True, "backup_retention_period": 7, "publicly_accessible": False},
    ),
    ("aws_kms_key", {"enable_key_rotation": True, "rotation_period_in_days": 365}),
    ("aws_cloudwatch_log_group", {"retention_in_days": 0}),
)


def plan_bytes(count: int) -> bytes:
    """A plan of ``count`` resources, half of them in module instances."""
    root: list[dict[str, Any]] = []
    modules: dict[str, list[dict[str, Any]]] = {}
    changes = []
    for i in range(count):
        rtype, values = _KINDS[i % len(_KINDS)]
        module = f'module.m["{i // 100}.x"]' if i % 2 else ""
        address = f"{module + '.' if module else ''}{rtype}.r{i}"
        item = {
            "address": address,
            "mode": "managed",
            "type": rtype,
            "name": f"r{i}",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "values": values,
        }
        (modules.setdefault(module, []) if module else root).append(item)
        changes.append(
            {
                "address": address,
                "change": {"actions": ["create"], "after": values, "after_unknown": {"arn": True}},
            }
        )
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": root,
                "child_modules": [{"address": k, "resources": v} for k, v in modules.items()],
            }
        },
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {"expressions": {"region": {"constant_value": "us-gov-west-1"}}}
            }
        },
    }
    return json.dumps(plan).encode()


def deployment_for(raw: bytes, count: int) -> Any:
    addresses = [r["address"] for r in json.loads(raw)["resource_changes"]][:count]
    lines = ["version: 1", "system: {id: bench, impact_level: moderate}", "components:"]
    for i, address in enumerate(addresses):
        lines.append(f"  - id: c{i}")
        lines.append(f"    iac: [{json.dumps(address)}]")
    return parse_deployment("\n".join(lines) + "\n", "bench.yaml")


def median(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    raw = plan_bytes(args.resources)
    floor = median(lambda: json.loads(raw.decode("utf-8")), args.repeat)
    read = median(lambda: parse_plan(raw, "bench.json"), args.repeat)
    print(
        f"read a plan of {args.resources:,} resources: {read / floor:.2f}x json.loads (target <= 2)"
    )
    plan = parse_plan(raw, "bench.json")
    small, large = args.resources // 10, args.resources
    d_small, d_large = deployment_for(raw, small), deployment_for(raw, large)
    t_small = median(lambda: cross_check(d_small, [plan]), args.repeat)
    t_large = median(lambda: cross_check(d_large, [plan]), args.repeat)
    print(
        f"cross-check {large:,} vs {small:,} bound components: {t_large / t_small:.1f}x (linear ~10)"
    )


if __name__ == "__main__":
    main()
