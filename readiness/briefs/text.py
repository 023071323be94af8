"""Helpers shared by the brief's context and sections: display text, and the result's fingerprints."""

from __future__ import annotations

import math

__all__ = ["clip", "value_text", "fingerprints"]

def clip(text, limit: int = 120) -> str:
    """Workbook text for display: whitespace collapsed, at most ``limit`` characters."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value_text(value) -> str:
    """An indicator's raw value as the annex prints it (4 significant digits, thousands separated)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    digits = max(0, 3 - int(math.floor(math.log10(abs(value)))))
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fingerprints(result) -> tuple[str, str]:
    """``(result.fingerprint(), result.dataset_fingerprint())`` (each computed once per result)."""
    return result.fingerprint(), result.dataset_fingerprint()
