/* input.h: records read in batches, their group keys hashed and their cells' buckets prefetched
 * all at once (hash_batch.h) before the cells are updated in input order. */
#ifndef AGGREGATE_INPUT_H
#define AGGREGATE_INPUT_H

#include "aggregate.h"
#include "hash_batch.h"

/* The batch keeps what the statistics need, as a record read is gone at the next one. */
typedef struct input_batch {
    size_t count;
    hash_probe probes[HASH_BATCH_MAX]; /* a NULL key: the key of the record before */
    cell *found[HASH_BATCH_MAX];
    record_values rows[HASH_BATCH_MAX];
    size_t key_offsets[HASH_BATCH_MAX];
    size_t *text_offsets;      /* HASH_BATCH_MAX x columns, into BYTES */
    char *bytes;               /* the keys and texts of the batch */
    size_t used, capacity;
} input_batch;

input_batch *input_batch_new(size_t columns);
void input_batch_free(input_batch *b);

/* The group columns and the statistics' columns in the file of READER. */
void resolve_columns(aggregate *a, const record_reader *reader);

/* Read a batch of good records into a->batch; false at the end of the input. */
bool read_batch(aggregate *a, record_reader *reader);

#endif
