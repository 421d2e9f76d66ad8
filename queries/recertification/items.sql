-- recertification/items.sql
--
-- Every access to recertify at :as_of, one row per principal and object,
-- with the reviewer who decides on it:
-- * groups (when :scope is 'groups' or 'both'): every user or service
--   principal that is a member of a group at any depth, with how: 'Direct',
--   or 'Nested: A > B' naming the groups it came through (the shortest
--   path when there are several; the first by path when they tie). Groups
--   with a membership rule (dynamic groups) are left out: their members
--   follow the rule, and a decision on one member cannot be carried out.
-- * access packages (when :scope is 'access_packages' or 'both'): every
--   assignment delivered and in force at :as_of.
-- The reviewer (:reviewer):
-- * 'owner': the object's owner, the first enabled owner by UPN when there
--   are several (the others are listed as co-reviewers); access packages
--   have no owners in a snapshot, so their rows are unassigned;
-- * 'manager': the principal's manager, when enabled.
-- Rows without a reviewer keep an empty reviewer and say why, in
-- unassigned_reason. Ordered by reviewer first: the pack writes one
-- workbook per reviewer.
--
-- Run it in the sqlite3 shell:
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .param set :reviewer "'owner'"
--   .param set :scope "'both'"
--   .read queries/recertification/items.sql
WITH
-- each non-group member of each group, by its shortest path
reach AS (
    SELECT t.group_pk, t.member_pk, t.depth, t.path,
           row_number() OVER (PARTITION BY t.group_pk, t.member_pk
                              ORDER BY t.depth, t.path) AS n
    FROM group_members_transitive t
    JOIN groups g ON g.pk = t.group_pk
    JOIN principals m ON m.pk = t.member_pk
    WHERE :scope IN ('groups', 'both')
      AND m.type IN ('user', 'servicePrincipal')
      AND NOT t.cycle
      AND coalesce(g.membership_rule, '') = ''
),
group_items AS (
    SELECT 'Group' AS kind, group_pk AS object_pk, member_pk,
           CASE WHEN depth = 1 THEN 'Direct'
                ELSE 'Nested: ' || path END AS granted,
           NULL AS since
    FROM reach WHERE n = 1
),
package_items AS (
    SELECT 'Access package' AS kind, a.access_package_pk AS object_pk,
           a.target_pk AS member_pk, 'Access package' AS granted,
           a.start_date_time AS since
    FROM access_package_assignments a
    WHERE :scope IN ('access_packages', 'both')
      AND coalesce(a.state, 'delivered') = 'delivered'
      AND (a.start_date_time IS NULL OR a.start_date_time <= :as_of)
      AND (a.end_date_time IS NULL OR a.end_date_time > :as_of)
),
items AS (
    SELECT * FROM group_items UNION ALL SELECT * FROM package_items
),
-- owners of each group, enabled first, then by UPN
ranked_owners AS (
    SELECT o.group_pk, u.pk AS owner_pk, u.user_principal_name AS upn,
           u.display_name AS name, coalesce(u.account_enabled, 0) AS enabled,
           row_number() OVER (PARTITION BY o.group_pk
                              ORDER BY coalesce(u.account_enabled, 0) DESC,
                                       u.user_principal_name) AS n
    FROM group_owners o
    JOIN users u ON u.pk = o.owner_pk
),
owner_of AS (
    SELECT r.group_pk, r.upn, r.name, r.enabled,
           (SELECT group_concat(r2.name, '; ') FROM
                (SELECT name FROM ranked_owners r3
                 WHERE r3.group_pk = r.group_pk AND r3.n > 1
                 ORDER BY r3.n) r2) AS others,
           (SELECT count(*) FROM group_owners o2
            WHERE o2.group_pk = r.group_pk) AS owners
    FROM ranked_owners r
    WHERE r.n = 1
),
decided AS (
    SELECT i.*,
           CASE WHEN :reviewer = 'manager' THEN
                    CASE WHEN mg.pk IS NOT NULL AND mg.account_enabled
                         THEN mg.user_principal_name END
                WHEN i.kind = 'Group' AND ow.enabled THEN ow.upn
           END AS reviewer,
           CASE WHEN :reviewer = 'manager' THEN mg.display_name
                WHEN i.kind = 'Group' THEN ow.name END AS reviewer_name,
           CASE WHEN :reviewer = 'manager' THEN
                    CASE WHEN p.type <> 'user' THEN 'not a user: no manager'
                         WHEN u.manager_id IS NULL THEN 'no manager'
                         WHEN mg.pk IS NULL THEN 'manager not in the snapshot'
                         WHEN NOT coalesce(mg.account_enabled, 0)
                             THEN 'manager disabled'
                    END
                WHEN i.kind = 'Access package'
                    THEN 'access package owners are not in the snapshot'
                WHEN ow.group_pk IS NULL THEN 'group has no owner'
                WHEN NOT ow.enabled THEN 'every owner is disabled'
           END AS unassigned_reason,
           CASE WHEN :reviewer = 'owner' AND i.kind = 'Group'
                THEN ow.others END AS co_reviewers
    FROM items i
    JOIN principals p ON p.pk = i.member_pk
    LEFT JOIN users u ON u.pk = i.member_pk
    LEFT JOIN users mg ON mg.id = u.manager_id
    LEFT JOIN owner_of ow ON ow.group_pk = i.object_pk AND i.kind = 'Group'
)
SELECT d.reviewer,
       d.reviewer_name,
       p.display_name AS principal,
       u.user_principal_name AS upn,
       CASE WHEN p.type = 'servicePrincipal' THEN 'Service principal'
            WHEN u.user_type = 'Guest' THEN 'Guest'
            ELSE 'User' END AS principal_type,
       coalesce(u.account_enabled, sp.account_enabled) AS account_enabled,
       u.department,
       u.job_title,
       d.kind AS access_kind,
       coalesce(g.display_name, ap.display_name) AS access,
       d.granted,
       d.since,
       u.last_sign_in_date_time AS last_sign_in,
       d.co_reviewers,
       d.unassigned_reason,
       p.id AS principal_id,
       coalesce(g.id, ap.id) AS access_id,
       (d.reviewer IS NULL) AS unassigned
FROM decided d
JOIN principals p ON p.pk = d.member_pk
LEFT JOIN users u ON u.pk = d.member_pk
LEFT JOIN service_principals sp ON sp.pk = d.member_pk
LEFT JOIN groups g ON g.pk = d.object_pk AND d.kind = 'Group'
LEFT JOIN access_packages ap ON ap.pk = d.object_pk
     AND d.kind = 'Access package'
ORDER BY d.reviewer, access_kind, access, principal, upn, principal_id;
