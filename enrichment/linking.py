"""Entity linking: which customer (by any of its name variants in the single
customer view) or our own brand a post mentions.

The dictionary is built at run time from the CRM account names and the
customer each account resolved to (identity.account_clusters). A Chinese name
is matched by its trade name + industry (字号 + 行业: '程测纺织'), which every
written form of the name contains ('广州程测纺织股份有限公司', '程测纺织（广州）有限公司',
'程测纺织'); an English one by the pinyin/Latin core followed by its industry
words ('Chengce Textile (Guangzhou) Co., Ltd'). When several customers share a
trade name (a group's subsidiaries in other cities), the place written next to
it decides; with no place, the group parent is meant. Matching is longest
first and non-overlapping, so a customer whose name contains the brand's
short form is not also counted as a brand mention.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial

import pandas as pd

from enrichment.config import EnrichmentConfig, load_config
from enrichment.text import compact, english_words, normalise
from identity import normalise as nz
from identity.parallel import chunked_map

CUSTOMER, BRAND = "customer", "brand"
_BRACKETED = re.compile(r"\([^)]*\)")
_BRACKET_CONTENT = re.compile(r"\(([^)]*)\)")
_MIN_TRADE_CHARS = 3
# A registered trade name (字号) has two characters or more: a one-character core is a
# CRM record with a character dropped, and as an alias it read '越华纺织' as '华纺织'.
_MIN_ZH_CORE_CHARS = 2
_MAX_CORE_WORDS = 3


@dataclass(frozen=True)
class Mention:
    entity_type: str  # customer | brand
    customer_key: str | None
    matched_text: str
    position: int  # character offset (zh) or word offset (en) in the normalised text
    script: str  # zh | en
    method: str  # name | name_and_place | group_parent | brand (how candidates were settled)
    alias: str = ""  # the dictionary name it matched (trade name, pinyin/English core, brand)
    match: str = "exact"  # how the text matched it: exact | pinyin | english | typo kinds


@dataclass
class CustomerDictionary:
    zh_trade: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    zh_key: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    en_core: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    places_zh: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    places_en: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    parent: dict[str, str] = field(default_factory=dict)
    brand_zh: tuple[str, ...] = ()
    brand_en: tuple[tuple[str, ...], ...] = ()
    # industry -> Chinese core (字号) -> customers; industry -> pinyin/English core -> customers
    zh_cores: dict[str | None, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    en_cores: dict[str | None, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    _zh_index: dict[str, list[tuple[str, str]]] | None = None
    _typo_index: dict | None = None

    @property
    def n_customers(self) -> int:
        return len(set().union(*self.zh_trade.values(), *self.en_core.values()))

    def digest(self) -> str:
        """A fingerprint of every name that can change how a post is scored (segmenter
        words, blanked mentions, excluded keywords), without the customer keys: those
        depend on the order records arrived in, the names do not."""
        import hashlib
        import json

        def union(d: dict[str, set[str]]) -> list[str]:
            return sorted(set().union(*d.values())) if d else []

        def cores(d: dict) -> list[list[str]]:
            return sorted([str(ind), core] for ind, by_core in d.items() for core in by_core)

        parts = [
            sorted(self.zh_trade),
            sorted(self.en_core),
            union(self.places_zh),
            union(self.places_en),
            cores(self.zh_cores),
            cores(self.en_cores),
            sorted(self.zh_key),
            list(self.brand_zh),
            [list(b) for b in self.brand_en],
        ]
        return hashlib.sha1(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:10]

    def customers_named(self, key: str, industry: str | None) -> set[str]:
        """Customers with a name of this pinyin/English core and industry: the pair
        from one name ('汇同工' with no industry and '汇同化工' are one customer's
        names, yet 'Huitong' alone is neither)."""
        return set(self.en_cores.get(industry, {}).get(key, ()))

    def names(self) -> set[str]:
        """Every Chinese trade name (for the segmenter and keyword exclusion)."""
        return set(self.zh_trade) | set(self.brand_zh)

    def zh_index(self) -> dict[str, list[tuple[str, str]]]:
        """First two characters -> [(alias, kind)], longest alias first."""
        if self._zh_index is None:
            index: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for alias in self.zh_trade:
                index[alias[:2]].append((alias, CUSTOMER))
            for alias in self.brand_zh:
                index[alias[:2]].append((alias, BRAND))
            for entries in index.values():
                entries.sort(key=lambda e: (-len(e[0]), e[1] != CUSTOMER, e[0]))
            self._zh_index = dict(index)
        return self._zh_index


def _strip_legal(name: str, suffixes: Sequence[str]) -> str:
    changed = True
    while changed:
        changed = False
        for s in suffixes:
            if name.endswith(s) and len(name) - len(s) >= 2:
                name = name[: -len(s)]
                changed = True
                break
    return name


def _zh_place(value: str) -> str:
    value = value.strip()
    for suffix in ("市", "区", "县"):
        if value.endswith(suffix) and len(value) > 2:
            value = value[: -len(suffix)]
    return value


def _latin_key(value: str) -> str:
    return "".join(english_words(value))


def build_dictionary(
    accounts: pd.DataFrame, cfg: EnrichmentConfig | None = None
) -> CustomerDictionary:
    """accounts: customer_key, account_name, city (optional), parent_customer_key
    (optional): one row per CRM account of the single customer view."""
    cfg = cfg or load_config()
    lex = nz.lexicon()
    d = CustomerDictionary(
        brand_zh=tuple(compact(b) for b in cfg.brand_zh),
        brand_en=tuple(tuple(english_words(b)) for b in cfg.brand_en),
    )
    frame = accounts.dropna(subset=["customer_key", "account_name"])
    cities = frame["city"] if "city" in frame else pd.Series(pd.NA, index=frame.index)
    # Without the city column: identical parts on the CRM names, several times faster.
    parts = nz.company_names(frame["account_name"])
    for ck, name, city, core, key, industry, script in zip(
        frame["customer_key"],
        frame["account_name"],
        cities,
        parts["name_core"],
        parts["name_key"],
        parts["name_industry"],
        parts["name_script"],
        strict=True,
    ):
        ck = str(ck)
        industry = None if pd.isna(industry) else str(industry)
        if not pd.isna(key) and key:
            d.en_core[str(key)].add(ck)
            d.en_cores[industry][str(key)].add(ck)
        if not pd.isna(city) and str(city).strip():
            c = normalise(city)
            if nz.has_cjk(c):
                d.places_zh[ck].add(_zh_place(compact(c)))
                d.places_en[ck].add(nz.pinyin(_zh_place(compact(c))))
            else:
                d.places_en[ck].add(_latin_key(c))
        if pd.isna(core) or not core:
            continue
        core = str(core)
        if script == "zh":
            full = compact(name)
            for inner in _BRACKET_CONTENT.findall(full):
                d.places_zh[ck].add(_zh_place(inner))
                d.places_en[ck].add(nz.pinyin(_zh_place(inner)))
            bare = _strip_legal(_BRACKETED.sub("", full), lex.legal_suffixes_zh)
            at = bare.find(core)
            if at < 0:
                continue
            if at > 0:
                d.places_zh[ck].add(_zh_place(bare[:at]))
                d.places_en[ck].add(nz.pinyin(_zh_place(bare[:at])))
            trade = bare[at:]
            if not _too_short_core(core):
                d.zh_cores[industry][core].add(ck)
                if len(trade) >= _MIN_TRADE_CHARS:
                    d.zh_trade[trade].add(ck)
                    d.zh_key[trade] = (str(key), industry)
            # A trade name that itself starts like a place ('金华蓝能源' in Kunming):
            # also the name with only the account's own city taken off.
            own = _zh_place(compact(normalise(city))) if not pd.isna(city) else ""
            if own and nz.has_cjk(own) and bare.startswith(own):
                alt = bare[len(own) :].removeprefix("市")
                if alt != trade and len(alt) >= _MIN_TRADE_CHARS and alt.endswith(trade):
                    d.zh_trade[alt].add(ck)
        else:
            words = english_words(name)
            core_words = english_words(core)
            for inner in _BRACKET_CONTENT.findall(normalise(name)):
                d.places_en[ck].add(_latin_key(inner))
            for i in range(len(words) - len(core_words) + 1):
                if words[i : i + len(core_words)] == core_words:
                    if i > 0:
                        d.places_en[ck].add("".join(words[:i]))
                    break
    if "parent_customer_key" in frame:
        for ck, parent in zip(frame["customer_key"], frame["parent_customer_key"], strict=True):
            if not pd.isna(parent) and str(parent) != str(ck):
                d.parent[str(ck)] = str(parent)
    for places in (d.places_zh, d.places_en):
        for ck in places:
            places[ck].discard("")
    return d


def _too_short_core(core: str) -> bool:
    """A Chinese core under two characters, also when the name parser kept the
    industry word on it because stripping it would leave one ('华纺织')."""
    if len(core) < _MIN_ZH_CORE_CHARS:
        return True
    return any(
        core.endswith(term) and len(core) - len(term) < _MIN_ZH_CORE_CHARS
        for term in _zh_industry_terms()
    )


def _resolve(candidates: set[str], has_place, d: CustomerDictionary) -> tuple[str | None, str]:
    if len(candidates) == 1:
        return next(iter(candidates)), "name"
    placed = {c for c in candidates if has_place(c)}
    if len(placed) == 1:
        return next(iter(placed)), "name_and_place"
    pool = placed or candidates
    roots = {c for c in pool if d.parent.get(c) not in pool}
    if len(roots) == 1:
        return next(iter(roots)), "group_parent"
    return None, "ambiguous"


# Any other typo kind ranks after these. A doubled character read away ('信润润科技'
# -> 信润科技) is as sure as a name as written, and longer than the exact name it
# contains ('润科技', another customer's): on medium seed 7, 99 % of these readings
# were right, and ranking them with the exact names took the posts written with a
# doubled character from precision 0.727 / recall 0.674 to 0.963 / 0.929.
_MATCH_RANK = {"exact": 0, "doubled_char": 0, "pinyin": 1}


@dataclass
class _Span:
    """A possible mention in compact Chinese text, before overlaps are settled."""

    start: int
    end: int
    kind: str  # customer | brand
    candidates: set[str]
    has_place: Callable[[str], bool]
    placed: bool
    match: str  # exact | pinyin | a typo kind
    alias: str = ""

    def sort_key(self) -> tuple:
        # Names as written before typo readings; then place evidence first, the
        # longer name, customers before the brand, Chinese names before pinyin
        # readings, leftmost first.
        rank = _MATCH_RANK.get(self.match, 2)
        return (
            rank == 2,
            not self.placed,
            self.start - self.end,
            self.kind != CUSTOMER,
            rank,
            self.start,
        )


def _zh_place_test(body: str, start: int, end: int, d: CustomerDictionary):
    """Is one of the customer's places written next to the span? Chinese places
    as written; a customer whose CRM names are only in English by their pinyin."""
    before, after = body[max(0, start - 8) : start], body[end : end + 10]
    pinyin_test = _zh_pinyin_place_test(body, start, end, d)

    def has_place(ck: str) -> bool:
        if any(
            before.endswith((p, p + "市")) or after.startswith(("(" + p, p))
            for p in d.places_zh.get(ck, ())
        ):
            return True
        return ck not in d.places_zh and pinyin_test(ck)

    return has_place


def _zh_pinyin_place_test(body: str, start: int, end: int, d: CustomerDictionary):
    context: list[str] = []  # pinyin of the text before and after, computed once if asked

    def has_place(ck: str) -> bool:
        if not context:
            context.extend(
                (nz.pinyin(body[max(0, start - 8) : start]), nz.pinyin(body[end : end + 10]))
            )
        before, after = context
        return any(
            before.endswith((p, p + "shi")) or after.startswith(p) for p in d.places_en.get(ck, ())
        )

    return has_place


def _zh_spans(body: str, d: CustomerDictionary) -> list[_Span]:
    index = d.zh_index()
    spans: list[_Span] = []
    n = len(body)
    for i in range(n - 1):
        for alias, kind in index.get(body[i : i + 2], ()):
            if not body.startswith(alias, i):
                continue
            end = i + len(alias)
            if kind == BRAND:
                spans.append(_Span(i, end, BRAND, set(), lambda _ck: False, False, "exact", alias))
                continue
            cands = _zh_candidates(alias, d)
            test = _zh_place_test(body, i, end, d)
            placed = any(test(c) for c in cands)
            spans.append(_Span(i, end, CUSTOMER, cands, test, placed, "exact", alias))
    # Customers known only by English/pinyin names, and homophone typos of
    # Chinese names: 2-4 characters whose pinyin is a core, followed by the
    # industry in Chinese.
    py = [nz.pinyin(ch) if nz.has_cjk(ch) else "" for ch in body]
    for i in range(n - 1):
        if not py[i]:
            continue
        for length in (4, 3, 2):
            if i + length > n or not all(py[i : i + length]):
                continue
            key = "".join(py[i : i + length])
            cands = d.en_core.get(key)
            if not cands:
                continue
            industry, end = _zh_industry_at(body, i + length)
            if industry is None:
                continue
            fits = d.customers_named(key, industry)
            if fits:
                test = _zh_pinyin_place_test(body, i, end, d)
                placed = any(test(c) for c in fits)
                spans.append(_Span(i, end, CUSTOMER, fits, test, placed, "pinyin", key))
                break
    spans += _zh_typo_spans(body, d)
    return spans


def _typo_index(d: CustomerDictionary) -> dict:
    """Per industry: Chinese cores, their one-character deletions (3+ character
    cores: a 2-character core less one is one character, too little to name a
    company) and one-character wildcards; English cores with their one-letter
    deletions (5+ letters)."""
    if d._typo_index is not None:
        return d._typo_index
    zh_exact: dict = defaultdict(dict)
    zh_dropped: dict = defaultdict(lambda: defaultdict(set))
    zh_wild: dict = defaultdict(lambda: defaultdict(set))
    for industry, cores in d.zh_cores.items():
        for core, cks in cores.items():
            zh_exact[industry][core] = cks
            for k in range(len(core)):
                zh_wild[industry][core[:k] + "?" + core[k + 1 :]] |= cks
                if len(core) >= 3:
                    zh_dropped[industry][core[:k] + core[k + 1 :]] |= cks
    en_del: dict = defaultdict(lambda: defaultdict(set))
    en_of: dict = defaultdict(lambda: defaultdict(set))  # industry -> customer -> cores
    for industry, cores in d.en_cores.items():
        for core, cks in cores.items():
            if len(core) >= 5:
                for key in _deletions(core):
                    en_del[industry][key] |= cks
                for ck in cks:
                    en_of[industry][ck].add(core)
    d._typo_index = {
        "exact": zh_exact,
        "dropped": zh_dropped,
        "wild": zh_wild,
        "en": en_del,
        "en_of": en_of,
    }
    return d._typo_index


def _deletions(word: str) -> set[str]:
    return {word} | {word[:k] + word[k + 1 :] for k in range(len(word))}


def _zh_typo_candidates(window: str, industry: str, ix: dict) -> tuple[set[str], str, str]:
    """Customers whose core the window (the characters right before an industry
    word) misspells by one character: (customers, core, how)."""
    exact, dropped, wild = (ix[k].get(industry, {}) for k in ("exact", "dropped", "wild"))
    n = len(window)
    if n in (3, 4):
        for k in range(n - 1):
            if window[k] == window[k + 1] and (core := window[:k] + window[k + 1 :]) in exact:
                return set(exact[core]), core, "doubled_char"
    if n in (2, 3) and window in dropped:
        # The window is a core less one character: dropped in the post, or doubled
        # or inserted in the CRM ('安蓝蓝越化工' written as 安蓝越化工).
        return set(dropped[window]), window, "dropped_char"
    if n in (2, 3):
        found: set[str] = set()
        cores = set()
        for k in range(n):
            hit = wild.get(window[:k] + "?" + window[k + 1 :])
            if hit:
                found |= hit
                cores.add(window[:k] + "?" + window[k + 1 :])
        if found:
            # One character of two in common is too little on its own: the
            # caller keeps only a customer whose place is written next to it.
            how = "similar_char" if n == 3 else "similar_char_and_place"
            return found, "|".join(sorted(cores)), how
    return set(), "", ""


def _zh_typo_spans(body: str, d: CustomerDictionary) -> list[_Span]:
    """Names with one character doubled, dropped or replaced, found from the
    industry word that follows them (only customers of that industry count)."""
    spans: list[_Span] = []
    ix = _typo_index(d)
    run_end = -1
    for m in _zh_industry_pattern().finditer(body):
        if m.start() <= run_end:
            # '零部件' after '汽车': one industry (汽车零部件), read from its first word;
            # a window before '零部件' would take '汽车' for part of the name.
            run_end = max(run_end, m.end())
            continue
        industry, end = _zh_industry_at(body, m.start())
        run_end = end
        if industry is None:
            continue
        for length in (4, 3, 2):
            start = m.start() - length
            window = body[max(start, 0) : m.start()]
            if start < 0 or not all(nz.has_cjk(ch) for ch in window):
                continue
            if window in ix["exact"].get(industry, {}):
                break  # an exact name: the exact spans have it
            cands, alias, how = _zh_typo_candidates(window, industry, ix)
            if cands:
                test = _zh_place_test(body, start, end, d)
                if how == "similar_char_and_place":
                    cands = {c for c in cands if test(c)}
                    if len(cands) != 1:
                        continue
                placed = any(test(c) for c in cands)
                spans.append(_Span(start, end, CUSTOMER, cands, test, placed, how, alias))
                break
    return spans


@cache
def _zh_industry_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(t) for t in _zh_industry_terms()))


def _zh_mentions(text: str, d: CustomerDictionary) -> list[Mention]:
    """Every possible name span, then non-overlapping ones by evidence (a place
    written next to it), length and kind (see _Span.sort_key)."""
    body = compact(text)
    taken: set[int] = set()
    out: list[Mention] = []
    for span in sorted(_zh_spans(body, d), key=_Span.sort_key):
        if any(j in taken for j in range(span.start, span.end)):
            continue
        taken.update(range(span.start, span.end))
        matched = body[span.start : span.end]
        if span.kind == BRAND:
            out.append(Mention(BRAND, None, matched, span.start, "zh", BRAND, span.alias))
            continue
        ck, method = _resolve(span.candidates, span.has_place, d)
        if ck is not None and not _elsewhere(ck, span, body, d):
            out.append(
                Mention(CUSTOMER, ck, matched, span.start, "zh", method, span.alias, span.match)
            )
    return sorted(out, key=lambda m: m.position)


@cache
def _zh_cities() -> tuple[frozenset[str], range]:
    cities = frozenset(p for p in nz.lexicon().places_zh if len(p) >= 2)
    return cities, range(2, max(map(len, cities), default=1) + 1)


def _city_next_to(body: str, start: int, end: int) -> bool:
    """Is a city written right before the span ('宁波', '宁波市') or right after it
    ('宁波…', '(宁波)')? Set lookups by length: this runs for most mentions."""
    cities, lengths = _zh_cities()
    before = body[max(0, start - 8) : start].removesuffix("市")
    after = body[end : end + 10].removeprefix("(")
    return any(before[-n:] in cities or after[:n] in cities for n in lengths)


def _elsewhere(ck: str, span: _Span, body: str, d: CustomerDictionary) -> bool:
    """The text puts the name in a city that is none of the customer's known places:
    another company with that trade name (字号 are unique within a city, not across
    cities), or a typo that spelled another customer's name."""
    if not d.places_zh.get(ck) or span.has_place(ck):
        return False
    return _city_next_to(body, span.start, span.end)


