/* classify-condition/main.c: koppel classify-condition — condition groups from ICPC (or ATC) codes:
 * prevalence per person over a lookback window, tags on contacts; and categories from codes. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* uthash exits with status 255 and no message when a bucket array cannot be had: die
 * like the rest of koppel instead (status 3, "out of memory"; message.h comes below). */
#define uthash_fatal(msg) message_die_nomem()
#include <uthash.h>

#include "code_table.h"
#include "codes.h"
#include "condition_rules.h"
#include "date.h"
#include "koppel.h"
#include "message.h"
#include "showable.h"
#include "number.h"

static const char usage[] =
    "Usage: koppel classify-condition --prevalence|--tag|--map [OPTIONS] [FILE]\n"
    "Condition groups from ICPC codes (prevalence per person, tagged contacts); categories from codes.\n"
    "Claims codes too: DBC (hospital), DCSPH (physio, exercise), DIET (dietetics), ICD10.\n"
    "\n"
    "Reads CSV with a header from FILE or standard input, writes CSV to standard output.\n"
    "\n"
    "Modes (exactly one):\n"
    "      --prevalence          episodes in (person, code, start, end); one row per person out:\n"
    "                            the id, a 0/1 column per condition group, and multimorbidity\n"
    "                            (the number of groups), sorted by id (byte order)\n"
    "      --tag                 contacts in; each record out with a 0/1 column per condition\n"
    "                            group its code belongs to (by code only: no dates, no ages)\n"
    "      --map                 records in; each record out with the category of its code from\n"
    "                            a two-column table (code,category)\n"
    "Rules and codes:\n"
    "      --rules FILE          condition rules (default share/koppel/rules/iza-conditions.csv,\n"
    "                            the IZA monitor's Table H.1), with --map the category table\n"
    "                            (default share/koppel/rules/wmo-categories.csv)\n"
    "      --code COL            the code column (default icpc; with --map provision_type)\n"
    "      --subgroups           also a 0/1 column per named subgroup, <condition>_<subgroup>\n"
    "                            (--prevalence, --tag)\n"
    "Prevalence:\n"
    "      --year Y              reference year (required). A rule with lookback_years L counts\n"
    "                            an episode that overlaps 1 January of Y-L .. 31 December of Y:\n"
    "                            chronic (L=2) Y-2..Y, long-term (L=1) Y-1..Y\n"
    "      --id COL              person column (default bsn)\n"
    "      --start COL           episode start, YYYY-MM-DD (default start_date)\n"
    "      --end COL             episode end, YYYY-MM-DD, empty = open (default end_date)\n"
    "      --population FILE     persons: each gets a row, zeros included, and age rules apply;\n"
    "                            episodes of persons not in FILE are left out and counted\n"
    "                            (episodes_outside_population in --stats, and a warning)\n"
    "      --population-id COL   person column of the population (default: the --id name)\n"
    "      --birth COL           date (YYYY-MM-DD) or year (YYYY) of birth in the population\n"
    "                            (default birth_date)\n"
    "      --reference-date D    the day ages are taken on (default 31 December of Y); a year\n"
    "                            of birth gives an exact age only on 31 December\n"
    "      --outside FILE        also write the episodes of persons not in the population to FILE\n"
    "      --ignore-age-rules    leave out the age rules (frail_elderly then means dementia, P70);\n"
    "                            without a population this is required when the rules have any\n"
    "Tagging:\n"
    "      --long                one record per (record, condition) pair with a column\n"
    "                            'condition' (and 'subgroup' with --subgroups) instead of 0/1\n"
    "                            columns; a record without a condition keeps one record with\n"
    "                            'condition' empty\n"
    "      --matched-only        leave out records whose code is in no condition (filtered)\n"
    "Mapping:\n"
    "      --as NAME             name of the new column (default: the table's second column)\n"
    "      --default VALUE       category for a code the table lacks or an empty code (default:\n"
    "                            reject the record)\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Codes: surrounding white space and case are normalised (' t90 ' is T90). With --prevalence\n"
    "and --tag a code must be valid in the rules' code system; an invalid code is a rejected\n"
    "record, an empty code belongs to no condition. A rule code matches the code and its\n"
    "sub-codes, never a longer code that merely starts the same:\n"
    "  ICPC   T90, T90.02: a chapter letter of A B D F H K L N P R S T U W X Y Z, two digits,\n"
    "         an optional dotted numeric sub-code; rule T90 matches T90.02, not T901\n"
    "  ATC    A, A10, A10B, A10BA, A10BA02; rule A10 matches A10BA02\n"
    "  DBC    0320.202: specialism, dot, diagnosis; rule 0329 (a specialism) matches 0329.ddd\n"
    "  DCSPH  3120: four digits; in a rule X is any one digit: 3XXX, XX80, 5X71\n"
    "  DIET   04.02: group, dot, item; rule 04 (a group) matches 04.dd\n"
    "  ICD10  I21, I21.4, I21.45: rule I21 matches I21.4 and I21.45, rule I21.4 I21.45\n"
    "With --map codes are compared as text, ignoring surrounding white space and ASCII case.\n"
    "Rules files: see share/koppel/rules/README.md (installed beside the tables): columns\n"
    "condition, condition_label, subgroup, subgroup_label, code_system (ICPC, ATC, DBC, DCSPH,\n"
    "DIET or ICD10), codes, duration, lookback_years, min_age, note; a category table has two\n"
    "columns, code,category. The claims tables (iza-claims-*.csv) are illustrative.\n"
    "Ages: 'aged 80 or over' is at least 80 completed years on the reference date (born on\n"
    "29 February: a year completes on 1 March). The frail elderly and intellectual disability\n"
    "indicators count every contact of the group's patients: take those from --prevalence,\n"
    "not from --tag (which tags by code only).\n"
    "\n"
    "Examples:\n"
    "  koppel classify-condition --prevalence --year 2023 --ignore-age-rules gp_episodes.csv\n"
    "  koppel classify-condition --prevalence --year 2023 --population patients.csv \\\n"
    "      --rejects bad.csv --stats run.json gp_episodes.csv > conditions-2023.csv\n"
    "  koppel classify-condition --tag --long --matched-only gp_contacts.csv > tagged.csv\n"    "  koppel classify-condition --tag --code diagnosis_code \\\n"
    "      --rules share/koppel/rules/iza-claims-paramedical.csv physio-claims.csv\n"
    "  koppel classify-condition --map --default unknown wmo.csv > wmo-categorised.csv\n"
    "\n"
    "--stats: with --prevalence records_in counts episodes and population rows, records_out\n"
    "persons, 'filtered' the episodes that set no flag (episodes_no_code, episodes_no_group,\n"
    "episodes_outside_window, episodes_outside_population) and repeated population rows\n"
    "(population_duplicates); episodes_in = episodes_used + those + episodes_rejected; per group\n"
    "persons_<condition>. With --tag records_<condition>; --long adds pairs and records_written\n"
    "(records_out counts output records, of which one input record may give several: then\n"
    "records_in = records_written + filtered + rejected).\n";

