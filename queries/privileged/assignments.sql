-- privileged/assignments.sql
--
-- Every assignment of a privileged Entra ID role in force at :as_of (a UTC
-- time, YYYY-MM-DDTHH:MM:SSZ): active and eligible, held directly, through
-- group membership (nested groups expanded, with the path of groups) or as
-- an eligible member of a role-assignable group (PIM for groups).
-- "In force" means started at or before :as_of and not ended by then.
-- A role is privileged when the source flags it or its template is one of
-- the built-in privileged roles (table privileged_role_templates).
--
-- Run it in the sqlite3 shell:
--   .param set :as_of '2026-11-01T00:00:00Z'
--   .read queries/privileged/assignments.sql
SELECT p.display_name AS principal,
       u.user_principal_name AS upn,
       CASE WHEN p.type = 'servicePrincipal' THEN 'Service principal'
            WHEN u.user_type = 'Guest' THEN 'Guest'
            ELSE 'User' END AS principal_type,
       rd.display_name AS role,
       CASE h.state WHEN 'active' THEN 'Active' ELSE 'Eligible' END AS state,
       CASE WHEN h.end_date_time IS NULL THEN 'Permanent'
            ELSE 'Time-bound' END AS assignment,
       coalesce(h.via, '') AS via_group,
       h.start_date_time AS start_time,
       h.end_date_time AS end_time,
       coalesce(u.account_enabled, sp.account_enabled) AS account_enabled,
       u.last_sign_in_date_time AS last_sign_in,
       (h.state = 'active' AND h.end_date_time IS NULL) AS permanent_active
FROM role_holders h
JOIN role_definitions rd ON rd.pk = h.role_definition_pk AND rd.is_privileged
JOIN principals p ON p.pk = h.holder_pk
LEFT JOIN users u ON u.pk = p.pk
LEFT JOIN service_principals sp ON sp.pk = p.pk
WHERE (h.start_date_time IS NULL OR h.start_date_time <= :as_of)
  AND (h.end_date_time IS NULL OR h.end_date_time > :as_of)
ORDER BY rd.display_name, state, p.display_name, via_group, upn;
