# A plain image for the monitor: the default rules and the seeds demo, data in a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MONITOR_DATABASE_URL=sqlite:////app/data/monitor.db

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY monitor ./monitor
COPY alembic ./alembic
COPY config ./config
COPY seeds ./seeds
# Editable install: the migrations in /app/alembic sit next to the package, where the app looks for them.
RUN pip install -e . \
    && useradd --system --home-dir /app monitor \
    && mkdir -p /app/data \
    && chown monitor /app/data

USER monitor
VOLUME ["/app/data"]
ENTRYPOINT ["monitor"]
CMD ["run"]
