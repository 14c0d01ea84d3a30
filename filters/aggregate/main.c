/* aggregate/main.c: koppel aggregate — statistics per group (counts, distinct counts, sums, means,
 * extremes, standard deviations, top values, weighted sums, sums of squares), margins, and
 * partial results that merge into exactly what one run over all input gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "input.h"
#include "margins.h"
#include "output.h"
#include "partial.h"

static const char usage[] =
    "Usage: koppel aggregate [-g COL[,COL...]] [STATISTIC...] [--totals|--rollup] [OPTIONS] [FILE...]\n"
    "Statistics per group: counts, distinct counts, sums, means, top values; margins; partial results.\n"
    "\n"
    "Reads CSV with a header from FILEs or standard input (columns are found by name in each\n"
    "file) and writes one record per group: the group columns, then one column per statistic\n"
    "in the order given. Records are sorted by the group columns, first column first, by the\n"
    "bytes of the values (--order natural: by the numbers in them); an empty value is a group\n"
    "of its own and sorts first.\n"
    "\n"
    "Grouping:\n"
    "  -g, --group-by COL[,COL...]  the group columns; without -g one record sums up all input\n"
    "Statistics (any number, in any order; without one, --count). Output column in brackets:\n"
    "      --count                  [count] records in the group\n"
    "      --count-values COL       [n_COL] records with a value (not empty) in COL\n"
    "      --count-distinct COL     [distinct_COL] different non-empty values of COL (as text)\n"
    "      --sum COL                [sum_COL] sum\n"
    "      --mean COL               [mean_COL] arithmetic mean\n"
    "      --min COL, --max COL     [min_COL], [max_COL] smallest, largest value\n"
    "      --sd COL                 [sd_COL] sample standard deviation (divisor n-1); empty\n"
    "                               with fewer than 2 values\n"
    "      --top N:COL              [top1_COL ... topN_COL] the N largest values, largest first,\n"
    "                               one per record (for dominance rules); empty where the group\n"
    "                               has fewer than N values\n"
    "      --weighted-sum COL:W     [wsum_COL] sum of COL*W over records with both values\n"
    "      --weighted-mean COL:W    [wmean_COL] sum(COL*W) / sum(W) over those records\n"
    "      --sumsq COL              [sumsq_COL] sum of the squares, exact as --sum: with --count\n"
    "                               and --sum what koppel standardise --measure mean needs\n"
    "\n"
    "Numbers are whole numbers (64-bit) or decimals such as 1.5 or -2e3. An empty value is\n"
    "skipped by the statistics on its column (the --stats figure missing_COL counts them; so\n"
    "does count - n_COL per group); a statistic without any value is empty. Other text in a\n"
    "numeric column rejects the record. Sums of whole numbers are exact (128-bit) and are\n"
    "written as whole numbers when the column holds only whole numbers. Other sums, --sumsq\n"
    "and --mean (the exact sum divided by the count) are the exact value rounded once to a\n"
    "double; --sd is the square root of (n*sumsq - sum^2) / (n*(n-1)), its numerator exact\n"
    "and rounded once; --weighted-mean divides the two sums, each rounded once. Results are\n"
    "written with the fewest digits that read back to the same double and do not depend on\n"
    "the order of the records, within two limits: the weighted statistics read a whole\n"
    "number beyond 2^53 (about 9.0e15) as the nearest double (--sd keeps every digit of\n"
    "whole numbers); and a sum of decimals whose running total passes the\n"
    "double range (about 1.8e308) stops the run with status 1, which with values near that\n"
    "range can happen in one order of the records and not in another, as can --sd and\n"
    "decimal --sumsq with values beyond about 1.3e154, whose squares pass it.\n"
    "\n"
    "Margins:\n"
    "      --totals                 add the totals for every combination of group columns\n"
    "      --rollup                 add the hierarchical totals only: over the last column,\n"
    "                               the last two, ..., and the grand total\n"
    "      --total-label TEXT       value written in a totalled group column (default Total);\n"
    "                               a group value equal to it is an error (status 2)\n"
    "  A total row follows the rows it sums (in each column the label sorts after the\n"
    "  values). Every statistic of a total, distinct counts included, is computed from the\n"
    "  records themselves. Totals exist for combinations that have records.\n"
    "\n"
    "Memory of --count-distinct (exact, as SQL's COUNT(DISTINCT)) grows with the different\n"
    "values and the different (group, value) pairs, not with the records: each value's text\n"
    "once and 32 to 64 bytes of table; a pair 16 to 32 bytes (a table at most half full, 48\n"
    "while it doubles; a group's first value 8 to 16). Totals keep no pairs of their own: each\n"
    "margin is counted from the groups' pairs, sorted, with 24 bytes per pair of the groups\n"
    "while it is counted; only --partial keeps the totals' pairs as well, as it writes them.\n"
    "\n"
    "Order:\n"
    "      --order bytes|natural    bytes (the default): each group value by its bytes, so\n"
    "                               '10-14' comes before '5-9'; natural: runs of digits in a\n"
    "                               value compare as whole numbers, the rest by bytes, so age\n"
    "                               bands read 0-4, 5-9, 10-14, ..., 85+ and 9 comes before 10;\n"
    "                               values that still tie (05 and 5) by their bytes\n"
    "\n"
    "Choosing groups:\n"
    "      --min-count N            write only the groups (and total rows) of at least N records,\n"
    "                               as SQL's HAVING count(*) >= N: --min-count 2 lists the keys\n"
    "                               found on more than one record. Totals still sum every record.\n"
    "                               This is no disclosure control (that is koppel suppress), and\n"
    "                               not for --partial (a merge needs every group). With N of 2 or\n"
    "                               more, --count alone and no totals the groups are counted by\n"
    "                               sorting their keys: about 50 bytes a group and the key, not\n"
    "                               a hash table entry each\n"
    "\n"
    "Splitting a job (e.g. over the parts of koppel partition, with GNU parallel):\n"
    "      --partial                write mergeable state instead of results: the group\n"
    "                               columns, partial@v2:MARGINS (MARGINS none, totals or rollup:\n"
    "                               the margins it was made with; g or t per group column:\n"
    "                               grouped or totalled) and columns STATISTIC@PART\n"
    "      --merge                  read partial files (any number, any order) and write what\n"
    "                               one run over all their input writes, byte for byte; with\n"
    "                               --partial, write a merged partial. Statistics, -g and the\n"
    "                               margins come from the partial files (--totals/--rollup\n"
    "                               may be added here if the partials have no margins);\n"
    "                               partials made with different statistics, -g or margins,\n"
    "                               or in the older format partial@v1, are refused (status 2)\n"
    "      --split-by COL           with --partial: the parts were split by COL, so each value\n"
    "                               of COL lies in one part only; --count-distinct COL then\n"
    "                               keeps a count instead of the set of values (small files,\n"
    "                               little memory when merging)\n"
    "  Every statistic merges exactly under any split. Distinct counts keep the sets of values\n"
    "  (written as LENGTH:VALUE, concatenated), except with --split-by, where the merged count\n"
    "  is exact only if the parts really were split by that column.\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel aggregate -g gemeente_code,age_band,sex --count --count-distinct bsn linked.csv\n"
    "  koppel aggregate -g district,sex --totals --count --top 2:cost --sum cost wmo-costs.csv\n"
    "  koppel aggregate -g year --mean contacts --sd contacts --weighted-mean contacts:weight t.csv\n"
    "  for p in part-*.csv; do koppel aggregate -g wijk_code --count-distinct bsn \\\n"
    "      --split-by bsn --partial -o $p.state $p; done\n"
    "  koppel aggregate --merge part-*.csv.state > wijk-persons.csv\n"
    "\n"
    "Accounting: records_out counts the records written (groups and total rows); --stats adds\n"
    "records_used, groups (without totals), groups_below_min_count (with --min-count) and\n"
    "missing_COL, and records_in = records_used + filtered (always 0) + rejected. With --merge,\n"
    "records in are the rows of the partials.\n";

/* The statistics' options in the order of stat_kind: OPT_COUNT + kind. */
enum {
    OPT_COUNT = OPT_FILTER_BASE, OPT_COUNT_VALUES, OPT_COUNT_DISTINCT, OPT_SUM, OPT_MEAN, OPT_MIN,
    OPT_MAX, OPT_SD, OPT_TOP, OPT_WEIGHTED_SUM, OPT_WEIGHTED_MEAN, OPT_SUMSQ, OPT_TOTALS, OPT_ROLLUP,
    OPT_TOTAL_LABEL, OPT_PARTIAL, OPT_MERGE, OPT_SPLIT_BY, OPT_MIN_COUNT,
    OPT_ORDER
};

