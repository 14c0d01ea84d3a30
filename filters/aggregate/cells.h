/* cells.h: the cells of the output table, groups and margins, in one hash table keyed by the
 * group values: finding a record's cell, making a new one, reading a key back. */
#ifndef AGGREGATE_CELLS_H
#define AGGREGATE_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash_table.h"

struct aggregate;

/* A cell's key is one byte per group column ('g' grouped, 't' totalled), then each value
 * followed by a NUL (fields never contain NUL bytes, so the key is unambiguous); totalled
 * values are empty in the key. */
typedef struct cell {
    UT_hash_handle hh; /* its key (hh.key, hh.keylen) lies right after the state */
    uint64_t records;
    max_align_t state[];
} cell;

static inline const char *cell_key(const cell *c) { return c->hh.key; }
static inline size_t cell_key_length(const cell *c) { return c->hh.keylen; }

/* Room for a key of LENGTH bytes in the aggregate's key buffer. */
void reserve_key(struct aggregate *a, size_t length);

cell *new_cell(struct aggregate *a, const char *key, size_t length, unsigned hash);

/* The cell of KEY, whose hash is HASH; a new one if there is none. */
cell *find_cell_hashed(struct aggregate *a, const char *key, size_t length, unsigned hash);

/* The cell of KEY; a new one if there is none. */
cell *find_cell(struct aggregate *a, const char *key, size_t length);

/* The I-th group value in a cell key: its start; *LENGTH gets its length. */
const char *key_value(const struct aggregate *a, const cell *c, size_t index, size_t *length);

bool is_total(const struct aggregate *a, const cell *c);

#endif
