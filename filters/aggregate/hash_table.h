/* hash_table.h: uthash as aggregate's table of cells uses it: a hash made for short keys, bucket
 * arrays on huge pages. Every file of aggregate gets uthash through here, so that all of them
 * hash a table's keys alike; the distinct sets' value table (distinct_sets.c) uses the same hash. */
#ifndef AGGREGATE_HASH_TABLE_H
#define AGGREGATE_HASH_TABLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "message.h"

/* uthash's default hash (Jenkins) costs more on a short group key than the rest of a lookup;
 * a word-at-a-time multiply-xor hash with the murmur3 finaliser spreads such keys as well. */
static inline unsigned key_hash(const void *key, size_t length)
{
    const unsigned char *p = key;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ length;
    for (; length >= 8; p += 8, length -= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    if (length) {
        uint64_t word = 0;
        memcpy(&word, p, length);
        h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return (unsigned)h;
}

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = key_hash((keyptr), (keylen)))
/* The bucket arrays go on huge pages, as the cells do (arena.h); out of memory is status 3. */
#define uthash_fatal(msg) message_die_nomem()
#define uthash_malloc(size) large_allocate(size)
#define uthash_free(pointer, size) free(pointer)
#include <uthash.h>

#endif
