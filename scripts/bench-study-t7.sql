-- bench-study-t7.sql (part top-problems of the DuckDB peer of scripts/study.mk): T7, the top 15
-- health problems per discipline (gp hap physio exercise dietetics seh) and IZA year (2019, 2023),
-- from "T7 the top 15 health problems" to T7_TABLE in scripts/study.mk. Reads the prelude's
-- clean_gp_contacts and clean_claims, iza_eligible (iza part) and flows_population (flows part);
-- writes {{out}}/t7-D-codes.csv (year,code,persons,contacts,safe) and {{out}}/t7-D-cells.csv
-- (year,code,persons,contacts,top1_count,top2_count,rank,share_pct,status) for each discipline
-- D, the cells of koppel's work/t7-D-*.csv; leaves the TEMP TABLEs top_problems (discipline,year,
-- bsn,code,n: work/iza-Y/problems-D.csv counted per person and code), top_problems_codes and
-- top_problems_cells (with a first column discipline). Years are VARCHAR ('2019'), counts integers.

-- The disciplines: the code system their codes are checked by (TOP_VALID_D: classify-condition
-- --tag with the rules table of that system; seh: no check) and their code mask (TOP_CODE_D:
-- derive --mask; seh: then the ICD-10 block of the main code).
CREATE TEMP TABLE top_problems_disciplines AS
SELECT * FROM (VALUES ('gp', 'ICPC', '???'), ('hap', 'ICPC', '???'), ('physio', 'DCSPH', '?X??'),
                      ('exercise', 'DCSPH', '?X??'), ('dietetics', 'DIET', '?????'), ('seh', NULL, '???'))
    AS t(discipline, code_system, mask);
CREATE TEMP TABLE top_problems_years AS SELECT * FROM (VALUES ('2019'), ('2023')) AS t(year);

