-- users/accounts.sql
--
-- Every user account in the snapshot with its state, type, department,
-- employee id, last sign-in, and whether an HR record has the same employee
-- id (hr_match; 0 when the account has no employee id). no_hr_record marks
-- enabled member accounts without one: orphans, or accounts HR never knew.
--
--   .read queries/users/accounts.sql
SELECT u.display_name AS name,
       u.user_principal_name AS upn,
       coalesce(u.user_type, 'Member') AS user_type,
       u.account_enabled AS enabled,
       u.department AS department,
       u.job_title AS job_title,
       u.employee_id AS employee_id,
       u.created_date_time AS created,
       u.last_sign_in_date_time AS last_sign_in,
       CASE WHEN u.employee_id IS NULL THEN 0
            ELSE EXISTS (SELECT 1 FROM hr_people hp
                         WHERE hp.employee_id = u.employee_id) END AS hr_match,
       hp.status AS hr_status,
       (coalesce(u.account_enabled, 1) = 1
        AND coalesce(u.user_type, 'Member') = 'Member'
        AND hp.employee_id IS NULL) AS no_hr_record
FROM users u
LEFT JOIN hr_people hp ON hp.employee_id = u.employee_id
ORDER BY u.display_name, u.user_principal_name;
