"""Runtime settings from the environment (prefix `MONITOR_`).

Secrets (notification URLs with tokens, database passwords) belong here, never in the YAML rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"


class Settings(BaseSettings):
    """Every field is read from `MONITOR_<NAME>`; see the README's "Settings" table."""

    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="ignore")

    config: Path = Field(default=Path("config/monitor.yaml"), description="Watch-rules YAML file.")
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; the default is a SQLite file in ./data.",
    )
    notify_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra Apprise URLs (space- or comma-separated) that receive every alert.",
    )
    apprise_config: Path | None = Field(
        default=None,
        description="An Apprise config file whose tagged URLs routes can select with `tags:`.",
    )
    allow_empty_rules: bool = Field(
        default=False,
        description="Accept an empty or comment-only rules file (no sources, no claims).",
    )
    api_token: SecretStr | None = Field(
        default=None,
        description="The token `monitor serve` requires (needed to serve on a non-loopback address).",
    )

    @field_validator("notify_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return []
            # Apprise's own splitter: keeps commas inside a URL's query (mailto://...?to=a@x,b@y).
            from apprise.utils.parse import parse_urls  # only when set: importing Apprise takes time

            return list(parse_urls(value))  # type: ignore[no-untyped-call]
        return value
