/*
 * csvload.c - the CSV collector (see csvload.h).
 *
 * The files, their columns and the tables they fill are described by the
 * specs below; one generic loop reads any of them. Files are loaded in spec
 * order, so the objects a file refers to are always known before it: users,
 * groups and service principals before memberships, role definitions before
 * role assignments, and so on.
 *
 * Ids are resolved in memory (a hash map per namespace) while loading, so
 * every reference is checked at the line that makes it and stored as the
 * integer key of its object. Groups are also known by display name, for the
 * one file a person writes by hand (department_groups.csv).
 */
#include "csvload.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/map.h"
#include "../util/text.h"
#include "../util/timefmt.h"
#include "csvread.h"

/* ------------------------------------------------------------------ specs */

enum ctype {
    C_TEXT, /* any text */
    C_ID,   /* the id this row defines; unique in its namespace */
    C_KEY,  /* a unique key when given (assignment ids) */
    C_BOOL,
    C_TIME,
    C_DATE,
    C_ENUM, /* one of values[], stored as written there */
    C_REF,  /* an id defined elsewhere, stored as its pk */
    C_KIND, /* the type of the object named by the previous C_REF column */
    C_GROUP /* a group by id or display name, stored as its pk */
};

/* Namespaces of ids. Objects share one: a GUID names one thing. */
enum ns {
    NS_OBJ,
    NS_HR,
    NS_AD,
    NS_SNOW,
    NS_SOD,
    NS_RA,
    NS_PIMG,
    NS_APA,
    NS_ARA,
    NS_GNAME,     /* group display names, to the group's pk */
    NS_GNAME_DUP, /* display names that more than one group has */
    NS_DEPTGRP,   /* department and group pairs of department_groups.csv */
    NS_AUDIT,     /* directory audit event ids */
    NS_LCW,       /* lifecycle workflow ids */
    NS_LCWRUN,    /* lifecycle workflow run ids */
    NS_LCWRES,    /* lifecycle workflow user result ids */
    NS_COUNT
};

/* Kinds of objects, as bits so a reference can accept several. */
#define K_USER 1
#define K_GROUP 2
#define K_SP 4
#define K_DEVICE 8
#define K_ROLE 16
#define K_PACKAGE 32
#define K_PERSON 64 /* an HR record */
#define K_OTHER 128
#define K_WORKFLOW 256 /* a lifecycle workflow */
#define K_RUN 512      /* a lifecycle workflow's run */
#define K_PRINCIPAL (K_USER | K_GROUP | K_SP | K_DEVICE)

/* Column flags. */
#define F_REQ 1       /* the column must be present and every value given */
#define F_GUID 2      /* GUIDs are stored lowercase */
#define F_NAME 4      /* the display name of a principal */
#define F_KEYTEXT 8   /* C_REF: store the key text, not the pk */
#define F_IFLOADED 16 /* C_REF: check only when its namespace was loaded */
#define F_ALIASID 32  /* C_TEXT: another id of the object the row defines */
#define F_TENANT 64   /* empty means the whole tenant: Graph's scope "/" */
#define F_PAIR 128    /* C_GROUP: with the column before, unique in the file */

#define MAX_COLS 16

struct col_spec {
    const char *name; /* as in docs/csv-formats.md */
    const char *db;   /* column it fills, or NULL when only checked */
    enum ctype type;
    unsigned flags;
    enum ns ns;          /* C_ID, C_KEY, C_REF */
    unsigned kinds;      /* C_ID: the kind defined; C_REF: kinds accepted */
    const char *aliases; /* other header names, normalized, space-separated */
    const char *const *values; /* C_ENUM and C_KIND, NULL-terminated */
};

struct file_spec {
    const char *file;
    const char *table;
    int with_pk; /* the table has a pk column this loader assigns */
    const struct col_spec *cols;
    size_t ncols;
};

static const char *const v_user_type[] = { "Member", "Guest", NULL };
static const char *const v_member_type[] = { "user", "group",
                                             "servicePrincipal", "device",
                                             NULL };
static const char *const v_state[] = { "active", "eligible", NULL };
static const char *const v_assignment_type[] = { "Assigned", "Activated",
                                                 NULL };
static const char *const v_ra_member_type[] = { "Direct", "Group", "Inherited",
                                                NULL };
static const char *const v_access_id[] = { "member", "owner", NULL };
static const char *const v_event_type[] = { "joiner", "mover", "leaver", NULL };
static const char *const v_member_class[] = { "user", "group", "computer",
                                              NULL };

#define COLS(a) a, sizeof(a) / sizeof(a[0])

static const struct col_spec users_cols[] = {
    { "id", "id", C_ID, F_REQ | F_GUID, NS_OBJ, K_USER, "objectid", NULL },
    { "userPrincipalName", "user_principal_name", C_TEXT, F_REQ, 0, 0, "upn",
      NULL },
    { "displayName", "display_name", C_TEXT, F_REQ | F_NAME, 0, 0, "name",
      NULL },
    { "userType", "user_type", C_ENUM, 0, 0, 0, NULL, v_user_type },
    { "accountEnabled", "account_enabled", C_BOOL, 0, 0, 0, "enabled", NULL },
    { "department", "department", C_TEXT, 0, 0, 0, NULL, NULL },
    { "jobTitle", "job_title", C_TEXT, 0, 0, 0, "title", NULL },
    { "employeeId", "employee_id", C_TEXT, 0, 0, 0, NULL, NULL },
    { "managerId", "manager_id", C_TEXT, F_GUID, 0, 0, "managerobjectid",
      NULL },
    { "mail", "mail", C_TEXT, 0, 0, 0, "email emailaddress", NULL },
    { "createdDateTime", "created_date_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "lastSignInDateTime", "last_sign_in_date_time", C_TIME, 0, 0, 0,
      "signinactivitylastsignindatetime lastsignin", NULL },
    { "onPremisesSyncEnabled", "on_premises_sync_enabled", C_BOOL, 0, 0, 0,
      "directorysynced", NULL },
};

static const struct col_spec groups_cols[] = {
    { "id", "id", C_ID, F_REQ | F_GUID, NS_OBJ, K_GROUP, "objectid", NULL },
    { "displayName", "display_name", C_TEXT, F_REQ | F_NAME, 0, 0, "name",
      NULL },
    { "securityEnabled", "security_enabled", C_BOOL, 0, 0, 0, NULL, NULL },
    { "mailEnabled", "mail_enabled", C_BOOL, 0, 0, 0, NULL, NULL },
    { "isAssignableToRole", "is_assignable_to_role", C_BOOL, 0, 0, 0,
      "roleassignable", NULL },
    { "groupTypes", "group_types", C_TEXT, 0, 0, 0, NULL, NULL },
    { "membershipRule", "membership_rule", C_TEXT, 0, 0, 0, NULL, NULL },
    { "onPremisesSyncEnabled", "on_premises_sync_enabled", C_BOOL, 0, 0, 0,
      "directorysynced", NULL },
    { "description", "description", C_TEXT, 0, 0, 0, NULL, NULL },
};

