/* statistics.c: each statistic of aggregate as one unit (its state, update, merge, result,
 * partial state) and the table that registers them, statistic_kinds. */
#include <math.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distinct_sets.h"
#include "exact_sum.h"
#include "statistics.h"

/* ---------------------------------------------------------------- shared by the units */

char *concatenate(const char *first, const char *second, const char *third)
{
    size_t length = strlen(first) + strlen(second) + strlen(third) + 1;
    char *result = xmalloc(length);
    snprintf(result, length, "%s%s%s", first, second, third);
    return result;
}

static void text_reserve(text_buffer *buffer, size_t extra)
{
    if (buffer->length + extra + 1 <= buffer->capacity)
        return;
    while (buffer->capacity < buffer->length + extra + 1)
        buffer->capacity = buffer->capacity ? buffer->capacity * 2 : 256;
    buffer->text = xrealloc(buffer->text, buffer->capacity);
}

static void text_append(text_buffer *buffer, const char *text, size_t length)
{
    text_reserve(buffer, length);
    memcpy(buffer->text + buffer->length, text, length);
    buffer->length += length;
    buffer->text[buffer->length] = '\0';
}

static void write_empty(record_writer *out) { record_writer_field(out, "", 0); }

static void write_uint(record_writer *out, uint64_t value)
{
    char buffer[32];
    int length = snprintf(buffer, sizeof buffer, "%llu", (unsigned long long)value);
    record_writer_field(out, buffer, (size_t)length);
}

/* A result as a double; NOTE says what overflowed besides the result itself. */
static void write_double_noted(record_writer *out, const statistic *s, double value, const char *note)
{
    char buffer[32];
    if (!isfinite(value))
        message_die(EXIT_DATA, "column '%s': the %s of a group overflows the range of doubles (about 1.8e308%s)",
                    s->output_name, statistic_kinds[s->kind].prefix, note);
    record_writer_field(out, buffer, number_format_double(value, buffer));
}

static void write_double(record_writer *out, const statistic *s, double value)
{
    write_double_noted(out, s, value, "");
}

static void write_exact_sum(record_writer *out, const exact_sum *sum, text_buffer *buffer)
{
    buffer->length = 0;
    text_reserve(buffer, exact_sum_format_length(sum));
    buffer->length = exact_sum_format(sum, buffer->text);
    record_writer_field(out, buffer->text, buffer->length);
}

static void write_number(record_writer *out, const number *value)
{
    char buffer[48];
    record_writer_field(out, buffer, value ? number_format(*value, buffer) : 0);
}

/* Partial states of a count and two exact sums (sd, weighted): false names the bad part. */
static bool parse_count_and_sums(char *const *fields, const size_t *lengths, uint64_t *n, exact_sum *first,
                                 exact_sum *second, size_t *bad)
{
    if (!parse_count(fields[0], lengths[0], n))
        return false;
    *bad = 1;
    if (!exact_sum_parse(fields[1], lengths[1], first))
        return false;
    *bad = 2;
    return exact_sum_parse(fields[2], lengths[2], second);
}

static void write_count_and_sums(record_writer *out, uint64_t n, const exact_sum *first, const exact_sum *second,
                                 text_buffer *buffer)
{
    write_uint(out, n);
    write_exact_sum(out, first, buffer);
    write_exact_sum(out, second, buffer);
}

static void require_column(stat_kind kind, const char *argument, const koppel_context *ctx)
{
    if (*argument == '\0')
        koppel_usage_error(ctx, "%s needs a column name", statistic_kinds[kind].option);
}

static void from_column(statistic_set *set, stat_kind kind, const char *argument, const koppel_context *ctx)
{
    require_column(kind, argument, ctx);
    statistic_set_add(set, kind, argument);
}

static size_t single_result_name(const statistic *s, char **names)
{
    if (names)
        names[0] = xstrdup(s->output_name);
    return 1;
}

static size_t no_state(const statistic *s)
{
    (void)s;
    return 0;
}

/* ---------------------------------------------------------------- --count */

static void count_from_option(statistic_set *set, stat_kind kind, const char *argument, const koppel_context *ctx)
{
    (void)argument, (void)ctx;
    statistic_set_add(set, kind, NULL);
}

static void count_write(record_writer *out, const statistic *s, const cell *c)
{
    (void)s;
    write_uint(out, c->records);
}

static void count_write_state(record_writer *out, const statistic *s, const cell *c, text_buffer *buffer)
{
    (void)buffer;
    count_write(out, s, c);
}

static bool count_parse_state(statistic *s, cell *scratch, char *const *fields, const size_t *lengths, size_t *bad)
{
    (void)s, (void)bad;
    return parse_count(fields[0], lengths[0], &scratch->records);
}

/* ---------------------------------------------------------------- --count-values */

typedef struct count_state {
    uint64_t n;
} count_state;

static size_t count_values_size(const statistic *s)
{
    (void)s;
    return sizeof(count_state);
}

static void count_values_update(statistic *s, cell *c, const record_values *row)
{
    (void)row;
    ((count_state *)cell_state(c, s))->n++;
}

static void count_values_merge(statistic *s, cell *target, const cell *source)
{
    ((count_state *)cell_state(target, s))->n += ((const count_state *)cell_state(source, s))->n;
}

static void count_values_write(record_writer *out, const statistic *s, const cell *c)
{
    write_uint(out, ((const count_state *)cell_state(c, s))->n);
}

static void count_values_write_state(record_writer *out, const statistic *s, const cell *c, text_buffer *buffer)
{
    (void)buffer;
    count_values_write(out, s, c);
}

