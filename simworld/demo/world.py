"""The simulated world behind the demo data: customers, their CRM accounts and
contacts, contracts, orders and what really happened to them.

Everything is drawn with one seeded numpy Generator and built column-wise
(numpy/pandas), so a scale of 10M orders costs memory for numbers only; text is
produced per file when the landing files are written (simworld/generate.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pypinyin import lazy_pinyin

from simworld.demo import vocab as v

REGIONS = ("East", "South", "North", "West", "Central")
REGION_CRM = tuple(f"crm_{r.lower()}" for r in REGIONS)
BU_CRM = {"welfare": "bu_welfare", "digital": "bu_digital"}
CRMS = (*REGION_CRM, *BU_CRM.values())
BUS = ("mro", "office", "welfare", "digital")
SEGMENTS = ("strategic", "key", "standard", "long_tail")

START = np.datetime64("2024-11-01")
END = np.datetime64("2026-10-31")
MONTH_STARTS = np.arange(np.datetime64("2024-11"), np.datetime64("2026-11")).astype("datetime64[D]")
N_MONTHS = len(MONTH_STARTS)

# On-time delivery propensity (true, before any manipulation).
REGION_LATE = {"East": 0.07, "South": 0.09, "North": 0.11, "West": 0.16, "Central": 0.10}
BU_LATE_LOGIT = {"mro": 0.0, "office": -0.3, "welfare": 0.25, "digital": -0.2}
REGION_MANUAL = {"East": 0.12, "South": 0.18, "North": 0.2, "West": 0.35, "Central": 0.22}

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])


@dataclass(frozen=True)
class Scale:
    customers: int
    orders: int
    posts: int
    bad_rows: int


SCALES = {
    "small": Scale(customers=300, orders=15_000, posts=800, bad_rows=30),
    "medium": Scale(customers=20_000, orders=1_000_000, posts=40_000, bad_rows=60),
    "large": Scale(customers=200_000, orders=10_000_000, posts=300_000, bad_rows=120),
}


def _unique_by_pinyin(chars: str) -> tuple[list[str], list[str]]:
    seen: dict[str, str] = {}
    for ch in chars:
        py = lazy_pinyin(ch)[0]
        seen.setdefault(py, ch)
    return list(seen.values()), [p.capitalize() for p in seen]


def credit_check_char(body: np.ndarray) -> np.ndarray:
    """GB 32100-2015 check character for an (n, 17) array of alphabet indices."""
    rem = (body * CREDIT_WEIGHTS).sum(axis=1) % 31
    return (31 - rem) % 31


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


@dataclass
class World:
    rng: np.random.Generator
    scale: Scale
    customers: pd.DataFrame = field(default_factory=pd.DataFrame)
    accounts: pd.DataFrame = field(default_factory=pd.DataFrame)
    persons: pd.DataFrame = field(default_factory=pd.DataFrame)
    contacts: pd.DataFrame = field(default_factory=pd.DataFrame)
    contracts: pd.DataFrame = field(default_factory=pd.DataFrame)


# --------------------------------------------------------------------------- customers


def make_customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    chars, pinyins = _unique_by_pinyin(v.CORE_CHARS)
    p = len(chars)
    n_ind = len(v.INDUSTRIES)
    # Unique (core, industry) pairs; 40% of cores have three characters. There are
    # only ~31k two-character pairs: beyond half of them (the large scale) the rest
    # of the customers get three-character cores, so names stay unique.
    space2, space3 = p * p * n_ind, p * p * p * n_ind
    n2 = min(n - int(round(n * 0.4)), space2 // 2)
    n3 = n - n2
    ids2 = rng.choice(space2, size=n2, replace=False)
    ids3 = rng.choice(space3, size=n3, replace=False)
    ind = np.concatenate([ids2 % n_ind, ids3 % n_ind])
    c2 = ids2 // n_ind
    c3 = ids3 // n_ind
    a = np.concatenate([c2 // p, c3 // (p * p)])
    b = np.concatenate([c2 % p, (c3 // p) % p])
    c = np.concatenate([np.full(n2, -1), c3 % p])
    order = rng.permutation(n)
    ind, a, b, c = ind[order], a[order], b[order], c[order]
    ch = np.array(chars, dtype=object)
    py = np.array(pinyins, dtype=object)
    third_ch = np.where(c >= 0, ch[np.maximum(c, 0)], "")
    third_py = np.where(c >= 0, np.char.lower(py[np.maximum(c, 0)].astype(str)).astype(object), "")
    core_zh = ch[a] + ch[b] + third_ch
    core_en = py[a] + np.char.lower(py[b].astype(str)).astype(object) + third_py

    city = rng.integers(0, len(v.CITIES), n)
    seg = rng.choice(4, size=n, p=[0.05, 0.15, 0.4, 0.4])
    cust = pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(1, n + 1)],
            "core_zh": core_zh,
            "core_en": core_en,
            "industry_idx": ind,
            "city_idx": city,
            "segment_idx": seg,
        }
    )
    # Group subsidiaries: a company in another city under the same brand core,
    # a different legal entity (own credit code, phone, site). A true negative
    # that shares most of its name with its parent.
    n_sub = int(n * 0.03)
    parents = rng.choice(n, size=n_sub, replace=False)
    subs = rng.choice(np.setdiff1d(np.arange(n), parents), size=n_sub, replace=False)
    cust["parent_idx"] = -1
    cust.loc[subs, "parent_idx"] = parents
    cust.loc[subs, "core_zh"] = cust.loc[parents, "core_zh"].to_numpy()
    cust.loc[subs, "core_en"] = cust.loc[parents, "core_en"].to_numpy()
    cust.loc[subs, "industry_idx"] = cust.loc[parents, "industry_idx"].to_numpy()
    cust.loc[subs, "segment_idx"] = np.maximum(cust.loc[subs, "segment_idx"].to_numpy(), 1)
    same_city = cust.loc[subs, "city_idx"].to_numpy() == cust.loc[parents, "city_idx"].to_numpy()
    cust.loc[subs[same_city], "city_idx"] = (cust.loc[subs[same_city], "city_idx"] + 7) % len(
        v.CITIES
    )

    cities = np.array(v.CITIES, dtype=object)
    cust["city_zh"] = cities[cust.city_idx, 0]
    cust["city_en"] = cities[cust.city_idx, 1]
    cust["home_region"] = cities[cust.city_idx, 2]
    inds = np.array(v.INDUSTRIES, dtype=object)
    cust["ind_zh"] = inds[cust.industry_idx, 0]
    cust["ind_en"] = inds[cust.industry_idx, 1]
    cust["industry"] = inds[cust.industry_idx, 2]
    cust["segment"] = np.array(SEGMENTS, dtype=object)[cust.segment_idx]
    is_sub = cust.parent_idx >= 0
    cust["legal_name_zh"] = np.where(
        is_sub,
        cust.core_zh + cust.ind_zh + "(" + cust.city_zh + ")有限公司",
        cust.city_zh + cust.core_zh + cust.ind_zh + "有限公司",
    )
    cust["legal_name_en"] = cust.city_en + " " + cust.core_en + " " + cust.ind_en + " Co., Ltd."
    cust["group_id"] = np.where(
        is_sub, cust.customer_id.to_numpy()[np.maximum(cust.parent_idx, 0)], None
    )
    cust.loc[parents, "group_id"] = cust.loc[parents, "customer_id"].to_numpy()

    # Credit code: 91 + division + 9-char organisation code + check character.
    division = np.array([v.CITY_DIVISION[c] for c in cust.city_en])
    body = np.zeros((n, 17), dtype=np.int64)
    body[:, 0], body[:, 1] = 9, 1
    for k in range(6):
        body[:, 2 + k] = np.array([int(d[k]) for d in division])
    body[:, 8:17] = rng.integers(0, 31, size=(n, 9))
    body[:, 8:16] = np.where(body[:, 8:16] > 9, body[:, 8:16] % 10, body[:, 8:16])
    check = credit_check_char(body)
    alphabet = np.array(list(CREDIT_ALPHABET))
    full = np.concatenate([body, check[:, None]], axis=1)
    cust["credit_code"] = ["".join(row) for row in alphabet[full]]

    area = np.array([v.CITY_AREA_CODES[c] for c in cust.city_en], dtype=object)
    cust["phone"] = (
        area + "-" + pd.Series(rng.integers(50_000_000, 89_999_999, n)).astype(str).to_numpy()
    )
    dom = np.char.lower(cust.core_en.to_numpy().astype(str)).astype(object)
    cust["domain"] = dom + np.where(rng.random(n) < 0.5, ".com.cn", ".com")
    dup_dom = cust.duplicated("domain", keep="first")
    cust.loc[dup_dom, "domain"] = cust.loc[dup_dom, "domain"].str.replace(
        ".", "-group.", n=1, regex=False
    )
    cust.loc[dup_dom, "domain"] = (
        cust.loc[dup_dom, "domain"]
        + "."
        + cust.loc[dup_dom].index.astype(str).to_numpy().astype(object)
    ).str.replace(r"\.(\d+)$", "", regex=True)
    cust["domain"] = np.where(
        cust.duplicated("domain", keep="first"),
        cust.customer_id.str.lower().to_numpy() + "-" + cust.domain.to_numpy(),
        cust.domain.to_numpy(),
    )

    # Latent experience drivers (standardised) and operational propensities.
    for k in ("product", "price", "ease", "recognition", "sustain"):
        cust[f"z_{k}"] = rng.normal(0, 1, n)
    cust["late_effect"] = rng.normal(0, 0.45, n)
    cust["confirm_rate"] = np.clip(rng.beta(12, 2, n), 0.5, 0.99)
    seg_rate = np.array([9.0, 3.5, 1.2, 0.45])[seg]
    cust["order_weight"] = seg_rate * rng.lognormal(0, 0.35, n)
    return cust


def assign_account_managers(rng: np.random.Generator, cust: pd.DataFrame) -> None:
    """One account manager per customer and home region; AM quality drives trust."""
    n = len(cust)
    per_region = max(4, n // 60)
    am_idx = rng.integers(0, per_region, n)
    cust["am_id"] = [f"AM-{r[0]}{i:03d}" for r, i in zip(cust.home_region, am_idx, strict=True)]
    ams = cust.am_id.unique()
    quality = dict(zip(ams, rng.normal(0, 1, len(ams)), strict=True))
    cust["z_trust"] = cust.am_id.map(quality).to_numpy() * 0.8 + rng.normal(0, 0.6, n)


def sites_and_units(rng: np.random.Generator, cust: pd.DataFrame) -> None:
    """Regions a customer takes deliveries in and business units it buys from."""
    n = len(cust)
    extra_n = np.select(
        [cust.segment_idx == 0, cust.segment_idx == 1, cust.segment_idx == 2],
        [rng.integers(1, 4, n), rng.integers(0, 3, n), (rng.random(n) < 0.2).astype(int)],
        0,
    )
    home = cust.home_region.map({r: i for i, r in enumerate(REGIONS)}).to_numpy()
    regions = np.full((n, 4), -1)
    regions[:, 0] = home
    for k in range(1, 4):
        cand = (home + rng.integers(1, 5, n)) % 5
        take = (extra_n >= k) & ~(regions == cand[:, None]).any(axis=1)
        regions[take, k] = cand[take]
    cust["regions"] = list(regions)
    big = cust.segment_idx <= 1
    bu = np.zeros((n, 4), dtype=bool)
    bu[:, 0] = rng.random(n) < 0.85
    bu[:, 1] = rng.random(n) < 0.5
    bu[:, 2] = rng.random(n) < np.where(big, 0.35, 0.1)
    bu[:, 3] = rng.random(n) < np.where(big, 0.25, 0.08)
    none = ~bu.any(axis=1)
    bu[none, 0] = True
    cust["bus"] = list(bu)


# --------------------------------------------------------------------------- name variants


def zh_variant(
    rng: np.random.Generator, cust: pd.DataFrame, idx: np.ndarray, kind: np.ndarray
) -> np.ndarray:
    c = cust.iloc[idx]
    city, core, ind = c.city_zh.to_numpy(), c.core_zh.to_numpy(), c.ind_zh.to_numpy()
    is_sub = c.parent_idx.to_numpy() >= 0
    canonical = c.legal_name_zh.to_numpy()
    options = [
        canonical,
        core + ind + "(" + city + ")有限公司",
        core + ind + "（" + city + "）有限公司",
        city + core + ind + "股份有限公司",
        core + ind,
        city + " " + core + ind + "有限公司",
        city + core + ind + "公司",
        np.where(
            is_sub, core + ind + "（" + city + "）有限公司", city + "市" + core + ind + "有限公司"
        ),
    ]
    out = np.empty(len(idx), dtype=object)
    for k, opt in enumerate(options):
        out[kind == k] = opt[kind == k]
    # Subsidiaries keep their city in every variant, or they would be their parent.
    short_sub = is_sub & (kind == 4)
    out[short_sub] = (core + ind + "(" + city + ")")[short_sub]
    return out


def en_variant(cust: pd.DataFrame, idx: np.ndarray, kind: np.ndarray) -> np.ndarray:
    c = cust.iloc[idx]
    city, core, ind = c.city_en.to_numpy(), c.core_en.to_numpy(), c.ind_en.to_numpy()
    options = [
        city + " " + core + " " + ind + " Co., Ltd.",
        core + " " + ind + " (" + city + ") Co., Ltd",
        np.char.upper((core + " " + ind + " CO LTD").astype(str)).astype(object),
        core + " " + ind + " Company Limited",
    ]
    out = np.empty(len(idx), dtype=object)
    for k, opt in enumerate(options):
        out[kind == k] = opt[kind == k]
    return out


def company_name(
    rng: np.random.Generator, cust: pd.DataFrame, idx: np.ndarray, p_en: np.ndarray
) -> np.ndarray:
    n = len(idx)
    en = rng.random(n) < p_en
    zh_kind = rng.choice(8, size=n, p=[0.4, 0.12, 0.1, 0.06, 0.12, 0.06, 0.07, 0.07])
    en_kind = rng.choice(4, size=n, p=[0.5, 0.2, 0.15, 0.15])
    return np.where(en, en_variant(cust, idx, en_kind), zh_variant(rng, cust, idx, zh_kind))


def format_phone(rng: np.random.Generator, phones: np.ndarray) -> np.ndarray:
    """Switchboard numbers as different reps type them."""
    s = pd.Series(phones, dtype=object)
    parts = s.str.split("-", n=1, expand=True)
    area, num = parts[0], parts[1]
    kind = rng.integers(0, 4, len(s))
    out = np.select(
        [kind == 0, kind == 1, kind == 2],
        [s, "(" + area + ")" + num, "+86 " + area.str.lstrip("0") + " " + num],
        area + num,
    )
    return out.astype(object)


def format_mobile(rng: np.random.Generator, mobiles: np.ndarray) -> np.ndarray:
    s = pd.Series(mobiles, dtype=object)
    kind = rng.integers(0, 4, len(s))
    spaced = s.str[:3] + " " + s.str[3:7] + " " + s.str[7:]
    dashed = s.str[:3] + "-" + s.str[3:7] + "-" + s.str[7:]
    return np.select(
        [kind == 0, kind == 1, kind == 2], [s, "+86 " + spaced, dashed], "+86" + s
    ).astype(object)


def mistype_code(rng: np.random.Generator, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One character replaced or two neighbours swapped: the check digit no longer fits.

    Returns the mistyped codes and their kind (cc_swap or cc_substitution); two equal
    neighbours cannot be swapped, so one of them is replaced instead.
    """
    out, kinds = [], []
    for code in codes:
        chars = list(code)
        i = int(rng.integers(2, 16))
        kind = "cc_swap"
        if rng.random() < 0.5:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
            if chars[i] == chars[i + 1]:
                chars[i] = "8" if chars[i] != "8" else "3"
                kind = "cc_substitution"
        else:
            chars[i] = "7" if chars[i] != "7" else "2"
            kind = "cc_substitution"
        out.append("".join(chars))
        kinds.append(kind)
    return np.array(out, dtype=object), np.array(kinds, dtype=object)


