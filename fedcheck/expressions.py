"""Expressions of the check language: compiled nodes that test a target in three-valued logic.

``compile_expression`` checks every path, operator and value against the target schema and
returns a ``Node`` whose ``test`` closure answers True, False or None (unknown: a field it needs
is not stated) in three-valued (Kleene) logic, and whose ``explain`` walks the same expression
again, only for targets that did not pass, to say which field, where, and why. The grammar is in
fedcheck.rules and docs/writing-controls.md.
"""

from __future__ import annotations

import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import CompileError
from .paths import CompiledPath, _suggest, compile_path
from .targets import TARGETS, Index, ObjectType, Outcome
from .values import Parameters, Value, _check_literal, _rank_of, _source_of, compile_value


@dataclass(slots=True)
class Reason:
    """Why an expression did not hold on a target: one field, its value, the expectation."""

    obj: Any  # the document object the path starts from
    path: str  # path from obj
    actual: Any
    expected: str
    missing: bool = False
    extension: bool = False
    sentence: str = ""  # says it all, when path/actual/expected would not read as a sentence
    source: str = ""  # where the expected value comes from, when a parameter sets it


class Node(ABC):
    """A compiled expression."""

    test: Callable[[Any, Index], Outcome]
    reads: tuple[str, ...] = ()  # the paths it reads, for documentation

    @abstractmethod
    def explain(self, d: Any, ix: Index) -> list[Reason]:
        """The reasons the expression is not True on ``d`` (empty when it is)."""


def _fmt(v: Any) -> str:
    if v is None:
        return "not stated"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


_COMPARE_OPS = ("at_least", "at_most", "greater_than", "less_than")
_EQ_OPS = ("equals", "not_equals", "is")
_SET_OPS = ("in", "not_in")
_LIST_OPS = ("contains", "contains_all", "contains_any", "empty")
ALL_OPS = (*_EQ_OPS, *_COMPARE_OPS, *_SET_OPS, *_LIST_OPS, "present")

_EXPECT_WORDS = {
    "at_least": "at least",
    "at_most": "at most",
    "greater_than": "more than",
    "less_than": "less than",
    "equals": "",
    "is": "",
    "not_equals": "anything but",
}


