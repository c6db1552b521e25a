"""What the memory of a large run rests on, kept as behaviour: reports to a device or pipe are
streamed (and every file or none still holds), the compact source map places every value where
the file has it, and reading shares what repeats."""

from __future__ import annotations

import gc
import io
import json
import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fedcheck import deployment as dm
from fedcheck.cli import main
from fedcheck.errors import InputError
from fedcheck.inputs import load_deployment, parse_deployment
from fedcheck.loading import Limits, SourceMap, parse_text
from fedcheck.outputs import Artifact, write_all

ROOT = Path(__file__).resolve().parent.parent
COMPLIANT = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
NONCOMPLIANT = ROOT / "examples" / "agency-ai-assistant.yaml"
DEVNULL = os.devnull
needs_devnull = pytest.mark.skipif(not os.path.exists(DEVNULL), reason="no null device")


class Piece(str):
    """A piece of a report that can be watched: a joined report would keep every piece."""


def watched_pieces(count: int, seen: list[weakref.ref[Piece]], check: Any = None) -> Iterator[str]:
    for i in range(count):
        if check is not None:
            check(i)
        piece = Piece(f"{i:08d}" * 8192)  # 64 KiB, past any write buffer
        seen.append(weakref.ref(piece))
        yield piece
        del piece


# --- reports -----------------------------------------------------------------------------------


@needs_devnull
def test_a_report_to_a_device_is_streamed_not_joined(tmp_path: Path) -> None:
    seen: list[weakref.ref[Piece]] = []
    alive: list[int] = []

    def check(i: int) -> None:
        # Two pieces back is written and gone; only the one being written may still be held.
        alive.append(sum(ref() is not None for ref in seen[: max(0, i - 1)]))

    target = tmp_path / "report.sarif"
    write_all(
        [
            Artifact("json", DEVNULL, lambda: watched_pieces(20, seen, check)),
            Artifact("sarif", str(target), lambda: "sarif\n"),
        ]
    )
    assert len(seen) == 20 and alive and max(alive) == 0
    assert target.read_text(encoding="utf-8") == "sarif\n"


@needs_devnull
def test_a_device_is_streamed_before_any_file_is_renamed(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old\n", encoding="utf-8")
    states: list[str] = []

    def check(i: int) -> None:
        states.append(target.read_text(encoding="utf-8"))

    write_all(
        [
            Artifact("html", str(target), lambda: "new\n"),
            Artifact("json", DEVNULL, lambda: watched_pieces(3, [], check)),
        ]
    )
    assert states == ["old\n"] * 3
    assert target.read_text(encoding="utf-8") == "new\n"


@needs_devnull
@pytest.mark.parametrize("fails", [KeyboardInterrupt, RuntimeError])
def test_a_failure_while_streaming_to_a_device_writes_no_file(
    tmp_path: Path, fails: type[BaseException]
) -> None:
    kept = tmp_path / "kept.md"
    kept.write_text("old\n", encoding="utf-8")
    fresh = tmp_path / "fresh.sarif"

    def failing() -> Iterator[str]:
        yield "{\n"
        raise fails("renderer failed midway")

    with pytest.raises(fails):
        write_all(
            [
                Artifact("markdown", str(kept), lambda: "new\n"),
                Artifact("sarif", str(fresh), lambda: "sarif\n"),
                Artifact("json", DEVNULL, failing),
            ]
        )
    assert kept.read_text(encoding="utf-8") == "old\n"
    assert not fresh.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.md"]  # no temporary file left


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_pipe_whose_reader_is_gone_writes_no_file(tmp_path: Path) -> None:
    import threading

    from fedcheck.errors import UsageError

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    kept = tmp_path / "kept.md"
    kept.write_text("old\n", encoding="utf-8")

    def reader() -> None:
        with open(fifo, "rb") as handle:
            handle.read(10)  # then goes away

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        with pytest.raises(UsageError) as caught:
            write_all(
                [
                    Artifact("markdown", str(kept), lambda: "new\n"),
                    Artifact("json", str(fifo), lambda: watched_pieces(64, [])),
                ]
            )
    finally:
        thread.join(10)
    assert f"cannot write {fifo}" in str(caught.value)
    assert kept.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.md", "pipe"]


@needs_devnull
def test_the_json_report_to_a_device_is_the_report_a_file_gets(tmp_path: Path) -> None:
    args = ["check", str(NONCOMPLIANT), "--quiet", "--as-of", "2026-12-01", "--format", "json"]
    assert main([*args, "--output", str(tmp_path / "r.json")]) == 1
    assert main([*args, "--output", DEVNULL]) == 1


def test_the_json_report_to_standard_output_is_written_in_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    writes: list[int] = []

    class Recorder(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(len(text))
            return super().write(text)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    out = Recorder()
    monkeypatch.setattr(sys, "stdout", out)
    args = ["check", str(NONCOMPLIANT), "--quiet", "--as-of", "2026-12-01", "--format", "json"]
    assert main(args) == 1
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    assert main([*args, "--output", str(tmp_path / "r.json")]) == 1
    assert out.getvalue() == (tmp_path / "r.json").read_text(encoding="utf-8")
    assert len(writes) > 3 and max(writes) < len(out.getvalue())


# --- the source map ----------------------------------------------------------------------------


def every_path(data: Any) -> Iterator[tuple[str | int, ...]]:
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        yield path
        yield (*path, "no-such-field")
        yield (*path, 999_999)
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node))


def all_positions(source: SourceMap, data: Any) -> dict[Any, Any]:
    return {
        path: (source.position(path), source.position(path, key=True)) for path in every_path(data)
    }


