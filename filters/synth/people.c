/* people.c: who is in the city's population register: BSNs, birth, address, background,
 * death or moving out, and the rows of persons.csv. */
#include <stdio.h>
#include <string.h>

#include "bsn.h"
#include "message.h"
#include "synth.h"

/* BSNs are unique without a set: the person counter goes through a bijection of the 8-digit
 * numbers (multiply by a number prime to 10, reverse the digits, multiply again, each modulo
 * 10^8, with a seed-dependent offset), and the elfproef gives the 9th digit; the one in eleven
 * prefixes that has no check digit is skipped. */
#define BSN_SPACE 100000000ULL
#define BSN_MULTIPLIER_1 73939133ULL
#define BSN_MULTIPLIER_2 48271ULL

void seed_bsn_sequence(synth *s)
{
    s->bsn_offset = (uint64_t)s->options.seed * 2654435761ULL % BSN_SPACE;
}

static uint64_t reverse_eight_digits(uint64_t value)
{
    uint64_t reversed = 0;
    for (int i = 0; i < 8; i++) {
        reversed = reversed * 10 + value % 10;
        value /= 10;
    }
    return reversed;
}

void next_bsn(synth *s, char out[10])
{
    for (;;) {
        if (s->bsn_counter >= BSN_SPACE)
            message_die(EXIT_USAGE, "too many persons for distinct BSNs");
        uint64_t value = (s->bsn_counter++ * BSN_MULTIPLIER_1 + s->bsn_offset) % BSN_SPACE;
        value = (reverse_eight_digits(value) * BSN_MULTIPLIER_2 + 12345678ULL) % BSN_SPACE;
        char digits[16];
        snprintf(digits, sizeof digits, "%08llu", (unsigned long long)value);
        int check = bsn_check_digit(digits);
        if (check < 0 || (value == 0 && check == 0))
            continue;
        memcpy(out, digits, 8);
        out[8] = (char)('0' + check);
        out[9] = '\0';
        return;
    }
}

int draw_sex(synth *s, int age)
{
    double female = age >= 80 ? 0.65 : age >= 65 ? 0.55 : 0.49;
    return chance(s->rng, female) ? SEX_F : SEX_M;
}

/* A birth date for someone in the age pyramid on day REFERENCE. */
int64_t draw_birth(synth *s, int64_t reference)
{
    int band = (int)gsl_ran_discrete(s->rng, s->pyramid);
    return uniform_day(s->rng, reference - years_as_days(band * 5 + 5) + 1,
                       reference - years_as_days(band * 5));
}

void draw_postcode(synth *s, int area, char out[7])
{
    char first, second;
    do {
        first = postcode_letters[uniform_int(s->rng, POSTCODE_LETTER_COUNT)];
        second = postcode_letters[uniform_int(s->rng, POSTCODE_LETTER_COUNT)];
    } while (first == 'S' && (second == 'A' || second == 'D' || second == 'S'));
    snprintf(out, 7, "%04d%c%c", area, first, second);
}

/* Within a district drawn by its residents, a wijk, a buurt, and the buurt's postcode area. */
static void draw_address(synth *s, person *p)
{
    p->district = (int)gsl_ran_discrete(s->rng, s->district);
    const district_info *d = &districts[p->district];
    int wijk_index = (int)uniform_int(s->rng, (unsigned long)d->wijk_count);
    p->wijk = d->first_wijk + wijk_index;
    int buurt_count = 3 + (p->wijk * 7) % 6; /* 3 to 8 buurten, fixed per wijk */
    p->buurt = 1 + (int)uniform_int(s->rng, (unsigned long)buurt_count);
    int areas = 0;
    while (areas < MAX_POSTCODES && d->postcodes[areas])
        areas++;
    /* A buurt lies in one postcode area of its district. */
    draw_postcode(s, d->postcodes[(wijk_index * 3 + p->buurt) % areas], p->postcode);
    p->house_number = chance(s->rng, 0.9) ? 1 + (int)uniform_int(s->rng, 200)
                                          : 201 + (int)uniform_int(s->rng, 400);
}

/* Migration background and SES from the district's composition; SES shifts with the
 * background. */
