/* standard_population.c: loading standard population and reference files, and stratum keys
 * (see standard_population.h); koppel standardise joins its strata on them. */
#include "standard_population.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "number.h"
#include "record.h"
#include "showable.h"

void stratum_key_reset(stratum_key *key)
{
    key->length = 0;
    if (!key->bytes) {
        key->capacity = 64;
        key->bytes = xmalloc(key->capacity);
    }
}

void stratum_key_append(stratum_key *key, const char *value, size_t length)
{
    if (key->length + length + 1 > key->capacity) {
        key->capacity = (key->length + length + 1) * 2 + 64;
        key->bytes = xrealloc(key->bytes, key->capacity);
    }
    memcpy(key->bytes + key->length, value, length);
    key->bytes[key->length + length] = '\0';
    key->length += length + 1;
}

const char *stratum_key_value(const char *key, size_t index)
{
    while (index--)
        key += strlen(key) + 1;
    return key;
}

const char *stratum_key_label(stratum_key *label, char *const *strata, size_t strata_count,
                              const char *key, const bool *joined)
{
    label->length = 0;
    size_t value = 0;
    for (size_t i = 0; i < strata_count; i++) {
        if (joined && !joined[i])
            continue;
        const char *text = stratum_key_value(key, value++);
        /* A stratum column may hold an identifier by mistake (a date of birth for an age band). */
        if (!label_is_showable(text, strlen(text)))
            text = "(not shown)";
        size_t need = label->length + strlen(strata[i]) + strlen(text) + 4;
        if (need > label->capacity) {
            label->capacity = need * 2;
            label->bytes = xrealloc(label->bytes, label->capacity);
        }
        label->length += (size_t)sprintf(label->bytes + label->length, "%s%s=%s",
                                         label->length ? ", " : "", strata[i], text);
    }
    if (!label->bytes)
        label->bytes = xstrdup("");
    return label->bytes;
}

/* A structurally bad record in a standard or reference file stops the run: dropping a stratum
 * of the standard would change every result without a trace. */
static void die_on_bad_record(void *context, record_reader *reader, const record_t *record,
                              const char *reason)
{
    (void)context;
    message_die_at(EXIT_DATA, record_reader_name(reader), record->line, "%s", reason);
}

static double parse_table_number(const record_reader *reader, const record_t *record,
                                 size_t column, const char *column_name, bool positive)
{
    double value;
    if (!number_parse_double(record->fields[column], record->lengths[column], &value) ||
        value < 0 || (positive && value == 0))
        message_die_at(EXIT_DATA, record_reader_name(reader), record->line,
                       "column '%s': not a number %s", column_name,
                       positive ? "above 0" : "of 0 or more");
    return value;
}

void standard_table_load(standard_table *table, const standard_source *source)
{
    table->name = source->name;
    record_reader *reader = record_reader_open(source->path, source->delimiter, die_on_bad_record, NULL);
    table->joined = xcalloc(source->strata_count, sizeof(bool));
    size_t *columns = xcalloc(source->strata_count, sizeof(size_t));
    for (size_t i = 0; i < source->strata_count; i++) {
        long found = record_reader_find_column(reader, source->strata[i]);
        if (found >= 0) {
            table->joined[i] = true;
            columns[table->joined_count++] = (size_t)found;
        }
    }
    if (table->joined_count == 0) {
        if (source->unjoinable)
            message_die(EXIT_USAGE, "%s", source->unjoinable);
        message_die(EXIT_USAGE, "%s has none of the strata columns of --strata: it cannot be "
                                "joined on them", source->name);
    }
    size_t weight = 0, events = 0, population = 0;
    if (source->weight_column)
        weight = record_reader_column(reader, source->weight_column, "--weight-column");
    else {
        events = record_reader_column(reader, source->events_column, "--reference-events");
        population = record_reader_column(reader, source->population_column, "--reference-population");
    }
    stratum_key key = {0}, label = {0};
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        stratum_key_reset(&key);
        for (size_t j = 0; j < table->joined_count; j++)
            stratum_key_append(&key, record->fields[columns[j]], record->lengths[columns[j]]);
        standard_row *row;
        HASH_FIND(hh, table->rows, key.bytes, key.length, row);
        if (row)
            message_die_at(EXIT_DATA, record_reader_name(reader), record->line,
                           "stratum %s occurs twice in %s",
                           stratum_key_label(&label, source->strata, source->strata_count, key.bytes,
                                             table->joined),
                           source->name);
        row = xcalloc(1, sizeof *row);
        row->key = xmalloc(key.length);
        memcpy(row->key, key.bytes, key.length);
        row->key_length = key.length;
        if (source->weight_column)
            row->weight = parse_table_number(reader, record, weight, source->weight_column, false);
        else {
            row->events = parse_table_number(reader, record, events, source->events_column, false);
            row->population = parse_table_number(reader, record, population, source->population_column, true);
            table->events_total += row->events;
            table->population_total += row->population;
        }
        HASH_ADD_KEYPTR(hh, table->rows, row->key, row->key_length, row);
        table->order = xrealloc(table->order, (table->row_count + 1) * sizeof(standard_row *));
        table->order[table->row_count++] = row;
    }
    if (table->row_count == 0)
        message_die(EXIT_DATA, "%s has no rows", source->name);
    record_reader_close(reader);
    free(columns);
    free(key.bytes);
    free(label.bytes);
}

void standard_table_free(standard_table *table)
{
    standard_row *row, *next;
    HASH_ITER(hh, table->rows, row, next) {
        HASH_DEL(table->rows, row);
        free(row->key);
        free(row);
    }
    free(table->order);
    free(table->joined);
}
