"""Normalisation of the identifiers entity resolution compares."""

import pandas as pd
import pytest

from identity import normalise as nz


def s(*values):
    return pd.Series(list(values), dtype="object")


def test_credit_code_check_character_follows_gb_32100_2015():
    valid = "91350100M000100Y43"
    assert nz.credit_code_is_valid(s(valid)).tolist() == [True]
    # Any single changed character breaks the check.
    assert nz.credit_code_is_valid(s(valid[:-1] + "4", "81350100M000100Y43")).tolist() == [
        False,
        False,
    ]


def test_credit_code_is_normalised_or_blanked():
    out = nz.credit_code(
        s("９１３５０１００Ｍ０００１００Ｙ４３", "91350100-M000100Y43 ", "bad", None)
    )
    assert out.iloc[0] == "91350100M000100Y43"
    assert out.iloc[1] == "91350100M000100Y43"
    assert out.iloc[2:].isna().all()


def test_credit_code_rejects_letters_outside_the_alphabet():
    # I, O, S, V, Z are not used in the code.
    assert not nz.credit_code_is_valid(s("9135010OM000100Y43")).iloc[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138-0013-8000", "13800138000"),
        ("13800138000", "13800138000"),
        ("(021) 6234 5678", "2162345678"),
        ("021-62345678 转 801", "2162345678"),
        ("0086 21 62345678", "2162345678"),
        ("０２１－６２３４５６７８", "2162345678"),
    ],
)
def test_phone_drops_country_code_trunk_zero_and_extension(raw, expected):
    assert nz.phone(s(raw)).iloc[0] == expected


def test_phone_too_short_or_empty_is_missing():
    assert nz.phone(s("123", "", None, "n/a")).isna().all()


def test_phone_local_matches_landline_with_and_without_area_code():
    out = nz.phone_local(s("021-62345678", "62345678"))
    assert out.iloc[0] == out.iloc[1] == "62345678"


def test_email_is_lower_cased_and_validated():
    out = nz.email(s(" Zhang.Wei@Jingce.COM ", "mailto:a@b.cn", "张伟 <zw@x.com>", "bad@", None))
    assert out.tolist()[:3] == ["zhang.wei@jingce.com", "a@b.cn", "zw@x.com"]
    assert out.iloc[3:].isna().all()


def test_shared_mailboxes_are_no_personal_evidence():
    out = nz.personal_email(s("sales@jingce.com", "info2@x.com", "zhangwei@jingce.com"))
    assert out.isna().tolist() == [True, True, False]


def test_public_mail_domains_say_nothing_about_the_employer():
    out = nz.corporate_email_domain(s("a@qq.com", "b@jingce.com.cn"))
    assert pd.isna(out.iloc[0]) and out.iloc[1] == "jingce.com.cn"


@pytest.mark.parametrize(
    "raw",
    ["https://www.jingce.com/about", "WWW.JINGCE.COM", "jingce.com:8080", "http://jingce.com."],
)
def test_website_domain(raw):
    assert nz.website_domain(s(raw)).iloc[0] == "jingce.com"


def test_city_key_across_scripts_and_suffixes():
    assert nz.city_key(s("上海市", "Shanghai", "SHANGHAI CITY", "重庆")).tolist() == [
        "shanghai",
        "shanghai",
        "shanghai",
        "chongqing",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "上海精测电子有限公司",
        "精测电子(上海)有限公司",
        "精测电子（上海）有限公司",
        "上海市精测电子股份有限公司",
        "Shanghai Jingce Electronics Co., Ltd.",
        "SHANGHAI JINGCE ELECTRONICS CO.,LTD",
        "Jingce Electronics (Shanghai) Co Ltd",
        "Ｊｉｎｇｃｅ Ｅｌｅｃｔｒｏｎｉｃｓ Ｃｏ．， Ｌｔｄ．",
    ],
)
def test_company_name_variants_share_core_key_and_industry(name):
    parts = nz.company_name(name)
    assert parts.key == "jingce"
    assert parts.industry == "electronics"