static const struct option long_options[] = {
    {"group-by", required_argument, NULL, 'g'},
    {"count", no_argument, NULL, OPT_COUNT},
    {"count-values", required_argument, NULL, OPT_COUNT_VALUES},
    {"count-distinct", required_argument, NULL, OPT_COUNT_DISTINCT},
    {"sum", required_argument, NULL, OPT_SUM},
    {"mean", required_argument, NULL, OPT_MEAN},
    {"min", required_argument, NULL, OPT_MIN},
    {"max", required_argument, NULL, OPT_MAX},
    {"sd", required_argument, NULL, OPT_SD},
    {"top", required_argument, NULL, OPT_TOP},
    {"weighted-sum", required_argument, NULL, OPT_WEIGHTED_SUM},
    {"weighted-mean", required_argument, NULL, OPT_WEIGHTED_MEAN},
    {"sumsq", required_argument, NULL, OPT_SUMSQ},
    {"totals", no_argument, NULL, OPT_TOTALS},
    {"rollup", no_argument, NULL, OPT_ROLLUP},
    {"total-label", required_argument, NULL, OPT_TOTAL_LABEL},
    {"partial", no_argument, NULL, OPT_PARTIAL},
    {"merge", no_argument, NULL, OPT_MERGE},
    {"split-by", required_argument, NULL, OPT_SPLIT_BY},
    {"min-count", required_argument, NULL, OPT_MIN_COUNT},
    {"order", required_argument, NULL, OPT_ORDER},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

_Static_assert(OPT_SUMSQ - OPT_COUNT == STAT_SUMSQ, "the statistics' options follow stat_kind");

/* ---------------------------------------------------------------- options */

static void check_options(aggregate *a)
{
    const koppel_context *ctx = &a->ctx;
    if (a->margins != MARGINS_NONE && a->group_count == 0 && !a->merge)
        koppel_usage_error(ctx, "--totals and --rollup need group columns (-g)");
    if (a->margins == MARGINS_CUBE && a->group_count > CUBE_LIMIT)
        koppel_usage_error(ctx, "--totals takes at most %d group columns", CUBE_LIMIT);
    if (a->label_given && a->margins == MARGINS_NONE)
        koppel_usage_error(ctx, "--total-label needs --totals or --rollup");
    if (*a->label == '\0')
        koppel_usage_error(ctx, "--total-label may not be empty (an empty value is a group of its own)");
    if (a->min_count && a->partial)
        koppel_usage_error(ctx, "--min-count writes final results, not --partial ones (a merge needs "
                                "every group; give --min-count to the --merge)");
    if (a->split_by && (!a->partial || a->merge))
        koppel_usage_error(ctx, "--split-by only applies to --partial on input records (not --merge)");
    if (a->merge) {
        if (a->group_count || a->stats.count)
            koppel_usage_error(ctx, "--merge takes the group columns and statistics from the partial "
                                    "files; give no -g and no statistic");
        return;
    }
    if (a->stats.count == 0)
        statistic_set_add(&a->stats, STAT_COUNT, NULL);
    if (a->split_by) {
        bool used = false;
        for (size_t i = 0; i < a->stats.count; i++) {
            statistic *s = &a->stats.items[i];
            if (s->kind == STAT_DISTINCT && strcmp(s->column, a->split_by) == 0)
                used = s->disjoint = true;
        }
        if (!used)
            koppel_usage_error(ctx, "--split-by %s: there is no --count-distinct %s for it to apply to",
                               a->split_by, a->split_by);
    }
}

static void parse_options(aggregate *a, int argc, char **argv)
{
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS "g:", long_options, NULL)) != -1) {
        if (koppel_common_option(&a->ctx, opt, optarg))
            continue;
        switch (opt) {
        case 'g':
            if (a->group_columns)
                koppel_usage_error(&a->ctx, "give the group columns in one -g, e.g. -g district,sex");
            a->group_columns = koppel_split_list(&a->ctx, "-g", optarg, &a->group_count);
            break;
        case OPT_TOTALS:
        case OPT_ROLLUP: {
            margin_kind kind = opt == OPT_TOTALS ? MARGINS_CUBE : MARGINS_ROLLUP;
            if (a->margins != MARGINS_NONE && a->margins != kind)
                koppel_usage_error(&a->ctx, "--totals and --rollup exclude each other");
            a->margins = kind;
            break;
        }
        case OPT_TOTAL_LABEL:
            a->label = optarg;
            a->label_given = true;
            break;
        case OPT_PARTIAL: a->partial = true; break;
        case OPT_MERGE: a->merge = true; break;
        case OPT_SPLIT_BY: a->split_by = optarg; break;
        case OPT_MIN_COUNT:
            if (!parse_count(optarg, strlen(optarg), &a->min_count) || a->min_count == 0)
                koppel_usage_error(&a->ctx, "--min-count takes a whole number of 1 or more, not '%s'", optarg);
            break;
        case OPT_ORDER:
            if (strcmp(optarg, "natural") != 0 && strcmp(optarg, "bytes") != 0)
                koppel_usage_error(&a->ctx, "--order takes bytes or natural");
            a->natural_order = strcmp(optarg, "natural") == 0;
            break;
        default: { /* a statistic's option: koppel_common_option took the unknown ones */
            stat_kind kind = (stat_kind)(opt - OPT_COUNT);
            statistic_kinds[kind].from_option(&a->stats, kind, optarg, &a->ctx);
            break;
        }
        }
    }
    check_options(a);
}

