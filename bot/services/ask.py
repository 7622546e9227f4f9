"""Is a message a question about a service ("附近有没有健康小屋", "心理咨询室几点开门")? Then
it is a service search, not a complaint to offer. Conservative on purpose: a word of a
problem (坏, 漏, 堵, 投诉 …) anywhere makes it a complaint; otherwise it needs a word of a
service (健康小屋,
量血压, 驿站 …, or a near miss of one: rapidfuzz) and a word of asking (附近, 哪里, 有没有, 几点,
？ …) — or be little more than the service's name ("健康小屋"). No Telegram here.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

# Words of a service → the need they are (bot.services.rules.NEEDS); longer words first.
VOCABULARY: dict[str, str] = {
    "健康小屋": "checkup",
    "量血压": "checkup",
    "测血压": "checkup",
    "测血糖": "checkup",
    "血压": "checkup",
    "血糖": "checkup",
    "体检": "checkup",
    "卫生院": "checkup",
    "卫生室": "checkup",
    "卫生服务站": "checkup",
    "心理咨询室": "counselling",
    "心理咨询": "counselling",
    "心理辅导": "counselling",
    "心理医生": "counselling",
    "便民服务中心": "affairs",
    "办事大厅": "affairs",
    "办事": "affairs",
    "办证": "affairs",
    "证照": "affairs",
    "社保": "affairs",
    "医保": "affairs",
    "居住证": "affairs",
    "养老服务": "elderly",
    "照料中心": "elderly",
    "老年食堂": "elderly",
    "助餐": "elderly",
    "养老": "elderly",
    "丰收驿站": "parcel",
    "快递驿站": "parcel",
    "驿站": "parcel",
    "快递": "parcel",
    "党群服务中心": "party",
    "党群": "party",
    "服务点": "all",
    "便民服务": "all",
    "15分钟服务圈": "all",
}
# Words of asking.
ASKING = (
    "附近", "哪里", "哪儿", "哪有", "在哪", "有没有", "有吗", "怎么走", "怎么去", "几点", "开门",
    "营业", "开放", "上班", "最近的", "找", "想", "可以", "能不能", "去哪", "电话", "预约",
    "?", "？", "吗",
)  # fmt: skip
# Words of a problem: the message is a complaint, whatever else it says.
PROBLEM = (
    "坏", "破", "漏", "堵", "脏", "乱", "臭", "吵", "噪音", "投诉", "举报", "反映", "违章", "占道",
    "积水", "没人管", "不管", "损", "倒了", "塌", "烂", "垃圾", "差", "不让", "不给", "收费",
    "态度", "偷", "骗", "打架", "着火", "关门了", "停了", "太慢", "排队",
)  # fmt: skip
MAX_LENGTH = 60  # a question is short; a long message tells a story (a complaint)
NEAR_MISS = 75  # rapidfuzz's partial ratio for a service word typed slightly wrong


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def need_of(text: str) -> str | None:
    """The need a message asks about (a code of NEEDS, or "all"), or None if it is no
    question about a service."""
    plain = _plain(text)
    if not plain or len(plain) > MAX_LENGTH or any(w in plain for w in PROBLEM):
        return None
    need = next((n for w, n in VOCABULARY.items() if w in plain), None)
    word = next((w for w in VOCABULARY if w in plain), "")
    if need is None:
        need, word = _near_miss(plain)
    if need is None:
        return None
    asking = any(w in plain for w in ASKING)
    if asking or len(plain) <= len(word) + 2:
        return need
    return None


def _near_miss(plain: str) -> tuple[str | None, str]:
    """A service word of four characters or more typed with one slip ("健康小物"), if the
    message also asks (a near miss alone is too weak a sign)."""
    if not any(w in plain for w in ASKING):
        return None, ""
    best, score = None, 0.0
    for word in VOCABULARY:
        if len(word) < 4:
            continue
        found = fuzz.partial_ratio(word, plain)
        if found > score:
            best, score = word, found
    if best is None or score < NEAR_MISS:
        return None, ""
    return VOCABULARY[best], best


def names_in(text: str, names: dict[int, str], threshold: float = 85) -> list[int]:
    """Ids of the points whose name the message names (fuzzy: "东红村健康小屋几点开门" names
    "东红村健康小屋"), best first."""
    plain = _plain(text)
    scored = [
        (fuzz.partial_ratio(name, plain), pid) for pid, name in names.items() if len(name) >= 4
    ]
    return [pid for score, pid in sorted(scored, key=lambda s: -s[0]) if score >= threshold][:3]
