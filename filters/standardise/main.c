/* standardise/main.c: koppel standardise — crude, directly and indirectly standardised rates and
 * proportions, and crude and directly standardised means of per-person counts, per group, with
 * confidence intervals and comparisons (docs/METHODS.md). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* uthash exits with status 255 and no message when a bucket array cannot be had: die
 * like the rest of koppel instead (status 3, "out of memory"; message.h comes below). */
#define uthash_fatal(msg) message_die_nomem()
#include <uthash.h>

#include "koppel.h"
#include "message.h"
#include "number.h"
#include "standard_population.h"
#include "stats.h"

static const char usage[] =
    "Usage: koppel standardise --method M --events COL --population COL [OPTIONS] [FILE]\n"
    "Crude, direct and indirect standardisation of rates and proportions, with intervals;\n"
    "crude and directly standardised means of per-person counts (contacts per person).\n"
    "\n"
    "Reads one record per group and stratum with a number of events and a population (for\n"
    "means: a number of persons and the sum and sum of squares of their values), as 'koppel\n"
    "aggregate' writes them, from FILE or standard input, and writes one record per group,\n"
    "in the order in which the groups first appear in the input.\n"
    "\n"
    "What to compute:\n"
    "      --method M              crude, direct or indirect (required)\n"
    "      --events COL            the number of events: a whole number of 0 or more (required)\n"
    "      --population COL        the population or person-time: a number of 0 or more (required)\n"
    "      --strata COL[,COL...]   the strata, e.g. age_band,sex (required for direct and\n"
    "                              indirect); a stratum may occur only once per group\n"
    "  -g, --group COL[,COL...]    the groups (default: the whole input is one group)\n"
    "      --measure rate|proportion|mean\n"
    "                              rate (default): events are Poisson counts; proportion: events\n"
    "                              out of the population (never more), Wilson limits for crude\n"
    "                              proportions, binomial variance for standardised ones; mean:\n"
    "                              the mean of a per-person count (contacts per person), whose\n"
    "                              variance comes from the data, not from a Poisson model: then\n"
    "                              --events is the sum of the values (a number of 0 or more),\n"
    "                              --population the number of persons (a whole number), and\n"
    "      --sumsq COL             the sum of the squares of the values (--measure mean only)\n"
    "      --multiplier M          rates per M (default 1000), proportions per M (default 100),\n"
    "                              means per M persons (default 1)\n"
    "      --confidence C          confidence level, between 0 and 1 (default 0.95)\n"
    "      --digits N              significant digits of the results, 1-17 (default 10)\n"
    "Direct standardisation:\n"
    "      --standard S            esp2013: the European Standard Population 2013, joined on the\n"
    "                                stratum column age_band with the labels of 'koppel derive\n"
    "                                --band age_band=age:esp2013' (0-4, 5-9, ..., 85-89, 90+);\n"
    "                              internal: per stratum the population of all groups together;\n"
    "                              FILE: a CSV with some of the strata columns and a weight\n"
    "      --weight-column NAME    the weight column of a standard FILE (default weight)\n"
    "                              A standard is joined on the strata columns it has; each value\n"
    "                              of the other strata columns (as they occur in the input) gets\n"
    "                              the full weight: esp2013 with --strata age_band,sex gives\n"
    "                              both sexes the ESP age structure.\n"
    "Indirect standardisation (rates and proportions):\n"
    "      --reference R           internal: the rates of all groups together per stratum; or\n"
    "                              FILE: a CSV with some of the strata columns and reference\n"
    "                              events and population, joined as a standard FILE is\n"
    "      --reference-events COL  events column of the reference FILE (default: as --events)\n"
    "      --reference-population COL\n"
    "                              population column of the reference FILE (default: as\n"
    "                              --population)\n"
    "Comparison:\n"
    "      --compare-to COL=VALUE  compare each group with the group whose COL (a -g column) is\n"
    "                              VALUE and whose other group columns are the same: ratio and\n"
    "                              difference of the rates (standardised, or crude for crude),\n"
    "                              with limits; significant is 1 when the ratio's interval\n"
    "                              excludes 1, else 0\n"
    "      --overlap IN_BOTH,EVENT_BOTH,EVENT_GROUP_ONLY,EVENT_REFERENCE_ONLY\n"
    "                              four columns of each compared record that count the persons\n"
    "                              who are in this group and in its reference group too (e.g.\n"
    "                              the patients of both years): how many (IN_BOTH), and of them\n"
    "                              how many had the event in both groups, in this group only,\n"
    "                              and in the reference group only. The comparison then allows\n"
    "                              for the correlation of the two proportions, which makes its\n"
    "                              intervals narrower when those persons tend to have the event\n"
    "                              in both. The reference group's records leave the four empty\n"
    "                              or 0. For --method crude --measure proportion, with\n"
    "                              --compare-to; IN_BOTH 0 gives the comparison without it.\n"
    "\n"
    "Output: the group columns, observed, population, crude_rate, crude_lower, crude_upper; for\n"
    "direct std_rate, std_lower, std_upper; for indirect expected, smr, smr_lower, smr_upper,\n"
    "std_rate, std_lower, std_upper (the indirectly standardised rate); with --compare-to ratio,\n"
    "ratio_lower, ratio_upper, difference, difference_lower, difference_upper, significant; and\n"
    "note, which says why a value is empty or clipped. Proportions and means are written in\n"
    "the same columns (crude_rate is then the crude proportion or mean; observed the sum of\n"
    "the values).\n"
    "\n"
    "Methods (docs/METHODS.md): limits on a count O by Byar's approximation when O >= 10 and\n"
    "exact (chi-square) limits when O < 10. DSR as Dobson et al. (1991), not reported when\n"
    "O < 10; its lower limit, below 0 with very uneven weights, is then clipped to 0 (noted).\n"
    "Standardised proportion with binomial variance and a normal interval (as Stata's\n"
    "dstdize; it is not clipped to 0..M). SMR = O/E with the limits on O divided by E;\n"
    "indirectly standardised rate = SMR x the reference's crude rate x M. Ratio limits from\n"
    "var(ln R) = var1/r1^2 + var0/r0^2, difference limits from var1 + var0; with --overlap\n"
    "less 2 cov, and 2 cov/(r1 r0) on the log scale, with cov = n_b (p11 - p1b p0b)/(n1 n0)\n"
    "from the overlap's shares with the event in both, in this group, in the reference group\n"
    "(partially overlapping samples, Derrick et al. 2015; with full overlap the Wald interval\n"
    "of paired proportions). A stratum with\n"
    "population 0 (or missing from a group) and a positive weight leaves the DSR empty and is\n"
    "named in the note; a stratum with weight 0 is no part of the DSR nor of its O.\n"
    "Means: per stratum the sample variance s2 = (sumsq - sum^2/n)/(n - 1); crude mean with\n"
    "variance s2/n; DSM = sum of w*mean / sum of w with variance sum of w^2*s2/n / (sum of w)^2;\n"
    "normal limits; ratio and difference as above. A stratum with a positive weight and only 1\n"
    "person has no sample variance: the group's DSM is then left empty and the note says so\n"
    "without naming the stratum (its count is below any publication threshold; no variance is\n"
    "invented); a group of 1 person has a crude mean without limits.\n"
    "\n"
    "Bad records (status 1 without --rejects): a number that is not one or is negative, events\n"
    "above 0 with population 0, events above the population for proportions, for means a\n"
    "number of persons that is not whole or a sum of squares below sum^2/n, a stratum that is\n"
    "not in the standard or the reference, a stratum repeated within a group. Such a record's\n"
    "group is still reported, with the number of its rejected records in the note. --overlap\n"
    "counts that are not whole numbers of 0 or more, or that cannot be: IN_BOTH above the\n"
    "population, the three event counts adding up to more than IN_BOTH, more persons in both\n"
    "groups with (or without) the event in this group than it has persons with (without) the\n"
    "event, overlap counts on a record of the reference group. Checked after reading, against\n"
    "the reference group (the run stops with status 1, --rejects or not): IN_BOTH above its\n"
    "population, more persons in both with (without) the event there than it has.\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel standardise --method direct --standard esp2013 --strata age_band,sex \\\n"
    "      -g district --events wmo_users --population persons --measure proportion \\\n"
    "      --compare-to district=Centrum counts.csv\n"
    "  koppel standardise --method direct --standard internal --strata age_band,sex -g ses \\\n"
    "      --events contacts --population persons --multiplier 1 counts.csv\n"
    "  koppel aggregate -g age_group,wmo_user,sex,ses_group --count --sum gp_contacts \\\n"
    "      --sumsq gp_contacts linked.csv \\\n"
    "    | koppel standardise --method direct --standard internal --strata sex,ses_group \\\n"
    "      -g age_group,wmo_user --measure mean --events sum_gp_contacts \\\n"
    "      --sumsq sumsq_gp_contacts --population count --compare-to wmo_user=0\n"
    "  koppel standardise --method crude --measure proportion -g condition,year \\\n"
    "      --events with_contact --population patients --compare-to year=2019 \\\n"
    "      --overlap in_both,contact_both,contact_2023_only,contact_2019_only patients.csv\n"
    "  koppel standardise --method indirect --reference nl-rates.csv --strata age_band \\\n"
    "      -g gemeente_code --events deaths --population persons --multiplier 100000 counts.csv\n"
    "\n"
    "--stats adds groups, strata and records_used: records_in = records_used + rejected (the\n"
    "output has one record per group, not per input record).\n";