def json_forms() -> Iterator[str]:
    data, _ = parse_text(NONCOMPLIANT.read_text(encoding="utf-8"), str(NONCOMPLIANT))
    data["system"]["description"] = 'quotes " and \\ and brackets [{ }] and : colons,'
    data["system"]["name"] = "line\u2028separator and next\x85line and é😀"
    yield json.dumps(data, indent=2, ensure_ascii=False)
    yield json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    yield json.dumps(data, indent="\t", ensure_ascii=False).replace("\n", "\r\n")
    yield json.dumps(data, indent=1, ensure_ascii=False).replace(": ", " :  ")


@pytest.mark.parametrize("text", list(json_forms()), ids=["indent", "compact", "crlf", "spaced"])
def test_json_positions_are_the_yaml_readers_of_the_same_text(text: str) -> None:
    # The positions of JSON were once read by reading the text again as YAML (JSON is YAML),
    # and line breaks inside strings (U+2028, NEL) count as YAML counts them.
    data, as_json = parse_text(text, "in.json", as_json=True)
    _, as_yaml = parse_text(text, "in.json")
    assert all_positions(as_json, data) == all_positions(as_yaml, data)


def test_a_json_key_the_yaml_reader_refuses_is_still_placed() -> None:
    text = json.dumps({"k" * 2000: 1, "b": [1, {"c": 2}]})
    data, source = parse_text(text, "in.json", as_json=True)
    at = text.index('"b"')
    assert source.position(("b",), key=True) == (1, at + 1, True)
    assert source.position(("b", 1, "c")) == (1, text.index("2}") + 1, True)


def test_merged_and_aliased_values_are_placed_where_they_are_written() -> None:
    text = (
        "base: &b\n  x: 1\n  y: {z: 2}\n"
        "more: &m {w: [3, 4]}\n"
        "use:\n  <<: [*b, *m]\n  y: 5\n"
        "list: [*m, *b]\n"
    )
    data, source = parse_text(text, "in.yaml")
    assert data["use"] == {"y": 5, "x": 1, "w": [3, 4]}
    assert source.position(("use", "y")) == (7, 6, True)
    assert source.position(("use", "x")) == (2, 6, True)
    assert source.position(("use", "x"), key=True) == (2, 3, True)
    assert source.position(("use", "w", 1)) == (4, 18, True)
    assert source.position(("list", 0, "w", 0)) == (4, 15, True)
    assert source.position(("list", 1)) == (8, 12, True)
    assert source.position(("list", 1, "y", "z")) == (3, 10, True)


def test_a_field_added_after_loading_is_placed_at_its_mapping() -> None:
    data, source = parse_text("a:\n  b: 1\nc: [1]\n", "in.yaml")
    data["a"]["new"] = {"deeper": 1}
    assert source.position(("a", "new")) == (2, 3, False)
    source.mark_added(("a", "new"))
    assert source.position(("a", "new")) == (2, 3, True)
    assert source.position(("a", "new", "deeper")) == (2, 3, False)
    assert source.position(("a", "b")) == (2, 6, True)


def test_a_map_without_positions_places_everything_at_the_start() -> None:
    source = SourceMap("x", {"a": [1]}, {})
    assert source.position(()) == (1, 1, True)
    assert source.position(("a", 0)) == (1, 1, False)


def test_positions_survive_limits_past_four_byte_tables() -> None:
    big = Limits(max_nodes=2**31, max_file_bytes=2**32)
    _, source = parse_text("a:\n  - b: 1\n", "in.yaml", big)
    assert source.position(("a", 0, "b")) == (2, 8, True)


def test_the_collector_is_left_as_it_was() -> None:
    was = gc.isenabled()  # the command line turns it off for the life of a command
    gc.enable()
    parse_text("a: [1, 2]\n", "in.yaml")
    parse_text('{"a": [1]}', "in.json", as_json=True)[1].position(("a", 0))
    assert gc.isenabled()
    with pytest.raises(InputError):
        parse_text("a: 1\na: 2\n", "in.yaml")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_text("a: [1, 2]\n", "in.yaml")
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


# --- sharing what repeats ----------------------------------------------------------------------


def test_repeated_keys_and_values_are_one_object() -> None:
    data, _ = parse_text(
        "- {name: web, level: high, port: 1443, tag: 'x'}\n"
        "- {name: web, level: high, port: 1443, tag: 'x'}\n",
        "in.yaml",
    )
    first, second = data
    for key in first:
        (a,) = (k for k in first if k == key)
        (b,) = (k for k in second if k == key)
        assert a is b
        assert first[key] is second[key]


def test_validated_models_share_their_sets_of_given_fields() -> None:
    loaded = load_deployment(str(NONCOMPLIANT))
    sets = {id(c.model_fields_set) for c in loaded.model.components}
    shapes = {frozenset(c.model_fields_set) for c in loaded.model.components}
    assert len(sets) == len(shapes)
    fresh = dm.Deployment.model_validate(loaded.data)
    assert loaded.model == fresh
    assert loaded.model.model_dump(exclude_unset=True) == fresh.model_dump(exclude_unset=True)
    copy = loaded.model.components[0].model_copy(update={"name": "renamed"})
    assert "name" in copy.model_fields_set
    assert loaded.model.components[1].model_fields_set == fresh.components[1].model_fields_set


def test_a_deployment_given_as_json_text_reads_as_its_yaml() -> None:
    text = NONCOMPLIANT.read_text(encoding="utf-8")
    as_yaml = parse_deployment(text, "in.yaml")
    as_json = parse_deployment(json.dumps(as_yaml.data, indent=2), "in.json", as_json=True)
    assert as_json.model == as_yaml.model
