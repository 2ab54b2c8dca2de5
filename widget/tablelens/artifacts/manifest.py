"""Version manifests and alias files as stored: their fields, their digests, and the checks made on every read.

A manifest carries two digests: `digest`, the sha256 of its sorted (logical path, object digest) pairs (the
artifact's identity: identical contents, identical digest), and `checksum`, the sha256 of every other field in
canonical JSON. A manifest whose entry digest was swapped for another valid object, or any other changed byte,
fails one of them. Alias files carry a `checksum` too. Files written before checksums existed (no `checksum`
field, nothing else unknown) are still read, checked by `digest` alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .._core.errors import CorruptFileError, DamagedObjectError
from .._core.hashing import sha256_bytes
from .._core.paths import check_logical_path
from .objects import DIGEST

__all__ = [
    "check_alias",
    "check_manifest",
    "contents_digest",
    "dumps",
    "is_tombstone",
    "seal",
]

_MANIFEST_FIELDS = frozenset({"name", "type", "version", "digest", "description", "metadata", "created_at", "run",
                              "contents"})
_TOMBSTONE_FIELDS = frozenset({"name", "version", "deleted", "deleted_at"})
_ALIAS_FIELDS = frozenset({"alias", "name", "version"})
_ENTRY_FIELDS = frozenset({"digest", "size", "ref"})


def contents_digest(pairs: Iterable[tuple[str, str]]) -> str:
    """The artifact digest: sha256 of the sorted (logical path, object digest) pairs."""
    return sha256_bytes(json.dumps(sorted(pairs)).encode())


def _canonical(record: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != "checksum"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True).encode()


def seal(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with its `checksum`."""
    return {**record, "checksum": sha256_bytes(_canonical(record))}


def dumps(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, indent=1, sort_keys=True).encode()


def loads(raw: bytes, what: str, file: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise CorruptFileError(f"{what} {file!r} is not valid JSON ({e}); it is damaged") from None


def _check_checksum(record: Mapping[str, Any], fields: frozenset[str], what: str, file: str, place: str,
                    artifact: str | None) -> None:
    unknown = set(record) - fields - {"checksum"}
    if unknown:
        raise CorruptFileError(f"{what} {file!r} has unknown fields {sorted(unknown)}; it is damaged")
    if "checksum" in record:
        want = record["checksum"]
        actual = sha256_bytes(_canonical(record))
        if want != actual:
            raise DamagedObjectError(file, place, actual, artifact=artifact, detail=(
                f"the {what} does not match its checksum (it was changed after it was written)"))


def is_tombstone(record: Any) -> bool:
    return isinstance(record, dict) and record.get("deleted") is True


def check_manifest(record: Any, name: str, version: str, file: str, place: str) -> dict[str, Any]:
    """The manifest read from `file` (`place`: where it is in the store), checked; raises on any fault."""
    spec = f"{name}:{version}"
    if not isinstance(record, dict):
        raise CorruptFileError(f"manifest {file!r} holds a {type(record).__name__}, not a manifest; it is damaged")
    if isinstance(record.get("contents"), dict):  # an unsafe path is named as such, whatever else is wrong
        for p in record["contents"]:
            check_logical_path(p, f"manifest {file!r}: path")
    fields = _TOMBSTONE_FIELDS if is_tombstone(record) else _MANIFEST_FIELDS
    _check_checksum(record, fields, "manifest", file, place, spec)
    if record.get("name") != name or record.get("version") != version:
        raise CorruptFileError(f"manifest {file!r} says it is {record.get('name')!r}:{record.get('version')!r}, "
                               f"not {spec}; it is damaged or was moved")
    if is_tombstone(record):
        return record
    contents = record.get("contents")
    if not isinstance(contents, dict):
        raise CorruptFileError(f"manifest {file!r} has no 'contents'")
    for p, e in contents.items():
        check_logical_path(p, f"manifest {file!r}: path")
        if not isinstance(e, dict) or not isinstance(e.get("digest"), str) or not DIGEST.match(e["digest"]):
            raise CorruptFileError(f"manifest {file!r}: entry {p!r} has no valid digest; it is damaged")
        if set(e) - _ENTRY_FIELDS or not isinstance(e.get("size", 0), int) or (
                e.get("ref") is not None and not isinstance(e["ref"], str)):
            raise CorruptFileError(f"manifest {file!r}: entry {p!r} is malformed ({e!r}); it is damaged")
    actual = contents_digest((p, e["digest"]) for p, e in contents.items())
    if record.get("digest") != actual:
        raise DamagedObjectError(file, place, actual, artifact=spec, detail=(
            "its entries do not match the artifact digest it records (an entry was changed after it was written)"))
    return record


def check_alias(record: Any, name: str, alias: str, file: str, place: str) -> str:
    """The version (or, in files written by hand, the alias) an alias file names, checked."""
    if not isinstance(record, dict) or not isinstance(record.get("version"), str):
        raise CorruptFileError(f"alias file {file!r} does not name a version; it is damaged")
    _check_checksum(record, _ALIAS_FIELDS, "alias file", file, place, f"{name}:{alias}")
    if "checksum" in record and (record.get("name") != name or record.get("alias") != alias):
        raise CorruptFileError(f"alias file {file!r} is for {record.get('name')!r}:{record.get('alias')!r}, not "
                               f"{name}:{alias}; it is damaged or was moved")
    return record["version"]
