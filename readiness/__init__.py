"""readiness: sovereign AI readiness, a composite index toolkit.

Methods follow the OECD/JRC Handbook on Constructing Composite Indicators (2008) and
give the same numbers as the R package COINr for the same data and settings.

>>> import readiness
>>> ds = readiness.load_dataset()                # doctest: +SKIP
>>> result = readiness.build(ds)                 # doctest: +SKIP
>>> result.index_scores.head()                   # doctest: +SKIP
"""

__version__ = "0.1.0"

from ._validation import InputError, MethodError, ReadinessError, ReadinessWarning, SpecError  # noqa: E402
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
