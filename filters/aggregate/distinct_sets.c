/* distinct_sets.c: interned values, integer set members and the radix sort of the margins'
 * members (distinct_sets.h). Both tables are linear-probing, at most half full, on huge pages. */
#include <stdlib.h>
#include <string.h>

#include "distinct_sets.h"
#include "hash_table.h"
#include "message.h"
#include "radix.h"

static uint64_t *slots_new(size_t capacity)
{
    uint64_t *slots = large_allocate(capacity * sizeof(uint64_t));
    if (!slots)
        message_die_nomem();
    memset(slots, 0, capacity * sizeof(uint64_t));
    return slots;
}

/* ---------------------------------------------------------------- values */

void value_table_init(value_table *t, arena *texts)
{
    memset(t, 0, sizeof *t);
    t->mask = 1023;
    t->slots = slots_new(t->mask + 1);
    t->texts = texts;
}

void value_table_free(value_table *t)
{
    free(t->slots);
    free(t->values);
    memset(t, 0, sizeof *t);
}

uint32_t value_hash(const char *text, size_t length) { return key_hash(text, length); }

static void value_table_grow(value_table *t)
{
    size_t capacity = (t->mask + 1) * 2;
    uint64_t *slots = slots_new(capacity);
    for (size_t i = 0; i <= t->mask; i++) {
        uint64_t slot = t->slots[i];
        if (!slot)
            continue;
        size_t at = (slot >> 32) & (capacity - 1);
        while (slots[at])
            at = (at + 1) & (capacity - 1);
        slots[at] = slot;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = capacity - 1;
}

uint32_t value_table_intern(value_table *t, const char *text, size_t length, uint32_t hash)
{
    size_t at = hash & t->mask;
    for (;; at = (at + 1) & t->mask) {
        uint64_t slot = t->slots[at];
        if (!slot)
            break;
        if ((uint32_t)(slot >> 32) == hash) {
            const value_text *v = &t->values[(uint32_t)slot - 1];
            if (v->length == length && memcmp(v->text, text, length) == 0)
                return (uint32_t)slot - 1;
        }
    }
    if (t->count >= UINT32_MAX - 1 || length > UINT32_MAX)
        message_die(EXIT_DATA, "more than 4 billion distinct values, or a value over 4 GB");
    if (t->count == t->values_capacity) {
        t->values_capacity = t->values_capacity ? t->values_capacity * 2 : 1024;
        t->values = xrealloc(t->values, t->values_capacity * sizeof(value_text));
    }
    char *copy = arena_allocate(t->texts, length + 1, 1);
    memcpy(copy, text, length);
    copy[length] = '\0';
    uint32_t id = (uint32_t)t->count++;
    t->values[id] = (value_text){copy, (uint32_t)length};
    t->slots[at] = (uint64_t)hash << 32 | ((uint64_t)id + 1);
    if (t->count * 2 > t->mask + 1)
        value_table_grow(t);
    return id;
}

/* ---------------------------------------------------------------- members */

static void pair_set_grow(pair_set *s)
{
    size_t capacity = s->slots ? (s->mask + 1) * 2 : 1024;
    uint64_t *slots = slots_new(capacity);
    for (size_t i = 0; s->slots && i <= s->mask; i++) {
        uint64_t key = s->slots[i];
        if (!key)
            continue;
        size_t at = pair_hash(key) & (capacity - 1);
        while (slots[at])
            at = (at + 1) & (capacity - 1);
        slots[at] = key;
    }
    free(s->slots);
    s->slots = slots;
    s->mask = capacity - 1;
}

bool pair_set_add(pair_set *s, uint64_t key)
{
    if (!s->slots || (s->count + 1) * 2 > s->mask + 1)
        pair_set_grow(s);
    size_t at = pair_hash(key) & s->mask;
    for (;; at = (at + 1) & s->mask) {
        uint64_t slot = s->slots[at];
        if (slot == key)
            return false;
        if (!slot)
            break;
    }
    s->slots[at] = key;
    s->count++;
    return true;
}

uint64_t *pair_set_members(const pair_set *s)
{
    uint64_t *members = xmalloc((s->count + 1) * sizeof(uint64_t));
    size_t n = 0;
    for (size_t i = 0; s->slots && i <= s->mask; i++)
        if (s->slots[i])
            members[n++] = s->slots[i];
    return members;
}

void pair_set_free(pair_set *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- sorting */

unsigned bits_for(uint64_t limit)
{
    unsigned bits = 0;
    while (bits < 64 && (limit >> bits) != 0)
        bits++;
    return bits;
}

enum { DIGIT_BITS = 11, DIGITS = 1 << DIGIT_BITS };

void sort_keys(uint64_t *keys, size_t n, unsigned bits)
{
    if (n < 2)
        return;
    uint64_t *buffer = large_allocate(n * sizeof(uint64_t));
    if (!buffer)
        message_die_nomem();
    uint64_t *from = keys, *to = buffer;
    size_t *counts = xmalloc(DIGITS * sizeof(size_t));
    for (unsigned shift = 0; shift < bits; shift += DIGIT_BITS) {
        memset(counts, 0, DIGITS * sizeof(size_t));
        for (size_t i = 0; i < n; i++)
            counts[(from[i] >> shift) & (DIGITS - 1)]++;
        if (counts[(from[0] >> shift) & (DIGITS - 1)] == n)
            continue; /* one digit: this pass would move nothing */
        radix_counts_to_positions(counts, DIGITS);
        for (size_t i = 0; i < n; i++)
            to[counts[(from[i] >> shift) & (DIGITS - 1)]++] = from[i];
        uint64_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != keys)
        memcpy(keys, from, n * sizeof(uint64_t));
    free(counts);
    free(buffer);
}
