-- bench-study-cpb.sql: the DuckDB peer of scripts/wijkteams.mk (the municipal Wmo study, CPB) up
-- to its panels: work/wijkteams/clients.csv, panel-by-age.csv and cak-panel.csv. The DiD fit
-- (koppel did) is koppel's alone. Reads the synthetic country's files itself (not the prelude's
-- tables): study/pseudo/country/{gmsd,cak}.csv, study/raw/country/{municipalities,population,
-- municipality_crosswalk}.csv and the rules' gmsd-/cak- products and categories.
-- Placeholders: study, rules, out (each in double braces). Runs after bench-study-clean.sql, whose
-- macros it uses: prelude_iso_date (derive --iso-date), prelude_good, prelude_valid_period.

-- The crosswalk as derive --lookup gemeente=gemeente_code:<(select --columns gemeente_code,
-- boundary_gemeente_code ...) reads it: code, value (a code listed twice with one value is once).
CREATE TEMP TABLE cpb_crosswalk AS
SELECT DISTINCT gemeente_code AS code, boundary_gemeente_code AS gemeente
FROM read_csv('{{study}}/raw/country/municipality_crosswalk.csv', header = true, all_varchar = true,
              delim = ',', quote = '"', escape = '"')
WHERE gemeente_code IS NOT NULL;

-- Inhabitants per municipality and month (work/wijkteams/inhabitants.csv: aggregate --sum).
CREATE TEMP TABLE cpb_population AS
SELECT gemeente_code, month, age_group, CAST(inhabitants AS BIGINT) AS inhabitants
FROM read_csv('{{study}}/raw/country/population.csv', header = true, all_varchar = true,
              delim = ',', quote = '"', escape = '"');
CREATE TEMP TABLE cpb_inhabitants AS
SELECT gemeente_code, month, sum(inhabitants) AS inhabitants FROM cpb_population GROUP BY ALL;
-- work/wijkteams/weights.csv: the first month's inhabitants as the population size.
CREATE TEMP TABLE cpb_weights AS
SELECT gemeente_code, inhabitants AS population FROM cpb_inhabitants WHERE month = '2015-01';

-- work/wijkteams/included.csv and included-cak.csv: a delivery in every year, no merger, no
-- provisions moved between categories (select --eq; an empty value is NULL here).
CREATE TEMP TABLE cpb_municipalities AS
SELECT * FROM read_csv('{{study}}/raw/country/municipalities.csv', header = true, all_varchar = true,
                       delim = ',', quote = '"', escape = '"');
CREATE TEMP TABLE cpb_included AS
SELECT gemeente_code, wijkteam FROM cpb_municipalities
WHERE gmsd_delivered = '2015 2016 2017' AND merged_into IS NULL AND merger_date IS NULL
  AND category_change IS NULL;
CREATE TEMP TABLE cpb_included_cak AS
SELECT gemeente_code, wijkteam FROM cpb_municipalities
WHERE cak_delivered = '2015 2016 2017' AND merged_into IS NULL AND merger_date IS NULL
  AND category_change IS NULL;

-- work/wijkteams/clients.csv. clean/country/gmsd.csv: the three dates through --iso-date, then
-- VALID_PERIOD (a start, an end empty or not before it). The lookups: an unlisted code is a bad
-- record, an empty one gives an empty value; ondersteuning_thuis=yes needs both product and
-- category found; an empty gemeente_code stays, as an empty gemeente. periods: each decision to
-- the months it touches in 2015-01-01..2017-12-31 (an open end at its end); age on the first of
-- the month (born after it: a bad record; no birth date: an empty band), --band 0,65; distinct
-- clients per municipality and month, per band and in all (--rollup without the month totals).
CREATE TEMP TABLE cpb_clients AS
WITH
dated AS (
    SELECT bsn, gemeente_code, product_code, prelude_iso_date(start_date) AS start_date,
           prelude_iso_date(end_date) AS end_date, prelude_iso_date(birth_date) AS birth_date
    FROM read_csv('{{study}}/pseudo/country/gmsd.csv', header = true, all_varchar = true,
                  delim = ',', quote = '"', escape = '"')),