static bool count_values_parse_state(statistic *s, cell *scratch, char *const *fields, const size_t *lengths,
                                     size_t *bad)
{
    (void)bad;
    return parse_count(fields[0], lengths[0], &((count_state *)cell_state(scratch, s))->n);
}

/* ---------------------------------------------------------------- --count-distinct */

/* A cell's set is its members in the statistic's distinct_sets (distinct_sets.h): the pairs
 * of its id and a value's id. Most sets in register data hold one value (one practice per
 * patient): a set's first member is only appended to a list of first members (written in
 * order, never looked up), and goes into the table with the second. */
typedef struct distinct_state {
    uint32_t id;     /* the cell's id + 1 (0: no value yet) */
    uint32_t last;   /* the id + 1 of the value added last: a repeat is not looked up */
    uint32_t first;  /* the id + 1 of the first value */
    uint64_t count;  /* members of the set */
    uint64_t merged; /* counts merged from --split-by partials */
} distinct_state;

typedef struct distinct_sets {
    value_table values;
    pair_set members;         /* of the sets of two or more */
    uint64_t *firsts;         /* every set's first member */
    size_t first_count, first_capacity;
    uint32_t cells;           /* cell ids given */
    uint64_t *details;        /* margins: the members of the finest cells, taken once */
    size_t detail_count;
    uint32_t detail_cells;    /* the finest cells' ids are below it */
    uint64_t *listing;        /* --partial: the members sorted by cell ... */
    size_t *starts;           /* ... and where each cell's begin */
} distinct_sets;

static size_t distinct_size(const statistic *s)
{
    (void)s;
    return sizeof(distinct_state);
}

static distinct_sets *sets_of(statistic *s)
{
    if (!s->sets) {
        s->sets = xcalloc(1, sizeof(distinct_sets));
        value_table_init(&s->sets->values, s->memory);
    }
    return s->sets;
}

static uint32_t cell_id(distinct_sets *sets, distinct_state *state)
{
    if (!state->id) {
        if (sets->cells >= UINT32_MAX - 1)
            message_die(EXIT_DATA, "more than 4 billion groups with distinct counts");
        state->id = ++sets->cells;
    }
    return state->id - 1;
}

/* Add VALUE to the set of STATE, whose id the cell already has. */
static void distinct_add_member(distinct_sets *sets, distinct_state *state, uint32_t value)
{
    uint32_t cell = state->id - 1;
    if (state->count == 0) {
        if (sets->first_count == sets->first_capacity) {
            sets->first_capacity = sets->first_capacity ? sets->first_capacity * 2 : 1024;
            sets->firsts = xrealloc(sets->firsts, sets->first_capacity * sizeof(uint64_t));
        }
        sets->firsts[sets->first_count++] = pair_key(cell, value);
        state->first = value + 1;
        state->count = 1;
        return;
    }
    if (state->count == 1) {
        if (state->first == value + 1)
            return;
        pair_set_add(&sets->members, pair_key(cell, state->first - 1));
    }
    state->count += pair_set_add(&sets->members, pair_key(cell, value));
}

static void distinct_add(distinct_sets *sets, distinct_state *state, uint32_t value)
{
    if (state->last == value + 1)
        return;
    state->last = value + 1;
    cell_id(sets, state);
    distinct_add_member(sets, state, value);
}

/* Every member: those of the table and the first members (some twice), in no order; *N gets
 * how many. */
static uint64_t *distinct_members(const distinct_sets *sets, size_t *n)
{
    uint64_t *members = pair_set_members(&sets->members);
    members = xrealloc(members, (sets->members.count + sets->first_count + 1) * sizeof(uint64_t));
    if (sets->first_count)
        memcpy(members + sets->members.count, sets->firsts, sets->first_count * sizeof(uint64_t));
    *n = sets->members.count + sets->first_count;
    return members;
}

static void distinct_insert(statistic *s, cell *c, const char *text, size_t length)
{
    distinct_sets *sets = sets_of(s);
    uint32_t value = value_table_intern(&sets->values, text, length, value_hash(text, length));
    distinct_add(sets, cell_state(c, s), value);
}

enum { DISTINCT_ROUND = 32 };

/* The records of a batch in rounds: the values' slots are prefetched, then the values
 * interned and the members' slots prefetched, then the members added, so that the cache
 * misses of a round overlap instead of following each other. */
static void distinct_update_batch(statistic *s, cell *const *cells, const record_values *rows, size_t count)
{
    distinct_sets *sets = sets_of(s);
    for (size_t first = 0; first < count; first += DISTINCT_ROUND) {
        size_t n = count - first < DISTINCT_ROUND ? count - first : DISTINCT_ROUND;
        uint32_t hashes[DISTINCT_ROUND], values[DISTINCT_ROUND];
        bool add[DISTINCT_ROUND], repeat[DISTINCT_ROUND];
        for (size_t i = 0; i < n; i++) {
            const record_values *row = &rows[first + i];
            if (!row->present[s->slot])
                continue;
            /* the value its cell had last (a patient's one practice): nothing to look up */
            const distinct_state *state = cell_state(cells[first + i], s);
            size_t length = row->text_lengths[s->slot];
            const value_text *last = state->last ? &sets->values.values[state->last - 1] : NULL;
            repeat[i] = last && last->length == length && memcmp(last->text, row->texts[s->slot], length) == 0;
            if (repeat[i])
                continue;
            hashes[i] = value_hash(row->texts[s->slot], length);
            __builtin_prefetch(value_table_slot(&sets->values, hashes[i]));
        }
        for (size_t i = 0; i < n; i++) {
            const record_values *row = &rows[first + i];
            add[i] = false;
            if (!row->present[s->slot] || repeat[i])
                continue;
            uint32_t value = value_table_intern(&sets->values, row->texts[s->slot], row->text_lengths[s->slot],
                                                hashes[i]);
            distinct_state *state = cell_state(cells[first + i], s);
            if (state->last == value + 1)
                continue;
            state->last = value + 1;
            values[i] = value;
            add[i] = true;
            const void *slot = pair_set_slot(&sets->members, pair_key(cell_id(sets, state), value));
            if (slot && state->count > 0)
                __builtin_prefetch(slot);
        }
        for (size_t i = 0; i < n; i++)
            if (add[i])
                distinct_add_member(sets, cell_state(cells[first + i], s), values[i]);
    }
}

