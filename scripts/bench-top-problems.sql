-- bench-top-problems.sql: T7 of scripts/study.mk (the top 15 health problems of GP contacts, from
-- clean/gp_contacts.csv and work/iza-YEAR/eligible.csv to work/t7-gp-cells.csv) in DuckDB SQL, the
-- peer of `make -f scripts/study.mk work/t7-gp-cells.csv` in scripts/bench. Run by
-- scripts/duckdb-query.mjs with study= (the study directory); writes t7-gp-cells.csv's table
-- (year,code,persons,contacts,top1_count,top2_count,rank,share_pct,status) to standard output.

CREATE TEMP TABLE t7 AS
WITH
years AS (SELECT * FROM (VALUES (2019), (2023)) AS t(year)),
eligible AS (
    SELECT CAST(regexp_extract(filename, 'iza-([0-9]{4})', 1) AS INTEGER) AS year, bsn
    FROM read_csv(['{{study}}/work/iza-2019/eligible.csv', '{{study}}/work/iza-2023/eligible.csv'],
                  header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', filename = true)),
-- work/iza-YEAR/problems-gp.csv: the GP's contacts of the counted types in the year by the
-- year's eligible patients whose code is empty or ICPC (classify-condition --tag rejects other
-- codes), with the ICPC main code (derive --mask code=icpc:???: no surrounding spaces, upper
-- case, the first three characters; an empty code stays empty)
problems AS (
    SELECT year, bsn, nullif(code[1:3], '') AS code FROM (
        SELECT CAST(contact_date[1:4] AS INTEGER) AS year, bsn, upper(trim(coalesce(icpc, ''), e' \t\n\r\v\f')) AS code
        FROM read_csv('{{study}}/clean/gp_contacts.csv', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
        WHERE provider = 'gp' AND contact_type IN ('consult', 'visit', 'phone', 'email', 'vaccination')
          AND contact_date[1:4] IN (SELECT CAST(year AS VARCHAR) FROM years))
    SEMI JOIN eligible USING (year, bsn)
    WHERE code = '' OR regexp_full_match(code, '[ABDFHKLNPRSTUWXYZ][0-9]{2}([.][0-9]+)?')),
-- work/t7-gp-codes.csv: per year and code the persons, contacts and the two largest numbers of
-- contacts of one person; safe: 10 persons or more, the two largest at most 85% of the contacts
code_persons AS (SELECT year, code, bsn, count(*) AS n FROM problems WHERE code IS NOT NULL GROUP BY ALL),
codes AS (
    SELECT year, code, count(*) AS persons, sum(n) AS contacts, list_sort(list(n), 'DESC') AS largest,
           count(*) >= 10 AND coalesce(list_sort(list(n), 'DESC')[1], 0) + coalesce(list_sort(list(n), 'DESC')[2], 0) <= 0.85 * sum(n) AS safe
    FROM code_persons GROUP BY year, code),
-- work/t7-gp-ranks.csv: each year's 15 safe codes with the most contacts (ties by code, byte order)
ranks AS (
    SELECT * FROM (
        SELECT year, code, row_number() OVER (PARTITION BY year ORDER BY contacts DESC, code) AS rank
        FROM codes WHERE safe)
    WHERE rank <= 15),
-- the listed codes of a year: ranked in either year, less those that fail the rules in this one
listed AS (
    SELECT y.year, r.code FROM years AS y CROSS JOIN (SELECT DISTINCT code FROM ranks) AS r
    ANTI JOIN (SELECT year, code FROM codes WHERE NOT safe) AS u USING (year, code)),
-- work/t7-gp-cells.csv: per year the listed codes, the other codes (and contacts without a code)
-- together, and the total: persons, contacts, the two largest numbers of contacts of one person
per_person AS (
    SELECT p.year, CASE WHEN l.code IS NULL THEN 'other' ELSE l.code END AS code, p.bsn, count(*) AS n
    FROM problems AS p LEFT JOIN listed AS l ON l.year = p.year AND l.code = p.code
    GROUP BY ALL
    UNION ALL
    SELECT year, 'Total', bsn, count(*) FROM problems GROUP BY ALL),
groups AS (
    SELECT year, code, count(*) AS persons, sum(n) AS contacts, list_sort(list(n), 'DESC') AS largest
    FROM per_person GROUP BY year, code),
cells AS (
    SELECT g.year, g.code, coalesce(c.persons, 0) AS persons, coalesce(c.contacts, 0) AS contacts,
           c.largest[1] AS top1_count, c.largest[2] AS top2_count
    FROM (SELECT year, code FROM listed UNION ALL SELECT year, 'other' FROM years UNION ALL SELECT year, 'Total' FROM years) AS g
    LEFT JOIN groups AS c USING (year, code)),
unsafe AS (
    SELECT year, code, (persons > 0 AND persons < 10)
               OR (contacts > 0 AND coalesce(top1_count, 0) + coalesce(top2_count, 0) > 0.85 * contacts) AS unsafe
    FROM cells),
totals AS (SELECT year, contacts AS total FROM cells WHERE code = 'Total'),
hidden AS (SELECT year, unsafe AS other_unsafe FROM unsafe WHERE code = 'other')
SELECT c.year, c.code, c.persons, c.contacts, c.top1_count, c.top2_count, r.rank,
       -- awk's sprintf("%.10g")
       CASE WHEN t.total > 0 THEN printf('%.10g', 100 * c.contacts / t.total) END AS share_pct,
       CASE WHEN u.unsafe THEN 'u' WHEN c.code = 'Total' AND h.other_unsafe THEN 'x' END AS status
FROM cells AS c JOIN totals AS t USING (year) JOIN unsafe AS u USING (year, code) JOIN hidden AS h USING (year)
LEFT JOIN ranks AS r USING (year, code);

COPY (SELECT * FROM t7 ORDER BY year, code = 'Total', code = 'other', code) TO '/dev/stdout' (FORMAT csv, HEADER);
