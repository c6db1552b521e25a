"""Terraform plans as evidence: reading, addresses, the mapping, the cross-check, the CLI."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest

from fedcheck.cli import main
from fedcheck.errors import InputError
from fedcheck.loading import load_file
from fedcheck.terraform.address import AddressError, parse_address
from fedcheck.terraform.extract import resource_facts
from fedcheck.terraform.mapping import load_mapping
from fedcheck.terraform.plan import load_plan, parse_plan

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "terraform"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "terraform"
DEPLOYMENT = EXAMPLE / "fedcheck.yaml"  # the worked example of docs/terraform.md
AWS = FIXTURES / "aws.json"


def _plan(**extra: object) -> bytes:
    data = {"format_version": "1.2", "planned_values": {"root_module": {}}, **extra}
    return json.dumps(data).encode()


# -- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'aws_instance.x["test.1"]',
        "module.db.module.db_1.aws_db_instance.this[0]",
        'module.sg["bad.example"].aws_security_group.bad',
        "data.aws_vpc.main",
        'aws_s3_bucket.b["with \\"quote\\" and ]"]',
    ],
)
def test_address_round_trips_without_splitting_on_dots(text: str) -> None:
    assert str(parse_address(text)) == text


def test_address_keys_that_hold_dots_stay_whole() -> None:
    address = parse_address('module.a["x.y"].aws_instance.web["test.1"]')
    assert address.module_path == ("a",)
    assert address.modules[0].key == "x.y"
    assert (address.type, address.name, address.key) == ("aws_instance", "web", "test.1")


def test_wildcard_pattern_matches_every_instance_only() -> None:
    pattern = parse_address("module.sg[*].aws_security_group.bad", pattern=True)
    assert pattern.matches(parse_address('module.sg["a"].aws_security_group.bad'))
    assert not pattern.matches(parse_address("module.sg.aws_security_group.bad"))
    assert not pattern.matches(parse_address('module.other["a"].aws_security_group.bad'))


@pytest.mark.parametrize(
    "text", ["aws_s3_bucket", "aws_s3_bucket.b[", "aws_s3_bucket.b[*]", "x.y z"]
)
def test_malformed_address_is_refused(text: str) -> None:
    with pytest.raises(AddressError):
        parse_address(text)


# -- reading plans ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["0.1", "0.2", "1.0", "1.2", "1.99"])
def test_supported_format_versions_are_read(version: str) -> None:
    plan = parse_plan(_plan(format_version=version))
    assert plan.format_version == version


@pytest.mark.parametrize("version", ["2.0", "0.0", "one"])
def test_other_format_versions_are_refused(version: str) -> None:
    with pytest.raises(InputError, match="format_version"):
        parse_plan(_plan(format_version=version))


def test_utf16_with_bom_is_read() -> None:
    raw = codecs.BOM_UTF16_LE + AWS.read_text(encoding="utf-8").encode("utf-16-le")
    assert len(parse_plan(raw)) == len(load_plan(str(AWS)))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[command]/home/runner/terraform show -json plan.out\n{}", "setup-terraform"),
        ('resource "aws_s3_bucket" "b" {\n}\n', "HCL"),
        ('{"version": 4, "serial": 3, "lineage": "x", "resources": []}', "state file"),
        ('{"format_version": "1.0", "values": {}}', "state"),
        ('{"format_version": "1.2", "planned_values": {"root_mod', "truncated"),
    ],
)
def test_a_file_that_is_not_a_plan_says_what_it_is(text: str, named: str) -> None:
    with pytest.raises(InputError) as info:
        parse_plan(text.encode(), "plan.json")
    assert named in info.value.render()
    assert "terraform show -json plan.out" in info.value.render()


def test_not_a_plan_exits_2_naming_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("[command]terraform show -json plan.out\n", encoding="utf-8")
    assert main(["check", str(DEPLOYMENT), "--evidence", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "plan.json" in err and "setup-terraform" in err and "fix:" in err


def test_deleted_resources_are_gone_and_no_op_ones_deployed() -> None:
    plan = load_plan(str(AWS))
    assert "aws_s3_bucket.old" not in plan.resources
    assert plan.deleted == ("aws_s3_bucket.old",)
    raw = _plan(
        planned_values={
            "root_module": {
                "resources": [
                    {"address": "aws_s3_bucket.kept", "type": "aws_s3_bucket", "values": {}}
                ]
            }
        },
        resource_changes=[],  # present, as in every plan with resources; kept is not listed
    )
    assert parse_plan(raw).resources["aws_s3_bucket.kept"].actions == ("no-op",)


# -- the mapping -----------------------------------------------------------------------------

EXPECTED = load_file(str(FIXTURES / "expected.yaml")).data


@pytest.mark.parametrize("provider", ["aws", "azure", "google"])
def test_mapping_evidences_what_the_fixture_plan_states(provider: str) -> None:
    mapping = load_mapping()
    plan = load_plan(str(FIXTURES / f"{provider}.json"))
    got = {}
    for resource in plan:
        kind = "logging" if resource.parsed.name in ("audit", "logs") else None
        got[resource.address] = {
            f.field: (f.value if f.state == "known" else f.state)
            for f in resource_facts(resource, mapping, plan, kind)
        }
    assert got == EXPECTED[provider]


def test_every_mapped_resource_type_with_facts_has_a_fixture() -> None:
    covered = {
        load_plan(str(FIXTURES / f"{p}.json")).resources[a].type
        for p in EXPECTED
        for a in EXPECTED[p]
    }
    mapped = {t for t, entry in load_mapping().by_type.items() if entry.facts}
    assert mapped - covered == set()


def test_provider_normalized_values_are_mapped() -> None:
    aws, azure, google = EXPECTED["aws"], EXPECTED["azure"], EXPECTED["google"]
    assert aws["aws_cloudwatch_log_group.forever"]["logging.retention_days"] == 36500
    assert azure["azurerm_storage_account.weak"]["encryption.in_transit.tls_min_version"] == "1.0"
    assert google["google_kms_crypto_key.ninety"]["encryption.at_rest.key_rotation_days"] == 90


# -- the cross-check through the CLI ---------------------------------------------------------


def _check(tmp_path: Path, *extra: str, deployment: Path = DEPLOYMENT) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = tmp_path / "result.json"
    code = main(
        [
            "check",
            str(deployment),
            "--evidence",
            str(AWS),
            *extra,
            "-q",
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    return code, json.loads(out.read_text(encoding="utf-8"))


def _finding(result: dict, control: str, target: str) -> dict:  # type: ignore[type-arg]
    return next(
        f for f in result["findings"] if f["control_id"] == control and f["target"] == target
    )


def test_contradicted_declaration_fails_at_its_line_naming_the_address(tmp_path: Path) -> None:
    code, result = _check(tmp_path)
    assert code == 1
    finding = _finding(result, "SC-28", "uploads")
    assert finding["status"] == "fail"
    assert "aws_s3_bucket.plain" in finding["message"] and "declared true" in finding["message"]
    assert finding["location"]["file"].endswith("fedcheck.yaml")
    assert finding["location"]["line"] == 12
    assert finding["evidence"][0]["location"]["path"] == "aws_s3_bucket.plain"
    assert "aws_s3_bucket.plain" in finding["evidence"][0]["source"]


def test_field_left_out_is_filled_from_the_plan_and_judged(tmp_path: Path) -> None:
    _, result = _check(tmp_path)
    records = _finding(result, "SC-28", "records")
    assert records["status"] == "pass"
    assert records["location"]["path"] == "aws_db_instance.main"
    assert "evidenced by aws_db_instance.main" in records["evidence"][0]["source"]
    legacy = _finding(result, "SC-28", "legacy-db")
    assert legacy["status"] == "fail"
    assert legacy["location"]["path"] == "module.db.module.db_1.aws_db_instance.this[0]"
    assert "module.db.module.db_1.aws_db_instance.this[0]" in legacy["evidence"][0]["source"]


def test_value_unknown_until_apply_is_never_a_pass(tmp_path: Path) -> None:
    # archive declares a customer-managed key; the plan knows its key id only after apply.
    _, result = _check(tmp_path)
    finding = _finding(result, "SC-12", "archive")
    assert finding["status"] == "manual"
    assert "after apply" in finding["message"] and "aws_s3_bucket.pending" in finding["message"]
    assert finding["evidence"][0]["actual"] == "unknown"


def test_unclaimed_data_resources_fail_the_inventory(tmp_path: Path) -> None:
    _, result = _check(tmp_path)
    inventory = _finding(result, "CM-8", "tf-demo")
    assert inventory["status"] == "fail"
    addresses = {e["actual"] for e in inventory["evidence"]}
    assert "aws_s3_bucket.cmk" in addresses and "aws_security_group.open" not in addresses
    assert "aws_s3_bucket.plain" not in addresses


def test_plan_digest_is_among_the_inputs(tmp_path: Path) -> None:
    import hashlib

    _, result = _check(tmp_path)
    plan = [i for i in result["inputs"] if i["role"] == "terraform-plan"]
    assert plan == [
        {
            "role": "terraform-plan",
            "path": str(AWS),
            "sha256": hashlib.sha256(AWS.read_bytes()).hexdigest(),
        }
    ]


def test_bound_address_missing_from_plan_is_exit_2_with_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEPLOYMENT.read_text(encoding="utf-8").replace(
        "aws_db_instance.main", "aws_db_instance.mian"
    )
    bad = tmp_path / "d.yaml"
    bad.write_text(text, encoding="utf-8")
    assert main(["check", str(bad), "--evidence", str(AWS)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:16:" in err and "did you mean 'aws_db_instance.main'" in err


def test_binding_a_deleted_resource_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEPLOYMENT.read_text(encoding="utf-8").replace(
        "aws_db_instance.main", "aws_s3_bucket.old"
    )
    bad = tmp_path / "d.yaml"
    bad.write_text(text, encoding="utf-8")
    assert main(["check", str(bad), "--evidence", str(AWS)]) == 2
    assert "destroyed by the plan" in capsys.readouterr().err


def test_without_evidence_the_iac_field_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    main(["check", str(DEPLOYMENT), "-q", "--format", "json", "--output", str(out)])
    result = json.loads(out.read_text(encoding="utf-8"))
    assert _finding(result, "SC-28", "uploads")["status"] == "pass"  # declared, not contradicted


def test_tf_dir_points_at_the_resource_block_by_full_module_path(tmp_path: Path) -> None:
    pytest.importorskip("hcl2", reason="the optional extra fedcheck[hcl] is not installed")
    _, result = _check(tmp_path, "--tf-dir", str(EXAMPLE / "tf"))
    legacy = _finding(result, "SC-28", "legacy-db")
    where = legacy["evidence"][0]["location"]
    assert where["file"].endswith("modules/db/db_1/main.tf") and where["line"] == 5
    uploads = _finding(result, "SC-28", "uploads")
    assert uploads["evidence"][0]["location"]["file"].endswith("tf/main.tf")
    assert uploads["evidence"][0]["location"]["line"] == 2


# -- the real plans of ../shared -------------------------------------------------------------

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/fixtures/terraform (real third-party plans) is absent"
)


@needs_shared
def test_every_real_plan_is_read() -> None:
    plans = sorted(SHARED.glob("*/*.json"))
    assert len(plans) == 6
    counts = {p.parent.name: len(load_plan(str(p))) for p in plans}
    assert counts["plan-01-checkov-aws-55res"] == 55
    assert counts["plan-03-checkov-utf16"] == 1


@needs_shared
def test_real_plans_evidence_what_their_provenance_states() -> None:
    mapping = load_mapping()

    def facts(folder: str) -> dict[str, dict[str, object]]:
        plan = load_plan(str(next((SHARED / folder).glob("*.json"))))
        return {
            r.address: {
                f.field: f.value if f.state == "known" else f.state
                for f in resource_facts(r, mapping, plan)
            }
            for r in plan
        }

    aws = facts("plan-01-checkov-aws-55res")["aws_db_instance.default"]
    assert aws["encryption.at_rest.enabled"] is False and aws["backup.enabled"] is False
    assert aws["network.public"] is True
    sse = facts("plan-06-regula-s3-sse-kms")
    assert sse["aws_s3_bucket.unencrypted"]["encryption.at_rest.enabled"] is False
    assert sse["aws_s3_bucket.kms_encrypted"]["encryption.at_rest.key_management"] == "unknown"
    azure = facts("plan-08-regula-azure-storage")
    tls = {a: v["encryption.in_transit.tls_min_version"] for a, v in azure.items() if v}
    assert "1.0" in tls.values() and "never" in tls.values()
    gcp = facts("plan-09-regula-gcp-kms")
    rotation = sorted(str(v["encryption.at_rest.key_rotation_days"]) for v in gcp.values() if v)
    assert rotation == ["90", "91", "never"]
    modules = facts("plan-02-checkov-foreach-modules")
    assert modules['module.sg["bad_example"].aws_security_group.bad']["network.public"] is True


# -- reports ---------------------------------------------------------------------------------


def test_reports_show_each_finding_source_and_oscal_method(tmp_path: Path) -> None:
    import fedcheck
    from fedcheck.api import check_file

    result, _ = check_file(str(DEPLOYMENT), fedcheck.load_catalog(), evidence=[str(AWS)])
    markdown = fedcheck.render(result, "markdown")
    html = fedcheck.render(result, "html")
    assert "source: evidenced by aws\\_s3\\_bucket.plain" in markdown or (
        "source: evidenced by aws_s3_bucket.plain" in markdown
    )
    assert "source: declared" in markdown
    assert "(source: evidenced by aws_s3_bucket.plain" in html
    oscal = json.loads(fedcheck.render(result, "oscal"))
    observations = oscal["assessment-results"]["results"][0]["observations"]
    by_title = {o["title"]: o for o in observations}
    tested = by_title["SC-28 on uploads"]
    assert tested["methods"] == ["TEST"]
    assert tested["relevant-evidence"][0]["href"] == str(AWS)
    assert by_title["AU-6 on uploads"]["methods"] == ["EXAMINE"]


# -- docs and examples -----------------------------------------------------------------------


def test_mapping_table_in_the_docs_is_generated_from_the_mapping() -> None:
    from fedcheck.terraform.docs import PAGE, render_page

    page = Path(__file__).resolve().parents[1] / PAGE
    text = page.read_text(encoding="utf-8")
    assert render_page(text) == text, "run: python -m fedcheck.terraform.docs"


def test_the_documented_example_plan_is_the_test_fixture() -> None:
    assert (EXAMPLE / "plan.json").read_bytes() == AWS.read_bytes()


# -- init --from-plan ------------------------------------------------------------------------


def test_init_from_plan_writes_bound_components_that_fail_until_decided(tmp_path: Path) -> None:
    import fedcheck

    target = tmp_path / "fedcheck.yaml"
    assert main(["init", "--from-plan", str(AWS), "--impact-level", "high", str(target), "-q"]) == 0
    text = target.read_text(encoding="utf-8")
    loaded = fedcheck.load_deployment(str(target))
    ids = [c.id for c in loaded.model.components]
    assert "db-db-1" in ids  # the module instance module.db.module.db_1 is one group
    db = next(c for c in loaded.model.components if c.id == "db-db-1")
    assert db.iac == ["module.db.module.db_1.aws_db_instance.this[0]"]
    assert "public: true  # evidenced by module.db.module.db_1.aws_db_instance.this[0]" in text
    assert "fedramp_authorization:  # TODO" in text
    code, result = _check(tmp_path, deployment=target)
    assert code == 1
    assert _finding(result, "SA-9", "db-db-1")["status"] == "fail"  # the TODO decision fails
    # Every data-holding resource is claimed: CM-8 does not find the boundary incomplete. (It
    # still fails on the inventory record the starter cannot state: a decision left open.)
    inventory = _finding(result, "CM-8", "new-system")
    assert "boundary" not in inventory["message"]
    assert all(e["path"] != "components[].iac" for e in inventory["evidence"])
    assert inventory["status"] == "fail" and "inventory record" in inventory["message"]


def test_init_from_plan_passes_nothing_on_an_undecided_value(tmp_path: Path) -> None:
    """A starter's pass rests on the plan only: every evidence item of a passing finding is
    evidenced by a resource, and the data's FIPS 199 level is a decision left open."""
    target = tmp_path / "fedcheck.yaml"
    assert main(["init", "--from-plan", str(AWS), "--impact-level", "high", str(target), "-q"]) == 0
    text = target.read_text(encoding="utf-8")
    assert "impact_level:  # TODO" in text and 'impact_level: "high"' not in text
    _, result = _check(tmp_path, deployment=target)
    passes = [f for f in result["findings"] if f["status"] == "pass"]
    assert passes, "the plan evidences some passing facts (e.g. SC-28 on aws_db_instance.main)"
    for f in passes:
        assert f["evidence"], f"{f['control_id']} {f['target']} passes on no evidence"
        for e in f["evidence"]:
            assert e.get("source", "declared").startswith("evidenced by"), (f, e)
    ra2 = _finding(result, "RA-2", "db-db-1")
    assert ra2["status"] == "fail"