/* Not on the path of margins (distinct_merge_projected) nor of merged partial rows (whose
 * scratch cell has no members): a source with members is found by a walk over all members. */
static void distinct_merge(statistic *s, cell *target, const cell *source)
{
    const distinct_state *from = cell_state(source, s);
    distinct_state *to = cell_state(target, s);
    to->merged += from->merged;
    if (from->count == 0)
        return;
    distinct_sets *sets = sets_of(s);
    size_t n;
    uint64_t *members = distinct_members(sets, &n);
    for (size_t i = 0; i < n; i++)
        if (pair_cell(members[i]) == from->id - 1) {
            to->last = 0;
            distinct_add(sets, to, pair_value(members[i]));
        }
    free(members);
}

/* TARGETS[d]'s sets are the unions of SOURCES[d]'s (the finest cells, TARGETS new and empty):
 * the sources' members, their cell ids replaced by their targets', are sorted and counted
 * once each. With --partial they go into the table as well, as the sets are written. */
static void distinct_merge_projected(statistic *s, cell *const *targets, cell *const *sources, size_t n)
{
    distinct_sets *sets = sets_of(s);
    if (!sets->details) {
        sets->details = distinct_members(sets, &sets->detail_count);
        sets->detail_cells = sets->cells;
        if (!s->keep_margin_sets) { /* only counts are written: the groups' counts are made */
            pair_set_free(&sets->members);
            free(sets->firsts);
            sets->firsts = NULL;
            sets->first_count = sets->first_capacity = 0;
        }
    }
    /* Arrays as long as the finest cells and this margin's, not all cells: a cube of many
     * columns has many margins. The targets' ids (new) are from FIRST_TARGET on. */
    size_t source_limit = sets->detail_cells;
    uint32_t first_target = sets->cells;
    uint32_t *target_of = xmalloc((source_limit + 1) * sizeof(uint32_t));
    memset(target_of, 0xFF, (source_limit + 1) * sizeof(uint32_t));
    for (size_t d = 0; d < n; d++) {
        distinct_state *from = cell_state(sources[d], s), *to = cell_state(targets[d], s);
        to->merged += from->merged;
        if (from->id && from->id - 1 < source_limit)
            target_of[from->id - 1] = cell_id(sets, to);
    }
    unsigned value_bits = bits_for(sets->values.count);
    uint64_t *projected = large_allocate((sets->detail_count + 1) * sizeof(uint64_t));
    if (!projected)
        message_die_nomem();
    size_t k = 0;
    for (size_t i = 0; i < sets->detail_count; i++) {
        uint32_t cell = pair_cell(sets->details[i]);
        if (cell < source_limit && target_of[cell] != UINT32_MAX)
            projected[k++] = (uint64_t)(target_of[cell] - first_target) << value_bits | pair_value(sets->details[i]);
    }
    free(target_of);
    uint32_t target_count = sets->cells - first_target;
    sort_keys(projected, k, value_bits + bits_for(target_count));
    uint64_t *counts = xcalloc((size_t)target_count + 1, sizeof(uint64_t));
    uint64_t value_mask = ((uint64_t)1 << value_bits) - 1;
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && projected[i] == projected[i - 1])
            continue;
        uint32_t cell = (uint32_t)(projected[i] >> value_bits);
        counts[cell]++;
        if (s->keep_margin_sets)
            pair_set_add(&sets->members, pair_key(first_target + cell, (uint32_t)(projected[i] & value_mask)));
    }
    free(projected);
    for (size_t d = 0; d < n; d++) {
        distinct_state *to = cell_state(targets[d], s);
        if (to->id && to->id - 1 >= first_target)
            to->count = counts[to->id - 1 - first_target];
    }
    free(counts);
}

static void distinct_write(record_writer *out, const statistic *s, const cell *c)
{
    const distinct_state *state = cell_state(c, s);
    write_uint(out, state->count + state->merged);
}

/* All members sorted by cell (then value id), and where each cell's begin: for writing the
 * sets of --partial. */
