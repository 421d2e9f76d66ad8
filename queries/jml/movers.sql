-- jml/movers.sql
--
-- One row per HR mover event with an effective date from :from to :to (the
-- UTC dates of the two parameters, both included): the person's accounts
-- (Entra ID and AD users with the employee id), how many group memberships
-- of the department they left they still hold, which, and a verdict. Which
-- memberships count, and a group's department, are as jml/movers_access.sql
-- describes (it lists them one by one).
--
-- Verdict, from the snapshot alone (it holds no audit log, so not when a
-- membership was removed):
--   No account  no Entra ID or AD user has the employee id
--   Compliant   no membership of the old department's groups remains
--   Open        some remain, and :as_of is not past the deadline
--   Late        some remain and :as_of is past the deadline
-- The deadline is the move's date (its midnight UTC) plus :sla_days days;
-- days_past_sla counts the whole days from the deadline to :as_of.
--
-- Run it in the sqlite3 shell:
--   .param set :from "'2026-08-01T00:00:00Z'"
--   .param set :to "'2026-10-31T00:00:00Z'"
--   .param set :sla_days 5
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .read queries/jml/movers.sql
WITH movers AS MATERIALIZED (
    SELECT e.rowid AS event, e.employee_id, e.effective_date AS moved,
           e.from_department, e.to_department, hp.display_name AS person,
           strftime('%Y-%m-%dT%H:%M:%SZ', e.effective_date,
                    :sla_days || ' days') AS deadline
    FROM hr_events e
    LEFT JOIN hr_people hp ON hp.employee_id = e.employee_id
    WHERE e.event_type = 'mover'
      AND e.effective_date BETWEEN substr(:from, 1, 10) AND substr(:to, 1, 10)
),
entra AS MATERIALIZED (
    SELECT v.event, u.pk, u.display_name, u.user_principal_name AS account
    FROM movers v
    JOIN users u ON u.employee_id = v.employee_id
),
ad AS MATERIALIZED (
    SELECT v.event, a.sam_account_name AS account
    FROM movers v
    JOIN ad_users a ON a.employee_id = v.employee_id
),
entra_held AS MATERIALIZED (
    SELECT a.event, a.account, m.group_pk
    FROM entra a
    CROSS JOIN group_members m ON m.member_pk = a.pk
),
mapped AS MATERIALIZED (
    SELECT group_pk, department
    FROM department_groups
    WHERE group_pk IN (SELECT group_pk FROM entra_held)
),
-- CROSS JOIN keeps SQLite's join order: from the few groups the movers
-- hold into each one's members (an index range), never a scan of every
-- membership of the tenant.
entra_counts AS (
    SELECT g.group_pk, u.department, count(*) AS n
    FROM (SELECT DISTINCT group_pk FROM entra_held
          WHERE group_pk NOT IN (SELECT group_pk FROM mapped)) g
    CROSS JOIN group_members m ON m.group_pk = g.group_pk
    JOIN users u ON u.pk = m.member_pk
    WHERE m.member_pk NOT IN (SELECT pk FROM entra)
      AND u.department IS NOT NULL
    GROUP BY g.group_pk, u.department
),
entra_departments AS MATERIALIZED (
    SELECT group_pk, department, 'department_groups' AS basis
    FROM mapped
    UNION ALL
    SELECT c.group_pk, c.department,
           'most members: ' || c.n || ' of ' || t.total
    FROM entra_counts c
    JOIN (SELECT group_pk, max(n) AS top, sum(n) AS total
          FROM entra_counts GROUP BY group_pk) t
      ON t.group_pk = c.group_pk AND c.n = t.top
),
-- ad_group_members has no index on member: one pass over it, each row
-- looked up among the movers' few accounts.
ad_held AS MATERIALIZED (
    SELECT a.event, a.account, gm.group_name
    FROM ad_group_members gm
    CROSS JOIN ad a ON a.account = gm.member COLLATE NOCASE
    WHERE coalesce(gm.member_class, 'user') = 'user'
),
-- Every AD account's HR department, once: one lookup per AD member below
-- instead of four (the account, its HR record, by name and by key).
ad_user_departments AS MATERIALIZED (
    SELECT au.sam_account_name COLLATE NOCASE AS account, hp.department
    FROM ad_users au
    JOIN hr_people hp ON hp.employee_id = au.employee_id
    WHERE hp.department IS NOT NULL
),
ad_counts AS (
    SELECT g.group_name, d.department, count(*) AS n
    FROM (SELECT DISTINCT group_name FROM ad_held) g
    CROSS JOIN ad_group_members gm
            ON gm.group_name = g.group_name COLLATE NOCASE
    JOIN ad_user_departments d ON d.account = gm.member
    WHERE coalesce(gm.member_class, 'user') = 'user'
      AND gm.member COLLATE NOCASE NOT IN (SELECT account FROM ad)
    GROUP BY g.group_name, d.department
),
ad_departments AS MATERIALIZED (
    SELECT c.group_name, c.department,
           'most members: ' || c.n || ' of ' || t.total AS basis
    FROM ad_counts c
    JOIN (SELECT group_name, max(n) AS top, sum(n) AS total
          FROM ad_counts GROUP BY group_name) t
      ON t.group_name = c.group_name AND c.n = t.top
),
retained (event, account, kind, name, departments, basis) AS (
    SELECT h.event, h.account, 'Entra group', g.display_name,
           (SELECT group_concat(department, ', ')
            FROM (SELECT department FROM entra_departments d
                  WHERE d.group_pk = h.group_pk ORDER BY department)),
           (SELECT min(basis) FROM entra_departments d
            WHERE d.group_pk = h.group_pk)
    FROM entra_held h
    JOIN movers v ON v.event = h.event
    JOIN groups g ON g.pk = h.group_pk
    WHERE EXISTS (SELECT 1 FROM entra_departments d
                  WHERE d.group_pk = h.group_pk
                    AND d.department = v.from_department COLLATE NOCASE)
      AND NOT EXISTS (SELECT 1 FROM entra_departments d
                      WHERE d.group_pk = h.group_pk
                        AND d.department = v.to_department COLLATE NOCASE)
    UNION ALL
    SELECT h.event, h.account, 'AD group', h.group_name,
           (SELECT group_concat(department, ', ')
            FROM (SELECT department FROM ad_departments d
                  WHERE d.group_name = h.group_name COLLATE NOCASE
                  ORDER BY department)),
           (SELECT min(basis) FROM ad_departments d
            WHERE d.group_name = h.group_name COLLATE NOCASE)
    FROM ad_held h
    JOIN movers v ON v.event = h.event
    WHERE EXISTS (SELECT 1 FROM ad_departments d
                  WHERE d.group_name = h.group_name COLLATE NOCASE
                    AND d.department = v.from_department COLLATE NOCASE)
      AND NOT EXISTS (SELECT 1 FROM ad_departments d
                      WHERE d.group_name = h.group_name COLLATE NOCASE
                        AND d.department = v.to_department COLLATE NOCASE)
),
retained_by_event AS (
    SELECT event, count(*) AS n,
           sum(kind = 'Entra group') AS entra_groups,
           sum(kind = 'AD group') AS ad_groups,
           group_concat(kind || ': ' || name, '; ') AS list
    FROM (SELECT * FROM retained ORDER BY event, kind, name, account)
    GROUP BY event
),
accounts_by_event AS (
    SELECT event, count(*) AS n, min(display_name) AS name,
           group_concat(account, ', ') AS accounts
    FROM (SELECT event, display_name, account FROM entra
          UNION ALL
          SELECT event, NULL, account FROM ad
          ORDER BY event, account)
    GROUP BY event
)
SELECT coalesce(v.person, a.name, v.employee_id) AS person,
       v.employee_id,
       v.moved,
       v.from_department,
       v.to_department,
       a.accounts,
       coalesce(r.n, 0) AS retained,
       coalesce(r.entra_groups, 0) AS entra_groups,
       coalesce(r.ad_groups, 0) AS ad_groups,
       r.list AS still_held,
       v.deadline,
       CASE WHEN r.n > 0 AND :as_of > v.deadline
            THEN CAST(julianday(:as_of) - julianday(v.deadline) AS INTEGER)
            END AS days_past_sla,
       CASE WHEN a.n IS NULL THEN 'No account'
            WHEN r.n IS NULL THEN 'Compliant'
            WHEN :as_of > v.deadline THEN 'Late'
            ELSE 'Open' END AS verdict,
       coalesce(r.n > 0 AND :as_of > v.deadline, 0) AS late
FROM movers v
LEFT JOIN accounts_by_event a ON a.event = v.event
LEFT JOIN retained_by_event r ON r.event = v.event
ORDER BY v.moved, person, v.employee_id;