def test_company_name_keeps_the_industry_apart():
    a = nz.company_name("苏州华瑞科技发展股份有限公司")
    b = nz.company_name("Suzhou Huarui Technology Development Co., Ltd.")
    c = nz.company_name("苏州华瑞机械有限公司")
    assert a.key == b.key == c.key == "huarui"
    assert a.industry == b.industry != c.industry


def test_company_name_strips_the_records_own_city():
    # 昆明 is not a reason to strip anything unless it is the record's city.
    assert nz.company_name("宜良精测电子有限公司", city="宜良").key == "jingce"


def test_company_name_without_a_distinctive_core_keeps_the_industry_word():
    assert nz.company_name("北京电子有限公司").key == "dianzi"


def test_company_names_column_function_handles_missing_values():
    out = nz.company_names(s("上海精测电子有限公司", None), s("上海", None))
    assert out["name_key"].iloc[0] == "jingce"
    assert out["name_key"].isna().iloc[1]


@pytest.mark.parametrize(
    "name", ["张伟", "Zhang Wei", "ZHANG, Wei", "张伟先生", "Mr. Zhang Wei", "Wei Zhang"]
)
def test_person_name_key_in_either_order(name):
    p = nz.person_name(name)
    assert "zhangwei" in {p.key, p.key_alt}


def test_compound_and_heteronym_surnames():
    assert nz.person_name("欧阳娜娜").key == nz.person_name("Nana Ouyang").key == "ouyangnana"
    assert nz.person_name("曾小明").key == "zengxiaoming"
    assert nz.person_name("单田芳").surname == "shan"


def test_person_name_drops_titles_typed_by_respondents():
    assert nz.person_name("王总").key == "wang"
    assert nz.person_name("李工").surname == "li"


def test_a_code_with_one_keying_error_is_repaired_to_the_valid_code_seen_elsewhere():
    valid = "91350100M000100Y43"
    swapped = valid[:5] + valid[6] + valid[5] + valid[7:]
    substituted = valid[:9] + "7" + valid[10:]
    shaped = nz.credit_code_shaped(s(valid, swapped, substituted, "not a code"))
    repaired = nz.repair_credit_codes(shaped, nz.credit_code(s(valid, swapped, substituted, None)))
    assert shaped.tolist()[:3] == [valid, swapped, substituted]
    assert pd.isna(shaped.iloc[3])
    assert pd.isna(repaired.iloc[0])  # valid codes need no repair
    assert repaired.tolist()[1:3] == [valid, valid]


def test_a_failing_code_with_no_valid_code_nearby_stays_unrepaired():
    valid = "91350100M000100Y43"
    broken = valid[:9] + "7" + valid[10:]
    repaired = nz.repair_credit_codes(nz.credit_code_shaped(s(broken)), nz.credit_code(s(broken)))
    assert repaired.isna().all()


def test_pinyin_names_strip_pinyin_industry_words_and_legal_forms():
    zh = nz.company_name("深圳策润电子有限公司")
    py = nz.company_name("Shenzhen Cerun Dianzi Youxian Gongsi")
    assert (py.key, py.industry) == (zh.key, zh.industry) == ("cerun", "electronics")


def test_a_homophone_typo_in_the_industry_word_is_still_read_as_the_industry():
    assert (
        nz.company_name("上海泰今能原有限公司").industry
        == nz.company_name("上海泰今能源有限公司").industry
    )


def test_deletion_keys_relate_names_one_character_apart():
    keys = nz.deletion_keys(s("汽车零部件", "汽车车零部件", None))
    assert "汽车零部件" in keys.iloc[1]  # a doubled character
    assert keys.iloc[2] is None


def test_latin_names_give_their_leading_place():
    places = nz.name_places(
        s("Zhengzhou Bohai Technology Co., Ltd.", "郑州博海科技有限公司", "BOHAI CO")
    )
    assert places.tolist()[:2] == ["zhengzhou", "zhengzhou"]
    assert pd.isna(places.iloc[2])


