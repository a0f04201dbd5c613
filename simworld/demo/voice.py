"""The voice of the customer: survey invitations and responses whose scores
respond to what really happened, and public-opinion posts.

Driver weights below are the generator's truth for the driver analysis:
fulfilment matters most, then trust in the account manager.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simworld.demo import vocab as v
from simworld.demo.operations import DAY, HOUR, SURVEY_GAMING, Actor, actor_cells
from simworld.demo.world import END, MONTH_STARTS, START, en_variant, format_mobile, zh_variant

DRIVER_WEIGHTS = {
    "fulfillment": 0.40,
    "trust": 0.22,
    "product": 0.16,
    "ease": 0.12,
    "price": 0.06,
    "recognition": 0.04,
}
WAVES = (2, 8, 14, 20)  # relationship survey months: 2025-01, 2025-07, 2026-01, 2026-07
STAGE_TOUCHPOINTS = {
    "awareness": ("advertising", "trade_show"),
    "search": ("website", "quote"),
    "communication": ("sales_visit", "hotline"),
    "decision": ("quote", "contract"),
    "purchase": ("contract", "ordering_portal"),
    "delivery": ("delivery",),
    "repurchase": ("invoice", "support_ticket", "training"),
}
STAGE_EASE = {
    "awareness": 0.2,
    "search": 0.0,
    "communication": 0.1,
    "decision": -0.3,
    "purchase": -0.5,
    "delivery": 0.0,
    "repurchase": -0.2,
}
SEC = np.timedelta64(1, "s")


def _spec(**cols: object) -> pd.DataFrame:
    return pd.DataFrame(cols)


def survey_specs(
    rng: np.random.Generator,
    cust: pd.DataFrame,
    persons: pd.DataFrame,
    acc: pd.DataFrame,
    final: pd.DataFrame,
    actors: list[Actor],
    first_id: int = 0,
) -> pd.DataFrame:
    """One row per invitation (or anonymous response), before scores. Invitation
    numbers start after `first_id` (a shard continues where the one before ended)."""
    specs = []
    # Relationship waves.
    cust_end = (
        acc.groupby("c_idx")
        .churn_date.max()
        .reindex(range(len(cust)))
        .to_numpy()
        .astype("datetime64[D]")
    )
    for w in WAVES:
        when = MONTH_STARTS[w] + 5 * DAY
        alive = cust_end[persons.c_idx.to_numpy()] > when
        sel = np.flatnonzero(alive & (rng.random(len(persons)) < 0.8))
        specs.append(
            _spec(
                p_idx=sel,
                survey_type="relationship",
                survey_id=f"REL-{np.datetime_as_string(MONTH_STARTS[w], unit='M')}",
                sent_at=when.astype("datetime64[s]")
                + rng.integers(9 * 3600, 17 * 3600, len(sel)) * SEC,
                order_row=-1,
                sent_by=None,
                staff_sent=False,
                stage=None,
                touchpoint=None,
                respond_p=0.35,
            )
        )
    # Delivery (scene) surveys after each delivery; gamed cells send selectively.
    dl = final[final.delivered].copy()
    gaming = np.full(len(dl), "", dtype=object)
    cells = actor_cells(actors)
    for i, a in enumerate(actors):
        if SURVEY_GAMING in a.patterns:
            hit = dl.cell.isin(cells.cell[cells.actor == i]).to_numpy()
            gaming[hit] = a.staff
    is_gamed = gaming != ""
    on_time = ~dl.true_late.to_numpy()
    invite_p = np.where(is_gamed, np.where(on_time, 0.7, 0.0), 0.3)
    sel = rng.random(len(dl)) < invite_p
    d = dl[sel]
    specs.append(
        _spec(
            p_idx=d.person_idx.to_numpy(),
            survey_type="delivery",
            survey_id="DLV-SCENE",
            sent_at=d.true_ts.to_numpy() + rng.integers(2, 30, len(d)) * HOUR,
            order_row=d.index.to_numpy(),
            sent_by=np.where(is_gamed[sel], gaming[sel], None),
            staff_sent=is_gamed[sel],
            stage="delivery",
            touchpoint="delivery",
            respond_p=np.where(is_gamed[sel], 0.65, 0.35),
        )
    )
    # Support surveys after a ticket (a sample of delivered orders' customers).
    s = dl[rng.random(len(dl)) < 0.05]
    specs.append(
        _spec(
            p_idx=s.person_idx.to_numpy(),
            survey_type="support",
            survey_id="SUP-TICKET",
            sent_at=s.true_ts.to_numpy() + rng.integers(24, 240, len(s)) * HOUR,
            order_row=-1,
            sent_by=None,
            staff_sent=False,
            stage="repurchase",
            touchpoint="support_ticket",
            respond_p=0.4,
        )
    )
    # Journey surveys at every stage.
    jp = np.flatnonzero(rng.random(len(persons)) < 0.35)
    stages = np.array(list(STAGE_TOUCHPOINTS), dtype=object)[rng.integers(0, 7, len(jp))]
    tps = np.array(
        [
            STAGE_TOUCHPOINTS[st][k % len(STAGE_TOUCHPOINTS[st])]
            for st, k in zip(stages, rng.integers(0, 3, len(jp)), strict=True)
        ],
        dtype=object,
    )
    span = int((END - START).astype(np.int64))
    specs.append(
        _spec(
            p_idx=jp,
            survey_type="journey",
            survey_id="JRN-" + stages.astype(str).astype(object),
            sent_at=START.astype("datetime64[s]") + rng.integers(0, span * 86400, len(jp)) * SEC,
            order_row=-1,
            sent_by=None,
            staff_sent=False,
            stage=stages,
            touchpoint=tps,
            respond_p=0.3,
        )
    )
    spec = pd.concat(specs, ignore_index=True)
    spec["responded"] = rng.random(len(spec)) < spec.respond_p.to_numpy()
    spec["submitted_at"] = spec.sent_at.to_numpy() + rng.integers(600, 5 * 86400, len(spec)) * SEC
    spec = spec[spec.sent_at.to_numpy() <= END.astype("datetime64[s]")]
    spec.loc[
        spec.submitted_at > END.astype("datetime64[s]") + np.timedelta64(86399, "s"), "responded"
    ] = False
    spec = spec.sort_values("sent_at", kind="stable").reset_index(drop=True)
    number = np.arange(len(spec)) + 10_000_001 + first_id
    spec["invitation_id"] = "INV" + pd.Series(number).astype(str)
    return spec


def prospect_specs(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Journey answers from companies that are not (yet) customers."""
    span = int((END - START).astype(np.int64))
    stages = np.array(["awareness", "search", "communication"], dtype=object)[rng.integers(0, 3, n)]
    chars = list(dict.fromkeys(v.GIVEN_CHARS))
    core = (
        np.array(chars, dtype=object)[rng.integers(0, len(chars), n)]
        + np.array(chars, dtype=object)[rng.integers(0, len(chars), n)]
    )
    city = np.array([c[0] for c in v.CITIES], dtype=object)[rng.integers(0, len(v.CITIES), n)]
    ind = np.array([c[0] for c in v.INDUSTRIES], dtype=object)[
        rng.integers(0, len(v.INDUSTRIES), n)
    ]
    return pd.DataFrame(
        {
            "company": city + core + ind + "有限公司",
            "stage": stages,
            "touchpoint": [STAGE_TOUCHPOINTS[s][0] for s in stages],
            "submitted_at": START.astype("datetime64[s]") + rng.integers(0, span * 86400, n) * SEC,
        }
    )


