/* distinct_sets.h: the sets of --count-distinct as integers. Each value's text is interned once
 * (a value table: text -> value id), and a set member is the pair (cell id, value id) as one
 * 64-bit key in an open-addressing table: no string is compared once a value has its id, and a
 * member takes 8 bytes of a table at most half full. The distinct counts of margins come from
 * the members of the finest cells, projected onto the margin's cells and sorted (no member of
 * a margin is ever held in a hash table). */
#ifndef AGGREGATE_DISTINCT_SETS_H
#define AGGREGATE_DISTINCT_SETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct value_text {
    const char *text;
    uint32_t length;
} value_text;

/* Text -> id: slots of (32-bit hash, id + 1), the texts in the arena. */
typedef struct value_table {
    uint64_t *slots;
    size_t mask; /* capacity - 1 (a power of two) */
    value_text *values;
    size_t count, values_capacity;
    arena *texts;
} value_table;

/* Members (cell id << 32 | value id + 1, never 0) in an open-addressing table. */
typedef struct pair_set {
    uint64_t *slots;
    size_t mask, count;
} pair_set;

/* A value table whose texts go into TEXTS. */
void value_table_init(value_table *t, arena *texts);
void value_table_free(value_table *t);
uint32_t value_hash(const char *text, size_t length);
/* The slot where the search for HASH starts: prefetched ahead of value_table_intern. */
static inline const void *value_table_slot(const value_table *t, uint32_t hash)
{
    return &t->slots[hash & t->mask];
}
/* The id of TEXT (hash HASH from value_hash), a new one if it has none. */
uint32_t value_table_intern(value_table *t, const char *text, size_t length, uint32_t hash);

static inline uint64_t pair_key(uint32_t cell_id, uint32_t value_id)
{
    return (uint64_t)cell_id << 32 | ((uint64_t)value_id + 1);
}
static inline uint32_t pair_cell(uint64_t key) { return (uint32_t)(key >> 32); }
static inline uint32_t pair_value(uint64_t key) { return (uint32_t)key - 1; }

static inline size_t pair_hash(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xFF51AFD7ED558CCDull;
    key ^= key >> 33;
    return (size_t)key;
}
static inline const void *pair_set_slot(const pair_set *s, uint64_t key)
{
    return s->slots ? &s->slots[pair_hash(key) & s->mask] : NULL;
}
/* Add KEY; true if it was not there. */
bool pair_set_add(pair_set *s, uint64_t key);
/* The members, in no order, into a new array of s->count keys. */
uint64_t *pair_set_members(const pair_set *s);
void pair_set_free(pair_set *s);

/* Sort N keys ascending on their low BITS bits (the others zero): a radix sort through a
 * buffer of N. */
void sort_keys(uint64_t *keys, size_t n, unsigned bits);

/* Bits needed for values below LIMIT. */
unsigned bits_for(uint64_t limit);

#endif
