/* stats.c: the formulas of docs/METHODS.md (rates, proportions, means of counts, their
 * standardisation and comparison); quantiles from GSL. */
#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

double stats_z(double confidence)
{
    return gsl_cdf_ugaussian_Pinv(1.0 - (1.0 - confidence) / 2.0);
}

double stats_chisq_quantile(double probability, double degrees_of_freedom)
{
    return gsl_cdf_chisq_Pinv(probability, degrees_of_freedom);
}

stats_interval stats_poisson_byar(double observed, double confidence)
{
    double z = stats_z(confidence);
    stats_interval limits;
    if (observed > 0) {
        double root = sqrt(observed);
        double factor = 1.0 - 1.0 / (9.0 * observed) - z / (3.0 * root);
        limits.lower = observed * factor * factor * factor;
    } else {
        limits.lower = 0.0;
    }
    double next = observed + 1.0;
    double factor = 1.0 - 1.0 / (9.0 * next) + z / (3.0 * sqrt(next));
    limits.upper = next * factor * factor * factor;
    return limits;
}

stats_interval stats_poisson_exact(double observed, double confidence)
{
    double alpha = 1.0 - confidence;
    stats_interval limits;
    /* The chi-square with 0 degrees of freedom is a point mass at 0: no events, lower limit 0. */
    limits.lower = observed > 0 ? stats_chisq_quantile(alpha / 2.0, 2.0 * observed) / 2.0 : 0.0;
    limits.upper = stats_chisq_quantile(1.0 - alpha / 2.0, 2.0 * observed + 2.0) / 2.0;
    return limits;
}

stats_interval stats_poisson_limits(double observed, double confidence)
{
    return observed >= STATS_BYAR_MINIMUM ? stats_poisson_byar(observed, confidence)
                                          : stats_poisson_exact(observed, confidence);
}

stats_interval stats_wilson(double events, double total, double confidence)
{
    double z = stats_z(confidence);
    double z2 = z * z;
    double spread = z * sqrt(z2 + 4.0 * events * (1.0 - events / total));
    double denominator = 2.0 * (total + z2);
    stats_interval limits = {(2.0 * events + z2 - spread) / denominator,
                             (2.0 * events + z2 + spread) / denominator};
    /* Rounding can leave -1e-17 where the formula gives exactly 0 (no events), or 1 + 1e-16
     * where it gives 1 (all events). */
    if (events == 0)
        limits.lower = 0.0;
    if (events == total)
        limits.upper = 1.0;
    return limits;
}

static stats_estimate undefined_estimate(void)
{
    stats_estimate result = {NAN, NAN, NAN, NAN};
    return result;
}

stats_estimate stats_crude_rate(double observed, double population, double confidence,
                                double multiplier)
{
    if (!(population > 0))
        return undefined_estimate();
    stats_interval count = stats_poisson_limits(observed, confidence);
    stats_estimate result;
    result.estimate = observed / population * multiplier;
    result.variance = observed / (population * population) * multiplier * multiplier;
    result.lower = count.lower / population * multiplier;
    result.upper = count.upper / population * multiplier;
    return result;
}

stats_estimate stats_crude_proportion(double events, double total, double confidence,
                                      double multiplier)
{
    if (!(total > 0))
        return undefined_estimate();
    double p = events / total;
    stats_interval limits = stats_wilson(events, total, confidence);
    stats_estimate result;
    result.estimate = p * multiplier;
    result.variance = p * (1.0 - p) / total * multiplier * multiplier;
    result.lower = limits.lower * multiplier;
    result.upper = limits.upper * multiplier;
    return result;
}

void stats_direct_add(stats_direct *sums, double events, double population, double weight)
{
    /* A stratum without weight is no part of the weighted sum, nor of its O. */
    if (weight == 0)
        return;
    sums->observed += events;
    double share = weight / population;
    double p = events / population;
    sums->weight_sum += weight;
    sums->weighted_rate_sum += share * events;
    sums->dobson_sum += events * share * share;
    sums->binomial_sum += weight * weight * p * (1.0 - p) / population;
}

stats_estimate stats_dsr_rate(const stats_direct *sums, double confidence, double multiplier)
{
    double observed = sums->observed;
    if (observed < STATS_BYAR_MINIMUM || !(sums->weight_sum > 0))
        return undefined_estimate();
    double total_weight = sums->weight_sum;
    double variance = sums->dobson_sum / (total_weight * total_weight);
    stats_interval count = stats_poisson_limits(observed, confidence);
    stats_estimate result;
    result.estimate = sums->weighted_rate_sum / total_weight * multiplier;
    result.variance = variance * multiplier * multiplier;
    double scale = sqrt(variance / observed);
    result.lower = result.estimate + scale * (count.lower - observed) * multiplier;
    result.upper = result.estimate + scale * (count.upper - observed) * multiplier;
    return result;
}

