/* claims.c: the health insurers' files (insured.csv, insurer_deliveries.csv, claims.csv): who is
 * insured where, which deliveries were incomplete, and each resident's claims year by year; the
 * model in model.h, drawn from a random stream of its own, so the rest of the data is what it was. */
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "synth.h"

/* ---------------------------------------------------------------- insurers */

/* Per insurer and study year: complete, or incomplete with chance INSURER_INCOMPLETE_YEAR; at
 * least one insurer-year of the run is incomplete. */
void draw_insurer_deliveries(synth *s)
{
    s->insurer = gsl_ran_discrete_preproc(INSURER_COUNT, insurer_share);
    if (!s->insurer)
        message_die_nomem();
    bool any = false;
    for (int k = 0; k < INSURER_COUNT; k++)
        for (int i = 0; i < s->year_count; i++)
            any |= s->insurer_incomplete[k][i] = chance(s->claims_rng, INSURER_INCOMPLETE_YEAR);
    if (!any)
        s->insurer_incomplete[uniform_int(s->claims_rng, INSURER_COUNT)]
                             [uniform_int(s->claims_rng, (unsigned long)s->year_count)] = true;
}

/* insurer_deliveries.csv: one row per insurer and study year. */
void write_insurer_deliveries(synth *s)
{
    for (int k = 0; k < INSURER_COUNT; k++)
        for (int i = 0; i < s->year_count; i++) {
            row_begin(s, 3);
            row_text(s, 0, insurer_ids[k]);
            row_int(s, 1, s->options.first_year + i);
            row_text(s, 2, s->insurer_incomplete[k][i] ? "incomplete" : "complete");
            /* no identifiers and no faults: the insurers' account of their deliveries */
            write_fields(s, FILE_INSURER_DELIVERIES, &s->row, s->row.count, false);
        }
}

/* An insurer by market share; other than CURRENT (-1: any). */
static int draw_insurer(synth *s, int current)
{
    int insurer;
    do
        insurer = (int)gsl_ran_discrete(s->claims_rng, s->insurer);
    while (insurer == current);
    return insurer;
}

static void write_insured(synth *s, const person *p, int year, int insurer)
{
    row_begin(s, 3);
    row_text(s, 0, p->bsn);
    row_int(s, 1, s->options.first_year + year);
    row_text(s, 2, insurer_ids[insurer]);
    emit(s, FILE_INSURED);
}

/* ---------------------------------------------------------------- conditions seen in claims */

/* A GP patient's cases are their practice's episodes and, for a group the practice has none of,
 * with chance CLAIMS_CASE_NOT_IN_GP the person's own draw; another resident's are drawn here. */
static void draw_claims_conditions(synth *s, const person *p, bool gp_patient)
{
    if (!gp_patient) {
        s->episode_count = 0;
        draw_episodes_from(s, p, s->claims_rng, s->claims_rng);
        return;
    }
    bool keep[GROUP_COUNT];
    for (int g = 0; g < GROUP_COUNT; g++)
        keep[g] = chance(s->claims_rng, CLAIMS_CASE_NOT_IN_GP);
    size_t recorded = s->episode_count;
    for (size_t i = 0; i < recorded; i++)
        if (s->episodes[i].group != GROUP_NONE)
            keep[s->episodes[i].group] = false;
    draw_episodes_from(s, p, s->claims_rng, s->claims_rng);
    size_t kept = recorded;
    for (size_t i = recorded; i < s->episode_count; i++)
        if (s->episodes[i].group != GROUP_NONE && keep[s->episodes[i].group])
            s->episodes[kept++] = s->episodes[i];
    s->episode_count = kept;
}

/* Whether GROUP is active in FROM..TO of study year YEAR; *LATEST is its latest episode (NULL
 * for frail elderly by age alone). */
static bool group_active(const synth *s, const person *p, int group, int year, int64_t from, int64_t to,
                         const episode **latest)
{
    *latest = latest_episode(s, group, from, to);
    if (*latest)
        return true;
    return group == GROUP_FRAIL_ELDERLY && age_on(p->birth, year_end(s, year)) >= 80;
}

/* ---------------------------------------------------------------- claims */

static void add_claim(synth *s, int discipline, int year, int64_t start, int64_t end, const char *declaration,
                      const char *code, bool wlz)
{
    s->claims = room_for_one_more(s->claims, s->claim_count, &s->claim_capacity, sizeof(claim), 64);
    s->claims[s->claim_count] = (claim){start, end, year, discipline, wlz, declaration, code, s->claim_count};
    s->claim_count++;
}

static int compare_claims(const void *a, const void *b)
{
    const claim *x = a, *y = b;
    return compare_day_then_sequence(x->start, x->sequence, y->start, y->sequence);
}

