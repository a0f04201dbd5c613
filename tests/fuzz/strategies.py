"""Hypothesis strategies: small contract-valid landing sets, drawn from the landing contract.

Written from the contract's text (docs/landing-contract.md, transcribed in
`CONTRACT` below), not from the demo generator (simworld/) nor from the loader's
own encoding of it (ingest/contract.py; tests/fuzz/test_strategies.py checks
the two agree). Every freedom the contract gives a source is exercised:

- each table a few rows, one row, none (an empty file) or left out altogether;
- random empties in every optional (`?`) column, optional columns left out of
  a file, unknown extra columns (some with names the loader itself uses);
- every timestamp form (`Z`, `+08:00`, other offsets, no zone; `T` or space;
  with or without seconds and fractions) and every boolean form (true/false,
  1/0, yes/no, 是/否);
- shuffled column order, any column-name case; csv (UTF-8, UTF-8 with BOM or
  GBK; LF or CRLF; minimal or full quoting), jsonl (null, empty or missing
  keys; JSON numbers and booleans) and parquet (all text, or typed columns);
- a table split over several files, a file re-sent under another name;
- edge dates (month ends, leap day, year boundaries, midnight);
- referential links that resolve or don't: orders of accounts in no CRM,
  confirmations and deliveries of unknown orders, re-created orders whose
  predecessor is missing, responses to unknown invitations. Ids come from small
  pools so that joins do happen.

`landing_sets()` draws a `LandingSet`: the rows (typed value + the text written)
and how each file is rendered. `LandingSet.write(root)` writes the files; its
repr is what Hypothesis prints for a failing example.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

# --------------------------------------------------------------------------- contract

ID, TS, DATE, NUM, INT, BOOL, TEXT = "id", "ts", "date", "num", "int", "bool", "text"


@dataclass(frozen=True)
class Col:
    name: str
    type: str
    optional: bool


def _cols(spec: str) -> tuple[Col, ...]:
    out = []
    for item in spec.split(","):
        name, type_ = item.split()
        out.append(Col(name, type_.rstrip("?"), type_.endswith("?")))
    return tuple(out)


# <source>/<table>: the contract's columns, in its order ("?" = may be empty).
CONTRACT: dict[str, tuple[Col, ...]] = {
    "crm/accounts": _cols(
        "source_system id, account_id id, account_name text, credit_code text?, "
        "parent_account_id id?, industry text?, region text?, segment text?, "
        "business_unit text?, account_manager_id id?, city text?, phone text?, "
        "website text?, created_at ts, updated_at ts"
    ),
    "crm/contacts": _cols(
        "source_system id, contact_id id, account_id id, full_name text, title text?, "
        "department text?, buying_role text?, email text?, phone text?, is_active bool?, "
        "updated_at ts"
    ),
    "crm/contracts": _cols(
        "source_system id, contract_id id, account_id id, start_date date, end_date date, "
        "contract_value num, status text, renewed_by_contract_id id?"
    ),
    "fulfillment/orders": _cols(
        "source_system id, order_id id, account_source_system id, account_id id, "
        "order_date date, requested_date date?, promised_date date, region text, "
        "business_unit text?, product_category text?, quantity num, amount num, "
        "status text, sales_rep_id id?, replaces_order_id id?, updated_at ts"
    ),
    "fulfillment/promise_changes": _cols(
        "source_system id, order_id id, old_promised_date date, new_promised_date date, "
        "changed_at ts, changed_by id?, reason text?"
    ),
    "fulfillment/deliveries": _cols(
        "source_system id, delivery_id id, order_id id, delivered_at ts, "
        "quantity_delivered num, entry_channel text, recorded_by id?, recorded_at ts, "
        "pod_signed bool?"
    ),
    "fulfillment/confirmations": _cols(
        "source_system id, confirmation_id id, order_id id, contact_phone text?, "
        "contact_email text?, confirmed_at ts, received_date date, received_in_full bool, "
        "issue_reported bool?, issue_type text?, comment text?"
    ),
    "fulfillment/regional_reports": _cols(
        "region text, business_unit text?, period_month text, orders_due int, "
        "orders_on_time int, on_time_rate num, otif_rate num?, submitted_by id?, "
        "submitted_at ts"
    ),
    "survey/invitations": _cols(
        "invitation_id id, survey_id id, survey_type text, channel text, sent_at ts, "
        "contact_email text?, contact_phone text?, order_id id?, sent_by id?"
    ),
    "survey/responses": _cols(
        "response_id id, survey_id id, survey_type text, invitation_id id?, "
        "journey_stage text?, touchpoint text?, respondent_name text?, "
        "respondent_email text?, respondent_phone text?, company_name text?, "
        "respondent_role text?, order_id id?, submitted_at ts, nps int?, ces int?, "
        "csat int?, rate_product int?, rate_price int?, rate_fulfillment int?, "
        "rate_ease int?, rate_recognition int?, rate_trust int?, rate_sales_process int?, "
        "rate_billing int?, rate_communication int?, rate_safety int?, "
        "rate_sustainability int?, comment text?"
    ),
    "public_opinion/posts": _cols(
        "post_id id, platform text, published_at ts, author_id id?, author_type text?, "
        "title text?, text text, url text?, lang text?, likes int?, shares int?, comments int?"
    ),
}

# Closed sets the contract names in its "meaning" column.
REGIONS = ("East", "South", "North", "West", "Central")
SEGMENTS = ("strategic", "key", "standard", "long_tail")
BUYING_ROLES = ("decision_maker", "purchaser", "user", "gatekeeper", "influencer", "finance")
BUYING_ROLES += ("other",)
CONTRACT_STATUS = ("active", "renewed", "churned", "pending")
ORDER_STATUS = ("open", "delivered", "cancelled")
ENTRY_CHANNELS = ("scan", "manual")
ISSUE_TYPES = ("late", "damaged", "short", "wrong_item", "paperwork", "other")
SURVEY_TYPES = ("relationship", "delivery", "support", "journey")
CHANNELS = ("sms", "email", "wechat", "mini_program", "in_app", "phone")
JOURNEY_STAGES = ("awareness", "search", "communication", "decision", "purchase")
JOURNEY_STAGES += ("delivery", "repurchase")
TOUCHPOINTS = ("sales_visit", "quote", "contract", "delivery", "invoice", "support_ticket")
TOUCHPOINTS += ("training",)
PLATFORMS = ("weibo", "wechat", "zhihu", "news", "forum", "review_site", "douyin")
AUTHOR_TYPES = ("individual", "media", "kol", "company")
LANGS = ("zh", "en")
BOOL_FORMS = (("true", "false"), ("1", "0"), ("yes", "no"), ("是", "否"))

# Small id pools, so that records of different tables meet in joins.
CRM_SYSTEMS = ("crm_east", "crm_south", "bu_welfare")
ORDER_SYSTEMS = ("oms_east", "oms_south")
CONFIRMATION_SYSTEMS = ("wx_mini", "sms_gw")
BUSINESS_UNITS = ("Industrial", "Gifts", "福利")
CATEGORIES = ("fasteners", "gift_box", "劳保用品")
# One customer under several spellings, plus others; quotes and commas on purpose.
COMPANY_NAMES = (
    "上海精测电子有限公司",
    "精测电子(上海)有限公司",
    "Shanghai Jingce Electronics Co., Ltd.",
    "广州和料医疗器械有限公司",
    "Heke Medical Devices (Guangzhou)",
    '北京"星河"科技有限公司',
    "鑫链集采",
)
CREDIT_CODES = ("91310000MA1FL0XX1A", "914401026H34520083", "9131000O-MISTYPED")
PERSON_NAMES = ("马鹏", "罗强瑶", "Zixia Deng", "O'Brien, Pat", "欧阳 娜娜")
EMAILS = ("peng.ma@jingce.cn", "luo@heke-med.com", "zd@example.com", "2273775468@qq.com")
PHONES = ("+8613708405250", "159 9753 2711", "021-42695662")
# Free text: Chinese and English, commas, quotes, a line break, text that looks
# like a null marker. UTF8_ONLY strings cannot be written in GBK.
FREE_TEXT = (
    "准时送达，很满意",
    "Late again, second time this month.",
    'said "fine", then complained',
    "第一行\n第二行",
    "N/A",
    "null",
    "包装破损；数量短少",
)
UTF8_ONLY = ("包装破损 😞", "𠮷野家")
STAFF_IDS = ("E-PLN-06", "SR-E-24", "DRV-017", "RH-E-IND")
# Unknown extra columns; some collide with names the loader or DuckDB use.
EXTRA_COLUMNS = ("note", "导出批次", "Exported_By", "_extra", "_row_number", "rowid")
EXTRA_COLUMNS += ("row_number", "file_row_number", "_raw")

EDGE_DATES = tuple(
    date.fromisoformat(d)
    for d in (
        "2023-12-31",
        "2024-01-01",
        "2024-01-31",
        "2024-02-28",
        "2024-02-29",
        "2024-03-01",
        "2024-03-31",
        "2024-04-30",
        "2024-06-30",
        "2024-12-31",
        "2025-01-01",
        "2025-02-28",
        "2025-06-30",
    )
)
EDGE_TIMES = (time(0, 0, 0), time(23, 59, 59), time(12, 0, 0), time(0, 0, 1))
LOCAL_OFFSET = timedelta(hours=8)  # zone-less timestamps are Asia/Shanghai (contract)

# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class V:
    """One cell: its typed value (for typed JSON / parquet) and the text form written."""

    typed: Any
    text: str

    def __repr__(self) -> str:
        return repr(self.text)


def dates() -> st.SearchStrategy[date]:
    return st.one_of(st.sampled_from(EDGE_DATES), st.dates(date(2023, 7, 1), date(2025, 6, 30)))


def local_datetimes(on: date | None = None) -> st.SearchStrategy[datetime]:
    day = st.just(on) if on is not None else dates()
    clock = st.one_of(st.sampled_from(EDGE_TIMES), st.times())
    return st.builds(datetime.combine, day, clock)


@st.composite
def ts_values(draw, local: datetime) -> V:
    """A local wall time written in one of the contract's timestamp forms."""
    zone = draw(st.sampled_from(("", "Z", "+08:00", "+00:00", "-05:00")))
    sep = draw(st.sampled_from(("T", " ")))
    precision = draw(st.sampled_from(("seconds", "seconds", "minutes", "fraction")))
    offset = {"": LOCAL_OFFSET, "Z": timedelta(0), "+08:00": LOCAL_OFFSET}.get(zone)
    if offset is None:
        offset = timedelta(hours=int(zone[:3]))
    wall = local - LOCAL_OFFSET + offset
    if precision == "minutes":
        wall = wall.replace(second=0, microsecond=0)
        clock = wall.strftime("%H:%M")
    elif precision == "fraction":
        clock = wall.strftime("%H:%M:%S.%f")[: draw(st.sampled_from((12, 15)))]
    else:
        wall = wall.replace(microsecond=0)
        clock = wall.strftime("%H:%M:%S")
    return V(local, f"{wall.date().isoformat()}{sep}{clock}{zone}")


