"""Safe rendering and export (dashboard/safe.py) and sign-in with scopes (dashboard/access.py)."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from cx_settings import defaults
from dashboard import access, fmt, safe
from dashboard.i18n import column_label

HOSTILE = '![x](http://evil.test/p.png) [click](http://evil.test) <a href="http://evil.test">a</a>'


def test_markdown_text_escapes_every_link_image_and_heading_marker():
    out = safe.md_text("# " + HOSTILE + "\n## second line")
    # every ASCII punctuation is escaped, so no ![..](..), [..](..), <a> or heading survives
    assert not re.search(r"(?<!\\)[\[\]()<>#!]", out)
    assert "\n" not in out
    assert safe.md_text("上海 河创力电子有限公司") == "上海 河创力电子有限公司"


def test_chart_labels_are_html_escaped_and_numbers_pass_through():
    assert safe.chart_text('<a href="http://evil.test">x</a>') == (
        "&lt;a href=&quot;http://evil.test&quot;&gt;x&lt;/a&gt;"
    )
    df = safe.chart_frame(pd.DataFrame({"name": ["<b>x</b>"], "n": [3]}))
    assert df.loc[0, "name"] == "&lt;b&gt;x&lt;/b&gt;" and df.loc[0, "n"] == 3


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_exported_formula_cells_are_neutralised_in_csv_and_excel(lead):
    df = pd.DataFrame({"name": [f'{lead}HYPERLINK("http://evil.test")', "plain"], "n": [-1, 2]})
    csv = safe.to_csv(df).decode("utf-8-sig")
    rows = pd.read_csv(io.StringIO(csv), keep_default_na=False)
    assert rows.loc[0, "name"].startswith("'" + lead)
    assert rows.loc[1, "name"] == "plain"
    assert list(rows["n"]) == [-1, 2]  # numbers stay numbers, a negative one too
    ws = load_workbook(io.BytesIO(safe.to_excel(df))).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    types = {c.data_type for row in ws.iter_rows() for c in row}
    assert "f" not in types
    # (XML stores a carriage return as a line feed: the apostrophe is what matters)
    assert values[1][0].startswith("'") and values[1][0][2:] == df.loc[0, "name"][1:]
    assert values[1][1] == -1


def test_tables_read_as_percentages_dates_and_labelled_columns():
    df = pd.DataFrame(
        {
            "verified_otif_rate": [0.96634],
            "month": pd.to_datetime(["2026-03-01"]),
            "raised_at": pd.to_datetime(["2026-03-01 14:05:09"]),
            "p_value": [4e-17],
            "is_sla_breached": [True],
            "journey_stage": ["delivery"],
        }
    )
    en = fmt.present(df, "en", column_label)
    assert en.loc[0, "Verified OTIF (%)"] == 96.6
    assert str(en.loc[0, "Month"]) == "2026-03-01"
    assert en.loc[0, "Raised"] == "2026-03-01 14:05"
    assert en.loc[0, "p-value"] == 0.0
    for rate in (
        "verified_otif_rate",
        "verified_otif_ci_low",
        "renewal_rate_ci_high",
        "revenue_coverage",
    ):
        assert fmt.is_rate_column(rate), rate
    for points in (
        "nps_ci_low",
        "nps",
        "importance_ci_high",
        "mean_lifetime_value_ci_low",
        "points_of_reported_rate",
        "rate_of_record_source",
    ):
        assert not fmt.is_rate_column(points), points
    zh = fmt.present(df, "zh", column_label)
    assert list(zh.columns) == [
        "核实准时足额率 (%)",
        "月份",
        "触发时间",
        "p 值",
        "超出 SLA",
        "旅程阶段",
    ]
    assert zh.loc[0, "超出 SLA"] == "是" and zh.loc[0, "旅程阶段"] == "交付"


CONFIG = """
roles:
  executive: {views: [executive, region_head, account_manager]}
  region_head: {views: [region_head, account_manager]}
  account_manager: {views: [account_manager]}
  cx_team: {views: [cx_team, account_manager]}
  data_steward: {views: [data_steward]}
users:
  boss: {role: executive, password: "%(h)s"}
  east: {role: region_head, regions: [East], reports_to: boss, password: "%(h)s"}
  am: {role: account_manager, manager_id: AM-E000, reports_to: east, password: "%(h)s"}
"""


@pytest.fixture
def users(tmp_path):
    path = tmp_path / "access.yml"
    path.write_text(CONFIG % {"h": access.hash_password("s3cret")})
    return access.load(path)


def test_sign_in_needs_the_right_password_and_a_configured_user(users):
    assert users.sign_in("am", "s3cret").role == "account_manager"
    assert users.sign_in("am", "wrong") is None
    assert users.sign_in("nobody", "s3cret") is None


def test_scopes_follow_the_configuration(users):
    east = users.viewer("east")
    assert east.allowed_regions(["Central", "East", "North"]) == ["East"]
    assert not east.may_open("executive") and east.may_open("region_head")
    boss = users.viewer("boss")
    assert boss.allowed_regions(["East", "North"]) == ["East", "North"]
    am = users.viewer("am")
    assert am.views == ("account_manager",)
    assert am.owns("AM-E000, AM-N001") and not am.owns("AM-N001") and not boss.owns("AM-E000")
    assert users.manager_of("AM-E000").username == "east"
    assert users.manager_of("AM-X999") is None


def test_a_region_head_without_regions_is_a_configuration_error(tmp_path):
    path = tmp_path / "access.yml"
    path.write_text(
        "roles: {region_head: {views: [region_head]}}\n"
        "users: {x: {role: region_head, password: p}}\n"
    )
    with pytest.raises(ValueError, match="needs regions"):
        access.load(path)


def test_contacts_are_masked_to_a_hint():
    assert access.mask_email("li.wei@customer.cn") == "l•••@customer.cn"
    assert access.mask_phone("+86 138 0013 8000") == "•••00"
    assert access.mask_phone(None) is None


def test_the_shipped_access_configuration_loads_with_every_role():
    shipped = access.load(defaults().paths.dashboard_access)
    assert {u["role"] for u in shipped.users.values()} == set(access.ROLES)


def test_the_sla_clock_reads_as_a_relative_time_in_both_languages():
    assert fmt.sla_clock(-3.2, "en") == "breached 3 h ago"
    assert fmt.sla_clock(0.5, "en") == "due in 30 min"
    assert fmt.sla_clock(-72, "zh") == "已超时 3 天"
    assert fmt.sla_clock(None, "en") == fmt.DASH


def test_journey_heat_map_runs_in_journey_order_and_greys_small_cells():
    from types import SimpleNamespace

    from dashboard.views.cx_team import journey_figure

    heat = pd.DataFrame(
        {
            "journey_stage": ["repurchase", "awareness", "delivery", "awareness"],
            "month": pd.to_datetime(["2026-01-01"] * 3 + ["2026-02-01"]),
            "n": [30, 12, 4, 50],
            "nps": [10.0, -20.0, 50.0, 5.0],
        }
    )
    page = SimpleNamespace(v=lambda v: v, t=lambda k: k)
    grey, colour = journey_figure(page, heat).data
    assert list(colour.y) == ["awareness", "delivery", "repurchase"]
    delivery_jan = colour.z[1][0]
    assert delivery_jan != delivery_jan  # NaN: n = 4 is not coloured by its NPS
    assert grey.z[1][0] == 1.0 and colour.text[1][0] == "n=4"
    assert colour.z[0][0] == -20.0 and colour.text[0][0] == "-20<br>n=12"
