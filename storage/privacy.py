"""SQL of the two rights of a person: everything stored about them (/mydata), and erasure
(/deleteme) inside the caller's transaction.

What links a row to a person, table by table (tests/people/test_privacy_export.py and
tests/people/test_privacy_erasure.py derive the list from the schema and fail on a table that is in
neither function):

- erased: people, a mediation party's link and name (and the applicant's words),
  subscriptions (follows), complaint_supporters (me too), meeting, reception and service
  bookings (with the staff's notices of them), service_staff, the voice notes of their reports,
  the outbox rows addressed to them,
  saved conversation state (ptb_*), the name and phone staff recorded when they filed a case
  for them (代办, complaint_proxies: the row stays as the office's record of the filing,
  without them), their volunteer places, points ledger rows, family links and invitations and
  honour opt-in (a voucher stays as the provider's record, without them), a household on the
  home-visit register they linked as theirs (households: its name, address, phone, emergency
  contact and notes, its visits' notes, photos and places; the anonymised row and the visits
  stay for coverage — `storage.visits.erase_household`, called by `bot.people.privacy.erase` in
  the same transaction);
- anonymised: complaints (the problem stays for statistics; the link, the rating and the name
  in staff notices go; the answer 满意 / 基本满意 and the count of 重办 stay as the case's
  outcome, like its status), complaint and assignment events (the actor; the words they typed
  when sending a case back — the 不满意 / reopen reason — go, from the history and from the
  notices), meeting topics, a staff member's first name in the notices of work given to them;
- kept, and exported: role grants (granted and revoked by an admin) and a staff member's
  work records — their patrols (where and when), the assignments given to them, the
  reception days they held, the suggestions they filed as a representative, the cases they
  filed for residents (代办: the case and when, not the resident's name or phone), the
  volunteer activities they organised, the home visits they made (网格走亲: the household's
  number and kind, when, where, what they found), the households they registered or whose
  consent they recorded (the number and kind, when — not the household's name, address or
  phone), the grants they made, the work they gave, the meetings they organised or closed,
  the broadcasts and bulletins they sent, the mediations they opened from a case and the
  consents they recorded (the case and the answer, not the party's name), the catalogue items
  they added, the vouchers they took (the item and when, not whose), the points corrections
  they made (the amount and their note, not whose), the wall-screen links they made. A
  provider who erases themselves stops checking an item's vouchers (provider_id goes).
"""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from storage.db import Database
from storage.privacy_staff import STAFF_EXPORT