def test_unclaimed_resources_keep_the_inventory_record_failure(tmp_path: Path) -> None:
    _, result = _check(tmp_path)
    inventory = [f for f in result["findings"] if f["control_id"] == "CM-8"]
    assert len(inventory) == 1  # one finding per control and target
    (finding,) = inventory
    assert "boundary" in finding["message"] and "inventory record" in finding["message"]
    names = [c["name"] for c in finding["failed_checks"]]
    assert names[0] == "boundary" and len(names) >= 2


def test_benchmark_plan_generator_binds_every_resource() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import terraform_plans  # type: ignore[import-not-found]

    from fedcheck.terraform.crosscheck import cross_check

    raw = terraform_plans.plan_bytes(40)
    plan = parse_plan(raw, "bench.json")
    assert len(plan) == 40
    evidence = cross_check(terraform_plans.deployment_for(raw, 40), [plan])
    assert evidence.unclaimed == ()
    assert evidence.fields[("c1", "encryption.at_rest.enabled")].verdict == "filled"


def test_unmapped_provider_value_is_never_a_pass_and_missing_tls_fails(tmp_path: Path) -> None:
    def listener(name: str, values: dict[str, object]) -> dict[str, object]:
        return {"address": f"aws_lb_listener.{name}", "type": "aws_lb_listener", "values": values}

    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    listener(
                        "future", {"protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-Next"}
                    ),
                    listener("plain", {"protocol": "HTTP"}),
                ]
            }
        },
        "resource_changes": [
            {"address": f"aws_lb_listener.{n}", "change": {"actions": ["create"]}}
            for n in ("future", "plain")
        ],
    }
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    deployment = tmp_path / "d.yaml"
    deployment.write_text(
        "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
        "  - id: api\n    iac: [aws_lb_listener.future]\n"
        "    encryption: {in_transit: {tls_min_version: '1.2', fips_validated: true}}\n"
        "  - id: web\n    iac: [aws_lb_listener.plain]\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    main(["check", str(deployment), "--evidence", str(plan_file), "-q", "--format", "json",
          "--output", str(out)])  # fmt: skip
    result = json.loads(out.read_text(encoding="utf-8"))
    api = [f for f in result["findings"] if f["target"] == "api" and f["control_id"] == "SC-8(1)"]
    assert api and api[0]["status"] == "manual" and "ELBSecurityPolicy-Next" in api[0]["message"]
    web = _finding(result, "SC-8(1)", "web")
    assert web["status"] == "fail" and "never" in web["message"]


