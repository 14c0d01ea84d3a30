/* cluster_regression.c: weighted least squares by the singular value decomposition of
 * sqrt(W)·X, its rows compressed to one per cell (GSL), and the cluster-robust sandwich
 * covariance of its estimates. */
#include "cluster_regression.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>

#include "message.h"

/* A smallest singular value below this fraction of the largest makes the design singular:
 * far above rounding (about 1e-16) and far below what a real panel design gives. */
static const double SINGULAR_RATIO = 1e-10;

static gsl_matrix *matrix_or_die(size_t rows, size_t columns)
{
    gsl_matrix *m = gsl_matrix_calloc(rows, columns);
    if (!m)
        message_die_nomem();
    return m;
}

static gsl_vector *vector_or_die(size_t size)
{
    gsl_vector *v = gsl_vector_calloc(size);
    if (!v)
        message_die_nomem();
    return v;
}

static double weight_of(const double *weights, size_t i)
{
    return weights ? weights[i] : 1.0;
}

static size_t clusters_used(const size_t *cluster, size_t records, size_t cluster_count)
{
    unsigned char *seen = xcalloc(cluster_count ? cluster_count : 1, 1);
    size_t used = 0;
    for (size_t i = 0; i < records; i++)
        if (!seen[cluster[i]]) {
            seen[cluster[i]] = 1;
            used++;
        }
    free(seen);
    return used;
}

/* The records of a cell share its row x_c, so sum_i w_i (y_i - x_c'b)^2 is, but for a constant,
 * sum_c W_c (ybar_c - x_c'b)^2 with W_c = sum of w_i and W_c ybar_c = sum of w_i y_i: least squares
 * on the C rows sqrt(W_c) x_c with right-hand side sum(w_i y_i)/sqrt(W_c) gives the same b and
 * X'WX, without an N x K matrix. */
static void compress(const gsl_matrix *cells, size_t records, const size_t *cell, const double *y,
                     const double *weights, gsl_matrix *scaled, gsl_vector *rhs)
{
    size_t count = cells->size1;
    double *total = xcalloc(count, sizeof *total), *total_y = xcalloc(count, sizeof *total_y);
    for (size_t i = 0; i < records; i++) {
        total[cell[i]] += weight_of(weights, i);
        total_y[cell[i]] += weight_of(weights, i) * y[i];
    }
    gsl_matrix_memcpy(scaled, cells);
    for (size_t c = 0; c < count; c++) {
        double root = sqrt(total[c]);
        gsl_vector_view row = gsl_matrix_row(scaled, c);
        gsl_vector_scale(&row.vector, root);
        gsl_vector_set(rhs, c, root > 0 ? total_y[c] / root : 0);
    }
    free(total_y);
    free(total);
}

/* (X'WX)^-1 = V S^-2 V' and b = V S^-1 U' r from the SVD of the scaled cells U S V'. */
static void solve_from_svd(const gsl_matrix *u, const gsl_vector *s, const gsl_matrix *v, const gsl_vector *rhs,
                           gsl_vector *beta, gsl_matrix *bread)
{
    size_t k = u->size2;
    gsl_vector *projected = vector_or_die(k);
    gsl_blas_dgemv(CblasTrans, 1.0, u, rhs, 0.0, projected);
    for (size_t j = 0; j < k; j++)
        gsl_vector_set(projected, j, gsl_vector_get(projected, j) / gsl_vector_get(s, j));
    gsl_blas_dgemv(CblasNoTrans, 1.0, v, projected, 0.0, beta);
    gsl_matrix *v_scaled = matrix_or_die(k, k);
    gsl_matrix_memcpy(v_scaled, v);
    for (size_t j = 0; j < k; j++) {
        gsl_vector_view column = gsl_matrix_column(v_scaled, j);
        gsl_vector_scale(&column.vector, 1.0 / gsl_vector_get(s, j));
    }
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, v_scaled, v_scaled, 0.0, bread);
    gsl_matrix_free(v_scaled);
    gsl_vector_free(projected);
}

