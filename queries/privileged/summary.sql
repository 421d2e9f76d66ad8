-- privileged/summary.sql
--
-- Per privileged Entra ID role, in force at :as_of: how many principals
-- hold or control it (holders), and how many of the routes to it are
-- active, eligible, and flagged permanent_active (held active with no end
-- by a user who is not a break-glass account: should be eligible instead).
-- Counted over the same rows as privileged/assignments.sql: the steps
-- between the "privileged access" marker lines are the same text in every
-- file of queries/privileged.
--
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .param set :stale_days 90
--   .param set :break_glass "''"
--   .read queries/privileged/summary.sql
WITH RECURSIVE
-- ---- privileged access: the same text in every queries/privileged file
-- Privileged role assignments in force at :as_of.
pra (role_pk, principal_pk, state, s, e) AS (
    SELECT ra.role_definition_pk, ra.principal_pk, ra.state,
           ra.start_date_time, ra.end_date_time
    FROM role_assignments ra
    JOIN role_definitions rd ON rd.pk = ra.role_definition_pk
    WHERE rd.is_privileged
      AND (ra.start_date_time IS NULL OR ra.start_date_time <= :as_of)
      AND (ra.end_date_time IS NULL OR ra.end_date_time > :as_of)
),
-- Each group such an assignment names (depth 0) and every group nested in
-- it, with the path of groups; a walk stops at a group already on its
-- trail, so nesting cycles end. Starting from the assigned groups keeps
-- this to the few groups that hold roles, not the whole directory.
nest (role_pk, state, s, e, group_pk, trail, path) AS (
    SELECT a.role_pk, a.state, a.s, a.e, a.principal_pk,
           '/' || a.principal_pk || '/', g.display_name
    FROM pra a
    JOIN principals g ON g.pk = a.principal_pk AND g.type = 'group'
    UNION ALL
    SELECT n.role_pk, n.state, n.s, n.e, gm.member_pk,
           n.trail || gm.member_pk || '/', n.path || ' > ' || g.display_name
    FROM nest n
    CROSS JOIN group_members gm ON gm.group_pk = n.group_pk
    CROSS JOIN principals g ON g.pk = gm.member_pk AND g.type = 'group'
    WHERE instr(n.trail, '/' || gm.member_pk || '/') = 0
),
-- Who holds or controls each such assignment, one row per route (CROSS
-- JOIN keeps SQLite walking from the few groups that hold roles to their
-- members, never from every principal to its memberships):
--   direct      the assignment names the user or service principal;
--   member      a direct member of the group or of a group nested in it,
--               unless an active PIM for groups membership explains that
--               membership (Entra lists an activation as a membership; it
--               is listed once, as pim-member). Memberships and ownerships
--               carry no dates: they are as the snapshot recorded them at
--               its own as_of, so an activation explains one when it was
--               in force then;
--   owner       an owner of such a group: owners manage its members, so
--               they can give themselves the role (likewise unless an
--               active PIM for groups ownership explains it);
--   pim-member, pim-owner
--               a PIM for groups assignment in force on such a group,
--               eligible or active (link_state).
-- state is active only when the role assignment and the membership or
-- ownership are both active; the window is where both are in force.
-- PIM for groups assignments that name a group are not expanded.
grants (role_pk, holder_pk, state, s, e, how, link_state, path) AS (
    SELECT a.role_pk, a.principal_pk, a.state, a.s, a.e, 'direct', NULL,
           NULL
    FROM pra a
    JOIN principals p ON p.pk = a.principal_pk AND p.type <> 'group'
    UNION ALL
    SELECT n.role_pk, gm.member_pk, n.state, n.s, n.e, 'member', 'active',
           n.path
    FROM nest n
    CROSS JOIN group_members gm ON gm.group_pk = n.group_pk
    CROSS JOIN principals m ON m.pk = gm.member_pk AND m.type <> 'group'
    WHERE NOT EXISTS (
        SELECT 1 FROM pim_group_assignments x
        WHERE x.group_pk = n.group_pk AND x.principal_pk = gm.member_pk
          AND x.access_id = 'member' AND x.state = 'active'
          AND (x.start_date_time IS NULL
               OR x.start_date_time <= (SELECT as_of FROM snapshot))
          AND (x.end_date_time IS NULL
               OR x.end_date_time > (SELECT as_of FROM snapshot)))
    UNION ALL
    SELECT n.role_pk, go.owner_pk, n.state, n.s, n.e, 'owner', 'active',
           n.path
    FROM nest n
    CROSS JOIN group_owners go ON go.group_pk = n.group_pk
    CROSS JOIN principals m ON m.pk = go.owner_pk AND m.type <> 'group'
    WHERE NOT EXISTS (
        SELECT 1 FROM pim_group_assignments x
        WHERE x.group_pk = n.group_pk AND x.principal_pk = go.owner_pk
          AND x.access_id = 'owner' AND x.state = 'active'
          AND (x.start_date_time IS NULL
               OR x.start_date_time <= (SELECT as_of FROM snapshot))
          AND (x.end_date_time IS NULL
               OR x.end_date_time > (SELECT as_of FROM snapshot)))
    UNION ALL
    SELECT n.role_pk, x.principal_pk,
           CASE WHEN n.state = 'active' AND x.state = 'active'
                THEN 'active' ELSE 'eligible' END,
           max(coalesce(n.s, x.start_date_time),
               coalesce(x.start_date_time, n.s)),
           min(coalesce(n.e, x.end_date_time),
               coalesce(x.end_date_time, n.e)),
           'pim-' || x.access_id, x.state, n.path
    FROM nest n
    CROSS JOIN pim_group_assignments x ON x.group_pk = n.group_pk
    CROSS JOIN principals m ON m.pk = x.principal_pk AND m.type <> 'group'
    WHERE (x.start_date_time IS NULL OR x.start_date_time <= :as_of)
      AND (x.end_date_time IS NULL OR x.end_date_time > :as_of)
),
-- Each route with its holder and the flags:
--   permanent_active   a user, not a break-glass account, holding the role
--                      active with no end (directly, as a member or as an
--                      active PIM for groups member): should be eligible;
--   break_glass        the user's UPN is in :break_glass (comma-separated,
--                      case-insensitive);
--   guest              a guest user (userType Guest or #EXT# in the UPN);
--   disabled_or_stale  the account is disabled, or a user has not signed
--                      in since :as_of minus :stale_days days (or never);
--   no_hr_record       a user whose employee id matches no HR record
--                      (NULL for service principals).
access (holder_pk, principal, upn, principal_type, role_pk, role, state, s,
        e, how, link_state, path, account_enabled, last_sign_in, department,
        hr_match, hr_status, permanent_active, break_glass, guest,
        disabled_or_stale, no_hr_record) AS (
    SELECT r.holder_pk, r.principal, r.upn, r.principal_type, r.role_pk,
           r.role, r.state, r.s, r.e, r.how, r.link_state, r.path,
           r.account_enabled, r.last_sign_in, r.department,
           r.hr_match, r.hr_status,
           (r.is_user AND NOT r.break_glass AND r.state = 'active'
            AND r.e IS NULL AND r.how <> 'owner' AND r.how <> 'pim-owner'),
           r.break_glass, r.guest,
           (coalesce(r.account_enabled, 1) = 0
            OR (r.is_user AND (r.last_sign_in IS NULL
                               OR r.last_sign_in < r.stale_before))),
           CASE WHEN r.is_user THEN NOT r.hr_match END
    FROM (
        SELECT g.*, p.display_name AS principal,
               u.user_principal_name AS upn,
               CASE WHEN p.type = 'servicePrincipal' THEN 'Service principal'
                    WHEN p.type = 'device' THEN 'Device'
                    WHEN u.user_type = 'Guest' THEN 'Guest'
                    ELSE 'User' END AS principal_type,
               rd.display_name AS role,
               coalesce(u.account_enabled, sp.account_enabled)
                   AS account_enabled,
               u.last_sign_in_date_time AS last_sign_in,
               u.department AS department,
               CASE WHEN u.pk IS NOT NULL
                    THEN hp.employee_id IS NOT NULL END AS hr_match,
               hp.status AS hr_status,
               u.pk IS NOT NULL AS is_user,
               (u.pk IS NOT NULL AND u.user_principal_name <> ''
                AND instr(',' || replace(lower(:break_glass), ' ', '') || ',',
                          ',' || lower(u.user_principal_name) || ',') > 0)
                   AS break_glass,
               (u.pk IS NOT NULL AND (u.user_type = 'Guest'
                OR u.user_principal_name LIKE '%#EXT#%')) AS guest,
               strftime('%Y-%m-%dT%H:%M:%SZ', :as_of,
                        (-1 * :stale_days) || ' days') AS stale_before
        FROM grants g
        JOIN principals p ON p.pk = g.holder_pk
        JOIN role_definitions rd ON rd.pk = g.role_pk
        LEFT JOIN users u ON u.pk = g.holder_pk
        LEFT JOIN service_principals sp ON sp.pk = g.holder_pk
        LEFT JOIN hr_people hp ON hp.employee_id = u.employee_id
    ) r
)
-- ---- end of privileged access
SELECT role,
       count(DISTINCT holder_pk) AS holders,
       sum(state = 'active') AS active,
       sum(state = 'eligible') AS eligible,
       sum(permanent_active) AS permanent_active
FROM access
GROUP BY role_pk
ORDER BY holders DESC, role, role_pk;
