/* episodes.c: a patient's disease episodes (the conditions of model.h, chronic from an onset
 * age or recurrent year by year), the rows of gp_episodes.csv, and which are open when. */
#include <math.h>
#include <stdio.h>

#include "message.h"
#include "synth.h"

static episode *add_episode(synth *s)
{
    s->episodes = room_for_one_more(s->episodes, s->episode_count, &s->episode_capacity, sizeof(episode), 32);
    return &s->episodes[s->episode_count++];
}

/* Linear interpolation in a curve with knots at ages 0, 10, ..., 100. */
static double curve_at(const double curve[CURVE_KNOTS], double age)
{
    if (age <= 0)
        return curve[0];
    if (age >= 100)
        return curve[10];
    int knot = (int)(age / 10);
    double part = (age - knot * 10) / 10;
    return curve[knot] + (curve[knot + 1] - curve[knot]) * part;
}

/* The person's factor on a condition's curve: sex, and for diabetes background and SES. */
static double condition_multiplier(const condition_spec *spec, const person *p)
{
    double multiplier = p->sex == SEX_F ? spec->female_multiplier : 1.0;
    if (spec->group == GROUP_DIABETES) {
        if (p->migration >= MIGRATION_MOROCCAN)
            multiplier *= DIABETES_NON_WESTERN;
        multiplier *= diabetes_ses[p->ses - 1];
    }
    return multiplier;
}

/* The share of a group's cases recorded by YEAR (model.h: the trend from 2019 to 2023). */
static double recorded_share(int group, int year)
{
    if (year >= TREND_TO || group < 0) /* conditions outside the groups have no trend */
        return 1.0;
    return pow(recorded_2019[group], (double)(TREND_TO - year) / (TREND_TO - TREND_FROM));
}

/* The day a chronic case with onset ONSET is first recorded: the onset itself when its year's
 * share covers the case's draw, else a day in the first year whose share does. */
static int64_t recorded_from(gsl_rng *recording_rng, int group, int64_t onset)
{
    double u = gsl_rng_uniform(recording_rng);
    int year = date_from_days(onset).year;
    if (u <= recorded_share(group, year))
        return onset;
    while (u > recorded_share(group, year))
        year++;
    return uniform_day(recording_rng, day_of(year, 1, 1), day_of(year, 12, 31));
}

/* A chronic condition: the onset age where the person's uniform meets the (scaled) curve. */
static void draw_onset_episode(synth *s, const condition_spec *spec, const person *p, gsl_rng *rng,
                               gsl_rng *recording_rng)
{
    double multiplier = condition_multiplier(spec, p);
    double u = gsl_rng_uniform(rng);
    double age = -1;
    for (int knot = 0; knot < 10 && age < 0; knot++) {
        double low = spec->curve[knot] * multiplier, high = spec->curve[knot + 1] * multiplier;
        if (u >= low && u < high)
            age = knot * 10 + 10 * (u - low) / (high - low);
    }
    if (age < 0)
        return;
    int64_t onset = p->birth + (int64_t)(age * 365.25);
    if (onset > s->last_day || (p->death != NO_DATE && onset > p->death))
        return;
    int64_t recorded = recorded_from(recording_rng, spec->group, onset);
    if (recorded > s->last_day || (p->death != NO_DATE && recorded > p->death))
        return;
    const char *code = pick_code(rng, spec->codes, MAX_CODES, p->sex, (int)age);
    if (!code)
        return;
    *add_episode(s) = (episode){code, spec->group, spec->poh, recorded, NO_DATE};
}

/* A long-term or recurring condition: new episodes year by year at the age's incidence. */
static void draw_recurrent_episodes(synth *s, const condition_spec *spec, const person *p, gsl_rng *rng,
                                    gsl_rng *recording_rng)
{
    double multiplier = condition_multiplier(spec, p);
    int64_t open_until = INT64_MIN;
    int64_t alive_until = end_or_last_day(s, p->death);
    for (int year = s->options.first_year - RECURRENT_YEARS_BEFORE; year <= s->options.last_year; year++) {
        int64_t from = max_day(day_of(year, 1, 1), p->birth), to = min_day(day_of(year, 12, 31), alive_until);
        if (from > to)
            continue;
        int age = age_on(p->birth, from);
        if (!chance(rng, curve_at(spec->curve, age) * multiplier))
            continue;
        if (spec->group != GROUP_NONE && gsl_rng_uniform(recording_rng) > recorded_share(spec->group, year))
            continue;
        int64_t start = uniform_day(rng, from, to);
        if (start <= open_until)
            continue;
        const char *code = pick_code(rng, spec->codes, MAX_CODES, p->sex, age);
        if (!code)
            continue;
        int64_t end = start + spec->duration_min +
                      (int64_t)uniform_int(rng, (unsigned long)(spec->duration_max - spec->duration_min + 1));
        if (end > alive_until)
            end = p->death != NO_DATE && p->death < s->last_day ? p->death : NO_DATE;
        open_until = end == NO_DATE ? INT64_MAX : end;
        *add_episode(s) = (episode){code, spec->group, spec->poh, start, end};
    }
}

