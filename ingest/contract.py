"""The landing-zone contract (docs/landing-contract.md) as data.

Both the loader (what to quarantine) and the demo-data generator (what it
writes and which bad rows it injects) read these definitions, so a change to
the contract is made once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column types of the contract. `ts` without a zone means Asia/Shanghai.
ID, TS, DATE, NUM, INT, BOOL, TEXT = "id", "ts", "date", "num", "int", "bool", "text"

BOOL_TRUE = ("true", "1", "yes", "是", "y", "t")
BOOL_FALSE = ("false", "0", "no", "否", "n", "f")

# What a well-formed value of each type looks like (full match on the trimmed
# value). Dates and timestamps must also be real calendar values.
TYPE_PATTERNS: dict[str, str] = {
    TS: r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?",
    DATE: r"\d{4}-\d{2}-\d{2}",
    NUM: r"[+-]?(\d+(\.\d*)?|\.\d+)",
    INT: r"[+-]?\d{1,18}",
}

BUYING_ROLES = (
    "decision_maker",
    "purchaser",
    "user",
    "gatekeeper",
    "influencer",
    "finance",
    "other",
)
SURVEY_TYPES = ("relationship", "delivery", "support", "journey")
JOURNEY_STAGES = (
    "awareness",
    "search",
    "communication",
    "decision",
    "purchase",
    "delivery",
    "repurchase",
)
SEGMENTS = ("strategic", "key", "standard", "long_tail")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = True
    # Inclusive numeric range a value must fall in (None = unbounded side).
    min_value: float | None = None
    max_value: float | None = None
    # Closed set of values (compared lower-cased and trimmed). Only for columns
    # whose meaning is lost when the value is unknown: the row is quarantined.
    accepted: tuple[str, ...] | None = None
    # Regular expression the trimmed value must fully match (beyond its type).
    pattern: str | None = None
    # `num` only: the decimal(precision, scale) staging casts to. A value with more
    # integer digits or more decimals than that is quarantined, never rounded.
    precision: int = 18
    scale: int = 2
    # Free text that may be long (comments, post bodies): the `long_text` length cap
    # of the settings (ingest.max_length) applies instead of the `text` one.
    long: bool = False


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    columns: tuple[Column, ...]
    # Business key: the columns that identify one record across re-sent files.
    key: tuple[str, ...]
    # Column that orders versions of a record (latest wins in staging).
    version_by: str | None = None
    file_format: str = "csv"
    notes: str = field(default="", compare=False)

    @property
    def qualified(self) -> str:
        return f"{self.source}__{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: str, required: bool = True, **kw: object) -> Column:
    return Column(name, type_, required, **kw)  # type: ignore[arg-type]


def _opt(name: str, type_: str, **kw: object) -> Column:
    return _c(name, type_, False, **kw)


def _rating(name: str) -> Column:
    return _opt(name, INT, min_value=1, max_value=5)


TABLES: tuple[Table, ...] = (
    Table(
        "crm",
        "accounts",
        (
            _c("source_system", ID),
            _c("account_id", ID),
            _c("account_name", TEXT),
            _opt("credit_code", TEXT),
            _opt("parent_account_id", ID),
            _opt("industry", TEXT),
            _opt("region", TEXT),
            _opt("segment", TEXT),
            _opt("business_unit", TEXT),
            _opt("account_manager_id", ID),
            _opt("city", TEXT),
            _opt("phone", TEXT),
            _opt("website", TEXT),
            _c("created_at", TS),
            _c("updated_at", TS),
        ),
        key=("source_system", "account_id"),
        version_by="updated_at",
    ),
    Table(
        "crm",
        "contacts",
        (
            _c("source_system", ID),
            _c("contact_id", ID),
            _c("account_id", ID),
            _c("full_name", TEXT),
            _opt("title", TEXT),
            _opt("department", TEXT),
            _opt("buying_role", TEXT),
            _opt("email", TEXT),
            _opt("phone", TEXT),
            _opt("is_active", BOOL),
            _c("updated_at", TS),
        ),
        key=("source_system", "contact_id"),
        version_by="updated_at",
    ),
    Table(
        "crm",
        "contracts",
        (
            _c("source_system", ID),
            _c("contract_id", ID),
            _c("account_id", ID),
            _c("start_date", DATE),
            _c("end_date", DATE),
            _c("contract_value", NUM, min_value=0, precision=18, scale=2),
            _c("status", TEXT, accepted=("active", "renewed", "churned", "pending")),
            _opt("renewed_by_contract_id", ID),
        ),
        key=("source_system", "contract_id"),
        version_by=None,
    ),
    Table(
        "fulfillment",
        "orders",
        (
            _c("source_system", ID),
            _c("order_id", ID),
            _c("account_source_system", ID),
            _c("account_id", ID),
            _c("order_date", DATE),
            _opt("requested_date", DATE),
            _c("promised_date", DATE),
            _c("region", TEXT),
            _opt("business_unit", TEXT),
            _opt("product_category", TEXT),
            _c("quantity", NUM, min_value=0, precision=18, scale=3),
            _c("amount", NUM, min_value=0, precision=18, scale=2),
            _c("status", TEXT, accepted=("open", "delivered", "cancelled")),
            _opt("sales_rep_id", ID),
            _opt("replaces_order_id", ID),
            _c("updated_at", TS),
        ),
        key=("source_system", "order_id"),
        version_by="updated_at",
    ),
    Table(
        "fulfillment",
        "promise_changes",
        (
            _c("source_system", ID),
            _c("order_id", ID),
            _c("old_promised_date", DATE),
            _c("new_promised_date", DATE),
            _c("changed_at", TS),
            _opt("changed_by", ID),
            _opt("reason", TEXT, long=True),
        ),
        key=("source_system", "order_id", "changed_at", "new_promised_date"),
        version_by=None,
    ),
    Table(
        "fulfillment",
        "deliveries",
        (
            _c("source_system", ID),
            _c("delivery_id", ID),
            _c("order_id", ID),
            _c("delivered_at", TS),
            _c("quantity_delivered", NUM, min_value=0, precision=18, scale=3),
            _c("entry_channel", TEXT, accepted=("scan", "manual")),
            _opt("recorded_by", ID),
            _c("recorded_at", TS),
            _opt("pod_signed", BOOL),
        ),
        key=("source_system", "delivery_id"),
        version_by="recorded_at",
    ),
    Table(
        "fulfillment",
        "confirmations",
        (
            _c("source_system", ID),
            _c("confirmation_id", ID),
            _c("order_id", ID),
            _opt("contact_phone", TEXT),
            _opt("contact_email", TEXT),
            _c("confirmed_at", TS),
            _c("received_date", DATE),
            _c("received_in_full", BOOL),
            _opt("issue_reported", BOOL),
            _opt("issue_type", TEXT),
            _opt("comment", TEXT, long=True),
        ),
        key=("source_system", "confirmation_id"),
        version_by="confirmed_at",
    ),
    Table(
        "fulfillment",
        "regional_reports",
        (
            _c("region", TEXT),
            _opt("business_unit", TEXT),
            _c("period_month", TEXT, pattern=r"\d{4}-(0[1-9]|1[0-2])"),
            _c("orders_due", INT, min_value=0),
            _c("orders_on_time", INT, min_value=0),
            _c("on_time_rate", NUM, min_value=0, max_value=1, precision=9, scale=6),
            _opt("otif_rate", NUM, min_value=0, max_value=1, precision=9, scale=6),
            _opt("submitted_by", ID),
            _c("submitted_at", TS),
        ),
        key=("region", "business_unit", "period_month"),
        version_by="submitted_at",
    ),
    Table(
        "survey",
        "invitations",
        (
            _c("invitation_id", ID),
            _c("survey_id", ID),
            _c("survey_type", TEXT, accepted=SURVEY_TYPES),
            _c("channel", TEXT),
            _c("sent_at", TS),
            _opt("contact_email", TEXT),
            _opt("contact_phone", TEXT),
            _opt("order_id", ID),
            _opt("sent_by", ID),
        ),
        key=("invitation_id",),
        version_by="sent_at",
    ),
    Table(
        "survey",
        "responses",
        (
            _c("response_id", ID),
            _c("survey_id", ID),
            _c("survey_type", TEXT, accepted=SURVEY_TYPES),
            _opt("invitation_id", ID),
            _opt("journey_stage", TEXT),
            _opt("touchpoint", TEXT),
            _opt("respondent_name", TEXT),
            _opt("respondent_email", TEXT),
            _opt("respondent_phone", TEXT),
            _opt("company_name", TEXT),
            _opt("respondent_role", TEXT),
            _opt("order_id", ID),
            _c("submitted_at", TS),
            _opt("nps", INT, min_value=0, max_value=10),
            _opt("ces", INT, min_value=1, max_value=7),
            _opt("csat", INT, min_value=1, max_value=5),
            _rating("rate_product"),
            _rating("rate_price"),
            _rating("rate_fulfillment"),
            _rating("rate_ease"),
            _rating("rate_recognition"),
            _rating("rate_trust"),
            _rating("rate_sales_process"),
            _rating("rate_billing"),
            _rating("rate_communication"),
            _rating("rate_safety"),
            _rating("rate_sustainability"),
            _opt("comment", TEXT, long=True),
        ),
        key=("response_id",),
        version_by="submitted_at",
    ),
    Table(
        "public_opinion",
        "posts",
        (
            _c("post_id", ID),
            _c("platform", TEXT),
            _c("published_at", TS),
            _opt("author_id", ID),
            _opt("author_type", TEXT),
            _opt("title", TEXT),
            _c("text", TEXT, long=True),
            _opt("url", TEXT),
            _opt("lang", TEXT),
            _opt("likes", INT, min_value=0),
            _opt("shares", INT, min_value=0),
            _opt("comments", INT, min_value=0),
        ),
        key=("platform", "post_id"),
        version_by="published_at",
        file_format="jsonl",
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.qualified: t for t in TABLES}


def table(source: str, name: str) -> Table:
    return TABLES_BY_NAME[f"{source}__{name}"]


# Quarantine reason codes. One row gets the first failing rule, checked in
# this order: structure, missing required value, type, range, accepted values.
REASON_MALFORMED_CSV = "malformed_csv_row"
REASON_MALFORMED_JSON = "malformed_json"
REASON_MISSING_COLUMN = "missing_required_column"
REASON_MISSING_VALUE = "missing_required_value"
REASON_BAD_TYPE = "bad_type"
REASON_OUT_OF_RANGE = "out_of_range"
REASON_NOT_ACCEPTED = "value_not_accepted"
# A decimal with more places than staging keeps (it would be rounded).
REASON_TOO_PRECISE = "too_many_decimals"
# A date or timestamp outside the plausible window of the settings (ingest).
REASON_IMPLAUSIBLE_DATE = "implausible_date"
# A value longer than its type's cap (setting ingest.max_length).
REASON_TOO_LONG = "too_long"
# A CSV record whose quoted value swallowed the lines after it (a quote never closed
# where it should have been): the record and every swallowed line are quarantined.
REASON_UNBALANCED_QUOTE = "unbalanced_quote"
