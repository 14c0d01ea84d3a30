/* did_cluster_regression.c: unit tests for filters/did/cluster_regression.c (least squares with
 * standard errors clustered on a unit), on a panel worked by hand, and its refusals. */
#include <math.h>
#include <stdio.h>

#include "cluster_regression.h"

static int failures;

static void check_close(const char *what, double got, double expected, double relative)
{
    if (!(fabs(got - expected) <= relative * fabs(expected))) {
        fprintf(stderr, "did_cluster_regression: %s: got %.17g, expected %.17g\n", what, got, expected);
        failures++;
    }
}

static void check(const char *what, int condition)
{
    if (!condition) {
        fprintf(stderr, "did_cluster_regression: check failed: %s\n", what);
        failures++;
    }
}

/* Units 0, 1 treated, 2, 3 not; two periods. Y: 10 → 14, 12 → 15, 8 → 9, 7 → 9. */
static const double outcome[8] = {10, 14, 12, 15, 8, 9, 7, 9};
static const size_t unit_of[8] = {0, 0, 1, 1, 2, 2, 3, 3};

/* The four distinct rows of the design 1, treated*t, treated, t: cell 2t + treated. */
static gsl_matrix *design_cells(void)
{
    gsl_matrix *cells = gsl_matrix_alloc(4, 4);
    for (size_t c = 0; c < 4; c++) {
        double t = (double)(c / 2), treated = (double)(c % 2), row[4] = {1, treated * t, treated, t};
        for (size_t j = 0; j < 4; j++)
            gsl_matrix_set(cells, c, j, row[j]);
    }
    return cells;
}

/* The cell of each record; with NO_TREATED, as if no unit were treated. */
static void cells_of_records(size_t *cell, int no_treated)
{
    for (size_t i = 0; i < 8; i++)
        cell[i] = 2 * (i % 2) + (unit_of[i] < 2 && !no_treated);
}

/* The saturated 2 x 2 model: the estimates are differences of cell means; the residuals are the
 * deviations from them, so each variance is a sum over units of squared deviations of the unit's
 * change (or level) from its group's, over n_group squared, times G/(G-1)(N-1)/(N-K) = 7/3.
 *   b0 = C0 = 7.5:            (0.5² + 0.5²)/4 = 1/8            → 7/24
 *   b1 = (T1-T0)-(C1-C0) = 2: changes 4, 3 and 1, 2: 1/8 + 1/8 → 7/12
 *   b2 = T0-C0 = 3.5:         levels 10, 12: (1 + 1)/4 + 1/8   → 35/24
 *   b3 = C1-C0 = 1.5:         changes 1, 2: 1/8                → 7/24 */
static void test_hand_panel(void)
{
    gsl_matrix *cells = design_cells();
    size_t cell[8];
    cells_of_records(cell, 0);
    cluster_fit fit;
    check("fits", cluster_regression(cells, 8, cell, outcome, NULL, unit_of, 4, &fit) == CLUSTER_FIT_OK);
    const double beta[4] = {7.5, 2, 3.5, 1.5}, variance[4] = {7.0 / 24, 7.0 / 12, 35.0 / 24, 7.0 / 24};
    for (size_t j = 0; j < 4; j++) {
        check_close("estimate", gsl_vector_get(fit.beta, j), beta[j], 1e-13);
        check_close("variance", gsl_matrix_get(fit.covariance, j, j), variance[j], 1e-12);
    }
    check("N, K, G", fit.records == 8 && fit.terms == 4 && fit.clusters == 4);
    /* Weights all 2: the same estimates and covariance (weights only matter relative to each other). */
    const double twos[8] = {2, 2, 2, 2, 2, 2, 2, 2};
    cluster_fit doubled;
    check("fits weighted", cluster_regression(cells, 8, cell, outcome, twos, unit_of, 4, &doubled) == CLUSTER_FIT_OK);
    for (size_t j = 0; j < 4; j++) {
        check_close("weighted estimate", gsl_vector_get(doubled.beta, j), beta[j], 1e-13);
        check_close("weighted variance", gsl_matrix_get(doubled.covariance, j, j), variance[j], 1e-12);
    }
    cluster_fit_free(&doubled);
    cluster_fit_free(&fit);
    gsl_matrix_free(cells);
}

static void test_refusals(void)
{
    gsl_matrix *cells = design_cells();
    size_t cell[8];
    cluster_fit fit;
    cells_of_records(cell, 1);
    check("no treated unit: singular",
          cluster_regression(cells, 8, cell, outcome, NULL, unit_of, 4, &fit) == CLUSTER_FIT_SINGULAR);
    cells_of_records(cell, 0);
    const size_t one_cluster[8] = {0};
    check("one cluster", cluster_regression(cells, 8, cell, outcome, NULL, one_cluster, 4, &fit) ==
                             CLUSTER_FIT_FEW_CLUSTERS);
    check("N = K", cluster_regression(cells, 4, cell, outcome, NULL, unit_of, 4, &fit) == CLUSTER_FIT_FEW_RECORDS);
    gsl_matrix_const_view three = gsl_matrix_const_submatrix(cells, 0, 0, 3, 4);
    check("fewer cells than terms", cluster_regression(&three.matrix, 8, (const size_t[8]){0, 1, 2, 0, 1, 2, 0, 1},
                                                       outcome, NULL, unit_of, 4, &fit) == CLUSTER_FIT_SINGULAR);
    gsl_matrix_free(cells);
}

/* Student t: with 1 degree of freedom (Cauchy) P(|T| > 1) = 1/2 exactly; t(0.975; 3) = 3.182446305284263
 * and t(0.975; 29) = 2.045229642132703 (tables); p at the quantile is 0.05. */
static void test_student_t(void)
{
    check_close("p(1; 1)", cluster_p_value(1, 1), 0.5, 1e-14);
    check_close("p(0; 5)", cluster_p_value(0, 5), 1, 1e-15);
    check_close("p symmetric", cluster_p_value(-2.5, 7), cluster_p_value(2.5, 7), 1e-15);
    check_close("t(0.975; 3)", cluster_t_quantile(0.95, 3), 3.182446305284263, 1e-12);
    check_close("t(0.975; 29)", cluster_t_quantile(0.95, 29), 2.045229642132703, 1e-12);
    check_close("p at the quantile", cluster_p_value(cluster_t_quantile(0.95, 12), 12), 0.05, 1e-10);
}

int main(void)
{
    test_hand_panel();
    test_refusals();
    test_student_t();
    if (failures)
        return 1;
    printf("did_cluster_regression: all tests passed\n");
    return 0;
}
