FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md scrapy.cfg sources.yaml ./
COPY veille veille
COPY crawlers crawlers
COPY processors processors
COPY sinks sinks
COPY tests/fixtures tests/fixtures
RUN pip install --no-cache-dir -e .
ENV VEILLE_HOME=/data
ENTRYPOINT []
CMD ["veille", "run"]
