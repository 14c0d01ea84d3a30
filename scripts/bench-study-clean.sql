-- bench-study-clean.sql: the prelude of the DuckDB peer of the study (scripts/study.mk sections 3
-- and 4, the gp-eligible recipe, and scripts/flows.mk for clean/insured.csv,
-- clean/insurer_deliveries.csv and work/birth-dates.csv). It makes the TEMP TABLEs the other
-- parts read, each with the rows and columns of koppel's file of the same content, every column
-- VARCHAR, an empty field NULL:
--   population, gp_eligible (year + work/gp-eligible-Y.csv for Y = {{year}}, 2019, 2023),
--   birth_dates, clean_wmo, clean_wlz, clean_claims, clean_gp_patients, clean_gp_episodes,
--   clean_gp_contacts, clean_gp_referrals, clean_gp_practices, clean_insured,
--   clean_insurer_deliveries.
-- Placeholders: {{study}} (the directory holding pseudo/ and raw/), {{year}} (the study year).
-- It writes nothing. Every rule below is the one of the koppel step named beside it.

-- derive --iso-date (common/date.c, --date-format dd-mm-yyyy, --partial-dates reject): empty
-- passes (NULL); YYYY-MM-DD or DD-MM-YYYY (also '/' or '.', the same twice), optionally followed
-- by a clock time ' HH:MM' or ' HH:MM:SS' that is dropped, of a day that exists in years
-- 0001-9999, becomes YYYY-MM-DD; anything else makes the record bad: marked '!' here and left
-- out below (derive --rejects).
CREATE OR REPLACE TEMP MACRO prelude_iso_date_read(s) AS CASE
    WHEN NOT regexp_full_match(s,
        '([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}-[0-9]{2}-[0-9]{4}|[0-9]{2}/[0-9]{2}/[0-9]{4}|[0-9]{2}[.][0-9]{2}[.][0-9]{4})( ([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?')
        THEN '!'
    WHEN s[5] = '-' THEN
        CASE WHEN s[1:4] <> '0000' AND TRY_CAST(s[1:10] AS DATE) IS NOT NULL THEN s[1:10] ELSE '!' END
    ELSE
        CASE WHEN s[7:10] <> '0000' AND TRY_CAST(s[7:10] || '-' || s[4:5] || '-' || s[1:2] AS DATE) IS NOT NULL
             THEN s[7:10] || '-' || s[4:5] || '-' || s[1:2] ELSE '!' END
    END;
-- The fast path first: a value that is the very text DuckDB writes for the date it reads is
-- already YYYY-MM-DD of a real day in 0001-9999 and passes as it is.
CREATE OR REPLACE TEMP MACRO prelude_iso_date(s) AS CASE
    WHEN s IS NULL THEN NULL
    WHEN CAST(TRY_CAST(s AS DATE) AS VARCHAR) = s THEN s
    ELSE prelude_iso_date_read(s) END;
-- A date derive could read (or an empty one).
CREATE OR REPLACE TEMP MACRO prelude_good(d) AS d IS DISTINCT FROM '!';
-- select --overlaps START,END=0001-01-01..9999-12-31 (VALID_PERIOD): an empty START or an END
-- before START is a bad record; an empty END is open.
CREATE OR REPLACE TEMP MACRO prelude_valid_period(s, e) AS s IS NOT NULL AND (e IS NULL OR e >= s);

-- ------------------------------------------------------------------ the persons register
-- Read once: every row delivered (for the count of persons delivered twice), its dates read.
CREATE TEMP TABLE prelude_persons AS
SELECT bsn, prelude_iso_date(birth_date) AS birth_date, sex, district, household_type,
       migration_background, ses_quintile, prelude_iso_date(registration_start) AS registration_start,
       prelude_iso_date(registration_end) AS registration_end, prelude_iso_date(death_date) AS death_date
FROM read_csv('{{study}}/pseudo/persons.csv', header = true, all_varchar = true, delim = ',',
              quote = '"', escape = '"');

