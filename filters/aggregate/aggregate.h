/* aggregate.h: the context of a run of koppel aggregate (main's one struct of state), which the
 * files of the verb share: the options, the input columns, the cells and the statistics. */
#ifndef AGGREGATE_AGGREGATE_H
#define AGGREGATE_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "cells.h"
#include "key_log.h"
#include "koppel.h"
#include "statistics.h"

#define CUBE_LIMIT 16 /* group columns for --totals: 2^16 combinations of margins */

/* An input column that statistics read, once per record. */
typedef struct input_column {
    char *name;
    bool numeric;
    bool text;    /* --count-distinct: the batch keeps its text */
    size_t index; /* in the current file */
    uint64_t missing;
} input_column;

typedef enum { MARGINS_NONE, MARGINS_CUBE, MARGINS_ROLLUP } margin_kind;

typedef struct aggregate {
    koppel_context ctx;
    char **group_columns;
    size_t group_count;
    size_t *group_index; /* in the current file */
    statistic_set stats;
    input_column *columns;
    size_t column_count;
    struct input_batch *batch; /* records read, waiting for their cells */
    margin_kind margins;
    const char *label;
    bool label_given;
    bool partial, merge;
    const char *split_by;
    uint64_t min_count;   /* --min-count: cells of fewer records are not written (0: all) */
    uint64_t below_min;   /* the groups (not totals) left out by it */
    bool natural_order;   /* --order natural: numbers in group values compare as numbers */
    arena memory;
    /* --min-count 2 or more with nothing but --count and no totals: the groups are counted in
     * a key log (key_log.h) and only those of at least min_count records become cells. */
    bool log_groups;
    key_log log;
    cell *cells; /* uthash table */
    cell *last;  /* the cell of the previous record: sorted input skips the hash */
    uint64_t detail_cells;
    char *key;
    size_t key_capacity;
    uint64_t used;
    char *merge_label; /* the label found in partial files */
    margin_kind partial_margins; /* merge: the margins the partials were written with */
    char **header_names; /* merge: the first partial's header */
    size_t header_count;
    cell *scratch; /* merge: one partial row, parsed before it is added */
} aggregate;

#endif
