"""English and Chinese labels. `t(key, lang)`; an unknown key falls back to the key itself."""

from __future__ import annotations

LANGS = ("en", "zh")

LABELS: dict[str, tuple[str, str]] = {
    # chrome
    "title": ("CX warehouse dashboards", "客户体验数据仓库看板"),
    "language": ("Language / 语言", "语言 / Language"),
    "view": ("View", "视图"),
    "executive": ("Executive", "高管"),
    "region_head": ("Region head", "区域负责人"),
    "account_manager": ("Account manager", "客户经理"),
    "cx_team": ("CX team", "客户体验团队"),
    "filters": ("Filters", "筛选"),
    "period": ("Period (month)", "期间（月）"),
    "region": ("Region", "区域"),
    "business_unit": ("Business unit", "事业部"),
    "segment": ("Segment", "客户分层"),
    "all": ("all", "全部"),
    "snapshot": ("Snapshot", "数据快照"),
    "published_at": ("published", "发布时间"),
    "run": ("run", "运行"),
    "no_snapshot": (
        "No published snapshot yet at {path}. Build the warehouse first: `make run`.",
        "尚无已发布的数据快照（{path}）。请先构建数据仓库：`make run`。",
    ),
    "not_available": (
        "Not yet available: the snapshot has no {tables} yet.",
        "暂不可用：数据快照中还没有 {tables}。",
    ),
    "filters_not_applied": ("Filters not applied here: {names}.", "此处不适用的筛选：{names}。"),
    "no_rows": ("No rows for this selection.", "当前筛选下没有数据。"),
    # executive
    "nps_section": ("NPS and its trend", "NPS 及趋势"),
    "revenue_weighted_nps": ("Revenue-weighted NPS", "收入加权 NPS"),
    "role_weighted_nps": ("Role-weighted NPS", "角色加权 NPS"),
    "nps_unweighted": ("NPS (unweighted)", "NPS（未加权）"),
    "nps_n": ("n (answers)", "样本量（答卷）"),
    "survey_nps": ("Survey NPS (excl. gaming suspects)", "调研 NPS（剔除刷分嫌疑）"),
    "survey_nps_including_gamed": (
        "Survey NPS incl. gaming suspects",
        "调研 NPS（含刷分嫌疑答卷）",
    ),
    "scene_nps": ("Scene NPS (excl. gaming suspects)", "场景 NPS（剔除刷分嫌疑）"),
    "scene_nps_including_gamed": ("Scene NPS incl. gaming suspects", "场景 NPS（含刷分嫌疑答卷）"),
    "gaming_suspects_n": ("{n} gaming suspects", "刷分嫌疑答卷 {n} 份"),
    "no_gaming_suspects": (
        "No survey-gaming suspects in the selection.",
        "所选范围内无刷分嫌疑答卷。",
    ),
    "gaming_note": (
        "Gaming suspects: delivery surveys sent by staff whose 10s cluster, or about orders in "
        "region-months whose late orders were not invited. The headline leaves them out.",
        "刷分嫌疑：由满分异常集中的员工发出的交付调研，或延迟订单未被邀请评价的区域月份中的交付调研。"
        "主指标已将其剔除。",
    ),
    "accounts_answered": ("Accounts answered", "有答卷的客户数"),
    "revenue_coverage": ("Revenue coverage", "收入覆盖率"),
    "verification_coverage": ("Verification coverage", "核实覆盖率"),
    "provisional": ("provisional", "暂定"),
    "provisional_note": (
        "Shaded months are provisional: confirmations and delivery records may still arrive "
        "(data as of {cutoff}). The default period ends at the last complete month.",
        "阴影月份为暂定数据：客户确认和交付记录可能仍在回传（数据截至 {cutoff}）。"
        "默认期间截止于最近一个完整月份。",
    ),
    "verified_note": (
        "Verified on-time: customer-confirmed receipt (else a scan) on or before the valid "
        "promise, over the orders that can be verified; coverage says how many can.",
        "核实准时率：以客户确认收货（或扫描记录）不晚于有效承诺日期计，分母为可核实订单；"
        "核实覆盖率表示可核实订单占比。",
    ),
    "latest_period": ("latest period {period}", "最近期间 {period}"),
    "fulfillment_section": (
        "Fulfillment: verified vs reported, with integrity verdicts",
        "履约：核实值与上报值对比及真实性判定",
    ),
    "verified_on_time": ("Verified on-time", "核实准时率"),
    "verified_otif": ("Verified OTIF", "核实准时足额率"),
    "reported_on_time": ("Reported on-time", "上报准时率"),
    "recorded_otif": ("Recorded OTIF", "系统记录准时足额率"),
    "integrity_gap": ("Integrity gap (points)", "真实性差距（百分点）"),
    "orders_due": ("Orders due", "应交付订单"),
    "integrity_verdicts": ("Integrity verdicts", "真实性判定"),
    "drivers_section": ("Top drivers (importance vs performance)", "关键驱动因素（重要性-表现）"),
    "lens": ("Lens", "模型"),
    "forces_feelings": ("three forces + three feelings", "三力三感"),
    "competencies": ("six competencies", "六项能力"),
    "importance": ("Importance (correlation with NPS)", "重要性（与 NPS 相关系数）"),
    "performance": ("Performance (mean rating 1-5)", "表现（平均评分 1-5）"),
    "top_driver": ("Top driver", "首要驱动因素"),
    "churn_section": ("Churn-risk customers", "流失风险客户"),
    "high_risk_customers": ("High churn-risk customers", "高流失风险客户"),
    "lost_customers": ("Lost customers", "已流失客户"),
    "lost_customers_note": (
        "Every contract churned or ended without renewal, and no order, confirmation or survey "
        "answer in the inactivity window before the data's cutoff. Not in the risk list.",
        "所有合同均已流失或到期未续约，且在数据截止日前的不活跃窗口内无订单、签收确认或调研答卷。"
        "不计入风险名单。",
    ),
    "sentiment_section": ("Public sentiment", "舆情"),
    # region head
    "otif_section": ("Verified OTIF by month", "按月核实准时足额率"),
    "flags_section": ("Orders and staff behind integrity flags", "真实性预警背后的订单与人员"),
    "scene_section": ("Scene NPS: late vs on-time orders", "场景 NPS：延迟与准时订单"),
    "scene_nps_on_time": ("Scene NPS on-time", "准时订单场景 NPS"),
    "scene_nps_late": ("Scene NPS late", "延迟订单场景 NPS"),
    "scene_nps_difference": ("Late minus on-time (points)", "延迟减准时（分）"),
    "region_hint": (
        "Choose a region in the sidebar to see one region; now showing all regions.",
        "请在侧边栏选择区域；当前显示全部区域。",
    ),
    # account manager
    "manager": ("Account manager", "客户经理"),
    "customer": ("Customer", "客户"),
    "no_customers": (
        "No customers for this manager and selection.",
        "该客户经理在当前筛选下没有客户。",
    ),
    "health_score": ("Health score", "健康度"),
    "churn_risk_tier": ("Churn-risk tier", "流失风险等级"),
    "active_contract_value": ("Active contract value (CNY)", "有效合同金额（元）"),
    "contacts_section": (
        "Contacts by buying role and their latest NPS",
        "各采购角色联系人及最新 NPS",
    ),
    "orders_section": ("Orders and confirmations", "订单与签收确认"),
    "confirmed": ("Confirmed receipts", "客户签收确认"),
    "complaints": ("Complaints", "投诉"),
    "on_time_verified_orders": ("On time (verified)", "准时（核实）"),
    "on_time_reported_orders": ("On time (reported)", "准时（上报）"),
    "alerts_section": ("Open alerts and SLA clock", "未关闭预警与 SLA 计时"),
    "open_alerts": ("Open alerts", "未关闭预警"),
    "breached": ("SLA breached", "超出 SLA"),
    "mentions_section": ("Public mentions", "舆情提及"),
    # CX team
    "journey_section": ("Journey-stage heat map (NPS)", "客户旅程阶段热力图（NPS）"),
    "stage": ("Journey stage", "旅程阶段"),
    "month": ("Month", "月份"),
    "driver_scope_section": (
        "Driver analysis by segment and role",
        "按客户分层与角色的驱动因素分析",
    ),
    "by_segment": ("by segment", "按客户分层"),
    "by_role": ("by buying role", "按采购角色"),
    "alert_queue_section": ("Alert queue and SLA breaches", "预警队列与 SLA 超时"),
    "alerts_total": ("Alerts raised", "预警总数"),
    "breach_rate": ("SLA breach rate", "SLA 超时率"),
    "wordcloud_section": ("Word cloud and sentiment distribution", "词云与情感分布"),
    "mentions": ("Mentions", "提及量"),
    "verdict_beautified": ("Beautified region-months", "美化的区域月份"),
    "verdict_suspect": ("Suspect region-months", "存疑的区域月份"),
    "verdict_ok": ("OK region-months", "正常的区域月份"),
    "region_months": ("region-months", "区域月份"),
    "flagged_orders": ("Flagged orders", "预警订单"),
    "staff_involved": ("Staff involved", "涉及人员"),
    "hidden_late": ("Late orders hidden", "被掩盖的延迟订单"),
    "net_sentiment": ("Net sentiment", "净情感指数"),
    "negative_posts": ("Negative posts", "负面帖子"),
    "negative_spikes": ("Negative spikes", "负面舆情激增"),
    "keyword_language": ("Keyword language", "关键词语言"),
    "word_cloud_note": (
        "Size: summed TF-IDF weight; red: mostly negative posts.",
        "字号：TF-IDF 权重之和；红色：多为负面帖子。",
    ),
    "sentiment_score": ("Sentiment score (-1 to 1)", "情感得分（-1 到 1）"),
}


# Values shown on charts: the experience model's attributes, quadrants, verdicts.
VALUES_ZH: dict[str, str] = {
    "product": "产品力",
    "price": "价格力",
    "fulfillment": "履约力",
    "ease": "省心感",
    "recognition": "重视感",
    "trust": "信赖感",
    "sales_process": "销售与投标流程",
    "billing": "账单与定价",
    "communication": "沟通",
    "safety": "安全",
    "sustainability": "可持续与社会责任",
    "fix_first": "优先改进",
    "keep_up": "保持优势",
    "low_priority": "次要",
    "possible_overkill": "可能过度投入",
    "ok": "正常",
    "suspect": "存疑",
    "beautified": "美化",
}


def value(v, lang: str = "en"):
    """A data value as shown: translated in Chinese when it is a known term."""
    return VALUES_ZH.get(v, v) if lang == "zh" and isinstance(v, str) else v


def t(key: str, lang: str = "en", **fmt) -> str:
    pair = LABELS.get(key)
    text = key if pair is None else pair[1 if lang == "zh" else 0]
    return text.format(**fmt) if fmt else text
