-- found in review, 2026-11-26: values the writers must survive
SELECT 'long' AS what, printf('%.2000c', 'x') AS val, NULL AS t
UNION ALL SELECT 'bad utf-8', CAST(x'41ff42' AS TEXT), NULL
UNION ALL SELECT 'huge', printf('%.40000c', 'y'), NULL
UNION ALL SELECT 'infinite', 1e999, NULL
UNION ALL SELECT 'impossible date', 'z', '2026-02-31T10:00:00Z'
UNION ALL SELECT 'blob', x'00ff10', NULL
UNION ALL SELECT 'emoji', 'smile 😀 æøå', NULL;