static void distinct_list(distinct_sets *sets)
{
    size_t all, n = 0;
    sets->listing = distinct_members(sets, &all);
    sort_keys(sets->listing, all, 32 + bits_for(sets->cells));
    for (size_t i = 0; i < all; i++)
        if (n == 0 || sets->listing[i] != sets->listing[n - 1])
            sets->listing[n++] = sets->listing[i];
    sets->starts = xcalloc((size_t)sets->cells + 2, sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        sets->starts[pair_cell(sets->listing[i]) + 1]++;
    for (size_t c = 0; c < sets->cells; c++)
        sets->starts[c + 1] += sets->starts[c];
}

static int compare_values(const void *left, const void *right)
{
    const value_text *x = *(const value_text *const *)left, *y = *(const value_text *const *)right;
    size_t common = x->length < y->length ? x->length : y->length;
    int order = memcmp(x->text, y->text, common);
    return order ? order : (x->length > y->length) - (x->length < y->length);
}

/* The set of a cell's distinct values as LENGTH:VALUE pieces, sorted by bytes; with --split-by
 * only the count. */
static void distinct_write_state(record_writer *out, const statistic *s, const cell *c, text_buffer *buffer)
{
    const distinct_state *state = cell_state(c, s);
    if (s->disjoint) {
        write_uint(out, state->count + state->merged);
        return;
    }
    buffer->length = 0;
    if (state->id && s->sets) {
        distinct_sets *sets = s->sets;
        if (!sets->listing)
            distinct_list(sets);
        size_t first = sets->starts[state->id - 1], n = sets->starts[state->id] - first;
        const value_text **values = xmalloc((n + 1) * sizeof(value_text *));
        for (size_t i = 0; i < n; i++)
            values[i] = &sets->values.values[pair_value(sets->listing[first + i])];
        qsort(values, n, sizeof *values, compare_values);
        for (size_t i = 0; i < n; i++) {
            char length[24];
            int digits = snprintf(length, sizeof length, "%u:", values[i]->length);
            text_append(buffer, length, (size_t)digits);
            text_append(buffer, values[i]->text, values[i]->length);
        }
        free(values);
    }
    record_writer_field(out, buffer->text ? buffer->text : "", buffer->length);
}

static void distinct_free(statistic *s)
{
    if (!s->sets)
        return;
    value_table_free(&s->sets->values);
    pair_set_free(&s->sets->members);
    free(s->sets->details);
    free(s->sets->firsts);
    free(s->sets->listing);
    free(s->sets->starts);
    free(s->sets);
    s->sets = NULL;
}

/* LENGTH:VALUE pieces; with TARGET, each value goes into its set. */
static bool parse_distinct_set(statistic *s, cell *target, const char *text, size_t length)
{
    size_t p = 0;
    while (p < length) {
        size_t value_length = 0, digits = 0;
        while (p < length && text[p] >= '0' && text[p] <= '9' && digits < 10) {
            value_length = value_length * 10 + (size_t)(text[p++] - '0');
            digits++;
        }
        if (digits == 0 || p >= length || text[p] != ':' || value_length == 0 || value_length > length - p - 1)
            return false;
        p++;
        if (target)
            distinct_insert(s, target, text + p, value_length);
        p += value_length;
    }
    return true;
}

/* The values are only checked here: they go into the target itself (distinct_merge_fields). */
static bool distinct_parse_state(statistic *s, cell *scratch, char *const *fields, const size_t *lengths,
                                 size_t *bad)
{
    (void)bad;
    if (s->disjoint)
        return parse_count(fields[0], lengths[0], &((distinct_state *)cell_state(scratch, s))->merged);
    return parse_distinct_set(s, NULL, fields[0], lengths[0]);
}

static void distinct_merge_fields(statistic *s, cell *target, char *const *fields, const size_t *lengths)
{
    if (!s->disjoint)
        parse_distinct_set(s, target, fields[0], lengths[0]);
}

/* ---------------------------------------------------------------- --sum and --mean */

typedef struct sum_state {
    exact_int integer_sum;
    exact_sum real_sum;
    uint64_t n;
    bool has_real;
} sum_state;

static size_t sum_size(const statistic *s)
{
    (void)s;
    return sizeof(sum_state);
}

static void sum_update(statistic *s, cell *c, const record_values *row)
{
    sum_state *state = cell_state(c, s);
    number value = row->values[s->slot];
    state->n++;
    if (value.is_integer)
        state->integer_sum += value.v.integer;
    else {
        state->has_real = true;
        exact_sum_add(&state->real_sum, value.v.real);
    }
}

static void sum_merge(statistic *s, cell *target, const cell *source)
{
    sum_state *t = cell_state(target, s);
    const sum_state *f = cell_state(source, s);
    t->n += f->n;
    t->integer_sum += f->integer_sum;
    t->has_real |= f->has_real;
    exact_sum_add_sum(&t->real_sum, &f->real_sum);
}

static void sum_clear(void *state) { exact_sum_free(&((sum_state *)state)->real_sum); }

/* Whole numbers or not is a property of the column: decided over every cell. */
static void sum_survey(statistic *s, const void *state) { s->any_real |= ((const sum_state *)state)->has_real; }

/* The exact sum of the state divided by DIVISOR, rounded once (1: the sum). */
static double sum_total(const sum_state *state, double divisor)
{
    exact_sum total = EXACT_SUM_INIT;
    exact_sum_add_sum(&total, &state->real_sum);
    exact_sum_add_int(&total, state->integer_sum);
    double result = divisor == 1 ? exact_sum_round(&total) : exact_sum_quotient(&total, divisor);
    exact_sum_free(&total);
    return result;
}

static void sum_write(record_writer *out, const statistic *s, const cell *c)
{
    const sum_state *sum = cell_state(c, s);
    char buffer[48];
    if (sum->n == 0)
        write_empty(out);
    else if (s->any_real)
        write_double(out, s, sum_total(sum, 1));
    else
        record_writer_field(out, buffer, exact_int_format(sum->integer_sum, buffer));
}

static void mean_write(record_writer *out, const statistic *s, const cell *c)
{
    const sum_state *sum = cell_state(c, s);
    if (sum->n == 0)
        write_empty(out);
    else
        write_double(out, s, sum_total(sum, (double)sum->n));
}

static void sum_write_state(record_writer *out, const statistic *s, const cell *c, text_buffer *buffer)
{
    const sum_state *sum = cell_state(c, s);
    char number_text[48];
    write_uint(out, sum->n);
    record_writer_field(out, number_text, exact_int_format(sum->integer_sum, number_text));
    if (!sum->has_real)
        write_empty(out);
    else if (sum->real_sum.count == 0)
        record_writer_field(out, "0", 1);
    else
        write_exact_sum(out, &sum->real_sum, buffer);
}

static bool sum_parse_state(statistic *s, cell *scratch, char *const *fields, const size_t *lengths, size_t *bad)
{
    sum_state *sum = cell_state(scratch, s);
    if (!parse_count(fields[0], lengths[0], &sum->n))
        return false;
    *bad = 1;
    if (!exact_int_parse(fields[1], lengths[1], &sum->integer_sum))
        return false;
    *bad = 2;
    sum->has_real = lengths[2] > 0;
    return exact_sum_parse(fields[2], lengths[2], &sum->real_sum);
}

/* ---------------------------------------------------------------- --sumsq */

/* The sum of the squares, in the state of --sum: a whole number below 2^32 in magnitude has
 * a square below 2^64, which the 128-bit sum takes 2^63 times over; a larger whole number's
 * square (exact in 128 bits) and the square of a decimal (exact with fma) go to the exact
 * sum of doubles. So the sum is exact, merges exactly, and is written as a whole number
 * while the column holds only whole numbers whose squares all fit the 128-bit sum. */
static void sumsq_update(statistic *s, cell *c, const record_values *row)
{
    sum_state *state = cell_state(c, s);
    number value = row->values[s->slot];
    state->n++;
    if (value.is_integer && value.v.integer > -4294967296LL && value.v.integer < 4294967296LL)
        state->integer_sum += (exact_int)value.v.integer * value.v.integer;
    else if (value.is_integer) {
        state->has_real = true;
        exact_sum_add_int(&state->real_sum, (exact_int)value.v.integer * value.v.integer);
    } else {
        state->has_real = true;
        exact_sum_add_product(&state->real_sum, value.v.real, value.v.real);
    }
}

/* ---------------------------------------------------------------- --min and --max */

typedef struct extreme_state {
    number value;
    bool has;
} extreme_state;

static size_t extreme_size(const statistic *s)
{
    (void)s;
    return sizeof(extreme_state);
}

/* DIRECTION: -1 keeps the smallest value, 1 the largest. */
static void extreme_update(extreme_state *state, number value, int direction)
{
    if (!state->has || number_rank(value, state->value) * direction > 0) {
        state->value = value;
        state->has = true;
    }
}

static void min_update(statistic *s, cell *c, const record_values *row)
{
    extreme_update(cell_state(c, s), row->values[s->slot], -1);
}

static void max_update(statistic *s, cell *c, const record_values *row)
{
    extreme_update(cell_state(c, s), row->values[s->slot], 1);
}

static void min_merge(statistic *s, cell *target, const cell *source)
{
    const extreme_state *from = cell_state(source, s);
    if (from->has)
        extreme_update(cell_state(target, s), from->value, -1);
}

static void max_merge(statistic *s, cell *target, const cell *source)
{
    const extreme_state *from = cell_state(source, s);
    if (from->has)
        extreme_update(cell_state(target, s), from->value, 1);
}

static void extreme_write(record_writer *out, const statistic *s, const cell *c)
{
    const extreme_state *extreme = cell_state(c, s);
    write_number(out, extreme->has ? &extreme->value : NULL);
}

static void extreme_write_state(record_writer *out, const statistic *s, const cell *c, text_buffer *buffer)
{
    (void)buffer;
    extreme_write(out, s, c);
}

static bool extreme_parse_state(statistic *s, cell *scratch, char *const *fields, const size_t *lengths,
                                size_t *bad)
{
    extreme_state *extreme = cell_state(scratch, s);
    (void)bad;
    extreme->has = lengths[0] > 0;
    return !extreme->has || number_parse(fields[0], lengths[0], &extreme->value);
}

/* ---------------------------------------------------------------- --sd */

typedef struct sd_state {
    exact_sum sum, squares;
    uint64_t n;
} sd_state;

static size_t sd_size(const statistic *s)
{
    (void)s;
    return sizeof(sd_state);
}

/* A whole number of 2^53 or more in magnitude is X, its nearest double, plus REST: the sum
 * gets both, the squares i^2 = x^2 + 2*x*rest + rest^2, all exactly. Out of line: the common
 * case pays one comparison. */
__attribute__((noinline)) static void sd_add_large_integer(sd_state *state, int64_t integer, double x)
{
    double rest = (double)((__int128)integer - (__int128)x); /* |rest| <= 2^10: exact */
    state->n++;
    exact_sum_add(&state->sum, x);
    exact_sum_add(&state->sum, rest);
    exact_sum_add_product(&state->squares, x, x);
    exact_sum_add_product(&state->squares, 2 * x, rest);
    exact_sum_add_product(&state->squares, rest, rest);
}

static void sd_update(statistic *s, cell *c, const record_values *row)
{
    sd_state *state = cell_state(c, s);
    number value = row->values[s->slot];
    double x = number_as_double(value);
    if (__builtin_expect(fabs(x) >= 9007199254740992.0, 0) && value.is_integer) {
        sd_add_large_integer(state, value.v.integer, x);
        return;
    }
    state->n++;
    exact_sum_add(&state->sum, x);
    exact_sum_add_product(&state->squares, x, x);
}

static void sd_merge(statistic *s, cell *target, const cell *source)
{
    sd_state *t = cell_state(target, s);
    const sd_state *f = cell_state(source, s);
    t->n += f->n;
    exact_sum_add_sum(&t->sum, &f->sum);
    exact_sum_add_sum(&t->squares, &f->squares);
}

static void sd_clear(void *state)
{
    exact_sum_free(&((sd_state *)state)->sum);
    exact_sum_free(&((sd_state *)state)->squares);
}

static void sd_write(record_writer *out, const statistic *s, const cell *c)
{
    const sd_state *sd = cell_state(c, s);
    if (sd->n < 2)
        write_empty(out);
    else
        write_double_noted(out, s, sqrt(exact_sum_sample_variance(sd->n, &sd->sum, &sd->squares)),
                           ", for the squares of the values");
}

static void sd_write_state(record_writer *out, const statistic *s, const cell *c, text_buffer *buffer)
{
    const sd_state *sd = cell_state(c, s);
    write_count_and_sums(out, sd->n, &sd->sum, &sd->squares, buffer);
}

static bool sd_parse_state(statistic *s, cell *scratch, char *const *fields, const size_t *lengths, size_t *bad)
{
    sd_state *sd = cell_state(scratch, s);
    return parse_count_and_sums(fields, lengths, &sd->n, &sd->sum, &sd->squares, bad);
}

/* ---------------------------------------------------------------- --top */

typedef struct top_state {
    uint32_t count;
    number values[]; /* largest first */
} top_state;

static void top_from_option(statistic_set *set, stat_kind kind, const char *argument, const koppel_context *ctx)
{
    require_column(kind, argument, ctx);
    char *end;
    const char *colon = strchr(argument, ':');
    long count = colon ? strtol(argument, &end, 10) : 0;
    if (!colon || end != colon || count < 1 || count > TOP_LIMIT || colon[1] == '\0' || argument[0] < '0' ||
        argument[0] > '9')
        koppel_usage_error(ctx, "--top expects N:COL with N from 1 to %d, e.g. 2:cost", TOP_LIMIT);
    statistic *s = statistic_set_add(set, kind, colon + 1);
    s->top_count = (size_t)count;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "top%ld_", count);
    free(s->output_name);
    s->output_name = concatenate(prefix, s->column, "");
}

