SELECT :nope AS name;
