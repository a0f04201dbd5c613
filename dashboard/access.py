"""Who may sign in, and what each viewer may see.

Configuration: dashboard/access.yml (setting paths.dashboard_access, CX_DASHBOARD_ACCESS). It maps
roles to the views they may open, and users to a role, a password hash and a scope:

- executive: every view and region; customer pages with contacts masked.
- region_head: the region view for their `regions` only, and the customers with an
  order or CRM account in those regions (contacts masked unless they own the customer).
- account_manager: the customer view for the customers whose account manager is their
  `manager_id`; they own those customers, so they see their contacts' phones and e-mails.
- cx_team: the CX view and every customer page (contacts masked).
- data_steward: the identity review page only.

Pure: no Streamlit. Passwords are PBKDF2-SHA256 hashes (`hash_password`), compared in
constant time; an unknown user and a wrong password fail the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from cx_settings import load_settings

ROLES = ("executive", "region_head", "account_manager", "cx_team", "data_steward")
_ITERATIONS = 120_000


def hash_password(password: str, salt: str | None = None, iterations: int = _ITERATIONS) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, _ = stored.split("$", 3)
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    return hmac.compare_digest(hash_password(password, salt, int(iterations)), stored)


@dataclass(frozen=True)
class Viewer:
    """A signed-in user and their scope. `regions`/`manager_id` None means unrestricted."""

    username: str
    display_name: str
    role: str
    views: tuple[str, ...]
    regions: tuple[str, ...] | None = None
    manager_id: str | None = None
    reports_to: str | None = None
    email: str | None = None

    @property
    def sees_all_customers(self) -> bool:
        return self.role in ("executive", "cx_team")

    def may_open(self, view: str) -> bool:
        return view in self.views

    def allowed_regions(self, available: Iterable[str]) -> list[str]:
        available = list(available)
        if self.regions is None:
            return available
        return [r for r in available if r in self.regions]

    def owns(self, account_manager_ids: str | None) -> bool:
        """True when the customer's account managers include this viewer."""
        if not self.manager_id or not account_manager_ids:
            return False
        ids = {a.strip() for a in str(account_manager_ids).split(",")}
        return self.manager_id in ids


@dataclass(frozen=True)
class Access:
    roles: dict[str, tuple[str, ...]]
    users: dict[str, dict] = field(default_factory=dict)

    def viewer(self, username: str) -> Viewer:
        u = self.users[username]
        role = u["role"]
        regions = u.get("regions")
        return Viewer(
            username=username,
            display_name=str(u.get("name", username)),
            role=role,
            views=self.roles[role],
            regions=tuple(regions) if regions is not None else None,
            manager_id=u.get("manager_id"),
            reports_to=u.get("reports_to"),
            email=u.get("email"),
        )

    def sign_in(self, username: str, password: str) -> Viewer | None:
        u = self.users.get(username)
        # hash even for an unknown user, so timing says nothing about who exists
        stored = u["password"] if u else hash_password("x", "unknown-user")
        ok = verify_password(password, stored)
        return self.viewer(username) if (u and ok) else None

    def owner(self, owner_id: str) -> Viewer | None:
        """The user whose manager_id is an alert's owner id (an account manager, cx_team)."""
        for name, u in self.users.items():
            if u.get("manager_id") == owner_id:
                return self.viewer(name)
        return None

    def manager_of(self, owner_id: str) -> Viewer | None:
        """Whom an alert owner's SLA breach escalates to: the owner's `reports_to`."""
        owner = self.owner(owner_id)
        if owner is None or owner.reports_to not in self.users:
            return None
        return self.viewer(owner.reports_to)


def config_path() -> Path:
    return load_settings().paths.dashboard_access


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Access:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    roles = {r: tuple(v["views"]) for r, v in (raw.get("roles") or {}).items()}
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles in {path}: {sorted(unknown)}")
    users = {str(k): dict(v) for k, v in (raw.get("users") or {}).items()}
    for name, u in users.items():
        if u.get("role") not in roles:
            raise ValueError(f"user {name} in {path}: role {u.get('role')!r} not configured")
        if u["role"] == "region_head" and not u.get("regions"):
            raise ValueError(f"user {name} in {path}: a region head needs regions")
        if u["role"] == "account_manager" and not u.get("manager_id"):
            raise ValueError(f"user {name} in {path}: an account manager needs manager_id")
    return Access(roles=roles, users=users)


def load(path: Path | None = None) -> Access:
    p = path or config_path()
    return _load(str(p), p.stat().st_mtime)


MASK = "•••"


def mask_email(value: object) -> object:
    if not isinstance(value, str) or "@" not in value:
        return value if value is None else MASK
    local, _, domain = value.partition("@")
    return f"{local[:1]}{MASK}@{domain}"


def mask_phone(value: object) -> object:
    if not isinstance(value, str) or not value:
        return value
    digits = [c for c in value if c.isdigit()]
    return f"{MASK}{''.join(digits[-2:])}" if digits else MASK
