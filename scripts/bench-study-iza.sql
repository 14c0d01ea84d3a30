-- bench-study-iza.sql: the cells of the study's table T6, the IZA indicators per reference year
-- (scripts/study.mk, "T6 the IZA indicators": work/iza-Y/eligible.csv, exclusions.csv,
-- prevalence.csv, the counts of prevalence-rates.csv, members.csv, cells.csv, and
-- work/t6-overlap.csv) in DuckDB SQL, the peer of koppel's pipeline for `make bench`.
-- Run after the shared prelude (TEMP TABLEs gp_eligible, clean_wlz, clean_gp_practices,
-- clean_gp_patients, clean_gp_episodes, clean_gp_contacts, clean_gp_referrals: every column
-- VARCHAR, an empty field NULL), in the same connection.
-- Placeholders: {{rules}} koppel's rules directory (iza-conditions.csv, the default rules of
-- classify-condition), {{out}} the directory of the results.
-- Made here for the later parts: iza_eligible (year, then the columns of work/iza-Y/eligible.csv)
-- and iza_prevalence (year, then the columns of work/iza-Y/prevalence.csv, asthma_copd's
-- subgroups renamed asthma and copd), every column VARCHAR.
-- classify-condition's rules that matter here:
--   * a code is normalised (surrounding ASCII white space off, a-z upper case); a non-empty code
--     that is not ICPC (a chapter letter of ABDFHKLNPRSTUWXYZ, two digits, an optional dotted
--     numeric sub-code; at most 15 characters) rejects its record: left out of --prevalence and
--     of --tag; an empty code belongs to no group;
--   * a rule code matches the code itself and, for a longer code, its first three characters;
--   * --prevalence: an episode counts for year Y when it overlaps 1 January of Y - lookback_years
--     .. 31 December of Y (an empty end is open; an empty or bad start, a bad end or an end before
--     the start rejects it); only the persons of --population, each of them one row, zeros
--     included (a person whose birth is not a date or a year is rejected); the age rule (aged 80
--     or over on 31 December of Y) sets frail_elderly_aged_80_plus; a group is on when one of its
--     subgroups is; multimorbidity is the number of groups on;
--   * --tag --long --subgroups --matched-only: one record per (record, condition, subgroup) its
--     code matches (age rules take no part).

-- The IZA years.
CREATE TEMP TABLE iza_years AS
SELECT * FROM (VALUES ('2019', 2019), ('2023', 2023)) AS t(year, y);

-- The rules: one row per (condition, subgroup, rule code) with its lookback, and the age rules.
CREATE TEMP TABLE iza_rules AS
SELECT trim(condition, ' ' || chr(9)) AS condition,
       coalesce(trim(subgroup, ' ' || chr(9)), '') AS subgroup,
       codes, CAST(trim(lookback_years, ' ' || chr(9)) AS INTEGER) AS lookback_years,
       CAST(trim(min_age, ' ' || chr(9)) AS INTEGER) AS min_age
FROM read_csv('{{rules}}/iza-conditions.csv', header = true, all_varchar = true);

CREATE TEMP TABLE iza_rule_codes AS
SELECT DISTINCT condition, subgroup, lookback_years,
       upper(trim(code, ' ' || chr(9))) AS code
FROM (SELECT condition, subgroup, lookback_years,
             unnest(string_split_regex(codes, '[ \t|,]+')) AS code
      FROM iza_rules WHERE trim(coalesce(codes, ''), ' ' || chr(9)) <> '')
WHERE code <> '';

CREATE TEMP TABLE iza_age_rules AS
SELECT condition, subgroup, min_age FROM iza_rules
WHERE trim(coalesce(codes, ''), ' ' || chr(9)) = '' AND min_age IS NOT NULL;

-- The code of a record as classify-condition reads it: the normalised code, and whether it is
-- valid (an invalid code rejects the record; an empty one, NULL here, belongs to no group).
-- Computed once per distinct code of the GP files (a few hundred), not per record.
CREATE TEMP MACRO iza_norm(c) AS
    translate(trim(c, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)),
              'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
