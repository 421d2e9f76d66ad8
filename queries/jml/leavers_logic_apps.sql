-- jml/leavers_logic_apps.sql
--
-- Every Azure Logic App run in the snapshot that started from :from to the
-- end of :to (UTC dates, both included), with the leavers (jml/leavers.sql)
-- whose termination date is on or before the run's start and whose
-- deadline (termination date plus :sla_days days) is not before it: a
-- failed automation next to the leavers it may have been for. The snapshot
-- holds the runs of the Logic Apps a collect was asked for (--logic-app);
-- none otherwise.
--
-- Run it in the sqlite3 shell:
--   .param set :from "'2026-09-01T00:00:00Z'"
--   .param set :to "'2026-10-31T00:00:00Z'"
--   .param set :sla_days 1
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .read queries/jml/leavers_logic_apps.sql
WITH leavers AS MATERIALIZED (
    SELECT e.employee_id, e.effective_date AS left_on,
           coalesce(hp.display_name, e.employee_id) AS person,
           strftime('%Y-%m-%dT%H:%M:%SZ', e.effective_date,
                    :sla_days || ' days') AS deadline
    FROM hr_events e
    LEFT JOIN hr_people hp ON hp.employee_id = e.employee_id
    WHERE e.event_type = 'leaver'
      AND e.effective_date BETWEEN substr(:from, 1, 10) AND substr(:to, 1, 10)
)
SELECT r.logic_app,
       r.resource_group,
       r.id AS run,
       r.status,
       r.start_time,
       r.end_time,
       r.trigger_name,
       r.code,
       r.error_message,
       (SELECT group_concat(person, ', ')
        FROM (SELECT person FROM leavers
              WHERE r.start_time >= left_on AND r.start_time <= deadline
              ORDER BY left_on, person)) AS leavers,
       r.status = 'Failed' AS failed,
       r.subscription_id
FROM logic_app_runs r
WHERE r.start_time >= substr(:from, 1, 10)
  AND r.start_time < strftime('%Y-%m-%d', substr(:to, 1, 10), '+1 day')
ORDER BY r.start_time, r.logic_app, r.id;
