"""The evaluator's fast paths agree with the generic ones (hypothesis).

Evaluation specialises the compiled checks for their common shapes: a path of stored fields is
read with ``d.get(k1)``, ``.get(k2)`` in one call (``fedcheck.paths.plain_getter``) instead of a
chain of the members' getters, a condition in a scope is not wrapped when its operator is
already unknown on an unstated field, and comparisons are the operator module's functions. The
failures of a run that share a rating share one ``Risk``, rated as the findings are built
(``fedcheck.risk.Ratings``). These tests hold each shortcut to what it replaces, on generated
documents with fields left out, set to null, or set to values of the wrong type.
"""

from __future__ import annotations

import functools
import operator
import os
import pickle
from collections.abc import Iterator
from datetime import date
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import deployments

from fedcheck import risk
from fedcheck.catalog import Catalog, load_catalog
from fedcheck.errors import CompileError
from fedcheck.evaluation import evaluate
from fedcheck.expressions import All, AnyOf, Leaf, Node, Not, Quantifier, compile_expression
from fedcheck.findings import Result, Status
from fedcheck.inputs import parse_deployment
from fedcheck.paths import _chain, compile_path, plain_getter
from fedcheck.targets import TARGETS, FieldType, Index, ObjectType
from fedcheck.values import Parameters, _rank_of

settings.register_profile(
    "ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
SETTINGS = settings(settings.get_profile(os.environ.get("FEDCHECK_HYPOTHESIS_PROFILE", "ci")))

#: What a generated document may hold where a check reads: left out (the marker), null, and
#: values of every type, the wrong ones included.
_GONE = object()
ODD_VALUES = st.sampled_from(
    [_GONE, None, 0, -1, 3, 15, 10_000, 0.0, 2.5, True, False, "", "1.2", "high", "rbac", "x"]
    + [[], ["waf"], [None], ["a", "b"], {}, {"k": 1}, {"enabled": None}]
)


@functools.lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog()


def _nodes(node: Node | None) -> Iterator[Node]:
    if node is None:
        return
    yield node
    if isinstance(node, (All, AnyOf)):
        for part in node.parts:
            yield from _nodes(part)
    elif isinstance(node, Not):
        yield from _nodes(node.inner)
    elif isinstance(node, Quantifier):
        yield from _nodes(node.where)
        yield from _nodes(node.body)


@functools.lru_cache(maxsize=1)
def catalog_leaves() -> tuple[Leaf, ...]:
    """Every condition of the bundled catalog, compiled for each baseline of its control."""
    out: list[Leaf] = []
    for control in catalog():
        if not control.is_automated:
            continue
        for baseline in control.baselines:
            for rule in control.compile(baseline).rules:
                roots = [
                    rule.where,
                    *(c.node for c in rule.checks),
                    *(c.where for c in rule.checks),
                ]
                for root in roots:
                    out.extend(n for n in _nodes(root) if isinstance(n, Leaf))
    return tuple(out)


def _plain_paths(obj: ObjectType, prefix: str = "", depth: int = 0) -> Iterator[str]:
    """Every path of stored fields (no relation, not into a list) from an object type."""
    for name, member in obj.members.items():
        if member.relation:
            continue
        text = f"{prefix}{name}"
        yield text
        if member.type.kind == "object" and member.type.obj is not None and depth < 4:
            yield from _plain_paths(member.type.obj, text + ".", depth + 1)


def _single_paths(obj: ObjectType, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, Any]]:
    """Every single-valued path from an object type, through relations too, with its type."""
    for name, member in obj.members.items():
        text = f"{prefix}{name}"
        yield text, member.type
        if member.type.kind == "object" and member.type.obj is not None and depth < 2:
            yield from _single_paths(member.type.obj, text + ".", depth + 1)


