/* margins.c: total rows for aggregate (margins.h). A total's statistics come from merging the
 * groups' states, one margin at a time (all its cells at once: distinct counts project the
 * groups' members onto the margin's cells), so distinct counts of a total count the values
 * themselves. */
#include <stdlib.h>
#include <string.h>

#include "margins.h"

void check_label(aggregate *a)
{
    for (cell *c = a->cells; c; c = c->hh.next)
        for (size_t i = 0; i < a->group_count; i++) {
            size_t length;
            const char *value = key_value(a, c, i, &length);
            if (cell_key(c)[i] == 'g' && strcmp(value, a->label) == 0)
                message_die(EXIT_USAGE, "column '%s' has the value '%s', the label of total rows; choose "
                                        "another with --total-label",
                            a->group_columns[i], a->label);
        }
}

/* The margins asked for, as masks of 'g' (grouped) and 't' (totalled) per group column: for
 * the cube every combination but the detail, for the rollup the last column totalled, the
 * last two, ..., all. */
static char **margin_masks(const aggregate *a, size_t *count)
{
    size_t k = a->group_count;
    size_t total = a->margins == MARGINS_CUBE ? ((size_t)1 << k) - 1 : k;
    char **masks = xmalloc((total + 1) * sizeof(char *));
    for (size_t m = 0; m < total; m++) {
        masks[m] = xmalloc(k + 1);
        for (size_t i = 0; i < k; i++) {
            bool totalled = a->margins == MARGINS_CUBE ? ((m + 1) >> i) & 1 : i >= k - 1 - m;
            masks[m][i] = totalled ? 't' : 'g';
        }
        masks[m][k] = '\0';
    }
    *count = total;
    return masks;
}

/* The key of DETAIL's margin under MASK into a->key; its length. */
static size_t margin_key(aggregate *a, const cell *detail, const char *mask)
{
    reserve_key(a, cell_key_length(detail));
    memcpy(a->key, mask, a->group_count);
    const char *from = cell_key(detail) + a->group_count;
    char *to = a->key + a->group_count;
    for (size_t i = 0; i < a->group_count; i++) {
        size_t length = strlen(from);
        if (mask[i] == 'g') {
            memcpy(to, from, length);
            to += length;
        }
        *to++ = '\0';
        from += length + 1;
    }
    return (size_t)(to - a->key);
}

void add_margins(aggregate *a)
{
    size_t count = HASH_COUNT(a->cells);
    cell **details = xmalloc((count + 1) * sizeof(cell *));
    size_t n = 0;
    for (cell *c = a->cells; c; c = c->hh.next)
        details[n++] = c;
    size_t mask_count;
    char **masks = margin_masks(a, &mask_count);
    cell **targets = xmalloc((n + 1) * sizeof(cell *));
    for (size_t m = 0; m < mask_count; m++) {
        for (size_t d = 0; d < n; d++) {
            size_t length = margin_key(a, details[d], masks[m]);
            targets[d] = find_cell(a, a->key, length);
        }
        statistics_merge_projected(&a->stats, targets, details, n);
        free(masks[m]);
    }
    free(masks);
    free(targets);
    free(details);
}
