/* sdc_internal.h: what sdc_attack.c and sdc_protect.c share and no filter needs: connected
 * components of the suppressed cells, and the checks that report unprotected cells with
 * the cuts the optimal method adds to its master problem. */
#ifndef KOPPEL_SDC_INTERNAL_H
#define KOPPEL_SDC_INTERNAL_H

#include <glpk.h>

#include "sdc.h"

/* Cells linked through constraints in which both are suppressed. */
typedef struct sdc_components {
    size_t count;
    size_t *start; /* component c: cells[start[c] .. start[c+1]) */
    size_t *cells;
} sdc_components;

void sdc_components_find(const sdc_problem *problem, sdc_components *components);
void sdc_components_free(sdc_components *components);

/* A primary cell that the attacker can narrow too far in one measure and direction. */
typedef struct sdc_failure {
    size_t cell;
    size_t measure;
    int direction; /* +1: the upper bound is too low; -1: the lower bound is too high */
} sdc_failure;

/* sum of coefficient[i] * y[cell[i]] >= 1 over suppression indicators y: every protected
 * pattern satisfies it, the pattern it was derived from does not. */
typedef struct sdc_cut {
    size_t count;
    size_t *cells;
    double *coefficients;
} sdc_cut;

typedef struct sdc_findings {
    bool want_cuts;
    size_t failure_count, failure_capacity;
    sdc_failure *failures;
    size_t cut_count, cut_capacity;
    sdc_cut *cuts;
} sdc_findings;

/* Check every primary cell in every protected measure; failures (and cuts when asked) go to
 * FINDINGS. Returns the number of failures. */
size_t sdc_check(sdc_problem *problem, sdc_findings *findings);
void sdc_findings_free(sdc_findings *findings);

/* Cuts that the fractional pattern Y (per cell, between 0 and 1) violates: the attacker's
 * LP over the whole table with each cell free to move in proportion to y, for every primary
 * cell, protected measure and direction (the separation of Fischetti and Salazar). Returns
 * the number of cuts added to FINDINGS. */
size_t sdc_separate(sdc_problem *problem, const double *y, sdc_findings *findings);

/* Run GLPK's simplex quietly on LP, retrying from a fresh basis; dies on a solver failure.
 * Returns glp_get_status. */
int sdc_simplex(sdc_problem *problem, glp_prob *lp);


#endif
