"""Scrapy settings for every veille spider, in one place (`scrapy.cfg` points here).

Values that operators tune come from `VEILLE_*` variables (the crawlers' own in
crawlers/config.py, the shared ones in veille.settings) so that `scrapy crawl` and `veille run`
behave the same; politeness, size limits and address checks are downloader middleware, written
once for all spiders.
"""

from crawlers.config import crawler_settings
from veille.settings import get_settings

_veille = get_settings()
_crawler = crawler_settings()

BOT_NAME = "veille"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = _crawler.user_agent
ROBOTSTXT_OBEY = True

# Politeness: few parallel requests per host, a delay that adapts to the server's latency.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Bad input must not stall a round: bounded size, bounded time, few retries.
DOWNLOAD_MAXSIZE = _crawler.max_page_bytes
DOWNLOAD_WARNSIZE = _crawler.max_page_bytes // 2
DOWNLOAD_TIMEOUT = _crawler.download_timeout
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]  # 429 is handled with Retry-After
REDIRECT_MAX_TIMES = 5

# The address connected to is the address checked: this resolver refuses private answers
# at connect time (DNS rebinding), see crawlers/address_guard.py.
TWISTED_DNS_RESOLVER = "crawlers.address_guard.GuardedResolver"

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy's INFO is a page of stats per spider; veille reports rounds itself.
_level = _veille.log_level.upper()
LOG_LEVEL = _level if _level in ("DEBUG", "ERROR", "CRITICAL") else "WARNING"

DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.AddressGuardMiddleware": 540,
    "crawlers.middlewares.RetryAfterMiddleware": 551,
    "crawlers.middlewares.ConnectRefusalMiddleware": 555,
    "crawlers.middlewares.MirrorMiddleware": 950,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.CollectPipeline": 300,
}
SPIDER_CONTRACTS = {
    "crawlers.contracts.SourceContract": 10,
    "crawlers.contracts.MirrorContract": 11,
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

# Against the local offline mirror there is no one to be polite to: no delay, more parallelism.
if _crawler.mirror:
    DOWNLOAD_DELAY = 0
    AUTOTHROTTLE_ENABLED = False
    CONCURRENT_REQUESTS_PER_DOMAIN = 8
