"""Word pools and sentence templates for the demo-data generator.

Kept apart from the generator's logic so the wording can grow without touching
the simulation. Chinese and English forms are paired where the generator needs
to write the same thing both ways (city, industry).
"""

from __future__ import annotations

# (Chinese city, pinyin/English spelling, sales region)
CITIES: tuple[tuple[str, str, str], ...] = (
    ("上海", "Shanghai", "East"),
    ("杭州", "Hangzhou", "East"),
    ("南京", "Nanjing", "East"),
    ("苏州", "Suzhou", "East"),
    ("宁波", "Ningbo", "East"),
    ("合肥", "Hefei", "East"),
    ("广州", "Guangzhou", "South"),
    ("深圳", "Shenzhen", "South"),
    ("东莞", "Dongguan", "South"),
    ("佛山", "Foshan", "South"),
    ("厦门", "Xiamen", "South"),
    ("北京", "Beijing", "North"),
    ("天津", "Tianjin", "North"),
    ("青岛", "Qingdao", "North"),
    ("沈阳", "Shenyang", "North"),
    ("济南", "Jinan", "North"),
    ("成都", "Chengdu", "West"),
    ("重庆", "Chongqing", "West"),
    ("西安", "Xian", "West"),
    ("昆明", "Kunming", "West"),
    ("武汉", "Wuhan", "Central"),
    ("长沙", "Changsha", "Central"),
    ("郑州", "Zhengzhou", "Central"),
    ("南昌", "Nanchang", "Central"),
)

CITY_AREA_CODES: dict[str, str] = {
    "Shanghai": "021",
    "Hangzhou": "0571",
    "Nanjing": "025",
    "Suzhou": "0512",
    "Ningbo": "0574",
    "Hefei": "0551",
    "Guangzhou": "020",
    "Shenzhen": "0755",
    "Dongguan": "0769",
    "Foshan": "0757",
    "Xiamen": "0592",
    "Beijing": "010",
    "Tianjin": "022",
    "Qingdao": "0532",
    "Shenyang": "024",
    "Jinan": "0531",
    "Chengdu": "028",
    "Chongqing": "023",
    "Xian": "029",
    "Kunming": "0871",
    "Wuhan": "027",
    "Changsha": "0731",
    "Zhengzhou": "0371",
    "Nanchang": "0791",
}

# Administrative-division prefixes of credit codes, one per city (digits 3-8).
CITY_DIVISION: dict[str, str] = {
    "Shanghai": "310115",
    "Hangzhou": "330106",
    "Nanjing": "320102",
    "Suzhou": "320505",
    "Ningbo": "330203",
    "Hefei": "340104",
    "Guangzhou": "440106",
    "Shenzhen": "440305",
    "Dongguan": "441900",
    "Foshan": "440604",
    "Xiamen": "350203",
    "Beijing": "110108",
    "Tianjin": "120116",
    "Qingdao": "370202",
    "Shenyang": "210102",
    "Jinan": "370102",
    "Chengdu": "510107",
    "Chongqing": "500103",
    "Xian": "610113",
    "Kunming": "530102",
    "Wuhan": "420106",
    "Changsha": "430104",
    "Zhengzhou": "410105",
    "Nanchang": "360102",
}

# (Chinese industry word, English rendering, industry label)
INDUSTRIES: tuple[tuple[str, str, str], ...] = (
    ("电子", "Electronics", "electronics"),
    ("机械", "Machinery", "machinery"),
    ("化工", "Chemical", "chemicals"),
    ("医药", "Pharmaceutical", "pharma"),
    ("物流", "Logistics", "logistics"),
    ("食品", "Foods", "food"),
    ("科技", "Technology", "technology"),
    ("新材料", "New Materials", "materials"),
    ("汽车零部件", "Auto Parts", "automotive"),
    ("建设", "Construction", "construction"),
    ("能源", "Energy", "energy"),
    ("纺织", "Textile", "textile"),
)

# Characters for company cores: each has a distinct toneless pinyin so that an
# English (pinyin) spelling identifies its Chinese core.
CORE_CHARS = (
    "精测华泰恒瑞鼎信宏达远航凯盛博众安康明阳卓越金桥蓝天锦程海创"
    "天润瀚鹏振兴同力东方新宇立讯永福正德开元银河中科翔飞汇川"
)

SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("赵", "Zhao"),
    ("黄", "Huang"),
    ("周", "Zhou"),
    ("吴", "Wu"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("胡", "Hu"),
    ("朱", "Zhu"),
    ("高", "Gao"),
    ("林", "Lin"),
    ("何", "He"),
    ("郭", "Guo"),
    ("马", "Ma"),
    ("罗", "Luo"),
    ("梁", "Liang"),
    ("宋", "Song"),
    ("郑", "Zheng"),
    ("谢", "Xie"),
    ("韩", "Han"),
    ("唐", "Tang"),
    ("冯", "Feng"),
    ("于", "Yu"),
    ("董", "Dong"),
    ("萧", "Xiao"),
)

GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉鹏飞斌宇浩凯"

TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    "decision_maker": (
        ("总经理", "General Manager"),
        ("副总裁", "VP Operations"),
        ("厂长", "Plant Director"),
    ),
    "purchaser": (("采购经理", "Purchasing Manager"), ("采购专员", "Buyer")),
    "user": (("设备工程师", "Maintenance Engineer"), ("生产主管", "Production Supervisor")),
    "gatekeeper": (("行政主管", "Admin Supervisor"), ("前台", "Receptionist")),
    "influencer": (("技术总监", "Technical Director"), ("质量经理", "Quality Manager")),
    "finance": (("财务经理", "Finance Manager"), ("会计", "Accountant")),
    "other": (("仓库管理员", "Warehouse Keeper"), ("项目助理", "Project Assistant")),
}
DEPARTMENTS = {
    "decision_maker": "管理层",
    "purchaser": "采购部",
    "user": "生产部",
    "gatekeeper": "行政部",
    "influencer": "技术部",
    "finance": "财务部",
    "other": "仓储部",
}

PRODUCT_CATEGORIES = (
    "fasteners",
    "tools",
    "safety_ppe",
    "electrical",
    "lubricants",
    "office_supplies",
    "packaging",
    "welfare_gifts",
    "it_equipment",
    "lab_supplies",
)
BU_CATEGORIES: dict[str, tuple[str, ...]] = {
    "mro": ("fasteners", "tools", "safety_ppe", "electrical", "lubricants", "lab_supplies"),
    "office": ("office_supplies", "packaging"),
    "welfare": ("welfare_gifts",),
    "digital": ("it_equipment",),
}

BRAND_ZH, BRAND_EN = "汇通工品", "Huitong MRO"

# Comment and post language, by topic and sentiment. {c} = customer name,
# {b} = our brand. Real wording, so that a scorer trained elsewhere can read it.
SURVEY_COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "late": (
            "送货又晚了好几天，影响我们排产。",
            "承诺的交期总是做不到，很失望。",
            "到货延迟，也没人提前通知。",
        ),
        "ontime": ("交货准时，包装完好。", "这次到货很快，满意。", "按时送达，签收顺利。"),
        "trust": ("客户经理很专业，响应及时。", "对接人靠谱，有问题马上解决。"),
        "price": ("价格偏高，希望有更多优惠。", "报价比同行贵一些。"),
        "product": ("产品质量稳定，品类齐全。", "有几件工具质量一般，用了就坏。"),
        "ease": ("下单流程简单，对账方便。", "系统太复杂，找个发票都费劲。"),
        "neutral": ("整体还可以。", "没有特别的意见。", "一般般，和其他供应商差不多。"),
    },
    "en": {
        "late": (
            "Delivery was late again and held up our production line.",
            "They missed the promised date without any warning.",
            "Goods arrived days late; very disappointing.",
        ),
        "ontime": (
            "Delivered on time and well packed.",
            "Fast delivery this time, thank you.",
            "Arrived as promised, smooth handover.",
        ),
        "trust": (
            "Our account manager is professional and quick to respond.",
            "Reliable contact person, problems get solved fast.",
        ),
        "price": (
            "Prices are on the high side compared with other suppliers.",
            "Would like better pricing.",
        ),
        "product": (
            "Product quality is consistent and the range is broad.",
            "Some tools broke after a few days, poor quality.",
        ),
        "ease": (
            "Ordering and invoicing are easy.",
            "The portal is confusing and finding invoices is painful.",
        ),
        "neutral": (
            "It is okay overall.",
            "No particular comments.",
            "About the same as other suppliers.",
        ),
    },
}

