"""The `tablelens` command: look at a store, query its tables, move aliases, delete versions, verify and gc.

Each verb has `--help`. The store is `--store DIR`, else `$TABLELENS_DIR`, else `./tablelens-store`. Exit
status: 0 done, 1 something named was not found, a filter was wrong or `verify` found problems (the message is
on stderr), 2 the command line was wrong. docs/cli.md is the manual.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .._core.errors import TablelensError
from . import _commands

__all__ = ["build_parser", "main"]

EPILOG = ("The store is --store DIR, else $TABLELENS_DIR, else ./tablelens-store. Exit status: 0 ok, 1 not found, "
          "bad filter or problems found (message on stderr), 2 usage.")


def _common() -> argparse.ArgumentParser:
    """Options every verb takes, before or after it (`tablelens --store S ls` and `tablelens ls --store S`)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--store", metavar="DIR", default=argparse.SUPPRESS,
                   help="the store folder (default: $TABLELENS_DIR, else ./tablelens-store)")
    return p


def _json() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--json", action="store_true", help="print JSON for scripts instead of text")
    return p


def build_parser() -> argparse.ArgumentParser:
    common, as_json = _common(), _json()
    parser = argparse.ArgumentParser(
        prog="tablelens", parents=[common],
        description="Look at a tablelens store from a terminal: artifacts, versions, tables, lineage; query a "
                    "table; manage aliases; delete versions; verify and gc.", epilog=EPILOG)
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(name: str, help: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[common, *parents], epilog=EPILOG)

    p = verb("ls", "List the artifacts (grouped by type), or the versions of artifact NAME.", as_json)
    p.add_argument("name", nargs="?", metavar="NAME", help="an artifact: list its versions")
    p.set_defaults(func=_commands.ls)

    p = verb("show", "Show a version: fields, aliases, the runs that made and used it, its tables (rows and "
                     "schema) and its files (the manifest).", as_json)
    p.add_argument("spec", metavar="NAME[:VERSION]", help="name:v3, name:ALIAS or name (the latest version)")
    p.add_argument("--files", action="store_true", help="list every file (default: the first 20)")
    p.set_defaults(func=_commands.show)

    p = verb("query", "Filter, group and sort a table; print the first rows, or write every row as CSV, JSON "
                      "lines or Parquet (streamed by the engine: any size).")
    p.add_argument("spec", metavar="NAME[:VERSION]")
    p.add_argument("--table", "-t", metavar="T", help="the table (default: the version's only table)")
    p.add_argument("--filter", "-f", metavar="EXPR", default="",
                   help="a filter expression, e.g. \"{$gt: ['$score', 0.5]}\" (docs/filters.md); default: every row")
    p.add_argument("--group-by", "-g", metavar="K", action="append", default=[],
                   help="group by a column or path (repeat for several keys)")
    p.add_argument("--sort", "-s", metavar="K", action="append", default=[],
                   help="sort key, 'score' or 'score:desc' (repeat for several keys)")
    p.add_argument("--format", choices=("table", "csv", "parquet", "jsonl"), default=None,
                   help="table (the first rows, for people; the default on a terminal), csv, jsonl or parquet "
                        "(every row; the default with -o is taken from the file's extension)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write to FILE (written aside and renamed: never half a file); default: standard output")
    p.add_argument("--limit", "-n", type=int, default=20, metavar="N", help="rows shown by --format table (20)")
    p.add_argument("--no-key", action="store_true", help="leave out the _key column (each row's position)")
    p.set_defaults(func=_commands.query)

    p = verb("export", "Write a version to a folder: the W&B artifact layout (wandb) or its files as stored.")
    p.add_argument("spec", metavar="NAME[:VERSION]")
    p.add_argument("dir", metavar="DIR", help="the folder to write; it must not exist or be empty")
    p.add_argument("--format", choices=("wandb", "tablelens"), default="wandb",
                   help="wandb (table.json and media, as W&B writes them; default) or tablelens (files as stored)")
    p.set_defaults(func=_commands.export)

    p = verb("import", "Log a W&B artifact folder (a download from W&B or a folder the wandb SDK staged) as a "
                       "new version.", as_json)
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--name", help="the artifact's name (default: from the folder)")
    p.add_argument("--type", default="dataset", help="the artifact's type (default: dataset)")
    p.add_argument("--alias", action="append", default=[], metavar="ALIAS", help="an alias for the new version")
    p.add_argument("--description", help="a description of the new version")
    p.set_defaults(func=_commands.import_)

    p = verb("lineage", "Print the runs and versions upstream (made from) and downstream (made with) a version, "
                        "or every version of NAME, as a tree.", as_json)
    p.add_argument("spec", metavar="NAME[:VERSION]")
    p.add_argument("--depth", type=int, default=None, metavar="N", help="levels to follow each way (default: all)")
    p.set_defaults(func=_commands.lineage)

    p = verb("alias", "Add, move, remove or list aliases.")
    asub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = asub.add_parser("set", parents=[common], help="point ALIAS at a version (moving it if it names another)",
                        description="Point ALIAS at a version, moving it if it names another; the move is "
                                    "recorded in the alias's history.", epilog=EPILOG)
    a.add_argument("spec", metavar="NAME:VERSION")
    a.add_argument("alias", metavar="ALIAS")
    a.set_defaults(func=_commands.alias_set)
    a = asub.add_parser("rm", parents=[common], help="remove ALIAS of artifact NAME",
                        description="Remove an alias (the version stays).", epilog=EPILOG)
    a.add_argument("name", metavar="NAME")
    a.add_argument("alias", metavar="ALIAS")
    a.set_defaults(func=_commands.alias_rm)
    a = asub.add_parser("ls", parents=[common, as_json], help="list the aliases of NAME (--history: every move)",
                        description="List the aliases of an artifact and the versions they name.", epilog=EPILOG)
    a.add_argument("name", metavar="NAME")
    a.add_argument("--history", action="store_true", help="every recorded move, oldest first")
    a.set_defaults(func=_commands.alias_ls)

    p = verb("rm", "Delete a version (refused while an alias names it, unless --force, which removes those "
                   "aliases). Its bytes stay until `tablelens gc`.")
    p.add_argument("spec", metavar="NAME:VERSION")
    p.add_argument("--force", action="store_true", help="delete even if aliases name it (removing them)")
    p.set_defaults(func=_commands.rm)

    p = verb("edit", "Edit a version's description or metadata (recorded beside it; its digest and files never "
                     "change).", as_json)
    p.add_argument("spec", metavar="NAME:VERSION")
    p.add_argument("--description", "-d", metavar="TEXT", help="the new description ('' clears it)")
    p.add_argument("--metadata", metavar="JSON", help="replace the metadata with this JSON object")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="set a metadata key (VALUE is JSON, else taken as a string); repeatable")
    p.add_argument("--unset", action="append", default=[], metavar="KEY", help="remove a metadata key; repeatable")
    p.add_argument("--history", action="store_true", help="print the version's edits instead of editing")
    p.set_defaults(func=_commands.edit)

    p = verb("verify", "Check every object's hash, every manifest, alias and record (like git fsck); exit 1 when "
                       "something is damaged or missing.", as_json)
    p.set_defaults(func=_commands.verify)

    p = verb("gc", "Remove objects no version uses and what dead writers left.", as_json)
    p.add_argument("--dry-run", "-n", action="store_true", help="list what would be removed; remove nothing")
    p.set_defaults(func=_commands.gc)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (the console script exits with it)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.store = getattr(args, "store", None) or os.environ.get("TABLELENS_DIR") or "tablelens-store"
    try:
        return int(args.func(args) or 0)
    except _commands.Failure as e:
        print(f"tablelens: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `tablelens query ... | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (TablelensError, KeyError, ValueError, TypeError, OSError) as e:
        message = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
        print(f"tablelens: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
