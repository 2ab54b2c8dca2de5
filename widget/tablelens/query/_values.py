"""Static types and compiled values: what the compiler knows about each sub-expression.

SQL has one NULL; MongoDB has `null` and *missing*. A compiled value keeps the Ibis expression (NULL for both)
plus a separate `missing` flag, so comparisons and `$type` can tell them apart. Values whose type is only known
per row (the variant struct of `mixed` columns, or `$cond` branches of different types) are kept as a type tag
plus one expression per possible type.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from ..codec import VARIANT_FIELDS

__all__ = [
    "MIXED_PARTS",
    "NOLIT",
    "SCALARS",
    "STRUCT_FIELD",
    "TAG_OF_KIND",
    "T",
    "Val",
    "const",
    "fresh",
    "ibis_type",
    "let",
    "null_val",
    "type_from_ibis",
    "typed_null",
]

NOLIT: Any = object()
SCALARS = ("bool", "int", "float", "str", "date")
#: which part of a mixed value holds each tag's value (parts are named like static kinds)
MIXED_PARTS = {"bool": "bool", "int": "int", "double": "float", "string": "str", "date": "date",
               "array": "json", "object": "json"}
#: the variant-struct field of each part (docs/storage.md)
STRUCT_FIELD = {"bool": "bool", "int": "int", "float": "float", "str": "str", "date": "datetime", "json": "json"}
#: the MongoDB type name (`$type`) of each static kind
TAG_OF_KIND = {"null": "null", "bool": "bool", "int": "int", "float": "double", "str": "string",
               "date": "date", "array": "array", "object": "object", "json": "json"}


@dataclass(frozen=True)
class T:
    """A static type.

    kind: null, bool, int, float, str, date, array, object, mixed (variant, per-row type) or json (JSON text).
    `view` marks objects the compiler presents differently from their storage struct: "image", "box",
    "boxes" (the layers of an image), "masks".
    """

    kind: str
    elem: T | None = None
    fields: tuple[tuple[str, T], ...] = ()
    view: str | None = None
    tags: frozenset[str] = frozenset()  # possible tags of a mixed value

    def field(self, name: str) -> T | None:
        for key, typ in self.fields:
            if key == name:
                return typ
        return None

    @property
    def names(self) -> list[str]:
        return [k for k, _ in self.fields]

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")

    def describe(self) -> str:
        if self.kind == "array":
            return f"array of {self.elem.describe()}" if self.elem and self.elem.kind != "null" else "array"
        if self.kind == "object" and self.view:
            return {"image": "image", "box": "box", "boxes": "box layers", "masks": "mask layers"}[self.view]
        return {"str": "string", "float": "double", "mixed": "value of mixed type", "json": "JSON value"}.get(
            self.kind, self.kind
        )


@dataclass(frozen=True)
class Val:
    """A compiled sub-expression.

    `e` is the Ibis expression (for mixed values, which use `tag` and `parts`, optionally the variant struct they
    are read from, so that it can be passed on whole). `missing` is False or a
    boolean expression true where the value is missing (e is then NULL). `falsy_null`: a boolean whose NULL
    stands for false (comparisons before they are forced to two values). `lit` is the Python value of a
    constant.
    """

    t: T
    e: ir.Value | None = None
    missing: Any = False
    tag: ir.StringValue | None = None
    parts: dict[str, ir.Value] = field(default_factory=dict)
    falsy_null: bool = False
    lit: Any = NOLIT

    @property
    def is_lit(self) -> bool:
        return self.lit is not NOLIT

    def but(self, **changes: Any) -> Val:
        if self.t.kind == "mixed" and ("tag" in changes or "parts" in changes) and "e" not in changes:
            changes["e"] = None  # the variant struct no longer matches the tag and parts
        return replace(self, **changes)


def typed_null(typ: Any) -> ir.Value:
    """A NULL of the given type that behaves like any other value (Ibis's typed null literals special-case
    `!=`/`==` as null tests)."""
    return ibis.null().cast(typ)


def null_val(missing: bool = False) -> Val:
    """The constant null (or missing)."""
    return Val(T("null"), ibis.null(), missing=missing, lit=None)


def ibis_type(t: T) -> dt.DataType:
    """The Ibis type of a statically typed value (used for typed NULLs and casts)."""
    simple = {"null": dt.null, "bool": dt.boolean, "int": dt.int64, "float": dt.float64, "str": dt.string,
              "date": dt.timestamp, "json": dt.string}
    if t.kind in simple:
        return simple[t.kind]
    if t.kind == "array":
        return dt.Array(ibis_type(t.elem or T("null")))
    if t.kind == "object":
        return dt.Struct({k: ibis_type(v) for k, v in t.fields})
    if t.kind == "mixed":
        return dt.Struct({"type": dt.string, "bool": dt.boolean, "int": dt.int64, "float": dt.float64,
                          "str": dt.string, "datetime": dt.timestamp, "json": dt.string})
    raise TypeError(f"no single Ibis type for {t.kind}")


def const(value: Any) -> Val:
    """A literal value with its static type."""
    import datetime as _dt

    if value is None:
        return null_val()
    if isinstance(value, bool):
        return Val(T("bool"), ibis.literal(value, type=dt.boolean), lit=value)
    if isinstance(value, int):
        return Val(T("int"), ibis.literal(value, type=dt.int64), lit=value)
    if isinstance(value, float):
        return Val(T("float"), ibis.literal(value, type=dt.float64), lit=value)
    if isinstance(value, str):
        return Val(T("str"), ibis.literal(value, type=dt.string), lit=value)
    if isinstance(value, _dt.datetime):
        return Val(T("date"), ibis.literal(value), lit=value)
    raise TypeError(f"unsupported literal {value!r}")


_IMAGE_FIELDS = {"path", "width", "height"}
_BOX_FIELDS = {"minX", "maxX", "minY", "maxY"}


def type_from_ibis(typ: dt.DataType, kind: str | None = None) -> T:
    """Map an Ibis type (plus the storage kind, when known) to a static type."""
    if kind == "json":  # irregular nested values: seen as their JSON text
        return T("str")
    if isinstance(typ, dt.Struct):
        names = set(typ.names)
        if kind == "mixed" or (kind is None and names == VARIANT_FIELDS):
            return T("mixed", tags=frozenset(("null", *MIXED_PARTS)))
        if kind == "image" or (kind is None and names >= _IMAGE_FIELDS and ({"digest", "boxes"} & names)):
            return _image_type(typ)
        return T("object", fields=tuple((k, type_from_ibis(v)) for k, v in typ.items()))
    if isinstance(typ, dt.Array):
        return T("array", elem=type_from_ibis(typ.value_type))
    if isinstance(typ, dt.Boolean):
        return T("bool")
    if isinstance(typ, dt.Integer):
        return T("int")
    if isinstance(typ, (dt.Floating, dt.Decimal)):
        return T("float")
    if isinstance(typ, dt.String):
        return T("str")
    if isinstance(typ, (dt.Timestamp, dt.Date)):
        return T("date")
    if isinstance(typ, dt.Null) or (isinstance(typ, dt.Unknown)  # a column of only nulls, as DuckDB reads it
                                     and str(getattr(typ, "raw_type", "")).strip('"').upper() == "NULL"):
        return T("null")
    return T("unsupported", fields=(("ibis", T(str(typ))),))


def _image_type(typ: dt.Struct) -> T:
    fields: list[tuple[str, T]] = []
    for name, sub in typ.items():
        if name == "boxes" and isinstance(sub, dt.Struct):
            layers = tuple((layer, T("array", elem=_box_type(lt.value_type)))
                           for layer, lt in sub.items() if isinstance(lt, dt.Array))
            fields.append((name, T("object", fields=layers, view="boxes")))
        elif name == "masks" and isinstance(sub, dt.Struct):
            fields.append((name, T("object", fields=tuple((k, type_from_ibis(v)) for k, v in sub.items()),
                                   view="masks")))
        else:
            fields.append((name, type_from_ibis(sub)))
    return T("object", fields=tuple(fields), view="image")


def _box_type(typ: dt.DataType) -> T:
    if not isinstance(typ, dt.Struct) or not set(typ.names) >= _BOX_FIELDS:
        return type_from_ibis(typ)
    fields = [(k, type_from_ibis(v)) for k, v in typ.items() if k != "scores"]
    scores = dict(typ.items()).get("scores")
    if isinstance(scores, dt.Struct):
        fields.append(("scores", T("object", fields=tuple((k, type_from_ibis(v)) for k, v in scores.items()))))
    return T("object", fields=tuple(fields), view="box")


_params = itertools.count()


def fresh(fn: Callable[[Any], Any]) -> Callable[..., Any]:
    """`fn` as an array lambda whose parameter name no other lambda uses.

    Engines resolve a lambda parameter by name, so a nested lambda reusing the outer one's name hides it: `$$a`
    inside a `$filter` within a `$map` over `as: 'a'` read the inner element. Ibis names the parameter after the
    Python function's, so each body gets a signature of its own.
    """
    name = f"tl_{next(_params)}"

    def body(**kwargs: Any) -> Any:
        return fn(kwargs[name])

    body.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)])
    return body


def let(value: Any, fn: Callable[[Any], Any]) -> Any:
    """`fn(value)` with `value` computed once per row, however often `fn` uses it.

    SQL repeats a shared sub-expression each time it is used, and engines do not always notice; binding it as
    the element of a one-element list and mapping over that evaluates it once. Needs array lambdas (DuckDB).
    """
    return ibis.array([value]).map(fresh(fn))[0]
