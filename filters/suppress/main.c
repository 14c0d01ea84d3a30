/* suppress/main.c: koppel suppress — primary and secondary cell suppression for a table with
 * margins, proven safe by the attacker's linear program; --audit checks any table's pattern. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koppel.h"
#include "message.h"
#include "number.h"
#include "sdc.h"

static const char usage[] =
    "Usage: koppel suppress --dims COL[,COL...] [OPTIONS] [FILE]\n"
    "Protect a table with margins: primary and secondary suppression, proven by the attacker's LP.\n"
    "\n"
    "Reads a table with its margins, one record per cell, as `koppel aggregate --totals` writes\n"
    "it: the dimension columns hold a code or the total label. Every combination of codes must\n"
    "be present and every margin must be the sum of its parts. Writes every record in input\n"
    "order with a column 'status': s publishable, u primary (unsafe by a rule), x secondary\n"
    "(suppressed so that no u cell can be worked out); suppressed values are blanked.\n"
    "\n"
    "Table:\n"
    "      --dims COL[,COL...]   dimension columns (required)\n"
    "      --total LABEL         label of the margins in the dimension columns (default Total)\n"
    "      --hierarchy COL       COL's codes nest: a code's parent is the longest other code of\n"
    "                            COL that is a proper prefix of it once leading letters are\n"
    "                            stripped (BU03630000 in WK036300 in GM0363); top codes sum to\n"
    "                            the total. May be repeated\n"
    "      --by COL[,COL...]     columns without margins that split the input into separate\n"
    "                            tables (a year, a measure name)\n"
    "      --count COL[,COL...]  the count columns (default count; may be repeated): a numerator\n"
    "                            and its denominator (linked,persons) are each checked by the\n"
    "                            primary rules and protected along their own margins; a\n"
    "                            suppressed cell hides all its counts\n"
    "      --unpublished COL     COL names, per record, the counts that cell does not publish\n"
    "                            (linked tables: a count one table shows and another does not;\n"
    "                            space-separated): the primary rules skip them there, but the\n"
    "                            attacker is still taken to know them (the safe side); they\n"
    "                            are blanked in the output (COL stays, for --audit)\n"
    "      --value COL           a magnitude column (costs, hours) for --dominance, --p-percent\n"
    "      --top COL[,COL...]    the largest contributions to --value per cell, largest first\n"
    "                            (top1_cost,top2_cost); individual values, so never written out\n"
    "      --blank COL[,COL...]  further columns to blank with a suppressed cell (rates, means)\n"
    "      --depends COL[,COL...]=DIM:CODE[,DIM:CODE...]\n"
    "                            the columns are computed from the record's cell and the cell\n"
    "                            with CODE in each DIM, its other codes the same: a comparison\n"
    "                            with a reference group (ratio=ses:5), a change against a\n"
    "                            reference year (change=year:2019), a share of a margin\n"
    "                            (pct=contact:Total), a change of shares (change=year:2019 and\n"
    "                            change=year:2019,contact:Total); they are blanked when either\n"
    "                            cell is suppressed (may be repeated)\n"
    "      --linked              the input stacks several tables of one population, one record\n"
    "                            per cell, with the total label in the dimensions a table does\n"
    "                            not break down by (by district and by ses: district=d,ses=Total\n"
    "                            and district=Total,ses=s); the cells are the combinations within\n"
    "                            each table, a margin binds only where all its parts are cells,\n"
    "                            and the tables are protected together: no cell of one can be\n"
    "                            worked out with the help of another\n"
    "      --fill-zeros          combinations without a record are cells with count 0 (and value\n"
    "                            0) that the reader sees as zero, so they are published, never\n"
    "                            suppressed; without it they are an error\n"
    "Primary rules (a cell is unsafe when any rule says so):\n"
    "      --threshold N         fewer than N units (default 10; 0 switches the rule off)\n"
    "      --zeros safe|unsafe   whether a zero count is unsafe (default safe)\n"
    "      --dominance N,K       the N largest contributions exceed K% of the value (e.g. 2,85)\n"
    "      --p-percent P         value - x1 - x2 < P% of x1 (e.g. 10)\n"
    "      A column named by --status-column in the input is honoured: u marks a cell unsafe,\n"
    "      z forces it to be published (never suppressed), x keeps it suppressed (a pattern\n"
    "      found together with linked tables); s and empty leave it to the rules.\n"
    "Secondary suppression:\n"
    "      --protection P        protection level: the attacker's interval for a primary cell\n"
    "                            with value v must reach v - P*v and v + P*v, at least one unit\n"
    "                            either way and never below zero (default 0.30)\n"
    "      --protect WHAT        count, value or both: the measures to protect (default count,\n"
    "                            both with --value)\n"
    "      --method M            optimal (a MIP: fewest suppressed cells), heuristic (hypercubes\n"
    "                            and protection LPs, for large tables) or auto (default: optimal\n"
    "                            up to 1500 cells)\n"
    "      --cost cells|value    minimise the number of suppressed cells, then their total\n"
    "                            (default), or their total value\n"
    "      --cost-weight COL     multiply each cell's cost by the number in COL (above 0): 100\n"
    "                            keeps a reference group of the comparisons published unless\n"
    "                            nothing else protects; unlike status z it never makes a\n"
    "                            table impossible to protect\n"
    "      --singletons yes|no   a person alone in a suppressed cell knows its value: where a\n"
    "                            margin's only other suppressed cell could be worked out that\n"
    "                            way and is primary, or in another margin too (where it could\n"
    "                            open a primary cell), suppress one more cell (default yes)\n"
    "      --time-limit S        seconds for the whole run (default 60; 0: none): past it the\n"
    "                            optimal method settles for the best protected pattern found\n"
    "                            so far, the heuristic protects the primary cells left by\n"
    "                            hypercubes alone and skips its check with the attacker's LP\n"
    "                            (time_limit_reached and verified in --stats)\n"
    "Output:\n"
    "      --status-column NAME  name of the status column (default status)\n"
    "      --mark TEXT           write TEXT instead of blanking a suppressed value\n"
    "      --round B             round published counts to a multiple of B (half up); this is\n"
    "                            separate from suppression: margins are rounded on their own\n"
    "                            and no longer add up exactly\n"
    "Audit:\n"
    "      --audit               check the pattern of FILE's status column instead: print each\n"
    "                            suppressed cell's interval and whether it is protected; exit\n"
    "                            status 1 if any primary cell is not. The report shows the true\n"
    "                            values: it is for the output checker, not for publication.\n"
    "                            With --linked it attacks the whole set of tables at once;\n"
    "                            with --depends a published value computed with a suppressed\n"
    "                            cell is a disclosure too\n"
    "      --original FILE       the unsuppressed table, for the values of suppressed cells;\n"
    "                            without it (suppressed cells blank) only exact disclosure is\n"
    "                            checked: a primary cell the attacker works out exactly\n"
    "      --code FOREIGN=OURS   read another tool's status code as one of s, u, x, z (may be\n"
    "                            repeated, e.g. --code S=s --code U=u --code M=x)\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel aggregate -g wijk,sex --totals persons.csv |\n"
    "      koppel suppress --dims wijk,sex --fill-zeros --stats stats.json -o published.csv\n"
    "  koppel suppress --dims wijk,age_band --value cost --top top1_cost,top2_cost \\\n"
    "      --dominance 2,85 --p-percent 10 --blank mean_cost costs.csv > published.csv\n"
    "  koppel suppress --dims area,sex --hierarchy area --method heuristic areas.csv\n"
    "  koppel suppress --audit --dims wijk,sex --original table.csv published.csv\n"
    "\n"
    "--stats adds cells, primary (and per rule), secondary, suppressed_count (the first count) and\n"
    "suppressed_value (information lost), method, whether the pattern is proven optimal,\n"
    "verified (the output's pattern checked with the attacker's LP) and time_limit_reached.\n"
    "The attacker knows the published cells, that margins add up and that no cell is negative.\n";

enum {
    OPT_DIMS = OPT_FILTER_BASE, OPT_TOTAL, OPT_HIERARCHY, OPT_BY, OPT_COUNT, OPT_VALUE, OPT_TOP,
    OPT_BLANK, OPT_FILL_ZEROS, OPT_THRESHOLD, OPT_ZEROS, OPT_DOMINANCE, OPT_P_PERCENT,
    OPT_PROTECTION, OPT_PROTECT, OPT_METHOD, OPT_COST, OPT_TIME_LIMIT, OPT_STATUS_COLUMN, OPT_MARK,
    OPT_ROUND, OPT_AUDIT, OPT_ORIGINAL, OPT_CODE, OPT_SINGLETONS, OPT_LINKED, OPT_DEPENDS,
    OPT_UNPUBLISHED, OPT_COST_WEIGHT,
};

static const struct option long_options[] = {
    {"dims", required_argument, NULL, OPT_DIMS},
    {"total", required_argument, NULL, OPT_TOTAL},
    {"hierarchy", required_argument, NULL, OPT_HIERARCHY},
    {"by", required_argument, NULL, OPT_BY},
    {"count", required_argument, NULL, OPT_COUNT},
    {"value", required_argument, NULL, OPT_VALUE},
    {"top", required_argument, NULL, OPT_TOP},
    {"blank", required_argument, NULL, OPT_BLANK},
    {"fill-zeros", no_argument, NULL, OPT_FILL_ZEROS},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"zeros", required_argument, NULL, OPT_ZEROS},
    {"dominance", required_argument, NULL, OPT_DOMINANCE},
    {"p-percent", required_argument, NULL, OPT_P_PERCENT},
    {"protection", required_argument, NULL, OPT_PROTECTION},
    {"protect", required_argument, NULL, OPT_PROTECT},
    {"method", required_argument, NULL, OPT_METHOD},
    {"cost", required_argument, NULL, OPT_COST},
    {"time-limit", required_argument, NULL, OPT_TIME_LIMIT},
    {"status-column", required_argument, NULL, OPT_STATUS_COLUMN},
    {"mark", required_argument, NULL, OPT_MARK},
    {"round", required_argument, NULL, OPT_ROUND},
    {"audit", no_argument, NULL, OPT_AUDIT},
    {"original", required_argument, NULL, OPT_ORIGINAL},
    {"code", required_argument, NULL, OPT_CODE},
    {"singletons", required_argument, NULL, OPT_SINGLETONS},
    {"linked", no_argument, NULL, OPT_LINKED},
    {"depends", required_argument, NULL, OPT_DEPENDS},
    {"unpublished", required_argument, NULL, OPT_UNPUBLISHED},
    {"cost-weight", required_argument, NULL, OPT_COST_WEIGHT},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

enum { AUTO_OPTIMAL_CELLS = 1500 };

/* ---------------------------------------------------------------- options */

