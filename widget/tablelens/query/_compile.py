"""Compile a parsed MongoDB aggregation expression into a typed Ibis value.

The compiler resolves paths against the columns of the frame being queried (`$0.x`, `$1.x`, `$x`), binds
`$$variables`, checks argument counts and static types, and hands each `$operator` to its implementation in
one of the `_ops_*` modules. Every fault becomes a FilterError located at the node that caused it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.common.exceptions as ibis_exc
import ibis.expr.types as ir

from .._core.errors import FilterError
from ._parse import Node
from ._registry import OPS, REFUSED, Env
from ._semantics import Unsupported, expr_size, mixed_from_struct, out_expr, unify
from ._values import T, Val, const, ibis_type

__all__ = ["MAX_SQL_NODES", "Columns", "Compiler", "empty_object", "sql_size"]


@dataclass
class Columns:
    """What paths resolve to: per table index, the column name -> compiled value (in display order)."""

    tables: dict[int, dict[str, Val]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)

    def names(self, table: int) -> list[str]:
        return list(self.tables.get(table, {}))


class Compiler:
    """Turns Nodes into Vals against a fixed set of columns."""

    def __init__(self, columns: Columns, strict_index: bool = False) -> None:
        self.columns = columns
        self.strict_index = strict_index  # the engine fails on out-of-bounds array indexes

    # ------------------------------------------------------------------------------------------ entry
    def compile(self, node: Node, env: Env | None = None) -> Val:
        try:
            return self._compile(node, env or {})
        except FilterError:
            raise
        except RecursionError:
            raise node.error("The expression is nested too deeply") from None
        except Unsupported as exc:
            raise node.error(str(exc)) from None
        except _FAULTS as exc:
            raise node.error(f"Cannot compile this expression ({_first_line(exc)})") from None

    def compile_root(self, node: Node) -> Val:
        """Compile a whole filter, group or sort expression, refusing one whose SQL would be too large to run."""
        val = self.compile(node)
        size = sql_size(val)
        if size > MAX_SQL_NODES:
            raise node.error(f"This expression is too large to run: it would become about {size:,} SQL operations "
                             f"(at most {MAX_SQL_NODES:,}); nested $min/$max/$pow/$round over large expressions "
                             f"multiply in size, so compute the inner part once or simplify the expression")
        return val

    def _compile(self, node: Node, env: Env) -> Val:
        kind = node.kind
        if kind == "string":
            text = node.value
            if text.startswith("$$"):
                return self.variable(text, node, env)
            if text.startswith("$"):
                return self.path(text, node, env)
            return const(text)
        if kind in ("number", "bool", "null", "date"):
            return const(node.value)
        if kind == "array":
            return self.array_literal([self._compile(n, env) for n in node.value], node)
        return self.obj(node, env)

    def obj(self, node: Node, env: Env) -> Val:
        items: dict[str, Node] = node.value
        keys = list(items)
        ops = [k for k in keys if k.startswith("$")]
        if not ops:
            if not keys:
                return empty_object()
            fields = {k: self._compile(v, env) for k, v in items.items()}
            return Val(T("object", fields=tuple((k, v.t) for k, v in fields.items())),
                       ibis.struct({k: out_expr(v) for k, v in fields.items()}))
        if len(keys) > 1:
            extra = keys[1] if keys[0] in ops else keys[0]
            raise self.key_error(node, extra, f"An operator object takes exactly one key, found {keys[0]!r} "
                                              f"and {extra!r}; wrap them in $and or $or")
        name = keys[0]
        arg = items[name]
        if name == "$literal":
            return self.literal(arg)
        if name == "$date" and arg.kind == "string":
            return const(_parse_date(arg))
        if name in REFUSED:
            raise self.key_error(node, name, f"{name} is refused: filters never run code")
        fn = OPS.get(name)
        if fn is None:
            raise self.key_error(node, name, f"Unknown operator {name}")
        try:
            return fn(self, name, arg, env)
        except (FilterError, RecursionError):
            raise
        except Unsupported as exc:
            raise self.key_error(node, name, f"{name}: {exc}") from None
        except _FAULTS as exc:
            raise self.key_error(node, name, f"{name} cannot be applied to these arguments "
                                             f"({_first_line(exc)})") from None

    @staticmethod
    def key_error(node: Node, key: str, message: str) -> FilterError:
        pos = node.key_pos.get(key, node.pos) if node.key_pos else node.pos
        return FilterError(message, position=pos, path=node.where or None)

    # -------------------------------------------------------------------------------------------- paths
    def variable(self, text: str, node: Node, env: Env) -> Val:
        name, *rest = text[2:].split(".")
        if name in ("ROOT", "CURRENT"):
            raise node.error(f"${text[1:]} is not supported; refer to columns as $0.name")
        if name not in env:
            bound = ", ".join(f"$${k}" for k in env) or "none"
            raise node.error(f"Unknown variable $${name} (bound here: {bound}); variables are bound by "
                             f"$map/$filter ('as', default $$this) and $reduce ($$value, $$this)")
        return self.walk(env[name], rest, f"$${name}", node)

    def path(self, text: str, node: Node, env: Env) -> Val:
        parts = text[1:].split(".")
        table = 0
        if parts[0] in ("0", "1") and (len(parts) > 1 or parts[0] not in self.columns.tables.get(0, {})):
            table = int(parts.pop(0))
        if not parts or parts == [""]:
            raise node.error(f"Path {text!r} names no column; write $0.column or $column")
        cols = self.columns.tables.get(table)
        if cols is None:
            raise node.error(f"Path {text!r} refers to table {table}, but this query has only one table; "
                             f"$1 works when comparing or with a JoinedTable")
        for k in range(len(parts), 0, -1):  # the longest prefix that is a column name wins
            name = ".".join(parts[:k])
            if name in cols:
                return self.walk(cols[name], parts[k:], f"${table}.{name}", node)
        names = ", ".join(repr(c) for c in list(cols)[:30])
        raise node.error(f"Unknown column {parts[0]!r} in path {text!r}; columns of table {table}: {names}")

    def walk(self, val: Val, fields: list[str], where: str, node: Node) -> Val:
        if val.t.kind == "unsupported":
            raise node.error(f"{where} holds values of storage type {val.t.fields[0][1].kind}, which expressions "
                             f"cannot use; filter, group or sort by another column")
        for name in fields:
            val = self.field(val, name, where, node)
            where = f"{where}.{name}"
        return val

    def field(self, val: Val, name: str, where: str, node: Node) -> Val:
        t = val.t
        if t.kind == "array" and t.elem is not None and t.elem.kind == "object":
            get, sub_t = self.field_access(t.elem, name, where, node)
            elem_val = self.column_val
            result = val.e.filter(lambda x: x.notnull()).map(lambda x: out_expr(elem_val(get(x), sub_t)))
            return Val(T("array", elem=sub_t), result, missing=val.e.isnull() if not val.is_lit else False)
        get, sub_t = self.field_access(t, name, where, node)
        return self.column_val(get(val.e), sub_t, False if val.is_lit else val.e.isnull())

    @staticmethod
    def field_access(t: T, name: str, where: str, node: Node) -> tuple[Callable[[Any], Any], T]:
        """How to read field `name` of an object of type `t`, and the field's type."""
        if t.kind != "object":
            raise node.error(f"{where} is {_a(t.describe())}; it has no field {name!r}")
        if t.view == "box" and t.field(name) is None:
            scores = t.field("scores")
            if name == "caption" and t.field("box_caption") is not None:
                return (lambda e: e["box_caption"]), t.field("box_caption")  # type: ignore[return-value]
            if scores is not None and scores.field(name) is not None:
                return (lambda e: e["scores"][name]), scores.field(name)  # type: ignore[return-value]
        sub_t = t.field(name)
        if sub_t is None:
            what = {"boxes": "box layers", "masks": "mask layers", "image": "image fields",
                    "box": "box fields"}.get(t.view or "", "fields")
            names = list(t.names)
            if t.view == "box":
                names = [("caption" if n == "box_caption" else n) for n in names if n != "scores"]
                names += (t.field("scores") or T("object")).names
            listing = ", ".join(names) or "none"
            raise node.error(f"{where} has no field {name!r} ({what}: {listing})")
        return (lambda e: e[name]), sub_t

    @staticmethod
    def column_val(e: ir.Value, t: T, missing: Any = False) -> Val:
        """A value read from storage (a column or a struct field)."""
        if t.kind == "mixed":
            return mixed_from_struct(e, missing)
        if t.kind == "unsupported":
            raise Unsupported(f"values of storage type {t.fields[0][1].kind} cannot be used in expressions")
        if t.kind == "null":  # a column of only nulls: statically null (its engine type may be none at all)
            return Val(t, ibis.null(), missing=missing, lit=None)
        return Val(t, e, missing=missing)

    # ------------------------------------------------------------------------------------------ literals
    def literal(self, node: Node) -> Val:
        """`$literal`: the argument as a constant, `$` strings included."""
        if node.kind == "array":
            return self.array_literal([self.literal(n) for n in node.value], node)
        if node.kind == "object":
            fields = {k: self.literal(v) for k, v in node.value.items()}
            if not fields:
                return empty_object()
            return Val(T("object", fields=tuple((k, v.t) for k, v in fields.items())),
                       ibis.struct({k: out_expr(v) for k, v in fields.items()}))
        return const(node.value)

    def array_literal(self, vals: list[Val], node: Node) -> Val:
        if not vals:
            return Val(T("array", elem=T("null")), ibis.literal([], type="array<int64>"), lit=[])
        vals = unify(vals)
        elem = vals[0].t
        if elem.kind == "null":
            return Val(T("array", elem=elem), ibis.literal([None] * len(vals), type="array<int64>"),
                       lit=[None] * len(vals))
        if all(v.is_lit for v in vals) and elem.kind in ("bool", "int", "float", "str", "date"):
            lits = [v.lit for v in vals]
            return Val(T("array", elem=elem), ibis.literal(lits, type=f"array<{ibis_type(elem)}>"), lit=lits)
        return Val(T("array", elem=elem), ibis.array([out_expr(v) for v in vals]))

    # ----------------------------------------------------------------------------------------- arguments
    def args(self, name: str, node: Node, lo: int, hi: int | None = None) -> list[Node]:
        """The argument nodes of an operator, checking the count (a lone non-array argument counts as one)."""
        items = node.value if node.kind == "array" else [node]
        hi = lo if hi is None else hi
        if not lo <= len(items) <= hi:
            want = f"{lo}" if lo == hi else (f"{lo} to {hi}" if hi < 1000 else f"at least {lo}")
            raise node.error(f"{name} takes {want} argument{'s' if hi != 1 else ''}, got {len(items)}")
        return items

    def one(self, name: str, node: Node) -> Node:
        """The single argument of a unary operator: `{$op: x}` or `{$op: [x]}`."""
        return self.args(name, node, 1)[0]

    def spec(self, name: str, node: Node, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[
            str, Node]:
        """The named arguments of an operator that takes an object (`$filter`, `$map`, ...)."""
        if node.kind != "object":
            raise node.error(f"{name} takes an object {{{', '.join(required)}}}")
        items: dict[str, Node] = node.value
        for key in items:
            if key not in required and key not in optional:
                raise self.key_error(node, key, f"{name} does not take {key!r} (it takes "
                                                f"{', '.join(required + optional)})")
        for key in required:
            if key not in items:
                raise node.error(f"{name} needs {key!r}")
        return items

    def var_name(self, name: str, node: Node | None, default: str = "this") -> str:
        if node is None:
            return default
        if node.kind != "string" or not node.value or not node.value.replace("_", "a").isalnum() \
                or node.value[0].isdigit():
            raise node.error(f"{name}: 'as' must be a variable name such as 'box'")
        return node.value

    def need_array(self, name: str, v: Val, node: Node) -> Val:
        if v.t.kind == "null":
            return v
        if v.t.kind != "array":
            raise node.error(f"{name} needs an array, but {_src(node)} is {_a(v.t.describe())}")
        elem = v.t.elem
        if elem is not None and elem.kind == "unsupported" and name not in ("$size", "$slice", "$concatArrays"):
            raise node.error(f"{name}: the elements of {_src(node)} hold values of storage type "
                             f"{elem.fields[0][1].kind}, which expressions cannot use; use $size of it instead")
        return v

    def elem_val(self, t: T, x: ir.Value) -> Val:
        """The value of an array element bound to a lambda parameter."""
        return self.column_val(x, t) if t.kind in ("mixed", "unsupported") else Val(t, x)


def _a(what: str) -> str:
    return ("an " if what[:1] in "aeiou" else "a ") + what


def _src(node: Node) -> str:
    if node.kind == "string":
        return repr(node.value)
    return {"object": "the expression", "array": "the array"}.get(node.kind, repr(node.value))


def _parse_date(node: Node) -> _dt.datetime:
    text = node.value.strip()
    try:
        value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise node.error(f"{node.value!r} is not an ISO date such as '2024-01-02T03:04:05Z'") from None
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return value


#: what an operator implementation may raise on arguments it cannot take; each becomes a located FilterError
_FAULTS = (ibis_exc.IbisError, TypeError, ValueError, AttributeError, NotImplementedError, KeyError, IndexError,
           OverflowError, ZeroDivisionError)

#: the largest expression compiled: measured as the size of its SQL tree (shared parts counted each time they
#: are written out), so that no filter can exhaust memory or time while SQL is generated
MAX_SQL_NODES = 2_000_000


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def sql_size(val: Val) -> int:
    """How many operations the SQL of a compiled value would hold (see `expr_size`)."""
    if val.t.kind == "mixed" and val.e is not None:  # written out whole (tag and parts are read from it)
        return expr_size([val.e, val.missing], 10 * MAX_SQL_NODES)
    return expr_size([val.e, val.tag, *val.parts.values(), val.missing], 10 * MAX_SQL_NODES)


def empty_object() -> Val:
    """The empty object `{}` as a value: an object held as its JSON text (engines have no struct of no fields)."""
    return Val(T("mixed", tags=frozenset({"object"})), None, tag=ibis.literal("object"),
               parts={"json": ibis.literal("{}")})