def test_contradiction_is_reported_beside_the_checks_that_already_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # SC-28(1) reads encryption.at_rest.enabled (the plan contradicts it) and fips_validated
    # (not stated): both are wrong, and the text report says both.
    deployment = tmp_path / "d.yaml"
    deployment.write_text(
        "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
        "  - id: uploads\n    type: object_storage\n    iac: [aws_s3_bucket.plain]\n"
        "    data: {impact_level: moderate, types: [cui]}\n"
        "    encryption: {at_rest: {enabled: true}}\n",
        encoding="utf-8",
    )
    assert main(["check", str(deployment), "--evidence", str(AWS), "--as-of", "2026-12-01"]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "SC-28(1) uploads" in line]
    assert any("the plan contradicts the description" in line for line in lines), lines
    assert any("fips_validated is not stated" in line for line in lines), lines
    assert lines[0].lstrip().startswith(f"{deployment}:8:")


# -- hostile plan inputs through the CLI: exit 2, file:line:column, a fix, no traceback -------

_ONE_BUCKET = {
    "format_version": "1.2",
    "planned_values": {
        "root_module": {
            "resources": [{"address": "aws_s3_bucket.b", "type": "aws_s3_bucket", "values": {}}]
        }
    },
    "resource_changes": [{"address": "aws_s3_bucket.b", "change": {"actions": ["create"]}}],
}
_BOUND = (
    "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
    "  - id: b\n    type: object_storage\n    iac: [aws_s3_bucket.b]\n"
)


