"""Options every command spells alike, and the one way they become a Dataset, Spec and Result.

``@data_options`` adds ``--data``, ``--settings``, ``--set``, ``--trade`` and ``--update``
and hands the command one :class:`Inputs` argument named ``inputs``; the command calls
``inputs.result()`` (or ``.dataset()``, ``.spec()``) and holds no method logic::

    @command("explain")
    @country_option()
    @data_options
    @format_option
    def explain(country, inputs, fmt):
        result = inputs.result()
        ...
"""

from __future__ import annotations

import functools

import click

from ..errors import UpdateUnavailableError
from .render import FORMATS

__all__ = ["Inputs", "data_options", "format_option", "country_option", "dataset_option"]


class Inputs:
    """What ``--data``, ``--trade``, ``--update``, ``--settings`` and ``--set`` name, built once.

    Parameters
    ----------
    data, trade, update, settings : str or None
        Paths as given on the command line (None: the default).
    overrides : tuple of str
        ``--set name=value`` strings, in order.
    """

    def __init__(self, data=None, settings=None, overrides=(), trade=None, update=None):
        self.data = data
        self.settings = settings
        self.overrides = tuple(overrides or ())
        self.trade = trade
        self.update = update
        self._dataset = self._spec = self._result = None

    @property
    def files(self) -> tuple:
        """The input files given (an output is never written over one of them)."""
        return tuple(p for p in (self.data, self.settings, self.trade, self.update) if p is not None)

    def dataset(self):
        """The Dataset: ``--data`` (default: the embedded one), ``--trade``, then ``--update``."""
        if self._dataset is None:
            from ..io.load import load_dataset

            dataset = load_dataset(self.data, trade=self.trade)
            if self.update is not None:
                dataset = _apply_update(dataset, self.update)
            self._dataset = dataset
        return self._dataset

    def spec(self):
        """The Spec: ``--settings`` (else the data's Settings sheet, else defaults), then ``--set``."""
        if self._spec is None:
            from ..api import resolve_spec

            self._spec = resolve_spec(self.dataset(), self.settings, self.overrides)
        return self._spec

    def result(self):
        """``readiness.build(dataset, spec)``."""
        if self._result is None:
            from ..pipeline import build

            self._result = build(self.dataset(), self.spec())
        return self._result


def _apply_update(dataset, path):
    try:
        from .. import apply_update
    except (ImportError, AttributeError):
        raise UpdateUnavailableError(f"--update {path}: national-update files cannot be applied by this "
                                     "version of readiness (readiness.apply_update is missing)") from None
    return apply_update(dataset, path)


def dataset_option(func):
    """``--data`` alone, for commands that read a dataset but build nothing."""
    return click.option("--data", type=click.Path(exists=True),
                        help="Workbook (.xlsx) or folder of CSV files; default: the embedded dataset.")(func)


def data_options(func):
    """``--data``, ``--trade``, ``--update``, ``--settings``, ``--set``, passed on as one ``inputs``."""

    @functools.wraps(func)
    def wrapper(*args, data, trade, update, settings, overrides, **kwargs):
        inputs = Inputs(data=data, settings=settings, overrides=overrides, trade=trade, update=update)
        return func(*args, inputs=inputs, **kwargs)

    wrapper = click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
                           help="Change one setting, e.g. --set normalisation=zscore (repeatable; "
                                "`readiness settings` lists them).")(wrapper)
    wrapper = click.option("--settings", type=click.Path(exists=True, dir_okay=False),
                           help="Settings file (.toml, or .csv with setting,value).")(wrapper)
    wrapper = click.option("--update", type=click.Path(exists=True, dir_okay=False),
                           help="National-update file whose values replace the data's "
                                "(see `readiness template`).")(wrapper)
    wrapper = click.option("--trade", type=click.Path(exists=True, dir_okay=False),
                           help="Bilateral chip-trade CSV (importer, exporter, year, value): chip "
                                "concentration is computed from it.")(wrapper)
    wrapper = dataset_option(wrapper)
    return wrapper


def format_option(func=None, *, formats=FORMATS, default: str = "table"):
    """``--format`` with the renderers available (see :mod:`readiness.cli.render`), passed as ``fmt``.

    Use as ``@format_option`` or ``@format_option(formats=("table", "json"))``.
    """
    def decorate(f):
        return click.option("--format", "fmt", type=click.Choice(list(formats)), default=default,
                            show_default=True, help="Output format.")(f)

    return decorate if func is None else decorate(func)


def country_option(*, multiple: bool = False, required: bool = True):
    """``--country``/``-c``: an ISO2 or ISO3 code or a name (repeatable with ``multiple``)."""
    help_text = "ISO2 or ISO3 code or name, e.g. KE, KEN or Kenya" + (" (repeatable)." if multiple else ".")
    return click.option("--country", "-c", "country", required=required, multiple=multiple, help=help_text)
