"""veille: the shared package every stage uses (item schema, settings, registry, bus, CLI)."""
