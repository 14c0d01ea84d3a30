/* municipalities.c: --country's municipalities (size, age, wijkteam, herindelingen, deliveries),
 * their population by month, and the files municipalities.csv, population.csv and
 * municipality_crosswalk.csv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "message.h"

/* Synthetic names: a first part and a second part, 32 x 32 of them, all distinct. */
static const char *const name_first[32] = {
    "Aal", "Beek", "Berg", "Bos", "Broek", "Dal", "Dijk", "Eem", "Gaas", "Geest", "Haar", "Heem",
    "Hol", "Hoog", "Kamp", "Laar", "Lee", "Maas", "Meer", "Moer", "Nieuw", "Noord", "Oost", "Oud",
    "Ree", "Rijn", "Veen", "Vliet", "Wad", "West", "Zand", "Zuid"};
static const char *const name_second[32] = {
    "dam", "dijk", "dorp", "drecht", "haven", "heide", "hem", "horst", "hout", "huizen", "kerk",
    "land", "loo", "meer", "mond", "oord", "rode", "schoten", "sluis", "stad", "steyn", "veen",
    "veld", "vliet", "voorde", "waard", "wijk", "wold", "woude", "zande", "zijl", "zoom"};

static int month_year(const synth *s, int m) { return s->options.first_year + m / 12; }
static int month_of_year(int m) { return m % 12 + 1; }

void format_month(const synth *s, int m, char *out)
{
    snprintf(out, 16, "%04u-%02u", (unsigned)month_year(s, m) % 10000, (unsigned)month_of_year(m) % 100);
}

/* Months m < 0 lie before the study (a decision that began earlier). */
static void format_any_month(const synth *s, int m, char *out)
{
    int year = s->options.first_year + (m >= 0 ? m / 12 : -((-m + 11) / 12));
    int month = m - (year - s->options.first_year) * 12 + 1;
    snprintf(out, 16, "%04u-%02u", (unsigned)year % 10000, (unsigned)month % 100);
}

static double draw_size(synth *s, int j, const int large[COUNTRY_LARGE_CITIES], int large_count)
{
    for (int i = 0; i < large_count; i++)
        if (large[i] == j)
            return large_city_population[i];
    double size;
    do
        size = SIZE_MEDIAN * exp(gsl_ran_gaussian(s->rng, SIZE_LOG_SD));
    while (size < SIZE_LOWEST || size > SIZE_HIGHEST);
    return size;
}

/* Code, name, size, age, growth, wijkteam, and the level of each source's rate. */
static void draw_municipality(synth *s, country *c, int j, const int *large, int large_count)
{
    municipality *mu = &c->municipalities[j];
    double step = 1998.0 / c->count;
    int code = 1 + (int)(j * step) + (int)uniform_int(s->rng, (unsigned long)step);
    snprintf(mu->code, sizeof mu->code, "GM%04d", code);
    snprintf(mu->name, sizeof mu->name, "%s%s", name_first[j % 32], name_second[(j / 32) % 32]);
    double size = draw_size(s, j, large, large_count);
    mu->z = log(size / SIZE_MEDIAN);
    mu->population = fmax(SCALED_POPULATION_MIN, round(size * s->options.scale));
    mu->share_65plus = SHARE_65_MEAN + SHARE_65_PER_LOG_SIZE * mu->z + gsl_ran_gaussian(s->rng, SHARE_65_SD);
    mu->share_65plus = fmin(0.35, fmax(0.08, mu->share_65plus));
    mu->growth = GROWTH_PER_MONTH_MEAN + gsl_ran_gaussian(s->rng, GROWTH_PER_MONTH_SD);
    double logit = WIJKTEAM_LOGIT_INTERCEPT + WIJKTEAM_LOGIT_PER_LOG_SIZE * mu->z;
    mu->wijkteam = chance(s->rng, 1 / (1 + exp(-logit)));
    /* A team since two years before the study to a year into it (descriptive only). */
    mu->wijkteam_since = mu->wijkteam ? -24 + (int)uniform_int(s->rng, 37) : 0;
    mu->merged_into = -1;
    mu->merger_month = mu->gmsd_missed_year = mu->cak_stopped_year = mu->category_change_month = -1;
    for (int source = 0; source < SOURCE_COUNT; source++) {
        const source_model *model = &source_models[source];
        mu->level[source] = model->size_level * mu->z + gsl_ran_gaussian(s->rng, model->level_sd);
        mu->effect[source] = model->size_effect * mu->z;
    }
}

/* The GMSD year a municipality missed, the year from which it has no CAK data (co-payment
 * abolished), the month it moved support into another product category. */