typedef struct status_code {
    char *foreign;
    char ours;
} status_code;

/* --depends COLS=DIM:CODE[,DIM:CODE...]: COLS are computed from the record's cell and the
 * cell with CODE in each DIM (a reference group, a reference year, a margin, or the margin of
 * the reference year). */
typedef struct dependency {
    char **columns;
    size_t column_count;
    size_t *column;    /* input column indices (resolve_columns) */
    size_t ref_count;  /* the DIM:CODE pairs */
    char **dim;
    char **code;
    size_t *key;       /* each dimension's position among --by then --dims */
    size_t *code_index; /* each CODE in its dimension (place_records) */
} dependency;

typedef struct suppress_options {
    char **dims;
    size_t dim_count;
    char **by;
    size_t by_count;
    char **hierarchy;
    size_t hierarchy_count;
    const char *total;
    char **count_columns; /* one or more; each with the primary rules and margins */
    size_t count_count;
    const char *value_column;
    char **top;
    size_t top_count;
    char **blank;
    size_t blank_count;
    bool fill_zeros;
    double threshold;
    bool zeros_unsafe;
    size_t dominance_n;
    double dominance_k;   /* 0: off */
    double p_percent;     /* 0: off */
    double protection;
    const char *protect;  /* NULL: default */
    const char *method;
    bool cost_by_value;
    bool no_singletons;
    double time_limit;
    const char *status_column;
    const char *mark;
    int64_t round_base;   /* 0: off */
    bool audit;
    const char *original;
    status_code *codes;
    size_t code_count;
    bool linked;          /* the input stacks linked tables of one population */
    dependency *depends;
    size_t depends_count;
    const char *unpublished; /* column naming the counts a record does not publish */
    const char *cost_weight; /* column: a factor on the cell's cost */
} suppress_options;

static double parse_number_option(const koppel_context *ctx, const char *option, const char *arg,
                                  double minimum)
{
    double value;
    if (!number_parse_double(arg, strlen(arg), &value) || value < minimum)
        koppel_usage_error(ctx, "%s expects a number of at least %g, got '%s'", option, minimum, arg);
    return value;
}

static void parse_dominance(const koppel_context *ctx, suppress_options *o, const char *arg)
{
    const char *comma = strchr(arg, ',');
    int64_t n;
    double k;
    if (!comma || !number_parse_int64(arg, (size_t)(comma - arg), &n) || n < 1 || n > 64 ||
        !number_parse_double(comma + 1, strlen(comma + 1), &k) || k <= 0 || k > 100)
        koppel_usage_error(ctx, "--dominance expects N,K with N a whole number of at least 1 and "
                                "0 < K <= 100 (e.g. 2,85), got '%s'", arg);
    o->dominance_n = (size_t)n;
    o->dominance_k = k;
}

static void add_code(const koppel_context *ctx, suppress_options *o, const char *arg)
{
    const char *equals = strrchr(arg, '=');
    if (!equals || equals == arg || strlen(equals + 1) != 1 || !strchr("suxz", equals[1]))
        koppel_usage_error(ctx, "--code expects FOREIGN=OURS with OURS one of s, u, x, z, got '%s'", arg);
    o->codes = xrealloc(o->codes, (o->code_count + 1) * sizeof(status_code));
    o->codes[o->code_count].foreign = xstrndup(arg, (size_t)(equals - arg));
    o->codes[o->code_count++].ours = equals[1];
}

static void add_dependency(const koppel_context *ctx, suppress_options *o, const char *arg)
{
    const char *equals = strchr(arg, '=');
    if (!equals || equals == arg || !equals[1])
        koppel_usage_error(ctx, "--depends expects COL[,COL...]=DIM:CODE[,DIM:CODE...] (e.g. change=year:2019), "
                                "got '%s'", arg);
    dependency *d;
    o->depends = xrealloc(o->depends, (o->depends_count + 1) * sizeof(dependency));
    d = &o->depends[o->depends_count++];
    memset(d, 0, sizeof *d);
    char *columns = xstrndup(arg, (size_t)(equals - arg));
    char **names = koppel_split_list(ctx, "--depends", columns, &d->column_count);
    d->columns = xmalloc(d->column_count * sizeof(char *));
    for (size_t i = 0; i < d->column_count; i++)
        d->columns[i] = xstrdup(names[i]);
    free(names);
    free(columns);
    char **refs = koppel_split_list(ctx, "--depends", equals + 1, &d->ref_count);
    d->dim = xmalloc(d->ref_count * sizeof(char *));
    d->code = xmalloc(d->ref_count * sizeof(char *));
    for (size_t i = 0; i < d->ref_count; i++) {
        const char *colon = strchr(refs[i], ':');
        if (!colon || colon == refs[i] || !colon[1])
            koppel_usage_error(ctx, "--depends expects COL[,COL...]=DIM:CODE[,DIM:CODE...] (e.g. "
                                    "change=year:2019), got '%s'", arg);
        d->dim[i] = xstrndup(refs[i], (size_t)(colon - refs[i]));
        d->code[i] = xstrdup(colon + 1);
    }
    free(refs);
}

/* Each --depends names a dimension of the table. */
static void check_dependencies(const koppel_context *ctx, suppress_options *o)
{
    for (size_t i = 0; i < o->depends_count; i++) {
        dependency *d = &o->depends[i];
        d->key = xmalloc(d->ref_count * sizeof(size_t));
        d->code_index = xcalloc(d->ref_count, sizeof(size_t));
        for (size_t r = 0; r < d->ref_count; r++) {
            bool found = false;
            for (size_t k = 0; k < o->by_count && !found; k++)
                if (strcmp(o->by[k], d->dim[r]) == 0) {
                    d->key[r] = k;
                    found = true;
                }
            for (size_t k = 0; k < o->dim_count && !found; k++)
                if (strcmp(o->dims[k], d->dim[r]) == 0) {
                    d->key[r] = o->by_count + k;
                    found = true;
                }
            if (!found)
                koppel_usage_error(ctx, "--depends: '%s' is not one of the --dims or --by columns", d->dim[r]);
        }
    }
}

