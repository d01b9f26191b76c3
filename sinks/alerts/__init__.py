"""Alerts: rules (rules.yaml) evaluated on enriched items, and their delivery to channels."""
