"""readiness: sovereign AI readiness, a composite index toolkit.

Methods follow the OECD/JRC Handbook on Constructing Composite Indicators (2008) and
give the same numbers as the R package COINr for the same data and settings.

>>> import readiness
>>> ds = readiness.load_dataset()                # doctest: +SKIP
>>> result = readiness.build(ds)                 # doctest: +SKIP
>>> result.index_scores.head()                   # doctest: +SKIP
"""

__version__ = "0.1.0"

__all__ = [
    "Dataset", "Spec", "Result", "load_dataset", "read_settings", "build",
    "profile", "league_table", "indicator_list", "attributions", "compare",
    "Space", "uncertainty", "sensitivity", "remove_one", "UncertaintyResult", "SensitivityResult",
    "ReadinessError", "InputError", "SpecError", "MethodError", "ReadinessWarning",
]

# Every name is loaded on first use, so ``import readiness`` (and so the command line's
# start-up) imports neither pandas nor numpy: name -> "module:attribute".
_LAZY = {
    "ReadinessError": "readiness.errors:ReadinessError",
    "InputError": "readiness.errors:InputError",
    "SpecError": "readiness.errors:SpecError",
    "MethodError": "readiness.errors:MethodError",
    "ReadinessWarning": "readiness.errors:ReadinessWarning",
    "Dataset": "readiness.dataset:Dataset",
    "load_dataset": "readiness.io.load:load_dataset",
    "Spec": "readiness.spec:Spec",
    "read_settings": "readiness.spec:read_settings",
    "Result": "readiness.pipeline:Result",
    "build": "readiness.pipeline:build",
    "attributions": "readiness.api:attributions",
    "compare": "readiness.api:compare",
    "indicator_list": "readiness.api:indicator_list",
    "league_table": "readiness.api:league_table",
    "profile": "readiness.api:profile",
    "Space": "readiness.analysis.uncertainty:Space",
    "UncertaintyResult": "readiness.analysis.uncertainty:UncertaintyResult",
    "uncertainty": "readiness.analysis.uncertainty:uncertainty",
    "SensitivityResult": "readiness.analysis.sensitivity:SensitivityResult",
    "remove_one": "readiness.analysis.sensitivity:remove_one",
    "sensitivity": "readiness.analysis.sensitivity:sensitivity",
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
