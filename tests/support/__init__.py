"""Helpers the tests share (and the benchmarks in bench/ reuse): crawling a mirrored source
and its expectations (`sites`), local ports (`net`), the real servers (`services`), synthetic
items (`items`) and a scriptable webhook receiver (`receiver`). Fixtures stay in
tests/conftest.py; tests import helpers from here, never from bench/ or from conftest."""
