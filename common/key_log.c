/* key_log.c: counting keys by sorting (key_log.h). */
#include "key_log.h"

#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "radix.h"

void key_log_add(key_log *log, const char *key, size_t length, unsigned hash)
{
    if (log->count > 0) {
        key_log_entry *last = &log->entries[log->count - 1];
        if (last->hash == hash && last->length == length && memcmp(last->key, key, length) == 0) {
            last->count++;
            return;
        }
    }
    if (length > UINT32_MAX)
        message_die(EXIT_DATA, "a key of %zu bytes is too long to count", length);
    if (log->count == log->capacity) {
        log->capacity = log->capacity ? log->capacity * 2 : 4096;
        log->entries = xrealloc(log->entries, log->capacity * sizeof *log->entries);
    }
    char *copy = arena_allocate(&log->keys, length, 1);
    if (length)
        memcpy(copy, key, length);
    log->entries[log->count++] = (key_log_entry){copy, 1, (uint32_t)length, hash};
}

void key_log_again(key_log *log)
{
    log->entries[log->count - 1].count++;
}

static int compare_keys(const void *a, const void *b)
{
    const key_log_entry *x = a, *y = b;
    if (x->length != y->length)
        return x->length < y->length ? -1 : 1;
    return memcmp(x->key, y->key, x->length);
}

/* Least significant digit first, 16 bits a pass: two passes over the log. */
static void sort_on_hash(key_log *log)
{
    size_t n = log->count;
    key_log_entry *from = log->entries, *to = xmalloc((n + 1) * sizeof *to);
    size_t *counts = xmalloc(65536 * sizeof *counts);
    for (unsigned shift = 0; shift < 32; shift += 16) {
        memset(counts, 0, 65536 * sizeof *counts);
        for (size_t i = 0; i < n; i++)
            counts[(from[i].hash >> shift) & 0xFFFF]++;
        radix_counts_to_positions(counts, 65536);
        for (size_t i = 0; i < n; i++)
            to[counts[(from[i].hash >> shift) & 0xFFFF]++] = from[i];
        key_log_entry *swap = from;
        from = to;
        to = swap;
    }
    free(counts);
    free(to); /* an even number of passes: FROM is the log's own array again */
    log->entries = from;
}

void key_log_merge(key_log *log)
{
    sort_on_hash(log);
    key_log_entry *entries = log->entries;
    size_t n = log->count, kept = 0;
    for (size_t start = 0, end; start < n; start = end) {
        for (end = start + 1; end < n && entries[end].hash == entries[start].hash; end++)
            ;
        /* Keys of one hash: the same key logged again further on, or (rarely) other keys. */
        if (end - start > 1)
            qsort(entries + start, end - start, sizeof *entries, compare_keys);
        for (size_t i = start; i < end; i++) {
            if (i > start && compare_keys(&entries[kept - 1], &entries[i]) == 0)
                entries[kept - 1].count += entries[i].count;
            else
                entries[kept++] = entries[i];
        }
    }
    log->count = kept;
}

void key_log_free(key_log *log)
{
    free(log->entries);
    arena_free(&log->keys);
    *log = (key_log){0};
}