# The person's rows in every table that holds them, for /mydata: (section, SQL).
_EXPORT: tuple[tuple[str, str], ...] = (
    (
        "roles",
        """SELECT role, grid_id, department_id, zone_id, display_name, granted_at
           FROM role_grants WHERE user_id = ? ORDER BY id""",
    ),
    (
        "complaints",
        """SELECT number, kind, status, description, address, latitude, longitude, anonymous,
                  satisfaction, rating, redo_count, close_reason, created_at, closed_at
           FROM complaints WHERE reporter_id = ? ORDER BY id""",
    ),
    (
        "voice_notes",
        """SELECT c.number, v.duration, v.file_id FROM complaint_voices v
           JOIN complaints c ON c.id = v.complaint_id WHERE c.reporter_id = ? ORDER BY v.id""",
    ),
    (
        "ratings",
        """SELECT number, satisfaction, rating, closed_at FROM complaints
           WHERE reporter_id = ? AND (rating IS NOT NULL OR satisfaction IS NOT NULL)
           ORDER BY closed_at, id""",
    ),
    (
        "complaint_events",
        """SELECT c.number, e.at, e.kind, e.from_status, e.to_status, e.note
           FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id
           WHERE e.actor_id = ? ORDER BY e.at, e.id""",
    ),
    (
        "me_too",
        """SELECT c.number, s.at, s.satisfaction, s.answered_at, s.reason
           FROM complaint_supporters s
           JOIN complaints c ON c.id = s.complaint_id WHERE s.person_id = ? ORDER BY s.at""",
    ),
    (
        "filed_for_you",
        """SELECT c.number, x.name, x.phone, x.consent_at, x.filed_at, x.linked_at
           FROM complaint_proxies x JOIN complaints c ON c.id = x.complaint_id
           WHERE x.person_id = ? ORDER BY x.complaint_id""",
    ),
    (
        "mediations",
        """SELECT m.number, m.kind, m.status, m.summary, m.opened_at, m.closed_at, p.side,
                  p.name, p.consent, p.consent_at, p.kept, p.answered_at
           FROM mediation_parties p JOIN mediations m ON m.id = p.mediation_id
           WHERE p.person_id = ? ORDER BY m.id""",
    ),
    (
        "mediated_by_you",
        """SELECT number, kind, status, opened_at, closed_at FROM mediations
           WHERE mediator_id = ? ORDER BY id""",
    ),
    (
        "follows",
        """SELECT z.code, z.name FROM subscriptions s JOIN zones z ON z.id = s.zone_id
           WHERE s.person_id = ? ORDER BY z.code""",
    ),
    (
        "meeting_bookings",
        """SELECT m.title, m.place, m.starts_at, b.status, b.code, b.checked_in_at,
                  b.created_at
           FROM meeting_bookings b JOIN meetings m ON m.id = b.meeting_id
           WHERE b.person_id = ? ORDER BY b.id""",
    ),
    (
        "meeting_topics",
        """SELECT m.title, t.text, t.created_at FROM meeting_topics t
           JOIN meetings m ON m.id = t.meeting_id WHERE t.person_id = ? ORDER BY t.id""",
    ),
    (
        "reception_bookings",
        """SELECT st.name AS station, s.starts_at, b.topic, b.outcome, b.created_at
           FROM reception_bookings b JOIN reception_sessions s ON s.id = b.session_id
           JOIN liaison_stations st ON st.id = s.station_id
           WHERE b.person_id = ? ORDER BY b.id""",
    ),
    (
        "service_bookings",
        """SELECT p.name AS point, b.starts_at, b.topic, b.status, b.created_at
           FROM service_bookings b JOIN service_points p ON p.id = b.point_id
           WHERE b.person_id = ? ORDER BY b.id""",
    ),
    (
        "service_staff",
        """SELECT p.code, p.name, s.granted_at FROM service_staff s
           JOIN service_points p ON p.id = s.point_id WHERE s.user_id = ? ORDER BY p.code""",
    ),
    (
        "assignment_events",
        """SELECT assignment_id, at, kind, note FROM assignment_events
           WHERE actor_id = ? ORDER BY at, id""",
    ),
    (
        "patrols",
        """SELECT g.name AS grid, p.at, p.latitude, p.longitude, p.address, p.note,
                  p.hazard_found, c.number
           FROM patrols p JOIN grids g ON g.id = p.grid_id
           LEFT JOIN complaints c ON c.id = p.complaint_id
           WHERE p.worker_id = ? ORDER BY p.at, p.id""",
    ),
    (
        "assignments",
        """SELECT id, subject_kind, text, status, due_at, created_at FROM assignments
           WHERE assignee_id = ? ORDER BY id""",
    ),
    (
        "reception_sessions",
        """SELECT st.name AS station, s.starts_at, s.duration_minutes, s.slots, s.status
           FROM reception_sessions s JOIN liaison_stations st ON st.id = s.station_id
           WHERE s.representative_id = ? ORDER BY s.starts_at, s.id""",
    ),
    (
        "supervision_items",
        """SELECT c.number, s.source, s.created_at FROM supervision_items s
           JOIN complaints c ON c.id = s.complaint_id
           WHERE s.representative_id = ? ORDER BY s.created_at, c.id""",
    ),
    (
        "filed_by_you",
        """SELECT c.number, x.consent_at, x.filed_at, x.person_id IS NOT NULL AS linked
           FROM complaint_proxies x JOIN complaints c ON c.id = x.complaint_id
           WHERE x.filed_by = ?1 OR x.consent_by = ?1 ORDER BY x.complaint_id""",
    ),
    (
        "home_visits",
        """SELECT h.kind, h.cadence_days, h.name, h.address, h.phone, h.emergency_contact,
                  h.notes, h.consent_at, h.registered_at,
                  (SELECT COUNT(*) FROM visits v WHERE v.household_id = h.id) AS visits,
                  (SELECT MAX(v.at) FROM visits v WHERE v.household_id = h.id) AS last_visit
           FROM households h WHERE h.person_id = ? ORDER BY h.id""",
    ),
    (
        "visits_made",
        """SELECT v.household_id AS household, h.kind, g.name AS grid, v.at, v.latitude,
                  v.longitude, v.finding, v.note, c.number
           FROM visits v JOIN households h ON h.id = v.household_id
           JOIN grids g ON g.id = v.grid_id LEFT JOIN complaints c ON c.id = v.complaint_id
           WHERE v.worker_id = ? ORDER BY v.at, v.id""",
    ),
    (
        "dispatch_requests",
        """SELECT c.number, r.kind, r.reason, r.new_due_at, r.status, r.created_at,
                  r.decided_at, r.requested_by = ?1 AS asked_by_you
           FROM dispatch_requests r JOIN complaints c ON c.id = r.complaint_id
           WHERE r.requested_by = ?1 OR r.decided_by = ?1 ORDER BY r.id""",
    ),
    (
        "volunteering",
        """SELECT a.title, a.place, a.starts_at, s.status, s.code, s.checked_in_at,
                  s.checked_out_at, s.minutes, s.created_at
           FROM volunteer_signups s JOIN volunteer_activities a ON a.id = s.activity_id
           WHERE s.person_id = ? ORDER BY s.id""",
    ),
    (
        "activities_organised",
        """SELECT id, title, place, starts_at, status, created_at FROM volunteer_activities
           WHERE created_by = ? ORDER BY id""",
    ),
    (
        "points",
        """SELECT amount, cause, ref, note, at FROM points_ledger
           WHERE person_id = ? ORDER BY id""",
    ),
    (
        "vouchers",
        """SELECT i.title, r.points, r.code, r.status, r.created_at, r.used_at,
                  r.person_id = ?1 AS paid_by_you, r.beneficiary_id = ?1 AS for_you
           FROM points_redemptions r JOIN points_items i ON i.id = r.item_id
           WHERE r.person_id = ?1 OR r.beneficiary_id = ?1 ORDER BY r.id""",
    ),
    (
        "family",
        """SELECT f.member_id, p.first_name, f.linked_at FROM family_links f
           LEFT JOIN people p ON p.id = f.member_id WHERE f.person_id = ? ORDER BY f.linked_at""",
    ),
    (
        "family_invites",
        """SELECT code, created_at, expires_at, used_at FROM family_invites
           WHERE person_id = ? ORDER BY created_at""",
    ),
    ("honour", "SELECT named, at FROM volunteer_honour WHERE person_id = ?"),
    (
        "notices",
        """SELECT kind, template, context, state, due_at, sent_at, created_at
           FROM outbox WHERE chat_id = ? ORDER BY due_at, id""",
    ),
    (
        "screen_links",
        """SELECT created_at, expires_at, used_at FROM dashboard_links
           WHERE user_id = ? ORDER BY id""",
    ),
    (
        "screen_sessions",
        """SELECT created_at, expires_at, revoked_at FROM dashboard_sessions
           WHERE user_id = ? ORDER BY id""",
    ),
    ("saved_user_data", "SELECT data FROM ptb_user_data WHERE user_id = ?"),
    ("saved_chat_data", "SELECT data FROM ptb_chat_data WHERE chat_id = ?"),
    (
        "saved_conversations",
        """SELECT name, key, state AS step FROM ptb_conversations
           WHERE EXISTS (SELECT 1 FROM json_each(ptb_conversations.key) WHERE value = ?)
           ORDER BY name""",
    ),
)
# A staff member's work records (storage/privacy_staff.py), after the rest.
_EXPORT = _EXPORT + STAFF_EXPORT
_JSON_COLUMNS = frozenset({"context", "data", "key", "step"})