static void draw_deliveries(synth *s, country *c, int j)
{
    municipality *mu = &c->municipalities[j];
    int years = s->year_count;
    if (chance(s->rng, GMSD_MISSED_YEAR))
        mu->gmsd_missed_year = (int)uniform_int(s->rng, (unsigned long)years);
    if (chance(s->rng, CAK_STOPPED))
        mu->cak_stopped_year = years > 1 ? 1 + (int)uniform_int(s->rng, (unsigned long)(years - 1)) : 0;
    if (chance(s->rng, CATEGORY_CHANGE)) {
        if (years > 1)
            mu->category_change_month = 12 * (1 + (int)uniform_int(s->rng, (unsigned long)(years - 1)));
        else
            mu->category_change_month = 1 + (int)uniform_int(s->rng, 11);
    }
}

/* Herindelingen: a small municipality joins another on 1 January of a later study year; the
 * absorbing one keeps its code. Each municipality takes part in at most one. */
static void draw_mergers(synth *s, country *c)
{
    int mergers = s->year_count > 1 ? (int)lround(MERGER_SHARE * c->count) : 0;
    for (int done = 0, tries = 0; done < mergers && tries < 100 * c->count; tries++) {
        int j = (int)uniform_int(s->rng, (unsigned long)c->count);
        int k = (int)uniform_int(s->rng, (unsigned long)c->count);
        municipality *small = &c->municipalities[j], *large = &c->municipalities[k];
        if (j == k || small->merger_month >= 0 || large->merger_month >= 0 || small->z > 0)
            continue;
        small->merged_into = k;
        small->merger_month = large->merger_month =
            12 * (1 + (int)uniform_int(s->rng, (unsigned long)(s->year_count - 1)));
        done++;
    }
}

void draw_municipalities(synth *s, country *c)
{
    c->months = 12 * s->year_count;
    c->periods = CARE_PERIODS_PER_YEAR * s->year_count;
    for (int m = 0; m <= c->months; m++)
        c->month_start[m] = day_of(month_year(s, m), month_of_year(m), 1);
    c->municipalities = xcalloc((size_t)c->count, sizeof *c->municipalities);
    int large[COUNTRY_LARGE_CITIES], large_count = c->count >= 40 ? COUNTRY_LARGE_CITIES : 0;
    for (int i = 0; i < large_count; i++) {
        bool taken;
        do {
            large[i] = (int)uniform_int(s->rng, (unsigned long)c->count);
            taken = false;
            for (int k = 0; k < i; k++)
                taken = taken || large[k] == large[i];
        } while (taken);
    }
    for (int j = 0; j < c->count; j++)
        draw_municipality(s, c, j, large, large_count);
    for (int j = 0; j < c->count; j++)
        draw_deliveries(s, c, j);
    draw_mergers(s, c);
    center_municipality_effects(c);
}

/* In a source's analysis as the CPB chose: delivered every year, no herindeling, no change of
 * product categories. */
bool municipality_included(const country *c, int j, int source)
{
    const municipality *mu = &c->municipalities[j];
    bool delivered = source == SOURCE_GMSD ? mu->gmsd_missed_year < 0 : mu->cak_stopped_year < 0;
    return delivered && mu->merger_month < 0 && mu->category_change_month < 0;
}

/* Levels and effects centred per group over the included municipalities, so that the group
 * means of the planted rates are exactly base, base + gap, and so on. */
void center_municipality_effects(country *c)
{
    for (int source = 0; source < SOURCE_COUNT; source++)
        for (int group = 0; group < 2; group++) {
            double level = 0, effect = 0;
            int n = 0;
            for (int j = 0; j < c->count; j++)
                if (c->municipalities[j].wijkteam == group && municipality_included(c, j, source)) {
                    level += c->municipalities[j].level[source];
                    effect += c->municipalities[j].effect[source];
                    n++;
                }
            for (int j = 0; j < c->count && n > 0; j++)
                if (c->municipalities[j].wijkteam == group) {
                    c->municipalities[j].level[source] -= level / n;
                    c->municipalities[j].effect[source] -= effect / n;
                }
        }
}

double planted_rate(const country *c, int j, int source, double u)
{
    const source_model *model = &source_models[source];
    const municipality *mu = &c->municipalities[j];
    double rate = model->base + model->trend * u + mu->level[source];
    if (mu->wijkteam)
        rate += model->gap + (model->effect + mu->effect[source]) * u;
    return rate;
}

