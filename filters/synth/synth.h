/* synth.h: what the parts of koppel synth share: the run's state (one struct, passed around),
 * the people, episodes and contacts it draws, the files it writes, and the small helpers. */
#ifndef SYNTH_SYNTH_H
#define SYNTH_SYNTH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "date.h"
#include "message.h"
#include "record.h"

#include "model.h"

#define MAX_YEARS 40
#define NO_DATE INT64_MAX /* an empty date: still registered, still open, alive */

/* ---------------------------------------------------------------- faults of real deliveries */
enum { FAULT_BSN_8_DIGITS, FAULT_BSN_SEPARATORS, FAULT_BSN_ELFPROEF, FAULT_BSN_EMPTY,
       FAULT_DUPLICATE_ROW, FAULT_SAME_PERSON_DIFFERENT_DATA, FAULT_DATE_DMY,
       FAULT_END_BEFORE_START, FAULT_ICPC_CASE_PADDING, FAULT_ICPC_NOT_ICPC,
       FAULT_TOO_FEW_FIELDS, FAULT_TOO_MANY_FIELDS, FAULT_ROW_KINDS,
       FAULT_BYTE_ORDER_MARK = FAULT_ROW_KINDS, FAULT_CRLF, FAULT_UNTERMINATED_QUOTE,
       FAULT_SEMICOLON_PRACTICE, FAULT_KINDS };
extern const char *const fault_names[FAULT_KINDS];
#define MAX_DIRTY 0.05

/* ---------------------------------------------------------------- files */
enum { FILE_PERSONS, FILE_WMO, FILE_GP_PATIENTS, FILE_GP_EPISODES, FILE_GP_CONTACTS, FILE_GP_PRACTICES,
       FILE_WLZ, FILE_GP_REFERRALS, FILE_INSURED, FILE_INSURER_DELIVERIES, FILE_CLAIMS, FILE_COUNT };
/* The files of --country, after the city's (whose loops run to FILE_COUNT). */
enum { FILE_MUNICIPALITIES = FILE_COUNT, FILE_POPULATION, FILE_GMSD, FILE_CAK, FILE_BOUNDARIES,
       FILE_ALL };
#define COUNTRY_FILE_COUNT (FILE_ALL - FILE_COUNT)
#define MAX_FIELDS 16
typedef struct file_layout {
    const char *name; /* also the --stats key, without ".csv" */
    const char *columns[MAX_FIELDS];
    int column_count;
    int dates[4]; /* columns holding dates */
    int date_count;
    int start_column, end_column; /* a period, or -1 */
    int icpc_column;              /* or -1 */
    int birth_column;             /* for the same person twice with other data, or -1 */
} file_layout;
extern const file_layout layouts[FILE_ALL];

/* One output row, built field by field before the faults (if any) are applied. */
#define FIELD_SIZE 48
typedef struct row {
    char field[MAX_FIELDS][FIELD_SIZE];
    int count;
} row;

/* ---------------------------------------------------------------- the run */

typedef struct synth_options {
    const char *out_dir;
    const char *truth_path;
    uint64_t persons;
    unsigned long seed;
    int first_year, last_year;
    double gp_coverage;
    double dirty;
    bool country;       /* --country: municipalities instead of a city */
    int municipalities; /* --municipalities */
    double scale;       /* --scale: on the municipalities' populations */
} synth_options;

typedef struct person {
    char bsn[10];
    bool resident; /* false: a GP patient living outside the city */
    int sex;
    int64_t birth;
    int64_t registration_start, registration_end; /* in the city; NO_DATE: still registered */
    int64_t death;                                /* NO_DATE: alive at the end */
    int district, wijk, buurt;
    char postcode[7];
    int house_number;
    int household, migration, ses;
    bool wmo[MAX_YEARS]; /* any provision in study year i */
    int64_t wlz_start;   /* in a Wlz institution from this day while registered; NO_DATE: never */
} person;

/* How someone comes into persons.csv. */
enum { ENTRY_RESIDENT, ENTRY_BORN, ENTRY_MOVED_IN, ENTRY_KINDS };

typedef struct episode {
    const char *icpc;
    int group, poh;
    int64_t start, end; /* end NO_DATE: open */
} episode;

typedef struct registration {
    int practice;
    int64_t start, end;
    bool secondary; /* a double registration beside the main one */
} registration;

typedef struct contact {
    int64_t day;
    int provider, type;
    const char *icpc;
    int group;       /* the condition group of the episode whose code it carries, or GROUP_NONE */
    size_t sequence; /* makes the sort order total, so every libc sorts alike */
} contact;

typedef struct referral {
    int64_t day;
    const char *specialism, *icpc;
    size_t sequence; /* makes the sort order total */
} referral;

typedef struct claim {
    int64_t start, end;
    int year; /* the study year of the start, an index */
    int discipline;
    bool wlz;
    const char *declaration, *code;
    size_t sequence; /* makes the sort order total */
} claim;