async def export(db: Database, user_id: int) -> dict[str, Any]:
    """Everything stored about a person, section by section (JSON values parsed)."""
    person = await db.fetchone(
        """SELECT p.*, c.name AS community, g.name AS grid FROM people p
           LEFT JOIN grids g ON g.id = p.grid_id
           LEFT JOIN communities c ON c.id = g.community_id WHERE p.id = ?""",
        (user_id,),
    )
    found: dict[str, Any] = {"person": dict(person) if person else None}
    for section, sql in _EXPORT:
        rows = await db.fetchall(sql, (user_id,))
        found[section] = [
            {k: json.loads(v) if k in _JSON_COLUMNS else v for k, v in dict(r).items()}
            for r in rows
        ]
    return found


# Erasure, in this order (the person's row goes last: its cascades take the rest).
_ERASE: tuple[str, ...] = (
    # Staff notices about their complaints lose the name, the rating, the answer of
    # satisfaction and the reason they typed for 重办 or reopening (sent ones too).
    """UPDATE outbox SET context = json_replace(context, '$.reporter', NULL, '$.rating', NULL,
                                                '$.satisfaction', NULL, '$.reason', NULL)
       WHERE json_extract(context, '$.number') IN (
           SELECT number FROM complaints WHERE reporter_id = ?1)""",
    """UPDATE outbox SET context = json_replace(context, '$.note', '')
       WHERE json_extract(context, '$.event') IN ('redo', 'reopened')
         AND json_extract(context, '$.number') IN (
             SELECT number FROM complaints WHERE reporter_id = ?1)""",
    # A staff member's first name in notices of work given to them: the name as an admin
    # granted it stays, else their id (the same rule as bot.assignments.notices.assignee_name).
    """UPDATE outbox SET context = json_replace(context, '$.assignee', (
           SELECT COALESCE(NULLIF(MAX(r.display_name), ''), CAST(?1 AS TEXT))
           FROM role_grants r WHERE r.user_id = ?1))
       WHERE template LIKE 'assignments.%'
         AND CAST(json_extract(context, '$.number') AS INTEGER) IN (
             SELECT id FROM assignments WHERE assignee_id = ?1)
         AND json_extract(context, '$.assignee') = (SELECT first_name FROM people WHERE id = ?1)""",
    # A staff member's first name on the dispatch centre's notices of their requests: the
    # name an admin granted stays, else their id (their requests stay on the cases' record).
    """UPDATE outbox SET context = json_replace(context, '$.by', CAST(?1 AS TEXT))
       WHERE template LIKE 'dispatch.%'
         AND json_extract(context, '$.by') = (SELECT first_name FROM people WHERE id = ?1)""",
    "UPDATE dispatch_requests SET requested_by = NULL WHERE requested_by = ?1",
    "UPDATE dispatch_requests SET decided_by = NULL WHERE decided_by = ?1",
    # The representative's notice of their reception booking goes with the booking.
    """DELETE FROM outbox WHERE EXISTS (
           SELECT 1 FROM reception_bookings b WHERE b.person_id = ?1
             AND outbox.dedupe_key LIKE 'rcp:' || b.session_id || ':b' || b.id || ':%')""",
    # The staff's notices of their service bookings (they name them, and say the topic).
    """DELETE FROM outbox WHERE EXISTS (
           SELECT 1 FROM service_bookings b WHERE b.person_id = ?1
             AND outbox.dedupe_key LIKE 'svc:b' || b.id || ':%')""",
    # Every notice addressed to them, whatever its state (reminders, answers, broadcasts).
    "DELETE FROM outbox WHERE chat_id = ?1",
    # Their voice is theirs: the voice notes of their reports go (the words typed stay).
    """DELETE FROM complaint_voices
       WHERE complaint_id IN (SELECT id FROM complaints WHERE reporter_id = ?1)""",
    # The problem stays on record (place, photos, history); the link, the rating go.
    "UPDATE complaints SET anonymous = 1, rating = NULL WHERE reporter_id = ?1",
    # The reason typed for 重办 or reopening is theirs; the step stays in the history.
    """UPDATE complaint_events SET note = ''
       WHERE actor_id = ?1 AND kind IN ('redo', 'reopened')""",
    "UPDATE complaint_events SET actor_id = NULL WHERE actor_id = ?1",
    "UPDATE assignment_events SET actor_id = NULL WHERE actor_id = ?1",
    "UPDATE meeting_topics SET person_id = NULL WHERE person_id = ?1",
    # A case staff filed for them (代办): their name and phone go, the filing stays.
    """UPDATE complaint_proxies SET name = NULL, phone = NULL, person_id = NULL
       WHERE person_id = ?1""",
    # Volunteer points: their places, points, family links, invitations and honour opt-in go;
    # a voucher stays as the provider's record, without them; their name leaves the notices
    # their family members got of them.
    """UPDATE outbox SET context = json_replace(context, '$.name', '', '$.giver', '')
       WHERE template IN ('points.family_linked', 'points.gift_received',
                          'points.voucher_for_you')
         AND chat_id IN (SELECT member_id FROM family_links WHERE person_id = ?1)""",
    "DELETE FROM volunteer_signups WHERE person_id = ?1",
    "DELETE FROM points_ledger WHERE person_id = ?1",
    "UPDATE points_redemptions SET person_id = NULL WHERE person_id = ?1",
    "UPDATE points_redemptions SET beneficiary_id = NULL WHERE beneficiary_id = ?1",
    "DELETE FROM family_links WHERE person_id = ?1 OR member_id = ?1",
    "DELETE FROM family_invites WHERE person_id = ?1",
    "DELETE FROM volunteer_honour WHERE person_id = ?1",
    # Mediation (矛盾调解): what an applicant typed goes; a party's link and name go; the
    # case's kind, outcome and the follow-up's answer stay for the statistics.
    """UPDATE mediations SET summary = '' WHERE id IN (SELECT mediation_id
           FROM mediation_parties WHERE person_id = ?1 AND side = 'applicant')""",
    "UPDATE mediation_parties SET consent_by = NULL WHERE consent_by = ?1",
    "UPDATE mediation_parties SET person_id = NULL, name = NULL WHERE person_id = ?1",
    "DELETE FROM subscriptions WHERE person_id = ?1",
    "DELETE FROM complaint_supporters WHERE person_id = ?1",
    "DELETE FROM meeting_bookings WHERE person_id = ?1",
    "DELETE FROM reception_bookings WHERE person_id = ?1",
    "DELETE FROM service_bookings WHERE person_id = ?1",
    # A service point's staff who erase themselves leave it (like their roles).
    "DELETE FROM service_staff WHERE user_id = ?1",
    # Saved conversation state: any conversation keyed by them (private chat or group).
    """DELETE FROM ptb_conversations
       WHERE EXISTS (SELECT 1 FROM json_each(ptb_conversations.key) WHERE value = ?1)""",
    "DELETE FROM ptb_user_data WHERE user_id = ?1",
    # The command centre's screen: their login links and sessions (a kiosk they made stays).
    "DELETE FROM dashboard_links WHERE user_id = ?1",
    "DELETE FROM dashboard_sessions WHERE user_id = ?1",
    "DELETE FROM ptb_chat_data WHERE chat_id = ?1",
    # A provider who erases themselves no longer checks the item's vouchers (admins still do);
    # the item, the vouchers they took and the rest of their work stay (the docstring's list).
    "UPDATE points_items SET provider_id = NULL WHERE provider_id = ?1",
    # Staff who erase themselves leave the service: their roles end (an admin may grant
    # them again); their past work stays on record under the office's name for them.
    "DELETE FROM role_grants WHERE user_id = ?1",
    "DELETE FROM people WHERE id = ?1",
)


async def erase_in(conn: aiosqlite.Connection, user_id: int) -> int:
    """Erase a person inside the caller's transaction; returns the complaints kept anonymised."""
    cur = await conn.execute("SELECT COUNT(*) FROM complaints WHERE reporter_id = ?", (user_id,))
    row = await cur.fetchone()
    kept = int(row[0]) if row else 0
    for statement in _ERASE:
        await conn.execute(statement, (user_id,))
    return kept