/* The meat: the sum over clusters of s_g s_g', s_g = sum of x_i w_i e_i over the cluster's records. */
static gsl_matrix *cluster_meat(const gsl_matrix *cells, size_t records, const size_t *cell, const double *y,
                                const double *weights, const size_t *cluster, size_t cluster_count,
                                const gsl_vector *beta)
{
    size_t k = cells->size2;
    gsl_vector *fitted = vector_or_die(cells->size1);
    gsl_blas_dgemv(CblasNoTrans, 1.0, cells, beta, 0.0, fitted);
    gsl_matrix *scores = matrix_or_die(cluster_count, k);
    for (size_t i = 0; i < records; i++) {
        gsl_vector_const_view x = gsl_matrix_const_row(cells, cell[i]);
        double score = weight_of(weights, i) * (y[i] - gsl_vector_get(fitted, cell[i]));
        gsl_vector_view row = gsl_matrix_row(scores, cluster[i]);
        gsl_blas_daxpy(score, &x.vector, &row.vector);
    }
    gsl_matrix *meat = matrix_or_die(k, k);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, scores, scores, 0.0, meat);
    gsl_matrix_free(scores);
    gsl_vector_free(fitted);
    return meat;
}

/* V = c B M B with c = G/(G-1) (N-1)/(N-K), into FIT->covariance. */
static void sandwich(const gsl_matrix *bread, const gsl_matrix *meat, cluster_fit *fit)
{
    size_t k = fit->terms;
    gsl_matrix *half = matrix_or_die(k, k);
    fit->covariance = matrix_or_die(k, k);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, bread, meat, 0.0, half);
    double factor = (double)fit->clusters / (double)(fit->clusters - 1) * (double)(fit->records - 1) /
                    (double)(fit->records - k);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, factor, half, bread, 0.0, fit->covariance);
    gsl_matrix_free(half);
}

cluster_fit_status cluster_regression(const gsl_matrix *cells, size_t records, const size_t *cell, const double *y,
                                      const double *weights, const size_t *cluster, size_t cluster_count,
                                      cluster_fit *fit)
{
    size_t k = cells->size2, count = cells->size1;
    size_t clusters = clusters_used(cluster, records, cluster_count);
    if (clusters < 2)
        return CLUSTER_FIT_FEW_CLUSTERS;
    if (records <= k)
        return CLUSTER_FIT_FEW_RECORDS;
    if (count < k) /* fewer distinct rows than terms: rank below K */
        return CLUSTER_FIT_SINGULAR;
    gsl_matrix *u = matrix_or_die(count, k), *v = matrix_or_die(k, k), *work_matrix = matrix_or_die(k, k);
    gsl_vector *s = vector_or_die(k), *work = vector_or_die(k), *rhs = vector_or_die(count);
    compress(cells, records, cell, y, weights, u, rhs);
    int failed = gsl_linalg_SV_decomp_mod(u, work_matrix, v, s, work);
    cluster_fit_status status = CLUSTER_FIT_OK;
    if (failed || !(gsl_vector_get(s, 0) > 0) || gsl_vector_get(s, k - 1) <= SINGULAR_RATIO * gsl_vector_get(s, 0))
        status = CLUSTER_FIT_SINGULAR;
    else {
        fit->records = records;
        fit->terms = k;
        fit->clusters = clusters;
        fit->beta = vector_or_die(k);
        gsl_matrix *bread = matrix_or_die(k, k);
        solve_from_svd(u, s, v, rhs, fit->beta, bread);
        gsl_matrix *meat = cluster_meat(cells, records, cell, y, weights, cluster, cluster_count, fit->beta);
        sandwich(bread, meat, fit);
        gsl_matrix_free(meat);
        gsl_matrix_free(bread);
    }
    gsl_vector_free(rhs);
    gsl_vector_free(work);
    gsl_vector_free(s);
    gsl_matrix_free(work_matrix);
    gsl_matrix_free(v);
    gsl_matrix_free(u);
    return status;
}

void cluster_fit_free(cluster_fit *fit)
{
    gsl_vector_free(fit->beta);
    gsl_matrix_free(fit->covariance);
    fit->beta = NULL;
    fit->covariance = NULL;
}

double cluster_p_value(double t, double df)
{
    return 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
}

double cluster_t_quantile(double level, double df)
{
    return gsl_cdf_tdist_Pinv(0.5 + level / 2.0, df);
}
