-- schema.sql - the reportgen snapshot, schema version 1.
--
-- One SQLite file per snapshot, written once and then sealed (read-only).
-- Documented in docs/schema.md; change both together and bump user_version.
--
-- Keys: every entity that others point to (principals, role definitions,
-- access packages) gets an integer key `pk`, assigned at load time and only
-- meaningful inside this snapshot; references between tables use it, so
-- joins over millions of memberships compare integers, not 36-character
-- GUID text. The Graph `id` is kept beside it. Every row keeps `source_id`
-- (the `source` row it came from) and `line` (its line in a CSV export, or
-- its position in a Graph page).
--
-- Times are UTC text "YYYY-MM-DDTHH:MM:SSZ", dates "YYYY-MM-DD", booleans
-- 0/1, NULL where the source gave nothing.
--
-- CHECK constraints compare with OR, not IN: SQLite evaluates an IN list in a
-- CHECK by building a temporary b-tree for every row inserted, which made
-- loading users three times slower.

PRAGMA application_id = 1380406100; -- 'RGST'
PRAGMA user_version = 2;

-- ---------------------------------------------------------------- provenance

CREATE TABLE snapshot (
    tenant_id          TEXT,
    tenant_name        TEXT,
    as_of              TEXT NOT NULL,
    collected_at       TEXT NOT NULL,
    reportgen_version  TEXT NOT NULL,
    schema_version     INTEGER NOT NULL
);

CREATE TABLE source (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind = 'csv' OR kind = 'graph' OR kind = 'servicenow' OR kind = 'ldap' OR kind = 'arm'),
    entity          TEXT NOT NULL,   -- the table it fills, e.g. 'users'
    locator         TEXT NOT NULL,   -- file name or URL (never with secrets)
    fetched_at      TEXT NOT NULL,
    sha256          TEXT,            -- of the raw bytes read
    bytes           INTEGER,
    row_count       INTEGER,         -- rows stored
    expected_count  INTEGER,         -- rows the source said it had, if it said
    dangling_count  INTEGER NOT NULL DEFAULT 0,
    note            TEXT             -- why it is incomplete (a refused list)
);

-- HTTP sources keep every response body as received (NULL under
-- --no-raw, once its rows are loaded). The rows a page gave have the page's
-- source_id and a line from first_line on (store/graph.sql).
CREATE TABLE raw_page (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES source (id),
    url         TEXT NOT NULL,
    status      INTEGER NOT NULL,
    fetched_at  TEXT NOT NULL,
    first_line  INTEGER,
    body        BLOB
);

-- References to unknown objects, kept (not loaded) under --allow-dangling.
CREATE TABLE dangling_reference (
    source_id    INTEGER NOT NULL REFERENCES source (id),
    line         INTEGER NOT NULL,
    column_name  TEXT NOT NULL,
    value        TEXT NOT NULL,
    expected     TEXT NOT NULL     -- what it should have named, e.g. 'group'
);

-- ------------------------------------------------------------ the directory

CREATE TABLE principals (
    pk            INTEGER PRIMARY KEY,
    id            TEXT NOT NULL,
    type          TEXT NOT NULL CHECK (type = 'user' OR type = 'group' OR type = 'servicePrincipal' OR type = 'device'),
    display_name  TEXT,
    source_id     INTEGER NOT NULL,
    line          INTEGER
);

CREATE TABLE users (
    pk                        INTEGER PRIMARY KEY REFERENCES principals (pk),
    id                        TEXT NOT NULL,
    display_name              TEXT NOT NULL,
    user_principal_name       TEXT NOT NULL,
    user_type                 TEXT,       -- Member | Guest
    account_enabled           INTEGER,
    department                TEXT,
    job_title                 TEXT,
    employee_id               TEXT,
    manager_id                TEXT,       -- id of the manager (a user)
    mail                      TEXT,
    created_date_time         TEXT,
    last_sign_in_date_time    TEXT,
    on_premises_sync_enabled  INTEGER,
    source_id                 INTEGER NOT NULL,
    line                      INTEGER
);

CREATE TABLE groups (
    pk                        INTEGER PRIMARY KEY REFERENCES principals (pk),
    id                        TEXT NOT NULL,
    display_name              TEXT NOT NULL,
    security_enabled          INTEGER,
    mail_enabled              INTEGER,
    is_assignable_to_role     INTEGER,
    group_types               TEXT,       -- e.g. 'Unified', 'DynamicMembership'
    membership_rule           TEXT,
    on_premises_sync_enabled  INTEGER,
    description               TEXT,
    source_id                 INTEGER NOT NULL,
    line                      INTEGER
);

