/* margins.h: the total rows of --totals (every combination of group columns) and --rollup (the
 * hierarchical totals), each made by merging the state of the groups it sums. */
#ifndef AGGREGATE_MARGINS_H
#define AGGREGATE_MARGINS_H

#include "aggregate.h"

/* A group value equal to the label of total rows is a usage error. */
void check_label(aggregate *a);

void add_margins(aggregate *a);

#endif
