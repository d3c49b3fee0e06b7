"""The command line: ``shipviewer`` and its subcommands; heavy packages load inside each handler."""

from __future__ import annotations

from shipviewer.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
