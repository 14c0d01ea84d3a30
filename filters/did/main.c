/* did/main.c: koppel did — difference-in-differences on a panel of units (municipalities) by
 * periods, by least squares with standard errors clustered on the unit (docs/METHODS.md). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* uthash exits with status 255 and no message when a bucket array cannot be had: die
 * like the rest of koppel instead (status 3, "out of memory"; message.h comes below). */
#define uthash_fatal(msg) message_die_nomem()
#include <uthash.h>

#include "cluster_regression.h"
#include "koppel.h"
#include "message.h"
#include "number.h"
#include "showable.h"

static const char usage[] =
    "Usage: koppel did --unit COL --time COL --treated COL --outcome COL [OPTIONS] [FILE]\n"
    "Difference-in-differences on a panel, with standard errors clustered on the unit.\n"
    "\n"
    "Reads a panel, one record per unit (a municipality) and period (a month), from FILE or\n"
    "standard input, and fits Y = b0 + b1 treated*t + b2 treated + b3 t by least squares,\n"
    "where treated (0 or 1) is fixed per unit. b1, the term treated_x_time, is the effect.\n"
    "Two models: two-point uses the first and the last period only (t = 0 and 1); linear\n"
    "uses every period in the window, t the rank of its period (0, 1, 2, ...). Periods sort\n"
    "as numbers when every label is a number, else as text (2015-01 < 2015-02 < 2016-01:\n"
    "write months as YYYY-MM). Unweighted, and, with --weight, also weighted by that column.\n"
    "\n"
    "Writes one record per model, weighting and term (intercept, treated_x_time, treated,\n"
    "time): model,weighting,term,estimate,se,t,df,p,ci_low,ci_high,n,clusters. se is\n"
    "clustered on the unit with the factor G/(G-1)*(N-1)/(N-K) (as Stata's vce(cluster));\n"
    "t = estimate/se; p two-sided and the 95% interval from Student's t with G-1 degrees of\n"
    "freedom (df); n the records and clusters the units (G) the model used.\n"
    "\n"
    "Options:\n"
    "      --unit COL            the unit, the cluster of the standard errors (required)\n"
    "      --time COL            the period, e.g. 2015-01 (required)\n"
    "      --treated COL         0 or 1, the same in every record of a unit (required)\n"
    "      --outcome COL         the outcome Y, a number (required)\n"
    "      --weight COL          a weight of 0 or more (the population): adds weighted rows\n"
    "      --model M             two-point, linear or both (default both)\n"
    "      --first T, --last T   the window: the periods from --first to --last, both\n"
    "                            included (default: the first and the last period of the\n"
    "                            data); the records of other periods are filtered\n"
    "      --event-study         instead, one record per period of the window:\n"
    "                            period,weighting,treated_mean,control_mean,difference,\n"
    "                            estimate,se,t,df,p,ci_low,ci_high,n,clusters; estimate is\n"
    "                            difference minus that of the first period (a regression on\n"
    "                            period dummies, treated and their products; the first\n"
    "                            period's estimate is 0, its se and what follows empty)\n"
    "\n"
    "Bad records (see --rejects): an empty unit or period; a treated that is not 0 or 1 or\n"
    "differs from the unit's first record; an outcome or weight that is empty or not a\n"
    "number; a negative weight; a unit and period given twice. Weighted fits leave out the\n"
    "records of weight 0. Status 1 without output: fewer than 2 units, fewer records than\n"
    "terms, a design that cannot be fitted (no treated or no control unit in a period the\n"
    "model needs, fewer than two periods in the window).\n"
    "\n"
    "--stats: records_used counts the records the models used, filtered those outside the\n"
    "window (and, for --model two-point, those between its two periods): records_in =\n"
    "records_used + filtered + rejected. Also units, treated_units and periods (in the window).\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel did --unit gemeente_code --time month --treated wijkteam --outcome per_1000 \\\n"
    "      --weight population wmo-panel.csv\n"
    "  koppel did --unit gemeente_code --time month --treated wijkteam --outcome per_1000 \\\n"
    "      --model linear wmo-panel.csv | koppel select --eq term=treated_x_time\n"
    "  koppel did --unit gemeente_code --time month --treated wijkteam --outcome per_1000 \\\n"
    "      --event-study --first 2015-01 --last 2017-12 -o event-study.csv wmo-panel.csv\n";

