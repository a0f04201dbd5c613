"""Entity linking: customer name variants, group subsidiaries, our brand."""

import pandas as pd
import pytest

from enrichment import linking as lk

ACCOUNTS = pd.DataFrame(
    [
        # A group parent in Guangzhou and its Hangzhou subsidiary (same trade name).
        ("C_PARENT", "广州程测纺织股份有限公司", "广州", None),
        ("C_PARENT", "Guangzhou Chengce Textile Co., Ltd.", "Guangzhou", None),
        ("C_SUB", "程测纺织（杭州）有限公司", "杭州", "C_PARENT"),
        # Known only by an English name in the CRMs.
        ("C_EN", "Foshan Xunfang Pharmaceutical Co., Ltd.", "佛山", None),
        # Two unrelated companies that share a trade name in different cities.
        ("C_NB", "宁波同越能源公司", "宁波", None),
        ("C_KM", "昆明同越能源有限公司", "昆明", None),
        # A customer whose name contains the brand's short form.
        ("C_HT", "汇通机械(天津)有限公司", "天津", None),
    ],
    columns=["customer_key", "account_name", "city", "parent_customer_key"],
)


@pytest.fixture(scope="module")
def d():
    return lk.build_dictionary(ACCOUNTS)


def keys(text, d, kind=lk.CUSTOMER):
    return [m.customer_key for m in lk.find_mentions(text, d) if m.entity_type == kind]


def brands(text, d):
    return sum(1 for m in lk.find_mentions(text, d) if m.entity_type == lk.BRAND)


def test_trade_names_and_places_are_extracted(d):
    assert d.zh_trade["程测纺织"] == {"C_PARENT", "C_SUB"}
    assert "广州" in d.places_zh["C_PARENT"] and "杭州" in d.places_zh["C_SUB"]
    assert "chengce" in d.en_core


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("广州程测纺织股份有限公司的产线等了三天。", ["C_PARENT"]),
        ("程测纺织（杭州）有限公司采购说到货晚了。", ["C_SUB"]),
        ("杭州程测纺织公司反映质量下降了。", ["C_SUB"]),
        ("程测纺织反映劳保手套质量下降了。", ["C_PARENT"]),  # no place: the group parent
        ("Chengce Textile (Hangzhou) Co., Ltd received the order late.", ["C_SUB"]),
        ("Guangzhou Chengce Textile Co., Ltd. is happy.", ["C_PARENT"]),
        ("CHENGCE TEXTILE CO LTD announced results.", ["C_PARENT"]),
    ],
)
def test_customer_variants_link_to_the_right_customer(d, text, expected):
    assert keys(text, d) == expected


def test_english_only_customer_is_found_in_chinese_by_pinyin(d):
    assert keys("佛山讯方医药有限公司今天发布了通知。", d) == ["C_EN"]
    assert keys("Xunfang Pharmaceutical Company Limited", d) == ["C_EN"]


def test_ambiguous_trade_name_without_place_is_not_linked(d):
    assert keys("同越能源发布了三季度经营数据。", d) == []
    assert keys("宁波同越能源公司发布了数据。", d) == ["C_NB"]


def test_english_core_needs_its_industry(d):
    assert keys("Chengce announced a new plant.", d) == []
    assert keys("Chengce Energy Co., Ltd.", d) == []


def test_brand_forms_and_customer_names_containing_the_brand(d):
    assert brands("汇通工品这次又延迟发货了", d) == 1
    assert brands("听说汇通在西南新开了仓库", d) == 1
    assert brands("Huitong MRO shipped late again.", d) == 1
    assert brands("Another missed date from Huitong.", d) == 1
    # The customer's name wins over the brand's short form inside it.
    assert keys("汇通机械(天津)有限公司发布了公告", d) == ["C_HT"]
    assert brands("汇通机械(天津)有限公司发布了公告", d) == 0
    assert brands("公司发布了公告", d) == 0