@pytest.mark.parametrize(
    "pinyin",
    [
        "hefei yinfu qichelingbujian youxian gongsi",
        "Hefei Yinfu Qiche Lingbujian Co., Ltd.",
        "yinfu auto parts co ltd",
    ],
)
def test_pinyin_names_gluing_industry_words_reduce_to_the_chinese_core(pinyin):
    names = nz.company_names(
        pd.Series([pinyin, "合肥银福汽车零部件有限公司"]), pd.Series(["合肥", None])
    )
    assert names["name_key"].tolist() == ["yinfu", "yinfu"]
    assert names["name_industry"].iloc[0] == names["name_industry"].iloc[1]


def test_a_token_that_is_not_only_industry_words_stays_in_the_core():
    names = nz.company_names(pd.Series(["qichelingbu co ltd", "qiche co ltd"]), None)
    assert names["name_key"].tolist() == ["qichelingbu", "qiche"]


def test_undoubled_keys_write_each_doubled_character_once():
    keys = nz.undoubled_keys(pd.Series(["信润润科技", "信润科技", "鑫鑫源源食品", None]))
    assert keys.iloc[0] == ["信润科技"]
    assert keys.iloc[1] == []
    assert keys.iloc[2] == ["鑫源源食品", "鑫鑫源食品"]
    assert keys.iloc[3] is None


def test_a_very_long_token_of_industry_words_is_parsed_without_recursing_deeply():
    names = nz.company_names(pd.Series(["yinfu " + "dianzi" * 2000 + " co ltd"]), None)
    assert names["name_key"].iloc[0].startswith("yinfu")


@pytest.mark.parametrize(
    ("name", "core", "industry"),
    [
        ("远天科枝（成都）有限公司", "远天", "technology"),  # a character replaced
        ("深圳德安物流流公司", "德安", "logistics"),  # doubled
        ("鼎同汽车零件", "鼎同", "automotive parts"),  # dropped from 零部件, then 汽车
        ("厦门鼎兴建没公司", "鼎兴", "construction"),
    ],
)
def test_a_misspelt_industry_word_is_still_read_as_the_industry(name, core, industry):
    parsed = nz.company_name(name)
    assert (parsed.core, parsed.industry) == (core, industry)


def test_no_industry_is_read_into_a_name_that_would_keep_under_two_characters():
    # '华电通': 电通 is one character from 电子, but 华 alone is no trade name.
    assert nz.company_name("深圳华电通有限公司").industry is None
    assert nz.company_name("精测电子有限公司").core == "精测"


def test_an_industry_words_first_character_typed_twice_is_not_part_of_the_core():
    assert nz.company_name("阳凯远食食品（西安）有限公司").core == "阳凯远"
    assert nz.company_name("宇恒医医药(郑州)有限公司").core == "宇恒"
    # Two characters of trade name must stay: 国电 is the name, 电力 the industry.
    assert nz.company_name("国电电力有限公司").core == "国电"


def test_a_mail_domain_spells_a_name_key_without_its_group_suffix():
    domains = pd.Series(
        ["hualan-group.com.cn", "lichenghan.com", "hl.com", "c0012544-xunyue-group.com", None]
    )
    assert nz.domain_name_key(domains).tolist() == ["hualan", "lichenghan", pd.NA, pd.NA, pd.NA]


def test_an_address_of_two_words_spells_a_name_and_one_run_of_letters_none():
    got = nz.email_person_name(
        pd.Series(
            ["hao.tang@x.cn", "Tang_Hao2@x.cn", "mailto:Wei-Zhang@a.com", "zhangwei@x.cn"]
            + ["2305855812@qq.com", "a.b@c.com", None]
        )
    )
    assert got.iloc[:3].tolist() == ["hao tang", "tang hao", "wei zhang"]
    assert got.iloc[3:].isna().all()