class Leaf(Node):
    def __init__(
        self,
        path: CompiledPath,
        op: str,
        value: Value | None,
        const_set: Any = None,
        *,
        scope: bool = False,
        source: str = "",
    ):
        self.path = path
        self.op = op
        self.value = value
        self.const_set = const_set
        self.scope = scope
        self.source = source or (value.source if value is not None else "")
        self.switched_off = path.members[-1].zero_disables
        self.reads = (path.text,) + ((value.path.text,) if value and value.path else ())
        self.test = self._guarded(self._build())
        constant = op != "contains_all" and (value is None or value.is_const)
        self._expected: str | None = self._expected_text(None, None) if constant else None

    def _guarded(self, test: Callable[[Any, Index], Outcome]) -> Callable[[Any, Index], Outcome]:
        """Two rules that hold whatever the operator. In a scope (a ``where``), a field the
        target does not state makes the condition unknown, never false: an unstated fact cannot
        take a target out of a control. And a value that switches its safeguard off (a lock
        time of 0) satisfies no check.

        Every operator but ``present`` is unknown on a field that is not stated already, and
        ``_build`` gives ``present`` in a scope a test of its own, so the first rule needs no
        wrapper: the test is the operator's closure itself."""
        get = self.path.get
        if self.scope:
            return test
        if self.switched_off:

            def guarded(d: Any, ix: Index) -> Outcome:
                v = get(d, ix)
                if v == 0 and not isinstance(v, bool):
                    return False
                return test(d, ix)

            return guarded
        return test

    def is_switched_off(self, d: Any, ix: Index) -> bool:
        if not self.switched_off or self.scope:
            return False
        v = self.path.get(d, ix)
        return v == 0 and not isinstance(v, bool)

    # The fast path: a closure specialised on the operator and on whether the value is constant,
    # one call plus the path's getter (itself one call for a path of stored fields).
    def _build(self) -> Callable[[Any, Index], Outcome]:
        inline = self._inline()
        if inline is not None:
            return inline
        get = self.path.get
        op = self.op
        rank = _rank_of(self.path.type)
        value = self.value
        if op == "present":
            want = bool(self.const_set)
            if self.scope:

                def present_in_scope(d: Any, ix: Index) -> Outcome:
                    return None if get(d, ix) is None else want

                return present_in_scope
            return lambda d, ix: (get(d, ix) is not None) is want
        if op == "empty":
            want = bool(self.const_set)

            def empty(d: Any, ix: Index) -> Outcome:
                v = get(d, ix)
                return None if v is None else (len(v) == 0) is want

            return empty
        if op in ("in", "not_in"):
            allowed = frozenset(self.const_set)
            if op == "in":

                def member(d: Any, ix: Index) -> Outcome:
                    v = get(d, ix)
                    return None if v is None else v in allowed

                return member

            def not_member(d: Any, ix: Index) -> Outcome:
                v = get(d, ix)
                return None if v is None else v not in allowed

            return not_member
        if op in ("contains", "contains_all", "contains_any"):
            items = frozenset(self.const_set)
            if op == "contains_any":

                def contains_any(d: Any, ix: Index) -> Outcome:
                    v = get(d, ix)
                    return None if v is None else not items.isdisjoint(v)

                return contains_any

            def contains_all(d: Any, ix: Index) -> Outcome:
                v = get(d, ix)
                return None if v is None else items.issubset(v)

            return contains_all
        assert value is not None
        compare = _COMPARATORS[op]
        if value.is_const:
            const = value.const
            if rank is not None:
                const = rank[const]

                def ranked(d: Any, ix: Index) -> Outcome:
                    v = get(d, ix)
                    return None if v is None else compare(rank[v], const)

                return ranked

            def plain(d: Any, ix: Index) -> Outcome:
                v = get(d, ix)
                return None if v is None else compare(v, const)

            return plain
        other = value.get
        assert other is not None
        aggregate = value.aggregate

        def dynamic(d: Any, ix: Index) -> Outcome:
            v = get(d, ix)
            if v is None:
                return None  # a field left out never passes, not even against an empty list
            w = other(d, ix)
            if aggregate is not None:
                if any(x is None for x in w):
                    return None
                if not w:
                    return True  # nothing to compare against: vacuously satisfied
                w = (max if aggregate == "max" else min)(
                    w, key=(lambda x: rank[x]) if rank is not None else None
                )
            if v is None or w is None:
                return None
            if rank is not None:
                return compare(rank[v], rank[w])
            return compare(v, w)

        return dynamic

    def _inline(self) -> Callable[[Any, Index], Outcome] | None:
        """The commonest conditions (a value compared with a constant, or one of a set, on a
        path of one or two stored fields) as one call: the path's getter written out in the
        test, as ``fedcheck.paths.plain_getter`` reads it."""
        keys, op, value = self.path.keys, self.op, self.value
        if keys is None or len(keys) > 2 or _rank_of(self.path.type) is not None:
            return None
        if op == "in":
            arg: Any = frozenset(self.const_set)
            if len(keys) == 1:
                (k1,) = keys

                def in1(d: Any, ix: Index) -> Outcome:
                    v = d.get(k1)
                    return None if v is None else v in arg

                return in1
            k1, k2 = keys

            def in2(d: Any, ix: Index) -> Outcome:
                v = d.get(k1)
                if v is None:
                    return None
                v = v.get(k2)
                return None if v is None else v in arg

            return in2
        if op not in _COMPARATORS or value is None or not value.is_const:
            return None
        check, arg = _COMPARATORS[op], value.const
        if len(keys) == 1:
            (k1,) = keys

            def compare1(d: Any, ix: Index) -> Outcome:
                v = d.get(k1)
                return None if v is None else check(v, arg)

            return compare1
        k1, k2 = keys

        def compare2(d: Any, ix: Index) -> Outcome:
            v = d.get(k1)
            if v is None:
                return None
            v = v.get(k2)
            return None if v is None else check(v, arg)

        return compare2

    def expected_text(self, d: Any, ix: Index) -> str:
        if self.switched_off and self.is_switched_off(d, ix):
            return "a value above 0 (0 switches the safeguard off)"
        if self._expected is not None:
            return self._expected
        return self._expected_text(d, ix)

    def _expected_text(self, d: Any, ix: Any) -> str:
        """What the condition expects; ``d`` is read only by contains_all and by a value read
        from the document (the other texts are made once, at compile time)."""
        op = self.op
        if op == "present":
            return "a stated value" if self.const_set else "no value"
        if op == "empty":
            return "no entries" if self.const_set else "at least one entry"
        if op in ("in", "not_in"):
            joined = ", ".join(_fmt(x) for x in self.const_set)
            return f"one of {joined}" if op == "in" else f"none of {joined}"
        if op == "contains":
            return f"to include {_fmt(next(iter(self.const_set)))}"
        if op == "contains_all":
            have = self.path.get(d, ix) or []
            lacking = [x for x in self.const_set if x not in have]
            return f"to include {', '.join(map(_fmt, self.const_set))}" + (
                f" (missing {', '.join(map(_fmt, lacking))})" if lacking else ""
            )
        if op == "contains_any":
            return f"to include at least one of {', '.join(map(_fmt, self.const_set))}"
        assert self.value is not None
        words = _EXPECT_WORDS[op]
        if self.value.is_const:
            shown = _fmt(self.value.const)
        else:
            w = self.value.get(d, ix) if self.value.get else None
            if self.value.aggregate and isinstance(w, list):
                rank = _rank_of(self.path.type)
                known = [x for x in w if x is not None]
                w = (
                    (max if self.value.aggregate == "max" else min)(
                        known, key=(lambda x: rank[x]) if rank else None
                    )
                    if known
                    else None
                )
            shown = f"{_fmt(w)} ({self.value.describe})"
        return f"{words} {shown}".strip()

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        if self.test(d, ix) is True:
            return []
        path = self.path
        actual = path.get(d, ix)
        value = self.value
        if value is None or value.is_const or value.path is None:
            # One field, compared with a constant (the common case): one reason.
            if actual is None:
                expected = self.expected_text(d, ix)
                return [Reason(d, path.text, None, expected, True, path.extension, "", self.source)]
            return [
                Reason(
                    d,
                    path.text,
                    actual,
                    self.expected_text(d, ix),
                    False,
                    path.extension,
                    "",
                    "" if self.is_switched_off(d, ix) else self.source,
                )
            ]
        reasons: list[Reason] = []
        if actual is None:
            reasons.append(
                Reason(
                    d,
                    path.text,
                    None,
                    self.expected_text(d, ix),
                    missing=True,
                    extension=path.extension,
                    source=self.source,
                )
            )
        other = value.get(d, ix) if value.get else None
        missing_other = other is None or (isinstance(other, list) and any(x is None for x in other))
        if missing_other:
            reasons.append(
                Reason(
                    d,
                    value.path.text,
                    None,
                    "a stated value",
                    missing=True,
                    extension=value.path.extension,
                )
            )
        if not reasons:
            reasons.append(
                Reason(
                    d,
                    path.text,
                    actual,
                    self.expected_text(d, ix),
                    extension=path.extension,
                    source="" if self.is_switched_off(d, ix) else self.source,
                )
            )
        return reasons


