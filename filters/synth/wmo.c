/* wmo.c: the planted Wmo model (model.h) drawn year by year for each resident, and the
 * provisions of wmo.csv that make each year's use exactly the drawn one. */
#include "synth.h"

static bool resident_in_year(const synth *s, const person *p, int i)
{
    return period_overlaps(p->registration_start, p->registration_end, s->year_start[i], year_end(s, i));
}

static double wmo_probability(synth *s, const person *p, int age)
{
    double probability = wmo_base[p->sex][age_band(age)] * wmo_rr_ses[p->ses - 1] *
                         wmo_rr_household[p->household] * wmo_rr_migration[p->migration] *
                         districts[p->district].wmo_rate_ratio;
    if (probability > WMO_CAP) {
        s->wmo_capped_person_years++;
        return WMO_CAP;
    }
    return probability;
}

void draw_wmo_years(synth *s, person *p)
{
    double latent = 0;
    bool drawn = false;
    for (int i = 0; i < s->year_count; i++) {
        p->wmo[i] = false;
        if (!resident_in_year(s, p, i))
            continue;
        if (!drawn || !chance(s->rng, WMO_PERSISTENCE))
            latent = gsl_rng_uniform(s->rng);
        drawn = true;
        p->wmo[i] = latent < wmo_probability(s, p, age_in_year(s, p, i));
    }
}

static void write_provision(synth *s, const person *p, int type, int64_t start, int64_t end)
{
    const provision_info *info = &provisions[type];
    row_begin(s, 7);
    row_text(s, 0, p->bsn);
    row_text(s, 1, GEMEENTE_CODE);
    row_text(s, 2, info->codes[uniform_int(s->rng, 2)]);
    row_text(s, 3, info->type);
    row_day(s, 4, start);
    row_day(s, 5, end);
    row_text(s, 6, chance(s->rng, info->pgb) ? "pgb" : "in_kind");
    emit(s, FILE_WMO);
}

/* The first day of a spell that begins in study year A: often before the study for one who
 * uses Wmo on the first day. */
static int64_t draw_spell_start(synth *s, const person *p, int a)
{
    if (a == 0 && p->registration_start < s->first_day && chance(s->rng, WMO_STARTED_BEFORE))
        return uniform_day(s->rng, max_day(p->registration_start, s->first_day - years_as_days(6)),
                           s->first_day - 1);
    return uniform_day(s->rng, max_day(p->registration_start, s->year_start[a]),
                       min_day(end_or_last_day(s, p->registration_end), year_end(s, a)));
}

/* The last day of a spell whose last year of use is B (NO_DATE: it runs on). */
static int64_t draw_spell_end(synth *s, const person *p, int b, int64_t start)
{
    if (p->registration_end != NO_DATE && p->registration_end <= year_end(s, b))
        return p->registration_end; /* ends with death or moving out */
    if (b == s->year_count - 1)
        return chance(s->rng, WMO_END_IN_LAST_YEAR)
                   ? uniform_day(s->rng, max_day(start, s->year_start[b]), s->last_day)
                   : NO_DATE;
    return uniform_day(s->rng, max_day(start, s->year_start[b]), year_end(s, b));
}

/* Perhaps an extra provision within the main one's START..END, of another type. */
static void write_extra_provision(synth *s, const person *p, int age, int main_type, int64_t start,
                                  int64_t end)
{
    if (!chance(s->rng, age >= 65 ? WMO_EXTRA_65_PLUS : WMO_EXTRA_UNDER_65))
        return;
    int extra_type = (int)gsl_ran_discrete(s->rng, s->provision_extra);
    if (extra_type == main_type)
        return;
    int64_t last = end_or_last_day(s, end);
    int64_t extra_start = uniform_day(s->rng, max_day(start, s->first_day), last);
    int64_t extra_end;
    if (extra_type == WMO_HOUSING_ADAPTATION)
        extra_end = min_day(extra_start + (int64_t)uniform_int(s->rng, 61), last);
    else if (end == NO_DATE && chance(s->rng, 0.5))
        extra_end = NO_DATE;
    else
        extra_end = uniform_day(s->rng, extra_start, last);
    write_provision(s, p, extra_type, extra_start, extra_end);
}

/* One spell of use, study years A..B: a main provision that covers it all, so that "any
 * provision in year Y" is exactly the model's draw, and perhaps an extra one within it. */
static void write_spell(synth *s, const person *p, int a, int b)
{
    int64_t start = draw_spell_start(s, p, a);
    int64_t end = draw_spell_end(s, p, b, start);
    int age = age_on(p->birth, max_day(start, p->birth));
    int age_group = age >= 80 ? 2 : age >= 65 ? 1 : 0;
    int main_type = (int)gsl_ran_discrete(s->rng, s->provision_main[age_group]);
    write_provision(s, p, main_type, start, end);
    write_extra_provision(s, p, age, main_type, start, end);
}

void write_wmo(synth *s, const person *p)
{
    for (int i = 0; i < s->year_count;) {
        if (!p->wmo[i]) {
            i++;
            continue;
        }
        int a = i;
        while (i < s->year_count && p->wmo[i])
            i++;
        write_spell(s, p, a, i - 1);
    }
}