static size_t top_size(const statistic *s) { return sizeof(top_state) + s->top_count * sizeof(number); }

static void top_insert(top_state *state, size_t capacity, number value)
{
    size_t position = state->count;
    while (position > 0 && number_rank(value, state->values[position - 1]) > 0)
        position--;
    if (position >= capacity)
        return;
    size_t last = state->count < capacity ? state->count : capacity - 1;
    memmove(&state->values[position + 1], &state->values[position], (last - position) * sizeof(number));
    state->values[position] = value;
    if (state->count < capacity)
        state->count++;
}

static void top_update(statistic *s, cell *c, const record_values *row)
{
    top_insert(cell_state(c, s), s->top_count, row->values[s->slot]);
}

static void top_merge(statistic *s, cell *target, const cell *source)
{
    const top_state *from = cell_state(source, s);
    for (uint32_t j = 0; j < from->count; j++)
        top_insert(cell_state(target, s), s->top_count, from->values[j]);
}

/* top1_COL ... topN_COL */
static size_t top_result_names(const statistic *s, char **names)
{
    for (size_t j = 1; names && j <= s->top_count; j++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "top%zu_", j);
        names[j - 1] = concatenate(prefix, s->column, "");
    }
    return s->top_count;
}

static void top_write(record_writer *out, const statistic *s, const cell *c)
{
    const top_state *top = cell_state(c, s);
    for (size_t j = 0; j < s->top_count; j++)
        write_number(out, j < top->count ? &top->values[j] : NULL);
}

