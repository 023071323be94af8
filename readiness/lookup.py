"""Finding a country (or unit) and a node of the framework by what a user typed."""

from __future__ import annotations

from ._validation import did_you_mean
from .countries import suggest, to_iso3
from .errors import SpecError, UnknownCountryError, shorten

__all__ = ["resolve_country", "resolve_node"]


def resolve_country(dataset, query) -> str:
    """The dataset's ISO3 code for an ISO2 code, ISO3 code or name.

    Raises
    ------
    UnknownCountryError
        With up to three close matches ("did you mean KEN Kenya?").
    """
    names = dict(dataset.countries["name"])
    iso3 = to_iso3(query, names)
    if iso3 is None and str(query).strip().upper() in names:
        iso3 = str(query).strip().upper()
    if iso3 in names:
        return iso3
    if iso3 is not None:
        raise UnknownCountryError(f"{iso3} ({query!r}) is not in the dataset {dataset.label or ''}".rstrip())
    hits = suggest(query, names)
    hint = f"; did you mean {' or '.join(hits)}?" if hits else ""
    raise UnknownCountryError(f"unknown country {query!r}{hint}")



def resolve_node(result, level=None) -> str:
    """The code of a node of ``result`` (the index, a dimension or an indicator), matched ignoring case.

    None means the index.

    Raises
    ------
    SpecError
        Naming the aggregate codes to choose from, with a close match.
    """
    if level is None:
        return result.index_code
    codes = list(result.scores.columns)
    if level in codes:
        return level
    folded = {str(c).casefold(): c for c in codes}
    hit = folded.get(str(level).strip().casefold())
    if hit is not None:
        return hit
    raise SpecError(f"unknown level or node {shorten(level)}; choose one of "
                    f"{', '.join(result.dataset.structure.index)} (or an indicator code, see `readiness "
                    f"indicators`){did_you_mean(str(level), codes)}")