enum { OPT_PREVALENCE = OPT_FILTER_BASE, OPT_TAG, OPT_MAP, OPT_RULES, OPT_CODE, OPT_SUBGROUPS,
       OPT_YEAR, OPT_ID, OPT_START, OPT_END, OPT_POPULATION, OPT_POPULATION_ID, OPT_BIRTH,
       OPT_REFERENCE_DATE, OPT_OUTSIDE, OPT_IGNORE_AGE_RULES, OPT_LONG, OPT_MATCHED_ONLY, OPT_AS,
       OPT_DEFAULT };

static const struct option long_options[] = {
    {"prevalence", no_argument, NULL, OPT_PREVALENCE},
    {"tag", no_argument, NULL, OPT_TAG},
    {"map", no_argument, NULL, OPT_MAP},
    {"rules", required_argument, NULL, OPT_RULES},
    {"code", required_argument, NULL, OPT_CODE},
    {"subgroups", no_argument, NULL, OPT_SUBGROUPS},
    {"year", required_argument, NULL, OPT_YEAR},
    {"id", required_argument, NULL, OPT_ID},
    {"start", required_argument, NULL, OPT_START},
    {"end", required_argument, NULL, OPT_END},
    {"population", required_argument, NULL, OPT_POPULATION},
    {"population-id", required_argument, NULL, OPT_POPULATION_ID},
    {"birth", required_argument, NULL, OPT_BIRTH},
    {"reference-date", required_argument, NULL, OPT_REFERENCE_DATE},
    {"outside", required_argument, NULL, OPT_OUTSIDE},
    {"ignore-age-rules", no_argument, NULL, OPT_IGNORE_AGE_RULES},
    {"long", no_argument, NULL, OPT_LONG},
    {"matched-only", no_argument, NULL, OPT_MATCHED_ONLY},
    {"as", required_argument, NULL, OPT_AS},
    {"default", required_argument, NULL, OPT_DEFAULT},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

typedef enum { MODE_NONE, MODE_PREVALENCE, MODE_TAG, MODE_MAP } run_mode;

typedef struct classify_options {
    run_mode mode;
    const char *rules_path;
    const char *code_column, *id_column, *start_column, *end_column;
    const char *population_path, *population_id_column, *birth_column;
    const char *year_text, *reference_text, *outside_path;
    const char *as_column, *default_value;
    bool subgroups, ignore_age_rules, long_form, matched_only, birth_given;
    int year;
    date_ymd reference;
} classify_options;

/* ---------------------------------------------------------------- small helpers */

static bool bit_get(const unsigned char *bits, size_t i) { return bits[i >> 3] & (1u << (i & 7)); }
static void bit_set(unsigned char *bits, size_t i) { bits[i >> 3] |= (unsigned char)(1u << (i & 7)); }


static void column_must_be_new(const koppel_context *ctx, const record_t *header, const char *name)
{
    for (size_t i = 0; i < header->count; i++)
        if (strcmp(header->fields[i], name) == 0)
            koppel_usage_error(ctx, "the input already has a column '%s', which the output adds", name);
}

/* Reject a record whose code column holds an invalid code; the value is shown only when it
 * cannot be an identifier that landed in the wrong column. */
static void reject_invalid_code(koppel_context *ctx, record_reader *reader, const record_t *record,
                                const char *column, size_t index, const condition_rules *rules)
{
    const char *value = record->fields[index];
    size_t length = record->lengths[index];
    while (length > 0 && (*value == ' ' || *value == '\t'))
        value++, length--;
    while (length > 0 && (value[length - 1] == ' ' || value[length - 1] == '\t'))
        length--;
    if (code_is_showable(value, length))
        koppel_reject(ctx, reader, record, "column '%s': '%.*s' is not %s %s code; expected %s", column,
                      (int)length, value, code_system_article(rules->system), code_system_name(rules->system),
                      code_system_expected(rules->system));
    else
        koppel_reject(ctx, reader, record,
                      "column '%s': the value (not shown: it could be an identifier) is not %s %s code; "
                      "expected %s",
                      column, code_system_article(rules->system), code_system_name(rules->system),
                      code_system_expected(rules->system));
}

/* Normalise and validate the code of RECORD. Returns its length (0: empty), or -1 after
 * rejecting the record. */
static int record_code(koppel_context *ctx, record_reader *reader, const record_t *record, size_t index,
                       const char *column, const condition_rules *rules, char *code)
{
    int length = code_normalise(record->fields[index], record->lengths[index], code);
    if (length < 0 || (length > 0 && !code_is_valid(rules->system, code, (size_t)length))) {
        reject_invalid_code(ctx, reader, record, column, index, rules);
        return -1;
    }
    return length;
}

/* Which subgroups and groups this run writes: age rules take part only when ages are known. */
typedef struct active_columns {
    bool *subgroup;
    bool *group;
} active_columns;

static active_columns active_columns_make(const condition_rules *rules, bool ages_known)
{
    active_columns active = {xcalloc(rules->subgroup_count + 1, sizeof(bool)),
                             xcalloc(rules->group_count + 1, sizeof(bool))};
    for (size_t s = 0; s < rules->subgroup_count; s++) {
        active.subgroup[s] = rules->subgroups[s].min_age < 0 || ages_known;
        if (active.subgroup[s])
            active.group[rules->subgroups[s].group] = true;
    }
    return active;
}

static void active_columns_free(active_columns *active)
{
    free(active->subgroup);
    free(active->group);
}

/* Group bits from subgroup bits. */
static void groups_from_subgroups(const condition_rules *rules, const unsigned char *subgroup_bits,
                                  bool *group_on)
{
    for (size_t g = 0; g < rules->group_count; g++) {
        const condition_group *group = &rules->groups[g];
        group_on[g] = false;
        for (size_t s = group->first_subgroup; s < group->first_subgroup + group->subgroup_count; s++)
            group_on[g] |= bit_get(subgroup_bits, s);
    }
}

/* The output header: LEADING columns, then the active groups, then (with --subgroups) the
 * active named subgroups, then TRAILING (may be NULL). */
static void open_condition_output(koppel_context *ctx, const classify_options *options,
                                  const condition_rules *rules, const active_columns *active,
                                  char *const *leading, size_t leading_count, const char *trailing)
{
    size_t capacity = leading_count + rules->group_count + rules->subgroup_count + 1;
    char **header = xmalloc(capacity * sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < leading_count; i++)
        header[n++] = leading[i];
    for (size_t g = 0; g < rules->group_count; g++)
        if (active->group[g])
            header[n++] = rules->groups[g].id;
    for (size_t s = 0; options->subgroups && s < rules->subgroup_count; s++)
        if (active->subgroup[s] && rules->subgroups[s].column)
            header[n++] = rules->subgroups[s].column;
    if (trailing)
        header[n++] = (char *)trailing;
    koppel_open_output(ctx, header, n);
    free(header);
}

static void write_condition_flags(record_writer *out, const classify_options *options,
                                  const condition_rules *rules, const active_columns *active,
                                  const unsigned char *subgroup_bits, const bool *group_on)
{
    /* Handed to the writer 64 at a time: one call instead of one per flag. */
    static char one[] = "1", zero[] = "0";
    size_t lengths[64];
    char *flags[64];
    size_t n = 0;
    for (size_t g = 0; g < rules->group_count; g++)
        if (active->group[g]) {
            lengths[n] = 1;
            flags[n++] = group_on[g] ? one : zero;
            if (n == 64) {
                record_writer_fields(out, flags, lengths, n);
                n = 0;
            }
        }
    for (size_t s = 0; options->subgroups && s < rules->subgroup_count; s++)
        if (active->subgroup[s] && rules->subgroups[s].column) {
            lengths[n] = 1;
            flags[n++] = bit_get(subgroup_bits, s) ? one : zero;
            if (n == 64) {
                record_writer_fields(out, flags, lengths, n);
                n = 0;
            }
        }
    record_writer_fields(out, flags, lengths, n);
}

/* ---------------------------------------------------------------- prevalence: persons */

/* One person: subgroup bits, and the id in the same allocation. */
typedef struct person {
    UT_hash_handle hh;
    int64_t birth_key; /* the parsed birth, to compare repeated population rows */
    char *id;
    unsigned char bits[];
} person;

/* Persons live in large blocks (one allocation per block, not per person): millions of
 * persons are held until the end, and a malloc each would cost time and 16 bytes apiece. */
enum { PERSON_BLOCK_SIZE = 1 << 20 };

typedef struct person_block {
    struct person_block *previous;
    size_t used;
    _Alignas(max_align_t) unsigned char bytes[PERSON_BLOCK_SIZE];
} person_block;

typedef struct person_table {
    person *head;
    size_t bit_bytes;
    size_t count;
    person_block *block;
} person_table;

static person *person_find(const person_table *table, const char *id, size_t length)
{
    person *found;
    person *head = table->head;
    HASH_FIND(hh, head, id, length, found);
    return found;
}

static void *person_allocate(person_table *table, size_t size)
{
    size = (size + _Alignof(max_align_t) - 1) & ~(size_t)(_Alignof(max_align_t) - 1);
    if (size > PERSON_BLOCK_SIZE)
        message_die(EXIT_SYSTEM, "a person id of %zu bytes is too long to hold", size);
    if (!table->block || table->block->used + size > PERSON_BLOCK_SIZE) {
        person_block *block = xmalloc(sizeof *block);
        block->previous = table->block;
        block->used = 0;
        table->block = block;
    }
    void *memory = table->block->bytes + table->block->used;
    table->block->used += size;
    memset(memory, 0, size);
    return memory;
}

static person *person_add(person_table *table, const char *id, size_t length)
{
    person *p = person_allocate(table, sizeof(person) + table->bit_bytes + length + 1);
    p->id = (char *)p->bits + table->bit_bytes;
    memcpy(p->id, id, length);
    HASH_ADD_KEYPTR(hh, table->head, p->id, length, p);
    table->count++;
    return p;
}

static void person_table_free(person_table *table)
{
    HASH_CLEAR(hh, table->head);
    while (table->block) {
        person_block *previous = table->block->previous;
        free(table->block);
        table->block = previous;
    }
}

static int compare_person_ids(const void *a, const void *b)
{
    return strcmp((*(person *const *)a)->id, (*(person *const *)b)->id);
}

/* ---------------------------------------------------------------- prevalence: population */

typedef struct prevalence_counts {
    uint64_t episodes_in, episodes_rejected, used, no_code, no_group, outside_window, outside_population;
    uint64_t population_in, population_rejected, population_duplicates;
} prevalence_counts;

/* Age on the reference date from a birth field: a date, or a year when the reference date is
 * 31 December. False with REASON when the field cannot give one. */
static bool birth_age(const char *text, size_t length, date_ymd reference, int *age, int64_t *key,
                      const char **reason)
{
    date_ymd birth;
    int64_t year;
    if (length == 0) {
        *reason = "empty date of birth (the age rules need it)";
        return false;
    }
    if (length == 4 && number_parse_int64(text, length, &year) && year >= 1000) {
        if (reference.month != 12 || reference.day != 31) {
            *reason = "a year of birth gives no exact age on a reference date other than 31 December";
            return false;
        }
        *age = reference.year - (int)year;
        *key = -(INT64_C(1) << 40) - year; /* far below any day number */
        return true;
    }
    if (!date_parse_iso(text, length, &birth)) {
        *reason = "not a date of birth (expected YYYY-MM-DD or a year YYYY)";
        return false;
    }
    *age = date_age_years(birth, reference);
    *key = date_to_days(birth);
    return true;
}

static void read_population(koppel_context *ctx, const classify_options *options, const condition_rules *rules,
                            const active_columns *active, bool ages_known, person_table *table,
                            prevalence_counts *counts)
{
    uint64_t in_before = ctx->counts.in, rejected_before = ctx->counts.rejected;
    record_reader *reader = koppel_open_input(ctx, options->population_path);
    size_t id_index = record_reader_column(reader, options->population_id_column, "--population-id");
    size_t birth_index = 0;
    if (ages_known || options->birth_given)
        birth_index = record_reader_column(reader, options->birth_column, "--birth");
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        koppel_progress(ctx);
        const char *id = record->fields[id_index];
        size_t id_length = record->lengths[id_index];
        if (id_length == 0) {
            koppel_reject(ctx, reader, record, "column '%s': empty person id", options->population_id_column);
            continue;
        }
        int age = 0;
        int64_t key = 0;
        const char *reason;
        if (ages_known &&
            !birth_age(record->fields[birth_index], record->lengths[birth_index], options->reference, &age,
                       &key, &reason)) {
            koppel_reject(ctx, reader, record, "column '%s': %s", options->birth_column, reason);
            continue;
        }
        person *p = person_find(table, id, id_length);
        if (p) {
            if (p->birth_key != key) {
                koppel_reject(ctx, reader, record,
                              "column '%s': the person appears earlier in the population with another birth",
                              options->birth_column);
                continue;
            }
            counts->population_duplicates++;
            ctx->counts.filtered++;
            continue;
        }
        p = person_add(table, id, id_length);
        p->birth_key = key;
        for (size_t s = 0; ages_known && s < rules->subgroup_count; s++)
            if (active->subgroup[s] && rules->subgroups[s].min_age >= 0 && age >= rules->subgroups[s].min_age)
                bit_set(p->bits, s);
    }
    record_reader_close(reader);
    counts->population_in = ctx->counts.in - in_before;
    counts->population_rejected = ctx->counts.rejected - rejected_before;
}

