/* output.c: writing aggregate's table (output.h). Cells are sorted by a radix sort on a prefix
 * of their keys, as millions of groups would otherwise cost n log n reads of scattered cells. */
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "partial.h"
#include "radix.h"

char **column_names(const aggregate *a, bool partial, size_t *count)
{
    size_t capacity = a->group_count + 1;
    for (size_t i = 0; i < a->stats.count; i++) {
        const statistic *s = &a->stats.items[i];
        capacity += partial ? statistic_kinds[s->kind].part_count : statistic_kinds[s->kind].result_names(s, NULL);
    }
    char **names = xmalloc(capacity * sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < a->group_count; i++)
        names[n++] = xstrdup(a->group_columns[i]);
    if (partial)
        names[n++] = partial_marker(a->margins != MARGINS_NONE ? a->margins : a->partial_margins);
    for (size_t i = 0; i < a->stats.count; i++) {
        const statistic *s = &a->stats.items[i];
        n += partial ? partial_state_names(s, names + n) : statistic_kinds[s->kind].result_names(s, names + n);
    }
    *count = n;
    return names;
}

void free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

static void write_header(aggregate *a)
{
    size_t n;
    char **names = column_names(a, a->partial, &n);
    koppel_open_output(&a->ctx, names, n);
    free_names(names, n);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* --order natural: P and Q compared run by run, a run of digits as the whole number it writes
 * (leading zeros aside), any other byte by its value; equal so far, the shorter first. Values
 * equal in this order (05 and 5) are then ordered by their bytes. */
static int compare_natural(const char *p, const char *q)
{
    const char *x = p, *y = q;
    while (*x && *y) {
        if (!is_digit(*x) || !is_digit(*y)) {
            if (*x != *y)
                return (unsigned char)*x < (unsigned char)*y ? -1 : 1;
            x++, y++;
            continue;
        }
        while (*x == '0')
            x++;
        while (*y == '0')
            y++;
        size_t dx = 0, dy = 0;
        while (is_digit(x[dx]))
            dx++;
        while (is_digit(y[dy]))
            dy++;
        if (dx != dy) /* more significant digits: a larger number */
            return dx < dy ? -1 : 1;
        int order = memcmp(x, y, dx);
        if (order)
            return order;
        x += dx, y += dy;
    }
    if (*x || *y)
        return *x ? 1 : -1;
    return strcmp(p, q);
}

/* Cells in output order: per group column the mask byte ('g' before 't'), then the value's
 * bytes (strcmp compares as unsigned char; empty sorts first), or its natural order. */
static int compare_cells(const aggregate *a, const cell *x, const cell *y)
{
    const char *p = cell_key(x) + a->group_count, *q = cell_key(y) + a->group_count;
    for (size_t i = 0; i < a->group_count; i++) {
        if (cell_key(x)[i] != cell_key(y)[i])
            return cell_key(x)[i] < cell_key(y)[i] ? -1 : 1;
        int order = a->natural_order ? compare_natural(p, q) : strcmp(p, q);
        if (order)
            return order;
        p += strlen(p) + 1;
        q += strlen(q) + 1;
    }
    return 0;
}

/* For sorting: the first 8 bytes of a cell's key as it orders (for each group column its
 * flag, its value and a NUL), big-endian, so that most comparisons need not read the cell. */
typedef struct sort_entry {
    uint64_t prefix;
    const cell *c;
} sort_entry;

static uint64_t sort_prefix(const aggregate *a, const cell *c)
{
    unsigned char bytes[8] = {0};
    size_t n = 0;
    const char *value = cell_key(c) + a->group_count;
    for (size_t i = 0; i < a->group_count && n < sizeof bytes; i++) {
        bytes[n++] = (unsigned char)cell_key(c)[i];
        while (*value && n < sizeof bytes)
            bytes[n++] = (unsigned char)*value++;
        value += strlen(value) + 1;
        if (n < sizeof bytes)
            bytes[n++] = '\0';
    }
    uint64_t prefix = 0;
    for (size_t i = 0; i < sizeof bytes; i++)
        prefix = prefix << 8 | bytes[i];
    return prefix;
}

static int compare_sorted(const void *left, const void *right, void *context)
{
    const sort_entry *x = left, *y = right;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    return compare_cells(context, x->c, y->c);
}

/* One pass of the radix sort: FROM into TO by the byte at SHIFT; false (nothing moved) when
 * all prefixes share that byte. */
static bool radix_pass(const sort_entry *from, sort_entry *to, size_t n, unsigned shift)
{
    size_t counts[256] = {0};
    for (size_t i = 0; i < n; i++)
        counts[(from[i].prefix >> shift) & 0xff]++;
    if (counts[(from[0].prefix >> shift) & 0xff] == n)
        return false;
    radix_counts_to_positions(counts, 256);
    for (size_t i = 0; i < n; i++)
        to[counts[(from[i].prefix >> shift) & 0xff]++] = from[i];
    return true;
}

/* Sort the cells: by the prefix first, a byte at a time from the last (radix sort), then each
 * run of equal prefixes by the whole key. */
static void sort_entries(aggregate *a, sort_entry *entries, size_t n)
{
    if (n < 256 || a->natural_order) { /* natural: the prefixes are all 0, qsort does it all */
        qsort_r(entries, n, sizeof *entries, compare_sorted, a);
        return;
    }
    sort_entry *other = large_allocate(n * sizeof *other);
    if (!other)
        message_die_nomem();
    sort_entry *from = entries, *to = other;
    for (unsigned shift = 0; shift < 64; shift += 8)
        if (radix_pass(from, to, n, shift)) {
            sort_entry *swap = from;
            from = to;
            to = swap;
        }
    if (from != entries)
        memcpy(entries, from, n * sizeof *entries);
    free(other);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && entries[j].prefix == entries[i].prefix)
            j++;
        if (j - i > 1)
            qsort_r(entries + i, j - i, sizeof *entries, compare_sorted, a);
        i = j;
    }
}

