-- memberships50k.sql - the first 50,000 rows of memberships.sql, for the
-- PDF bench.
SELECT g.display_name AS group_name,
       m.display_name AS member,
       m.type AS member_type,
       u.user_principal_name AS upn,
       u.account_enabled AS enabled,
       u.last_sign_in_date_time AS last_sign_in,
       gm.line AS source_line,
       (u.account_enabled = 0) AS disabled
FROM group_members gm
JOIN principals g ON g.pk = gm.group_pk
JOIN principals m ON m.pk = gm.member_pk
LEFT JOIN users u ON u.pk = m.pk
LIMIT 50000;
