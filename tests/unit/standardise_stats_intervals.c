/* standardise_stats_intervals.c: unit tests for the quantiles and intervals of
 * filters/standardise/stats.c against published values and against an independent route (the
 * Poisson CDF from GSL). */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>

#include "stats.h"

static int failures;

static void check_close(const char *what, double got, double expected, double tolerance)
{
    double error = fabs(got - expected);
    double scale = fabs(expected) > 1 ? fabs(expected) : 1.0;
    if (!(error <= tolerance * scale)) {
        fprintf(stderr, "stats_intervals: %s: got %.12g, expected %.12g\n", what, got, expected);
        failures++;
    }
}

/* For values published to a fixed number of decimals: within half a unit of the last one. */
static void check_absolute(const char *what, double got, double expected, double half_unit)
{
    if (!(fabs(got - expected) <= half_unit * (1 + 1e-9))) {
        fprintf(stderr, "stats_intervals: %s: got %.12g, published %.12g\n", what, got, expected);
        failures++;
    }
}

static void check(const char *what, int condition)
{
    if (!condition) {
        fprintf(stderr, "stats_intervals: check failed: %s\n", what);
        failures++;
    }
}

/* The normal quantile: published z values (to the digits of standard tables). */
static void test_normal_quantile(void)
{
    check_close("z 95%", stats_z(0.95), 1.959963984540054, 1e-12);
    check_close("z 99.8%", stats_z(0.998), 3.090232306167813, 1e-12);
    check_close("z 90%", stats_z(0.90), 1.644853626951472, 1e-12);
}

/* Exact limits against the classic table of 95% limits for a Poisson count (Garwood 1936,
 * Biometrika 28:437-442), to 4 decimals; the same values came out of a bisection on the Poisson
 * CDF in python3 (sum of terms), an independent calculation. */
static void test_exact_published(void)
{
    static const struct { double count, lower, upper; } table[] = {
        {0, 0.0, 3.6889}, {1, 0.0253, 5.5716}, {2, 0.2422, 7.2247}, {3, 0.6187, 8.7673},
        {5, 1.6235, 11.6683}, {9, 4.1154, 17.0848}, {10, 4.7954, 18.3904}, {11, 5.4912, 19.6820},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        stats_interval limits = stats_poisson_exact(table[i].count, 0.95);
        char what[64];
        snprintf(what, sizeof what, "exact lower O=%g", table[i].count);
        check_absolute(what, limits.lower, table[i].lower, 0.00005);
        snprintf(what, sizeof what, "exact upper O=%g", table[i].count);
        check_absolute(what, limits.upper, table[i].upper, 0.00005);
    }
}

/* Exact limits by definition: P(X >= O | lower) = alpha/2 and P(X <= O | upper) = alpha/2,
 * checked with GSL's Poisson CDF, an independent route from the chi-square quantile. */
static void test_exact_definition(void)
{
    const double levels[] = {0.90, 0.95, 0.998};
    for (size_t l = 0; l < 3; l++) {
        double alpha = 1 - levels[l];
        for (unsigned count = 0; count <= 60; count++) {
            stats_interval limits = stats_poisson_exact(count, levels[l]);
            char what[80];
            if (count > 0) {
                snprintf(what, sizeof what, "P(X>=%u) at exact lower, conf %g", count, levels[l]);
                check_close(what, gsl_cdf_poisson_Q(count - 1, limits.lower), alpha / 2, 1e-9);
            } else {
                check("exact lower of 0 is 0", limits.lower == 0);
            }
            snprintf(what, sizeof what, "P(X<=%u) at exact upper, conf %g", count, levels[l]);
            check_close(what, gsl_cdf_poisson_P(count, limits.upper), alpha / 2, 1e-9);
        }
    }
}

/* Byar's approximation: values worked by hand from the formula of docs/METHODS.md (python3,
 * statistics.NormalDist for z), and the published property that it is within 0.2% of the
 * exact limits for counts of 10 or more at 95% (PHE Technical Guide: Confidence Intervals). */
static void test_byar(void)
{
    stats_interval limits = stats_poisson_byar(10, 0.95);
    check_close("byar lower 10", limits.lower, 4.78744991397, 1e-10);
    check_close("byar upper 10", limits.upper, 18.3914586058, 1e-10);
    limits = stats_poisson_byar(11, 0.95);
    check_close("byar lower 11", limits.lower, 5.48369019845, 1e-10);
    check_close("byar upper 11", limits.upper, 19.6832371161, 1e-10);
    for (unsigned count = 10; count <= 2000; count += 7) {
        stats_interval byar = stats_poisson_byar(count, 0.95);
        stats_interval exact = stats_poisson_exact(count, 0.95);
        check("byar lower within 0.2% of exact", fabs(byar.lower / exact.lower - 1) < 0.002);
        check("byar upper within 0.2% of exact", fabs(byar.upper / exact.upper - 1) < 0.002);
    }
}

/* The switch: exact below 10, Byar from 10 on. */
static void test_switch(void)
{
    stats_interval nine = stats_poisson_limits(9, 0.95), nine_exact = stats_poisson_exact(9, 0.95);
    stats_interval ten = stats_poisson_limits(10, 0.95), ten_byar = stats_poisson_byar(10, 0.95);
    check("O=9 uses exact", nine.lower == nine_exact.lower && nine.upper == nine_exact.upper);
    check("O=10 uses Byar", ten.lower == ten_byar.lower && ten.upper == ten_byar.upper);
    check_close("O=9 exact lower (python bisection)", nine.lower, 4.11537309738, 1e-9);
    check_close("O=9 exact upper (python bisection)", nine.upper, 17.0848034514, 1e-9);
}

/* Wilson: the worked examples of Newcombe (1998), Statistics in Medicine 17:857-872, Table II
 * (method 3), to 4 decimals. */
static void test_wilson(void)
{
    static const struct { double events, total, lower, upper; } table[] = {
        {81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605}, {0, 20, 0.0000, 0.1611},
        {1, 29, 0.0061, 0.1718},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        stats_interval limits = stats_wilson(table[i].events, table[i].total, 0.95);
        check_absolute("wilson lower", limits.lower, table[i].lower, 0.00005);
        check_absolute("wilson upper", limits.upper, table[i].upper, 0.00005);
        /* Near 1: the interval for n - x events mirrors that for x. */
        stats_interval mirror = stats_wilson(table[i].total - table[i].events, table[i].total, 0.95);
        check_close("wilson mirror lower", mirror.lower, 1 - limits.upper, 1e-12);
        check_close("wilson mirror upper", mirror.upper, 1 - limits.lower, 1e-12);
    }
    stats_interval none = stats_wilson(0, 20, 0.95), all = stats_wilson(20, 20, 0.95);
    check("wilson 0/n lower is 0", none.lower == 0);
    check("wilson n/n upper is 1", all.upper == 1);
}

int main(void)
{
    test_normal_quantile();
    test_exact_published();
    test_exact_definition();
    test_byar();
    test_switch();
    test_wilson();
    if (failures) {
        fprintf(stderr, "stats_intervals: %d failures\n", failures);
        return 1;
    }
    return 0;
}
