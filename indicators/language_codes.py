"""Language codes for the language join: one match key per code (the crosswalk).

Every code met in a source (a CLDR tag such as ``sw``, ``zh_Hant``, ``ha_Arab``; an ISO 639-1,
639-3 or macrolanguage code; a FLORES-style code's language part) is reduced to a match key:
drop script and region subtags, follow CLDR 49's language aliases to a fixed point, apply the
project's one decision (``no`` -> ``nb``), and require an ISO 639 code pycountry knows (or the
retired ``eml``). ``indicators/README_languages.md`` explains each rule.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd
import pycountry

from readiness.errors import SourceError  # noqa: F401  (raised here, re-exported for languages.py)

__all__ = ["SourceError", "Crosswalk", "load_crosswalk", "read_table", "parse_number", "describe_code",
           "alpha2_of", "NOT_A_LANGUAGE", "DECISIONS", "RETIRED", "MACRO_FILE"]

_DEFAULT_SOURCES = Path(__file__).resolve().parent / "sources"

_ALIASES = "language_codes/cldr49_language_aliases.csv"
MACRO_FILE = "language_codes/iana_macrolanguages.csv"
DECISIONS = {
    "no": (
        "nb",
        "Norwegian (macrolanguage) is taken to mean its dominant standard, Bokmål, "
        "as CLDR does for ar=arb, sw=swh, zh=cmn; Nynorsk (nn) stays separate",
    ),
}
RETIRED = {
    "eml": "Emiliano-Romagnolo: retired ISO 639-3 code (not in pycountry); used by the "
    "Hugging Face survey and Goldfish; CLDR lists egl and rgn instead, so it matches "
    "no CLDR row",
}

# ISO 639 special codes that name no language: CLDR rows with them carry no information.
NOT_A_LANGUAGE = frozenset({"und", "mul", "mis", "zxx"})

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")


# --------------------------------------------------------------------------- helpers


def read_table(
    sources_dir: Path, relpath: str, columns: Iterable[str], *, sep: str = ","
) -> tuple[pd.DataFrame, Path]:
    """Read one source file as text, checking that it exists and has the expected columns."""
    path = Path(sources_dir) / relpath
    if not path.is_file():
        raise SourceError(
            f"{path}: file not found; the language indicators need it (see {Path(relpath).parent}/README.md)."
        )
    try:
        frame = pd.read_csv(
            path, sep=sep, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot be read as {'TSV' if sep == chr(9) else 'CSV'}: {exc}") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceError(
            f"{path}, line 1: column(s) {', '.join(repr(c) for c in missing)} not found; "
            f"found {', '.join(repr(c) for c in frame.columns)}. The file's columns have changed."
        )
    blank = frame.index[(frame == "").all(axis=1)]
    if len(blank):
        raise SourceError(f"{path}, line {blank[0] + 2}: empty row.")
    return frame, path


def parse_number(path: Path, line: int, column: str, text: str, *, low: float, high: float) -> float:
    """Parse a number in [low, high], or raise SourceError naming the file and line."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (low <= value <= high):
        raise SourceError(
            f"{path}, line {line}: column {column!r} holds {text!r}; expected a number in [{low:g}, {high:g}]."
        )
    return value


def _is_iso639(code: str) -> bool:
    """True for an ISO 639-1/-3 or ISO 639-5 code known to pycountry."""
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code) is not None
    return (
        pycountry.languages.get(alpha_3=code) is not None
        or pycountry.language_families.get(alpha_3=code) is not None
    )


def describe_code(code: str) -> tuple[str, str, str]:
    """ISO 639-3 code, name and scope of an ISO 639 code ('' for a code pycountry lacks)."""
    if code in RETIRED:
        return code, RETIRED[code].split(":")[0], "retired"
    rec = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if rec is not None:
        scope = {"I": "individual", "M": "macrolanguage", "S": "special"}.get(getattr(rec, "scope", ""), "")
        return rec.alpha_3, rec.name, scope
    fam = pycountry.language_families.get(alpha_3=code) if len(code) == 3 else None
    return (fam.alpha_3, fam.name, "collective") if fam is not None else ("", "", "")


def alpha2_of(code: str) -> str:
    """The shortest ISO 639 form of a code (the IANA registry's subtag)."""
    rec = pycountry.languages.get(alpha_3=code) if len(code) == 3 else None
    return getattr(rec, "alpha_2", code) if rec is not None else code


@dataclass(frozen=True)
class Crosswalk:
    """Reduce language codes to match keys (see the module docstring).

    Parameters
    ----------
    aliases : mapping of str to str
        CLDR language aliases, alias -> replacement tag (e.g. ``swh`` -> ``sw``).
    """

    aliases: Mapping[str, str] = field(repr=False)

    def resolve(self, code: str) -> tuple[str, str] | None:
        """Return ``(key, rule)`` for a code, or None if it is not a known language code."""
        code = code.strip()
        if not _TAG.match(code):
            return None
        parts = re.split(r"[_-]", code)
        lang = parts[0].lower()
        steps: list[str] = [f"subtag {'_'.join(parts[1:])} dropped"] if len(parts) > 1 else []
        seen: set[str] = set()
        while lang in self.aliases and lang not in seen:
            seen.add(lang)
            new = re.split(r"[_-]", self.aliases[lang])[0].lower()
            steps.append(f"CLDR alias {lang}->{self.aliases[lang]}")
            lang = new
        if lang in DECISIONS:
            steps.append(f"decision {lang}->{DECISIONS[lang][0]}")
            lang = DECISIONS[lang][0]
        if lang in RETIRED:
            steps.append("retired ISO 639-3 code, kept as its own key")
        elif not _is_iso639(lang):
            return None
        return lang, "; ".join(steps) if steps else "ISO 639 code"

    def key(self, code: str) -> str:
        """Return the match key of a code; raise ValueError for an unknown code."""
        resolved = self.resolve(code)
        if resolved is None:
            raise ValueError(
                f"unknown language code {code!r}: not an ISO 639 code, a CLDR alias or a documented exception."
            )
        return resolved[0]


@functools.lru_cache(maxsize=8)
def _load_crosswalk(sources_dir: str) -> Crosswalk:
    frame, path = read_table(Path(sources_dir), _ALIASES, ["alias", "replacement"])
    aliases: dict[str, str] = {}
    for i, (alias, replacement) in enumerate(zip(frame["alias"], frame["replacement"])):
        if not _TAG.match(alias) or not _TAG.match(replacement):
            raise SourceError(
                f"{path}, line {i + 2}: {alias!r} -> {replacement!r} is not a pair of language tags."
            )
        if alias in aliases:
            raise SourceError(f"{path}, line {i + 2}: alias {alias!r} appears twice.")
        aliases[alias] = replacement
    return Crosswalk(aliases)


def load_crosswalk(sources_dir: Path | None = None) -> Crosswalk:
    """Load the language-code crosswalk from ``sources_dir/language_codes/``.

    Parameters
    ----------
    sources_dir : pathlib.Path, default=None
        The sources folder; None means the ``sources/`` folder next to this module.

    Returns
    -------
    Crosswalk

    Raises
    ------
    SourceError
        If the alias file is missing, has changed columns or holds a bad row.

    Examples
    --------
    >>> cw = load_crosswalk()
    >>> [cw.key(c) for c in ["swh", "swa", "sw", "zh_Hant", "cmn", "pes", "prs", "tgl", "no"]]
    ['sw', 'sw', 'sw', 'zh', 'zh', 'fa', 'fa', 'fil', 'nb']
    """
    return _load_crosswalk(str(Path(sources_dir or _DEFAULT_SOURCES).resolve()))