def _zh_candidates(alias: str, d: CustomerDictionary) -> set[str]:
    """Customers with this Chinese trade name, and those known only by an
    English name with the same pinyin core and industry."""
    out = set(d.zh_trade.get(alias, ()))
    key, industry = d.zh_key.get(alias, (None, None))
    if key:
        out |= d.customers_named(key, industry)
    return out


def _zh_industry_at(body: str, start: int) -> tuple[str | None, int]:
    lex = nz.lexicon()
    terms = _zh_industry_terms()
    found: list[str] = []
    p = start
    while True:
        term = next((t for t in terms if body.startswith(t, p)), None)
        if term is None:
            break
        found.append(lex.industry_zh[term])
        p += len(term)
    return (" ".join(sorted(set(found))) or None), p


@cache
def _zh_industry_terms() -> tuple[str, ...]:
    return tuple(sorted(nz.lexicon().industry_zh, key=lambda t: (-len(t), t)))


def _industry_at(words: Sequence[str], start: int) -> tuple[str | None, int]:
    """Canonical industry of the words from `start` (greedy, longest phrase first)."""
    lex = nz.lexicon()
    found: list[str] = []
    p = start
    while p < len(words):
        for length in (4, 3, 2, 1):
            phrase = " ".join(words[p : p + length])
            if len(words) - p >= length and phrase in lex.industry_en:
                found.append(lex.industry_en[phrase])
                p += length
                break
        else:
            break
    return (" ".join(sorted(set(found))) or None), p


