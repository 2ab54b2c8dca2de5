"""Pascal VOC detection annotations (one XML file per image), read into a Table and written back.

The layout is VOC's devkit (VOC2007/VOC2012, also what LabelImg and CVAT export): `Annotations/<id>.xml`,
`JPEGImages/<filename>`, and optional image sets `ImageSets/Main/<set>.txt` listing ids. Each `<object>` has a
`<name>`, `<pose>`, `<truncated>`, `<difficult>` (optional `<occluded>`) and a `<bndbox>` of `xmin ymin xmax
ymax` in pixels (VOC counts them from 1; they are kept as written). `<part>` boxes (person layout) and the
segmentation PNGs are not read.
"""

from __future__ import annotations

import math
import os
import xml.parsers.expat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from .._core.errors import FormatError
from ..media.classes import Classes
from ..media.image import Image, Pixels
from ..model import Table
from ..model.converters import register_converter
from ._common import atomic_write, box_corners, table_rows, write_image_file

__all__ = ["VOC_CLASSES", "read_voc", "write_voc"]

# VOC's 20 classes in the devkit's order: ids 1-20, as the indices of its segmentation PNGs (0 is background)
VOC_CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
               "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train",
               "tvmonitor")
COLUMNS = ["image_id", "file_name", "width", "height", "image", "objects"]


@dataclass
class _Node:
    tag: str
    line: int
    text: str = ""
    children: list[_Node] = field(default_factory=list)

    def find(self, tag: str) -> _Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]


def _parse(path: str) -> _Node:
    """The XML file as a tree of nodes that know their line (ElementTree's C parser does not keep lines)."""
    parser = xml.parsers.expat.ParserCreate()
    root = _Node("", 0)
    stack = [root]

    def start(tag: str, _attrs: dict[str, str]) -> None:
        node = _Node(tag, parser.CurrentLineNumber)
        stack[-1].children.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        node = stack.pop()
        node.text = node.text.strip()

    def chars(data: str) -> None:
        stack[-1].text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        with open(path, "rb") as f:
            parser.ParseFile(f)
    except xml.parsers.expat.ExpatError as e:
        raise FormatError(f"not valid XML: {xml.parsers.expat.errors.messages[e.code]}", file=path,
                          line=e.lineno) from None
    if not root.children or root.children[0].tag != "annotation":
        raise FormatError("a VOC annotation file holds one <annotation> element", file=path, line=1)
    return root.children[0]


