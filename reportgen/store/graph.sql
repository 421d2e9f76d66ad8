-- graph.sql - how a stored Microsoft Graph page becomes rows.
--
-- `reportgen collect --graph` keeps every answer of Graph in raw_page, then
-- runs the statements of its kind below on it, in the same transaction:
-- every row of the snapshot can be traced back to the page it came from
-- (raw_page.source_id = row.source_id, and the row's `line` is its position
-- in its collection: raw_page.first_line plus its index in the page's
-- `value` array). Each block starts with "-- @kind"; its statements run in
-- order with :page bound to raw_page.id and, for a group's members, owners
-- and PIM schedules, :group to the group's id. A reader can run any of
-- them in the sqlite3 shell on a snapshot collected with raw pages kept.
--
-- References to objects the snapshot does not hold (devices, contacts,
-- deleted principals, unknown roles) are not loaded; they are recorded in
-- dangling_reference, as `collect --csv --allow-dangling` does.

-- @count
-- An answer asked only for its @odata.count: kept, and no rows from it.
SELECT :page WHERE 0;

-- @users
INSERT INTO principals (id, type, display_name, source_id, line)
SELECT lower(json_extract(j.value, '$.id')), 'user',
       json_extract(j.value, '$.displayName'), r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;
INSERT INTO users (pk, id, display_name, user_principal_name, user_type,
                   account_enabled, department, job_title, employee_id,
                   manager_id, mail, created_date_time, last_sign_in_date_time,
                   on_premises_sync_enabled, source_id, line)
SELECT p.pk, p.id,
       json_extract(j.value, '$.displayName'),
       json_extract(j.value, '$.userPrincipalName'),
       nullif(json_extract(j.value, '$.userType'), ''),
       json_extract(j.value, '$.accountEnabled'),
       nullif(trim(json_extract(j.value, '$.department')), ''),
       nullif(trim(json_extract(j.value, '$.jobTitle')), ''),
       nullif(trim(json_extract(j.value, '$.employeeId')), ''),
       lower(json_extract(j.value, '$.manager.id')),
       nullif(trim(json_extract(j.value, '$.mail')), ''),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.createdDateTime')),
       strftime('%Y-%m-%dT%H:%M:%SZ',
                json_extract(j.value, '$.signInActivity.lastSignInDateTime')),
       json_extract(j.value, '$.onPremisesSyncEnabled'),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS p ON p.id = lower(json_extract(j.value, '$.id'))
WHERE r.id = :page;

-- @groups
INSERT INTO principals (id, type, display_name, source_id, line)
SELECT lower(json_extract(j.value, '$.id')), 'group',
       json_extract(j.value, '$.displayName'), r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;
INSERT INTO groups (pk, id, display_name, security_enabled, mail_enabled,
                    is_assignable_to_role, group_types, membership_rule,
                    on_premises_sync_enabled, description, source_id, line)
SELECT p.pk, p.id,
       json_extract(j.value, '$.displayName'),
       json_extract(j.value, '$.securityEnabled'),
       json_extract(j.value, '$.mailEnabled'),
       json_extract(j.value, '$.isAssignableToRole'),
       (SELECT group_concat(t.value, ';')
        FROM json_each(j.value, '$.groupTypes') AS t),
       nullif(json_extract(j.value, '$.membershipRule'), ''),
       json_extract(j.value, '$.onPremisesSyncEnabled'),
       nullif(trim(json_extract(j.value, '$.description')), ''),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS p ON p.id = lower(json_extract(j.value, '$.id'))
WHERE r.id = :page;

-- @service_principals
INSERT INTO principals (id, type, display_name, source_id, line)
SELECT lower(json_extract(j.value, '$.id')), 'servicePrincipal',
       json_extract(j.value, '$.displayName'), r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;
INSERT INTO service_principals (pk, id, display_name, app_id,
                                service_principal_type, account_enabled,
                                source_id, line)
SELECT p.pk, p.id,
       json_extract(j.value, '$.displayName'),
       lower(json_extract(j.value, '$.appId')),
       json_extract(j.value, '$.servicePrincipalType'),
       json_extract(j.value, '$.accountEnabled'),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS p ON p.id = lower(json_extract(j.value, '$.id'))
