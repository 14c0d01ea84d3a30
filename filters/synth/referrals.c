/* referrals.c: the referrals to medical specialists of a registration at a practice that
 * delivers them (gp_referrals.csv), year by year: the model in model.h, drawn from a random
 * stream of their own, so the rest of the data is what it was without them. */
#include <math.h>
#include <stdlib.h>

#include "message.h"
#include "synth.h"

static void add_referral(synth *s, int64_t day, const char *specialism, const char *icpc)
{
    s->referrals = room_for_one_more(s->referrals, s->referral_count, &s->referral_capacity, sizeof(referral), 16);
    s->referrals[s->referral_count] = (referral){day, specialism, icpc, s->referral_count};
    s->referral_count++;
}

static int compare_referrals(const void *a, const void *b)
{
    const referral *x = a, *y = b;
    return compare_day_then_sequence(x->day, x->sequence, y->day, y->sequence);
}

/* The chance of a referral about a case of GROUP in YEAR (model.h). */
static double referral_about(int group, int year)
{
    return trend_value(referral_about_2019[group], referral_about_2023[group], year);
}

/* A referral about E (open in FROM..TO) on a day it is open, to SPECIALISM. */
static void refer_about(synth *s, const episode *e, int64_t from, int64_t to, const char *specialism)
{
    int64_t first = max_day(e->start, from), last = e->end == NO_DATE ? to : min_day(e->end, to);
    add_referral(s, uniform_day(s->referral_rng, first, last), specialism, e->icpc);
}

/* Referrals for other reasons: a common complaint's code, one of the other specialisms. */
static void refer_otherwise(synth *s, const person *p, int age, int64_t from, int64_t to, double exposure)
{
    double mean = referral_rate[age_band(age)] * pow(REFERRAL_RR_PER_CONDITION, open_condition_groups(s, from, to)) *
                  exposure;
    if (latest_episode(s, GROUP_INTELLECTUAL_DISABILITY, from, to))
        mean *= REFERRAL_RR_INTELLECTUAL_DISABILITY;
    unsigned int count = gsl_ran_poisson(s->referral_rng, mean);
    for (unsigned int k = 0; k < count; k++) {
        const char *specialism = other_specialisms[uniform_int(s->referral_rng, OTHER_SPECIALISM_COUNT)];
        if (p->sex == SEX_M && specialism[0] == 'g') /* gynaecology */
            specialism = "urology";
        const char *icpc = pick_code(s->referral_rng, general_codes, GENERAL_CODE_COUNT, p->sex, age);
        add_referral(s, uniform_day(s->referral_rng, from, to), specialism, icpc ? icpc : "");
    }
}

static void write_referrals(synth *s, const person *p, const registration *r, int year)
{
    if (s->referral_count == 0)
        return;
    qsort(s->referrals, s->referral_count, sizeof(referral), compare_referrals);
    for (size_t k = 0; k < s->referral_count; k++) {
        const referral *f = &s->referrals[k];
        if (!contact_delivered(s, r->practice, year, f->day))
            continue; /* a month the practice did not deliver */
        row_begin(s, 5);
        row_text(s, 0, p->bsn);
        row_text(s, 1, s->practices[r->practice].id);
        row_day(s, 2, f->day);
        row_text(s, 3, f->specialism);
        row_text(s, 4, f->icpc);
        emit(s, FILE_GP_REFERRALS);
    }
}

void registration_referrals(synth *s, const person *p, const registration *r)
{
    if (!s->practices[r->practice].delivers_referrals)
        return;
    int64_t registered_to = end_or_last_day(s, r->end);
    for (int i = 0; i < s->year_count; i++) {
        int64_t from = max_day(max_day(r->start, s->year_start[i]), p->birth);
        int64_t to = min_day(registered_to, year_end(s, i));
        if (from > to)
            continue;
        int year = s->options.first_year + i, age = age_in_year(s, p, i);
        s->referral_count = 0;
        for (int g = 0; g < GROUP_COUNT; g++) {
            if (referral_about_2019[g] < 0)
                continue; /* every referral counts for the group */
            const episode *e = latest_episode(s, g, from, to);
            if (!e)
                continue;
            if (g == GROUP_MENTAL) {
                if (chance(s->referral_rng, REFERRAL_GGZ))
                    refer_about(s, e, from, to, group_specialism[g]);
            } else if (gsl_rng_uniform(s->referral_rng) < referral_about(g, year))
                refer_about(s, e, from, to, group_specialism[g]);
        }
        refer_otherwise(s, p, age, from, to, share_of_year(s, i, from, to));
        write_referrals(s, p, r, i);
    }
}