static void parse_options(koppel_context *ctx, suppress_options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->total = "Total";
    o->threshold = 10;
    o->protection = 0.30;
    o->method = "auto";
    o->time_limit = 60;
    o->status_column = "status";
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(ctx, opt, optarg))
            continue;
        switch (opt) {
        case OPT_DIMS:
            free(o->dims);
            o->dims = koppel_split_list(ctx, "--dims", optarg, &o->dim_count);
            break;
        case OPT_TOTAL:
            if (!*optarg)
                koppel_usage_error(ctx, "--total needs a label");
            o->total = optarg;
            break;
        case OPT_HIERARCHY: {
            size_t n;
            char **names = koppel_split_list(ctx, "--hierarchy", optarg, &n);
            o->hierarchy = xrealloc(o->hierarchy, (o->hierarchy_count + n) * sizeof(char *));
            for (size_t i = 0; i < n; i++)
                o->hierarchy[o->hierarchy_count++] = xstrdup(names[i]);
            free(names);
            break;
        }
        case OPT_BY:
            free(o->by);
            o->by = koppel_split_list(ctx, "--by", optarg, &o->by_count);
            break;
        case OPT_COUNT: {
            size_t n;
            char **names = koppel_split_list(ctx, "--count", optarg, &n);
            o->count_columns = xrealloc(o->count_columns, (o->count_count + n) * sizeof(char *));
            for (size_t i = 0; i < n; i++)
                o->count_columns[o->count_count++] = xstrdup(names[i]);
            free(names);
            break;
        }
        case OPT_VALUE:
            o->value_column = optarg;
            break;
        case OPT_TOP:
            free(o->top);
            o->top = koppel_split_list(ctx, "--top", optarg, &o->top_count);
            break;
        case OPT_BLANK:
            free(o->blank);
            o->blank = koppel_split_list(ctx, "--blank", optarg, &o->blank_count);
            break;
        case OPT_FILL_ZEROS:
            o->fill_zeros = true;
            break;
        case OPT_THRESHOLD:
            o->threshold = parse_number_option(ctx, "--threshold", optarg, 0);
            break;
        case OPT_ZEROS:
            if (strcmp(optarg, "safe") != 0 && strcmp(optarg, "unsafe") != 0)
                koppel_usage_error(ctx, "--zeros expects safe or unsafe, got '%s'", optarg);
            o->zeros_unsafe = strcmp(optarg, "unsafe") == 0;
            break;
        case OPT_DOMINANCE:
            parse_dominance(ctx, o, optarg);
            break;
        case OPT_P_PERCENT:
            o->p_percent = parse_number_option(ctx, "--p-percent", optarg, 0);
            if (o->p_percent <= 0)
                koppel_usage_error(ctx, "--p-percent must be above 0");
            break;
        case OPT_PROTECTION:
            o->protection = parse_number_option(ctx, "--protection", optarg, 0);
            break;
        case OPT_PROTECT:
            if (strcmp(optarg, "count") && strcmp(optarg, "value") && strcmp(optarg, "both"))
                koppel_usage_error(ctx, "--protect expects count, value or both, got '%s'", optarg);
            o->protect = optarg;
            break;
        case OPT_METHOD:
            if (strcmp(optarg, "auto") && strcmp(optarg, "optimal") && strcmp(optarg, "heuristic"))
                koppel_usage_error(ctx, "--method expects auto, optimal or heuristic, got '%s'", optarg);
            o->method = optarg;
            break;
        case OPT_COST:
            if (strcmp(optarg, "cells") && strcmp(optarg, "value"))
                koppel_usage_error(ctx, "--cost expects cells or value, got '%s'", optarg);
            o->cost_by_value = strcmp(optarg, "value") == 0;
            break;
        case OPT_TIME_LIMIT:
            o->time_limit = parse_number_option(ctx, "--time-limit", optarg, 0);
            break;
        case OPT_STATUS_COLUMN:
            if (!*optarg)
                koppel_usage_error(ctx, "--status-column needs a name");
            o->status_column = optarg;
            break;
        case OPT_MARK:
            o->mark = optarg;
            break;
        case OPT_ROUND:
            if (!number_parse_int64(optarg, strlen(optarg), &o->round_base) || o->round_base < 1)
                koppel_usage_error(ctx, "--round expects a whole number of at least 1, got '%s'", optarg);
            break;
        case OPT_AUDIT:
            o->audit = true;
            break;
        case OPT_ORIGINAL:
            o->original = optarg;
            break;
        case OPT_CODE:
            add_code(ctx, o, optarg);
            break;
        case OPT_LINKED:
            o->linked = true;
            break;
        case OPT_DEPENDS:
            add_dependency(ctx, o, optarg);
            break;
        case OPT_UNPUBLISHED:
            o->unpublished = optarg;
            break;
        case OPT_COST_WEIGHT:
            o->cost_weight = optarg;
            break;
        case OPT_SINGLETONS:
            if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0)
                koppel_usage_error(ctx, "--singletons expects yes or no, got '%s'", optarg);
            o->no_singletons = strcmp(optarg, "no") == 0;
            break;
        default:
            koppel_usage_error(ctx, "unknown option");
        }
    }
    if (!o->dims)
        koppel_usage_error(ctx, "--dims is required: name the dimension columns of the table");
    if (o->count_count == 0) {
        o->count_columns = xmalloc(sizeof(char *));
        o->count_columns[o->count_count++] = xstrdup("count");
    }
    if (o->count_count > SDC_MAX_COUNTS)
        koppel_usage_error(ctx, "--count: at most %d count columns", SDC_MAX_COUNTS);
    koppel_names_distinct(ctx, "--count", o->count_columns, o->count_count, NULL);
    if (o->top && !o->value_column)
        koppel_usage_error(ctx, "--top needs --value: the contributions are to that column");
    if ((o->dominance_k > 0 || o->p_percent > 0) && !o->value_column)
        koppel_usage_error(ctx, "--dominance and --p-percent need --value and --top");
    if (o->dominance_k > 0 && o->top_count < o->dominance_n)
        koppel_usage_error(ctx, "--dominance %zu,%g needs the %zu largest contributions in --top",
                           o->dominance_n, o->dominance_k, o->dominance_n);
    if (o->p_percent > 0 && o->top_count < 2)
        koppel_usage_error(ctx, "--p-percent needs the two largest contributions in --top");
    if (o->protect && strcmp(o->protect, "count") != 0 && !o->value_column)
        koppel_usage_error(ctx, "--protect %s needs --value", o->protect);
    if (o->original && !o->audit)
        koppel_usage_error(ctx, "--original is for --audit");
    if (o->audit && (o->round_base || o->mark))
        koppel_usage_error(ctx, "--round and --mark are for suppression, not for --audit");
    for (size_t i = 0; i < o->hierarchy_count; i++) {
        bool found = false;
        for (size_t d = 0; d < o->dim_count; d++)
            found |= strcmp(o->hierarchy[i], o->dims[d]) == 0;
        if (!found)
            koppel_usage_error(ctx, "--hierarchy %s: not one of the --dims", o->hierarchy[i]);
    }
    for (size_t i = 0; i < o->by_count; i++)
        for (size_t d = 0; d < o->dim_count; d++)
            if (strcmp(o->by[i], o->dims[d]) == 0)
                koppel_usage_error(ctx, "column '%s' is in both --by and --dims", o->by[i]);
    koppel_names_distinct(ctx, "--dims", o->dims, o->dim_count, NULL);
    koppel_names_distinct(ctx, "--by", o->by, o->by_count, NULL);
    if (o->linked && o->dim_count > 64)
        koppel_usage_error(ctx, "--linked: at most 64 --dims");
    check_dependencies(ctx, o);
}

/* The measure of the magnitude: after the counts. */
static size_t value_measure(const suppress_options *o)
{
    return o->count_count;
}

/* The column of measure M, for headers and messages. */
static const char *measure_name(const suppress_options *o, size_t m)
{
    return m < o->count_count ? o->count_columns[m] : o->value_column;
}

static void free_options(suppress_options *o)
{
    free(o->dims);
    free(o->by);
    for (size_t i = 0; i < o->hierarchy_count; i++)
        free(o->hierarchy[i]);
    free(o->hierarchy);
    for (size_t i = 0; i < o->count_count; i++)
        free(o->count_columns[i]);
    free(o->count_columns);
    free(o->top);
    free(o->blank);
    for (size_t i = 0; i < o->code_count; i++)
        free(o->codes[i].foreign);
    free(o->codes);
    for (size_t i = 0; i < o->depends_count; i++) {
        dependency *d = &o->depends[i];
        for (size_t j = 0; j < d->column_count; j++)
            free(d->columns[j]);
        free(d->columns);
        free(d->column);
        for (size_t r = 0; r < d->ref_count; r++) {
            free(d->dim[r]);
            free(d->code[r]);
        }
        free(d->dim);
        free(d->code);
        free(d->key);
        free(d->code_index);
    }
    free(o->depends);
}

/* ---------------------------------------------------------------- the table's records */

/* Columns the run reads, by index in the input. */
typedef struct columns {
    size_t input_count; /* columns of the input */
    size_t key_count;   /* --by then --dims */
    size_t *key;
    size_t *count;      /* per count column */
    long value;         /* -1 without --value */
    size_t *top;
    size_t *blank;
    long status;        /* -1 when the input has no status column */
    long unpublished;   /* --unpublished, or -1 */
    long cost_weight;   /* --cost-weight, or -1 */
    bool *dropped;      /* per input column: not written (the --top columns) */
    bool *blanked;      /* per input column: blanked with a suppressed cell */
    long *count_of;     /* per input column: which count column it is, or -1 */
} columns;

/* One record kept for the output: its fields in one allocation. */
typedef struct kept_record {
    long line;
    size_t cell;
    char given;         /* status from the input: u, z, or 0 */
    char **fields;
    size_t *lengths;
} kept_record;

typedef struct records {
    size_t count, capacity;
    kept_record *items;
    size_t *codes;      /* count * key_count code indices */
    double *count_value; /* count * count_count */
    double *magnitude;
    double *weight;     /* --cost-weight per record (1 without) */
    double *top;        /* count * top_count */
    unsigned char *missing; /* per record: bit 0 count blank, bit 1 value blank (audit) */
    unsigned char *unpublished; /* per record: bit j when count j is not published (--unpublished) */
} records;

