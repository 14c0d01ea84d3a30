/* contacts.c: the planted contact model (model.h) for one registration, year by year: GP
 * contacts, vaccinations, POH-S and POH-GGZ contacts, and the rows of gp_contacts.csv. */
#include <stdlib.h>

#include "message.h"
#include "synth.h"

/* One study year of one registration: what every kind of contact is drawn from. */
typedef struct contact_year {
    const person *p;
    int year;         /* index of the study year */
    int64_t from, to; /* the days registered in it */
    double exposure;  /* from..to as a part of the year */
    int age;          /* on 1 January, or 0 in the year of birth */
} contact_year;

static void add_contact(synth *s, int64_t day, int provider, int type, const char *icpc, int group)
{
    s->contacts = room_for_one_more(s->contacts, s->contact_count, &s->contact_capacity, sizeof(contact), 64);
    s->contacts[s->contact_count] = (contact){day, provider, type, icpc, group, s->contact_count};
    s->contact_count++;
}

static int compare_contacts(const void *a, const void *b)
{
    const contact *x = a, *y = b;
    return compare_day_then_sequence(x->day, x->sequence, y->day, y->sequence);
}

static int draw_contact_type(synth *s, int provider, int age)
{
    const int *weights = contact_type_weight[provider == PROVIDER_GP && age >= 75 ? PROVIDER_COUNT : provider];
    int total = 0;
    for (int i = 0; i < CONTACT_TYPE_COUNT; i++)
        total += weights[i];
    int pick = (int)uniform_int(s->rng, (unsigned long)total);
    for (int i = 0; i < CONTACT_TYPE_COUNT; i++) {
        if (pick < weights[i])
            return i;
        pick -= weights[i];
    }
    return CONTACT_CONSULT;
}

/* The code of a GP contact: often an open episode's (its group in *GROUP), else a common
 * complaint's; now and then none for contacts at a distance. */
static const char *gp_contact_code(synth *s, const contact_year *y, int64_t day, int type, int *group)
{
    const episode *e = chance(s->rng, CONTACT_EPISODE_CODE) ? open_episode(s, day, -1) : NULL;
    const char *icpc = e ? e->icpc : NULL;
    *group = e ? e->group : GROUP_NONE;
    if (!icpc)
        icpc = pick_code(s->rng, general_codes, GENERAL_CODE_COUNT, y->p->sex, y->age);
    if (!icpc)
        icpc = "";
    if ((type == CONTACT_PHONE || type == CONTACT_EMAIL || type == CONTACT_OTHER) &&
        chance(s->rng, CONTACT_NO_CODE)) {
        icpc = "";
        *group = GROUP_NONE;
    }
    return icpc;
}

/* The chance that a patient's GP contacts of YEAR are about a case of GROUP (model.h). */
static double contact_about(int group, int year)
{
    return trend_value(gp_contact_about_2019[group], gp_contact_about_2023[group], year);
}

/* Which coded groups the year's GP contacts (the first FIRST_GP.. of s->contacts) are about:
 * drawn from the code stream only, so the number, days and types of contacts stay as drawn. */
static void code_condition_contacts(synth *s, const contact_year *y, size_t first_gp)
{
    int year = s->options.first_year + y->year;
    int64_t lookback = s->year_start[y->year] - years_as_days(CONDITION_LOOKBACK_YEARS);
    for (int g = 0; g < GROUP_COUNT; g++) {
        if (gp_contact_about_2019[g] < 0)
            continue; /* every contact counts for the group: its codes do not matter */
        const episode *e = latest_episode(s, g, lookback, year_end(s, y->year));
        bool about = e && gsl_rng_uniform(s->code_rng) < contact_about(g, year);
        int64_t since = e ? e->start : INT64_MAX, until = e && e->end != NO_DATE ? e->end : INT64_MAX;
        size_t carrying = 0, candidates = 0;
        for (size_t k = first_gp; k < s->contact_count; k++) {
            contact *c = &s->contacts[k];
            if (c->group == g && !about) {
                c->icpc = pick_code(s->code_rng, general_codes, GENERAL_CODE_COUNT, y->p->sex, y->age);
                c->group = GROUP_NONE;
            }
            carrying += c->group == g;
            candidates += c->group == GROUP_NONE && c->day >= since && c->day <= until;
        }
        if (!about || carrying > 0 || candidates == 0)
            continue;
        size_t pick = uniform_int(s->code_rng, candidates);
        for (size_t k = first_gp; k < s->contact_count; k++) {
            contact *c = &s->contacts[k];
            if (c->group == GROUP_NONE && c->day >= since && c->day <= until && pick-- == 0) {
                c->icpc = e->icpc;
                c->group = g;
                break;
            }
        }
    }
}

static void draw_gp_contacts(synth *s, const contact_year *y, double mean)
{
    size_t first = s->contact_count;
    unsigned int count = gsl_ran_poisson(s->rng, mean);
    for (unsigned int k = 0; k < count; k++) {
        int64_t day = uniform_day(s->rng, y->from, y->to);
        int type = draw_contact_type(s, PROVIDER_GP, y->age);
        int group;
        const char *icpc = gp_contact_code(s, y, day, type, &group);
        add_contact(s, day, PROVIDER_GP, type, icpc, group);
    }
    code_condition_contacts(s, y, first);
}

