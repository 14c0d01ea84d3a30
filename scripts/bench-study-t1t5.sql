-- bench-study-t1t5.sql: the cells and strata of the study's tables T1-T5 (scripts/study.mk,
-- section 5, with the linkage of section 4 they are made from) in DuckDB SQL, the peer of koppel's
-- pipeline for `make bench`. Run after the shared prelude (TEMP TABLEs population, gp_eligible,
-- clean_wmo, clean_gp_contacts: every column VARCHAR, an empty field NULL), in the same connection.
-- Placeholders: {{year}} the study year, {{out}} the directory of the results.
-- Each statement names the koppel step it does. koppel's rules that matter here:
--   * aggregate: an empty group value is a group of its own (NULL here); --totals adds every
--     margin (CUBE), labelled Total; GROUPING() tells a margin from an empty value;
--   * join: an empty key never matches (SQL's NULL = NULL is not true either), but an outer join
--     keeps its record;
--   * dates are ISO text after cleaning, compared as text.
-- Made here for the later parts: t1t5_wmo_users, t1t5_gp_contacts, t1t5_linked,
-- t1t5_population_wmo, t1t5_population_linked (the columns of koppel's files, VARCHAR), and
-- t1t5_union (the union's cells with their grouping flags).

-- work/wmo-users-YEAR.csv: select --overlaps start_date,end_date=YEAR-01-01..YEAR-12-31 (an empty
-- end is open; the clean file has a start everywhere), aggregate -g bsn --count
CREATE TEMP TABLE t1t5_wmo_users AS
SELECT bsn, CAST(count(*) AS VARCHAR) AS wmo_provisions
FROM clean_wmo
WHERE start_date <= '{{year}}-12-31' AND (end_date IS NULL OR end_date >= '{{year}}-01-01')
GROUP BY bsn;

-- work/gp-contacts-YEAR.csv: select --in-year contact_date=YEAR --eq provider=gp
-- --eq contact_type=consult|visit|phone|email|vaccination, aggregate -g bsn --count
CREATE TEMP TABLE t1t5_gp_contacts AS
SELECT bsn, CAST(count(*) AS VARCHAR) AS gp_contacts
FROM clean_gp_contacts
WHERE contact_date BETWEEN '{{year}}-01-01' AND '{{year}}-12-31' AND provider = 'gp'
  AND contact_type IN ('consult', 'visit', 'phone', 'email', 'vaccination')
GROUP BY bsn;

-- work/linked.csv: the residents 18+ who are eligible GP patients of YEAR (join --type semi),
-- wmo_user 1 if a Wmo user (semi join) else 0 (anti join), left join of the contacts,
-- derive --fill gp_contacts=0
CREATE TEMP TABLE t1t5_linked AS
SELECT p.*,
       CASE WHEN u.bsn IS NULL THEN '0' ELSE '1' END AS wmo_user,
       coalesce(c.gp_contacts, '0') AS gp_contacts
FROM (SELECT * FROM population
      SEMI JOIN (SELECT bsn FROM gp_eligible WHERE year = '{{year}}') AS e USING (bsn)) AS p
LEFT JOIN t1t5_wmo_users AS u ON u.bsn = p.bsn
LEFT JOIN t1t5_gp_contacts AS c ON c.bsn = p.bsn;

-- work/population-wmo.csv: the population 18+ with wmo_user (semi join 1, anti join 0)
CREATE TEMP TABLE t1t5_population_wmo AS
SELECT p.*, CASE WHEN u.bsn IS NULL THEN '0' ELSE '1' END AS wmo_user
FROM population AS p
LEFT JOIN t1t5_wmo_users AS u ON u.bsn = p.bsn;

-- work/population-linked.csv: linked 1 (and linked_user = its wmo_user) for those in linked.csv,
-- 0 and 0 for the others (anti join)
CREATE TEMP TABLE t1t5_population_linked AS
SELECT p.*,
       CASE WHEN l.bsn IS NULL THEN '0' ELSE '1' END AS linked,
       CASE WHEN l.wmo_user = '1' THEN '1' ELSE '0' END AS linked_user
FROM t1t5_population_wmo AS p
LEFT JOIN (SELECT bsn, wmo_user FROM t1t5_linked) AS l ON l.bsn = p.bsn;

-- work/union-cells.csv: the stacked set, one class of cells (UNION_CLASSES) per grouping set, each
-- `aggregate [-g DIMS] --count --sum linked --sum wmo_user --sum linked_user` of
-- population-linked.csv, Total in the dimensions a class does not break down by. The g_* flags
-- (1: totalled) are kept, so that T1, T4 and T5 below take their cells from here.
CREATE TEMP TABLE t1t5_union AS
SELECT CASE WHEN grouping(age_group) = 1 THEN 'Total' ELSE age_group END AS age_group,
       CASE WHEN grouping(sex) = 1 THEN 'Total' ELSE sex END AS sex,
       CASE WHEN grouping(ses) = 1 THEN 'Total' ELSE ses END AS ses,
       CASE WHEN grouping(migration) = 1 THEN 'Total' ELSE migration END AS migration,
       CASE WHEN grouping(district) = 1 THEN 'Total' ELSE district END AS district,
       CASE WHEN grouping(household) = 1 THEN 'Total' ELSE household END AS household,
       CASE WHEN grouping(wmo_user) = 1 THEN 'Total' ELSE wmo_user END AS wmo_user,
       count(*) AS persons,
       sum(CAST(linked AS BIGINT)) AS linked,
       sum(CAST(wmo_user AS BIGINT)) AS observed,
       sum(CAST(linked_user AS BIGINT)) AS linked_users,
       grouping(age_group) AS g_age_group, grouping(sex) AS g_sex, grouping(ses) AS g_ses,
       grouping(migration) AS g_migration, grouping(district) AS g_district,
       grouping(household) AS g_household, grouping(wmo_user) AS g_wmo_user
FROM t1t5_population_linked
GROUP BY GROUPING SETS ((), (age_group), (sex), (ses), (migration), (district), (household),
                        (wmo_user), (age_group, wmo_user), (sex, wmo_user));

-- The union's file: its cells, unpublished (the counts no table shows for the class, as in
-- UNION_CLASSES) and cost_weight (REFERENCE_CELLS: 100 for a reference group of a comparison,
-- ses=5 household=couple migration=dutch district=Centrum, and for the cells of wmo_user 0 by at
-- most one other dimension of age_group and sex; 1 otherwise).
COPY (
    WITH marked AS (
        SELECT *,
               (age_group <> 'Total' OR age_group IS NULL)::INTEGER + (sex <> 'Total' OR sex IS NULL)::INTEGER
               + (ses <> 'Total' OR ses IS NULL)::INTEGER + (migration <> 'Total' OR migration IS NULL)::INTEGER
               + (district <> 'Total' OR district IS NULL)::INTEGER
               + (household <> 'Total' OR household IS NULL)::INTEGER
               + (wmo_user <> 'Total' OR wmo_user IS NULL)::INTEGER AS broken
        FROM t1t5_union)
    SELECT age_group, sex, ses, migration, district, household, wmo_user,
           persons, linked, observed, linked_users,
           CASE WHEN g_wmo_user = 0 THEN 'persons|observed|linked_users'
                WHEN g_household = 0 THEN 'linked|linked_users' END AS unpublished,
           CASE WHEN broken = 1 AND (ses = '5' OR household = 'couple' OR migration = 'dutch'
                                     OR district = 'Centrum') THEN 100
                WHEN wmo_user = '0' AND broken <= 2 AND ses = 'Total' AND migration = 'Total'
                     AND district = 'Total' AND household = 'Total' THEN 100
                ELSE 1 END AS cost_weight
    FROM marked
) TO '{{out}}/union-cells.csv' (HEADER, DELIMITER ',');

-- work/t1-DIM.csv (its counts): aggregate -g DIM --totals --count --sum linked --sum wmo_user
-- --sum linked_user of population-linked.csv, DIM renamed category: the union's cells of the
-- class DIM and its total.
COPY (SELECT 'age_group' AS characteristic, age_group AS category, persons, linked,
             observed AS wmo_users, linked_users AS linked_wmo_users
      FROM t1t5_union WHERE g_sex + g_ses + g_migration + g_district + g_household + g_wmo_user = 6)
TO '{{out}}/t1-age_group.csv' (HEADER, DELIMITER ',');
COPY (SELECT 'sex' AS characteristic, sex AS category, persons, linked,
             observed AS wmo_users, linked_users AS linked_wmo_users
      FROM t1t5_union WHERE g_age_group + g_ses + g_migration + g_district + g_household + g_wmo_user = 6)
TO '{{out}}/t1-sex.csv' (HEADER, DELIMITER ',');
COPY (SELECT 'ses' AS characteristic, ses AS category, persons, linked,
             observed AS wmo_users, linked_users AS linked_wmo_users
      FROM t1t5_union WHERE g_age_group + g_sex + g_migration + g_district + g_household + g_wmo_user = 6)
TO '{{out}}/t1-ses.csv' (HEADER, DELIMITER ',');
COPY (SELECT 'migration' AS characteristic, migration AS category, persons, linked,
             observed AS wmo_users, linked_users AS linked_wmo_users
      FROM t1t5_union WHERE g_age_group + g_sex + g_ses + g_district + g_household + g_wmo_user = 6)
TO '{{out}}/t1-migration.csv' (HEADER, DELIMITER ',');
COPY (SELECT 'district' AS characteristic, district AS category, persons, linked,
             observed AS wmo_users, linked_users AS linked_wmo_users
      FROM t1t5_union WHERE g_age_group + g_sex + g_ses + g_migration + g_household + g_wmo_user = 6)
TO '{{out}}/t1-district.csv' (HEADER, DELIMITER ',');

-- work/t2-strata.csv: aggregate -g age_group,wmo_user,sex,ses_group --count --sum gp_contacts
-- --sumsq gp_contacts of linked.csv
COPY (SELECT age_group, wmo_user, sex, ses_group, count(*) AS count,
             sum(CAST(gp_contacts AS BIGINT)) AS sum_gp_contacts,
             sum(CAST(gp_contacts AS BIGINT) * CAST(gp_contacts AS BIGINT)) AS sumsq_gp_contacts
      FROM t1t5_linked GROUP BY age_group, wmo_user, sex, ses_group)
TO '{{out}}/t2-strata.csv' (HEADER, DELIMITER ',');

-- work/t2-cells.csv (its persons): aggregate -g age_group,wmo_user --totals --count of linked.csv,
-- full join (-k age_group,wmo_user) with the grid of population-wmo.csv (its cube of these
-- dimensions: the union's cells of the classes (), age_group, wmo_user and age_group,wmo_user),
-- derive --fill count=0 --rename count=persons.
COPY (
    WITH cells AS (
        SELECT CASE WHEN grouping(age_group) = 1 THEN 'Total' ELSE age_group END AS age_group,
               CASE WHEN grouping(wmo_user) = 1 THEN 'Total' ELSE wmo_user END AS wmo_user,
               count(*) AS count
        FROM t1t5_linked GROUP BY CUBE (age_group, wmo_user)),
    grid AS (
        SELECT age_group, wmo_user FROM t1t5_union
        WHERE g_sex + g_ses + g_migration + g_district + g_household = 5)
    SELECT coalesce(c.age_group, g.age_group) AS age_group, coalesce(c.wmo_user, g.wmo_user) AS wmo_user,
           coalesce(c.count, 0) AS persons
    FROM cells AS c FULL JOIN grid AS g ON c.age_group = g.age_group AND c.wmo_user = g.wmo_user
) TO '{{out}}/t2-cells.csv' (HEADER, DELIMITER ',');

-- T3: the strata koppel pipes into standardise (aggregate -g sex,wmo_user,age_strata,ses_group
-- --count --sum gp_contacts --sumsq gp_contacts of linked.csv), and work/t3-cells.csv (its
-- persons) as T2's by sex.
COPY (SELECT sex, wmo_user, age_strata, ses_group, count(*) AS count,
             sum(CAST(gp_contacts AS BIGINT)) AS sum_gp_contacts,
             sum(CAST(gp_contacts AS BIGINT) * CAST(gp_contacts AS BIGINT)) AS sumsq_gp_contacts
      FROM t1t5_linked GROUP BY sex, wmo_user, age_strata, ses_group)
TO '{{out}}/t3-strata.csv' (HEADER, DELIMITER ',');
COPY (
    WITH cells AS (
        SELECT CASE WHEN grouping(sex) = 1 THEN 'Total' ELSE sex END AS sex,
               CASE WHEN grouping(wmo_user) = 1 THEN 'Total' ELSE wmo_user END AS wmo_user,
               count(*) AS count
        FROM t1t5_linked GROUP BY CUBE (sex, wmo_user)),
    grid AS (
        SELECT sex, wmo_user FROM t1t5_union
        WHERE g_age_group + g_ses + g_migration + g_district + g_household = 5)
    SELECT coalesce(c.sex, g.sex) AS sex, coalesce(c.wmo_user, g.wmo_user) AS wmo_user,
           coalesce(c.count, 0) AS persons
    FROM cells AS c FULL JOIN grid AS g ON c.sex = g.sex AND c.wmo_user = g.wmo_user
) TO '{{out}}/t3-cells.csv' (HEADER, DELIMITER ',');

-- T4 per DIM: the strata koppel pipes into standardise (aggregate -g DIM,age_strata,sex --count
-- --sum wmo_user of population-wmo.csv), and work/t4-DIM-cells.csv (its counts: aggregate -g DIM
-- --totals --count --sum wmo_user, renamed persons and observed: the union's cells of the class
-- DIM and its total).
COPY (SELECT ses, age_strata, sex, count(*) AS count, sum(CAST(wmo_user AS BIGINT)) AS sum_wmo_user
      FROM t1t5_population_wmo GROUP BY ses, age_strata, sex)
TO '{{out}}/t4-ses-strata.csv' (HEADER, DELIMITER ',');
COPY (SELECT household, age_strata, sex, count(*) AS count, sum(CAST(wmo_user AS BIGINT)) AS sum_wmo_user
      FROM t1t5_population_wmo GROUP BY household, age_strata, sex)
TO '{{out}}/t4-household-strata.csv' (HEADER, DELIMITER ',');
COPY (SELECT migration, age_strata, sex, count(*) AS count, sum(CAST(wmo_user AS BIGINT)) AS sum_wmo_user
      FROM t1t5_population_wmo GROUP BY migration, age_strata, sex)
TO '{{out}}/t4-migration-strata.csv' (HEADER, DELIMITER ',');
COPY (SELECT ses, persons, observed FROM t1t5_union
      WHERE g_age_group + g_sex + g_migration + g_district + g_household + g_wmo_user = 6)
TO '{{out}}/t4-ses-cells.csv' (HEADER, DELIMITER ',');
COPY (SELECT household, persons, observed FROM t1t5_union
      WHERE g_age_group + g_sex + g_ses + g_migration + g_district + g_wmo_user = 6)
TO '{{out}}/t4-household-cells.csv' (HEADER, DELIMITER ',');
COPY (SELECT migration, persons, observed FROM t1t5_union
      WHERE g_age_group + g_sex + g_ses + g_district + g_household + g_wmo_user = 6)
TO '{{out}}/t4-migration-cells.csv' (HEADER, DELIMITER ',');

-- T5: the strata koppel pipes into standardise (work/t5-population.csv, select --ne
-- district=Westpoort: an empty district stays; aggregate -g district,age_group,ses_group,
-- migration,sex,household --count --sum wmo_user), and work/t5-cells.csv (its counts, over the
-- whole population with Westpoort: the union's cells of the class district and its total).
COPY (SELECT district, age_group, ses_group, migration, sex, household, count(*) AS count,
             sum(CAST(wmo_user AS BIGINT)) AS sum_wmo_user
      FROM t1t5_population_wmo WHERE district IS DISTINCT FROM 'Westpoort'
      GROUP BY district, age_group, ses_group, migration, sex, household)
TO '{{out}}/t5-strata.csv' (HEADER, DELIMITER ',');
COPY (SELECT district, persons, observed FROM t1t5_union
      WHERE g_age_group + g_sex + g_ses + g_migration + g_household + g_wmo_user = 6)
TO '{{out}}/t5-cells.csv' (HEADER, DELIMITER ',');