def test_link_posts_one_row_per_post_and_entity(d):
    posts = pd.DataFrame(
        {
            "platform": ["weibo", "news"],
            "post_id": ["1", "2"],
            "text": ["汇通工品和程测纺织（杭州）有限公司，汇通工品又晚了", "No names here."],
        }
    )
    out = lk.link_posts(posts, d)
    assert len(out) == 2
    brand = out[out.entity_type == "brand"].iloc[0]
    assert brand.n_occurrences == 2 and pd.isna(brand.customer_key)
    assert out[out.entity_type == "customer"].customer_key.tolist() == ["C_SUB"]


def test_overlapping_names_are_settled_by_place_then_length():
    d = lk.build_dictionary(
        pd.DataFrame(
            [
                ("C_SH", "上海泰同机械有限公司", "上海", None),
                ("C_CD", "成都海泰同机械有限公司", "成都", None),
                ("C_ZZ", "Zhengzhou Hanheyue Logistics Co., Ltd.", "郑州", None),
                ("C_KM", "昆明河越物流公司", "昆明", None),
                ("C_JH", "昆明金华蓝能源有限公司", "昆明", None),
                ("C_HL", "华蓝能源", None, None),
            ],
            columns=["customer_key", "account_name", "city", "parent_customer_key"],
        )
    )
    # '海泰同机械' (another customer) overlaps, but 上海 sits right before '泰同机械'.
    assert keys("上海泰同机械公司用了汇通工品的润滑油。", d) == ["C_SH"]
    assert keys("成都海泰同机械有限公司发布了公告。", d) == ["C_CD"]
    # The pinyin reading '瀚河越物流' (+ place 郑州) beats the shorter '河越物流'.
    assert keys("郑州瀚河越物流有限公司今天发布了通知。", d) == ["C_ZZ"]
    # '金华' is also a city: the name is kept whole as well.
    assert keys("金华蓝能源和汇通工品合作很顺。", d) == ["C_JH"]
    assert keys("华蓝能源和汇通工品合作很顺。", d) == ["C_HL"]


TYPO_ACCOUNTS = pd.DataFrame(
    [
        ("C_TEXTILE", "广州程测纺织股份有限公司", "广州", None),
        ("C_THREE", "武汉安康明新材料有限公司", "武汉", None),
        ("C_TWO", "佛山卓越电子有限公司", "佛山", None),
        ("C_OTHER", "成都卓华电子有限公司", "成都", None),
        ("C_EN", "Foshan Xunfang Pharmaceutical Co., Ltd.", "佛山", None),
    ],
    columns=["customer_key", "account_name", "city", "parent_customer_key"],
)


@pytest.fixture(scope="module")
def typo_dict():
    return lk.build_dictionary(TYPO_ACCOUNTS)


def first(text, d):
    found = [m for m in lk.find_mentions(text, d) if m.entity_type == lk.CUSTOMER]
    return (found[0].customer_key, found[0].match, found[0].alias) if found else None


@pytest.mark.parametrize(
    ("text", "expected_key", "how"),
    [
        ("程测纺织反映质量下降了。", "C_TEXTILE", "exact"),
        ("成测纺织反映质量下降了。", "C_TEXTILE", "pinyin"),  # homophone: same pinyin
        ("安明新材料的产线等了三天。", "C_THREE", "dropped_char"),
        ("安康康明新材料的产线等了三天。", "C_THREE", "doubled_char"),
        ("卓越越电子的产线等了三天。", "C_TWO", "doubled_char"),
        ("安庚明新材料的产线等了三天。", "C_THREE", "similar_char"),
        ("佛山卓赵电子有限公司的产线等了三天。", "C_TWO", "similar_char_and_place"),
        ("Xunfnag Pharmaceutical shipped late.", "C_EN", "english_typo"),
        ("XUNANG PHARMACEUTICAL CO LTD shipped late.", "C_EN", "english_typo"),
    ],
)
def test_names_with_one_typo_link_and_say_how(typo_dict, text, expected_key, how):
    key, match, alias = first(text, typo_dict)
    assert (key, match) == (expected_key, how)
    assert alias  # the known name it matched


