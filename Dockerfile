# veldwerk: one image for the web app and the mail worker (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/veldwerk

# Dependencies first (from pyproject.toml), so code changes do not reinstall them.
# The project itself is not pip-installed: it finds its templates, mail
# templates and migrations next to the code, so it runs from this directory.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && useradd --create-home --uid 10001 veldwerk

COPY --chown=veldwerk . .
USER veldwerk

EXPOSE 8000
# `serve` upgrades the database schema, then starts uvicorn.
CMD ["python", "-m", "app.cli", "serve", "--host", "0.0.0.0", "--port", "8000"]
