-- jml/joiners.sql
--
-- One row per HR joiner event with an effective date from :from to :to (the
-- UTC dates of the two parameters, both included): the joiner's Entra ID
-- accounts (matched by employee id), how many accesses they hold, how many
-- are birthright groups, how many a ServiceNow request approved before the
-- access began covers, and which are not covered (flagged). The rules are
-- those of jml/joiners_access.sql, which lists the accesses one by one.
--
-- verdict: No account (no Entra user has the employee id), No access (the
-- accounts hold nothing listed), Covered (every access is birthright or
-- covered), Not covered (at least one access is flagged).
--
-- Run it in the sqlite3 shell:
--   .param set :from "'2026-10-01T00:00:00Z'"
--   .param set :to "'2026-10-31T00:00:00Z'"
--   .param set :birthright "'GRP-%-All'"
--   .read queries/jml/joiners.sql
WITH RECURSIVE patterns (pattern, rest) AS MATERIALIZED (
    SELECT NULL, :birthright || ','
    UNION ALL
    SELECT trim(substr(rest, 1, instr(rest, ',') - 1)),
           substr(rest, instr(rest, ',') + 1)
    FROM patterns
    WHERE rest <> ''
),
joiners AS MATERIALIZED (
    SELECT e.rowid AS event, e.employee_id, e.effective_date AS joined,
           e.to_department AS department, hp.display_name AS person
    FROM hr_events e
    LEFT JOIN hr_people hp ON hp.employee_id = e.employee_id
    WHERE e.event_type = 'joiner'
      AND e.effective_date BETWEEN substr(:from, 1, 10) AND substr(:to, 1, 10)
),
accounts AS MATERIALIZED (
    SELECT j.event, u.pk, u.display_name, u.user_principal_name AS upn,
           u.mail, u.created_date_time AS created
    FROM joiners j
    JOIN users u ON u.employee_id = j.employee_id
),
-- CROSS JOIN keeps SQLite's join order: from the joiners' few accounts into
-- each table's index on them, never a scan of the tenant's memberships.
access (event, upn, mail, kind, name, started, earliest, birthright) AS (
    SELECT a.event, a.upn, a.mail, 'Entra group', g.display_name, NULL,
           a.created,
           EXISTS (SELECT 1 FROM patterns p
                   WHERE p.pattern <> '' AND g.display_name LIKE p.pattern)
    FROM accounts a
    CROSS JOIN group_members m ON m.member_pk = a.pk
    JOIN groups g ON g.pk = m.group_pk
    UNION ALL
    SELECT a.event, a.upn, a.mail, 'Access package', ap.display_name,
           x.start_date_time, coalesce(x.start_date_time, a.created), 0
    FROM accounts a
    CROSS JOIN access_package_assignments x ON x.target_pk = a.pk
    JOIN access_packages ap ON ap.pk = x.access_package_pk
    UNION ALL
    SELECT a.event, a.upn, a.mail, 'App role', r.display_name,
           x.created_date_time, coalesce(x.created_date_time, a.created), 0
    FROM accounts a
    CROSS JOIN app_role_assignments x ON x.principal_pk = a.pk
    JOIN principals r ON r.pk = x.resource_pk
),
numbered AS (
    SELECT row_number() OVER (ORDER BY event, kind, name, upn) AS id, *
    FROM access
),
ranked AS (
    SELECT x.*, r.number AS request, r.approval, r.approved_at,
           row_number() OVER (
               PARTITION BY x.id
               ORDER BY CASE WHEN lower(r.approval) = 'approved'
                                  AND r.approved_at < x.earliest THEN 0
                             WHEN lower(r.approval) = 'approved' THEN 1
                             WHEN lower(r.approval) = 'rejected' THEN 2
                             ELSE 3 END,
                        r.approved_at, r.number) AS choice
    FROM numbered x
    LEFT JOIN servicenow_requests r
           ON r.requested_for COLLATE NOCASE IN (x.upn, x.mail)
          AND r.target = x.name COLLATE NOCASE
),
judged AS (
    SELECT x.*,
           coalesce(NOT x.birthright AND lower(x.approval) = 'approved'
                    AND x.approved_at < x.earliest, 0) AS covered,
           CASE
               WHEN x.birthright THEN 'birthright group'
               WHEN x.request IS NULL THEN 'no request'
               WHEN lower(x.approval) = 'approved'
                    AND x.approved_at < x.earliest THEN
                   CASE WHEN x.started IS NULL
                        THEN 'approved before the account was created'
                        ELSE 'approved before the access began' END
               WHEN lower(x.approval) = 'approved' AND x.earliest IS NULL
                   THEN 'approved, but when the access began is not known'
               WHEN lower(x.approval) = 'approved' AND x.started IS NULL
                   THEN 'approved after the account was created: the '
                        || 'membership may be older than the approval'
               WHEN lower(x.approval) = 'approved'
                   THEN 'approved only after the access began'
               WHEN lower(x.approval) = 'rejected' THEN 'request rejected'
               ELSE 'request not approved ('
                    || coalesce(x.approval, 'no approval') || ')'
           END AS finding
    FROM ranked x
    WHERE x.choice = 1
),
flagged AS (
    SELECT *, NOT birthright AND NOT covered AS flag FROM judged
),
by_event AS (
    SELECT event, count(*) AS n, sum(birthright) AS birthright,
           sum(covered) AS covered, sum(flag) AS flagged,
           group_concat(CASE WHEN flag THEN name || ' (' || finding || ')' END,
                        '; ') AS not_covered
    FROM (SELECT * FROM flagged ORDER BY event, kind, name, upn)
    GROUP BY event
),
accounts_by_event AS (
    SELECT event, count(*) AS n, min(display_name) AS name,
           group_concat(upn, ', ') AS upns
    FROM (SELECT * FROM accounts ORDER BY event, upn)
    GROUP BY event
)
SELECT coalesce(j.person, a.name, j.employee_id) AS person,
       j.employee_id,
       j.joined,
       j.department,
       a.upns AS accounts,
       coalesce(b.n, 0) AS access_held,
       coalesce(b.birthright, 0) AS birthright,
       coalesce(b.covered, 0) AS covered,
       coalesce(b.flagged, 0) AS not_covered,
       b.not_covered AS findings,
       CASE WHEN a.n IS NULL THEN 'No account'
            WHEN b.n IS NULL THEN 'No access'
            WHEN b.flagged > 0 THEN 'Not covered'
            ELSE 'Covered' END AS verdict,
       coalesce(b.flagged, 0) > 0 AS flagged
FROM joiners j
LEFT JOIN accounts_by_event a ON a.event = j.event
LEFT JOIN by_event b ON b.event = j.event
ORDER BY j.joined, person, j.employee_id;
