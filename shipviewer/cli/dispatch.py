"""Running a parsed subcommand with one error policy, shared by ``shipviewer`` and ``python -m training.cli``.

It lives apart from :mod:`shipviewer.cli.main` so that ``training.cli`` can use it without importing the
parser that in turn imports ``training.cli`` (that was a two-module import circle).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A problem with the user's input: printed as one clear line, no traceback."""


def dispatch(args: argparse.Namespace) -> int:
    """Run a parsed command's handler; a user's mistake is one line on stderr, never a traceback."""
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (UserError, OSError, ValueError, RuntimeError) as exc:
        if os.environ.get("SHIPVIEWER_DEBUG"):
            raise
        print(f"shipviewer {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, UserError) else EXIT_PROBLEMS
