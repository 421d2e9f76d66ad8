-- privileged/ad.sql
--
-- Every Active Directory account in one of AD's privileged groups (Domain
-- Admins, Enterprise Admins, Schema Admins, Administrators, Account
-- Operators, Backup Operators, Server Operators, Print Operators, DnsAdmins,
-- Group Policy Creator Owners, and any group whose adminCount is 1 where
-- the snapshot knows it: ad_groups, which collect --ldap fills), directly
-- or through nested groups (path from the privileged group down), with the
-- Entra account of the same UPN and the HR record of the same employee id,
-- when there are. A walk stops
-- at a group already on its path. AD group memberships carry no dates: they
-- are as the export recorded them. Accounts holding a privileged group
-- through two paths have a row per path. attention: the account is disabled
-- (it should have left the group) or has no HR record (nobody answers for
-- it).
--
-- Run it in the sqlite3 shell:
--   .param set :stale_days 90
--   .param set :as_of "'2026-11-01T00:00:00Z'"
--   .read queries/privileged/ad.sql
WITH RECURSIVE
well_known (name) AS (
    VALUES ('Domain Admins'), ('Enterprise Admins'), ('Schema Admins'),
           ('Administrators'), ('Account Operators'), ('Backup Operators'),
           ('Server Operators'), ('Print Operators'), ('DnsAdmins'),
           ('Group Policy Creator Owners')
),
privileged_groups (name) AS (
    SELECT name FROM well_known
    UNION ALL
    SELECT g.name FROM ad_groups g
    WHERE g.admin_count = 1
      AND NOT EXISTS (SELECT 1 FROM well_known k
                      WHERE k.name = g.name COLLATE NOCASE)
),
walk (root, member, member_class, path, trail) AS (
    SELECT m.group_name, m.member, m.member_class, m.group_name,
           '/' || lower(m.group_name) || '/'
    FROM ad_group_members m
    JOIN privileged_groups p ON m.group_name = p.name COLLATE NOCASE
    UNION ALL
    SELECT w.root, m.member, m.member_class, w.path || ' > ' || m.group_name,
           w.trail || lower(m.group_name) || '/'
    FROM walk w
    JOIN ad_group_members m ON m.group_name = w.member COLLATE NOCASE
    WHERE w.member_class = 'group'
      AND instr(w.trail, '/' || lower(m.group_name) || '/') = 0
)
SELECT w.root AS ad_group,
       w.member AS sam_account_name,
       a.user_principal_name AS upn,
       a.enabled AS enabled,
       a.last_logon_date AS last_logon,
       CASE WHEN w.path = w.root THEN '' ELSE w.path END AS via_group,
       (u.pk IS NOT NULL) AS entra_account,
       (h.employee_id IS NOT NULL) AS hr_match,
       (NOT coalesce(a.enabled, 0)) AS disabled,
       (a.last_logon_date IS NULL OR
        a.last_logon_date < strftime('%Y-%m-%dT%H:%M:%SZ', :as_of,
                                     '-' || :stale_days || ' days')) AS stale,
       (h.employee_id IS NULL) AS no_hr_record,
       (NOT coalesce(a.enabled, 0) OR h.employee_id IS NULL) AS attention
FROM walk w
LEFT JOIN ad_users a ON a.sam_account_name = w.member COLLATE NOCASE
LEFT JOIN users u ON a.user_principal_name <> ''
     AND u.user_principal_name = a.user_principal_name COLLATE NOCASE
LEFT JOIN hr_people h ON a.employee_id <> '' AND h.employee_id = a.employee_id
WHERE w.member_class = 'user'
ORDER BY ad_group, sam_account_name, via_group;