/* The values, largest first, separated by spaces. */
static void top_write_state(record_writer *out, const statistic *s, const cell *c, text_buffer *buffer)
{
    const top_state *top = cell_state(c, s);
    char number_text[48];
    buffer->length = 0;
    for (uint32_t j = 0; j < top->count; j++) {
        if (j)
            text_append(buffer, " ", 1);
        text_append(buffer, number_text, number_format(top->values[j], number_text));
    }
    record_writer_field(out, buffer->text ? buffer->text : "", buffer->length);
}

static bool top_parse_state(statistic *s, cell *scratch, char *const *fields, const size_t *lengths, size_t *bad)
{
    top_state *top = cell_state(scratch, s);
    const char *text = fields[0];
    size_t length = lengths[0], start = 0;
    (void)bad;
    if (length == 0)
        return true;
    for (size_t i = 0; i <= length; i++) {
        if (i < length && text[i] != ' ')
            continue;
        number value;
        if (top->count >= s->top_count || !number_parse(text + start, i - start, &value))
            return false;
        top_insert(top, s->top_count, value);
        start = i + 1;
    }
    return true;
}

/* ---------------------------------------------------------------- --weighted-sum and --weighted-mean */

typedef struct weighted_state {
    exact_sum products, weights;
    uint64_t n;
} weighted_state;

