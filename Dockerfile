# syntax=docker/dockerfile:1
# Build stage: install the project and its dependencies into a virtual environment.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md /src/
COPY app /src/app
COPY models /src/models
RUN /opt/venv/bin/pip install /src

# Runtime stage: the venv, the migrations and the bundled sample; runs as a non-root user.
FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    TOKENCAST_DATABASE_URL=sqlite:////var/lib/tokencast/tokencast.db
RUN useradd --system --uid 10001 --home /var/lib/tokencast --create-home tokencast
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/tokencast
COPY alembic.ini ./
COPY migrations ./migrations
COPY data ./data
# The installed package finds alembic.ini, migrations/ and data/ here.
ENV TOKENCAST_PROJECT_ROOT=/srv/tokencast
USER tokencast
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["sh", "-c", "tokencast migrate && tokencast serve --host 0.0.0.0 --port 8000"]