enum { OPT_METHOD = OPT_FILTER_BASE, OPT_EVENTS, OPT_POPULATION, OPT_STRATA, OPT_STANDARD,
       OPT_WEIGHT_COLUMN, OPT_REFERENCE, OPT_REFERENCE_EVENTS, OPT_REFERENCE_POPULATION,
       OPT_MEASURE, OPT_SUMSQ, OPT_MULTIPLIER, OPT_CONFIDENCE, OPT_COMPARE_TO, OPT_OVERLAP,
       OPT_DIGITS };

static const struct option long_options[] = {
    {"method", required_argument, NULL, OPT_METHOD},
    {"events", required_argument, NULL, OPT_EVENTS},
    {"population", required_argument, NULL, OPT_POPULATION},
    {"strata", required_argument, NULL, OPT_STRATA},
    {"group", required_argument, NULL, 'g'},
    {"standard", required_argument, NULL, OPT_STANDARD},
    {"weight-column", required_argument, NULL, OPT_WEIGHT_COLUMN},
    {"reference", required_argument, NULL, OPT_REFERENCE},
    {"reference-events", required_argument, NULL, OPT_REFERENCE_EVENTS},
    {"reference-population", required_argument, NULL, OPT_REFERENCE_POPULATION},
    {"measure", required_argument, NULL, OPT_MEASURE},
    {"sumsq", required_argument, NULL, OPT_SUMSQ},
    {"multiplier", required_argument, NULL, OPT_MULTIPLIER},
    {"confidence", required_argument, NULL, OPT_CONFIDENCE},
    {"compare-to", required_argument, NULL, OPT_COMPARE_TO},
    {"overlap", required_argument, NULL, OPT_OVERLAP},
    {"digits", required_argument, NULL, OPT_DIGITS},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

typedef enum { METHOD_NONE, METHOD_CRUDE, METHOD_DIRECT, METHOD_INDIRECT } method_kind;

typedef struct options {
    method_kind method;
    const char *events, *population;
    char **strata;
    size_t strata_count;
    char **groups;
    size_t group_count;
    const char *standard;  /* esp2013, internal or a path */
    const char *weight_column;
    const char *reference; /* internal or a path */
    const char *reference_events, *reference_population;
    bool proportion;
    bool mean;            /* --measure mean */
    const char *sumsq;    /* its sum of squares column */
    double multiplier;
    bool multiplier_given;
    double confidence;
    int digits;
    char *compare_column; /* --compare-to COL=VALUE, split */
    const char *compare_value;
    size_t compare_index; /* position of compare_column among the group columns */
    char **overlap;       /* --overlap: the four columns, in the order of enum overlap_column */
    size_t overlap_count;
} options;

/* The columns of --overlap. */
enum overlap_column { OVERLAP_PERSONS, OVERLAP_EVENTS_BOTH, OVERLAP_EVENTS_GROUP_ONLY,
                      OVERLAP_EVENTS_REFERENCE_ONLY, OVERLAP_COLUMNS };

/* A stratum: the values of all strata columns. */
typedef struct stratum {
    char *key;
    size_t key_length;
    uint32_t index;
    bool in_data;
    double pooled_events, pooled_population; /* over all groups */
    double weight;                           /* direct */
    const standard_row *reference;           /* indirect with a reference FILE */
    UT_hash_handle hh;
} stratum;

/* A combination of values of the strata columns that a standard or reference does not have. */
typedef struct crossed_values {
    char *key;
    size_t key_length;
    struct crossed_values *next; /* order of first appearance */
    UT_hash_handle hh;
} crossed_values;

/* One input record that was accepted: a group's events and population in a stratum. */
typedef struct cell_id {
    uint32_t group, stratum;
} cell_id;

typedef struct cell {
    cell_id id;
    int64_t events;
    double sum, squares; /* --measure mean: of the persons' values (events is 0) */
    double population;
    stats_overlap overlap; /* --overlap */
    long line;
    stratum *stratum;
    struct cell *next_in_group;
    UT_hash_handle hh;
} cell;

/* Cells are allocated in blocks: the hash needs them to stay where they are. */
typedef struct cell_block {
    struct cell_block *next;
    size_t used;
    cell cells[1024];
} cell_block;

typedef struct group {
    char *key;
    size_t key_length;
    uint32_t index;
    uint64_t rejected;
    int64_t events_read; /* of the accepted records: a sum past INT64_MAX is refused */
    cell *cells, *last_cell;
    /* results */
    int64_t observed;
    double sum, squares; /* --measure mean */
    double population;
    stats_overlap overlap; /* --overlap: the sums of its records' */
    stats_estimate crude, standardised, smr;
    double expected;
    bool has_standardised; /* direct or indirect */
    char *note;
    size_t note_length;
    UT_hash_handle hh;
} group;

typedef struct standardise {
    koppel_context ctx;
    options opt;
    record_reader *reader;
    size_t events_index, population_index, sumsq_index;
    size_t overlap_index[OVERLAP_COLUMNS];
    size_t *strata_index, *group_index;
    standard_table standard, reference;
    bool standard_internal, reference_internal;
    stratum *strata; /* hash */
    stratum **strata_order;
    size_t strata_count, strata_capacity;
    crossed_values *crossed, *crossed_first, *crossed_last;
    group *groups; /* hash */
    group **group_order;
    size_t group_count, group_capacity;
    cell *cells; /* hash */
    cell_block *blocks;
    stratum **standard_strata; /* direct: the strata the DSR sums over, in a fixed order */
    size_t standard_strata_count;
    uint64_t records_used;
    stratum_key key, joined_key, crossed_key, label;
} standardise;

/* ---------------------------------------------------------------- options */

static double parse_positive(const koppel_context *ctx, const char *option, const char *text)
{
    double value;
    if (!number_parse_double(text, strlen(text), &value) || !(value > 0))
        koppel_usage_error(ctx, "%s: '%s' is not a number above 0", option, text);
    return value;
}

static void parse_options(standardise *run, int argc, char **argv)
{
    koppel_context *ctx = &run->ctx;
    options *opt = &run->opt;
    opt->confidence = 0.95;
    opt->digits = 10;
    opt->weight_column = "weight";
    int code;
    while ((code = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS "g:", long_options, NULL)) != -1) {
        if (koppel_common_option(ctx, code, optarg))
            continue;
        switch (code) {
        case OPT_METHOD:
            opt->method = strcmp(optarg, "crude") == 0      ? METHOD_CRUDE
                          : strcmp(optarg, "direct") == 0   ? METHOD_DIRECT
                          : strcmp(optarg, "indirect") == 0 ? METHOD_INDIRECT
                                                            : METHOD_NONE;
            if (opt->method == METHOD_NONE)
                koppel_usage_error(ctx, "--method: '%s' is not crude, direct or indirect", optarg);
            break;
        case OPT_EVENTS: opt->events = optarg; break;
        case OPT_POPULATION: opt->population = optarg; break;
        case OPT_STRATA:
            free(opt->strata);
            opt->strata = koppel_split_list(ctx, "--strata", optarg, &opt->strata_count);
            break;
        case 'g':
            free(opt->groups);
            opt->groups = koppel_split_list(ctx, "--group", optarg, &opt->group_count);
            break;
        case OPT_STANDARD: opt->standard = optarg; break;
        case OPT_WEIGHT_COLUMN: opt->weight_column = optarg; break;
        case OPT_REFERENCE: opt->reference = optarg; break;
        case OPT_REFERENCE_EVENTS: opt->reference_events = optarg; break;
        case OPT_REFERENCE_POPULATION: opt->reference_population = optarg; break;
        case OPT_MEASURE:
            if (strcmp(optarg, "rate") != 0 && strcmp(optarg, "proportion") != 0 && strcmp(optarg, "mean") != 0)
                koppel_usage_error(ctx, "--measure: '%s' is not rate, proportion or mean", optarg);
            opt->proportion = strcmp(optarg, "proportion") == 0;
            opt->mean = strcmp(optarg, "mean") == 0;
            break;
        case OPT_SUMSQ: opt->sumsq = optarg; break;
        case OPT_MULTIPLIER:
            opt->multiplier = parse_positive(ctx, "--multiplier", optarg);
            opt->multiplier_given = true;
            break;
        case OPT_CONFIDENCE:
            if (!number_parse_double(optarg, strlen(optarg), &opt->confidence) ||
                !(opt->confidence > 0 && opt->confidence < 1))
                koppel_usage_error(ctx, "--confidence: '%s' is not a level between 0 and 1, "
                                        "such as 0.95", optarg);
            break;
        case OPT_COMPARE_TO: {
            free(opt->compare_column);
            opt->compare_column = xstrdup(optarg);
            char *equals = strchr(opt->compare_column, '=');
            if (!equals || equals == opt->compare_column)
                koppel_usage_error(ctx, "--compare-to expects COL=VALUE, e.g. district=Centrum");
            *equals = '\0';
            opt->compare_value = equals + 1;
            break;
        }
        case OPT_OVERLAP:
            free(opt->overlap);
            opt->overlap = koppel_split_list(ctx, "--overlap", optarg, &opt->overlap_count);
            if (opt->overlap_count != OVERLAP_COLUMNS)
                koppel_usage_error(ctx, "--overlap expects four columns: IN_BOTH,EVENT_BOTH,"
                                        "EVENT_GROUP_ONLY,EVENT_REFERENCE_ONLY");
            break;
        case OPT_DIGITS: {
            int64_t digits;
            if (!number_parse_int64(optarg, strlen(optarg), &digits) || digits < 1 || digits > 17)
                koppel_usage_error(ctx, "--digits: '%s' is not a whole number from 1 to 17", optarg);
            opt->digits = (int)digits;
            break;
        }
        default:
            koppel_usage_error(ctx, "unexpected option");
        }
    }
    if (opt->method == METHOD_NONE)
        koppel_usage_error(ctx, "--method is required: crude, direct or indirect");
    if (!opt->events || !opt->population)
        koppel_usage_error(ctx, "--events and --population are required");
    if (opt->method != METHOD_CRUDE && !opt->strata)
        koppel_usage_error(ctx, "--method %s needs --strata",
                           opt->method == METHOD_DIRECT ? "direct" : "indirect");
    if (opt->method == METHOD_DIRECT && !opt->standard)
        koppel_usage_error(ctx, "--method direct needs --standard esp2013, internal or a FILE");
    if (opt->method != METHOD_DIRECT && opt->standard)
        koppel_usage_error(ctx, "--standard is for --method direct");
    if (opt->method == METHOD_INDIRECT && !opt->reference)
        koppel_usage_error(ctx, "--method indirect needs --reference internal or a FILE");
    if (opt->method != METHOD_INDIRECT && (opt->reference || opt->reference_events ||
                                           opt->reference_population))
        koppel_usage_error(ctx, "--reference and its columns are for --method indirect");
    if ((opt->standard && strcmp(opt->standard, "-") == 0) ||
        (opt->reference && strcmp(opt->reference, "-") == 0))
        koppel_usage_error(ctx, "a standard or reference must be a file, not standard input");
    if (opt->mean && !opt->sumsq)
        koppel_usage_error(ctx, "--measure mean needs --sumsq COL, the sum of the squares of the "
                                "values (koppel aggregate --sumsq)");
    if (opt->sumsq && !opt->mean)
        koppel_usage_error(ctx, "--sumsq is for --measure mean");
    if (opt->mean && opt->method == METHOD_INDIRECT)
        koppel_usage_error(ctx, "--measure mean has crude and direct standardisation, not indirect "
                                "(use --method direct)");
    if (!opt->multiplier_given)
        opt->multiplier = opt->proportion ? 100 : opt->mean ? 1 : 1000;
    if (!opt->reference_events)
        opt->reference_events = opt->events;
    if (!opt->reference_population)
        opt->reference_population = opt->population;
    if (opt->compare_column) {
        size_t i = 0;
        while (i < opt->group_count && strcmp(opt->groups[i], opt->compare_column) != 0)
            i++;
        if (i == opt->group_count)
            koppel_usage_error(ctx, "--compare-to: '%s' is not one of the -g columns",
                               opt->compare_column);
        opt->compare_index = i;
    }
    if (opt->overlap && !opt->compare_column)
        koppel_usage_error(ctx, "--overlap counts the persons a group shares with its --compare-to "
                                "reference group: it needs --compare-to");
    if (opt->overlap && (opt->method != METHOD_CRUDE || !opt->proportion))
        koppel_usage_error(ctx, "--overlap is for --method crude --measure proportion (the "
                                "covariance of other estimates is not provided)");
}

