"""Brief templates, styles and fonts, shipped as package data (readiness.reports)."""
