SELECT display_name, template_id, is_privileged FROM role_definitions ORDER BY pk;
SELECT principal_name, principal_type, role_name, is_privileged, state, directory_scope_id, coalesce(assignment_type, '-'), coalesce(start_date_time, '-'), coalesce(end_date_time, '-') FROM role_assignments_named;