def test_typos_that_do_not_single_out_one_customer_are_not_linked(typo_dict):
    # '卓赵电子' without a place: one character of two in common is too little.
    assert first("卓赵电子的产线等了三天。", typo_dict) is None
    # A one-letter change needs the industry after it, and a 5+ letter core.
    assert first("Xunfnag shipped late.", typo_dict) is None
    # An unknown name in a known industry is not a typo of a customer.
    assert first("华为电子的产线等了三天。", typo_dict) is None


def test_link_frame_records_the_alias_and_how_it_matched(typo_dict):
    posts = pd.DataFrame(
        {"platform": ["weibo"], "post_id": ["p1"], "text": ["安康康明新材料的产线等了三天。"]}
    )
    row = lk.link_posts(posts, typo_dict).iloc[0]
    assert (row["customer_key"], row["matched_alias"], row["match_kind"]) == (
        "C_THREE",
        "安康明",
        "doubled_char",
    )


def test_a_doubled_character_reading_beats_the_shorter_exact_name_inside_it():
    accounts = pd.DataFrame(
        [
            ("C_XINRUN", "郑州信润科技有限公司", "郑州", None),
            ("C_RUN", "润科技有限公司", "上海", None),  # a CRM record with a character lost
            ("C_RUNKE", "深圳润科电子有限公司", "深圳", None),
            ("C_RUNJIE", "润杰科技有限公司", "上海", None),
        ],
        columns=["customer_key", "account_name", "city", "parent_customer_key"],
    )
    d = lk.build_dictionary(accounts)
    assert first("信润润科技的货又晚到了。", d)[:2] == ("C_XINRUN", "doubled_char")


def test_a_one_character_core_is_no_alias():
    # '华纺织' is a CRM record of 越华纺织 with a character dropped: as an alias it
    # would claim every post about any 某华纺织.
    accounts = pd.DataFrame(
        [("C_YUEHUA", "华纺织", "杭州", None), ("C_HUA", "杭州越华纺织有限公司", "杭州", None)],
        columns=["customer_key", "account_name", "city", "parent_customer_key"],
    )
    d = lk.build_dictionary(accounts)
    assert "华纺织" not in d.zh_trade
    assert first("郑州德华纺织反映质量下降了。", d) is None
    assert first("越华纺织反映质量下降了。", d)[0] == "C_HUA"


def test_a_typo_window_never_takes_the_first_word_of_a_two_word_industry():
    accounts = pd.DataFrame(
        [("C_TAN", "同安车零部件有限公司", "厦门", None)],
        columns=["customer_key", "account_name", "city", "parent_customer_key"],
    )
    d = lk.build_dictionary(accounts)
    # 鼎同 makes 汽车零部件; '同汽车' before '零部件' would read as 同安车 with one
    # character replaced.
    assert first("鼎同汽车零部件采购同事说到货晚了一周。", d) is None
    assert first("同宝车零部件采购同事说到货晚了一周。", d)[:2] == ("C_TAN", "similar_char")


def test_a_name_written_in_a_city_none_of_the_customers_is_not_linked():
    accounts = pd.DataFrame(
        [("C_ZX", "杭州众讯电子有限公司", "杭州", None), ("C_NOCITY", "恒蓝科技", None, None)],
        columns=["customer_key", "account_name", "city", "parent_customer_key"],
    )
    d = lk.build_dictionary(accounts)
    # 众讯电子 in Ningbo is another company (or 众X讯电子 with a character lost).
    assert first("众讯电子（宁波）有限公司和汇通工品合作很顺。", d) is None
    assert first("宁波众讯电子有限公司和汇通工品合作很顺。", d) is None
    assert first("杭州众讯电子有限公司和汇通工品合作很顺。", d)[0] == "C_ZX"
    assert first("众讯电子和汇通工品合作很顺。", d)[0] == "C_ZX"
    # Without a known place nothing contradicts the city.
    assert first("宁波恒蓝科技和汇通工品合作很顺。", d)[0] == "C_NOCITY"