def _values_of(type_: FieldType) -> st.SearchStrategy[Any]:
    kind = type_.kind
    if kind == "bool":
        return st.booleans()
    if kind in ("int", "float"):
        return st.integers(-1, 100)
    if kind in ("enum", "level", "tls"):
        return st.sampled_from(type_.values)
    return st.sampled_from(["x", "rbac", "high"])


_OPS_BY_KIND = {
    "bool": ["is", "equals", "not_equals", "in", "not_in"],
    "ordered": ["at_least", "at_most", "greater_than", "less_than", "equals", "not_equals"]
    + ["in", "not_in"],
    "other": ["equals", "not_equals", "in", "not_in"],
    "list": ["contains", "contains_all", "contains_any", "empty"],
}


@st.composite
def conditions(draw: st.DrawFn) -> Leaf:
    """A condition of any operator on any single-valued path, in a scope or not."""
    kind = draw(st.sampled_from(sorted(TARGETS)))
    start = TARGETS[kind]
    choices = [(t, ft) for t, ft in _single_paths(start) if ft.kind != "object"]
    text, type_ = draw(st.sampled_from(choices))
    group = (
        "list"
        if type_.kind == "list"
        else "bool"
        if type_.kind == "bool"
        else "ordered"
        if type_.kind in ("int", "float", "level", "tls")
        else "other"
    )
    op = draw(st.sampled_from(["present", *_OPS_BY_KIND[group]]))
    arg: Any
    if op in ("present", "empty"):
        arg = draw(st.booleans())
    elif op == "contains":
        if type_.item is None or type_.item.kind in ("object", "list"):
            raise_reject()
        arg = draw(_values_of(type_.item))
    elif group == "list":
        if type_.item is None or type_.item.kind in ("object", "list"):
            raise_reject()
        arg = draw(st.lists(_values_of(type_.item), min_size=1, max_size=3))
    elif op in ("in", "not_in"):
        arg = draw(st.lists(_values_of(type_), min_size=1, max_size=3))
    elif group == "ordered" and draw(st.booleans()):
        same = [t for t, ft in _single_paths(start) if ft.kind == type_.kind]
        arg = {"field": draw(st.sampled_from(same))}
    else:
        arg = draw(_values_of(type_))
    scope = draw(st.booleans())
    try:
        node = compile_expression({"field": text, op: arg}, start, Parameters({}), [], scope=scope)
    except CompileError:
        raise_reject()
    assert isinstance(node, Leaf)
    return node


def raise_reject() -> Any:
    from hypothesis import reject

    return reject()


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    """What a call gives: its value, or the type and text of what it raises."""
    try:
        return ("value", fn(*args))
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return ("raises", (type(exc).__name__, str(exc)))


def _reference(leaf: Leaf, d: Any, ix: Index) -> Any:
    """What a condition means, written out plainly over the generic getter chain."""
    get = _chain(tuple(m.getter for m in leaf.path.members), leaf.path.through_list)
    v = get(d, ix)
    if leaf.scope and v is None:
        return None  # in a scope, an unstated field makes the condition unknown
    if not leaf.scope and leaf.switched_off and v == 0 and not isinstance(v, bool):
        return False  # 0 switches the safeguard off: no check is satisfied by it
    op = leaf.op
    if op == "present":
        return (v is not None) is bool(leaf.const_set)
    if v is None:
        return None
    if op == "empty":
        return (len(v) == 0) is bool(leaf.const_set)
    if op in ("in", "not_in"):
        inside = v in frozenset(leaf.const_set)
        return inside if op == "in" else not inside
    if op == "contains_any":
        return not frozenset(leaf.const_set).isdisjoint(v)
    if op in ("contains", "contains_all"):
        return frozenset(leaf.const_set).issubset(v)
    compare = {
        "at_least": lambda a, b: a >= b,
        "at_most": lambda a, b: a <= b,
        "greater_than": lambda a, b: a > b,
        "less_than": lambda a, b: a < b,
        "equals": lambda a, b: a == b,
        "is": lambda a, b: a == b,
        "not_equals": lambda a, b: a != b,
    }[op]
    rank = _rank_of(leaf.path.type)
    value = leaf.value
    assert value is not None
    if value.is_const:
        return compare(rank[v], rank[value.const]) if rank else compare(v, value.const)
    assert value.get is not None
    w = value.get(d, ix)
    if value.aggregate is not None:
        if any(x is None for x in w):
            return None
        if not w:
            return True
        pick = max if value.aggregate == "max" else min
        w = pick(w, key=(lambda x: rank[x]) if rank is not None else None)
    if w is None:
        return None
    return compare(rank[v], rank[w]) if rank else compare(v, w)


