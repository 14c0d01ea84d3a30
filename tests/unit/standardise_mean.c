/* standardise_mean.c: unit tests for the means of per-person counts of filters/standardise/stats.c
 * (sample variance from count, sum and sum of squares; crude mean; directly standardised mean;
 * comparison), on a small example worked by hand with fractions (below, next to each check). */
#include <math.h>
#include <stdio.h>

#include "stats.h"

static int failures;

/* The standard normal quantile at 0.975, as published (e.g. Abramowitz & Stegun 26.2). */
static const double z95 = 1.959963984540054;

static void check_close(const char *what, double got, double expected, double relative)
{
    if (!(fabs(got - expected) <= relative * fabs(expected))) {
        fprintf(stderr, "standardise_mean: %s: got %.15g, expected %.15g\n", what, got, expected);
        failures++;
    }
}

static void check(const char *what, int condition)
{
    if (!condition) {
        fprintf(stderr, "standardise_mean: check failed: %s\n", what);
        failures++;
    }
}

/* Group 1: stratum A has counts 0, 2, 4 (n 3, sum 6, squares 20: mean 2, s^2 = (20 - 36/3)/2 = 4),
 * stratum B 1, 1, 7, 3 (n 4, sum 12, squares 60: mean 3, s^2 = (60 - 144/4)/3 = 8).
 * Group 0: A 1, 1, 1, 3 (n 4, sum 6, squares 12: mean 1.5, s^2 = (12 - 9)/3 = 1), B 2, 2, 2
 * (n 3, sum 6, squares 12: mean 2, s^2 = 0). Weights A 1, B 3 (normalised 1/4, 3/4). */
static void test_sample_variance(void)
{
    check_close("s^2 A", stats_sample_variance(3, 6, 20), 4, 1e-15);
    check_close("s^2 B", stats_sample_variance(4, 12, 60), 8, 1e-15);
    check("s^2 of equal values is 0", stats_sample_variance(3, 6, 12) == 0);
    /* 0.1 three times: rounding could make the difference -1e-18; never below 0 */
    check("s^2 never negative", stats_sample_variance(3, 0.1 + 0.1 + 0.1, 0.01 + 0.01 + 0.01) >= 0);
    check("one value has no variance", isnan(stats_sample_variance(1, 5, 25)));
    check("no value has no variance", isnan(stats_sample_variance(0, 0, 0)));
}

static void test_crude_mean(void)
{
    /* all seven counts of group 1: n 7, sum 18, squares 80; mean 18/7, s^2 = (80 - 324/7)/6 =
     * 118/21, variance of the mean 118/147 */
    stats_estimate crude = stats_crude_mean(7, 18, 80, 0.95, 1);
    check_close("crude mean", crude.estimate, 18.0 / 7, 1e-15);
    check_close("crude variance", crude.variance, 118.0 / 147, 1e-14);
    check_close("crude lower", crude.lower, 18.0 / 7 - z95 * sqrt(118.0 / 147), 1e-13);
    check_close("crude upper", crude.upper, 18.0 / 7 + z95 * sqrt(118.0 / 147), 1e-13);
    /* per 100 persons: everything scales, the variance with the square */
    stats_estimate per100 = stats_crude_mean(7, 18, 80, 0.95, 100);
    check_close("crude per 100", per100.estimate, 1800.0 / 7, 1e-15);
    check_close("crude variance per 100", per100.variance, 1180000.0 / 147, 1e-14);
    stats_estimate one = stats_crude_mean(1, 5, 25, 0.95, 1);
    check("one person: the mean", one.estimate == 5);
    check("one person: no limits", isnan(one.variance) && isnan(one.lower) && isnan(one.upper));
    check("no persons: nothing", isnan(stats_crude_mean(0, 0, 0, 0.95, 1).estimate));
}

static stats_estimate dsm_of(const double *n, const double *sum, const double *squares)
{
    static const double weight[] = {1, 3, 0};
    stats_direct_mean sums = {0};
    for (int i = 0; i < 3; i++)
        stats_direct_mean_add(&sums, n[i], sum[i], squares[i], weight[i]);
    return stats_dsm(&sums, 0.95, 1);
}

static void test_dsm_and_comparison(void)
{
    /* a third stratum with weight 0 (one person: no variance) takes no part */
    const double n1[] = {3, 4, 1}, sum1[] = {6, 12, 40}, squares1[] = {20, 60, 1600};
    const double n0[] = {4, 3, 1}, sum0[] = {6, 6, 0}, squares0[] = {12, 12, 0};
    stats_estimate group = dsm_of(n1, sum1, squares1), reference = dsm_of(n0, sum0, squares0);
    /* DSM1 = 2/4 + 3*3/4 = 11/4; var1 = (1^2*4/3 + 3^2*8/4) / 4^2 = (4/3 + 18)/16 = 29/24 */
    check_close("DSM group", group.estimate, 11.0 / 4, 1e-15);
    check_close("DSM group variance", group.variance, 29.0 / 24, 1e-14);
    check_close("DSM group lower", group.lower, 11.0 / 4 - z95 * sqrt(29.0 / 24), 1e-13);
    check_close("DSM group upper", group.upper, 11.0 / 4 + z95 * sqrt(29.0 / 24), 1e-13);
    /* DSM0 = 1.5/4 + 3*2/4 = 15/8; var0 = (1*1/4 + 9*0/3)/16 = 1/64 */
    check_close("DSM reference", reference.estimate, 15.0 / 8, 1e-15);
    check_close("DSM reference variance", reference.variance, 1.0 / 64, 1e-14);
    /* R = (11/4)/(15/8) = 22/15; var(ln R) = (29/24)/(11/4)^2 + (1/64)/(15/8)^2
     * = 58/363 + 1/225; difference 7/8 with variance 29/24 + 1/64 = 235/192 */
    stats_comparison c = stats_compare(&group, &reference, 0.95);
    double log_spread = z95 * sqrt(58.0 / 363 + 1.0 / 225);
    check_close("ratio", c.ratio, 22.0 / 15, 1e-15);
    check_close("ratio lower", c.ratio_lower, 22.0 / 15 * exp(-log_spread), 1e-13);
    check_close("ratio upper", c.ratio_upper, 22.0 / 15 * exp(log_spread), 1e-13);
    check_close("difference", c.difference, 7.0 / 8, 1e-15);
    check_close("difference lower", c.difference_lower, 7.0 / 8 - z95 * sqrt(235.0 / 192), 1e-13);
    check_close("difference upper", c.difference_upper, 7.0 / 8 + z95 * sqrt(235.0 / 192), 1e-13);
    /* 22/15 * exp(±1.96 * 0.405) = 0.663 .. 3.25: the interval holds 1 */
    check("not significant", c.significant == 0);
    stats_direct_mean none = {0};
    check("no weight: no DSM", isnan(stats_dsm(&none, 0.95, 1).estimate));
}

int main(void)
{
    test_sample_variance();
    test_crude_mean();
    test_dsm_and_comparison();
    if (failures)
        return 1;
    printf("standardise_mean: all tests passed\n");
    return 0;
}