def _hostile(tmp_path: Path, body: bytes, *extra: str) -> tuple[int, str, str]:
    plan = tmp_path / "plan.json"
    plan.write_bytes(body)
    deployment = tmp_path / "d.yaml"
    deployment.write_text(_BOUND, encoding="utf-8")
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(deployment), "--evidence", str(plan), *extra])
    return code, err.getvalue(), str(plan)


def _pretty(data: object) -> bytes:
    return json.dumps(data, indent=2).encode()


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        (_pretty({**_ONE_BUCKET, "format_version": "2.0"}), ":2:21:", "format_version 2.0"),
        (_pretty({**_ONE_BUCKET, "format_version": 1}), ":2:21:", "no readable format_version"),
        (
            _pretty({k: v for k, v in _ONE_BUCKET.items() if k != "resource_changes"}),
            ":3:21:",
            "no resource_changes",
        ),
        (
            _pretty({**_ONE_BUCKET, "resource_changes": [{"change": {}}]}),
            ":15:5:",
            "without address",
        ),
        (b"not json at all\n", ":1:1:", "not valid JSON"),
        (b'{"format_version": "1.2",\n "planned_values": {"root_module": ', ":2:", "truncated"),
        (b"", ":1:1:", "empty"),
        (b'{"format_version": "1.2", "planned_values": {}}\n\xff\xfe', ":2:1:", "not valid UTF-8"),
        (b"[1, 2]", ":1:1:", "not a plan"),
        (b'{"format_version": "1.2",\n "x": NaN}', ":2:7:", "NaN, which is not JSON"),
        (
            b'{"format_version": "1.2", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            ":1:1:",
            "deeper",
        ),
    ],
    ids=[
        "format-2",
        "format-number",
        "no-resource-changes",
        "change-without-address",
        "not-json",
        "truncated",
        "empty",
        "bad-utf8",
        "json-array",
        "nan",
        "deep",
    ],
)
def test_hostile_plan_exits_2_at_its_place_with_a_fix(
    tmp_path: Path, body: bytes, where: str, says: str
) -> None:
    code, err, plan = _hostile(tmp_path, body)
    assert code == 2
    assert f"{plan}{where}" in err and says in err, err
    assert "fix:" in err and "Traceback" not in err


