"""The loader's limits (ingest/limits.yml): plausible dates, length caps, accepted
encodings, the settle interval of files in flight."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

LIMITS_FILE = Path(__file__).with_name("limits.yml")
SETTLE_ENV = "CX_LANDING_SETTLE_SECONDS"


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


def parse_limits(data: dict) -> Limits:
    return Limits(
        earliest_date=date.fromisoformat(str(data["dates"]["earliest"])),
        latest_years_ahead=int(data["dates"]["latest_years_ahead"]),
        max_length={k: int(v) for k, v in data["max_length"].items()},
        encodings=tuple(str(e).lower().replace("-", "_") for e in data["encodings"]),
        settle_seconds=float(data["settle_seconds"]),
    )


@cache
def _file_limits(path: Path) -> Limits:
    return parse_limits(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_limits(path: Path = LIMITS_FILE) -> Limits:
    """The limits file, with the settle interval overridable from the environment."""
    limits = _file_limits(path)
    settle = os.environ.get(SETTLE_ENV)
    if settle is None:
        return limits
    return Limits(
        limits.earliest_date,
        limits.latest_years_ahead,
        limits.max_length,
        limits.encodings,
        float(settle),
    )