WHERE r.id = :page;

-- @group_members
INSERT INTO group_members (group_pk, member_pk, source_id, line)
SELECT g.pk, m.pk, r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS g ON g.id = lower(:group)
JOIN principals AS m ON m.id = lower(json_extract(j.value, '$.id'))
WHERE r.id = :page;
INSERT INTO dangling_reference (source_id, line, column_name, value, expected)
SELECT r.source_id, r.first_line + j.key, 'memberId',
       lower(json_extract(j.value, '$.id')),
       coalesce(json_extract(j.value, '$."@odata.type"'), 'a member')
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page
  AND NOT EXISTS (SELECT 1 FROM principals AS m
                  WHERE m.id = lower(json_extract(j.value, '$.id')));

-- @group_owners
INSERT INTO group_owners (group_pk, owner_pk, source_id, line)
SELECT g.pk, o.pk, r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS g ON g.id = lower(:group)
JOIN principals AS o ON o.id = lower(json_extract(j.value, '$.id'))
WHERE r.id = :page;
INSERT INTO dangling_reference (source_id, line, column_name, value, expected)
SELECT r.source_id, r.first_line + j.key, 'ownerId',
       lower(json_extract(j.value, '$.id')),
       coalesce(json_extract(j.value, '$."@odata.type"'), 'an owner')
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page
  AND NOT EXISTS (SELECT 1 FROM principals AS o
                  WHERE o.id = lower(json_extract(j.value, '$.id')));

-- @role_definitions
INSERT INTO role_definitions (id, display_name, template_id, is_built_in,
                              is_privileged, source_id, line)
SELECT lower(json_extract(j.value, '$.id')),
       json_extract(j.value, '$.displayName'),
       lower(json_extract(j.value, '$.templateId')),
       json_extract(j.value, '$.isBuiltIn'),
       json_extract(j.value, '$.isPrivileged'),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;

-- @role_assignments_active
INSERT INTO role_assignments (id, principal_pk, role_definition_pk, state,
                              directory_scope_id, assignment_type, member_type,
                              start_date_time, end_date_time, source_id, line)
SELECT json_extract(j.value, '$.id'), p.pk, d.pk, 'active',
       coalesce(json_extract(j.value, '$.directoryScopeId'), '/'),
       json_extract(j.value, '$.assignmentType'),
       json_extract(j.value, '$.memberType'),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.startDateTime')),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.endDateTime')),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS p ON p.id = lower(json_extract(j.value, '$.principalId'))
JOIN role_definitions AS d
  ON d.id = lower(json_extract(j.value, '$.roleDefinitionId'))
WHERE r.id = :page;
INSERT INTO dangling_reference (source_id, line, column_name, value, expected)
SELECT r.source_id, r.first_line + j.key, 'principalId or roleDefinitionId',
       lower(json_extract(j.value, '$.principalId')) || ' / ' ||
       lower(json_extract(j.value, '$.roleDefinitionId')),
       'a principal and a role definition'
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page
  AND (NOT EXISTS (SELECT 1 FROM principals AS p
                   WHERE p.id = lower(json_extract(j.value, '$.principalId')))
       OR NOT EXISTS (SELECT 1 FROM role_definitions AS d
                      WHERE d.id = lower(json_extract(j.value,
                                                      '$.roleDefinitionId'))));

-- @role_assignments_eligible
INSERT INTO role_assignments (id, principal_pk, role_definition_pk, state,
                              directory_scope_id, assignment_type, member_type,
                              start_date_time, end_date_time, source_id, line)
SELECT json_extract(j.value, '$.id'), p.pk, d.pk, 'eligible',
       coalesce(json_extract(j.value, '$.directoryScopeId'), '/'),
       NULL,
       json_extract(j.value, '$.memberType'),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.startDateTime')),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.endDateTime')),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS p ON p.id = lower(json_extract(j.value, '$.principalId'))
JOIN role_definitions AS d
  ON d.id = lower(json_extract(j.value, '$.roleDefinitionId'))