# --------------------------------------------------------------------------- name variation

NAME_CLASSES = (
    "zh_homophone",
    "zh_lookalike",
    "zh_dropped",
    "zh_doubled",
    "latin_only",
    "sparse_identical",
)


@dataclass(frozen=True)
class NameVariation:
    """How often CRM records carry the variations real exports show.

    Name classes are shares of all accounts (one class at most per account);
    credit_code_mistyped is a share of accounts that carry a code (half one
    character substituted, half two neighbours swapped); shared_trade_name is
    the share of customers whose trade name (字号) an unrelated company in
    another city and industry also uses.
    """

    zh_homophone: float = 0.02
    zh_lookalike: float = 0.02
    zh_dropped: float = 0.015
    zh_doubled: float = 0.015
    latin_only: float = 0.03
    sparse_identical: float = 0.03
    credit_code_mistyped: float = 0.04
    shared_trade_name: float = 0.02

    @classmethod
    def profile(cls, name: str) -> NameVariation:
        """normal (the defaults), heavy (every rate doubled) or none."""
        if name == "normal":
            return cls()
        if name == "none":
            return cls(**{k: 0.0 for k in cls.__dataclass_fields__})
        if name == "heavy":
            base = cls()
            return cls(**{k: 2 * getattr(base, k) for k in cls.__dataclass_fields__})
        raise ValueError(f"unknown name-variation profile {name!r} (normal, heavy, none)")


