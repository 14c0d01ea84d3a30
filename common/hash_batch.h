/* hash_batch.h: look up a batch of keys in one uthash table at once.
 *
 * In a table larger than the caches, one look-up waits for two or three cache misses in a
 * row: the bucket, then each element of its chain (handle and key). A batch of keys is looked
 * up side by side instead: the buckets are prefetched first, then the chains are walked one
 * element per key and round with the next element prefetched, so that the misses of the
 * batch overlap. join (both inputs) and aggregate (the groups) use it.
 *
 * Include <uthash.h> first, with the includer's HASH_FUNCTION: these functions read uthash's
 * table (buckets, handles) as HASH_FIND_BYHASHVALUE does and compare keys with memcmp. */
#ifndef KOPPEL_HASH_BATCH_H
#define KOPPEL_HASH_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

enum { HASH_BATCH_MAX = 32, HASH_BATCH_LINE = 64 };

/* One key to look up; a NULL KEY is skipped (found: NULL). */
typedef struct hash_probe {
    const char *key;
    size_t length;
    unsigned hash;
} hash_probe;

/* The table of a hash's first element (NULL for an empty hash). */
static inline const UT_hash_table *hash_batch_table(const UT_hash_handle *first)
{
    return first ? first->tbl : NULL;
}

static inline void hash_batch_prefetch_bucket(const UT_hash_table *table, unsigned hash)
{
    if (!table)
        return;
    unsigned bucket;
    HASH_TO_BKT(hash, table->num_buckets, bucket);
    __builtin_prefetch(&table->buckets[bucket]);
}

/* The first element in the key's bucket: its handle and the bytes after it (the key, when
 * the element holds it inline). Call after the bucket has been prefetched. */
static inline void hash_batch_prefetch_chain(const UT_hash_table *table, unsigned hash)
{
    if (!table)
        return;
    unsigned bucket;
    HASH_TO_BKT(hash, table->num_buckets, bucket);
    const UT_hash_handle *first = table->buckets[bucket].hh_head;
    if (first) {
        const char *element = (const char *)first - table->hho;
        __builtin_prefetch(element);
        __builtin_prefetch(element + HASH_BATCH_LINE);
        __builtin_prefetch(element + 2 * HASH_BATCH_LINE);
    }
}

/* HASH_FIND_BYHASHVALUE for COUNT (at most HASH_BATCH_MAX) probes at once. FOUND[i]: the
 * element of probe i, or NULL. */
static inline void hash_batch_find(const UT_hash_table *table, const hash_probe *probes, size_t count,
                                   void **found)
{
    const UT_hash_handle *cursor[HASH_BATCH_MAX];
    size_t active[HASH_BATCH_MAX], walking = 0;
    for (size_t i = 0; i < count; i++) {
        found[i] = NULL;
        if (!table || !probes[i].key)
            continue;
        unsigned bucket;
        HASH_TO_BKT(probes[i].hash, table->num_buckets, bucket);
        cursor[i] = table->buckets[bucket].hh_head;
        if (cursor[i])
            active[walking++] = i;
    }
    while (walking) {
        size_t still = 0;
        for (size_t k = 0; k < walking; k++) {
            size_t i = active[k];
            const hash_probe *probe = &probes[i];
            const UT_hash_handle *handle = cursor[i];
            if (handle->hashv == probe->hash && handle->keylen == probe->length &&
                memcmp(handle->key, probe->key, probe->length) == 0) {
                found[i] = ELMT_FROM_HH(table, handle);
                continue;
            }
            handle = handle->hh_next;
            if (!handle)
                continue;
            __builtin_prefetch(handle);
            __builtin_prefetch((const char *)handle + HASH_BATCH_LINE);
            cursor[i] = handle;
            active[still++] = i;
        }
        walking = still;
    }
}

#endif
