/* standard_population.c (fuzz harness): standard_table_load on arbitrary standard and reference
 * files (share/koppel/standards/esp2013.csv is a seed). Input: a flags byte (bit 0: a reference
 * with events and population instead of a standard with weight; bit 1: ';' instead of ','),
 * then the file, joined on any of the strata age_band, sex and region it has. Properties: a bad
 * file stops with status 1 (data) or 2 (no strata column, a missing number column) and a
 * message; a loaded table has one row per stratum, found by its key, with finite numbers in
 * range and totals that add up; written back (numbers printed to read back exactly) it loads
 * to the same rows in the same order. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_support.h"
#include "message.h"
#include "number.h"
#include "record.h"
#include "standard_population.h"

static char *const strata[] = {"age_band", "sex", "region"};
enum { STRATA = 3 };

typedef struct load_job {
    standard_table table;
    standard_source source;
} load_job;

static void load(void *context)
{
    load_job *job = context;
    standard_table_load(&job->table, &job->source);
}

static standard_source source_for(bool reference, char delimiter)
{
    return (standard_source){
        .path = "-", .delimiter = delimiter, .name = "the standard under test",
        .strata = strata, .strata_count = STRATA,
        .weight_column = reference ? NULL : "weight",
        .events_column = reference ? "events" : NULL,
        .population_column = reference ? "population" : NULL,
    };
}

static size_t key_values(const standard_row *row)
{
    size_t n = 0;
    for (size_t i = 0; i < row->key_length; i++)
        n += row->key[i] == '\0';
    return n;
}

static void check_table(const standard_table *table, bool reference)
{
    FUZZ_CHECK(table->joined_count >= 1 && table->joined_count <= STRATA, "joined on %zu columns",
               table->joined_count);
    size_t joined = 0;
    for (size_t i = 0; i < STRATA; i++)
        joined += table->joined[i];
    FUZZ_CHECK(joined == table->joined_count, "joined flags and count disagree");
    FUZZ_CHECK(table->row_count >= 1 && HASH_COUNT(table->rows) == table->row_count, "%zu rows, %u hashed",
               table->row_count, HASH_COUNT(table->rows));
    double events = 0, population = 0;
    for (size_t r = 0; r < table->row_count; r++) {
        const standard_row *row = table->order[r], *found;
        HASH_FIND(hh, table->rows, row->key, row->key_length, found);
        FUZZ_CHECK(found == row, "row %zu not found by its key", r);
        FUZZ_CHECK(key_values(row) == table->joined_count && row->key[row->key_length - 1] == '\0',
                   "row %zu: a key of %zu values", r, key_values(row));
        if (reference) {
            FUZZ_CHECK(isfinite(row->events) && row->events >= 0, "events %g", row->events);
            FUZZ_CHECK(isfinite(row->population) && row->population > 0, "population %g", row->population);
            events += row->events;
            population += row->population;
        } else
            FUZZ_CHECK(isfinite(row->weight) && row->weight >= 0, "weight %g", row->weight);
    }
    if (reference)
        FUZZ_CHECK(events == table->events_total && population == table->population_total,
                   "totals do not add up");
}

static void write_number(record_writer *writer, double value)
{
    char text[32];
    record_writer_field(writer, text, number_format_double(value, text));
}

typedef struct write_job {
    const standard_table *table;
    bool reference;
    char delimiter;
} write_job;

static void write_table(void *context)
{
    const write_job *job = context;
    const standard_table *table = job->table;
    record_writer *writer = record_writer_open(NULL, job->delimiter);
    for (size_t i = 0; i < STRATA; i++)
        if (table->joined[i])
            record_writer_field_str(writer, strata[i]);
    if (job->reference) {
        record_writer_field_str(writer, "events");
        record_writer_field_str(writer, "population");
    } else
        record_writer_field_str(writer, "weight");
    record_writer_end(writer);
    for (size_t r = 0; r < table->row_count; r++) {
        const standard_row *row = table->order[r];
        for (size_t v = 0; v < table->joined_count; v++)
            record_writer_field_str(writer, stratum_key_value(row->key, v));
        if (job->reference) {
            write_number(writer, row->events);
            write_number(writer, row->population);
        } else
            write_number(writer, row->weight);
        record_writer_end(writer);
    }
    record_writer_close(writer);
}

static void check_same(const standard_table *a, const standard_table *b)
{
    FUZZ_CHECK(a->row_count == b->row_count && a->joined_count == b->joined_count,
               "the written table has other rows");
    for (size_t i = 0; i < STRATA; i++)
        FUZZ_CHECK(a->joined[i] == b->joined[i], "joined on other columns");
    for (size_t r = 0; r < a->row_count; r++) {
        const standard_row *x = a->order[r], *y = b->order[r];
        FUZZ_CHECK(x->key_length == y->key_length && memcmp(x->key, y->key, x->key_length) == 0,
                   "row %zu has another stratum", r);
        FUZZ_CHECK(x->weight == y->weight && x->events == y->events && x->population == y->population,
                   "row %zu has other numbers", r);
    }
    FUZZ_CHECK(a->events_total == b->events_total && a->population_total == b->population_total,
               "other totals");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size == 0)
        return 0;
    bool reference = data[0] & 1;
    char delimiter = data[0] & 2 ? ';' : ',';
    fuzz_set_stdin(data + 1, size - 1);
    load_job job = {.source = source_for(reference, delimiter)};
    if (!fuzz_try(load, &job)) {
        int status = fuzz_die_status();
        const char *message = fuzz_messages();
        FUZZ_CHECK(status == 1 || status == 2, "a bad standard gives status %d: %s", status, message);
        if (status == 2)
            FUZZ_CHECK(strstr(message, "none of the strata columns") || strstr(message, "not found in"),
                       "status 2 for a problem in the data: %s", message);
        return 0;
    }
    check_table(&job.table, reference);

    write_job writing = {&job.table, reference, delimiter};
    fuzz_capture_begin();
    bool wrote = fuzz_try(write_table, &writing);
    size_t length;
    char *written = fuzz_capture_end(&length);
    FUZZ_CHECK(wrote, "writing the table stopped: %s", fuzz_messages());
    fuzz_set_stdin((const uint8_t *)written, length);
    load_job again = {.source = source_for(reference, delimiter)};
    FUZZ_CHECK(fuzz_try(load, &again), "the written table does not load: %s", fuzz_messages());
    check_same(&job.table, &again.table);
    standard_table_free(&again.table);
    standard_table_free(&job.table);
    free(written);
    return 0;
}
