/* output.h: writing aggregate's table: the header, and the cells sorted by their group values,
 * as results or (--partial) as state. */
#ifndef AGGREGATE_OUTPUT_H
#define AGGREGATE_OUTPUT_H

#include "aggregate.h"

/* The output's column names: results, or with PARTIAL the state columns. */
char **column_names(const aggregate *a, bool partial, size_t *count);
void free_names(char **names, size_t count);

/* The header and every cell of at least --min-count records, in order. */
void write_cells(aggregate *a);

#endif
