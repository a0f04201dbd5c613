"""Data steward: review the uncertain record pairs identity resolution queued.

Thin view over identity/review.py: the queue comes from the published snapshot
(marts.fct_identity_review_queue), decisions go to the operational store outside
the warehouse, and the next pipeline run applies them. Texts from the data are
shown with st.dataframe / st.text only (never rendered as Markdown).

`render(page)` needs from `page`: `con` (read-only connection to the snapshot)
and `lang` ("en" / "zh"); it uses `page.user` as the reviewer when present.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from identity import review

QUEUE_TABLE = "marts.fct_identity_review_queue"

TEXT = {
    "en": {
        "title": "Record pairs to review",
        "intro": "Pairs the matcher was unsure about. Decisions apply from the next pipeline run.",
        "empty": "Nothing to review.",
        "missing": "The review queue is not in the published snapshot yet.",
        "entity": "Records",
        "pair": "Pair",
        "weight": "match weight",
        "records": "Both records",
        "comparisons": "Evidence (level and match weight of each comparison)",
        "accept": "Same entity (accept)",
        "reject": "Different entities (reject)",
        "note": "Note (optional)",
        "saved": "Decision saved: {decision}. The next run applies it.",
        "left": "left",
        "right": "right",
        "field": "field",
        "pending": "{n} pairs waiting",
    },
    "zh": {
        "title": "待复核的记录对",
        "intro": "匹配模型无法确定的记录对。决定将在下一次数据处理时生效。",
        "empty": "没有待复核的记录对。",
        "missing": "已发布的快照中还没有复核队列。",
        "entity": "记录类型",
        "pair": "记录对",
        "weight": "匹配权重",
        "records": "两条记录对照",
        "comparisons": "证据(各比较项的级别与匹配权重)",
        "accept": "同一主体(接受)",
        "reject": "不同主体(拒绝)",
        "note": "备注(可选)",
        "saved": "已保存决定: {decision}。下一次处理时生效。",
        "left": "左",
        "right": "右",
        "field": "字段",
        "pending": "{n} 对待复核",
    },
}


def _t(lang: str, key: str, **kw: Any) -> str:
    return TEXT.get(lang, TEXT["en"])[key].format(**kw)


def load_queue(con: Any) -> pd.DataFrame | None:
    """The published queue, or None when the snapshot has no queue table."""
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'fct_identity_review_queue'"
    ).fetchone()[0]
    if not found:
        return None
    return con.execute(
        f"""select entity, record_id_l, record_id_r, label_l, label_r, match_weight,
                   explanation, values_l, values_r
            from {QUEUE_TABLE} order by entity, queue_rank"""
    ).df()


def render(page: Any) -> None:
    lang = getattr(page, "lang", "en")
    st.subheader(_t(lang, "title"))
    st.caption(_t(lang, "intro"))
    published = load_queue(page.con)
    if published is None:
        st.info(_t(lang, "missing"))
        return
    pending = review.queue(published, review.read_store())
    if pending.empty:
        st.success(_t(lang, "empty"))
        return
    st.caption(_t(lang, "pending", n=len(pending)))
    entities = sorted(pending["entity"].unique())
    entity = st.selectbox(_t(lang, "entity"), entities, key="steward_entity")
    rows = pending[pending["entity"] == entity].reset_index(drop=True)
    labels = [
        f"{r.label_l} ↔ {r.label_r} ({_t(lang, 'weight')} {r.match_weight:.1f})"
        for r in rows.itertuples()
    ]
    pick = st.selectbox(
        _t(lang, "pair"), range(len(rows)), format_func=labels.__getitem__, key="steward_pair"
    )
    row = rows.iloc[int(pick)]
    st.text(f"{row['record_id_l']}  ↔  {row['record_id_r']}")
    st.markdown(f"**{_t(lang, 'records')}**")
    side = review.side_by_side(row).rename(
        columns={"field": _t(lang, "field"), "left": _t(lang, "left"), "right": _t(lang, "right")}
    )
    st.dataframe(side, hide_index=True, width="stretch")
    st.markdown(f"**{_t(lang, 'comparisons')}**")
    st.dataframe(review.comparisons(row), hide_index=True, width="stretch")
    note = st.text_input(_t(lang, "note"), key="steward_note")
    accept, reject = st.columns(2)
    decision = None
    if accept.button(_t(lang, "accept"), key="steward_accept", type="primary"):
        decision = "match"
    if reject.button(_t(lang, "reject"), key="steward_reject"):
        decision = "no_match"
    if decision:
        review.record_decision(
            entity,
            str(row["record_id_l"]),
            str(row["record_id_r"]),
            decision,
            decided_by=getattr(page, "user", None) or "data_steward",
            note=note or None,
        )
        st.success(_t(lang, "saved", decision=decision))
