/* clients.c: --country's Wmo clients, municipality by municipality: a stock at the start and an
 * inflow each month (GMSD) or care period (CAK) with geometric durations, so that the expected
 * number of clients in every month is the planted rate times the population; written at once as
 * GMSD decisions (gmsd.csv) or CAK care periods (cak.csv). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "message.h"

#define OPEN_END 0.6          /* a decision that runs past the study has no end date */
#define RENEWAL 0.5           /* a spell of a year or more continues with a second decision */
#define RENEWAL_OTHER_PRODUCT 0.3
#define SECOND_PRODUCT 0.15   /* a second outcome product within the spell (GMSD) */
#define CAK_SECOND_PRODUCT 0.12
#define HOUSEHOLD_HELP_65PLUS 0.25 /* GMSD: household help beside the support, for 65+ */
#define LINK_ATTEMPTS 8

enum { GROUP_65PLUS, GROUP_UNDER65 };

/* One client's spell: units (months or care periods) FIRST..LAST, FIRST < 0 before the study. */
typedef struct client {
    int source, group, first, last;
    bool outcome;
    char bsn[10];
    int64_t birth;
    char birth_text[16]; /* formatted once: a CAK client has a row for every care period */
} client;

void make_product_tables(country *c)
{
    double weights[GMSD_PRODUCT_COUNT > CAK_PRODUCT_COUNT ? GMSD_PRODUCT_COUNT : CAK_PRODUCT_COUNT];
    for (int source = 0; source < SOURCE_COUNT; source++) {
        const product *products = source == SOURCE_GMSD ? gmsd_products : cak_products;
        size_t count = source == SOURCE_GMSD ? GMSD_PRODUCT_COUNT : CAK_PRODUCT_COUNT;
        for (int kind = 0; kind < 3; kind++) {
            for (size_t i = 0; i < count; i++)
                weights[i] = kind == 0 ? products[i].weight_65plus
                           : kind == 1 ? products[i].weight_under65 : products[i].other_weight;
            c->products[source][kind] = gsl_ran_discrete_preproc(count, weights);
            if (!c->products[source][kind])
                message_die_nomem();
        }
    }
}

void free_product_tables(country *c)
{
    for (int source = 0; source < SOURCE_COUNT; source++)
        for (int kind = 0; kind < 3; kind++)
            gsl_ran_discrete_free(c->products[source][kind]);
}

static int draw_product(synth *s, const country *c, const client *cl)
{
    int kind = cl->outcome ? cl->group : 2;
    return (int)gsl_ran_discrete(s->rng, c->products[cl->source][kind]);
}

/* The first day of unit Q (a month, or a four-week care period of which the 13th runs to
 * 31 December); Q < 0 lies before the study. */
static int64_t unit_first_day(const synth *s, int source, int q)
{
    int per_year = source == SOURCE_GMSD ? 12 : CARE_PERIODS_PER_YEAR;
    int year = q >= 0 ? q / per_year : -((-q + per_year - 1) / per_year);
    int k = q - year * per_year;
    year += s->options.first_year;
    if (source == SOURCE_GMSD)
        return day_of(year, k + 1, 1);
    return day_of(year, 1, 1) + (int64_t)k * DAYS_PER_CARE_PERIOD;
}

static int64_t unit_last_day(const synth *s, int source, int q)
{
    return unit_first_day(s, source, q + 1) - 1;
}

/* The study month (index) that DAY falls in. */
static int month_index(const synth *s, int64_t day)
{
    date_ymd date = date_from_days(day);
    return (date.year - s->options.first_year) * 12 + date.month - 1;
}

/* DAY shifted back YEARS calendar years (29 February becomes the 28th). */
static int64_t years_before(int64_t day, int years)
{
    date_ymd date = date_from_days(day);
    return day_of(date.year - years, date.month, date.month == 2 && date.day == 29 ? 28 : date.day);
}

/* A birth date that keeps the client in their age group on the first day of every unit of the
 * spell within the study: 65+ on the first, under 65 (and 18+) on the last. */
static int64_t draw_client_birth(synth *s, const country *c, const client *cl)
{
    int units = cl->source == SOURCE_GMSD ? c->months : c->periods;
    int64_t first = unit_first_day(s, cl->source, cl->first < 0 ? 0 : cl->first);
    int64_t last = unit_first_day(s, cl->source, cl->last >= units ? units - 1 : cl->last);
    if (cl->group == GROUP_65PLUS) {
        int extra = (int)fmin(39, gsl_ran_exponential(s->rng, 12.0));
        return years_before(first, 65 + extra) - (int64_t)uniform_int(s->rng, 365);
    }
    return uniform_day(s->rng, years_before(last, 65) + 1, years_before(first, 18));
}

