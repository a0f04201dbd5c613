"""The loader's limits: plausible dates, length caps, accepted encodings, the settle
interval of files in flight. Values are settings (cx_settings, section `ingest`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cx_settings import Ingest, load_settings


@dataclass(frozen=True)
class Limits:
    earliest_date: date
    latest_years_ahead: int
    max_length: dict[str, int]
    encodings: tuple[str, ...]
    settle_seconds: float

    def latest_date(self, today: date) -> date:
        """The last plausible date for a file loaded on `today`."""
        try:
            return today.replace(year=today.year + self.latest_years_ahead)
        except ValueError:  # 29 February
            return today.replace(year=today.year + self.latest_years_ahead, day=28)


def limits_from(s: Ingest) -> Limits:
    return Limits(
        earliest_date=s.earliest_date,
        latest_years_ahead=s.latest_years_ahead,
        max_length=dict(s.max_length),
        encodings=tuple(e.lower().replace("-", "_") for e in s.encodings),
        settle_seconds=s.landing_settle_seconds,
    )


def load_limits() -> Limits:
    return limits_from(load_settings().ingest)
