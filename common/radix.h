/* radix.h: the step every counting (radix) sort shares, for the sorts of key_log and aggregate:
 * the count of each digit turned into the position of that digit's first entry. */
#ifndef KOPPEL_RADIX_H
#define KOPPEL_RADIX_H

#include <stddef.h>

static inline void radix_counts_to_positions(size_t *counts, size_t digits)
{
    size_t position = 0;
    for (size_t d = 0; d < digits; d++) {
        size_t count = counts[d];
        counts[d] = position;
        position += count;
    }
}

#endif