typedef struct practice {
    char id[16];
    int district;
    /* Per study year, the days the practice delivered no contacts for (a delivery of
     * insufficient quality); missing_from NO_DATE: a complete year. */
    int64_t missing_from[MAX_YEARS], missing_to[MAX_YEARS];
    bool delivers_referrals; /* referrals to medical specialists are in its delivery */
} practice;

typedef struct synth {
    synth_options options;
    char delimiter;
    gsl_rng *rng;       /* everything in the data */
    gsl_rng *fault_rng; /* the faults only: dirty data is clean data plus faults */
    gsl_rng *care_rng;  /* Wlz stays, practice deliveries and when a case is recorded: a
                           stream of their own, so the main stream draws what it drew before */
    gsl_rng *code_rng;  /* which condition a year's GP contacts are about (model.h): a stream of
                           its own, so only the codes of contacts change with it */
    gsl_rng *referral_rng; /* which practices deliver referrals, and the referrals */
    gsl_rng *claims_rng;   /* the insurers' files: insurers, conditions seen in claims, claims */
    gsl_ran_discrete_t *pyramid, *mover_age, *district, *entry_kind,
        *provision_main[WMO_AGE_GROUPS], *provision_extra;
    gsl_ran_discrete_t *migration[DISTRICT_COUNT], *ses[DISTRICT_COUNT],
        *household[HOUSEHOLD_AGE_BANDS];
    int year_count;
    int64_t year_start[MAX_YEARS + 1]; /* 1 January of each study year, and of the year after */
    int64_t first_day, last_day;
    record_writer *files[FILE_ALL];
    record_writer *semicolon_file; /* dirty: the contacts of one practice, with ';' */
    int semicolon_practice;        /* -1 when clean */
    practice *practices;
    int practice_count;
    uint64_t bsn_counter, bsn_offset;
    uint64_t next_episode_id;
    episode *episodes;
    size_t episode_count, episode_capacity;
    contact *contacts;
    size_t contact_count, contact_capacity;
    referral *referrals; /* of one registration-year */
    size_t referral_count, referral_capacity;
    claim *claims; /* of one person */
    size_t claim_count, claim_capacity;
    gsl_ran_discrete_t *insurer;
    bool insurer_incomplete[INSURER_COUNT][MAX_YEARS];
    uint64_t claims_not_delivered;
    double year_frailty[MAX_YEARS];
    uint64_t faults[FAULT_KINDS];
    uint64_t wmo_capped_person_years;
    uint64_t outside_patients;
    uint64_t contacts_not_delivered;
    row row;
} synth;

/* ---------------------------------------------------------------- small helpers, inline
 * because the generators call them for every person-year. */

