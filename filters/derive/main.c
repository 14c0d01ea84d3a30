/* derive/main.c: koppel derive — add computed columns: ages, age bands, parts of dates, ISO dates
 * from Dutch ones, looked-up categories, constants and renames, applied in the order given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "code_table.h"
#include "date.h"
#include "koppel.h"
#include "message.h"
#include "number.h"
#include "showable.h"

static const char usage[] =
    "Usage: koppel derive [OPTIONS] [FILE...]\n"
    "Add computed columns: ages, age bands, year and month, ISO dates, lookups, masks, constants.\n"
    "\n"
    "Reads CSV with a header from FILEs (all with the same header) or standard input, writes\n"
    "CSV to standard output: every input column, then the new ones. The derivations are\n"
    "applied in the order given, so a later one can use a column an earlier one made. A NEW\n"
    "name equal to an existing column replaces that column's values in place; any other NEW\n"
    "column is appended at the end. An empty input value gives an empty result (counted as\n"
    "missing in --stats). Column names may not contain ':'.\n"
    "\n"
    "Derivations (each may be repeated):\n"
    "      --age NEW=BIRTH:REF     age in whole years on the reference date REF, an ISO date\n"
    "                              (YYYY-MM-DD) or the name of a date column. BIRTH holds\n"
    "                              ISO dates of birth, or birth years (YYYY): the age is then\n"
    "                              REF's year minus the birth year, the age reached during\n"
    "                              REF's year. Someone born on 29 February completes a year on\n"
    "                              1 March in a common year. Born after REF is a bad record.\n"
    "      --band NEW=COL:SPEC     age band of the whole number in COL. SPEC is one of\n"
    "                                esp2013    the 19 bands of the European Standard\n"
    "                                           Population 2013: 0-4, 5-9, ..., 85-89, 90+\n"
    "                                Wy[:TOP]   W-year bands with an open top band TOP+\n"
    "                                           (default 90), e.g. 5y, 5y:85, 10y:80\n"
    "                                C1,C2,...  explicit cut points: 0,18,65,75 gives 0-17,\n"
    "                                           18-64, 65-74, 75+\n"
    "                              A negative value is a bad record; so is a value below the\n"
    "                              first cut point, unless --below-first says otherwise.\n"
    "      --below-first NEW=reject|empty\n"
    "                              what --band NEW does with a value below its first cut\n"
    "                              point: a bad record (default) or an empty band (counted)\n"
    "      --year NEW=DATECOL      year of an ISO date (2023)\n"
    "      --month NEW=DATECOL     month of an ISO date, 1 to 12\n"
    "      --yearmonth NEW=DATECOL year and month of an ISO date (2023-01)\n"
    "      --iso-date COL          rewrite the dates in COL to YYYY-MM-DD in place, read as\n"
    "                              DD-MM-YYYY (also DD/MM/YYYY, DD.MM.YYYY) unless\n"
    "                              --date-format follows; values already YYYY-MM-DD and empty\n"
    "                              values pass. A time after the date (' HH:MM' or\n"
    "                              ' HH:MM:SS') is dropped. Anything else, or a day that does\n"
    "                              not exist (31-02-2019), is a bad record\n"
    "      --date-format FMT       how the --iso-date just before it is written:\n"
    "                                yyyymmdd    19800521, the BRP's own\n"
    "                                dd-mm-yyyy  21-05-1980 (the default)\n"
    "                                d-m-yyyy    21-5-1980, also 21-05-1980\n"
    "                                yyyy-mm-dd  1980-05-21 (to drop a time part)\n"
    "                              d-m-yyyy and dd-mm-yyyy take '-', '/' or '.'\n"
    "      --partial-dates RULE    what the --iso-date just before it does with a day or\n"
    "                              month of 00 (the BRP's 'onbekend'): reject (default: a bad\n"
    "                              record), first (day 00: the 1st; month and day 00:\n"
    "                              1 January) or middle (the 15th; 1 July). Year 0000 is\n"
    "                              always a bad record\n"
    "      --lookup NEW=COL:FILE   look the code in COL up in FILE, a comma-separated CSV with a\n"
    "                              header and two columns: code, value. A code that FILE lists\n"
    "                              twice with different values is a configuration error; an\n"
    "                              unlisted code is a bad record unless --default NEW=... is given\n"
    "      --default NEW=VALUE     the value --lookup NEW gives to codes not in its FILE\n"
    "      --mask NEW=COL:MASK     the code in COL through MASK, character by character: '?'\n"
    "                              keeps the code's character, any other character is\n"
    "                              written as it stands; characters past the mask are\n"
    "                              dropped. The code is read as codes are: without\n"
    "                              surrounding white space, letters in upper case. ???\n"
    "                              makes T90.02 (ICPC) and I21.4 (ICD-10) their main code\n"
    "                              T90, I21; ?X?? makes DCSPH 3120 its top-15 form 3X20.\n"
    "                              A code shorter than MASK, or not ASCII, is a bad record;\n"
    "                              the code is not validated (classify-condition does that)\n"
    "      --const NEW=VALUE       a column with the same VALUE in every record\n"
    "      --fill COL=VALUE        an empty value in COL becomes VALUE (e.g. 0 contacts for\n"
    "                              persons an outer join found no contacts for)\n"
    "      --rename OLD=NEW[,OLD=NEW...]\n"
    "                              rename column OLD; NEW must not be a column already. A\n"
    "                              comma separates renames, so a name holding ',' cannot be\n"
    "                              renamed here (a usage error)\n"
    "\n"
    "A value that cannot be read is a bad record (see --rejects); its reason names the column\n"
    "but never shows the value. --stats adds, for the derivations used: ages_missing,\n"
    "ages_from_birth_year, bands_missing, bands_below_first_cut, dates_missing,\n"
    "iso_dates_rewritten, partial_dates_imputed, lookups_missing (empty code),\n"
    "lookups_defaulted, masks_missing (empty code) and filled.\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel derive --age age=birth_date:2023-01-01 --band age_band=age:esp2013 \\\n"
    "      --year birth_year=birth_date persons.csv\n"
    "  koppel derive --iso-date contact_date --age age=birth_date:contact_date \\\n"
    "      --band age_group=age:0,18,65,75 --below-first age_group=empty contacts-persons.csv\n"
    "  koppel derive --lookup category=provision_type:share/koppel/rules/wmo-categories.csv \\\n"
    "      --yearmonth month=start_date --rename gemeente_code=municipality wmo.csv\n"
    "  koppel derive --mask top15=diagnosis_code:?X?? \\\n"
    "      --lookup label=top15:share/koppel/rules/dcsph-labels.csv physio-claims.csv\n"
    "  koppel select --not-empty birth_date persons.csv \\\n"
    "      | koppel derive --age age=birth_date:2023-01-01 --band age_band=age:5y:85 \\\n"
    "      --rejects bad-dates.csv --stats run.json -o persons-aged.csv\n";

enum { OPT_AGE = OPT_FILTER_BASE, OPT_BAND, OPT_BELOW_FIRST, OPT_YEAR, OPT_MONTH, OPT_YEARMONTH,
       OPT_ISO_DATE, OPT_LOOKUP, OPT_DEFAULT, OPT_CONST, OPT_RENAME, OPT_FILL, OPT_DATE_FORMAT,
       OPT_PARTIAL_DATES, OPT_MASK };

static const struct option long_options[] = {
    {"age", required_argument, NULL, OPT_AGE},
    {"band", required_argument, NULL, OPT_BAND},
    {"below-first", required_argument, NULL, OPT_BELOW_FIRST},
    {"year", required_argument, NULL, OPT_YEAR},
    {"month", required_argument, NULL, OPT_MONTH},
    {"yearmonth", required_argument, NULL, OPT_YEARMONTH},
    {"iso-date", required_argument, NULL, OPT_ISO_DATE},
    {"lookup", required_argument, NULL, OPT_LOOKUP},
    {"default", required_argument, NULL, OPT_DEFAULT},
    {"const", required_argument, NULL, OPT_CONST},
    {"rename", required_argument, NULL, OPT_RENAME},
    {"fill", required_argument, NULL, OPT_FILL},
    {"date-format", required_argument, NULL, OPT_DATE_FORMAT},
    {"partial-dates", required_argument, NULL, OPT_PARTIAL_DATES},
    {"mask", required_argument, NULL, OPT_MASK},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* Bands wider than this many are surely a typing error (and would only waste memory). */
