/* practices.c: the participating GP practices and their patients: who is registered where and
 * when (residents and patients from outside the city), and all a practice delivers about them. */
#include <stdio.h>
#include <string.h>

#include "message.h"
#include "synth.h"

void make_practices(synth *s)
{
    /* Residents on the first day, from the share of persons.csv that were there already. */
    double years = s->year_count;
    double residents = (double)s->options.persons /
                       (1 + years * BIRTHS_PER_YEAR + years * MOVERS_IN_PER_YEAR);
    int count = (int)(residents * s->options.gp_coverage / GP_PATIENTS_PER_PRACTICE + 0.5);
    s->practice_count = count < GP_MIN_PRACTICES ? GP_MIN_PRACTICES : count;
    s->practices = xcalloc((size_t)s->practice_count, sizeof(practice));
    /* Practices are spread over the districts where people live, largest first. */
    static const int order[] = {1, 5, 4, 3, 2, 6, 0};
    for (int i = 0; i < s->practice_count; i++) {
        snprintf(s->practices[i].id, sizeof s->practices[i].id, "P%03d", i + 1);
        s->practices[i].district = order[i % 7];
    }
}

/* A practice in DISTRICT more often than not (any practice for -1, outside the city). */
static int pick_practice(synth *s, int district)
{
    if (district >= 0 && chance(s->rng, GP_HOME_PRACTICE)) {
        int local = 0;
        for (int i = 0; i < s->practice_count; i++)
            local += s->practices[i].district == district;
        if (local > 0) {
            int pick = (int)uniform_int(s->rng, (unsigned long)local);
            for (int i = 0; i < s->practice_count; i++)
                if (s->practices[i].district == district && pick-- == 0)
                    return i;
        }
    }
    return (int)uniform_int(s->rng, (unsigned long)s->practice_count);
}

/* Any practice but PRACTICE, each as likely. */
static int other_practice(synth *s, int practice)
{
    int other = (int)uniform_int(s->rng, (unsigned long)(s->practice_count - 1));
    return other >= practice ? other + 1 : other;
}

/* The registrations of one patient from START to END (NO_DATE: still registered): one
 * practice, perhaps a change of practice, perhaps a while with two practices at once. */
static int draw_registrations(synth *s, int district, int64_t start, int64_t end, registration *out)
{
    int count = 0;
    out[count++] = (registration){pick_practice(s, district), start, end, false};
    int64_t from = max_day(start, s->first_day), to = end_or_last_day(s, end);
    if (to - from > 2 && chance(s->rng, GP_PRACTICE_CHANGE)) {
        int64_t change = uniform_day(s->rng, from + 1, to - 1);
        out[0].end = change - 1;
        out[count++] = (registration){other_practice(s, out[0].practice), change, end, false};
    }
    if (to - from > 60 && chance(s->rng, GP_DOUBLE_REGISTRATION)) {
        int64_t second_from = uniform_day(s->rng, from, to - 30);
        int64_t second_to = min_day(second_from + 30 + (int64_t)uniform_int(s->rng, 271), to);
        int main = count == 2 && second_from >= out[1].start ? out[1].practice : out[0].practice;
        out[count++] = (registration){other_practice(s, main), second_from, second_to, true};
    }
    return count;
}

static void write_registration(synth *s, const person *p, const registration *r)
{
    row_begin(s, 8);
    row_text(s, 0, p->bsn);
    row_text(s, 1, s->practices[r->practice].id);
    row_day(s, 2, p->birth);
    row_text(s, 3, sex_names[p->sex]);
    row_text(s, 4, p->postcode);
    row_day(s, 5, r->start);
    row_day(s, 6, r->end);
    /* why the registration ended, as a practice records it: the patient died, or left */
    row_text(s, 7, r->end == NO_DATE ? "" : r->end == p->death ? "death" : "left");
    emit(s, FILE_GP_PATIENTS);
}

/* Everything a practice delivers about one patient. */
static void write_patient(synth *s, const person *p, int district, int64_t start, int64_t end)
{
    registration registrations[3];
    int count = draw_registrations(s, district, start, end, registrations);
    draw_episodes(s, p);
    double person_frailty = gsl_ran_gamma(s->rng, CONTACT_FRAILTY_PERSON, 1 / CONTACT_FRAILTY_PERSON);
    for (int i = 0; i < s->year_count; i++)
        s->year_frailty[i] = gsl_ran_gamma(s->rng, CONTACT_FRAILTY_YEAR, 1 / CONTACT_FRAILTY_YEAR);
    for (int k = 0; k < count; k++) {
        write_registration(s, p, &registrations[k]);
        write_episodes(s, p, &registrations[k]);
        registration_contacts(s, p, &registrations[k], person_frailty);
        registration_referrals(s, p, &registrations[k]);
    }
}

static double gp_factor(int age)
{
    return gp_age_factor[band_index(gp_age_from, GP_AGE_BANDS, age)];
}

/* A resident with a participating practice, or not (false). */
bool resident_gp(synth *s, const person *p)
{
    int64_t effective = max_day(p->registration_start, s->first_day);
    int64_t limit = end_or_last_day(s, p->registration_end);
    if (!chance(s->rng, s->options.gp_coverage * gp_factor(age_on(p->birth, effective))))
        return false;
    int64_t start;
    if (p->registration_start < s->first_day && !chance(s->rng, GP_JOINS_DURING_STUDY))
        start = uniform_day(s->rng, max_day(p->registration_start, s->first_day - years_as_days(15)),
                            s->first_day - 1);
    else if (p->registration_start < s->first_day)
        start = uniform_day(s->rng, effective, limit);
    else
        start = effective + (int64_t)uniform_int(s->rng, 91);
    if (start > limit)
        return false;
    int64_t end = p->registration_end;
    if (end != NO_DATE && end != p->death)
        end = min_day(end + (int64_t)uniform_int(s->rng, 31), s->last_day);
    if (end == NO_DATE && chance(s->rng, GP_LEAVES_DURING_STUDY))
        end = uniform_day(s->rng, max_day(start, s->first_day), s->last_day);
    write_patient(s, p, p->district, start, end);
    return true;
}

/* A patient of a participating practice who lives outside the city: not in persons.csv. */
void outside_patient(synth *s)
{
    person p;
    memset(&p, 0, sizeof p);
    next_bsn(s, p.bsn);
    p.birth = draw_birth(s, s->first_day);
    p.sex = draw_sex(s, age_on(p.birth, s->first_day));
    draw_postcode(s, outside_postcodes[uniform_int(s->rng, OUTSIDE_POSTCODE_COUNT)], p.postcode);
    p.ses = 3;
    int64_t start = chance(s->rng, 0.75)
                        ? uniform_day(s->rng, max_day(p.birth, s->first_day - years_as_days(15)),
                                      max_day(p.birth, s->first_day - 1))
                        : uniform_day(s->rng, s->first_day, s->last_day - 30);
    int64_t move_away;
    draw_exit(s, p.birth, max_day(start, s->first_day), &p.death, &move_away);
    p.registration_start = start;
    p.registration_end = p.death != NO_DATE ? p.death : move_away;
    s->outside_patients++;
    write_patient(s, &p, -1, start, p.registration_end);
}
