SELECT display_name AS name FROM users;