#: The comparisons, as the operator module's functions (``a <= b`` without a Python call).
_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "at_least": operator.ge,
    "at_most": operator.le,
    "greater_than": operator.gt,
    "less_than": operator.lt,
    "equals": operator.eq,
    "is": operator.eq,
    "not_equals": operator.ne,
}


class All(Node):
    def __init__(self, parts: list[Node]):
        self.parts = parts
        self.reads = tuple(r for p in parts for r in p.reads)
        tests = tuple(p.test for p in parts)

        def all_(d: Any, ix: Index) -> Outcome:
            unknown = False
            for t in tests:
                r = t(d, ix)
                if r is False:
                    return False
                if r is None:
                    unknown = True
            return None if unknown else True

        self.test = all_

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        out: list[Reason] = []
        for p in self.parts:
            if p.test(d, ix) is not True:
                out.extend(p.explain(d, ix))
        return out


class AnyOf(Node):
    def __init__(self, parts: list[Node]):
        self.parts = parts
        self.reads = tuple(r for p in parts for r in p.reads)
        tests = tuple(p.test for p in parts)

        def any_(d: Any, ix: Index) -> Outcome:
            unknown = False
            for t in tests:
                r = t(d, ix)
                if r is True:
                    return True
                if r is None:
                    unknown = True
            return None if unknown else False

        self.test = any_

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        if self.test(d, ix) is True:
            return []
        out: list[Reason] = []
        for p in self.parts:
            # A branch "the field is left out" or "not ..." is an exemption, not something to
            # fix: the other branches say what the target must state.
            if isinstance(p, Not) or (
                isinstance(p, Leaf) and p.op == "present" and not p.const_set
            ):
                continue
            out.extend(p.explain(d, ix))
        if not out:
            for p in self.parts:
                out.extend(p.explain(d, ix))
        return out


