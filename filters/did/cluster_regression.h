/* cluster_regression.h: least squares (weighted or not) with standard errors clustered on a
 * unit, the sandwich with the small-sample factor G/(G-1)·(N-1)/(N-K) (docs/METHODS.md). The
 * design is given by its distinct rows (cells), as a difference-in-differences design has few. */
#ifndef KOPPEL_DID_CLUSTER_REGRESSION_H
#define KOPPEL_DID_CLUSTER_REGRESSION_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

typedef enum {
    CLUSTER_FIT_OK = 0,
    CLUSTER_FIT_SINGULAR,      /* X'WX has no inverse: a column is (nearly) a combination of others */
    CLUSTER_FIT_FEW_CLUSTERS,  /* fewer than 2 clusters */
    CLUSTER_FIT_FEW_RECORDS,   /* N <= K: no residual degrees of freedom */
} cluster_fit_status;

typedef struct cluster_fit {
    size_t records;   /* N */
    size_t terms;     /* K */
    size_t clusters;  /* G: clusters with at least one record */
    gsl_vector *beta;       /* K estimates */
    gsl_matrix *covariance; /* K x K, clustered and corrected */
} cluster_fit;

/* Fit Y on the design whose rows are those of CELLS (C x K, C >= K: the distinct rows of the
 * design, one per cell): record i (of RECORDS) lies in cell CELL[i] and cluster CLUSTER[i] <
 * CLUSTER_COUNT, with outcome Y[i] and weight WEIGHTS[i] (WEIGHTS NULL: all 1; each >= 0). On
 * CLUSTER_FIT_OK, FIT holds what it computed (free it with cluster_fit_free); otherwise FIT
 * holds nothing. */
cluster_fit_status cluster_regression(const gsl_matrix *cells, size_t records, const size_t *cell, const double *y,
                                      const double *weights, const size_t *cluster, size_t cluster_count,
                                      cluster_fit *fit);

void cluster_fit_free(cluster_fit *fit);

/* Two-sided p-value of T with DF degrees of freedom (Student t), and the quantile that gives a
 * two-sided interval of LEVEL (0.95). */
double cluster_p_value(double t, double df);
double cluster_t_quantile(double level, double df);

#endif