/* ---------------------------------------------------------------- prevalence: episodes */

typedef struct episode_columns {
    size_t id, code, start, end;
} episode_columns;

/* Parse the episode's period; false after rejecting the record. */
static bool episode_period(koppel_context *ctx, record_reader *reader, const record_t *record,
                           const classify_options *options, const episode_columns *columns,
                           int64_t *start, int64_t *end)
{
    date_ymd date;
    if (record->lengths[columns->start] == 0) {
        koppel_reject(ctx, reader, record, "column '%s': empty start of an episode", options->start_column);
        return false;
    }
    char reason[512];
    if (!date_parse_iso(record->fields[columns->start], record->lengths[columns->start], &date)) {
        date_not_iso_reason(reason, sizeof reason, options->start_column, DATE_ISO_WHAT, record->fields[columns->start],
                            record->lengths[columns->start], DATE_CONVERTER);
        koppel_reject(ctx, reader, record, "%s", reason);
        return false;
    }
    *start = date_to_days(date);
    if (record->lengths[columns->end] == 0) {
        *end = INT64_MAX; /* still open */
        return true;
    }
    if (!date_parse_iso(record->fields[columns->end], record->lengths[columns->end], &date)) {
        date_not_iso_reason(reason, sizeof reason, options->end_column, DATE_ISO_WHAT, record->fields[columns->end],
                            record->lengths[columns->end], DATE_CONVERTER);
        koppel_reject(ctx, reader, record, "%s", reason);
        return false;
    }
    *end = date_to_days(date);
    if (*end < *start) {
        koppel_reject(ctx, reader, record, "column '%s' is before column '%s'", options->end_column,
                      options->start_column);
        return false;
    }
    return true;
}

