-- jml/leavers_access.sql
--
-- Every access still held by the leavers of jml/leavers.sql (HR leaver
-- events with an effective date from :from to :to, UTC dates, both
-- included), one row each: the leaver, the account holding it, its kind,
-- its name and, where the snapshot knows it, since when.
--
-- Kinds: Entra group (a direct membership), Entra group owner, PIM for
-- groups (an eligible membership or ownership), Entra role (a directory role
-- assignment, active or eligible), Access package, App role (on the
-- application named), AD group (a direct membership of the AD account).
-- Dated assignments count when in force at :as_of; memberships and
-- ownerships have no dates in the snapshot ("since" is empty) and are as it
-- found them. The same rules as jml/leavers.sql, which counts these rows.
--
-- Run it in the sqlite3 shell:
--   .param set :from "'2026-09-01T00:00:00Z'"
--   .param set :to "'2026-10-31T00:00:00Z'"
--   .param set :sla_days 1
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .read queries/jml/leavers_access.sql
WITH leavers AS MATERIALIZED (
    SELECT e.rowid AS event, e.employee_id, e.effective_date AS left_on,
           hp.display_name AS person,
           strftime('%Y-%m-%dT%H:%M:%SZ', e.effective_date, '+1 day')
               AS next_day,
           strftime('%Y-%m-%dT%H:%M:%SZ', e.effective_date,
                    :sla_days || ' days') AS deadline
    FROM hr_events e
    LEFT JOIN hr_people hp ON hp.employee_id = e.employee_id
    WHERE e.event_type = 'leaver'
      AND e.effective_date BETWEEN substr(:from, 1, 10) AND substr(:to, 1, 10)
),
entra AS MATERIALIZED (
    SELECT l.event, u.pk, u.display_name, u.user_principal_name AS account,
           coalesce(u.account_enabled, 1) AS enabled,
           u.last_sign_in_date_time AS last_seen
    FROM leavers l
    JOIN users u ON u.employee_id = l.employee_id
),
ad AS MATERIALIZED (
    SELECT l.event, a.sam_account_name AS account,
           coalesce(a.enabled, 1) AS enabled, a.last_logon_date AS last_seen
    FROM leavers l
    JOIN ad_users a ON a.employee_id = l.employee_id
),
-- CROSS JOIN keeps SQLite's join order: from the leavers' few accounts into
-- each table's index on them, never a scan of the tenant's memberships.
-- ad_group_members has no index on member: it is read once, each row looked
-- up among the leavers' AD accounts.
held (event, account, kind, name, since) AS (
    SELECT a.event, a.account, 'Entra group', g.display_name, NULL
    FROM entra a
    CROSS JOIN group_members m ON m.member_pk = a.pk
    JOIN groups g ON g.pk = m.group_pk
    UNION ALL
    SELECT a.event, a.account, 'Entra group owner', g.display_name, NULL
    FROM entra a
    CROSS JOIN group_owners o ON o.owner_pk = a.pk
    JOIN groups g ON g.pk = o.group_pk
    UNION ALL
    SELECT a.event, a.account, 'PIM for groups',
           g.display_name || ' (eligible ' || p.access_id || ')',
           p.start_date_time
    FROM entra a
    CROSS JOIN pim_group_assignments p ON p.principal_pk = a.pk
    JOIN groups g ON g.pk = p.group_pk
    WHERE p.state = 'eligible'
      AND (p.start_date_time IS NULL OR p.start_date_time <= :as_of)
      AND (p.end_date_time IS NULL OR p.end_date_time > :as_of)
    UNION ALL
    SELECT a.event, a.account, 'Entra role',
           rd.display_name || ' (' || ra.state || ')', ra.start_date_time
    FROM entra a
    CROSS JOIN role_assignments ra ON ra.principal_pk = a.pk
    JOIN role_definitions rd ON rd.pk = ra.role_definition_pk
    WHERE (ra.start_date_time IS NULL OR ra.start_date_time <= :as_of)
      AND (ra.end_date_time IS NULL OR ra.end_date_time > :as_of)
    UNION ALL
    SELECT a.event, a.account, 'Access package', ap.display_name,
           x.start_date_time
    FROM entra a
    CROSS JOIN access_package_assignments x ON x.target_pk = a.pk
    JOIN access_packages ap ON ap.pk = x.access_package_pk
    WHERE coalesce(x.state, '') <> 'expired'
      AND (x.start_date_time IS NULL OR x.start_date_time <= :as_of)
      AND (x.end_date_time IS NULL OR x.end_date_time > :as_of)
    UNION ALL
    SELECT a.event, a.account, 'App role',
           r.display_name || ' (app role ' ||
               coalesce(x.app_role_id, 'default') || ')',
           x.created_date_time
    FROM entra a
    CROSS JOIN app_role_assignments x ON x.principal_pk = a.pk
    JOIN principals r ON r.pk = x.resource_pk
    WHERE x.created_date_time IS NULL OR x.created_date_time <= :as_of
    UNION ALL
    SELECT a.event, a.account, 'AD group', m.group_name, NULL
    FROM ad_group_members m
    CROSS JOIN ad a ON a.account = m.member COLLATE NOCASE
    WHERE coalesce(m.member_class, 'user') = 'user'
)

SELECT coalesce(l.person, (SELECT min(u.display_name) FROM users u
                           WHERE u.employee_id = l.employee_id),
                l.employee_id) AS person,
       l.employee_id,
       l.left_on AS termination_date,
       h.account,
       h.kind,
       h.name,
       h.since,
       :as_of > l.deadline AS past_deadline
FROM held h
JOIN leavers l ON l.event = h.event
ORDER BY termination_date, person, l.employee_id, h.kind, h.name, h.account;
