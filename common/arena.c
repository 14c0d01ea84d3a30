/* arena.c: run-long memory in big blocks, on huge pages where offered (arena.h). */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "message.h"

enum { HUGE_PAGE = 2 << 20, LARGEST_BLOCK = 64 << 20, BLOCK_ALIGNMENT = 64 };

struct arena_block {
    struct arena_block *previous;
    size_t used, size;
    alignas(BLOCK_ALIGNMENT) char bytes[];
};

void *large_allocate(size_t size)
{
    if (size < HUGE_PAGE)
        return malloc(size);
    void *memory;
    if (posix_memalign(&memory, HUGE_PAGE, size) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(memory, size & ~(size_t)(HUGE_PAGE - 1), MADV_HUGEPAGE); /* a hint only */
#endif
    return memory;
}

void *arena_allocate(arena *a, size_t size, size_t alignment)
{
    arena_block *block = a->current;
    size_t start = block ? (block->used + alignment - 1) & ~(alignment - 1) : 0;
    if (!block || start + size > block->size) {
        if (a->next_size == 0)
            a->next_size = HUGE_PAGE;
        if (size > SIZE_MAX - sizeof *block)
            message_die_nomem();
        size_t block_size = size + sizeof *block > a->next_size ? size + sizeof *block : a->next_size;
        if (a->next_size < LARGEST_BLOCK)
            a->next_size *= 2;
        block = large_allocate(block_size);
        if (!block)
            message_die_nomem();
        block->previous = a->current;
        block->used = 0;
        block->size = block_size - sizeof *block;
        a->current = block;
        start = 0;
    }
    block->used = start + size;
    return block->bytes + start;
}

void arena_free(arena *a)
{
    while (a->current) {
        arena_block *previous = a->current->previous;
        free(a->current);
        a->current = previous;
    }
    a->next_size = 0;
}