typedef struct prevalence_run {
    const classify_options *options;
    const condition_rules *rules;
    int64_t *window_start; /* per rule: 1 January of Y - lookback_years */
    int64_t window_end;    /* 31 December of Y */
    person_table persons;
    person *last; /* the person of the previous episode */
    bool with_population;
    record_writer *outside;
    prevalence_counts counts;
} prevalence_run;

/* Mark the subgroups whose rules match CODE and whose window the period overlaps. Returns
 * 0 when no rule has the code, 1 when rules have it but no window overlaps, 2 when used. */
static int mark_episode(prevalence_run *run, person *p, const char *code, size_t length, int64_t start,
                        int64_t end)
{
    const condition_code *found[CODE_MAX_MATCHES];
    size_t found_count = condition_rules_lookup(run->rules, code, length, found);
    if (found_count == 0)
        return 0;
    int result = 1;
    for (size_t i = 0; i < found_count; i++)
        for (size_t r = 0; r < found[i]->rule_count; r++) {
            size_t rule = found[i]->rules[r];
            if (start <= run->window_end && end >= run->window_start[rule]) {
                bit_set(p->bits, run->rules->rules[rule].subgroup);
                result = 2;
            }
        }
    return result;
}

static void prevalence_episode(koppel_context *ctx, prevalence_run *run, record_reader *reader,
                               const record_t *record, const episode_columns *columns)
{
    const classify_options *options = run->options;
    size_t id_length = record->lengths[columns->id];
    if (id_length == 0) {
        koppel_reject(ctx, reader, record, "column '%s': empty person id", options->id_column);
        return;
    }
    char code[CODE_MAX_LENGTH + 1];
    int code_length = record_code(ctx, reader, record, columns->code, options->code_column, run->rules, code);
    int64_t start, end;
    if (code_length < 0 || !episode_period(ctx, reader, record, options, columns, &start, &end))
        return;
    /* Extracts usually list a person's episodes together: skip the hash lookup then. */
    const char *id = record->fields[columns->id];
    person *p = run->last;
    if (!p || p->hh.keylen != id_length || memcmp(p->id, id, id_length) != 0)
        p = person_find(&run->persons, id, id_length);
    if (!p && run->with_population) {
        run->counts.outside_population++;
        ctx->counts.filtered++;
        if (run->outside)
            record_writer_record(run->outside, record->fields, record->lengths, record->count);
        return;
    }
    if (!p)
        p = person_add(&run->persons, id, id_length);
    run->last = p;
    int result = code_length == 0 ? -1 : mark_episode(run, p, code, (size_t)code_length, start, end);
    if (result == 2) {
        run->counts.used++;
        return;
    }
    ctx->counts.filtered++;
    if (result < 0)
        run->counts.no_code++;
    else if (result == 0)
        run->counts.no_group++;
    else
        run->counts.outside_window++;
}

