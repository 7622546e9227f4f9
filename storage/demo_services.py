"""The demo town's service points (15分钟服务圈), invented around 埭溪镇's demo grids: a dozen
健康小屋, 驿站, 心理咨询室, 党群服务中心, 便民服务中心 and 养老 places, each placed a little off its
grid's centre (`storage.demo_places.centre`)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage import services
from storage.demo_places import centre
from storage.services import Hours, PointIn

OFFICE: Hours = {d: [(510, 690), (810, 1020)] for d in range(5)}  # Mon–Fri 8:30-11:30, 13:30-17:00
DAILY: Hours = {d: [(450, 1170)] for d in range(7)}  # every day 7:30-19:30


def _hours(days: range, *ranges: tuple[int, int]) -> Hours:
    return {d: list(ranges) for d in days}


# code, name, kind, grid, (north, east) offset in degrees, address, hours, holidays closed,
# phone, services, accessibility, slot minutes, capacity
_POINTS = (
    ("SP-TOWN-01", "埭溪镇便民服务中心", "affairs", "SQ-01-01", (0.001, 0.001),
     "埭溪镇人民政府一楼", {**OFFICE, 5: [(540, 720)]}, True, "0572-3600101",
     ("社保办理", "医保办理", "居住证", "户籍咨询", "代办"), "无障碍通道，一楼办理", 0, 1),
    ("SP-SQ-PARTY", "上强社区党群服务中心", "party", "SQ-01-01", (-0.002, 0.002), "上强路18号",
     _hours(range(7), (510, 1080)), True, "0572-3600102", ("党员活动", "图书角", "量血压"),
     "无障碍坡道", 0, 1),
    ("SP-SQ-HEALTH", "上强社区健康小屋", "health", "SQ-01-01", (0.003, -0.003), "东升小区南门旁",
     _hours(range(7), (480, 690), (840, 1020)), True, "0572-3600103",
     ("量血压", "测血糖", "体重体脂", "健康咨询"), "轮椅可进入", 0, 1),
    ("SP-TOWN-CLINIC", "埭溪镇卫生院", "clinic", "SQ-01-01", (-0.004, -0.002), "上强路66号",
     _hours(range(7), (450, 1020)), False, "0572-3600120", ("门诊", "体检预约", "疫苗接种"),
     "无障碍通道、轮椅可借", 30, 3),
    ("SP-TOWN-XL", "埭溪镇心理咨询室", "counselling", "SQ-01-02", (0.002, -0.002),
     "锦绣家园1幢一楼", {1: [(840, 1020)], 3: [(840, 1020)], 5: [(540, 720)]}, True,
     "0572-3600188", ("心理咨询", "情绪疏导", "家庭关系"), "一楼，独立出入口", 60, 1),
    ("SP-DH-YZ", "东红村丰收驿站", "station", "SQ-02-01", (0.001, 0.003), "东红村文化礼堂东侧",
     DAILY, False, "0572-3600131", ("快递代收", "农产品代销", "便民缴费"), "", 0, 1),
    ("SP-DH-YL", "东红村居家养老服务照料中心", "elderly", "SQ-02-01", (-0.003, 0.0), "东红路9号",
     _hours(range(7), (420, 1080)), False, "0572-3600132", ("老年助餐", "日间照料", "理发"),
     "无障碍卫生间", 0, 1),
    ("SP-YS-PARTY", "阳山社区党群服务中心", "party", "YS-01-01", (0.0, 0.002), "阳山路1号",
     OFFICE, True, "0572-3600141", ("党员活动", "代办", "社保咨询"), "", 0, 1),
    ("SP-YS-HEALTH", "阳山社区健康小屋", "health", "YS-01-01", (0.002, -0.002), "阳光小区3幢旁",
     _hours(range(6), (480, 690)), True, "0572-3600142", ("量血压", "测血糖", "体检预约"),
     "", 30, 2),
    ("SP-YS-YZ", "阳山工业园职工驿站", "station", "YS-01-02", (0.001, 0.001), "园区大道88号",
     DAILY, False, "", ("快递代收", "休息饮水", "手机充电"), "", 0, 1),
    ("SP-MF-BM", "梅峰村便民服务中心", "affairs", "MF-01-01", (0.001, 0.0), "梅峰路2号",
     OFFICE, True, "0572-3600151", ("代办", "医保办理", "证明开具"), "", 0, 1),
    ("SP-MF-YZ", "梅峰村丰收驿站", "station", "MF-01-02", (0.0, 0.001), "梅溪路茶厂对面",
     DAILY, False, "", ("快递代收", "农产品代销"), "", 0, 1),
    ("SP-LHT-HEALTH", "老虎潭村健康小屋", "health", "LHT-01-01", (0.001, 0.001),
     "老虎潭村便民服务中心旁", OFFICE, True, "", ("量血压", "测血糖"), "", 0, 1),
    ("SP-LJZ-YL", "鲁家庄村居家养老服务站", "elderly", "LHT-02-01", (0.0, -0.001),
     "鲁家庄村文化礼堂", _hours(range(7), (480, 990)), False, "", ("老年助餐", "文体活动"), "",
     0, 1),
)  # fmt: skip


def demo_points() -> list[PointIn]:
    """The demo town's service points."""
    found = []
    for code, name, kind, grid, (
        north,
        east,
    ), address, hours, closed, phone, offered, access, slot, cap in _POINTS:
        lat, lng = centre(grid)
        found.append(
            PointIn(
                code=code,
                name=name,
                kind=kind,
                address=address,
                latitude=round(lat + north, 6),
                longitude=round(lng + east, 6),
                grid_code=grid,
                hours=hours,
                holidays_closed=closed,
                phone=phone,
                services=offered,
                accessibility=access,
                slot_minutes=slot,
                slot_capacity=cap,
                private=kind == "counselling",
            )
        )
    return found


async def save_demo(conn: aiosqlite.Connection, now: datetime) -> None:
    """The demo points, once (a point an admin edited keeps its edits)."""
    cur = await conn.execute("SELECT COUNT(*) FROM service_points WHERE is_demo = 1")
    row = await cur.fetchone()
    if row and row[0]:
        return
    cur = await conn.execute("SELECT code, id FROM grids")
    grids = {r[0]: int(r[1]) for r in await cur.fetchall()}
    points = [(p, grids.get(p.grid_code or "")) for p in demo_points()]
    await services.save(conn, points, now, demo=True)