static const struct col_spec sps_cols[] = {
    { "id", "id", C_ID, F_REQ | F_GUID, NS_OBJ, K_SP, "objectid", NULL },
    { "displayName", "display_name", C_TEXT, F_REQ | F_NAME, 0, 0, "name",
      NULL },
    { "appId", "app_id", C_TEXT, F_GUID, 0, 0, "applicationid", NULL },
    { "servicePrincipalType", "service_principal_type", C_TEXT, 0, 0, 0, NULL,
      NULL },
    { "accountEnabled", "account_enabled", C_BOOL, 0, 0, 0, "enabled", NULL },
};

static const struct col_spec members_cols[] = {
    { "groupId", "group_pk", C_REF, F_REQ | F_GUID, NS_OBJ, K_GROUP,
      "groupobjectid", NULL },
    { "memberId", "member_pk", C_REF, F_REQ | F_GUID, NS_OBJ, K_PRINCIPAL,
      "memberobjectid", NULL },
    { "memberType", NULL, C_KIND, 0, 0, 0, "objecttype odatatype",
      v_member_type },
};

static const struct col_spec owners_cols[] = {
    { "groupId", "group_pk", C_REF, F_REQ | F_GUID, NS_OBJ, K_GROUP,
      "groupobjectid", NULL },
    { "ownerId", "owner_pk", C_REF, F_REQ | F_GUID, NS_OBJ, K_USER | K_SP,
      "ownerobjectid", NULL },
};

static const struct col_spec roledefs_cols[] = {
    { "id", "id", C_ID, F_REQ | F_GUID, NS_OBJ, K_ROLE, "objectid", NULL },
    { "displayName", "display_name", C_TEXT, F_REQ, 0, 0, "name rolename",
      NULL },
    { "templateId", "template_id", C_TEXT, F_GUID | F_ALIASID, 0, 0,
      "roletemplateid", NULL },
    { "isBuiltIn", "is_built_in", C_BOOL, 0, 0, 0, "builtin", NULL },
    { "isPrivileged", "is_privileged", C_BOOL, 0, 0, 0, "privileged", NULL },
};

