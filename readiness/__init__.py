"""readiness: sovereign AI readiness, a composite index toolkit.

Methods follow the OECD/JRC Handbook on Constructing Composite Indicators (2008) and
give the same numbers as the R package COINr for the same data and settings.

>>> import readiness
>>> ds = readiness.load_dataset()                # doctest: +SKIP
>>> result = readiness.build(ds)                 # doctest: +SKIP
>>> result.index_scores.head()                   # doctest: +SKIP
"""

__version__ = "0.1.0"

from .errors import InputError, MethodError, ReadinessError, ReadinessWarning, SpecError  # noqa: E402
from .dataset import Dataset  # noqa: E402
from .io.load import load_dataset  # noqa: E402
from .spec import Spec, read_settings  # noqa: E402
from .pipeline import Result, build  # noqa: E402
from .api import attributions, compare, indicator_list, league_table, profile  # noqa: E402
from .analysis.uncertainty import Space, UncertaintyResult, uncertainty  # noqa: E402
from .analysis.sensitivity import SensitivityResult, remove_one, sensitivity  # noqa: E402

__all__ = [
    "Dataset", "Spec", "Result", "load_dataset", "read_settings", "build",
    "profile", "league_table", "indicator_list", "attributions", "compare",
    "Space", "uncertainty", "sensitivity", "remove_one", "UncertaintyResult", "SensitivityResult",
    "ReadinessError", "InputError", "SpecError", "MethodError", "ReadinessWarning",
]

# Capabilities that import heavier modules are loaded on first use (start-up stays fast):
# name -> "module:attribute".
_LAZY = {
    "explain": "readiness.analysis.explain:explain",
    "compare_countries": "readiness.analysis.explain:compare_countries",
    "whatif": "readiness.analysis.whatif:whatif",
    "whatif_summary": "readiness.analysis.whatif:whatif_summary",
    "levers": "readiness.analysis.levers:levers",
    "audit": "readiness.analysis.audit:audit",
    "AuditResult": "readiness.analysis.audit:AuditResult",
    "optimise_weights": "readiness.analysis.audit:optimise_weights",
    "brief": "readiness.briefs:brief",
    "write_template": "readiness.io.template:write_template",
    "write_export": "readiness.io.export:write_export",
    "apply_update": "readiness.io.update:apply_update",
    "settings_table": "readiness.settings:settings_table",
}


def __getattr__(name):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'readiness' has no attribute {name!r}")
    import importlib

    module, attr = target.split(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
