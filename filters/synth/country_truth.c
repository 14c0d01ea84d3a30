/* country_truth.c: --truth of --country: the planted rate model of GMSD and CAK, and what it
 * implies for the municipalities drawn: the expected group means (unweighted and weighted by
 * population) at the first and last month or period, and the difference-in-differences. */
#include <stdio.h>

#include "country.h"


enum { AGE_ALL, AGE_65PLUS, AGE_UNDER65 };
static const char *const age_names[] = {"all", "65plus", "under65"};

/* The expected clients per 1,000 inhabitants of an age group of municipality J at unit T. */
static double expected_rate(const synth *s, const country *c, int j, int source, int t, int age)
{
    const source_model *model = &source_models[source];
    int units = source == SOURCE_GMSD ? c->months : c->periods;
    int month = unit_month(s, source, t);
    double rate = planted_rate(c, j, source, units > 1 ? (double)t / (units - 1) : 0);
    rate = rate < RATE_FLOOR ? RATE_FLOOR : rate;
    double total = (double)own_population(c, j, month, false);
    double share = (double)own_population(c, j, month, true) / total;
    double under65 = rate / (1 + (model->rate_ratio_65plus - 1) * share);
    return age == AGE_ALL ? rate : age == AGE_65PLUS ? model->rate_ratio_65plus * under65 : under65;
}

/* The mean over the included municipalities of one group, unweighted or weighted by the
 * population of the first month. */
static double group_mean(const synth *s, const country *c, int source, int wijkteam, int t, int age,
                         bool weighted)
{
    double sum = 0, weights = 0;
    for (int j = 0; j < c->count; j++) {
        if (c->municipalities[j].wijkteam != wijkteam || !municipality_included(c, j, source))
            continue;
        double weight = weighted ? (double)own_population(c, j, 0, false) : 1;
        sum += weight * expected_rate(s, c, j, source, t, age);
        weights += weight;
    }
    return weights > 0 ? sum / weights : 0;
}

static void unit_label(const synth *s, int source, int t, char *out)
{
    if (source == SOURCE_GMSD)
        format_month(s, t, out);
    else
        snprintf(out, 16, "%04d-P%02d", s->options.first_year + t / CARE_PERIODS_PER_YEAR,
                 t % CARE_PERIODS_PER_YEAR + 1);
}

static void truth_expected(const synth *s, const country *c, record_writer *w, int source)
{
    const char *name = source_models[source].name;
    int last = (source == SOURCE_GMSD ? c->months : c->periods) - 1;
    char level[96], unit[16];
    for (int weighted = 0; weighted < 2; weighted++) {
        const char *weighting = weighted ? "weighted" : "unweighted";
        for (int age = 0; age < 3; age++)
            for (int wijkteam = 0; wijkteam < 2; wijkteam++)
                for (int end = 0; end < 2; end++) {
                    unit_label(s, source, end ? last : 0, unit);
                    snprintf(level, sizeof level, "%s:%s:%s:%s", weighting,
                             wijkteam ? "wijkteam" : "no_wijkteam", age_names[age], unit);
                    truth_row(w, name, "expected_rate", level,
                              group_mean(s, c, source, wijkteam, end ? last : 0, age, weighted));
                }
        for (int age = 0; age < 3; age++) {
            double did = group_mean(s, c, source, 1, last, age, weighted) -
                         group_mean(s, c, source, 1, 0, age, weighted) -
                         group_mean(s, c, source, 0, last, age, weighted) +
                         group_mean(s, c, source, 0, 0, age, weighted);
            snprintf(level, sizeof level, "%s:%s", weighting, age_names[age]);
            truth_row(w, name, "did_two_point", level, did);
            truth_row(w, name, "did_linear_slope_per_unit", level, last > 0 ? did / last : 0);
        }
    }
}

static void truth_model(const country *c, record_writer *w, int source)
{
    const source_model *model = &source_models[source];
    int included[2] = {0, 0};
    for (int j = 0; j < c->count; j++)
        included[c->municipalities[j].wijkteam] += municipality_included(c, j, source);
    truth_row(w, model->name, "base_rate", "", model->base);
    truth_row(w, model->name, "trend", "", model->trend);
    truth_row(w, model->name, "wijkteam_gap", "", model->gap);
    truth_row(w, model->name, "wijkteam_effect", "", model->effect);
    truth_row(w, model->name, "size_level_per_log_population", "", model->size_level);
    truth_row(w, model->name, "municipality_level_sd", "", model->level_sd);
    truth_row(w, model->name, "size_effect_per_log_population", "", model->size_effect);
    truth_row(w, model->name, "rate_ratio_65plus", "", model->rate_ratio_65plus);
    truth_row(w, model->name, "mean_duration_units", "", 1 / (1 - model->continuation));
    truth_row(w, model->name, "other_rate", "65plus", model->other_rate_65plus);
    truth_row(w, model->name, "other_rate", "under65", model->other_rate_under65);
    truth_row(w, model->name, "other_mean_duration_units", "", 1 / (1 - model->other_continuation));
    truth_row(w, model->name, "municipalities_included", "no_wijkteam", included[0]);
    truth_row(w, model->name, "municipalities_included", "wijkteam", included[1]);
}

static void truth_country(const synth *s, const country *c, record_writer *w)
{
    double population[2] = {0, 0};
    int count[2] = {0, 0}, mergers = 0;
    for (int j = 0; j < c->count; j++) {
        const municipality *mu = &c->municipalities[j];
        population[mu->wijkteam] += (double)own_population(c, j, 0, false);
        count[mu->wijkteam]++;
        mergers += mu->merged_into >= 0;
    }
    truth_row(w, "run", "seed", "", (double)s->options.seed);
    truth_row(w, "run", "municipalities", "", c->count);
    truth_row(w, "run", "scale", "", s->options.scale);
    truth_row(w, "run", "first_year", "", s->options.first_year);
    truth_row(w, "run", "last_year", "", s->options.last_year);
    truth_row(w, "run", "dirty_rate", "", s->options.dirty);
    truth_row(w, "country", "municipalities", "no_wijkteam", count[0]);
    truth_row(w, "country", "municipalities", "wijkteam", count[1]);
    truth_row(w, "country", "mean_population", "no_wijkteam", count[0] ? population[0] / count[0] : 0);
    truth_row(w, "country", "mean_population", "wijkteam", count[1] ? population[1] / count[1] : 0);
    truth_row(w, "country", "mergers", "", mergers);
    truth_row(w, "cak", "chance_client_is_gmsd_client", "", CAK_IN_GMSD);
}

/* Writes and closes W. */
void write_country_truth(const synth *s, const country *c, record_writer *w)
{
    const char *header[] = {"model", "parameter", "level", "value"};
    record_writer_record(w, (char *const *)header, NULL, 4);
    truth_country(s, c, w);
    for (int source = 0; source < SOURCE_COUNT; source++) {
        truth_model(c, w, source);
        truth_expected(s, c, w, source);
    }
    record_writer_close(w);
}
