SELECT id, display_name, user_principal_name, user_type, account_enabled, department, replace(job_title, char(13, 10), '\r\n'), on_premises_sync_enabled, created_date_time, line FROM users ORDER BY line;
SELECT id, display_name, replace(description, char(13, 10), '\r\n'), line FROM groups;
SELECT group_name, member_name, member_type FROM group_members_named;
SELECT locator, row_count FROM source ORDER BY id;
SELECT tenant_name, as_of FROM snapshot;