static const struct col_spec roleassign_cols[] = {
    { "id", "id", C_KEY, 0, NS_RA, 0, NULL, NULL },
    { "principalId", "principal_pk", C_REF, F_REQ | F_GUID, NS_OBJ, K_PRINCIPAL,
      "principalobjectid", NULL },
    { "roleDefinitionId", "role_definition_pk", C_REF, F_REQ | F_GUID, NS_OBJ,
      K_ROLE, "roleid", NULL },
    { "state", "state", C_ENUM, F_REQ, 0, 0, "assignmentstate", v_state },
    { "directoryScopeId", "directory_scope_id", C_TEXT, F_TENANT, 0, 0, "scope",
      NULL },
    { "assignmentType", "assignment_type", C_ENUM, 0, 0, 0, NULL,
      v_assignment_type },
    { "memberType", "member_type", C_ENUM, 0, 0, 0, NULL, v_ra_member_type },
    { "startDateTime", "start_date_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "endDateTime", "end_date_time", C_TIME, 0, 0, 0, NULL, NULL },
};

static const struct col_spec pimgroup_cols[] = {
    { "id", "id", C_KEY, 0, NS_PIMG, 0, NULL, NULL },
    { "groupId", "group_pk", C_REF, F_REQ | F_GUID, NS_OBJ, K_GROUP,
      "groupobjectid", NULL },
    { "principalId", "principal_pk", C_REF, F_REQ | F_GUID, NS_OBJ,
      K_USER | K_GROUP | K_SP, "principalobjectid", NULL },
    { "accessId", "access_id", C_ENUM, F_REQ, 0, 0, "access", v_access_id },
    { "state", "state", C_ENUM, F_REQ, 0, 0, "assignmentstate", v_state },
    { "startDateTime", "start_date_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "endDateTime", "end_date_time", C_TIME, 0, 0, 0, NULL, NULL },
};

static const struct col_spec packages_cols[] = {
    { "id", "id", C_ID, F_REQ | F_GUID, NS_OBJ, K_PACKAGE, NULL, NULL },
    { "displayName", "display_name", C_TEXT, F_REQ, 0, 0, "name", NULL },
    { "catalogName", "catalog_name", C_TEXT, 0, 0, 0, "catalog", NULL },
    { "description", "description", C_TEXT, 0, 0, 0, NULL, NULL },
};

static const struct col_spec pkgassign_cols[] = {
    { "id", "id", C_KEY, F_REQ, NS_APA, 0, NULL, NULL },
    { "accessPackageId", "access_package_pk", C_REF, F_REQ | F_GUID, NS_OBJ,
      K_PACKAGE, NULL, NULL },
    { "targetId", "target_pk", C_REF, F_REQ | F_GUID, NS_OBJ, K_USER,
      "targetobjectid", NULL },
    { "state", "state", C_TEXT, 0, 0, 0, "assignmentstate", NULL },
    { "startDateTime", "start_date_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "endDateTime", "end_date_time", C_TIME, 0, 0, 0, NULL, NULL },
};

static const struct col_spec approle_cols[] = {
    { "id", "id", C_KEY, 0, NS_ARA, 0, NULL, NULL },
    { "principalId", "principal_pk", C_REF, F_REQ | F_GUID, NS_OBJ,
      K_USER | K_GROUP | K_SP, NULL, NULL },
    { "resourceId", "resource_pk", C_REF, F_REQ | F_GUID, NS_OBJ, K_SP, NULL,
      NULL },
    { "appRoleId", "app_role_id", C_TEXT, F_GUID, 0, 0, NULL, NULL },
    { "createdDateTime", "created_date_time", C_TIME, 0, 0, 0,
      "creationtimestamp", NULL },
};

/* Written by hand: a group may be named by its id or its display name. */
static const struct col_spec deptgroups_cols[] = {
    { "department", "department", C_TEXT, F_REQ, 0, 0, NULL, NULL },
    { "group", "group_pk", C_GROUP, F_REQ | F_PAIR, NS_OBJ, K_GROUP,
      "groupname groupid groupdisplayname", NULL },
};

static const struct col_spec hrpeople_cols[] = {
    { "employeeId", "employee_id", C_ID, F_REQ, NS_HR, K_PERSON,
      "employeenumber", NULL },
    { "displayName", "display_name", C_TEXT, 0, 0, 0, "name fullname", NULL },
    { "department", "department", C_TEXT, 0, 0, 0, NULL, NULL },
    { "managerEmployeeId", "manager_employee_id", C_TEXT, 0, 0, 0,
      "manageremployeenumber", NULL },
    { "hireDate", "hire_date", C_DATE, 0, 0, 0, "startdate", NULL },
    { "terminationDate", "termination_date", C_DATE, 0, 0, 0,
      "enddate leavedate", NULL },
    { "status", "status", C_TEXT, 0, 0, 0, NULL, NULL },
};

static const struct col_spec hrevents_cols[] = {
    { "employeeId", "employee_id", C_REF, F_REQ | F_KEYTEXT | F_IFLOADED, NS_HR,
      K_PERSON, "employeenumber", NULL },
    { "eventType", "event_type", C_ENUM, F_REQ, 0, 0, "event type",
      v_event_type },
    { "effectiveDate", "effective_date", C_DATE, F_REQ, 0, 0, "date", NULL },
    { "fromDepartment", "from_department", C_TEXT, 0, 0, 0, NULL, NULL },
    { "toDepartment", "to_department", C_TEXT, 0, 0, 0, NULL, NULL },
};

static const struct col_spec adusers_cols[] = {
    { "SamAccountName", "sam_account_name", C_ID, F_REQ, NS_AD, K_OTHER, NULL,
      NULL },
    { "UserPrincipalName", "user_principal_name", C_TEXT, 0, 0, 0, NULL, NULL },
    { "Enabled", "enabled", C_BOOL, 0, 0, 0, NULL, NULL },
    { "LastLogonDate", "last_logon_date", C_TIME, 0, 0, 0, NULL, NULL },
    { "EmployeeID", "employee_id", C_TEXT, 0, 0, 0, NULL, NULL },
    { "DistinguishedName", "distinguished_name", C_TEXT, 0, 0, 0, NULL, NULL },
    { "PasswordLastSet", "password_last_set", C_TIME, 0, 0, 0, NULL, NULL },
    { "whenCreated", "when_created", C_TIME, 0, 0, 0, "created", NULL },
};

static const struct col_spec adgroups_cols[] = {
    { "group", "group_name", C_TEXT, F_REQ, 0, 0, "groupname", NULL },
    { "member", "member", C_TEXT, F_REQ, 0, 0, "samaccountname", NULL },
    { "memberClass", "member_class", C_ENUM, 0, 0, 0, "objectclass",
      v_member_class },
};

static const struct col_spec snow_cols[] = {
    { "number", "number", C_ID, F_REQ, NS_SNOW, K_OTHER, NULL, NULL },
    { "requested_for", "requested_for", C_TEXT, F_REQ, 0, 0, NULL, NULL },
    { "requested_for_user_name", "requested_for_user_name", C_TEXT, 0, 0, 0,
      "requestedforusername", NULL },
    { "requested_for_employee_number", "requested_for_employee_number", C_TEXT,
      0, 0, 0, "requestedforemployeenumber", NULL },
    { "item", "item", C_TEXT, F_REQ, 0, 0, "catitem", NULL },
    { "state", "state", C_TEXT, 0, 0, 0, NULL, NULL },
    { "opened_at", "opened_at", C_TIME, 0, 0, 0, NULL, NULL },
    { "closed_at", "closed_at", C_TIME, 0, 0, 0, NULL, NULL },
    { "approval", "approval", C_TEXT, 0, 0, 0, NULL, NULL },
    { "approved_by", "approved_by", C_TEXT, 0, 0, 0, NULL, NULL },
    { "approved_at", "approved_at", C_TIME, 0, 0, 0, NULL, NULL },
    { "target", "target", C_TEXT, 0, 0, 0, NULL, NULL },
};

static const struct col_spec sod_cols[] = {
    { "id", "id", C_ID, F_REQ, NS_SOD, K_OTHER, NULL, NULL },
    { "left", "left_access", C_TEXT, F_REQ, 0, 0, NULL, NULL },
    { "right", "right_access", C_TEXT, F_REQ, 0, 0, NULL, NULL },
    { "description", "description", C_TEXT, 0, 0, 0, NULL, NULL },
};

/*
 * JML evidence: events of a period. They may name objects deleted since, so
 * users, groups and roles are kept as id text, unchecked; a run or result
 * must name a workflow (and run) of the exports when those are given.
 */
static const struct col_spec audits_cols[] = {
    { "id", "id", C_KEY, F_REQ, NS_AUDIT, 0, NULL, NULL },
    { "activityDateTime", "activity_date_time", C_TIME, F_REQ, 0, 0,
      "date datetime", NULL },
    { "activityDisplayName", "activity_display_name", C_TEXT, F_REQ, 0, 0,
      "activity", NULL },
    { "category", "category", C_TEXT, 0, 0, 0, NULL, NULL },
    { "result", "result", C_TEXT, 0, 0, 0, "status", NULL },
    { "targetUserId", "target_user_id", C_TEXT, F_GUID, 0, 0, NULL, NULL },
    { "targetUserPrincipalName", "target_user_principal_name", C_TEXT, 0, 0, 0,
      "targetupn", NULL },
    { "targetResourceType", "target_resource_type", C_TEXT, 0, 0, 0, NULL,
      NULL },
    { "targetResourceId", "target_resource_id", C_TEXT, F_GUID, 0, 0, NULL,
      NULL },
    { "targetResourceName", "target_resource_name", C_TEXT, 0, 0, 0, NULL,
      NULL },
    { "initiatedBy", "initiated_by", C_TEXT, 0, 0, 0, NULL, NULL },
};

static const struct col_spec lcw_cols[] = {
    { "id", "id", C_ID, F_REQ | F_GUID, NS_LCW, K_WORKFLOW, NULL, NULL },
    { "displayName", "display_name", C_TEXT, F_REQ, 0, 0, "name", NULL },
    { "category", "category", C_TEXT, 0, 0, 0, NULL, NULL },
    { "isEnabled", "is_enabled", C_BOOL, 0, 0, 0, "enabled", NULL },
};

static const struct col_spec lcwrun_cols[] = {
    { "id", "id", C_ID, F_REQ | F_GUID, NS_LCWRUN, K_RUN, "runid", NULL },
    { "workflowId", "workflow_id", C_REF,
      F_REQ | F_GUID | F_KEYTEXT | F_IFLOADED, NS_LCW, K_WORKFLOW, NULL, NULL },
    { "processingStatus", "processing_status", C_TEXT, 0, 0, 0, "status",
      NULL },
    { "workflowExecutionType", "workflow_execution_type", C_TEXT, 0, 0, 0, NULL,
      NULL },
    { "startedDateTime", "started_date_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "completedDateTime", "completed_date_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "totalUsersCount", "total_users_count", C_TEXT, 0, 0, 0, NULL, NULL },
    { "failedUsersCount", "failed_users_count", C_TEXT, 0, 0, 0, NULL, NULL },
};

static const struct col_spec lcwres_cols[] = {
    { "id", "id", C_KEY, F_REQ, NS_LCWRES, 0, NULL, NULL },
    { "workflowId", "workflow_id", C_REF,
      F_REQ | F_GUID | F_KEYTEXT | F_IFLOADED, NS_LCW, K_WORKFLOW, NULL, NULL },
    { "runId", "run_id", C_REF, F_REQ | F_GUID | F_KEYTEXT | F_IFLOADED,
      NS_LCWRUN, K_RUN, NULL, NULL },
    { "userId", "user_id", C_TEXT, F_REQ | F_GUID, 0, 0, "subjectid", NULL },
    { "processingStatus", "processing_status", C_TEXT, 0, 0, 0, "status",
      NULL },
    { "startedDateTime", "started_date_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "completedDateTime", "completed_date_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "totalTasksCount", "total_tasks_count", C_TEXT, 0, 0, 0, NULL, NULL },
    { "failedTasksCount", "failed_tasks_count", C_TEXT, 0, 0, 0, NULL, NULL },
};

static const struct col_spec larun_cols[] = {
    { "subscriptionId", "subscription_id", C_TEXT, F_REQ | F_GUID, 0, 0,
      "subscription", NULL },
    { "resourceGroup", "resource_group", C_TEXT, F_REQ, 0, 0, NULL, NULL },
    { "logicApp", "logic_app", C_TEXT, F_REQ, 0, 0, "workflowname workflow",
      NULL },
    { "id", "id", C_TEXT, F_REQ, 0, 0, "name runid", NULL },
    { "status", "status", C_TEXT, 0, 0, 0, NULL, NULL },
    { "startTime", "start_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "endTime", "end_time", C_TIME, 0, 0, 0, NULL, NULL },
    { "triggerName", "trigger_name", C_TEXT, 0, 0, 0, "trigger", NULL },
    { "code", "code", C_TEXT, 0, 0, 0, NULL, NULL },
    { "errorMessage", "error_message", C_TEXT, 0, 0, 0, "error", NULL },
};

/* In load order: every file after the files it refers to. */
static const struct file_spec files[] = {
    { "users.csv", "users", 1, COLS(users_cols) },
    { "groups.csv", "groups", 1, COLS(groups_cols) },
    { "service_principals.csv", "service_principals", 1, COLS(sps_cols) },
    { "group_members.csv", "group_members", 0, COLS(members_cols) },
    { "group_owners.csv", "group_owners", 0, COLS(owners_cols) },
    { "role_definitions.csv", "role_definitions", 1, COLS(roledefs_cols) },
    { "role_assignments.csv", "role_assignments", 0, COLS(roleassign_cols) },
    { "pim_group_assignments.csv", "pim_group_assignments", 0,
      COLS(pimgroup_cols) },
    { "access_packages.csv", "access_packages", 1, COLS(packages_cols) },
    { "access_package_assignments.csv", "access_package_assignments", 0,
      COLS(pkgassign_cols) },
    { "app_role_assignments.csv", "app_role_assignments", 0,
      COLS(approle_cols) },
    { "department_groups.csv", "department_groups", 0, COLS(deptgroups_cols) },
    { "hr_people.csv", "hr_people", 0, COLS(hrpeople_cols) },
    { "hr_events.csv", "hr_events", 0, COLS(hrevents_cols) },
    { "ad_users.csv", "ad_users", 0, COLS(adusers_cols) },
    { "ad_group_members.csv", "ad_group_members", 0, COLS(adgroups_cols) },
    { "servicenow_requests.csv", "servicenow_requests", 0, COLS(snow_cols) },
    { "sod_rules.csv", "sod_rules", 0, COLS(sod_cols) },
    /* the JML evidence: last, FIRST_ENTRA_EVENTS on */
    { "directory_audits.csv", "directory_audits", 0, COLS(audits_cols) },
    { "lifecycle_workflows.csv", "lifecycle_workflows", 0, COLS(lcw_cols) },
    { "lifecycle_workflow_runs.csv", "lifecycle_workflow_runs", 0,
      COLS(lcwrun_cols) },
    { "lifecycle_user_results.csv", "lifecycle_user_results", 0,
      COLS(lcwres_cols) },
    { "logic_app_runs.csv", "logic_app_runs", 0, COLS(larun_cols) },
};

#define NFILES (sizeof(files) / sizeof(files[0]))
/* files from hr_people.csv on name no principal */
#define FIRST_NON_DIRECTORY 12
/* files from directory_audits.csv to lifecycle_user_results.csv: Entra's */
#define FIRST_ENTRA_EVENTS (NFILES - 5)
#define END_ENTRA_EVENTS (NFILES - 1)

/* ----------------------------------------------------------------- loader */

struct loader {
    const struct rg_csvload_opts *o; /* borrowed */
    struct rg_row_sink *sink;        /* borrowed */
    struct rg_map *ns[NS_COUNT];     /* owned */
    int loaded[NS_COUNT];            /* a file defining it was read */
    int64_t next_pk;
    char **paths; /* owned; by source index */
    size_t npaths;
    struct rg_table_writer *principals; /* owned, opened on first use */
    struct rg_table_writer *dangling;   /* owned, opened on first use */

    /* the file being read */
    const struct file_spec *fs;
    int src; /* index into paths */
    int64_t source_id;
    int hidx[MAX_COLS];        /* header position of each column */
    struct rg_table_writer *w; /* owned */
    int64_t rows, ndangling;
    int64_t pk;               /* the key the row defines, or 0 */
    unsigned kind;            /* the kind it defines, or 0 */
    struct rg_value id, name; /* the id and name it defines */
    struct rg_value vals[MAX_COLS + 3];
    char conv[MAX_COLS][40]; /* converted text of each column */
};

static const char *
kind_name(unsigned kind)
{
    switch (kind) {
    case K_USER:
        return "user";
    case K_GROUP:
        return "group";
    case K_SP:
        return "servicePrincipal";
    case K_DEVICE:
        return "device";
    case K_ROLE:
        return "role definition";
    case K_PACKAGE:
        return "access package";
    case K_PERSON:
        return "HR record";
    case K_WORKFLOW:
        return "lifecycle workflow";
    case K_RUN:
        return "workflow run";
    default:
        return "record";
    }
}

/* "user, group or service principal" for a set of kinds. */
static void
kinds_text(unsigned kinds, char *out, size_t outsz)
{
    static const unsigned order[] = { K_USER,   K_GROUP,    K_SP,
                                      K_DEVICE, K_ROLE,     K_PACKAGE,
                                      K_PERSON, K_WORKFLOW, K_RUN };
    size_t n = 0, total = 0, o = 0;

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        total += (kinds & order[i]) != 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(kinds & order[i]))
            continue;
        n++;
        o += (size_t)snprintf(out + o, outsz - o, "%s%s",
                              n == 1       ? ""
                              : n == total ? " or "
                                           : ", ",
                              kind_name(order[i]));
        if (o >= outsz)
            return;
    }
}

/* Lowercase letters and digits only: "User principal name" =
 * "userprincipalname". */
static void
normalize(const char *s, size_t len, char *out, size_t outsz)
{
    size_t o = 0;

    for (size_t i = 0; i < len && o + 1 < outsz; i++) {
        char c = s[i];

        if (c >= 'A' && c <= 'Z')
            out[o++] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[o++] = c;
    }
    out[o] = '\0';
}

static int
name_matches(const struct col_spec *c, const char *norm)
{
    char own[64];
    const char *a = c->aliases;

    normalize(c->name, strlen(c->name), own, sizeof(own));
    if (strcmp(own, norm) == 0)
        return 1;
    while (a && *a) {
        size_t n = strcspn(a, " ");

        if (n == strlen(norm) && strncmp(a, norm, n) == 0)
            return 1;
        a += n + (a[n] == ' ');
    }
    return 0;
}

static int
map_header(struct loader *ld, const struct rg_csv_record *rec,
           struct rg_err *err)
{
    const struct file_spec *fs = ld->fs;

    for (size_t j = 0; j < fs->ncols; j++)
        ld->hidx[j] = -1;
    for (size_t i = 0; i < rec->n; i++) {
        char norm[128];

        normalize(rec->f[i].s, rec->f[i].len, norm, sizeof(norm));
        if (!norm[0])
            continue;
        for (size_t j = 0; j < fs->ncols; j++) {
            if (!name_matches(&fs->cols[j], norm))
                continue;
            if (ld->hidx[j] >= 0)
                return rg_fail(err, RG_ERR_INPUT,
                               "cannot load '%s' line %lld: columns %d and "
                               "%zu both give '%s'",
                               rec->path, (long long)rec->line, ld->hidx[j] + 1,
                               i + 1, fs->cols[j].name);
            ld->hidx[j] = (int)i;
            break;
        }
    }
    for (size_t j = 0; j < fs->ncols; j++)
        if ((fs->cols[j].flags & F_REQ) && ld->hidx[j] < 0)
            return rg_fail(err, RG_ERR_INPUT,
                           "cannot load '%s' line %lld: missing required "
                           "column '%s'",
                           rec->path, (long long)rec->line, fs->cols[j].name);
    return 0;
}

static int
open_writers(struct loader *ld, struct rg_err *err)
{
    const char *cols[MAX_COLS + 3];
    size_t n = 0;
    static const char *const pcols[] = { "pk",           "id",        "type",
                                         "display_name", "source_id", "line" };
    static const char *const dcols[] = { "source_id", "line", "column_name",
                                         "value", "expected" };

    if (ld->fs->with_pk)
        cols[n++] = "pk";
    for (size_t j = 0; j < ld->fs->ncols; j++)
        if (ld->fs->cols[j].db)
            cols[n++] = ld->fs->cols[j].db;
    cols[n++] = "source_id";
    cols[n++] = "line";
    if (!(ld->w = ld->sink->table(ld->sink->ctx, ld->fs->table, cols, n, err)))
        return -1;
    if (!ld->principals && !(ld->principals = ld->sink->table(
                                 ld->sink->ctx, "principals", pcols, 6, err)))
        return -1;
    if (ld->o->allow_dangling && !ld->dangling &&
        !(ld->dangling = ld->sink->table(ld->sink->ctx, "dangling_reference",
                                         dcols, 5, err)))
        return -1;
    return 0;
}

static const char *
where(const struct loader *ld, int src)
{
    return src >= 0 && (size_t)src < ld->npaths ? ld->paths[src] : "?";
}

static int
bad_value(const struct rg_csv_record *rec, size_t col, struct rg_err *err,
          const char *expected, const struct rg_csv_field *f)
{
    char q[200];

    rg_err_quote(q, sizeof(q), f->s, f->len);
    return rg_csv_fail(rec, col, err, "expected %s, found '%s'", expected, q);
}

static int
conv_time(struct loader *ld, const struct rg_csv_record *rec, size_t col,
          const struct rg_csv_field *f, char *out, struct rg_err *err)
{
    struct rg_tm tm;
    const char *fmt = ld->o->date_format;

    if ((rg_tm_parse_iso(f->s, f->len, &tm) == 0 &&
         (tm.has_zone || !tm.has_time)) ||
        (fmt && rg_tm_parse_fmt(fmt, f->s, f->len, &tm) == 0)) {
        if (!rg_unix_in_range(rg_tm_to_unix(&tm)))
            return bad_value(rec, col, err, "a time in the years 0001-9999 UTC",
                             f);
        rg_unix_to_iso(rg_tm_to_unix(&tm), out);
        return 0;
    }
    if (rg_tm_parse_iso(f->s, f->len, &tm) == 0) {
        char q[200];

        rg_err_quote(q, sizeof(q), f->s, f->len);
        return rg_csv_fail(rec, col, err,
                           "time '%s' has no zone (add Z or an offset such as "
                           "+01:00, or read it with --date-format)",
                           q);
    }
    if (fmt) {
        char what[160];

        snprintf(what, sizeof(what),
                 "an ISO 8601 time with a zone or a time as '%s'", fmt);
        return bad_value(rec, col, err, what, f);
    }
    return bad_value(rec, col, err,
                     "an ISO 8601 time with a zone, e.g. 2026-01-31T09:30:00Z "
                     "(other formats need --date-format)",
                     f);
}

static int
conv_date(struct loader *ld, const struct rg_csv_record *rec, size_t col,
          const struct rg_csv_field *f, char *out, struct rg_err *err)
{
    struct rg_tm tm;
    const char *fmt = ld->o->date_format;

    /* A date-time at midnight is a date as exports often write one. */
    if ((rg_tm_parse_iso(f->s, f->len, &tm) == 0 ||
         (fmt && rg_tm_parse_fmt(fmt, f->s, f->len, &tm) == 0)) &&
        tm.hour == 0 && tm.min == 0 && tm.sec == 0) {
        rg_tm_date(&tm, out);
        return 0;
    }
    return bad_value(rec, col, err,
                     fmt ? "a date YYYY-MM-DD, or a date as --date-format "
                           "gives it"
                         : "a date YYYY-MM-DD",
                     f);
}

static int
conv_enum(const struct col_spec *c, const struct rg_csv_record *rec, size_t col,
          const struct rg_csv_field *f, int *which, struct rg_err *err)
{
    const char *s = f->s;
    size_t len = f->len;
    char expected[200];
    size_t o = 0;

    /* Graph writes types as "#microsoft.graph.user". */
    if (len > 17 && rg_ascii_ieq(s, 17, "#microsoft.graph."))
        s += 17, len -= 17;
    for (int i = 0; c->values[i]; i++) {
        if (rg_ascii_ieq(s, len, c->values[i])) {
            *which = i;
            return 0;
        }
    }
    o += (size_t)snprintf(expected, sizeof(expected), "one of ");
    for (int i = 0; c->values[i] && o < sizeof(expected); i++)
        o += (size_t)snprintf(expected + o, sizeof(expected) - o, "%s%s",
                              i ? ", " : "", c->values[i]);
    return bad_value(rec, col, err, expected, f);
}

/*
 * Records an unresolved reference under --allow-dangling and returns 1;
 * else fails. found is the object the key names when it is of the wrong
 * kind; by is what the key was looked up as ("id", "id or display name").
 */
static int
dangling(struct loader *ld, const struct rg_csv_record *rec, size_t col,
         const struct col_spec *c, const char *key, size_t keylen,
         const struct rg_map_entry *found, const char *by, struct rg_err *err)
{
    char want[96], q[200];
    struct rg_value v[5];

    kinds_text(c->kinds, want, sizeof(want));
    if (!ld->o->allow_dangling) {
        rg_err_quote(q, sizeof(q), key, keylen);
        if (found)
            return rg_csv_fail(
                rec, col, err, "'%s' is a %s ('%s' line %lld), not a %s", q,
                kind_name((unsigned)found->kind), where(ld, found->src),
                (long long)found->line, want);
        return rg_csv_fail(rec, col, err,
                           "no %s has %s '%s' (use --allow-dangling to keep "
                           "such rows out and record them)",
                           want, by, q);
    }
    v[0] = rg_int(ld->source_id);
    v[1] = rg_int(rec->line);
    v[2] = rg_text(c->name, strlen(c->name));
    v[3] = rg_text(key, keylen);
    v[4] = rg_text(want, strlen(want));
    if (ld->sink->row(ld->dangling, v, err) < 0)
        return -1;
    ld->ndangling++;
    return 1;
}

static int
duplicate(struct loader *ld, const struct rg_csv_record *rec, size_t col,
          const struct rg_csv_field *f, const struct rg_map_entry *old,
          struct rg_err *err)
{
    char q[200];

    rg_err_quote(q, sizeof(q), f->s, f->len);
    if (old->src == ld->src)
        return rg_csv_fail(rec, col, err,
                           "duplicate id '%s' (first at line %lld)", q,
                           (long long)old->line);
    return rg_csv_fail(rec, col, err,
                       "duplicate id '%s' (already the id of a %s in '%s' "
                       "line %lld)",
                       q, kind_name((unsigned)old->kind), where(ld, old->src),
                       (long long)old->line);
}

/*
 * The group that f names, by id (a GUID) or else by display name, into
 * *pk. Returns 0, 1 when the reference is dangling and was recorded
 * (--allow-dangling), or -1. A display name that several groups have is an
 * error whatever the options: the row cannot say which group it means.
 */
static int
find_group(struct loader *ld, const struct rg_csv_record *rec, size_t col,
           const struct col_spec *c, const struct rg_csv_field *f, int64_t *pk,
           struct rg_err *err)
{
    const struct rg_map_entry *e, *dup;
    unsigned char kbuf[17];
    char q[200];
    int kind;

    kbuf[0] = '\0';
    if (rg_guid_bin(f->s, f->len, kbuf + 1) &&
        rg_map_lookup(ld->ns[NS_OBJ], (const char *)kbuf, sizeof(kbuf), pk,
                      &kind)) {
        if ((unsigned)kind & c->kinds)
            return 0;
        return dangling(
            ld, rec, col, c, f->s, f->len,
            rg_map_get(ld->ns[NS_OBJ], (const char *)kbuf, sizeof(kbuf)), "id",
            err);
    }
    if ((dup = rg_map_get(ld->ns[NS_GNAME_DUP], f->s, f->len))) {
        e = rg_map_get(ld->ns[NS_GNAME], f->s, f->len);
        rg_err_quote(q, sizeof(q), f->s, f->len);
        return rg_csv_fail(rec, col, err,
                           "more than one group is named '%s' ('%s' line %lld "
                           "and '%s' line %lld): give the group's id",
                           q, where(ld, e ? e->src : dup->src),
                           (long long)(e ? e->line : dup->line),
                           where(ld, dup->src), (long long)dup->line);
    }
    if (rg_map_lookup(ld->ns[NS_GNAME], f->s, f->len, pk, &kind))
        return 0;
    return dangling(ld, rec, col, c, f->s, f->len, NULL, "id or display name",
                    err);
}

/*
 * Fails when the text first (the value of the column before) and the key
 * pk were given together before (F_PAIR). Returns 0 or -1.
 */
static int
pair_once(struct loader *ld, const struct rg_csv_record *rec, size_t col,
          const struct rg_value *first, int64_t pk, struct rg_err *err)
{
    const struct rg_map_entry *old;
    char key[1100], q[200];
    int n, r;

    if (first->type != RG_TEXT || first->len > 1024)
        return rg_csv_fail(rec, col, err,
                           "the value before it is over 1024 bytes long");
    /* text holds no NUL byte, so "text NUL number" is one pair only */
    memcpy(key, first->s, first->len);
    n = snprintf(key + first->len, sizeof(key) - first->len, "%c%lld", '\0',
                 (long long)pk);
    r = rg_map_put(ld->ns[NS_DEPTGRP], key, first->len + (size_t)n, 0, ld->src,
                   pk, rec->line, &old);
    if (r < 0)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    if (r == 0)
        return 0;
    rg_err_quote(q, sizeof(q), first->s, first->len);
    return rg_csv_fail(rec, col, err,
                       "department '%s' has this group already (line %lld)", q,
                       (long long)old->line);
}

/*
 * Converts one record into ld->vals (and ld->id, ld->name, ld->pk for rows
 * that define an object). Returns 0 to write the row, 1 to leave it out (a
 * dangling reference was recorded), -1 on failure.
 */
static int
convert(struct loader *ld, const struct rg_csv_record *rec, struct rg_err *err)
{
    const struct file_spec *fs = ld->fs;
    const struct rg_map_entry *e;
    struct rg_csv_field last_ref = { NULL, 0 }; /* the last reference read */
    int last_kind = 0;                          /* the kind it names */
    size_t n = fs->with_pk ? 1 : 0;
    int b, which = 0, r, kind;
    int64_t value;

    ld->pk = 0;
    ld->kind = 0;
    for (size_t j = 0; j < fs->ncols; j++) {
        const struct col_spec *c = &fs->cols[j];
        struct rg_value *v = c->db ? &ld->vals[n++] : NULL;
        struct rg_value none;
        struct rg_csv_field f = { "", 0 };
        size_t col = ld->hidx[j] >= 0 ? (size_t)ld->hidx[j] : 0;
        char *out = ld->conv[j];
        char kbuf[17];
        const char *key;
        size_t klen;

        if (!v)
            v = &none;
        *v = rg_null();
        if (ld->hidx[j] >= 0)
            f = rec->f[col];
        if (f.len == 0) {
            if (c->flags & F_REQ)
                return rg_csv_fail(rec, col, err, "a value is required");
            if (c->flags & F_TENANT)
                *v = rg_text("/", 1);
            continue;
        }
        /*
         * A GUID's map key is a NUL byte and its 16 bytes (text never holds
         * NUL, so the two kinds of key cannot meet): whatever the case it was
         * written in, and short enough to live in the map's slots. Where the
         * GUID is stored as text, it is stored in lowercase.
         */
        key = f.s;
        klen = f.len;
        if (c->flags & F_GUID) {
            if (!rg_guid_bin(f.s, f.len, (unsigned char *)kbuf + 1))
                return bad_value(rec, col, err,
                                 "a GUID (32 hex digits as 8-4-4-4-12)", &f);
            kbuf[0] = '\0';
            key = kbuf;
            klen = sizeof(kbuf);
            if (c->type != C_REF || (c->flags & F_KEYTEXT))
                f.s = rg_guid_canon(f.s, f.len, out) ? out : f.s;
        }
        switch (c->type) {
        case C_TEXT:
            *v = rg_text(f.s, f.len);
            if ((c->flags & F_ALIASID) &&
                rg_map_put(ld->ns[NS_OBJ], key, klen, (int)ld->kind, ld->src,
                           ld->pk, rec->line, NULL) < 0)
                return rg_fail(err, RG_ERR_NOMEM, "out of memory");
            break;
        case C_ID:
        case C_KEY:
            if (c->type == C_ID) {
                ld->pk = ld->next_pk++;
                ld->kind = c->kinds;
            }
            r = rg_map_put(ld->ns[c->ns], key, klen, (int)c->kinds, ld->src,
                           ld->pk, rec->line, &e);
            if (r < 0)
                return rg_fail(err, RG_ERR_NOMEM, "out of memory");
            if (r > 0)
                return duplicate(ld, rec, col, &f, e, err);
            *v = rg_text(f.s, f.len);
            if (c->type == C_ID)
                ld->id = *v;
            break;
        case C_BOOL:
            if (rg_parse_bool(f.s, f.len, &b) < 0)
                return bad_value(rec, col, err,
                                 "true or false (or yes/no, 1/0)", &f);
            *v = rg_int(b);
            break;
        case C_TIME:
            if (conv_time(ld, rec, col, &f, out, err) < 0)
                return -1;
            *v = rg_text(out, strlen(out));
            break;
        case C_DATE:
            if (conv_date(ld, rec, col, &f, out, err) < 0)
                return -1;
            *v = rg_text(out, strlen(out));
            break;
        case C_ENUM:
        case C_KIND:
            if (conv_enum(c, rec, col, &f, &which, err) < 0)
                return -1;
            *v = rg_text(c->values[which], strlen(c->values[which]));
            if (c->type == C_KIND && last_ref.s &&
                strcmp(kind_name((unsigned)last_kind), c->values[which]) != 0) {
                char q[200];

                rg_err_quote(q, sizeof(q), last_ref.s, last_ref.len);
                return rg_csv_fail(rec, col, err, "says %s, but '%s' is a %s",
                                   c->values[which], q,
                                   kind_name((unsigned)last_kind));
            }
            break;
        case C_GROUP:
            if ((r = find_group(ld, rec, col, c, &f, &value, err)) != 0)
                return r;
            *v = rg_int(value);
            if ((c->flags & F_PAIR) && v > ld->vals &&
                pair_once(ld, rec, col, v - 1, value, err) < 0)
                return -1;
            break;
        case C_REF:
            last_ref.s = NULL;
            if ((c->flags & F_IFLOADED) && !ld->loaded[c->ns]) {
                *v = rg_text(f.s, f.len);
                break;
            }
            if (!rg_map_lookup(ld->ns[c->ns], key, klen, &value, &kind) ||
                !((unsigned)kind & c->kinds))
                return dangling(ld, rec, col, c, f.s, f.len,
                                rg_map_get(ld->ns[c->ns], key, klen), "id",
                                err);
            last_ref = f;
            last_kind = kind;
            if (c->flags & F_KEYTEXT)
                *v = rg_text(f.s, f.len);
            else
                *v = rg_int(value);
            break;
        }
        if (c->flags & F_NAME)
            ld->name = *v;
    }
    return 0;
}

/*
 * Makes the group just read known by its display name. A name that another
 * group has already is noted as such: it names no group. Returns 0, or -1
 * when out of memory.
 */
static int
add_group_name(struct loader *ld, int64_t line)
{
    const struct rg_value *n = &ld->name;
    int r;

    if (n->type != RG_TEXT)
        return 0;
    r = rg_map_put(ld->ns[NS_GNAME], n->s, n->len, K_GROUP, ld->src, ld->pk,
                   line, NULL);
    if (r == 1)
        r = rg_map_put(ld->ns[NS_GNAME_DUP], n->s, n->len, K_GROUP, ld->src,
                       ld->pk, line, NULL);
    return r < 0 ? -1 : 0;
}

static int
on_record(void *ctx, const struct rg_csv_record *rec, struct rg_err *err)
{
    struct loader *ld = ctx;
    size_t n;
    int r;

    if (!rec->header)
        return map_header(ld, rec, err) < 0 ? -1 : open_writers(ld, err);
    if ((r = convert(ld, rec, err)) != 0)
        return r < 0 ? -1 : 0;
    n = ld->fs->with_pk ? 1 : 0;
    for (size_t j = 0; j < ld->fs->ncols; j++)
        n += ld->fs->cols[j].db != NULL;
    if (ld->fs->with_pk)
        ld->vals[0] = rg_int(ld->pk);
    ld->vals[n++] = rg_int(ld->source_id);
    ld->vals[n++] = rg_int(rec->line);
    if (ld->kind & K_PRINCIPAL) {
        const char *type = kind_name(ld->kind);
        struct rg_value p[6];

        p[0] = rg_int(ld->pk);
        p[1] = ld->id;
        p[2] = rg_text(type, strlen(type));
        p[3] = ld->name;
        p[4] = rg_int(ld->source_id);
        p[5] = rg_int(rec->line);

        if (ld->sink->row(ld->principals, p, err) < 0)
            return -1;
    }
    if (ld->sink->row(ld->w, ld->vals, err) < 0)
        return -1;
    if (ld->kind == K_GROUP && add_group_name(ld, rec->line) < 0)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    ld->rows++;
    return 0;
}

/* Reads one file (or, with data, one buffer) of spec fs. */
static int
load_file(struct loader *ld, const struct file_spec *fs, const char *path,
          const void *data, size_t len, struct rg_err *err)
{
    struct rg_csv_stats cs;
    struct rg_source_stats ss;
    char **paths;
    int ret;

    if (!(paths = realloc(ld->paths, (ld->npaths + 1) * sizeof(*paths))))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    ld->paths = paths;
    if (!(ld->paths[ld->npaths] = strdup(path)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    ld->src = (int)ld->npaths++;
    ld->fs = fs;
    ld->rows = ld->ndangling = 0;
    ld->source_id =
        ld->sink->source_begin(ld->sink->ctx, "csv", fs->table, path, err);
    if (ld->source_id < 0)
        return -1;
    if (data)
        ret = rg_csv_read_mem(path, data, len, on_record, ld, &cs, err);
    else
        ret = rg_csv_read(path, on_record, ld, &cs, err);
    ld->sink->table_free(ld->w);
    ld->w = NULL;
    if (ret < 0)
        return -1;
    for (size_t j = 0; j < fs->ncols; j++)
        if (fs->cols[j].type == C_ID)
            ld->loaded[fs->cols[j].ns] = 1;
    memset(&ss, 0, sizeof(ss));
    ss.sha256 = cs.sha256;
    ss.bytes = cs.bytes;
    ss.rows = ld->rows;
    ss.expected = -1;
    ss.dangling = ld->ndangling;
    return ld->sink->source_end(ld->sink->ctx, ld->source_id, &ss, err);
}

static int
loader_init(struct loader *ld, const struct rg_csvload_opts *o,
            struct rg_row_sink *sink, struct rg_err *err)
{
    memset(ld, 0, sizeof(*ld));
    ld->o = o;
    ld->sink = sink;
    ld->next_pk = 1;
    for (int i = 0; i < NS_COUNT; i++)
        if (!(ld->ns[i] = rg_map_new()))
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    return 0;
}

static void
loader_release(struct loader *ld)
{
    for (int i = 0; i < NS_COUNT; i++)
        rg_map_free(ld->ns[i]);
    for (size_t i = 0; i < ld->npaths; i++)
        free(ld->paths[i]);
    free(ld->paths);
    ld->sink->table_free(ld->w);
    ld->sink->table_free(ld->principals);
    ld->sink->table_free(ld->dangling);
}

/* --------------------------------------------------------------- folders */

struct dir_list {
    char **names; /* owned */
    size_t n;
};

static void
dir_list_release(struct dir_list *dl)
{
    for (size_t i = 0; i < dl->n; i++)
        free(dl->names[i]);
    free(dl->names);
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .csv files of a folder, sorted, so warnings come out in one order. */
static int
list_dir(const char *dir, struct dir_list *dl, struct rg_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    memset(dl, 0, sizeof(*dl));
    if (!d)
        return rg_fail(err, RG_ERR_IO, "cannot open folder '%s': %s", dir,
                       strerror(errno));
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        char **names;

        if (len < 5 || !rg_ascii_ieq(de->d_name + len - 4, 4, ".csv"))
            continue;
        if (!(names = realloc(dl->names, (dl->n + 1) * sizeof(*names))) ||
            !(names[dl->n] = strdup(de->d_name))) {
            if (names)
                dl->names = names;
            closedir(d);
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        }
        dl->names = names;
        dl->n++;
    }
    closedir(d);
    qsort(dl->names, dl->n, sizeof(*dl->names), cmp_names);
    return 0;
}

/*
 * The entry of dl that is the file fs (names compare case-insensitively:
 * exports made on Windows may be "Users.csv"); NULL if none. Two matches
 * are an error.
 */
static const char *
find_file(const char *dir, const struct dir_list *dl, const char *file,
          int *used, struct rg_err *err)
{
    const char *found = NULL;
    size_t at = 0;

    for (size_t i = 0; i < dl->n; i++) {
        if (!rg_ascii_ieq(dl->names[i], strlen(dl->names[i]), file))
            continue;
        if (found) {
            rg_fail(err, RG_ERR_INPUT,
                    "folder '%s' has both '%s' and '%s': keep one", dir, found,
                    dl->names[i]);
            return NULL;
        }
        found = dl->names[i];
        at = i;
    }
    if (found)
        used[at] = 1;
    return found;
}

static char *
join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *p = malloc(dl + (size_t)slash + nl + 1);

    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + (size_t)slash, name, nl + 1);
    return p;
}

int
rg_csv_load(const struct rg_csvload_opts *o, struct rg_row_sink *sink,
            struct rg_err *err)
{
    struct loader *ld = malloc(sizeof(*ld));
    struct dir_list *dls = calloc(o->ndirs ? o->ndirs : 1, sizeof(*dls));
    int **used = calloc(o->ndirs ? o->ndirs : 1, sizeof(*used));
    int ret = -1, have_users = 0;

    if (!ld || !dls || !used) {
        free(ld);
        free(dls);
        free(used);
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    if (loader_init(ld, o, sink, err) < 0)
        goto done;
    for (size_t d = 0; d < o->ndirs; d++) {
        if (list_dir(o->dirs[d], &dls[d], err) < 0)
            goto done;
        if (!(used[d] = calloc(dls[d].n + 1, sizeof(int)))) {
            rg_fail(err, RG_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t f = 0; f < NFILES; f++)
            if (find_file(o->dirs[d], &dls[d], files[f].file, used[d], err) ==
                    NULL &&
                err->code != RG_OK)
                goto done;
        for (size_t i = 0; i < dls[d].n; i++)
            have_users |= rg_ascii_ieq(dls[d].names[i], strlen(dls[d].names[i]),
                                       "users.csv");
    }
    if (o->directory_elsewhere) {
        /* the directory's files would clash with what Graph gave */
        for (size_t d = 0; d < o->ndirs; d++)
            for (size_t f = 0; f < FIRST_NON_DIRECTORY; f++) {
                const char *name =
                    find_file(o->dirs[d], &dls[d], files[f].file, used[d], err);

                if (name && strcmp(files[f].table, "department_groups") == 0) {
                    /* its groups are Graph's, which this loader never sees */
                    rg_fail(err, RG_ERR_USAGE,
                            "'%s/%s' names groups, and this collect reads "
                            "the groups from Graph: a department mapping is "
                            "read only with groups.csv, in a collect "
                            "without --graph",
                            o->dirs[d], name);
                    goto done;
                }
                if (name) {
                    rg_fail(err, RG_ERR_USAGE,
                            "'%s/%s' is a directory export, and this "
                            "collect reads the directory from Graph: give "
                            "--csv only HR, AD, ServiceNow and SoD files",
                            o->dirs[d], name);
                    goto done;
                }
            }
    } else if (!have_users) {
        rg_fail(err, RG_ERR_INPUT,
                "no users.csv in %s'%s'%s: it is the one "
                "export that must be present",
                o->ndirs > 1 ? "any of " : "", o->ndirs ? o->dirs[0] : "",
                o->ndirs > 1 ? ", ..." : "");
        goto done;
    }
    for (size_t d = 0; d < o->ndirs && o->directory_elsewhere; d++) {
        for (size_t f = FIRST_ENTRA_EVENTS; f < END_ENTRA_EVENTS; f++) {
            const char *name =
                find_file(o->dirs[d], &dls[d], files[f].file, used[d], err);

            if (!name)
                continue;
            /* two sources of one table would give two rows for one event */
            rg_fail(err, RG_ERR_USAGE,
                    "'%s/%s' is an Entra ID audit or lifecycle workflow "
                    "export, and this collect reads Entra ID from Graph "
                    "(its events with --from): leave it out of --csv",
                    o->dirs[d], name);
            goto done;
        }
    }
    for (size_t d = 0; d < o->ndirs && o->ad_elsewhere; d++) {
        for (size_t f = 0; f < NFILES; f++) {
            const char *name;

            if (strncmp(files[f].table, "ad_", 3) != 0 ||
                !(name = find_file(o->dirs[d], &dls[d], files[f].file, used[d],
                                   err)))
                continue;
            /* two sources of one table would mix two directories' rows */
            rg_fail(err, RG_ERR_USAGE,
                    "'%s/%s' is an Active Directory export, and this "
                    "collect reads Active Directory over LDAP (--ldap): "
                    "leave it out of --csv",
                    o->dirs[d], name);
            goto done;
        }
    }
    for (size_t d = 0; d < o->ndirs && o->servicenow_elsewhere; d++) {
        const char *name = find_file(o->dirs[d], &dls[d],
                                     "servicenow_requests.csv", used[d], err);

        if (!name)
            continue;
        /* two sources of one table would give two rows for one request */
        rg_fail(err, RG_ERR_USAGE,
                "'%s/%s' is a ServiceNow export, and this collect reads "
                "ServiceNow over its Table API (--servicenow): leave it out "
                "of --csv",
                o->dirs[d], name);
        goto done;
    }
    for (size_t f = 0; f < NFILES; f++) {
        for (size_t d = 0; d < o->ndirs; d++) {
            const char *name =
                find_file(o->dirs[d], &dls[d], files[f].file, used[d], err);
            char *path;
            int r;

            if (!name)
                continue;
            if (!(path = join(o->dirs[d], name))) {
                rg_fail(err, RG_ERR_NOMEM, "out of memory");
                goto done;
            }
            r = load_file(ld, &files[f], path, NULL, 0, err);
            free(path);
            if (r < 0)
                goto done;
        }
    }
    for (size_t d = 0; d < o->ndirs && o->warn; d++) {
        for (size_t i = 0; i < dls[d].n; i++) {
            char msg[600];

            if (used[d][i])
                continue;
            snprintf(msg, sizeof(msg),
                     "ignoring '%s' in '%s': not a known export (see "
                     "docs/csv-formats.md)",
                     dls[d].names[i], o->dirs[d]);
            o->warn(o->warn_ctx, msg);
        }
    }
    ret = 0;

done:
    loader_release(ld);
    for (size_t d = 0; d < o->ndirs; d++) {
        dir_list_release(&dls[d]);
        free(used[d]);
    }
    free(dls);
    free(used);
    free(ld);
    return ret;
}

int
rg_csv_load_mem(const struct rg_csvload_opts *o, const char *name,
                const void *data, size_t len, struct rg_row_sink *sink,
                struct rg_err *err)
{
    struct loader *ld = malloc(sizeof(*ld));
    int ret = -1;

    if (!ld)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    if (loader_init(ld, o, sink, err) == 0) {
        for (size_t f = 0; f < NFILES; f++) {
            if (strcmp(files[f].file, name) == 0) {
                ret = load_file(ld, &files[f], name, data, len, err);
                break;
            }
        }
        if (ret < 0 && err->code == RG_OK)
            rg_fail(err, RG_ERR_USAGE, "'%s' is not a known export", name);
    }
    loader_release(ld);
    free(ld);
    return ret;
}