/* A figure per condition group shown for --stats: PREFIX and the group's id. */
static void group_stats(koppel_context *ctx, const char *prefix, const condition_rules *rules,
                        const active_columns *active, const uint64_t *values)
{
    for (size_t g = 0; g < rules->group_count; g++)
        if (active->group[g]) {
            char key[128];
            snprintf(key, sizeof key, "%s%s", prefix, rules->groups[g].id);
            koppel_stats_int(ctx, key, (int64_t)values[g]);
        }
}

static void write_persons(koppel_context *ctx, prevalence_run *run, const active_columns *active)
{
    const condition_rules *rules = run->rules;
    person **sorted = xmalloc((run->persons.count + 1) * sizeof(person *));
    size_t n = 0;
    for (person *p = run->persons.head; p; p = p->hh.next)
        sorted[n++] = p;
    qsort(sorted, n, sizeof(person *), compare_person_ids);
    bool *group_on = xcalloc(rules->group_count + 1, sizeof(bool));
    uint64_t *group_persons = xcalloc(rules->group_count + 1, sizeof(uint64_t));
    for (size_t i = 0; i < n; i++) {
        person *p = sorted[i];
        record_writer_field_str(ctx->out, p->id);
        groups_from_subgroups(rules, p->bits, group_on);
        int64_t groups = 0;
        for (size_t g = 0; g < rules->group_count; g++)
            if (active->group[g] && group_on[g]) {
                groups++;
                group_persons[g]++;
            }
        write_condition_flags(ctx->out, run->options, rules, active, p->bits, group_on);
        char number[32];
        record_writer_field(ctx->out, number, number_format_int64(groups, number));
        record_writer_end(ctx->out);
    }
    group_stats(ctx, "persons_", rules, active, group_persons);
    free(group_persons);
    free(group_on);
    free(sorted);
}

static void prevalence_stats(koppel_context *ctx, const prevalence_run *run)
{
    const prevalence_counts *c = &run->counts;
    char reference[11];
    date_format_iso(run->options->reference, reference);
    koppel_stats_int(ctx, "year", run->options->year);
    koppel_stats_string(ctx, "reference_date", reference);
    koppel_stats_string(ctx, "rules", run->rules->path);
    koppel_stats_int(ctx, "persons", (int64_t)run->persons.count);
    koppel_stats_int(ctx, "episodes_in", (int64_t)c->episodes_in);
    koppel_stats_int(ctx, "episodes_used", (int64_t)c->used);
    koppel_stats_int(ctx, "episodes_no_code", (int64_t)c->no_code);
    koppel_stats_int(ctx, "episodes_no_group", (int64_t)c->no_group);
    koppel_stats_int(ctx, "episodes_outside_window", (int64_t)c->outside_window);
    koppel_stats_int(ctx, "episodes_outside_population", (int64_t)c->outside_population);
    koppel_stats_int(ctx, "episodes_rejected", (int64_t)c->episodes_rejected);
    if (run->with_population) {
        koppel_stats_int(ctx, "population_in", (int64_t)c->population_in);
        koppel_stats_int(ctx, "population_duplicates", (int64_t)c->population_duplicates);
        koppel_stats_int(ctx, "population_rejected", (int64_t)c->population_rejected);
    }
}

/* The id column must not share its name with an output column of the rules. */
static void id_column_must_be_free(const koppel_context *ctx, const classify_options *options,
                                   const condition_rules *rules, const active_columns *active)
{
    const char *id = options->id_column;
    bool taken = strcmp(id, "multimorbidity") == 0;
    for (size_t g = 0; g < rules->group_count; g++)
        taken |= active->group[g] && strcmp(rules->groups[g].id, id) == 0;
    for (size_t s = 0; options->subgroups && s < rules->subgroup_count; s++)
        taken |= active->subgroup[s] && rules->subgroups[s].column && strcmp(rules->subgroups[s].column, id) == 0;
    if (taken)
        koppel_usage_error(ctx, "the id column '%s' has the name of an output column (rules %s)", id, rules->path);
}

