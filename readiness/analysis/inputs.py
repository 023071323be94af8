"""The names of the inputs an uncertainty or sensitivity analysis can vary (no numpy: the
command line reads them to build its options)."""

__all__ = ["INPUTS", "DEFAULT_VARY"]

#: The inputs that can vary, in pipeline order (the order of a Design's columns).
INPUTS = ("imputation", "treatment", "normalisation", "weights", "aggregation", "drop")
#: What ``readiness sensitivity`` varies when ``--vary`` is not given.
DEFAULT_VARY = ("treatment", "normalisation", "weights", "aggregation")