# Public-opinion posts: (topic, sentiment) -> templates per language.
POSTS: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    "zh": {
        ("fulfillment", "negative"): (
            "{b}这次又延迟发货了，{c}的产线等了三天，太坑了。",
            "吐槽一下{b}的物流，承诺的交期一拖再拖，客服只会说在催。",
            "{c}采购同事说{b}到货晚了一周，还少发了两箱，差评。",
        ),
        ("fulfillment", "positive"): (
            "{b}的配送真快，昨天下单今天就到了，给个好评。",
            "{c}和{b}合作很顺，交货准时，包装也好。",
            "点赞{b}，紧急订单当天送达，帮{c}解决了大问题。",
        ),
        ("price", "negative"): (
            "{b}的价格比别家贵不少，性价比一般。",
            "{b}今年又涨价了，{c}在考虑换供应商。",
        ),
        ("price", "positive"): (
            "{b}的集采价格很有优势，{c}省了不少成本。",
            "性价比高，{b}的报价透明。",
        ),
        ("product", "negative"): (
            "{b}卖的扳手用两次就坏了，质量堪忧。",
            "{c}反映{b}的劳保手套质量下降了。",
        ),
        ("product", "positive"): (
            "{b}的工具品质可靠，品类也全，推荐。",
            "{c}用了{b}的润滑油，设备运行稳定多了。",
        ),
        ("ease", "negative"): (
            "{b}的对账流程太麻烦了，发票总是开错。",
            "{b}的下单系统经常卡，体验很差。",
        ),
        ("ease", "positive"): (
            "{b}的小程序下单很方便，对账一目了然。",
            "和{b}打交道很省心，有问题马上响应。",
        ),
        ("trust", "positive"): (
            "{b}的客户经理很靠谱，{c}的项目全程跟进。",
            "信赖{b}的服务团队，专业又负责。",
        ),
        ("trust", "negative"): (
            "{b}的销售承诺的事情都没兑现，不靠谱。",
            "{c}说{b}换了三个对接人，没人负责。",
        ),
        ("recognition", "positive"): ("{b}帮{c}做了降本报告，采购部在年会上被表扬了。",),
        ("safety", "negative"): ("{b}送来的防护用品不合格，存在安全隐患。",),
        ("sustainability", "positive"): ("{b}推出绿色包装，{c}的ESG报告也提到了这次合作。",),
        ("general", "neutral"): (
            "{c}今天发布了年度供应商大会的通知，{b}等多家企业参会。",
            "{b}在上海举办了工业品采购论坛。",
            "{c}公布了三季度经营数据。",
            "听说{b}在西南地区新开了一个仓库。",
        ),
    },
    "en": {
        ("fulfillment", "negative"): (
            "{b} shipped late again and {c} had to stop a line for three days. Terrible.",
            "Another missed delivery date from {b}. Support keeps saying it is on the way.",
            "{c} received the order a week late and two boxes short. Very poor service from {b}.",
        ),
        ("fulfillment", "positive"): (
            "Ordered from {b} yesterday and it arrived this morning. Great job.",
            "{b} delivers on time every time; {c} is happy with the partnership.",
            "Kudos to {b} for the same-day emergency delivery to {c}.",
        ),
        ("price", "negative"): (
            "{b} is noticeably more expensive than competitors.",
            "{b} raised prices again; {c} is looking at other suppliers.",
        ),
        ("price", "positive"): (
            "{b} offers excellent value on bulk purchasing.",
            "Transparent and competitive quotes from {b}.",
        ),
        ("product", "negative"): (
            "The wrenches we bought from {b} broke after two uses. Disappointing quality.",
        ),
        ("product", "positive"): ("Reliable tools and a broad catalogue at {b}. Recommended.",),
        ("ease", "negative"): ("Invoicing with {b} is a mess and the portal keeps crashing.",),
        ("ease", "positive"): ("The {b} ordering app is simple and reconciliation is painless.",),
        ("trust", "positive"): (
            "The {b} account manager for {c} is excellent and always follows up.",
        ),
        ("trust", "negative"): (
            "{b} sales promised things they never delivered. Not trustworthy.",
        ),
        ("recognition", "positive"): (
            "{b} helped {c} publish a cost-saving report that management loved.",
        ),
        ("safety", "negative"): ("PPE delivered by {b} failed inspection, a real safety concern.",),
        ("sustainability", "positive"): (
            "{b} introduced recyclable packaging, mentioned in the {c} ESG report.",
        ),
        ("general", "neutral"): (
            "{c} announced its annual supplier conference; {b} will attend.",
            "{b} hosted an industrial procurement forum in Shanghai.",
            "{c} published its third-quarter results today.",
        ),
    },
}

PLATFORMS = ("weibo", "wechat", "zhihu", "news", "forum", "review_site", "linkedin")
PLATFORM_LANG_EN = {
    "weibo": 0.03,
    "wechat": 0.03,
    "zhihu": 0.05,
    "news": 0.25,
    "forum": 0.15,
    "review_site": 0.3,
    "linkedin": 0.8,
}
AUTHOR_TYPES = ("individual", "media", "kol", "company")

# One-character typos seen in CRM exports, keyed by the intended character.
# Homophones: same toneless pinyin (an input-method slip: 能原 for 能源).
HOMOPHONES: dict[str, str] = dict(
    zip(
        "精测华泰恒瑞鼎信宏达远航凯盛博众安康明阳卓越金桥蓝天锦程海创润瀚鹏振兴同力东方新宇"
        "立讯永福正德开元银河中科翔飞汇川电子机械化工医药物流食技材料汽车零部件建设源纺织",
        "经策化太衡锐顶心鸿大元杭楷胜波重按抗名扬桌悦今乔兰添近成亥窗闰汉朋镇星童利冬芳欣雨"
        "丽迅勇富政得铠园印和忠棵祥菲会穿店紫基谢华公衣要务留实记才廖气扯灵步建健社原访之",
        strict=True,
    )
)
# Visually similar characters (a handwriting or OCR slip).
LOOKALIKES: dict[str, str] = dict(
    zip(
        "精测泰瑞信宏远航博康明阳金桥蓝天锦海创润瀚振同力东方新宇讯永正元河中科川"
        "电子工医物流品技材料汽车零件建设能织",
        "睛侧秦端言宠运舫搏唐朋阴全侨篮夭绵梅仓涧翰赈问刀车万亲字汛水止无何申料州"
        "由了土区勿硫晶枝村科气东令伴健没熊识",
        strict=True,
    )
)
