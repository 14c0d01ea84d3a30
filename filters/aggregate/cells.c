/* cells.c: the cells of the output table in their hash table (cells.h). A cell, its statistics'
 * state and its key are one piece of the arena. */
#include <stdalign.h>

#include "aggregate.h"

void reserve_key(aggregate *a, size_t length)
{
    if (length <= a->key_capacity)
        return;
    while (a->key_capacity < length)
        a->key_capacity = a->key_capacity ? a->key_capacity * 2 : 256;
    a->key = xrealloc(a->key, a->key_capacity);
}

cell *new_cell(aggregate *a, const char *key, size_t length, unsigned hash)
{
    size_t head = sizeof(cell) + a->stats.state_size;
    cell *c = arena_allocate(&a->memory, head + length, alignof(max_align_t));
    memset(c, 0, head);
    char *copy = (char *)c + head;
    memcpy(copy, key, length);
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, a->cells, copy, length, hash, c);
    return c;
}

cell *find_cell_hashed(aggregate *a, const char *key, size_t length, unsigned hash)
{
    cell *found;
    HASH_FIND_BYHASHVALUE(hh, a->cells, key, length, hash, found);
    if (!found)
        found = new_cell(a, key, length, hash);
    a->last = found;
    return found;
}

static bool is_last_cell(const aggregate *a, const char *key, size_t length)
{
    return a->last && cell_key_length(a->last) == length && memcmp(cell_key(a->last), key, length) == 0;
}

cell *find_cell(aggregate *a, const char *key, size_t length)
{
    if (is_last_cell(a, key, length))
        return a->last;
    if (length > UINT32_MAX)
        message_die(EXIT_DATA, "group values too long (%zu bytes)", length);
    unsigned hash;
    HASH_VALUE(key, length, hash);
    return find_cell_hashed(a, key, length, hash);
}

const char *key_value(const aggregate *a, const cell *c, size_t index, size_t *length)
{
    const char *p = cell_key(c) + a->group_count;
    for (size_t i = 0; i < index; i++)
        p += strlen(p) + 1;
    *length = strlen(p);
    return p;
}

bool is_total(const aggregate *a, const cell *c)
{
    return memchr(cell_key(c), 't', a->group_count) != NULL;
}