def date_values(day: date) -> V:
    return V(day, day.isoformat())


@st.composite
def num_values(draw, low: int = 0, high: int = 1_000_000, places: int = 2) -> V:
    whole = draw(st.integers(low, high))
    frac = draw(st.integers(0, 10**places - 1)) if places else 0
    value = Decimal(whole) + Decimal(frac) / (10**places) if places else Decimal(whole)
    if 0 < value < Decimal("0.01"):
        value = Decimal("0.01")
    forms = [str(value), f"{value:.{places}f}"]
    if value == value.to_integral_value():
        forms.append(str(int(value)))
    return V(value, draw(st.sampled_from(forms)))


def int_values(low: int, high: int) -> st.SearchStrategy[V]:
    return st.integers(low, high).map(lambda n: V(n, str(n)))


@st.composite
def bool_values(draw, forms: tuple[str, str] | None = None) -> V:
    value = draw(st.booleans())
    pair = forms or draw(st.sampled_from(BOOL_FORMS))
    return V(value, pair[0] if value else pair[1])


def texts(pool: tuple[str, ...]) -> st.SearchStrategy[V]:
    return st.sampled_from(pool).map(lambda s: V(s, s))


def free_texts() -> st.SearchStrategy[V]:
    return texts(FREE_TEXT + UTF8_ONLY)


