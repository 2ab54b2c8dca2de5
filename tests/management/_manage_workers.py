"""Processes of the management concurrency tests (a module of its own: `spawn` children import it by name)."""

from __future__ import annotations

import random
from typing import Any


def move_aliases(store: str, who: int, moves: int, versions: int, barrier: Any, out: Any) -> None:
    """Move the shared alias `production` and this writer's own alias `mine-<who>` `moves` times each."""
    import tablelens as tl

    s = tl.Store(store)
    rng = random.Random(who)
    mine = []
    barrier.wait(timeout=120)
    for _ in range(moves):
        s.alias(f"preds:v{rng.randrange(versions)}", "production")
        v = f"v{rng.randrange(versions)}"
        s.set_alias("preds", f"mine-{who}", v)
        mine.append(v)
    out.put((who, mine))


def race_round(store: str, role: str, rounds: int, barrier: Any, out: Any) -> None:
    """Each round, at once: the mover points `prod` at v<round+1>, the deleter deletes v<round+1>."""
    import tablelens as tl

    s = tl.Store(store)
    for r in range(rounds):
        spec = f"preds:v{r + 1}"
        barrier.wait(timeout=120)
        try:
            if role == "mover":
                s.alias(spec, "prod")
            else:
                s.delete(spec)
            out.put((r, role, "ok"))
        except tl.VersionInUseError:
            out.put((r, role, "in-use"))
        except tl.ArtifactNotFoundError:
            out.put((r, role, "gone"))


def edit_keys(store: str, who: int, edits: int, barrier: Any, out: Any) -> None:
    """Set this editor's own metadata key `edits` times on one version (other editors set theirs at once)."""
    import tablelens as tl

    s = tl.Store(store)
    barrier.wait(timeout=120)
    for i in range(edits):
        s.edit("preds:v0", update_metadata={f"k{who}": i})
    out.put(who)