def _en_mentions(text: str, d: CustomerDictionary) -> list[Mention]:
    words = english_words(text)
    out: list[Mention] = []
    i, n = 0, len(words)
    while i < n:
        matched = False
        for length in range(min(_MAX_CORE_WORDS, n - i), 0, -1):
            key = "".join(words[i : i + length])
            cands = d.en_core.get(key)
            if not cands:
                continue
            industry, end = _industry_at(words, i + length)
            fits = d.customers_named(key, industry)
            if not fits or end - i <= _brand_words_at(words, i, d):
                continue
            before = "".join(words[max(0, i - 3) : i])
            after = "".join(words[end : end + 3])

            def has_place(ck: str, before=before, after=after) -> bool:
                return any(
                    before.endswith(p) or after.startswith(p) for p in d.places_en.get(ck, ())
                )

            ck, method = _resolve(fits, has_place, d)
            if ck is not None:
                matched_text = " ".join(words[i:end])
                out.append(Mention(CUSTOMER, ck, matched_text, i, "en", method, key, "english"))
            i, matched = max(end, i + length), True
            break
        if matched:
            continue
        # Our brand as written before any typo reading of a customer's name.
        if n_brand := _brand_words_at(words, i, d):
            brand = " ".join(words[i : i + n_brand])
            out.append(Mention(BRAND, None, brand, i, "en", BRAND, brand))
            i += n_brand
            continue
        typo = _en_typo_mention(words, i, d)
        if typo is not None:
            mention, end = typo
            if mention.customer_key is not None:
                out.append(mention)
            i = end
            continue
        i += 1
    return out