def score(
    rng: np.random.Generator,
    cust: pd.DataFrame,
    persons: pd.DataFrame,
    final: pd.DataFrame,
    r: pd.DataFrame,
) -> pd.DataFrame:
    """Scores of responses r (spec rows that responded) from the latent drivers."""
    n = len(r)
    c_idx = persons.c_idx.to_numpy()[r.p_idx]
    role = persons.role.to_numpy()[r.p_idx]
    z = {k: cust[f"z_{k}"].to_numpy()[c_idx] for k in DRIVER_WEIGHTS}
    perf = {k: z[k] + rng.normal(0, 0.6, n) for k in DRIVER_WEIGHTS}
    delivery = r.survey_type.to_numpy() == "delivery"
    row = np.where(delivery, r.order_row.to_numpy(), 0)
    on_time = ~final.true_late.to_numpy()[row]
    in_full = final.in_full.to_numpy()[row]
    scene = (
        0.3 * z["fulfillment"]
        + np.where(on_time, 0.6, -1.4)
        - 0.5 * ~in_full
        + rng.normal(0, 0.5, n)
    )
    perf["fulfillment"] = np.where(delivery, scene, 0.8 * z["fulfillment"] + rng.normal(0, 0.6, n))
    perf["product"] = perf["product"] - 0.25 * (role == "user")
    perf["price"] = perf["price"] - 0.3 * (role == "finance")
    perf["recognition"] = perf["recognition"] + 0.2 * (role == "decision_maker")
    halo = persons.z_person.to_numpy()[r.p_idx]
    u = sum(w * perf[k] for k, w in DRIVER_WEIGHTS.items()) + 0.3 * halo + rng.normal(0, 0.5, n)
    out = pd.DataFrame(index=r.index)
    out["nps"] = np.clip(np.round(7.8 + 1.8 * u), 0, 10)
    stage_adj = r.stage.map(STAGE_EASE).fillna(0).to_numpy()
    out["ces"] = np.clip(np.round(5 + 1.1 * perf["ease"] + stage_adj + rng.normal(0, 0.6, n)), 1, 7)
    out["csat"] = np.clip(np.round(3.7 + 0.9 * u + rng.normal(0, 0.4, n)), 1, 5)

    def rating(x: np.ndarray) -> np.ndarray:
        return np.clip(np.round(3.3 + 0.9 * x), 1, 5)

    for k in DRIVER_WEIGHTS:
        out[f"rate_{k}"] = rating(perf[k])
    out["rate_sales_process"] = rating(
        0.6 * perf["trust"] + 0.4 * perf["ease"] + rng.normal(0, 0.3, n)
    )
    out["rate_billing"] = rating(0.6 * perf["price"] + 0.4 * perf["ease"] + rng.normal(0, 0.3, n))
    out["rate_communication"] = rating(
        0.7 * perf["trust"] + 0.3 * perf["ease"] + rng.normal(0, 0.3, n)
    )
    out["rate_safety"] = rating(0.5 * perf["product"] + rng.normal(0, 0.8, n))
    out["rate_sustainability"] = rating(cust.z_sustain.to_numpy()[c_idx] + rng.normal(0, 0.6, n))
    # Which questions each survey asks.
    st = r.survey_type.to_numpy()
    asks = {
        "relationship": set(out.columns),
        "delivery": {"nps", "csat", "ces", "rate_fulfillment", "rate_product"},
        "support": {"nps", "ces", "csat", "rate_ease", "rate_trust", "rate_communication"},
        "journey": {"nps", "ces", "csat", "rate_ease"},
    }
    for col in out.columns:
        unasked = np.array([col not in asks[t] for t in st])
        skipped = rng.random(n) < 0.04
        out.loc[unasked | (skipped & (col != "nps")), col] = np.nan
    gamed = r.staff_sent.to_numpy() & (rng.random(n) < 0.7)
    out.loc[gamed, ["nps", "csat", "rate_fulfillment"]] = [10, 5, 5]
    out["gamed"] = gamed
    out["on_time"] = np.where(delivery, on_time, np.nan)
    out["perf_fulfillment"] = perf["fulfillment"]
    return out


