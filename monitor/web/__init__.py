"""The web side, read-only: the JSON API under /api, /healthz, /readyz and /metrics (`monitor serve`).

- `schemas`: the pydantic models of what is known; the CLI's `--json` output is these models too.
- `queries`: fills them from the database (used by the API and the CLI alike).
- `api`: the /api routes; `ops`: health, readiness and Prometheus metrics.
- `guard`: the token check, the access log and the secret filter; `app`: `create_app` puts it together.

Importing this package imports no web framework: the CLI uses `schemas` and `queries` without FastAPI.
"""
