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
        head = _clip(self.path, 120) or "<file>"
        return f"{head}{loc}: {_clip(self.message, 400)}"


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (a quoted value can be megabytes long)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SahelError(Exception):
    """Base class for errors the command line reports without a traceback (exit code 2)."""

    exit_code = 2


MAX_PROBLEMS_SHOWN = 20
"""Problems listed for one file; the rest are counted ("and 180 more")."""


class ScenarioError(SahelError, ValueError):
    """A scenario file is missing, malformed or does not match the schema."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        """The problems under a header naming the file, one per line (at most
        ``MAX_PROBLEMS_SHOWN``, then how many more); a problem with the whole file (not
        readable, not YAML, too large) is a single line naming the file."""
        n = len(self.problems)
        if n == 1 and not self.problems[0].path:
            p = self.problems[0]
            where = (
                f" (line {p.line})" if p.line is not None and p.file in (None, self.file) else ""
            )
            if p.file not in (None, self.file):
                where = f" ({p.file}" + (f", line {p.line})" if p.line is not None else ")")
            return f"{_clip(self.file, 200)}{where}: {_clip(p.message, 400)}"
        head = f"{_clip(self.file, 200)} has {n} problem{'s' if n != 1 else ''}:"
        shown = ["  " + p.render(self.file) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if n > MAX_PROBLEMS_SHOWN:
            shown.append(f"  and {n - MAX_PROBLEMS_SHOWN} more")
        return "\n".join([head, *shown])


class UsageError(SahelError, ValueError):
    """A command-line or API argument is invalid (an unknown parameter, a bad range)."""


def did_you_mean(value: object, known: list[str]) -> str:
    """`` Did you mean 'x'?`` for the closest of ``known`` to ``value``, or ``""``."""
    import difflib

    close = difflib.get_close_matches(str(value), known, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""