static void resolve_columns(suppress_options *o, const record_reader *reader, columns *c)
{
    const record_t *header = record_reader_header(reader);
    memset(c, 0, sizeof *c);
    c->input_count = header->count;
    c->key_count = o->by_count + o->dim_count;
    c->key = xmalloc(c->key_count * sizeof(size_t));
    for (size_t i = 0; i < o->by_count; i++)
        c->key[i] = record_reader_column(reader, o->by[i], "--by");
    for (size_t i = 0; i < o->dim_count; i++)
        c->key[o->by_count + i] = record_reader_column(reader, o->dims[i], "--dims");
    c->count = xmalloc(o->count_count * sizeof(size_t));
    for (size_t i = 0; i < o->count_count; i++)
        c->count[i] = record_reader_column(reader, o->count_columns[i], "--count");
    c->value = o->value_column ? (long)record_reader_column(reader, o->value_column, "--value") : -1;
    c->top = xmalloc((o->top_count + 1) * sizeof(size_t));
    for (size_t i = 0; i < o->top_count; i++)
        c->top[i] = record_reader_column(reader, o->top[i], "--top");
    c->blank = xmalloc((o->blank_count + 1) * sizeof(size_t));
    for (size_t i = 0; i < o->blank_count; i++)
        c->blank[i] = record_reader_column(reader, o->blank[i], "--blank");
    for (size_t i = 0; i < o->depends_count; i++) {
        dependency *d = &o->depends[i];
        d->column = xmalloc(d->column_count * sizeof(size_t));
        for (size_t j = 0; j < d->column_count; j++)
            d->column[j] = record_reader_column(reader, d->columns[j], "--depends");
    }
    c->status = record_reader_find_column(reader, o->status_column);
    c->unpublished = o->unpublished ? (long)record_reader_column(reader, o->unpublished, "--unpublished") : -1;
    c->cost_weight = o->cost_weight ? (long)record_reader_column(reader, o->cost_weight, "--cost-weight") : -1;
    c->dropped = xcalloc(header->count, sizeof(bool));
    c->blanked = xcalloc(header->count, sizeof(bool));
    for (size_t i = 0; i < o->top_count; i++)
        c->dropped[c->top[i]] = true;
    c->count_of = xmalloc(header->count * sizeof(long));
    for (size_t i = 0; i < header->count; i++)
        c->count_of[i] = -1;
    for (size_t i = 0; i < o->count_count; i++) {
        c->blanked[c->count[i]] = true;
        c->count_of[c->count[i]] = (long)i;
    }
    if (c->value >= 0)
        c->blanked[c->value] = true;
    for (size_t i = 0; i < o->blank_count; i++)
        c->blanked[c->blank[i]] = true;
    for (size_t i = 0; i < o->depends_count; i++)
        for (size_t j = 0; j < o->depends[i].column_count; j++)
            for (size_t k = 0; k < c->key_count; k++)
                if (o->depends[i].column[j] == c->key[k])
                    message_die(EXIT_USAGE, "column '%s' is a dimension and cannot also be a --depends column",
                                header->fields[c->key[k]]);
    for (size_t k = 0; k < c->key_count; k++)
        if (c->blanked[c->key[k]] || c->dropped[c->key[k]] || (long)c->key[k] == c->status)
            message_die(EXIT_USAGE, "column '%s' is a dimension and cannot also be a count, value, "
                                    "contribution, status or blanked column", header->fields[c->key[k]]);
}

static void free_columns(columns *c)
{
    free(c->key);
    free(c->count);
    free(c->top);
    free(c->blank);
    free(c->dropped);
    free(c->blanked);
    free(c->count_of);
}

static void keep_record(records *r, const record_t *record, size_t key_count, size_t top_count,
                        size_t count_count)
{
    if (r->count == r->capacity) {
        r->capacity = r->capacity ? 2 * r->capacity : 256;
        r->items = xrealloc(r->items, r->capacity * sizeof(kept_record));
        r->codes = xrealloc(r->codes, r->capacity * key_count * sizeof(size_t));
        r->count_value = xrealloc(r->count_value, r->capacity * count_count * sizeof(double));
        r->magnitude = xrealloc(r->magnitude, r->capacity * sizeof(double));
        r->weight = xrealloc(r->weight, r->capacity * sizeof(double));
        r->top = xrealloc(r->top, r->capacity * (top_count + 1) * sizeof(double));
        r->missing = xrealloc(r->missing, r->capacity);
        r->unpublished = xrealloc(r->unpublished, r->capacity);
    }
    size_t bytes = 0;
    for (size_t i = 0; i < record->count; i++)
        bytes += record->lengths[i] + 1;
    kept_record *kept = &r->items[r->count];
    kept->line = record->line;
    kept->given = 0;
    /* One block: the pointers, the lengths, then the texts. */
    char *block = xmalloc(record->count * (sizeof(char *) + sizeof(size_t)) + bytes);
    kept->fields = (char **)block;
    kept->lengths = (size_t *)(block + record->count * sizeof(char *));
    char *text = block + record->count * (sizeof(char *) + sizeof(size_t));
    for (size_t i = 0; i < record->count; i++) {
        memcpy(text, record->fields[i], record->lengths[i]);
        text[record->lengths[i]] = '\0';
        kept->fields[i] = text;
        kept->lengths[i] = record->lengths[i];
        text += record->lengths[i] + 1;
    }
    r->missing[r->count] = 0;
    r->unpublished[r->count] = 0;
}

static void free_records(records *r)
{
    /* The records, and the header kept after them. */
    for (size_t i = 0; i <= r->count && r->items; i++)
        free(r->items[i].fields);
    free(r->items);
    free(r->codes);
    free(r->count_value);
    free(r->magnitude);
    free(r->top);
    free(r->missing);
    free(r->unpublished);
    free(r->weight);
}

/* Our status for a code in the status column: the --code mapping first, then our own
 * letters; 0 for an unknown code. */
static char map_status(const suppress_options *o, const char *text)
{
    for (size_t i = 0; i < o->code_count; i++)
        if (strcmp(o->codes[i].foreign, text) == 0)
            return o->codes[i].ours;
    if (strlen(text) == 1 && strchr("suxz", text[0]))
        return text[0];
    return 0;
}

/* A field that holds no number because the cell was suppressed (blank or a mark). */
static bool is_blanked(const char *text, size_t length)
{
    double ignored;
    return length == 0 || !number_parse_double(text, length, &ignored);
}

/* The record's counts; a suppressed cell's blank counts are missing (audit). False (after
 * rejecting the record) when one is not a whole number. */
static bool parse_counts(koppel_context *ctx, record_reader *reader, const record_t *record,
                         const suppress_options *o, const columns *c, records *r, bool audit_blank)
{
    size_t at = r->count;
    for (size_t j = 0; j < o->count_count; j++) {
        const char *text = record->fields[c->count[j]];
        size_t length = record->lengths[c->count[j]];
        int64_t count;
        /* The audit reads a blank count of a suppressed cell, or one the cell does not publish. */
        bool may_be_blank = audit_blank || (o->audit && (r->unpublished[at] >> j & 1u));
        if (may_be_blank && is_blanked(text, length)) {
            r->missing[at] |= 1;
            count = 0;
        } else if (!number_parse_int64(text, length, &count) || count < 0) {
            koppel_reject(ctx, reader, record, "column '%s': not a whole number of at least 0",
                          o->count_columns[j]);
            return false;
        }
        r->count_value[at * o->count_count + j] = (double)count;
    }
    return true;
}

/* The counts the record names in the --unpublished column (separated by spaces or '|'); false
 * (after rejecting the record) when one is not a --count column. */
static bool parse_unpublished(koppel_context *ctx, record_reader *reader, const record_t *record,
                              const suppress_options *o, const columns *c, records *r)
{
    const char *text = record->fields[c->unpublished];
    size_t length = record->lengths[c->unpublished];
    unsigned char bits = 0;
    for (size_t at = 0; at < length;) {
        while (at < length && (text[at] == ' ' || text[at] == '|'))
            at++;
        size_t end = at;
        while (end < length && text[end] != ' ' && text[end] != '|')
            end++;
        if (end == at)
            break;
        size_t j = 0;
        while (j < o->count_count &&
               !(strlen(o->count_columns[j]) == end - at && memcmp(o->count_columns[j], text + at, end - at) == 0))
            j++;
        if (j == o->count_count) {
            koppel_reject(ctx, reader, record, "column '%s': names a column that is not one of --count",
                          o->unpublished);
            return false;
        }
        bits |= (unsigned char)(1u << j);
        at = end;
    }
    r->unpublished[r->count] = bits;
    return true;
}

/* Parse one record's numbers and status; false (after rejecting it) when they are bad. */
static bool parse_record(koppel_context *ctx, record_reader *reader, const record_t *record,
                         const suppress_options *o, const columns *c, records *r)
{
    size_t at = r->count;
    char status = 0;
    if (c->status >= 0) {
        status = map_status(o, record->fields[c->status]);
        if (record->lengths[c->status] == 0)
            status = o->audit ? 0 : SDC_PUBLISHED;
        if (!status) {
            koppel_reject(ctx, reader, record, "column '%s': unknown status code; expected s, u, x or z "
                          "(map other tools' codes with --code)", o->status_column);
            return false;
        }
    }
    bool audit_blank = o->audit && sdc_suppressed(status);
    r->unpublished[at] = 0;
    if (c->unpublished >= 0 && !parse_unpublished(ctx, reader, record, o, c, r))
        return false;
    if (!parse_counts(ctx, reader, record, o, c, r, audit_blank))
        return false;
    r->magnitude[at] = 0;
    r->weight[at] = 1;
    if (c->cost_weight >= 0 && (!number_parse_double(record->fields[c->cost_weight], record->lengths[c->cost_weight],
                                                     &r->weight[at]) || !(r->weight[at] > 0) || isinf(r->weight[at]))) {
        koppel_reject(ctx, reader, record, "column '%s': not a number above 0", o->cost_weight);
        return false;
    }
    if (c->value >= 0) {
        const char *text = record->fields[c->value];
        size_t length = record->lengths[c->value];
        double value;
        if (audit_blank && is_blanked(text, length)) {
            r->missing[at] |= 2;
            value = 0;
        } else if (!number_parse_double(text, length, &value) || value < 0) {
            koppel_reject(ctx, reader, record, "column '%s': not a number of at least 0", o->value_column);
            return false;
        }
        r->magnitude[at] = value;
    }
    double *top = r->top + at * (o->top_count + 1);
    for (size_t i = 0; i < o->top_count; i++) {
        const char *text = record->fields[c->top[i]];
        size_t length = record->lengths[c->top[i]];
        top[i] = 0; /* fewer contributors than columns: an empty field */
        if (length && (!number_parse_double(text, length, &top[i]) || top[i] < 0)) {
            koppel_reject(ctx, reader, record, "column '%s': not a number of at least 0", o->top[i]);
            return false;
        }
        if (i > 0 && top[i] > top[i - 1]) {
            koppel_reject(ctx, reader, record, "column '%s' is larger than column '%s': --top lists "
                          "the largest contribution first", o->top[i], o->top[i - 1]);
            return false;
        }
    }
    if (o->top_count && !(r->missing[at] & 2)) {
        double sum = 0;
        for (size_t i = 0; i < o->top_count; i++)
            sum += top[i];
        if (sum > r->magnitude[at] * (1 + 1e-9) + 1e-9) {
            koppel_reject(ctx, reader, record, "the contributions in --top add up to more than "
                          "column '%s'", o->value_column);
            return false;
        }
    }
    r->items[at].given = status;
    return true;
}

