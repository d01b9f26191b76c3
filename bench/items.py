"""The synthetic items now live in tests/support/items.py (the tests share them); this name
stays for the benchmarks and tests that still import `bench.items`."""

from tests.support.items import SENTENCES, synthetic_items

__all__ = ["SENTENCES", "synthetic_items"]