WHERE r.id = :page;
INSERT INTO dangling_reference (source_id, line, column_name, value, expected)
SELECT r.source_id, r.first_line + j.key, 'principalId or roleDefinitionId',
       lower(json_extract(j.value, '$.principalId')) || ' / ' ||
       lower(json_extract(j.value, '$.roleDefinitionId')),
       'a principal and a role definition'
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page
  AND (NOT EXISTS (SELECT 1 FROM principals AS p
                   WHERE p.id = lower(json_extract(j.value, '$.principalId')))
       OR NOT EXISTS (SELECT 1 FROM role_definitions AS d
                      WHERE d.id = lower(json_extract(j.value,
                                                      '$.roleDefinitionId'))));


-- @role_assignments_plain
-- Where PIM is not licensed: the standing assignments, all active and
-- direct, without start or end.
INSERT INTO role_assignments (id, principal_pk, role_definition_pk, state,
                              directory_scope_id, assignment_type, member_type,
                              start_date_time, end_date_time, source_id, line)
SELECT json_extract(j.value, '$.id'), p.pk, d.pk, 'active',
       coalesce(json_extract(j.value, '$.directoryScopeId'), '/'),
       'Assigned', 'Direct', NULL, NULL,
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS p ON p.id = lower(json_extract(j.value, '$.principalId'))
JOIN role_definitions AS d
  ON d.id = lower(json_extract(j.value, '$.roleDefinitionId'))
WHERE r.id = :page;
INSERT INTO dangling_reference (source_id, line, column_name, value, expected)
SELECT r.source_id, r.first_line + j.key, 'principalId or roleDefinitionId',
       lower(json_extract(j.value, '$.principalId')) || ' / ' ||
       lower(json_extract(j.value, '$.roleDefinitionId')),
       'a principal and a role definition'
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page
  AND (NOT EXISTS (SELECT 1 FROM principals AS x WHERE x.id = lower(json_extract(j.value, '$.principalId')))
       OR NOT EXISTS (SELECT 1 FROM role_definitions AS x WHERE x.id = lower(json_extract(j.value, '$.roleDefinitionId'))));

-- @pim_group_active
INSERT INTO pim_group_assignments (id, group_pk, principal_pk, access_id,
                                   state, start_date_time, end_date_time,
                                   source_id, line)
SELECT json_extract(j.value, '$.id'), g.pk, p.pk,
       json_extract(j.value, '$.accessId'), 'active',
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.startDateTime')),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.endDateTime')),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS g ON g.id = lower(json_extract(j.value, '$.groupId'))
JOIN principals AS p ON p.id = lower(json_extract(j.value, '$.principalId'))
WHERE r.id = :page;

INSERT INTO dangling_reference (source_id, line, column_name, value, expected)
SELECT r.source_id, r.first_line + j.key, 'groupId or principalId',
       lower(json_extract(j.value, '$.groupId')) || ' / ' ||
       lower(json_extract(j.value, '$.principalId')),
       'a group and a principal'
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page
  AND (NOT EXISTS (SELECT 1 FROM principals AS x WHERE x.id = lower(json_extract(j.value, '$.groupId')))
       OR NOT EXISTS (SELECT 1 FROM principals AS x WHERE x.id = lower(json_extract(j.value, '$.principalId'))));

-- @pim_group_eligible
INSERT INTO pim_group_assignments (id, group_pk, principal_pk, access_id,
                                   state, start_date_time, end_date_time,
                                   source_id, line)
SELECT json_extract(j.value, '$.id'), g.pk, p.pk,
       json_extract(j.value, '$.accessId'), 'eligible',
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.startDateTime')),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.endDateTime')),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS g ON g.id = lower(json_extract(j.value, '$.groupId'))
JOIN principals AS p ON p.id = lower(json_extract(j.value, '$.principalId'))
WHERE r.id = :page;

INSERT INTO dangling_reference (source_id, line, column_name, value, expected)
SELECT r.source_id, r.first_line + j.key, 'groupId or principalId',
       lower(json_extract(j.value, '$.groupId')) || ' / ' ||
       lower(json_extract(j.value, '$.principalId')),
       'a group and a principal'
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page
  AND (NOT EXISTS (SELECT 1 FROM principals AS x WHERE x.id = lower(json_extract(j.value, '$.groupId')))
       OR NOT EXISTS (SELECT 1 FROM principals AS x WHERE x.id = lower(json_extract(j.value, '$.principalId'))));

