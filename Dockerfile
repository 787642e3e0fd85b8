# tokencast: a small runtime image that applies the migrations and serves with several workers.
#
#   docker build -t tokencast .
#   docker run -p 8000:8000 -e TOKENCAST_DATABASE_URL=postgresql+psycopg://user:pass@db:5432/tokencast tokencast
#
# BASE_IMAGE is any Debian bookworm image with Python 3.11 and its venv module; the default is the
# official slim image. The container test builds its own base offline and passes it here.
ARG BASE_IMAGE=python:3.11-slim-bookworm

# Build stage: the dependencies into a virtual environment (/opt/venv), the project beside it
# (/opt/tokencast). Two folders, so that a change to the code rebuilds only the small one.
FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/venv
# The dependencies' layer is reused while pyproject.toml is unchanged (an empty package stands
# in for the code while they install). Their test suites are dropped; bytecode is compiled once
# here, since the non-root user could not write it at run time.
COPY pyproject.toml README.md /src/
RUN mkdir -p /src/app /src/models \
 && touch /src/app/__init__.py /src/models/__init__.py \
 && /opt/venv/bin/pip install /src \
 && /opt/venv/bin/pip uninstall --yes tokencast \
 && rm -rf /src/app /src/models \
 && find /opt/venv -depth -type d \
      \( -name __pycache__ -o -path '/opt/venv/lib/python3*/site-packages/*/tests' \) \
      -exec rm -rf {} + \
 && /opt/venv/bin/python -m compileall -q /opt/venv/lib
COPY app /src/app
COPY models /src/models
RUN /opt/venv/bin/pip install --no-deps --no-compile --target /opt/tokencast /src \
 && /opt/venv/bin/python -m compileall -q /opt/tokencast

# Runtime stage: the two folders, the migrations and the bundled sample; no compiler, no system
# packages (the PDF renderer, ReportLab, is pure PyPI and embeds matplotlib's DejaVu fonts);
# runs as a non-root user.
FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/tokencast --create-home tokencast
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/tokencast /opt/tokencast
WORKDIR /srv/tokencast
COPY alembic.ini ./
COPY migrations ./migrations
COPY data ./data
# PATH, PYTHONPATH: the project's command and package, then the venv. TOKENCAST_PROJECT_ROOT:
# where the package finds alembic.ini, migrations/ and data/. TOKENCAST_WORKERS: uvicorn worker
# processes. MPLCONFIGDIR: matplotlib's cache in the non-root user's home.
ENV PATH=/opt/tokencast/bin:/opt/venv/bin:$PATH PYTHONPATH=/opt/tokencast \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    TOKENCAST_PROJECT_ROOT=/srv/tokencast \
    TOKENCAST_DATABASE_URL=sqlite:////var/lib/tokencast/tokencast.db \
    TOKENCAST_WORKERS=2 TOKENCAST_PORT=8000 \
    MPLCONFIGDIR=/var/lib/tokencast/.matplotlib
USER tokencast
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request as u; r = u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('TOKENCAST_PORT', '8000'), timeout=4); sys.exit(r.status != 200)"]
# exec: uvicorn becomes PID 1 and gets the stop signal.
CMD ["sh", "-c", "tokencast migrate && exec tokencast serve --host 0.0.0.0 --port \"${TOKENCAST_PORT}\""]
