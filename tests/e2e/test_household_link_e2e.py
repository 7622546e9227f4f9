"""Over real HTTP (网格走亲 + /link): a household on the home-visit register, recorded with the
resident's phone and their oral consent, is linked when the resident shares their own contact;
they are told once — sharing again tells nothing more, someone else's card links nothing."""

from __future__ import annotations

import httpx

from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, new_user

PHONE = "13812345678"


def test_the_resident_hears_once_that_their_household_is_linked(
    minhu: BotProcess, client: httpx.Client
) -> None:
    with raw_connection(minhu.database) as db:
        grid = db.execute("SELECT id FROM grids WHERE code = 'SQ-01-01'").fetchone()[0]
        db.execute(
            """INSERT INTO households (grid_id, kind, cadence_days, name, address, phone,
                   consent_by, consent_at, registered_by, registered_at)
               VALUES (?, '独居老人', 7, '王奶奶', '东红村3组12号', ?, 200001,
                       '2026-03-02T02:00:00+00:00', 200001, '2026-03-02T02:00:00+00:00')""",
            (grid, PHONE),
        )
    elder, neighbour = new_user(client, "王奶奶"), new_user(client, "邻居")
    register(elder)
    elder.say("/link")
    elder.expect("分享我的手机号")
    elder.contact(PHONE, owner=neighbour.user_id)  # someone else's card
    elder.expect("只能分享您自己的手机号")
    elder.contact("+86" + PHONE)
    elder.expect("已与您关联")
    told = str(elder.expect("网格走亲")["text"])
    assert "独居老人" in told and "东红村" not in told
    start = elder.current_seq()
    elder.contact(PHONE)  # again
    elder.expect("没有找到用这个手机号代办的诉求")
    elder.say("/mydata")  # a later answer (its file), so anything queued before it has come
    elder.wait_until(
        lambda: any(m["from_bot"] and m.get("document") for m in elder.messages(start)),
        "the /mydata file",
    )
    assert not [m for m in elder.messages(start) if "网格走亲" in str(m.get("text"))]
    with raw_connection(minhu.database) as db:
        assert db.execute("SELECT person_id FROM households").fetchone()[0] == elder.user_id
        rows = db.execute("SELECT COUNT(*) FROM outbox WHERE template = 'visits.linked'")
        assert rows.fetchone()[0] == 1
