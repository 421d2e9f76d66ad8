-- jml/logic_app_runs.sql
--
-- Every Azure Logic App run in the snapshot that started from :from to the
-- end of :to (UTC dates, both included), with the HR events (joiners,
-- movers, leavers) effective on the run's UTC date: a failed automation next
-- to the people it may have been for. The snapshot holds the runs of the
-- Logic Apps a collect was asked for (--logic-app) or logic_app_runs.csv
-- gave; none otherwise. jml-joiners and jml-movers show it; jml-leavers has
-- its own, matched on the leavers' deadlines (jml/leavers_logic_apps.sql).
--
-- Run it in the sqlite3 shell:
--   .param set :from "'2026-10-01T00:00:00Z'"
--   .param set :to "'2026-10-31T00:00:00Z'"
--   .read queries/jml/logic_app_runs.sql
SELECT r.logic_app,
       r.resource_group,
       r.id AS run,
       r.status,
       r.start_time,
       r.end_time,
       r.trigger_name,
       r.code,
       r.error_message,
       (SELECT group_concat(who, ', ')
        FROM (SELECT coalesce(hp.display_name, e.employee_id) || ' (' ||
                         e.event_type || ')' AS who
              FROM hr_events e
              LEFT JOIN hr_people hp ON hp.employee_id = e.employee_id
              WHERE e.effective_date = substr(r.start_time, 1, 10)
              ORDER BY e.event_type, who)) AS hr_events,
       r.status = 'Failed' AS failed,
       r.subscription_id
FROM logic_app_runs r
WHERE r.start_time >= substr(:from, 1, 10)
  AND r.start_time < strftime('%Y-%m-%d', substr(:to, 1, 10), '+1 day')
ORDER BY r.start_time, r.logic_app, r.id;