def test_huge_plan_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    body = _pretty({**_ONE_BUCKET, "padding": "x" * 5000})
    code, err, plan = _hostile(tmp_path, body, "--max-file-bytes", "4096")
    assert code == 2
    assert f"{plan}:1:1:" in err and "larger than the limit of 4,096 bytes" in err
    assert "fix:" in err


def test_value_known_only_after_apply_is_never_filled_or_passed(tmp_path: Path) -> None:
    # publicly_accessible unknown until apply must not read as unset (false, not public).
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_db_instance.d",
                        "type": "aws_db_instance",
                        "values": {"storage_encrypted": True},
                    }
                ]
            }
        },
        "resource_changes": [
            {
                "address": "aws_db_instance.d",
                "change": {"actions": ["create"], "after_unknown": {"publicly_accessible": True}},
            }
        ],
    }
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    deployment = tmp_path / "d.yaml"
    deployment.write_text(
        "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
        "  - id: db\n    type: database\n    iac: [aws_db_instance.d]\n"
        "    network: {public: false, boundary_protection: [private_subnet]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    main(["check", str(deployment), "--evidence", str(plan_file), "-q", "--format", "json",
          "--output", str(out)])  # fmt: skip
    result = json.loads(out.read_text(encoding="utf-8"))
    reads_public = [
        f
        for f in result["findings"]
        if f["target"] == "db"
        and any(e["path"] == "components[db].network.public" for e in f["evidence"])
    ]
    assert reads_public
    for f in reads_public:
        assert f["status"] != "pass", f
    assert any("after apply" in f["message"] for f in reads_public)


