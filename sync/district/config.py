"""The district's configuration: every ``DOORSTEP_*`` environment variable the server, the
command line and the console read, in one typed class (the README's table under "Command
line" lists them; tests/test_docs.py keeps the two the same).

:func:`load_settings` reads the environment once and names the variable and the rule when a
value is wrong (:class:`ConfigError`). ``create_app`` and ``doorstep-district`` each read
it once and pass it down (``app.state.settings``, the storage, the schedules); tests build a
:class:`DistrictSettings` with the values they need instead of changing the environment.
Three values are process-wide rather than passed down — the time zone
(:func:`district_zone`, used by helpers all over the district), the console cookies'
``Secure`` flag and the 差评 callback deadline: they come from :func:`process_settings`,
the environment as read at the first use, cached.

An empty variable counts as unset (its default), as it always has.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "DOORSTEP_"


class ConfigError(ValueError):
    """A ``DOORSTEP_*`` variable with a value the district cannot use; the message names
    each such variable and its rule (``DOORSTEP_VERIFY_RATE: [greater_than_equal] …``)."""


class DistrictSettings(BaseSettings):
    """The district's settings, from ``DOORSTEP_<FIELD>`` (upper case) or given directly."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True,
                                      frozen=True, extra="forbid")

    db: str | None = Field(None, description=(
        "the district database (`--db` wins): a SQLAlchemy URL, `postgresql://…` or a "
        "file path; unset: `district.sqlite3` in the user data folder"))
    tz: str = Field("Asia/Shanghai", description=(
        "the district's time zone (IANA name): its today, working days and deadlines"))
    public_url: str = Field("", description=(
        "the address workers type into the desk's 同步设置, shown on the 办事点 page and "
        "sent at enrollment (behind a reverse proxy); unset: the address the page was "
        "opened at"))
    max_attachment: int = Field(20 * 1024 * 1024, ge=1, description=(
        "the largest attachment a desk may upload, in bytes"))
    desk_daily_upload: int = Field(500 * 1024 * 1024, ge=0, description=(
        "the attachment bytes each desk may upload a district day (resumed pieces count "
        "once); `doorstep-district upload-cap` sets a desk's own"))
    verify_rate: int = Field(60, ge=1, description=(
        "receipt checks a minute per client address (every server process together)"))
    unlock_rate: int = Field(30, ge=1, description=(
        "PIN unlocks a minute per client address (every server process together)"))
    query_rate: int = Field(30, ge=1, description=(
        "progress-page (`/q`) queries a minute per client address"))
    callback_workdays: int = Field(1, ge=0, le=366, description=(
        "the 差评 callback deadline, in working days"))
    console_insecure_cookies: bool = Field(False, description=(
        "`1`: console cookies without `Secure`, for plain HTTP on localhost (testing only)"))
    matter_schedule: float = Field(60.0, ge=0, description=(
        "seconds between the work orders' deadline runs in each server process (also the "
        "slot's length); `0` turns it off (cron runs `matter schedule`)"))
    proactive_schedule: float = Field(3600.0, ge=0, description=(
        "seconds between the proactive-service list's runs in each server process; `0` "
        "turns it off"))
    bench_discard: bool = Field(False, description=(
        "`1`: the benchmark's discard endpoint (`uvicorn --factory` only)"))

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as "
                             "Asia/Shanghai)") from None
        return value

    @field_validator("public_url", "db")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None

    @property
    def zone(self) -> ZoneInfo:
        """The district's time zone."""
        return ZoneInfo(self.tz)


def env_name(field: str) -> str:
    """The environment variable of a :class:`DistrictSettings` field."""
    return ENV_PREFIX + field.upper()


def load_settings(**given: object) -> DistrictSettings:
    """The settings from the environment (``given`` values win); a wrong value is a
    :class:`ConfigError` naming each variable and its rule."""
    try:
        return DistrictSettings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            field = str(e["loc"][0]) if e["loc"] else ""
            shown = env_name(field) if field in DistrictSettings.model_fields else field
            problems.append(f"{shown}: [{e['type']}] {e['msg']} (got {e.get('input')!r})")
        raise ConfigError("; ".join(problems)) from None


@cache
def process_settings() -> DistrictSettings:
    """The environment's settings as read at the first call, for the process-wide values
    (the time zone, the console cookies' ``Secure``, the callback deadline): read when
    first needed, never at import, so a wrong variable is reported by ``create_app`` or
    the command line (:func:`load_settings`) rather than by an import."""
    return load_settings()


def district_zone() -> ZoneInfo:
    """The district's time zone (``DOORSTEP_TZ``): its today, working days, deadlines."""
    return process_settings().zone