/* ---------------------------------------------------------------- standard and reference files */

/* "age_band=85-89, sex=F": the stratum KEY named by its strata columns: all of them, or only
 * the JOINED ones when that is not NULL. */
static const char *stratum_label(standardise *run, const char *key, const bool *joined)
{
    return stratum_key_label(&run->label, run->opt.strata, run->opt.strata_count, key, joined);
}

/* Read a standard (WEIGHT_COLUMN) or reference (EVENTS_COLUMN, POPULATION_COLUMN) file. */
static void load_table(standardise *run, standard_table *table, const char *path, const char *name,
                       const char *weight_column, const char *events_column,
                       const char *population_column, const char *unjoinable)
{
    standard_source source = {
        .path = path, .delimiter = run->ctx.delimiter, .name = name,
        .strata = run->opt.strata, .strata_count = run->opt.strata_count,
        .weight_column = weight_column, .events_column = events_column,
        .population_column = population_column, .unjoinable = unjoinable,
    };
    standard_table_load(table, &source);
}

static void load_standard_and_reference(standardise *run)
{
    const options *opt = &run->opt;
    if (opt->method == METHOD_DIRECT) {
        if (strcmp(opt->standard, "internal") == 0)
            run->standard_internal = true;
        else if (strcmp(opt->standard, "esp2013") == 0) {
            char *path = koppel_share_file("standards/esp2013.csv");
            char delimiter = run->ctx.delimiter;
            run->ctx.delimiter = ','; /* the shipped file is plain CSV whatever -d says */
            load_table(run, &run->standard, path, xstrdup("the standard esp2013"), "weight", NULL,
                       NULL, "the standard esp2013 is joined on a stratum column named age_band, as "
                             "'koppel derive --band age_band=AGE:esp2013' writes it; --strata has none");
            run->ctx.delimiter = delimiter;
            free(path);
        } else {
            char *name = xmalloc(strlen(opt->standard) + 16);
            sprintf(name, "the standard %s", opt->standard);
            load_table(run, &run->standard, opt->standard, name, opt->weight_column, NULL, NULL,
                       NULL);
        }
    } else if (opt->method == METHOD_INDIRECT) {
        if (strcmp(opt->reference, "internal") == 0)
            run->reference_internal = true;
        else {
            char *name = xmalloc(strlen(opt->reference) + 16);
            sprintf(name, "the reference %s", opt->reference);
            load_table(run, &run->reference, opt->reference, name, NULL, opt->reference_events,
                       opt->reference_population, NULL);
        }
    }
}