/* ---------------------------------------------------------------- planning */

static size_t find_or_add_column(aggregate *a, const char *name, bool numeric)
{
    for (size_t i = 0; i < a->column_count; i++)
        if (strcmp(a->columns[i].name, name) == 0) {
            a->columns[i].numeric |= numeric;
            return i;
        }
    a->columns = xrealloc(a->columns, (a->column_count + 1) * sizeof(input_column));
    a->columns[a->column_count] = (input_column){.name = xstrdup(name), .numeric = numeric};
    return a->column_count++;
}

/* Output columns that would share a name, and group columns that cannot be: usage errors. */
static void check_column_names(const aggregate *a)
{
    size_t n;
    char **names = column_names(a, false, &n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                koppel_usage_error(&a->ctx, "two columns of the output would be named '%s' (a statistic given "
                                            "twice, or named like a group column)",
                                   names[i]);
    free_names(names, n);
    for (size_t i = 0; i < a->group_count; i++) {
        if (strncmp(a->group_columns[i], PARTIAL_PREFIX, strlen(PARTIAL_PREFIX)) == 0)
            koppel_usage_error(&a->ctx, "a group column may not be named %s... (the marker of partial results)",
                               PARTIAL_PREFIX);
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->group_columns[i], a->group_columns[j]) == 0)
                koppel_usage_error(&a->ctx, "-g names the column '%s' twice", a->group_columns[i]);
    }
}