# --------------------------------------------------------------------------- rows


Row = dict[str, V | None]


@st.composite
def _maybe(draw, value: V | st.SearchStrategy[V], rate: float) -> V | None:
    """An optional cell: never, sometimes or always empty (rate 0, 0.5 or 1, drawn per table)."""
    if rate >= 1 or (rate > 0 and draw(st.booleans())):
        return None
    return draw(value) if isinstance(value, st.SearchStrategy) else value


@st.composite
def empty_rates(draw, table: str) -> dict[str, float]:
    """Per optional column: never, sometimes or always empty in this landing set."""
    return {
        col.name: draw(st.sampled_from((0.0, 0.5, 1.0))) for col in CONTRACT[table] if col.optional
    }


def _fill(draw, table: str, rates: dict[str, float], values: dict[str, Any]) -> Row:
    """A row of `table` from `values` (V, strategy or None); optional cells may be emptied."""
    row: Row = {}
    for col in CONTRACT[table]:
        value = values.get(col.name)
        if col.optional:
            row[col.name] = None if value is None else draw(_maybe(value, rates[col.name]))
        else:
            assert value is not None, f"{table}.{col.name} is required"
            row[col.name] = draw(value) if isinstance(value, st.SearchStrategy) else value
    return row


def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, n + 1)]


