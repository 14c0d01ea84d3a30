-- bench-flows.sql: the IZA patient flows on the insurers' claims (scripts/flows.mk, from the cleaned
-- files and T6's GP prevalence to work/t8-long.csv) in DuckDB SQL, the peer of
-- `make -f scripts/study.mk work/t8-long.csv` in scripts/bench. Run by scripts/duckdb-query.mjs
-- after the SQL that makes its input tables (clean_claims, clean_insured, clean_insurer_deliveries,
-- clean_wlz, birth_dates, iza_prevalence: koppel's files of those names, as text), with rules=
-- (share/koppel/rules) and out= (a directory); writes t8-long.csv's table
-- (year,condition,discipline,contact,persons) to out/t8-long.csv and keeps the claims population
-- (flows_population: year,bsn,birth_date) for T7. The rules tables are read as they are; every
-- rule below is the one of the flows.mk step named beside it.

CREATE TEMP TABLE years AS SELECT * FROM (VALUES (2019), (2023)) AS t(year);

-- The study's ten condition groups; asthma and COPD are the subgroups of the rules' asthma_copd.
CREATE TEMP TABLE conditions AS
SELECT condition, CASE WHEN condition IN ('asthma', 'copd') THEN 'asthma_copd' ELSE condition END AS rules_condition
FROM (VALUES ('mental'), ('cancer'), ('cardiovascular'), ('frail_elderly'), ('neck_back'),
             ('osteoarthritis'), ('diabetes'), ('asthma'), ('copd'), ('intellectual_disability')) AS t(condition);

-- clean/claims.csv: codes read as classify-condition reads them (no surrounding spaces, upper case).
CREATE TEMP TABLE claims AS
SELECT bsn, discipline, declaration_code, CAST(start_date AS DATE) AS start_date,
       CAST(end_date AS DATE) AS end_date, upper(trim(diagnosis_code, e' \t\n\r\v\f')) AS code
FROM clean_claims;

-- The rules of the coded disciplines (CLAIMS_RULES_*), one row per rule code.
CREATE TEMP TABLE rules AS
WITH tables AS (
    SELECT 'hospital' AS discipline, * FROM read_csv('{{rules}}/iza-claims-hospital.csv', header = true, all_varchar = true)
    UNION ALL BY NAME
    SELECT 'physio' AS discipline, * FROM read_csv('{{rules}}/iza-claims-paramedical.csv', header = true, all_varchar = true)
    UNION ALL BY NAME
    SELECT 'exercise' AS discipline, * FROM read_csv('{{rules}}/iza-claims-paramedical.csv', header = true, all_varchar = true)
    UNION ALL BY NAME
    SELECT 'dietetics' AS discipline, * FROM read_csv('{{rules}}/iza-claims-dietetics.csv', header = true, all_varchar = true))
SELECT * FROM (
    SELECT discipline, condition, subgroup, code_system, CAST(lookback_years AS INTEGER) AS lookback,
           upper(unnest(regexp_split_to_array(codes, '[ |,]+'))) AS rule_code
    FROM tables WHERE codes IS NOT NULL)
WHERE rule_code <> '';

-- Each distinct code of a coded discipline with the rules it matches (classify-condition: a code
-- of the wrong form is rejected and matches nothing; DBC and DIET: a specialism or group matches
-- its codes, a full code itself; DCSPH: X is any digit). The study's condition: asthma and copd
-- for the subgroups of asthma_copd.
CREATE TEMP TABLE code_match AS
SELECT c.discipline, c.code, r.lookback,
       CASE WHEN r.condition = 'asthma_copd' THEN r.subgroup ELSE r.condition END AS condition
FROM (SELECT DISTINCT discipline, code FROM claims
      WHERE discipline IN ('hospital', 'physio', 'exercise', 'dietetics') AND code IS NOT NULL) AS c
JOIN rules AS r ON r.discipline = c.discipline AND CASE r.code_system
    WHEN 'DBC' THEN regexp_full_match(c.code, '[0-9]{4}[.][0-9]{3}')
        AND (c.code = r.rule_code OR (length(r.rule_code) = 4 AND c.code[1:4] = r.rule_code))
    WHEN 'DIET' THEN regexp_full_match(c.code, '[0-9]{2}[.][0-9]{2}')
        AND (c.code = r.rule_code OR (length(r.rule_code) = 2 AND c.code[1:2] = r.rule_code))
    WHEN 'DCSPH' THEN regexp_full_match(c.code, '[0-9]{4}') AND c.code LIKE replace(r.rule_code, 'X', '_')
    END;

-- work/flows-YEAR/population.csv: the insured of the year with one insurer and a date of birth,
-- less those of an insurer with an incomplete delivery in the year or the year before and those
-- in the Wlz at any time in the year
CREATE TEMP TABLE flows_population AS
WITH
insured_year AS (
    SELECT DISTINCT CAST(year AS INTEGER) AS year, bsn, insurer_id
    FROM clean_insured
    WHERE year IN (SELECT CAST(year AS VARCHAR) FROM years)),
two_insurers AS (
    SELECT year, bsn FROM insured_year GROUP BY year, bsn HAVING count(*) >= 2),
insured_once AS (
    SELECT i.year, i.bsn, i.insurer_id, b.birth_date
    FROM (SELECT * FROM insured_year ANTI JOIN two_insurers USING (year, bsn)) AS i
    JOIN birth_dates AS b USING (bsn)),
incomplete AS (
    SELECT DISTINCT y.year, d.insurer_id
    FROM clean_insurer_deliveries AS d,
         years AS y
    WHERE d.delivery = 'incomplete' AND d.year IN (CAST(y.year AS VARCHAR), CAST(y.year - 1 AS VARCHAR))),
wlz_year AS (
    SELECT DISTINCT y.year, w.bsn
    FROM clean_wlz AS w,
         years AS y
    WHERE w.setting = 'institution'
      AND w.start_date <= printf('%d-12-31', y.year) AND (w.end_date IS NULL OR w.end_date >= printf('%d-01-01', y.year))),
population AS (
    SELECT year, bsn, birth_date FROM insured_once
    ANTI JOIN incomplete USING (year, insurer_id)
    ANTI JOIN wlz_year USING (year, bsn))
SELECT * FROM population;

CREATE TEMP TABLE t8_long AS
WITH
population AS (SELECT * FROM flows_population),
-- work/flows-YEAR/found.csv: found in the GP data (T6's prevalence, source 1), in the claims
-- (a claim of a coded discipline with a code of the condition in its lookback window; frail
-- elderly: 80 or over on 31 December; source 2), or both
gp_flags AS (
    SELECT CAST(year AS INTEGER) AS year, * EXCLUDE (year) FROM iza_prevalence),
sources AS (
    SELECT year, bsn, condition, 1 AS source FROM (
        UNPIVOT (SELECT year, bsn, mental, cancer, cardiovascular, frail_elderly, neck_back, osteoarthritis,
                        diabetes, asthma, copd, intellectual_disability FROM gp_flags)
        ON COLUMNS(* EXCLUDE (year, bsn)) INTO NAME condition VALUE flag)
    WHERE flag = '1'
    UNION ALL
    SELECT y.year, c.bsn, m.condition, 2 AS source
    FROM claims AS c JOIN code_match AS m USING (discipline, code), years AS y
    WHERE c.start_date <= make_date(y.year, 12, 31)
      AND (c.end_date IS NULL OR c.end_date >= make_date(y.year - m.lookback, 1, 1))
    UNION ALL
    SELECT year, bsn, 'frail_elderly', 2 FROM population
    WHERE CAST(birth_date[1:4] AS INTEGER) <= year - 80),
found AS (
    SELECT year, bsn, condition,
           CASE sum(source) WHEN 1 THEN 'gp' WHEN 2 THEN 'claims' WHEN 3 THEN 'both' END AS found_in
    FROM (SELECT DISTINCT * FROM sources SEMI JOIN population USING (year, bsn))
    WHERE condition IN (SELECT condition FROM conditions)
    GROUP BY year, bsn, condition),
-- work/flows-YEAR/claimed.csv and claimed-any.csv: the claims that start in the year, any
-- (per discipline) and for a condition (by code, without a lookback; or by declaration code)
claims_year AS (
    SELECT year(start_date) AS year, * FROM claims
    WHERE year(start_date) IN (SELECT year FROM years)),
claimed_any AS (
    SELECT DISTINCT year, bsn, discipline FROM claims_year),
claimed AS (
    SELECT DISTINCT year, bsn, condition, discipline FROM (
        SELECT c.year, c.bsn, m.condition, c.discipline
        FROM claims_year AS c JOIN code_match AS m USING (discipline, code)
        UNION ALL
        SELECT c.year, c.bsn, d.condition, c.discipline
        FROM claims_year AS c
        JOIN read_csv('{{rules}}/iza-claims-declarations.csv', header = true, all_varchar = true) AS d
          USING (discipline, declaration_code))),
-- each found patient and discipline of the group (iza-disciplines.csv; flows.mk keeps the yes rows,
-- work/flows-YEAR/contacts.csv, and counts the no rows from found.csv):
-- contact yes when the patient has a claim there that counts (every claim, or one for the condition)
flow_table AS (
    SELECT condition AS rules_condition, discipline, counts
    FROM read_csv('{{rules}}/iza-disciplines.csv', header = true, all_varchar = true)),
members AS (
    SELECT f.year, f.bsn, f.condition, f.found_in, t.discipline,
           CASE WHEN t.counts = 'all' THEN a.bsn IS NOT NULL ELSE c.bsn IS NOT NULL END AS contact
    FROM found AS f
    JOIN conditions AS k USING (condition)
    JOIN flow_table AS t USING (rules_condition)
    LEFT JOIN claimed AS c ON c.year = f.year AND c.bsn = f.bsn AND c.condition = f.condition AND c.discipline = t.discipline
    LEFT JOIN claimed_any AS a ON a.year = f.year AND a.bsn = f.bsn AND a.discipline = t.discipline),
-- work/t8-long.csv: per year, condition and discipline the patients with and without a claim and
-- the total; per year and condition the patients by where they were found; zeros filled
counts AS (
    SELECT year, condition, discipline, CASE WHEN contact THEN 'yes' ELSE 'no' END AS contact, count(*) AS persons
    FROM members GROUP BY ALL
    UNION ALL
    SELECT year, condition, discipline, 'Total', count(*) FROM members GROUP BY ALL
    UNION ALL
    SELECT year, condition, 'found_in', found_in, count(*) FROM (SELECT DISTINCT year, bsn, condition, found_in FROM members) GROUP BY ALL
    UNION ALL
    SELECT year, condition, 'found_in', 'Total', count(*) FROM (SELECT DISTINCT year, bsn, condition FROM members) GROUP BY ALL),
cells AS (
    SELECT k.year, k.condition, k.discipline, v.contact, v.position
    FROM (SELECT DISTINCT year, condition, discipline FROM counts) AS k
    JOIN (VALUES (false, 'yes', 1), (false, 'no', 2), (false, 'Total', 4),
                 (true, 'gp', 1), (true, 'claims', 2), (true, 'both', 3), (true, 'Total', 4)) AS v(found, contact, position)
      ON v.found = (k.discipline = 'found_in'))
SELECT year, condition, discipline, contact, coalesce(persons, 0) AS persons, position
FROM cells LEFT JOIN counts USING (year, condition, discipline, contact);

COPY (SELECT year, condition, discipline, contact, persons FROM t8_long ORDER BY year, condition, discipline, position)
TO '{{out}}/t8-long.csv' (FORMAT csv, HEADER);
