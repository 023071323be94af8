"""The command line's one error handler.

Any :class:`readiness.errors.ReadinessError` raised while a command runs becomes one
``Error: ...`` line per problem on stderr and exit status 2, with no traceback
(``readiness --debug`` re-raises it instead). Anything else is a bug and keeps its
traceback. Library warnings are shown as one ``Warning: ...`` line each.

Every command uses it by being declared with :func:`command` (or ``cls=Command``)::

    from readiness.cli.errors import command

    @command("explain")
    def explain(...):
        ...
"""

from __future__ import annotations

import functools
import warnings

import click

from ..errors import ReadinessError

__all__ = ["EXIT_USER_ERROR", "UserError", "Command", "command", "fail", "debugging", "warnings_shown"]

EXIT_USER_ERROR = 2


class UserError(click.ClickException):
    """A user's mistake: ``Error: ...`` on stderr (one line per problem), exit status 2."""

    exit_code = EXIT_USER_ERROR

    def __init__(self, message: str, problems=None):
        super().__init__(message)
        self.problems = list(problems or [message])

    def show(self, file=None):
        for line in self.problems:
            click.echo(f"Error: {line}", err=True)


def debugging() -> bool:
    """True under ``readiness --debug`` (user errors keep their traceback)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("debug"))


def fail(exc: ReadinessError):
    """Raise ``exc`` as a :class:`UserError` (or as it is under ``--debug``)."""
    if debugging():
        raise exc
    raise UserError(str(exc), exc.problems) from None


_shown = [0]


def warnings_shown() -> int:
    """How many ``Warning:`` lines this process has printed (an answer with one is not kept)."""
    return _shown[0]


def _show_warning(message, category, filename, lineno, file=None, line=None):
    _shown[0] += 1
    click.echo(f"Warning: {message}", err=True)


class Command(click.Command):
    """A click command whose user errors become ``Error: ...`` lines and exit status 2."""

    def invoke(self, ctx):
        if not debugging():
            warnings.showwarning = _show_warning
        try:
            return super().invoke(ctx)
        except ReadinessError as exc:
            fail(exc)


command = functools.partial(click.command, cls=Command)
command.__doc__ = "``click.command`` with the one error handler (:class:`Command`)."
