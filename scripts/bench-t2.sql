-- bench-t2.sql: the study's T2 pipeline (scripts/study.mk, from the pseudonymised files to
-- t2-strata.csv) in DuckDB SQL, the peer of `make -f scripts/study.mk work/t2-cells.csv` in
-- scripts/bench. Run by scripts/bench-t2-duckdb.mjs, which puts in {{pseudo}} (the directory of
-- the pseudonymised files) and {{year}} (the study year), reads the tables `strata` and `cells`
-- and standardises. Every rule below is the one of the koppel step named beside it.

-- derive --iso-date: empty passes (NULL), a real YYYY-MM-DD day passes, DD-MM-YYYY (also with /
-- or .) becomes YYYY-MM-DD; anything else is a bad record, marked '!' here and left out below.
CREATE MACRO iso_date(s) AS CASE
    WHEN s IS NULL THEN NULL
    WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN
        CASE WHEN s[1:4] <> '0000' AND TRY_CAST(s AS DATE) IS NOT NULL THEN s ELSE '!' END
    WHEN regexp_full_match(s, '[0-9]{2}-[0-9]{2}-[0-9]{4}|[0-9]{2}/[0-9]{2}/[0-9]{4}|[0-9]{2}[.][0-9]{2}[.][0-9]{4}') THEN
        CASE WHEN s[7:10] <> '0000' AND TRY_CAST(s[7:10] || '-' || s[4:5] || '-' || s[1:2] AS DATE) IS NOT NULL
             THEN s[7:10] || '-' || s[4:5] || '-' || s[1:2] ELSE '!' END
    ELSE '!' END;

-- A good date after derive: not a bad one.
CREATE MACRO good(d) AS d IS DISTINCT FROM '!';
-- select --overlaps START,END=...: START required, END empty (open) or not before START.
CREATE MACRO valid_period(s, e) AS s IS NOT NULL AND (e IS NULL OR e >= s);

