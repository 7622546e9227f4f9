"""A resident with a full life in Minhu, for the privacy tests: a name and a phone number,
complaints (one rated, one "not fixed" with a reason), a "me too", a followed zone, a meeting
seat with reminders pending and a proposed topic, a reception booking, a staff notice naming
them still pending, a case a worker filed for them (代办) that they linked, and a /report left
at its last step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.assignments import service as assignments
from bot.complaints.rules import Action
from bot.complaints.service import act, support
from bot.mediation import service as mediation
from bot.mediation.service import Draft
from bot.meetings import service as meetings
from bot.points import redeem
from bot.reception import service as reception
from bot.visits import service as visits
from storage import catalog, people
from storage.dashboard import add_kiosk
from storage.submissions import new_key
from storage.visits import NewHousehold
from tests.support.complaints import place
from tests.support.harness import Harness, User, register
from tests.support.meetings import book, meeting
from tests.support.proxy import file_for
from tests.support.representatives import ADMIN, OTHER_REP, REP, WORKER, grant

RESIDENT = User(100031, "欧阳秀英")
NEIGHBOUR = User(100032, "李大伯")
PHONE = "13912345678"
# Which columns name a person is derived from the schema (`personal_columns`): people.id, a
# column referencing people, and any INTEGER column named *_id or *_by that references no other
# table — unless listed here as holding no person, with why. A new column holding a person's id
# is found without anyone remembering to list it.
NOT_A_PERSON = {
    "complaint_sums.grid_id": "a counter's grid",
    "complaint_sums.category_id": "a counter's category",
    "complaint_sums.department_id": "a counter's department",
    "outbox.broadcast_id": "the broadcast a notice belongs to",
    "outbox.claimed_by": "the process sending the row (host:pid:token), not a person",
    "submissions.record_id": "the row a submitted form made",
    "broadcasts.progress_message_id": "a message's id in the admin's chat",
    "inbound_updates.update_id": "Telegram's number of an update (its body, emptied once "
    "handled, is the only personal part, and lives for seconds)",
}
# A person named inside text (a grant's `granted_by` is 'telegram:<admin id>', or 'cli').
TEXT_PERSON = {"role_grants.granted_by": "granted_by = 'telegram:' || CAST(? AS TEXT)"}
HALF_REPORT = f"楼道的灯坏了一个月，请打电话给我 {PHONE}"
MEDIATION = "对门孙家的空调外机正对我家窗户，夏天吵得睡不着"


@dataclass(frozen=True)
class Life:
    """What the resident left behind, to check against after /deleteme."""

    rated: int  # complaint id
    not_fixed: int
    confirm_message: int  # the summary of the half-finished /report, with 确认提交
    confirm_data: str  # that button's callback data (it carries the draft's key)


async def deliver(bot: Harness) -> None:
    """Send what the outbox holds now."""
    assert bot.app is not None
    await bot.services.delivery.run_pass(bot.app.bot)


async def report(
    bot: Harness,
    user: User,
    category: str,
    text: str,
    *,
    submit: bool,
    where: str = "上强社区3幢楼下",
    named: str = "实名",
) -> None:
    """/report through to the summary (`where` typed as the place: 跳过 skips it); press
    确认提交 when `submit`."""
    await bot.send(user, "/report")
    await bot.button(user, category)
    await bot.send(user, text)
    await bot.button(user, "不需要照片")
    await place(bot, user, where)
    if any("继续新反映" in label for label in bot.buttons(user.id)):
        await bot.button(user, "继续新反映")
    await bot.button(user, named)
    if submit:
        await bot.button(user, "确认提交")


async def newest_complaint(bot: Harness) -> int:
    return int(await bot.services.db.fetchval("SELECT MAX(id) FROM complaints"))


async def resolved(bot: Harness, user: User, category: str, text: str) -> int:
    """A complaint the worker accepted and resolved; the resident was asked 'fixed?'."""
    await report(bot, user, category, text, submit=True)
    complaint_id = await newest_complaint(bot)
    await deliver(bot)  # the worker's notice names the resident (sent, its context kept)
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    bot.clock.advance(timedelta(hours=1))
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="已处理")
    await deliver(bot)
    return complaint_id


async def a_full_life(bot: Harness) -> Life:
    """Staff and a neighbour, then everything the resident does."""
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, REP, "representative")
    await register(bot, ADMIN, zone="梅峰", community="梅峰村")
    await register(bot, NEIGHBOUR)
    await register(bot, RESIDENT)

    rated = await resolved(bot, RESIDENT, "环境卫生", "小区东门垃圾桶满了三天没人清理")
    await bot.button(RESIDENT, "🙂 基本满意")
    await bot.button(RESIDENT, "4 星")
    not_fixed = await resolved(bot, RESIDENT, "停车管理", "消防通道被私家车长期占用")
    await bot.button(RESIDENT, "不满意")
    await bot.send(RESIDENT, "车还停在那里，根本没人来过")  # the worker's notice waits

    await report(bot, NEIGHBOUR, "公共设施", "健身器材的螺丝松了很危险", submit=True)
    await support(bot.services, await newest_complaint(bot), RESIDENT.id)

    await bot.send(RESIDENT, "/settings")
    await bot.button(RESIDENT, "关注本片区")

    m = await meeting(bot, capacity=1)
    await book(bot, RESIDENT, m.id)  # reminders pending in the outbox
    await book(bot, NEIGHBOUR, m.id)  # on the waiting list: moves up when the seat is freed
    await meetings.propose(bot.services, m.id, RESIDENT.id, "东门晚上停车难")

    station = int(await bot.services.db.fetchval("SELECT MIN(id) FROM liaison_stations"))
    session = await reception.publish(
        bot.services, REP.id, station, bot.clock.now() + timedelta(days=3), 3
    )
    await reception.book(bot.services, session.id, RESIDENT.id, "想反映小区电梯维修的事")

    # The worker filed a case for them when they phoned (代办); they linked it with their contact.
    await file_for(bot, WORKER, RESIDENT.first_name, PHONE)
    # Their household is on the worker's home-visit register (网格走亲), with their consent and
    # their number; the worker visited and was reminded of it. The contact links it too.
    grid = int(await bot.services.db.fetchval("SELECT id FROM grids WHERE code = 'SQ-01-01'"))
    household = await visits.register(
        bot.services,
        WORKER.id,
        NewHousehold(
            grid, "独居老人", 7, RESIDENT.first_name, "东红村3组12号", PHONE, None, "腿脚不便"
        ),
        consent=True,
    )
    await visits.log_visit(bot.services, WORKER.id, visits.Visit(household, "ok", "腿脚不便"))
    await bot.send_contact(RESIDENT, PHONE)

    # They asked for mediation with a neighbour named in words (矛盾调解).
    draft: Draft = {"kind": "neighbour", "other_name": "对门孙家", "summary": MEDIATION}
    await mediation.open_case(bot.services, RESIDENT.id, draft, key=new_key())

    await report(bot, RESIDENT, "其他", HALF_REPORT, submit=False)
    confirm = next(d for label, d in bot.buttons(RESIDENT.id).items() if "确认提交" in label)
    return Life(rated, not_fixed, bot.last_keyboard_message(RESIDENT.id), confirm)


async def personal_columns(bot: Harness) -> dict[str, list[str]]:
    """Every table with a column naming a person, derived from the schema (see NOT_A_PERSON)."""
    db = bot.services.db
    found: dict[str, list[str]] = {}
    for table in await catalog.tables(db):
        refs = await catalog.column_references(db, table)
        named = []
        for column, kind in await catalog.typed_columns(db, table):
            name = f"{table}.{column}"
            if name in NOT_A_PERSON or (column in refs and refs[column] != "people"):
                continue
            ids = column.endswith(("_id", "_by")) and kind in catalog.INTEGER_TYPES
            person = refs.get(column) == "people" or (table == "people" and column == "id")
            if person or ids or name in TEXT_PERSON:
                named.append(column)
            else:
                assert not column.endswith("_by"), f"{name}: does it name a person? classify it"
        if named:
            found[table] = named
    return found


def matches(table: str, column: str) -> str:
    """The SQL condition of a row naming the person (one `?`)."""
    return TEXT_PERSON.get(f"{table}.{column}", f"{column} = ?")


async def a_staff_life(bot: Harness, life: Life) -> None:
    """After `a_full_life`, the staff's work: the admin grants a role in the chat, gives the
    worker a task, corrects the resident's points, adds a catalogue item the worker provides
    and makes a wall-screen link; the worker, also the zone's mediator, opens a mediation from
    the resident's case and records the other side's consent, and takes the resident's
    voucher. (The worker registered the resident's household and filed a case for them, and
    the admin made the meeting, in `a_full_life`.)"""
    services, db, now = bot.services, bot.services.db, bot.clock.now()
    await bot.send(ADMIN, f"/grant representative {OTHER_REP.id}")
    await assignments.assign(
        services,
        ADMIN.id,
        text="走访东红村3组的独居老人",
        complaint_id=None,
        target_kind="grid_worker",
        target_id=WORKER.id,
        due_at=now + timedelta(days=7),
    )
    await redeem.correct(services, ADMIN.id, RESIDENT.id, 100, "补记河道清理的积分")
    item = await redeem.add_item(
        services, ADMIN.id, title="理发券", points=10, stock=5, zone_code=None,
        provider_id=WORKER.id,
    )  # fmt: skip
    await add_kiosk(db, "hash-of-a-kiosk-token", "镇大厅", "", ADMIN.id, now)
    zone = await db.fetchval("SELECT id FROM zones WHERE code = 'SQ'")
    await people.grant(db, WORKER.id, "mediator", now, zone_id=zone)
    draft: Draft = {
        "kind": "neighbour",
        "other_name": "隔壁钱家",
        "summary": "装修噪音从早到晚，协商不成",
        "complaint_id": life.rated,
    }
    opened = await mediation.open_case(services, WORKER.id, draft, key=new_key())
    await mediation.consent(services, WORKER.id, opened.id, True, None)
    voucher = await redeem.redeem(services, RESIDENT.id, item, RESIDENT.id, new_key())
    await redeem.check_voucher(services, WORKER.id, voucher.redemption.code)