CREATE TABLE service_principals (
    pk                      INTEGER PRIMARY KEY REFERENCES principals (pk),
    id                      TEXT NOT NULL,
    display_name            TEXT NOT NULL,
    app_id                  TEXT,
    service_principal_type  TEXT,
    account_enabled         INTEGER,
    source_id               INTEGER NOT NULL,
    line                    INTEGER
);

-- Direct edges only; see group_members_transitive for nesting. Stored in
-- key order (WITHOUT ROWID): the members of a group are one range of the
-- table, and the key is also what makes an edge unique.
CREATE TABLE group_members (
    group_pk   INTEGER NOT NULL REFERENCES principals (pk),
    member_pk  INTEGER NOT NULL REFERENCES principals (pk),
    source_id  INTEGER NOT NULL,
    line       INTEGER,
    PRIMARY KEY (group_pk, member_pk)
) WITHOUT ROWID;

CREATE TABLE group_owners (
    group_pk   INTEGER NOT NULL REFERENCES principals (pk),
    owner_pk   INTEGER NOT NULL REFERENCES principals (pk),
    source_id  INTEGER NOT NULL,
    line       INTEGER,
    PRIMARY KEY (group_pk, owner_pk)
) WITHOUT ROWID;

-- ----------------------------------------------------------------- roles

CREATE TABLE role_definitions (
    pk             INTEGER PRIMARY KEY,
    id             TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    template_id    TEXT,
    is_built_in    INTEGER,
    is_privileged  INTEGER,  -- 1 if the source says so or the template is known privileged
    source_id      INTEGER NOT NULL,
    line           INTEGER
);

