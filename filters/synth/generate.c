/* generate.c: the generator's life: the random streams and the draw tables made from the model,
 * one person and everything that follows from them, and the tidying up. */
#include <stdlib.h>

#include "message.h"
#include "synth.h"

static gsl_ran_discrete_t *discrete(const double *weights, size_t count)
{
    gsl_ran_discrete_t *table = gsl_ran_discrete_preproc(count, weights);
    if (!table)
        message_die_nomem();
    return table;
}

/* The model's distributions as GSL tables, made once so that each draw is cheap. */
static void make_draw_tables(synth *s)
{
    double years = s->year_count;
    double entry[ENTRY_KINDS] = {1, years * BIRTHS_PER_YEAR, years * MOVERS_IN_PER_YEAR};
    s->entry_kind = discrete(entry, ENTRY_KINDS);
    s->pyramid = discrete(age_pyramid, PYRAMID_BANDS);
    s->mover_age = discrete(mover_age, MOVER_AGE_BANDS);
    double residents[DISTRICT_COUNT];
    for (int d = 0; d < DISTRICT_COUNT; d++) {
        residents[d] = districts[d].residents;
        s->migration[d] = discrete(districts[d].migration, MIGRATION_COUNT);
        s->ses[d] = discrete(districts[d].ses, SES_QUINTILES);
    }
    s->district = discrete(residents, DISTRICT_COUNT);
    for (int b = 0; b < HOUSEHOLD_AGE_BANDS; b++)
        s->household[b] = discrete(household_by_age[b], HOUSEHOLD_COUNT);
    double weights[WMO_TYPE_COUNT];
    for (int group = 0; group < WMO_AGE_GROUPS; group++) {
        for (int t = 0; t < WMO_TYPE_COUNT; t++)
            weights[t] = provisions[t].weight[group];
        s->provision_main[group] = discrete(weights, WMO_TYPE_COUNT);
    }
    for (int t = 0; t < WMO_TYPE_COUNT; t++)
        weights[t] = provisions[t].extra_weight;
    s->provision_extra = discrete(weights, WMO_TYPE_COUNT);
}

/* The random streams, the BSN sequence and the study years: what both modes need. */
static void set_up_streams(synth *s)
{
    s->rng = gsl_rng_alloc(gsl_rng_mt19937);
    s->fault_rng = gsl_rng_alloc(gsl_rng_mt19937);
    s->care_rng = gsl_rng_alloc(gsl_rng_mt19937);
    s->code_rng = gsl_rng_alloc(gsl_rng_mt19937);
    s->referral_rng = gsl_rng_alloc(gsl_rng_mt19937);
    s->claims_rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s->rng || !s->fault_rng || !s->care_rng || !s->code_rng || !s->referral_rng || !s->claims_rng)
        message_die_nomem();
    gsl_rng_set(s->rng, s->options.seed);
    gsl_rng_set(s->fault_rng, (s->options.seed + 1000003UL) & 0xFFFFFFFFUL);
    gsl_rng_set(s->care_rng, (s->options.seed + 2000003UL) & 0xFFFFFFFFUL);
    gsl_rng_set(s->code_rng, (s->options.seed + 3000017UL) & 0xFFFFFFFFUL);
    gsl_rng_set(s->referral_rng, (s->options.seed + 4000037UL) & 0xFFFFFFFFUL);
    gsl_rng_set(s->claims_rng, (s->options.seed + 5000011UL) & 0xFFFFFFFFUL);
    seed_bsn_sequence(s);
    s->year_count = s->options.last_year - s->options.first_year + 1;
    for (int i = 0; i <= s->year_count; i++)
        s->year_start[i] = day_of(s->options.first_year + i, 1, 1);
    s->first_day = s->year_start[0];
    s->last_day = s->year_start[s->year_count] - 1;
    s->semicolon_practice = -1;
}

void set_up(synth *s)
{
    set_up_streams(s);
    make_draw_tables(s);
    make_practices(s);
    draw_practice_deliveries(s);
    draw_insurer_deliveries(s);
}

void set_up_country(synth *s)
{
    set_up_streams(s);
}

static void free_streams(synth *s)
{
    gsl_rng_free(s->rng);
    gsl_rng_free(s->fault_rng);
    gsl_rng_free(s->care_rng);
    gsl_rng_free(s->code_rng);
    gsl_rng_free(s->referral_rng);
    gsl_rng_free(s->claims_rng);
}

void tear_down_country(synth *s)
{
    free_streams(s);
}

/* One person of persons.csv with their Wmo, when they have a participating GP their practice's
 * records, their insurance and claims (from the practice's episodes, held until the next
 * patient), and now and then a patient from outside the city. */
void synthesise_person(synth *s)
{
    person p;
    draw_resident(s, &p);
    draw_wmo_years(s, &p);
    write_person(s, &p);
    write_wmo(s, &p);
    write_wlz(s, &p);
    bool gp_patient = resident_gp(s, &p);
    write_insurance(s, &p, gp_patient);
    if (gp_patient && chance(s->rng, GP_OUTSIDE_PER_PATIENT))
        outside_patient(s);
}

void tear_down(synth *s)
{
    free_streams(s);
    gsl_ran_discrete_free(s->insurer);
    gsl_ran_discrete_free(s->entry_kind);
    gsl_ran_discrete_free(s->pyramid);
    gsl_ran_discrete_free(s->mover_age);
    gsl_ran_discrete_free(s->district);
    for (int d = 0; d < DISTRICT_COUNT; d++) {
        gsl_ran_discrete_free(s->migration[d]);
        gsl_ran_discrete_free(s->ses[d]);
    }
    for (int b = 0; b < HOUSEHOLD_AGE_BANDS; b++)
        gsl_ran_discrete_free(s->household[b]);
    for (int group = 0; group < WMO_AGE_GROUPS; group++)
        gsl_ran_discrete_free(s->provision_main[group]);
    gsl_ran_discrete_free(s->provision_extra);
    free(s->practices);
    free(s->episodes);
    free(s->contacts);
    free(s->referrals);
    free(s->claims);
}
