SELECT column1 AS name, column2 AS dept FROM (VALUES ('x', 'a'), ('y', 'b'), ('z', 'a'));
