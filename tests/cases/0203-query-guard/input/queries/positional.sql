SELECT ? AS name;
