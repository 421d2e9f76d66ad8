-- seal.sql - run once a snapshot is loaded, just before it is sealed.
--
-- Building an index over loaded rows (one sort) is several times faster than
-- keeping it up to date row by row. Memberships and ownerships are already
-- in key order (the store sorts them before writing them).

CREATE UNIQUE INDEX IF NOT EXISTS principals_id ON principals (id);
CREATE INDEX group_members_member ON group_members (member_pk);
CREATE INDEX group_owners_owner ON group_owners (owner_pk);
CREATE INDEX users_upn ON users (user_principal_name COLLATE NOCASE);
CREATE INDEX users_employee_id ON users (employee_id);
CREATE UNIQUE INDEX IF NOT EXISTS role_definitions_id ON role_definitions (id);
CREATE INDEX role_assignments_principal ON role_assignments (principal_pk);
CREATE INDEX role_assignments_role ON role_assignments (role_definition_pk);
CREATE INDEX pim_group_assignments_group ON pim_group_assignments (group_pk);
CREATE INDEX pim_group_assignments_principal ON pim_group_assignments (principal_pk);
CREATE UNIQUE INDEX IF NOT EXISTS access_packages_id ON access_packages (id);
CREATE INDEX access_package_assignments_target ON access_package_assignments (target_pk);
CREATE INDEX access_package_assignments_package ON access_package_assignments (access_package_pk);
CREATE INDEX app_role_assignments_principal ON app_role_assignments (principal_pk);
CREATE INDEX app_role_assignments_resource ON app_role_assignments (resource_pk);
CREATE UNIQUE INDEX hr_people_employee_id ON hr_people (employee_id);
CREATE INDEX hr_events_employee_id ON hr_events (employee_id);
CREATE INDEX ad_users_sam ON ad_users (sam_account_name COLLATE NOCASE);
CREATE INDEX ad_users_employee_id ON ad_users (employee_id);
CREATE INDEX ad_group_members_group ON ad_group_members (group_name COLLATE NOCASE);
CREATE INDEX ad_group_members_member ON ad_group_members (member COLLATE NOCASE);
CREATE INDEX servicenow_requests_requested_for ON servicenow_requests (requested_for COLLATE NOCASE);
CREATE INDEX directory_audits_target_user ON directory_audits (target_user_id);
CREATE INDEX lifecycle_user_results_user ON lifecycle_user_results (user_id);

-- Known privileged templates are privileged whatever the source said; a
-- role the source did not flag is not privileged.
UPDATE role_definitions SET is_privileged =
    coalesce(is_privileged, 0)
    OR EXISTS (SELECT 1 FROM privileged_role_templates p
               WHERE p.template_id IN (role_definitions.template_id,
                                       role_definitions.id));

-- Statistics for the query planner, from a sample of each index: enough to
-- choose between indexes, and cheap on millions of rows.
PRAGMA analysis_limit = 1000;
ANALYZE;