static void draw_vaccination(synth *s, const contact_year *y)
{
    if (y->age < VACCINATION_FROM_AGE)
        return;
    int year = s->options.first_year + y->year;
    int64_t window_from = max_day(day_of(year, 10, 15), y->from);
    int64_t window_to = min_day(day_of(year, 11, 30), y->to);
    if (window_from <= window_to && chance(s->rng, VACCINATION_UPTAKE))
        add_contact(s, uniform_day(s->rng, window_from, window_to), PROVIDER_GP, CONTACT_VACCINATION,
                    VACCINATION_CODE, GROUP_NONE);
}

/* Contacts with a practice nurse (POH-S or POH-GGZ): about an open episode of the nurse's
 * kind when ABOUT_EPISODE, else (POH-GGZ) about a complaint. */
static void draw_poh_visits(synth *s, const contact_year *y, int provider, bool about_episode)
{
    int poh = provider == PROVIDER_POH_S ? POH_S : POH_GGZ;
    double per_year = provider == PROVIDER_POH_S ? POH_S_PER_YEAR : POH_GGZ_PER_YEAR;
    unsigned int count = gsl_ran_poisson(s->rng, per_year * y->exposure);
    for (unsigned int k = 0; k < count; k++) {
        int64_t day = uniform_day(s->rng, y->from, y->to);
        const char *icpc = about_episode ? open_episode_code(s, day, poh) : NULL;
        if (!icpc)
            icpc = poh == POH_GGZ ? pick_code(s->rng, ggz_complaint_codes, GGZ_COMPLAINT_CODE_COUNT,
                                              ANY, y->age)
                                  : "";
        add_contact(s, day, provider, draw_contact_type(s, provider, y->age), icpc, GROUP_NONE);
    }
}

static void draw_poh_contacts(synth *s, const contact_year *y)
{
    int64_t year_from = s->year_start[y->year], year_to = year_end(s, y->year);
    if (has_open_episode(s, year_from, year_to, POH_S))
        draw_poh_visits(s, y, PROVIDER_POH_S, true);
    bool mental = has_open_episode(s, year_from, year_to, POH_GGZ);
    if (mental || (y->age >= 16 && chance(s->rng, POH_GGZ_WITHOUT_EPISODE)))
        draw_poh_visits(s, y, PROVIDER_POH_GGZ, mental);
}

/* The mean number of GP contacts in the year at the main practice (the model in model.h). */
static double gp_contact_mean(const synth *s, const contact_year *y, double person_frailty)
{
    const person *p = y->p;
    int band = age_band(y->age);
    double mean = contact_base[p->sex][band] * contact_rr_ses[p->ses - 1] * person_frailty *
                  s->year_frailty[y->year] * y->exposure;
    for (int g = open_condition_groups(s, s->year_start[y->year], year_end(s, y->year)); g > 0; g--)
        mean *= CONTACT_RR_PER_CONDITION;
    if (p->wmo[y->year])
        mean *= contact_rr_wmo[band] * contact_rr_wmo_sex[p->sex];
    return mean;
}

/* In date order; the one practice that delivers with ';' has its own file, without faults. */
static void write_contacts(synth *s, const person *p, const registration *r, int year)
{
    if (s->contact_count == 0)
        return;
    record_writer *semicolon = r->practice == s->semicolon_practice ? s->semicolon_file : NULL;
    qsort(s->contacts, s->contact_count, sizeof(contact), compare_contacts);
    for (size_t k = 0; k < s->contact_count; k++) {
        const contact *c = &s->contacts[k];
        if (!contact_delivered(s, r->practice, year, c->day)) {
            s->contacts_not_delivered++;
            continue;
        }
        row_begin(s, 6);
        row_text(s, 0, p->bsn);
        row_text(s, 1, s->practices[r->practice].id);
        row_day(s, 2, c->day);
        row_text(s, 3, contact_type_names[c->type]);
        row_text(s, 4, provider_names[c->provider]);
        row_text(s, 5, c->icpc);
        if (semicolon) {
            for (int i = 0; i < 6; i++)
                record_writer_field_str(semicolon, s->row.field[i]);
            record_writer_end(semicolon);
        } else
            emit(s, FILE_GP_CONTACTS);
    }
}

/* The contacts of one registration, year by year. */
void registration_contacts(synth *s, const person *p, const registration *r, double person_frailty)
{
    int64_t registered_to = end_or_last_day(s, r->end);
    for (int i = 0; i < s->year_count; i++) {
        contact_year y = {p, i, max_day(max_day(r->start, s->year_start[i]), p->birth),
                          min_day(registered_to, year_end(s, i)), 0, 0};
        if (y.from > y.to)
            continue;
        s->contact_count = 0;
        y.exposure = share_of_year(s, i, y.from, y.to);
        y.age = age_in_year(s, p, i);
        if (r->secondary) {
            draw_gp_contacts(s, &y, CONTACT_SECOND_PRACTICE * y.exposure);
        } else {
            draw_gp_contacts(s, &y, gp_contact_mean(s, &y, person_frailty));
            draw_vaccination(s, &y);
            draw_poh_contacts(s, &y);
        }
        write_contacts(s, p, r, i);
    }
}