-- Built-in Entra ID roles reportgen treats as privileged whatever a source
-- says, by role template id (Microsoft's "Microsoft Entra built-in roles").
CREATE TABLE privileged_role_templates (
    template_id   TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL
);
INSERT INTO privileged_role_templates (template_id, display_name) VALUES
    ('62e90394-69f5-4237-9190-012177145e10', 'Global Administrator'),
    ('e8611ab8-c189-46e8-94e1-60213ab1f814', 'Privileged Role Administrator'),
    ('7be44c8a-adaf-4e2a-84d6-ab2649e08a13', 'Privileged Authentication Administrator'),
    ('194ae4cb-b126-40b2-bd5b-6091b380977d', 'Security Administrator'),
    ('fe930be7-5e62-47db-91af-98c3a49a38b1', 'User Administrator'),
    ('29232cdf-9323-42fd-ade2-1d097af3e4de', 'Exchange Administrator'),
    ('f28a1f50-f6e7-4571-818b-6a12f2af6b6c', 'SharePoint Administrator'),
    ('9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', 'Application Administrator'),
    ('158c047a-c907-4556-b7ef-446551a6b5f7', 'Cloud Application Administrator'),
    ('b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', 'Conditional Access Administrator'),
    ('729827e3-9c14-49f7-bb1b-9608f156bbb8', 'Helpdesk Administrator'),
    ('c4e39bd9-1100-46d3-8c65-fb160da0071f', 'Authentication Administrator'),
    ('3a2c62db-5318-420d-8d74-23affee5d9d5', 'Intune Administrator'),
    ('b0f54661-2d74-4c50-afa3-1ec803f12efe', 'Billing Administrator');

-- Directory role assignments, PIM schedules included: state 'active' or
-- 'eligible'; end_date_time NULL means permanent.
CREATE TABLE role_assignments (
    id                  TEXT,
    principal_pk        INTEGER NOT NULL REFERENCES principals (pk),
    role_definition_pk  INTEGER NOT NULL REFERENCES role_definitions (pk),
    state               TEXT NOT NULL CHECK (state = 'active' OR state = 'eligible'),
    directory_scope_id  TEXT NOT NULL DEFAULT '/',
    assignment_type     TEXT CHECK (assignment_type = 'Assigned' OR assignment_type = 'Activated'),
    member_type         TEXT CHECK (member_type = 'Direct' OR member_type = 'Group' OR member_type = 'Inherited'),
    start_date_time     TEXT,
    end_date_time       TEXT,
    source_id           INTEGER NOT NULL,
    line                INTEGER
);

-- PIM for groups: membership or ownership of a group, active or eligible.
CREATE TABLE pim_group_assignments (
    id               TEXT,
    group_pk         INTEGER NOT NULL REFERENCES principals (pk),
    principal_pk     INTEGER NOT NULL REFERENCES principals (pk),
    access_id        TEXT NOT NULL CHECK (access_id = 'member' OR access_id = 'owner'),
    state            TEXT NOT NULL CHECK (state = 'active' OR state = 'eligible'),
    start_date_time  TEXT,
    end_date_time    TEXT,
    source_id        INTEGER NOT NULL,
    line             INTEGER
);

-- --------------------------------------------------- entitlement management

CREATE TABLE access_packages (
    pk            INTEGER PRIMARY KEY,
    id            TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    catalog_name  TEXT,
    description   TEXT,
    source_id     INTEGER NOT NULL,
    line          INTEGER
);

CREATE TABLE access_package_assignments (
    id                 TEXT NOT NULL,
    access_package_pk  INTEGER NOT NULL REFERENCES access_packages (pk),
    target_pk          INTEGER NOT NULL REFERENCES principals (pk),
    state              TEXT,   -- as Graph says: delivered, expired, ...
    start_date_time    TEXT,
    end_date_time      TEXT,
    source_id          INTEGER NOT NULL,
    line               INTEGER
);

-- App roles granted to users, groups or service principals on a resource
-- (a service principal).
CREATE TABLE app_role_assignments (
    id                 TEXT,
    principal_pk       INTEGER NOT NULL REFERENCES principals (pk),
    resource_pk        INTEGER NOT NULL REFERENCES principals (pk),
    app_role_id        TEXT,
    created_date_time  TEXT,
    source_id          INTEGER NOT NULL,
    line               INTEGER
);

-- -------------------------------------------------------------------- HR

CREATE TABLE hr_people (
    employee_id          TEXT NOT NULL,
    display_name         TEXT,
    department           TEXT,
    manager_employee_id  TEXT,
    hire_date            TEXT,
    termination_date     TEXT,
    status               TEXT,
    source_id            INTEGER NOT NULL,
    line                 INTEGER
);

CREATE TABLE hr_events (
    employee_id      TEXT NOT NULL,
    event_type       TEXT NOT NULL CHECK (event_type = 'joiner' OR event_type = 'mover' OR event_type = 'leaver'),
    effective_date   TEXT NOT NULL,
    from_department  TEXT,
    to_department    TEXT,
    source_id        INTEGER NOT NULL,
    line             INTEGER
);

-- ------------------------------------------------------- Active Directory

CREATE TABLE ad_users (
    sam_account_name     TEXT NOT NULL,
    user_principal_name  TEXT,
    enabled              INTEGER,
    last_logon_date      TEXT,
    employee_id          TEXT,
    distinguished_name   TEXT,
    password_last_set    TEXT,
    when_created         TEXT,
    source_id            INTEGER NOT NULL,
    line                 INTEGER
);

CREATE TABLE ad_group_members (
    group_name    TEXT NOT NULL,
    member        TEXT NOT NULL,
    member_class  TEXT CHECK (member_class = 'user' OR member_class = 'group' OR member_class = 'computer'),
    source_id     INTEGER NOT NULL,
    line          INTEGER
);

-- AD groups as LDAP gives them (the CSV route leaves this empty: its
-- exports carry no adminCount). privileged: one of AD's ten privileged
-- groups by name (as queries/privileged/ad.sql lists them), or
-- adminCount = 1 (AD's SDProp marks the groups it protects).
CREATE TABLE ad_groups (
    name                TEXT NOT NULL,   -- sAMAccountName (else cn): ad_group_members.group_name
    distinguished_name  TEXT,
    admin_count         INTEGER,         -- adminCount; NULL when not set
    privileged          INTEGER NOT NULL,
    source_id           INTEGER NOT NULL,
    line                INTEGER
);

-- ------------------------------------------------------------- ServiceNow

CREATE TABLE servicenow_requests (
    number         TEXT NOT NULL,
    requested_for  TEXT NOT NULL,
    requested_for_user_name        TEXT,  -- the requester's user_name, dot-walked
    requested_for_employee_number  TEXT,  -- and employee_number: matched to HR
    item           TEXT NOT NULL,
    state          TEXT,
    opened_at      TEXT,
    closed_at      TEXT,
    approval       TEXT,
    approved_by    TEXT,
    approved_at    TEXT,
    target         TEXT,
    source_id      INTEGER NOT NULL,
    line           INTEGER
);

-- An assignment group's open incidents (collect --sn-incident-group): the
-- backlog as ServiceNow had it when collected. No CSV export fills it.
CREATE TABLE servicenow_incidents (
    number             TEXT NOT NULL,
    state              TEXT,   -- new, in_progress, on_hold, resolved, ...
    priority           TEXT,   -- 1 (critical) to 5 (planning)
    assignment_group   TEXT,
    assigned_to        TEXT,   -- e-mail, else user name
    opened_at          TEXT,
    resolved_at        TEXT,
    closed_at          TEXT,
    short_description  TEXT,
    source_id          INTEGER NOT NULL,
    line               INTEGER
);

-- ------------------------------------------------------ segregation of duties

CREATE TABLE sod_rules (
    id            TEXT NOT NULL,
    left_access   TEXT NOT NULL,  -- "left" and "right" in sod_rules.csv
    right_access  TEXT NOT NULL,
    description   TEXT,
    source_id     INTEGER NOT NULL,
    line          INTEGER
);

-- ------------------------------------------------------------ departments

-- The bank's own statement of which groups belong to which department
-- (department_groups.csv, written by hand). Where it lists a group, it says
-- what the group's department is; a group may belong to several. Keyed on
-- the pair, which is also what makes a row unique.
CREATE TABLE department_groups (
    department  TEXT NOT NULL,
    group_pk    INTEGER NOT NULL REFERENCES principals (pk),
    source_id   INTEGER NOT NULL,
    line        INTEGER,
    PRIMARY KEY (group_pk, department)
) WITHOUT ROWID;

-- ----------------------------------------------------------- JML evidence

-- Events of a period (`collect --from/--to` with Graph, or exports), as the
-- source logged them. They name users, groups, roles and workflows by id
-- (lowercase GUID text), not by pk: an event may name an object deleted
-- since, and is kept all the same.

-- Entra ID directory audit events that remove access: 'Disable account',
-- 'Delete user', 'Remove member from group', 'Remove owner from group',
-- 'Remove member from role', 'Remove eligible member from role', 'Remove app
-- role assignment from user' (what Graph is asked for; an export may hold
-- other activities too). The target user, and the group or role it lost.
CREATE TABLE directory_audits (
    id                          TEXT NOT NULL,
    activity_date_time          TEXT NOT NULL,
    activity_display_name       TEXT NOT NULL,
    category                    TEXT,   -- UserManagement, GroupManagement, RoleManagement
    result                      TEXT,   -- success, failure, ...
    target_user_id              TEXT,
    target_user_principal_name  TEXT,
    target_resource_type        TEXT,   -- Group, Role, ... (the other target)
    target_resource_id          TEXT,
    target_resource_name        TEXT,
    initiated_by                TEXT,   -- a user's UPN, or an app's display name
    source_id                   INTEGER NOT NULL,
    line                        INTEGER
);

-- Entra ID Governance lifecycle workflows, their runs in the period, and
-- each run's result per user.
CREATE TABLE lifecycle_workflows (
    id            TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    category      TEXT,      -- joiner, mover, leaver
    is_enabled    INTEGER,
    source_id     INTEGER NOT NULL,
    line          INTEGER
);

CREATE TABLE lifecycle_workflow_runs (
    id                       TEXT NOT NULL,
    workflow_id              TEXT NOT NULL,
    processing_status        TEXT,   -- queued, inProgress, completed, completedWithErrors, canceled, failed
    workflow_execution_type  TEXT,   -- scheduled, onDemand
    started_date_time        TEXT,
    completed_date_time      TEXT,
    total_users_count        INTEGER,
    failed_users_count       INTEGER,
    source_id                INTEGER NOT NULL,
    line                     INTEGER
);

CREATE TABLE lifecycle_user_results (
    id                   TEXT NOT NULL,
    workflow_id          TEXT NOT NULL,
    run_id               TEXT NOT NULL,
    user_id              TEXT NOT NULL,
    processing_status    TEXT,   -- as the run's
    started_date_time    TEXT,
    completed_date_time  TEXT,
    total_tasks_count    INTEGER,
    failed_tasks_count   INTEGER,
    source_id            INTEGER NOT NULL,
    line                 INTEGER
);

-- Azure Logic Apps runs in the period (Azure Resource Manager), of the
-- Logic Apps a collect was asked for.
CREATE TABLE logic_app_runs (
    subscription_id  TEXT NOT NULL,
    resource_group   TEXT NOT NULL,
    logic_app        TEXT NOT NULL,   -- the workflow's name
    id               TEXT NOT NULL,   -- the run's name
    status           TEXT,            -- Succeeded, Failed, Cancelled, Running, ...
    start_time       TEXT,
    end_time         TEXT,
    trigger_name     TEXT,
    code             TEXT,            -- e.g. ActionFailed
    error_message    TEXT,
    source_id        INTEGER NOT NULL,
    line             INTEGER
);

-- ------------------------------------------------------------------ views

-- Memberships with names, for reading in the sqlite3 shell.
CREATE VIEW group_members_named AS
SELECT g.id AS group_id, g.display_name AS group_name,
       m.id AS member_id, m.display_name AS member_name, m.type AS member_type
FROM group_members e
JOIN principals g ON g.pk = e.group_pk
JOIN principals m ON m.pk = e.member_pk;

-- Every member of every group, through any depth of nesting. path lists the
-- groups from group_pk down to the group the member is a direct member of
-- ("A > B > C"). A walk stops where a member is a group already on its path:
-- that row is still listed, with cycle = 1, so nesting cycles are visible and
-- the walk always ends. A member reachable along two paths appears twice.
CREATE VIEW group_members_transitive AS
WITH RECURSIVE walk (group_pk, member_pk, depth, trail, path, cycle) AS (
    SELECT e.group_pk, e.member_pk, 1,
           '/' || e.group_pk || '/',
           g.display_name,
           e.member_pk = e.group_pk
    FROM group_members e
    JOIN principals g ON g.pk = e.group_pk
    UNION ALL
    SELECT w.group_pk, e.member_pk, w.depth + 1,
           w.trail || e.group_pk || '/',
           w.path || ' > ' || g.display_name,
           instr(w.trail || e.group_pk || '/', '/' || e.member_pk || '/') > 0
    FROM walk w
    JOIN group_members e ON e.group_pk = w.member_pk
    JOIN principals g ON g.pk = e.group_pk
    WHERE NOT w.cycle
)
SELECT group_pk, member_pk, depth, path, cycle FROM walk;

-- Role assignments with names.
CREATE VIEW role_assignments_named AS
SELECT ra.id, p.id AS principal_id, p.display_name AS principal_name,
       p.type AS principal_type, rd.id AS role_definition_id,
       rd.display_name AS role_name, rd.is_privileged, ra.state,
       ra.directory_scope_id, ra.assignment_type, ra.member_type,
       ra.start_date_time, ra.end_date_time
FROM role_assignments ra
JOIN principals p ON p.pk = ra.principal_pk
JOIN role_definitions rd ON rd.pk = ra.role_definition_pk;

-- Who holds each role assignment: the principal itself, every member of a
-- group it is assigned to (through nesting, with the path), and eligible
-- members of such a group through PIM for groups. how is 'direct', 'group'
-- or 'pim-group'. For 'pim-group' the state is eligible and the window is
-- where the role assignment and the eligibility overlap. Active PIM for
-- groups memberships are not listed here: Entra shows them as memberships
-- for as long as they last, and they are reached as 'group'.
CREATE VIEW role_holders AS
SELECT ra.rowid AS assignment_rowid, ra.principal_pk AS holder_pk,
       ra.role_definition_pk, ra.state, ra.assignment_type,
       ra.directory_scope_id, ra.start_date_time, ra.end_date_time,
       NULL AS via, 'direct' AS how
FROM role_assignments ra
JOIN principals p ON p.pk = ra.principal_pk AND p.type <> 'group'
UNION ALL
SELECT ra.rowid, t.member_pk, ra.role_definition_pk, ra.state,
       ra.assignment_type, ra.directory_scope_id, ra.start_date_time,
       ra.end_date_time, t.path, 'group'
FROM role_assignments ra
JOIN principals g ON g.pk = ra.principal_pk AND g.type = 'group'
JOIN group_members_transitive t ON t.group_pk = ra.principal_pk
JOIN principals m ON m.pk = t.member_pk AND m.type <> 'group'
UNION ALL
SELECT ra.rowid, pg.principal_pk, ra.role_definition_pk, 'eligible', NULL,
       ra.directory_scope_id,
       CASE WHEN ra.start_date_time IS NULL THEN pg.start_date_time
            WHEN pg.start_date_time IS NULL THEN ra.start_date_time
            ELSE max(ra.start_date_time, pg.start_date_time) END,
       CASE WHEN ra.end_date_time IS NULL THEN pg.end_date_time
            WHEN pg.end_date_time IS NULL THEN ra.end_date_time
            ELSE min(ra.end_date_time, pg.end_date_time) END,
       g.display_name || ' (PIM for groups, eligible member)', 'pim-group'
FROM role_assignments ra
JOIN principals g ON g.pk = ra.principal_pk AND g.type = 'group'
JOIN pim_group_assignments pg ON pg.group_pk = ra.principal_pk
     AND pg.access_id = 'member' AND pg.state = 'eligible'
JOIN principals m ON m.pk = pg.principal_pk AND m.type <> 'group';
