SELECT display_name AS name FROM users WHERE :days >= 0 AND :since <= :as_of AND :on IN (0, 1);
