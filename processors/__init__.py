"""Processors: turn raw items into enriched items (language now; classifiers next)."""