class Not(Node):
    def __init__(self, inner: Node, source: Any):
        self.inner = inner
        self.source = source
        self.reads = inner.reads
        test = inner.test

        def not_(d: Any, ix: Index) -> Outcome:
            r = test(d, ix)
            return None if r is None else not r

        self.test = not_

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        r = self.inner.test(d, ix)
        if r is None:
            return self.inner.explain(d, ix)
        if r is False:
            return []
        leaf = _first_leaf(self.inner)
        if leaf is None:  # pragma: no cover - every expression has a leaf
            return [Reason(d, "", None, "", sentence="the condition holds; it must not")]
        return [
            Reason(
                d,
                leaf.path.text,
                leaf.path.get(d, ix),
                f"anything but {leaf.expected_text(d, ix)}",
                extension=leaf.path.extension,
            )
        ]


def _first_leaf(node: Node) -> Leaf | None:
    if isinstance(node, Leaf):
        return node
    for attr in ("parts",):
        for p in getattr(node, attr, ()):
            leaf = _first_leaf(p)
            if leaf:
                return leaf
    inner = getattr(node, "inner", None)
    return _first_leaf(inner) if inner else None


class Quantifier(Node):
    def __init__(self, kind: str, path: CompiledPath, where: Node | None, body: Node):
        self.kind = kind  # every | some | none
        self.path = path
        self.where = where
        self.body = body
        self.reads = (path.text, *(where.reads if where else ()), *body.reads)
        get = path.get
        cond = where.test if where else None
        test_body = body.test

        def items(d: Any, ix: Index) -> Any:
            return get(d, ix)

        if kind == "every":

            def every(d: Any, ix: Index) -> Outcome:
                xs = items(d, ix)
                if xs is None:
                    return None
                unknown = False
                for x in xs:
                    c = True if cond is None else cond(x, ix)
                    if c is False:
                        continue
                    r = test_body(x, ix)
                    if r is True:
                        continue  # holds whether or not the item is in scope
                    if r is False and c is True:
                        return False
                    unknown = True
                return None if unknown else True

            self.test = every
        else:
            negate = kind == "none"

            def some(d: Any, ix: Index) -> Outcome:
                xs = items(d, ix)
                if xs is None:
                    return None
                unknown = False
                for x in xs:
                    c = True if cond is None else cond(x, ix)
                    if c is False:
                        continue
                    r = test_body(x, ix)
                    if r is False:
                        continue  # fails whether or not the item is in scope
                    if r is True and c is True:
                        return False if negate else True
                    unknown = True
                if unknown:
                    return None
                return True if negate else False

            self.test = some

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        if self.test(d, ix) is True:
            return []
        xs = self.path.get(d, ix)
        if xs is None:
            return [
                Reason(
                    d,
                    self.path.text,
                    None,
                    "a stated value",
                    missing=True,
                    extension=self.path.extension,
                )
            ]
        out: list[Reason] = []
        for x in xs:
            c = True if self.where is None else self.where.test(x, ix)
            if c is False:
                continue
            r = self.body.test(x, ix)
            if self.kind == "every" and r is not True:
                out.extend(self.body.explain(x, ix))
                if c is None:
                    out.extend(self.where.explain(x, ix) if self.where else [])
            elif self.kind == "none" and r is None:
                # An entry that leaves a field out: its missing field is the reason (a
                # contract field left out fails, an extension field makes it manual).
                out.extend(self.body.explain(x, ix))
            elif self.kind == "none" and r is not False:
                leaf = _first_leaf(self.body)
                if leaf is None:  # pragma: no cover - every body has a leaf
                    continue
                out.append(
                    Reason(
                        x,
                        leaf.path.text,
                        leaf.path.get(x, ix),
                        f"anything but {leaf.expected_text(x, ix)}",
                        missing=leaf.path.get(x, ix) is None,
                        extension=leaf.path.extension,
                    )
                )
            elif self.kind == "some" and r is not True:
                out.extend(self.body.explain(x, ix))
        if not out:
            out.append(
                Reason(
                    d,
                    self.path.text,
                    None,
                    "",
                    sentence=f"{self.path.text} has no entries"
                    if not xs
                    else f"none of the {len(xs)} entries of {self.path.text} is in scope",
                )
            )
        if self.kind == "some" and len(out) > _SOME_SHOWN:
            more = len(out) - _SOME_SHOWN
            out = out[:_SOME_SHOWN]
            out.append(
                Reason(
                    d,
                    self.path.text,
                    None,
                    "",
                    sentence=f"{more} more entries of {self.path.text} fall short the same way",
                )
            )
        return out


