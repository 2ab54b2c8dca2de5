"""`python -m tablelens.demo --store DIR [--quick]`: generate the demo artifacts (idempotent)."""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and fill the store; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tablelens.demo", description=__doc__)
    parser.add_argument("--store", default=os.environ.get("TABLELENS_DIR") or "tablelens-store",
                        help="the store folder to fill (default: $TABLELENS_DIR, else ./tablelens-store)")
    parser.add_argument("--quick", action="store_true", help="skip the 10M-row table")
    parser.add_argument("--large-rows", type=int, default=None,
                        help="rows of the large table (default: $TABLELENS_DEMO_ROWS, else 10,000,000)")
    args = parser.parse_args(argv)
    from . import generate

    print(f"tablelens demo data in {os.path.abspath(args.store)}")
    generate(args.store, quick=args.quick, large_rows=args.large_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