def _brand_words_at(words: Sequence[str], i: int, d: CustomerDictionary) -> int:
    """Words of our brand's longest English name written at word i (0: none). A
    customer name no longer than it is our brand ('Huitong MRO', not a customer
    whose core is huitong)."""
    return max((len(b) for b in d.brand_en if b and tuple(words[i : i + len(b)]) == b), default=0)


def _typo_kind(word: str, core: str) -> int | None:
    """How `word` misspells `core`: 0 a letter dropped, added or two neighbours
    swapped, 1 a letter changed, None more than that."""
    if len(word) == len(core) - 1:
        return 0 if any(core[:k] + core[k + 1 :] == word for k in range(len(core))) else None
    if len(word) == len(core) + 1:
        return 0 if any(word[:k] + word[k + 1 :] == core for k in range(len(word))) else None
    if len(word) != len(core):
        return None
    diff = [k for k in range(len(word)) if word[k] != core[k]]
    if len(diff) == 1:
        return 1
    if len(diff) == 2 and diff[1] == diff[0] + 1:
        a, b = diff
        return 0 if (word[a], word[b]) == (core[b], core[a]) else None
    return None


def _nearest_cores(word: str, cands: set[str], cores_of: Mapping[str, set[str]]) -> set[str]:
    """The candidates one typo from `word`, by the likeliest kind of slip: a letter
    dropped, added or two swapped before a letter changed. Shared deletions also
    pair words two edits apart ('tanhetian' and 'anhetianx'); they are dropped.
    On medium seed 7 most ambiguous English typos were a dropped letter against a
    changed one ('rutian': ruitian less i, or ruian with t for x)."""
    best: dict[int, set[str]] = defaultdict(set)
    for ck in cands:
        kinds = [k for core in cores_of.get(ck, ()) if (k := _typo_kind(word, core)) is not None]
        if kinds:
            best[min(kinds)].add(ck)
    return best[min(best)] if best else set()