stats_estimate stats_dsr_proportion(const stats_direct *sums, double confidence, double multiplier)
{
    if (!(sums->weight_sum > 0))
        return undefined_estimate();
    double total_weight = sums->weight_sum;
    double variance = sums->binomial_sum / (total_weight * total_weight);
    double half_width = stats_z(confidence) * sqrt(variance) * multiplier;
    stats_estimate result;
    result.estimate = sums->weighted_rate_sum / total_weight * multiplier;
    result.variance = variance * multiplier * multiplier;
    result.lower = result.estimate - half_width;
    result.upper = result.estimate + half_width;
    return result;
}

double stats_sample_variance(double n, double sum, double sum_of_squares)
{
    if (!(n >= 2))
        return NAN;
    double variance = (sum_of_squares - sum * sum / n) / (n - 1.0);
    return variance > 0 ? variance : 0.0;
}

/* ESTIMATE and VARIANCE (multiplier included) with limits estimate ± z sqrt(variance). */
static stats_estimate normal_estimate(double estimate, double variance, double confidence)
{
    double half_width = stats_z(confidence) * sqrt(variance);
    stats_estimate result = {estimate, variance, estimate - half_width, estimate + half_width};
    return result;
}

stats_estimate stats_crude_mean(double n, double sum, double sum_of_squares, double confidence,
                                double multiplier)
{
    if (!(n > 0))
        return undefined_estimate();
    double variance = stats_sample_variance(n, sum, sum_of_squares) / n;
    return normal_estimate(sum / n * multiplier, variance * multiplier * multiplier, confidence);
}

void stats_direct_mean_add(stats_direct_mean *sums, double n, double sum, double sum_of_squares,
                           double weight)
{
    if (weight == 0)
        return;
    sums->weight_sum += weight;
    sums->weighted_mean_sum += weight * (sum / n);
    sums->variance_sum += weight * weight * stats_sample_variance(n, sum, sum_of_squares) / n;
}

stats_estimate stats_dsm(const stats_direct_mean *sums, double confidence, double multiplier)
{
    if (!(sums->weight_sum > 0))
        return undefined_estimate();
    double total_weight = sums->weight_sum;
    double variance = sums->variance_sum / (total_weight * total_weight);
    return normal_estimate(sums->weighted_mean_sum / total_weight * multiplier,
                           variance * multiplier * multiplier, confidence);
}

stats_estimate stats_smr(double observed, double expected, double confidence)
{
    if (!(expected > 0))
        return undefined_estimate();
    stats_interval count = stats_poisson_limits(observed, confidence);
    stats_estimate result;
    result.estimate = observed / expected;
    result.variance = observed / (expected * expected);
    result.lower = count.lower / expected;
    result.upper = count.upper / expected;
    return result;
}

double stats_overlap_covariance(const stats_overlap *overlap, double group_total,
                                double reference_total, double multiplier)
{
    double n = overlap->persons;
    if (!(n > 0))
        return 0.0;
    double both = overlap->events_both / n;
    double in_group = (overlap->events_both + overlap->events_group_only) / n;
    double in_reference = (overlap->events_both + overlap->events_reference_only) / n;
    return n * (both - in_group * in_reference) / (group_total * reference_total) * multiplier *
           multiplier;
}

/* A variance less a covariance term; never below 0, which consistent counts cannot give but
 * rounding can where the variance is 0. */
static double variance_less(double variance, double covariance_term)
{
    double result = variance - covariance_term;
    return result > 0 ? result : 0.0;
}

stats_comparison stats_compare(const stats_estimate *group, const stats_estimate *reference,
                               double confidence)
{
    return stats_compare_correlated(group, reference, 0.0, confidence);
}

stats_comparison stats_compare_correlated(const stats_estimate *group,
                                          const stats_estimate *reference, double covariance,
                                          double confidence)
{
    double z = stats_z(confidence);
    double r1 = group->estimate, r0 = reference->estimate;
    stats_comparison result;
    result.difference = r1 - r0;
    double spread = z * sqrt(variance_less(group->variance + reference->variance, 2.0 * covariance));
    result.difference_lower = result.difference - spread;
    result.difference_upper = result.difference + spread;
    if (r1 > 0 && r0 > 0) {
        double log_ratio = log(r1 / r0);
        double log_variance = variance_less(group->variance / (r1 * r1) +
                                                reference->variance / (r0 * r0),
                                            2.0 * covariance / (r1 * r0));
        double log_spread = z * sqrt(log_variance);
        result.ratio = r1 / r0;
        result.ratio_lower = exp(log_ratio - log_spread);
        result.ratio_upper = exp(log_ratio + log_spread);
        result.significant = result.ratio_lower > 1.0 || result.ratio_upper < 1.0;
    } else {
        result.ratio = result.ratio_lower = result.ratio_upper = NAN;
        result.significant = -1;
    }
    return result;
}