def test_a_crm_name_with_its_industry_misspelt_is_found_by_core_and_industry():
    # The CRM holds only '远天科枝': the name parser reads 科枝 as 科技 (one character
    # replaced), so a post that spells the name right finds the customer by its core
    # and industry.
    accounts = pd.DataFrame(
        [
            ("C_YT", "远天科枝（成都）有限公司", "成都", None),
            ("C_OTHER", "远天物流有限公司", "成都", None),
        ],
        columns=["customer_key", "account_name", "city", "parent_customer_key"],
    )
    d = lk.build_dictionary(accounts)
    assert first("远天科技今天发布了年度供应商大会的通知。", d)[0] == "C_YT"
    assert first("远天物流今天发布了年度供应商大会的通知。", d)[0] == "C_OTHER"
    assert first("远天电子今天发布了年度供应商大会的通知。", d) is None


def test_a_crm_name_with_a_character_doubled_is_found_from_the_name_written_right():
    accounts = pd.DataFrame(
        [("C_AL", "南京安蓝蓝越化工有限公司", "南京", None)],
        columns=["customer_key", "account_name", "city", "parent_customer_key"],
    )
    d = lk.build_dictionary(accounts)
    assert first("南京安蓝越化工股份有限公司的ESG报告也提到了这次合作。", d)[:2] == (
        "C_AL",
        "dropped_char",
    )


def test_a_core_is_matched_only_with_the_industry_of_the_same_name_and_never_as_our_brand():
    # One customer, two CRM names: '汇同工' (no industry read) and '汇同化化工'. Its
    # core 'huitong' alone is no name of it, and 'Huitong MRO' is our brand.
    accounts = pd.DataFrame(
        [
            ("C_HT", "昆明 汇同工有限公司", "昆明", None),
            ("C_HT", "昆明 汇同化化工有限公司", "昆明", None),
        ],
        columns=["customer_key", "account_name", "city", "parent_customer_key"],
    )
    d = lk.build_dictionary(accounts)
    brand = "Huitong MRO shipped late again and the line stopped for three days."
    assert first(brand, d) is None
    assert any(m.entity_type == lk.BRAND for m in lk.find_mentions(brand, d))
    assert first("Huitong Chemical (Kunming) Co., Ltd. had to stop a line.", d)[0] == "C_HT"


def test_an_english_typo_goes_to_the_core_one_dropped_letter_away_before_one_changed():
    accounts = pd.DataFrame(
        [
            ("C_TIAN", "Hefei Tianhetian Electronics Co., Ltd.", "Hefei", None),
            ("C_BAN", "Banhetian Electronics Co., Ltd.", "Wuhan", None),
            ("C_RUIAN", "Ruian Technology Co., Ltd.", "Ningbo", None),
            ("C_RUITIAN", "Ruitian Technology Co., Ltd.", "Beijing", None),
        ],
        columns=["customer_key", "account_name", "city", "parent_customer_key"],
    )
    d = lk.build_dictionary(accounts)
    # tianhetian less an i, or banhetian with t for b: the dropped letter is meant.
    assert first("Tanhetian Electronics had to stop a line.", d)[:2] == ("C_TIAN", "english_typo")
    # ruian plus a t, or ruitian less an i: two slips of the same kind, no guess.
    assert first("Rutian Technology had to stop a line.", d) is None


def test_mentions_found_over_several_processes_equal_one_process(typo_dict):
    texts = [
        "程测纺织反映质量下降了。",
        "安康康明新材料的产线等了三天。",
        "Xunfnag Pharmaceutical shipped late.",
        "",
        "卓赵电子的产线等了三天。",
    ] * 50
    one = [lk.find_mentions(t, typo_dict) for t in texts]
    assert lk.find_all_mentions(texts, typo_dict, min_chunk=1) == one
    assert any(one)
