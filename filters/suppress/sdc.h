/* sdc.h: statistical disclosure control for tables with margins. The table model (cells
 * from dimension codes, hierarchies whose codes nest by prefix, additivity constraints),
 * the primary rules (threshold, dominance, p%), the attacker's linear program, and
 * secondary suppression (an optimal MIP and a fast heuristic), with GLPK for the LPs. */
#ifndef KOPPEL_SDC_H
#define KOPPEL_SDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- the table */

typedef struct sdc_code_entry sdc_code_entry; /* uthash: code text -> index */

typedef enum {
    SDC_DIMENSION_FLAT,         /* codes and their total: total = sum of the codes */
    SDC_DIMENSION_HIERARCHICAL, /* codes nest by prefix; the total sums the top level */
    SDC_DIMENSION_BY,           /* no total: splits the input into separate tables */
} sdc_dimension_kind;

typedef struct sdc_dimension {
    char *name;
    sdc_dimension_kind kind;
    size_t code_count;
    size_t code_capacity;
    char **codes;          /* in order of first appearance */
    sdc_code_entry *index; /* code -> position in codes */
    /* Set by sdc_table_build: */
    size_t total;          /* index of the total code (not in SDC_DIMENSION_BY) */
    long *parent;          /* parent code, -1 for the total (and every code of a BY dimension) */
    size_t *child_start;   /* children of code c: children[child_start[c] .. child_start[c+1]) */
    size_t *children;
} sdc_dimension;

/* Measures the attacker's LP works on: one or more counts (the first count_measures, exact
 * integers) and, optionally, a magnitude after them. */
enum { SDC_MEASURE_COUNT = 0, SDC_MAX_COUNTS = 8, SDC_MAX_MEASURES = SDC_MAX_COUNTS + 1 };

typedef struct sdc_table {
    size_t dim_count;
    sdc_dimension *dims;
    char *total_label;
    /* Set by sdc_table_build: */
    size_t cell_count;     /* product of the dimensions' code counts: every combination */
    size_t *stride;        /* cell index = sum over d of code[d] * stride[d] */
    /* Filled by the caller after sdc_table_build: */
    size_t measure_count;  /* the counts, plus one with a magnitude */
    size_t count_measures; /* measures 0 .. count_measures-1 are counts (default 1) */
    double *measure[SDC_MAX_MEASURES]; /* per cell; NAN until a record sets it */
    long *record;          /* per cell: the caller's record number, -1 when absent */
    /* Set by sdc_table_constraints: constraint k is cell[first] = sum of the others, with
     * the cells constraint_cell[constraint_start[k] .. constraint_start[k+1]), the total first. */
    size_t constraint_count;
    size_t *constraint_start;
    size_t *constraint_cell;
    size_t *constraint_dim;  /* the dimension each constraint runs along */
    /* The constraints each cell is in: incidence[incidence_start[c] .. incidence_start[c+1]). */
    size_t *incidence_start;
    size_t *incidence;
    /* Linked tables (sdc_table_keep_grids): only some combinations are cells. NULL for a
     * table whose cells are every combination. */
    size_t *dense_of;      /* cell -> its combination (sum of code * stride) */
    long *cell_of_dense;   /* combination -> cell, -1 when it is not one */
    size_t dense_count;    /* the number of combinations */
} sdc_table;

/* A table with DIM_COUNT dimensions named NAMES, of the given KINDS, margins labelled TOTAL. */
sdc_table *sdc_table_create(size_t dim_count, char *const *names, const sdc_dimension_kind *kinds,
                            const char *total_label);
void sdc_table_free(sdc_table *table);

/* The index of CODE in dimension DIM, added when new. */
size_t sdc_dimension_intern(sdc_dimension *dim, const char *code, size_t length);
/* The index of CODE, or -1. */
long sdc_dimension_find(const sdc_dimension *dim, const char *code);

/* After every code is known: work out each dimension's tree (the total label at the root;
 * in a hierarchical dimension a code's parent is the longest other code that is a proper
 * prefix of it once leading letters are stripped: WK036300 -> GM0363), lay out the cells and
 * allocate the per-cell arrays. Returns false with *ERROR_TEXT (allocated; the caller frees
 * it) when a dimension has no total, codes clash, or the table would be too large. */
bool sdc_table_build(sdc_table *table, size_t measure_count, char **error_text);

/* Linked tables: several tables of one population stacked, each record a cell whose codes
 * are the total in the dimensions its table does not break down by. Keep as cells only the
 * combinations inside the grid of some record (every code in the dimensions that record
 * breaks down by, the total elsewhere; --by dimensions are free): RECORD_CODES holds
 * RECORD_COUNT code vectors. Call after sdc_table_build and before any cell gets a value. */
void sdc_table_keep_grids(sdc_table *table, const size_t *record_codes, size_t record_count);

/* Cell index of a code combination; SDC_NO_CELL when linked tables do not have it. */
#define SDC_NO_CELL ((size_t)-1)
size_t sdc_table_cell(const sdc_table *table, const size_t *codes);
/* CELL with CODE in dimension D instead of its own; SDC_NO_CELL when that is not a cell. */
size_t sdc_table_other_cell(const sdc_table *table, size_t cell, size_t d, size_t code);
/* The code of CELL in dimension D. */
size_t sdc_table_code(const sdc_table *table, size_t cell, size_t d);
/* "region=A,sex=F" for messages (allocated). */
char *sdc_table_describe(const sdc_table *table, size_t cell);