def comments(
    rng: np.random.Generator, nps: np.ndarray, late: np.ndarray, delivery: np.ndarray
) -> np.ndarray:
    n = len(nps)
    lang = np.where(rng.random(n) < 0.88, "zh", "en")
    cat = np.select(
        [delivery & late & (nps <= 8), delivery & ~late & (nps >= 8), nps >= 9, nps <= 6],
        ["late", "ontime", "trust", "price"],
        "neutral",
    )
    alt = rng.random(n)
    cat = np.where((cat == "trust") & (alt < 0.5), "product", cat)
    cat = np.where((cat == "price") & (alt < 0.5), "ease", cat)
    out = np.empty(n, dtype=object)
    for lg in ("zh", "en"):
        for c, texts in v.SURVEY_COMMENTS[lg].items():
            m = (lang == lg) & (cat == c)
            if c in ("product", "ease"):
                pos = nps >= 8
                out[m & pos] = texts[0]
                out[m & ~pos] = texts[-1]
            else:
                out[m] = np.array(texts, dtype=object)[rng.integers(0, len(texts), m.sum())]
    out[rng.random(n) > 0.35] = None
    return out


# Share of invitations answered by a colleague of the addressee (the link was
# forwarded): the response carries the colleague's own name, email and phone when
# it carries any, the invitation keeps the addressee's. Recorded in the ground truth
# (responses.forwarded), so response -> contact linking is scored with and without.
FORWARDED_RATE = 0.04