SECRET_KEY = "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/SECRET-0f1e2d"
SECRET_POLICY = "ELBSecurityPolicy-SECRET-NAME"


def _sensitive_plan(tmp_path: Path) -> Path:
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_db_instance.d",
                        "type": "aws_db_instance",
                        "values": {
                            "storage_encrypted": True,
                            "kms_key_id": SECRET_KEY,
                            "password": "hunter2-SECRET",
                            "backup_retention_period": 7,
                        },
                        "sensitive_values": {"password": True},
                    },
                    {
                        "address": "aws_lb_listener.l",
                        "type": "aws_lb_listener",
                        "values": {"protocol": "HTTPS", "ssl_policy": SECRET_POLICY},
                        "sensitive_values": {},
                    },
                ]
            }
        },
        "resource_changes": [
            {
                "address": "aws_db_instance.d",
                "change": {"actions": ["create"], "after_sensitive": {"kms_key_id": True}},
            },
            {
                "address": "aws_lb_listener.l",
                "change": {"actions": ["create"], "after_sensitive": {"ssl_policy": True}},
            },
        ],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def test_sensitive_values_are_never_printed_and_never_pass(tmp_path: Path) -> None:
    plan = _sensitive_plan(tmp_path)
    deployment = tmp_path / "d.yaml"
    deployment.write_text(
        "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
        "  - id: db\n    type: database\n    iac: [aws_db_instance.d]\n"
        "  - id: api\n    type: api\n    iac: [aws_lb_listener.l]\n"
        "    encryption: {in_transit: {tls_min_version: '1.2', fips_validated: true}}\n",
        encoding="utf-8",
    )
    texts = []
    for fmt in ("text", "json", "markdown", "html", "sarif", "oscal"):
        out = tmp_path / f"r.{fmt}"
        main(["check", str(deployment), "--evidence", str(plan), "--format", fmt, "-q",
              "--output", str(out), "--as-of", "2026-12-01"])  # fmt: skip
        texts.append(out.read_text(encoding="utf-8"))
    for text in texts:
        assert "SECRET" not in text and "hunter2" not in text
    result = json.loads(texts[1])
    # The key's presence is used (a customer-managed key), never its value.
    sc12 = [f for f in result["findings"] if f["target"] == "db" and f["control_id"] == "SC-12"]
    assert sc12 and all("(sensitive)" in json.dumps(f) or f["status"] != "pass" for f in sc12)
    # A sensitive TLS policy cannot be judged: never a pass, and it says why.
    tls = [f for f in result["findings"] if f["target"] == "api" and f["control_id"] == "SC-8(1)"]
    assert tls and tls[0]["status"] == "manual" and "marked sensitive" in tls[0]["message"]


def test_init_from_plan_never_copies_a_sensitive_value(tmp_path: Path) -> None:
    target = tmp_path / "fedcheck.yaml"
    assert main(["init", "--from-plan", str(_sensitive_plan(tmp_path)), str(target), "-q"]) == 0
    text = target.read_text(encoding="utf-8")
    assert "SECRET" not in text and "hunter2" not in text
    assert "marked sensitive (never copied)" in text


# -- the real plans of ../shared through the CLI ---------------------------------------------


def _real(folder: str) -> Path:
    return next((SHARED / folder).glob("*.json"))