static inline int64_t min_day(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t max_day(int64_t a, int64_t b) { return a > b ? a : b; }

static inline int64_t day_of(int year, int month, int day)
{
    return date_to_days((date_ymd){year, month, day});
}

/* ITEMS (COUNT of SIZE bytes held, room for *CAPACITY) with room for one more: a person's
 * episodes, contacts, referrals or claims, doubled as they grow from FIRST. */
static inline void *room_for_one_more(void *items, size_t count, size_t *capacity, size_t size, size_t first)
{
    if (count < *capacity)
        return items;
    *capacity = *capacity ? 2 * *capacity : first;
    return xrealloc(items, *capacity * size);
}

/* The order of a person's dated rows: by day, then as drawn (total, so every libc sorts alike). */
static inline int compare_day_then_sequence(int64_t day_a, size_t sequence_a, int64_t day_b, size_t sequence_b)
{
    if (day_a != day_b)
        return day_a < day_b ? -1 : 1;
    return sequence_a < sequence_b ? -1 : sequence_a > sequence_b;
}

/* Whole years as days, on average (for drawing dates, not for ages). */
static inline int64_t years_as_days(int years) { return (int64_t)years * 36525 / 100; }

static inline int age_on(int64_t birth, int64_t day)
{
    return date_age_years(date_from_days(birth), date_from_days(day));
}

static inline int64_t year_end(const synth *s, int i) { return s->year_start[i + 1] - 1; }

/* An end that is still open counts as the last day of the study. */
static inline int64_t end_or_last_day(const synth *s, int64_t end)
{
    return end == NO_DATE ? s->last_day : end;
}

/* Whether START..END (END NO_DATE: open) meets FROM..TO. */
static inline bool period_overlaps(int64_t start, int64_t end, int64_t from, int64_t to)
{
    return start <= to && (end == NO_DATE || end >= from);
}

static inline bool chance(gsl_rng *rng, double probability)
{
    return gsl_ran_bernoulli(rng, probability > 1 ? 1 : probability) == 1;
}

static inline unsigned long uniform_int(gsl_rng *rng, unsigned long count)
{
    return count <= 1 ? 0 : gsl_rng_uniform_int(rng, count);
}

/* A day from FROM to TO, both included (TO < FROM gives FROM). */
static inline int64_t uniform_day(gsl_rng *rng, int64_t from, int64_t to)
{
    return to <= from ? from : from + (int64_t)uniform_int(rng, (unsigned long)(to - from + 1));
}

/* The band of AGE among bands beginning at FROM[0] (0) .. FROM[COUNT - 1]. */
static inline size_t band_index(const int *from, size_t count, int age)
{
    size_t band = 0;
    while (band + 1 < count && age >= from[band + 1])
        band++;
    return band;
}

static inline int age_band(int age) { return (int)band_index(band_from, BAND_COUNT, age); }

/* Age on 1 January of study year YEAR, or 0 for one born in it. */
static inline int age_in_year(const synth *s, const person *p, int year)
{
    return age_on(p->birth, max_day(s->year_start[year], p->birth));
}

/* The part of study year YEAR that FROM..TO (within it) covers. */
/* A value that moves linearly from AT_FROM in TREND_FROM to AT_TO in TREND_TO, held outside. */
static inline double trend_value(double at_from, double at_to, int year)
{
    if (year <= TREND_FROM)
        return at_from;
    if (year >= TREND_TO)
        return at_to;
    return at_from + (at_to - at_from) * (double)(year - TREND_FROM) / (TREND_TO - TREND_FROM);
}

static inline double share_of_year(const synth *s, int year, int64_t from, int64_t to)
{
    return (double)(to - from + 1) / (double)(year_end(s, year) - s->year_start[year] + 1);
}

/* Filling the row: inline, and texts copied with memcpy rather than snprintf (claims.csv alone
 * has tens of millions of fields). */
static inline void row_begin(synth *s, int count) { s->row.count = count; }

static inline void row_text(synth *s, int index, const char *text)
{
    size_t length = strnlen(text, FIELD_SIZE - 1);
    memcpy(s->row.field[index], text, length);
    s->row.field[index][length] = '\0';
}

static inline void row_int(synth *s, int index, long value)
{
    snprintf(s->row.field[index], FIELD_SIZE, "%ld", value);
}

void format_day(int64_t day, char *buffer);
static inline void row_day(synth *s, int index, int64_t day) { format_day(day, s->row.field[index]); }

/* codes.c: weighted ICPC codes */
const char *pick_code(gsl_rng *rng, const code_weight *codes, size_t count, int sex, int age);

/* output.c: the files, their rows and emit(), through which every data row goes */
char *data_file_path(const char *out_dir, const char *name);
void open_output_files(synth *s);
void write_fields(synth *s, int file, const row *r, int count, bool extra_field);
void emit(synth *s, int file);
void close_output_files(synth *s);
void open_country_files(synth *s);
void close_country_files(synth *s);

/* faults.c: the dirt of real deliveries */
bool write_with_fault(synth *s, int file);
void write_byte_order_mark(synth *s, int file);
void open_file_faults(synth *s);
void write_unterminated_quote(synth *s);

/* people.c: BSNs, residents and the persons.csv rows */
void seed_bsn_sequence(synth *s);
void next_bsn(synth *s, char out[10]);
int draw_sex(synth *s, int age);
int64_t draw_birth(synth *s, int64_t reference);
void draw_postcode(synth *s, int area, char out[7]);
void draw_exit(synth *s, int64_t birth, int64_t from_day, int64_t *death, int64_t *move_out);
void draw_resident(synth *s, person *p);
void write_person(synth *s, const person *p);

/* wmo.c: who uses Wmo in which year, and the provisions */
void draw_wmo_years(synth *s, person *p);
void write_wmo(synth *s, const person *p);

/* practices.c: GP practices, their patients and registrations */
void make_practices(synth *s);
bool resident_gp(synth *s, const person *p);
void outside_patient(synth *s);

/* care.c: Wlz stays and the quality of the practices' deliveries */
void draw_practice_deliveries(synth *s);
void write_practice_deliveries(synth *s);
bool contact_delivered(const synth *s, int practice_index, int year, int64_t day);
void write_wlz(synth *s, person *p);

/* episodes.c: disease episodes of one patient */
void draw_episodes(synth *s, const person *p);
void draw_episodes_from(synth *s, const person *p, gsl_rng *rng, gsl_rng *recording_rng);
void write_episodes(synth *s, const person *p, const registration *r);
const char *open_episode_code(synth *s, int64_t day, int poh);
const episode *open_episode(synth *s, int64_t day, int poh);
const episode *latest_episode(const synth *s, int group, int64_t from, int64_t to);
bool has_open_episode(const synth *s, int64_t from, int64_t to, int poh);
int open_condition_groups(const synth *s, int64_t from, int64_t to);

/* contacts.c: GP and POH contacts of one registration */
void registration_contacts(synth *s, const person *p, const registration *r, double person_frailty);
void registration_referrals(synth *s, const person *p, const registration *r);

/* claims.c: the insurers' files */
void draw_insurer_deliveries(synth *s);
void write_insurer_deliveries(synth *s);
void write_insurance(synth *s, person *p, bool gp_patient);

/* generate.c: the run from seed to files */
void set_up(synth *s);
void synthesise_person(synth *s);
void tear_down(synth *s);
void set_up_country(synth *s);
void tear_down_country(synth *s);

/* truth.c: --truth */
void write_truth(const synth *s, record_writer *w);
void truth_row(record_writer *w, const char *model, const char *parameter, const char *level, double value);

#endif
