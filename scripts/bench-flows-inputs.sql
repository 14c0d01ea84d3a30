-- bench-flows-inputs.sql: for the `flows` benchmark alone, the tables bench-flows.sql reads, as
-- views of koppel's files in the study directory {{study}} (read where they are used, as a query
-- on the files themselves would; in the whole-study benchmark, bench-study-clean.sql and
-- bench-study-iza.sql make them as tables from the pseudonymised files instead).
CREATE MACRO koppel_csv(path) AS TABLE
    SELECT * FROM read_csv(path, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"');
CREATE TEMP VIEW clean_claims AS SELECT * FROM koppel_csv('{{study}}/clean/claims.csv');
CREATE TEMP VIEW clean_insured AS SELECT * FROM koppel_csv('{{study}}/clean/insured.csv');
CREATE TEMP VIEW clean_insurer_deliveries AS SELECT * FROM koppel_csv('{{study}}/clean/insurer_deliveries.csv');
CREATE TEMP VIEW clean_wlz AS SELECT * FROM koppel_csv('{{study}}/clean/wlz.csv');
CREATE TEMP VIEW birth_dates AS SELECT * FROM koppel_csv('{{study}}/work/birth-dates.csv');
CREATE TEMP VIEW iza_prevalence AS
SELECT regexp_extract(filename, 'iza-([0-9]{4})', 1) AS year, * EXCLUDE (filename)
FROM read_csv(['{{study}}/work/iza-2019/prevalence.csv', '{{study}}/work/iza-2023/prevalence.csv'],
              header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', filename = true);