@st.composite
def odd_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A deployment whose objects have some of the fields the catalog reads left out, null or
    of another type (ids and flow ends stay, so that the document's relations hold)."""
    data = draw(deployments(max_items=3))
    data.pop("inherited_controls", None)
    paths = sorted({leaf.path.text for leaf in catalog_leaves() if leaf.path.keys})
    objects = [data["system"], *data.get("components", ()), *data.get("external_services", ())]
    objects += data.get("data_flows", ())
    for obj in objects:
        for _ in range(draw(st.integers(0, 6))):
            keys = draw(st.sampled_from(paths)).split(".")
            if keys[0] in ("id", "from", "to"):
                continue
            node = obj
            for key in keys[:-1]:
                if not isinstance(node.get(key), dict):
                    node[key] = {}
                node = node[key]
            value = draw(ODD_VALUES)
            if value is _GONE:
                node.pop(keys[-1], None)
            else:
                node[keys[-1]] = value
    return data


def _objects(data: dict[str, Any], ix: Index) -> list[Any]:
    return [ix.system, *ix.components, *ix.services, *ix.flows, *data.get("external_services", ())]


def test_every_stored_field_is_read_as_a_plain_key() -> None:
    """The fast getter reads ``d.get(name)``: what each stored member's own getter does."""
    ix = Index({"system": {"id": "s"}})
    marker = object()
    seen, todo, done = 0, list(TARGETS.values()), set()
    while todo:  # every object type of the schema, nested ones and list items included
        obj = todo.pop()
        if id(obj) in done:
            continue
        done.add(id(obj))
        for name, member in obj.members.items():
            item = member.type.item if member.type.kind == "list" else member.type
            if item is not None and item.obj is not None:
                todo.append(item.obj)
            if member.relation:
                continue
            seen += 1
            assert member.getter({name: marker}, ix) is marker
            assert member.getter({}, ix) is None
    assert seen > 100


@SETTINGS
@given(odd_documents())
def test_a_path_of_stored_fields_reads_what_the_chain_of_getters_reads(
    data: dict[str, Any],
) -> None:
    ix = Index(data)
    for kind, obj in TARGETS.items():
        for text in _plain_paths(obj):
            path = compile_path(text, obj, [kind])
            assert path.keys == tuple(text.split("."))
            generic = _chain(tuple(m.getter for m in path.members), False)
            for d in _objects(data, ix):
                assert _outcome(path.get, d, ix) == _outcome(generic, d, ix), (kind, text)
                fast = plain_getter(tuple(text.split(".")))
                assert _outcome(fast, d, ix) == _outcome(generic, d, ix), (kind, text)


def test_a_path_through_a_relation_keeps_the_generic_getter() -> None:
    flow = TARGETS["flow"]
    assert compile_path("source.hosting.fedramp_authorization", flow, []).keys is None
    assert compile_path("system.impact_level", TARGETS["component"], []).keys is None
    assert compile_path("data.impact_level", flow, []).keys == ("data", "impact_level")


@SETTINGS
@given(odd_documents())
def test_every_condition_of_the_catalog_means_what_it_says(data: dict[str, Any]) -> None:
    """Each compiled condition gives the reference outcome (or raises what it raises) on
    every object of a document with fields left out, null or mistyped."""
    ix = Index(data)
    objects = _objects(data, ix)
    for leaf in catalog_leaves():
        for d in objects:
            assert _outcome(leaf.test, d, ix) == _outcome(_reference, leaf, d, ix), (
                leaf.path.text,
                leaf.op,
                leaf.scope,
            )


@SETTINGS
@given(odd_documents(), st.lists(conditions(), min_size=1, max_size=20))
def test_a_condition_of_any_operator_means_what_it_says(
    data: dict[str, Any], leaves: list[Leaf]
) -> None:
    """The same, for conditions of every operator and path shape (the catalog uses some)."""
    ix = Index(data)
    objects = _objects(data, ix)
    for leaf in leaves:
        for d in objects:
            assert _outcome(leaf.test, d, ix) == _outcome(_reference, leaf, d, ix), (
                leaf.path.text,
                leaf.op,
                leaf.scope,
            )


def test_the_catalog_has_conditions_of_every_shape() -> None:
    """The reference above is exercised on the shapes the fast paths specialise."""
    leaves = catalog_leaves()
    ops = {leaf.op for leaf in leaves}
    assert {"present", "in", "equals", "at_least", "at_most", "contains_all"} <= ops
    assert any(leaf.scope for leaf in leaves)
    assert any(leaf.switched_off and not leaf.scope for leaf in leaves)
    assert any(leaf.path.keys is None for leaf in leaves)  # through a relation
    assert any(leaf.value is not None and not leaf.value.is_const for leaf in leaves)


def test_comparisons_are_the_operators() -> None:
    from fedcheck.expressions import _COMPARATORS

    assert _COMPARATORS["at_most"] is operator.le
    assert _COMPARATORS["at_least"] is operator.ge


def _evaluated(data: dict[str, Any]) -> Result:
    text = yaml.safe_dump(data, sort_keys=False)
    loaded = parse_deployment(text, "generated.yaml")
    return evaluate(loaded, catalog(), generated_at="2026-01-01T00:00:00Z", as_of=date(2026, 1, 1))


@SETTINGS
@given(deployments(max_items=3))
def test_failures_are_rated_as_rate_rates_them(data: dict[str, Any]) -> None:
    data.pop("inherited_controls", None)
    result = _evaluated(data)
    own = {c.id: c.risk for c in result.controls if c.risk}
    by_rating: dict[tuple[str, str, str], int] = {}
    for f in result.findings:
        if f.status in (Status.FAIL, Status.ERROR, Status.WAIVED):
            assert f.risk == risk.rate_finding(f, date(2026, 1, 1), own.get(f.control_id))
            assert f.risk is not None
            key = (f.control_id, f.risk.basis, f.failed_checks[0].name if f.failed_checks else "")
            by_rating.setdefault(key, id(f.risk))
            if not own.get(f.control_id):  # the same rating: the same object
                assert by_rating[key] == id(f.risk)
        else:
            assert f.risk is None
    again = risk.rate(result)
    assert all(a is b for a, b in zip(again.findings, result.findings, strict=True))
    copied = pickle.loads(pickle.dumps(result))
    assert copied.to_dict() == result.to_dict()


def test_the_cycle_collector_is_as_it_was_after_an_evaluation() -> None:
    """Evaluation pauses the collector while it runs and leaves it as it found it."""
    import gc

    from fedcheck.evaluation import _collector_paused

    data = {"version": 1, "system": {"id": "s", "name": "S", "impact_level": "high"}}
    was = gc.isenabled()
    try:
        gc.enable()
        with _collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        _evaluated(data)
        assert gc.isenabled()
        gc.disable()
        _evaluated(data)
        assert not gc.isenabled()
        gc.enable()
        try:
            with _collector_paused():
                raise ValueError("a check broke")
        except ValueError:
            pass
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