static void weighted_from_option(statistic_set *set, stat_kind kind, const char *argument,
                                 const koppel_context *ctx)
{
    require_column(kind, argument, ctx);
    const char *colon = strrchr(argument, ':');
    if (!colon || colon == argument || colon[1] == '\0')
        koppel_usage_error(ctx, "%s expects COL:WEIGHT, e.g. contacts:weight", statistic_kinds[kind].option);
    char *column = xstrndup(argument, (size_t)(colon - argument));
    statistic *s = statistic_set_add(set, kind, column);
    s->weight = xstrdup(colon + 1);
    free(column);
}

static size_t weighted_size(const statistic *s)
{
    (void)s;
    return sizeof(weighted_state);
}

/* Records with both a value and a weight. */
static void weighted_update(statistic *s, cell *c, const record_values *row)
{
    if (!row->present[s->weight_slot])
        return;
    weighted_state *state = cell_state(c, s);
    double x = number_as_double(row->values[s->slot]), weight = number_as_double(row->values[s->weight_slot]);
    state->n++;
    exact_sum_add_product(&state->products, x, weight);
    exact_sum_add(&state->weights, weight);
}

static void weighted_merge(statistic *s, cell *target, const cell *source)
{
    weighted_state *t = cell_state(target, s);
    const weighted_state *f = cell_state(source, s);
    t->n += f->n;
    exact_sum_add_sum(&t->products, &f->products);
    exact_sum_add_sum(&t->weights, &f->weights);
}

static void weighted_clear(void *state)
{
    exact_sum_free(&((weighted_state *)state)->products);
    exact_sum_free(&((weighted_state *)state)->weights);
}

static void weighted_sum_write(record_writer *out, const statistic *s, const cell *c)
{
    const weighted_state *weighted = cell_state(c, s);
    if (weighted->n == 0)
        write_empty(out);
    else
        write_double(out, s, exact_sum_round(&weighted->products));
}

static void weighted_mean_write(record_writer *out, const statistic *s, const cell *c)
{
    const weighted_state *weighted = cell_state(c, s);
    double weights = exact_sum_round(&weighted->weights);
    if (weighted->n == 0 || weights == 0)
        write_empty(out);
    else
        write_double(out, s, exact_sum_round(&weighted->products) / weights);
}

static void weighted_write_state(record_writer *out, const statistic *s, const cell *c, text_buffer *buffer)
{
    const weighted_state *weighted = cell_state(c, s);
    write_count_and_sums(out, weighted->n, &weighted->products, &weighted->weights, buffer);
}

static bool weighted_parse_state(statistic *s, cell *scratch, char *const *fields, const size_t *lengths,
                                 size_t *bad)
{
    weighted_state *weighted = cell_state(scratch, s);
    return parse_count_and_sums(fields, lengths, &weighted->n, &weighted->products, &weighted->weights, bad);
}

/* ---------------------------------------------------------------- the table */

#define PARTS(...) .parts = {__VA_ARGS__}, .part_count = sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)

/* Sum, mean and sum of squares share their state, as do min and max and the two weighted
 * statistics. */
const statistic_kind statistic_kinds[STAT_KINDS] = {
    [STAT_COUNT] = {.option = "--count", .prefix = "count", PARTS("n"), .use = COLUMN_NONE,
                    .from_option = count_from_option, .state_size = no_state,
                    .result_names = single_result_name, .write_result = count_write,
                    .write_state = count_write_state, .parse_state = count_parse_state},
    [STAT_COUNT_VALUES] = {.option = "--count-values", .prefix = "n", PARTS("n"), .use = COLUMN_PRESENCE,
                           .from_option = from_column, .state_size = count_values_size,
                           .update = count_values_update, .merge = count_values_merge,
                           .result_names = single_result_name, .write_result = count_values_write,
                           .write_state = count_values_write_state, .parse_state = count_values_parse_state},
    /* with --split-by the one part is named "disjoint" */
    [STAT_DISTINCT] = {.option = "--count-distinct", .prefix = "distinct", PARTS("set"), .use = COLUMN_TEXT,
                       .from_option = from_column, .state_size = distinct_size,
                       .update_batch = distinct_update_batch, .merge = distinct_merge,
                       .merge_projected = distinct_merge_projected, .free = distinct_free,
                       .result_names = single_result_name,
                       .write_result = distinct_write, .write_state = distinct_write_state,
                       .parse_state = distinct_parse_state, .merge_fields = distinct_merge_fields},
    [STAT_SUM] = {.option = "--sum", .prefix = "sum", PARTS("n", "int", "float"), .use = COLUMN_NUMBER,
                  .from_option = from_column, .state_size = sum_size, .update = sum_update, .merge = sum_merge,
                  .clear = sum_clear, .survey = sum_survey, .result_names = single_result_name,
                  .write_result = sum_write, .write_state = sum_write_state, .parse_state = sum_parse_state},
    [STAT_MEAN] = {.option = "--mean", .prefix = "mean", PARTS("n", "int", "float"), .use = COLUMN_NUMBER,
                   .from_option = from_column, .state_size = sum_size, .update = sum_update, .merge = sum_merge,
                   .clear = sum_clear, .result_names = single_result_name, .write_result = mean_write,
                   .write_state = sum_write_state, .parse_state = sum_parse_state},
    [STAT_MIN] = {.option = "--min", .prefix = "min", PARTS("value"), .use = COLUMN_NUMBER,
                  .from_option = from_column, .state_size = extreme_size, .update = min_update,
                  .merge = min_merge, .result_names = single_result_name, .write_result = extreme_write,
                  .write_state = extreme_write_state, .parse_state = extreme_parse_state},
    [STAT_MAX] = {.option = "--max", .prefix = "max", PARTS("value"), .use = COLUMN_NUMBER,
                  .from_option = from_column, .state_size = extreme_size, .update = max_update,
                  .merge = max_merge, .result_names = single_result_name, .write_result = extreme_write,
                  .write_state = extreme_write_state, .parse_state = extreme_parse_state},
    [STAT_SD] = {.option = "--sd", .prefix = "sd", PARTS("n", "sum", "sumsq"), .use = COLUMN_NUMBER,
                 .from_option = from_column, .state_size = sd_size, .update = sd_update, .merge = sd_merge,
                 .clear = sd_clear, .result_names = single_result_name, .write_result = sd_write,
                 .write_state = sd_write_state, .parse_state = sd_parse_state},
    [STAT_TOP] = {.option = "--top", .prefix = "top", PARTS("values"), .use = COLUMN_NUMBER,
                  .from_option = top_from_option, .state_size = top_size, .update = top_update,
                  .merge = top_merge, .result_names = top_result_names, .write_result = top_write,
                  .write_state = top_write_state, .parse_state = top_parse_state},
    [STAT_WSUM] = {.option = "--weighted-sum", .prefix = "wsum", PARTS("n", "product", "weight"),
                   .use = COLUMN_NUMBER, .from_option = weighted_from_option, .state_size = weighted_size,
                   .update = weighted_update, .merge = weighted_merge, .clear = weighted_clear,
                   .result_names = single_result_name, .write_result = weighted_sum_write,
                   .write_state = weighted_write_state, .parse_state = weighted_parse_state},
    [STAT_WMEAN] = {.option = "--weighted-mean", .prefix = "wmean", PARTS("n", "product", "weight"),
                    .use = COLUMN_NUMBER, .from_option = weighted_from_option, .state_size = weighted_size,
                    .update = weighted_update, .merge = weighted_merge, .clear = weighted_clear,
                    .result_names = single_result_name, .write_result = weighted_mean_write,
                    .write_state = weighted_write_state, .parse_state = weighted_parse_state},
    [STAT_SUMSQ] = {.option = "--sumsq", .prefix = "sumsq", PARTS("n", "int", "float"), .use = COLUMN_NUMBER,
                    .from_option = from_column, .state_size = sum_size, .update = sumsq_update,
                    .merge = sum_merge, .clear = sum_clear, .survey = sum_survey,
                    .result_names = single_result_name, .write_result = sum_write,
                    .write_state = sum_write_state, .parse_state = sum_parse_state},
};