static void draw_background(synth *s, person *p, bool moved_in)
{
    p->migration = (int)gsl_ran_discrete(s->rng, s->migration[p->district]);
    if (moved_in && chance(s->rng, MOVER_WESTERN))
        p->migration = MIGRATION_WESTERN;
    p->ses = 1 + (int)gsl_ran_discrete(s->rng, s->ses[p->district]);
    if (p->migration >= MIGRATION_MOROCCAN && p->ses > 1 && chance(s->rng, SES_DOWN_NON_WESTERN))
        p->ses--;
    else if (p->migration == MIGRATION_WESTERN && p->ses < 5 && chance(s->rng, SES_UP_WESTERN))
        p->ses++;
}

/* The study year that DAY falls in (the first or last for days before or after). */
static int year_index(const synth *s, int64_t day)
{
    int i = 0;
    while (i + 1 < s->year_count && day >= s->year_start[i + 1])
        i++;
    return i;
}

/* Death or moving out, year by year from FROM_DAY, with the hazards of the person's age. */
void draw_exit(synth *s, int64_t birth, int64_t from_day, int64_t *death, int64_t *move_out)
{
    *death = *move_out = NO_DATE;
    for (int i = year_index(s, from_day); i < s->year_count; i++) {
        int64_t from = max_day(from_day, s->year_start[i]), to = year_end(s, i);
        if (from > to)
            continue;
        size_t band = band_index(hazard_age, HAZARD_BANDS, age_on(birth, from));
        double share = share_of_year(s, i, from, to);
        if (chance(s->rng, death_per_year[band] * share)) {
            *death = uniform_day(s->rng, from, to);
            return;
        }
        if (chance(s->rng, move_out_per_year[band] * share)) {
            *move_out = uniform_day(s->rng, from, to);
            return;
        }
    }
}

/* Someone in persons.csv: a resident on the first day, born in the study years, or moved in. */
void draw_resident(synth *s, person *p)
{
    memset(p, 0, sizeof *p);
    p->resident = true;
    next_bsn(s, p->bsn);
    int entry = (int)gsl_ran_discrete(s->rng, s->entry_kind);
    if (entry == ENTRY_RESIDENT) {
        p->birth = draw_birth(s, s->first_day);
        int age = age_on(p->birth, s->first_day);
        bool born_here = p->birth >= s->first_day - 1 ||
                         chance(s->rng, age < 18 ? BORN_HERE_CHILD : BORN_HERE_ADULT);
        p->registration_start =
            born_here ? p->birth
                      : uniform_day(s->rng, max_day(p->birth, s->first_day - years_as_days(40)),
                                    s->first_day - 1);
    } else if (entry == ENTRY_BORN) {
        p->birth = p->registration_start = uniform_day(s->rng, s->first_day, s->last_day);
    } else {
        p->registration_start = uniform_day(s->rng, s->first_day, s->last_day);
        int band = (int)gsl_ran_discrete(s->rng, s->mover_age);
        int age = mover_age_from[band] +
                  (int)uniform_int(s->rng, (unsigned long)(mover_age_to[band] - mover_age_from[band] + 1));
        p->birth = p->registration_start - years_as_days(age) - (int64_t)uniform_int(s->rng, 365);
    }
    int64_t effective = max_day(p->registration_start, s->first_day);
    int age = age_on(p->birth, effective);
    p->sex = draw_sex(s, age);
    draw_address(s, p);
    draw_background(s, p, entry == ENTRY_MOVED_IN);
    p->household = (int)gsl_ran_discrete(
        s->rng, s->household[band_index(household_age_from, HOUSEHOLD_AGE_BANDS, age)]);
    int64_t move_out;
    draw_exit(s, p->birth, effective, &p->death, &move_out);
    p->registration_end = p->death != NO_DATE ? p->death : move_out;
}

void write_person(synth *s, const person *p)
{
    row_begin(s, 15);
    row_text(s, 0, p->bsn);
    row_day(s, 1, p->birth);
    row_text(s, 2, sex_names[p->sex]);
    row_text(s, 3, p->postcode);
    row_int(s, 4, p->house_number);
    row_text(s, 5, GEMEENTE_CODE);
    snprintf(s->row.field[6], FIELD_SIZE, "WK0363%02d", p->wijk);
    snprintf(s->row.field[7], FIELD_SIZE, "BU0363%02d%02d", p->wijk, p->buurt);
    row_text(s, 8, districts[p->district].name);
    row_text(s, 9, household_names[p->household]);
    row_text(s, 10, migration_names[p->migration]);
    row_int(s, 11, p->ses);
    row_day(s, 12, p->registration_start);
    row_day(s, 13, p->registration_end);
    row_day(s, 14, p->death);
    emit(s, FILE_PERSONS);
}
