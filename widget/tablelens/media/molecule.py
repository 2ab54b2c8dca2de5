"""`Molecule`: a molecule file, as `wandb.Molecule` (pdb, pqr, mmcif, mcif, cif, sdf, sd, gro, mol2, mmtf).

The file is kept as it is. Atom coordinates are read from the text formats tablelens can parse by hand — PDB/PQR
(`ATOM`/`HETATM` records), SDF/MOL (the V2000 atom block), mol2 (`@<TRIPOS>ATOM`) and GRO — so the Explorer can
draw a molecule as a cloud of element-coloured atoms; other formats (mmCIF, binary MMTF) are stored and exported
but shown as a file card.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core.errors import MediaFileError
from ._mediafile import FileMedia, MediaFile, as_path, read_text_arg

__all__ = ["Atoms", "Molecule", "molecule_atoms"]

SUPPORTED_TYPES = ("pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro", "mol2", "mmtf")


class Molecule(FileMedia):
    """A molecule file with an optional caption (the `wandb.Molecule` API)."""

    SUPPORTED_TYPES = frozenset(SUPPORTED_TYPES)

    def __init__(self, data_or_path: Any, caption: str | None = None, file_type: str | None = None) -> None:
        if isinstance(data_or_path, Molecule):
            self._file, self._atoms = data_or_path._file, data_or_path._atoms
            caption = data_or_path._caption if caption is None else caption
        elif (path := as_path(data_or_path)) is not None:
            ext = os.path.splitext(path)[1].lstrip(".").lower()
            if ext not in SUPPORTED_TYPES:
                raise MediaFileError(f"molecule file {path!r}: Molecule reads {', '.join(SUPPORTED_TYPES)} files",
                                     "unsupported")
            self._file = MediaFile.from_path(path, ext, "molecule file")
            self._atoms = _count(self._file, path)
        elif (text := read_text_arg(data_or_path)) is not None:
            if file_type not in SUPPORTED_TYPES:
                raise ValueError(f"Molecule needs file_type= (one of {', '.join(SUPPORTED_TYPES)}) for a file object")
            self._file = MediaFile(ext=file_type, data=text.encode("utf-8"))
            self._atoms = _count(self._file, f"the {file_type} text")
        else:
            raise TypeError(f"Molecule takes a file path or a file object, got {type(data_or_path).__name__}")
        self._caption = None if caption is None else str(caption)

    @property
    def num_atoms(self) -> int | None:
        return self._atoms

    def __repr__(self) -> str:
        atoms = f", {self._atoms} atoms" if self._atoms is not None else ""
        return f"Molecule({self.format}{atoms})"

    def _facts(self) -> dict[str, Any]:
        return {"atoms": self._atoms}

    @classmethod
    def _restore(cls, file: MediaFile, record: dict[str, Any]) -> Molecule:
        m = cls.__new__(cls)
        m._file, m._atoms, m._caption = file, record.get("atoms"), record.get("caption")
        return m


@dataclass
class Atoms:
    elements: list[str]
    xyz: np.ndarray  # (N, 3)


def _count(file: MediaFile, name: str) -> int | None:
    atoms = molecule_atoms(file, name)
    return None if atoms is None else len(atoms.elements)


def molecule_atoms(file: MediaFile, name: str) -> Atoms | None:
    """The atoms of a text molecule file (None for formats not parsed here); MediaFileError when garbled."""
    parse = {"pdb": _pdb, "pqr": _pdb, "sdf": _sdf, "sd": _sdf, "mol2": _mol2, "gro": _gro}.get(file.ext)
    if parse is None:
        return None
    try:
        text = file.read_bytes().decode("utf-8", errors="replace")
        elements, xyz = parse(text.splitlines())
    except (ValueError, IndexError) as e:
        raise MediaFileError(f"molecule file {name!r} ({file.ext}) cannot be read: {e}", "corrupt") from None
    return Atoms(elements, np.asarray(xyz, dtype=np.float64).reshape(-1, 3))


def _pdb(lines: list[str]) -> tuple[list[str], list[list[float]]]:
    els, xyz = [], []
    for i, line in enumerate(lines):
        if line.startswith(("ATOM", "HETATM")):
            try:
                xyz.append([float(line[30:38]), float(line[38:46]), float(line[46:54])])
            except ValueError:
                raise ValueError(f"line {i + 1}: the coordinates (columns 31-54) are not numbers") from None
            el = line[76:78].strip() if len(line) >= 78 else ""
            els.append(el or line[12:16].strip()[:1])
    return els, xyz


def _sdf(lines: list[str]) -> tuple[list[str], list[list[float]]]:
    if len(lines) < 4:
        raise ValueError("the header (3 lines and a counts line) is missing")
    n = int(lines[3][:3])
    els, xyz = [], []
    for line in lines[4:4 + n]:
        parts = line.split()
        xyz.append([float(parts[0]), float(parts[1]), float(parts[2])])
        els.append(parts[3])
    return els, xyz


def _mol2(lines: list[str]) -> tuple[list[str], list[list[float]]]:
    els, xyz, on = [], [], False
    for line in lines:
        if line.startswith("@<TRIPOS>"):
            on = line.strip() == "@<TRIPOS>ATOM"
            continue
        if on and line.strip():
            parts = line.split()
            xyz.append([float(parts[2]), float(parts[3]), float(parts[4])])
            els.append(parts[5].split(".")[0])
    return els, xyz


def _gro(lines: list[str]) -> tuple[list[str], list[list[float]]]:
    n = int(lines[1].strip())
    els, xyz = [], []
    for line in lines[2:2 + n]:
        xyz.append([float(line[20:28]) * 10, float(line[28:36]) * 10, float(line[36:44]) * 10])  # nm -> Å
        els.append(line[10:15].strip()[:1])
    return els, xyz