CREATE TEMP MACRO iza_code_ok(n) AS
    n = '' OR (length(n) <= 15 AND regexp_full_match(n, '[ABDFHKLNPRSTUWXYZ][0-9][0-9](\.[0-9]+)?'));
CREATE TEMP MACRO iza_is_date(d) AS
    d IS NOT NULL AND regexp_full_match(d, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND try_cast(d AS DATE) IS NOT NULL;

-- Each distinct raw code (icpc as read) of a valid code, with the rules it matches: a rule code
-- matches the code itself or, for a longer code, its first three characters (T90 matches
-- T90.02, never T901). Records whose code is not here match no rule (empty, invalid, no group).
CREATE TEMP TABLE iza_raw_codes AS
SELECT DISTINCT icpc FROM (SELECT icpc FROM clean_gp_episodes UNION ALL SELECT icpc FROM clean_gp_contacts
                           UNION ALL SELECT icpc FROM clean_gp_referrals)
WHERE icpc IS NOT NULL;

CREATE TEMP TABLE iza_code_rules AS
WITH normalised AS (
    SELECT icpc, iza_norm(icpc) AS code FROM iza_raw_codes
), keyed AS (
    SELECT icpc, unnest(CASE WHEN length(code) > 3 THEN [code, left(code, 3)] ELSE [code] END) AS key
    FROM normalised WHERE code <> '' AND iza_code_ok(code)
)
SELECT DISTINCT k.icpc, r.condition, r.subgroup, r.lookback_years
FROM keyed AS k JOIN iza_rule_codes AS r ON r.code = k.key;

-- work/iza-Y/eligible.csv: gp-eligible-Y.csv less the Wlz institution residents of Y (select
-- --eq setting=institution --overlaps Y) and the patients (registered in Y) of practices whose
-- delivery of Y is insufficient (anti joins: an empty key never matches, the row stays).
CREATE TEMP TABLE iza_wlz AS
SELECT DISTINCT y.year, w.bsn
FROM clean_wlz AS w JOIN iza_years AS y
  ON w.start_date <= y.year || '-12-31' AND (w.end_date IS NULL OR w.end_date >= y.year || '-01-01')
WHERE w.setting = 'institution';

CREATE TEMP TABLE iza_insufficient AS
SELECT DISTINCT y.year, p.bsn
FROM clean_gp_patients AS p JOIN iza_years AS y
  ON p.registration_start <= y.year || '-12-31'
 AND (p.registration_end IS NULL OR p.registration_end >= y.year || '-01-01')
JOIN clean_gp_practices AS q
  ON q.practice_id = p.practice_id AND q.year = y.year AND q.data_quality = 'insufficient';

CREATE TEMP TABLE iza_eligible AS
SELECT e.* FROM gp_eligible AS e
WHERE e.year IN (SELECT year FROM iza_years)
  AND NOT EXISTS (SELECT 1 FROM iza_wlz AS w WHERE w.year = e.year AND w.bsn = e.bsn)
  AND NOT EXISTS (SELECT 1 FROM iza_insufficient AS i WHERE i.year = e.year AND i.bsn = e.bsn);

COPY (SELECT * FROM iza_eligible) TO '{{out}}/eligible.csv' (HEADER, DELIMITER ',');

-- work/iza-Y/exclusions.csv: the eligible patients in a Wlz institution, at an insufficient
-- practice (a patient may be in both), and those remaining.
COPY (
    SELECT y.year, r.reason,
           CASE r.reason
               WHEN 'wlz_institution' THEN
                   (SELECT count(*) FROM gp_eligible AS e WHERE e.year = y.year
                      AND EXISTS (SELECT 1 FROM iza_wlz AS w WHERE w.year = e.year AND w.bsn = e.bsn))
               WHEN 'practice_data_insufficient' THEN
                   (SELECT count(*) FROM gp_eligible AS e WHERE e.year = y.year
                      AND EXISTS (SELECT 1 FROM iza_insufficient AS i WHERE i.year = e.year AND i.bsn = e.bsn))
               ELSE (SELECT count(*) FROM iza_eligible AS e WHERE e.year = y.year) END AS patients
    FROM iza_years AS y,
         (VALUES (1, 'wlz_institution'), (2, 'practice_data_insufficient'), (3, 'remaining')) AS r(k, reason)
    ORDER BY y.year, r.k
) TO '{{out}}/exclusions.csv' (HEADER, DELIMITER ',');

-- work/iza-Y/prevalence.csv: classify-condition --prevalence --subgroups --year Y
-- --population eligible.csv gp_episodes.csv, asthma_copd_asthma renamed asthma, _copd copd.
-- The population: its persons whose birth gives an age (a date, or a year of four digits).
CREATE TEMP TABLE iza_persons AS
SELECT year, bsn, birth_date,
       CAST(left(birth_date, 4) AS INTEGER) AS birth_year
FROM iza_eligible
WHERE bsn IS NOT NULL
  AND (iza_is_date(birth_date) OR (regexp_full_match(birth_date, '[0-9]{4}') AND birth_date >= '1000'));

-- (year, bsn, condition, subgroup) for every subgroup a person is in: the episodes with a code
-- of a rule, a valid period (a start; an empty end is open, else not before the start) that
-- overlaps the rule's window, of a person of the population; and the age rules.
CREATE TEMP TABLE iza_flags AS
SELECT DISTINCT p.year, p.bsn, r.condition, r.subgroup
FROM clean_gp_episodes AS e
JOIN iza_code_rules AS r ON r.icpc = e.icpc
JOIN iza_persons AS p ON p.bsn = e.bsn
WHERE iza_is_date(e.start_date) AND (e.end_date IS NULL OR (iza_is_date(e.end_date) AND e.end_date >= e.start_date))
  AND e.start_date <= p.year || '-12-31'
  AND (e.end_date IS NULL OR e.end_date >= CAST(p.year::INTEGER - r.lookback_years AS VARCHAR) || '-01-01')
UNION
SELECT p.year, p.bsn, a.condition, a.subgroup
FROM iza_persons AS p JOIN iza_age_rules AS a ON p.year::INTEGER - p.birth_year >= a.min_age;

-- The output columns of the default rules as bits: the groups 0-8, the named subgroups 9-22.
CREATE TEMP TABLE iza_bits AS
SELECT * FROM (VALUES
    ('mental', 'anxiety_mood', 0, 9), ('mental', 'personality', 0, 10), ('mental', 'schizophrenia', 0, 11),
    ('cancer', 'all', 1, 12),
    ('cardiovascular', 'stroke', 2, 13), ('cardiovascular', 'heart_failure', 2, 14),
    ('cardiovascular', 'coronary', 2, 15), ('cardiovascular', 'valve', 2, 16),
    ('frail_elderly', 'dementia', 3, 17), ('frail_elderly', 'aged_80_plus', 3, 18),
    ('neck_back', '', 4, NULL),
    ('osteoarthritis', 'peripheral', 5, 19),
    ('diabetes', 'type_1_2', 6, 20),
    ('asthma_copd', 'asthma', 7, 21), ('asthma_copd', 'copd', 7, 22),
    ('intellectual_disability', '', 8, NULL)) AS t(condition, subgroup, gbit, sbit);

CREATE TEMP TABLE iza_prevalence AS
WITH m AS (
    SELECT f.year, f.bsn,
           bit_or((CAST(1 AS BIGINT) << b.gbit) | coalesce(CAST(1 AS BIGINT) << b.sbit, 0)) AS m
    FROM iza_flags AS f JOIN iza_bits AS b USING (condition, subgroup)
    GROUP BY f.year, f.bsn
), p AS (
    SELECT p.year, p.bsn, coalesce(m.m, 0) AS m
    FROM iza_persons AS p LEFT JOIN m USING (year, bsn)
)
SELECT year, bsn,
       CAST((m >> 0) & 1 AS VARCHAR) AS mental,
       CAST((m >> 1) & 1 AS VARCHAR) AS cancer,
       CAST((m >> 2) & 1 AS VARCHAR) AS cardiovascular,
       CAST((m >> 3) & 1 AS VARCHAR) AS frail_elderly,
       CAST((m >> 4) & 1 AS VARCHAR) AS neck_back,
       CAST((m >> 5) & 1 AS VARCHAR) AS osteoarthritis,
       CAST((m >> 6) & 1 AS VARCHAR) AS diabetes,
       CAST((m >> 7) & 1 AS VARCHAR) AS asthma_copd,
       CAST((m >> 8) & 1 AS VARCHAR) AS intellectual_disability,
       CAST((m >> 9) & 1 AS VARCHAR) AS mental_anxiety_mood,
       CAST((m >> 10) & 1 AS VARCHAR) AS mental_personality,
       CAST((m >> 11) & 1 AS VARCHAR) AS mental_schizophrenia,
       CAST((m >> 12) & 1 AS VARCHAR) AS cancer_all,
       CAST((m >> 13) & 1 AS VARCHAR) AS cardiovascular_stroke,
       CAST((m >> 14) & 1 AS VARCHAR) AS cardiovascular_heart_failure,
       CAST((m >> 15) & 1 AS VARCHAR) AS cardiovascular_coronary,
       CAST((m >> 16) & 1 AS VARCHAR) AS cardiovascular_valve,
       CAST((m >> 17) & 1 AS VARCHAR) AS frail_elderly_dementia,
       CAST((m >> 18) & 1 AS VARCHAR) AS frail_elderly_aged_80_plus,
       CAST((m >> 19) & 1 AS VARCHAR) AS osteoarthritis_peripheral,
       CAST((m >> 20) & 1 AS VARCHAR) AS diabetes_type_1_2,
       CAST((m >> 21) & 1 AS VARCHAR) AS asthma,
       CAST((m >> 22) & 1 AS VARCHAR) AS copd,
       CAST(bit_count(m & 511) AS VARCHAR) AS multimorbidity
FROM p;

COPY (SELECT * FROM iza_prevalence) TO '{{out}}/prevalence.csv' (HEADER, DELIMITER ',');

-- The patients of each of the ten conditions (asthma and COPD apart): year, bsn, condition.
CREATE TEMP TABLE iza_patients AS
SELECT year, bsn, condition
FROM (UNPIVOT (SELECT year, bsn, mental, cancer, cardiovascular, frail_elderly, neck_back,
                      osteoarthritis, diabetes, asthma, copd, intellectual_disability
               FROM iza_prevalence)
      ON mental, cancer, cardiovascular, frail_elderly, neck_back, osteoarthritis, diabetes,
         asthma, copd, intellectual_disability
      INTO NAME condition VALUE v)
WHERE v = '1';

-- The counts of work/iza-Y/prevalence-rates.csv: prevalence.csv joined (inner) with the eligible
-- patients' max_days_registered; per condition the patients (observed), the days (population)
-- and the rows (count).
COPY (
    SELECT year, condition,
           CAST(sum(CAST(v AS INTEGER)) AS VARCHAR) AS observed,
           CAST(sum(days) AS VARCHAR) AS population,
           CAST(count(*) AS VARCHAR) AS count
    FROM (UNPIVOT (SELECT p.year, p.mental, p.cancer, p.cardiovascular, p.frail_elderly, p.neck_back,
                          p.osteoarthritis, p.diabetes, p.asthma, p.copd, p.intellectual_disability,
                          CAST(e.max_days_registered AS BIGINT) AS days
                   FROM iza_prevalence AS p JOIN iza_eligible AS e ON e.year = p.year AND e.bsn = p.bsn)
          ON mental, cancer, cardiovascular, frail_elderly, neck_back, osteoarthritis, diabetes,
             asthma, copd, intellectual_disability
          INTO NAME condition VALUE v)
    GROUP BY year, condition
    ORDER BY year, condition
) TO '{{out}}/prevalence-counts.csv' (HEADER, DELIMITER ',');

-- The records of a year tagged by code (classify-condition --tag --long --subgroups
-- --matched-only, rejects left out), as the ten conditions: asthma and COPD the subgroups of
-- asthma_copd; frail elderly and intellectual disability any record of the person (every record
-- of the file, whatever its code). Per source (gp, poh_ggz contacts; referrals): year, bsn,
-- condition, distinct.
CREATE TEMP TABLE iza_records AS
SELECT left(contact_date, 4) AS year, provider AS source, bsn, icpc
FROM clean_gp_contacts
WHERE left(contact_date, 4) IN (SELECT year FROM iza_years)
  AND ((provider = 'gp' AND contact_type IN ('consult', 'visit', 'phone', 'email', 'vaccination'))
    OR (provider = 'poh_ggz' AND contact_type IN ('consult', 'visit', 'phone', 'email', 'group')))
UNION ALL
SELECT left(referral_date, 4) AS year, 'referral' AS source, bsn, icpc
FROM clean_gp_referrals
WHERE left(referral_date, 4) IN (SELECT year FROM iza_years) AND specialism IS DISTINCT FROM 'ggz';

-- Per year, person and condition: a hit in the GP's contacts, the POH-GGZ's, the referrals.
CREATE TEMP TABLE iza_hits AS
WITH hits AS (
    SELECT t.year, t.source, t.bsn,
           CASE WHEN r.condition = 'asthma_copd' THEN r.subgroup ELSE r.condition END AS condition
    FROM iza_records AS t JOIN iza_code_rules AS r ON r.icpc = t.icpc
    WHERE r.condition NOT IN ('frail_elderly', 'intellectual_disability') AND t.bsn IS NOT NULL
    UNION ALL
    SELECT a.year, a.source, a.bsn, c.condition
    FROM (SELECT DISTINCT year, source, bsn FROM iza_records WHERE bsn IS NOT NULL) AS a,
         (VALUES ('frail_elderly'), ('intellectual_disability')) AS c(condition)
)
SELECT year, bsn, condition,
       bool_or(source = 'gp') AS gp, bool_or(source = 'poh_ggz') AS poh_ggz,
       bool_or(source = 'referral') AS referral
FROM hits GROUP BY year, bsn, condition;

-- The patients (registered in Y) of practices that deliver referrals in Y.
CREATE TEMP TABLE iza_delivering AS
SELECT DISTINCT y.year, p.bsn
FROM clean_gp_patients AS p JOIN iza_years AS y
  ON p.registration_start <= y.year || '-12-31'
 AND (p.registration_end IS NULL OR p.registration_end >= y.year || '-01-01')
JOIN clean_gp_practices AS q
  ON q.practice_id = p.practice_id AND q.year = y.year AND q.delivers_referrals = 'yes';

-- work/iza-Y/members.csv: each condition's patients with gp_contact, poh_ggz_contact (yes/no)
-- and referral (yes/no, not_delivered).
CREATE TEMP TABLE iza_members AS
SELECT p.year, p.bsn, p.condition,
       CASE WHEN h.gp THEN 'yes' ELSE 'no' END AS gp_contact,
       CASE WHEN h.poh_ggz THEN 'yes' ELSE 'no' END AS poh_ggz_contact,
       CASE WHEN d.bsn IS NULL THEN 'not_delivered' WHEN h.referral THEN 'yes' ELSE 'no' END AS referral
FROM iza_patients AS p
LEFT JOIN iza_hits AS h ON h.year = p.year AND h.bsn = p.bsn AND h.condition = p.condition
LEFT JOIN iza_delivering AS d ON d.year = p.year AND d.bsn = p.bsn;

-- work/iza-Y/cells.csv: per condition its patients by gp_contact (yes, no, Total), by
-- poh_ggz_contact (yes, no) and by referral (yes, no, not_delivered), the other two Total;
-- every row of the grid, zeros included.
COPY (
    WITH grid AS (
        SELECT y.year, c.condition, g.dim, g.v
        FROM iza_years AS y,
             (VALUES ('mental'), ('cancer'), ('cardiovascular'), ('frail_elderly'), ('neck_back'),
                     ('osteoarthritis'), ('diabetes'), ('asthma'), ('copd'),
                     ('intellectual_disability')) AS c(condition),
             (VALUES ('gp_contact', 'yes'), ('gp_contact', 'no'), ('gp_contact', 'Total'),
                     ('poh_ggz_contact', 'yes'), ('poh_ggz_contact', 'no'),
                     ('referral', 'yes'), ('referral', 'no'), ('referral', 'not_delivered')) AS g(dim, v)
    ), counted AS (
        SELECT year, condition, dim, v, count(*) AS n
        FROM (SELECT year, condition, 'gp_contact' AS dim, gp_contact AS v FROM iza_members
              UNION ALL SELECT year, condition, 'gp_contact', 'Total' FROM iza_members
              UNION ALL SELECT year, condition, 'poh_ggz_contact', poh_ggz_contact FROM iza_members
              UNION ALL SELECT year, condition, 'referral', referral FROM iza_members)
        GROUP BY ALL
    )
    SELECT g.year, g.condition,
           CASE WHEN g.dim = 'gp_contact' THEN g.v ELSE 'Total' END AS gp_contact,
           CASE WHEN g.dim = 'poh_ggz_contact' THEN g.v ELSE 'Total' END AS poh_ggz_contact,
           CASE WHEN g.dim = 'referral' THEN g.v ELSE 'Total' END AS referral,
           CAST(coalesce(c.n, 0) AS VARCHAR) AS persons
    FROM grid AS g LEFT JOIN counted AS c USING (year, condition, dim, v)
    ORDER BY g.year, g.condition, g.dim, g.v
) TO '{{out}}/cells.csv' (HEADER, DELIMITER ',');

-- work/t6-overlap.csv: the patients of a condition in both years (inner join of the members on
-- bsn, condition); per discipline, leaving out the pairs with not_delivered in either year, how
-- many (in_both), with the event in both years, in the last only, in the first only; all four
-- zero when one of the four (neither included) is 1 to 9.
COPY (
    WITH both_years AS (
        SELECT a.condition,
               a.gp_contact AS a_gp, b.gp_contact AS b_gp,
               a.poh_ggz_contact AS a_poh, b.poh_ggz_contact AS b_poh,
               a.referral AS a_ref, b.referral AS b_ref
        FROM (SELECT * FROM iza_members WHERE year = '2019') AS a
        JOIN (SELECT * FROM iza_members WHERE year = '2023') AS b USING (bsn, condition)
    ), pairs AS (
        SELECT condition, 'gp_contact' AS dim, a_gp AS a, b_gp AS b FROM both_years
        UNION ALL SELECT condition, 'poh_ggz_contact', a_poh, b_poh FROM both_years
        UNION ALL SELECT condition, 'referral', a_ref, b_ref FROM both_years
    ), sums AS (
        SELECT condition, dim,
               count(*) FILTER (WHERE a <> 'not_delivered' AND b <> 'not_delivered') AS n,
               count(*) FILTER (WHERE a = 'yes' AND b = 'yes') AS e,
               count(*) FILTER (WHERE a = 'no' AND b = 'yes') AS l,
               count(*) FILTER (WHERE a = 'yes' AND b = 'no') AS f
        FROM pairs GROUP BY condition, dim
    ), safe AS (
        SELECT *, NOT ((e > 0 AND e < 10) OR (l > 0 AND l < 10) OR (f > 0 AND f < 10)
                       OR (n - e - l - f > 0 AND n - e - l - f < 10)) AS ok
        FROM sums
    )
    SELECT condition, '2023' AS year,
           CASE WHEN dim = 'gp_contact' THEN 'yes' ELSE 'Total' END AS gp_contact,
           CASE WHEN dim = 'poh_ggz_contact' THEN 'yes' ELSE 'Total' END AS poh_ggz_contact,
           CASE WHEN dim = 'referral' THEN 'yes' ELSE 'Total' END AS referral,
           CAST(CASE WHEN ok THEN n ELSE 0 END AS VARCHAR) AS in_both,
           CAST(CASE WHEN ok THEN e ELSE 0 END AS VARCHAR) AS event_both,
           CAST(CASE WHEN ok THEN l ELSE 0 END AS VARCHAR) AS event_last_only,
           CAST(CASE WHEN ok THEN f ELSE 0 END AS VARCHAR) AS event_first_only
    FROM safe
    ORDER BY condition, gp_contact, poh_ggz_contact, referral
) TO '{{out}}/t6-overlap.csv' (HEADER, DELIMITER ',');
