"""Normalisation of the identifiers entity resolution compares.

Every public function is pure. Column functions take a pandas Series and return
one of the same length (missing or unusable values become <NA>), so they run
vectorised in DuckDB-free pandas/Arrow code here and can be wrapped unchanged
in a Spark `pandas_udf` when resolution runs on Spark. Name functions need a
transliteration step (hanzi -> pinyin) that has no vectorised form: they run
once per *distinct* value and the result is mapped back.

Vocabulary (legal suffixes, industry words, place names...) comes from
`identity/lexicon.yml`, not from code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache, wraps
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pypinyin import lazy_pinyin

from identity.parallel import chunked_map

LEXICON_PATH = Path(__file__).with_name("lexicon.yml")

# GB 32100-2015 unified social credit code: 18 characters from this alphabet
# (no I, O, S, V, Z), the 18th a check character over the first 17.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_BRACKETED = re.compile(r"[\(\[【〔《<][^\)\]】〕》>]*[\)\]】〕》>]")
_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Lexicon:
    legal_suffixes_zh: tuple[str, ...]
    legal_suffixes_en: tuple[str, ...]
    industry_zh: dict[str, str]  # zh term -> canonical English
    industry_en: dict[str, str]  # English phrase -> canonical English
    places_zh: tuple[str, ...]
    places_en: tuple[str, ...]
    place_suffixes_zh: tuple[str, ...]
    place_suffixes_en: tuple[str, ...]
    surname_pinyin: dict[str, str]
    compound_surnames: tuple[str, ...]
    person_titles_zh: tuple[str, ...]
    person_titles_en: tuple[str, ...]
    role_mailboxes: frozenset[str]
    public_mail_domains: frozenset[str]


def _by_length(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(items), key=lambda s: (-len(s), s)))


@cache
def lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    industry_zh = {zh: forms[0] for zh, forms in raw["industry_terms"].items()}
    industry_en: dict[str, str] = {}
    # A phrase maps to the term whose *first* English form it is, else to the
    # first term that lists it: "power" -> 动力, "electric power" -> 电力.
    for forms in raw["industry_terms"].values():
        industry_en.setdefault(forms[0], forms[0])
    for forms in raw["industry_terms"].values():
        for form in forms[1:]:
            industry_en.setdefault(form, forms[0])
    # Names written in pinyin spell the industry in pinyin too: 'Dianzi', 'dian zi'.
    for zh, forms in raw["industry_terms"].items():
        syllables = lazy_pinyin(zh)
        industry_en.setdefault("".join(syllables), forms[0])
        industry_en.setdefault(" ".join(syllables), forms[0])
    places_en = {
        raw.get("place_names_en", {}).get(p) or "".join(lazy_pinyin(p))
        for p in raw["place_names_zh"]
    }
    places_en |= {"".join(lazy_pinyin(p)) for p in raw["place_names_zh"]}
    return Lexicon(
        legal_suffixes_zh=_by_length(raw["legal_suffixes_zh"]),
        legal_suffixes_en=_by_length(raw["legal_suffixes_en"]),
        industry_zh=industry_zh,
        industry_en=industry_en,
        places_zh=_by_length(raw["place_names_zh"]),
        places_en=_by_length(places_en),
        place_suffixes_zh=_by_length(raw["place_suffixes_zh"]),
        place_suffixes_en=_by_length(raw["place_suffixes_en"]),
        surname_pinyin=dict(raw["surname_pinyin"]),
        compound_surnames=_by_length(raw["compound_surnames"]),
        person_titles_zh=_by_length(raw["person_titles_zh"]),
        person_titles_en=_by_length(raw["person_titles_en"]),
        role_mailboxes=frozenset(raw["role_mailboxes"]),
        public_mail_domains=frozenset(raw["public_mail_domains"]),
    )


# --------------------------------------------------------------------------
# Column functions (vectorised)
# --------------------------------------------------------------------------


def per_distinct(fn: Callable[..., pd.Series]) -> Callable[..., pd.Series]:
    """A column function that depends on each value alone, run once per distinct
    value: responses repeat their respondents' emails, phones and company names
    (medium: 218k responses, 52k distinct emails), and regex and NFKC work is most of
    an identity run's Python time."""

    @wraps(fn)
    def on_distinct(s: pd.Series, *args: object, **kwargs: object) -> pd.Series:
        # NA is a value of its own here (use_na_sentinel=False): fn decides what it gives.
        codes, uniques = pd.factorize(s, use_na_sentinel=False)
        if len(uniques) * 2 > len(s):
            return fn(s, *args, **kwargs)  # mostly distinct: the mapping back costs more
        out = fn(pd.Series(uniques, dtype=s.dtype), *args, **kwargs)
        return pd.Series(out.take(codes).to_numpy(), index=s.index, dtype=out.dtype)

    return on_distinct


