-- privileged/summary.sql
--
-- Per privileged role, in force at :as_of: how many principals hold it,
-- and how many assignments are active, eligible and permanently active
-- (the ones that should usually be eligible instead). Counted over the same
-- rows as privileged/assignments.sql.
--
--   .param set :as_of '2026-11-01T00:00:00Z'
--   .read queries/privileged/summary.sql
SELECT rd.display_name AS role,
       count(DISTINCT h.holder_pk) AS holders,
       sum(h.state = 'active') AS active,
       sum(h.state = 'eligible') AS eligible,
       sum(h.state = 'active' AND h.end_date_time IS NULL) AS permanent_active
FROM role_holders h
JOIN role_definitions rd ON rd.pk = h.role_definition_pk AND rd.is_privileged
WHERE (h.start_date_time IS NULL OR h.start_date_time <= :as_of)
  AND (h.end_date_time IS NULL OR h.end_date_time > :as_of)
GROUP BY rd.pk
ORDER BY holders DESC, role;