def _en_typo_mention(
    words: Sequence[str], i: int, d: CustomerDictionary
) -> tuple[Mention, int] | None:
    """A word one letter away (dropped, added, changed or two swapped) from
    exactly the pinyin/English cores of one industry's customers, followed by
    that industry's words: the mention (customer None when ambiguous) and the
    word after it."""
    word = words[i]
    if len(word) < 5 or word in d.en_core:
        return None
    industry, end = _industry_at(words, i + 1)
    if industry is None:
        return None
    index = _typo_index(d)["en"].get(industry)
    if not index:
        return None
    cands: set[str] = set()
    for key in _deletions(word):
        cands |= index.get(key, set())
    if not cands:
        return None
    cands = _nearest_cores(word, cands, _typo_index(d)["en_of"][industry])
    before = "".join(words[max(0, i - 3) : i])
    after = "".join(words[end : end + 3])

    def has_place(ck: str) -> bool:
        return any(before.endswith(p) or after.startswith(p) for p in d.places_en.get(ck, ()))

    ck, method = _resolve(cands, has_place, d)
    text = " ".join(words[i:end])
    return Mention(CUSTOMER, ck, text, i, "en", method, word, "english_typo"), end


def find_mentions(text: str, d: CustomerDictionary) -> list[Mention]:
    """Every customer and brand mention in one text (Chinese and Latin script)."""
    if not text:
        return []
    out = _zh_mentions(text, d) if nz.has_cjk(text) else []
    return out + _en_mentions(text, d)