def forward_to_colleague(
    rng: np.random.Generator, persons: pd.DataFrame, p_idx: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Who answers each invitation sent to persons.iloc[p_idx]: the addressee, or
    (with probability `rate`, when the customer has another person) a colleague at
    the same customer. -> (respondent positions, forwarded mask)."""
    c = persons.c_idx.to_numpy()
    order = np.argsort(c, kind="stable")
    rank = np.empty(len(c), dtype=np.int64)
    rank[order] = np.arange(len(c))
    sorted_c = c[order]
    start = np.searchsorted(sorted_c, c[p_idx], "left")
    count = np.searchsorted(sorted_c, c[p_idx], "right") - start
    own = rank[p_idx] - start
    step = 1 + rng.integers(0, np.maximum(count - 1, 1))
    colleague = order[start + (own + step) % count]
    forwarded = (rng.random(len(p_idx)) < rate) & (count > 1)
    return np.where(forwarded, colleague, p_idx), forwarded


def respondent_fields(
    rng: np.random.Generator, cust: pd.DataFrame, persons: pd.DataFrame, r: pd.DataFrame
) -> pd.DataFrame:
    n = len(r)
    p = persons.iloc[r.p_idx.to_numpy()]
    c_idx = p.c_idx.to_numpy()
    sparse = (r.survey_type.to_numpy() == "delivery") & (rng.random(n) < 0.4)
    kind = rng.random(n)
    name = np.where(kind < 0.65, p.name_zh, np.where(kind < 0.75, p.name_en, None))
    email = np.where(
        rng.random(n) < 0.72, np.where(rng.random(n) < 0.1, p.email.str.upper(), p.email), None
    )
    phone = np.where(rng.random(n) < 0.55, format_mobile(rng, p.mobile.to_numpy()), None)
    en = rng.random(n) < 0.1
    zk = rng.choice(8, n, p=[0.45, 0.1, 0.05, 0.05, 0.2, 0.05, 0.05, 0.05])
    company = np.where(
        en, en_variant(cust, c_idx, rng.integers(0, 4, n)), zh_variant(rng, cust, c_idx, zk)
    )
    company = np.where(rng.random(n) < 0.8, company, None)
    roles = np.array(
        ["decision_maker", "purchaser", "user", "gatekeeper", "influencer", "finance", "other"],
        dtype=object,
    )
    role = np.where(
        rng.random(n) < 0.78,
        p.role,
        np.where(rng.random(n) < 0.4, roles[rng.integers(0, 7, n)], None),
    )
    df = pd.DataFrame(
        {
            "respondent_name": name,
            "respondent_email": email,
            "respondent_phone": phone,
            "company_name": company,
            "respondent_role": role,
        },
        index=r.index,
    )
    df.loc[sparse, ["respondent_name", "respondent_email", "respondent_phone", "company_name"]] = (
        None
    )
    return df


# --------------------------------------------------------------------------- public opinion

# How posts write a customer's name, per post language: the variation class is
# recorded in the ground truth (posts.name_variant) so linking is scored per class.
#   zh_registered   a registered form (武汉方安食品有限公司, 方安食品(武汉)有限公司, ...)
#   zh_short        trade name + industry (方安食品)
#   zh_homophone    one core character replaced by a homophone (方按食品)
#   zh_similar_char one core character replaced by a similar-looking one (万安食品)
#   zh_dropped_char one core character left out (three-character cores only)
#   zh_doubled_char one core character written twice (方方安食品)
#   en_in_zh        a Chinese post that names the company in English (Fangan Foods)
#   en_registered   an English registered form (Wuhan Fangan Foods Co., Ltd.)
#   en_short        pinyin core + industry (Fangan Foods)
#   en_typo         en_short or en_registered with one letter dropped or two swapped
POST_NAME_VARIANTS: dict[str, dict[str, float]] = {
    "zh": {
        "zh_registered": 0.46,
        "zh_short": 0.29,
        "zh_homophone": 0.07,
        "zh_similar_char": 0.03,
        "zh_dropped_char": 0.04,
        "zh_doubled_char": 0.04,
        "en_in_zh": 0.07,
    },
    "en": {"en_registered": 0.55, "en_short": 0.30, "en_typo": 0.15},
}
# A homophone (same toneless pinyin, or a near one) for every core character.
HOMOPHONES = dict(
    zip(
        "精测华泰恒瑞鼎信宏达远航凯盛博众安康明阳卓越金桥蓝天锦程海创"
        "润瀚鹏振兴同力东方新宇立讯永福正德开元银河中科翔飞汇川",
        "晶策化太衡锐顶新洪答源杭楷胜搏重按慷鸣洋灼悦今侨兰添劲成亥闯"
        "闰翰朋震星童立冬芳心雨丽迅勇富政得凯源寅和忠可祥菲惠传",
        strict=True,
    )
)

# A similar-looking character for every core character.
LOOKALIKES = dict(
    zip(
        "精测华泰恒瑞鼎信宏达远航凯盛博众安康明阳卓越金桥蓝天锦程海创"
        "润瀚鹏振兴同力东方新宇立讯永福正德开元银河中科翔飞汇川",
        "睛侧毕秦桓端晶倌宠这运舫剀感傅从案庚朋阴桌钺全侨篮夭绵呈诲仓"
        "涧澣鹃赈举冋办车万亲字位汛水副止徳升无很何申料翊长汀州",
        strict=True,
    )
)


def _typo_zh(core: str, kind: str, pick: float) -> str:
    """One character of a Chinese core changed: homophone, dropped or doubled."""
    at = int(pick * len(core))
    if kind == "zh_homophone":
        return core[:at] + HOMOPHONES.get(core[at], core[at]) + core[at + 1 :]
    if kind == "zh_similar_char":
        return core[:at] + LOOKALIKES.get(core[at], core[at]) + core[at + 1 :]
    if kind == "zh_dropped_char" and len(core) >= 3:
        return core[:at] + core[at + 1 :]
    return core[: at + 1] + core[at:]  # doubled (also a dropped char on a 2-char core)


def _typo_en(word: str, pick: float, swap: bool) -> str:
    """One letter after the first dropped, or two neighbours swapped."""
    if len(word) < 4:
        return word
    at = 1 + int(pick * (len(word) - 2))
    if swap and at + 1 < len(word):
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + word[at + 1 :]


def post_names(
    rng: np.random.Generator, cust: pd.DataFrame, c_pick: np.ndarray, lang: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The customer's name as each post writes it, and its variation class."""
    n = len(c_pick)
    variant = np.empty(n, dtype=object)
    for lg, mix in POST_NAME_VARIANTS.items():
        m = lang == lg
        p = np.array(list(mix.values()))
        variant[m] = np.array(list(mix), dtype=object)[rng.choice(len(mix), m.sum(), p=p / p.sum())]
    zh_full = zh_variant(rng, cust, c_pick, rng.choice([0, 1, 2, 3, 5, 6, 7], n))
    zh_short = zh_variant(rng, cust, c_pick, np.full(n, 4))
    en_full = en_variant(cust, c_pick, rng.integers(0, 4, n))
    c = cust.iloc[c_pick]
    core_zh, core_en = c.core_zh.to_numpy(), c.core_en.to_numpy()
    en_short = core_en + " " + c.ind_en.to_numpy()
    # Subsidiaries keep their city in every variant, or they would be their parent.
    is_sub = c.parent_idx.to_numpy() >= 0
    en_short = np.where(is_sub, en_short + " (" + c.city_en.to_numpy() + ")", en_short)
    picks, swaps, full = rng.random(n), rng.random(n) < 0.5, rng.random(n) < 0.5
    out = np.select(
        [
            variant == "zh_registered",
            variant == "en_registered",
            np.isin(variant, ["en_short", "en_in_zh"]),
        ],
        [zh_full, en_full, en_short],
        zh_short,
    ).astype(object)
    # A 2-character core with a character dropped is one character: doubled instead.
    short_core = np.array([len(x) < 3 for x in core_zh])
    variant[(variant == "zh_dropped_char") & short_core] = "zh_doubled_char"
    zh_typos = ["zh_homophone", "zh_similar_char", "zh_dropped_char", "zh_doubled_char"]
    for i in np.flatnonzero(np.isin(variant, zh_typos)):
        base = zh_full[i] if full[i] else zh_short[i]
        out[i] = base.replace(core_zh[i], _typo_zh(core_zh[i], variant[i], picks[i]), 1)
    for i in np.flatnonzero(variant == "en_typo"):
        base = en_full[i] if full[i] else en_short[i]
        typo = _typo_en(core_en[i], picks[i], swaps[i])
        if core_en[i] in base:
            out[i] = base.replace(core_en[i], typo, 1)
        else:  # the upper-case registered form
            out[i] = base.replace(core_en[i].upper(), typo.upper(), 1)
    return out, variant


def posts(rng: np.random.Generator, cust: pd.DataFrame, n: int) -> pd.DataFrame:
    span = int((END - START).astype(np.int64)) + 1
    day = rng.integers(0, span, n)
    keys_by_lang = {lg: list(v.POSTS[lg]) for lg in ("zh", "en")}
    # Topic x sentiment mix; a few negative fulfilment spikes.
    spike_days = rng.choice(span, 3, replace=False)
    n_spike = max(20, n // 60)
    day = np.concatenate([day, np.repeat(spike_days, n_spike)])
    spike = np.concatenate([np.zeros(n, bool), np.ones(3 * n_spike, bool)])
    total = len(day)
    platform = np.array(v.PLATFORMS, dtype=object)[
        rng.choice(len(v.PLATFORMS), total, p=[0.3, 0.2, 0.15, 0.12, 0.1, 0.08, 0.05])
    ]
    p_en = pd.Series(platform).map(v.PLATFORM_LANG_EN).to_numpy()
    lang = np.where(rng.random(total) < p_en, "en", "zh")
    rows = []
    weights = {
        "general": 3.0,
        "fulfillment": 2.2,
        "price": 1.0,
        "product": 1.0,
        "ease": 0.8,
        "trust": 0.7,
        "recognition": 0.2,
        "safety": 0.2,
        "sustainability": 0.2,
    }
    for lg in ("zh", "en"):
        keys = keys_by_lang[lg]
        w = np.array([weights[t] * (1.3 if s == "negative" else 1.0) for t, s in keys])
        m = np.flatnonzero(lang == lg)
        k = rng.choice(len(keys), len(m), p=w / w.sum())
        neg_ful = keys.index(("fulfillment", "negative"))
        k = np.where(spike[m], neg_ful, k)
        topic = np.array([keys[i][0] for i in k], dtype=object)
        sentiment = np.array([keys[i][1] for i in k], dtype=object)
        tmpl = np.array(
            [
                v.POSTS[lg][keys[i]][j % len(v.POSTS[lg][keys[i]])]
                for i, j in zip(k, rng.integers(0, 6, len(m)), strict=True)
            ],
            dtype=object,
        )
        rows.append(
            pd.DataFrame(
                {"i": m, "topic": topic, "sentiment": sentiment, "template": tmpl, "lang": lg}
            )
        )
    df = pd.concat(rows).sort_values("i").reset_index(drop=True)
    df["day"] = day
    df["platform"] = platform
    weight = np.array([8.0, 3.0, 1.0, 0.4])[cust.segment_idx.to_numpy()]
    c_pick = rng.choice(len(cust), total, p=weight / weight.sum())
    spike_cust = rng.choice(len(cust), 3)
    c_pick = np.where(spike, spike_cust[np.searchsorted(np.sort(spike_days), day) % 3], c_pick)
    mentions_c = df.template.str.contains("{c}", regex=False).to_numpy()
    cname, variant = post_names(rng, cust, c_pick, df.lang.to_numpy())
    brand = np.where(
        df.lang == "zh",
        np.where(rng.random(total) < 0.8, v.BRAND_ZH, "汇通"),
        np.where(rng.random(total) < 0.8, v.BRAND_EN, "Huitong"),
    )
    text = [
        t.replace("{c}", c).replace("{b}", b)
        for t, c, b in zip(df.template, cname, brand, strict=True)
    ]
    df["text"] = text
    df["customer_id"] = np.where(mentions_c, cust.customer_id.to_numpy()[c_pick], None)
    df["name_variant"] = np.where(mentions_c, variant, None)
    df["mentions_brand"] = df.template.str.contains("{b}", regex=False)
    df["published_at"] = (
        (START + df.day.to_numpy() * DAY).astype("datetime64[s]")
        + rng.integers(0, 86400, total) * SEC
        - 8 * HOUR
    )
    author = np.where(
        df.platform.isin(["news"]),
        "media",
        np.array(v.AUTHOR_TYPES, dtype=object)[rng.choice(4, total, p=[0.75, 0.08, 0.07, 0.1])],
    )
    df["author_type"] = author
    df["author_id"] = (
        "u" + pd.Series(rng.integers(100_000, 9_999_999, total)).astype(str).to_numpy()
    )
    reach = np.where(author == "kol", 50, np.where(author == "media", 20, 1))
    df["likes"] = np.round(rng.lognormal(1.5, 1.2, total) * reach).astype(np.int64)
    df["shares"] = np.round(rng.lognormal(0.5, 1.2, total) * reach).astype(np.int64)
    df["comments"] = np.round(rng.lognormal(0.8, 1.0, total) * reach).astype(np.int64)
    prefix = df.platform.str[:2]
    df["post_id"] = prefix + "-" + pd.Series(np.arange(total) + 1_000_001).astype(str).to_numpy()
    df["title"] = np.where(df.platform == "news", df.text.str.slice(0, 18), None)
    df["url"] = "https://" + df.platform + ".example.com/p/" + df.post_id
    df = df.sort_values("published_at", kind="stable").reset_index(drop=True)
    return df
