/* country.h: the municipal mode of koppel synth (--country): municipalities of a country, their
 * population by month, and the Wmo sources GMSD (decisions) and CAK (four-week care periods). */
#ifndef SYNTH_COUNTRY_H
#define SYNTH_COUNTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "synth.h"

#define MAX_MUNICIPALITIES 1000
#define MAX_MONTHS (12 * MAX_YEARS)
#define CARE_PERIODS_PER_YEAR 13 /* CAK: four-week periods; the 13th runs to 31 December */
#define DAYS_PER_CARE_PERIOD 28

/* Sizes: four large cities, the others log-normal around a median, truncated. */
#define COUNTRY_LARGE_CITIES 4
extern const double large_city_population[COUNTRY_LARGE_CITIES];
#define SIZE_MEDIAN 30000.0
#define SIZE_LOG_SD 0.8
#define SIZE_LOWEST 1000.0
#define SIZE_HIGHEST 250000.0
#define SCALED_POPULATION_MIN 100.0
#define SHARE_65_MEAN 0.20
#define SHARE_65_PER_LOG_SIZE (-0.01) /* larger towns are a little younger */
#define SHARE_65_SD 0.028
#define SHARE_65_AGEING_PER_MONTH 0.0003
#define GROWTH_PER_MONTH_MEAN 0.0004
#define GROWTH_PER_MONTH_SD 0.0006
/* P(wijkteam) = logistic(intercept + slope * ln(population / SIZE_MEDIAN)): larger ones more often. */
#define WIJKTEAM_LOGIT_INTERCEPT 0.9
#define WIJKTEAM_LOGIT_PER_LOG_SIZE 0.6
#define MERGER_SHARE 0.03
#define GMSD_MISSED_YEAR 0.2    /* a municipality that missed one year's GMSD delivery */
#define CAK_STOPPED 0.05        /* one that abolished the co-payment: no CAK data from a year on */
#define CATEGORY_CHANGE 0.02    /* one that moved support into another product category */
#define RATE_FLOOR 1.0          /* clients per 1,000: the least a municipality's rate can be */
#define CAK_IN_GMSD 0.8         /* a CAK client of the outcome who is a GMSD client of it too */

/* The planted rate per 1,000 inhabitants of one source (GMSD or CAK), all ages, of municipality j
 * at time u (0 the first month or period, 1 the last):
 *   base + trend u + wijkteam_j (gap + effect u) + level_j + wijkteam_j effect_j u
 * level_j = size_level z_j + level_sd e_j, effect_j = size_effect z_j, z_j = ln(population_j /
 * SIZE_MEDIAN), both centred within each group (wijkteam or not) over the included municipalities,
 * so that the unweighted group means of the included ones are exactly the planted ones. */
typedef struct source_model {
    const char *name;
    double base, trend, gap, effect;
    double size_level, level_sd, size_effect;
    double rate_ratio_65plus; /* per inhabitant, 65+ against under 65 */
    double continuation;      /* chance a client stays one more month (period) */
    double other_rate_65plus, other_rate_under65; /* per 1,000: clients of other products only */
    double other_continuation;
} source_model;
enum { SOURCE_GMSD, SOURCE_CAK, SOURCE_COUNT };
extern const source_model source_models[SOURCE_COUNT];

/* Products, with the Tabel 4.1 category and whether it counts in the source's outcome. */
typedef struct product {
    const char *code, *category;
    bool outcome;
    double weight_65plus, weight_under65; /* as the main product of an outcome client; 0: other */
    double other_weight;                  /* as the product of a client outside the outcome */
    double hours;                         /* CAK: mean hours per care period */
} product;
#define GMSD_PRODUCT_COUNT 9
#define CAK_PRODUCT_COUNT 8
extern const product gmsd_products[GMSD_PRODUCT_COUNT];
extern const product cak_products[CAK_PRODUCT_COUNT];
#define GMSD_MOVED_TO 4 /* index of "overige maatwerkvoorzieningen": support moved there */
#define CAK_MOVED_TO 3  /* index of "arrangementen Wmo" */
#define GMSD_HOUSEHOLD_HELP 5

typedef struct municipality {
    char code[8], name[48];
    double population; /* first month, scaled */
    double share_65plus, growth, z;
    bool wijkteam;
    int wijkteam_since; /* month index, may be before the study */
    int merged_into;    /* index, or -1 */
    int merger_month;   /* first month under the new code (merged or absorbing), or -1 */
    int gmsd_missed_year; /* year index, or -1 */
    int cak_stopped_year; /* first year index without CAK data, or -1 */
    int category_change_month; /* or -1 */
    double level[SOURCE_COUNT], effect[SOURCE_COUNT];
} municipality;

/* A GMSD client of the municipality being written, whom a CAK client may be. */
typedef struct pooled {
    char bsn[10];
    int64_t birth, first_day, last_day; /* the GMSD spell */
} pooled;

typedef struct country {
    municipality *municipalities;
    int count;
    int months, periods;
    int64_t month_start[MAX_MONTHS + 1];
    int period_month[CARE_PERIODS_PER_YEAR * MAX_YEARS]; /* the month of each care period's first day */
    gsl_ran_discrete_t *products[SOURCE_COUNT][3]; /* outcome 65+, outcome under 65, other */
    pooled *pool[2]; /* by age group: 65+, under 65 */
    size_t pool_count[2], pool_capacity[2];
    uint64_t linked_clients;
    uint64_t clamped_rates, clamped_inflows, clients[SOURCE_COUNT], decisions_dropped, cak_rows_dropped;
} country;

/* municipalities.c */
void draw_municipalities(synth *s, country *c);
void center_municipality_effects(country *c);
bool municipality_included(const country *c, int j, int source);
int64_t municipality_population(const country *c, int j, int m, bool only_65plus);
int64_t own_population(const country *c, int j, int m, bool only_65plus);
double planted_rate(const country *c, int j, int source, double u);
void write_municipalities(synth *s, const country *c);
void write_population(synth *s, const country *c);
void write_boundaries(synth *s, const country *c);
void format_month(const synth *s, int m, char *out);

/* clients.c */
void make_product_tables(country *c);
void free_product_tables(country *c);
void write_clients(synth *s, country *c);
void free_client_pools(country *c);
int unit_month(const synth *s, int source, int t);
void make_period_months(const synth *s, country *c);

/* country_truth.c */
void write_country_truth(const synth *s, const country *c, record_writer *w);

#endif