-- @access_packages
INSERT INTO access_packages (id, display_name, catalog_name, description,
                             source_id, line)
SELECT lower(json_extract(j.value, '$.id')),
       json_extract(j.value, '$.displayName'),
       json_extract(j.value, '$.catalog.displayName'),
       nullif(trim(json_extract(j.value, '$.description')), ''),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;

-- @access_package_assignments
INSERT INTO access_package_assignments (id, access_package_pk, target_pk,
                                        state, start_date_time, end_date_time,
                                        source_id, line)
SELECT lower(json_extract(j.value, '$.id')), a.pk, t.pk,
       json_extract(j.value, '$.state'),
       strftime('%Y-%m-%dT%H:%M:%SZ',
                json_extract(j.value, '$.schedule.startDateTime')),
       strftime('%Y-%m-%dT%H:%M:%SZ',
                json_extract(j.value, '$.schedule.expiration.endDateTime')),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN access_packages AS a
  ON a.id = lower(json_extract(j.value, '$.accessPackage.id'))
JOIN principals AS t ON t.id = lower(json_extract(j.value, '$.target.objectId'))
WHERE r.id = :page;

INSERT INTO dangling_reference (source_id, line, column_name, value, expected)
SELECT r.source_id, r.first_line + j.key, 'accessPackage.id or target.objectId',
       lower(json_extract(j.value, '$.accessPackage.id')) || ' / ' ||
       lower(json_extract(j.value, '$.target.objectId')),
       'an access package and a principal'
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page
  AND (NOT EXISTS (SELECT 1 FROM access_packages AS x WHERE x.id = lower(json_extract(j.value, '$.accessPackage.id')))
       OR NOT EXISTS (SELECT 1 FROM principals AS x WHERE x.id = lower(json_extract(j.value, '$.target.objectId'))));

-- @app_role_assignments
INSERT INTO app_role_assignments (id, principal_pk, resource_pk, app_role_id,
                                  created_date_time, source_id, line)
SELECT json_extract(j.value, '$.id'), p.pk, s.pk,
       lower(json_extract(j.value, '$.appRoleId')),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.createdDateTime')),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
JOIN principals AS p ON p.id = lower(json_extract(j.value, '$.principalId'))
JOIN principals AS s ON s.id = lower(json_extract(j.value, '$.resourceId'))
WHERE r.id = :page;
INSERT INTO dangling_reference (source_id, line, column_name, value, expected)
SELECT r.source_id, r.first_line + j.key, 'principalId or resourceId',
       lower(json_extract(j.value, '$.principalId')) || ' / ' ||
       lower(json_extract(j.value, '$.resourceId')),
       'a principal and a service principal'
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page
  AND (NOT EXISTS (SELECT 1 FROM principals AS x WHERE x.id = lower(json_extract(j.value, '$.principalId')))
       OR NOT EXISTS (SELECT 1 FROM principals AS x WHERE x.id = lower(json_extract(j.value, '$.resourceId'))));

-- @directory_audits
-- Entra ID audit events (asked for with a $filter on the period and the
-- removal activities). The user the event acted on, and the group or role
-- it lost: whichever targetResources entry is a User, and the first that is
-- not (Graph lists them in no fixed order).
INSERT INTO directory_audits (id, activity_date_time, activity_display_name,
                              category, result, target_user_id,
                              target_user_principal_name, target_resource_type,
                              target_resource_id, target_resource_name,
                              initiated_by, source_id, line)
