"""Plain dataclasses returned by the data access functions (never raw rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """A role granted to a person (role_grants.role)."""

    ADMIN = "admin"
    GRID_WORKER = "grid_worker"
    DEPARTMENT = "department"
    REPRESENTATIVE = "representative"
    DISPATCHER = "dispatcher"  # 指挥中心: town-wide, or one zone (分中心) when zone_id is set
    MEDIATOR = "mediator"  # 调解员: one zone when zone_id is set, else the whole town


ROLES = tuple(Role)


@dataclass(frozen=True)
class Zone:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Community:
    id: int
    zone_id: int
    code: str
    name: str


@dataclass(frozen=True)
class Grid:
    id: int
    community_id: int
    code: str
    name: str
    community_name: str
    zone_id: int
    zone_name: str

    @property
    def full_name(self) -> str:
        return f"{self.zone_name} · {self.community_name} · {self.name}"


@dataclass(frozen=True)
class Department:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Category:
    id: int
    code: str
    name: str
    name_en: str
    is_hazard: bool
    department_id: int | None
    ack_days: int
    resolve_days: int

    def label(self, language: str) -> str:
        return self.name_en if language == "en" else self.name


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str
    language: str
    grid_id: int | None
    consented_at: datetime
    mute_broadcasts: bool
    blocked_at: datetime | None


@dataclass(frozen=True)
class RoleGrant:
    user_id: int
    role: str
    grid_id: int | None
    department_id: int | None
    display_name: str


@dataclass(frozen=True)
class ComplaintEvent:
    at: datetime
    kind: str
    from_status: str | None
    to_status: str | None
    note: str


@dataclass(frozen=True)
class Complaint:
    id: int
    number: str
    kind: str
    category_id: int
    grid_id: int
    reporter_id: int | None
    anonymous: bool
    description: str
    address: str | None
    latitude: float | None
    longitude: float | None
    status: str
    department_id: int | None
    created_at: datetime
    photo_file_ids: tuple[str, ...] = ()
    events: tuple[ComplaintEvent, ...] = field(default=())
    voice_file_ids: tuple[str, ...] = ()  # voice notes the resident sent, in order
    updated_at: datetime | None = None
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    rating: int | None = None
    ack_due_at: datetime | None = None
    resolve_due_at: datetime | None = None
    escalated_at: datetime | None = None
    parent_id: int | None = None
    resolution_note: str | None = None
    satisfaction: str | None = None  # the answer to the last 办结: satisfied, basic
    redo_count: int = 0  # times a 不满意 sent it back for 重办