-- work/persons-duplicated.csv: aggregate -g bsn --count --min-count 2 over every row delivered.
CREATE TEMP TABLE prelude_persons_duplicated AS
SELECT bsn FROM prelude_persons GROUP BY bsn HAVING count(*) > 1;

-- work/population.csv: derive --iso-date (all four dates), then POPULATION: select the valid
-- registration period, registered at any time in YEAR (REGISTERED=year), born on or before
-- 1 January YEAR-18 (an empty date never meets --le); derive --age on 1 January, --band
-- 18,45,65,75,85 and 18,45,65,75 (the ages are 18+, below-first never happens), the renames and
-- --lookup ses_group (empty ses: empty group; a code not in ses-groups.csv: a bad record);
-- then the persons delivered twice out (join --type anti).
CREATE TEMP TABLE population AS
WITH adults AS (
    SELECT bsn, birth_date, sex, district, household_type AS household,
           migration_background AS migration, ses_quintile AS ses,
           {{year}} - CAST(birth_date[1:4] AS INTEGER)
               - CASE WHEN birth_date[6:10] > '01-01' THEN 1 ELSE 0 END AS age_years
    FROM prelude_persons
    WHERE prelude_good(birth_date) AND prelude_good(registration_start)
      AND prelude_good(registration_end) AND prelude_good(death_date)
      AND prelude_valid_period(registration_start, registration_end)
      AND registration_start <= '{{year}}-12-31'
      AND (registration_end IS NULL OR registration_end >= '{{year}}-01-01')
      AND birth_date <= CAST({{year}} - 18 AS VARCHAR) || '-01-01'
      AND (ses_quintile IS NULL OR ses_quintile IN ('1', '2', '3', '4', '5')))
SELECT bsn, birth_date, sex, district, household, migration, ses,
       CAST(age_years AS VARCHAR) AS age,
       CASE WHEN age_years >= 85 THEN '85+' WHEN age_years >= 75 THEN '75-84'
            WHEN age_years >= 65 THEN '65-74' WHEN age_years >= 45 THEN '45-64'
            WHEN age_years >= 18 THEN '18-44' END AS age_group,
       CASE WHEN age_years >= 75 THEN '75+' WHEN age_years >= 65 THEN '65-74'
            WHEN age_years >= 45 THEN '45-64' WHEN age_years >= 18 THEN '18-44' END AS age_strata,
       CASE ses WHEN '1' THEN 'low' WHEN '2' THEN 'low' WHEN '3' THEN 'middle'
                WHEN '4' THEN 'high' WHEN '5' THEN 'high' END AS ses_group
FROM adults
ANTI JOIN prelude_persons_duplicated USING (bsn);

-- work/birth-dates.csv (flows.mk): derive --iso-date birth_date only (the other dates are not
-- read), select --not-empty birth_date --columns bsn,birth_date, the persons delivered twice out.
CREATE TEMP TABLE birth_dates AS
SELECT bsn, birth_date FROM prelude_persons
ANTI JOIN prelude_persons_duplicated USING (bsn)
WHERE birth_date IS NOT NULL AND prelude_good(birth_date);

DROP TABLE prelude_persons;
DROP TABLE prelude_persons_duplicated;

-- ------------------------------------------------------------------ the periods
-- clean/wmo.csv, clean/wlz.csv, clean/claims.csv: derive --iso-date start_date, end_date; VALID_PERIOD.
CREATE TEMP TABLE clean_wmo AS
SELECT * FROM (
    SELECT * REPLACE (prelude_iso_date(start_date) AS start_date, prelude_iso_date(end_date) AS end_date)
    FROM read_csv('{{study}}/pseudo/wmo.csv', header = true, all_varchar = true, delim = ',',
                  quote = '"', escape = '"'))
WHERE prelude_good(start_date) AND prelude_good(end_date) AND prelude_valid_period(start_date, end_date);

