-- jml/leavers.sql
--
-- One row per HR leaver event whose effective date (the termination date)
-- is from :from to :to (the UTC dates of the two parameters, both
-- included): the person's Entra ID and Active Directory accounts (matched
-- by employee id), whether each is disabled, whether either was used after
-- the termination date, the access still held, and a verdict.
--
-- Accounts: every Entra user and every AD user with the HR employee id. A
-- kind of account counts as disabled when all such accounts are disabled
-- ("No account" when there is none); an unknown enabled state counts as
-- enabled. "Used after" means a last sign-in (Entra) or last logon (AD) on
-- a later day than the termination date.
--
-- Access held: direct Entra group memberships and ownerships, eligible PIM
-- for groups assignments, directory role assignments (active and eligible),
-- access package assignments (not expired) and app role assignments of the
-- Entra accounts, and the AD group memberships of the AD accounts. Dated
-- assignments count when in force at :as_of (started by then and not ended);
-- memberships have no dates in the snapshot and are as it found them.
-- Groups reached only through nesting are not listed: removing the direct
-- membership removes them.
--
-- Evidence of the removal, where the snapshot holds it (collect
-- --graph-from, or the exports of docs/csv-formats.md): the latest lifecycle
-- workflow result for one of the person's Entra accounts in a leaver
-- workflow (or one of unknown category), started from :from to :as_of
-- ("No workflow evidence in the snapshot" when it holds no workflows);
-- the Entra audit events that removed access (docs/graph.md lists the
-- activities) with one of those accounts as target, from :from to
-- :as_of, and the first "Disable account" among them (empty when the
-- snapshot holds no audit log); failed Logic App runs that started from the
-- termination date to the deadline (empty when it holds no Logic App runs):
-- a failed automation next to the leaver it may have been for.
--
-- Verdict, from what remains at :as_of (the evidence is shown, not
-- judged):
--   Compliant  every account disabled (or none found) and no access held
--   Open       something remains, and :as_of is not past the deadline
--   Late       something remains and :as_of is past the deadline
-- The deadline is the termination date (its midnight UTC) plus :sla_days
-- days; days_past_sla counts the whole days from the deadline to :as_of.
--
-- Run it in the sqlite3 shell:
--   .param set :from "'2026-09-01T00:00:00Z'"
--   .param set :to "'2026-10-31T00:00:00Z'"
--   .param set :sla_days 1
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .read queries/jml/leavers.sql
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
),
entra_by_event AS (
    SELECT event, count(*) AS n, sum(enabled) AS n_enabled,
           max(last_seen) AS last_seen, min(display_name) AS name,
           group_concat(account, ', ') AS accounts
    FROM (SELECT * FROM entra ORDER BY event, account)
    GROUP BY event
),
ad_by_event AS (
    SELECT event, count(*) AS n, sum(enabled) AS n_enabled,
           max(last_seen) AS last_seen,
           group_concat(account, ', ') AS accounts
    FROM (SELECT * FROM ad ORDER BY event, account)
    GROUP BY event
),
removals (event, at, activity) AS (
    SELECT a.event, x.activity_date_time, x.activity_display_name
    FROM entra a
    JOIN users u ON u.pk = a.pk
    CROSS JOIN directory_audits x ON x.target_user_id = u.id
    WHERE x.activity_display_name IN ('Disable account', 'Delete user',
              'Remove member from group', 'Remove owner from group',
              'Remove member from role', 'Remove eligible member from role',
              'Remove app role assignment from user')
      AND coalesce(x.result, 'success') = 'success'
      AND x.activity_date_time >= substr(:from, 1, 10)
      AND x.activity_date_time <= :as_of
),
removals_by_event AS (
    SELECT event, count(*) AS n,
           min(CASE WHEN activity = 'Disable account' THEN at END) AS disabled_at
    FROM removals
    GROUP BY event
),
workflow_results AS (
    SELECT a.event, w.display_name AS workflow, r.processing_status,
           coalesce(r.completed_date_time, r.started_date_time) AS at
    FROM entra a
    JOIN users u ON u.pk = a.pk
    CROSS JOIN lifecycle_user_results r ON r.user_id = u.id
    LEFT JOIN lifecycle_workflows w ON w.id = r.workflow_id
    WHERE coalesce(w.category, 'leaver') = 'leaver'
      AND r.started_date_time >= substr(:from, 1, 10)
      AND r.started_date_time <= :as_of
),
latest_workflow AS (
    SELECT event, workflow, processing_status, at
    FROM (SELECT *, row_number() OVER (PARTITION BY event
                                       ORDER BY at DESC, workflow) AS k
          FROM workflow_results)
    WHERE k = 1
),
evidence AS (
    SELECT EXISTS (SELECT 1 FROM source WHERE entity IN
                       ('lifecycle_workflows', 'lifecycle_user_results')
                   AND note IS NULL) AS workflows,
           EXISTS (SELECT 1 FROM source WHERE entity = 'directory_audits'
                   AND note IS NULL) AS audits,
           EXISTS (SELECT 1 FROM source WHERE entity = 'logic_app_runs'
                   AND note IS NULL) AS logic_apps
),
held_by_event AS (
    SELECT event, count(*) AS n,
           sum(kind = 'Entra group') AS entra_groups,
           sum(kind = 'Entra role') AS entra_roles,
           sum(kind = 'Access package') AS access_packages,
           sum(kind = 'App role') AS app_roles,
           sum(kind = 'AD group') AS ad_groups,
           group_concat(kind || ': ' || name, '; ') AS list
    FROM (SELECT * FROM held ORDER BY event, kind, name)
    GROUP BY event
),
judged AS (
    SELECT l.*, e.accounts AS entra_accounts, d.accounts AS ad_accounts,
           CASE WHEN e.n IS NULL THEN 'No account'
                WHEN e.n_enabled > 0 THEN 'No' ELSE 'Yes' END AS entra_disabled,
           CASE WHEN d.n IS NULL THEN 'No account'
                WHEN d.n_enabled > 0 THEN 'No' ELSE 'Yes' END AS ad_disabled,
           CASE WHEN e.last_seen IS NULL THEN d.last_seen
                WHEN d.last_seen IS NULL THEN e.last_seen
                ELSE max(e.last_seen, d.last_seen) END AS last_sign_in,
           coalesce(e.name, l.employee_id) AS entra_name,
           coalesce(h.n, 0) AS access_held,
           coalesce(h.entra_groups, 0) AS entra_groups,
           coalesce(h.entra_roles, 0) AS entra_roles,
           coalesce(h.access_packages, 0) AS access_packages,
           coalesce(h.app_roles, 0) AS app_roles,
           coalesce(h.ad_groups, 0) AS ad_groups,
           h.list AS held,
           (coalesce(e.n_enabled, 0) + coalesce(d.n_enabled, 0)
            + coalesce(h.n, 0)) > 0 AS remains,
           CASE WHEN NOT ev.workflows
                THEN 'No workflow evidence in the snapshot'
                WHEN lw.event IS NULL THEN 'None'
                ELSE lw.workflow || ': ' || lw.processing_status
                END AS workflow,
           lw.at AS workflow_at,
           CASE WHEN ev.audits THEN coalesce(rm.n, 0) END AS removal_events,
           rm.disabled_at,
           CASE WHEN ev.logic_apps
                THEN (SELECT count(*) FROM logic_app_runs x
                      WHERE x.status = 'Failed'
                        AND x.start_time >= l.left_on
                        AND x.start_time <= l.deadline)
                END AS automation_failures
    FROM leavers l
    CROSS JOIN evidence ev
    LEFT JOIN entra_by_event e ON e.event = l.event
    LEFT JOIN ad_by_event d ON d.event = l.event
    LEFT JOIN held_by_event h ON h.event = l.event
    LEFT JOIN removals_by_event rm ON rm.event = l.event
    LEFT JOIN latest_workflow lw ON lw.event = l.event
)
SELECT coalesce(person, entra_name) AS person,
       employee_id,
       left_on AS termination_date,
       entra_accounts,
       entra_disabled,
       ad_accounts,
       ad_disabled,
       last_sign_in,
       coalesce(last_sign_in >= next_day, 0) AS signed_in_after,
       entra_groups,
       entra_roles,
       access_packages,
       app_roles,
       ad_groups,
       access_held,
       held,
       deadline,
       CASE WHEN remains AND :as_of > deadline
            THEN CAST(julianday(:as_of) - julianday(deadline) AS INTEGER)
            END AS days_past_sla,
       CASE WHEN NOT remains THEN 'Compliant'
            WHEN :as_of > deadline THEN 'Late'
            ELSE 'Open' END AS verdict,
       (remains AND :as_of > deadline) AS late,
       workflow,
       workflow_at,
       removal_events,
       disabled_at,
       automation_failures
FROM judged
ORDER BY termination_date, person, employee_id;
