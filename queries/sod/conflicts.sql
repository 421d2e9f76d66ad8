-- sod/conflicts.sql
--
-- Segregation of duties at :as_of (a UTC time, YYYY-MM-DDTHH:MM:SSZ): every
-- principal (user or service principal) holding both sides of a rule in
-- sod_rules, one row per principal per rule. A side is the display name
-- (or id) of an Entra group, a directory role or an access package; a
-- name that matches several objects counts them all. A principal holds a
-- side directly or through nested groups, through a group the role is
-- assigned to, or through PIM for groups (eligible or active member);
-- role, PIM and access package assignments count when in force at :as_of
-- (started at or before it, or no start; not ended by then, or no end).
-- Every path to each side is listed in one cell, "; "-separated, in text
-- order. state is Active when both sides have an active path, Eligible
-- when one side is only eligible (a conflict one activation away).
-- Not covered: group owners, app roles, Active Directory groups. The steps
-- between the "segregation of duties" marker lines are the same text as in
-- sod/rules.sql.
--
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .read queries/sod/conflicts.sql
WITH RECURSIVE
-- ---- segregation of duties: the same text in every queries/sod file
-- Both sides of every rule.
side (rule_id, side, name) AS (
    SELECT id, 'left', left_access FROM sod_rules
    UNION ALL
    SELECT id, 'right', right_access FROM sod_rules
),
-- What a side names: Entra groups, directory roles and access packages
-- whose display name (or id) is the side's text, exactly. Display names
-- are not unique: every object with the name counts. (Below, CROSS JOIN
-- keeps SQLite walking from the named objects to their members, never
-- from every principal to its memberships.)
target (rule_id, side, kind, pk, name) AS (
    SELECT s.rule_id, s.side, 'group', g.pk, g.display_name
    FROM groups g CROSS JOIN side s ON s.name = g.display_name
    UNION
    SELECT s.rule_id, s.side, 'group', g.pk, g.display_name
    FROM side s
    JOIN principals p ON p.id = lower(s.name) AND p.type = 'group'
    JOIN groups g ON g.pk = p.pk
    UNION
    SELECT s.rule_id, s.side, 'role', rd.pk, rd.display_name
    FROM side s
    JOIN role_definitions rd ON rd.display_name = s.name OR rd.id = s.name
                                OR rd.template_id = s.name
    UNION
    SELECT s.rule_id, s.side, 'access package', ap.pk, ap.display_name
    FROM side s
    JOIN access_packages ap ON ap.display_name = s.name OR ap.id = s.name
),
-- Role assignments of the named roles in force at :as_of.
role_in_force (rule_id, side, principal_pk, state, label) AS (
    SELECT t.rule_id, t.side, ra.principal_pk, ra.state,
           t.name || ' (' || ra.state || ')'
    FROM target t
    CROSS JOIN role_assignments ra ON ra.role_definition_pk = t.pk
    WHERE t.kind = 'role'
      AND (ra.start_date_time IS NULL OR ra.start_date_time <= :as_of)
      AND (ra.end_date_time IS NULL OR ra.end_date_time > :as_of)
),
-- The groups a side reaches: a named group, or a group a named role is
-- assigned to, and every group nested in them, with the path ("A > B").
-- A walk stops at a group already on its trail (nesting cycles).
walk (rule_id, side, group_pk, state, trail, path) AS (
    SELECT t.rule_id, t.side, t.pk, 'active', '/' || t.pk || '/', t.name
    FROM target t
    WHERE t.kind = 'group'
    UNION ALL
    SELECT r.rule_id, r.side, r.principal_pk, r.state,
           '/' || r.principal_pk || '/', r.label || ' via ' || g.display_name
    FROM role_in_force r
    CROSS JOIN groups g ON g.pk = r.principal_pk
    UNION ALL
    SELECT w.rule_id, w.side, gm.member_pk, w.state,
           w.trail || gm.member_pk || '/', w.path || ' > ' || g.display_name
    FROM walk w
    CROSS JOIN group_members gm ON gm.group_pk = w.group_pk
    CROSS JOIN groups g ON g.pk = gm.member_pk
    WHERE instr(w.trail, '/' || gm.member_pk || '/') = 0
),
-- Who holds a side (users and service principals, never groups), one row
-- per route, with its state:
--   a named role assigned to them directly ("Role (active, direct)");
--   a delivered assignment of a named access package ("Package (access
--   package)");
--   membership of a group the side reaches ("A > B");
--   a PIM for groups assignment as member of such a group, eligible or
--   active ("A (PIM for groups, eligible member)").
-- Group owners, app roles and Active Directory groups are not covered.
holder (rule_id, side, principal_pk, state, path) AS (
    SELECT r.rule_id, r.side, r.principal_pk, r.state,
           substr(r.label, 1, length(r.label) - 1) || ', direct)'
    FROM role_in_force r
    JOIN principals p ON p.pk = r.principal_pk AND p.type <> 'group'
    UNION ALL
    SELECT t.rule_id, t.side, apa.target_pk, 'active',
           t.name || ' (access package)'
    FROM target t
    CROSS JOIN access_package_assignments apa
        ON apa.access_package_pk = t.pk
    CROSS JOIN principals p ON p.pk = apa.target_pk AND p.type <> 'group'
    WHERE t.kind = 'access package' AND lower(apa.state) = 'delivered'
      AND (apa.start_date_time IS NULL OR apa.start_date_time <= :as_of)
      AND (apa.end_date_time IS NULL OR apa.end_date_time > :as_of)
    UNION ALL
    SELECT w.rule_id, w.side, gm.member_pk, w.state, w.path
    FROM walk w
    CROSS JOIN group_members gm ON gm.group_pk = w.group_pk
    CROSS JOIN principals p ON p.pk = gm.member_pk AND p.type <> 'group'
    UNION ALL
    SELECT w.rule_id, w.side, x.principal_pk,
           CASE WHEN w.state = 'active' AND x.state = 'active'
                THEN 'active' ELSE 'eligible' END,
           w.path || ' (PIM for groups, ' || x.state || ' member)'
    FROM walk w
    CROSS JOIN pim_group_assignments x ON x.group_pk = w.group_pk
    CROSS JOIN principals p ON p.pk = x.principal_pk AND p.type <> 'group'
    WHERE x.access_id = 'member'
      AND (x.start_date_time IS NULL OR x.start_date_time <= :as_of)
      AND (x.end_date_time IS NULL OR x.end_date_time > :as_of)
),
-- Principals holding both sides of a rule.
conflict (rule_id, principal_pk) AS (
    SELECT DISTINCT l.rule_id, l.principal_pk
    FROM holder l
    JOIN holder r ON r.rule_id = l.rule_id AND r.principal_pk = l.principal_pk
    WHERE l.side = 'left' AND r.side = 'right'
)
-- ---- end of segregation of duties
,
-- All paths of a principal to one side in one cell: group_concat over a
-- window whose ORDER BY fixes the order; the partition's last row has all.
paths (rule_id, principal_pk, side, paths, active) AS (
    SELECT rule_id, principal_pk, side, paths, active
    FROM (SELECT h.rule_id, h.principal_pk, h.side,
                 group_concat(h.path, '; ') OVER w AS paths,
                 max(h.state = 'active') OVER w AS active,
                 row_number() OVER w AS nth,
                 count(*) OVER (PARTITION BY h.rule_id, h.principal_pk, h.side)
                     AS n
          FROM (SELECT DISTINCT h.rule_id, h.principal_pk, h.side, h.path,
                       h.state
                FROM holder h
                JOIN conflict c ON c.rule_id = h.rule_id
                               AND c.principal_pk = h.principal_pk) h
          WINDOW w AS (PARTITION BY h.rule_id, h.principal_pk, h.side
                       ORDER BY h.path, h.state
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
    WHERE nth = n
)
SELECT c.rule_id AS rule_id,
       p.display_name AS principal,
       u.user_principal_name AS upn,
       CASE WHEN p.type = 'servicePrincipal' THEN 'Service principal'
            WHEN u.user_type = 'Guest' THEN 'Guest'
            WHEN p.type = 'device' THEN 'Device'
            ELSE 'User' END AS principal_type,
       coalesce(u.account_enabled, sp.account_enabled) AS account_enabled,
       r.left_access AS left_access,
       l.paths AS left_paths,
       r.right_access AS right_access,
       rt.paths AS right_paths,
       CASE WHEN l.active AND rt.active THEN 'Active' ELSE 'Eligible' END
           AS state,
       r.description AS description
FROM conflict c
JOIN sod_rules r ON r.id = c.rule_id
JOIN paths l ON l.rule_id = c.rule_id AND l.principal_pk = c.principal_pk
            AND l.side = 'left'
JOIN paths rt ON rt.rule_id = c.rule_id AND rt.principal_pk = c.principal_pk
             AND rt.side = 'right'
JOIN principals p ON p.pk = c.principal_pk
LEFT JOIN users u ON u.pk = c.principal_pk
LEFT JOIN service_principals sp ON sp.pk = c.principal_pk
ORDER BY c.rule_id, p.display_name, upn, c.principal_pk;