/* What one episode of care is about: a diagnosis code (or empty) and the declaration code of
 * its claims. */
typedef struct care_reason {
    const char *code, *declaration;
} care_reason;

static const char *usual_declaration(int discipline)
{
    return discipline <= DISCIPLINE_OCCUPATIONAL ? "1000" : discipline == DISCIPLINE_HOSPITAL ? "OUT" : "0100";
}

/* One of the discipline's other codes for a person of SEX and AGE in calendar year YEAR: the
 * 2019 and 2023 lists mixed linearly. */
static const char *other_code(synth *s, int discipline, int sex, int age, int year)
{
    const discipline_info *d = &disciplines[discipline];
    bool later = gsl_rng_uniform(s->claims_rng) < trend_value(0, 1, year);
    const char *code = pick_code(s->claims_rng, later ? d->other_2023 : d->other_2019, MAX_OTHER_CODES, sex, age);
    return code ? code : "";
}

static int claim_code_system(int discipline)
{
    switch (disciplines[discipline].code_system) {
    case CODE_SYSTEM_DBC:
        return CLAIM_CODES_DBC;
    case CODE_SYSTEM_DCSPH:
        return CLAIM_CODES_DCSPH;
    case CODE_SYSTEM_DIET:
        return CLAIM_CODES_DIET;
    default:
        return -1;
    }
}

static bool icpc_is(const episode *e, const char *main_code)
{
    return e && strncmp(e->icpc, main_code, 3) == 0;
}

/* Care in DISCIPLINE about a case of GROUP whose latest episode is LATEST (or NULL). */
static care_reason condition_reason(synth *s, int group, const episode *latest, int discipline, int sex,
                                    int age, int year)
{
    care_reason reason = {"", usual_declaration(discipline)};
    if (group == GROUP_CARDIOVASCULAR && discipline == DISCIPLINE_SKIN)
        reason.declaration = "1001";
    int system = claim_code_system(discipline);
    if (system < 0) {
        reason.code = disciplines[discipline].code_system == CODE_SYSTEM_NONE
                          ? ""
                          : other_code(s, discipline, sex, age, year);
        return reason;
    }
    if (group == GROUP_CARDIOVASCULAR && system == CLAIM_CODES_DCSPH &&
        (icpc_is(latest, "K90") || icpc_is(latest, "K89"))) {
        reason.code = STROKE_DCSPH;
        reason.declaration = "1001";
        return reason;
    }
    bool copd = group == GROUP_ASTHMA_COPD && latest && !icpc_is(latest, "R96");
    const char *const *codes = copd ? copd_claim_codes[system] : condition_claim_codes[group][system];
    size_t count = 0;
    while (count < MAX_CONDITION_CODES && codes[count])
        count++;
    reason.code = count ? codes[uniform_int(s->claims_rng, count)] : other_code(s, discipline, sex, age, year);
    return reason;
}

static const char *hospital_declaration(synth *s)
{
    double u = gsl_rng_uniform(s->claims_rng);
    return u < HOSPITAL_ADMISSION ? "ADM" : u < 2 * HOSPITAL_ADMISSION ? "DAY" : "OUT";
}

/* A district nursing claim of a Wlz resident during the stay is Wlz care. */
static bool wlz_care(const person *p, int discipline, int64_t day)
{
    return discipline == DISCIPLINE_DISTRICT_NURSING && p->wlz_start != NO_DATE && day >= p->wlz_start;
}

/* One episode of care in DISCIPLINE beginning in FROM..TO (the insured part of study year
 * YEAR): its sessions, subtrajects or consecutive periods, all beginning within FROM..TO (a
 * subtraject or period may run on into the next year, not beyond the registration). */
static void episode_of_care(synth *s, const person *p, int discipline, int year, int64_t from, int64_t to,
                            care_reason reason)
{
    const discipline_info *d = &disciplines[discipline];
    int64_t day = uniform_day(s->claims_rng, from, to);
    int count = d->claims_min + (int)uniform_int(s->claims_rng, (unsigned long)(d->claims_max - d->claims_min + 1));
    int64_t last_start = min_day(day + d->span_days, to);
    bool intake = discipline <= DISCIPLINE_OCCUPATIONAL && strcmp(reason.declaration, "1000") == 0;
    for (int k = 0; k < count && day <= to; k++) {
        int64_t start = d->kind == CLAIM_PERIOD || k == 0 ? day : uniform_day(s->claims_rng, day, last_start);
        int64_t end = start;
        const char *declaration = k == 0 && intake ? "1002" : reason.declaration;
        if (d->kind != CLAIM_SESSION)
            end = min_day(start + d->length_min +
                              (int64_t)uniform_int(s->claims_rng, (unsigned long)(d->length_max - d->length_min + 1)),
                          end_or_last_day(s, p->registration_end));
        if (d->kind == CLAIM_SUBTRAJECT)
            declaration = hospital_declaration(s);
        add_claim(s, discipline, year, start, end, declaration, reason.code, wlz_care(p, discipline, start));
        if (d->kind == CLAIM_PERIOD)
            day = end + 1;
    }
}

