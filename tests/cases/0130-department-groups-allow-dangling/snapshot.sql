SELECT entity, row_count, dangling_count FROM source ORDER BY id;
SELECT s.locator, d.line, d.column_name, d.value, d.expected FROM dangling_reference d JOIN source s ON s.id = d.source_id;
SELECT d.department, p.display_name FROM department_groups d JOIN principals p ON p.pk = d.group_pk;