CREATE TEMP TABLE clean_wlz AS
SELECT * FROM (
    SELECT * REPLACE (prelude_iso_date(start_date) AS start_date, prelude_iso_date(end_date) AS end_date)
    FROM read_csv('{{study}}/pseudo/wlz.csv', header = true, all_varchar = true, delim = ',',
                  quote = '"', escape = '"'))
WHERE prelude_good(start_date) AND prelude_good(end_date) AND prelude_valid_period(start_date, end_date);

CREATE TEMP TABLE clean_claims AS
SELECT * FROM (
    SELECT * REPLACE (prelude_iso_date(start_date) AS start_date, prelude_iso_date(end_date) AS end_date)
    FROM read_csv('{{study}}/pseudo/claims.csv', header = true, all_varchar = true, delim = ',',
                  quote = '"', escape = '"'))
WHERE prelude_good(start_date) AND prelude_good(end_date) AND prelude_valid_period(start_date, end_date);

-- ------------------------------------------------------------------ the GP data
-- clean/gp_practices.csv: the raw file as it is (select).
CREATE TEMP TABLE clean_gp_practices AS
SELECT * FROM read_csv('{{study}}/raw/gp_practices.csv', header = true, all_varchar = true, delim = ',',
                       quote = '"', escape = '"');

-- clean/gp_patients.csv: derive --iso-date birth_date, registration_start, registration_end; VALID_PERIOD.
CREATE TEMP TABLE clean_gp_patients AS
SELECT * FROM (
    SELECT * REPLACE (prelude_iso_date(birth_date) AS birth_date,
                      prelude_iso_date(registration_start) AS registration_start,
                      prelude_iso_date(registration_end) AS registration_end)
    FROM read_csv('{{study}}/pseudo/gp_patients.csv', header = true, all_varchar = true, delim = ',',
                  quote = '"', escape = '"'))
WHERE prelude_good(birth_date) AND prelude_good(registration_start) AND prelude_good(registration_end)
  AND prelude_valid_period(registration_start, registration_end);

-- clean/gp_episodes.csv: derive --iso-date start_date, end_date; VALID_PERIOD.
CREATE TEMP TABLE clean_gp_episodes AS
SELECT * FROM (
    SELECT * REPLACE (prelude_iso_date(start_date) AS start_date, prelude_iso_date(end_date) AS end_date)
    FROM read_csv('{{study}}/pseudo/gp_episodes.csv', header = true, all_varchar = true, delim = ',',
                  quote = '"', escape = '"'))
WHERE prelude_good(start_date) AND prelude_good(end_date) AND prelude_valid_period(start_date, end_date);

-- clean/gp_referrals.csv: derive --iso-date referral_date; select --in-year referral_date=IZA
-- years (an empty date never meets it).
CREATE TEMP TABLE clean_gp_referrals AS
SELECT * FROM (
    SELECT * REPLACE (prelude_iso_date(referral_date) AS referral_date)
    FROM read_csv('{{study}}/pseudo/gp_referrals.csv', header = true, all_varchar = true, delim = ',',
                  quote = '"', escape = '"'))
WHERE prelude_good(referral_date) AND referral_date[1:4] IN ('2019', '2023');

-- clean/gp_contacts.csv: derive --iso-date contact_date; select --eq provider=gp|poh_ggz
-- --eq contact_type=consult|visit|phone|email|vaccination|group --in-year contact_date=CONTACT_YEARS.
CREATE TEMP TABLE clean_gp_contacts AS
SELECT * FROM (
    SELECT * REPLACE (prelude_iso_date(contact_date) AS contact_date)
    FROM read_csv('{{study}}/pseudo/gp_contacts.csv', header = true, all_varchar = true, delim = ',',
                  quote = '"', escape = '"')
    WHERE provider IN ('gp', 'poh_ggz')
      AND contact_type IN ('consult', 'visit', 'phone', 'email', 'vaccination', 'group'))
WHERE prelude_good(contact_date) AND contact_date[1:4] IN ('{{year}}', '2019', '2023');

