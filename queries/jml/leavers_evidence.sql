-- jml/leavers_evidence.sql
--
-- The evidence of how each leaver of jml/leavers.sql (HR leaver events with
-- an effective date from :from to :to, UTC dates, both included) lost their
-- access, one row per event, in time order:
--
--   Entra audit log     a directory audit event that removed access (the
--                       activities of docs/graph.md: Disable account,
--                       Remove member from group, ...) with one of the
--                       person's Entra accounts as target, from :from to
--                       :as_of; what it removed, its result, who did it
--   Lifecycle workflow  a lifecycle workflow's result for one of those
--                       accounts, in a leaver workflow (or one of unknown
--                       category), started from :from to :as_of; its
--                       status and failed tasks
--
-- past_deadline: the event came after the deadline (the termination date
-- plus :sla_days days). Empty when the snapshot holds neither kind (the
-- Leavers section then says "No workflow evidence in the snapshot").
--
-- Run it in the sqlite3 shell:
--   .param set :from "'2026-09-01T00:00:00Z'"
--   .param set :to "'2026-10-31T00:00:00Z'"
--   .param set :sla_days 1
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .read queries/jml/leavers_evidence.sql
WITH leavers AS MATERIALIZED (
    SELECT e.rowid AS event, e.employee_id, e.effective_date AS left_on,
           hp.display_name AS person,
           strftime('%Y-%m-%dT%H:%M:%SZ', e.effective_date,
                    :sla_days || ' days') AS deadline
    FROM hr_events e
    LEFT JOIN hr_people hp ON hp.employee_id = e.employee_id
    WHERE e.event_type = 'leaver'
      AND e.effective_date BETWEEN substr(:from, 1, 10) AND substr(:to, 1, 10)
),
entra AS MATERIALIZED (
    SELECT l.event, u.id, u.display_name, u.user_principal_name AS account
    FROM leavers l
    JOIN users u ON u.employee_id = l.employee_id
),
items (event, at, source, account, activity, result, detail, by) AS (
    SELECT a.event, x.activity_date_time, 'Entra audit log', a.account,
           x.activity_display_name, x.result,
           CASE WHEN x.target_resource_name IS NOT NULL
                THEN x.target_resource_name || ' (' ||
                     coalesce(x.target_resource_type, 'object') || ')'
                END,
           x.initiated_by
    FROM entra a
    CROSS JOIN directory_audits x ON x.target_user_id = a.id
    WHERE x.activity_display_name IN ('Disable account', 'Delete user',
              'Remove member from group', 'Remove owner from group',
              'Remove member from role', 'Remove eligible member from role',
              'Remove app role assignment from user')
      AND x.activity_date_time >= substr(:from, 1, 10)
      AND x.activity_date_time <= :as_of
    UNION ALL
    SELECT a.event, coalesce(r.completed_date_time, r.started_date_time),
           'Lifecycle workflow', a.account,
           coalesce(w.display_name, 'workflow ' || r.workflow_id),
           r.processing_status,
           coalesce(r.failed_tasks_count, 0) || ' of ' ||
               coalesce(r.total_tasks_count, '?') || ' tasks failed',
           'run ' || r.run_id
    FROM entra a
    CROSS JOIN lifecycle_user_results r ON r.user_id = a.id
    LEFT JOIN lifecycle_workflows w ON w.id = r.workflow_id
    WHERE coalesce(w.category, 'leaver') = 'leaver'
      AND r.started_date_time >= substr(:from, 1, 10)
      AND r.started_date_time <= :as_of
)
SELECT coalesce(l.person, (SELECT min(u.display_name) FROM users u
                           WHERE u.employee_id = l.employee_id),
                l.employee_id) AS person,
       l.employee_id,
       l.left_on AS termination_date,
       i.at,
       i.source,
       i.account,
       i.activity,
       i.result,
       i.detail,
       i.by,
       i.at > l.deadline AS past_deadline
FROM items i
JOIN leavers l ON l.event = i.event
ORDER BY termination_date, person, l.employee_id, i.at, i.source, i.activity,
         i.detail;
