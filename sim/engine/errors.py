"""Errors of the experiment engine: bad designs, bad arguments, a folder holding another
experiment. The engine knows nothing of what is simulated or of any command line; a front end
(the ``sahel`` command) reports these as one-line errors with exit code 2."""

from __future__ import annotations


class EngineError(ValueError):
    """An invalid argument to the engine (a malformed range, an unknown parameter, a bad
    number of replicates). ``exit_code`` is what a command-line front end should exit with."""

    exit_code = 2