#: How many failing entries a ``some`` that no entry satisfies explains one by one.
_SOME_SHOWN = 3


# --- compiling -----------------------------------------------------------------------------


def compile_expression(
    raw: Any,
    start: ObjectType,
    params: dict[str, Any],
    where: Sequence[str | int],
    *,
    scope: bool = False,
) -> Node:
    """Type-check and compile one expression; every problem is a CompileError at its path.

    With ``scope`` the expression decides applicability (a rule's or a check's ``where``, a
    quantifier's filter): a condition on a field the target does not state is then unknown,
    whatever its operator, so that an unstated fact never takes a target out of scope."""
    where = list(where)
    if not isinstance(raw, dict):
        raise CompileError(
            where,
            f"an expression must be a mapping, got {_fmt(raw)}",
            "write {field: PATH, OPERATOR: VALUE}, or all/any/not/every/some/none",
        )
    keys = set(raw)
    if "scope" in keys:
        return _named_scope(raw, keys, start, params, where, scope)
    for combinator, cls in (("all", All), ("any", AnyOf)):
        if combinator in keys:
            if keys != {combinator}:
                raise CompileError(
                    where,
                    f"'{combinator}' cannot be combined with "
                    f"{sorted(keys - {combinator})} in one mapping",
                    f"put the other conditions inside the {combinator} list",
                )
            items = raw[combinator]
            if not isinstance(items, list) or not items:
                raise CompileError(
                    [*where, combinator],
                    f"'{combinator}' needs a non-empty list of expressions",
                    "list one or more expressions under it",
                )
            return cls(
                [
                    compile_expression(x, start, params, [*where, combinator, i], scope=scope)
                    for i, x in enumerate(items)
                ]
            )
    if "not" in keys:
        if keys != {"not"}:
            raise CompileError(
                where,
                "'not' cannot be combined with other keys in one mapping",
                "wrap the other conditions in all: [...]",
            )
        return Not(
            compile_expression(raw["not"], start, params, [*where, "not"], scope=scope), raw["not"]
        )
    for quant in ("every", "some", "none"):
        if quant in keys:
            if keys != {quant}:
                raise CompileError(
                    where,
                    f"'{quant}' cannot be combined with other keys",
                    "wrap them in all: [...]",
                )
            spec = raw[quant]
            qwhere = [*where, quant]
            if not isinstance(spec, dict):
                raise CompileError(
                    qwhere,
                    f"'{quant}' needs a mapping with 'in' and 'assert'",
                    f"write {quant}: {{in: PATH, assert: EXPRESSION}}",
                )
            unknown = set(spec) - {"in", "where", "assert"}
            if unknown:
                bad = sorted(unknown)[0]
                raise CompileError(
                    [*qwhere, bad],
                    f"unknown key '{bad}' in {quant}",
                    _suggest(bad, ["in", "where", "assert"]),
                )
            if "in" not in spec or "assert" not in spec:
                raise CompileError(
                    qwhere,
                    f"'{quant}' needs both 'in' and 'assert'",
                    f"write {quant}: {{in: PATH, assert: EXPRESSION}}",
                )
            path = compile_path(spec["in"], start, [*qwhere, "in"])
            if path.type.kind != "list" or path.type.item is None or path.type.item.obj is None:
                raise CompileError(
                    [*qwhere, "in"],
                    f"'{path.text}' is {path.type.describe()}, not a list of objects",
                    "iterate over components, external_services, data_flows, "
                    "inbound_flows or outbound_flows; for a list of values use "
                    "contains_all/contains_any",
                )
            item = path.type.item.obj
            cond = (
                compile_expression(spec["where"], item, params, [*qwhere, "where"], scope=True)
                if "where" in spec
                else None
            )
            body = compile_expression(
                spec["assert"], item, params, [*qwhere, "assert"], scope=scope
            )
            return Quantifier(quant, path, cond, body)
    if "field" not in keys:
        bad = sorted(keys)[0] if keys else ""
        raise CompileError(
            where,
            f"unknown expression key '{bad}'" if bad else "empty expression",
            _suggest(bad, ["field", "all", "any", "not", "every", "some", "none"]),
        )
    ops = keys - {"field"}
    if len(ops) != 1:
        if not ops:
            raise CompileError(
                where,
                f"the condition on '{raw['field']}' names no operator",
                f"add one of: {', '.join(ALL_OPS)}",
            )
        raise CompileError(
            where,
            f"one operator per condition, got {', '.join(sorted(ops))}",
            "split them into separate conditions under all: [...]",
        )
    op = next(iter(ops))
    if op not in ALL_OPS:
        raise CompileError([*where, op], f"unknown operator '{op}'", _suggest(op, ALL_OPS))
    path = compile_path(raw["field"], start, [*where, "field"])
    ftype = path.type
    arg = raw[op]
    owhere = [*where, op]

    if op == "present":
        if not isinstance(arg, bool):
            raise CompileError(owhere, "present takes true or false", "write present: true")
        return Leaf(path, op, None, arg, scope=scope)
    if op in _LIST_OPS:
        if ftype.kind != "list" or ftype.item is None:
            raise CompileError(
                owhere,
                f"'{op}' needs a list field; '{path.text}' is {ftype.describe()}",
                "use equals/in for a single value",
            )
        if op == "empty":
            if not isinstance(arg, bool):
                raise CompileError(owhere, "empty takes true or false", "write empty: false")
            return Leaf(path, op, None, arg, scope=scope)
        values = _resolve_list(arg if op != "contains" else [arg], params, owhere)
        for i, v in enumerate(values):
            _check_literal(v, ftype.item, [*owhere, i] if op != "contains" else owhere, "the item")
        return Leaf(path, op, None, tuple(values), scope=scope, source=_list_source(arg, params))
    if ftype.kind in ("list", "object"):
        raise CompileError(
            owhere,
            f"'{op}' compares single values; '{path.text}' is {ftype.describe()}",
            "use contains/contains_all/empty for a list, present for an object",
        )
    if op in _SET_OPS:
        values = _resolve_list(arg, params, owhere)
        for i, v in enumerate(values):
            _check_literal(v, ftype, [*owhere, i], "the item")
        return Leaf(path, op, None, tuple(values), scope=scope, source=_list_source(arg, params))
    if op in _COMPARE_OPS and ftype.kind not in ("int", "float", "level", "tls"):
        raise CompileError(
            owhere,
            f"'{op}' needs an ordered field (a number, an impact or "
            f"authorization level, a TLS version); '{path.text}' is "
            f"{ftype.describe()}",
            "use equals or in",
        )
    if op == "is" and ftype.kind != "bool":
        raise CompileError(
            owhere, f"'is' tests a boolean; '{path.text}' is {ftype.describe()}", "use equals"
        )
    value = compile_value(arg, ftype, start, params, owhere)
    return Leaf(path, op, value, scope=scope)


