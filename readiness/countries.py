"""Unit codes, country codes and country names.

A unit is identified by a code: an ISO3 code for a country, or any code of up to 32
ASCII letters, digits, ``-`` and ``_`` (ISO 3166-2 such as ``KE-30``, NUTS such as
``DE21``, a user's own ``U0000001``). Country aliases (ISO2 codes, English names, the
World Bank's spellings) resolve to ISO3 codes; a dataset's own unit codes and names
always win over them, so ``DRC`` can be a unit code beside ``COD``.

Display names are CLDR's English territory names (through Babel), which are short and
neutral ("Taiwan", "South Korea", "Congo - Kinshasa"); CLDR's own short forms are
used for Hong Kong, Macao and Palestine. The World Bank uses two codes that are not
ISO 3166: ``XKX`` (Kosovo) and ``CHI`` (Channel Islands); both are known here.

Names resolve through one dictionary built once (folded name -> ISO3 codes); a name
that fits two countries ("Congo", "Korea") is an error listing both.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from .errors import UnknownCountryError, shorten

__all__ = ["to_iso3", "country_name", "display_names", "suggest", "resolve_units", "code_problem",
           "CODE_PATTERN"]

#: A unit code: up to 32 ASCII letters, digits, - and _ (starting with a letter or digit).
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")

#: ISO 3166 alpha-3 and alpha-2 codes, in pairs (checked against pycountry by the tests).
_ISO_PAIRS = (
    'ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF ATGAG AUSAU '
    'AUTAT AZEAZ BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS BIHBA BLMBL BLRBY BLZBZ '
    'BMUBM BOLBO BRABR BRBBB BRNBN BTNBT BVTBV BWABW CAFCF CANCA CCKCC CHECH CHLCL CHNCN CIVCI '
    'CMRCM CODCD COGCG COKCK COLCO COMKM CPVCV CRICR CUBCU CUWCW CXRCX CYMKY CYPCY CZECZ DEUDE '
    'DJIDJ DMADM DNKDK DOMDO DZADZ ECUEC EGYEG ERIER ESHEH ESPES ESTEE ETHET FINFI FJIFJ FLKFK '
    'FRAFR FROFO FSMFM GABGA GBRGB GEOGE GGYGG GHAGH GIBGI GINGN GLPGP GMBGM GNBGW GNQGQ GRCGR '
    'GRDGD GRLGL GTMGT GUFGF GUMGU GUYGY HKGHK HMDHM HNDHN HRVHR HTIHT HUNHU IDNID IMNIM INDIN '
    'IOTIO IRLIE IRNIR IRQIQ ISLIS ISRIL ITAIT JAMJM JEYJE JORJO JPNJP KAZKZ KENKE KGZKG KHMKH '
    'KIRKI KNAKN KORKR KWTKW LAOLA LBNLB LBRLR LBYLY LCALC LIELI LKALK LSOLS LTULT LUXLU LVALV '
    'MACMO MAFMF MARMA MCOMC MDAMD MDGMG MDVMV MEXMX MHLMH MKDMK MLIML MLTMT MMRMM MNEME MNGMN '
    'MNPMP MOZMZ MRTMR MSRMS MTQMQ MUSMU MWIMW MYSMY MYTYT NAMNA NCLNC NERNE NFKNF NGANG NICNI '
    'NIUNU NLDNL NORNO NPLNP NRUNR NZLNZ OMNOM PAKPK PANPA PCNPN PERPE PHLPH PLWPW PNGPG POLPL '
    'PRIPR PRKKP PRTPT PRYPY PSEPS PYFPF QATQA REURE ROURO RUSRU RWARW SAUSA SDNSD SENSN SGPSG '
    'SGSGS SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM SRBRS SSDSS STPST SURSR SVKSK SVNSI '
    'SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK TKMTM TLSTL TONTO TTOTT '
    'TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY USAUS UZBUZ VATVA VCTVC VENVE VGBVG '
    'VIRVI VNMVN VUTVU WLFWF WSMWS YEMYE ZAFZA ZMBZM ZWEZW '
)
ISO3_TO_ISO2 = {p[:3]: p[3:] for p in "".join(_ISO_PAIRS).split()}
ISO3_TO_ISO2.update({"XKX": "XK", "CHI": ""})
_ISO2_TO_ISO3 = {v: k for k, v in ISO3_TO_ISO2.items() if v}

#: CLDR's alt="short" English names where the standard one is long.
_CLDR_SHORT = {"HK": "Hong Kong", "MO": "Macao", "PS": "Palestine"}
_EXTRA_NAMES = {"XKX": "Kosovo", "CHI": "Channel Islands"}

#: Names that fit more than one country: an error listing the candidates.
_AMBIGUOUS = {
    "Congo": ("COG", "COD"), "Korea": ("KOR", "PRK"), "Virgin Islands": ("VGB", "VIR"),
    "St. Martin": ("MAF", "SXM"), "Saint Martin": ("MAF", "SXM"),
}

#: Everyday English names that neither ISO 3166, CLDR nor the World Bank spell this way.
_ALIASES = {
    "Russia": "RUS", "Turkey": "TUR", "Ivory Coast": "CIV", "Cape Verde": "CPV", "UK": "GBR",
    "Britain": "GBR", "Great Britain": "GBR", "England": "GBR", "USA": "USA", "US": "USA", "America": "USA",
    "United States of America": "USA", "UAE": "ARE", "DR Congo": "COD", "DRC": "COD",
    "Democratic Republic of the Congo": "COD", "Congo-Kinshasa": "COD", "Congo (Kinshasa)": "COD",
    "Congo-Brazzaville": "COG", "Congo (Brazzaville)": "COG", "Republic of the Congo": "COG",
    "Brunei": "BRN", "Burma": "MMR", "Czech Republic": "CZE", "Macedonia": "MKD", "Swaziland": "SWZ",
    "East Timor": "TLS", "South Korea": "KOR", "North Korea": "PRK", "Laos": "LAO", "Syria": "SYR",
    "Iran": "IRN", "Vietnam": "VNM", "Moldova": "MDA", "Tanzania": "TZA", "Bolivia": "BOL",
    "Venezuela": "VEN", "Micronesia": "FSM", "Palestine": "PSE", "Vatican": "VAT", "Holland": "NLD",
    "Kyrgyzstan": "KGZ", "Slovakia": "SVK", "Gambia": "GMB", "Bahamas": "BHS", "Saint Lucia": "LCA",
    "Saint Kitts and Nevis": "KNA", "Saint Vincent": "VCT", "Taiwan": "TWN", "Hong Kong": "HKG",
    "Macau": "MAC", "Macao": "MAC",
}


def _fold(text) -> str:
    """A lookup key: accents, case, punctuation, "&"/"and" and a leading or trailing "the" dropped."""
    text = str(text).replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = text.casefold().replace(",", " ").replace(".", " ").replace(" - ", " ").split()
    if words[:1] == ["the"]:
        words = words[1:]
    if words[-1:] == ["the"]:
        words = words[:-1]
    return " ".join(words)


@lru_cache(maxsize=1)
def _cldr() -> dict:
    """{ISO3: CLDR English name} for every ISO 3166 country, plus the World Bank extras."""
    from babel import Locale

    territories = Locale("en").territories
    names = {}
    for iso3, iso2 in ISO3_TO_ISO2.items():
        name = _CLDR_SHORT.get(iso2) or territories.get(iso2) or _EXTRA_NAMES.get(iso3)
        if name:
            names[iso3] = name
    return names


@lru_cache(maxsize=1)
def _keys() -> dict:
    """{folded key: tuple of ISO3}: codes, CLDR, ISO 3166 and World Bank names, aliases."""
    import pycountry

    keys: dict = {}

    def add(key, iso3):
        if key:
            codes = keys.setdefault(_fold(key), [])
            if iso3 not in codes:
                codes.append(iso3)

    for iso3, iso2 in ISO3_TO_ISO2.items():
        keys[_fold(iso3)] = [iso3]
    for iso3, iso2 in ISO3_TO_ISO2.items():
        if iso2:
            keys.setdefault(_fold(iso2), [iso3])
    for iso3, name in _cldr().items():
        add(name, iso3)
    for c in pycountry.countries:
        for key in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            add(key, c.alpha_3)
    for iso3, name in _EXTRA_NAMES.items():
        add(name, iso3)
    for name, iso3 in _ALIASES.items():
        add(name, iso3)
    for iso3, name in _world_bank_names().items():  # "Korea, Rep.", "Congo, Dem. Rep.", ...
        add(name, iso3)
    for name, codes in _AMBIGUOUS.items():
        keys[_fold(name)] = list(codes)
    return {k: tuple(v) for k, v in keys.items()}


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


def _ambiguous(query, codes) -> UnknownCountryError:
    listed = ", ".join(f"{c} {country_name(c)}" for c in codes)
    return UnknownCountryError(f"{str(query).strip()!r} fits more than one country ({listed}); give the code")


def to_iso3(query, extra_names=None):
    """Return the ISO3 code for an ISO2 code, ISO3 code or name, or None.

    ``extra_names`` is an optional ``{code: name}`` (a dataset's own units), matched
    first, codes before names.

    Raises
    ------
    UnknownCountryError
        When the name fits more than one country ("Congo", "Korea").

    Examples
    --------
    >>> to_iso3("KE"), to_iso3("ken"), to_iso3("Kenya"), to_iso3("The Gambia"), to_iso3("Atlantis")
    ('KEN', 'KEN', 'KEN', 'GMB', None)
    """
    if query is None or code_problem(query) is not None:
        return None
    if extra_names:
        hit = _own_index(tuple(extra_names.items())).get(_fold(query))
        if hit is not None:
            if len(hit) > 1:
                raise UnknownCountryError(f"{str(query).strip()!r} fits more than one unit "
                                          f"({', '.join(hit)}); give the code")
            return hit[0]
    text = str(query).strip().upper()
    if len(text) == 3 and text in ISO3_TO_ISO2:  # codes need no name table
        return text
    if len(text) == 2 and text in _ISO2_TO_ISO3:
        return _ISO2_TO_ISO3[text]
    key = _fold(query)
    codes = _keys().get(key) if key else None
    if not codes:
        return None
    if len(codes) > 1:
        raise _ambiguous(query, codes)
    return codes[0]


@lru_cache(maxsize=8)
def _own_index(items: tuple) -> dict:
    """{folded code or name: tuple of codes} for a dataset's own units (codes win over names)."""
    index: dict = {}
    for code, name in items:
        if name:
            codes = index.setdefault(_key(str(name)), [])
            if code not in codes:
                codes.append(code)
    for code, _ in items:
        index[_key(str(code))] = [code]
    return {k: tuple(v) for k, v in index.items()}


def country_name(iso3: str) -> str:
    """The short English (CLDR) name of an ISO3 code (the code itself if unknown).

    >>> country_name("TWN"), country_name("KOR"), country_name("HKG"), country_name("KE-30")
    ('Taiwan', 'South Korea', 'Hong Kong', 'KE-30')
    """
    return _cldr().get(iso3, iso3)


def display_names(codes) -> list[str]:
    """CLDR English names for ``codes`` (a code with no such name keeps the code)."""
    names = _cldr()
    return [names.get(c, c) for c in codes]


def code_problem(text) -> str | None:
    """What is wrong with a cell meant as a unit code or a country name, or None.

    Control and invisible characters (zero-width spaces), compatibility forms
    (full-width letters) and letters outside the Latin script (a Cyrillic "К" in
    "КЕN") are refused rather than silently mapped onto a look-alike.

    >>> code_problem("KEN"), code_problem("Côte d’Ivoire"), code_problem("\uff2b\uff25\uff2e")
    (None, None, "the full-width or compatibility character '\uff2b' (U+FF2B)")
    """
    text = str(text)
    if text.isascii():
        return None if text.isprintable() else _describe(next(ch for ch in text if not ch.isprintable()),
                                                         "control character")
    for ch in text:
        if ch.isascii():
            if not ch.isprintable():
                return _describe(ch, "control character")
            continue
        cat = unicodedata.category(ch)
        if cat[0] in "CZ" and ch not in "\u00a0":
            return _describe(ch, "invisible or control character")
        if unicodedata.normalize("NFKC", ch) != ch:
            return _describe(ch, "full-width or compatibility character")
        if cat[0] == "L" and not unicodedata.name(ch, "").startswith("LATIN"):
            script = unicodedata.name(ch, "UNKNOWN").split()[0].title()
            return _describe(ch, f"{script} letter")
    return None


def _describe(ch, what) -> str:
    return f"the {what} {ch!r} (U+{ord(ch):04X})"


def resolve_units(raw, units: dict | None = None):
    """Map a column of cells to unit codes, once per distinct cell.

    Parameters
    ----------
    raw : iterable
        Cell texts (ISO3 or ISO2 codes, unit codes, names).
    units : dict, optional
        ``{code: name}`` of the dataset's own units, matched first. Without it, a
        cell that is not a country alias but a valid unit code is its own code.

    Returns
    -------
    codes : list
        One code per cell, or None where the cell cannot be resolved.
    problems : dict
        ``{position: what was found}`` for the unresolved cells.
    """
    cells = [str(v).strip() for v in raw]
    # a cell that is one of the units' own codes (the usual case) needs no lookup at all
    memo: dict = {text: (text, None) for text in set(cells) if units is not None and text in units}
    rest = set(cells).difference(memo)
    if rest:
        index = _own_index(tuple(units.items())) if units else {}
        memo.update({text: _resolve_one(text, units, index) for text in rest})
    codes, problems = [], {}
    for pos, text in enumerate(cells):
        code, found = memo[text]
        codes.append(code)
        if code is None:
            problems[pos] = found
    return codes, problems


def _key(text: str) -> str:
    """:func:`_fold` of ``text``; a plain code (letters, digits, "_", "-") folds to its lower case."""
    if CODE_PATTERN.fullmatch(text):
        low = text.casefold()
        if low != "the":
            return low
    return _fold(text)


def _resolve_one(text, units, index):
    if units is not None and text in units:
        return text, None
    bad = None if CODE_PATTERN.fullmatch(text) else code_problem(text)
    if bad is not None:
        return None, f"{shorten(text)} with {bad}"
    key = _key(text)
    hit = index.get(key)
    if hit is not None:
        if len(hit) > 1:
            return None, f"{text!r}, which fits more than one unit ({', '.join(hit)})"
        return hit[0], None
    if units is None and re.fullmatch(r"[A-Z]{3}", text):
        return text, None  # an ISO3 code or a unit code of its own: kept as given
    codes = _keys().get(key) if key else None
    if codes and len(codes) > 1:
        return None, (f"{text!r}, which fits more than one country "
                      f"({', '.join(f'{c} {country_name(c)}' for c in codes)})")
    if codes:
        code = codes[0]
        if units is None or code in units:
            return code, None
        return None, f"{text!r} ({code}, not a unit of the Countries sheet)"
    if units is None and CODE_PATTERN.fullmatch(text):
        return text, None
    return None, shorten(text)


def suggest(query, candidates: dict, n: int = 3, floor: float = 0.75) -> list[str]:
    """Up to ``n`` "CODE Name" strings from ``candidates`` ({code: name}) resembling ``query``.

    Only close matches (similarity ``floor`` or more, or a name starting with the
    query) are offered: "Kenia" suggests Kenya, "Atlantis" suggests nothing.

    >>> suggest("Kenia", {"KEN": "Kenya", "ALB": "Albania"}), suggest("Atlantis", {"ALB": "Albania"})
    (['KEN Kenya'], [])
    """
    key = _fold(query)
    folded = {}
    for code, name in candidates.items():
        folded[_fold(code)] = code
        folded[_fold(name)] = code
    scored = sorted(((difflib.SequenceMatcher(None, key, k).ratio(), k) for k in folded), reverse=True)
    best = scored[0][0] if scored else 0.0
    hits = [k for r, k in scored if r >= floor and r >= best - 0.05]
    if not hits and len(key) >= 3:
        hits = [k for k in folded if k.startswith(key)]
    out = []
    for h in hits:
        code = folded[h]
        label = f"{code} {candidates[code]}"
        if label not in out:
            out.append(label)
    return out[:n]
