-- sod/rules.sql
--
-- Every rule in sod_rules at :as_of, what each side names (group, role,
-- access package, or "not found": a side naming nothing checks nothing)
-- and how many principals hold both sides (the rows of
-- sod/conflicts.sql), so a rule with no conflict is visibly checked.
-- attention (not shown; it drives the highlight) is set when a rule has
-- conflicts or a side names nothing. The steps between the "segregation
-- of duties" marker lines are the same text as in sod/conflicts.sql.
--
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .read queries/sod/rules.sql
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
-- What each side resolved to: its kinds, with a count where a name
-- matches several objects ("group (2)"), or "not found".
resolved (rule_id, side, kinds) AS (
    SELECT rule_id, side,
           coalesce(nullif(ltrim(
               CASE ng WHEN 0 THEN '' WHEN 1 THEN ', group'
                       ELSE ', group (' || ng || ')' END
               || CASE nr WHEN 0 THEN '' WHEN 1 THEN ', role'
                          ELSE ', role (' || nr || ')' END
               || CASE na WHEN 0 THEN '' WHEN 1 THEN ', access package'
                          ELSE ', access package (' || na || ')' END,
               ', '), ''), 'not found')
    FROM (SELECT s.rule_id, s.side,
                 count(CASE WHEN t.kind = 'group' THEN 1 END) AS ng,
                 count(CASE WHEN t.kind = 'role' THEN 1 END) AS nr,
                 count(CASE WHEN t.kind = 'access package' THEN 1 END) AS na
          FROM side s
          LEFT JOIN target t ON t.rule_id = s.rule_id AND t.side = s.side
          GROUP BY s.rule_id, s.side)
)
SELECT r.id AS rule_id,
       r.left_access AS left_access,
       l.kinds AS left_kind,
       r.right_access AS right_access,
       rt.kinds AS right_kind,
       r.description AS description,
       (SELECT count(*) FROM conflict c WHERE c.rule_id = r.id) AS conflicts,
       ((SELECT count(*) FROM conflict c WHERE c.rule_id = r.id) > 0
        OR l.kinds = 'not found' OR rt.kinds = 'not found') AS attention
FROM sod_rules r
JOIN resolved l ON l.rule_id = r.id AND l.side = 'left'
JOIN resolved rt ON rt.rule_id = r.id AND rt.side = 'right'
ORDER BY r.id, r.line;