/* ---------------------------------------------------------------- building the table */

typedef struct run {
    koppel_context ctx;
    suppress_options options;
    columns columns;
    records records;
    sdc_table *table;
    sdc_problem problem;
    char *input_name;   /* for messages */
    size_t filled_cells;
    double started;      /* sdc_now() at the start: --time-limit bounds the whole run */
    bool values_unknown; /* audit without --original of a table whose suppressed cells are blank */
    uint64_t primary_by_rule[4]; /* given, threshold, dominance, p% */
} run;

static sdc_table *create_table(const suppress_options *o)
{
    size_t n = o->by_count + o->dim_count;
    char **names = xmalloc(n * sizeof(char *));
    sdc_dimension_kind *kinds = xmalloc(n * sizeof(sdc_dimension_kind));
    for (size_t i = 0; i < o->by_count; i++) {
        names[i] = o->by[i];
        kinds[i] = SDC_DIMENSION_BY;
    }
    for (size_t i = 0; i < o->dim_count; i++) {
        names[o->by_count + i] = o->dims[i];
        kinds[o->by_count + i] = SDC_DIMENSION_FLAT;
        for (size_t h = 0; h < o->hierarchy_count; h++)
            if (strcmp(o->hierarchy[h], o->dims[i]) == 0)
                kinds[o->by_count + i] = SDC_DIMENSION_HIERARCHICAL;
    }
    sdc_table *table = sdc_table_create(n, names, kinds, o->total);
    free(names);
    free(kinds);
    return table;
}

/* Read FILE into the records and the table's code lists. */
static void read_table(run *r, const char *path)
{
    record_reader *reader = koppel_open_input(&r->ctx, path);
    r->input_name = xstrdup(record_reader_name(reader));
    resolve_columns(&r->options, reader, &r->columns);
    r->table = create_table(&r->options);
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        koppel_progress(&r->ctx);
        keep_record(&r->records, record, r->columns.key_count, r->options.top_count,
                    r->options.count_count);
        if (!parse_record(&r->ctx, reader, record, &r->options, &r->columns, &r->records)) {
            free(r->records.items[r->records.count].fields);
            continue;
        }
        for (size_t k = 0; k < r->columns.key_count; k++)
            r->records.codes[r->records.count * r->columns.key_count + k] =
                sdc_dimension_intern(&r->table->dims[k], record->fields[r->columns.key[k]],
                                     record->lengths[r->columns.key[k]]);
        r->records.count++;
    }
    /* Keep the header for the output. */
    const record_t *header = record_reader_header(reader);
    keep_record(&r->records, header, r->columns.key_count, r->options.top_count, r->options.count_count);
    r->records.items[r->records.count].line = 1;
    record_reader_close(reader);
}

static const kept_record *header_of(const run *r)
{
    return &r->records.items[r->records.count];
}

/* The reference code of each --depends in its dimension. */
static void find_dependency_codes(run *r)
{
    for (size_t i = 0; i < r->options.depends_count; i++) {
        dependency *d = &r->options.depends[i];
        for (size_t k = 0; k < d->ref_count; k++) {
            long code = sdc_dimension_find(&r->table->dims[d->key[k]], d->code[k]);
            if (code < 0)
                message_die(EXIT_DATA, "%s: --depends %s: column '%s' has no such code", r->input_name,
                            d->columns[0], d->dim[k]);
            d->code_index[k] = (size_t)code;
        }
    }
}

/* Lay out the cells, place every record, fill or report missing cells. */
static void place_records(run *r)
{
    char *error_text;
    /* Without records no dimension has codes, and the first would be blamed for a missing
     * total: say what is really wrong. */
    if (r->records.count == 0)
        message_die(EXIT_DATA, "%s: the table has no records%s: there are no cells to protect",
                    r->input_name, r->ctx.counts.rejected ? " left (all were rejected as bad)" : ", only a header");
    size_t counts = r->options.count_count;
    r->table->count_measures = counts;
    if (!sdc_table_build(r->table, counts + (r->options.value_column ? 1 : 0), &error_text)) {
        char text[1200];
        snprintf(text, sizeof text, "%s", error_text);
        free(error_text);
        message_die(EXIT_DATA, "%s: %s", r->input_name, text);
    }
    sdc_table *table = r->table;
    size_t key_count = r->columns.key_count;
    if (r->options.linked)
        sdc_table_keep_grids(table, r->records.codes, r->records.count);
    for (size_t i = 0; i < r->records.count; i++) {
        size_t cell = sdc_table_cell(table, r->records.codes + i * key_count);
        if (table->record[cell] >= 0)
            message_die_at(EXIT_DATA, r->input_name, r->records.items[i].line,
                           "the same cell as line %ld: each combination of codes may occur once",
                           r->records.items[table->record[cell]].line);
        table->record[cell] = (long)i;
        r->records.items[i].cell = cell;
        for (size_t j = 0; j < counts; j++)
            table->measure[j][cell] = r->records.count_value[i * counts + j];
        if (r->options.value_column)
            table->measure[value_measure(&r->options)][cell] = r->records.magnitude[i];
    }
    size_t missing = 0, first_missing = 0;
    for (size_t cell = 0; cell < table->cell_count; cell++) {
        if (table->record[cell] >= 0)
            continue;
        if (missing++ == 0)
            first_missing = cell;
        for (size_t m = 0; m < table->measure_count; m++)
            table->measure[m][cell] = 0;
    }
    if (missing && !r->options.fill_zeros) {
        char *where = sdc_table_describe(table, first_missing);
        char text[1024];
        snprintf(text, sizeof text, "%s", where);
        free(where);
        char rejected[96] = "";
        if (r->ctx.counts.rejected)
            snprintf(rejected, sizeof rejected, " (%llu record%s rejected as bad)",
                     (unsigned long long)r->ctx.counts.rejected, r->ctx.counts.rejected == 1 ? " was" : "s were");
        message_die(EXIT_DATA, "%s: the cell %s has no record (%zu of %zu cells are missing)%s: the table "
                    "needs every combination of codes%s, margins included; --fill-zeros takes missing "
                    "cells as zero", r->input_name, text, missing, table->cell_count, rejected,
                    r->options.linked ? " in each stacked table" : "");
    }
    r->filled_cells = missing;
    find_dependency_codes(r);
}

/* The record line to blame for constraint K: its total, or the first part with a record. */
static long constraint_line(const run *r, size_t k)
{
    const sdc_table *table = r->table;
    for (size_t i = table->constraint_start[k]; i < table->constraint_start[k + 1]; i++) {
        long record = table->record[table->constraint_cell[i]];
        if (record >= 0)
            return r->records.items[record].line;
    }
    return 0;
}

/* Does constraint K hold a suppressed cell whose value the audited table does not show? */
static bool has_unknown_value(const run *r, size_t k)
{
    if (!r->values_unknown)
        return false;
    const sdc_table *table = r->table;
    for (size_t i = table->constraint_start[k]; i < table->constraint_start[k + 1]; i++) {
        long record = table->record[table->constraint_cell[i]];
        if (record >= 0 && r->records.missing[record])
            return true;
    }
    return false;
}

static void check_additivity(run *r)
{
    sdc_table *table = r->table;
    sdc_table_constraints(table);
    for (size_t m = 0; m < table->measure_count; m++)
        for (size_t k = 0; k < table->constraint_count; k++) {
            double sum;
            if (has_unknown_value(r, k) || sdc_constraint_additive(table, k, m, &sum))
                continue;
            size_t total = table->constraint_cell[table->constraint_start[k]];
            char have[32], parts[32];
            number_format_double(table->measure[m][total], have);
            number_format_double(sum, parts);
            const char *column = measure_name(&r->options, m);
            message_die_at(EXIT_DATA, r->input_name, constraint_line(r, k),
                           "column '%s': the margin %s is not the sum of its %zu parts along '%s' (%s)%s",
                           column, have, table->constraint_start[k + 1] - table->constraint_start[k] - 1,
                           table->dims[table->constraint_dim[k]].name, parts,
                           table->record[total] < 0 ? " (the margin itself has no record)" : "");
        }
}