def _run(tmp_path: Path, deployment: Path, plan: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = tmp_path / f"{deployment.stem}.json"
    code = main(["check", str(deployment), "--evidence", str(plan), "-q", "--format", "json",
                 "--output", str(out), "--as-of", "2026-12-01"])  # fmt: skip
    return code, json.loads(out.read_text(encoding="utf-8"))


_EVIDENCED = re.compile(r"^evidenced by (.+?) in ")


@needs_shared
@pytest.mark.parametrize(
    "folder", sorted(p.name for p in SHARED.glob("plan-*")) if SHARED.is_dir() else []
)
def test_real_plan_starter_is_judged_naming_addresses_the_plan_holds(
    tmp_path: Path, folder: str
) -> None:
    plan = _real(folder)
    starter = tmp_path / "fedcheck.yaml"
    assert main(["init", "--from-plan", str(plan), str(starter), "-q"]) == 0
    code, result = _run(tmp_path, starter, plan)
    assert code == 1  # judged (never exit 2 on a real plan), and undecided fields fail
    addresses = set(load_plan(str(plan)).resources)
    named = 0
    for f in result["findings"]:
        assert not ("boundary" in f["message"] and f["control_id"] == "CM-8")  # all claimed
        for e in f["evidence"]:
            match = _EVIDENCED.match(e.get("source", ""))
            if match:
                named += 1
                assert set(match.group(1).split(", ")) <= addresses, e
        where = f["location"] or {}
        if where.get("file") == str(plan):
            assert where["path"] in addresses, f
    assert named > 0 or folder == "plan-02-checkov-foreach-modules"  # its data is not mapped


@needs_shared
@pytest.mark.parametrize(
    ("folder", "address", "control", "says"),
    [
        ("plan-01-checkov-aws-55res", "aws_db_instance.default", "SC-28", "not encrypted"),
        ("plan-01-checkov-aws-55res", "aws_db_instance.default", "CP-9", "not backed up"),
        ("plan-03-checkov-utf16", "aws_s3_bucket.data", "SC-28", "not stated"),
        ("plan-06-regula-s3-sse-kms", "aws_s3_bucket.unencrypted", "SC-28", "not encrypted"),
        ("plan-06-regula-s3-sse-kms", "aws_kms_key.key", "SC-12", "never"),
        ("plan-08-regula-azure-storage", "azurerm_storage_account.validstorageaccount1",
         "SC-8(1)", "TLS 1.0"),
        ("plan-09-regula-gcp-kms", "google_kms_crypto_key.invalid_key_1", "SC-12", "never"),
    ],
)  # fmt: skip
def test_real_plan_fills_a_left_out_field_and_fails_at_the_resource(
    tmp_path: Path, folder: str, address: str, control: str, says: str
) -> None:
    plan = _real(folder)
    kind = load_mapping().resource(load_plan(str(plan)).resources[address].type)
    assert kind is not None
    deployment = tmp_path / "d.yaml"
    deployment.write_text(
        "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
        f"  - id: c\n    type: {kind.component_type}\n    iac: [{json.dumps(address)}]\n"
        "    data: {impact_level: moderate, types: [cui]}\n",
        encoding="utf-8",
    )
    _, result = _run(tmp_path, deployment, plan)
    finding = _finding(result, control, "c")
    assert finding["status"] == "fail" and says in finding["message"], finding
    if says != "not stated":  # a field the plan does not evidence stays at the description
        assert finding["location"]["path"] == address
        assert any(address in e.get("source", "") for e in finding["evidence"])


@needs_shared
def test_real_plan_contradiction_names_the_for_each_module_instance(tmp_path: Path) -> None:
    plan = _real("plan-02-checkov-foreach-modules")
    deployment = tmp_path / "d.yaml"
    deployment.write_text(
        "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
        "  - id: edge\n    type: network\n"
        "    iac: ['module.sg[\"bad_example\"].aws_security_group.bad']\n"
        "    network: {public: false, boundary_protection: [firewall]}\n",
        encoding="utf-8",
    )
    _, result = _run(tmp_path, deployment, plan)
    contradicted = [
        f
        for f in result["findings"]
        if f["target"] == "edge" and "the plan contradicts" in f["message"]
    ]
    assert contradicted
    for f in contradicted:
        assert f["status"] == "fail"
        assert 'module.sg["bad_example"].aws_security_group.bad' in f["message"]
        assert f["location"]["line"] == 7  # the declaration of network.public


def test_text_report_points_a_filled_value_at_its_resource_block(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("hcl2", reason="the optional extra fedcheck[hcl] is not installed")
    tf = EXAMPLE / "tf"
    main(["check", str(DEPLOYMENT), "--evidence", str(AWS), "--tf-dir", str(tf),
          "--as-of", "2026-12-01"])  # fmt: skip
    lines = [
        line for line in capsys.readouterr().out.splitlines() if "FAIL SC-28 legacy-db" in line
    ]
    assert lines and all(
        line.lstrip().startswith(f"{tf / 'modules' / 'db' / 'db_1' / 'main.tf'}:5:")
        for line in lines
    ), lines


def test_init_from_plan_binds_root_configuration_by_terraform_references(tmp_path: Path) -> None:
    def res(address: str, values: dict[str, object] | None = None) -> dict[str, object]:
        rtype, name = address.split(".")
        return {"address": address, "type": rtype, "name": name, "values": values or {}}

    def conf(address: str, refs: dict[str, list[str]]) -> dict[str, object]:
        rtype, name = address.split(".")
        expressions = {k: {"references": v} for k, v in refs.items()}
        return {"address": address, "mode": "managed", "type": rtype, "name": name,
                "expressions": expressions}  # fmt: skip

    addresses = [
        "aws_s3_bucket.logs",
        "aws_s3_bucket_server_side_encryption_configuration.logs_sse",
        "aws_instance.web",
        "aws_security_group.web",
        "aws_security_group_rule.web_in",
        "aws_security_group.unused",
    ]
    plan = {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [res(a) for a in addresses]}},
        "resource_changes": [{"address": a, "change": {"actions": ["create"]}} for a in addresses],
        "configuration": {
            "root_module": {
                "resources": [
                    conf("aws_s3_bucket.logs", {}),
                    conf(
                        "aws_s3_bucket_server_side_encryption_configuration.logs_sse",
                        {"bucket": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]},
                    ),
                    conf("aws_instance.web", {"vpc_security_group_ids": ["aws_security_group.web.id"]}),
                    conf("aws_security_group.web", {"vpc_id": ["var.vpc"]}),
                    conf("aws_security_group_rule.web_in", {"security_group_id": ["aws_security_group.web.id"]}),
                    conf("aws_security_group.unused", {}),
                ]
            }
        },
    }  # fmt: skip
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    target = tmp_path / "fedcheck.yaml"
    assert main(["init", "--from-plan", str(plan_file), str(target), "-q"]) == 0
    import fedcheck

    components = {c.id: c.iac for c in fedcheck.load_deployment(str(target)).model.components}
    assert components["aws-s3-bucket-logs"] == [
        "aws_s3_bucket.logs",
        "aws_s3_bucket_server_side_encryption_configuration.logs_sse",
    ]
    assert components["aws-instance-web"] == [
        "aws_instance.web",
        "aws_security_group.web",
        "aws_security_group_rule.web_in",
    ]
    text = target.read_text(encoding="utf-8")
    assert "#   aws_security_group.unused" in text  # wired to nothing: a person binds it


