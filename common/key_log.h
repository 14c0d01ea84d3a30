/* key_log.h: how often each key occurs, found by sorting instead of a hash table. Keys are
 * logged as they come (a key equal to the one logged last only counts again, so input grouped
 * by key logs each key once), their bytes packed in an arena; key_log_merge then sorts the log
 * on the hash and merges equal keys. About 24 bytes a key besides its bytes, written in order,
 * against a hash table's entry per key written at random: for counting millions of keys that
 * nobody looks up while the input runs (join's report of LEFT's unmatched keys, aggregate's
 * groups of at least --min-count records). */
#ifndef KOPPEL_KEY_LOG_H
#define KOPPEL_KEY_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct key_log_entry {
    const char *key;
    uint64_t count;  /* records with this key */
    uint32_t length; /* keys are at most 4 GB */
    unsigned hash;   /* the caller's hash of the key: equal keys, equal hashes */
} key_log_entry;

typedef struct key_log {
    key_log_entry *entries;
    size_t count, capacity;
    arena keys;
} key_log; /* zero-initialised: empty */

/* Log KEY (LENGTH bytes, hash HASH) once more. A key over 4 GB dies with status 1. */
void key_log_add(key_log *log, const char *key, size_t length, unsigned hash);
/* The key logged last, once more. */
void key_log_again(key_log *log);
/* Sort and merge: afterwards entries[0 .. count) are the distinct keys, each with its count,
 * in no particular order. */
void key_log_merge(key_log *log);
void key_log_free(key_log *log);

#endif