def _number(node: _Node | None, parent: _Node, tag: str, file: str, where: str) -> float:
    if node is None:
        raise FormatError(f"<{tag}> is missing", file=file, line=parent.line, field=f"{where}.{tag}")
    try:
        v = float(node.text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        raise FormatError(f"must be a number, got {node.text!r}", file=file, line=node.line, field=f"{where}.{tag}")
    return v


def _flag(node: _Node | None, file: str, where: str) -> int:
    if node is None or node.text == "":
        return 0
    if node.text not in ("0", "1"):
        raise FormatError(f"must be 0 or 1, got {node.text!r}", file=file, line=node.line, field=where)
    return int(node.text)


# ------------------------------------------------------------------------------------------------------ reading
def read_voc(
    path: str | os.PathLike[str],
    *,
    image_set: str | None = None,
    classes: Sequence[str] | None = None,
    layer: str = "ground_truth",
) -> Table:
    """A table of a VOC dataset: one row per annotation file (`image_id`, `file_name`, `width`, `height`,
    `image`, and `objects`: per box, its name, pose, truncated, difficult and occluded flags).

    `path` is the folder holding `Annotations/` and `JPEGImages/` (VOC2007, VOC2012, ...). `image_set` reads
    only the ids listed in `ImageSets/Main/<image_set>.txt`. Class ids start at 1 (0 is left for "no object", as
    in VOC's segmentation PNGs), in the order of `classes` — by default VOC's 20 classes in the devkit's order
    when every name is one of them, else the names found, sorted.
    """
    root = os.fspath(path)
    ann_dir = os.path.join(root, "Annotations")
    if not os.path.isdir(ann_dir):
        raise FormatError("no Annotations/ folder: not a VOC dataset", file=root)
    if image_set is not None:
        listing = os.path.join(root, "ImageSets", "Main", f"{image_set}.txt")
        if not os.path.isfile(listing):
            raise FormatError(f"no image set {image_set!r}", file=listing)
        with open(listing, encoding="utf-8") as f:
            ids = [line.split()[0] for line in f if line.strip()]
        files = [os.path.join(ann_dir, f"{i}.xml") for i in ids]
        for n, fp in enumerate(files, 1):
            if not os.path.isfile(fp):
                raise FormatError(f"the annotation file {fp!r} does not exist", file=listing, line=n)
    else:
        files = sorted(os.path.join(ann_dir, n) for n in os.listdir(ann_dir) if n.endswith(".xml"))
    parsed = [_read_file(fp, root) for fp in files]
    names = sorted({o["name"] for *_, objs in parsed for o in objs})
    if classes is None:
        order = list(VOC_CLASSES) if set(names) <= set(VOC_CLASSES) else names
    else:
        order = list(classes)
        for fp, *_, objs in parsed:
            for k, o in enumerate(objs):
                if o["name"] not in order:
                    raise FormatError(f"{o['name']!r} is not one of the classes given", file=fp,
                                      field=f"object[{k}].name")
    class_set = Classes([{"id": i + 1, "name": n} for i, n in enumerate(order)])
    ids = {n: i + 1 for i, n in enumerate(order)}
    rows = []
    for fp, file_name, image_path, size, boxes, objs in parsed:
        for box, o in zip(boxes, objs):
            box["class_id"] = ids[o["name"]]
        img = Image._restore(Pixels(path=image_path, size=size), None, class_set, {layer: boxes}, {})
        width, height = size if size is not None else (None, None)
        rows.append([os.path.splitext(os.path.basename(fp))[0], file_name, width, height, img, objs])
    return Table(columns=COLUMNS, data=rows)


def _read_file(fp: str, root: str) -> tuple[str, str, str, tuple[int, int] | None, list[dict[str, Any]],
                                            list[dict[str, Any]]]:
    doc = _parse(fp)
    stem = os.path.splitext(os.path.basename(fp))[0]
    fn = doc.find("filename")
    file_name = fn.text if fn is not None and fn.text else f"{stem}.jpg"
    image_path = os.path.join(root, "JPEGImages", file_name)
    if not os.path.isfile(image_path):
        raise FormatError(f"the image file {image_path!r} does not exist", file=fp,
                          line=fn.line if fn is not None else doc.line, field="filename")
    size = None
    sz = doc.find("size")
    if sz is not None:
        w = _number(sz.find("width"), sz, "width", fp, "size")
        h = _number(sz.find("height"), sz, "height", fp, "size")
        if w > 0 and h > 0:  # some tools write 0 when they did not know: then the file says
            size = (int(w), int(h))
    boxes, objs = [], []
    for k, ob in enumerate(doc.findall("object")):
        where = f"object[{k}]"
        name = ob.find("name")
        if name is None or not name.text:
            raise FormatError("<name> is missing", file=fp, line=ob.line, field=f"{where}.name")
        bb = ob.find("bndbox")
        if bb is None:
            raise FormatError("<bndbox> is missing", file=fp, line=ob.line, field=f"{where}.bndbox")
        c = {t: _number(bb.find(t), bb, t, fp, f"{where}.bndbox") for t in ("xmin", "ymin", "xmax", "ymax")}
        for lo, hi in (("xmin", "xmax"), ("ymin", "ymax")):
            if c[lo] > c[hi]:
                raise FormatError(f"{lo} ({c[lo]:g}) is greater than {hi} ({c[hi]:g})", file=fp, line=bb.line,
                                  field=f"{where}.bndbox")
        pos = {k2: (int(v) if v.is_integer() else v) for k2, v in
               (("minX", c["xmin"]), ("maxX", c["xmax"]), ("minY", c["ymin"]), ("maxY", c["ymax"]))}
        boxes.append({"position": pos, "domain": "pixel"})
        pose = ob.find("pose")
        occluded = ob.find("occluded")
        objs.append({"name": name.text, "pose": pose.text if pose is not None else "Unspecified",
                     "truncated": _flag(ob.find("truncated"), fp, f"{where}.truncated"),
                     "difficult": _flag(ob.find("difficult"), fp, f"{where}.difficult"),
                     "occluded": _flag(occluded, fp, f"{where}.occluded") if occluded is not None else None})
    return fp, file_name, image_path, size, boxes, objs


# ------------------------------------------------------------------------------------------------------ writing
def write_voc(
    table: Table,
    folder: str | os.PathLike[str],
    *,
    layer: str = "ground_truth",
    image: str | None = None,
) -> str:
    """Write the table as a VOC dataset in `folder` (`Annotations/<id>.xml`, `JPEGImages/`, and
    `ImageSets/Main/<split>.txt` when the table has a `split` column); returns the folder.

    Ids and file names come from the `image_id` and `file_name` columns when present; the class of a box is its
    class set's name; pose, truncated, difficult and occluded come from the `objects` column of `read_voc`
    (else Unspecified and 0). Relative boxes are written in pixels.
    """
    folder = os.fspath(folder)
    rows = table_rows(table, image)
    classes = rows.classes()
    sets: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, row, img in rows.images():
        image_id = str(rows.value(row, "image_id", i))
        if image_id in seen or "/" in image_id or image_id.startswith("."):
            raise ValueError(f"row {i}: image id {image_id!r} is not a unique file name")
        seen.add(image_id)
        file_name = rows.value(row, "file_name")
        if not isinstance(file_name, str):
            file_name = f"{image_id}.{'jpg' if img.format == 'jpeg' else img.format}"
        file_name = os.path.basename(file_name)
        write_image_file(img, os.path.join(folder, "JPEGImages", file_name))
        boxes = img._box_layers.get(layer) or []
        objs = rows.value(row, "objects")
        if objs is not None and len(objs) != len(boxes):
            objs = None
        w, h = img.width, img.height
        parts = ["<annotation>", f"\t<folder>{escape(os.path.basename(folder))}</folder>",
                 f"\t<filename>{escape(file_name)}</filename>",
                 f"\t<size>\n\t\t<width>{w}</width>\n\t\t<height>{h}</height>\n\t\t<depth>3</depth>\n\t</size>",
                 "\t<segmented>0</segmented>"]
        for k, box in enumerate(boxes):
            cid = box["class_id"]
            name = (classes.name(cid) if classes is not None else None) or str(cid)
            o = objs[k] if objs is not None else {}
            x0, y0, x1, y1 = box_corners(box, w, h)
            parts.append("\t<object>")
            parts.append(f"\t\t<name>{escape(name)}</name>")
            parts.append(f"\t\t<pose>{escape(str(o.get('pose') or 'Unspecified'))}</pose>")
            parts.append(f"\t\t<truncated>{int(o.get('truncated') or 0)}</truncated>")
            if o.get("occluded") is not None:
                parts.append(f"\t\t<occluded>{int(o['occluded'])}</occluded>")
            parts.append(f"\t\t<difficult>{int(o.get('difficult') or 0)}</difficult>")
            parts.append("\t\t<bndbox>" + "".join(
                f"\n\t\t\t<{t}>{_coord(v)}</{t}>" for t, v in (("xmin", x0), ("ymin", y0), ("xmax", x1),
                                                               ("ymax", y1))) + "\n\t\t</bndbox>")
            parts.append("\t</object>")
        parts.append("</annotation>\n")
        atomic_write(os.path.join(folder, "Annotations", f"{image_id}.xml"), "\n".join(parts))
        split = rows.value(row, "split")
        if isinstance(split, str) and split:
            sets.setdefault(split, []).append(image_id)
    for split, ids in sets.items():
        atomic_write(os.path.join(folder, "ImageSets", "Main", f"{split}.txt"), "".join(f"{i}\n" for i in ids))
    return folder


def _coord(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


register_converter("voc", read_voc, write_voc)
