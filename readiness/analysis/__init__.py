"""Analyses of a built index: uncertainty and sensitivity (more verbs join here)."""
