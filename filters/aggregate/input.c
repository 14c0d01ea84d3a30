/* input.c: reading records in batches for aggregate (input.h): the numbers and texts the
 * statistics need, and the group keys, hashed, with their buckets prefetched. */
#include "input.h"

input_batch *input_batch_new(size_t columns)
{
    input_batch *b = xcalloc(1, sizeof *b);
    size_t n = HASH_BATCH_MAX * (columns + 1);
    number *values = xcalloc(n, sizeof *values);
    bool *present = xcalloc(n, sizeof *present);
    const char **texts = xcalloc(n, sizeof *texts);
    size_t *lengths = xcalloc(n, sizeof *lengths);
    b->text_offsets = xcalloc(n, sizeof *b->text_offsets);
    b->capacity = 4096; /* never NULL, even for keys of no bytes (no -g) */
    b->bytes = xmalloc(b->capacity);
    for (size_t i = 0; i < HASH_BATCH_MAX; i++) {
        size_t at = i * (columns + 1);
        b->rows[i] = (record_values){values + at, present + at, texts + at, lengths + at};
    }
    return b;
}

void input_batch_free(input_batch *b)
{
    if (!b)
        return;
    free(b->rows[0].values);
    free(b->rows[0].present);
    free(b->rows[0].texts);
    free(b->rows[0].text_lengths);
    free(b->text_offsets);
    free(b->bytes);
    free(b);
}

/* Room for LENGTH more bytes in the batch; their offset. */
static size_t input_batch_reserve(input_batch *b, size_t length)
{
    if (b->used + length > b->capacity) {
        while (b->used + length > b->capacity)
            b->capacity *= 2;
        b->bytes = xrealloc(b->bytes, b->capacity);
    }
    size_t offset = b->used;
    b->used += length;
    return offset;
}

void resolve_columns(aggregate *a, const record_reader *reader)
{
    for (size_t i = 0; i < a->group_count; i++)
        a->group_index[i] = record_reader_column(reader, a->group_columns[i], "-g");
    for (size_t i = 0; i < a->column_count; i++) {
        const char *option = "statistic";
        for (size_t j = 0; j < a->stats.count; j++) {
            const statistic *s = &a->stats.items[j];
            if ((s->column && strcmp(s->column, a->columns[i].name) == 0) ||
                (s->weight && strcmp(s->weight, a->columns[i].name) == 0)) {
                option = statistic_kinds[s->kind].option;
                break;
            }
        }
        a->columns[i].index = record_reader_column(reader, a->columns[i].name, option);
    }
}

/* Keep the record's numbers (and the texts of --count-distinct) in ROW of the batch; false
 * (after rejecting the record) when a number is not one. */
static bool read_values(aggregate *a, record_reader *reader, const record_t *record, size_t row)
{
    input_batch *b = a->batch;
    record_values *v = &b->rows[row];
    for (size_t i = 0; i < a->column_count; i++) {
        const input_column *column = &a->columns[i];
        size_t length = record->lengths[column->index];
        v->present[i] = length > 0;
        if (length > 0 && column->numeric &&
            !number_parse(record->fields[column->index], length, &v->values[i])) {
            koppel_reject(&a->ctx, reader, record, "column '%s': not a number", column->name);
            return false;
        }
    }
    for (size_t i = 0; i < a->column_count; i++) {
        a->columns[i].missing += !v->present[i];
        if (a->columns[i].text) {
            size_t length = record->lengths[a->columns[i].index];
            size_t at = input_batch_reserve(b, length);
            memcpy(b->bytes + at, record->fields[a->columns[i].index], length);
            b->text_offsets[row * (a->column_count + 1) + i] = at;
            v->text_lengths[i] = length;
        }
    }
    return true;
}

/* The record's group key (a 'g' per group column, then each value and a NUL) into the batch:
 * the key of probe ROW, its offset in the batch's bytes. */
static size_t batch_key(aggregate *a, const record_t *record, size_t row)
{
    input_batch *b = a->batch;
    size_t length = a->group_count;
    for (size_t i = 0; i < a->group_count; i++)
        length += record->lengths[a->group_index[i]] + 1;
    if (length > UINT32_MAX)
        message_die(EXIT_DATA, "group values too long (%zu bytes)", length);
    size_t at = input_batch_reserve(b, length);
    char *p = b->bytes + at;
    memset(p, 'g', a->group_count);
    p += a->group_count;
    for (size_t i = 0; i < a->group_count; i++) {
        size_t index = a->group_index[i];
        memcpy(p, record->fields[index], record->lengths[index]);
        p += record->lengths[index];
        *p++ = '\0';
    }
    b->probes[row].length = length;
    return at;
}

/* A key equal to the one before it (sorted input) is not looked up: it is the last cell. */
bool read_batch(aggregate *a, record_reader *reader)
{
    input_batch *b = a->batch;
    const UT_hash_table *table = hash_batch_table(a->cells ? &a->cells->hh : NULL);
    bool repeated[HASH_BATCH_MAX];
    b->count = b->used = 0;
    const record_t *record;
    while (b->count < HASH_BATCH_MAX && record_reader_next(reader, &record)) {
        koppel_progress(&a->ctx);
        size_t i = b->count;
        if (!read_values(a, reader, record, i))
            continue;
        b->key_offsets[i] = batch_key(a, record, i);
        const char *key = b->bytes + b->key_offsets[i];
        repeated[i] = i > 0 && b->probes[i].length == b->probes[i - 1].length &&
                      memcmp(key, b->bytes + b->key_offsets[i - 1], b->probes[i].length) == 0;
        if (!repeated[i]) {
            HASH_VALUE(key, b->probes[i].length, b->probes[i].hash);
            hash_batch_prefetch_bucket(table, b->probes[i].hash);
        }
        b->count++;
    }
    /* The bytes have their final place now. */
    for (size_t i = 0; i < b->count; i++) {
        b->probes[i].key = repeated[i] ? NULL : b->bytes + b->key_offsets[i];
        for (size_t c = 0; c < a->column_count; c++)
            if (a->columns[c].text)
                b->rows[i].texts[c] = b->bytes + b->text_offsets[i * (a->column_count + 1) + c];
    }
    return b->count > 0;
}