/* The additivity constraints of every dimension with a total, for every combination of the
 * other dimensions' codes (of linked tables: only where the total and every part are cells).
 * Call once every cell has its measures. */
void sdc_table_constraints(sdc_table *table);

/* Is constraint K additive in measure M? For counts (m < count_measures) exactly; for magnitudes within a
 * relative tolerance (1e-9 of the larger side). *SUM gets the sum of the parts. */
bool sdc_constraint_additive(const sdc_table *table, size_t k, size_t m, double *sum);

/* ---------------------------------------------------------------- primary rules */

/* Threshold rule: fewer than THRESHOLD units (0 switches it off); a zero count is unsafe
 * exactly when ZEROS_UNSAFE, whatever the threshold. */
bool sdc_rule_threshold(double count, double threshold, bool zeros_unsafe);
/* Dominance (n,k): the N largest contributions TOP[0..n) exceed K percent of TOTAL. */
bool sdc_rule_dominance(double total, const double *top, size_t n, double k);
/* p% rule: total - x1 - x2 < p/100 * x1. */
bool sdc_rule_p_percent(double total, double x1, double x2, double p);

/* ---------------------------------------------------------------- suppression */

/* Cell statuses, as sdcTable and `koppel suppress` write them. */
enum {
    SDC_PUBLISHED = 's',
    SDC_PRIMARY = 'u',
    SDC_SECONDARY = 'x',
    SDC_FORCED = 'z', /* must be published */
};

static inline bool sdc_suppressed(char status)
{
    return status == SDC_PRIMARY || status == SDC_SECONDARY;
}

/* A table and what protecting it requires. */
typedef struct sdc_problem {
    sdc_table *table;
    char *status;       /* per cell, one of the codes above */
    size_t protect_count;                  /* measures that must be protected */
    size_t protect[SDC_MAX_MEASURES];      /* their indices */
    double *upper_level[SDC_MAX_MEASURES]; /* per cell: required distance above the value */
    double *lower_level[SDC_MAX_MEASURES]; /* per cell: required distance below the value */
    double *cost;       /* per cell: the price of suppressing it */
    /* Figures of the last run, for --stats. */
    uint64_t lp_solves;
    uint64_t mip_solves;
    uint64_t cuts;
    bool proven_optimal;
    bool verified;      /* the heuristic's pattern was checked with the attacker's LP */
    double time_limit;  /* seconds for the optimal method; 0: none */
    double deadline;    /* sdc_now() by which the whole run should end; 0: from time_limit */
    bool time_limit_reached; /* a method was cut short: the MIP kept its best pattern, or the
                              * heuristic took hypercubes alone and skipped its check */
    size_t verify_limit; /* the heuristic checks its pattern up to this many suppressed cells */
} sdc_problem;

/* Set up a problem on TABLE: statuses all published, no protection required, costs 1. */
void sdc_problem_init(sdc_problem *problem, sdc_table *table);
void sdc_problem_free(sdc_problem *problem);

/* Protection levels for primary cell CELL: upper = max(p * v, 1), lower = the same but at
 * most v (no cell can go below zero). */
void sdc_problem_set_levels(sdc_problem *problem, size_t cell, double p);

/* The attacker's interval of one suppressed cell in one measure. */
typedef struct sdc_interval {
    size_t cell;
    size_t measure;
    double lower, upper;  /* upper is INFINITY when the LP is unbounded */
    bool protected_cell;  /* primary cells: both requirements met; others: true */
} sdc_interval;

/* Exact intervals for every suppressed cell in every protected measure (two LPs per cell,
 * per connected component of the suppressed cells). Returns the number of intervals and
 * sets *INTERVALS (allocated, in cell order). */
size_t sdc_audit(sdc_problem *problem, sdc_interval **intervals);

/* Is every primary cell protected? Cheaper than sdc_audit: many cells are certified by one
 * LP solution. Returns the number of unprotected (cell, measure) pairs. */
size_t sdc_verify(sdc_problem *problem);

/* Secondary suppression. Both turn published cells ('s') into secondary ones ('x') until
 * every primary cell is protected, never touching forced ones ('z'); both return false
 * (with *FAILED_CELL) when a primary cell cannot be protected because of forced cells. */
bool sdc_protect_heuristic(sdc_problem *problem, size_t *failed_cell);
/* Optimal: fewest cells (or least cost) by a MIP with cuts from the attacker's LP (after
 * Fischetti and Salazar), started from the heuristic's pattern. Falls back to the heuristic
 * pattern if the time limit is reached; problem->proven_optimal says which. */
bool sdc_protect_optimal(sdc_problem *problem, size_t *failed_cell);

/* Singletons: a person alone in a suppressed cell knows its value, so a constraint with
 * only two suppressed cells, one of them with a count of 1 (in any count measure), gives the
 * other away to that person.
 * Suppress the cheapest published cell of each such constraint as well (the simple case
 * that tau-ARGUS and sdcTable check). Returns the number of cells added. */
size_t sdc_protect_singletons(sdc_problem *problem);

/* Elapsed seconds on a monotonic clock (for deadlines). */
double sdc_now(void);

/* Has PROBLEM's deadline passed? Sets time_limit_reached when it has. */
bool sdc_past_deadline(sdc_problem *problem);

/* Tolerance used when comparing an interval with a requirement (relative to the value). */
double sdc_tolerance(double value);

#endif