/* The cells to write, in order; *COUNT gets how many. Cells below --min-count are counted. */
static sort_entry *sorted_cells(aggregate *a, size_t *count)
{
    sort_entry *entries = large_allocate((HASH_COUNT(a->cells) + 1) * sizeof *entries);
    if (!entries)
        message_die_nomem();
    size_t n = 0;
    for (cell *c = a->cells; c; c = c->hh.next) {
        statistics_survey(&a->stats, c);
        if (c->records < a->min_count) {
            a->below_min += !is_total(a, c);
            continue;
        }
        entries[n++] = (sort_entry){a->natural_order ? 0 : sort_prefix(a, c), c};
    }
    sort_entries(a, entries, n);
    *count = n;
    return entries;
}

static void write_group_values(aggregate *a, const cell *c)
{
    const char *value = cell_key(c) + a->group_count;
    for (size_t i = 0; i < a->group_count; i++) {
        size_t length = strlen(value);
        if (cell_key(c)[i] == 't')
            record_writer_field_str(a->ctx.out, a->label);
        else
            record_writer_field(a->ctx.out, value, length);
        value += length + 1;
    }
}

void write_cells(aggregate *a)
{
    size_t n;
    sort_entry *entries = sorted_cells(a, &n);
    write_header(a);
    text_buffer buffer = {0};
    enum { AHEAD = 16 };
    for (size_t j = 0; j < n; j++) {
        const cell *c = entries[j].c;
        if (j + AHEAD < n) { /* cells in sorted order lie anywhere in memory: ask for them early */
            const char *later = (const char *)entries[j + AHEAD].c;
            __builtin_prefetch(later);
            __builtin_prefetch(later + sizeof(cell) + a->stats.state_size); /* the key */
        }
        write_group_values(a, c);
        if (a->partial)
            partial_write_cell(a, c, &buffer);
        else
            statistics_write_results(a->ctx.out, &a->stats, c);
        record_writer_end(a->ctx.out);
    }
    free(buffer.text);
    free(entries);
}
