"""/deleteme leaves nothing behind: not in any table, not in the outbox, not in the saved or
in-memory conversation state, not in the raw database file or its write-ahead log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.assignments import service as assignments
from bot.assignments.rules import Step
from bot.people.roles import has_role
from storage import people
from storage.db import Database
from tests.support.complaints import choose
from tests.support.harness import Harness, User, register, texts
from tests.support.privacy import (
    HALF_REPORT,
    NEIGHBOUR,
    PHONE,
    RESIDENT,
    a_full_life,
    a_staff_life,
    deliver,
    matches,
    personal_columns,
)
from tests.support.representatives import ADMIN, REP, WORKER

# Columns naming a person where a row may stay after erasure, and why (`table` for every
# such column of the table, `table.column` for one): a staff member's work records stay, as
# the office's record, and /mydata exports them (storage/privacy.py's docstring).
KEPT = {
    "bulletins": "chat_id is the bulletin channel or group, never a person",
    "patrols": "a worker's patrols are the office's work record (exported by /mydata)",
    "assignments": "work given to staff, and by whom, is the office's record",
    "reception_sessions": "a representative's reception days are public office work",
    "supervision_items": "a representative's suggestions are public office work",
    "visits": "a worker's home visits are the office's work record (exported by /mydata)",
    "role_grants.granted_by": "who granted a role stays on the grant (the grantee's record)",
    "meetings": "who organised or closed a meeting is the office's record",
    "broadcasts": "who sent a broadcast is the office's record",
    "complaint_proxies.filed_by": "the staff who filed a case for a resident (代办)",
    "complaint_proxies.consent_by": "the staff who recorded the resident's consent to it",
    "households.registered_by": "the worker who registered a household for visits",
    "households.consent_by": "the worker who recorded the household's consent",
    "mediations": "who mediated a case, or opened it from a complaint, is its record",
    "volunteer_activities": "an organiser's activities are the office's record",
    "points_items.created_by": "who added a catalogue item (its provider leaves, provider_id)",
    "points_redemptions.used_by": "who took a voucher is the provider's record",
    "points_ledger.by_id": "who made a points correction is the office's record",
    "dashboard_kiosks": "a wall screen's link stays until an admin revokes it",
}


def _kept(table: str, column: str) -> bool:
    return table in KEPT or f"{table}.{column}" in KEPT


async def _erase(bot: Harness) -> None:
    await bot.send(RESIDENT, "/deleteme")
    assert "已删除" in texts(await bot.button(RESIDENT, "确定删除"))


def _raw(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


@pytest.mark.sqlite_only("reads the SQLite file and its write-ahead log byte by byte")
async def test_after_deleteme_neither_the_database_file_nor_its_log_holds_the_name_or_phone(
    bot: Harness,
) -> None:
    await a_full_life(bot)
    db_file = Path(bot.services.db.path)
    wal = db_file.with_name(db_file.name + "-wal")
    before = _raw(db_file) + _raw(wal)
    assert RESIDENT.first_name.encode() in before and PHONE.encode() in before
    await _erase(bot)
    after = _raw(db_file) + _raw(wal)
    for secret in (RESIDENT.first_name, PHONE, HALF_REPORT):
        assert secret.encode() not in after, secret


async def test_after_deleteme_no_notice_addresses_or_names_the_resident(bot: Harness) -> None:
    life = await a_full_life(bot)
    db = bot.services.db
    pending = await db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND state = 'pending'", (RESIDENT.id,)
    )
    assert pending >= 2  # the meeting reminders at least
    named = "SELECT COUNT(*) FROM outbox WHERE context LIKE '%' || ? || '%'"
    assert await db.fetchval(named, (RESIDENT.first_name,)) >= 2  # the worker's, the rep's
    await _erase(bot)

    assert await db.fetchval("SELECT COUNT(*) FROM outbox WHERE chat_id = ?", (RESIDENT.id,)) == 0
    for secret in (RESIDENT.first_name, PHONE):
        assert await db.fetchval(named, (secret,)) == 0, secret
    # The complaints stay, anonymous, with neither the link nor the rating.
    rows = await db.fetchall(
        "SELECT reporter_id, anonymous, rating FROM complaints WHERE id IN (?, ?)",
        (life.rated, life.not_fixed),
    )
    assert [tuple(r) for r in rows] == [(None, 1, None), (None, 1, None)]
    # The worker still hears of the complaint sent back for 重办, as from an anonymous
    # resident, without the reason the resident typed (theirs: gone from the history too).
    since = len(bot.fake.calls)
    await deliver(bot)
    notice = texts(bot.fake.sent_to(WORKER.id, since))
    assert "重办" in notice and "匿名" in notice and RESIDENT.first_name not in notice
    assert "根本没人来过" not in notice
    typed = "SELECT COUNT(*) FROM {} WHERE {} LIKE '%根本没人来过%'"
    assert await db.fetchval(typed.format("complaint_events", "note")) == 0
    assert await db.fetchval(typed.format("outbox", "context")) == 0
    kinds = "SELECT kind FROM complaint_events WHERE complaint_id = ? ORDER BY id"
    assert "redo" in [r[0] for r in await db.fetchall(kinds, (life.not_fixed,))]
    # The neighbour on the waiting list got the freed seat and was told, in the same step.
    assert "候补" in texts(bot.fake.sent_to(NEIGHBOUR.id, since))
    assert not bot.fake.sent_to(RESIDENT.id, since)
    assert "新预约" not in texts(bot.fake.sent_to(REP.id, since))  # gone with the booking


async def test_every_table_naming_a_person_has_nothing_left_of_them(bot: Harness) -> None:
    await a_full_life(bot)
    db = bot.services.db
    columns = await personal_columns(bot)
    await _erase(bot)
    named = {f"{t}.{c}" for t, cs in columns.items() for c in cs}
    assert all(k in columns or k in named for k in KEPT), "an allowlisted one is gone: update KEPT"
    for table, names in columns.items():
        for column in names:
            if _kept(table, column):
                continue
            left = await db.fetchval(
                f"SELECT COUNT(*) FROM {table} WHERE {matches(table, column)}", (RESIDENT.id,)
            )
            assert left == 0, f"{table}.{column} still names the erased person"
    # Their words as a mediation's applicant go; the case stays, counted, without them.
    assert await db.fetchval("SELECT summary, kind FROM mediations") == ""
    assert await db.fetchval("SELECT COUNT(*) FROM mediations WHERE kind = 'neighbour'") == 1
    saved = await db.fetchval(
        "SELECT COUNT(*) FROM ptb_conversations "
        "WHERE EXISTS (SELECT 1 FROM json_each(ptb_conversations.key) WHERE value = ?)",
        (RESIDENT.id,),
    )
    assert saved == 0


async def test_deleteme_in_the_middle_of_a_report_ends_it_and_the_old_confirm_is_stale(
    bot: Harness,
) -> None:
    life = await a_full_life(bot)
    db = bot.services.db
    filed = await db.fetchval("SELECT COUNT(*) FROM complaints")
    await _erase(bot)

    since = len(bot.fake.calls)
    await bot.press(RESIDENT, life.confirm_data, life.confirm_message)  # the old 确认提交
    assert "表单已经关闭" in " ".join(bot.fake.texts(RESIDENT.id, since))
    assert await db.fetchval("SELECT COUNT(*) FROM complaints") == filed
    since = len(bot.fake.calls)
    await bot.press(RESIDENT, "st:follow")  # /settings was left open too
    assert "已过期" in " ".join(bot.fake.answers(since))
    assert bot.app is not None
    assert not bot.app.user_data.get(RESIDENT.id)  # the draft is gone from memory too

    # Nothing of the old conversations survives a restart either.
    await bot.restart()
    since = len(bot.fake.calls)
    await bot.press(RESIDENT, life.confirm_data, life.confirm_message)
    assert "表单已经关闭" in " ".join(bot.fake.texts(RESIDENT.id, since))

    # /start works again from scratch: a new person, with nothing of the old one.
    await register(bot, RESIDENT)
    person = await people.get(db := bot.services.db, RESIDENT.id)
    assert person is not None
    assert (
        await db.fetchval("SELECT COUNT(*) FROM complaints WHERE reporter_id = ?", (RESIDENT.id,))
        == 0
    )
    assert "MH-" not in texts(await bot.send(RESIDENT, "/my"))
    assert "描述" in texts(await choose(bot, RESIDENT))


async def test_every_connection_overwrites_what_it_deletes(tmp_path: Path) -> None:
    """Some SQLite builds leave deleted bytes in free space unless told otherwise."""
    async with Database(tmp_path / "s.db") as db:
        async with db.writer.execute("PRAGMA secure_delete") as cur:
            assert tuple(await cur.fetchone() or ()) == (1,)
        for _ in range(3):  # each reader in turn
            assert await db.fetchval("PRAGMA secure_delete") == 1


async def test_a_worker_who_erases_themselves_is_no_longer_named_in_the_admins_notices(
    bot: Harness,
) -> None:
    worker = User(200077, "林小梅")  # granted without a display name: notices use her name
    grid_id = await bot.services.db.fetchval("SELECT id FROM grids WHERE code = 'SQ-01-01'")
    await people.grant(bot.services.db, worker.id, "grid_worker", bot.clock.now(), grid_id=grid_id)
    await register(bot, worker)
    await register(bot, ADMIN, zone="梅峰", community="梅峰村")
    task = await assignments.assign(
        bot.services,
        ADMIN.id,
        text="检查第一网格的消防栓",
        complaint_id=None,
        target_kind="grid_worker",
        target_id=worker.id,
        due_at=bot.clock.now() + timedelta(days=7),
    )
    await assignments.act(bot.services, task, Step.ACCEPT, worker.id)
    named = "SELECT COUNT(*) FROM outbox WHERE context LIKE '%' || ? || '%'"
    assert await bot.services.db.fetchval(named, (worker.first_name,)) >= 1
    await bot.send(worker, "/deleteme")
    await bot.button(worker, "确定删除")
    assert await bot.services.db.fetchval(named, (worker.first_name,)) == 0
    # She left the service: her role ended, so nothing of the office acts in her name.
    assert not await has_role(bot.services, worker.id, "grid_worker")
    since = len(bot.fake.calls)
    await deliver(bot)
    assert f"#{task}" in texts(bot.fake.sent_to(ADMIN.id, since))


async def test_deleteme_erases_the_household_the_resident_linked_and_stops_its_reminders(
    bot: Harness,
) -> None:
    """网格走亲: their household stays on the register only as an anonymised row (coverage)."""
    await a_full_life(bot)
    await _erase(bot)
    db = bot.services.db
    row = await db.fetchone(
        "SELECT name, address, phone, notes, status, person_id, erased_at FROM households"
    )
    assert tuple(row)[:6] == (None, None, None, None, "erased", None) and row[6] is not None
    assert await db.fetchval("SELECT note FROM visits") == ""
    pending = "SELECT COUNT(*) FROM visit_timers WHERE state = 'pending'"
    assert await db.fetchval(pending) == 0


async def test_staff_who_erase_themselves_leave_their_work_on_record_without_them_acting(
    bot: Harness,
) -> None:
    """A worker's work records stay (the household they registered, the voucher they took, the
    mediation they opened); as a provider they stop checking vouchers; their roles end."""
    life = await a_full_life(bot)
    await a_staff_life(bot, life)
    db = bot.services.db
    await bot.send(WORKER, "/deleteme")
    await bot.button(WORKER, "确定删除")
    one = "SELECT COUNT(*) FROM {} WHERE {} = ?"
    assert await db.fetchval(one.format("households", "registered_by"), (WORKER.id,)) == 1
    assert await db.fetchval(one.format("points_redemptions", "used_by"), (WORKER.id,)) == 1
    assert await db.fetchval(one.format("mediations", "opened_by"), (WORKER.id,)) == 1
    assert await db.fetchval(one.format("points_items", "provider_id"), (WORKER.id,)) == 0
    assert await db.fetchval(one.format("role_grants", "user_id"), (WORKER.id,)) == 0
