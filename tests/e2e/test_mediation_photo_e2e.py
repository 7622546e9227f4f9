"""Over real HTTP (矛盾调解, 📎 协议照片): the mediator records an agreement with a photo of the
signed paper; the applicant opens the card and presses 📎 协议照片 — the photo comes (again on a
second press, as a new message: no edit, no 400); a third resident's forged press gets nothing."""

from __future__ import annotations

import re

import httpx

from tests.e2e.test_mediation_e2e import _ask, _mediator
from tests.e2e.test_resident_journey import register
from tests.support.e2e import BotProcess, Chat, new_user


def _photos(chat: Chat, after: int) -> list[dict[str, object]]:
    return [m for m in chat.messages(after) if m["from_bot"] and m.get("photo")]


def test_the_agreement_photo_reaches_the_cards_readers_only(
    minhu: BotProcess, client: httpx.Client
) -> None:
    mediator = new_user(client, "老调解")
    _mediator(minhu, mediator)
    applicant, third = new_user(client, "李大伯"), new_user(client, "赵阿姨")
    for chat in (applicant, third):
        register(chat)

    opened = _ask(applicant, "对门孙家")
    number = re.search(r"TJ-\d{4}-\d{6}", opened)
    assert number is not None
    mediator.expect("新的调解案件")
    mediator.press("对方同意调解")
    applicant.expect("对方已同意调解")
    mediator.press("调解成功")
    mediator.expect("协议的内容")
    mediator.say("围墙后退半米，费用由王家承担")
    mediator.expect("签字协议的照片")
    mediator.photo()
    applicant.expect("调解结果")

    applicant.say("/mediations")
    applicant.expect(number.group(0))
    applicant.press(number.group(0))
    applicant.expect("协议内容")
    applicant.expect_button("协议照片")
    start = applicant.current_seq()
    applicant.press("协议照片")
    shown = applicant.expect("签字协议的照片")
    assert shown.get("photo") and number.group(0) in str(shown.get("caption"))
    applicant.press("协议照片")  # again: the photo is sent again
    applicant.wait_until(lambda: len(_photos(applicant, start)) == 2, "the second photo")

    # A third resident forging the button gets a toast, never the photo.
    mediation_id = number.group(0).rsplit("-", 1)[1].lstrip("0")
    third.say("/mediate")  # a message with buttons to forge a press on
    third.expect("纠纷的类型")
    before = third.current_seq()
    pressed = third.press("", forge_data=f"md:p:{mediation_id}")
    answer = third.answer_of_last_press(pressed["callback_query_id"])
    assert answer["callback"] is not None
    assert _photos(third, before) == []
    third.say("/cancel")
    third.expect("已取消")
