"""Name -> kernel registries, one per pipeline step.

A registry is the single list of valid method names: Spec validation, CLI choices,
error messages ("did you mean ...?") and the common tests all read it.
"""

from __future__ import annotations

from collections.abc import Callable

from ._validation import did_you_mean
from .errors import SpecError

__all__ = ["Registry"]


class Registry:
    """A named mapping from method name to kernel function.

    Examples
    --------
    >>> R = Registry("normalisation")
    >>> @R.register("double")
    ... def _double(x):
    ...     return 2 * x
    >>> R.get("double")(3)
    6
    >>> R.get("dobule")
    Traceback (most recent call last):
    ...
    readiness.errors.SpecError: unknown normalisation 'dobule'; choose one of double; did you mean 'double'?
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._kernels: dict[str, Callable] = {}

    def register(self, name: str):
        def decorator(func):
            self._kernels[name] = func
            return func

        return decorator

    def get(self, name) -> Callable:
        if callable(name):
            return name
        try:
            return self._kernels[name]
        except (KeyError, TypeError):
            raise SpecError(
                f"unknown {self.kind} {name!r}; choose one of {', '.join(self.names)}"
                f"{did_you_mean(str(name), self.names)}"
            ) from None

    def __contains__(self, name) -> bool:
        return name in self._kernels

    @property
    def names(self) -> list[str]:
        return sorted(self._kernels)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self.names)})"
