SELECT sam_account_name, enabled, last_logon_date, when_created, line FROM ad_users;
