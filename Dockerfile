# veille's image: every stage (`veille crawl|process|index|alert`), the embedded default
# (`veille run`), the offline demo (`veille demo`) and `veille kibana import`.
# docker-compose.yml builds it as veille:dev.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, read from pyproject.toml, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The packages, plus what they read from the repo root (veille.settings.REPO_ROOT): the source
# registry, scrapy.cfg for the scrapy tools, and the offline mirror that `veille demo` serves.
COPY README.md scrapy.cfg sources.yaml ./
COPY veille/ veille/
COPY crawlers/ crawlers/
COPY processors/ processors/
COPY sinks/ sinks/
COPY tests/fixtures/sites/ tests/fixtures/sites/
# Editable, so the code runs from /app and REPO_ROOT is /app (a plain `pip install .` would put
# it in site-packages, where sources.yaml and the mirror are not).
RUN pip install --no-deps -e .

RUN useradd --create-home --uid 10001 veille \
    && mkdir /data \
    && chown veille /data
USER veille
ENV VEILLE_HOME=/data
# /healthz and /metrics of a stage when VEILLE_METRICS_PORT=9100 (as docker-compose.yml sets).
EXPOSE 9100
CMD ["veille", "run"]