SELECT json_extract(j.value, '$.id'),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.activityDateTime')),
       json_extract(j.value, '$.activityDisplayName'),
       json_extract(j.value, '$.category'),
       json_extract(j.value, '$.result'),
       (SELECT lower(json_extract(t.value, '$.id'))
        FROM json_each(j.value, '$.targetResources') AS t
        WHERE json_extract(t.value, '$.type') = 'User' ORDER BY t.key LIMIT 1),
       (SELECT json_extract(t.value, '$.userPrincipalName')
        FROM json_each(j.value, '$.targetResources') AS t
        WHERE json_extract(t.value, '$.type') = 'User' ORDER BY t.key LIMIT 1),
       (SELECT json_extract(t.value, '$.type')
        FROM json_each(j.value, '$.targetResources') AS t
        WHERE coalesce(json_extract(t.value, '$.type'), '') <> 'User'
        ORDER BY t.key LIMIT 1),
       (SELECT lower(json_extract(t.value, '$.id'))
        FROM json_each(j.value, '$.targetResources') AS t
        WHERE coalesce(json_extract(t.value, '$.type'), '') <> 'User'
        ORDER BY t.key LIMIT 1),
       (SELECT json_extract(t.value, '$.displayName')
        FROM json_each(j.value, '$.targetResources') AS t
        WHERE coalesce(json_extract(t.value, '$.type'), '') <> 'User'
        ORDER BY t.key LIMIT 1),
       coalesce(json_extract(j.value, '$.initiatedBy.user.userPrincipalName'),
                json_extract(j.value, '$.initiatedBy.app.displayName')),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;

-- @lifecycle_workflows
INSERT INTO lifecycle_workflows (id, display_name, category, is_enabled,
                                 source_id, line)
SELECT lower(json_extract(j.value, '$.id')),
       json_extract(j.value, '$.displayName'),
       json_extract(j.value, '$.category'),
       json_extract(j.value, '$.isEnabled'),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;

-- @lifecycle_workflow_runs
-- A workflow's runs in the period; :group is the workflow's id.
INSERT INTO lifecycle_workflow_runs (id, workflow_id, processing_status,
                                     workflow_execution_type,
                                     started_date_time, completed_date_time,
                                     total_users_count, failed_users_count,
                                     source_id, line)
SELECT lower(json_extract(j.value, '$.id')), lower(:group),
       json_extract(j.value, '$.processingStatus'),
       json_extract(j.value, '$.workflowExecutionType'),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.startedDateTime')),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.completedDateTime')),
       json_extract(j.value, '$.totalUsersCount'),
       json_extract(j.value, '$.failedUsersCount'),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;

-- @lifecycle_user_results
-- A run's result per user; :group is "workflowId/runId".
INSERT INTO lifecycle_user_results (id, workflow_id, run_id, user_id,
                                    processing_status, started_date_time,
                                    completed_date_time, total_tasks_count,
                                    failed_tasks_count, source_id, line)
SELECT lower(json_extract(j.value, '$.id')),
       lower(substr(:group, 1, instr(:group, '/') - 1)),
       lower(substr(:group, instr(:group, '/') + 1)),
       lower(json_extract(j.value, '$.subject.id')),
       json_extract(j.value, '$.processingStatus'),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.startedDateTime')),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.completedDateTime')),
       json_extract(j.value, '$.totalTasksCount'),
       json_extract(j.value, '$.failedTasksCount'),
       r.source_id, r.first_line + j.key
FROM raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;

-- @logic_app_runs
-- Azure Resource Manager: a Logic App's runs in the period (each run's
-- fields are under "properties"); :group is "subscription/resourceGroup/
-- name" as --logic-app named it.
INSERT INTO logic_app_runs (subscription_id, resource_group, logic_app, id,
                            status, start_time, end_time, trigger_name, code,
                            error_message, source_id, line)
SELECT lower(substr(g.app, 1, instr(g.app, '/') - 1)),
       substr(g.rest, 1, instr(g.rest, '/') - 1),
       substr(g.rest, instr(g.rest, '/') + 1),
       json_extract(j.value, '$.name'),
       json_extract(j.value, '$.properties.status'),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.properties.startTime')),
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(j.value, '$.properties.endTime')),
       json_extract(j.value, '$.properties.trigger.name'),
       json_extract(j.value, '$.properties.code'),
       json_extract(j.value, '$.properties.error.message'),
       r.source_id, r.first_line + j.key
FROM (SELECT :group AS app,
             substr(:group, instr(:group, '/') + 1) AS rest) AS g,
     raw_page AS r, json_each(r.body, '$.value') AS j
WHERE r.id = :page;
