/* partial.h: the partial@v2 format of aggregate: the state of every cell written by --partial,
 * read back and merged by --merge into exactly what one run over all input gives. */
#ifndef AGGREGATE_PARTIAL_H
#define AGGREGATE_PARTIAL_H

#include "aggregate.h"

/* The marker column is PARTIAL_MARKER:MARGINS, MARGINS the margins the partial was written with
 * (none, totals or rollup): with the group columns and the statistics' columns it makes the
 * header a fingerprint of every option that shapes the result, so partials made with different
 * options are refused instead of merged into a wrong total. partial@v1 had no MARGINS. */
#define PARTIAL_MARKER "partial@v2"
#define PARTIAL_PREFIX "partial@"

/* The name of the marker column of a partial written with MARGINS. */
char *partial_marker(margin_kind margins);

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