def share_trade_names(rng: np.random.Generator, cust: pd.DataFrame, rate: float) -> None:
    """Give some customers the trade name of an unrelated company (another city and
    industry, not in its group): two different legal entities, one 字号."""
    cust["shared_trade_name"] = False
    free = np.flatnonzero((cust.parent_idx.to_numpy() < 0) & cust.group_id.isna().to_numpy())
    k = min(int(round(len(cust) * rate / 2)), len(free) // 2)
    if k == 0:
        return
    picked = rng.choice(free, size=2 * k, replace=False)
    a, b = picked[:k], picked[k:]
    ok = (cust.industry_idx.to_numpy()[a] != cust.industry_idx.to_numpy()[b]) & (
        cust.city_idx.to_numpy()[a] != cust.city_idx.to_numpy()[b]
    )
    a, b = a[ok], b[ok]
    for col in ("core_zh", "core_en"):
        cust.loc[b, col] = cust.loc[a, col].to_numpy()
    cust.loc[b, "legal_name_zh"] = (cust.city_zh + cust.core_zh + cust.ind_zh + "有限公司")[b]
    cust.loc[b, "legal_name_en"] = (
        cust.city_en + " " + cust.core_en + " " + cust.ind_en + " Co., Ltd."
    )[b]
    cust.loc[np.concatenate([a, b]), "shared_trade_name"] = True


def typo_zh(
    rng: np.random.Generator, names: np.ndarray, words: np.ndarray, kind: str
) -> np.ndarray:
    """One-character typo inside `words` (trade name + industry) of each name."""
    table = {"zh_homophone": v.HOMOPHONES, "zh_lookalike": v.LOOKALIKES}.get(kind)
    out = names.copy()
    for i, (name, word) in enumerate(zip(names, words, strict=True)):
        start = name.find(word)
        if start < 0:
            continue
        positions = [start + j for j in range(len(word)) if table is None or word[j] in table]
        if not positions:
            continue
        p = int(rng.choice(positions))
        ch = name[p]
        if kind == "zh_dropped":
            out[i] = name[:p] + name[p + 1 :]
        elif kind == "zh_doubled":
            out[i] = name[: p + 1] + ch + name[p + 1 :]
        else:
            out[i] = name[:p] + table[ch] + name[p + 1 :]
    return out


def pinyin_name(cust: pd.DataFrame, idx: np.ndarray) -> np.ndarray:
    """The registered name spelled in pinyin, as some CRMs hold it."""
    c = cust.iloc[idx]
    ind = np.array(["".join(lazy_pinyin(z)).capitalize() for z in c.ind_zh], dtype=object)
    return (c.city_en + " " + c.core_en + " " + ind + " Youxian Gongsi").to_numpy()


def apply_name_variations(
    rng: np.random.Generator, cust: pd.DataFrame, acc: pd.DataFrame, rates: NameVariation
) -> pd.DataFrame:
    """Apply the name classes to accounts and record each account's variation."""
    n = len(acc)
    probs = np.array([getattr(rates, k) for k in NAME_CLASSES])
    draw = rng.random(n)
    edges = np.cumsum(probs)
    cls = np.searchsorted(edges, draw, side="right")
    name_kind = np.where(cls < len(NAME_CLASSES), np.array(NAME_CLASSES + ("",))[cls], "")
    idx = acc.c_idx.to_numpy()
    names = acc.account_name.to_numpy().astype(object)
    is_zh = acc.account_name.str.contains("[\u4e00-\u9fff]", regex=True).to_numpy(dtype=bool)
    words = (cust.core_zh + cust.ind_zh).to_numpy()[idx]
    for kind in NAME_CLASSES[:4]:
        hit = (name_kind == kind) & is_zh
        names[hit] = typo_zh(rng, names[hit], words[hit], kind)
        name_kind[(name_kind == kind) & ~is_zh] = ""
        changed = hit.copy()
        changed[hit] = names[hit] != acc.account_name.to_numpy()[hit]
        name_kind[hit & ~changed] = ""
    latin = name_kind == "latin_only"
    en = en_variant(cust, idx[latin], rng.choice(4, size=int(latin.sum())))
    names[latin] = np.where(rng.random(int(latin.sum())) < 0.5, en, pinyin_name(cust, idx[latin]))
    sparse = name_kind == "sparse_identical"
    names[sparse] = cust.legal_name_zh.to_numpy()[idx[sparse]]
    bare = latin | sparse
    acc["account_name"] = names
    for col in ("credit_code", "phone", "website"):
        acc.loc[bare, col] = None
    acc.loc[bare, "code_variation"] = None
    acc.loc[bare, "credit_code_mistyped"] = False
    shared = cust.get("shared_trade_name", pd.Series(False, index=cust.index)).to_numpy()[idx]
    tags = (
        pd.Series(name_kind, dtype="string")
        + "+"
        + pd.Series(acc["code_variation"].to_numpy(), dtype="string").fillna("")
        + "+"
        + pd.Series(np.where(shared, "shared_trade_name", ""), dtype="string")
    )
    tags = tags.str.replace(r"\++", "+", regex=True).str.strip("+")
    acc["variation"] = tags.where(tags != "", None).astype(object).to_numpy()
    return acc


# --------------------------------------------------------------------------- accounts


def make_accounts(
    rng: np.random.Generator,
    cust: pd.DataFrame,
    variation: NameVariation | None = None,
    vrng: np.random.Generator | None = None,
) -> pd.DataFrame:
    variation = variation or NameVariation()
    n = len(cust)
    regions = np.stack(cust.regions.to_numpy())
    bus = np.stack(cust.bus.to_numpy())
    rows_c, rows_crm, rows_primary = [], [], []
    for k in range(4):
        present = regions[:, k] >= 0
        keep = present & (rng.random(n) < (0.97 if k == 0 else 0.85))
        idx = np.flatnonzero(keep)
        rows_c.append(idx)
        rows_crm.append(regions[idx, k])
    for j, bu in enumerate(("welfare", "digital")):
        idx = np.flatnonzero(bus[:, 2 + j] & (rng.random(n) < 0.95))
        rows_c.append(idx)
        rows_crm.append(np.full(len(idx), CRMS.index(BU_CRM[bu])))
    c_idx = np.concatenate(rows_c)
    crm_idx = np.concatenate(rows_crm)
    # Every customer has at least one account: its home regional CRM.
    missing = np.setdiff1d(np.arange(n), c_idx)
    c_idx = np.concatenate([c_idx, missing])
    crm_idx = np.concatenate([crm_idx, regions[missing, 0]])
    primary = np.ones(len(c_idx), dtype=bool)
    # Duplicates inside one CRM: a second rep opened the same company again.
    dup = rng.random(len(c_idx)) < 0.03
    c_idx = np.concatenate([c_idx, c_idx[dup]])
    crm_idx = np.concatenate([crm_idx, crm_idx[dup]])
    primary = np.concatenate([primary, np.zeros(dup.sum(), dtype=bool)])
    rows_primary.append(primary)

    acc = pd.DataFrame({"c_idx": c_idx, "crm_idx": crm_idx, "primary": primary})
    acc["source_system"] = np.array(CRMS, dtype=object)[acc.crm_idx]
    acc["customer_id"] = cust.customer_id.to_numpy()[acc.c_idx]
    prefixes = {
        "crm_east": "E",
        "crm_south": "S-",
        "crm_north": "BJ",
        "crm_west": "W",
        "crm_central": "ZB",
        "bu_welfare": "FL",
        "bu_digital": "DG-",
    }
    acc["account_id"] = ""
    for crm, grp in acc.groupby("source_system").groups.items():
        seq = rng.permutation(len(grp)) + 10_001
        acc.loc[grp, "account_id"] = [f"{prefixes[crm]}{s:06d}" for s in seq]
    is_bu = acc.crm_idx >= len(REGION_CRM)
    p_en = np.where(
        acc.source_system == "bu_digital",
        0.35,
        np.where(acc.source_system == "crm_south", 0.12, 0.06),
    )
    acc["account_name"] = company_name(rng, cust, acc.c_idx.to_numpy(), p_en)
    cc = cust.credit_code.to_numpy()[acc.c_idx]
    has_cc = rng.random(len(acc)) < np.where(is_bu, 0.45, 0.72) * np.where(acc.primary, 1, 0.5)
    typo = has_cc & (rng.random(len(acc)) < variation.credit_code_mistyped)
    cc = np.where(has_cc, cc, None)
    code_kind = np.full(len(acc), None, dtype=object)
    cc[typo], code_kind[typo] = mistype_code(rng, cc[typo])
    acc["credit_code"] = cc
    acc["credit_code_mistyped"] = typo
    acc["code_variation"] = code_kind
    acc["industry"] = np.where(
        rng.random(len(acc)) < 0.7,
        np.where(
            rng.random(len(acc)) < 0.5,
            cust.industry.to_numpy()[acc.c_idx],
            cust.ind_zh.to_numpy()[acc.c_idx],
        ),
        None,
    )
    acc["region"] = np.where(
        is_bu,
        cust.home_region.to_numpy()[acc.c_idx],
        np.array(REGIONS, dtype=object)[np.minimum(acc.crm_idx, 4)],
    )
    acc.loc[is_bu & (rng.random(len(acc)) < 0.3), "region"] = None
    acc["segment"] = np.where(rng.random(len(acc)) < 0.9, cust.segment.to_numpy()[acc.c_idx], None)
    acc["business_unit"] = np.where(
        acc.source_system == "bu_welfare",
        "welfare",
        np.where(
            acc.source_system == "bu_digital",
            "digital",
            np.where(
                np.stack(cust.bus.to_numpy())[acc.c_idx, 1]
                & ~np.stack(cust.bus.to_numpy())[acc.c_idx, 0],
                "office",
                "mro",
            ),
        ),
    )
    acc["account_manager_id"] = np.where(
        is_bu,
        "AM-"
        + acc.source_system.str[3:4].str.upper()
        + pd.Series(acc.c_idx % 40).astype(str).str.zfill(3),
        cust.am_id.to_numpy()[acc.c_idx],
    )
    en_city = rng.random(len(acc)) < 0.2
    acc["city"] = np.where(
        en_city, cust.city_en.to_numpy()[acc.c_idx], cust.city_zh.to_numpy()[acc.c_idx]
    )
    acc.loc[rng.random(len(acc)) < 0.15, "city"] = None
    phone = format_phone(rng, cust.phone.to_numpy()[acc.c_idx])
    acc["phone"] = np.where(rng.random(len(acc)) < 0.65, phone, None)
    dom = cust.domain.to_numpy()[acc.c_idx]
    web_kind = rng.integers(0, 3, len(acc))
    web = np.select(
        [web_kind == 0, web_kind == 1], ["www." + dom, "http://www." + dom + "/"], "https://" + dom
    )
    acc["website"] = np.where(rng.random(len(acc)) < 0.5, web, None)
    created = START - rng.integers(30, 2500, len(acc)).astype("timedelta64[D]")
    acc["created_at"] = created.astype("datetime64[s]") + rng.integers(
        8 * 3600, 19 * 3600, len(acc)
    ).astype("timedelta64[s]")
    acc["updated_at"] = acc.created_at + rng.integers(0, 700, len(acc)).astype("timedelta64[D]")
    acc["parent_account_id"] = None
    # Parent pointers inside one CRM for group subsidiaries.
    parent_of = cust.parent_idx.to_numpy()[acc.c_idx]
    key = pd.Series(
        acc.account_id.to_numpy(), index=pd.MultiIndex.from_arrays([acc.c_idx, acc.crm_idx])
    )
    key = key[~key.index.duplicated()]
    lookup = pd.MultiIndex.from_arrays([parent_of, acc.crm_idx])
    found = key.reindex(lookup).to_numpy()
    acc["parent_account_id"] = np.where(parent_of >= 0, found, None)
    acc.loc[pd.isna(acc.parent_account_id), "parent_account_id"] = None
    acc = apply_name_variations(vrng or np.random.default_rng(0), cust, acc, variation)
    return acc.reset_index(drop=True)


# --------------------------------------------------------------------------- persons & contacts


def make_persons(rng: np.random.Generator, cust: pd.DataFrame) -> pd.DataFrame:
    n = len(cust)
    lo = np.array([4, 3, 2, 2])[cust.segment_idx]
    hi = np.array([7, 6, 5, 4])[cust.segment_idx]
    k = rng.integers(lo, hi + 1)
    c_idx = np.repeat(np.arange(n), k)
    rank = np.arange(len(c_idx)) - np.repeat(np.cumsum(k) - k, k)
    others = np.array(["user", "influencer", "finance", "gatekeeper", "other", "user"])
    role = np.where(
        rank == 0,
        "decision_maker",
        np.where(rank == 1, "purchaser", others[rng.integers(0, 6, len(c_idx))]),
    )
    sur = rng.integers(0, len(v.SURNAMES), len(c_idx))
    given_chars = list(dict.fromkeys(v.GIVEN_CHARS))
    given_py = [lazy_pinyin(ch)[0] for ch in given_chars]
    g1 = rng.integers(0, len(given_chars), len(c_idx))
    g2 = rng.integers(0, len(given_chars), len(c_idx))
    two = rng.random(len(c_idx)) < 0.55
    gc, gp = np.array(given_chars, dtype=object), np.array(given_py, dtype=object)
    sur_zh = np.array([s[0] for s in v.SURNAMES], dtype=object)[sur]
    sur_en = np.array([s[1] for s in v.SURNAMES], dtype=object)[sur]
    given_zh = gc[g1] + np.where(two, gc[g2], "")
    given_en = gp[g1] + np.where(two, gp[g2], "")
    p = pd.DataFrame(
        {
            "person_id": [f"P{i:08d}" for i in range(1, len(c_idx) + 1)],
            "c_idx": c_idx,
            "customer_id": cust.customer_id.to_numpy()[c_idx],
            "role": role,
            "name_zh": sur_zh + given_zh,
            "name_en": pd.Series(given_en).str.capitalize().to_numpy() + " " + sur_en,
            "sur_en": sur_en,
            "given_en": given_en,
        }
    )
    personal = rng.random(len(p)) < 0.25
    local = (p.given_en + "." + pd.Series(sur_en).str.lower()).to_numpy()
    p["email"] = np.where(
        personal,
        pd.Series(rng.integers(10_000_000, 3_999_999_999, len(p))).astype(str).to_numpy()
        + np.where(rng.random(len(p)) < 0.5, "@qq.com", "@163.com"),
        local + "@" + cust.domain.to_numpy()[c_idx],
    )
    # Two people with the same name in one company would share a mailbox: number them.
    dup = p.duplicated("email")
    if dup.any():
        parts = p.loc[dup, "email"].str.split("@", n=1, expand=True)
        p.loc[dup, "email"] = parts[0] + p.loc[dup, "person_id"].str[-4:] + "@" + parts[1]
    prefix = np.array(["138", "139", "135", "136", "186", "187", "158", "159", "177", "199"])
    p["mobile"] = (
        prefix[rng.integers(0, 10, len(p))].astype(object)
        + pd.Series(rng.integers(10_000_000, 99_999_999, len(p))).astype(str).to_numpy()
    )
    p["z_person"] = rng.normal(0, 0.5, len(p))
    return p


def make_contacts(
    rng: np.random.Generator, persons: pd.DataFrame, acc: pd.DataFrame
) -> pd.DataFrame:
    prim = acc[acc.primary][["c_idx", "source_system", "account_id", "crm_idx"]]
    pairs = persons[["person_id", "c_idx", "role"]].merge(prim, on="c_idx")
    regional = pairs.crm_idx < len(REGION_CRM)
    p_keep = np.where(
        regional,
        0.7,
        np.where(pairs.role.isin(["purchaser", "finance", "decision_maker"]), 0.6, 0.3),
    )
    keep = rng.random(len(pairs)) < p_keep
    first = ~pairs.duplicated("person_id")
    pairs = pairs[keep | first].reset_index(drop=True)
    pairs = pairs.merge(persons.drop(columns=["c_idx", "role"]), on="person_id")
    n = len(pairs)
    name_kind = rng.random(n)
    pairs["full_name"] = np.where(
        name_kind < 0.86,
        pairs.name_zh,
        np.where(
            name_kind < 0.95, pairs.name_en, pairs.name_zh.str[:1] + " " + pairs.name_zh.str[1:]
        ),
    )
    pairs["crm_role"] = np.where(
        rng.random(n) < 0.85, pairs.role, np.where(rng.random(n) < 0.5, "other", None)
    )
    titles = pairs.role.map(lambda r: v.TITLES[r][0][0])
    pairs["title"] = np.where(rng.random(n) < 0.8, titles, None)
    pairs["department"] = np.where(rng.random(n) < 0.6, pairs.role.map(v.DEPARTMENTS), None)
    email = np.where(rng.random(n) < 0.12, pairs.email.str.upper(), pairs.email)
    pairs["crm_email"] = np.where(rng.random(n) < 0.78, email, None)
    pairs["crm_phone"] = np.where(
        rng.random(n) < 0.72, format_mobile(rng, pairs.mobile.to_numpy()), None
    )
    pairs["is_active"] = np.where(
        rng.random(n) < 0.93, "true", np.where(rng.random(n) < 0.5, "false", None)
    )
    prefixes = {
        "crm_east": "EC",
        "crm_south": "SC-",
        "crm_north": "BJC",
        "crm_west": "WC",
        "crm_central": "ZC",
        "bu_welfare": "FLC",
        "bu_digital": "DGC-",
    }
    pairs["contact_id"] = ""
    for crm, grp in pairs.groupby("source_system").groups.items():
        seq = rng.permutation(len(grp)) + 100_001
        pairs.loc[grp, "contact_id"] = [f"{prefixes[crm]}{s:07d}" for s in seq]
    pairs["updated_at"] = (START - rng.integers(1, 600, n).astype("timedelta64[D]")).astype(
        "datetime64[s]"
    ) + rng.integers(8 * 3600, 19 * 3600, n).astype("timedelta64[s]")
    return pairs