/* Audit: values for every cell from the unsuppressed table. */
static void read_original(run *r)
{
    record_reader *reader = record_reader_open(r->options.original, r->ctx.delimiter, NULL, NULL);
    const char *name = record_reader_name(reader);
    sdc_table *table = r->table;
    size_t key_count = r->columns.key_count;
    size_t *key = xmalloc(key_count * sizeof(size_t));
    for (size_t k = 0; k < key_count; k++)
        key[k] = record_reader_column(reader, table->dims[k].name, "--dims");
    size_t counts = r->options.count_count;
    size_t *count_column = xmalloc(counts * sizeof(size_t));
    for (size_t j = 0; j < counts; j++)
        count_column[j] = record_reader_column(reader, r->options.count_columns[j], "--count");
    long value_column = r->options.value_column
                            ? (long)record_reader_column(reader, r->options.value_column, "--value") : -1;
    size_t *codes = xmalloc(key_count * sizeof(size_t));
    unsigned char *seen = xcalloc(table->cell_count, 1);
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        for (size_t k = 0; k < key_count; k++) {
            long code = sdc_dimension_find(&table->dims[k], record->fields[key[k]]);
            if (code < 0)
                message_die_at(EXIT_DATA, name, record->line, "column '%s': a code that the audited "
                               "table does not have", table->dims[k].name);
            codes[k] = (size_t)code;
        }
        size_t cell = sdc_table_cell(table, codes);
        if (cell == SDC_NO_CELL)
            message_die_at(EXIT_DATA, name, record->line, "a combination of codes that is in none of the "
                           "audited tables");
        for (size_t j = 0; j < counts; j++) {
            int64_t count;
            if (!number_parse_int64(record->fields[count_column[j]], record->lengths[count_column[j]], &count) ||
                count < 0)
                message_die_at(EXIT_DATA, name, record->line, "column '%s': not a whole number of at least 0",
                               r->options.count_columns[j]);
            table->measure[j][cell] = (double)count;
        }
        if (value_column >= 0) {
            double value;
            if (!number_parse_double(record->fields[value_column], record->lengths[value_column], &value) ||
                value < 0)
                message_die_at(EXIT_DATA, name, record->line, "column '%s': not a number of at least 0",
                               r->options.value_column);
            table->measure[value_measure(&r->options)][cell] = value;
        }
        seen[cell] = 1;
    }
    for (size_t cell = 0; cell < table->cell_count; cell++)
        if (table->record[cell] >= 0 && !seen[cell]) {
            message_die_at(EXIT_DATA, r->input_name, r->records.items[table->record[cell]].line,
                           "this cell is not in %s", name);
        }
    free(seen);
    free(codes);
    free(count_column);
    free(key);
    record_reader_close(reader);
}

/* ---------------------------------------------------------------- primary suppression */

static void primary_suppression(run *r)
{
    const suppress_options *o = &r->options;
    sdc_problem *p = &r->problem;
    for (size_t i = 0; i < r->records.count; i++) {
        const kept_record *kept = &r->records.items[i];
        size_t cell = kept->cell;
        const double *top = r->records.top + i * (o->top_count + 1);
        bool given = kept->given == SDC_PRIMARY;
        bool threshold = false; /* by any of the counts the cell publishes */
        for (size_t j = 0; j < o->count_count; j++)
            threshold |= !(r->records.unpublished[i] >> j & 1u) && sdc_rule_threshold(r->records.count_value[i * o->count_count + j], o->threshold,
                                            o->zeros_unsafe);
        bool dominance = o->dominance_k > 0 &&
                         sdc_rule_dominance(r->records.magnitude[i], top, o->dominance_n, o->dominance_k);
        bool p_percent = o->p_percent > 0 && sdc_rule_p_percent(r->records.magnitude[i], top[0], top[1],
                                                                 o->p_percent);
        bool unsafe = given || threshold || dominance || p_percent;
        if (kept->given == SDC_FORCED) {
            if (unsafe)
                message_die_at(EXIT_DATA, r->input_name, kept->line,
                               "the cell is unsafe (%s) but its status 'z' forces it to be published",
                               threshold ? "threshold rule" : dominance ? "dominance rule" : "p% rule");
            p->status[cell] = SDC_FORCED;
            continue;
        }
        if (!unsafe) {
            /* A cell suppressed elsewhere (with the other tables of one population) stays so. */
            if (kept->given == SDC_SECONDARY)
                p->status[cell] = SDC_SECONDARY;
            continue;
        }
        p->status[cell] = SDC_PRIMARY;
        r->primary_by_rule[0] += given;
        r->primary_by_rule[1] += threshold;
        r->primary_by_rule[2] += dominance;
        r->primary_by_rule[3] += p_percent;
        sdc_problem_set_levels(p, cell, o->protection);
    }
    /* A zero cell without a record is visible as zero; with --zeros unsafe that is a leak. */
    if (o->zeros_unsafe && r->filled_cells)
        message_die(EXIT_USAGE, "--zeros unsafe cannot be honoured with --fill-zeros: %zu zero cells have "
                    "no record, and their absence shows they are zero", r->filled_cells);
}

/* Costs: the number of cells first and their total second (or the other way round). */
static void set_costs(run *r)
{
    sdc_table *table = r->table;
    const double *response = table->measure[r->options.value_column ? value_measure(&r->options) : SDC_MEASURE_COUNT];
    long double total = 0;
    for (size_t c = 0; c < table->cell_count; c++)
        total += response[c];
    for (size_t c = 0; c < table->cell_count; c++) {
        if (r->options.cost_by_value)
            r->problem.cost[c] = response[c] + 1.0 / ((double)table->cell_count + 1);
        else
            r->problem.cost[c] = 1.0 + (double)(response[c] / (total + 1));
        if (table->record[c] >= 0)
            r->problem.cost[c] *= r->records.weight[table->record[c]];
    }
}

static void set_protected_measures(run *r)
{
    const char *what = r->options.protect ? r->options.protect : r->options.value_column ? "both" : "count";
    sdc_problem *p = &r->problem;
    p->protect_count = 0;
    if (strcmp(what, "value") != 0)
        for (size_t j = 0; j < r->options.count_count; j++)
            p->protect[p->protect_count++] = j;
    if (strcmp(what, "count") != 0)
        p->protect[p->protect_count++] = value_measure(&r->options);
}

/* ---------------------------------------------------------------- output */

static void write_field_or_mark(run *r, bool suppressed, const char *text, size_t length)
{
    if (!suppressed)
        record_writer_field(r->ctx.out, text, length);
    else if (r->options.mark)
        record_writer_field_str(r->ctx.out, r->options.mark);
    else
        record_writer_field(r->ctx.out, "", 0);
}

/* Is dependency D of the record in CELL computed from a suppressed cell? (CELL itself, or
 * its reference; a reference that is not a cell of linked tables counts as suppressed.) */
static bool dependency_hidden(const run *r, const dependency *d, size_t cell)
{
    if (sdc_suppressed(r->problem.status[cell]))
        return true;
    size_t other = cell;
    for (size_t k = 0; k < d->ref_count && other != SDC_NO_CELL; k++)
        other = sdc_table_other_cell(r->table, other, d->key[k], d->code_index[k]);
    return other == SDC_NO_CELL || sdc_suppressed(r->problem.status[other]);
}

/* Per input column of the record in CELL: blanked because of a --depends. */
static void dependency_blanks(const run *r, size_t cell, bool *blank)
{
    memset(blank, 0, r->columns.input_count * sizeof(bool));
    for (size_t i = 0; i < r->options.depends_count; i++) {
        const dependency *d = &r->options.depends[i];
        if (dependency_hidden(r, d, cell))
            for (size_t j = 0; j < d->column_count; j++)
                blank[d->column[j]] = true;
    }
}

static void write_output(run *r)
{
    size_t column_count = r->columns.input_count;
    const kept_record *header = header_of(r);
    char **out_header = xmalloc((column_count + 2) * sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < column_count; i++)
        if (!r->columns.dropped[i])
            out_header[n++] = header->fields[i];
    if (r->columns.status < 0)
        out_header[n++] = (char *)r->options.status_column;
    koppel_open_output(&r->ctx, out_header, n);
    free(out_header);
    bool *depends_blank = xmalloc((column_count ? column_count : 1) * sizeof(bool));
    for (size_t i = 0; i < r->records.count; i++) {
        const kept_record *kept = &r->records.items[i];
        char status = r->problem.status[kept->cell];
        bool suppressed = sdc_suppressed(status);
        char status_text[2] = {status == SDC_FORCED ? SDC_PUBLISHED : status, '\0'};
        dependency_blanks(r, kept->cell, depends_blank);
        for (size_t f = 0; f < column_count; f++) {
            if (r->columns.dropped[f])
                continue;
            if ((long)f == r->columns.status) {
                record_writer_field(r->ctx.out, status_text, 1);
            } else if ((r->columns.blanked[f] && suppressed) || depends_blank[f] ||
                       (r->columns.count_of[f] >= 0 && r->records.unpublished[i] >> r->columns.count_of[f] & 1u)) {
                write_field_or_mark(r, true, NULL, 0);
            } else if (r->columns.count_of[f] >= 0 && r->options.round_base > 1) {
                int64_t count = (int64_t)r->records.count_value[i * r->options.count_count +
                                                                (size_t)r->columns.count_of[f]];
                int64_t base = r->options.round_base;
                int64_t rounded = (count + base / 2) / base * base;
                char buffer[32];
                record_writer_field(r->ctx.out, buffer, number_format_int64(rounded, buffer));
            } else
                record_writer_field(r->ctx.out, kept->fields[f], kept->lengths[f]);
        }
        if (r->columns.status < 0)
            record_writer_field(r->ctx.out, status_text, 1);
        record_writer_end(r->ctx.out);
    }
    free(depends_blank);
}

/* ---------------------------------------------------------------- audit report */

static void format_bound(double x, char *buffer)
{
    if (isinf(x)) {
        strcpy(buffer, x > 0 ? "inf" : "-inf");
        return;
    }
    double nearest = round(x);
    if (fabs(x - nearest) <= 1e-7 * (fabs(x) > 1 ? fabs(x) : 1))
        x = nearest;
    if (x == 0)
        x = 0; /* no -0 */
    number_format_double_digits(x, 12, buffer);
}