CREATE TEMP TABLE strata AS
WITH
-- clean/persons.csv: ISO dates, valid registration periods, then every person delivered twice
-- left out (aggregate -g bsn --count --min-count 2 over all rows delivered, join --type anti)
persons_dated AS (
    SELECT bsn, sex, ses_quintile, iso_date(birth_date) AS birth_date,
           iso_date(registration_start) AS registration_start,
           iso_date(registration_end) AS registration_end, iso_date(death_date) AS death_date
    FROM read_csv('{{pseudo}}/persons.csv', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')),
persons_valid AS (
    SELECT * FROM persons_dated
    WHERE good(birth_date) AND good(registration_start) AND good(registration_end) AND good(death_date)
      AND valid_period(registration_start, registration_end)),
persons_clean AS (
    SELECT * FROM persons_valid
    ANTI JOIN (SELECT bsn FROM persons_dated GROUP BY bsn HAVING count(*) > 1) USING (bsn)),
-- work/population.csv: registered at any time in the year (REGISTERED=year), age on 1 January
-- (derive --age), 18 and over,
-- age groups 18,45,65,75,85 (derive --band) and SES groups (derive --lookup ses-groups.csv)
population AS (
    SELECT bsn, sex, ses_quintile,
           {{year}} - CAST(birth_date[1:4] AS INTEGER)
               - CASE WHEN birth_date[6:10] > '01-01' THEN 1 ELSE 0 END AS age
    FROM persons_clean
    WHERE registration_start <= '{{year}}-12-31'
      AND (registration_end IS NULL OR registration_end >= '{{year}}-01-01')),
adults AS (
    SELECT bsn, sex,
           CASE WHEN age >= 85 THEN '85+' WHEN age >= 75 THEN '75-84' WHEN age >= 65 THEN '65-74'
                WHEN age >= 45 THEN '45-64' ELSE '18-44' END AS age_group,
           CASE ses_quintile WHEN '1' THEN 'low' WHEN '2' THEN 'low' WHEN '3' THEN 'middle'
                WHEN '4' THEN 'high' WHEN '5' THEN 'high' END AS ses_group
    FROM population WHERE age >= 18),
-- clean/gp_patients.csv, then work/gp-eligible-YEAR.csv: registered with one practice for the
-- whole year (from a start in the year of birth, or until an end by death in it), never with two
-- in it, and with one date of birth
gp_valid AS (
    SELECT * FROM (
        SELECT bsn, practice_id, iso_date(birth_date) AS birth_date,
               iso_date(registration_start) AS registration_start,
               iso_date(registration_end) AS registration_end, registration_end_reason
        FROM read_csv('{{pseudo}}/gp_patients.csv', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"'))
    WHERE good(birth_date) AND good(registration_start) AND good(registration_end)
      AND valid_period(registration_start, registration_end)),
gp_multiple AS (
    SELECT bsn FROM gp_valid
    WHERE registration_start <= '{{year}}-12-31'
      AND (registration_end IS NULL OR registration_end >= '{{year}}-01-01')
    GROUP BY bsn HAVING count(DISTINCT practice_id) > 1),
gp_covered AS (
    SELECT bsn, birth_date FROM gp_valid ANTI JOIN gp_multiple USING (bsn)
    WHERE registration_start <= '{{year}}-12-31'
      AND (registration_end IS NULL OR registration_end >= '{{year}}-01-01')
      AND (registration_start <= '{{year}}-01-01'
           OR (birth_date[1:4] = '{{year}}' AND registration_start[1:4] = '{{year}}'))
      AND (registration_end IS NULL OR registration_end >= '{{year}}-12-31'
           OR (registration_end_reason = 'death' AND registration_end[1:4] = '{{year}}'))
    GROUP BY bsn, birth_date),
gp_eligible AS (
    SELECT bsn FROM gp_covered GROUP BY bsn HAVING count(*) = 1),
-- clean/wmo.csv, then work/wmo-users-YEAR.csv: any provision running in the year
wmo_users AS (
    SELECT DISTINCT bsn FROM (
        SELECT bsn, iso_date(start_date) AS start_date, iso_date(end_date) AS end_date
        FROM read_csv('{{pseudo}}/wmo.csv', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"'))
    WHERE good(start_date) AND good(end_date) AND valid_period(start_date, end_date)
      AND start_date <= '{{year}}-12-31' AND (end_date IS NULL OR end_date >= '{{year}}-01-01')),
-- clean/gp_contacts.csv, then work/gp-contacts-YEAR.csv: GP contacts of the counted types
gp_contacts AS (
    SELECT bsn, count(*) AS gp_contacts FROM (
        SELECT bsn, iso_date(contact_date) AS contact_date, contact_type, provider
        FROM read_csv('{{pseudo}}/gp_contacts.csv', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"'))
    WHERE contact_date BETWEEN '{{year}}-01-01' AND '{{year}}-12-31' AND provider = 'gp'
      AND contact_type IN ('consult', 'visit', 'phone', 'email', 'vaccination')
    GROUP BY bsn),
-- work/linked.csv: adults who are eligible GP patients, Wmo use 0/1, GP contacts (0 if none)
linked AS (
    SELECT a.age_group, a.sex, a.ses_group,
           CASE WHEN u.bsn IS NULL THEN '0' ELSE '1' END AS wmo_user,
           coalesce(c.gp_contacts, 0) AS gp_contacts
    FROM (SELECT * FROM adults SEMI JOIN gp_eligible USING (bsn)) AS a
    LEFT JOIN wmo_users AS u USING (bsn)
    LEFT JOIN gp_contacts AS c USING (bsn))
-- work/t2-strata.csv
SELECT age_group, wmo_user, sex, ses_group, count(*) AS count, sum(gp_contacts) AS sum_gp_contacts,
       sum(gp_contacts * gp_contacts) AS sumsq_gp_contacts
FROM linked GROUP BY ALL;

-- the persons of work/t2-cells.csv: aggregate -g age_group,wmo_user --totals --count
CREATE TEMP TABLE cells AS
SELECT age_group, wmo_user, grouping(age_group) AS age_group_total,
       grouping(wmo_user) AS wmo_user_total, sum(count) AS persons
FROM strata GROUP BY CUBE (age_group, wmo_user);
