"""Issue 13, point 6: every transport bomb is reported as `too_large` (docs/limits.md), never
`ignored` or an exception's class name: an announced Content-Length over DOWNLOAD_MAXSIZE, a
body streamed past it, and a compressed body that inflates past it."""

from __future__ import annotations

import gzip

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from crawlers.round_report import failure_kind


def _kind(exc: BaseException) -> str:
    try:
        raise exc
    except BaseException:
        return failure_kind(Failure())


def test_a_decompression_bomb_is_too_large() -> None:
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 10_000})
    crawler._apply_settings()
    middleware = HttpCompressionMiddleware.from_crawler(crawler)
    request = Request("https://h.test/bomb")
    response = Response("https://h.test/bomb", body=gzip.compress(b"\0" * 1_000_000),
                        headers={"Content-Encoding": "gzip"}, request=request)
    with pytest.raises(IgnoreRequest) as caught:
        middleware.process_response(request, response)
    assert _kind(caught.value) == "too_large"


@pytest.mark.parametrize("exc", [
    DownloadCancelledError("Expected to receive 20000000 bytes which is larger than download max size"),
    CancelledError(),
])
def test_an_announced_or_streamed_body_over_the_limit_is_too_large(exc: BaseException) -> None:
    assert _kind(exc) == "too_large"


def test_other_ignored_requests_keep_their_kinds() -> None:
    assert _kind(IgnoreRequest("Forbidden by robots.txt")) == "robots_forbidden"
    assert _kind(IgnoreRequest("blocked: http://127.0.0.1/: loopback")) == "blocked_address"
    assert _kind(IgnoreRequest("max redirections reached")) == "ignored"
