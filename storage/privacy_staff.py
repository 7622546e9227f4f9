"""The /mydata sections of a staff member's work records (`storage.privacy` exports them after
the rest; /deleteme keeps the rows, see its docstring). Each says what the staff member did and
when, without any resident's name, phone or words: a household by its number, a voucher by its
item, a points correction by its amount."""

from __future__ import annotations

STAFF_EXPORT: tuple[tuple[str, str], ...] = (
    (
        "roles_granted",
        """SELECT user_id, role, grid_id, department_id, zone_id, granted_at FROM role_grants
           WHERE granted_by = 'telegram:' || CAST(? AS TEXT) ORDER BY id""",
    ),
    (
        "work_given",
        """SELECT id, subject_kind, text, status, due_at, created_at FROM assignments
           WHERE assigned_by = ? ORDER BY id""",
    ),
    (
        "meetings_organised",
        """SELECT id, title, place, starts_at, status, created_by = ?1 AS created_by_you,
                  result_by = ?1 AS result_by_you
           FROM meetings WHERE created_by = ?1 OR result_by = ?1 ORDER BY id""",
    ),
    (
        "broadcasts_sent",
        """SELECT id, audience, text, urgent, status, created_at FROM broadcasts
           WHERE created_by = ?1 OR progress_chat_id = ?1 ORDER BY id""",
    ),
    (
        "bulletins_published",
        """SELECT id, period_kind, period_start, period_end, created_at FROM bulletins
           WHERE created_by = ? ORDER BY id""",
    ),
    (
        "households_registered",
        """SELECT h.id AS household, h.kind, g.name AS grid, h.consent_at, h.registered_at,
                  h.status, h.registered_by = ?1 AS registered_by_you,
                  h.consent_by = ?1 AS consent_by_you
           FROM households h JOIN grids g ON g.id = h.grid_id
           WHERE h.registered_by = ?1 OR h.consent_by = ?1 ORDER BY h.id""",
    ),
    (
        "mediations_opened",
        """SELECT number, kind, status, opened_at, closed_at FROM mediations
           WHERE opened_by = ? ORDER BY id""",
    ),
    (
        "mediation_consents_recorded",
        """SELECT m.number, p.side, p.consent, p.consent_at
           FROM mediation_parties p JOIN mediations m ON m.id = p.mediation_id
           WHERE p.consent_by = ? ORDER BY p.id""",
    ),
    (
        "catalogue_items",
        """SELECT id, title, points, stock, active, created_at, provider_id = ?1 AS you_provide,
                  created_by = ?1 AS created_by_you
           FROM points_items WHERE provider_id = ?1 OR created_by = ?1 ORDER BY id""",
    ),
    (
        "vouchers_checked",
        """SELECT r.id AS voucher, i.title, r.points, r.used_at
           FROM points_redemptions r JOIN points_items i ON i.id = r.item_id
           WHERE r.used_by = ? ORDER BY r.id""",
    ),
    (
        "points_corrections",
        """SELECT id, amount, cause, note, at FROM points_ledger WHERE by_id = ? ORDER BY id""",
    ),
    (
        "screen_kiosks",
        """SELECT id, label, zones, created_at, revoked_at FROM dashboard_kiosks
           WHERE created_by = ? ORDER BY id""",
    ),
)
