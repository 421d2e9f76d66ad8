DELETE FROM users RETURNING display_name AS name;
