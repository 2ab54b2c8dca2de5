"""Artifact names, version specs and aliases: what may be written where a name is expected."""

from __future__ import annotations

import re

__all__ = ["ALIAS", "NAME", "VERSION", "check_name", "parse_spec"]

NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
VERSION = re.compile(r"^v(\d+)$")
ALIAS = NAME


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.match(name) or name in (".", ".."):
        raise ValueError(
            f"artifact name {name!r} may hold only letters, digits, '-', '_' and '.'; choose another name"
        )
    return name


def parse_spec(spec: str) -> tuple[str, str]:
    """'name:v3' | 'name:latest' | 'name:ALIAS' | 'name' -> (name, version-or-alias)."""
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"an artifact is named 'name:v3', 'name:latest' or 'name:ALIAS', got {spec!r}")
    name, _, version = spec.rpartition(":") if ":" in spec else (spec, "", "latest")
    return check_name(name.split("/")[-1]), version or "latest"
