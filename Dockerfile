# veille's image: every stage (`veille crawl|process|index|alert`), the embedded default
# (`veille run`), the offline demo (`veille demo`), `veille doctor` and `veille kibana import`.
# docker-compose.yml builds it as veille:dev.
#
# veille is a normal (non-editable) install in site-packages; what it reads besides its code is
# found through settings, never through the source tree:
#   VEILLE_SOURCES     /etc/veille/sources.yaml   the source registry   (compose mounts ./sources.yaml)
#   VEILLE_RULES       /etc/veille/rules.yaml     the alert rules       (compose mounts ./rules.yaml)
#   VEILLE_DEMO_SITES  /usr/share/veille/demo-sites  the recorded sites `veille demo` serves
# tests/deploy/test_compose.py rebuilds this file set from the COPY and ENV lines below and loads
# the configuration and every compose service's command from exactly these files.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Dependencies first, read from pyproject.toml, so a code change does not reinstall them.
COPY pyproject.toml /src/
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The packages, installed into site-packages (package data included); /src is removed after.
COPY README.md /src/
COPY veille/ /src/veille/
COPY crawlers/ /src/crawlers/
COPY processors/ /src/processors/
COPY sinks/ /src/sinks/
RUN pip install --no-deps /src && rm -rf /src

# Configuration (defaults; docker-compose.yml mounts the host's files over them, read-only) and
# the demo's recorded sites (a demo asset; the checkout keeps them in tests/fixtures/sites).
COPY sources.yaml rules.yaml /etc/veille/
COPY tests/fixtures/sites/ /usr/share/veille/demo-sites/
ENV VEILLE_SOURCES=/etc/veille/sources.yaml \
    VEILLE_RULES=/etc/veille/rules.yaml \
    VEILLE_DEMO_SITES=/usr/share/veille/demo-sites

RUN useradd --create-home --uid 10001 veille \
    && mkdir /data \
    && chown veille /data
USER veille
WORKDIR /data
ENV VEILLE_HOME=/data
# /healthz and /metrics of a stage when VEILLE_METRICS_PORT=9100 (as docker-compose.yml sets).
EXPOSE 9100
CMD ["veille", "run"]
