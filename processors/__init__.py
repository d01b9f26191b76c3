"""Processors: raw items (veille.raw) in, enriched items (veille.enriched) out — language, event
types and topics, places, organisations, figures, symbols, severity, near-duplicates and stories
(`classify.py` runs them all; the stage that reads and writes the bus is `enrich_stage.py`)."""