/* The municipality's own inhabitants in month M (all, or aged 65+), as if no herindeling. */
int64_t own_population(const country *c, int j, int m, bool only_65plus)
{
    const municipality *mu = &c->municipalities[j];
    double total = fmax(1, round(mu->population * exp(mu->growth * m)));
    if (!only_65plus)
        return (int64_t)total;
    double share = fmin(0.5, mu->share_65plus + SHARE_65_AGEING_PER_MONTH * m);
    return (int64_t)round(total * share);
}

/* The register: 0 after a municipality has been merged away; the absorbing one counts the
 * inhabitants of those it took in. */
int64_t municipality_population(const country *c, int j, int m, bool only_65plus)
{
    const municipality *mu = &c->municipalities[j];
    if (mu->merged_into >= 0 && m >= mu->merger_month)
        return 0;
    int64_t total = own_population(c, j, m, only_65plus);
    for (int k = 0; k < c->count; k++)
        if (c->municipalities[k].merged_into == j && m >= c->municipalities[k].merger_month)
            total += own_population(c, k, m, only_65plus);
    return total;
}

/* "2015 2016 2017": the study years in which a municipality (still) delivered. */
static void delivered_years(const synth *s, const municipality *mu, int first_missing, bool missing_on,
                            char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int y = 0; y < s->year_count; y++) {
        if (mu->merged_into >= 0 && 12 * y >= mu->merger_month)
            break;
        if (y == first_missing || (missing_on && first_missing >= 0 && y > first_missing))
            continue;
        used += (size_t)snprintf(out + used, size - used, "%s%d", used ? " " : "", s->options.first_year + y);
        if (used >= size)
            break;
    }
}

/* Written field by field: the delivered years of a long study do not fit a row's fields. */
static void write_municipality(synth *s, const country *c, int j)
{
    const municipality *mu = &c->municipalities[j];
    char population[24], share[24], wijkteam[4], since[16] = "", merged[8] = "", merger[16] = "",
        change[16] = "", gmsd[MAX_YEARS * 5 + 8], cak[MAX_YEARS * 5 + 8];
    int64_t total = municipality_population(c, j, 0, false);
    snprintf(population, sizeof population, "%lld", (long long)total);
    snprintf(share, sizeof share, "%.3f", (double)municipality_population(c, j, 0, true) / (double)total);
    snprintf(wijkteam, sizeof wijkteam, "%d", mu->wijkteam ? 1 : 0);
    if (mu->wijkteam)
        format_any_month(s, mu->wijkteam_since, since);
    if (mu->merged_into >= 0)
        snprintf(merged, sizeof merged, "%s", c->municipalities[mu->merged_into].code);
    if (mu->merger_month >= 0)
        format_day(c->month_start[mu->merger_month], merger);
    delivered_years(s, mu, mu->gmsd_missed_year, false, gmsd, sizeof gmsd);
    delivered_years(s, mu, mu->cak_stopped_year, true, cak, sizeof cak);
    if (mu->category_change_month >= 0)
        format_month(s, mu->category_change_month, change);
    char *fields[] = {(char *)mu->code, (char *)mu->name, population, share, wijkteam, since,
                      merged, merger, gmsd, cak, change};
    record_writer_record(s->files[FILE_MUNICIPALITIES], fields, NULL, 11);
}

void write_municipalities(synth *s, const country *c)
{
    for (int j = 0; j < c->count; j++)
        write_municipality(s, c, j);
}

void write_population(synth *s, const country *c)
{
    for (int j = 0; j < c->count; j++)
        for (int m = 0; m < c->months; m++) {
            int64_t total = municipality_population(c, j, m, false);
            if (total == 0)
                continue;
            int64_t older = municipality_population(c, j, m, true);
            for (int group = 0; group < 2; group++) {
                row_begin(s, 4);
                row_text(s, 0, c->municipalities[j].code);
                format_month(s, m, s->row.field[1]);
                row_text(s, 2, group == 0 ? "65plus" : "under65");
                row_int(s, 3, (long)(group == 0 ? older : total - older));
                write_fields(s, FILE_POPULATION, &s->row, 4, false);
            }
        }
}

/* Each code of the study to its code in the last study year (the boundary year). */
void write_boundaries(synth *s, const country *c)
{
    for (int j = 0; j < c->count; j++) {
        const municipality *mu = &c->municipalities[j];
        row_begin(s, 4);
        row_text(s, 0, mu->code);
        row_int(s, 1, s->options.last_year);
        row_text(s, 2, mu->merged_into >= 0 ? c->municipalities[mu->merged_into].code : mu->code);
        s->row.field[3][0] = '\0';
        if (mu->merged_into >= 0)
            row_day(s, 3, c->month_start[mu->merger_month]);
        write_fields(s, FILE_BOUNDARIES, &s->row, 4, false);
    }
}
