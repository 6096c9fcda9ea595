"""Plausible Chinese personal data for the demo (pure; no Django).

Names, mobile numbers, 18-digit resident ID numbers with a valid GB 11643
check digit, unified social credit codes (GB 32100) and Hangzhou addresses.
Everything is drawn from a caller-supplied ``random.Random`` so the demo is
deterministic. None of it belongs to a real person or company.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
MALE_GIVEN = (
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宁 健 建国 建华 志强 志明 海涛 海波 国强 晓东 "
    "文斌 俊杰 浩然 子轩 宇航 家豪 振宇 立新 永康 德明 春生 跃进 卫东 一鸣 嘉诚 天佑 明轩 思远 博文"
).split()
FEMALE_GIVEN = (
    "芳 娜 敏 静 丽 艳 娟 霞 婷 雪 琳 颖 倩 洁 燕 玲 慧 莉 秀英 桂英 玉兰 淑珍 丽华 晓燕 海燕 春梅 "
    "雅琴 婉婷 欣怡 梓涵 诗琪 雨萱 佳怡 思雨 可欣 晓雯 美玲 文静 丹丹 悦 萌 蕾 璐 瑶"
).split()

# Region codes (first six digits of a resident ID): Hangzhou districts, and the home
# provinces many Hangzhou residents come from.
REGION_CODES = (
    "330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112", "330113", "330114",
    "330183", "330182", "330127", "330302", "330602", "341221", "411521", "430621", "510821", "362329",
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "185", "186", "187", "188", "189",
)

DISTRICT_STREETS = {
    "上城区": ("解放路", "庆春路", "建国南路", "望江路", "秋涛路", "江城路"),
    "拱墅区": ("莫干山路", "湖墅南路", "上塘路", "大关路", "石祥路", "丽水路"),
    "西湖区": ("文三路", "学院路", "天目山路", "古墩路", "文二西路", "教工路"),
    "滨江区": ("江南大道", "滨盛路", "长河路", "西兴路", "江虹路", "滨安路"),
    "萧山区": ("市心中路", "金城路", "人民路", "北干路", "通惠路", "育才路"),
    "余杭区": ("文一西路", "五常大道", "良睦路", "余杭塘路", "龙潭路"),
    "临平区": ("迎宾路", "星桥路", "南苑街", "藕花洲大街"),
    "钱塘区": ("学林街", "文泽路", "海达南路", "江东大道"),
}
ESTATES = (
    "星河湾", "翠竹苑", "金桂花园", "和睦新村", "锦绣江南", "枫华府", "春江名苑", "云栖里", "望湖公寓", "新湖家园",
    "梧桐苑", "紫荆花园", "明月小区", "青枫苑", "荷塘月色", "丹桂公寓", "东方郡", "绿城桂花园", "潮鸣苑", "香樟雅苑",
)
TOWERS = ("星辰", "汇金", "未来", "钱江", "恒隆", "东方", "银泰", "世贸", "城西", "创新")


@dataclass(frozen=True)
class Person:
    name: str
    male: bool
    birth: date
    id_number: str


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_is_valid(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and id_check_digit(number[:17]) == number[17]


def resident_id(rng: random.Random, *, birth: date, male: bool) -> str:
    region = rng.choice(REGION_CODES)
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)  # the 17th digit is odd for men
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def uscc(rng: random.Random) -> str:
    """A unified social credit code with a valid GB 32100 check character (company 'ID')."""
    body = "91" + rng.choice(("330100", "330106", "330108", "330110")) + "".join(
        rng.choice(_USCC_CHARS) for _ in range(9)
    )
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def uscc_is_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def person(rng: random.Random, *, oldest: int = 1950, youngest: int = 2004) -> Person:
    male = rng.random() < 0.5
    given = rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
    birth = date(rng.randint(oldest, youngest), rng.randint(1, 12), rng.randint(1, 28))
    return Person(rng.choice(SURNAMES) + given, male, birth, resident_id(rng, birth=birth, male=male))


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random) -> str:
    return f"0571{rng.choice('2345678')}{rng.randrange(10**7):07d}"


def home_address(rng: random.Random) -> str:
    district = rng.choice(list(DISTRICT_STREETS))
    street = rng.choice(DISTRICT_STREETS[district])
    return (
        f"浙江省杭州市{district}{street}{rng.randint(8, 688)}号{rng.choice(ESTATES)}"
        f"{rng.randint(1, 28)}幢{rng.randint(1, 4)}单元{rng.randint(1, 26)}{rng.randint(1, 4):02d}室"
    )


def office_address(rng: random.Random) -> str:
    district = rng.choice(list(DISTRICT_STREETS))
    street = rng.choice(DISTRICT_STREETS[district])
    return f"浙江省杭州市{district}{street}{rng.randint(8, 988)}号{rng.choice(TOWERS)}大厦{rng.randint(2, 31)}层"


def estate(rng: random.Random) -> str:
    return rng.choice(ESTATES)
