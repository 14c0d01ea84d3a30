/* stats.h: the rates, proportions, means of counts, standardised values and confidence intervals
 * of docs/METHODS.md (crude, Dobson DSR, binomial DSR of proportions, directly standardised means,
 * SMR, ratios and differences), with normal and chi-square quantiles from GSL. No I/O: filters
 * feed it numbers. */
#ifndef KOPPEL_STATS_H
#define KOPPEL_STATS_H

#include <stdbool.h>

/* Below this many events the exact Poisson limits are used, from it on Byar's approximation;
 * a directly standardised rate is not reported below it. */
#define STATS_BYAR_MINIMUM 10

/* An interval; lower and upper are NAN when undefined. */
typedef struct stats_interval {
    double lower;
    double upper;
} stats_interval;

/* A point estimate with its variance (on the scale of the estimate, multiplier included) and
 * confidence limits. estimate is NAN when not defined; the limits are NAN when not defined. */
typedef struct stats_estimate {
    double estimate;
    double variance;
    double lower;
    double upper;
} stats_estimate;

/* z such that the two-sided normal interval has this CONFIDENCE (0 < confidence < 1):
 * the standard normal quantile at 1 - (1 - confidence)/2. */
double stats_z(double confidence);

/* Quantile of the chi-square distribution with DF degrees of freedom (DF > 0). */
double stats_chisq_quantile(double probability, double degrees_of_freedom);

/* Limits on a Poisson count OBSERVED (>= 0). */
stats_interval stats_poisson_byar(double observed, double confidence);
stats_interval stats_poisson_exact(double observed, double confidence);
/* Byar when OBSERVED >= STATS_BYAR_MINIMUM, exact below. */
stats_interval stats_poisson_limits(double observed, double confidence);

/* Wilson score interval for EVENTS out of TOTAL (> 0), as fractions (0..1). */
stats_interval stats_wilson(double events, double total, double confidence);

/* Crude rate OBSERVED/POPULATION*MULTIPLIER with Byar/exact limits on the count, and its
 * Poisson variance. POPULATION 0 gives NAN everywhere. */
stats_estimate stats_crude_rate(double observed, double population, double confidence,
                                double multiplier);
/* Crude proportion EVENTS/TOTAL*MULTIPLIER with Wilson limits and binomial variance. */
stats_estimate stats_crude_proportion(double events, double total, double confidence,
                                      double multiplier);

/* The sums a direct standardisation needs, accumulated one stratum at a time. */
typedef struct stats_direct {
    double weight_sum;          /* Σ w_i */
    double weighted_rate_sum;   /* Σ w_i x_i / n_i */
    double dobson_sum;          /* Σ x_i (w_i / n_i)^2 */
    double binomial_sum;        /* Σ w_i^2 p_i (1 - p_i) / n_i */
    double observed;            /* Σ x_i over the strata with a weight */
} stats_direct;

/* Add stratum (EVENTS, POPULATION, WEIGHT). POPULATION must be > 0 when WEIGHT > 0 (the caller
 * reports that case); a stratum with WEIGHT 0 is no part of the standardised rate and adds
 * nothing, not even to O. */
void stats_direct_add(stats_direct *sums, double events, double population, double weight);

/* Directly standardised rate (Dobson et al. 1991) with Byar/exact limits on O = Σ x_i.
 * NAN estimate when O < STATS_BYAR_MINIMUM (not reported) or Σ w_i = 0. */
stats_estimate stats_dsr_rate(const stats_direct *sums, double confidence, double multiplier);
/* Directly standardised proportion with binomial variance and a normal interval (Stata's
 * dstdize). NAN when Σ w_i = 0. */
stats_estimate stats_dsr_proportion(const stats_direct *sums, double confidence, double multiplier);

/* Standardised ratio O/E with Byar/exact limits O_L/E, O_U/E, and variance O/E^2.
 * NAN when E = 0. */
stats_estimate stats_smr(double observed, double expected, double confidence);

/* Sample variance s^2 = (Σy^2 - (Σy)^2/n) / (n - 1) of N values from their SUM and
 * SUM_OF_SQUARES; NAN when N < 2 (one value has no sample variance). Never below 0 (rounding
 * can leave -1e-16 where all values are equal). */
double stats_sample_variance(double n, double sum, double sum_of_squares);

/* Crude mean SUM/N*MULTIPLIER of per-person values, variance s^2/N*MULTIPLIER^2 and normal
 * limits. N 0 gives NAN everywhere; N 1 the mean with NAN variance and limits. */
stats_estimate stats_crude_mean(double n, double sum, double sum_of_squares, double confidence,
                                double multiplier);

/* The sums a directly standardised mean needs, one stratum at a time. */
typedef struct stats_direct_mean {
    double weight_sum;         /* Σ w_s */
    double weighted_mean_sum;  /* Σ w_s m_s */
    double variance_sum;       /* Σ w_s^2 s_s^2 / n_s */
} stats_direct_mean;

/* Add stratum (N persons, SUM and SUM_OF_SQUARES of their values, WEIGHT). N must be 2 or more
 * when WEIGHT > 0 (the caller reports the other cases); a stratum with WEIGHT 0 adds nothing. */
void stats_direct_mean_add(stats_direct_mean *sums, double n, double sum, double sum_of_squares,
                           double weight);

/* DSM = Σ w_s m_s / Σ w_s * MULTIPLIER, var = Σ w_s^2 s_s^2/n_s / (Σ w_s)^2 * MULTIPLIER^2,
 * normal limits. NAN when Σ w_s = 0. */
stats_estimate stats_dsm(const stats_direct_mean *sums, double confidence, double multiplier);

/* Comparison of a group's estimate with a reference group's. */
typedef struct stats_comparison {
    double ratio, ratio_lower, ratio_upper;                /* NAN when a rate is 0 */
    double difference, difference_lower, difference_upper;
    int significant; /* 1 when the ratio's interval excludes 1, 0 when not, -1 undefined */
} stats_comparison;

/* R = r1/r0 with var(ln R) = var1/r1^2 + var0/r0^2 and limits exp(ln R ± z sqrt(var(ln R)));
 * difference r1 - r0 ± z sqrt(var1 + var0). Both estimates must be defined (not NAN). */
stats_comparison stats_compare(const stats_estimate *group, const stats_estimate *reference,
                               double confidence);

/* The persons in both a group and its reference group (partially overlapping samples, e.g.
 * the patients of both years): how many, and how many of them had the event in both, in the
 * group only and in the reference group only. */
typedef struct stats_overlap {
    double persons;
    double events_both, events_group_only, events_reference_only;
} stats_overlap;

/* Cov(p1, p0) = n_b (p11 - p1b p0b) / (n1 n0) * MULTIPLIER^2 of the proportions of a group of
 * GROUP_TOTAL persons and a reference group of REFERENCE_TOTAL persons that share OVERLAP's
 * persons (p11, p1b, p0b: the shares of the overlap with the event in both, in the group, in
 * the reference group). 0 when no person is in both. */
double stats_overlap_covariance(const stats_overlap *overlap, double group_total,
                                double reference_total, double multiplier);

/* stats_compare for two estimates with covariance COVARIANCE (on the estimates' scale):
 * var(difference) = var1 + var0 - 2 cov, var(ln R) = var1/r1^2 + var0/r0^2 - 2 cov/(r1 r0).
 * A covariance of 0 gives stats_compare's result exactly. */
stats_comparison stats_compare_correlated(const stats_estimate *group,
                                          const stats_estimate *reference, double covariance,
                                          double confidence);

#endif
