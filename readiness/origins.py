"""Context tables of the default dataset: language coverage by model origin, languages, clusters.

The default dataset (``indicators/default/``) ships three tables beside its indicators,
written by ``python -m readiness.indicators.build``:

- ``origin_coverage.csv``: per economy, the estimated share of the population speaking a
  language that open-weight LLMs from each origin group (United States, China, Europe,
  other) cover, and from at least two origin countries;
- ``language_support.csv``: per economy, its CLDR languages (share >= 1 %), the
  open-weight LLM families covering each and their developers' countries;
- ``hosted_compute.csv``: GPU clusters by host economy (Epoch AI): owner, owner's
  country where known, domestic / foreign ownership, status (operational, planned,
  decommissioned), H100-equivalents, and whether the cluster is scored.

A user's workbook has none of these tables: every function returns None for a dataset
other than the default one.
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources

import pandas as pd

from readiness.countries import to_iso3

__all__ = ["origin_coverage", "languages", "hosted_compute", "ORIGIN_KEYS"]

ORIGIN_KEYS = ("United States", "China", "Europe", "other", "at_least_two_origins")


def _is_default(dataset) -> bool:
    """True for None or the embedded default dataset (label "default", the shipped version)."""
    if dataset is None:
        return True
    version, name = _default_meta()
    return getattr(dataset, "label", "") in ("default", name) and getattr(dataset, "version", "") == version


@lru_cache(maxsize=1)
def _default_meta() -> tuple[str | None, str | None]:
    """(version, label) of the shipped default dataset, from its metadata.csv (without loading it)."""
    from .io.load import DEFAULT_LABEL

    meta = _table("metadata.csv")
    if meta is None or not {"key", "value"} <= set(meta.columns):
        return None, None
    return dict(zip(meta["key"], meta["value"])).get("version"), DEFAULT_LABEL


def _text(name: str) -> str | None:
    try:
        return resources.files("readiness.indicators").joinpath("default", name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None


@lru_cache(maxsize=None)
def _table(name: str) -> pd.DataFrame | None:
    text = _text(name)
    if text is None:
        return None
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _country(country) -> str | None:
    code = to_iso3(country)
    return code if code else (str(country).upper() if str(country).isalpha() and len(str(country)) == 3 else None)


def origin_coverage(dataset, country) -> dict | None:
    """Share of a country's population whose languages open-weight LLMs cover, by developer origin.

    Parameters
    ----------
    dataset : Dataset or None
        The dataset scored; None means the default one.
    country : str
        ISO3, ISO2 or a country name.

    Returns
    -------
    dict or None
        ``{"United States": %, "China": %, "Europe": %, "other": %, "at_least_two_origins": %,
        "single_origin_country": str or None}``, each percent the estimated share of the
        population speaking at least one language that models of that origin cover
        (independence estimate over CLDR shares; see indicators/README_languages.md).
        None for a dataset other than the default one, or a country without CLDR data.

    Examples
    --------
    >>> cov = origin_coverage(None, "KEN")
    >>> sorted(cov)[:3]
    ['China', 'Europe', 'United States']
    """
    if not _is_default(dataset):
        return None
    t = _table("origin_coverage.csv")
    code = _country(country)
    if t is None or code is None:
        return None
    row = t[t["country"] == code]
    if row.empty:
        return None
    rec = row.iloc[0]
    out = {k: float(rec[k]) for k in ORIGIN_KEYS}
    out["single_origin_country"] = rec["single_origin_country"] or None
    return out


def languages(dataset, country) -> pd.DataFrame | None:
    """The country's main languages by population share, the model families covering each, their origins.

    Returns
    -------
    DataFrame or None
        Columns ``language, name, share, families, origins`` (share in percent, largest
        first; families and origins ``;``-separated, empty when no open-weight LLM covers
        the language); None for a dataset other than the default one.
    """
    if not _is_default(dataset):
        return None
    t = _table("language_support.csv")
    code = _country(country)
    if t is None or code is None:
        return None
    out = t[t["country"] == code].drop(columns="country").reset_index(drop=True)
    out["share"] = out["share"].astype(float)
    return out


def hosted_compute(dataset, country) -> pd.DataFrame | None:
    """GPU clusters hosted in the country (Epoch AI): owner, owner country, status, H100e.

    Returns
    -------
    DataFrame or None
        Columns ``cluster, owner, owner_country, ownership, sector, status, certainty,
        h100e, first_operational, scored``; ``status`` is Epoch's (Existing, Planned,
        Decommissioned); only existing clusters of Epoch's standard analysis are scored
        (``scored`` = yes); planned ones are context. Empty when none is listed; None for a
        dataset other than the default one.
    """
    if not _is_default(dataset):
        return None
    t = _table("hosted_compute.csv")
    code = _country(country)
    if t is None or code is None:
        return None
    out = t[t["country"] == code].drop(columns="country").reset_index(drop=True)
    out["h100e"] = pd.to_numeric(out["h100e"], errors="coerce")
    return out