/* Support moved into another category from the change month on. */
static int moved_product(const country *c, int j, int source, int product, int month)
{
    int change = c->municipalities[j].category_change_month;
    if (change < 0 || month < change || product > 1)
        return product;
    return source == SOURCE_GMSD ? GMSD_MOVED_TO : CAK_MOVED_TO;
}

/* Field fillers without printf: cak.csv has millions of rows. */
static void put_text(char *field, const char *text)
{
    size_t length = strlen(text);
    if (length >= FIELD_SIZE)
        length = FIELD_SIZE - 1;
    memcpy(field, text, length);
    field[length] = '\0';
}

static void put_number(char *field, unsigned long value)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    for (int i = 0; i < n; i++)
        field[i] = digits[n - 1 - i];
    field[n] = '\0';
}

/* HOURS with one decimal (at least 0.1). */
static void put_hours(char *field, double hours)
{
    long tenths = lround(hours * 10);
    if (tenths < 1)
        tenths = 1;
    put_number(field, (unsigned long)(tenths / 10));
    size_t length = strlen(field);
    field[length] = '.';
    field[length + 1] = (char)('0' + tenths % 10);
    field[length + 2] = '\0';
}

/* ---------------------------------------------------------------- GMSD decisions */

static void gmsd_row(synth *s, country *c, int j, const client *cl, int product, int64_t start,
                     int64_t end)
{
    if (end != NO_DATE && end < c->month_start[0])
        return; /* over before the study: not in its deliveries */
    int year = start < c->month_start[0] ? 0 : month_index(s, start) / 12;
    if (year >= s->year_count)
        year = s->year_count - 1;
    if (year == c->municipalities[j].gmsd_missed_year) {
        c->decisions_dropped++;
        return;
    }
    product = moved_product(c, j, SOURCE_GMSD, product, month_index(s, start));
    row_begin(s, 6);
    row_text(s, 0, cl->bsn);
    row_text(s, 1, c->municipalities[j].code);
    row_text(s, 2, gmsd_products[product].code);
    row_day(s, 3, start);
    row_day(s, 4, end);
    put_text(s->row.field[5], cl->birth_text);
    emit(s, FILE_GMSD);
}

/* A decision of municipality J; one that runs across J's merger ends the day before, and the
 * absorbing municipality continues it from the merger date. */
static void gmsd_decision(synth *s, country *c, int j, const client *cl, int product, int64_t start,
                          int64_t end)
{
    const municipality *mu = &c->municipalities[j];
    if (mu->merged_into >= 0) {
        int64_t merger = c->month_start[mu->merger_month];
        if (start < merger && (end == NO_DATE || end >= merger)) {
            gmsd_row(s, c, j, cl, product, start, merger - 1);
            gmsd_row(s, c, mu->merged_into, cl, product, merger, end);
            return;
        }
        if (start >= merger)
            j = mu->merged_into;
    }
    gmsd_row(s, c, j, cl, product, start, end);
}

/* A decision of another product within the spell START..END. */
static void gmsd_within(synth *s, country *c, int j, const client *cl, int product, int64_t start,
                        int64_t end)
{
    int64_t last = end == NO_DATE ? c->month_start[c->months] + 365 : end;
    int64_t from = uniform_day(s->rng, start, last);
    int64_t to = end == NO_DATE && chance(s->rng, 0.5) ? NO_DATE : uniform_day(s->rng, from, last);
    gmsd_decision(s, c, j, cl, product, from, to);
}

static void gmsd_client(synth *s, country *c, int j, const client *cl)
{
    int64_t start = uniform_day(s->rng, unit_first_day(s, SOURCE_GMSD, cl->first),
                                unit_last_day(s, SOURCE_GMSD, cl->first));
    int64_t end = cl->last >= c->months && chance(s->rng, OPEN_END)
                      ? NO_DATE
                      : uniform_day(s->rng, max_day(start, unit_first_day(s, SOURCE_GMSD, cl->last)),
                                    unit_last_day(s, SOURCE_GMSD, cl->last));
    int product = draw_product(s, c, cl);
    if (cl->outcome && cl->last - cl->first >= 11 && chance(s->rng, RENEWAL)) {
        /* The renewal begins on the first of a later month of the spell. */
        int month = cl->first + 1 + (int)uniform_int(s->rng, (unsigned long)(cl->last - cl->first));
        int64_t renewal = unit_first_day(s, SOURCE_GMSD, month);
        gmsd_decision(s, c, j, cl, product, start, renewal - 1);
        if (chance(s->rng, RENEWAL_OTHER_PRODUCT))
            product = draw_product(s, c, cl);
        gmsd_decision(s, c, j, cl, product, renewal, end);
    } else {
        gmsd_decision(s, c, j, cl, product, start, end);
    }
    if (cl->outcome && chance(s->rng, SECOND_PRODUCT)) {
        int second = draw_product(s, c, cl);
        if (second != product)
            gmsd_within(s, c, j, cl, second, start, end);
    }
    if (cl->outcome && cl->group == GROUP_65PLUS && chance(s->rng, HOUSEHOLD_HELP_65PLUS))
        gmsd_within(s, c, j, cl, GMSD_HOUSEHOLD_HELP, start, end);
}