static void run_prevalence(koppel_context *ctx, const classify_options *options, const condition_rules *rules,
                           const char *input)
{
    bool ages_known = rules->has_age_rules && !options->ignore_age_rules;
    if (ages_known && !options->population_path) {
        const condition_subgroup *age = NULL;
        for (size_t s = 0; s < rules->subgroup_count && !age; s++)
            if (rules->subgroups[s].min_age >= 0)
                age = &rules->subgroups[s];
        koppel_usage_error(ctx,
                           "the rules have an age rule (%s %s, line %ld): give --population FILE "
                           "(with --birth COL) to apply it, or --ignore-age-rules to classify by codes only",
                           rules->groups[age->group].id, age->id, age->line);
    }
    active_columns active = active_columns_make(rules, ages_known);
    prevalence_run run = {.options = options, .rules = rules, .with_population = options->population_path != NULL};
    run.persons.bit_bytes = (rules->subgroup_count + 7) / 8;
    run.window_end = date_to_days((date_ymd){options->year, 12, 31});
    run.window_start = xmalloc((rules->rule_count + 1) * sizeof(int64_t));
    for (size_t r = 0; r < rules->rule_count; r++)
        run.window_start[r] = date_to_days((date_ymd){options->year - rules->rules[r].lookback_years, 1, 1});

    record_reader *reader = koppel_open_input(ctx, input);
    episode_columns columns = {
        .id = record_reader_column(reader, options->id_column, "--id"),
        .code = record_reader_column(reader, options->code_column, "--code"),
        .start = record_reader_column(reader, options->start_column, "--start"),
        .end = record_reader_column(reader, options->end_column, "--end"),
    };
    if (run.with_population)
        read_population(ctx, options, rules, &active, ages_known, &run.persons, &run.counts);
    if (options->outside_path) {
        /* A file of its own: neither another output nor an input. */
        const char *names[] = {"--outside", "-o", "--rejects", "--stats", "the input", "--population"};
        const char *paths[] = {options->outside_path, ctx->output_path ? ctx->output_path : "-",
                               ctx->rejects_path, ctx->stats_path,
                               strcmp(input ? input : "-", "-") ? input : NULL,
                               strcmp(options->population_path ? options->population_path : "-", "-")
                                   ? options->population_path : NULL};
        for (size_t i = 1; i < 6; i++)
            koppel_distinct_outputs(ctx, 2, (const char *[]){names[0], names[i]},
                                    (const char *[]){paths[0], paths[i]});
        run.outside = record_writer_open(options->outside_path, ctx->output_delimiter);
        const record_t *header = record_reader_header(reader);
        record_writer_record(run.outside, header->fields, header->lengths, header->count);
    }
    id_column_must_be_free(ctx, options, rules, &active);
    char *leading[] = {(char *)options->id_column};
    open_condition_output(ctx, options, rules, &active, leading, 1, "multimorbidity");

    uint64_t in_before = ctx->counts.in, rejected_before = ctx->counts.rejected;
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        koppel_progress(ctx);
        prevalence_episode(ctx, &run, reader, record, &columns);
    }
    run.counts.episodes_in = ctx->counts.in - in_before;
    run.counts.episodes_rejected = ctx->counts.rejected - rejected_before;
    write_persons(ctx, &run, &active);
    prevalence_stats(ctx, &run);
    if (run.counts.outside_population > 0)
        message_warn("%llu episodes of persons not in the population were left out (episodes_outside_population%s)",
                     (unsigned long long)run.counts.outside_population,
                     options->outside_path ? "; written to --outside" : " in --stats; --outside FILE keeps them");
    if (run.outside)
        record_writer_close(run.outside);
    record_reader_close(reader);
    person_table_free(&run.persons);
    free(run.window_start);
    active_columns_free(&active);
}

/* ---------------------------------------------------------------- tagging */

typedef struct tag_counts {
    uint64_t matched, unmatched, no_code, pairs, written;
} tag_counts;

/* Write one (record, condition[, subgroup]) row of --long. */
static void write_pair(record_writer *out, const record_t *record, const char *condition, const char *subgroup,
                       bool with_subgroup)
{
    record_writer_fields(out, record->fields, record->lengths, record->count);
    record_writer_field_str(out, condition);
    if (with_subgroup)
        record_writer_field_str(out, subgroup);
    record_writer_end(out);
}

static void write_long(koppel_context *ctx, const classify_options *options, const condition_rules *rules,
                       const active_columns *active, const record_t *record, const unsigned char *bits,
                       const bool *group_on, tag_counts *counts)
{
    bool any = false;
    for (size_t g = 0; g < rules->group_count; g++) {
        if (!active->group[g] || !group_on[g])
            continue;
        any = true;
        const condition_group *group = &rules->groups[g];
        if (!options->subgroups) {
            write_pair(ctx->out, record, group->id, NULL, false);
            counts->pairs++;
            continue;
        }
        for (size_t s = group->first_subgroup; s < group->first_subgroup + group->subgroup_count; s++)
            if (active->subgroup[s] && bit_get(bits, s)) {
                write_pair(ctx->out, record, group->id, rules->subgroups[s].id, true);
                counts->pairs++;
            }
    }
    if (!any) {
        if (options->matched_only) {
            ctx->counts.filtered++;
            return;
        }
        write_pair(ctx->out, record, "", "", options->subgroups);
    }
    counts->written++;
}

/* The output of --tag: the input's columns, then a flag per condition (and subgroup), or with
 * --long the condition (and subgroup) of each pair. No new column may take an input's name. */
static void open_tag_output(koppel_context *ctx, const classify_options *options, const condition_rules *rules,
                            const active_columns *active, const record_t *header)
{
    if (options->long_form) {
        column_must_be_new(ctx, header, "condition");
        if (options->subgroups)
            column_must_be_new(ctx, header, "subgroup");
        char **names = xmalloc((header->count + 2) * sizeof(char *));
        memcpy(names, header->fields, header->count * sizeof(char *));
        names[header->count] = "condition";
        names[header->count + 1] = "subgroup";
        koppel_open_output(ctx, names, header->count + (options->subgroups ? 2 : 1));
        free(names);
        return;
    }
    for (size_t g = 0; g < rules->group_count; g++)
        if (active->group[g])
            column_must_be_new(ctx, header, rules->groups[g].id);
    for (size_t s = 0; options->subgroups && s < rules->subgroup_count; s++)
        if (active->subgroup[s] && rules->subgroups[s].column)
            column_must_be_new(ctx, header, rules->subgroups[s].column);
    open_condition_output(ctx, options, rules, active, header->fields, header->count, NULL);
}