/* ---------------------------------------------------------------- records */

static group *find_or_add_group(standardise *run, const record_t *record)
{
    stratum_key_reset(&run->key);
    for (size_t i = 0; i < run->opt.group_count; i++)
        stratum_key_append(&run->key, record->fields[run->group_index[i]], record->lengths[run->group_index[i]]);
    group *g;
    HASH_FIND(hh, run->groups, run->key.bytes, run->key.length, g);
    if (g)
        return g;
    g = xcalloc(1, sizeof *g);
    g->key = xmalloc(run->key.length + 1);
    memcpy(g->key, run->key.bytes, run->key.length);
    g->key_length = run->key.length;
    g->index = (uint32_t)run->group_count;
    HASH_ADD_KEYPTR(hh, run->groups, g->key, g->key_length, g);
    if (run->group_count == run->group_capacity) {
        run->group_capacity = run->group_capacity ? run->group_capacity * 2 : 64;
        run->group_order = xrealloc(run->group_order, run->group_capacity * sizeof(group *));
    }
    run->group_order[run->group_count++] = g;
    return g;
}

static stratum *find_or_add_stratum(standardise *run, const char *key, size_t key_length)
{
    stratum *s;
    HASH_FIND(hh, run->strata, key, key_length, s);
    if (s)
        return s;
    s = xcalloc(1, sizeof *s);
    s->key = xmalloc(key_length + 1);
    memcpy(s->key, key, key_length);
    s->key_length = key_length;
    s->index = (uint32_t)run->strata_count;
    HASH_ADD_KEYPTR(hh, run->strata, s->key, s->key_length, s);
    if (run->strata_count == run->strata_capacity) {
        run->strata_capacity = run->strata_capacity ? run->strata_capacity * 2 : 64;
        run->strata_order = xrealloc(run->strata_order, run->strata_capacity * sizeof(stratum *));
    }
    run->strata_order[run->strata_count++] = s;
    return s;
}

static void note_crossed_values(standardise *run)
{
    crossed_values *c;
    HASH_FIND(hh, run->crossed, run->crossed_key.bytes, run->crossed_key.length, c);
    if (c)
        return;
    c = xcalloc(1, sizeof *c);
    c->key = xmalloc(run->crossed_key.length + 1);
    memcpy(c->key, run->crossed_key.bytes, run->crossed_key.length);
    c->key_length = run->crossed_key.length;
    HASH_ADD_KEYPTR(hh, run->crossed, c->key, c->key_length, c);
    if (run->crossed_last)
        run->crossed_last->next = c;
    else
        run->crossed_first = c;
    run->crossed_last = c;
}

static cell *new_cell(standardise *run)
{
    if (!run->blocks || run->blocks->used == sizeof run->blocks->cells / sizeof(cell)) {
        cell_block *block = xmalloc(sizeof *block);
        block->next = run->blocks;
        block->used = 0;
        run->blocks = block;
    }
    cell *c = &run->blocks->cells[run->blocks->used++];
    memset(c, 0, sizeof *c);
    return c;
}

/* The table (standard or reference FILE) that strata must be found in, or NULL. */
static const standard_table *joined_table(const standardise *run)
{
    if (run->opt.method == METHOD_DIRECT && !run->standard_internal)
        return &run->standard;
    if (run->opt.method == METHOD_INDIRECT && !run->reference_internal)
        return &run->reference;
    return NULL;
}