clean AS (
    SELECT * FROM dated
    WHERE prelude_good(start_date) AND prelude_good(end_date) AND prelude_good(birth_date)
      AND prelude_valid_period(start_date, end_date)),
products AS (
    SELECT DISTINCT product_code AS code, category AS value
    FROM read_csv('{{rules}}/gmsd-products.csv', header = true, all_varchar = true, delim = ',',
                  quote = '"', escape = '"', names = ['product_code', 'category'])
    WHERE product_code IS NOT NULL),
categories AS (
    SELECT DISTINCT category AS code, ondersteuning_thuis AS value
    FROM read_csv('{{rules}}/gmsd-categories.csv', header = true, all_varchar = true, delim = ',',
                  quote = '"', escape = '"', names = ['category', 'ondersteuning_thuis'])
    WHERE category IS NOT NULL),
decisions AS (
    SELECT d.bsn, w.gemeente, d.start_date, d.end_date, d.birth_date
    FROM clean AS d
    JOIN products AS p ON p.code = d.product_code
    JOIN categories AS c ON c.code = p.value
    LEFT JOIN cpb_crosswalk AS w ON w.code = d.gemeente_code
    WHERE c.value = 'yes' AND (d.gemeente_code IS NULL OR w.code IS NOT NULL)
      AND d.start_date <= '2017-12-31' AND (d.end_date IS NULL OR d.end_date >= '2015-01-01')),
months AS (
    -- months as year * 12 + month - 1, cut to 2015-01 .. 2017-12
    SELECT bsn, gemeente, birth_date,
           unnest(range(greatest(CAST(start_date[1:4] AS INTEGER) * 12 + CAST(start_date[6:7] AS INTEGER) - 1,
                                 2015 * 12),
                        least(CAST(coalesce(end_date, '2017-12-31')[1:4] AS INTEGER) * 12
                                  + CAST(coalesce(end_date, '2017-12-31')[6:7] AS INTEGER) - 1,
                              2017 * 12 + 11) + 1)) AS m
    FROM decisions),
aged AS (
    SELECT bsn, gemeente, m, birth_date,
           m // 12 - CAST(birth_date[1:4] AS INTEGER)
               - CASE WHEN m % 12 + 1 < CAST(birth_date[6:7] AS INTEGER)
                        OR (m % 12 + 1 = CAST(birth_date[6:7] AS INTEGER) AND birth_date[9:10] > '01')
                      THEN 1 ELSE 0 END AS age
    FROM months),
banded AS (
    SELECT bsn, gemeente, m,
           CASE WHEN birth_date IS NULL THEN NULL WHEN age >= 65 THEN '65+' ELSE '0-64' END AS band
    FROM aged
    WHERE birth_date IS NULL OR age >= 0)
