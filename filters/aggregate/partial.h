/* partial.h: the partial@v1 format of aggregate: the state of every cell written by --partial,
 * read back and merged by --merge into exactly what one run over all input gives. */
#ifndef AGGREGATE_PARTIAL_H
#define AGGREGATE_PARTIAL_H

#include "aggregate.h"

#define PARTIAL_MARKER "partial@v1"

/* The state columns of S, NAME@PART, into NAMES; how many. */
size_t partial_state_names(const statistic *s, char **names);

/* A cell's marker (g or t per group column) and the state of each statistic. */
void partial_write_cell(aggregate *a, const cell *c, text_buffer *buffer);

/* The group columns and statistics from the header of the first partial file. */
void partial_read_header(aggregate *a, record_reader *reader);

/* Every other partial file must have the same columns as the first, FIRST. */
void partial_check_same_header(const aggregate *a, record_reader *reader, const char *first);

/* Add a partial row to its cell; false (after rejecting the row) when it is malformed. */
bool partial_merge_row(aggregate *a, record_reader *reader, const record_t *record);

/* After all partials: margins may be added only to partials without any, and not over the
 * counts of --split-by; without new margins the partials' label is the label. */
void partial_check_margins(aggregate *a);

#endif