/* The statistics' states in a cell and the input columns they read (each read once per record
 * however many statistics use it). */
static void plan(aggregate *a)
{
    statistics_plan(&a->stats, &a->memory);
    for (size_t i = 0; i < a->stats.count && !a->merge; i++) {
        statistic *s = &a->stats.items[i];
        column_use use = statistic_kinds[s->kind].use;
        if (s->column) {
            s->slot = find_or_add_column(a, s->column, use == COLUMN_NUMBER);
            a->columns[s->slot].text |= use == COLUMN_TEXT;
        }
        if (s->weight)
            s->weight_slot = find_or_add_column(a, s->weight, true);
    }
    for (size_t i = 0; i < a->stats.count; i++) { /* --partial writes the margins' sets too */
        statistic *s = &a->stats.items[i];
        s->keep_margin_sets = a->partial && s->kind == STAT_DISTINCT && !s->disjoint;
    }
    check_column_names(a);
    a->batch = input_batch_new(a->column_count);
    a->group_index = xcalloc(a->group_count + 1, sizeof(size_t));
    if (a->merge)
        a->scratch = xcalloc(1, sizeof(cell) + a->stats.state_size);
    a->log_groups = a->min_count >= 2 && a->group_count > 0 && a->margins == MARGINS_NONE && !a->merge && !a->partial;
    for (size_t i = 0; i < a->stats.count; i++)
        a->log_groups &= a->stats.items[i].kind == STAT_COUNT;
    if (a->group_count == 0) { /* one record for all input, even for none */
        reserve_key(a, 1);
        find_cell(a, a->key, 0);
    }
}

/* ---------------------------------------------------------------- the record loops */

/* --min-count with counts only: every record's key goes to the key log. */
static void log_input(aggregate *a, record_reader *reader)
{
    input_batch *b = a->batch;
    while (read_batch(a, reader)) {
        for (size_t i = 0; i < b->count; i++) {
            if (b->probes[i].key)
                key_log_add(&a->log, b->probes[i].key, b->probes[i].length, b->probes[i].hash);
            else /* the key of the record before */
                key_log_again(&a->log);
            a->used++;
        }
    }
}

/* The groups of the key log: cells for those of at least min_count records, the others only
 * counted. */
static void cells_from_log(aggregate *a)
{
    key_log_merge(&a->log);
    a->detail_cells = a->log.count;
    for (size_t i = 0; i < a->log.count; i++) {
        const key_log_entry *e = &a->log.entries[i];
        if (e->count < a->min_count)
            a->below_min++;
        else
            new_cell(a, e->key, e->length, e->hash)->records = e->count;
    }
    key_log_free(&a->log);
}

/* Records in batches: the cells of a batch are looked up side by side, then updated in input
 * order. */
