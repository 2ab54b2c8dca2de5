"""Comparison, boolean and conditional operators: `$eq`..`$cmp`, `$in`, `$and/$or/$not`, `$cond/$ifNull/$switch`."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import ibis

from ._parse import Node
from ._registry import MANY, Env, op
from ._semantics import (
    SHORT_IN,
    as_bool,
    balanced,
    cases_val,
    compare,
    ifelse_val,
    is_null,
    lit_truth,
    member,
    out_expr,
    truthy,
    unify,
)
from ._values import T, Val, fresh, null_val, typed_null

if TYPE_CHECKING:
    from ._compile import Compiler

__all__: list[str] = []

_CMP = {"$eq": "eq", "$ne": "ne", "$gt": "gt", "$gte": "gte", "$lt": "lt", "$lte": "lte", "$cmp": "cmp"}


def _bool(e: object) -> Val:
    if isinstance(e, bool):
        return Val(T("bool"), ibis.literal(e), lit=e)
    return Val(T("bool"), e)


@op(*_CMP)
def _compare(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    a, b = (c.compile(n, env) for n in c.args(name, arg, 2))
    return compare(_CMP[name], a, b)


#: node kinds whose value is a constant scalar, usable in a set membership without compiling each one
_SCALAR_NODES = ("number", "bool", "null", "date")


@op("$in")
def _in(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    needle_node, hay_node = c.args(name, arg, 2)
    needle = c.compile(needle_node, env)
    if hay_node.kind == "array":  # a literal list: a set membership for its constants, comparisons for the rest
        consts: list[object] = []
        tests: list[Val] = []
        for n in hay_node.value:
            if n.kind in _SCALAR_NODES or (n.kind == "string" and not n.value.startswith("$")):
                consts.append(n.value)
                continue
            item = c.compile(n, env)
            if item.is_lit and item.t.kind in ("null", "bool", "int", "float", "str", "date"):
                consts.append(item.lit)
            else:  # an element of an array: missing is null there (MongoDB's `[ "$missing" ]` is [null])
                tests.append(compare("eq", needle, item.but(missing=False)))
        if consts:
            tests.append(member(needle, consts, in_lambda=bool(env)))
        if any(t.is_lit and t.lit for t in tests):
            return _bool(True)
        live = [t for t in tests if not t.is_lit]
        if not live:
            return _bool(False)
        return Val(T("bool"), balanced(operator.or_, [t.e for t in live]),
                   falsy_null=any(t.falsy_null for t in live))
    hay = c.need_array(name, c.compile(hay_node, env), hay_node)
    if hay.t.kind == "null":
        return Val(T("bool"), typed_null("boolean"))
    elem = hay.t.elem or T("null")
    found = hay.e.filter(fresh(lambda x: out_expr(compare("eq", c.elem_val(elem, x), needle)))).length() > 0
    return Val(T("bool"), found)


def _is_const(n: Node) -> bool:
    return n.kind in _SCALAR_NODES or (n.kind == "string" and not n.value.startswith("$"))


def _equality(n: Node, op: str) -> tuple[str, object] | None:
    """`{op: ['$path', constant]}` (either order) as (path, constant), else None."""
    if n.kind != "object" or len(n.value) != 1 or op not in n.value:
        return None
    args = n.value[op]
    if args.kind != "array" or len(args.value) != 2:
        return None
    a, b = args.value
    if a.kind == "string" and a.value.startswith("$") and _is_const(b):
        return a.value, b.value
    if b.kind == "string" and b.value.startswith("$") and _is_const(a):
        return b.value, a.value
    return None


def _memberships(c: Compiler, items: list[Node], is_and: bool, env: Env) -> tuple[list[Node], list[Val]]:
    """`$or` of many `$eq: ['$x', constant]` is `$in: ['$x', [constants]]` (and `$and` of `$ne` its negation):
    one set membership instead of thousands of comparisons. Returns the other items and the memberships."""
    groups: dict[str, list[tuple[int, object]]] = {}
    for i, n in enumerate(items):
        eq = _equality(n, "$ne" if is_and else "$eq")
        if eq is not None:
            groups.setdefault(eq[0], []).append((i, eq[1]))
    used: set[int] = set()
    tests: list[Val] = []
    for path, members in groups.items():
        if len(members) <= SHORT_IN:
            continue
        needle = c.compile(Node("string", path, items[members[0][0]].pos, items[members[0][0]].where), env)
        found = member(needle, [v for _, v in members], in_lambda=bool(env))
        if is_and:  # none of them: the membership is two-valued once its NULL means false
            found = _bool(not found.lit) if found.is_lit else Val(T("bool"), ~as_bool(found))
        tests.append(found)
        used.update(i for i, _ in members)
    return [n for i, n in enumerate(items) if i not in used], tests


@op("$and", "$or")
def _and_or(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    items = arg.value if arg.kind == "array" else [arg]
    is_and = name == "$and"
    items, memberships = _memberships(c, items, is_and, env) if len(items) > SHORT_IN else (items, [])
    vals = memberships + [c.compile(n, env) for n in items]
    if not vals:
        return _bool(is_and)
    parts = []
    for v in vals:
        if v.t.kind == "bool" and (v.falsy_null or v.is_lit):  # already two-valued once NULL means false
            if v.is_lit:
                if bool(v.lit) != is_and:
                    return _bool(not is_and)
                continue
            parts.append((v.e, True))
        else:
            t = truthy(v)
            parts.append((t, False))
    if not parts:
        return _bool(is_and)
    e = balanced(operator.and_ if is_and else operator.or_, [p for p, _ in parts])
    return Val(T("bool"), e, falsy_null=any(f for _, f in parts))


@op("$not")
def _not(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    v = c.compile(c.one(name, arg), env)
    if v.is_lit:
        return _bool(not lit_truth(v))
    return Val(T("bool"), ~truthy(v))


@op("$cond")
def _cond(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    if arg.kind == "object":
        spec = c.spec(name, arg, ("if", "then", "else"))
        nodes = [spec["if"], spec["then"], spec["else"]]
    else:
        nodes = c.args(name, arg, 3)
    test, yes, no = (c.compile(n, env) for n in nodes)
    yes, no = unify([yes, no])
    return ifelse_val(truthy(test), yes, no)


@op("$ifNull")
def _if_null(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    vals = unify([c.compile(n, env) for n in c.args(name, arg, 2, MANY)])
    branches = []
    for v in vals[:-1]:
        nul = is_null(v)
        if nul is True:
            continue
        if nul is False:  # never null: the later arguments cannot be reached
            return cases_val(branches, v)
        branches.append((~nul, v.but(missing=False)))
    return cases_val(branches, vals[-1])


@op("$switch")
def _switch(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    spec = c.spec(name, arg, ("branches",), ("default",))
    branches_node = spec["branches"]
    if branches_node.kind != "array" or not branches_node.value:
        raise branches_node.error("$switch: 'branches' must be a non-empty array of {case, then}")
    tests, results = [], []
    for b in branches_node.value:
        bspec = c.spec("$switch branch", b, ("case", "then"))
        test = c.compile(bspec["case"], env)
        tests.append(lit_truth(test) if test.is_lit else truthy(test))
        results.append(c.compile(bspec["then"], env))
    default = c.compile(spec["default"], env) if "default" in spec else null_val()
    vals = unify([*results, default])
    return cases_val(list(zip(tests, vals[:-1])), vals[-1])