@per_distinct
def _text(s: pd.Series) -> pd.Series:
    """NFKC (full-width -> half-width), trimmed, inner whitespace collapsed, '' -> NA."""
    out = s.astype("string").str.normalize("NFKC").str.strip()
    out = out.str.replace(r"\s+", " ", regex=True)
    return out.mask(out == "")


def text(s: pd.Series) -> pd.Series:
    return _text(s)


def credit_code_is_valid(s: pd.Series) -> pd.Series:
    """True where the value is a well-formed GB 32100-2015 code with a correct check
    character (after NFKC, upper-casing and removing spaces and hyphens)."""
    code = _text(s).str.upper().str.replace(r"[\s\-]", "", regex=True)
    shaped = code.str.fullmatch(rf"[{CREDIT_CODE_ALPHABET}]{{18}}").fillna(False).astype(bool)
    valid = np.zeros(len(code), dtype=bool)
    if shaped.any():
        chars = code[shaped].to_numpy(dtype=str)
        # (n, 18) array of character codes, then each mapped to its value 0..30.
        codes = np.frombuffer("".join(chars).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        value_of = np.full(128, -1, dtype=np.int64)
        for i, ch in enumerate(CREDIT_CODE_ALPHABET):
            value_of[ord(ch)] = i
        values = value_of[codes]
        total = values[:, :17] @ np.array(CREDIT_CODE_WEIGHTS, dtype=np.int64)
        check = (31 - total % 31) % 31
        valid[shaped.to_numpy()] = check == values[:, 17]
    return pd.Series(valid, index=s.index)


def credit_code(s: pd.Series) -> pd.Series:
    """The code upper-cased without separators where it passes the check, else NA."""
    code = _text(s).str.upper().str.replace(r"[\s\-]", "", regex=True)
    return code.where(credit_code_is_valid(s))


def credit_code_shaped(s: pd.Series) -> pd.Series:
    """The code upper-cased without separators where it has the code's shape (18
    characters of the alphabet), whether or not the check character fits."""
    code = _text(s).str.upper().str.replace(r"[\s\-]", "", regex=True)
    shaped = code.str.fullmatch(rf"[{CREDIT_CODE_ALPHABET}]{{18}}").fillna(False).astype(bool)
    return code.where(shaped)


def one_error_away(code: str) -> set[str]:
    """Every code one keying error away from `code`: each adjacent swap and each
    single substitution, whether or not its check character fits."""
    out: set[str] = set()
    chars = list(code)
    for i in range(len(chars) - 1):
        if chars[i] != chars[i + 1]:
            swapped = chars.copy()
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            out.add("".join(swapped))
    for i in range(len(chars)):
        for ch in CREDIT_CODE_ALPHABET:
            if ch != chars[i]:
                out.add("".join(chars[:i]) + ch + "".join(chars[i + 1 :]))
    return out


def credit_code_candidates(code: str) -> list[str]:
    """Codes one keying error away from `code` that pass the check character
    (GB 32100-2015 detects all single substitutions and most swaps, so a failing
    code usually has a few candidates and its true code is among them)."""
    cands = pd.Series(sorted(one_error_away(code)), dtype="string")
    return cands[credit_code_is_valid(cands)].tolist()


def repair_credit_codes(shaped: pd.Series, valid: pd.Series) -> pd.Series:
    """Repair codes that fail the check against the valid codes seen in the data.

    shaped: codes with the code's shape (credit_code_shaped); valid: the valid
    codes of the same records (credit_code). A failing code is repaired when
    exactly one of its one-error candidates (credit_code_candidates) is a valid
    code some other record carries; else it stays NA. Runs once per distinct
    failing code (few: keying errors are rare).
    """
    known = set(valid.dropna())
    failing = shaped[shaped.notna() & valid.isna()].drop_duplicates()
    repaired: dict[str, str] = {}
    for code in failing:
        # The known codes all pass the check: the candidates among them are the
        # valid candidates among them, without checking ~560 codes per failing one.
        hits = sorted(one_error_away(str(code)) & known)
        if len(hits) == 1:
            repaired[str(code)] = hits[0]
    return shaped.where(valid.isna()).map(repaired, na_action="ignore").astype("string")


@per_distinct
@per_distinct
def phone(s: pd.Series) -> pd.Series:
    """Digits of a Chinese phone number without country code or trunk 0:
    '+86 138-0013-8000' -> '13800138000', '(021) 6234 5678' and '021-62345678'
    -> '2162345678'. Extensions ('转 801', 'ext. 12', '#3') are dropped. Fewer
    than 7 digits -> NA."""
    t = _text(s).str.lower()
    t = t.str.replace(r"(转|ext\.?|x|#|分机).*$", "", regex=True)
    digits = t.str.replace(r"\D", "", regex=True)
    digits = digits.str.replace(r"^(00|\+)?86(?=\d{9,12}$)", "", regex=True)
    digits = digits.str.replace(r"^0(?=[1-9]\d{8,10}$)", "", regex=True)
    return digits.mask(digits.str.len() < 7)


def phone_local(s: pd.Series) -> pd.Series:
    """Last 8 digits of the normalised number: matches a landline typed with and
    without its area code."""
    p = phone(s)
    return p.str.slice(-8)


_EMAIL = r"[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+"


@per_distinct
def email(s: pd.Series) -> pd.Series:
    """Lower-cased address without 'mailto:' or display name; NA unless well formed."""
    t = _text(s).str.lower().str.replace(r"^mailto:", "", regex=True)
    t = t.str.extract(rf"({_EMAIL})", expand=False)
    return t


@per_distinct
def email_domain(s: pd.Series) -> pd.Series:
    return email(s).str.split("@").str[-1]


@per_distinct
def is_role_mailbox(s: pd.Series, lex: Lexicon | None = None) -> pd.Series:
    """True for shared mailboxes (info@, sales@, purchasing@ ...)."""
    lex = lex or lexicon()
    local = email(s).str.split("@").str[0].str.replace(r"[._\-\d]+$", "", regex=True)
    return local.isin(lex.role_mailboxes).fillna(False).astype(bool)


@per_distinct
def personal_email(s: pd.Series, lex: Lexicon | None = None) -> pd.Series:
    """The address, NA when it is a shared mailbox (no evidence of one person)."""
    e = email(s)
    return e.mask(is_role_mailbox(s, lex))


@per_distinct
def email_person_name(s: pd.Series) -> pd.Series:
    """The name an address spells, when it spells two words: 'hao.tang@x.cn',
    'Tang_Hao2@x.cn' -> 'hao tang' / 'tang hao' (a Latin name for person_name,
    which reads either order). One run of letters ('zhangwei@') cannot be split
    surely, digits alone ('2305855812@qq.com') spell nobody: NA."""
    local = email(s).str.split("@").str[0].str.replace(r"\d+$", "", regex=True)
    two = local.str.fullmatch(r"[a-z]{2,}[._\-][a-z]{2,}").fillna(False).astype(bool)
    return local.str.replace(r"[._\-]", " ", regex=True).where(two).astype("string")


@per_distinct
def corporate_email_domain(s: pd.Series, lex: Lexicon | None = None) -> pd.Series:
    """Email domain unless it is a public mail provider (qq.com, 163.com, gmail...)."""
    lex = lex or lexicon()
    d = email_domain(s)
    return d.mask(d.isin(lex.public_mail_domains))


def domain_name_key(domains: pd.Series) -> pd.Series:
    """The name a corporate mail domain spells: its first label without a group
    suffix ('hualan-group.com.cn' -> 'hualan'), as a pinyin name key. Companies
    register their trade name's pinyin; four letters at least, so initials
    ('hl.com') say nothing."""
    label = _text(domains).str.lower().str.split(".").str[0]
    key = label.str.replace(r"-?(group|grp|cn|china)$", "", regex=True)
    key = key.where(key.str.fullmatch(r"[a-z]{4,}").fillna(False).astype(bool))
    return key.astype("string")


@per_distinct
def website_domain(s: pd.Series) -> pd.Series:
    """Host of a website without scheme, 'www.', port, path or trailing dot."""
    t = _text(s).str.lower()
    t = t.str.replace(r"^[a-z][a-z0-9+.\-]*://", "", regex=True)
    t = t.str.replace(r"[/?#].*$", "", regex=True).str.replace(r":\d+$", "", regex=True)
    t = t.str.replace(r"^www\d?\.", "", regex=True).str.strip(".")
    return t.where(t.str.fullmatch(r"[a-z0-9\-]+(\.[a-z0-9\-]+)+").fillna(False).astype(bool))


@per_distinct
def city_key(s: pd.Series, lex: Lexicon | None = None) -> pd.Series:
    """City as lower-case pinyin without administrative suffix:
    '上海市' / 'Shanghai' / 'SHANGHAI CITY' -> 'shanghai'."""
    return map_distinct(s, lambda v: _city_key(v, lex or lexicon()))


# --------------------------------------------------------------------------
# Names (per distinct value)
# --------------------------------------------------------------------------


def map_distinct(s: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """Apply a scalar function once per distinct non-null value of s."""
    values = s.dropna().unique()
    mapping = {v: fn(v) for v in values}
    return s.map(mapping).astype("string")


def has_cjk(value: str) -> bool:
    return bool(_CJK.search(value))


@lru_cache(maxsize=200_000)
def pinyin(value: str) -> str:
    """Lower-case pinyin of the CJK characters, other letters and digits kept."""
    return re.sub(r"[^0-9a-z]", "", "".join(lazy_pinyin(value)).lower())


def _clean(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


@dataclass(frozen=True)
class _AffixIndex:
    """An affix list for lookups: per distinct length, the affix's position in the
    list. A string has one suffix (prefix) of each length, so the first affix of the
    list that fits is found with one dictionary look-up per length, not one
    comparison per affix (the place prefixes run to thousands)."""

    lengths: tuple[int, ...]
    rank: dict[str, int]


_AFFIX_INDEXES: dict[int, tuple[tuple[str, ...], _AffixIndex]] = {}


def _affix_index(affixes: tuple[str, ...]) -> _AffixIndex:
    # Keyed by identity (hashing a long tuple costs as much as the scan it saves);
    # the entry keeps the tuple alive, so its id cannot be reused by another.
    hit = _AFFIX_INDEXES.get(id(affixes))
    if hit is not None and hit[0] is affixes:
        return hit[1]
    rank: dict[str, int] = {}
    for i, affix in enumerate(affixes):
        if affix:
            rank.setdefault(affix, i)
    index = _AffixIndex(tuple(sorted({len(a) for a in rank}, reverse=True)), rank)
    if len(_AFFIX_INDEXES) > 4096:
        _AFFIX_INDEXES.clear()
    _AFFIX_INDEXES[id(affixes)] = (affixes, index)
    return index


def _first_affix(value: str, affixes: tuple[str, ...], min_left: int, suffix: bool) -> str | None:
    """The first affix of `affixes` (in their order) that `value` ends (starts) with
    and that leaves at least `min_left` characters."""
    index = _affix_index(affixes)
    best: str | None = None
    best_rank = len(affixes)
    n = len(value)
    for length in index.lengths:
        if n - length < min_left:
            continue
        candidate = value[-length:] if suffix else value[:length]
        rank = index.rank.get(candidate)
        if rank is not None and rank < best_rank:
            best, best_rank = candidate, rank
    return best


def _strip_suffixes(value: str, suffixes: tuple[str, ...], min_left: int = 1) -> str:
    while (suf := _first_affix(value, suffixes, min_left, suffix=True)) is not None:
        value = value[: -len(suf)].rstrip()
    return value


def _strip_prefixes(value: str, prefixes: tuple[str, ...], min_left: int = 2) -> str:
    while (pre := _first_affix(value, prefixes, min_left, suffix=False)) is not None:
        value = value[len(pre) :].lstrip()
    return value


@cache
def _places_zh_pinyin() -> dict[str, str]:
    lex = lexicon()
    return dict(zip(lex.places_zh, map(pinyin, lex.places_zh), strict=True))


@cache
def _spaced(affixes: tuple[str, ...], before: bool) -> tuple[str, ...]:
    """Word affixes with the space that separates them from the rest."""
    return tuple((" " + a) if before else (a + " ") for a in affixes)


def _city_key(value: str, lex: Lexicon) -> str | None:
    v = _BRACKETED.sub("", _clean(value))
    if has_cjk(v):
        v = re.sub(r"\s+", "", v)
        v = _strip_suffixes(v, lex.place_suffixes_zh, min_left=2)
        out = _places_zh_pinyin().get(v) or pinyin(v)
    else:
        v = _NON_WORD.sub(" ", v).strip()
        v = _strip_suffixes(v, _spaced(lex.place_suffixes_en, before=True), min_left=2)
        out = v.replace(" ", "")
    return out or None


@dataclass(frozen=True)
class CompanyName:
    clean: str | None  # comparable full name: NFKC, lower, punctuation removed
    core: str | None  # the distinctive part: no place, legal form or industry words
    key: str | None  # core in latin letters (pinyin for Chinese): compares across scripts
    industry: str | None  # canonical English industry words found, sorted
    script: str | None  # zh | en
    body: str | None = None  # Chinese: trade name + industry as written (no place, legal form)


def _place_prefixes_zh(lex: Lexicon) -> tuple[str, ...]:
    with_suffix = [p + s for p in lex.places_zh for s in lex.place_suffixes_zh]
    return _by_length([*lex.places_zh, *with_suffix])


@cache
def _zh_place_prefixes() -> tuple[str, ...]:
    return _place_prefixes_zh(lexicon())


@cache
def _known_places() -> frozenset[str]:
    lex = lexicon()
    return frozenset(
        [*(pinyin(p) for p in lex.places_zh), *(p.replace(" ", "") for p in lex.places_en)]
    )


def _name_place(value: str) -> str | None:
    """The place a Chinese company name carries, as a city key: in brackets
    ('精测电子(上海)有限公司') or leading ('上海精测电子…')."""
    lex = lexicon()
    v = _clean(value)
    for m in _BRACKETED.finditer(v):
        key = _city_key(m.group(0)[1:-1], lex)
        if key in _known_places():
            return key
    unbracketed = _BRACKETED.sub(" ", v)
    if not has_cjk(unbracketed):
        # 'Zhengzhou Bohai Technology Co., Ltd.' / 'Zheng Zhou ...': leading place words.
        words = _NON_WORD.sub(" ", unbracketed).split()
        for n in (1, 2):
            key = "".join(words[:n])
            if len(words) > n and key in _known_places():
                return key
        return None
    compact = _NON_WORD.sub("", unbracketed)
    prefix = _first_affix(compact, _zh_place_prefixes(), 0, suffix=False)
    return _city_key(prefix, lex) if prefix is not None else None


def name_places(names: pd.Series) -> pd.Series:
    """The place each company name carries (city key), else NA: Chinese or latin."""
    return map_distinct(_text(names), _name_place)


def _has_legal_form(value: str) -> bool:
    v = _BRACKETED.sub(" ", _clean(value))
    return _NON_WORD.sub("", v).endswith(lexicon().legal_suffixes_zh)


def deletion_keys(values: pd.Series) -> pd.Series:
    """Each string with one character left out, every way (a list per value; NA
    stays NA). Two strings one character apart (one substituted, dropped or
    doubled) share a deletion key, or one is a deletion key of the other: a test
    SQL can run on characters, where DuckDB's edit distances count bytes."""

    return _map_distinct_lists(values, lambda v: {v[:i] + v[i + 1 :] for i in range(len(v))})


def undoubled_keys(values: pd.Series) -> pd.Series:
    """Each string with one of its doubled characters written once, every way (a list
    per value, empty without a doubled character; NA stays NA): '信润润科技' ->
    ['信润科技']. A doubled character is a keying slip; unlike a dropped one, it seldom
    turns one company's name into another's."""

    return _map_distinct_lists(
        values, lambda v: {v[:i] + v[i + 1 :] for i in range(1, len(v)) if v[i] == v[i - 1]}
    )


def _map_distinct_lists(values: pd.Series, fn: Callable[[str], set[str]]) -> pd.Series:
    """map_distinct for functions returning a set: a sorted list per value, NA kept."""
    mapping = {v: sorted(fn(v)) for v in values.dropna().unique()}
    return values.map(mapping).astype(object).where(values.notna(), None)


def registered_name_keys(
    names: pd.Series, cities: pd.Series | None = None, parts: pd.DataFrame | None = None
) -> pd.Series:
    """A key for full registered Chinese company names: place + trade name + industry.

    Chinese name registration rules make place + trade name (字号) + industry unique
    within a registration area, whatever the legal form; so two full names with
    the same key are the same legal entity. Only names that carry a legal form
    (not short names) and whose place is known (in the name, else the city column)
    get a key. Chinese-script only: pinyin is ambiguous across characters.
    """
    if parts is None:  # callers that already split the names pass company_names()' frame
        parts = company_names(names, cities)
    place = map_distinct(_text(names), _name_place)
    if cities is not None:
        place = place.fillna(city_key(_text(cities)))
    legal = map_distinct(_text(names), _has_legal_form).fillna(False).astype(bool)
    ok = (
        legal
        & (parts["name_script"] == "zh").fillna(False)
        & parts["name_core"].notna()
        & parts["name_industry"].notna()
        & place.notna()
    )
    key = place + "|" + parts["name_core"] + "|" + parts["name_industry"]
    return key.where(ok).astype("string")


def company_name(value: str | None, city: str | None = None) -> CompanyName:
    """Split a company name (Chinese or English) into comparable parts.

    '上海精测电子有限公司', '精测电子(上海)有限公司' and 'Shanghai Jingce
    Electronics Co., Ltd.' all give key 'jingce' and industry 'electronics'.
    `city`, when known, is also stripped as a place prefix.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
        return CompanyName(None, None, None, None, None)
    lex = lexicon()
    v = _clean(str(value))
    v = v.replace("&", " and ")
    unbracketed = _BRACKETED.sub(" ", v)
    if has_cjk(unbracketed):
        return _company_name_zh(unbracketed, city, lex)
    return _company_name_en(unbracketed, city, lex)


@lru_cache(maxsize=65536)
def _toneless(value: str) -> str:
    return "".join(lazy_pinyin(value))


@lru_cache(maxsize=4096)
def _zh_prefixes_with_city(city: str) -> tuple[str, ...]:
    """Place prefixes plus the record's own city (with and without 市, 区, ...)."""
    lex = lexicon()
    return _by_length([*_zh_place_prefixes(), city, *(city + s for s in lex.place_suffixes_zh)])


@cache
def _zh_industry_index() -> tuple[tuple[int, ...], dict[int, dict[str, str]]]:
    """Industry terms by length (longest first) and, per length, toneless pinyin ->
    the first term (alphabetically) that sounds so: a name's tail of that length
    matches a term when it is the term or sounds like it (an input-method slip)."""
    by_length: dict[int, dict[str, str]] = {}
    for term in _by_length(lexicon().industry_zh):
        by_length.setdefault(len(term), {}).setdefault(_toneless(term), term)
    return tuple(sorted(by_length, reverse=True)), by_length


def _one_slip_forms(term: str) -> Iterator[str]:
    """The term with one character doubled, dropped (terms of three or more: a
    two-character term less one is one character, which names nothing) or replaced
    by a wildcard '?'."""
    for k in range(len(term)):
        yield term[: k + 1] + term[k:]
        if len(term) >= 3:
            yield term[:k] + term[k + 1 :]
        yield term[:k] + "?" + term[k + 1 :]


@cache
def _industry_slips() -> tuple[tuple[int, ...], dict[str, str]]:
    """Misspelled industry words (one character doubled, dropped or replaced) -> the
    term, longest term first; the lengths written, longest first."""
    slips: dict[str, str] = {}
    for term in _by_length(lexicon().industry_zh):
        for form in _one_slip_forms(term):
            slips.setdefault(form, term)
    return tuple(sorted({len(f) for f in slips}, reverse=True)), slips


def _industry_slip(core: str) -> tuple[str, int] | None:
    """A name that ends in no industry word may end in one misspelled ('远天科枝',
    '物流流', '汽车零件'): (the term, characters written). Registered names carry
    an industry (名称登记: place, trade name, industry, legal form), so a typo there
    is likelier than none; two characters of trade name must remain."""
    lengths, slips = _industry_slips()
    for n in lengths:
        if len(core) - n < 2:
            continue
        tail = core[-n:]
        hit = slips.get(tail) or next(
            (t for k in range(n) if (t := slips.get(tail[:k] + "?" + tail[k + 1 :]))), None
        )
        if hit:
            return hit, n
    return None


def _doubled_before(core: str, written: int) -> bool:
    """Is the character before the industry word its first one again, with two
    characters of trade name left ('宇恒医医药' -> 宇恒; '国电电力' keeps 国电)?"""
    at = len(core) - written
    return at >= 3 and core[at - 1] == core[at]


def _company_name_zh(v: str, city: str | None, lex: Lexicon) -> CompanyName:
    compact = _NON_WORD.sub("", v)
    clean = compact
    core = _strip_suffixes(compact, lex.legal_suffixes_zh, min_left=2)
    prefixes = _zh_place_prefixes()
    if city:
        c = _NON_WORD.sub("", _clean(city))
        if has_cjk(c):
            prefixes = _zh_prefixes_with_city(c)
    core = _strip_prefixes(core, prefixes, min_left=2)
    body = _strip_suffixes(core, prefixes, min_left=2)
    industries: list[str] = []
    lengths, by_sound = _zh_industry_index()
    while True:
        term = next(
            (
                hit
                for n in lengths
                if len(core) - n >= 2 and (hit := by_sound[n].get(_toneless(core[-n:])))
            ),
            None,
        )
        written = len(term) if term else 0
        if term is None and not industries and (slip := _industry_slip(core)):
            term, written = slip
        elif term and not industries and _doubled_before(core, written):
            written += 1  # '阳凯远食食品': the industry's first character typed twice
        if term is None:
            break
        industries.append(lex.industry_zh[term])
        core = core[:-written]
    # A place name can also close the core: '精测电子上海' -> '精测'.
    core = _strip_suffixes(core, prefixes, min_left=2)
    key = pinyin(core)
    return CompanyName(
        clean=clean or None,
        core=core or None,
        key=key or None,
        industry=" ".join(sorted(set(industries))) or None,
        script="zh",
        body=body or None,
    )


@cache
def _en_industry_pattern() -> re.Pattern[str]:
    phrases = _by_length(lexicon().industry_en)
    return re.compile(r"(?:^| )(" + "|".join(re.escape(p) for p in phrases) + r")$")


@cache
def _pinyin_industry_forms() -> dict[str, str]:
    """Industry terms spelled as one pinyin token ('lingbujian') -> canonical English."""
    lex = lexicon()
    # lexicon() maps every term's joined pinyin in industry_en: the same canonical
    # words the spaced-out spelling gets.
    joined = ("".join(lazy_pinyin(zh)) for zh in lex.industry_zh)
    return {p: lex.industry_en[p] for p in joined}


# Four or five industry words written together at most ('zhinengzhuangbeikeji'); a
# longer token is no industry, and the bound keeps the recursion shallow.
_MAX_GLUED_CHARS = 60


@lru_cache(maxsize=65536)
def _pinyin_industry_split(rest: str) -> tuple[str, ...] | None:
    """`rest` as a sequence of pinyin industry terms (longest first), or None.
    Cached per suffix, so a long token costs linear work, not one per reading."""
    if not rest:
        return ()
    forms = _pinyin_industry_forms()
    for form in _by_length(f for f in forms if rest.startswith(f)):
        tail = _pinyin_industry_split(rest[len(form) :])
        if tail is not None:
            return (forms[form], *tail)
    return None


@lru_cache(maxsize=4096)
def _glued_industries(token: str) -> tuple[str, ...] | None:
    """The industries of a token made only of two or more pinyin industry terms
    written together, as pinyin names write 汽车零部件: 'qichelingbujian' ->
    (automotive, parts); None when the token is anything else."""
    if len(token) > _MAX_GLUED_CHARS:
        return None
    parts = _pinyin_industry_split(token)
    return parts if parts is not None and len(parts) >= 2 else None


@lru_cache(maxsize=4096)
def _en_place_words(city: str | None) -> tuple[str, ...]:
    """Latin place words (with 'city', 'district', ...), plus the record's own city."""
    lex = lexicon()
    places = lex.places_en
    if city:
        places = _by_length([*places, city])
    return _by_length([*places, *(p + " " + s for p in places for s in lex.place_suffixes_en)])


def _company_name_en(v: str, city: str | None, lex: Lexicon) -> CompanyName:
    words = _NON_WORD.sub(" ", v).strip()
    words = re.sub(r"\bco\s+ltd\b", "co ltd", words)
    clean = words
    core = _strip_suffixes(
        " " + words, _spaced(lex.legal_suffixes_en, before=True), min_left=2
    ).strip()
    place_words = _en_place_words(_city_key(city, lex) if city else None)
    # Place names written as one token or as separate syllables.
    core = _strip_prefixes(core + " ", _spaced(place_words, before=False), min_left=2).strip()
    industries: list[str] = []
    pattern = _en_industry_pattern()
    while True:
        m = pattern.search(core)
        if m and len(core) - len(m.group(0)) >= 2:
            industries.append(lex.industry_en[m.group(1)])
            core = core[: m.start()].strip()
            continue
        head, _, last = core.rpartition(" ")
        glued = _glued_industries(last) if len(head) >= 2 else None
        if glued is None:
            break
        industries.extend(glued)
        core = head.strip()
    core = _strip_suffixes(" " + core, _spaced(place_words, before=True), min_left=2).strip()
    key = core.replace(" ", "")
    return CompanyName(
        clean=clean or None,
        core=core or None,
        key=key or None,
        industry=" ".join(sorted(set(industries))) or None,
        script="en",
    )


def _company_name_parts(pairs: Iterable[tuple[str, object]]) -> list[CompanyName]:
    return [company_name(n, None if pd.isna(c) else c) for n, c in pairs]


def company_names(names: pd.Series, cities: pd.Series | None = None) -> pd.DataFrame:
    """company_name() for a column (and its city column): one row per input row,
    columns name_clean, name_core, name_key, name_industry, name_script, name_body."""
    frame = pd.DataFrame(
        {
            "name": _text(names),
            "city": _text(cities) if cities is not None else pd.Series(pd.NA, index=names.index),
        }
    )
    distinct = frame.drop_duplicates().dropna(subset=["name"])
    pairs = list(zip(distinct["name"], distinct["city"], strict=True))
    parts = chunked_map(_company_name_parts, pairs)
    table = pd.DataFrame(
        {
            "name": distinct["name"].to_numpy(),
            "city": distinct["city"].to_numpy(),
            "name_clean": [p.clean for p in parts],
            "name_core": [p.core for p in parts],
            "name_key": [p.key for p in parts],
            "name_industry": [p.industry for p in parts],
            "name_script": [p.script for p in parts],
            "name_body": [p.body for p in parts],
        },
        dtype="string",
    )
    out = frame.merge(table, on=["name", "city"], how="left")
    out.index = names.index
    return out.drop(columns=["name", "city"])


@dataclass(frozen=True)
class PersonName:
    clean: str | None
    key: str | None  # family name first, pinyin, no spaces: 'zhangwei'
    key_alt: str | None  # the other order for Latin names written given-name first
    surname: str | None  # family name in pinyin

    @property
    def name_set(self) -> str | None:
        """Family and given name in alphabetical order: the same for '王涛', 'Wang
        Tao' and 'Tao Wang' whichever word the reading took for the family name
        (both are family names), so blocking on it does not depend on that guess."""
        if not self.key or not self.surname:
            return self.key
        return " ".join(sorted((self.surname, self.key[len(self.surname) :])))


def _surname_split(zh: str, lex: Lexicon) -> tuple[str, str]:
    for compound in lex.compound_surnames:
        if zh.startswith(compound) and len(zh) > len(compound):
            return compound, zh[len(compound) :]
    return zh[:1], zh[1:]


@cache
def _surnames_latin() -> frozenset[str]:
    """Pinyin of common surnames, to tell which end of a Latin name is the family name."""
    common = (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
        "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
        "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳"
    )
    lex = lexicon()
    names = {lex.surname_pinyin.get(ch) or pinyin(ch) for ch in common}
    names |= {lex.surname_pinyin.get(c) or pinyin(c) for c in lex.compound_surnames}
    return frozenset(names)


def person_name(value: str | None) -> PersonName:
    """Comparable forms of a person's name in Chinese or pinyin/English:
    '张伟', 'Zhang Wei', 'Wei Zhang', 'ZHANG, Wei' and '张伟先生' all give key 'zhangwei'."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
        return PersonName(None, None, None, None)
    lex = lexicon()
    v = _BRACKETED.sub(" ", _clean(str(value)))
    if has_cjk(v):
        zh = "".join(_CJK.findall(v))
        zh = _strip_suffixes(zh, lex.person_titles_zh, min_left=1)
        family, given = _surname_split(zh, lex)
        fam = lex.surname_pinyin.get(family) or pinyin(family)
        key = fam + pinyin(given)
        return PersonName(zh or None, key or None, key or None, fam or None)
    comma_first = "," in v
    words = _NON_WORD.sub(" ", v.replace("-", "").replace("'", "")).split()
    titles = set(lex.person_titles_en)
    words = [w for w in words if w not in titles]
    if not words:
        return PersonName(None, None, None, None)
    clean = " ".join(words)
    if len(words) == 1:
        return PersonName(clean, words[0], words[0], None)
    surnames = _surnames_latin()
    first, last = words[0], words[-1]
    # 'ZHANG, Wei' and 'Zhang Wei' are family-first; 'Wei Zhang' is given-first.
    family_first = comma_first or (first in surnames and last not in surnames)
    if family_first or (first in surnames and last in surnames):
        family, given = first, "".join(words[1:])
    else:
        family, given = last, "".join(words[:-1])
    key = family + given
    alt = given + family
    return PersonName(clean, key, alt, family)


def _person_name_parts(values: Iterable[str]) -> list[PersonName]:
    return [person_name(v) for v in values]


def person_names(names: pd.Series) -> pd.DataFrame:
    """person_name() for a column: columns person_clean, person_key, person_key_alt,
    person_surname, person_name_set."""
    t = _text(names)
    distinct = list(t.dropna().unique())
    parts = dict(zip(distinct, chunked_map(_person_name_parts, distinct), strict=True))
    return pd.DataFrame(
        {
            "person_clean": t.map({k: p.clean for k, p in parts.items()}),
            "person_key": t.map({k: p.key for k, p in parts.items()}),
            "person_key_alt": t.map({k: p.key_alt for k, p in parts.items()}),
            "person_surname": t.map({k: p.surname for k, p in parts.items()}),
            "person_name_set": t.map({k: p.name_set for k, p in parts.items()}),
        },
        index=names.index,
        dtype="string",
    )
