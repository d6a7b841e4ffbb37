"""The `brainlab` command: one subcommand per part (`nn`, `text`, `brain`) and `demo`.

Bad input ends with one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys


class _Parser(argparse.ArgumentParser):
    def error(self, message):   # argparse's own errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser():
    from .nn import commands as nn_commands

    parser = _Parser(prog="brainlab", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    nn_commands.register(subparsers)
    for module in ("brainlab.text.commands", "brainlab.brain.commands"):
        try:
            __import__(module, fromlist=["register"]).register(subparsers)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    demo = subparsers.add_parser("demo", help="the main job on the shipped defaults")
    demo.set_defaults(handler=_demo)
    return parser


def _version():
    from . import __version__
    return f"brainlab {__version__}"


def _demo(args):
    try:
        from .text.commands import run_demo
    except ModuleNotFoundError:
        from .nn.commands import run_xor
        from pathlib import Path
        return run_xor(argparse.Namespace(out=Path("out/xor"), epochs=5000,
                                          learning_rate=2.0, seed=0))
    return run_demo(args)


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        result = args.handler(args)
    except (ValueError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
            PermissionError, UnicodeDecodeError) as error:
        message = " ".join(str(error).split())
        print(f"brainlab: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("brainlab: interrupted", file=sys.stderr)
        return 130
    return 0 if result is None else int(result)


if __name__ == "__main__":
    sys.exit(main())
