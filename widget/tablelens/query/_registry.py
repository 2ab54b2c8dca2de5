"""The operator registry: `$operator` name -> implementation, filled by the `_ops_*` modules through `@op`.

The compiler looks operators up here; the operator modules register into it when the package is imported
(`tablelens/query/__init__.py` imports each of them once), so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._compile import Compiler
    from ._parse import Node
    from ._values import Val

__all__ = ["MANY", "OPS", "REFUSED", "Env", "OpFn", "op"]

Env = Mapping[str, "Val"]
OpFn = Callable[["Compiler", str, "Node", Env], "Val"]
#: operator name -> implementation
OPS: dict[str, OpFn] = {}
#: the argument count of n-ary operators has no upper bound (the compiler builds balanced trees)
MANY = 2**62
#: operators that would run code: refused by name, with a message saying so
REFUSED = frozenset({"$where", "$function", "$accumulator", "$eval", "$expr"})


def op(*names: str) -> Callable[[OpFn], OpFn]:
    """Register an operator implementation under one or more names."""

    def register(fn: OpFn) -> OpFn:
        for name in names:
            OPS[name] = fn
        return fn

    return register
