"""Values computed by the engine as Python values, given their static type (used by `evaluate`).

Stored columns decode through `tablelens.codec`; a computed value may be a variant (its type known only per row)
or an array of them, which this walks.
"""

from __future__ import annotations

from typing import Any

from ..codec import decode_variant

__all__ = ["decode_value"]


def decode_value(v: Any, t: Any) -> Any:
    """A result cell as the Python value it stands for, given its static type (mixed parts decoded)."""
    if v is None:
        return None
    if t.kind == "mixed":
        return decode_variant(v)
    if t.kind == "array" and t.elem is not None:
        return [decode_value(x, t.elem) for x in v]
    if t.kind == "object" and isinstance(v, dict):
        return {k: decode_value(v.get(k), sub) for k, sub in t.fields}
    return v
