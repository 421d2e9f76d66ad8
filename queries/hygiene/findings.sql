-- hygiene/findings.sql
--
-- The clean-up worklist of an IAM operations team: one row per finding, each
-- with a fixed code (HYG-001 to HYG-014, below), its severity, the object it
-- is about (type, name, UPN or id), details and the remediation. Sorted by
-- severity, then code, then object.
--
-- Parameters:
--   :as_of              a UTC time (YYYY-MM-DDTHH:MM:SSZ): the moment the
--                       checks describe; role, PIM for groups and access
--                       package assignments that ended by then do not count,
--                       HR terminations before its date count
--   :stale_days         an account with no sign-in since :as_of minus this
--                       many days is stale (HYG-007); one that never signed
--                       in and was created before then, too (HYG-008)
--   :sensitive_groups   group display names or object ids, comma-separated,
--                       sensitive on top of the role-assignable groups and
--                       the groups holding a privileged role (may be empty)
--   :break_glass        UPNs of break-glass (emergency access) accounts,
--                       comma-separated: not reported as orphans (HYG-001)
--                       or for a missing department (HYG-014) (may be empty)
--
-- Run it in the sqlite3 shell:
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .param set :stale_days 90
--   .param set :sensitive_groups "''"
--   .param set :break_glass "''"
--   .read queries/hygiene/findings.sql
WITH RECURSIVE
-- ---- findings: the same text in hygiene/findings.sql and hygiene/summary.sql
-- The codes: severity and its order, the finding, the remediation.
codes (code, severity, severity_order, finding, remediation) AS (VALUES
    ('HYG-001', 'High', 1, 'Orphaned account: enabled, no HR record',
     'Link it to its HR record, or disable it and remove its access.'),
    ('HYG-002', 'High', 1, 'Disabled account still holds access',
     'Remove its groups, roles, PIM for groups, packages and app roles, or delete it.'),
    ('HYG-003', 'High', 1, 'Group owner not an active employee',
     'Name an owner who is an active employee; remove this one.'),
    ('HYG-004', 'High', 1, 'Guest with access to a sensitive group',
     'Confirm the need with the owner; remove it, or grant it through an expiring access package.'),
    ('HYG-005', 'Medium', 2, 'Group without an owner',
     'Name an accountable owner (two for a sensitive group), or delete the group.'),
    ('HYG-006', 'Medium', 2, 'Group owner account disabled',
     'Name an active owner in place of the disabled one.'),
    ('HYG-007', 'Medium', 2, 'Stale account: no recent sign-in',
     'Confirm with the manager or sponsor; disable it and remove its access if unneeded.'),
    ('HYG-008', 'Medium', 2, 'Account never signed in',
     'Confirm with the manager or sponsor; disable or delete it if unneeded.'),
    ('HYG-009', 'Medium', 2, 'Group nesting cycle',
     'Remove one of the nesting memberships to break the cycle.'),
    ('HYG-010', 'Low', 3, 'Direct app role also granted through a group',
     'Grant it through the group (or its access package); remove the direct assignment.'),
    ('HYG-011', 'Low', 3, 'Empty group',
     'Delete the group, or record why it is kept empty.'),
    ('HYG-012', 'Low', 3, 'Group without a description',
     'Describe what the group is for and what it grants.'),
    ('HYG-013', 'Low', 3, 'Access package without a description',
     'Describe what the package grants and who should request it.'),
    ('HYG-014', 'Low', 3, 'Member account without a department',
     'Fill in the department, from HR where it has one.')
),
-- The moment of the checks and the stale threshold.
clock (as_of, as_of_date, stale_before) AS (
    SELECT :as_of, substr(:as_of, 1, 10),
           strftime('%Y-%m-%dT%H:%M:%SZ', :as_of, (-1 * :stale_days) || ' days')
),
-- A comma-separated list parameter, one trimmed item a row.
sensitive_names (item, rest) AS (
    SELECT NULL, coalesce(:sensitive_groups, '') || ','
    UNION ALL
    SELECT trim(substr(rest, 1, instr(rest, ',') - 1)),
           substr(rest, instr(rest, ',') + 1)
    FROM sensitive_names WHERE rest <> ''
),
break_glass_names (item, rest) AS (
    SELECT NULL, coalesce(:break_glass, '') || ','
    UNION ALL
    SELECT lower(trim(substr(rest, 1, instr(rest, ',') - 1))),
           substr(rest, instr(rest, ',') + 1)
    FROM break_glass_names WHERE rest <> ''
),
-- Every user with what the checks need: guest, break-glass, HR match.
person (pk, id, name, upn, enabled, guest, break_glass, department,
        employee_id, hr_found, hr_department, gone, gone_why, last_sign_in,
        created) AS (
    SELECT u.pk, u.id, u.display_name, u.user_principal_name,
           coalesce(u.account_enabled, 1),
           (coalesce(u.user_type, '') = 'Guest'
            OR u.user_principal_name LIKE '%#EXT#%'),
           lower(u.user_principal_name) IN (
               SELECT item FROM break_glass_names WHERE item <> ''),
           nullif(trim(coalesce(u.department, '')), ''),
           u.employee_id, hp.employee_id IS NOT NULL, hp.department,
           coalesce(hp.employee_id IS NULL OR lower(hp.status) = 'terminated'
                    OR hp.termination_date < c.as_of_date, 0),
           CASE WHEN hp.employee_id IS NULL AND u.employee_id IS NULL
                    THEN 'no HR record (no employee id)'
                WHEN hp.employee_id IS NULL
                    THEN 'no HR record for employee id ' || u.employee_id
                WHEN lower(hp.status) = 'terminated'
                     OR hp.termination_date < c.as_of_date
                    THEN 'left: HR status ' || coalesce(hp.status, '-')
                         || coalesce(', termination date '
                                     || hp.termination_date, '') END,
           u.last_sign_in_date_time, u.created_date_time
    FROM users u
    CROSS JOIN clock c
    LEFT JOIN hr_people hp ON hp.employee_id = u.employee_id
),
-- Groups that are sensitive, and why: role-assignable, holding a privileged
-- directory role in force at :as_of, or named in :sensitive_groups.
sensitive_why (group_pk, why) AS (
    SELECT g.pk, 'role-assignable' FROM groups g
    WHERE g.is_assignable_to_role = 1
    UNION
    SELECT ra.principal_pk, 'holds ' || rd.display_name
    FROM role_assignments ra
    JOIN role_definitions rd ON rd.pk = ra.role_definition_pk
    JOIN groups g ON g.pk = ra.principal_pk
    CROSS JOIN clock c
    WHERE rd.is_privileged
      AND (ra.start_date_time IS NULL OR ra.start_date_time <= c.as_of)
      AND (ra.end_date_time IS NULL OR ra.end_date_time > c.as_of)
    UNION
    SELECT g.pk, 'named in sensitive_groups'
    FROM sensitive_names n
    JOIN groups g ON g.display_name = n.item COLLATE NOCASE
                     OR g.id = lower(n.item)
    WHERE n.item <> ''
),
sensitive (group_pk, why) AS (
    SELECT group_pk, group_concat(why, ', ')
    FROM (SELECT * FROM sensitive_why ORDER BY group_pk, why)
    GROUP BY group_pk
),
-- Owners of each group: group_owners, and PIM for groups owner assignments
-- (eligible or active) in force at :as_of.
ownership (group_pk, owner_pk) AS (
    SELECT group_pk, owner_pk FROM group_owners
    UNION
    SELECT x.group_pk, x.principal_pk
    FROM pim_group_assignments x
    CROSS JOIN clock c
    WHERE x.access_id = 'owner'
      AND (x.start_date_time IS NULL OR x.start_date_time <= c.as_of)
      AND (x.end_date_time IS NULL OR x.end_date_time > c.as_of)
),
-- Each owner judged: disabled (user or service principal), or an enabled
-- user who is not an active employee; good otherwise.
owner_state (group_pk, owner_pk, name, ref, disabled, gone, why) AS (
    SELECT o.group_pk, o.owner_pk, p.display_name,
           coalesce(pe.upn, p.id),
           coalesce(pe.enabled, sp.account_enabled, 1) = 0,
           coalesce(pe.enabled, 1) = 1 AND pe.gone,
           CASE WHEN pe.guest THEN 'a guest, ' ELSE '' END || pe.gone_why
    FROM ownership o
    JOIN principals p ON p.pk = o.owner_pk
    LEFT JOIN person pe ON pe.pk = o.owner_pk
    LEFT JOIN service_principals sp ON sp.pk = o.owner_pk
),
good_owners (group_pk, n) AS (
    SELECT group_pk, count(*) FROM owner_state
    WHERE NOT disabled AND NOT coalesce(gone, 0)
    GROUP BY group_pk
),
-- Disabled accounts (users and service principals) and what they still
-- hold, one row per kind of access with a count and the first three names.
disabled (pk, type, name, ref, id) AS (
    SELECT pk, CASE WHEN guest THEN 'Guest' ELSE 'User' END, name, upn, id
    FROM person WHERE enabled = 0
    UNION ALL
    SELECT pk, 'Service principal', display_name, id, id
    FROM service_principals WHERE account_enabled = 0
),
holding (pk, kind_order, kind, label) AS (
    SELECT d.pk, 1, 'groups', g.display_name
    FROM disabled d
    JOIN group_members e ON e.member_pk = d.pk
    JOIN principals g ON g.pk = e.group_pk
    UNION ALL
    SELECT d.pk, 2, 'directory roles',
           rd.display_name || ' (' || ra.state || ')'
    FROM disabled d
    JOIN role_assignments ra ON ra.principal_pk = d.pk
    JOIN role_definitions rd ON rd.pk = ra.role_definition_pk
    CROSS JOIN clock c
    WHERE ra.end_date_time IS NULL OR ra.end_date_time > c.as_of
    UNION ALL
    SELECT d.pk, 3, 'PIM for groups',
           g.display_name || ' (' || x.state || ' ' || x.access_id || ')'
    FROM disabled d
    JOIN pim_group_assignments x ON x.principal_pk = d.pk
    JOIN principals g ON g.pk = x.group_pk
    CROSS JOIN clock c
    WHERE x.end_date_time IS NULL OR x.end_date_time > c.as_of
    UNION ALL
    SELECT d.pk, 4, 'access packages', ap.display_name
    FROM disabled d
    JOIN access_package_assignments apa ON apa.target_pk = d.pk
    JOIN access_packages ap ON ap.pk = apa.access_package_pk
    CROSS JOIN clock c
    WHERE coalesce(lower(apa.state), '') NOT IN ('expired', 'deliveryfailed')
      AND (apa.end_date_time IS NULL OR apa.end_date_time > c.as_of)
    UNION ALL
    SELECT d.pk, 5, 'app roles', r.display_name
    FROM disabled d
    JOIN app_role_assignments a ON a.principal_pk = d.pk
    JOIN principals r ON r.pk = a.resource_pk
),
holding_kind (pk, kind_order, text) AS (
    SELECT pk, kind_order,
           kind || ' (' || count(*) || '): '
           || group_concat(CASE WHEN n <= 3 THEN label END, ', ')
           || CASE WHEN count(*) > 3 THEN ', ...' ELSE '' END
    FROM (SELECT h.*, row_number() OVER (PARTITION BY pk, kind_order
                                         ORDER BY label) AS n
          FROM holding h ORDER BY pk, kind_order, label)
    GROUP BY pk, kind_order
),
-- Group-in-group edges only (a: the group, b: the group nested in it),
-- reached from the groups so the index on member_pk is used. A group on a
-- cycle has both a parent and a child group: the walk keeps to those.
nesting (a, b) AS (
    SELECT e.group_pk, e.member_pk
    FROM groups m CROSS JOIN group_members e ON e.member_pk = m.pk
),
cycle_node (pk) AS (
    SELECT a FROM nesting INTERSECT SELECT b FROM nesting
),
cycle_edge (a, b) AS (
    SELECT a, b FROM nesting
    WHERE a IN (SELECT pk FROM cycle_node) AND b IN (SELECT pk FROM cycle_node)
),
-- Which group reaches which through nesting (UNION: each pair once, so the
-- walk ends on cycles). Groups that reach each other are one cycle (a
-- strongly connected set); root is its group with the lowest pk.
reach (s, t) AS (
    SELECT a, b FROM cycle_edge
    UNION
    SELECT r.s, e.b FROM reach r JOIN cycle_edge e ON e.a = r.t
),
cycle_member (pk, root) AS (
    SELECT r.s, min(r.t)
    FROM reach r
    WHERE EXISTS (SELECT 1 FROM reach x WHERE x.s = r.s AND x.t = r.s)
      AND EXISTS (SELECT 1 FROM reach x WHERE x.s = r.t AND x.t = r.s)
    GROUP BY r.s
),
cycle_link (root, a, b) AS (
    SELECT ma.root, e.a, e.b
    FROM cycle_edge e
    JOIN cycle_member ma ON ma.pk = e.a
    JOIN cycle_member mb ON mb.pk = e.b AND mb.root = ma.root
),
-- Each cycle is shown from its group with the first name.
cycle (root, start_pk, groups, links) AS (
    SELECT m.root,
           (SELECT m2.pk FROM cycle_member m2 JOIN groups g2 ON g2.pk = m2.pk
            WHERE m2.root = m.root ORDER BY g2.display_name, g2.id LIMIT 1),
           count(*),
           (SELECT count(*) FROM cycle_link l WHERE l.root = m.root)
    FROM cycle_member m
    GROUP BY m.root
),
-- A simple cycle (as many nesting links as groups) is written as its path,
-- A > B > C > A, walked from the start group.
cycle_walk (root, start_pk, cur, path, k) AS (
    SELECT c.root, c.start_pk, c.start_pk, g.display_name, 0
    FROM cycle c CROSS JOIN groups g ON g.pk = c.start_pk
    WHERE c.links = c.groups
    UNION ALL
    SELECT w.root, w.start_pk, l.b, w.path || ' > ' || g.display_name, w.k + 1
    FROM cycle_walk w
    JOIN cycle_link l ON l.root = w.root AND l.a = w.cur
    JOIN groups g ON g.pk = l.b
    WHERE w.k = 0 OR w.cur <> w.start_pk
),
-- App roles assigned to groups, by resource and app role (no app role id:
-- ''), and each such group with the groups nested in it (UNION: each pair
-- once, so nesting cycles end).
app_grant (resource_pk, role_key, group_pk) AS (
    SELECT a.resource_pk, coalesce(a.app_role_id, ''), a.principal_pk
    FROM app_role_assignments a JOIN groups g ON g.pk = a.principal_pk
),
app_grant_nest (top_pk, group_pk) AS (
    SELECT DISTINCT group_pk, group_pk FROM app_grant
    UNION
    SELECT n.top_pk, e.member_pk
    FROM app_grant_nest n
    JOIN group_members e ON e.group_pk = n.group_pk
    JOIN groups x ON x.pk = e.member_pk
),
-- Direct app role assignments (not to a group) of an app role that a group
-- is assigned on the same resource.
direct_app_role (id, principal_pk, resource_pk, app_role_id) AS (
    SELECT a.id, a.principal_pk, a.resource_pk, a.app_role_id
    FROM app_role_assignments a
    JOIN principals p ON p.pk = a.principal_pk AND p.type <> 'group'
    WHERE (a.resource_pk, coalesce(a.app_role_id, ''))
          IN (SELECT resource_pk, role_key FROM app_grant)
),
-- Each sensitive group with the groups nested in it, and the guests' routes
-- into sensitive groups: membership (direct, or through the nested group
-- the guest is a direct member of), ownership, and PIM for groups
-- assignments in force at :as_of. CROSS JOIN keeps SQLite walking from the
-- few sensitive groups to their members, not from every group.
guest (pk) AS (
    SELECT pk FROM person WHERE guest
),
sensitive_nest (top_pk, group_pk) AS (
    SELECT group_pk, group_pk FROM sensitive
    UNION
    SELECT n.top_pk, e.member_pk
    FROM sensitive_nest n
    JOIN group_members e ON e.group_pk = n.group_pk
    JOIN groups x ON x.pk = e.member_pk
),
guest_route (guest_pk, group_pk, how) AS (
    SELECT e.member_pk, n.top_pk,
           CASE WHEN n.group_pk = n.top_pk THEN 'member'
                ELSE 'member through ' || v.display_name END
    FROM sensitive_nest n
    CROSS JOIN group_members e ON e.group_pk = n.group_pk
    CROSS JOIN guest gu ON gu.pk = e.member_pk
    CROSS JOIN groups v ON v.pk = n.group_pk
    UNION ALL
    SELECT o.owner_pk, o.group_pk, 'owner'
    FROM sensitive s
    JOIN group_owners o ON o.group_pk = s.group_pk
    JOIN guest gu ON gu.pk = o.owner_pk
    UNION ALL
    SELECT x.principal_pk, x.group_pk,
           x.state || ' ' || x.access_id || ' (PIM for groups)'
    FROM sensitive s
    JOIN pim_group_assignments x ON x.group_pk = s.group_pk
    JOIN guest gu ON gu.pk = x.principal_pk
    CROSS JOIN clock c
    WHERE (x.start_date_time IS NULL OR x.start_date_time <= c.as_of)
      AND (x.end_date_time IS NULL OR x.end_date_time > c.as_of)
),
-- ---- the findings, one SELECT per code
found (code, object_type, object_name, object_ref, object_id, details) AS (
    -- HYG-001 enabled member accounts (not guests, not break-glass) whose
    -- employee id matches no HR record, or that have none.
    SELECT 'HYG-001', 'User', p.name, p.upn, p.id,
           p.gone_why || '; department ' || coalesce(p.department, '-')
           || '; last sign-in '
           || coalesce(substr(p.last_sign_in, 1, 10), 'never')
    FROM person p
    WHERE p.enabled = 1 AND NOT p.guest AND NOT p.break_glass
      AND NOT p.hr_found
    UNION ALL
    -- HYG-002 disabled accounts holding anything but group ownership.
    SELECT 'HYG-002', d.type, d.name, d.ref, d.id,
           (SELECT group_concat(text, '; ')
               FROM (SELECT text FROM holding_kind k
                     WHERE k.pk = d.pk ORDER BY kind_order))
    FROM disabled d
    WHERE EXISTS (SELECT 1 FROM holding_kind k WHERE k.pk = d.pk)
    UNION ALL
    -- HYG-003 an owner who is an enabled user with no HR record, or whose
    -- HR record says terminated (or a termination date before :as_of).
    SELECT 'HYG-003', 'Group', g.display_name, g.id, g.id,
           'owner ' || o.name || ': ' || o.why
           || CASE coalesce(go.n, 0) WHEN 0 THEN '; no owner in good standing'
                   ELSE '; owners in good standing: ' || go.n END
           || '; ' || o.ref
    FROM owner_state o
    JOIN groups g ON g.pk = o.group_pk
    LEFT JOIN good_owners go ON go.group_pk = o.group_pk
    WHERE o.gone
    UNION ALL
    -- HYG-004 a guest who is a member (directly or through nesting), owner
    -- or PIM for groups assignee of a sensitive group.
    SELECT 'HYG-004', 'Guest', p.name, p.upn, p.id,
           r.group_name || ' (' || r.why || '): ' || r.hows
    FROM (SELECT gr.guest_pk, g.display_name AS group_name, s.why,
                 group_concat(gr.how, '; ') AS hows
          FROM (SELECT DISTINCT * FROM guest_route
                ORDER BY guest_pk, group_pk, how) gr
          JOIN sensitive s ON s.group_pk = gr.group_pk
          JOIN groups g ON g.pk = gr.group_pk
          GROUP BY gr.guest_pk, gr.group_pk) r
    JOIN person p ON p.pk = r.guest_pk
    UNION ALL
    -- HYG-005 groups with no owner, counting PIM for groups owners.
    SELECT 'HYG-005', 'Group', g.display_name, g.id, g.id,
           CASE WHEN s.group_pk IS NOT NULL
                THEN 'sensitive (' || s.why || '); ' ELSE '' END
           || (SELECT count(*) FROM group_members e WHERE e.group_pk = g.pk)
           || ' direct members'
           || CASE WHEN g.on_premises_sync_enabled = 1
                   THEN '; synced from on-premises AD' ELSE '' END
    FROM groups g
    LEFT JOIN sensitive s ON s.group_pk = g.pk
    WHERE NOT EXISTS (SELECT 1 FROM ownership o WHERE o.group_pk = g.pk)
    UNION ALL
    -- HYG-006 an owner whose account (user or service principal) is
    -- disabled.
    SELECT 'HYG-006', 'Group', g.display_name, g.id, g.id,
           'owner ' || o.name || ' is disabled'
           || CASE coalesce(go.n, 0) WHEN 0 THEN '; no owner in good standing'
                   ELSE '; owners in good standing: ' || go.n END
           || '; ' || o.ref
    FROM owner_state o
    JOIN groups g ON g.pk = o.group_pk
    LEFT JOIN good_owners go ON go.group_pk = o.group_pk
    WHERE o.disabled
    UNION ALL
    -- HYG-007 users (enabled or not, members and guests) whose last sign-in
    -- is before :as_of minus :stale_days days.
    SELECT 'HYG-007', CASE WHEN p.guest THEN 'Guest' ELSE 'User' END,
           p.name, p.upn, p.id,
           'last sign-in ' || substr(p.last_sign_in, 1, 10) || ' ('
           || CAST(julianday(c.as_of) - julianday(p.last_sign_in) AS INTEGER)
           || ' days); account '
           || CASE p.enabled WHEN 1 THEN 'enabled' ELSE 'disabled' END
    FROM person p CROSS JOIN clock c
    WHERE p.last_sign_in < c.stale_before
    UNION ALL
    -- HYG-008 users who never signed in, created before the stale threshold
    -- (or at an unknown time): newer accounts may still be waiting for
    -- their first day.
    SELECT 'HYG-008', CASE WHEN p.guest THEN 'Guest' ELSE 'User' END,
           p.name, p.upn, p.id,
           'never signed in; created '
           || coalesce(substr(p.created, 1, 10), 'at an unknown time')
           || '; account '
           || CASE p.enabled WHEN 1 THEN 'enabled' ELSE 'disabled' END
    FROM person p CROSS JOIN clock c
    WHERE p.last_sign_in IS NULL
      AND (p.created IS NULL OR p.created < c.stale_before)
    UNION ALL
    -- HYG-009 one finding per nesting cycle: a set of groups that contain
    -- each other through nesting (strongly connected), shown from its group
    -- with the first name; a simple loop as its path A > B > C > A, a set
    -- with more links than groups (loops sharing groups) as its links.
    SELECT 'HYG-009', 'Group', g.display_name, g.id, g.id,
           coalesce((SELECT CASE c.groups WHEN 1
                                 THEN 'a group nested in itself: '
                                 ELSE 'cycle of ' || c.groups || ' groups: '
                            END || w.path
                     FROM cycle_walk w
                     WHERE w.root = c.root AND w.k > 0
                       AND w.cur = w.start_pk),
                    c.groups || ' groups nested in each other through '
                    || c.links || ' links: '
                    || (SELECT group_concat(x, '; ')
                        FROM (SELECT ga.display_name || ' > '
                                     || gb.display_name AS x
                              FROM cycle_link l
                              JOIN groups ga ON ga.pk = l.a
                              JOIN groups gb ON gb.pk = l.b
                              WHERE l.root = c.root ORDER BY x)))
    FROM cycle c CROSS JOIN groups g ON g.pk = c.start_pk
    UNION ALL
    -- HYG-010 a direct app role assignment where a group is assigned the
    -- same app role on the same resource.
    SELECT 'HYG-010',
           CASE p.type WHEN 'servicePrincipal' THEN 'Service principal'
                ELSE CASE WHEN pe.guest THEN 'Guest' ELSE 'User' END END,
           p.display_name, coalesce(pe.upn, p.id), p.id,
           'also granted to '
           || (SELECT group_concat(x, ', ')
               FROM (SELECT g.display_name
                            || CASE WHEN EXISTS (
                                   SELECT 1 FROM app_grant_nest n
                                   JOIN group_members e
                                     ON e.group_pk = n.group_pk
                                    AND e.member_pk = d.principal_pk
                                   WHERE n.top_pk = g.pk)
                               THEN ' (a member: redundant)'
                               ELSE ' (not a member)' END AS x
                     FROM app_grant ga
                     JOIN groups g ON g.pk = ga.group_pk
                     WHERE ga.resource_pk = d.resource_pk
                       AND ga.role_key = coalesce(d.app_role_id, '')
                     ORDER BY 1))
           || '; app role ' || coalesce(d.app_role_id, '-') || ' on '
           || r.display_name
    FROM direct_app_role d
    JOIN principals p ON p.pk = d.principal_pk
    JOIN principals r ON r.pk = d.resource_pk
    LEFT JOIN person pe ON pe.pk = d.principal_pk
    UNION ALL
    -- HYG-011 groups with no members and no PIM for groups member
    -- assignment in force at :as_of.
    SELECT 'HYG-011', 'Group', g.display_name, g.id, g.id,
           'no members'
           || CASE WHEN coalesce(g.membership_rule, '') <> ''
                   THEN '; its dynamic membership rule matches nobody'
                   ELSE '' END
           || CASE WHEN EXISTS (SELECT 1 FROM ownership o
                                WHERE o.group_pk = g.pk)
                   THEN '' ELSE '; no owner' END
    FROM groups g CROSS JOIN clock c
    WHERE NOT EXISTS (SELECT 1 FROM group_members e WHERE e.group_pk = g.pk)
      AND NOT EXISTS (
          SELECT 1 FROM pim_group_assignments x
          WHERE x.group_pk = g.pk AND x.access_id = 'member'
            AND (x.end_date_time IS NULL OR x.end_date_time > c.as_of))
    UNION ALL
    -- HYG-012 groups whose description is missing or blank.
    SELECT 'HYG-012', 'Group', g.display_name, g.id, g.id,
           'no description'
    FROM groups g
    WHERE trim(coalesce(g.description, '')) = ''
    UNION ALL
    -- HYG-013 access packages whose description is missing or blank.
    SELECT 'HYG-013', 'Access package', ap.display_name, ap.id, ap.id,
           'no description; catalog ' || coalesce(ap.catalog_name, '-')
    FROM access_packages ap
    WHERE trim(coalesce(ap.description, '')) = ''
    UNION ALL
    -- HYG-014 enabled member accounts (not guests, not break-glass) with a
    -- missing or blank department.
    SELECT 'HYG-014', 'User', p.name, p.upn, p.id,
           CASE WHEN p.hr_department IS NOT NULL
                THEN 'no department; HR says ' || p.hr_department
                WHEN p.hr_found THEN 'no department, in HR either'
                ELSE 'no department; no HR record' END
    FROM person p
    WHERE p.enabled = 1 AND NOT p.guest AND NOT p.break_glass
      AND p.department IS NULL
),
findings (severity, code, finding, object_type, object_name, object_ref,
          details, remediation, object_id, severity_order, high) AS (
    SELECT c.severity, f.code, c.finding, f.object_type, f.object_name,
           f.object_ref, f.details, c.remediation, f.object_id,
           c.severity_order, c.severity = 'High'
    FROM found f CROSS JOIN codes c ON c.code = f.code
)
-- ---- end of findings
SELECT severity, code, finding, object_type, object_name, object_ref,
       details, remediation, object_id, high
FROM findings
ORDER BY severity_order, code, object_name COLLATE NOCASE, object_name,
         object_ref, details, object_id;
