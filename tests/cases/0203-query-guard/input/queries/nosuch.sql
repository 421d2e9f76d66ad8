SELECT name FROM nosuch;