/* The person's episodes of every condition, added to those held, drawn from RNG and whether
 * (and when) they are recorded from RECORDING_RNG. */
void draw_episodes_from(synth *s, const person *p, gsl_rng *rng, gsl_rng *recording_rng)
{
    for (size_t i = 0; i < CONDITION_COUNT; i++) {
        if (conditions[i].model == MODEL_ONSET)
            draw_onset_episode(s, &conditions[i], p, rng, recording_rng);
        else
            draw_recurrent_episodes(s, &conditions[i], p, rng, recording_rng);
    }
}

/* A GP patient's episodes, as their practice records them. */
void draw_episodes(synth *s, const person *p)
{
    s->episode_count = 0;
    draw_episodes_from(s, p, s->rng, s->care_rng);
}

static bool episode_overlaps(const episode *e, int64_t from, int64_t to)
{
    return period_overlaps(e->start, e->end, from, to);
}

/* An episode open on DAY, of the given POH kind (any with -1). */
static bool episode_open_for(const episode *e, int64_t day, int poh)
{
    return episode_overlaps(e, day, day) && (poh < 0 || e->poh == poh);
}

/* The practice's record holds the episodes that were open at some time of the registration. */
void write_episodes(synth *s, const person *p, const registration *r)
{
    int64_t to = end_or_last_day(s, r->end);
    for (size_t i = 0; i < s->episode_count; i++) {
        const episode *e = &s->episodes[i];
        if (!episode_overlaps(e, r->start, to))
            continue;
        row_begin(s, 6);
        row_text(s, 0, p->bsn);
        row_text(s, 1, s->practices[r->practice].id);
        snprintf(s->row.field[2], FIELD_SIZE, "%llu", (unsigned long long)++s->next_episode_id);
        row_text(s, 3, e->icpc);
        row_day(s, 4, e->start);
        row_day(s, 5, e->end);
        emit(s, FILE_GP_EPISODES);
    }
}

/* A random episode open on DAY (of the given POH kind, or any with -1), or NULL. */
const episode *open_episode(synth *s, int64_t day, int poh)
{
    size_t count = 0;
    for (size_t i = 0; i < s->episode_count; i++)
        count += episode_open_for(&s->episodes[i], day, poh);
    if (count == 0)
        return NULL;
    size_t pick = uniform_int(s->rng, count);
    for (size_t i = 0; i < s->episode_count; i++)
        if (episode_open_for(&s->episodes[i], day, poh) && pick-- == 0)
            return &s->episodes[i];
    return NULL;
}

const char *open_episode_code(synth *s, int64_t day, int poh)
{
    const episode *e = open_episode(s, day, poh);
    return e ? e->icpc : NULL;
}

/* Of GROUP's episodes that overlap FROM..TO, the one that began last, or NULL. */
const episode *latest_episode(const synth *s, int group, int64_t from, int64_t to)
{
    const episode *latest = NULL;
    for (size_t i = 0; i < s->episode_count; i++) {
        const episode *e = &s->episodes[i];
        if (e->group == group && episode_overlaps(e, from, to) && (!latest || e->start > latest->start))
            latest = e;
    }
    return latest;
}

bool has_open_episode(const synth *s, int64_t from, int64_t to, int poh)
{
    for (size_t i = 0; i < s->episode_count; i++)
        if (s->episodes[i].poh == poh && episode_overlaps(&s->episodes[i], from, to))
            return true;
    return false;
}

/* How many condition groups have an episode open in FROM..TO: each raises the contact rate. */
int open_condition_groups(const synth *s, int64_t from, int64_t to)
{
    unsigned groups = 0;
    for (size_t i = 0; i < s->episode_count; i++)
        if (s->episodes[i].group != GROUP_NONE && episode_overlaps(&s->episodes[i], from, to))
            groups |= 1u << s->episodes[i].group;
    int count = 0;
    for (; groups; groups &= groups - 1)
        count++;
    return count;
}
