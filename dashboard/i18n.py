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
        "promise, over the orders that can be verified; coverage says how many can. The "
        "integrity gap compares reported with verified on the same cells (the region x business "
        "unit x months a figure was reported for).",
        "核实准时率：以客户确认收货（或扫描记录）不晚于有效承诺日期计，分母为可核实订单；"
        "核实覆盖率表示可核实订单占比。"
        "真实性差距在同一批上报单元（区域 × 事业部 × 月份）上比较上报值与核实值。",
    ),
    "tile_source": ("metric `{metric}` · n = {n}", "指标 `{metric}` · n = {n}"),
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
    # sign-in, roles, export
    "sign_in": ("Sign in", "登录"),
    "sign_out": ("Sign out", "退出登录"),
    "username": ("User name", "用户名"),
    "password": ("Password", "密码"),
    "sign_in_failed": ("Unknown user or wrong password.", "用户名或密码错误。"),
    "signed_in_as": ("Signed in as {name} ({role})", "当前用户：{name}（{role}）"),
    "data_steward": ("Data steward", "数据管理员"),
    "data_steward_placeholder": (
        "The identity clerical review is not in this build yet.",
        "身份人工复核页面尚未包含在此版本中。",
    ),
    "scope_regions": ("Your regions: {regions}", "您负责的区域：{regions}"),
    "no_scope": ("Nothing in your scope for this selection.", "当前筛选下没有您权限范围内的数据。"),
    "export_csv": ("CSV", "导出 CSV"),
    "export_excel": ("Excel", "导出 Excel"),
    "contacts_masked": (
        "Phones and e-mails are shown only to the customer's account manager.",
        "电话与邮箱仅对该客户的客户经理可见。",
    ),
    "drill_region": ("Open a region", "查看区域"),
    "small_n_note": (
        "Grey cells: fewer than {n} answers, too few to read an NPS from (n shown).",
        "灰色单元格：答卷少于 {n} 份，样本过少，不宜解读 NPS（显示样本量）。",
    ),
    "glossary": ("Which NPS is which (glossary)", "各类 NPS 的含义（术语表）"),
    "glossary_text": (
        "NPS = 100 × (promoters 9–10 − detractors 0–6) / answers; n always beside it.\n\n"
        "- Response NPS (`nps`): every survey answer in the period, survey-gaming suspects "
        "left out (`nps_including_gamed` keeps them).\n"
        "- Account NPS, role-weighted: each contact's latest answer in the quarter, weighted "
        "by buying role (decision maker counts most; weights are configuration).\n"
        "- Revenue-weighted NPS: the accounts' role-weighted scores weighted by contract "
        "value; revenue coverage says how much value has answered.\n"
        "- Relationship NPS (`relationship_nps`): the periodic relationship survey only.\n"
        "- Scene NPS (`scene_nps`): delivery surveys, tied to the order and whether it was "
        "verified on time.\n\n"
        "They answer different questions, so they differ: response NPS counts every answer, "
        "account NPS one voice per contact, revenue-weighted NPS the money at stake.",
        "NPS = 100 ×（推荐者 9–10 分 − 贬损者 0–6 分）/ 答卷数；始终同时显示样本量 n。\n\n"
        "- 答卷 NPS（`nps`）：期间内全部答卷，剔除刷分嫌疑答卷"
        "（`nps_including_gamed` 为含刷分嫌疑的数值）。\n"
        "- 客户 NPS（角色加权）：每位联系人在该季度的最新答卷，按采购角色加权"
        "（决策者权重最高；权重为配置项）。\n"
        "- 收入加权 NPS：各客户的角色加权得分再按合同金额加权；"
        "收入覆盖率表示已有答卷的合同金额占比。\n"
        "- 关系 NPS（`relationship_nps`）：仅定期关系调研。\n"
        "- 场景 NPS（`scene_nps`）：交付调研，关联订单及其核实准时结果。\n\n"
        "各指标回答不同的问题，因此数值不同：答卷 NPS 统计每份答卷，客户 NPS 每位联系人一票，"
        "收入加权 NPS 反映涉及的金额。",
    ),
    "act_on_alert": ("Act on an alert", "处理预警"),
    "alert_id": ("Alert", "预警"),
    "action": ("Action", "操作"),
    "root_cause": ("Root cause", "根本原因"),
    "no_root_cause": ("(not yet known)", "（尚未确定）"),
    "action_note": ("What was done (optional)", "处理说明（可选）"),
    "record_action": ("Record", "记录"),
    "action_recorded": (
        "Recorded. The alert's status changes with the next build.",
        "已记录。预警状态将在下一次数据构建后更新。",
    ),
    "action_refused": ("Not recorded: {reason}", "未记录：{reason}"),
    "actions_pending": (
        "Actions recorded on these alerts (applied by the next build):",
        "已记录的处理操作（下一次构建后生效）：",
    ),
    "nps_by_role_section": ("NPS by buying role", "按采购角色的 NPS"),
    "small_n": ("n < 10", "样本 < 10"),
    "nps_by_region_section": ("Scene NPS by region", "各区域场景 NPS"),
    "nps_by_region_note": (
        "Delivery-survey answers by the region of the surveyed order (metric `scene_nps`, "
        "survey-gaming suspects left out): a customer may buy in several regions, the order "
        "has one. Bars with n < 10 are grey.",
        "按被调研订单所属区域统计的交付调研答卷（指标 `scene_nps`，不含刷分嫌疑）："
        "一个客户可能在多个区域采购，"
        "而每个订单只属于一个区域。样本少于 10 的柱为灰色。",
    ),
    "tile_metrics": ("Metrics {metrics}.", "指标 {metrics}。"),
    "alert_metrics": (
        "Metrics {metrics}. Breached: resolved after the SLA due time ({hours} h from the "
        "alert) or still open past it.",
        "指标 {metrics}。超出 SLA：在 SLA 截止时间（预警后 {hours} 小时）之后才解决，"
        "或截止后仍未关闭。",
    ),
    "funnel_section": ("Survey funnel: invited, answered", "调研漏斗：邀请与作答"),
    "funnel_by": ("Response rate by", "响应率维度"),
    "funnel_note": (
        "Invitations sent in the period and whether a response names them (metrics "
        "`invitations_sent`, `invitations_answered`, `response_rate`). The buying role and "
        "region are the addressee's, found by exact e-mail or phone among CRM contacts; "
        "an invitation names no journey touchpoint, so journey surveys are one group.",
        "统计期内发出的邀请及是否有答卷对应（指标 `invitations_sent`、`invitations_answered`、"
        "`response_rate`）。采购角色与区域按邀请的邮箱或电话在 CRM 联系人中精确匹配得到；"
        "邀请不记录旅程触点，旅程调研合为一组。",
    ),
    "loyalty_section": (
        "What loyalty is worth: promoters vs detractors",
        "忠诚度价值：推荐者与贬损者对比",
    ),
    "loyalty_multiple": ("Loyalty multiple (lifetime value)", "忠诚度倍数（客户终身价值）"),
    "promoter_value": ("Promoter mean lifetime value (CNY)", "推荐者平均终身价值（元）"),
    "detractor_value": ("Detractor mean lifetime value (CNY)", "贬损者平均终身价值（元）"),
    "loyalty_note": (
        "Mean lifetime contract value of promoter customers over that of detractors "
        "(1.00× = no difference); the intervals are those of each mean. Whole history.",
        "推荐者客户的平均合同终身价值与贬损者之比（1.00× 表示无差异）；"
        "区间为各自均值的 95% 置信区间。全部历史数据。",
    ),
    "sla_breached_ago": ("breached {h} ago", "已超时 {h}"),
    "sla_due_in": ("due in {h}", "{h}后到期"),
    "sla_clock": ("SLA clock", "SLA 计时"),
    "drill_customer": ("Open a customer", "查看客户"),
    "open": ("Open", "打开"),
}