/* NAME_SUFFIX, allocated. */
static char *joined(const char *name, const char *suffix)
{
    char *text = xmalloc(strlen(name) + strlen(suffix) + 1);
    strcpy(text, name);
    strcat(text, suffix);
    return text;
}

/* Without the true values only exact disclosure can be found: an interval of width zero. */
static bool interval_exact(const sdc_interval *interval)
{
    return interval->upper - interval->lower <= sdc_tolerance(interval->upper);
}

/* The audit row of record REC from its INTERVALS (the first AVAILABLE of the rest); true
 * when the cell is protected. Unknown values (and the levels that need them) are blank. */
static bool write_audit_row(run *r, size_t rec, const sdc_interval *intervals, size_t available)
{
    const sdc_problem *p = &r->problem;
    const kept_record *kept = &r->records.items[rec];
    bool primary = p->status[kept->cell] == SDC_PRIMARY;
    bool unknown = r->values_unknown && r->records.missing[rec];
    bool safe = true;
    for (size_t k = 0; k < r->columns.key_count; k++)
        record_writer_field(r->ctx.out, kept->fields[r->columns.key[k]], kept->lengths[r->columns.key[k]]);
    char text[32] = {p->status[kept->cell], '\0'};
    record_writer_field(r->ctx.out, text, 1);
    for (size_t i = 0; i < available && intervals[i].cell == kept->cell; i++) {
        const sdc_interval *interval = &intervals[i];
        size_t m = interval->measure;
        double v = r->table->measure[m][kept->cell];
        double bounds[5] = {v, interval->lower, interval->upper, v - p->lower_level[m][kept->cell],
                            v + p->upper_level[m][kept->cell]};
        for (size_t b = 0; b < 5; b++) {
            if ((b >= 3 && !primary) || (unknown && b != 1 && b != 2)) {
                record_writer_field(r->ctx.out, "", 0);
                continue;
            }
            format_bound(bounds[b], text);
            record_writer_field_str(r->ctx.out, text);
        }
        safe = safe && (unknown ? !primary || !interval_exact(interval) : interval->protected_cell);
    }
    record_writer_field_str(r->ctx.out, !primary ? "" : !safe ? "no" : unknown ? "not exact" : "yes");
    record_writer_end(r->ctx.out);
    return safe;
}

/* One row per suppressed cell: its codes, status, and per protected measure the value, the
 * attacker's interval and (for primary cells) the interval it must reach; then whether the
 * cell is protected. Published cells are counted as filtered. */
static size_t write_audit(run *r)
{
    sdc_table *table = r->table;
    sdc_problem *p = &r->problem;
    size_t key_count = r->columns.key_count;
    const kept_record *header = header_of(r);
    static const char *suffixes[] = {"", "_lower", "_upper", "_required_lower", "_required_upper"};
    size_t width = key_count + 2 + 5 * p->protect_count;
    char **out_header = xmalloc(width * sizeof(char *));
    char **owned = xmalloc(5 * p->protect_count * sizeof(char *));
    size_t n = 0, owned_count = 0;
    for (size_t k = 0; k < key_count; k++)
        out_header[n++] = header->fields[r->columns.key[k]];
    out_header[n++] = (char *)r->options.status_column;
    for (size_t pm = 0; pm < p->protect_count; pm++) {
        const char *name = measure_name(&r->options, p->protect[pm]);
        for (size_t i = 0; i < 5; i++)
            out_header[n++] = owned[owned_count++] = joined(name, suffixes[i]);
    }
    out_header[n++] = "protected";
    koppel_open_output(&r->ctx, out_header, n);
    for (size_t i = 0; i < owned_count; i++)
        free(owned[i]);
    free(owned);
    free(out_header);

    sdc_interval *intervals;
    size_t count = sdc_audit(p, &intervals);
    /* Intervals come in cell order, each cell's measures together; report in input order. */
    size_t *first_of_cell = xmalloc((table->cell_count + 1) * sizeof(size_t));
    for (size_t c = 0; c <= table->cell_count; c++)
        first_of_cell[c] = SIZE_MAX;
    for (size_t i = count; i-- > 0;)
        first_of_cell[intervals[i].cell] = i;
    size_t unprotected = 0;
    long first_line = 0;
    for (size_t rec = 0; rec < r->records.count; rec++) {
        const kept_record *kept = &r->records.items[rec];
        size_t first = first_of_cell[kept->cell];
        if (first == SIZE_MAX) {
            r->ctx.counts.filtered++;
            continue;
        }
        bool safe = write_audit_row(r, rec, intervals + first, count - first);
        if (!safe && unprotected++ == 0)
            first_line = kept->line;
    }
    free(first_of_cell);
    free(intervals);
    if (unprotected)
        message_warn("%s:%ld: %zu primary cell%s not protected: the attacker's LP %s %s", r->input_name,
                     first_line, unprotected, unprotected == 1 ? " is" : "s are",
                     r->values_unknown ? "works out the exact value of" : "narrows",
                     r->values_unknown ? (unprotected == 1 ? "it" : "them")
                                       : (unprotected == 1 ? "it below the protection level"
                                                           : "them below the protection level"));
    return unprotected;
}

/* ---------------------------------------------------------------- main */

static void audit_statuses(run *r)
{
    sdc_problem *p = &r->problem;
    for (size_t i = 0; i < r->records.count; i++) {
        const kept_record *kept = &r->records.items[i];
        char status = kept->given ? kept->given : SDC_PUBLISHED;
        p->status[kept->cell] = status == SDC_FORCED ? SDC_PUBLISHED : status;
        if (status == SDC_PRIMARY)
            sdc_problem_set_levels(p, kept->cell, r->options.protection);
    }
}

/* The values the audit needs: the unsuppressed table's, or the audited table's own when
 * its suppressed cells still carry them. */
static void audit_values(run *r)
{
    if (r->columns.status < 0)
        message_die(EXIT_USAGE, "--audit needs the status column '%s' in %s (name it with --status-column)",
                    r->options.status_column, r->input_name);
    if (r->options.original) {
        read_original(r);
        return;
    }
    for (size_t i = 0; i < r->records.count; i++) {
        r->values_unknown |= r->records.missing[i] != 0;
        if ((r->records.missing[i] & 1) && r->records.unpublished[i])
            message_die(EXIT_USAGE, "%s: counts that a cell does not publish (--unpublished) are blank: the "
                        "audit needs their values from the unsuppressed table (--original FILE)", r->input_name);
    }
    if (r->values_unknown)
        message_warn("%s: suppressed cells have no values, so only exact disclosure (an interval of "
                     "width zero) is checked: give the unsuppressed table with --original FILE to "
                     "check the protection levels", r->input_name);
}

/* ---------------------------------------------------------------- unpublished counts */

/* Counts a cell does not publish (--unpublished) are unknown to the attacker in that count
 * only, and the primary rules skip them. Check that none below the threshold can be worked out
 * from what is published: per count, the attacker's LPs with those cells unknown as well (those
 * below the threshold with the protection levels of a primary cell). Marks each exposed cell
 * in EXPOSED (per cell, when not NULL; the first record's line in *FIRST_LINE) and returns how
 * many (cell, count) pairs are exposed. */
static size_t unpublished_exposed(run *r, unsigned char *exposed, long *first_line)
{
    sdc_problem *p = &r->problem;
    const suppress_options *o = &r->options;
    size_t n = r->table->cell_count, found = 0;
    char *saved = xmalloc(n ? n : 1);
    memcpy(saved, p->status, n);
    size_t protect_count = p->protect_count, protect[SDC_MAX_MEASURES];
    memcpy(protect, p->protect, sizeof protect);
    for (size_t j = 0; j < o->count_count; j++) {
        size_t small = 0;
        for (size_t i = 0; i < r->records.count; i++) {
            size_t cell = r->records.items[i].cell;
            if (!(r->records.unpublished[i] >> j & 1u) || sdc_suppressed(saved[cell]))
                continue;
            bool below = sdc_rule_threshold(r->table->measure[j][cell], o->threshold, o->zeros_unsafe);
            p->status[cell] = below ? SDC_PRIMARY : SDC_SECONDARY;
            if (below) {
                sdc_problem_set_levels(p, cell, o->protection);
                small++;
            }
        }
        if (small) {
            p->protect_count = 1;
            p->protect[0] = j;
            sdc_interval *intervals;
            size_t count = sdc_audit(p, &intervals);
            for (size_t k = 0; k < count; k++) {
                size_t cell = intervals[k].cell;
                if (intervals[k].protected_cell || saved[cell] == SDC_PRIMARY)
                    continue;
                if (found++ == 0 && first_line)
                    *first_line = r->records.items[r->table->record[cell]].line;
                if (exposed)
                    exposed[cell] = 1;
            }
            free(intervals);
        }
        memcpy(p->status, saved, n);
        p->protect_count = protect_count;
        memcpy(p->protect, protect, sizeof protect);
    }
    free(saved);
    return found;
}

/* Published values computed from a suppressed cell (--depends): each reopens that cell. */
static size_t audit_dependencies(run *r)
{
    size_t exposed = 0;
    for (size_t i = 0; i < r->records.count; i++) {
        const kept_record *kept = &r->records.items[i];
        for (size_t k = 0; k < r->options.depends_count; k++) {
            const dependency *d = &r->options.depends[k];
            if (!dependency_hidden(r, d, kept->cell))
                continue;
            for (size_t j = 0; j < d->column_count; j++) {
                if (is_blanked(kept->fields[d->column[j]], kept->lengths[d->column[j]]))
                    continue;
                if (exposed++ == 0)
                    message_warn("%s:%ld: column '%s' is published, but it is computed with a suppressed "
                                 "cell (this one, or its reference in '%s'): it reopens that cell",
                                 r->input_name, kept->line, d->columns[j], d->dim[0]);
            }
        }
    }
    if (exposed > 1)
        message_warn("%s: %zu published values are computed with suppressed cells", r->input_name, exposed);
    return exposed;
}