SELECT gemeente AS gemeente_code, printf('%04d-%02d', m // 12, m % 12 + 1) AS month,
       CASE WHEN grouping(band) = 1 THEN 'all' WHEN band = '0-64' THEN 'under65'
            WHEN band = '65+' THEN '65plus' END AS age_group,
       count(DISTINCT bsn) AS clients
FROM banded
GROUP BY GROUPING SETS ((gemeente, m, band), (gemeente, m));

COPY (SELECT * FROM cpb_clients ORDER BY ALL) TO '{{out}}/clients.csv' (HEADER, DELIMITER ',');

-- work/wijkteams/panel-by-age.csv: inhabitants per age group (and all) of the included
-- municipalities, their clients (0 if none), the crude rate per 1,000 (standardise --method
-- crude sums observed and population per group), the wijkteam and the population size.
COPY (
    WITH
    by_age AS (
        SELECT gemeente_code, month, age_group, inhabitants FROM cpb_population
        UNION ALL
        SELECT gemeente_code, month, 'all', inhabitants FROM cpb_inhabitants),
    cells AS (
        SELECT a.gemeente_code, a.month, a.age_group, sum(coalesce(c.clients, 0)) AS clients,
               sum(a.inhabitants) AS inhabitants
        FROM (SELECT * FROM by_age SEMI JOIN cpb_included USING (gemeente_code)) AS a
        LEFT JOIN cpb_clients AS c
            ON c.gemeente_code = a.gemeente_code AND c.month = a.month AND c.age_group = a.age_group
        GROUP BY ALL)
    SELECT c.gemeente_code, c.month, c.age_group, c.clients, c.inhabitants,
           1000.0 * c.clients / c.inhabitants AS per_1000, i.wijkteam, w.population
    FROM cells AS c
    JOIN cpb_included AS i USING (gemeente_code)
    JOIN cpb_weights AS w USING (gemeente_code)
    ORDER BY ALL
) TO '{{out}}/panel-by-age.csv' (HEADER, DELIMITER ',');

-- work/wijkteams/cak-panel.csv. clean/country/cak.csv: the birth date through --iso-date; the
-- lookups as for the GMSD (begeleiding_totaal=yes); distinct clients per municipality, year and
-- care period; the 13 care periods of a year (four weeks from 1 January) with the month of their
-- first day, labelled YYYY-PP; inhabitants of that month; the crude rate per 1,000.
COPY (
    WITH
    products AS (
        SELECT DISTINCT product_code AS code, category AS value
        FROM read_csv('{{rules}}/cak-products.csv', header = true, all_varchar = true, delim = ',',
                      quote = '"', escape = '"', names = ['product_code', 'category'])
        WHERE product_code IS NOT NULL),
    categories AS (
        SELECT DISTINCT category AS code, begeleiding_totaal AS value
        FROM read_csv('{{rules}}/cak-categories.csv', header = true, all_varchar = true, delim = ',',
                      quote = '"', escape = '"', names = ['category', 'begeleiding_totaal'])
        WHERE category IS NOT NULL),
    cak_clients AS (
        SELECT w.gemeente AS gemeente_code, k.year, k.period, count(DISTINCT k.bsn) AS clients
        FROM read_csv('{{study}}/pseudo/country/cak.csv', header = true, all_varchar = true,
                      delim = ',', quote = '"', escape = '"') AS k
        JOIN products AS p ON p.code = k.product_code
        JOIN categories AS c ON c.code = p.value
        LEFT JOIN cpb_crosswalk AS w ON w.code = k.gemeente_code
        WHERE c.value = 'yes' AND (k.gemeente_code IS NULL OR w.code IS NOT NULL)
          AND prelude_good(prelude_iso_date(k.birth_date))
        GROUP BY ALL),
    cak_periods AS (
        SELECT CAST(y AS VARCHAR) AS year, CAST(k AS VARCHAR) AS period, printf('%d-%02d', y, k) AS label,
               strftime(make_date(y, 1, 1) + CAST(28 * (k - 1) AS INTEGER), '%Y-%m') AS month
        FROM range(2015, 2018) AS ys(y), range(1, 14) AS ks(k)),
    cells AS (
        SELECT i.gemeente_code, p.label AS period, sum(coalesce(c.clients, 0)) AS clients,
               sum(i.inhabitants) AS inhabitants
        FROM (SELECT * FROM cpb_inhabitants SEMI JOIN cpb_included_cak USING (gemeente_code)) AS i
        JOIN cak_periods AS p USING (month)
        LEFT JOIN cak_clients AS c
            ON c.gemeente_code = i.gemeente_code AND c.year = p.year AND c.period = p.period
        GROUP BY ALL)
    SELECT c.gemeente_code, c.period, c.clients, c.inhabitants,
           1000.0 * c.clients / c.inhabitants AS per_1000, i.wijkteam, w.population
    FROM cells AS c
    JOIN cpb_included_cak AS i USING (gemeente_code)
    JOIN cpb_weights AS w USING (gemeente_code)
    ORDER BY ALL
) TO '{{out}}/cak-panel.csv' (HEADER, DELIMITER ',');
