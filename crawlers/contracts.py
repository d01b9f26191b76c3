"""Contracts for `scrapy check`: which source a callback is checked for, and offline mode.

`@mirror` serves the request from tests/fixtures/sites, so `scrapy check` works without the
internet; `@source KEY` tells the callback which sources.yaml entry it parses for.
"""

from scrapy.contracts import Contract


class SourceContract(Contract):
    name = "source"

    def adjust_request_args(self, args):
        # Scrapy passes meta=None (Request's default), so setdefault would not help.
        args["meta"] = {**(args.get("meta") or {}), "source": self.args[0]}
        return args


class MirrorContract(Contract):
    name = "mirror"

    def adjust_request_args(self, args):
        args["meta"] = {**(args.get("meta") or {}), "veille_mirror": True}
        args.setdefault("dont_filter", True)
        return args