/* Check the pattern in the input's status column; exit status 1 when a primary cell is exposed. */
static int audit_table(run *r)
{
    audit_statuses(r);
    size_t unprotected = write_audit(r) + audit_dependencies(r);
    if (r->options.unpublished) {
        long line = 0;
        size_t exposed = unpublished_exposed(r, NULL, &line);
        if (exposed)
            message_warn("%s:%ld: %zu count%s below the threshold that the table%s not publish can be "
                         "worked out from what it does", r->input_name, line, exposed, exposed == 1 ? "" : "s",
                         exposed == 1 ? " does" : "s do");
        unprotected += exposed;
    }
    koppel_stats_int(&r->ctx, "cells", (int64_t)r->table->cell_count);
    koppel_stats_int(&r->ctx, "unprotected", (int64_t)unprotected);
    int status = koppel_finish(&r->ctx);
    if (unprotected && status == EXIT_OK)
        status = EXIT_DATA;
    return status;
}

/* What secondary suppression did, for --stats. */
typedef struct suppression_summary {
    bool optimal;          /* the method used */
    size_t primaries;
    size_t secondary;
    size_t singleton_cells;
    bool verified;         /* the attacker's LP found the output's pattern protected */
    double lost_count, lost_value;
} suppression_summary;

static bool use_optimal_method(const run *r)
{
    return strcmp(r->options.method, "optimal") == 0 ||
           (strcmp(r->options.method, "auto") == 0 && r->table->cell_count <= AUTO_OPTIMAL_CELLS);
}

static size_t count_primaries(const run *r)
{
    size_t primaries = 0;
    for (size_t c = 0; c < r->table->cell_count; c++)
        primaries += r->problem.status[c] == SDC_PRIMARY;
    return primaries;
}

/* A combination without a record is seen as zero by every reader of the output: it is
 * published, and it has no row to blank, so secondary suppression must never choose it. */
static void publish_filled_cells(run *r)
{
    for (size_t c = 0; c < r->table->cell_count; c++)
        if (r->table->record[c] < 0)
            r->problem.status[c] = SDC_FORCED;
}

/* Secondary suppression by the chosen method; a primary cell that no pattern can protect
 * ends the run at that cell's record. */
static void protect_primary_cells(run *r, bool optimal)
{
    r->problem.time_limit = r->options.time_limit;
    r->problem.deadline = r->options.time_limit > 0 ? r->started + r->options.time_limit : 0;
    size_t failed = 0;
    bool ok = optimal ? sdc_protect_optimal(&r->problem, &failed) : sdc_protect_heuristic(&r->problem, &failed);
    if (!ok) {
        long record = r->table->record[failed];
        message_die_at(EXIT_DATA, r->input_name, record >= 0 ? r->records.items[record].line : 0,
                       "this primary cell cannot be protected: cells forced to be published "
                       "(status z%s) leave the attacker too little doubt",
                       r->filled_cells ? ", or zero cells without a record" : "");
    }
}

/* The information lost: secondary cells and the totals of the suppressed counts and values. */
static void count_losses(const run *r, suppression_summary *summary)
{
    for (size_t c = 0; c < r->table->cell_count; c++) {
        if (!sdc_suppressed(r->problem.status[c]))
            continue;
        summary->secondary += r->problem.status[c] == SDC_SECONDARY;
        summary->lost_count += r->table->measure[SDC_MEASURE_COUNT][c];
        if (r->options.value_column)
            summary->lost_value += r->table->measure[value_measure(&r->options)][c];
    }
}

static void add_suppression_stats(run *r, const suppression_summary *s)
{
    koppel_stats_int(&r->ctx, "cells", (int64_t)r->table->cell_count);
    koppel_stats_int(&r->ctx, "cells_without_record", (int64_t)r->filled_cells);
    koppel_stats_int(&r->ctx, "primary", (int64_t)s->primaries);
    koppel_stats_int(&r->ctx, "primary_given", (int64_t)r->primary_by_rule[0]);
    koppel_stats_int(&r->ctx, "primary_threshold", (int64_t)r->primary_by_rule[1]);
    koppel_stats_int(&r->ctx, "primary_dominance", (int64_t)r->primary_by_rule[2]);
    koppel_stats_int(&r->ctx, "primary_p_percent", (int64_t)r->primary_by_rule[3]);
    koppel_stats_int(&r->ctx, "secondary", (int64_t)s->secondary);
    koppel_stats_int(&r->ctx, "secondary_for_singletons", (int64_t)s->singleton_cells);
    koppel_stats_int(&r->ctx, "suppressed_cells", (int64_t)(s->primaries + s->secondary));
    koppel_stats_double(&r->ctx, "suppressed_count", s->lost_count);
    if (r->options.value_column)
        koppel_stats_double(&r->ctx, "suppressed_value", s->lost_value);
    koppel_stats_string(&r->ctx, "method", s->optimal ? "optimal" : "heuristic");
    koppel_stats_int(&r->ctx, "proven_optimal", s->optimal && r->problem.proven_optimal);
    koppel_stats_int(&r->ctx, "time_limit_reached", r->problem.time_limit_reached);
    koppel_stats_int(&r->ctx, "verified", s->verified);
    koppel_stats_int(&r->ctx, "lp_solves", (int64_t)r->problem.lp_solves);
}

/* Check the final pattern, the one the output shows (singletons included), where that is
 * affordable; the statuses of cells without a record are published, as the reader sees them. */
static bool verify_output_pattern(run *r)
{
    size_t suppressed = 0;
    for (size_t c = 0; c < r->table->cell_count; c++)
        suppressed += sdc_suppressed(r->problem.status[c]);
    if (suppressed > r->problem.verify_limit || r->problem.time_limit_reached)
        return false;
    size_t unprotected = sdc_verify(&r->problem);
    if (unprotected)
        message_warn("%s: the attacker's LP narrows %zu primary cell%s of the output below the protection "
                     "level: check it with --audit", r->input_name, unprotected, unprotected == 1 ? "" : "s");
    return unprotected == 0;
}

/* Say what the time limit cost: possibly a larger pattern, or the heuristic's check. */
static void warn_time_limit(const run *r, bool optimal)
{
    const sdc_problem *p = &r->problem;
    if (p->time_limit_reached && !p->verified)
        message_warn("the heuristic reached the time limit (%g s): the primary cells left were protected "
                     "by hypercubes alone, and the pattern was not checked with the attacker's LP (check "
                     "it with --audit, or raise --time-limit)", r->options.time_limit);
    else if (optimal && !p->proven_optimal)
        message_warn("the optimal method reached its time limit (%g s): the pattern is protected but "
                     "may not be the smallest (raise --time-limit)", r->options.time_limit);
}

/* Make every unpublished count that could be worked out primary, and protect again, until none
 * can. Returns the number of cells made primary. */
static size_t protect_unpublished(run *r, bool optimal)
{
    size_t added = 0;
    unsigned char *exposed = xcalloc(r->table->cell_count ? r->table->cell_count : 1, 1);
    while (unpublished_exposed(r, exposed, NULL) > 0) {
        for (size_t c = 0; c < r->table->cell_count; c++)
            if (exposed[c]) {
                r->problem.status[c] = SDC_PRIMARY;
                sdc_problem_set_levels(&r->problem, c, r->options.protection);
                exposed[c] = 0;
                added++;
            }
        protect_primary_cells(r, optimal);
    }
    free(exposed);
    return added;
}

/* Primary and secondary suppression, then the table with its statuses. */
static int suppress_table(run *r)
{
    primary_suppression(r);
    set_costs(r);
    suppression_summary summary = {0};
    summary.primaries = count_primaries(r);
    summary.optimal = use_optimal_method(r);
    publish_filled_cells(r);
    protect_primary_cells(r, summary.optimal);
    if (r->options.unpublished)
        summary.primaries += protect_unpublished(r, summary.optimal);
    summary.singleton_cells = r->options.no_singletons ? 0 : sdc_protect_singletons(&r->problem);
    warn_time_limit(r, summary.optimal);
    summary.verified = verify_output_pattern(r);
    count_losses(r, &summary);
    write_output(r);
    add_suppression_stats(r, &summary);
    return koppel_finish(&r->ctx);
}

int main(int argc, char **argv)
{
    run r;
    memset(&r, 0, sizeof r);
    koppel_init(&r.ctx, "suppress", usage);
    parse_options(&r.ctx, &r.options, argc, argv);
    r.started = sdc_now();
    if (argc - optind > 1)
        koppel_usage_error(&r.ctx, "one table at a time: give one FILE (or none for standard input)");
    read_table(&r, argc > optind ? argv[optind] : "-");
    place_records(&r);
    if (r.options.audit)
        audit_values(&r);
    check_additivity(&r);
    sdc_problem_init(&r.problem, r.table);
    set_protected_measures(&r);
    int status = r.options.audit ? audit_table(&r) : suppress_table(&r);
    sdc_problem_free(&r.problem);
    sdc_table_free(r.table);
    free_records(&r.records);
    free_columns(&r.columns);
    free_options(&r.options);
    free(r.input_name);
    return status;
}