#define MAXIMUM_BANDS 10000
/* The longest --mask: its result goes into a step's buffer. */
#define MAXIMUM_MASK 31

/* ---------------------------------------------------------------- derivations */

typedef struct band_table {
    int64_t *cuts; /* ascending lower bounds; the last band is open */
    char **labels;
    size_t count;
    bool below_first_empty;
} band_table;

typedef struct step {
    int kind;           /* OPT_AGE ... OPT_RENAME */
    const char *option; /* "--age", for messages */
    char *argument;     /* owned copy, split in place into the names below */
    char *target;       /* NEW; COL of --iso-date; NEW of --rename */
    char *source;       /* BIRTH, COL, DATECOL; OLD of --rename */
    char *extra;        /* REF, SPEC, FILE, MASK or VALUE */
    size_t source_slot, reference_slot, target_slot;
    bool reference_is_column;
    date_ymd reference_date;
    band_table bands;
    code_table table;
    const char *default_value; /* NULL: an unlisted code is a bad record */
    date_format date_format;   /* --iso-date: how COL is written, and what a 00 becomes */
    date_partial_rule partial_rule;
    bool date_format_given, partial_rule_given;
    char buffer[32];           /* this record's result when it is computed text */
} step;

/* Figures for --stats, summed over the derivations of each kind. */
typedef struct derive_counts {
    int64_t ages_missing, ages_from_birth_year, bands_missing, bands_below_first_cut, dates_missing, iso_dates_rewritten,
        partial_dates_imputed, lookups_missing, lookups_defaulted, masks_missing, filled;
} derive_counts;