static void run_tag(koppel_context *ctx, const classify_options *options, const condition_rules *rules,
                    const char *input)
{
    active_columns active = active_columns_make(rules, false);
    record_reader *reader = koppel_open_input(ctx, input);
    size_t code_index = record_reader_column(reader, options->code_column, "--code");
    const record_t *header = record_reader_header(reader);
    open_tag_output(ctx, options, rules, &active, header);
    size_t bit_bytes = (rules->subgroup_count + 7) / 8;
    unsigned char *bits = xmalloc(bit_bytes + 1);
    bool *group_on = xcalloc(rules->group_count + 1, sizeof(bool));
    uint64_t *group_records = xcalloc(rules->group_count + 1, sizeof(uint64_t));
    tag_counts counts = {0};
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        koppel_progress(ctx);
        char code[CODE_MAX_LENGTH + 1];
        int length = record_code(ctx, reader, record, code_index, options->code_column, rules, code);
        if (length < 0)
            continue;
        memset(bits, 0, bit_bytes);
        const condition_code *found[CODE_MAX_MATCHES];
        size_t found_count = length > 0 ? condition_rules_lookup(rules, code, (size_t)length, found) : 0;
        for (size_t i = 0; i < found_count; i++)
            for (size_t r = 0; r < found[i]->rule_count; r++)
                bit_set(bits, rules->rules[found[i]->rules[r]].subgroup);
        groups_from_subgroups(rules, bits, group_on);
        bool any = false;
        for (size_t g = 0; g < rules->group_count; g++)
            if (group_on[g]) {
                any = true;
                group_records[g]++;
            }
        counts.no_code += length == 0;
        if (any)
            counts.matched++;
        else
            counts.unmatched++;
        if (options->long_form) {
            write_long(ctx, options, rules, &active, record, bits, group_on, &counts);
            continue;
        }
        if (!any && options->matched_only) {
            ctx->counts.filtered++;
            continue;
        }
        record_writer_fields(ctx->out, record->fields, record->lengths, record->count);
        write_condition_flags(ctx->out, options, rules, &active, bits, group_on);
        record_writer_end(ctx->out);
    }
    koppel_stats_string(ctx, "rules", rules->path);
    koppel_stats_int(ctx, "records_matched", (int64_t)counts.matched);
    koppel_stats_int(ctx, "records_unmatched", (int64_t)counts.unmatched);
    koppel_stats_int(ctx, "records_no_code", (int64_t)counts.no_code);
    if (options->long_form) {
        koppel_stats_int(ctx, "pairs", (int64_t)counts.pairs);
        koppel_stats_int(ctx, "records_written", (int64_t)counts.written);
    }
    group_stats(ctx, "records_", rules, &active, group_records);
    record_reader_close(reader);
    free(bits);
    free(group_on);
    free(group_records);
    active_columns_free(&active);
}

/* ---------------------------------------------------------------- category mapping */

static void run_map(koppel_context *ctx, const classify_options *options, const char *input)
{
    code_table table = {0};
    code_table_load(&table, options->rules_path, &code_table_category_rules);
    record_reader *reader = koppel_open_input(ctx, input);
    size_t code_index = record_reader_column(reader, options->code_column, "--code");
    const record_t *header = record_reader_header(reader);
    const char *column = options->as_column ? options->as_column : table.value_column;
    column_must_be_new(ctx, header, column);
    char **names = xmalloc((header->count + 1) * sizeof(char *));
    memcpy(names, header->fields, header->count * sizeof(char *));
    names[header->count] = (char *)column;
    koppel_open_output(ctx, names, header->count + 1);
    free(names);
    uint64_t mapped = 0, defaulted = 0;
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        koppel_progress(ctx);
        size_t length;
        const char *key = code_table_key(&table, record->fields[code_index], record->lengths[code_index], &length);
        const code_table_entry *entry = code_table_find(&table, key, length);
        const char *category = entry ? entry->value : options->default_value;
        if (!category) {
            if (length == 0)
                koppel_reject(ctx, reader, record, "column '%s' is empty: no category", options->code_column);
            else if (code_is_showable(key, length))
                koppel_reject(ctx, reader, record, "column '%s': '%s' has no category in %s", options->code_column,
                              key, table.path);
            else
                koppel_reject(ctx, reader, record, "column '%s': the value (not shown) has no category in %s",
                              options->code_column, table.path);
            continue;
        }
        mapped += entry != NULL;
        defaulted += entry == NULL;
        for (size_t i = 0; i < record->count; i++)
            record_writer_field(ctx->out, record->fields[i], record->lengths[i]);
        record_writer_field_str(ctx->out, category);
        record_writer_end(ctx->out);
    }
    koppel_stats_string(ctx, "rules", table.path);
    koppel_stats_int(ctx, "records_mapped", (int64_t)mapped);
    koppel_stats_int(ctx, "records_defaulted", (int64_t)defaulted);
    record_reader_close(reader);
    code_table_free(&table);
}

/* ---------------------------------------------------------------- options */

static void set_mode(koppel_context *ctx, classify_options *options, run_mode mode)
{
    if (options->mode != MODE_NONE && options->mode != mode)
        koppel_usage_error(ctx, "choose one of --prevalence, --tag and --map");
    options->mode = mode;
}

