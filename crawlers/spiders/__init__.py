"""Spiders: generic ones configured from sources.yaml, and dedicated ones per difficult site."""
