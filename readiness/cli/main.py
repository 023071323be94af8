"""The ``readiness`` command group: a lazy map from command name to the module that holds it.

A command's module is imported only when that command runs (or when ``--help`` lists
the commands), so ``readiness score`` never pays for the briefs, the audit or the
Excel writer. A command whose module is not installed is not listed.

Each command module declares its commands with :func:`readiness.cli.errors.command`
(one error handler) and the decorators of :mod:`readiness.cli.options`.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from ..errors import ReadinessError
from .errors import debugging, fail

__all__ = ["COMMANDS", "cli", "main"]

#: Command name -> "module:attribute" (contract C3).
COMMANDS = {
    "score": "readiness.cli.score:score",
    "rank": "readiness.cli.rank:rank",
    "explain": "readiness.cli.explain:explain",
    "compare": "readiness.cli.explain:compare",
    "whatif": "readiness.cli.explain:whatif",
    "levers": "readiness.cli.explain:levers",
    "sensitivity": "readiness.cli.sensitivity:sensitivity",
    "audit": "readiness.cli.audit:audit",
    "brief": "readiness.cli.brief:brief",
    "template": "readiness.cli.excel:template",
    "export": "readiness.cli.excel:export",
    "validate": "readiness.cli.data:validate",
    "indicators": "readiness.cli.data:indicators",
    "sources": "readiness.cli.data:sources",
    "settings": "readiness.cli.settings:settings",
}


def _available(target: str) -> bool:
    module = target.partition(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


class LazyGroup(click.Group):
    """A click group that imports a command's module only when the command is needed.

    User errors raised by any command become ``Error: ...`` lines and exit status 2.
    """

    def list_commands(self, ctx):
        return [name for name, target in COMMANDS.items() if _available(target)] + sorted(self.commands)

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        target = COMMANDS.get(name)
        if target is None or not _available(target):
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr, None)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ReadinessError as exc:
            if debugging():
                raise
            fail(exc)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for user errors too.")
@click.version_option(package_name="readiness")
def cli(debug):
    """Sovereign AI readiness: score, rank and stress-test countries' readiness to build and run AI.

    Example: readiness score --country KE
    """


def main():  # pragma: no cover - the console script
    cli(prog_name="readiness")


if __name__ == "__main__":  # pragma: no cover
    main()