@st.composite
def world(draw) -> dict[str, list[Row]]:
    """Rows of every contract table (some empty), with ids that link across tables."""
    sizes = {t: draw(st.sampled_from((0, 1, 1, 2, 3, 4))) for t in CONTRACT}
    sizes["fulfillment/orders"] = draw(st.sampled_from((0, 1, 2, 3, 4, 6)))
    rates = {t: draw(empty_rates(t)) for t in CONTRACT}
    rows: dict[str, list[Row]] = {t: [] for t in CONTRACT}
    ghost = "GHOST"  # ids that resolve nowhere

    # crm/accounts: a few accounts spread over one to three CRMs.
    crms = draw(st.lists(st.sampled_from(CRM_SYSTEMS), min_size=1, max_size=3, unique=True))
    accounts: list[tuple[str, str, str]] = []  # (crm, account_id, name)
    for account_id in _ids("A", sizes["crm/accounts"]):
        crm = draw(st.sampled_from(crms))
        name = draw(texts(COMPANY_NAMES))
        created = draw(local_datetimes())
        updated = created + draw(st.sampled_from((timedelta(0), timedelta(days=400))))
        siblings = [a for c, a, _ in accounts if c == crm]
        rows["crm/accounts"].append(
            _fill(
                draw,
                "crm/accounts",
                rates["crm/accounts"],
                {
                    "source_system": V(crm, crm),
                    "account_id": V(account_id, account_id),
                    "account_name": name,
                    "credit_code": texts(CREDIT_CODES),
                    "parent_account_id": texts(tuple(siblings) or (ghost,)),
                    "industry": texts(("医疗器械", "Electronics")),
                    "region": texts(REGIONS),
                    "segment": texts(SEGMENTS),
                    "business_unit": texts(BUSINESS_UNITS),
                    "account_manager_id": texts(STAFF_IDS),
                    "city": texts(("上海", "Guangzhou")),
                    "phone": texts(PHONES),
                    "website": texts(("https://jingce.cn", "www.heke-med.com")),
                    "created_at": ts_values(created),
                    "updated_at": ts_values(updated),
                },
            )
        )
        accounts.append((crm, account_id, name.text))

    def account_ref(crm: str | None = None) -> tuple[str, str]:
        """An account that exists (mostly) or one in no CRM."""
        pool = [(c, a) for c, a, _ in accounts if crm in (None, c)]
        if pool and draw(st.integers(0, 4)) > 0:
            return draw(st.sampled_from(pool))
        return (crm or draw(st.sampled_from(CRM_SYSTEMS)), ghost)

    # crm/contacts
    emails: list[str] = []
    contact_bool = draw(st.sampled_from(BOOL_FORMS))
    for contact_id in _ids("C", sizes["crm/contacts"]):
        crm, account_id = account_ref(draw(st.sampled_from(crms)))
        email = draw(texts(EMAILS))
        emails.append(email.text)
        rows["crm/contacts"].append(
            _fill(
                draw,
                "crm/contacts",
                rates["crm/contacts"],
                {
                    "source_system": V(crm, crm),
                    "contact_id": V(contact_id, contact_id),
                    "account_id": V(account_id, account_id),
                    "full_name": texts(PERSON_NAMES),
                    "title": texts(("采购经理", "VP Operations")),
                    "department": texts(("采购部", "Finance")),
                    "buying_role": texts(BUYING_ROLES),
                    "email": email,
                    "phone": texts(PHONES),
                    "is_active": bool_values(contact_bool),
                    "updated_at": ts_values(draw(local_datetimes())),
                },
            )
        )

    # crm/contracts: renewals point to another contract, or to one not exported.
    contract_ids = _ids("K", sizes["crm/contracts"])
    for contract_id in contract_ids:
        crm, account_id = account_ref(draw(st.sampled_from(crms)))
        start = draw(dates())
        end = start + timedelta(days=draw(st.sampled_from((0, 1, 364, 365, 366))))
        rows["crm/contracts"].append(
            _fill(
                draw,
                "crm/contracts",
                rates["crm/contracts"],
                {
                    "source_system": V(crm, crm),
                    "contract_id": V(contract_id, contract_id),
                    "account_id": V(account_id, account_id),
                    "start_date": date_values(start),
                    "end_date": date_values(end),
                    "contract_value": num_values(),
                    "status": texts(CONTRACT_STATUS),
                    "renewed_by_contract_id": texts(tuple(contract_ids) + (ghost,)),
                },
            )
        )

    # fulfillment/orders: some re-create a cancelled order (present or missing);
    # some arrive again as a later version.
    oms = draw(st.lists(st.sampled_from(ORDER_SYSTEMS), min_size=1, max_size=2, unique=True))
    orders: list[tuple[str, str, date, date, str]] = []  # (oms, id, order, promise, status)
    for n, order_id in enumerate(_ids("O", sizes["fulfillment/orders"])):
        system = draw(st.sampled_from(oms))
        crm, account_id = account_ref()
        ordered = draw(dates())
        promised = ordered + timedelta(days=draw(st.integers(0, 20)))
        status = draw(st.sampled_from(ORDER_STATUS))
        predecessors = tuple(o for _, o, *_ in orders[:n]) + ("O-MISSING",)
        values = {
            "source_system": V(system, system),
            "order_id": V(order_id, order_id),
            "account_source_system": V(crm, crm),
            "account_id": V(account_id, account_id),
            "order_date": date_values(ordered),
            "requested_date": date_values(promised - timedelta(days=draw(st.integers(0, 3)))),
            "promised_date": date_values(promised),
            "region": draw(texts(REGIONS)),
            "business_unit": texts(BUSINESS_UNITS),
            "product_category": texts(CATEGORIES),
            "quantity": num_values(0, 500, 3),
            "amount": num_values(),
            "status": V(status, status),
            "sales_rep_id": texts(STAFF_IDS),
            "replaces_order_id": texts(predecessors) if draw(st.integers(0, 3)) == 0 else None,
            "updated_at": ts_values(datetime.combine(ordered, time(9)) + timedelta(hours=1)),
        }
        rows["fulfillment/orders"].append(
            _fill(draw, "fulfillment/orders", rates["fulfillment/orders"], values)
        )
        if draw(st.integers(0, 4)) == 0:  # a later version of the same order
            later = draw(st.sampled_from(ORDER_STATUS))
            updated = datetime.combine(promised, time(18)) + timedelta(days=1)
            values = {**values, "status": V(later, later), "updated_at": ts_values(updated)}
            rows["fulfillment/orders"].append(
                _fill(draw, "fulfillment/orders", rates["fulfillment/orders"], values)
            )
        orders.append((system, order_id, ordered, promised, status))

    def order_ref() -> tuple[str, str, date, date]:
        """An order that exists (mostly) or an unknown one."""
        if orders and draw(st.integers(0, 4)) > 0:
            system, order_id, ordered, promised, _ = draw(st.sampled_from(orders))
            return system, order_id, ordered, promised
        ordered = draw(dates())
        return draw(st.sampled_from(ORDER_SYSTEMS)), "O-UNKNOWN", ordered, ordered

    # fulfillment/promise_changes: revisions before, on or after the old promise.
    for _ in range(sizes["fulfillment/promise_changes"]):
        system, order_id, ordered, promised = order_ref()
        old = promised - timedelta(days=draw(st.integers(0, 5)))
        changed = datetime.combine(old + timedelta(days=draw(st.integers(-3, 3))), time(11))
        rows["fulfillment/promise_changes"].append(
            _fill(
                draw,
                "fulfillment/promise_changes",
                rates["fulfillment/promise_changes"],
                {
                    "source_system": V(system, system),
                    "order_id": V(order_id, order_id),
                    "old_promised_date": date_values(old),
                    "new_promised_date": date_values(promised),
                    "changed_at": ts_values(changed),
                    "changed_by": texts(STAFF_IDS),
                    "reason": texts(("客户要求延期", "capacity", "产能调整")),
                },
            )
        )

    # fulfillment/deliveries: scans and manual entries around the promise.
    pod = draw(st.sampled_from(BOOL_FORMS))
    for delivery_id in _ids("D", sizes["fulfillment/deliveries"]):
        system, order_id, ordered, promised = order_ref()
        delivered = datetime.combine(
            promised + timedelta(days=draw(st.integers(-3, 6))), draw(st.times())
        )
        recorded = delivered + timedelta(hours=draw(st.sampled_from((0, 1, 30, 120))))
        rows["fulfillment/deliveries"].append(
            _fill(
                draw,
                "fulfillment/deliveries",
                rates["fulfillment/deliveries"],
                {
                    "source_system": V(system, system),
                    "delivery_id": V(delivery_id, delivery_id),
                    "order_id": V(order_id, order_id),
                    "delivered_at": ts_values(delivered),
                    "quantity_delivered": num_values(0, 500, 3),
                    "entry_channel": texts(ENTRY_CHANNELS),
                    "recorded_by": texts(STAFF_IDS),
                    "recorded_at": ts_values(recorded),
                    "pod_signed": bool_values(pod),
                },
            )
        )

    # fulfillment/confirmations: what customers said, also about unknown orders.
    for confirmation_id in _ids("F", sizes["fulfillment/confirmations"]):
        _, order_id, ordered, promised = order_ref()
        received = promised + timedelta(days=draw(st.integers(-3, 6)))
        channel = draw(st.sampled_from(CONFIRMATION_SYSTEMS))
        rows["fulfillment/confirmations"].append(
            _fill(
                draw,
                "fulfillment/confirmations",
                rates["fulfillment/confirmations"],
                {
                    "source_system": V(channel, channel),
                    "confirmation_id": V(confirmation_id, confirmation_id),
                    "order_id": V(order_id, order_id),
                    "contact_phone": texts(PHONES),
                    "contact_email": texts(tuple(emails) or EMAILS),
                    "confirmed_at": ts_values(
                        datetime.combine(received, time(20))
                        + timedelta(hours=draw(st.integers(0, 30)))
                    ),
                    "received_date": date_values(received),
                    "received_in_full": bool_values(),
                    "issue_reported": bool_values(),
                    "issue_type": texts(ISSUE_TYPES),
                    "comment": free_texts(),
                },
            )
        )

    # fulfillment/regional_reports: a region-month, with or without a business unit.
    for _ in range(sizes["fulfillment/regional_reports"]):
        month = draw(dates())
        due = draw(st.integers(0, 40))
        on_time = draw(st.integers(0, due))
        rate = Decimal(on_time) / due if due else Decimal(1)
        rate = rate.quantize(Decimal("0.0001"))
        rows["fulfillment/regional_reports"].append(
            _fill(
                draw,
                "fulfillment/regional_reports",
                rates["fulfillment/regional_reports"],
                {
                    "region": draw(texts(REGIONS)),
                    "business_unit": texts(BUSINESS_UNITS),
                    "period_month": V(month.strftime("%Y-%m"), month.strftime("%Y-%m")),
                    "orders_due": V(due, str(due)),
                    "orders_on_time": V(on_time, str(on_time)),
                    "on_time_rate": V(rate, str(rate)),
                    "otif_rate": V(rate, str(rate)),
                    "submitted_by": texts(STAFF_IDS),
                    "submitted_at": ts_values(
                        datetime.combine(month.replace(day=1) + timedelta(days=35), time(17))
                    ),
                },
            )
        )

    # survey/invitations: delivery surveys name their order (or an unknown one).
    invitation_ids = _ids("I", sizes["survey/invitations"])
    for invitation_id in invitation_ids:
        survey_type = draw(st.sampled_from(SURVEY_TYPES))
        _, order_id, _, promised = order_ref()
        rows["survey/invitations"].append(
            _fill(
                draw,
                "survey/invitations",
                rates["survey/invitations"],
                {
                    "invitation_id": V(invitation_id, invitation_id),
                    "survey_id": V(f"S-{survey_type}", f"S-{survey_type}"),
                    "survey_type": V(survey_type, survey_type),
                    "channel": texts(CHANNELS),
                    "sent_at": ts_values(datetime.combine(promised, time(21))),
                    "contact_email": texts(tuple(emails) or EMAILS),
                    "contact_phone": texts(PHONES),
                    "order_id": V(order_id, order_id) if survey_type == "delivery" else None,
                    "sent_by": texts(STAFF_IDS),
                },
            )
        )

    # survey/responses: to known or unknown invitations, by contacts or strangers.
    names = tuple(name for *_, name in accounts) or COMPANY_NAMES
    for response_id in _ids("R", sizes["survey/responses"]):
        survey_type = draw(st.sampled_from(SURVEY_TYPES))
        _, order_id, _, promised = order_ref()
        values: dict[str, Any] = {
            "response_id": V(response_id, response_id),
            "survey_id": V(f"S-{survey_type}", f"S-{survey_type}"),
            "survey_type": V(survey_type, survey_type),
            "invitation_id": texts(tuple(invitation_ids) + ("I-UNKNOWN",)),
            "journey_stage": texts(JOURNEY_STAGES),
            "touchpoint": texts(TOUCHPOINTS),
            "respondent_name": texts(PERSON_NAMES),
            "respondent_email": texts(tuple(emails) + EMAILS[:1]),
            "respondent_phone": texts(PHONES),
            "company_name": texts(names),
            "respondent_role": texts(BUYING_ROLES),
            "order_id": V(order_id, order_id),
            "submitted_at": ts_values(datetime.combine(promised, time(22, 30))),
            "nps": int_values(0, 10),
            "ces": int_values(1, 7),
            "csat": int_values(1, 5),
            "comment": free_texts(),
        }
        for col in CONTRACT["survey/responses"]:
            if col.name.startswith("rate_"):
                values[col.name] = int_values(1, 5)
        rows["survey/responses"].append(
            _fill(draw, "survey/responses", rates["survey/responses"], values)
        )

    # public_opinion/posts: some mention a customer by one of its names.
    for post_id in _ids("P", sizes["public_opinion/posts"]):
        platform = draw(st.sampled_from(PLATFORMS))
        text = draw(
            st.one_of(
                free_texts(),
                st.sampled_from(names).map(lambda s: V(s + "发货太慢", s + "发货太慢")),
            )
        )
        rows["public_opinion/posts"].append(
            _fill(
                draw,
                "public_opinion/posts",
                rates["public_opinion/posts"],
                {
                    "post_id": V(post_id, post_id),
                    "platform": V(platform, platform),
                    "published_at": ts_values(draw(local_datetimes())),
                    "author_id": texts(("u117732546", "u1")),
                    "author_type": texts(AUTHOR_TYPES),
                    "title": texts(("标题", "Headline, with comma")),
                    "text": text,
                    "url": texts(("https://weibo.com/1/2", "http://x.cn/a?b=1&c=2")),
                    "lang": texts(LANGS),
                    "likes": int_values(0, 10_000),
                    "shares": int_values(0, 100),
                    "comments": int_values(0, 100),
                },
            )
        )
    return rows


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class FileSpec:
    """How one landing file is written."""

    table: str
    name: str
    format: str  # csv | jsonl | parquet
    header: tuple[tuple[str, str], ...]  # (name as written, contract column or extra name)
    rows: tuple[Row, ...]
    extras: tuple[tuple[str, tuple[str, ...]], ...] = ()  # extra column -> value per row
    encoding: str = "utf-8"  # csv: utf-8 | utf-8-sig | gbk
    newline: str = "\n"
    quote_all: bool = False
    json_nulls: str = "null"  # null | empty | missing
    json_typed: bool = False
    parquet_typed: bool = False
    resent_of: str | None = None  # same bytes as that file

    @property
    def rel_path(self) -> str:
        return f"{self.table}/{self.name}"

    def columns(self) -> list[str]:
        """Contract columns present in the file."""
        return [col for _, col in self.header if col in _names(self.table)]

    def render(self) -> bytes:
        return {"csv": self._csv, "jsonl": self._jsonl, "parquet": self._parquet}[self.format]()

    def _cells(self, i: int, row: Row) -> list[tuple[str, str, V | None]]:
        extras = dict(self.extras)
        out = []
        for written, col in self.header:
            if col in extras:
                out.append((written, col, V(extras[col][i], extras[col][i])))
            else:
                out.append((written, col, row.get(col)))
        return out

    def _csv(self) -> bytes:
        buf = io.StringIO()
        quoting = csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL
        writer = csv.writer(buf, lineterminator=self.newline, quoting=quoting)
        writer.writerow([w for w, _ in self.header])
        for i, row in enumerate(self.rows):
            writer.writerow(["" if v is None else v.text for _, _, v in self._cells(i, row)])
        return buf.getvalue().encode(self.encoding)

    def _jsonl(self) -> bytes:
        types = _types(self.table)
        lines = []
        for i, row in enumerate(self.rows):
            obj: dict[str, Any] = {}
            for written, col, v in self._cells(i, row):
                if v is None:
                    if self.json_nulls != "missing":
                        obj[written] = None if self.json_nulls == "null" else ""
                elif self.json_typed and types.get(col) in (INT, BOOL):
                    obj[written] = v.typed
                elif self.json_typed and types.get(col) == NUM:
                    obj[written] = float(v.typed)
                else:
                    obj[written] = v.text
            lines.append(json.dumps(obj, ensure_ascii=i % 2 == 0))
        return "".join(line + self.newline for line in lines).encode("utf-8")

    def _parquet(self) -> bytes:
        types = _types(self.table)
        arrays, names = [], []
        for j, (written, col) in enumerate(self.header):
            cells = [self._cells(i, row)[j][2] for i, row in enumerate(self.rows)]
            kind = types.get(col) if self.parquet_typed else None
            if kind == DATE:
                arrays.append(pa.array([v and v.typed for v in cells], pa.date32()))
            elif kind == INT:
                arrays.append(pa.array([v and v.typed for v in cells], pa.int64()))
            elif kind == BOOL:
                arrays.append(pa.array([None if v is None else v.typed for v in cells], pa.bool_()))
            elif kind == NUM:
                arrays.append(pa.array([v and v.typed for v in cells], pa.decimal128(18, 4)))
            elif kind == TS:
                arrays.append(pa.array([v and v.typed for v in cells], pa.timestamp("us")))
            else:
                arrays.append(pa.array([v and v.text for v in cells], pa.string()))
            names.append(written)
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_arrays(arrays, names=names), buf)
        return buf.getvalue()

    def expected_text(self) -> list[tuple[str | None, ...]]:
        """The id and text columns of every row, as raw must hold them (empty = None)."""
        cols = [c for c in self.columns() if _types(self.table)[c] in (ID, TEXT)]
        return sort_rows(
            tuple((row[c].text or None) if row.get(c) else None for c in cols) for row in self.rows
        )

    def describe(self) -> str:
        opts = [self.format]
        if self.format == "csv":
            opts += [self.encoding, repr(self.newline)] + (["quote_all"] if self.quote_all else [])
        if self.format == "jsonl":
            opts += [f"nulls={self.json_nulls}"] + (["typed"] if self.json_typed else [])
        if self.format == "parquet" and self.parquet_typed:
            opts.append("typed")
        if self.resent_of:
            return f"{self.rel_path}: re-sent copy of {self.resent_of}"
        head = ", ".join(w for w, _ in self.header)
        lines = [f"{self.rel_path} [{' '.join(opts)}] {len(self.rows)} row(s): {head}"]
        extras = dict(self.extras)
        for i, row in enumerate(self.rows):
            cells = [
                extras[col][i] if col in extras else (row.get(col) and row[col].text)
                for _, col in self.header
            ]
            lines.append("    " + repr(cells))
        return "\n".join(lines)


