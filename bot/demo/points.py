"""The demo town's volunteer points: a small redemption catalogue (its vouchers checked by the
demo admin) and a coming volunteer activity in 上强片区, written once (invented, demo data)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.points.rules import new_code
from storage import activities, geo
from storage import points as store
from storage.activities import NewActivity
from storage.db import Database

CATALOGUE = (("环保购物袋", 20, 50), ("少儿书法课一节", 60, 20), ("少儿游泳课一节", 80, 10))


async def write_points(db: Database, admin_id: int, now: datetime) -> bool:
    """The catalogue and one activity three days ahead; False when they are there already."""
    if await store.catalogue(db):
        return False
    found = await geo.find_by_code(db, "SQ")
    assert found is not None  # the demo town has it
    start = (now + timedelta(days=3)).replace(hour=1, minute=0, second=0, microsecond=0)
    new = NewActivity(
        title="上强社区河道清洁",
        task="沿河岸捡拾垃圾、清理漂浮物（手套和夹子现场发放）",
        place="上强社区东门河埠头",
        starts_at=start,
        duration_minutes=120,
        places=8,
        points_per_hour=10,
        zone_id=found[1],
        community_id=None,
        campaign="环境综合整治 第3轮",
    )
    async with db.transaction() as conn:
        for title, points, stock in CATALOGUE:
            await store.add_item(
                conn,
                title=title,
                points=points,
                stock=stock,
                zone_id=None,
                provider_id=admin_id,
                by=admin_id,
                now=now,
            )
        await activities.insert(conn, new, (new_code(), new_code()), admin_id, now)
    return True