# Column headings of the tables (mart column names).
COLUMNS: dict[str, tuple[str, str]] = {
    "customer_key": ("Customer ID", "客户编号"),
    "customer_name": ("Customer", "客户"),
    "segment": ("Segment", "客户分层"),
    "industry": ("Industry", "行业"),
    "health_score": ("Health score", "健康度"),
    "account_nps_score": ("NPS score", "NPS 得分"),
    "verified_otif_score": ("Verified OTIF score", "核实准时足额得分"),
    "renewal_score": ("Renewal score", "续约得分"),
    "churn_risk_tier": ("Churn-risk tier", "流失风险等级"),
    "active_contract_value_cny": ("Active contract value (CNY)", "有效合同金额（元）"),
    "last_activity_date": ("Last activity", "最近活动日期"),
    "days_since_last_activity": ("Days since last activity", "距最近活动天数"),
    "contract_count": ("Contracts", "合同数"),
    "data_cutoff_date": ("Data as of", "数据截至"),
    "month": ("Month", "月份"),
    "period_month_start": ("Month", "月份"),
    "region": ("Region", "区域"),
    "business_unit": ("Business unit", "事业部"),
    "orders_due": ("Orders due", "应交付订单"),
    "orders_verified": ("Orders verified", "可核实订单"),
    "verified_otif_rate": ("Verified OTIF", "核实准时足额率"),
    "verified_otif_ci_low": ("Verified OTIF, 95% low", "核实准时足额率 95% 下限"),
    "verified_otif_ci_high": ("Verified OTIF, 95% high", "核实准时足额率 95% 上限"),
    "verified_on_time_rate": ("Verified on-time", "核实准时率"),
    "reported_on_time_rate": ("Reported on-time", "上报准时率"),
    "integrity_gap_points": ("Integrity gap (points)", "真实性差距（百分点）"),
    "gap_points": ("Gap (points)", "差距（百分点）"),
    "verification_coverage": ("Verification coverage", "核实覆盖率"),
    "on_time_rate_of_record": ("On-time rate of record", "记录准时率"),
    "rate_of_record": ("Rate of record", "记录准时率"),
    "rate_of_record_source": ("Source of the rate of record", "记录准时率来源"),
    "is_provisional": ("Provisional", "暂定"),
    "scene_n": ("Scene answers (n)", "场景答卷数"),
    "scene_nps": ("Scene NPS", "场景 NPS"),
    "scene_n_late": ("Scene answers, late (n)", "延迟订单场景答卷数"),
    "scene_nps_late": ("Scene NPS, late", "延迟订单场景 NPS"),
    "scene_n_on_time": ("Scene answers, on time (n)", "准时订单场景答卷数"),
    "scene_nps_on_time": ("Scene NPS, on time", "准时订单场景 NPS"),
    "verdict": ("Verdict", "判定"),
    "is_reported_figure_failed": ("Reported figure failed", "上报数据未通过"),
    "p_value": ("p-value", "p 值"),
    "signal_staff_ids": ("Staff signalled", "涉及人员"),
    "evidence": ("Evidence", "证据"),
    "staff_id": ("Staff", "人员"),
    "staff_role": ("Staff role", "人员角色"),
    "pattern": ("Pattern", "模式"),
    "signal_code": ("Signal", "信号"),
    "is_proven_pattern": ("Proven pattern", "已证实模式"),
    "source_system": ("Source system", "来源系统"),
    "chain_order_id": ("Order chain", "订单链"),
    "final_order_id": ("Final order", "最终订单"),
    "first_promised_date": ("First promised date", "首次承诺日期"),
    "signal_at": ("Signalled at", "信号时间"),
    "orders_signalled": ("Orders signalled", "预警订单数"),
    "orders_hidden_late": ("Late orders hidden", "被掩盖的延迟订单"),
    "points_of_reported_rate": ("Points of reported rate", "影响上报准时率（百分点）"),
    "months": ("Months", "月数"),
    "verdicts": ("Verdicts", "判定"),
    "order_regions": ("Delivery regions", "交付区域"),
    "buying_role": ("Buying role", "采购角色"),
    "full_name": ("Name", "姓名"),
    "job_title": ("Job title", "职位"),
    "is_active": ("Active", "在职"),
    "email": ("E-mail", "邮箱"),
    "phone": ("Phone", "电话"),
    "latest_nps": ("Latest NPS (0-10)", "最新 NPS（0-10）"),
    "nps_category": ("NPS category", "NPS 类别"),
    "survey_type": ("Survey", "调研类型"),
    "submitted_date": ("Answered on", "答卷日期"),
    "order_key": ("Order", "订单"),
    "order_date": ("Order date", "下单日期"),
    "verified_delivery_date": ("Verified delivery", "核实交付日期"),
    "verification_source": ("Verified by", "核实来源"),
    "is_on_time_reported": ("On time (reported)", "准时（上报）"),
    "is_on_time_verified": ("On time (verified)", "准时（核实）"),
    "is_otif_verified": ("OTIF (verified)", "准时足额（核实）"),
    "confirmed_received_date": ("Receipt confirmed", "签收确认日期"),
    "is_confirmed_in_full": ("Confirmed in full", "足额签收"),
    "confirmation_issue_type": ("Issue reported", "反馈问题"),
    "amount_cny": ("Amount (CNY)", "金额（元）"),
    "alert_id": ("Alert", "预警"),
    "alert_type": ("Alert type", "预警类型"),
    "severity": ("Severity", "严重程度"),
    "raised_at": ("Raised", "触发时间"),
    "owner_id": ("Owner", "负责人"),
    "sla_due_at": ("SLA due", "SLA 截止"),
    "is_sla_breached": ("SLA breached", "超出 SLA"),
    "hours_to_sla": ("Hours to SLA", "距 SLA（小时）"),
    "sla_clock": ("SLA clock", "SLA 计时"),
    "alert_status": ("Status", "状态"),
    "action": ("Action", "操作"),
    "acted_at": ("When", "时间"),
    "acted_by": ("By", "操作人"),
    "root_cause": ("Root cause", "根本原因"),
    "note": ("Note", "备注"),
    "journey_stage": ("Journey stage", "旅程阶段"),
    "touchpoint": ("Touchpoint", "触点"),
    "channel": ("Channel", "渠道"),
    "invitations_sent": ("Invited (n)", "邀请数"),
    "invitations_answered": ("Answered (n)", "作答数"),
    "response_rate": ("Response rate", "响应率"),
    "n": ("n", "样本量"),
    "n_answers": ("Answers (n)", "答卷数"),
    "n_customers": ("Customers (n)", "客户数"),
    "n_decided_contracts": ("Contracts decided (n)", "已到期决策合同数"),
    "quarter_start": ("Quarter", "季度"),
    "role_weight": ("Role weight", "角色权重"),
    "nps_ci_low": ("NPS, 95% low", "NPS 95% 下限"),
    "nps_ci_high": ("NPS, 95% high", "NPS 95% 上限"),
    "renewal_rate_ci_low": ("Renewal, 95% low", "续约率 95% 下限"),
    "renewal_rate_ci_high": ("Renewal, 95% high", "续约率 95% 上限"),
    "renewal_rate": ("Renewal", "续约率"),
    "churn_rate": ("Churn", "流失率"),
    "mean_lifetime_value_cny": ("Mean lifetime value (CNY)", "平均终身价值（元）"),
    "mean_lifetime_value_ci_low": ("Mean lifetime value, 95% low", "平均终身价值 95% 下限"),
    "mean_lifetime_value_ci_high": ("Mean lifetime value, 95% high", "平均终身价值 95% 上限"),
    "lifetime_value_vs_detractor": ("Multiple of detractors' value", "相对贬损者倍数"),
    "lifetime_value_vs_detractor_ci_low": ("Multiple, 95% low", "倍数 95% 下限"),
    "lifetime_value_vs_detractor_ci_high": ("Multiple, 95% high", "倍数 95% 上限"),
    "nps": ("NPS", "NPS"),
    "ces_mean": ("Customer effort (mean)", "客户费力度（均值）"),
    "published_at": ("Published", "发布时间"),
    "platform": ("Platform", "平台"),
    "sentiment_label": ("Sentiment", "情感"),
    "topic": ("Topic", "话题"),
    "post_title": ("Title", "标题"),
    "post_url": ("Address", "链接地址"),
}