def sort_rows(rows: Any) -> list[tuple[str | None, ...]]:
    """Rows in a canonical order (empty cells first), to compare as multisets."""
    return sorted(rows, key=lambda row: tuple((v is not None, v or "") for v in row))


def _names(table: str) -> set[str]:
    return {c.name for c in CONTRACT[table]}


def _types(table: str) -> dict[str, str]:
    return {c.name: c.type for c in CONTRACT[table]}


def _case(draw, name: str) -> str:
    """The column's name in any case (names are case-insensitive)."""
    style = draw(st.sampled_from(("as_is", "as_is", "upper", "title", "mixed")))
    if style == "upper":
        return name.upper()
    if style == "title":
        return name.title()
    if style == "mixed":
        return "".join(ch.upper() if i % 2 else ch for i, ch in enumerate(name))
    return name


@st.composite
def file_specs(draw, table: str, rows: list[Row], index: int) -> FileSpec:
    fmt = draw(st.sampled_from(("csv", "csv", "jsonl", "parquet")))
    cols = [c for c in CONTRACT[table] if not c.optional or draw(st.integers(0, 5)) > 0]
    written = {c.name: _case(draw, c.name) for c in cols}
    extras = draw(st.lists(st.sampled_from(EXTRA_COLUMNS), max_size=2, unique=True))
    header = [(written[c.name], c.name) for c in cols]
    header += [(e, e) for e in extras if e not in _names(table)]
    header = draw(st.permutations(header))
    extra_values = tuple(
        (e, tuple(draw(st.sampled_from(("x", "1", "批次7", ""))) for _ in rows)) for e in extras
    )
    encoding = "utf-8"
    if fmt == "csv":
        encoding = draw(st.sampled_from(("utf-8", "utf-8-sig", "gbk")))
        if encoding == "gbk" and not _gbk_safe(rows):
            encoding = "utf-8"
    stem = draw(st.sampled_from(("export", "导出", "batch 01", "2024Q4")))
    return FileSpec(
        table=table,
        name=f"{index}_{stem}.{fmt}",
        format=fmt,
        header=tuple(header),
        rows=tuple(rows),
        extras=extra_values,
        encoding=encoding,
        newline=draw(st.sampled_from(("\n", "\r\n"))),
        quote_all=draw(st.booleans()),
        json_nulls=draw(st.sampled_from(("null", "empty", "missing"))),
        json_typed=draw(st.booleans()),
        parquet_typed=draw(st.booleans()),
    )


