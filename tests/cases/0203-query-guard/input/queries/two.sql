SELECT display_name AS name FROM users; DELETE FROM users;
