"""Typed settings from environment variables over an optional TOML file.

Precedence: environment > TOML file > defaults. The token is kept out of `repr` so that
logging a Settings object can never leak it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_API_BASE = "https://api.telegram.org/bot"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is meant for the operator, one line."""


@dataclass(frozen=True)
class Settings:
    token: str = field(default="", repr=False)
    db_path: str = "./banzu.db"
    api_base: str = DEFAULT_API_BASE
    admins: frozenset[int] = frozenset()
    tz_name: str = "Asia/Shanghai"
    bot_username: str = "banzu_demo_bot"
    language: str = "zh-CN"
    registration_max_failures: int = 5
    registration_pause_minutes: int = 15
    # The second check at registration, so a colleague cannot take over someone's entry by
    # typing their (sequential) employee number: "phone" asks for the last 4 digits of the
    # mobile the roster holds (people without one register with the number alone); "leader"
    # links the account only when the team's leader presses 同意; "none" trusts the number.
    registration_check: str = "phone"
    # What the roster's political-work titles (书记, 政工员, 工会主席, 团支部书记; the list is
    # [staff_admins] in data/org/job_titles.toml) become at import: "tag" (the tag only) or
    # "admin" (admins as well, where those staff run the programme).
    political_titles: str = "tag"
    log_level: str = "INFO"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def require_token(self) -> str:
        if not self.token:
            raise SettingsError(
                "BANZU_TOKEN is not set: export the token from @BotFather "
                "(or use `banzu demo`, which needs none)"
            )
        return self.token


_ENV = {
    "BANZU_TOKEN": "token",
    "BANZU_DB": "db_path",
    "BANZU_API_BASE": "api_base",
    "BANZU_ADMINS": "admins",
    "BANZU_TZ": "tz_name",
    "BANZU_BOT_USERNAME": "bot_username",
    "BANZU_LOG_LEVEL": "log_level",
    "BANZU_POLITICAL_TITLES": "political_titles",
}
_TOML = {
    "token": "token",
    "db": "db_path",
    "api_base": "api_base",
    "admins": "admins",
    "tz": "tz_name",
    "bot_username": "bot_username",
    "language": "language",
    "log_level": "log_level",
    "registration_max_failures": "registration_max_failures",
    "registration_pause_minutes": "registration_pause_minutes",
    "registration_check": "registration_check",
    "political_titles": "political_titles",
}


def parse_admins(value: Any) -> frozenset[int]:
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = str(value).replace(";", ",").replace(" ", ",").split(",")
    try:
        return frozenset(int(v) for v in items if v.strip())
    except ValueError as exc:
        raise SettingsError(f"BANZU_ADMINS must be Telegram user ids, got {value!r}") from exc


def load_settings(
    env: Mapping[str, str] | None = None, config_file: str | Path | None = None
) -> Settings:
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = config_file or env.get("BANZU_CONFIG")
    if path:
        values.update(_from_toml(Path(path)))
    for name, attr in _ENV.items():
        if env.get(name):
            values[attr] = env[name]
    return _build(values)


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc
    section = raw.get("banzu", raw)
    unknown = set(section) - set(_TOML)
    if unknown:
        raise SettingsError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
    return {_TOML[k]: v for k, v in section.items()}


def _build(values: dict[str, Any]) -> Settings:
    if "admins" in values:
        values["admins"] = parse_admins(values["admins"])
    for key in ("registration_max_failures", "registration_pause_minutes"):
        if key in values:
            try:
                values[key] = int(values[key])
            except (TypeError, ValueError) as exc:
                raise SettingsError(f"{key} must be a whole number") from exc
    if values.get("registration_check", "phone") not in ("phone", "leader", "none"):
        raise SettingsError('registration_check must be "phone", "leader" or "none"')
    if values.get("political_titles", "tag") not in ("tag", "admin"):
        raise SettingsError('political_titles must be "tag" or "admin"')
    settings = Settings(**values)
    try:
        settings.tz  # noqa: B018 - validate early, with a clear message
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"BANZU_TZ is not a known time zone: {settings.tz_name!r}") from exc
    return settings