/* An option that belongs to other modes is a mistake worth saying. */
static void check_mode_options(const koppel_context *ctx, const classify_options *options)
{
    const struct {
        bool given;
        const char *name;
        bool prevalence, tag, map;
    } checks[] = {
        {options->year_text != NULL, "--year", true, false, false},
        {options->start_column != NULL, "--start", true, false, false},
        {options->end_column != NULL, "--end", true, false, false},
        {options->id_column != NULL, "--id", true, false, false},
        {options->population_path != NULL, "--population", true, false, false},
        {options->population_id_column != NULL, "--population-id", true, false, false},
        {options->birth_column != NULL, "--birth", true, false, false},
        {options->reference_text != NULL, "--reference-date", true, false, false},
        {options->outside_path != NULL, "--outside", true, false, false},
        {options->ignore_age_rules, "--ignore-age-rules", true, false, false},
        {options->subgroups, "--subgroups", true, true, false},
        {options->long_form, "--long", false, true, false},
        {options->matched_only, "--matched-only", false, true, false},
        {options->as_column != NULL, "--as", false, false, true},
        {options->default_value != NULL, "--default", false, false, true},
    };
    static const char *mode_names[] = {"", "--prevalence", "--tag", "--map"};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        bool allowed = options->mode == MODE_PREVALENCE ? checks[i].prevalence
                       : options->mode == MODE_TAG      ? checks[i].tag
                                                        : checks[i].map;
        if (checks[i].given && !allowed)
            koppel_usage_error(ctx, "%s does not apply to %s", checks[i].name, mode_names[options->mode]);
    }
    if (options->mode == MODE_PREVALENCE && !options->population_path) {
        if (options->population_id_column || options->birth_column || options->outside_path)
            koppel_usage_error(ctx, "--population-id, --birth and --outside need --population FILE");
    }
}

static void finish_options(const koppel_context *ctx, classify_options *options)
{
    if (options->mode == MODE_NONE)
        koppel_usage_error(ctx, "choose a mode: --prevalence, --tag or --map");
    check_mode_options(ctx, options);
    if (!options->code_column)
        options->code_column = options->mode == MODE_MAP ? "provision_type" : "icpc";
    if (options->mode != MODE_PREVALENCE)
        return;
    int64_t year;
    char shown[96];
    if (!options->year_text)
        koppel_usage_error(ctx, "--prevalence needs --year Y, the reference year");
    if (!number_parse_int64(options->year_text, strlen(options->year_text), &year) || year < 1900 || year > 2200)
        koppel_usage_error(ctx, "--year: %s is not a year from 1900 to 2200",
                           showable_quoted(options->year_text, strlen(options->year_text), shown, sizeof shown));
    options->year = (int)year;
    options->reference = (date_ymd){options->year, 12, 31};
    if (options->reference_text &&
        !date_parse_iso(options->reference_text, strlen(options->reference_text), &options->reference))
        koppel_usage_error(ctx, "--reference-date: %s is not a date (YYYY-MM-DD)",
                           showable_quoted(options->reference_text, strlen(options->reference_text), shown,
                                           sizeof shown));
    if (!options->id_column)
        options->id_column = "bsn";
    if (!options->start_column)
        options->start_column = "start_date";
    if (!options->end_column)
        options->end_column = "end_date";
    if (!options->population_id_column)
        options->population_id_column = options->id_column;
    options->birth_given = options->birth_column != NULL;
    if (!options->birth_column)
        options->birth_column = "birth_date";
}

int main(int argc, char **argv)
{
    koppel_context ctx;
    classify_options options = {0};
    koppel_init(&ctx, "classify-condition", usage);
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(&ctx, opt, optarg))
            continue;
        switch (opt) {
        case OPT_PREVALENCE: set_mode(&ctx, &options, MODE_PREVALENCE); break;
        case OPT_TAG: set_mode(&ctx, &options, MODE_TAG); break;
        case OPT_MAP: set_mode(&ctx, &options, MODE_MAP); break;
        case OPT_RULES: options.rules_path = optarg; break;
        case OPT_CODE: options.code_column = optarg; break;
        case OPT_SUBGROUPS: options.subgroups = true; break;
        case OPT_YEAR: options.year_text = optarg; break;
        case OPT_ID: options.id_column = optarg; break;
        case OPT_START: options.start_column = optarg; break;
        case OPT_END: options.end_column = optarg; break;
        case OPT_POPULATION: options.population_path = optarg; break;
        case OPT_POPULATION_ID: options.population_id_column = optarg; break;
        case OPT_BIRTH: options.birth_column = optarg; break;
        case OPT_REFERENCE_DATE: options.reference_text = optarg; break;
        case OPT_OUTSIDE: options.outside_path = optarg; break;
        case OPT_IGNORE_AGE_RULES: options.ignore_age_rules = true; break;
        case OPT_LONG: options.long_form = true; break;
        case OPT_MATCHED_ONLY: options.matched_only = true; break;
        case OPT_AS: options.as_column = optarg; break;
        case OPT_DEFAULT: options.default_value = optarg; break;
        default: koppel_usage_error(&ctx, "unexpected option");
        }
    }
    finish_options(&ctx, &options);
    if (argc - optind > 1)
        koppel_usage_error(&ctx, "one input FILE at most (or standard input)");
    const char *input = optind < argc ? argv[optind] : "-";
    if (options.population_path && strcmp(options.population_path, "-") == 0 && strcmp(input, "-") == 0)
        koppel_usage_error(&ctx, "the population and the episodes cannot both come from standard input");
    char *default_rules = NULL;
    if (!options.rules_path)
        options.rules_path = default_rules =
            koppel_share_file(options.mode == MODE_MAP ? "rules/wmo-categories.csv" : "rules/iza-conditions.csv");

    if (options.mode == MODE_MAP)
        run_map(&ctx, &options, input);
    else {
        condition_rules *rules = condition_rules_load(options.rules_path);
        if (options.mode == MODE_PREVALENCE)
            run_prevalence(&ctx, &options, rules, input);
        else
            run_tag(&ctx, &options, rules, input);
        condition_rules_free(rules);
    }
    int status = koppel_finish(&ctx);
    free(default_rules);
    return status;
}
