"""Scrapy settings of a `veille sources check` round: the project's, plus an item limit.

`crawlers.source_check.collect` points the round's child process here (SCRAPY_SETTINGS_MODULE),
so a check runs exactly the spiders, middlewares and pipeline of a real round and only stops
sooner: after VEILLE_CHECK_ITEM_LIMIT items.
"""

import os

from crawlers.settings import *  # noqa: F403  (the same settings as a real round)

CLOSESPIDER_ITEMCOUNT = int(os.environ.get("VEILLE_CHECK_ITEM_LIMIT", "0") or 0)