/* ---------------------------------------------------------------- CAK care periods */

static void cak_row(synth *s, country *c, int j, const client *cl, int product, int q, double hours)
{
    int month = c->period_month[q];
    const municipality *mu = &c->municipalities[j];
    if (mu->merged_into >= 0 && month >= mu->merger_month)
        j = mu->merged_into;
    double billed = hours * (0.8 + 0.4 * gsl_rng_uniform(s->rng));
    int stopped = c->municipalities[j].cak_stopped_year;
    if (stopped >= 0 && q / CARE_PERIODS_PER_YEAR >= stopped) {
        c->cak_rows_dropped++;
        return;
    }
    product = moved_product(c, j, SOURCE_CAK, product, month);
    row_begin(s, 7);
    put_text(s->row.field[0], cl->bsn);
    put_text(s->row.field[1], c->municipalities[j].code);
    put_number(s->row.field[2], (unsigned long)(s->options.first_year + q / CARE_PERIODS_PER_YEAR));
    put_number(s->row.field[3], (unsigned long)(q % CARE_PERIODS_PER_YEAR + 1));
    put_text(s->row.field[4], cak_products[product].code);
    put_hours(s->row.field[5], billed);
    put_text(s->row.field[6], cl->birth_text);
    emit(s, FILE_CAK);
}

static void cak_client(synth *s, country *c, int j, const client *cl)
{
    int from = cl->first < 0 ? 0 : cl->first, to = cl->last >= c->periods ? c->periods - 1 : cl->last;
    int product = draw_product(s, c, cl), second = -1, second_from = 0, second_to = -1;
    double hours = cak_products[product].hours * gsl_ran_gamma(s->rng, 2.0, 0.5), second_hours = 0;
    if (cl->outcome && chance(s->rng, CAK_SECOND_PRODUCT)) {
        second = draw_product(s, c, cl);
        second_from = from + (int)uniform_int(s->rng, (unsigned long)(to - from + 1));
        second_to = second_from + (int)uniform_int(s->rng, (unsigned long)(to - second_from + 1));
        second_hours = cak_products[second].hours * gsl_ran_gamma(s->rng, 2.0, 0.5);
        if (second == product)
            second = -1;
    }
    for (int q = from; q <= to; q++) {
        cak_row(s, c, j, cl, product, q, hours);
        if (second >= 0 && q >= second_from && q <= second_to)
            cak_row(s, c, j, cl, second, q, second_hours);
    }
}

/* ---------------------------------------------------------------- the streams */

/* The month whose population a unit's rate is of: the month of its first day. */
int unit_month(const synth *s, int source, int t)
{
    return source == SOURCE_GMSD ? t : month_index(s, unit_first_day(s, source, t));
}

void make_period_months(const synth *s, country *c)
{
    for (int q = 0; q < c->periods; q++)
        c->period_month[q] = unit_month(s, SOURCE_CAK, q);
}

/* ---------------------------------------------------------------- who the client is */

static void remember_client(country *c, const client *cl, int64_t first_day, int64_t last_day)
{
    size_t *count = &c->pool_count[cl->group], *capacity = &c->pool_capacity[cl->group];
    if (*count == *capacity) {
        *capacity = *capacity ? 2 * *capacity : 1024;
        c->pool[cl->group] = xrealloc(c->pool[cl->group], *capacity * sizeof *c->pool[cl->group]);
    }
    pooled *p = &c->pool[cl->group][(*count)++];
    memcpy(p->bsn, cl->bsn, sizeof p->bsn);
    p->birth = cl->birth;
    p->first_day = first_day;
    p->last_day = last_day;
}

/* A GMSD client of the municipality whose spell meets this CAK spell and whose birth date keeps
 * them in the CAK client's age group: taken out of the pool (one CAK spell each), or false. */
static bool take_gmsd_client(synth *s, country *c, client *cl, int64_t first_day, int64_t last_day)
{
    size_t count = c->pool_count[cl->group];
    int64_t first_ref = unit_first_day(s, cl->source, cl->first < 0 ? 0 : cl->first);
    int64_t last_ref = unit_first_day(s, cl->source, cl->last >= c->periods ? c->periods - 1 : cl->last);
    for (int attempt = 0; attempt < LINK_ATTEMPTS && count > 0; attempt++) {
        size_t i = (size_t)uniform_int(s->rng, (unsigned long)count);
        pooled *p = &c->pool[cl->group][i];
        bool meets = p->first_day <= last_day && p->last_day >= first_day;
        bool group = cl->group == GROUP_65PLUS ? p->birth <= years_before(first_ref, 65)
                                               : p->birth > years_before(last_ref, 65) &&
                                                     p->birth <= years_before(first_ref, 18);
        if (!meets || !group)
            continue;
        memcpy(cl->bsn, p->bsn, sizeof cl->bsn);
        cl->birth = p->birth;
        *p = c->pool[cl->group][--c->pool_count[cl->group]];
        c->linked_clients++;
        return true;
    }
    return false;
}