def _mentions_of(texts: Sequence[str], d: CustomerDictionary) -> list[list[Mention]]:
    return [find_mentions(text or "", d) for text in texts]


def find_all_mentions(
    texts: Sequence[str], d: CustomerDictionary, min_chunk: int | None = None
) -> list[list[Mention]]:
    """find_mentions of every text, in order, over the machine's cores: the look-up
    indexes are built first, here, so that every process shares them."""
    d.zh_index()
    _typo_index(d)
    return chunked_map(partial(_mentions_of, d=d), texts, min_chunk=min_chunk)


def link_posts(
    posts: pd.DataFrame, d: CustomerDictionary, text_column: str = "text"
) -> pd.DataFrame:
    """One row per (post, entity): platform, post_id, entity_type, customer_key,
    matched_text, script, method, matched_alias, match_kind, n_occurrences
    (first occurrence's text): what it matched, against which known name, and how."""
    found = find_all_mentions(list(posts[text_column]), d)
    return mentions_frame(posts["platform"], posts["post_id"], found)


def mentions_frame(
    platforms: Iterable[str], post_ids: Iterable[str], found: Iterable[Sequence[Mention]]
) -> pd.DataFrame:
    """link_posts' frame from mentions already found (one list per post)."""
    rows: list[tuple] = []
    for platform, post_id, mentions in zip(platforms, post_ids, found, strict=True):
        seen: dict[tuple[str, str | None], list] = {}
        for m in mentions:
            k = (m.entity_type, m.customer_key)
            if k in seen:
                seen[k][-1] += 1
            else:
                seen[k] = [
                    platform,
                    post_id,
                    m.entity_type,
                    m.customer_key,
                    m.matched_text,
                    m.script,
                    m.method,
                    m.alias,
                    m.match,
                    1,
                ]
        rows.extend(tuple(v) for v in seen.values())
    return pd.DataFrame(
        rows,
        columns=[
            "platform",
            "post_id",
            "entity_type",
            "customer_key",
            "matched_text",
            "script",
            "method",
            "matched_alias",
            "match_kind",
            "n_occurrences",
        ],
    )


def exclusions(mentions: Iterable[Mention]) -> set[str]:
    return {m.matched_text for m in mentions}