def test_agreed_value_names_its_resource_and_the_plan_is_the_oscal_evidence(
    tmp_path: Path,
) -> None:
    import fedcheck
    from fedcheck.api import check_file

    deployment = tmp_path / "d.yaml"
    deployment.write_text(
        "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
        "  - id: records\n    type: database\n    iac: [aws_db_instance.main]\n"
        "    data: {impact_level: moderate, types: [cui]}\n"
        "    encryption: {at_rest: {enabled: true}}\n",
        encoding="utf-8",
    )
    result, _ = check_file(str(deployment), fedcheck.load_catalog(), evidence=[str(AWS)])
    sc28 = next(f for f in result.findings if f.control_id == "SC-28" and f.target == "records")
    assert sc28.status.value == "pass"
    assert sc28.location is not None and sc28.location.line == 4  # the component, as for any pass
    (evidence,) = [e for e in sc28.evidence if e.path.endswith("encryption.at_rest.enabled")]
    assert evidence.source and evidence.source.startswith("evidenced by aws_db_instance.main")
    assert evidence.location is not None and evidence.location.path == "aws_db_instance.main"
    oscal = json.loads(fedcheck.render(result, "oscal"))
    observations = oscal["assessment-results"]["results"][0]["observations"]
    observed = next(o for o in observations if o["title"] == "SC-28 on records")
    assert "TEST" in observed["methods"]
    assert {e.get("href") for e in observed["relevant-evidence"]} == {str(AWS)}


def test_agreed_failing_value_points_at_its_line_and_at_the_plan(tmp_path: Path) -> None:
    import fedcheck
    from fedcheck.api import check_file

    deployment = tmp_path / "d.yaml"
    deployment.write_text(
        "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
        "  - id: legacy\n    type: database\n"
        "    iac: ['module.db.module.db_1.aws_db_instance.this[0]']\n"
        "    data: {impact_level: moderate, types: [cui]}\n"
        "    encryption: {at_rest: {enabled: false}}\n",
        encoding="utf-8",
    )
    result, _ = check_file(str(deployment), fedcheck.load_catalog(), evidence=[str(AWS)])
    sc28 = next(f for f in result.findings if f.control_id == "SC-28" and f.target == "legacy")
    assert sc28.status.value == "fail"
    assert sc28.location is not None and sc28.location.line == 8  # the declaration to change
    (evidence,) = [e for e in sc28.evidence if e.path.endswith("encryption.at_rest.enabled")]
    assert evidence.source and "module.db.module.db_1.aws_db_instance.this[0]" in evidence.source
    oscal = json.loads(fedcheck.render(result, "oscal"))
    observations = oscal["assessment-results"]["results"][0]["observations"]
    observed = next(o for o in observations if o["title"] == "SC-28 on legacy")
    hrefs = {e.get("href") for e in observed["relevant-evidence"]}
    assert str(AWS) in hrefs  # the plan is the evidence a TEST rests on


def test_a_planned_value_outside_the_contract_is_never_filled_in() -> None:
    from fedcheck.inputs import parse_deployment
    from fedcheck.terraform.crosscheck import OPEN, cross_check

    plan = parse_plan(
        json.dumps(
            {
                "format_version": "1.2",
                "planned_values": {"root_module": {"resources": [{
                    "address": "aws_cloudwatch_log_group.g",
                    "type": "aws_cloudwatch_log_group",
                    "values": {"retention_in_days": 30.5},
                }]}},
                "resource_changes": [],
            }
        ).encode(),
        "plan.json",
    )  # fmt: skip
    deployment = parse_deployment(
        "version: 1\nsystem: {id: s, impact_level: moderate}\ncomponents:\n"
        "  - id: g\n    type: logging\n    iac: [aws_cloudwatch_log_group.g]\n",
        "d.yaml",
    )
    evidence = cross_check(deployment, [plan])
    field = evidence.fields[("g", "logging.retention_days")]
    assert (field.state, field.verdict) == ("unmapped", OPEN)