def column_label(name: str, lang: str = "en") -> str:
    pair = COLUMNS.get(name)
    if pair is None:
        return name.replace("_", " ").capitalize()
    return pair[1 if lang == "zh" else 0]


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
    "yes": "是",
    "contacted": "已联系",
    "no": "否",
    "open": "未关闭",
    "resolved": "已解决",
    "acknowledged": "已确认",
    "high": "高",
    "medium": "中",
    "low": "低",
    "lost": "已流失",
    "detractor": "贬损者",
    "passive": "中立者",
    "promoter": "推荐者",
    "delivery_complaint": "交付投诉",
    "negative_spike": "负面舆情激增",
    "awareness": "认知",
    "search": "搜索",
    "decision": "决策",
    "purchase": "采购",
    "delivery": "交付",
    "repurchase": "复购",
    "unknown": "未知",
    "decision_maker": "决策者",
    "purchaser": "采购员",
    "influencer": "影响者",
    "gatekeeper": "把关者",
    "user": "使用者",
    "finance": "财务",
    "other": "其他",
    "strategic": "战略客户",
    "key": "重点客户",
    "standard": "标准客户",
    "long_tail": "长尾客户",
    "relationship": "关系调研",
    "journey": "旅程调研",
    "support_ticket": "服务工单",
    "sms": "短信",
    "email": "邮件",
    "wechat": "微信",
    "mini_program": "小程序",
    "in_app": "应用内",
    "phone": "电话",
    "positive": "正面",
    "neutral": "中性",
    "negative": "负面",
    "East": "华东",
    "North": "华北",
    "South": "华南",
    "West": "西部",
    "Central": "华中",
}


def value(v, lang: str = "en"):
    """A data value as shown: translated in Chinese when it is a known term."""
    return VALUES_ZH.get(v, v) if lang == "zh" and isinstance(v, str) else v


def t(key: str, lang: str = "en", **fmt) -> str:
    pair = LABELS.get(key)
    text = key if pair is None else pair[1 if lang == "zh" else 0]
    return text.format(**fmt) if fmt else text
