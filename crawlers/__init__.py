"""Collectors: Scrapy spiders and feed pollers that turn a site into items on the bus."""