/* The nursing a Wlz resident gets in the institution, claimed under the Wlz as district nursing:
 * periods of up to 90 days covering the stay's part of FROM..TO. */
static void wlz_stay_claims(synth *s, const person *p, int year, int64_t from, int64_t to)
{
    if (p->wlz_start == NO_DATE)
        return;
    for (int64_t day = max_day(from, p->wlz_start); day <= to;) {
        int64_t end = min_day(day + 89, to); /* the year's last period ends with it */
        add_claim(s, DISCIPLINE_DISTRICT_NURSING, year, day, end, "0100", "", true);
        day = end + 1;
    }
}

/* The claims of study year YEAR, insured FROM..TO: about the active groups, and background care. */
static void year_claims(synth *s, const person *p, int year, int64_t from, int64_t to)
{
    int calendar_year = s->options.first_year + year, age = age_on(p->birth, from);
    for (int g = 0; g < GROUP_COUNT; g++) {
        const episode *latest;
        if (!group_active(s, p, g, year, from, to, &latest))
            continue;
        for (int d = 0; d < DISCIPLINE_COUNT; d++) {
            double chance_of_care = trend_value(claim_chance_2019[g][d], claim_chance_2023[g][d], calendar_year);
            if (chance_of_care > 0 && gsl_rng_uniform(s->claims_rng) < chance_of_care)
                episode_of_care(s, p, d, year, from, to,
                                condition_reason(s, g, latest, d, p->sex, age, calendar_year));
        }
    }
    double exposure = share_of_year(s, year, from, to);
    for (int d = 0; d < DISCIPLINE_COUNT; d++) {
        unsigned int count = gsl_ran_poisson(s->claims_rng, disciplines[d].background[age_band(age)] * exposure);
        for (unsigned int k = 0; k < count; k++) {
            care_reason reason = {other_code(s, d, p->sex, age, calendar_year), usual_declaration(d)};
            episode_of_care(s, p, d, year, from, to, reason);
        }
    }
    wlz_stay_claims(s, p, year, from, to);
}

/* claims.csv: the person's claims by start date, with the insurer of their year; of an insurer's
 * incomplete year each is missing with chance INCOMPLETE_LOSS. */
static void write_claims(synth *s, const person *p, const int insurer_of[MAX_YEARS])
{
    if (s->claim_count == 0)
        return;
    qsort(s->claims, s->claim_count, sizeof(claim), compare_claims);
    for (size_t k = 0; k < s->claim_count; k++) {
        const claim *c = &s->claims[k];
        int insurer = insurer_of[c->year];
        if (s->insurer_incomplete[insurer][c->year] && chance(s->claims_rng, INCOMPLETE_LOSS)) {
            s->claims_not_delivered++;
            continue;
        }
        row_begin(s, 8);
        row_text(s, 0, p->bsn);
        row_text(s, 1, insurer_ids[insurer]);
        row_text(s, 2, c->wlz ? "wlz" : "zvw");
        row_text(s, 3, disciplines[c->discipline].name);
        row_text(s, 4, c->declaration);
        row_day(s, 5, c->start);
        row_day(s, 6, c->end);
        row_text(s, 7, c->code);
        emit(s, FILE_CLAIMS);
    }
}

/* A resident's insurance: per study year they are registered in the city for a day, an
 * insured.csv row and the year's claims. GP_PATIENT: their practice's episodes are held. */
void write_insurance(synth *s, person *p, bool gp_patient)
{
    draw_claims_conditions(s, p, gp_patient);
    int insurer_of[MAX_YEARS], insurer = -1;
    int64_t registered_to = end_or_last_day(s, p->registration_end);
    s->claim_count = 0;
    for (int i = 0; i < s->year_count; i++) {
        int64_t from = max_day(max_day(p->registration_start, s->year_start[i]), p->birth);
        int64_t to = min_day(registered_to, year_end(s, i));
        insurer_of[i] = -1;
        if (from > to)
            continue;
        if (insurer < 0 || chance(s->claims_rng, INSURER_SWITCH))
            insurer = draw_insurer(s, insurer);
        insurer_of[i] = insurer;
        write_insured(s, p, i, insurer);
        year_claims(s, p, i, from, to);
    }
    write_claims(s, p, insurer_of);
}