/* An option that refers to another option's NEW column (--default, --below-first). */
typedef struct modifier {
    int kind;
    char *argument; /* owned: NEW '\0' VALUE */
    char *value;
} modifier;

typedef struct derive_options {
    step *steps;
    size_t step_count;
    modifier *modifiers;
    size_t modifier_count;
} derive_options;

/* The columns as they stand after each derivation: names by slot. */
typedef struct column_set {
    const char **names;
    size_t count;
    const char *input_name; /* the input file, for messages */
} column_set;

static const char *option_name(int kind)
{
    static const char *names[] = {"--age",       "--band",     "--below-first", "--year",
                                  "--month",     "--yearmonth", "--iso-date",   "--lookup",
                                  "--default",   "--const",    "--rename",      "--fill",
                                  "--date-format", "--partial-dates", "--mask"};
    return names[kind - OPT_AGE];
}

static const char *option_form(int kind)
{
    switch (kind) {
    case OPT_AGE: return "NEW=BIRTH:REF, e.g. age=birth_date:2023-01-01";
    case OPT_BAND: return "NEW=COL:SPEC, e.g. age_band=age:esp2013";
    case OPT_LOOKUP: return "NEW=COL:FILE, e.g. category=provision_type:categories.csv";
    case OPT_MASK: return "NEW=COL:MASK, e.g. main_code=icpc:???";
    case OPT_RENAME: return "OLD=NEW[,OLD=NEW...] (names without ',')";
    case OPT_CONST: case OPT_DEFAULT: return "NEW=VALUE";
    case OPT_FILL: return "COL=VALUE, e.g. gp_contacts=0";
    case OPT_BELOW_FIRST: return "NEW=reject or NEW=empty";
    default: return "NEW=DATECOL, e.g. birth_year=birth_date";
    }
}

/* Split TEXT at the first SEPARATOR; the part before must not be empty. */
static char *split_at(const koppel_context *ctx, int kind, char *text, char separator, bool empty_rest_ok)
{
    char *at = strchr(text, separator);
    if (!at || at == text || (!empty_rest_ok && at[1] == '\0'))
        koppel_usage_error(ctx, "%s expects %s", option_name(kind), option_form(kind));
    *at = '\0';
    return at + 1;
}

static void parse_band_spec(const koppel_context *ctx, step *s);

