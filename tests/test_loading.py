"""Reading YAML and JSON safely, with a position for every value."""

from __future__ import annotations

import pytest

from fedcheck.errors import InputError
from fedcheck.loading import Limits, parse_text


def error_of(text: str, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        parse_text(text, "in.yaml", **kwargs)
    return info.value


def test_positions_point_at_values_and_keys() -> None:
    data, source = parse_text("a:\n  b: [1, 2]\n  c: x\n", "in.yaml")
    assert data == {"a": {"b": [1, 2], "c": "x"}}
    assert source.position(("a", "c")) == (3, 6, True)
    assert source.position(("a", "c"), key=True) == (3, 3, True)
    assert source.position(("a", "b", 1)) == (2, 10, True)


def test_a_missing_path_points_at_its_nearest_stated_parent() -> None:
    _, source = parse_text("a:\n  b: 1\n", "in.yaml")
    assert source.position(("a", "x", "y")) == (2, 3, False)


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    err = error_of("a: 1\nb: 2\na: 3\n")
    assert (err.problem.line, err.problem.column) == (3, 1)
    assert "duplicate key 'a' (first at line 1)" in err.problem.message


@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "Y", "NO"])
def test_yaml_1_1_booleans_are_refused(word: str) -> None:
    err = error_of(f"mfa: {word}\n")
    assert "ambiguous" in err.problem.message
    assert err.problem.fix and "quotes" in err.problem.fix


def test_quoted_yaml_1_1_words_are_strings() -> None:
    data, _ = parse_text("a: \"no\"\nb: 'on'\n", "in.yaml")
    assert data == {"a": "no", "b": "on"}


def test_plain_scalars_resolve_like_yaml_1_2_core() -> None:
    data, _ = parse_text("a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf:\ng: text\nh: 2024-01-01\n", "x")
    assert data == {
        "a": 1,
        "b": 1.5,
        "c": True,
        "d": None,
        "e": None,
        "f": None,
        "g": "text",
        "h": "2024-01-01",
    }


def test_python_tags_are_refused_and_never_constructed() -> None:
    err = error_of("a: !!python/object/apply:os.system [echo hacked]\n")
    assert "tag" in err.problem.message


def test_alias_bomb_is_refused_within_the_node_budget() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    err = error_of("\n".join(lines) + "\n", limits=Limits(max_nodes=100_000))
    assert "aliases" in err.problem.message


def test_small_aliases_are_allowed_and_merge_keys_work() -> None:
    data, _ = parse_text("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "in.yaml")
    assert data["use"] == {"x": 1, "y": 3}


def test_deep_nesting_is_refused_not_crashed() -> None:
    err = error_of("[" * 50_000 + "]" * 50_000)
    assert "nesting deeper than" in err.problem.message


def test_several_documents_are_refused() -> None:
    err = error_of("a: 1\n---\nb: 2\n")
    assert err.problem.line == 2 and "more than one YAML document" in err.problem.message


def test_empty_input_is_refused() -> None:
    assert "empty" in error_of("").problem.message
    assert "empty" in error_of("# only a comment\n").problem.message


def test_malformed_yaml_names_line_and_column() -> None:
    err = error_of("a: [1, 2\nb: 3\n")
    assert err.problem.line is not None and "malformed YAML" in err.problem.message


def test_json_input_reads_fast_and_keeps_positions_lazily() -> None:
    text = '{\n  "a": {"b": [1, 2]},\n  "c": "x"\n}\n'
    data, source = parse_text(text, "in.json", as_json=True)
    assert data == {"a": {"b": [1, 2]}, "c": "x"}
    assert source.position(("c",)) == (3, 8, True)


def test_json_duplicate_keys_are_refused_with_a_line() -> None:
    with pytest.raises(InputError) as info:
        parse_text('{"a": 1,\n "a": 2}', "in.json", as_json=True)
    assert info.value.problem.line == 2 and "duplicate key" in info.value.problem.message


def test_oversize_input_is_refused() -> None:
    err = error_of("a: " + "x" * 200 + "\n", limits=Limits(max_file_bytes=100))
    assert "larger than the limit" in err.problem.message
