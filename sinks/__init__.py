"""Sinks: where enriched items end up (local store, Elasticsearch) and alerting."""
