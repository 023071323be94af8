"""Country names and codes: ISO 3166 alpha-2, alpha-3 and names (via pycountry).

The World Bank uses two codes that are not ISO 3166: ``XKX`` (Kosovo) and ``CHI``
(Channel Islands); both are known here.
"""

from __future__ import annotations

import difflib
import unicodedata
from functools import lru_cache

__all__ = ["to_iso3", "country_name", "suggest"]

_EXTRA = {
    "XKX": ("XK", "Kosovo"),
    "CHI": ("", "Channel Islands"),
}

#: Everyday English names that neither ISO 3166 nor the World Bank spell this way.
_ALIASES = {
    "Russia": "RUS", "Turkey": "TUR", "Ivory Coast": "CIV", "Cape Verde": "CPV", "UK": "GBR",
    "Britain": "GBR", "Great Britain": "GBR", "England": "GBR", "USA": "USA", "US": "USA", "America": "USA",
    "United States of America": "USA", "UAE": "ARE", "DR Congo": "COD", "DRC": "COD",
    "Democratic Republic of the Congo": "COD", "Congo-Kinshasa": "COD", "Congo-Brazzaville": "COG",
    "Republic of the Congo": "COG", "Brunei": "BRN", "Burma": "MMR", "Czech Republic": "CZE",
    "Macedonia": "MKD", "Swaziland": "SWZ", "East Timor": "TLS", "South Korea": "KOR", "Korea": "KOR",
    "North Korea": "PRK", "Laos": "LAO", "Syria": "SYR", "Iran": "IRN", "Vietnam": "VNM", "Moldova": "MDA",
    "Tanzania": "TZA", "Bolivia": "BOL", "Venezuela": "VEN", "Micronesia": "FSM", "Palestine": "PSE",
    "Vatican": "VAT", "Holland": "NLD", "Kyrgyzstan": "KGZ", "Slovakia": "SVK", "Gambia": "GMB",
    "Bahamas": "BHS", "Saint Lucia": "LCA", "Saint Kitts and Nevis": "KNA", "Saint Vincent": "VCT",
    "Taiwan": "TWN", "Hong Kong": "HKG", "Macau": "MAC", "Macao": "MAC",
}


def _fold(text: str) -> str:
    text = str(text).replace("\u2019", "'").replace("\u2018", "'")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.casefold().replace(",", " ").replace(".", " ").split())


@lru_cache(maxsize=1)
def _table():
    """{folded key: ISO3} and {ISO3: name} from pycountry plus the World Bank extras."""
    import pycountry

    keys, names = {}, {}
    for c in pycountry.countries:
        names[c.alpha_3] = getattr(c, "common_name", None) or c.name
        for key in (c.alpha_3, c.alpha_2, c.name, getattr(c, "common_name", None),
                    getattr(c, "official_name", None)):
            if key:
                keys.setdefault(_fold(key), c.alpha_3)
    for iso3, (iso2, name) in _EXTRA.items():
        names[iso3] = name
        for key in (iso3, iso2, name):
            if key:
                keys[_fold(key)] = iso3
    for name, iso3 in _ALIASES.items():
        keys.setdefault(_fold(name), iso3)
    for iso3, name in _world_bank_names().items():  # "Korea, Rep.", "Congo, Dem. Rep.", ...
        keys.setdefault(_fold(name), iso3)
    return keys, names


def _world_bank_names() -> dict:
    """{ISO3: World Bank name} from the embedded dataset's country table (empty if absent)."""
    import csv
    from importlib.resources import files

    try:
        path = files("readiness.indicators") / "default" / "countries.csv"
        with path.open(encoding="utf-8") as fh:
            return {row["country"]: row["name"] for row in csv.DictReader(fh) if row.get("name")}
    except (FileNotFoundError, ModuleNotFoundError, KeyError, OSError):
        return {}


def to_iso3(query, extra_names=None):
    """Return the ISO3 code for an ISO2 code, ISO3 code or name, or None.

    ``extra_names`` is an optional ``{ISO3: name}`` (e.g. a dataset's own names),
    matched first.

    Examples
    --------
    >>> to_iso3("KE"), to_iso3("ken"), to_iso3("Kenya"), to_iso3("Atlantis")
    ('KEN', 'KEN', 'KEN', None)
    """
    if query is None:
        return None
    key = _fold(query)
    if not key:
        return None
    if extra_names:
        for iso3, name in extra_names.items():
            if key in (_fold(iso3), _fold(name)):
                return iso3
    keys, _ = _table()
    return keys.get(key)


def country_name(iso3: str) -> str:
    """The common English name of an ISO3 code (the code itself if unknown)."""
    return _table()[1].get(iso3, iso3)


def suggest(query, candidates: dict, n: int = 3) -> list[str]:
    """Up to ``n`` "ISO3 Name" strings from ``candidates`` ({ISO3: name}) resembling ``query``."""
    key = _fold(query)
    folded = {}
    for iso3, name in candidates.items():
        folded[_fold(iso3)] = iso3
        folded[_fold(name)] = iso3
    scored = sorted(((difflib.SequenceMatcher(None, key, k).ratio(), k) for k in folded), reverse=True)
    best = scored[0][0] if scored else 0.0
    # close matches only: the best one, and others nearly as close
    hits = [k for r, k in scored if r >= 0.6 and r >= best - 0.05]
    if not hits:
        # prefixes and substrings ("Keny", "Korea") often miss the ratio cut-off
        hits = [k for k in folded if key and (k.startswith(key) or key in k)]
    out = []
    for h in hits:
        iso3 = folded[h]
        label = f"{iso3} {candidates[iso3]}"
        if label not in out:
            out.append(label)
    return out[:n]
