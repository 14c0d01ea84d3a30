/* care.c: what decides who an IZA indicator leaves out: stays in a Wlz institution (wlz.csv)
 * and the practice-years a practice delivered incompletely (gp_practices.csv). Both are drawn
 * from a random stream of their own, so that the rest of the data is what it was without them. */
#include "synth.h"

/* For each practice and study year: complete, or (with chance PRACTICE_INCOMPLETE_YEAR) a run
 * of whole months without any contact delivered. */
void draw_practice_deliveries(synth *s)
{
    for (int k = 0; k < s->practice_count; k++) {
        practice *pr = &s->practices[k];
        for (int i = 0; i < s->year_count; i++) {
            pr->missing_from[i] = pr->missing_to[i] = NO_DATE;
            if (!chance(s->care_rng, PRACTICE_INCOMPLETE_YEAR))
                continue;
            int months = PRACTICE_GAP_MONTHS_MIN +
                         (int)uniform_int(s->care_rng, PRACTICE_GAP_MONTHS_MAX - PRACTICE_GAP_MONTHS_MIN + 1);
            int first = 1 + (int)uniform_int(s->care_rng, (unsigned long)(12 - months + 1));
            int year = s->options.first_year + i;
            pr->missing_from[i] = day_of(year, first, 1);
            pr->missing_to[i] = first + months > 12 ? year_end(s, i) : day_of(year, first + months, 1) - 1;
        }
    }
    /* about a quarter deliver their referrals too, at least one (from a stream of its own) */
    bool any = false;
    for (int k = 0; k < s->practice_count; k++)
        any |= s->practices[k].delivers_referrals = chance(s->referral_rng, PRACTICE_DELIVERS_REFERRALS);
    if (!any && s->practice_count > 0)
        s->practices[uniform_int(s->referral_rng, (unsigned long)s->practice_count)].delivers_referrals = true;
}

/* gp_practices.csv: one row per practice and study year, with the quality of its delivery. */
void write_practice_deliveries(synth *s)
{
    for (int k = 0; k < s->practice_count; k++)
        for (int i = 0; i < s->year_count; i++) {
            const practice *pr = &s->practices[k];
            bool complete = pr->missing_from[i] == NO_DATE;
            row_begin(s, 6);
            row_text(s, 0, pr->id);
            row_int(s, 1, s->options.first_year + i);
            row_text(s, 2, complete ? "sufficient" : "insufficient");
            row_day(s, 3, pr->missing_from[i]);
            row_day(s, 4, pr->missing_to[i]);
            row_text(s, 5, pr->delivers_referrals ? "yes" : "no");
            /* no identifiers and no faults: a practice's own account of its delivery */
            write_fields(s, FILE_GP_PRACTICES, &s->row, s->row.count, false);
        }
}

/* Whether PRACTICE delivered its contacts of DAY (in study year YEAR). */
bool contact_delivered(const synth *s, int practice_index, int year, int64_t day)
{
    const practice *pr = &s->practices[practice_index];
    return pr->missing_from[year] == NO_DATE || day < pr->missing_from[year] || day > pr->missing_to[year];
}

/* wlz.csv: a resident of an institution lives there under the Wlz for as long as they are
 * registered in the city; one already there on the first day moved in up to WLZ_YEARS_BEFORE
 * years before (not before the age of 18 and the registration). */
void write_wlz(synth *s, person *p)
{
    p->wlz_start = NO_DATE;
    if (p->household != HOUSEHOLD_INSTITUTION)
        return;
    int64_t adult = p->birth + years_as_days(18);
    int64_t start = max_day(p->registration_start, adult);
    if (start < s->first_day)
        start = uniform_day(s->care_rng, max_day(start, s->first_day - years_as_days(WLZ_YEARS_BEFORE)),
                            s->first_day - 1);
    if (p->registration_end != NO_DATE && start > p->registration_end)
        return;
    p->wlz_start = start;
    row_begin(s, 4);
    row_text(s, 0, p->bsn);
    row_day(s, 1, start);
    row_day(s, 2, p->registration_end);
    row_text(s, 3, "institution");
    emit(s, FILE_WLZ);
}