def _named_scope(
    raw: dict[str, Any],
    keys: set[str],
    start: ObjectType,
    params: dict[str, Any],
    where: list[str | int],
    scope: bool,
) -> Node:
    """``{scope: NAME}``: the named scope's condition (fedcheck.scopes), compiled here."""
    if keys != {"scope"}:
        raise CompileError(
            where,
            "'scope' cannot be combined with other keys in one mapping",
            "wrap the other conditions with it in all: [...]",
        )
    name = raw["scope"]
    scopes: Mapping[str, Any] = getattr(params, "scopes", {})
    named = scopes.get(name) if isinstance(name, str) else None
    if named is None:
        raise CompileError(
            [*where, "scope"],
            f"unknown scope {name!r}",
            _suggest(str(name), list(scopes)) if scopes else "define it in controls/_scopes.yaml",
        )
    if TARGETS[named.target] is not start:
        raise CompileError(
            [*where, "scope"],
            f"scope {name} selects {named.target} targets; it cannot be used on {start.name}",
            f"use it in a rule for target: {named.target}, or write the condition here",
        )
    expanding: tuple[str, ...] = getattr(params, "expanding", ())
    if name in expanding:
        raise CompileError(
            [*where, "scope"],
            f"scope {name} uses itself ({' -> '.join((*expanding, name))})",
            "write the condition out in one of them",
        )
    inner = Parameters({}, {}, scopes, (*expanding, name))
    return compile_expression(named.where, start, inner, where, scope=scope)


def _list_source(arg: Any, params: dict[str, Any]) -> str:
    if isinstance(arg, str) and arg.startswith("$") and not arg.startswith("$$"):
        return _source_of(params, arg[1:])
    return ""


def _resolve_list(arg: Any, params: dict[str, Any], where: Sequence[str | int]) -> list[Any]:
    if isinstance(arg, str) and arg.startswith("$") and not arg.startswith("$$"):
        name = arg[1:]
        if name not in params:
            raise CompileError(
                where,
                f"unknown parameter ${name}",
                _suggest(name, list(params))
                if params
                else "declare it under the control's parameters",
            )
        arg = params[name]
    if not isinstance(arg, list) or not arg:
        raise CompileError(
            where, f"expected a non-empty list, got {_fmt(arg)}", "write a list such as [a, b]"
        )
    return list(arg)