/* ---------------------------------------------------------------- the statistics of a run */

statistic *statistic_set_add(statistic_set *set, stat_kind kind, const char *column)
{
    set->items = xrealloc(set->items, (set->count + 1) * sizeof(statistic));
    statistic *s = &set->items[set->count++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    if (column) {
        s->column = xstrdup(column);
        s->output_name = concatenate(statistic_kinds[kind].prefix, "_", column);
    } else
        s->output_name = xstrdup(statistic_kinds[kind].prefix);
    return s;
}

void statistics_plan(statistic_set *set, arena *memory)
{
    size_t align = sizeof(max_align_t);
    set->state_size = 0;
    for (size_t i = 0; i < set->count; i++) {
        statistic *s = &set->items[i];
        size_t size = statistic_kinds[s->kind].state_size(s);
        s->offset = set->state_size;
        s->memory = memory;
        set->state_size += (size + align - 1) / align * align;
    }
}

void statistics_merge(statistic_set *set, cell *target, const cell *source)
{
    target->records += source->records;
    for (size_t i = 0; i < set->count; i++) {
        statistic *s = &set->items[i];
        if (statistic_kinds[s->kind].merge)
            statistic_kinds[s->kind].merge(s, target, source);
    }
}

void statistics_merge_projected(statistic_set *set, cell *const *targets, cell *const *sources, size_t n)
{
    for (size_t d = 0; d < n; d++)
        targets[d]->records += sources[d]->records;
    for (size_t i = 0; i < set->count; i++) {
        statistic *s = &set->items[i];
        const statistic_kind *kind = &statistic_kinds[s->kind];
        if (kind->merge_projected)
            kind->merge_projected(s, targets, sources, n);
        else if (kind->merge)
            for (size_t d = 0; d < n; d++)
                kind->merge(s, targets[d], sources[d]);
    }
}

void statistics_clear(const statistic_set *set, cell *c)
{
    for (size_t i = 0; i < set->count; i++) {
        const statistic *s = &set->items[i];
        if (statistic_kinds[s->kind].clear)
            statistic_kinds[s->kind].clear(cell_state(c, s));
    }
    memset(c->state, 0, set->state_size);
    c->records = 0;
}

void statistics_survey(statistic_set *set, const cell *c)
{
    for (size_t i = 0; i < set->count; i++) {
        statistic *s = &set->items[i];
        if (statistic_kinds[s->kind].survey)
            statistic_kinds[s->kind].survey(s, cell_state(c, s));
    }
}

void statistics_write_results(record_writer *out, const statistic_set *set, const cell *c)
{
    for (size_t i = 0; i < set->count; i++)
        statistic_kinds[set->items[i].kind].write_result(out, &set->items[i], c);
}

void statistics_free(statistic_set *set)
{
    for (size_t i = 0; i < set->count; i++) {
        statistic *s = &set->items[i];
        if (statistic_kinds[s->kind].free)
            statistic_kinds[s->kind].free(s);
        free(s->column);
        free(s->weight);
        free(s->output_name);
    }
    free(set->items);
}