-- work/iza-Y/problems-D.csv, as the number of records (n) per discipline, year, person and code:
-- the records of the year of the year's population whose code passes the discipline's check
-- and mask, with the masked code ('' for an empty code).
--   GP: the contacts of the counted types (provider gp) dated in Y (select --in-year: a strict
--     ISO date, a real day) of Y's eligible patients (work/iza-Y/eligible.csv).
--   Claims disciplines: the claims of D (work/claims/D.csv) starting in Y of Y's claims
--     population (work/flows-Y/population.csv).
--   Check (classify-condition --tag): the code without surrounding ASCII white space
--     (space \t \n \r \v \f), at most 15 bytes, ASCII letters in any case; empty passes (no
--     condition); anything else not of the system's form is a rejected record (left out):
--     ICPC a chapter letter, two digits, an optional dot with one digit or more; DCSPH four
--     digits; DIET two digits, a dot, two digits.
--   Mask (derive --mask): the code without surrounding spaces and tabs only; empty stays empty;
--     shorter than the mask (bytes), or a non-ASCII byte in the mask's length, is a rejected
--     record; '?' keeps the character in upper case, another mask character is written.
--   seh: the masked main code looked up in icd10-blocks.csv (exact), '' when not listed.
-- The check and the mask are worked out once per distinct code as written (code_map).
CREATE TEMP TABLE top_problems AS
WITH
-- the records dated in 2019 or 2023 ('2019-' <= d < '2019.': d starts with '2019-'; then a
-- strict ISO date, else select --in-year rejects it)
contacts AS (
    SELECT 'gp' AS discipline, contact_date[1:4] AS year, bsn, coalesce(icpc, '') AS raw_code
    FROM clean_gp_contacts
    WHERE provider = 'gp' AND contact_type IN ('consult', 'visit', 'phone', 'email', 'vaccination')
      AND CASE WHEN (contact_date >= '2019-' AND contact_date < '2019.') OR (contact_date >= '2023-' AND contact_date < '2023.')
               THEN regexp_full_match(contact_date, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
                    AND try_cast(contact_date AS DATE) IS NOT NULL
               ELSE false END),
claims AS (
    SELECT discipline, start_date[1:4] AS year, bsn, coalesce(diagnosis_code, '') AS raw_code
    FROM clean_claims
    WHERE CASE WHEN (discipline = 'hap' OR discipline = 'physio' OR discipline = 'exercise'
                     OR discipline = 'dietetics' OR discipline = 'seh')
                    AND ((start_date >= '2019-' AND start_date < '2019.') OR (start_date >= '2023-' AND start_date < '2023.'))
               THEN regexp_full_match(start_date, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
                    AND try_cast(start_date AS DATE) IS NOT NULL
               ELSE false END),
-- per discipline, year, person and code as written: the number of records
records AS MATERIALIZED (
    SELECT discipline, year, bsn, raw_code, count(*) AS n
    FROM (SELECT * FROM contacts
          WHERE year || bsn IN (SELECT CAST(year AS VARCHAR) || bsn FROM iza_eligible)
          UNION ALL
          SELECT * FROM claims
          WHERE year || bsn IN (SELECT CAST(year AS VARCHAR) || bsn FROM flows_population))
    GROUP BY ALL),
-- each code as written: its discipline's check, its mask
trimmed AS (
    SELECT r.discipline, r.raw_code, d.code_system, d.mask, length(d.mask) AS n,
           trim(r.raw_code, ' ' || chr(9) || chr(10) || chr(13) || chr(11) || chr(12)) AS t,
           trim(r.raw_code, ' ' || chr(9)) AS m
    FROM (SELECT DISTINCT discipline, raw_code FROM records) AS r
    JOIN top_problems_disciplines AS d USING (discipline)),
checked AS (
    SELECT discipline, raw_code, m, n, mask, substring(m, 1, n) AS p
    FROM trimmed
    WHERE t = '' OR code_system IS NULL
       OR (strlen(t) <= 15 AND CASE code_system
               WHEN 'ICPC' THEN regexp_full_match(t, '[ABDFHKLNPRSTUWXYZabdfhklnprstuwxyz][0-9]{2}([.][0-9]+)?')
               WHEN 'DCSPH' THEN regexp_full_match(t, '[0-9]{4}')
               WHEN 'DIET' THEN regexp_full_match(t, '[0-9]{2}[.][0-9]{2}') END)),
masked AS (
    SELECT discipline, raw_code,
           CASE WHEN m = '' THEN ''
                WHEN mask = '?X??' THEN upper(p[1:1]) || 'X' || upper(p[3:4])
                ELSE upper(p) END AS code
    FROM checked
    WHERE m = '' OR (strlen(p) = n AND length(p) = n)),
blocks AS (
    SELECT DISTINCT code AS main, block
    FROM read_csv('{{rules}}/icd10-blocks.csv', header = true, all_varchar = true)),
code_map AS (
    SELECT discipline, raw_code,
           CASE WHEN discipline = 'seh' AND code <> '' THEN coalesce(b.block, '') ELSE code END AS code
    FROM masked LEFT JOIN blocks AS b ON discipline = 'seh' AND b.main = masked.code)
SELECT r.discipline, r.year, r.bsn, m.code, sum(r.n) AS n
FROM records AS r JOIN code_map AS m USING (discipline, raw_code)
GROUP BY ALL;

-- work/t7-D-codes.csv: per year and (non-empty) code the persons, contacts and whether it may
-- be ranked: 10 persons or more, the two largest numbers of contacts of one person at most 85%
-- of the contacts (awk: in doubles).
CREATE TEMP TABLE top_problems_codes AS
WITH per_code AS (
    SELECT discipline, year, code, count(*) AS persons, sum(n) AS contacts, max(n, 2) AS largest
    FROM top_problems WHERE code <> '' GROUP BY ALL)
SELECT discipline, year, code, persons, contacts,
       CASE WHEN persons >= 10
                 AND largest[1] + coalesce(largest[2], 0) <= CAST(0.85 AS DOUBLE) * CAST(contacts AS DOUBLE)
            THEN 1 ELSE 0 END AS safe
FROM per_code;

-- work/t7-D-ranks.csv: each year's 15 safe codes with the most contacts, ties by code (bytes).
-- work/t7-D-cells.csv: per year the listed codes (ranked in either year, less those not safe in
-- this year), other (the rest, contacts without a code included) and Total: persons, contacts,
-- the two largest numbers of contacts of one person (a code without contacts: 0, 0, empty),
-- the rank, the share of the year's contacts (%.10g) and the status: u where the cell fails the
-- rules, x for the Total of a year whose other is u.
CREATE TEMP TABLE top_problems_cells AS
WITH
ranks AS (
    SELECT * FROM (
        SELECT discipline, year, code,
               row_number() OVER (PARTITION BY discipline, year ORDER BY contacts DESC, code) AS rank
        FROM top_problems_codes WHERE safe = 1)
    WHERE rank <= 15),
grid AS (SELECT d.discipline, y.year FROM top_problems_disciplines AS d CROSS JOIN top_problems_years AS y),
listed AS (
    SELECT g.discipline, g.year, r.code
    FROM grid AS g JOIN (SELECT DISTINCT discipline, code FROM ranks) AS r USING (discipline)
    ANTI JOIN (SELECT discipline, year, code FROM top_problems_codes WHERE safe = 0) AS u USING (discipline, year, code)),
-- the listed codes straight from the codes (a person's contacts with one code); other and
-- Total per person
listed_groups AS (
    SELECT l.discipline, l.year, l.code, c.persons, c.contacts, c.largest
    FROM listed AS l
    LEFT JOIN (SELECT discipline, year, code, count(*) AS persons, sum(n) AS contacts, max(n, 2) AS largest
               FROM top_problems WHERE code <> '' GROUP BY ALL) AS c USING (discipline, year, code)),
other_groups AS (
    SELECT discipline, year, code, count(*) AS persons, sum(n) AS contacts, max(n, 2) AS largest
    FROM (SELECT p.discipline, p.year, 'other' AS code, p.bsn, sum(p.n) AS n
          FROM top_problems AS p ANTI JOIN listed AS l USING (discipline, year, code)
          GROUP BY ALL
          UNION ALL
          SELECT discipline, year, 'Total', bsn, sum(n) FROM top_problems GROUP BY ALL)
    GROUP BY ALL),
cells AS (
    SELECT k.discipline, k.year, k.code, coalesce(c.persons, 0) AS persons, coalesce(c.contacts, 0) AS contacts,
           c.largest[1] AS top1_count, c.largest[2] AS top2_count
    FROM (SELECT discipline, year, code FROM listed UNION ALL SELECT discipline, year, 'other' FROM grid
          UNION ALL SELECT discipline, year, 'Total' FROM grid) AS k
    LEFT JOIN (SELECT * FROM listed_groups UNION ALL SELECT * FROM other_groups) AS c USING (discipline, year, code)),
rules AS (
    SELECT *, (persons > 0 AND persons < 10)
              OR (contacts > 0 AND coalesce(top1_count, 0) + coalesce(top2_count, 0)
                                   > CAST(0.85 AS DOUBLE) * CAST(contacts AS DOUBLE)) AS unsafe
    FROM cells),
years AS (
    SELECT discipline, year,
           max(contacts) FILTER (WHERE code = 'Total') AS total,
           bool_or(unsafe) FILTER (WHERE code = 'other') AS other_unsafe
    FROM rules GROUP BY ALL)
SELECT c.discipline, c.year, c.code, c.persons, c.contacts, c.top1_count, c.top2_count, r.rank,
       CASE WHEN y.total > 0 THEN printf('%.10g', 100 * CAST(c.contacts AS DOUBLE) / CAST(y.total AS DOUBLE)) END AS share_pct,
       CASE WHEN c.unsafe THEN 'u' WHEN c.code = 'Total' AND y.other_unsafe THEN 'x' END AS status
FROM rules AS c JOIN years AS y USING (discipline, year)
LEFT JOIN ranks AS r USING (discipline, year, code);

COPY (SELECT year, code, persons, contacts, safe FROM top_problems_codes WHERE discipline = 'gp' ORDER BY year, code)
    TO '{{out}}/t7-gp-codes.csv' (HEADER, DELIMITER ',');
COPY (SELECT * EXCLUDE (discipline) FROM top_problems_cells WHERE discipline = 'gp' ORDER BY year, code)
    TO '{{out}}/t7-gp-cells.csv' (HEADER, DELIMITER ',');
COPY (SELECT year, code, persons, contacts, safe FROM top_problems_codes WHERE discipline = 'hap' ORDER BY year, code)
    TO '{{out}}/t7-hap-codes.csv' (HEADER, DELIMITER ',');
COPY (SELECT * EXCLUDE (discipline) FROM top_problems_cells WHERE discipline = 'hap' ORDER BY year, code)
    TO '{{out}}/t7-hap-cells.csv' (HEADER, DELIMITER ',');
COPY (SELECT year, code, persons, contacts, safe FROM top_problems_codes WHERE discipline = 'physio' ORDER BY year, code)
    TO '{{out}}/t7-physio-codes.csv' (HEADER, DELIMITER ',');
COPY (SELECT * EXCLUDE (discipline) FROM top_problems_cells WHERE discipline = 'physio' ORDER BY year, code)
    TO '{{out}}/t7-physio-cells.csv' (HEADER, DELIMITER ',');
COPY (SELECT year, code, persons, contacts, safe FROM top_problems_codes WHERE discipline = 'exercise' ORDER BY year, code)
    TO '{{out}}/t7-exercise-codes.csv' (HEADER, DELIMITER ',');
COPY (SELECT * EXCLUDE (discipline) FROM top_problems_cells WHERE discipline = 'exercise' ORDER BY year, code)
    TO '{{out}}/t7-exercise-cells.csv' (HEADER, DELIMITER ',');
COPY (SELECT year, code, persons, contacts, safe FROM top_problems_codes WHERE discipline = 'dietetics' ORDER BY year, code)
    TO '{{out}}/t7-dietetics-codes.csv' (HEADER, DELIMITER ',');
COPY (SELECT * EXCLUDE (discipline) FROM top_problems_cells WHERE discipline = 'dietetics' ORDER BY year, code)
    TO '{{out}}/t7-dietetics-cells.csv' (HEADER, DELIMITER ',');
COPY (SELECT year, code, persons, contacts, safe FROM top_problems_codes WHERE discipline = 'seh' ORDER BY year, code)
    TO '{{out}}/t7-seh-codes.csv' (HEADER, DELIMITER ',');
COPY (SELECT * EXCLUDE (discipline) FROM top_problems_cells WHERE discipline = 'seh' ORDER BY year, code)
    TO '{{out}}/t7-seh-cells.csv' (HEADER, DELIMITER ',');
