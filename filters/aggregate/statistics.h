/* statistics.h: the statistics of aggregate as one table, a row per kind: how a record updates
 * its state, how two states merge, how it is written as a result or as partial state and read
 * back. Adding a statistic is one unit in statistics.c and one row of statistic_kinds. */
#ifndef AGGREGATE_STATISTICS_H
#define AGGREGATE_STATISTICS_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "cells.h"
#include "koppel.h"
#include "typed_number.h"

#define TOP_LIMIT 1000
#define STATISTIC_PARTS_MAX 3

/* In the order of the options (main.c counts on it). */
typedef enum stat_kind {
    STAT_COUNT, STAT_COUNT_VALUES, STAT_DISTINCT, STAT_SUM, STAT_MEAN, STAT_MIN, STAT_MAX,
    STAT_SD, STAT_TOP, STAT_WSUM, STAT_WMEAN, STAT_SUMSQ, STAT_KINDS
} stat_kind;

/* What a statistic reads of its column. */
typedef enum column_use { COLUMN_NONE, COLUMN_NUMBER, COLUMN_PRESENCE, COLUMN_TEXT } column_use;

struct distinct_sets;

typedef struct statistic {
    stat_kind kind;
    char *column;      /* input column (for merges: the name after the prefix) */
    char *weight;      /* weighted statistics */
    size_t top_count;  /* --top N */
    bool disjoint;     /* distinct: the partial keeps a count (--split-by) */
    char *output_name; /* "sum_cost"; for --top the columns are top1_cost ... */
    size_t slot, weight_slot; /* input columns (index into the run's columns) */
    size_t offset;     /* of the state in a cell */
    arena *memory;     /* distinct: where the values' texts go */
    struct distinct_sets *sets; /* distinct: the values and the sets' members */
    bool keep_margin_sets; /* distinct with --partial: the margins' sets are written, so kept */
    bool any_real;     /* sum: some value in some cell was not a whole number */
} statistic;

/* The statistics of a run, in the order of their output columns. */
typedef struct statistic_set {
    statistic *items;
    size_t count;
    size_t state_size; /* of all their states in a cell */
} statistic_set;

/* What the statistics need of one record: per input column its number and whether it has a
 * value, and for the columns of --count-distinct the text. */
typedef struct record_values {
    number *values;
    bool *present;
    const char **texts;
    size_t *text_lengths;
} record_values;

typedef struct text_buffer {
    char *text;
    size_t length, capacity;
} text_buffer;

typedef struct statistic_kind {
    const char *option;
    const char *prefix; /* of the output column: prefix_COLUMN */
    const char *parts[STATISTIC_PARTS_MAX]; /* of its partial state: NAME@PART */
    size_t part_count;
    column_use use;
    /* A statistic from the option's argument, or a usage error. */
    void (*from_option)(statistic_set *set, stat_kind kind, const char *argument, const koppel_context *ctx);
    size_t (*state_size)(const statistic *s);
    /* A record with a value in the statistic's column (NULL: the cell's record count is all). */
    void (*update)(statistic *s, cell *c, const record_values *row);
    /* Or the records of a batch at once, CELLS[i] that of ROWS[i] (NULL: update). */
    void (*update_batch)(statistic *s, cell *const *cells, const record_values *rows, size_t count);
    void (*merge)(statistic *s, cell *target, const cell *source);
    /* Each of N new TARGETS[d] from SOURCES[d], all at once (NULL: merge each). */
    void (*merge_projected)(statistic *s, cell *const *targets, cell *const *sources, size_t n);
    /* Frees what the state holds outside the arena (NULL: nothing). */
    void (*clear)(void *state);
    /* Frees what the statistic holds (NULL: nothing). */
    void (*free)(statistic *s);
    /* Sees every cell's state before any is written (NULL: not needed). */
    void (*survey)(statistic *s, const void *state);
    /* The names of its result columns into NAMES (NULL: only counted); how many. */
    size_t (*result_names)(const statistic *s, char **names);
    void (*write_result)(record_writer *out, const statistic *s, const cell *c);
    void (*write_state)(record_writer *out, const statistic *s, const cell *c, text_buffer *buffer);
    /* A partial row's fields into the scratch cell; false with *BAD the part that is wrong. */
    bool (*parse_state)(statistic *s, cell *scratch, char *const *fields, const size_t *lengths, size_t *bad);
    /* After the scratch cell merged into TARGET: the state that cannot pass through the scratch
     * (NULL: none). */
    void (*merge_fields)(statistic *s, cell *target, char *const *fields, const size_t *lengths);
} statistic_kind;

extern const statistic_kind statistic_kinds[STAT_KINDS];

static inline void *cell_state(const cell *c, const statistic *s) { return (char *)c->state + s->offset; }

/* A statistic on COLUMN (NULL for --count), named prefix_COLUMN. */
statistic *statistic_set_add(statistic_set *set, stat_kind kind, const char *column);

/* The states' places in a cell; MEMORY holds what statistics allocate per cell. */
void statistics_plan(statistic_set *set, arena *memory);

/* The hot path, once per record: inline in the record loop. */
static inline void statistics_update(statistic_set *set, cell *c, const record_values *row)
{
    c->records++;
    for (size_t i = 0; i < set->count; i++) {
        statistic *s = &set->items[i];
        void (*update)(statistic *, cell *, const record_values *) = statistic_kinds[s->kind].update;
        if (update && row->present[s->slot])
            update(s, c, row);
    }
}

/* The records of a batch: the statistics that take a batch at once, then per record the others. */
static inline void statistics_update_batch(statistic_set *set, cell *const *cells, const record_values *rows,
                                           size_t count)
{
    for (size_t i = 0; i < set->count; i++) {
        statistic *s = &set->items[i];
        if (statistic_kinds[s->kind].update_batch)
            statistic_kinds[s->kind].update_batch(s, cells, rows, count);
    }
    for (size_t r = 0; r < count; r++)
        statistics_update(set, cells[r], &rows[r]);
}

/* Margins: each of N new TARGETS[d] gets the state of SOURCES[d] added (a target may be named
 * by many sources). */
void statistics_merge_projected(statistic_set *set, cell *const *targets, cell *const *sources, size_t n);

/* Add the state of SOURCE to TARGET (margins from groups; merges). */
void statistics_merge(statistic_set *set, cell *target, const cell *source);

/* Release what a cell's state holds outside the arena (long exact sums), and clear it. */
void statistics_clear(const statistic_set *set, cell *c);

void statistics_survey(statistic_set *set, const cell *c);

void statistics_write_results(record_writer *out, const statistic_set *set, const cell *c);

/* FIRST, SECOND and THIRD in one new string (column names). */
char *concatenate(const char *first, const char *second, const char *third);

void statistics_free(statistic_set *set);

#endif
