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
    from .brain import commands as brain_commands
    from .nn import commands as nn_commands
    from .text import commands as text_commands

    parser = _Parser(prog="brainlab", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for part in (nn_commands, text_commands, brain_commands):
        part.register(subparsers)
    demo = subparsers.add_parser("demo", help="scratch vs. features vs. finetune vs. "
                                 "contrastive on BBC News or the Chinese reviews (under 10 "
                                 "minutes on 2 cores)")
    demo.add_argument("data", nargs="?", default="bbc-news", choices=tuple(text_commands.DEMOS),
                      help="the shipped data set to run on (default bbc-news)")
    demo.set_defaults(handler=text_commands.run_demo)
    return parser


def _version():
    from . import __version__
    return f"brainlab {__version__}"


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