enum { OPT_UNIT = OPT_FILTER_BASE, OPT_TIME, OPT_TREATED, OPT_OUTCOME, OPT_WEIGHT, OPT_MODEL, OPT_FIRST,
       OPT_LAST, OPT_EVENT_STUDY };

static const struct option long_options[] = {
    {"unit", required_argument, NULL, OPT_UNIT},
    {"time", required_argument, NULL, OPT_TIME},
    {"treated", required_argument, NULL, OPT_TREATED},
    {"outcome", required_argument, NULL, OPT_OUTCOME},
    {"weight", required_argument, NULL, OPT_WEIGHT},
    {"model", required_argument, NULL, OPT_MODEL},
    {"first", required_argument, NULL, OPT_FIRST},
    {"last", required_argument, NULL, OPT_LAST},
    {"event-study", no_argument, NULL, OPT_EVENT_STUDY},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

enum { COLUMN_UNIT, COLUMN_TIME, COLUMN_TREATED, COLUMN_OUTCOME, COLUMN_WEIGHT, COLUMN_COUNT };
static const char *const column_options[COLUMN_COUNT] = {"--unit", "--time", "--treated", "--outcome", "--weight"};

typedef struct did_options {
    const char *column[COLUMN_COUNT]; /* names; the weight's NULL without --weight */
    size_t index[COLUMN_COUNT];
    bool two_point, linear, event_study;
    const char *first, *last;         /* NULL: the data's first and last period */
} did_options;

typedef struct did_unit {
    char *code;
    size_t index;
    int treated;
    long line; /* of its first record */
    UT_hash_handle hh;
} did_unit;

typedef struct did_period {
    char *label;
    size_t index;    /* in order of appearance */
    double value;    /* the label as a number, when it is one */
    bool numeric;
    size_t rank;     /* in the window: 0, 1, ...; SIZE_MAX outside it */
    UT_hash_handle hh;
} did_period;

typedef struct did_pair_key {
    size_t unit, period;
} did_pair_key;

typedef struct did_pair {
    did_pair_key key;
    long line;
    UT_hash_handle hh;
} did_pair;

typedef struct did_observation {
    size_t unit, period;
    double y, weight;
} did_observation;

typedef struct did_run {
    koppel_context ctx;
    did_options opt;
    record_reader *reader;
    const char *input_name;
    did_unit *units;          /* hash by code */
    did_unit **unit_list;     /* by index */
    size_t unit_count;
    did_period *periods;      /* hash by label */
    did_period **period_list; /* by index until sorted, then in period order */
    size_t period_count, window_count;
    did_pair *pairs;
    did_observation *observations;
    size_t observation_count, observation_capacity;
    uint64_t records_used;
} did_run;

/* ---------------------------------------------------------------- options */

static void parse_model(did_run *run, const char *arg)
{
    char shown[96];
    run->opt.two_point = strcmp(arg, "two-point") == 0 || strcmp(arg, "both") == 0;
    run->opt.linear = strcmp(arg, "linear") == 0 || strcmp(arg, "both") == 0;
    if (!run->opt.two_point && !run->opt.linear)
        koppel_usage_error(&run->ctx, "--model: %s is not a model; use two-point, linear or both",
                           showable_quoted(arg, strlen(arg), shown, sizeof shown));
}

static void parse_options(did_run *run, int argc, char **argv)
{
    did_options *opt = &run->opt;
    opt->two_point = opt->linear = true;
    bool model_given = false;
    int option;
    while ((option = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(&run->ctx, option, optarg))
            continue;
        if (option >= OPT_UNIT && option <= OPT_WEIGHT) {
            if (!*optarg)
                koppel_usage_error(&run->ctx, "%s expects a column name", column_options[option - OPT_UNIT]);
            opt->column[option - OPT_UNIT] = optarg;
        } else if (option == OPT_MODEL) {
            parse_model(run, optarg);
            model_given = true;
        } else if (option == OPT_FIRST || option == OPT_LAST) {
            if (!*optarg)
                koppel_usage_error(&run->ctx, "%s expects a period", option == OPT_FIRST ? "--first" : "--last");
            *(option == OPT_FIRST ? &opt->first : &opt->last) = optarg;
        } else if (option == OPT_EVENT_STUDY)
            opt->event_study = true;
    }
    for (size_t c = 0; c < COLUMN_WEIGHT; c++)
        if (!opt->column[c])
            koppel_usage_error(&run->ctx, "%s COL is required", column_options[c]);
    if (opt->event_study && model_given)
        koppel_usage_error(&run->ctx, "--event-study and --model exclude each other");
    for (size_t a = 0; a < COLUMN_COUNT; a++)
        for (size_t b = a + 1; b < COLUMN_COUNT; b++)
            if (opt->column[a] && opt->column[b] && strcmp(opt->column[a], opt->column[b]) == 0)
                koppel_usage_error(&run->ctx, "%s and %s name one column '%s'", column_options[a],
                                   column_options[b], opt->column[a]);
    if (argc - optind > 1)
        koppel_usage_error(&run->ctx, "one input FILE at most (or standard input)");
}

/* ---------------------------------------------------------------- records */

static did_unit *find_or_add_unit(did_run *run, const char *code, size_t length, int treated, long line)
{
    did_unit *unit;
    HASH_FIND(hh, run->units, code, length, unit);
    if (unit)
        return unit;
    unit = xcalloc(1, sizeof *unit);
    unit->code = xstrndup(code, length);
    unit->index = run->unit_count;
    unit->treated = treated;
    unit->line = line;
    HASH_ADD_KEYPTR(hh, run->units, unit->code, length, unit);
    run->unit_list = xrealloc(run->unit_list, (run->unit_count + 1) * sizeof *run->unit_list);
    run->unit_list[run->unit_count++] = unit;
    return unit;
}

static did_period *find_or_add_period(did_run *run, const char *label, size_t length)
{
    did_period *period;
    HASH_FIND(hh, run->periods, label, length, period);
    if (period)
        return period;
    period = xcalloc(1, sizeof *period);
    period->label = xstrndup(label, length);
    period->index = run->period_count;
    period->numeric = number_parse_double(label, length, &period->value);
    HASH_ADD_KEYPTR(hh, run->periods, period->label, length, period);
    run->period_list = xrealloc(run->period_list, (run->period_count + 1) * sizeof *run->period_list);
    run->period_list[run->period_count++] = period;
    return period;
}

/* The number in column C of RECORD into *VALUE; false with *REASON set when it is none. */
static bool read_number(const did_run *run, const record_t *record, size_t c, double *value, char *reason,
                        size_t size)
{
    size_t i = run->opt.index[c];
    if (record->lengths[i] == 0)
        snprintf(reason, size, "column '%s': empty (a missing value)", run->opt.column[c]);
    else if (!number_parse_double(record->fields[i], record->lengths[i], value))
        snprintf(reason, size, "column '%s': not a number", run->opt.column[c]);
    else if (c == COLUMN_WEIGHT && *value < 0)
        snprintf(reason, size, "column '%s': a negative weight", run->opt.column[c]);
    else
        return true;
    return false;
}

/* Check RECORD's fields; false with *REASON set (a column named, never a value) when it is bad. */
static bool read_fields(const did_run *run, const record_t *record, did_observation *observation, int *treated,
                        char *reason, size_t size)
{
    const did_options *opt = &run->opt;
    for (size_t c = COLUMN_UNIT; c <= COLUMN_TIME; c++)
        if (record->lengths[opt->index[c]] == 0) {
            snprintf(reason, size, "column '%s': empty (a missing value)", opt->column[c]);
            return false;
        }
    const char *flag = record->fields[opt->index[COLUMN_TREATED]];
    if (record->lengths[opt->index[COLUMN_TREATED]] != 1 || (flag[0] != '0' && flag[0] != '1')) {
        snprintf(reason, size, "column '%s': not 0 or 1", opt->column[COLUMN_TREATED]);
        return false;
    }
    *treated = flag[0] - '0';
    observation->weight = 1.0;
    return read_number(run, record, COLUMN_OUTCOME, &observation->y, reason, size) &&
           (!opt->column[COLUMN_WEIGHT] ||
            read_number(run, record, COLUMN_WEIGHT, &observation->weight, reason, size));
}

static void add_observation(did_run *run, const did_observation *observation)
{
    if (run->observation_count == run->observation_capacity) {
        run->observation_capacity = run->observation_capacity ? 2 * run->observation_capacity : 1024;
        run->observations = xrealloc(run->observations, run->observation_capacity * sizeof *run->observations);
    }
    run->observations[run->observation_count++] = *observation;
}

static void read_record(did_run *run, const record_t *record)
{
    const did_options *opt = &run->opt;
    did_observation observation;
    int treated;
    char reason[512];
    if (!read_fields(run, record, &observation, &treated, reason, sizeof reason)) {
        koppel_reject(&run->ctx, run->reader, record, "%s", reason);
        return;
    }
    size_t unit_field = opt->index[COLUMN_UNIT], time_field = opt->index[COLUMN_TIME];
    did_unit *unit = find_or_add_unit(run, record->fields[unit_field], record->lengths[unit_field], treated,
                                      record->line);
    if (unit->treated != treated) {
        koppel_reject(&run->ctx, run->reader, record,
                      "column '%s' differs from the unit's first record (line %ld): it must be the same "
                      "in every record of a unit", opt->column[COLUMN_TREATED], unit->line);
        return;
    }
    did_period *period = find_or_add_period(run, record->fields[time_field], record->lengths[time_field]);
    did_pair *pair;
    did_pair_key key = {unit->index, period->index};
    HASH_FIND(hh, run->pairs, &key, sizeof key, pair);
    if (pair) {
        koppel_reject(&run->ctx, run->reader, record, "columns '%s' and '%s': this unit and period occur twice "
                      "(first at line %ld)", opt->column[COLUMN_UNIT], opt->column[COLUMN_TIME], pair->line);
        return;
    }
    pair = xcalloc(1, sizeof *pair);
    pair->key = key;
    pair->line = record->line;
    HASH_ADD(hh, run->pairs, key, sizeof key, pair);
    observation.unit = unit->index;
    observation.period = period->index;
    add_observation(run, &observation);
}

/* ---------------------------------------------------------------- the window */

static int compare_text(const void *a, const void *b)
{
    return strcmp((*(did_period *const *)a)->label, (*(did_period *const *)b)->label);
}

static int compare_numbers(const void *a, const void *b)
{
    const did_period *x = *(did_period *const *)a, *y = *(did_period *const *)b;
    return x->value < y->value ? -1 : x->value > y->value ? 1 : strcmp(x->label, y->label);
}

/* LABEL against PERIOD in the order of the periods (NUMERIC: as numbers). */
static int compare_label(bool numeric, const char *label, const did_period *period)
{
    double value;
    if (numeric && number_parse_double(label, strlen(label), &value) && value != period->value)
        return value < period->value ? -1 : 1;
    return strcmp(label, period->label);
}

/* Sort the periods and rank those in the window (0, 1, ...; SIZE_MAX outside it). */
static void rank_periods(did_run *run)
{
    const did_options *opt = &run->opt;
    bool numeric = true;
    double value;
    for (size_t i = 0; i < run->period_count; i++)
        numeric = numeric && run->period_list[i]->numeric;
    for (size_t i = 0; i < 2; i++) {
        const char *bound = i ? opt->last : opt->first;
        numeric = numeric && (!bound || number_parse_double(bound, strlen(bound), &value));
    }
    if (run->period_count)
        qsort(run->period_list, run->period_count, sizeof *run->period_list, numeric ? compare_numbers : compare_text);
    if (opt->first && opt->last) {
        did_period last = {.label = (char *)opt->last, .numeric = numeric};
        if (numeric)
            number_parse_double(opt->last, strlen(opt->last), &last.value);
        if (compare_label(numeric, opt->first, &last) > 0)
            koppel_usage_error(&run->ctx, "--first comes after --last in the order of the periods");
    }
    run->window_count = 0;
    for (size_t i = 0; i < run->period_count; i++) {
        did_period *period = run->period_list[i];
        bool inside = (!opt->first || compare_label(numeric, opt->first, period) <= 0) &&
                      (!opt->last || compare_label(numeric, opt->last, period) >= 0);
        period->rank = inside ? run->window_count++ : SIZE_MAX;
    }
}

/* Is PERIOD used by a model of this run? */
static bool period_used(const did_run *run, const did_period *period)
{
    if (period->rank == SIZE_MAX)
        return false;
    if (run->opt.event_study || run->opt.linear)
        return true;
    return period->rank == 0 || period->rank + 1 == run->window_count;
}

/* The periods by index of appearance (the observations refer to them so) into RANK_OF. */
static size_t *ranks_by_index(const did_run *run)
{
    size_t *rank_of = xmalloc((run->period_count ? run->period_count : 1) * sizeof *rank_of);
    for (size_t i = 0; i < run->period_count; i++)
        rank_of[run->period_list[i]->index] = run->period_list[i]->rank;
    return rank_of;
}

static void count_used_records(did_run *run)
{
    size_t *rank_of = ranks_by_index(run);
    did_period probe = {0};
    for (size_t i = 0; i < run->observation_count; i++) {
        probe.rank = rank_of[run->observations[i].period];
        if (period_used(run, &probe))
            run->records_used++;
        else
            run->ctx.counts.filtered++;
    }
    free(rank_of);
}

/* ---------------------------------------------------------------- designs */

typedef enum { MODEL_TWO_POINT, MODEL_LINEAR, MODEL_EVENT_STUDY } did_model;
static const char *const model_names[] = {"two-point", "linear", "event-study"};

/* One model's data: the design's distinct rows (one per cell: period rank and treated), and the
 * cell, cluster, outcome and weight of each record it uses. */
typedef struct did_design {
    did_model model;
    bool weighted;
    gsl_matrix *cells; /* 2P x K: row 2 rank + treated; rows of periods the model leaves out are 0 */
    size_t records;
    size_t *cell, *cluster;
    double *y, *weights;
} did_design;

/* The time variable of a record whose period has RANK, in MODEL; -1 when the model does not use it. */
static double model_time(const did_run *run, did_model model, size_t rank)
{
    if (rank == SIZE_MAX)
        return -1;
    if (model == MODEL_TWO_POINT)
        return rank == 0 ? 0 : rank + 1 == run->window_count ? 1 : -1;
    return (double)rank;
}

static void design_row(gsl_matrix *x, size_t row, did_model model, int treated, double time, size_t rank)
{
    if (model != MODEL_EVENT_STUDY) {
        double values[4] = {1, treated * time, treated, time};
        for (size_t j = 0; j < 4; j++)
            gsl_matrix_set(x, row, j, values[j]);
        return;
    }
    /* intercept, treated, then per period after the first its dummy and its product with treated */
    gsl_matrix_set(x, row, 0, 1);
    gsl_matrix_set(x, row, 1, treated);
    if (rank > 0) {
        gsl_matrix_set(x, row, 2 * rank, 1);
        gsl_matrix_set(x, row, 2 * rank + 1, treated);
    }
}

/* Does DESIGN use observation O, whose period has RANK? A weighted design leaves out records of
 * weight 0: they add nothing to the fit and would count in N and G. */
static bool design_uses(const did_run *run, const did_design *design, const did_observation *o, size_t rank)
{
    return model_time(run, design->model, rank) >= 0 && (!design->weighted || o->weight > 0);
}

/* The design's cells and records; false (nothing allocated) when it uses no record. */
static bool build_design(const did_run *run, did_design *design)
{
    size_t *rank_of = ranks_by_index(run), rows = 0;
    size_t terms = design->model == MODEL_EVENT_STUDY ? 2 * run->window_count : 4;
    for (size_t i = 0; i < run->observation_count; i++)
        rows += design_uses(run, design, &run->observations[i], rank_of[run->observations[i].period]);
    if (rows == 0) {
        free(rank_of);
        return false;
    }
    design->cells = gsl_matrix_calloc(2 * run->window_count, terms);
    if (!design->cells)
        message_die_nomem();
    for (size_t rank = 0; rank < run->window_count; rank++) {
        double time = model_time(run, design->model, rank);
        for (int treated = 0; treated < 2 && time >= 0; treated++)
            design_row(design->cells, 2 * rank + (size_t)treated, design->model, treated, time, rank);
    }
    design->cell = xmalloc(rows * sizeof *design->cell);
    design->cluster = xmalloc(rows * sizeof *design->cluster);
    design->y = xmalloc(rows * sizeof *design->y);
    design->weights = xmalloc(rows * sizeof *design->weights);
    for (size_t i = 0; i < run->observation_count; i++) {
        const did_observation *o = &run->observations[i];
        size_t rank = rank_of[o->period], row = design->records;
        if (!design_uses(run, design, o, rank))
            continue;
        design->cell[row] = 2 * rank + (size_t)run->unit_list[o->unit]->treated;
        design->cluster[row] = o->unit;
        design->y[row] = o->y;
        design->weights[row] = design->weighted ? o->weight : 1.0;
        design->records++;
    }
    free(rank_of);
    return true;
}

static void free_design(did_design *design)
{
    gsl_matrix_free(design->cells);
    free(design->cell);
    free(design->cluster);
    free(design->y);
    free(design->weights);
}

/* ---------------------------------------------------------------- why a design fails */

/* The first period (in order) the model needs in which no treated (GROUP 1) or no control (GROUP
 * 0) unit has a record of positive weight; NULL when every one has both. */
static const did_period *empty_cell(const did_run *run, const did_design *design, int *group)
{
    size_t cells = 2 * run->window_count;
    unsigned char *seen = xcalloc(cells ? cells : 1, 1);
    size_t *rank_of = ranks_by_index(run);
    for (size_t i = 0; i < run->observation_count; i++) {
        const did_observation *o = &run->observations[i];
        size_t rank = rank_of[o->period];
        if (design_uses(run, design, o, rank))
            seen[2 * rank + run->unit_list[o->unit]->treated] = 1;
    }
    free(rank_of);
    const did_period *found = NULL;
    for (size_t i = 0; i < run->period_count && !found; i++) {
        const did_period *period = run->period_list[i];
        if (model_time(run, design->model, period->rank) < 0)
            continue;
        bool needed = design->model != MODEL_LINEAR;
        for (int g = 0; g < 2 && !found && needed; g++)
            if (!seen[2 * period->rank + g]) {
                found = period;
                *group = g;
            }
    }
    free(seen);
    return found;
}

/* "'2015-01' (1 of the window's 36)", or without the label when a message may not show it. */
static const char *period_name(const did_run *run, const did_period *period, char *buffer, size_t size)
{
    if (label_is_showable(period->label, strlen(period->label)))
        snprintf(buffer, size, "'%.40s' (%zu of the window's %zu)", period->label, period->rank + 1, run->window_count);
    else
        snprintf(buffer, size, "%zu of the window's %zu", period->rank + 1, run->window_count);
    return buffer;
}

_Noreturn static void design_failed(const did_run *run, const did_design *design, cluster_fit_status status)
{
    char what[64], shown[128];
    snprintf(what, sizeof what, "model %s (%s)", model_names[design->model],
             design->weighted ? "weighted" : "unweighted");
    if (design->records == 0)
        message_die(EXIT_DATA, "%s: %s: every record of the model's periods has weight 0", run->input_name, what);
    if (status == CLUSTER_FIT_FEW_CLUSTERS)
        message_die(EXIT_DATA, "%s: %s: fewer than 2 units%s: standard errors clustered on the unit need 2 at "
                    "least", run->input_name, what, design->weighted ? " with records of positive weight" : "");
    if (status == CLUSTER_FIT_FEW_RECORDS)
        message_die(EXIT_DATA, "%s: %s: %zu records for %zu terms: more records than terms are needed",
                    run->input_name, what, design->records, design->cells->size2);
    int group = 0;
    const did_period *period = empty_cell(run, design, &group);
    if (period)
        message_die(EXIT_DATA, "%s: %s: no %s unit has a record%s in period %s: the design is singular",
                    run->input_name, what, group ? "treated" : "control", design->weighted ? " of positive weight" : "",
                    period_name(run, period, shown, sizeof shown));
    message_die(EXIT_DATA, "%s: %s: the design is singular (no treated or no control unit, or one of them "
                "in one period only%s)", run->input_name, what, design->weighted ? ", or weights of 0" : "");
}

/* ---------------------------------------------------------------- fits and output */

typedef struct did_result {
    did_design design;
    cluster_fit fit;
} did_result;

static void fit_design(const did_run *run, did_result *result)
{
    if (!build_design(run, &result->design))
        design_failed(run, &result->design, CLUSTER_FIT_FEW_CLUSTERS);
    cluster_fit_status status =
        cluster_regression(result->design.cells, result->design.records, result->design.cell, result->design.y,
                           result->design.weights, result->design.cluster, run->unit_count, &result->fit);
    if (status != CLUSTER_FIT_OK)
        design_failed(run, &result->design, status);
}

static void write_double(record_writer *out, double value)
{
    char text[32];
    size_t length = number_format_double(value, text);
    record_writer_field(out, text, length);
}

static void write_count(record_writer *out, uint64_t value)
{
    char text[32];
    size_t length = number_format_int64((int64_t)value, text);
    record_writer_field(out, text, length);
}

/* estimate,se,t,df,p,ci_low,ci_high of term J. */
static void write_inference(record_writer *out, const cluster_fit *fit, size_t j)
{
    double estimate = gsl_vector_get(fit->beta, j);
    double se = sqrt(gsl_matrix_get(fit->covariance, j, j));
    double df = (double)(fit->clusters - 1), half = cluster_t_quantile(0.95, df) * se;
    write_double(out, estimate);
    write_double(out, se);
    if (se > 0) {
        write_double(out, estimate / se);
        write_count(out, fit->clusters - 1);
        write_double(out, cluster_p_value(estimate / se, df));
    } else { /* an exact fit: no t, no p */
        record_writer_field(out, "", 0);
        write_count(out, fit->clusters - 1);
        record_writer_field(out, "", 0);
    }
    write_double(out, estimate - half);
    write_double(out, estimate + half);
}

static void write_model_rows(record_writer *out, const did_result *result)
{
    static const char *const terms[] = {"intercept", "treated_x_time", "treated", "time"};
    for (size_t j = 0; j < 4; j++) {
        record_writer_field_str(out, model_names[result->design.model]);
        record_writer_field_str(out, result->design.weighted ? "weighted" : "unweighted");
        record_writer_field_str(out, terms[j]);
        write_inference(out, &result->fit, j);
        write_count(out, result->fit.records);
        write_count(out, result->fit.clusters);
        record_writer_end(out);
    }
}

/* The (weighted) mean outcome of the treated (GROUP 1) or control units per rank, into MEANS. */
static void cell_means(const did_run *run, const did_design *design, double *means)
{
    size_t cells = 2 * run->window_count, *rank_of = ranks_by_index(run);
    double *weights = xcalloc(cells, sizeof *weights);
    for (size_t c = 0; c < cells; c++)
        means[c] = 0;
    for (size_t i = 0; i < run->observation_count; i++) {
        const did_observation *o = &run->observations[i];
        size_t rank = rank_of[o->period];
        if (rank == SIZE_MAX)
            continue;
        double w = design->weighted ? o->weight : 1.0;
        size_t c = 2 * rank + (size_t)run->unit_list[o->unit]->treated;
        means[c] += w * o->y;
        weights[c] += w;
    }
    for (size_t c = 0; c < cells; c++)
        means[c] /= weights[c]; /* > 0: the fit found every cell */
    free(weights);
    free(rank_of);
}

static void write_event_rows(record_writer *out, const did_run *run, const did_result *result)
{
    double *means = xmalloc(2 * run->window_count * sizeof *means);
    cell_means(run, &result->design, means);
    for (size_t i = 0; i < run->period_count; i++) {
        const did_period *period = run->period_list[i];
        size_t rank = period->rank;
        if (rank == SIZE_MAX)
            continue;
        record_writer_field_str(out, period->label);
        record_writer_field_str(out, result->design.weighted ? "weighted" : "unweighted");
        write_double(out, means[2 * rank + 1]);
        write_double(out, means[2 * rank]);
        write_double(out, means[2 * rank + 1] - means[2 * rank]);
        if (rank > 0)
            write_inference(out, &result->fit, 2 * rank + 1);
        else { /* the reference period: 0 by definition */
            write_double(out, 0);
            for (size_t f = 0; f < 6; f++)
                record_writer_field(out, "", 0);
        }
        write_count(out, result->fit.records);
        write_count(out, result->fit.clusters);
        record_writer_end(out);
    }
    free(means);
}

static void write_header(did_run *run)
{
    static char *model_header[] = {"model", "weighting", "term", "estimate", "se", "t", "df", "p",
                                   "ci_low", "ci_high", "n", "clusters"};
    static char *event_header[] = {"period", "weighting", "treated_mean", "control_mean", "difference",
                                   "estimate", "se", "t", "df", "p", "ci_low", "ci_high", "n", "clusters"};
    if (run->opt.event_study)
        koppel_open_output(&run->ctx, event_header, sizeof event_header / sizeof *event_header);
    else
        koppel_open_output(&run->ctx, model_header, sizeof model_header / sizeof *model_header);
}

/* Fit every model and weighting of the run (all before any output), then write them. */
static void fit_and_write(did_run *run)
{
    did_result results[4];
    size_t count = 0;
    bool weighted = run->opt.column[COLUMN_WEIGHT] != NULL;
    did_model models[2] = {MODEL_TWO_POINT, MODEL_LINEAR};
    bool wanted[2] = {run->opt.two_point, run->opt.linear};
    if (run->opt.event_study) {
        models[0] = MODEL_EVENT_STUDY;
        wanted[1] = false;
    }
    if (run->window_count < 2)
        message_die(EXIT_DATA, "%s: the window holds %zu period%s; two at least are needed", run->input_name,
                    run->window_count, run->window_count == 1 ? "" : "s");
    for (size_t m = 0; m < 2; m++)
        for (int w = 0; w <= (int)weighted && wanted[m]; w++) {
            memset(&results[count], 0, sizeof results[count]);
            results[count].design.model = models[m];
            results[count].design.weighted = w;
            fit_design(run, &results[count++]);
        }
    write_header(run);
    for (size_t r = 0; r < count; r++) {
        if (run->opt.event_study)
            write_event_rows(run->ctx.out, run, &results[r]);
        else
            write_model_rows(run->ctx.out, &results[r]);
        cluster_fit_free(&results[r].fit);
        free_design(&results[r].design);
    }
}

/* ---------------------------------------------------------------- main */

static void free_run(did_run *run)
{
    did_unit *unit, *next_unit;
    HASH_ITER(hh, run->units, unit, next_unit) {
        HASH_DEL(run->units, unit);
        free(unit->code);
        free(unit);
    }
    did_period *period, *next_period;
    HASH_ITER(hh, run->periods, period, next_period) {
        HASH_DEL(run->periods, period);
        free(period->label);
        free(period);
    }
    did_pair *pair, *next_pair;
    HASH_ITER(hh, run->pairs, pair, next_pair) {
        HASH_DEL(run->pairs, pair);
        free(pair);
    }
    free(run->unit_list);
    free(run->period_list);
    free(run->observations);
}

int main(int argc, char **argv)
{
    did_run run;
    memset(&run, 0, sizeof run);
    koppel_init(&run.ctx, "did", usage);
    parse_options(&run, argc, argv);
    run.reader = koppel_open_input(&run.ctx, optind < argc ? argv[optind] : "-");
    run.input_name = record_reader_name(run.reader);
    for (size_t c = 0; c < COLUMN_COUNT; c++)
        if (run.opt.column[c])
            run.opt.index[c] = record_reader_column(run.reader, run.opt.column[c], column_options[c]);

    const record_t *record;
    while (record_reader_next(run.reader, &record)) {
        koppel_progress(&run.ctx);
        read_record(&run, record);
    }
    rank_periods(&run);
    count_used_records(&run);
    fit_and_write(&run);

    size_t treated_units = 0;
    for (size_t i = 0; i < run.unit_count; i++)
        treated_units += (size_t)run.unit_list[i]->treated;
    koppel_stats_int(&run.ctx, "records_used", (int64_t)run.records_used);
    koppel_stats_int(&run.ctx, "units", (int64_t)run.unit_count);
    koppel_stats_int(&run.ctx, "treated_units", (int64_t)treated_units);
    koppel_stats_int(&run.ctx, "periods", (int64_t)run.window_count);
    int status = koppel_finish(&run.ctx);
    record_reader_close(run.reader);
    free_run(&run);
    return status;
}
