/* standardise_stats_standardise.c: unit tests for the standardised rates, ratios and comparisons of
 * filters/standardise/stats.c, on published worked examples; limits worked independently in python3
 * (standard library only) from the formulas of docs/METHODS.md. */
#include <math.h>
#include <stdio.h>

#include "stats.h"

static int failures;

static void check_close(const char *what, double got, double expected, double relative)
{
    if (!(fabs(got - expected) <= relative * fabs(expected))) {
        fprintf(stderr, "stats_standardise: %s: got %.15g, expected %.15g\n", what, got, expected);
        failures++;
    }
}

static void check(const char *what, int condition)
{
    if (!condition) {
        fprintf(stderr, "stats_standardise: check failed: %s\n", what);
        failures++;
    }
}

/* Down syndrome by maternal age, Michigan 1950-1964 (Fleiss 1981, Table 14.4; used by Fay &
 * Feuer 1997 and the dsrTest vignette): live births of birth order 5+ standardised to all live
 * births. Published DSR: 75.52901 per 100,000. One stratum has no events. */
static const double order5_cases[] = {0, 8, 63, 112, 262, 295};
static const double order5_births[] = {327, 30666, 123419, 149919, 104088, 34392};
static const double order1_cases[] = {107, 141, 60, 40, 39, 25};
static const double order1_births[] = {230061, 329449, 114920, 39487, 14208, 3052};
static const double all_births[] = {319933, 931318, 786511, 488235, 237863, 61313};

static stats_direct sums_of(const double *cases, const double *births)
{
    stats_direct sums = {0};
    for (int i = 0; i < 6; i++)
        stats_direct_add(&sums, cases[i], births[i], all_births[i]);
    return sums;
}

static void test_dsr_rate(void)
{
    stats_direct sums = sums_of(order5_cases, order5_births);
    stats_estimate dsr = stats_dsr_rate(&sums, 0.95, 1e5);
    check_close("DSR birth order 5+ (published 75.52901)", dsr.estimate, 75.52901, 0.5e-7);
    /* Dobson limits with Byar limits on O = 740, python3 */
    check_close("DSR lower", dsr.lower, 67.6327431226896, 1e-12);
    check_close("DSR upper", dsr.upper, 83.8671087085424, 1e-12);
    check_close("DSR variance", dsr.variance, 16.8270969436519, 1e-12);
    check("DSR observed", sums.observed == 740);
}

/* Fewer than 10 events: the DSR is not reported; 10 events: it is. */
static void test_dsr_threshold(void)
{
    stats_direct sums = {0};
    stats_direct_add(&sums, 4, 1000, 3);
    stats_direct_add(&sums, 5, 2000, 1);
    check("DSR with O=9 not reported", isnan(stats_dsr_rate(&sums, 0.95, 1000).estimate));
    stats_direct_add(&sums, 7, 300, 0);
    check("a stratum without weight adds nothing to O", sums.observed == 9);
    check("DSR with O=9 still not reported", isnan(stats_dsr_rate(&sums, 0.95, 1000).estimate));
    stats_direct_add(&sums, 1, 500, 2);
    stats_estimate ten = stats_dsr_rate(&sums, 0.95, 1000);
    check("DSR with O=10 reported", !isnan(ten.estimate));
    /* by hand: (3*4/1000 + 1*5/2000 + 2*1/500) / 6 * 1000 = 18.5/6 */
    check_close("DSR with O=10", ten.estimate, 18.5 / 6, 1e-15);
}

/* Standardised proportion with binomial variance (Stata dstdize), python3:
 * p = 5/50, 30/120, 60/90 with weights 1000, 2000, 1500. */
static void test_dsr_proportion(void)
{
    stats_direct sums = {0};
    stats_direct_add(&sums, 5, 50, 1000);
    stats_direct_add(&sums, 30, 120, 2000);
    stats_direct_add(&sums, 60, 90, 1500);
    stats_estimate dsp = stats_dsr_proportion(&sums, 0.95, 100);
    check_close("DSP estimate", dsp.estimate, 35.5555555555556, 1e-13);
    check_close("DSP lower", dsp.lower, 30.4752045713097, 1e-12);
    check_close("DSP upper", dsp.upper, 40.6359065398014, 1e-12);
    check_close("DSP variance", dsp.variance, 6.71879286694102, 1e-12);
}

/* SAS/STAT PROC STDRATE, Getting Started: skin cancer deaths, Florida 2000 against the United
 * States 2000. Published expected events per age band (3 decimals) and the strata SMRs. */
