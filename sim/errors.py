"""Errors the package raises for bad input, carrying everything a user needs to fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    Attributes:
        path: dotted field path, e.g. ``events[1].country`` (empty for the whole file).
        message: what was found and what was expected.
        file: the file the offending value came from (may differ from the one loaded when
            it was inherited through ``extends``).
        line: 1-based line in ``file``, when known.
    """

    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def render(self, main_file: str | None = None) -> str:
        """Format as ``path (line N): message``, naming the file when it is not the main one."""
        where = []
        if self.file and self.file != main_file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        loc = f" ({', '.join(where)})" if where else ""
        head = self.path or "<file>"
        return f"{head}{loc}: {self.message}"


class SahelError(Exception):
    """Base class for errors the command line reports without a traceback (exit code 2)."""

    exit_code = 2


class ScenarioError(SahelError, ValueError):
    """A scenario file is missing, malformed or does not match the schema."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line, under a header naming the file."""
        n = len(self.problems)
        head = f"{self.file} has {n} problem{'s' if n != 1 else ''}:"
        return "\n".join([head, *("  " + p.render(self.file) for p in self.problems)])


class UsageError(SahelError, ValueError):
    """A command-line or API argument is invalid (an unknown parameter, a bad range)."""


def did_you_mean(value: object, known: list[str]) -> str:
    """`` Did you mean 'x'?`` for the closest of ``known`` to ``value``, or ``""``."""
    import difflib

    close = difflib.get_close_matches(str(value), known, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""