/* A new person, or for most CAK clients of the outcome a GMSD client of the same municipality
 * (same BSN and birth date). GMSD clients of the outcome are remembered for that. */
static void identify_client(synth *s, country *c, client *cl)
{
    int64_t first_day = unit_first_day(s, cl->source, cl->first);
    int64_t last_day = unit_last_day(s, cl->source, cl->last);
    bool linked = cl->source == SOURCE_CAK && cl->outcome && chance(s->rng, CAK_IN_GMSD) &&
                  take_gmsd_client(s, c, cl, first_day, last_day);
    if (!linked) {
        next_bsn(s, cl->bsn);
        cl->birth = draw_client_birth(s, c, cl);
    }
    format_day(cl->birth, cl->birth_text);
    if (cl->source == SOURCE_GMSD && cl->outcome)
        remember_client(c, cl, first_day, last_day);
}

/* Expected clients of one kind in unit T of UNITS: the rate of its age group times its
 * inhabitants. Per inhabitant, 65+ have rate_ratio_65plus times the rate of under-65s, and the
 * two together make the planted rate of all ages. */
static double expected_clients(country *c, int j, const client *kind, int t, int units)
{
    const source_model *model = &source_models[kind->source];
    int month = kind->source == SOURCE_GMSD ? t : c->period_month[t];
    double total = (double)own_population(c, j, month, false);
    double older = (double)own_population(c, j, month, true);
    double people = kind->group == GROUP_65PLUS ? older : total - older;
    if (!kind->outcome)
        return people / 1000 *
               (kind->group == GROUP_65PLUS ? model->other_rate_65plus : model->other_rate_under65);
    double rate = planted_rate(c, j, kind->source, units > 1 ? (double)t / (units - 1) : 0);
    if (rate < RATE_FLOOR) {
        rate = RATE_FLOOR;
        c->clamped_rates++;
    }
    double under65 = rate / (1 + (model->rate_ratio_65plus - 1) * older / total);
    return people / 1000 * (kind->group == GROUP_65PLUS ? model->rate_ratio_65plus * under65 : under65);
}

/* The stock of the first unit (spells begun earlier: geometric, as in a steady state) and the
 * inflow of each later one, so that the expected stock follows expected_clients exactly. */
static void client_stream(synth *s, country *c, int j, client *kind)
{
    const source_model *model = &source_models[kind->source];
    int units = kind->source == SOURCE_GMSD ? c->months : c->periods;
    double keep = kind->outcome ? model->continuation : model->other_continuation, stock = 0;
    for (int t = 0; t < units; t++) {
        double inflow = expected_clients(c, j, kind, t, units) - keep * stock;
        if (inflow < 0) {
            c->clamped_inflows++;
            inflow = 0;
        }
        stock = keep * stock + inflow;
        unsigned int n = gsl_ran_poisson(s->rng, inflow);
        for (unsigned int i = 0; i < n; i++) {
            kind->first = t == 0 ? 1 - (int)gsl_ran_geometric(s->rng, 1 - keep) : t;
            kind->last = t + (int)gsl_ran_geometric(s->rng, 1 - keep) - 1;
            identify_client(s, c, kind);
            if (kind->outcome)
                c->clients[kind->source]++;
            if (kind->source == SOURCE_GMSD)
                gmsd_client(s, c, j, kind);
            else
                cak_client(s, c, j, kind);
        }
    }
}

/* Municipality by municipality: its GMSD clients (those of the outcome kept in the pool), then
 * its CAK clients, most of whom are among them. */
void write_clients(synth *s, country *c)
{
    for (int j = 0; j < c->count; j++) {
        c->pool_count[GROUP_65PLUS] = c->pool_count[GROUP_UNDER65] = 0;
        for (int source = 0; source < SOURCE_COUNT; source++)
            for (int group = 0; group < 2; group++)
                for (int outcome = 1; outcome >= 0; outcome--) {
                    client kind = {source, group, 0, 0, outcome == 1, "", 0, ""};
                    client_stream(s, c, j, &kind);
                }
    }
}

void free_client_pools(country *c)
{
    free(c->pool[GROUP_65PLUS]);
    free(c->pool[GROUP_UNDER65]);
}
