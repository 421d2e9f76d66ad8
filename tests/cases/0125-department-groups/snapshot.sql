SELECT entity, row_count, dangling_count FROM source ORDER BY id;
SELECT d.department, p.id, p.display_name, d.line FROM department_groups d JOIN principals p ON p.pk = d.group_pk ORDER BY d.line;