static void test_smr(void)
{
    static const double florida_deaths[] = {0, 0, 4, 14, 43, 72, 70, 126, 136, 73};
    static const double florida_years[] = {953785, 1997935, 1885014, 1957573, 2356649,
                                           2088000, 1548371, 1447432, 1087524, 335944};
    static const double us_deaths[] = {0, 1, 41, 186, 626, 1199, 1303, 1637, 1624, 803};
    static const double us_years[] = {19175798, 41077577, 39183891, 39892024, 45148527,
                                      37677952, 24274684, 18390986, 12361180, 4239587};
    static const double published_expected[] = {0.000, 0.049, 1.972, 9.127, 32.676,
                                                 66.445, 83.112, 128.837, 142.878, 63.630};
    double expected = 0, observed = 0;
    for (int i = 0; i < 10; i++) {
        double e = florida_years[i] * us_deaths[i] / us_years[i];
        check("expected per band (published, 3 decimals)", fabs(e - published_expected[i]) <= 0.0005);
        expected += e;
        observed += florida_deaths[i];
    }
    stats_estimate smr = stats_smr(observed, expected, 0.95);
    check_close("SMR = 538 / 528.726", smr.estimate, 538 / 528.726331, 1e-8);
    /* published strata SMRs: 25-34 1.5339, 45-54 1.0836, 55-64 0.8422 */
    check("SMR 25-34", fabs(stats_smr(14, florida_years[3] * 186 / 39892024.0, 0.95).estimate - 1.5339) < 0.00005);
    check("SMR 45-54", fabs(stats_smr(72, florida_years[5] * 1199 / 37677952.0, 0.95).estimate - 1.0836) < 0.00005);
    check("SMR 55-64", fabs(stats_smr(70, florida_years[6] * 1303 / 24274684.0, 0.95).estimate - 0.8422) < 0.00005);
    /* 15-24 has O = 4: exact limits on the count (python3 bisection on the Poisson CDF) / E */
    double e4 = florida_years[2] * 41 / 39183891.0;
    stats_estimate four = stats_smr(4, e4, 0.95);
    check_close("SMR 15-24 lower (exact)", four.lower * e4, 1.0898653736, 1e-9);
    check_close("SMR 15-24 upper (exact)", four.upper * e4, 10.2415886754, 1e-9);
    check("SMR with E=0 undefined", isnan(stats_smr(0, 0, 0.95).estimate));
}

/* Ratio and difference of the two DSRs (birth order 5+ against birth order 1), python3. */
static void test_compare(void)
{
    stats_direct five = sums_of(order5_cases, order5_births);
    stats_direct one = sums_of(order1_cases, order1_births);
    stats_estimate a = stats_dsr_rate(&five, 0.95, 1e5), b = stats_dsr_rate(&one, 0.95, 1e5);
    check_close("DSR birth order 1", b.estimate, 92.3045255331994, 1e-12);
    stats_comparison c = stats_compare(&a, &b, 0.95);
    check_close("ratio", c.ratio, 0.8182589857752, 1e-12);
    check_close("ratio lower", c.ratio_lower, 0.690132021544774, 1e-12);
    check_close("ratio upper", c.ratio_upper, 0.97017345507771, 1e-12);
    check_close("difference", c.difference, -16.7755180879427, 1e-12);
    check_close("difference lower", c.difference_lower, -31.444761678517, 1e-12);
    check_close("difference upper", c.difference_upper, -2.10627449736827, 1e-12);
    check("significant", c.significant == 1);
    stats_comparison same = stats_compare(&a, &a, 0.95);
    check("a group against itself is not significant", same.significant == 0);
    stats_estimate zero = {0, 0, 0, 0};
    check("ratio to a zero rate undefined", stats_compare(&a, &zero, 0.95).significant == -1);
}

/* Proportions of groups that share persons: a paired 2x2 table of 100 persons (a = 30 with the
 * event in both, b = 15 in the compared group only, c = 5 in the reference only) has
 * var(p1 - p0) = ((b + c) - (b - c)^2/n)/n^2 and var(ln R) = (b + c)/((a + b)(a + c)); with no
 * person in both, the comparison is stats_compare's to the bit. */
static void test_overlap(void)
{
    stats_estimate p1 = stats_crude_proportion(45, 100, 0.95, 100);
    stats_estimate p0 = stats_crude_proportion(35, 100, 0.95, 100);
    stats_overlap paired = {100, 30, 15, 5};
    double covariance = stats_overlap_covariance(&paired, 100, 100, 100);
    check_close("paired covariance", covariance, 100 * (0.30 - 0.45 * 0.35) / (100.0 * 100) * 1e4, 1e-12);
    stats_comparison c = stats_compare_correlated(&p1, &p0, covariance, 0.95);
    double z = stats_z(0.95);
    check_close("paired difference lower", c.difference_lower, 10 - 100 * z * sqrt(19.0 / 1e4), 1e-12);
    check_close("paired ratio upper", c.ratio_upper, 45.0 / 35 * exp(z * sqrt(20.0 / (45 * 35))), 1e-12);
    stats_overlap none = {0, 0, 0, 0};
    check("no overlap, no covariance", stats_overlap_covariance(&none, 100, 100, 100) == 0);
    stats_comparison alone = stats_compare(&p1, &p0, 0.95);
    stats_comparison zero = stats_compare_correlated(&p1, &p0, 0, 0.95);
    check("covariance 0 is stats_compare", alone.difference_lower == zero.difference_lower &&
                                               alone.difference_upper == zero.difference_upper &&
                                               alone.ratio_lower == zero.ratio_lower &&
                                               alone.ratio_upper == zero.ratio_upper);
}

int main(void)
{
    test_dsr_rate();
    test_dsr_threshold();
    test_dsr_proportion();
    test_smr();
    test_compare();
    test_overlap();
    if (failures) {
        fprintf(stderr, "stats_standardise: %d failures\n", failures);
        return 1;
    }
    return 0;
}