static void aggregate_input(aggregate *a, record_reader *reader)
{
    resolve_columns(a, reader);
    if (a->log_groups) {
        log_input(a, reader);
        return;
    }
    input_batch *b = a->batch;
    while (read_batch(a, reader)) {
        const UT_hash_table *table = hash_batch_table(a->cells ? &a->cells->hh : NULL);
        for (size_t i = 0; i < b->count; i++)
            if (b->probes[i].key)
                hash_batch_prefetch_chain(table, b->probes[i].hash);
        hash_batch_find(table, b->probes, b->count, (void **)b->found);
        for (size_t i = 0; i < b->count; i++) {
            cell *c = b->found[i];
            if (c)
                a->last = c;
            else if (!b->probes[i].key) /* the key of the record before */
                c = a->last;
            else /* new when the batch began: an earlier record of the batch may have made it */
                c = find_cell_hashed(a, b->probes[i].key, b->probes[i].length, b->probes[i].hash);
            b->found[i] = c;
        }
        statistics_update_batch(&a->stats, b->found, b->rows, b->count);
        a->used += b->count;
    }
}

/* --merge: the rows of a partial file, each added to its cell. */
static void merge_input(aggregate *a, record_reader *reader)
{
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        koppel_progress(&a->ctx);
        if (partial_merge_row(a, reader, record))
            a->used++;
    }
}

/* Columns are found by name in each input, so their order may differ, except between partials. */
static void read_inputs(aggregate *a, koppel_inputs *inputs)
{
    inputs->headers_may_differ = true;
    record_reader *reader;
    while ((reader = koppel_inputs_next(&a->ctx, inputs))) {
        if (a->merge) {
            if (reader != inputs->first)
                partial_check_same_header(a, reader, inputs->paths[0]);
            merge_input(a, reader);
        } else
            aggregate_input(a, reader);
    }
    a->last = NULL;
}

/* ---------------------------------------------------------------- --stats and clean-up */

static void stats_key_for(char *key, size_t size, const char *prefix, const char *column)
{
    size_t n = (size_t)snprintf(key, size, "%s", prefix);
    for (const char *p = column; *p && n + 1 < size; p++) {
        char c = *p;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        key[n++] = plain ? c : '_';
    }
    key[n] = '\0';
}

static void report(aggregate *a)
{
    koppel_stats_int(&a->ctx, "records_used", (int64_t)a->used);
    koppel_stats_int(&a->ctx, "groups", (int64_t)a->detail_cells);
    if (a->min_count)
        koppel_stats_int(&a->ctx, "groups_below_min_count", (int64_t)a->below_min);
    for (size_t i = 0; i < a->column_count; i++) {
        char key[160];
        stats_key_for(key, sizeof key, "missing_", a->columns[i].name);
        koppel_stats_int(&a->ctx, key, (int64_t)a->columns[i].missing);
    }
}

static void release(aggregate *a)
{
    for (cell *c = a->cells; c; c = c->hh.next)
        statistics_clear(&a->stats, c);
    if (a->scratch)
        statistics_clear(&a->stats, a->scratch);
    free(a->scratch);
    HASH_CLEAR(hh, a->cells);
    statistics_free(&a->stats);
    for (size_t i = 0; i < a->column_count; i++)
        free(a->columns[i].name);
    free(a->columns);
    if (a->merge) {
        for (size_t i = 0; i < a->group_count; i++)
            free(a->group_columns[i]);
        for (size_t i = 0; i < a->header_count; i++)
            free(a->header_names[i]);
    }
    free(a->group_columns);
    free(a->header_names);
    free(a->group_index);
    input_batch_free(a->batch);
    free(a->key);
    free(a->merge_label);
    arena_free(&a->memory);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    aggregate a = {0};
    koppel_init(&a.ctx, "aggregate", usage);
    a.label = "Total";
    parse_options(&a, argc, argv);

    koppel_inputs inputs;
    record_reader *first = koppel_inputs_open(&a.ctx, &inputs, argc, argv, optind);
    if (a.merge)
        partial_read_header(&a, first);
    plan(&a);
    read_inputs(&a, &inputs);
    if (a.merge)
        partial_check_margins(&a);
    if (a.log_groups)
        cells_from_log(&a);
    else
        for (cell *c = a.cells; c; c = c->hh.next)
            a.detail_cells += !is_total(&a, c);
    if (a.margins != MARGINS_NONE || a.merge_label) {
        check_label(&a);
        if (a.margins != MARGINS_NONE)
            add_margins(&a);
    }
    write_cells(&a);
    report(&a);
    int status = koppel_finish(&a.ctx);
    koppel_inputs_close(&inputs);
    release(&a);
    return status;
}
