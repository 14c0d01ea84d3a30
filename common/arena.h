/* arena.h: memory that lives as long as the run, for the hash tables of join (RIGHT's records
 * and keys) and aggregate (the groups): big blocks that never move, so that tables may point
 * into them, with no allocation per record, all freed at once. Blocks double from 2 MB to
 * 64 MB and go on huge pages where the system offers them (madvise): in a table of millions
 * of entries, looked up at random, small pages would make nearly every look-up miss the TLB
 * as well as the caches. */
#ifndef KOPPEL_ARENA_H
#define KOPPEL_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;

typedef struct arena {
    arena_block *current;
    size_t next_size;
} arena; /* zero-initialised: empty */

/* SIZE bytes aligned to ALIGNMENT (a power of two, at most that of max_align_t or 64);
 * out of memory dies with status 3. */
void *arena_allocate(arena *a, size_t size, size_t alignment);
void arena_free(arena *a);

/* malloc for memory read at random (a hash table's buckets): 2 MB and more go on huge pages
 * where offered. NULL when memory runs out (uthash_malloc: uthash then calls uthash_fatal). */
void *large_allocate(size_t size);

#endif