-- ------------------------------------------------------------------ the insurers (flows.mk)
-- clean/insured.csv (pseudonymised) and clean/insurer_deliveries.csv (raw): as they are.
CREATE TEMP TABLE clean_insured AS
SELECT * FROM read_csv('{{study}}/pseudo/insured.csv', header = true, all_varchar = true, delim = ',',
                       quote = '"', escape = '"');

CREATE TEMP TABLE clean_insurer_deliveries AS
SELECT * FROM read_csv('{{study}}/raw/insurer_deliveries.csv', header = true, all_varchar = true,
                       delim = ',', quote = '"', escape = '"');

-- ------------------------------------------------------------------ GP patients eligible
-- work/gp-eligible-Y.csv for Y = YEAR and the IZA years, stacked with a first column year.
-- gp-multiple-Y: patients with two practices among the registrations overlapping Y
-- (aggregate --count-distinct practice_id: non-empty values). ELIGIBLE_REGISTRATION: four
-- selects of clean/gp_patients.csv read as one stream, so a record meeting two of them is two
-- records (count); periods --window Y-01-01..Y-12-31 --unit year: the days of the period in
-- the year, both ends included, an open end at 31 December; aggregate -g bsn,birth_date
-- --count --max days_registered (an empty birth date is a group of its own); then a patient
-- with two such groups (two dates of birth) is left out (gp-conflicting-Y).
CREATE TEMP TABLE gp_eligible AS
WITH years AS (
    SELECT DISTINCT CAST(y AS VARCHAR) AS year
    FROM (VALUES ({{year}}), (2019), (2023)) AS t(y)),
registrations AS (
    SELECT y.year, p.bsn, p.practice_id, p.birth_date, p.registration_start AS rs,
           p.registration_end AS re, p.registration_end_reason AS reason,
           y.year || '-01-01' AS first_day, y.year || '-12-31' AS last_day
    FROM clean_gp_patients AS p, years AS y
    WHERE p.registration_start <= y.year || '-12-31'
      AND (p.registration_end IS NULL OR p.registration_end >= y.year || '-01-01')),
multiple AS (
    SELECT year, bsn FROM registrations GROUP BY year, bsn HAVING count(DISTINCT practice_id) > 1),
streams AS (
    SELECT year, bsn, birth_date, rs, re, first_day, last_day,
           -- 1. registered for the whole year
           CAST(rs <= first_day AND (re IS NULL OR re >= last_day) AS INTEGER)
           -- 2. born in the year, registered from the year of birth until its end
         + CAST(coalesce(birth_date[1:4] = year, false) AND rs[1:4] = year
                AND (re IS NULL OR re >= last_day) AS INTEGER)
           -- 3. registered from 1 January until death in the year
         + CAST(coalesce(reason = 'death', false) AND coalesce(re[1:4] = year, false)
                AND rs <= first_day AS INTEGER)
           -- 4. born and deceased in the year, registered from the year of birth until death
         + CAST(coalesce(reason = 'death', false) AND coalesce(re[1:4] = year, false)
                AND coalesce(birth_date[1:4] = year, false) AND rs[1:4] = year AS INTEGER) AS n
    FROM registrations ANTI JOIN multiple USING (year, bsn)),
covered AS (
    SELECT year, bsn, birth_date, sum(n) AS count,
           max(date_diff('day', CAST(greatest(rs, first_day) AS DATE),
                         CAST(least(coalesce(re, last_day), last_day) AS DATE)) + 1) AS max_days
    FROM streams WHERE n > 0
    GROUP BY year, bsn, birth_date),
conflicting AS (
    SELECT year, bsn FROM covered GROUP BY year, bsn HAVING count(*) > 1)
SELECT year, bsn, birth_date, CAST(count AS VARCHAR) AS count,
       CAST(max_days AS VARCHAR) AS max_days_registered
FROM covered ANTI JOIN conflicting USING (year, bsn);
