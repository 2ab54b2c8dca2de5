"""`tablelens lineage`: the versions and runs upstream (what a version was made from) and downstream (what was
made from it) of one version, as nested data and as a text tree."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from . import _text

__all__ = ["lineage_trees", "render_tree"]


def lineage_trees(graph: dict[str, Any], roots: list[str], depth: int | None = None) -> list[dict[str, Any]]:
    """For each root version: `{"node", "upstream": [...], "downstream": [...]}`, each child a tree of its own
    with `relation` ("made by", "used", "used by", "made"). A node met again in the same tree is not expanded
    again (`repeat`: true), so cycles end."""
    nodes = {n["id"]: n for n in graph["nodes"]}
    into: dict[str, list[str]] = defaultdict(list)  # target -> sources
    out: dict[str, list[str]] = defaultdict(list)  # source -> targets
    for e in graph["edges"]:
        out[e["source"]].append(e["target"])
        into[e["target"]].append(e["source"])

    def walk(node: str, up: bool, level: int, seen: set[str]) -> list[dict[str, Any]]:
        if depth is not None and level >= depth:
            return []
        children = []
        for other in (into if up else out)[node]:
            kind = nodes[other]["kind"]
            relation = ("made by" if kind == "run" else "used") if up else ("used by" if kind == "run" else "made")
            repeat = other in seen
            seen.add(other)
            children.append({"node": nodes[other], "relation": relation, "repeat": repeat,
                             "children": [] if repeat else walk(other, up, level + 1, seen)})
        return children

    return [{"node": nodes[r], "upstream": walk(r, True, 0, {r}), "downstream": walk(r, False, 0, {r})}
            for r in roots]


def label(node: dict[str, Any]) -> str:
    if node["kind"] == "run":
        job = f" [{node['job_type']}]" if node.get("job_type") else ""
        return f"run {_text.clean(node.get('name'))}{job}  {_text.when(node.get('started_at'))}"
    aliases = f"; {', '.join(node.get('aliases') or [])}" if node.get("aliases") else ""
    return f"{node['id']} ({_text.clean(node.get('type'))}{aliases})"


def render_tree(tree: dict[str, Any]) -> str:
    """One root's tree: upstream branches first, then downstream, drawn with box characters."""
    lines = [label(tree["node"])]
    branches = [*tree["upstream"], *tree["downstream"]]
    if not branches:
        lines.append("└── (no run made or used it)")

    def draw(items: list[dict[str, Any]], prefix: str) -> None:
        for i, item in enumerate(items):
            last = i == len(items) - 1
            more = " (see above)" if item["repeat"] else ""
            lines.append(f"{prefix}{'└── ' if last else '├── '}{item['relation']}  {label(item['node'])}{more}")
            draw(item["children"], prefix + ("    " if last else "│   "))

    draw(branches, "")
    return "\n".join(lines)
