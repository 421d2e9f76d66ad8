-- jml/joiners_access.sql
--
-- For each HR joiner event with an effective date from :from to :to (the
-- UTC dates of the two parameters, both included), every access the
-- joiner's Entra ID accounts (matched by employee id) hold in the snapshot,
-- and whether a ServiceNow request approved before the access existed
-- covers it. Access: direct group memberships, access package assignments
-- (any state) and app role assignments granted to the account itself.
--
-- A request covers an access when it was made for the account
-- (requested_for is its UPN or mail, any case), names the access (target is
-- the group's, access package's or application's display name, any case),
-- has approval 'approved' and an approved_at before the access began.
--
-- When the access began: an access package assignment's start, an app role
-- assignment's creation. A group membership's start is not in the snapshot;
-- it cannot be older than the account, so the account's creation
-- (createdDateTime) is the earliest it can have begun: a request approved
-- before that covers it for certain, one approved later cannot be shown to
-- (flagged: "may be older than the approval"). With neither time known, an
-- approved request is flagged as unprovable too.
--
-- Birthright groups (every member of a department gets them without a
-- request) are marked and not flagged: groups whose display name matches
-- one of the LIKE patterns in :birthright (comma-separated; % any text,
-- _ one character, ASCII letters in any case; empty: none).
--
-- finding, from the best request found (an approved one before the access,
-- then any approved, then a rejected one, then any other):
--   birthright group; approved before the access began; approved before the
--   account was created; approved only after the access began; approved
--   after the account was created: the membership may be older than the
--   approval; approved, but when the access began is not known; request
--   rejected; request not approved (<its approval>); no request.
-- flagged is 1 for every access that is neither birthright nor covered.
--
-- Run it in the sqlite3 shell:
--   .param set :from "'2026-10-01T00:00:00Z'"
--   .param set :to "'2026-10-31T00:00:00Z'"
--   .param set :birthright "'GRP-%-All'"
--   .read queries/jml/joiners_access.sql
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
)
SELECT coalesce(j.person, j.employee_id) AS person,
       j.employee_id,
       j.joined,
       x.upn AS account,
       x.kind,
       x.name,
       x.started AS access_start,
       x.earliest AS earliest_start,
       CASE WHEN x.started IS NOT NULL THEN
                CASE x.kind WHEN 'App role' THEN 'app role assigned'
                            ELSE 'assignment start' END
            WHEN x.earliest IS NOT NULL THEN 'not recorded; account created'
            ELSE 'not known' END AS start_basis,
       x.request,
       x.approval,
       x.approved_at,
       x.birthright,
       x.covered,
       x.finding,
       NOT x.birthright AND NOT x.covered AS flagged
FROM judged x
JOIN joiners j ON j.event = x.event
ORDER BY j.joined, person, j.employee_id, x.kind, x.name, x.upn;