static void add_step(const koppel_context *ctx, derive_options *options, int kind, const char *arg)
{
    options->steps = xrealloc(options->steps, (options->step_count + 1) * sizeof(step));
    step *s = &options->steps[options->step_count++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->option = option_name(kind);
    s->argument = xstrdup(arg);
    if (kind == OPT_ISO_DATE) {
        if (!*s->argument)
            koppel_usage_error(ctx, "--iso-date expects a column name");
        s->target = s->source = s->argument;
        s->date_format = DATE_FORMAT_DD_MM_YYYY;
        s->partial_rule = DATE_PARTIAL_REJECT;
        return;
    }
    char *rest = split_at(ctx, kind, s->argument, '=', kind == OPT_CONST || kind == OPT_FILL);
    if (kind == OPT_FILL) {
        /* in place: the column must exist */
        s->target = s->source = s->argument;
        s->extra = rest;
        return;
    }
    if (kind == OPT_RENAME) {
        s->source = s->argument;
        s->target = rest;
        return;
    }
    s->target = s->argument;
    if (kind == OPT_CONST) {
        s->extra = rest;
        return;
    }
    s->source = rest;
    if (kind == OPT_AGE || kind == OPT_BAND || kind == OPT_LOOKUP || kind == OPT_MASK)
        s->extra = split_at(ctx, kind, rest, ':', false);
    if (kind == OPT_MASK && strlen(s->extra) > MAXIMUM_MASK)
        koppel_usage_error(ctx, "--mask %s: a mask has at most %d characters", s->target, MAXIMUM_MASK);
    if (kind == OPT_AGE)
        s->reference_is_column = !date_parse_iso(s->extra, strlen(s->extra), &s->reference_date);
    if (kind == OPT_BAND)
        parse_band_spec(ctx, s);
}

/* --rename A=a,B=b is two renames. Every piece must be OLD=NEW: a piece without '=' is most
 * likely a name that holds a comma, which this list form cannot carry. */
static void add_renames(const koppel_context *ctx, derive_options *options, const char *arg)
{
    char *list = xstrdup(arg);
    for (char *item = list;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        if (!strchr(item, '='))
            koppel_usage_error(ctx, "--rename expects %s: each rename between commas is OLD=NEW, and a "
                                    "column name holding ',' cannot be renamed by --rename",
                               option_form(OPT_RENAME));
        add_step(ctx, options, OPT_RENAME, item);
        if (!comma)
            break;
        item = comma + 1;
    }
    free(list);
}

/* --date-format and --partial-dates describe the --iso-date just before them. */
static void add_date_setting(const koppel_context *ctx, derive_options *options, int kind, const char *arg)
{
    step *s = options->step_count ? &options->steps[options->step_count - 1] : NULL;
    const char *name = option_name(kind);
    if (!s || s->kind != OPT_ISO_DATE)
        koppel_usage_error(ctx, "%s describes the --iso-date COL given just before it, e.g. "
                                "--iso-date birth_date %s %s", name, name,
                           kind == OPT_DATE_FORMAT ? "yyyymmdd" : "first");
    char shown[96];
    bool *given = kind == OPT_DATE_FORMAT ? &s->date_format_given : &s->partial_rule_given;
    if (*given)
        koppel_usage_error(ctx, "%s is given twice for --iso-date %s", name, s->source);
    *given = true;
    if (kind == OPT_DATE_FORMAT && !date_format_from_name(arg, &s->date_format))
        koppel_usage_error(ctx, "--date-format: %s is not a date format: use yyyymmdd, dd-mm-yyyy, "
                                "d-m-yyyy or yyyy-mm-dd", showable_quoted(arg, strlen(arg), shown, sizeof shown));
    if (kind == OPT_PARTIAL_DATES && !date_partial_rule_from_name(arg, &s->partial_rule))
        koppel_usage_error(ctx, "--partial-dates: %s is not a rule: use reject, first or middle",
                           showable_quoted(arg, strlen(arg), shown, sizeof shown));
}

static void add_modifier(const koppel_context *ctx, derive_options *options, int kind, const char *arg)
{
    options->modifiers = xrealloc(options->modifiers, (options->modifier_count + 1) * sizeof(modifier));
    modifier *m = &options->modifiers[options->modifier_count++];
    m->kind = kind;
    m->argument = xstrdup(arg);
    m->value = split_at(ctx, kind, m->argument, '=', kind == OPT_DEFAULT);
    if (kind == OPT_BELOW_FIRST && strcmp(m->value, "reject") != 0 && strcmp(m->value, "empty") != 0)
        koppel_usage_error(ctx, "--below-first expects %s", option_form(kind));
}

/* ---------------------------------------------------------------- bands */

static void band_add(band_table *bands, int64_t cut)
{
    bands->cuts = xrealloc(bands->cuts, (bands->count + 1) * sizeof(int64_t));
    bands->cuts[bands->count++] = cut;
}

/* Labels "A-B" (both ends included), "A" for a one-year band, "A+" for the open top band. */
static void band_labels(band_table *bands)
{
    bands->labels = xmalloc(bands->count * sizeof(char *));
    for (size_t i = 0; i < bands->count; i++) {
        char label[64];
        if (i + 1 == bands->count)
            snprintf(label, sizeof label, "%lld+", (long long)bands->cuts[i]);
        else if (bands->cuts[i + 1] - 1 == bands->cuts[i])
            snprintf(label, sizeof label, "%lld", (long long)bands->cuts[i]);
        else
            snprintf(label, sizeof label, "%lld-%lld", (long long)bands->cuts[i],
                     (long long)(bands->cuts[i + 1] - 1));
        bands->labels[i] = xstrdup(label);
    }
}

/* Digits only, as a positive whole number. */
static bool parse_count(const char *text, size_t length, int64_t *value)
{
    if (length == 0 || text[0] < '0' || text[0] > '9')
        return false;
    return number_parse_int64(text, length, value);
}

/* esp2013, Wy[:TOP] or C1,C2,...: bands as ascending cut points. */
static void parse_band_spec(const koppel_context *ctx, step *s)
{
    const char *spec = s->extra;
    band_table *bands = &s->bands;
    char shown[96];
    const char *y = strchr(spec, 'y');
    if (strcmp(spec, "esp2013") == 0 || y) {
        int64_t width = 5, top = 90;
        if (strcmp(spec, "esp2013") != 0) {
            bool good = parse_count(spec, (size_t)(y - spec), &width);
            if (good && y[1] == ':')
                good = parse_count(y + 2, strlen(y + 2), &top);
            else if (good && y[1] != '\0')
                good = false;
            if (!good || width < 1 || top < 1)
                koppel_usage_error(ctx, "--band %s: %s is not a band specification: use esp2013, "
                                        "Wy[:TOP] such as 5y or 5y:85, or cut points such as 0,18,65",
                                   s->target, showable_quoted(spec, strlen(spec), shown, sizeof shown));
            if (top % width != 0 || top / width >= MAXIMUM_BANDS)
            {
                char top_text[32], width_text[32], shown_width[96];
                snprintf(top_text, sizeof top_text, "%lld", (long long)top);
                snprintf(width_text, sizeof width_text, "%lld", (long long)width);
                koppel_usage_error(ctx, "--band %s: the open top band (%s) must start at a multiple "
                                        "of the band width (%s), below %lld bands",
                                   s->target, showable_quoted(top_text, strlen(top_text), shown, sizeof shown),
                                   showable_quoted(width_text, strlen(width_text), shown_width, sizeof shown_width),
                                   (long long)MAXIMUM_BANDS);
            }
        }
        for (int64_t cut = 0; cut <= top; cut += width)
            band_add(bands, cut);
    } else {
        for (const char *item = spec;;) {
            const char *comma = strchr(item, ',');
            size_t length = comma ? (size_t)(comma - item) : strlen(item);
            int64_t cut;
            if (!parse_count(item, length, &cut))
                koppel_usage_error(ctx, "--band %s: %s is not a band specification: cut points are "
                                        "whole numbers of 0 or more, e.g. 0,18,65,75",
                                   s->target, showable_quoted(spec, strlen(spec), shown, sizeof shown));
            if (bands->count && cut <= bands->cuts[bands->count - 1])
                koppel_usage_error(ctx, "--band %s: cut points must increase, as in 0,18,65,75",
                                   s->target);
            if (bands->count >= MAXIMUM_BANDS)
                koppel_usage_error(ctx, "--band %s: more than %d cut points", s->target, MAXIMUM_BANDS);
            band_add(bands, cut);
            if (!comma)
                break;
            item = comma + 1;
        }
    }
    band_labels(bands);
}

/* The band holding VALUE (>= the first cut): the last cut point not above it. */
static size_t band_index(const band_table *bands, int64_t value)
{
    size_t low = 0, high = bands->count; /* cuts[low] <= value < cuts[high] */
    while (high - low > 1) {
        size_t middle = low + (high - low) / 2;
        if (bands->cuts[middle] <= value)
            low = middle;
        else
            high = middle;
    }
    return low;
}

/* ---------------------------------------------------------------- lookup files */

static void load_lookup(step *s)
{
    struct stat info;
    if (stat(s->extra, &info) == 0 && S_ISREG(info.st_mode) && info.st_size == 0)
        message_die(EXIT_USAGE, "--lookup %s: %s is empty; expected a header and code,value rows",
                    s->target, s->extra);
    code_table_load(&s->table, s->extra, &code_table_lookup_rules);
}

/* ---------------------------------------------------------------- columns */

static long column_find(const column_set *columns, const char *name)
{
    for (size_t i = 0; i < columns->count; i++)
        if (strcmp(columns->names[i], name) == 0)
            return (long)i;
    return -1;
}

/* The slot of column NAME as the columns stand now; missing is a usage error listing them.
 * A name that could be an identifier is not listed: a file without its header row has the
 * values of its first record for names. */
static size_t column_require(const column_set *columns, const char *name, const char *option)
{
    long slot = column_find(columns, name);
    if (slot >= 0)
        return (size_t)slot;
    static const char hidden[] = "(not shown)";
    size_t size = 1, hidden_count = 0;
    for (size_t i = 0; i < columns->count; i++)
        size += strlen(columns->names[i]) + sizeof hidden + 2;
    char *list = xmalloc(size);
    list[0] = '\0';
    for (size_t i = 0; i < columns->count; i++) {
        const char *shown = columns->names[i];
        if (!label_is_showable(shown, strlen(shown))) {
            shown = hidden;
            hidden_count++;
        }
        if (i)
            strcat(list, ", ");
        strcat(list, shown);
    }
    message_die(EXIT_USAGE, "%s: column '%s' not found in %s; the columns are: %s%s", option, name,
                columns->input_name, list,
                hidden_count ? " (names that look like data are not shown: has the file a header row?)" : "");
}

/* NEW replaces an existing column in place, or is appended. */
static size_t column_target(column_set *columns, const char *name)
{
    long slot = column_find(columns, name);
    if (slot >= 0)
        return (size_t)slot;
    columns->names = xrealloc(columns->names, (columns->count + 1) * sizeof(char *));
    columns->names[columns->count] = name;
    return columns->count++;
}

/* Walk the derivations in order, giving each its slots; the final names are the output header. */
static void resolve_steps(const koppel_context *ctx, derive_options *options, column_set *columns)
{
    for (size_t i = 0; i < options->step_count; i++) {
        step *s = &options->steps[i];
        if (s->kind == OPT_RENAME) {
            s->source_slot = column_require(columns, s->source, s->option);
            if (column_find(columns, s->target) >= 0)
                koppel_usage_error(ctx, "--rename %s=%s: there is a column '%s' already", s->source,
                                   s->target, s->target);
            columns->names[s->source_slot] = s->target;
            continue;
        }
        if (s->source)
            s->source_slot = column_require(columns, s->source, s->option);
        if (s->kind == OPT_AGE && s->reference_is_column) {
            if (column_find(columns, s->extra) < 0)
            {
                char shown[96];
                koppel_usage_error(ctx, "--age %s: the reference %s is neither an ISO date "
                                        "(YYYY-MM-DD) nor a column of %s", s->target,
                                   showable_quoted(s->extra, strlen(s->extra), shown, sizeof shown),
                                   columns->input_name);
            }
            s->reference_slot = column_require(columns, s->extra, s->option);
        }
        if (s->kind == OPT_LOOKUP)
            load_lookup(s);
        s->target_slot = column_target(columns, s->target);
    }
}

/* --default and --below-first attach to the --lookup or --band that makes their NEW column. */
static void apply_modifiers(const koppel_context *ctx, derive_options *options)
{
    for (size_t m = 0; m < options->modifier_count; m++) {
        const modifier *mod = &options->modifiers[m];
        int wanted = mod->kind == OPT_DEFAULT ? OPT_LOOKUP : OPT_BAND;
        for (size_t j = 0; j < m; j++)
            if (options->modifiers[j].kind == mod->kind &&
                strcmp(options->modifiers[j].argument, mod->argument) == 0)
                koppel_usage_error(ctx, "%s %s is given twice", option_name(mod->kind), mod->argument);
        bool matched = false;
        for (size_t i = 0; i < options->step_count; i++) {
            step *s = &options->steps[i];
            if (s->kind != wanted || strcmp(s->target, mod->argument) != 0)
                continue;
            matched = true;
            if (mod->kind == OPT_DEFAULT)
                s->default_value = mod->value;
            else
                s->bands.below_first_empty = strcmp(mod->value, "empty") == 0;
        }
        if (!matched)
            koppel_usage_error(ctx, "%s %s: no %s makes a column '%s'", option_name(mod->kind),
                               mod->argument, option_name(wanted), mod->argument);
    }
}

/* ---------------------------------------------------------------- one record */

/* The fields of one record as the derivations go: slots of text and length. */
typedef struct working_record {
    char **text;
    size_t *length;
} working_record;

static void set_slot(working_record *w, size_t slot, const char *text, size_t length)
{
    /* The writer only reads the fields; the cast keeps one array type for input and results. */
    w->text[slot] = (char *)text;
    w->length[slot] = length;
}

static void set_buffer(working_record *w, step *s, int length)
{
    set_slot(w, s->target_slot, s->buffer, (size_t)length);
}

/* Each derive_* returns false with REASON set when the record is bad. Reasons name columns,
 * never values: dates of birth are identifiers. */
static bool derive_age(step *s, working_record *w, derive_counts *counts, char *reason, size_t size)
{
    const char *birth = w->text[s->source_slot];
    size_t birth_length = w->length[s->source_slot];
    date_ymd reference = s->reference_date;
    bool reference_empty = s->reference_is_column && w->length[s->reference_slot] == 0;
    if (birth_length == 0 || reference_empty) {
        counts->ages_missing++;
        set_slot(w, s->target_slot, "", 0);
        return true;
    }
    if (s->reference_is_column &&
        !date_parse_iso(w->text[s->reference_slot], w->length[s->reference_slot], &reference)) {
        date_not_iso_reason(reason, size, s->extra, "an ISO date (YYYY-MM-DD)", w->text[s->reference_slot],
                            w->length[s->reference_slot], "--iso-date");
        return false;
    }
    int64_t birth_year;
    date_ymd birth_date;
    int age;
    if (birth_length == 4 && parse_count(birth, 4, &birth_year) && birth_year >= 1) {
        counts->ages_from_birth_year++;
        age = reference.year - (int)birth_year;
    }
    else if (date_parse_iso(birth, birth_length, &birth_date))
        age = date_age_years(birth_date, reference);
    else {
        date_not_iso_reason(reason, size, s->source, "an ISO date of birth (YYYY-MM-DD) or a birth year (YYYY)",
                            birth, birth_length, "--iso-date");
        return false;
    }
    if (age < 0) {
        if (s->reference_is_column)
            snprintf(reason, size, "column '%s': born after the reference date in column '%s'",
                     s->source, s->extra);
        else
            snprintf(reason, size, "column '%s': born after the reference date %s", s->source, s->extra);
        return false;
    }
    set_buffer(w, s, snprintf(s->buffer, sizeof s->buffer, "%d", age));
    return true;
}

static bool derive_band(step *s, working_record *w, derive_counts *counts, char *reason, size_t size)
{
    const char *field = w->text[s->source_slot];
    size_t length = w->length[s->source_slot];
    int64_t value;
    if (length == 0) {
        counts->bands_missing++;
        set_slot(w, s->target_slot, "", 0);
        return true;
    }
    if (!number_parse_int64(field, length, &value)) {
        snprintf(reason, size, "column '%s': not a whole number", s->source);
        return false;
    }
    if (value < 0) {
        snprintf(reason, size, "column '%s': negative age", s->source);
        return false;
    }
    if (value < s->bands.cuts[0]) {
        if (!s->bands.below_first_empty) {
            snprintf(reason, size, "column '%s': below the first cut point (%lld) of --band %s",
                     s->source, (long long)s->bands.cuts[0], s->target);
            return false;
        }
        counts->bands_below_first_cut++;
        set_slot(w, s->target_slot, "", 0);
        return true;
    }
    const char *label = s->bands.labels[band_index(&s->bands, value)];
    set_slot(w, s->target_slot, label, strlen(label));
    return true;
}

static bool derive_date_part(step *s, working_record *w, derive_counts *counts, char *reason, size_t size)
{
    size_t length = w->length[s->source_slot];
    date_ymd date;
    if (length == 0) {
        counts->dates_missing++;
        set_slot(w, s->target_slot, "", 0);
        return true;
    }
    if (!date_parse_iso(w->text[s->source_slot], length, &date)) {
        date_not_iso_reason(reason, size, s->source, "an ISO date (YYYY-MM-DD)", w->text[s->source_slot], length,
                            "--iso-date");
        return false;
    }
    /* A valid ISO date is YYYY-MM-DD to the letter: the parts are its own bytes (the month
     * without a leading zero). */
    const char *text = w->text[s->source_slot];
    if (s->kind == OPT_YEAR)
        set_slot(w, s->target_slot, text, 4);
    else if (s->kind == OPT_MONTH)
        set_slot(w, s->target_slot, text + 5 + (date.month < 10), date.month < 10 ? 1 : 2);
    else
        set_slot(w, s->target_slot, text, 7);
    return true;
}

static bool derive_iso_date(step *s, working_record *w, derive_counts *counts, char *reason, size_t size)
{
    const char *field = w->text[s->source_slot];
    size_t length = w->length[s->source_slot];
    date_ymd date;
    if (length == 0 || date_parse_iso(field, length, &date))
        return true;
    const char *format = date_format_name(s->date_format);
    switch (date_read(field, length, s->date_format, s->partial_rule, &date)) {
    case DATE_READ_IMPUTED:
        counts->partial_dates_imputed++;
        break;
    case DATE_READ_EXACT:
        break;
    case DATE_READ_PARTIAL:
        snprintf(reason, size, "column '%s': a partial date (day or month 00, unknown): give "
                               "--partial-dates first or middle after --iso-date %s to complete it",
                 s->source, s->source);
        return false;
    case DATE_READ_UNKNOWN:
        snprintf(reason, size, "column '%s': an unknown date (year 0000)", s->source);
        return false;
    default: {
        date_format guess;
        if (date_format_guess(field, length, &guess) && guess != s->date_format &&
            guess != DATE_FORMAT_YYYY_MM_DD)
            snprintf(reason, size, "column '%s': not a date written %s (it looks like %s: give "
                                   "--iso-date %s --date-format %s)",
                     s->source, format, date_format_name(guess), s->source, date_format_name(guess));
        else
            snprintf(reason, size, "column '%s': not a date that exists, written %s or yyyy-mm-dd%s",
                     s->source, format, s->date_format_given ? "" : " (see --date-format)");
        return false;
    }
    }
    counts->iso_dates_rewritten++;
    date_format_iso(date, s->buffer);
    set_buffer(w, s, 10);
    return true;
}

static bool derive_lookup(step *s, working_record *w, derive_counts *counts, char *reason, size_t size)
{
    const char *code = w->text[s->source_slot];
    size_t length = w->length[s->source_slot];
    if (length == 0) {
        /* An empty code is a missing value: it never matches, not even an empty code. */
        counts->lookups_missing++;
        set_slot(w, s->target_slot, "", 0);
        return true;
    }
    const code_table_entry *found = code_table_find(&s->table, code, length);
    if (found) {
        set_slot(w, s->target_slot, found->value, found->value_length);
        return true;
    }
    if (!s->default_value) {
        snprintf(reason, size, "column '%s': code not found in %s (give --default %s=VALUE to accept it)",
                 s->source, s->extra, s->target);
        return false;
    }
    counts->lookups_defaulted++;
    set_slot(w, s->target_slot, s->default_value, strlen(s->default_value));
    return true;
}

/* The code through the mask: '?' keeps the code's character (upper case), others are written. */
static bool derive_mask(step *s, working_record *w, derive_counts *counts, char *reason, size_t size)
{
    const char *code = w->text[s->source_slot];
    size_t length = w->length[s->source_slot];
    while (length > 0 && (*code == ' ' || *code == '\t'))
        code++, length--;
    while (length > 0 && (code[length - 1] == ' ' || code[length - 1] == '\t'))
        length--;
    if (length == 0) {
        counts->masks_missing++;
        set_slot(w, s->target_slot, "", 0);
        return true;
    }
    size_t mask_length = strlen(s->extra);
    if (length < mask_length) {
        snprintf(reason, size, "column '%s': shorter than the mask of --mask %s (%zu characters)", s->source,
                 s->target, mask_length);
        return false;
    }
    for (size_t i = 0; i < mask_length; i++) {
        unsigned char c = (unsigned char)code[i];
        if (c >= 0x80) {
            snprintf(reason, size, "column '%s': not an ASCII code (--mask %s)", s->source, s->target);
            return false;
        }
        s->buffer[i] = s->extra[i] != '?' ? s->extra[i] : c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : (char)c;
    }
    set_buffer(w, s, (int)mask_length);
    return true;
}

static bool derive(step *s, working_record *w, derive_counts *counts, char *reason, size_t size)
{
    switch (s->kind) {
    case OPT_AGE:
        return derive_age(s, w, counts, reason, size);
    case OPT_BAND:
        return derive_band(s, w, counts, reason, size);
    case OPT_YEAR:
    case OPT_MONTH:
    case OPT_YEARMONTH:
        return derive_date_part(s, w, counts, reason, size);
    case OPT_ISO_DATE:
        return derive_iso_date(s, w, counts, reason, size);
    case OPT_LOOKUP:
        return derive_lookup(s, w, counts, reason, size);
    case OPT_MASK:
        return derive_mask(s, w, counts, reason, size);
    case OPT_CONST:
        set_slot(w, s->target_slot, s->extra, strlen(s->extra));
        return true;
    case OPT_FILL:
        if (w->length[s->source_slot] == 0) {
            counts->filled++;
            set_slot(w, s->target_slot, s->extra, strlen(s->extra));
        }
        return true;
    default: /* --rename changes only the header */
        return true;
    }
}

/* ---------------------------------------------------------------- main */

static bool uses(const derive_options *options, int kind)
{
    for (size_t i = 0; i < options->step_count; i++)
        if (options->steps[i].kind == kind)
            return true;
    return false;
}

static void add_stats(koppel_context *ctx, const derive_options *options, const derive_counts *counts)
{
    if (uses(options, OPT_AGE)) {
        koppel_stats_int(ctx, "ages_missing", counts->ages_missing);
        koppel_stats_int(ctx, "ages_from_birth_year", counts->ages_from_birth_year);
    }
    if (uses(options, OPT_BAND)) {
        koppel_stats_int(ctx, "bands_missing", counts->bands_missing);
        koppel_stats_int(ctx, "bands_below_first_cut", counts->bands_below_first_cut);
    }
    if (uses(options, OPT_YEAR) || uses(options, OPT_MONTH) || uses(options, OPT_YEARMONTH))
        koppel_stats_int(ctx, "dates_missing", counts->dates_missing);
    if (uses(options, OPT_FILL))
        koppel_stats_int(ctx, "filled", counts->filled);
    if (uses(options, OPT_ISO_DATE)) {
        koppel_stats_int(ctx, "iso_dates_rewritten", counts->iso_dates_rewritten);
        koppel_stats_int(ctx, "partial_dates_imputed", counts->partial_dates_imputed);
    }
    if (uses(options, OPT_LOOKUP)) {
        koppel_stats_int(ctx, "lookups_missing", counts->lookups_missing);
        koppel_stats_int(ctx, "lookups_defaulted", counts->lookups_defaulted);
    }
    if (uses(options, OPT_MASK))
        koppel_stats_int(ctx, "masks_missing", counts->masks_missing);
}

static void free_options(derive_options *options)
{
    for (size_t i = 0; i < options->step_count; i++) {
        step *s = &options->steps[i];
        for (size_t b = 0; b < s->bands.count && s->bands.labels; b++)
            free(s->bands.labels[b]);
        free(s->bands.labels);
        free(s->bands.cuts);
        code_table_free(&s->table);
        free(s->argument);
    }
    free(options->steps);
    for (size_t m = 0; m < options->modifier_count; m++)
        free(options->modifiers[m].argument);
    free(options->modifiers);
}

int main(int argc, char **argv)
{
    koppel_context ctx;
    derive_options options = {0};
    derive_counts counts = {0};
    koppel_init(&ctx, "derive", usage);
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(&ctx, opt, optarg))
            continue;
        if (opt == OPT_DEFAULT || opt == OPT_BELOW_FIRST)
            add_modifier(&ctx, &options, opt, optarg);
        else if (opt == OPT_RENAME)
            add_renames(&ctx, &options, optarg);
        else if (opt == OPT_DATE_FORMAT || opt == OPT_PARTIAL_DATES)
            add_date_setting(&ctx, &options, opt, optarg);
        else
            add_step(&ctx, &options, opt, optarg);
    }
    apply_modifiers(&ctx, &options);

    koppel_inputs inputs;
    record_reader *first = koppel_inputs_open(&ctx, &inputs, argc, argv, optind);
    const record_t *header = record_reader_header(first);
    column_set columns = {xmalloc((header->count + 1) * sizeof(char *)), header->count,
                          record_reader_name(first)};
    for (size_t i = 0; i < header->count; i++)
        columns.names[i] = header->fields[i];
    resolve_steps(&ctx, &options, &columns);
    koppel_open_output(&ctx, (char *const *)columns.names, columns.count);

    working_record work = {xmalloc(columns.count * sizeof(char *)), xmalloc(columns.count * sizeof(size_t))};
    record_reader *reader;
    while ((reader = koppel_inputs_next(&ctx, &inputs))) {
        const record_t *record;
        while (record_reader_next(reader, &record)) {
            koppel_progress(&ctx);
            for (size_t i = 0; i < header->count; i++)
                set_slot(&work, i, record->fields[i], record->lengths[i]);
            bool good = true;
            char reason[512];
            for (size_t i = 0; i < options.step_count && good; i++)
                good = derive(&options.steps[i], &work, &counts, reason, sizeof reason);
            if (!good) {
                koppel_reject(&ctx, reader, record, "%s", reason);
                continue;
            }
            record_writer_record(ctx.out, work.text, work.length, columns.count);
        }
    }
    add_stats(&ctx, &options, &counts);
    int status = koppel_finish(&ctx);
    koppel_inputs_close(&inputs);
    free(work.text);
    free(work.length);
    free(columns.names);
    free_options(&options);
    return status;
}
