UPDATE users SET display_name = 'x' RETURNING display_name AS name;