def _gbk_safe(rows: list[Row]) -> bool:
    try:
        for row in rows:
            for v in row.values():
                if v is not None:
                    v.text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class LandingSet:
    files: tuple[FileSpec, ...]
    absent: tuple[str, ...] = field(default=())  # tables left out altogether

    def write(self, landing: Path) -> None:
        by_path = {f.rel_path: f for f in self.files}
        for f in self.files:
            path = landing / f.rel_path
            path.parent.mkdir(parents=True, exist_ok=True)
            source = by_path[f"{f.table}/{f.resent_of}"] if f.resent_of else f
            path.write_bytes(source.render())

    def loaded_files(self) -> list[FileSpec]:
        """Files whose rows must reach raw (re-sent copies are recorded, not loaded)."""
        return [f for f in self.files if f.resent_of is None]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # What Hypothesis prints for a failing example: the files and their rows.
        printer.text(repr(self))

    def __repr__(self) -> str:
        lines = [f"LandingSet ({len(self.files)} files; left out: {', '.join(self.absent) or '-'})"]
        lines += [f.describe() for f in self.files]
        return "\n".join(lines)


@st.composite
def landing_sets(draw) -> LandingSet:
    """A small contract-valid landing zone: the world's rows written as files."""
    tables = draw(world())
    files: list[FileSpec] = []
    absent: list[str] = []
    for table, rows in tables.items():
        if not rows and draw(st.booleans()):
            absent.append(table)  # left out altogether: no folder at all
            continue
        # One file, or the rows split over two (an empty table is one empty file).
        cut = draw(st.integers(0, len(rows))) if len(rows) > 1 and draw(st.booleans()) else None
        parts = [rows] if cut is None else [rows[:cut], rows[cut:]]
        for i, part in enumerate(parts):
            files.append(draw(file_specs(table, part, i)))
    if files and draw(st.integers(0, 3)) == 0:
        original = draw(st.sampled_from(files))
        ext = original.name.rsplit(".", 1)[1]
        files.append(
            FileSpec(
                table=original.table,
                name=f"9_resent.{ext}",
                format=original.format,
                header=original.header,
                rows=original.rows,
                resent_of=original.name,
            )
        )
    return LandingSet(tuple(files), tuple(absent))