static void reject(standardise *run, group *g, const record_t *record, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reject(standardise *run, group *g, const record_t *record, const char *fmt, ...)
{
    char reason[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(reason, sizeof reason, fmt, args);
    va_end(args);
    g->rejected++;
    koppel_reject(&run->ctx, run->reader, record, "%s", reason);
}

/* What one accepted record holds: events (rates, proportions) or the sum and sum of squares of
 * the persons' values (means), and the population. */
typedef struct counts {
    int64_t events;
    double sum, squares, population;
    stats_overlap overlap; /* --overlap */
} counts;

/* A number of 0 or more from column INDEX (named NAME) into VALUE; false (and the record
 * rejected) when it is not one. */
static bool read_nonnegative(standardise *run, group *g, const record_t *record, size_t index,
                             const char *name, double *value)
{
    const char *text = record->fields[index];
    size_t length = record->lengths[index];
    bool is_number = number_parse_double(text, length, value);
    if (!is_number || *value < 0) {
        reject(run, g, record, "column '%s': %s, expected a number of 0 or more", name,
               length == 0 ? "empty" : is_number ? "negative" : "not a number");
        return false;
    }
    return true;
}

/* A whole number of 0 or more from column INDEX (named NAME) into VALUE; false (and the
 * record rejected) when it is not one. */
static bool read_whole(standardise *run, group *g, const record_t *record, size_t index,
                       const char *name, int64_t *value)
{
    const char *text = record->fields[index];
    size_t length = record->lengths[index];
    if (!number_parse_int64(text, length, value) || *value < 0) {
        reject(run, g, record, "column '%s': %s, expected a whole number of 0 or more", name,
               length == 0 ? "empty" : text[0] == '-' ? "negative" : "not a whole number");
        return false;
    }
    return true;
}

/* The record's events and population into EVENTS and POPULATION; false (and the record
 * rejected) when they are not counts a rate or proportion can be made of. */
static bool read_counts(standardise *run, group *g, const record_t *record, int64_t *events,
                        double *population)
{
    const options *opt = &run->opt;
    if (!read_whole(run, g, record, run->events_index, opt->events, events))
        return false;
    if (!read_nonnegative(run, g, record, run->population_index, opt->population, population))
        return false;
    if (*population == 0 && *events > 0) {
        reject(run, g, record, "column '%s' is above 0 while column '%s' is 0", opt->events,
               opt->population);
        return false;
    }
    if (opt->proportion && (double)*events > *population) {
        reject(run, g, record, "column '%s' is above column '%s': a proportion needs events out "
                               "of the population", opt->events, opt->population);
        return false;
    }
    return true;
}

/* --measure mean: the record's number of persons, and the sum and sum of squares of their
 * values; false (and the record rejected) when they cannot be those of any values. */
static bool read_mean_counts(standardise *run, group *g, const record_t *record, counts *values)
{
    const options *opt = &run->opt;
    if (!read_nonnegative(run, g, record, run->events_index, opt->events, &values->sum) ||
        !read_nonnegative(run, g, record, run->sumsq_index, opt->sumsq, &values->squares) ||
        !read_nonnegative(run, g, record, run->population_index, opt->population, &values->population))
        return false;
    double n = values->population;
    if (n != floor(n)) {
        reject(run, g, record, "column '%s': not a whole number, expected the number of persons",
               opt->population);
        return false;
    }
    if (n == 0 && (values->sum > 0 || values->squares > 0)) {
        reject(run, g, record, "columns '%s' and '%s' must be 0 while column '%s' is 0", opt->events,
               opt->sumsq, opt->population);
        return false;
    }
    /* Any n values have sum(y^2) >= sum(y)^2/n; a relative 1e-9 allows for rounded sums. */
    if (n > 0 && values->squares * n < values->sum * values->sum * (1 - 1e-9)) {
        reject(run, g, record, "column '%s' is below the square of column '%s' divided by column "
                               "'%s': not the sum of squares of those values", opt->sumsq, opt->events,
               opt->population);
        return false;
    }
    return true;
}

/* Whether RECORD is one of the --compare-to reference group's. */
static bool in_reference_group(const standardise *run, const record_t *record)
{
    size_t index = run->group_index[run->opt.compare_index];
    return record->lengths[index] == strlen(run->opt.compare_value) &&
           memcmp(record->fields[index], run->opt.compare_value, record->lengths[index]) == 0;
}

/* A record of the reference group shares no persons with itself: its --overlap columns are
 * empty or 0; false (and the record rejected) when they are not. */
static bool check_reference_overlap(standardise *run, group *g, const record_t *record)
{
    const options *opt = &run->opt;
    for (size_t i = 0; i < OVERLAP_COLUMNS; i++) {
        size_t index = run->overlap_index[i];
        int64_t value;
        if (record->lengths[index] == 0 ||
            (number_parse_int64(record->fields[index], record->lengths[index], &value) && value == 0))
            continue;
        reject(run, g, record, "column '%s': a record of the reference group (%s=%s) has no "
                               "overlap with itself, expected empty or 0", opt->overlap[i],
               opt->compare_column, opt->compare_value);
        return false;
    }
    return true;
}

/* --overlap: the record's counts of the persons in both groups into VALUES->overlap; false
 * (and the record rejected) when they are not counts or cannot be this record's (EVENTS out
 * of POPULATION). Their agreement with the reference group is checked once it is read. */
static bool read_overlap(standardise *run, group *g, const record_t *record, counts *values)
{
    const options *opt = &run->opt;
    if (in_reference_group(run, record))
        return check_reference_overlap(run, g, record);
    int64_t count[OVERLAP_COLUMNS];
    for (size_t i = 0; i < OVERLAP_COLUMNS; i++)
        if (!read_whole(run, g, record, run->overlap_index[i], opt->overlap[i], &count[i]))
            return false;
    stats_overlap *overlap = &values->overlap;
    *overlap = (stats_overlap){(double)count[OVERLAP_PERSONS], (double)count[OVERLAP_EVENTS_BOTH],
                               (double)count[OVERLAP_EVENTS_GROUP_ONLY],
                               (double)count[OVERLAP_EVENTS_REFERENCE_ONLY]};
    double with_event = overlap->events_both + overlap->events_group_only;
    const char *persons = opt->overlap[OVERLAP_PERSONS], *both = opt->overlap[OVERLAP_EVENTS_BOTH],
               *group_only = opt->overlap[OVERLAP_EVENTS_GROUP_ONLY],
               *reference_only = opt->overlap[OVERLAP_EVENTS_REFERENCE_ONLY];
    if (overlap->persons > values->population)
        reject(run, g, record, "column '%s' is above column '%s': more persons in both groups "
                               "than in this group", persons, opt->population);
    else if (with_event + overlap->events_reference_only > overlap->persons)
        reject(run, g, record, "columns '%s', '%s' and '%s' add up to more than column '%s': "
                               "each person in both groups is in one of them at most",
               both, group_only, reference_only, persons);
    else if (with_event > (double)values->events)
        reject(run, g, record, "columns '%s' and '%s' add up to more than column '%s': the persons "
                               "in both groups with the event in this group are some of its events",
               both, group_only, opt->events);
    else if (overlap->persons - with_event > values->population - (double)values->events)
        reject(run, g, record, "column '%s' less columns '%s' and '%s' is above column '%s' less "
                               "column '%s': more persons in both groups without the event in "
                               "this group than it has", persons, both, group_only, opt->population,
               opt->events);
    else
        return true;
    return false;
}

static bool read_any_counts(standardise *run, group *g, const record_t *record, counts *values)
{
    if (run->opt.mean)
        return read_mean_counts(run, g, record, values);
    return read_counts(run, g, record, &values->events, &values->population) &&
           (!run->opt.overlap || read_overlap(run, g, record, values));
}

/* The record's stratum as run->key; the values of the columns TABLE is joined on as
 * run->joined_key, the others as run->crossed_key. */
static void build_stratum_keys(standardise *run, const record_t *record, const standard_table *table)
{
    stratum_key_reset(&run->key);
    stratum_key_reset(&run->joined_key);
    stratum_key_reset(&run->crossed_key);
    for (size_t i = 0; i < run->opt.strata_count; i++) {
        const char *value = record->fields[run->strata_index[i]];
        size_t length = record->lengths[run->strata_index[i]];
        stratum_key_append(&run->key, value, length);
        if (table && table->joined[i])
            stratum_key_append(&run->joined_key, value, length);
        else
            stratum_key_append(&run->crossed_key, value, length);
    }
}

/* The accepted record as a cell of its group, in the group's order of records. */
static void add_cell(standardise *run, group *g, stratum *s, const record_t *record,
                     const counts *values)
{
    cell *c = new_cell(run);
    c->id = (cell_id){g->index, s->index};
    c->events = values->events;
    c->sum = values->sum;
    c->squares = values->squares;
    c->population = values->population;
    c->overlap = values->overlap;
    c->line = record->line;
    c->stratum = s;
    if (run->opt.strata_count)
        HASH_ADD(hh, run->cells, id, sizeof(cell_id), c);
    if (g->last_cell)
        g->last_cell->next_in_group = c;
    else
        g->cells = c;
    g->last_cell = c;
}

/* A stratum's first record ties it to its row of the standard or reference (ROW, NULL
 * without a file) and notes the values it is crossed with; every record adds to the pooled
 * counts that internal standards and references are made of. */
static void add_to_stratum(standardise *run, stratum *s, const standard_row *row,
                           const standard_table *table, double events, double population)
{
    if (!s->in_data) {
        s->in_data = true;
        s->reference = row;
        if (table)
            note_crossed_values(run);
    }
    s->pooled_events += events;
    s->pooled_population += population;
}

static void read_record(standardise *run, const record_t *record)
{
    group *g = find_or_add_group(run, record);
    counts values = {0};
    if (!read_any_counts(run, g, record, &values))
        return;
    const standard_table *table = joined_table(run);
    build_stratum_keys(run, record, table);
    const standard_row *row = NULL;
    if (table) {
        HASH_FIND(hh, table->rows, run->joined_key.bytes, run->joined_key.length, row);
        if (!row) {
            reject(run, g, record, "stratum %s is not in %s",
                   stratum_label(run, run->joined_key.bytes, table->joined), table->name);
            return;
        }
    }
    if (__builtin_add_overflow(g->events_read, values.events, &g->events_read)) {
        reject(run, g, record, "column '%s': the group's events add up to more than %lld", run->opt.events,
               (long long)INT64_MAX);
        return;
    }
    stratum *s = find_or_add_stratum(run, run->key.bytes, run->key.length);
    cell_id id = {g->index, s->index};
    cell *c = NULL;
    /* Without strata (crude rates) a group's records are simply added up. */
    if (run->opt.strata_count)
        HASH_FIND(hh, run->cells, &id, sizeof id, c);
    if (c) {
        reject(run, g, record, "stratum %s occurs twice in its group (first at line %ld)",
               stratum_label(run, s->key, NULL), c->line);
        return;
    }
    add_cell(run, g, s, record, &values);
    add_to_stratum(run, s, row, table, run->opt.mean ? values.sum : (double)values.events,
                   values.population);
    run->records_used++;
}

/* ---------------------------------------------------------------- the strata of the standard */

/* Direct standardisation sums over a fixed list of strata: the pooled strata of the input
 * (internal), or every row of the standard with every combination of the other strata
 * columns' values that occurs in the input. */
static void build_standard_strata(standardise *run)
{
    if (run->standard_internal) {
        run->standard_strata = xmalloc((run->strata_count + 1) * sizeof(stratum *));
        for (size_t i = 0; i < run->strata_count; i++) {
            run->strata_order[i]->weight = run->strata_order[i]->pooled_population;
            run->standard_strata[run->standard_strata_count++] = run->strata_order[i];
        }
        return;
    }
    const standard_table *table = &run->standard;
    const options *opt = &run->opt;
    crossed_values none = {0};
    none.key = "";
    crossed_values *first = run->crossed_first ? run->crossed_first : &none;
    for (size_t r = 0; r < table->row_count; r++) {
        const standard_row *row = table->order[r];
        for (crossed_values *c = first; c; c = c->next) {
            stratum_key_reset(&run->key);
            size_t joined_value = 0, crossed_value = 0;
            for (size_t i = 0; i < opt->strata_count; i++) {
                const char *value = table->joined[i] ? stratum_key_value(row->key, joined_value++)
                                                     : stratum_key_value(c->key, crossed_value++);
                stratum_key_append(&run->key, value, strlen(value));
            }
            stratum *s = find_or_add_stratum(run, run->key.bytes, run->key.length);
            s->weight = row->weight;
            run->standard_strata = xrealloc(run->standard_strata,
                                            (run->standard_strata_count + 1) * sizeof(stratum *));
            run->standard_strata[run->standard_strata_count++] = s;
        }
    }
}

/* ---------------------------------------------------------------- results */

static void add_note(group *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_note(group *g, const char *fmt, ...)
{
    char text[1024];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    size_t length = n < 0 ? 0 : (size_t)n >= sizeof text ? sizeof text - 1 : (size_t)n;
    g->note = xrealloc(g->note, g->note_length + length + 3);
    if (g->note_length) {
        memcpy(g->note + g->note_length, "; ", 2);
        g->note_length += 2;
    }
    memcpy(g->note + g->note_length, text, length);
    g->note_length += length;
    g->note[g->note_length] = '\0';
}

static void compute_crude(standardise *run, group *g)
{
    const options *opt = &run->opt;
    for (const cell *c = g->cells; c; c = c->next_in_group) {
        g->observed += c->events;
        g->sum += c->sum;
        g->squares += c->squares;
        g->population += c->population;
        g->overlap.persons += c->overlap.persons;
        g->overlap.events_both += c->overlap.events_both;
        g->overlap.events_group_only += c->overlap.events_group_only;
        g->overlap.events_reference_only += c->overlap.events_reference_only;
    }
    if (opt->mean) {
        g->crude = stats_crude_mean(g->population, g->sum, g->squares, opt->confidence, opt->multiplier);
        if (!(g->population > 0))
            add_note(g, "no persons: crude mean not defined");
        else if (g->population < 2)
            add_note(g, "1 person (no sample variance): crude limits not defined");
        return;
    }
    g->crude = opt->proportion
                   ? stats_crude_proportion((double)g->observed, g->population, opt->confidence,
                                            opt->multiplier)
                   : stats_crude_rate((double)g->observed, g->population, opt->confidence,
                                      opt->multiplier);
    if (!(g->population > 0))
        add_note(g, "population 0: crude %s not defined", opt->proportion ? "proportion" : "rate");
}

/* "population 0 in stratum age_band=85-89 and 2 more strata with positive weight: DSR not
 * defined": WHAT happened in COUNT strata, the first of them FIRST, and its CONSEQUENCE. */
static void note_strata(standardise *run, group *g, const char *what, const stratum *first, size_t count,
                        const char *consequence)
{
    const char *label = run->opt.strata_count ? stratum_label(run, first->key, NULL) : "";
    if (count == 1)
        add_note(g, "%s in stratum %s with positive weight: %s", what, label, consequence);
    else
        add_note(g, "%s in stratum %s and %zu more strata with positive weight: %s", what, label,
                 count - 1, consequence);
}

/* --measure mean: the directly standardised mean. A stratum with a positive weight and fewer
 * than 2 persons has no sample variance: the group's DSM is then not reported (no variance is
 * invented for it, nor borrowed from other strata). */
static void compute_direct_mean(standardise *run, group *g)
{
    stats_direct_mean sums = {0};
    size_t empty = 0, single = 0;
    const stratum *first_empty = NULL;
    for (size_t i = 0; i < run->standard_strata_count; i++) {
        const stratum *s = run->standard_strata[i];
        if (s->weight == 0)
            continue;
        cell_id id = {g->index, s->index};
        const cell *c;
        HASH_FIND(hh, run->cells, &id, sizeof id, c);
        if (!c || c->population == 0) {
            if (empty++ == 0)
                first_empty = s;
        } else if (c->population < 2) {
            single++;
        } else
            stats_direct_mean_add(&sums, c->population, c->sum, c->squares, s->weight);
    }
    g->has_standardised = true;
    g->standardised = stats_dsm(&sums, run->opt.confidence, run->opt.multiplier);
    if (empty)
        note_strata(run, g, "no persons", first_empty, empty, "standardised mean not defined");
    /* A stratum of one person is a count below any publication threshold: the note says how
     * many such strata there are, never which (no stratum is a cell of a published table). */
    if (single == 1)
        add_note(g, "a stratum with positive weight has fewer than 2 persons (no sample variance): "
                    "standardised mean not reported");
    else if (single)
        add_note(g, "%zu strata with positive weight have fewer than 2 persons (no sample variance): "
                    "standardised mean not reported", single);
    if (empty || single)
        g->standardised = (stats_estimate){NAN, NAN, NAN, NAN};
}

static void compute_direct(standardise *run, group *g)
{
    const options *opt = &run->opt;
    stats_direct sums = {0};
    size_t missing = 0;
    const stratum *first_missing = NULL;
    for (size_t i = 0; i < run->standard_strata_count; i++) {
        const stratum *s = run->standard_strata[i];
        if (s->weight == 0)
            continue;
        cell_id id = {g->index, s->index};
        const cell *c;
        HASH_FIND(hh, run->cells, &id, sizeof id, c);
        if (!c || c->population == 0) {
            if (missing++ == 0)
                first_missing = s;
            continue;
        }
        stats_direct_add(&sums, (double)c->events, c->population, s->weight);
    }
    g->has_standardised = true;
    if (missing) {
        g->standardised = (stats_estimate){NAN, NAN, NAN, NAN};
        note_strata(run, g, "population 0", first_missing, missing,
                    opt->proportion ? "standardised proportion not defined" : "DSR not defined");
        return;
    }
    if (opt->proportion) {
        g->standardised = stats_dsr_proportion(&sums, opt->confidence, opt->multiplier);
        return;
    }
    g->standardised = stats_dsr_rate(&sums, opt->confidence, opt->multiplier);
    /* Dobson's limits scale the limits of O by sqrt(var/O); with very uneven weights per event
     * the lower one falls below 0, which no rate can be. */
    if (g->standardised.lower < 0) {
        g->standardised.lower = 0;
        add_note(g, "Dobson lower limit below 0 (very uneven weights): clipped to 0");
    }
    if (sums.observed < STATS_BYAR_MINIMUM) {
        if (sums.observed == (double)g->observed)
            add_note(g, "O < %d: DSR not reported", STATS_BYAR_MINIMUM);
        else
            add_note(g, "O < %d in the strata with positive weight: DSR not reported",
                     STATS_BYAR_MINIMUM);
    }
}

static void compute_indirect(standardise *run, group *g, double reference_rate)
{
    const options *opt = &run->opt;
    double expected = 0;
    for (const cell *c = g->cells; c; c = c->next_in_group) {
        const stratum *s = c->stratum;
        double rate;
        if (s->reference)
            rate = s->reference->events / s->reference->population;
        else
            rate = s->pooled_population > 0 ? s->pooled_events / s->pooled_population : 0;
        expected += c->population * rate;
    }
    g->expected = expected;
    g->smr = stats_smr((double)g->observed, expected, opt->confidence);
    g->has_standardised = true;
    double scale = reference_rate * opt->multiplier;
    if (isnan(g->smr.estimate)) {
        g->standardised = g->smr;
        add_note(g, "expected 0: SMR not defined");
        return;
    }
    g->standardised.estimate = g->smr.estimate * scale;
    g->standardised.lower = g->smr.lower * scale;
    g->standardised.upper = g->smr.upper * scale;
    g->standardised.variance = g->smr.variance * scale * scale;
}

static double reference_crude_rate(const standardise *run)
{
    if (!run->reference_internal)
        return run->reference.events_total / run->reference.population_total;
    double events = 0, population = 0;
    for (size_t i = 0; i < run->strata_count; i++) {
        events += run->strata_order[i]->pooled_events;
        population += run->strata_order[i]->pooled_population;
    }
    return population > 0 ? events / population : 0;
}

static void compute_results(standardise *run)
{
    if (run->opt.method == METHOD_DIRECT)
        build_standard_strata(run);
    double reference_rate = run->opt.method == METHOD_INDIRECT ? reference_crude_rate(run) : 0;
    for (size_t i = 0; i < run->group_count; i++) {
        group *g = run->group_order[i];
        compute_crude(run, g);
        if (run->opt.method == METHOD_DIRECT && run->opt.mean)
            compute_direct_mean(run, g);
        else if (run->opt.method == METHOD_DIRECT)
            compute_direct(run, g);
        else if (run->opt.method == METHOD_INDIRECT)
            compute_indirect(run, g, reference_rate);
    }
}

/* ---------------------------------------------------------------- output */

static void write_number(standardise *run, double value)
{
    char text[40];
    if (isnan(value)) {
        record_writer_field(run->ctx.out, "", 0);
        return;
    }
    size_t length = number_format_double_digits(value, run->opt.digits, text);
    record_writer_field(run->ctx.out, text, length);
}

/* The output's column names: the group columns, then the results (COUNT of them). */
static char **output_header(const standardise *run, size_t *count)
{
    static const char *const base[] = {"observed", "population", "crude_rate", "crude_lower",
                                       "crude_upper"};
    static const char *const direct[] = {"std_rate", "std_lower", "std_upper"};
    static const char *const indirect[] = {"expected", "smr", "smr_lower", "smr_upper",
                                           "std_rate", "std_lower", "std_upper"};
    static const char *const compare[] = {"ratio", "ratio_lower", "ratio_upper", "difference",
                                          "difference_lower", "difference_upper", "significant"};
    char **header = xmalloc((run->opt.group_count + 32) * sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < run->opt.group_count; i++)
        header[n++] = run->opt.groups[i];
    for (size_t i = 0; i < 5; i++)
        header[n++] = (char *)base[i];
    if (run->opt.method == METHOD_DIRECT)
        for (size_t i = 0; i < 3; i++)
            header[n++] = (char *)direct[i];
    if (run->opt.method == METHOD_INDIRECT)
        for (size_t i = 0; i < 7; i++)
            header[n++] = (char *)indirect[i];
    if (run->opt.compare_column)
        for (size_t i = 0; i < 7; i++)
            header[n++] = (char *)compare[i];
    header[n++] = "note";
    *count = n;
    return header;
}

/* Before reading: a group column named twice or like a result would give the output two
 * columns of one name, which no filter downstream can read by name. */
static void check_output_header(const standardise *run)
{
    size_t count;
    char **header = output_header(run, &count);
    for (size_t i = 0; i < run->opt.group_count; i++)
        for (size_t j = i + 1; j < count; j++)
            if (strcmp(header[i], header[j]) == 0)
                koppel_usage_error(&run->ctx, "two columns of the output would be named '%s' (a group "
                                              "column given twice, or named like a result column)",
                                   header[i]);
    free(header);
}

static void write_header(standardise *run)
{
    size_t count;
    char **header = output_header(run, &count);
    koppel_open_output(&run->ctx, header, count);
    free(header);
}

/* The group to compare G with: its group values with VALUE in the --compare-to column. */
static const group *comparison_group(standardise *run, const group *g)
{
    stratum_key_reset(&run->key);
    for (size_t i = 0; i < run->opt.group_count; i++) {
        const char *value = i == run->opt.compare_index ? run->opt.compare_value
                                                        : stratum_key_value(g->key, i);
        stratum_key_append(&run->key, value, strlen(value));
    }
    const group *reference;
    HASH_FIND(hh, run->groups, run->key.bytes, run->key.length, reference);
    return reference;
}

/* --overlap: a group's persons in both groups must be some of its reference group's, with
 * and without the event there as they say. Known only once every record is read, so the run
 * stops (status 1) at the group's first record. */
static void check_overlap_against_reference(standardise *run, const group *g)
{
    const options *opt = &run->opt;
    const group *reference = comparison_group(run, g);
    const stats_overlap *overlap = &g->overlap;
    if (!reference || reference == g || overlap->persons == 0)
        return;
    double with_event = overlap->events_both + overlap->events_reference_only;
    const char *persons = opt->overlap[OVERLAP_PERSONS], *both = opt->overlap[OVERLAP_EVENTS_BOTH],
               *reference_only = opt->overlap[OVERLAP_EVENTS_REFERENCE_ONLY];
    const char *together = g->cells != g->last_cell ? " (the group's records together)" : "";
    const char *name = record_reader_name(run->reader);
    long line = g->cells->line;
    if (overlap->persons > reference->population)
        message_die_at(EXIT_DATA, name, line, "column '%s'%s is above the reference group's column "
                                              "'%s': more persons in both groups than in the "
                                              "reference group", persons, together, opt->population);
    if (with_event > (double)reference->observed)
        message_die_at(EXIT_DATA, name, line, "columns '%s' and '%s'%s add up to more than the "
                                              "reference group's column '%s': the persons in both "
                                              "groups with the event in the reference group are "
                                              "some of its events", both, reference_only, together,
                       opt->events);
    if (overlap->persons - with_event > reference->population - (double)reference->observed)
        message_die_at(EXIT_DATA, name, line, "column '%s' less columns '%s' and '%s'%s is above "
                                              "the reference group's column '%s' less column '%s': "
                                              "more persons in both groups without the event in "
                                              "the reference group than it has", persons, both,
                       reference_only, together, opt->population, opt->events);
}

static void write_comparison(standardise *run, group *g)
{
    const group *reference = comparison_group(run, g);
    const stats_estimate *mine = g->has_standardised ? &g->standardised : &g->crude;
    const stats_estimate *theirs = reference ? (reference->has_standardised ? &reference->standardised
                                                                           : &reference->crude)
                                             : NULL;
    stats_comparison c = {NAN, NAN, NAN, NAN, NAN, NAN, -1};
    if (reference == g) {
        c.ratio = 1;
        c.difference = 0;
        add_note(g, "reference group of the comparison");
    } else if (!reference) {
        add_note(g, "no reference group with %s=%s: no comparison", run->opt.compare_column,
                 run->opt.compare_value);
    } else if (isnan(mine->estimate) || isnan(theirs->estimate)) {
        add_note(g, "%s: no comparison", isnan(mine->estimate) ? "no rate for this group"
                                                               : "no rate for the reference group");
    } else if (isnan(mine->variance) || isnan(theirs->variance)) {
        add_note(g, "%s: no comparison", isnan(mine->variance) ? "no variance for this group"
                                                               : "no variance for the reference group");
    } else {
        double covariance = run->opt.overlap ? stats_overlap_covariance(&g->overlap, g->population,
                                                                        reference->population,
                                                                        run->opt.multiplier)
                                             : 0.0;
        c = stats_compare_correlated(mine, theirs, covariance, run->opt.confidence);
        if (c.significant < 0)
            add_note(g, "rate 0: no ratio");
    }
    write_number(run, c.ratio);
    write_number(run, c.ratio_lower);
    write_number(run, c.ratio_upper);
    write_number(run, c.difference);
    write_number(run, c.difference_lower);
    write_number(run, c.difference_upper);
    record_writer_field_str(run->ctx.out, c.significant < 0 ? "" : c.significant ? "1" : "0");
}

static void write_group(standardise *run, group *g)
{
    record_writer *out = run->ctx.out;
    for (size_t i = 0; i < run->opt.group_count; i++)
        record_writer_field_str(out, stratum_key_value(g->key, i));
    char text[40];
    if (run->opt.mean)
        record_writer_field(out, text, number_format_double(g->sum, text));
    else
        record_writer_field(out, text, number_format_int64(g->observed, text));
    record_writer_field(out, text, number_format_double(g->population, text));
    write_number(run, g->crude.estimate);
    write_number(run, g->crude.lower);
    write_number(run, g->crude.upper);
    if (run->opt.method == METHOD_INDIRECT) {
        write_number(run, g->expected);
        write_number(run, g->smr.estimate);
        write_number(run, g->smr.lower);
        write_number(run, g->smr.upper);
    }
    if (run->opt.method != METHOD_CRUDE) {
        write_number(run, g->standardised.estimate);
        write_number(run, g->standardised.lower);
        write_number(run, g->standardised.upper);
    }
    if (g->rejected)
        add_note(g, "%llu input record%s of this group rejected", (unsigned long long)g->rejected,
                 g->rejected == 1 ? "" : "s");
    if (run->opt.compare_column)
        write_comparison(run, g);
    record_writer_field_str(out, g->note ? g->note : "");
    record_writer_end(out);
}

/* ---------------------------------------------------------------- main */

static void resolve_columns(standardise *run)
{
    const options *opt = &run->opt;
    run->events_index = record_reader_column(run->reader, opt->events, "--events");
    run->population_index = record_reader_column(run->reader, opt->population, "--population");
    if (opt->mean)
        run->sumsq_index = record_reader_column(run->reader, opt->sumsq, "--sumsq");
    run->strata_index = xmalloc((opt->strata_count + 1) * sizeof(size_t));
    for (size_t i = 0; i < opt->strata_count; i++)
        run->strata_index[i] = record_reader_column(run->reader, opt->strata[i], "--strata");
    run->group_index = xmalloc((opt->group_count + 1) * sizeof(size_t));
    for (size_t i = 0; i < opt->group_count; i++)
        run->group_index[i] = record_reader_column(run->reader, opt->groups[i], "--group");
    for (size_t i = 0; i < opt->overlap_count; i++)
        run->overlap_index[i] = record_reader_column(run->reader, opt->overlap[i], "--overlap");
}

static void check_comparison_value(standardise *run)
{
    const options *opt = &run->opt;
    for (size_t i = 0; i < run->group_count; i++)
        if (strcmp(stratum_key_value(run->group_order[i]->key, opt->compare_index), opt->compare_value) == 0)
            return;
    message_die(EXIT_USAGE, "--compare-to %s=%s: no group has this value", opt->compare_column,
                opt->compare_value);
}

static void free_run(standardise *run)
{
    stratum *s, *next_stratum;
    HASH_ITER(hh, run->strata, s, next_stratum) {
        HASH_DEL(run->strata, s);
        free(s->key);
        free(s);
    }
    crossed_values *c, *next_crossed;
    HASH_ITER(hh, run->crossed, c, next_crossed) {
        HASH_DEL(run->crossed, c);
        free(c->key);
        free(c);
    }
    group *g, *next_group;
    HASH_ITER(hh, run->groups, g, next_group) {
        HASH_DEL(run->groups, g);
        free(g->key);
        free(g->note);
        free(g);
    }
    HASH_CLEAR(hh, run->cells);
    while (run->blocks) {
        cell_block *next = run->blocks->next;
        free(run->blocks);
        run->blocks = next;
    }
    free((char *)run->standard.name);
    free((char *)run->reference.name);
    standard_table_free(&run->standard);
    standard_table_free(&run->reference);
    free(run->strata_order);
    free(run->group_order);
    free(run->standard_strata);
    free(run->strata_index);
    free(run->group_index);
    free(run->key.bytes);
    free(run->joined_key.bytes);
    free(run->crossed_key.bytes);
    free(run->label.bytes);
    free(run->opt.strata);
    free(run->opt.groups);
    free(run->opt.compare_column);
    free(run->opt.overlap);
}

static const char *method_name(method_kind method)
{
    return method == METHOD_CRUDE ? "crude" : method == METHOD_DIRECT ? "direct" : "indirect";
}

int main(int argc, char **argv)
{
    standardise run;
    memset(&run, 0, sizeof run);
    koppel_init(&run.ctx, "standardise", usage);
    parse_options(&run, argc, argv);
    if (argc - optind > 1)
        koppel_usage_error(&run.ctx, "one input FILE at most (or standard input)");
    run.reader = koppel_open_input(&run.ctx, optind < argc ? argv[optind] : "-");
    resolve_columns(&run);
    check_output_header(&run);
    load_standard_and_reference(&run);

    const record_t *record;
    while (record_reader_next(run.reader, &record)) {
        koppel_progress(&run.ctx);
        read_record(&run, record);
    }
    if (run.opt.compare_column)
        check_comparison_value(&run);
    compute_results(&run);
    if (run.opt.overlap)
        for (size_t i = 0; i < run.group_count; i++)
            check_overlap_against_reference(&run, run.group_order[i]);
    write_header(&run);
    for (size_t i = 0; i < run.group_count; i++)
        write_group(&run, run.group_order[i]);

    koppel_stats_string(&run.ctx, "method", method_name(run.opt.method));
    koppel_stats_string(&run.ctx, "measure", run.opt.proportion ? "proportion" : run.opt.mean ? "mean" : "rate");
    koppel_stats_int(&run.ctx, "groups", (int64_t)run.group_count);
    koppel_stats_int(&run.ctx, "strata", (int64_t)(run.opt.method == METHOD_DIRECT
                                                       ? run.standard_strata_count
                                                       : run.strata_count));
    koppel_stats_int(&run.ctx, "records_used", (int64_t)run.records_used);
    int status = koppel_finish(&run.ctx);
    record_reader_close(run.reader);
    free_run(&run);
    return status;
}
