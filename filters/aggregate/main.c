/* aggregate/main.c: koppel aggregate — statistics per group (counts, distinct counts, sums, means,
 * extremes, standard deviations, top values, weighted sums), margins, and partial results
 * that merge into exactly what one run over all input gives. */
#include <math.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "exact_sum.h"
#include "key_log.h"
#include "koppel.h"
#include "message.h"
#include "number.h"

/* uthash's default hash (Jenkins) costs more on a short group key than the rest of a lookup;
 * a word-at-a-time multiply-xor hash with the murmur3 finaliser spreads such keys as well. */
static inline unsigned key_hash(const void *key, size_t length)
{
    const unsigned char *p = key;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ length;
    for (; length >= 8; p += 8, length -= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    if (length) {
        uint64_t word = 0;
        memcpy(&word, p, length);
        h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return (unsigned)h;
}

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = key_hash((keyptr), (keylen)))
/* The bucket arrays go on huge pages, as the cells do (arena.h); out of memory is status 3. */
#define uthash_fatal(msg) message_die_nomem()
#define uthash_malloc(size) large_allocate(size)
#define uthash_free(pointer, size) free(pointer)
#include <uthash.h>

#include "hash_batch.h"

static const char usage[] =
    "Usage: koppel aggregate [-g COL[,COL...]] [STATISTIC...] [--totals|--rollup] [OPTIONS] [FILE...]\n"
    "Statistics per group: counts, distinct counts, sums, means, top values; margins; partial results.\n"
    "\n"
    "Reads CSV with a header from FILEs or standard input (columns are found by name in each\n"
    "file) and writes one record per group: the group columns, then one column per statistic\n"
    "in the order given. Records are sorted by the group columns, first column first, by the\n"
    "bytes of the values; an empty value is a group of its own and sorts first.\n"
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
    "\n"
    "Numbers are whole numbers (64-bit) or decimals such as 1.5 or -2e3. An empty value is\n"
    "skipped by the statistics on its column (the --stats figure missing_COL counts them; so\n"
    "does count - n_COL per group); a statistic without any value is empty. Other text in a\n"
    "numeric column rejects the record. Sums of whole numbers are exact (128-bit) and are\n"
    "written as whole numbers when the column holds only whole numbers; every other result\n"
    "comes from exact sums, rounded once, and is written with the fewest digits that read\n"
    "back to the same double. So results never depend on the order of the records.\n"
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
    "                               columns, partial@v1 (g or t per group column: grouped or\n"
    "                               totalled) and columns STATISTIC@PART\n"
    "      --merge                  read partial files (any number, any order) and write what\n"
    "                               one run over all their input writes, byte for byte; with\n"
    "                               --partial, write a merged partial. Statistics, -g and the\n"
    "                               margins come from the partial files (--totals/--rollup\n"
    "                               may be added here if the partials have no margins)\n"
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

enum {
    OPT_COUNT = OPT_FILTER_BASE, OPT_COUNT_VALUES, OPT_COUNT_DISTINCT, OPT_SUM, OPT_MEAN, OPT_MIN,
    OPT_MAX, OPT_SD, OPT_TOP, OPT_WEIGHTED_SUM, OPT_WEIGHTED_MEAN, OPT_TOTALS, OPT_ROLLUP,
    OPT_TOTAL_LABEL, OPT_PARTIAL, OPT_MERGE, OPT_SPLIT_BY, OPT_MIN_COUNT
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
    {"totals", no_argument, NULL, OPT_TOTALS},
    {"rollup", no_argument, NULL, OPT_ROLLUP},
    {"total-label", required_argument, NULL, OPT_TOTAL_LABEL},
    {"partial", no_argument, NULL, OPT_PARTIAL},
    {"merge", no_argument, NULL, OPT_MERGE},
    {"split-by", required_argument, NULL, OPT_SPLIT_BY},
    {"min-count", required_argument, NULL, OPT_MIN_COUNT},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

#define PARTIAL_MARKER "partial@v1"
#define TOP_LIMIT 1000
#define CUBE_LIMIT 16 /* group columns for --totals: 2^16 combinations of margins */

/* ---------------------------------------------------------------- numbers */

/* A field's number as it was written: a whole number stays one, so that whole-number
 * columns print as such and extremes keep every digit. */
typedef struct number {
    union {
        int64_t integer;
        double real;
    } v;
    bool is_integer;
} number;

static bool number_parse(const char *text, size_t length, number *result)
{
    if (number_parse_int64(text, length, &result->v.integer)) {
        result->is_integer = true;
        return true;
    }
    result->is_integer = false;
    return number_parse_double(text, length, &result->v.real);
}

static double number_as_double(number n) { return n.is_integer ? (double)n.v.integer : n.v.real; }

/* Exact comparison of a whole number with a double. */
static int compare_integer_real(int64_t integer, double real)
{
    const double two63 = 9223372036854775808.0;
    if (real >= two63)
        return -1;
    if (real < -two63)
        return 1;
    double whole = trunc(real);
    int64_t whole_integer = (int64_t)whole;
    if (integer != whole_integer)
        return integer < whole_integer ? -1 : 1;
    double fraction = real - whole;
    return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
}

/* Order by value; among equal values a whole number ranks above a double, so that which of
 * two equal values is kept never depends on the order of the records. */
static int number_rank(number a, number b)
{
    if (a.is_integer && b.is_integer)
        return (a.v.integer > b.v.integer) - (a.v.integer < b.v.integer);
    if (!a.is_integer && !b.is_integer)
        return (a.v.real > b.v.real) - (a.v.real < b.v.real);
    if (a.is_integer) {
        int order = compare_integer_real(a.v.integer, b.v.real);
        return order ? order : 1;
    }
    int order = -compare_integer_real(b.v.integer, a.v.real);
    return order ? order : -1;
}

static size_t number_format(number n, char *buffer)
{
    return n.is_integer ? number_format_int64(n.v.integer, buffer) : number_format_double(n.v.real, buffer);
}

/* ---------------------------------------------------------------- statistics */

typedef enum stat_kind {
    STAT_COUNT, STAT_COUNT_VALUES, STAT_DISTINCT, STAT_SUM, STAT_MEAN, STAT_MIN, STAT_MAX,
    STAT_SD, STAT_TOP, STAT_WSUM, STAT_WMEAN, STAT_KINDS
} stat_kind;

/* Per kind: the option, the output prefix, and the parts of its partial state. */
static const struct kind_info {
    const char *option;
    const char *prefix;
    const char *parts[3];
    size_t part_count;
} kinds[STAT_KINDS] = {
    [STAT_COUNT] = {"--count", "count", {"n"}, 1},
    [STAT_COUNT_VALUES] = {"--count-values", "n", {"n"}, 1},
    [STAT_DISTINCT] = {"--count-distinct", "distinct", {"set"}, 1}, /* or "disjoint" */
    [STAT_SUM] = {"--sum", "sum", {"n", "int", "float"}, 3},
    [STAT_MEAN] = {"--mean", "mean", {"n", "int", "float"}, 3},
    [STAT_MIN] = {"--min", "min", {"value"}, 1},
    [STAT_MAX] = {"--max", "max", {"value"}, 1},
    [STAT_SD] = {"--sd", "sd", {"n", "sum", "sumsq"}, 3},
    [STAT_TOP] = {"--top", "top", {"values"}, 1},
    [STAT_WSUM] = {"--weighted-sum", "wsum", {"n", "product", "weight"}, 3},
    [STAT_WMEAN] = {"--weighted-mean", "wmean", {"n", "product", "weight"}, 3},
};

typedef struct cell cell;

/* One value in a distinct set. All sets of a statistic share one hash table keyed by the
 * owning cell's address followed by the value's bytes; each cell links its own values. */
typedef struct distinct_entry {
    UT_hash_handle hh;
    struct distinct_entry *next_in_cell;
    uint32_t length;
    const cell *owner; /* the key starts here ... */
    char text[];       /* ... and runs on through the value */
} distinct_entry;

_Static_assert(offsetof(distinct_entry, text) == offsetof(distinct_entry, owner) + sizeof(const cell *),
               "the key of a distinct entry must be contiguous");

typedef struct statistic {
    stat_kind kind;
    char *column;      /* input column (for merges: the name after the prefix) */
    char *weight;      /* weighted statistics */
    size_t top_count;  /* --top N */
    bool disjoint;     /* distinct: the partial keeps a count (--split-by) */
    char *output_name; /* "sum_cost"; for --top the columns are top1_cost ... */
    size_t slot, weight_slot; /* input columns (index into the run's columns) */
    size_t offset;     /* of the state in a cell */
    distinct_entry *table;
    char *probe;       /* key buffer for distinct look-ups */
    size_t probe_capacity;
    bool any_real;     /* sum: some value in some cell was not a whole number */
} statistic;

typedef struct count_state {
    uint64_t n;
} count_state;

typedef struct distinct_state {
    uint64_t count; /* values in the set, plus counts merged from --split-by partials */
    distinct_entry *first;
} distinct_state;

typedef struct sum_state {
    exact_int integer_sum;
    exact_sum real_sum;
    uint64_t n;
    bool has_real;
} sum_state;

typedef struct extreme_state {
    number value;
    bool has;
} extreme_state;

typedef struct sd_state {
    exact_sum sum, squares;
    uint64_t n;
} sd_state;

typedef struct top_state {
    uint32_t count;
    number values[]; /* largest first */
} top_state;

typedef struct weighted_state {
    exact_sum products, weights;
    uint64_t n;
} weighted_state;

/* A cell of the output table: a group, or a margin (total). Its key is one byte per group
 * column ('g' grouped, 't' totalled), then each value followed by a NUL (fields never contain
 * NUL bytes, so the key is unambiguous); totalled values are empty in the key. */
struct cell {
    UT_hash_handle hh; /* its key (hh.key, hh.keylen) lies right after the state */
    uint64_t records;
    max_align_t state[];
};

static const char *cell_key(const cell *c) { return c->hh.key; }
static size_t cell_key_length(const cell *c) { return c->hh.keylen; }

static void *cell_state(const cell *c, const statistic *s) { return (char *)c->state + s->offset; }

/* An input column that statistics read, once per record. */
typedef struct input_column {
    char *name;
    bool numeric;
    bool text;    /* --count-distinct: the batch keeps its text */
    size_t index; /* in the current file */
    uint64_t missing;
} input_column;

typedef enum { MARGINS_NONE, MARGINS_CUBE, MARGINS_ROLLUP } margin_kind;

typedef struct aggregate {
    koppel_context ctx;
    char **group_columns;
    size_t group_count;
    size_t *group_index; /* in the current file */
    statistic *stats;
    size_t stat_count;
    input_column *columns;
    size_t column_count;
    struct input_batch *batch; /* records read, waiting for their cells */
    size_t state_size;
    margin_kind margins;
    const char *label;
    bool label_given;
    bool partial, merge;
    const char *split_by;
    uint64_t min_count;   /* --min-count: cells of fewer records are not written (0: all) */
    uint64_t below_min;   /* the groups (not totals) left out by it */
    arena memory;
    /* --min-count 2 or more with nothing but --count and no totals: the groups are counted in
     * a key log (key_log.h) and only those of at least min_count records become cells. */
    bool log_groups;
    key_log log;
    cell *cells; /* uthash table */
    cell *last;  /* the cell of the previous record: sorted input skips the hash */
    uint64_t detail_cells;
    char *key;
    size_t key_capacity;
    uint64_t used;
    char *merge_label; /* the label found in partial files */
    char **header_names; /* merge: the first partial's header */
    size_t header_count;
    cell *scratch; /* merge: one partial row, parsed before it is added */
} aggregate;

/* What the statistics need of one record: per input column its number and whether it has a
 * value, and for the columns of --count-distinct the text. */
typedef struct record_values {
    number *values;
    bool *present;
    const char **texts;
    size_t *text_lengths;
} record_values;

/* Records are read in batches: their group keys are hashed and looked up all at once
 * (hash_batch.h), and only then are their cells updated, in input order. The batch keeps
 * what the statistics need, as a record read is gone at the next one. */
typedef struct input_batch {
    size_t count;
    hash_probe probes[HASH_BATCH_MAX];
    cell *found[HASH_BATCH_MAX];
    record_values rows[HASH_BATCH_MAX];
    size_t key_offsets[HASH_BATCH_MAX];
    size_t *text_offsets;      /* HASH_BATCH_MAX x columns, into BYTES */
    char *bytes;               /* the keys and texts of the batch */
    size_t used, capacity;
} input_batch;

static struct input_batch *input_batch_new(size_t columns)
{
    input_batch *b = xcalloc(1, sizeof *b);
    size_t n = HASH_BATCH_MAX * (columns + 1);
    number *values = xcalloc(n, sizeof *values);
    bool *present = xcalloc(n, sizeof *present);
    const char **texts = xcalloc(n, sizeof *texts);
    size_t *lengths = xcalloc(n, sizeof *lengths);
    b->text_offsets = xcalloc(n, sizeof *b->text_offsets);
    b->capacity = 4096; /* never NULL, even for keys of no bytes (no -g) */
    b->bytes = xmalloc(b->capacity);
    for (size_t i = 0; i < HASH_BATCH_MAX; i++) {
        size_t at = i * (columns + 1);
        b->rows[i] = (record_values){values + at, present + at, texts + at, lengths + at};
    }
    return b;
}

static void input_batch_free(input_batch *b)
{
    if (!b)
        return;
    free(b->rows[0].values);
    free(b->rows[0].present);
    free(b->rows[0].texts);
    free(b->rows[0].text_lengths);
    free(b->text_offsets);
    free(b->bytes);
    free(b);
}

/* Room for LENGTH more bytes in the batch; their offset. */
static size_t input_batch_reserve(input_batch *b, size_t length)
{
    if (b->used + length > b->capacity) {
        while (b->used + length > b->capacity)
            b->capacity *= 2;
        b->bytes = xrealloc(b->bytes, b->capacity);
    }
    size_t offset = b->used;
    b->used += length;
    return offset;
}

/* ---------------------------------------------------------------- options */

static char **column_names(const aggregate *a, bool partial, size_t *count);
static void free_names(char **names, size_t count);

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

static char *concatenate(const char *first, const char *second, const char *third)
{
    size_t length = strlen(first) + strlen(second) + strlen(third) + 1;
    char *result = xmalloc(length);
    snprintf(result, length, "%s%s%s", first, second, third);
    return result;
}

static statistic *new_statistic(aggregate *a, stat_kind kind, const char *column)
{
    a->stats = xrealloc(a->stats, (a->stat_count + 1) * sizeof(statistic));
    statistic *s = &a->stats[a->stat_count++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    if (column) {
        s->column = xstrdup(column);
        s->output_name = concatenate(kinds[kind].prefix, "_", column);
    } else
        s->output_name = xstrdup(kinds[kind].prefix);
    return s;
}

static void add_statistic(aggregate *a, int option, const char *arg)
{
    const koppel_context *ctx = &a->ctx;
    stat_kind kind = option == OPT_COUNT          ? STAT_COUNT
                     : option == OPT_COUNT_VALUES ? STAT_COUNT_VALUES
                     : option == OPT_COUNT_DISTINCT ? STAT_DISTINCT
                     : option == OPT_SUM          ? STAT_SUM
                     : option == OPT_MEAN         ? STAT_MEAN
                     : option == OPT_MIN          ? STAT_MIN
                     : option == OPT_MAX          ? STAT_MAX
                     : option == OPT_SD           ? STAT_SD
                     : option == OPT_TOP          ? STAT_TOP
                     : option == OPT_WEIGHTED_SUM ? STAT_WSUM
                                                  : STAT_WMEAN;
    if (kind == STAT_COUNT) {
        new_statistic(a, kind, NULL);
        return;
    }
    if (*arg == '\0')
        koppel_usage_error(ctx, "%s needs a column name", kinds[kind].option);
    if (kind == STAT_TOP) {
        char *end;
        const char *colon = strchr(arg, ':');
        long count = colon ? strtol(arg, &end, 10) : 0;
        if (!colon || end != colon || count < 1 || count > TOP_LIMIT || colon[1] == '\0' || arg[0] < '0' ||
            arg[0] > '9')
            koppel_usage_error(ctx, "--top expects N:COL with N from 1 to %d, e.g. 2:cost", TOP_LIMIT);
        statistic *s = new_statistic(a, kind, colon + 1);
        s->top_count = (size_t)count;
        char prefix[32];
        snprintf(prefix, sizeof prefix, "top%ld_", count);
        free(s->output_name);
        s->output_name = concatenate(prefix, s->column, "");
        return;
    }
    if (kind == STAT_WSUM || kind == STAT_WMEAN) {
        const char *colon = strrchr(arg, ':');
        if (!colon || colon == arg || colon[1] == '\0')
            koppel_usage_error(ctx, "%s expects COL:WEIGHT, e.g. contacts:weight", kinds[kind].option);
        char *column = xstrndup(arg, (size_t)(colon - arg));
        statistic *s = new_statistic(a, kind, column);
        s->weight = xstrdup(colon + 1);
        free(column);
        return;
    }
    new_statistic(a, kind, arg);
}

/* Input columns, state offsets, and the checks that need the whole command line. */
static void plan_statistics(aggregate *a)
{
    const koppel_context *ctx = &a->ctx;
    size_t align = sizeof(max_align_t);
    a->state_size = 0;
    for (size_t i = 0; i < a->stat_count; i++) {
        statistic *s = &a->stats[i];
        size_t size = 0;
        switch (s->kind) {
        case STAT_COUNT: break;
        case STAT_COUNT_VALUES: size = sizeof(count_state); break;
        case STAT_DISTINCT: size = sizeof(distinct_state); break;
        case STAT_SUM:
        case STAT_MEAN: size = sizeof(sum_state); break;
        case STAT_MIN:
        case STAT_MAX: size = sizeof(extreme_state); break;
        case STAT_SD: size = sizeof(sd_state); break;
        case STAT_TOP: size = sizeof(top_state) + s->top_count * sizeof(number); break;
        case STAT_WSUM:
        case STAT_WMEAN: size = sizeof(weighted_state); break;
        default: break;
        }
        s->offset = a->state_size;
        a->state_size += (size + align - 1) / align * align;
        if (!a->merge && s->column) {
            s->slot = find_or_add_column(a, s->column, s->kind != STAT_COUNT_VALUES && s->kind != STAT_DISTINCT);
            a->columns[s->slot].text |= s->kind == STAT_DISTINCT;
        }
        if (!a->merge && s->weight)
            s->weight_slot = find_or_add_column(a, s->weight, true);
    }
    size_t n;
    char **names = column_names(a, false, &n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                koppel_usage_error(ctx, "two columns of the output would be named '%s' (a statistic given "
                                        "twice, or named like a group column)",
                                   names[i]);
    free_names(names, n);
    for (size_t i = 0; i < a->group_count; i++) {
        if (strcmp(a->group_columns[i], PARTIAL_MARKER) == 0)
            koppel_usage_error(ctx, "a group column may not be named '%s'", PARTIAL_MARKER);
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->group_columns[i], a->group_columns[j]) == 0)
                koppel_usage_error(ctx, "-g names the column '%s' twice", a->group_columns[i]);
    }
    a->batch = input_batch_new(a->column_count);
}

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
        if (a->group_count || a->stat_count)
            koppel_usage_error(ctx, "--merge takes the group columns and statistics from the partial "
                                    "files; give no -g and no statistic");
        return;
    }
    if (a->stat_count == 0)
        new_statistic(a, STAT_COUNT, NULL);
    if (a->split_by) {
        bool used = false;
        for (size_t i = 0; i < a->stat_count; i++)
            if (a->stats[i].kind == STAT_DISTINCT && strcmp(a->stats[i].column, a->split_by) == 0)
                used = a->stats[i].disjoint = true;
        if (!used)
            koppel_usage_error(ctx, "--split-by %s: there is no --count-distinct %s for it to apply to",
                               a->split_by, a->split_by);
    }
}

/* ---------------------------------------------------------------- cells */

static void ensure_key(aggregate *a, size_t length)
{
    if (length <= a->key_capacity)
        return;
    while (a->key_capacity < length)
        a->key_capacity = a->key_capacity ? a->key_capacity * 2 : 256;
    a->key = xrealloc(a->key, a->key_capacity);
}

/* A new group: the cell, its statistics' state and its key in one piece of the arena. */
static cell *new_cell(aggregate *a, const char *key, size_t length, unsigned hash)
{
    size_t head = sizeof(cell) + a->state_size;
    cell *c = arena_allocate(&a->memory, head + length, alignof(max_align_t));
    memset(c, 0, head);
    char *copy = (char *)c + head;
    memcpy(copy, key, length);
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, a->cells, copy, length, hash, c);
    return c;
}

/* The cell of KEY, whose hash is HASH; a new one if there is none. */
static cell *find_cell_hashed(aggregate *a, const char *key, size_t length, unsigned hash)
{
    cell *found;
    HASH_FIND_BYHASHVALUE(hh, a->cells, key, length, hash, found);
    if (!found)
        found = new_cell(a, key, length, hash);
    a->last = found;
    return found;
}

static bool is_last_cell(const aggregate *a, const char *key, size_t length)
{
    return a->last && cell_key_length(a->last) == length && memcmp(cell_key(a->last), key, length) == 0;
}

static cell *find_cell(aggregate *a, const char *key, size_t length)
{
    if (is_last_cell(a, key, length))
        return a->last;
    if (length > UINT32_MAX)
        message_die(EXIT_DATA, "group values too long (%zu bytes)", length);
    unsigned hash;
    HASH_VALUE(key, length, hash);
    return find_cell_hashed(a, key, length, hash);
}

/* The I-th group value in a cell key: its start; *LENGTH gets its length. */
static const char *key_value(const aggregate *a, const cell *c, size_t index, size_t *length)
{
    const char *p = cell_key(c) + a->group_count;
    for (size_t i = 0; i < index; i++)
        p += strlen(p) + 1;
    *length = strlen(p);
    return p;
}

static bool is_total(const aggregate *a, const cell *c)
{
    return memchr(cell_key(c), 't', a->group_count) != NULL;
}

/* Cells in output order: per group column the mask byte ('g' before 't'), then the value's
 * bytes (strcmp compares as unsigned char; empty sorts first). */
static int compare_cells(const void *left, const void *right, void *context)
{
    const aggregate *a = context;
    const cell *x = *(cell *const *)left, *y = *(cell *const *)right;
    const char *p = cell_key(x) + a->group_count, *q = cell_key(y) + a->group_count;
    for (size_t i = 0; i < a->group_count; i++) {
        if (cell_key(x)[i] != cell_key(y)[i])
            return cell_key(x)[i] < cell_key(y)[i] ? -1 : 1;
        int order = strcmp(p, q);
        if (order)
            return order;
        p += strlen(p) + 1;
        q += strlen(q) + 1;
    }
    return 0;
}

/* For sorting: the first 8 bytes of a cell's key as it orders (for each group column its
 * flag, its value and a NUL), big-endian, so that most comparisons need not read the cell. */
typedef struct sort_entry {
    uint64_t prefix;
    const cell *c;
} sort_entry;

static uint64_t sort_prefix(const aggregate *a, const cell *c)
{
    unsigned char bytes[8] = {0};
    size_t n = 0;
    const char *value = cell_key(c) + a->group_count;
    for (size_t i = 0; i < a->group_count && n < sizeof bytes; i++) {
        bytes[n++] = (unsigned char)cell_key(c)[i];
        while (*value && n < sizeof bytes)
            bytes[n++] = (unsigned char)*value++;
        value += strlen(value) + 1;
        if (n < sizeof bytes)
            bytes[n++] = '\0';
    }
    uint64_t prefix = 0;
    for (size_t i = 0; i < sizeof bytes; i++)
        prefix = prefix << 8 | bytes[i];
    return prefix;
}

static int compare_sorted(const void *left, const void *right, void *context)
{
    const sort_entry *x = left, *y = right;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    const cell *cx = x->c, *cy = y->c;
    return compare_cells(&cx, &cy, context);
}

/* Sort the cells: by the prefix first, a byte at a time from the last (radix sort; a byte
 * that all prefixes share is skipped), then each run of equal prefixes by the whole key.
 * Millions of groups sort in a few passes over memory instead of n log n comparisons that
 * each read two cells. */
static void sort_entries(aggregate *a, sort_entry *entries, size_t n)
{
    if (n < 256) {
        qsort_r(entries, n, sizeof *entries, compare_sorted, a);
        return;
    }
    sort_entry *other = large_allocate(n * sizeof *other);
    if (!other)
        message_die_nomem();
    sort_entry *from = entries, *to = other;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t counts[256] = {0};
        for (size_t i = 0; i < n; i++)
            counts[(from[i].prefix >> shift) & 0xff]++;
        if (counts[(from[0].prefix >> shift) & 0xff] == n)
            continue;
        size_t position = 0;
        for (size_t b = 0; b < 256; b++) {
            size_t count = counts[b];
            counts[b] = position;
            position += count;
        }
        for (size_t i = 0; i < n; i++)
            to[counts[(from[i].prefix >> shift) & 0xff]++] = from[i];
        sort_entry *swap = from;
        from = to;
        to = swap;
    }
    if (from != entries)
        memcpy(entries, from, n * sizeof *entries);
    free(other);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && entries[j].prefix == entries[i].prefix)
            j++;
        if (j - i > 1)
            qsort_r(entries + i, j - i, sizeof *entries, compare_sorted, a);
        i = j;
    }
}

/* ---------------------------------------------------------------- updating state */

/* A new entry for VALUE in C's set (in the arena, linked to the cell, not yet in the table). */
static distinct_entry *distinct_entry_new(aggregate *a, distinct_state *state, const cell *c, const char *text,
                                          size_t length)
{
    distinct_entry *entry = arena_allocate(&a->memory, sizeof(distinct_entry) + length + 1, alignof(distinct_entry));
    memset(entry, 0, sizeof *entry);
    entry->owner = c;
    entry->length = (uint32_t)length;
    memcpy(entry->text, text, length);
    entry->text[length] = '\0';
    entry->next_in_cell = state->first;
    state->first = entry;
    state->count++;
    return entry;
}

static void distinct_table_add(statistic *s, distinct_entry *entry, unsigned hash)
{
    HASH_ADD_KEYPTR_BYHASHVALUE(hh, s->table, &entry->owner, sizeof(const cell *) + entry->length, hash, entry);
}

/* Add TEXT to C's set. Most sets in register data hold one value (one practice per patient):
 * a cell's first value is only linked to the cell, and compared there; the shared table is
 * only searched, and filled, once a cell has a second value. */
static void distinct_insert(aggregate *a, statistic *s, cell *c, const char *text, size_t length)
{
    distinct_state *state = cell_state(c, s);
    distinct_entry *only = state->first;
    if (!only) {
        distinct_entry_new(a, state, c, text, length);
        return;
    }
    unsigned hash;
    if (only->hh.tbl == NULL) { /* the cell's one value, not in the table */
        if (only->length == length && memcmp(only->text, text, length) == 0)
            return;
        HASH_VALUE(&only->owner, sizeof(const cell *) + only->length, hash);
        distinct_table_add(s, only, hash);
        distinct_entry *second = distinct_entry_new(a, state, c, text, length);
        HASH_VALUE(&second->owner, sizeof(const cell *) + length, hash);
        distinct_table_add(s, second, hash);
        return;
    }
    size_t key_length = sizeof(const cell *) + length;
    if (key_length > s->probe_capacity) {
        s->probe_capacity = key_length * 2 > 256 ? key_length * 2 : 256;
        s->probe = xrealloc(s->probe, s->probe_capacity);
    }
    const cell *owner = c;
    memcpy(s->probe, &owner, sizeof owner);
    memcpy(s->probe + sizeof owner, text, length);
    distinct_entry *found;
    HASH_VALUE(s->probe, key_length, hash);
    HASH_FIND_BYHASHVALUE(hh, s->table, s->probe, key_length, hash, found);
    if (!found)
        distinct_table_add(s, distinct_entry_new(a, state, c, text, length), hash);
}

static void sum_add(sum_state *state, number value)
{
    state->n++;
    if (value.is_integer)
        state->integer_sum += value.v.integer;
    else {
        state->has_real = true;
        exact_sum_add(&state->real_sum, value.v.real);
    }
}

static void extreme_update(extreme_state *state, number value, int direction)
{
    if (!state->has || number_rank(value, state->value) * direction > 0) {
        state->value = value;
        state->has = true;
    }
}

static void top_insert(top_state *state, size_t capacity, number value)
{
    size_t position = state->count;
    while (position > 0 && number_rank(value, state->values[position - 1]) > 0)
        position--;
    if (position >= capacity)
        return;
    size_t last = state->count < capacity ? state->count : capacity - 1;
    memmove(&state->values[position + 1], &state->values[position], (last - position) * sizeof(number));
    state->values[position] = value;
    if (state->count < capacity)
        state->count++;
}

static void sd_add(sd_state *state, double x)
{
    state->n++;
    exact_sum_add(&state->sum, x);
    exact_sum_add_product(&state->squares, x, x);
}

static void weighted_add(weighted_state *state, double x, double weight)
{
    state->n++;
    exact_sum_add_product(&state->products, x, weight);
    exact_sum_add(&state->weights, weight);
}

static void update_cell(aggregate *a, cell *c, const record_values *row)
{
    c->records++;
    for (size_t i = 0; i < a->stat_count; i++) {
        statistic *s = &a->stats[i];
        void *state = cell_state(c, s);
        if (s->kind == STAT_COUNT || !row->present[s->slot])
            continue;
        number value = row->values[s->slot];
        switch (s->kind) {
        case STAT_COUNT_VALUES: ((count_state *)state)->n++; break;
        case STAT_DISTINCT: distinct_insert(a, s, c, row->texts[s->slot], row->text_lengths[s->slot]); break;
        case STAT_SUM:
        case STAT_MEAN: sum_add(state, value); break;
        case STAT_MIN: extreme_update(state, value, -1); break;
        case STAT_MAX: extreme_update(state, value, 1); break;
        case STAT_SD: sd_add(state, number_as_double(value)); break;
        case STAT_TOP: top_insert(state, s->top_count, value); break;
        case STAT_WSUM:
        case STAT_WMEAN:
            if (row->present[s->weight_slot])
                weighted_add(state, number_as_double(value), number_as_double(row->values[s->weight_slot]));
            break;
        default: break;
        }
    }
}

/* Add the state of SOURCE to TARGET (margins from groups; merges). */
static void merge_cell(aggregate *a, cell *target, const cell *source)
{
    target->records += source->records;
    for (size_t i = 0; i < a->stat_count; i++) {
        statistic *s = &a->stats[i];
        void *to = cell_state(target, s);
        const void *from = cell_state(source, s);
        switch (s->kind) {
        case STAT_COUNT: break;
        case STAT_COUNT_VALUES: ((count_state *)to)->n += ((const count_state *)from)->n; break;
        case STAT_DISTINCT: {
            const distinct_state *other = from;
            uint64_t listed = 0;
            for (const distinct_entry *e = other->first; e; e = e->next_in_cell, listed++)
                distinct_insert(a, s, target, e->text, e->length);
            ((distinct_state *)to)->count += other->count - listed; /* merged --split-by counts */
            break;
        }
        case STAT_SUM:
        case STAT_MEAN: {
            sum_state *t = to;
            const sum_state *f = from;
            t->n += f->n;
            t->integer_sum += f->integer_sum;
            t->has_real |= f->has_real;
            exact_sum_add_sum(&t->real_sum, &f->real_sum);
            break;
        }
        case STAT_MIN:
        case STAT_MAX:
            if (((const extreme_state *)from)->has)
                extreme_update(to, ((const extreme_state *)from)->value, s->kind == STAT_MIN ? -1 : 1);
            break;
        case STAT_SD: {
            sd_state *t = to;
            const sd_state *f = from;
            t->n += f->n;
            exact_sum_add_sum(&t->sum, &f->sum);
            exact_sum_add_sum(&t->squares, &f->squares);
            break;
        }
        case STAT_TOP: {
            const top_state *f = from;
            for (uint32_t j = 0; j < f->count; j++)
                top_insert(to, s->top_count, f->values[j]);
            break;
        }
        case STAT_WSUM:
        case STAT_WMEAN: {
            weighted_state *t = to;
            const weighted_state *f = from;
            t->n += f->n;
            exact_sum_add_sum(&t->products, &f->products);
            exact_sum_add_sum(&t->weights, &f->weights);
            break;
        }
        default: break;
        }
    }
}

/* Release what a cell's state holds outside the arena (long exact sums), and clear it. */
static void clear_cell(aggregate *a, cell *c)
{
    for (size_t i = 0; i < a->stat_count; i++) {
        statistic *s = &a->stats[i];
        void *state = cell_state(c, s);
        switch (s->kind) {
        case STAT_SUM:
        case STAT_MEAN: exact_sum_free(&((sum_state *)state)->real_sum); break;
        case STAT_SD:
            exact_sum_free(&((sd_state *)state)->sum);
            exact_sum_free(&((sd_state *)state)->squares);
            break;
        case STAT_WSUM:
        case STAT_WMEAN:
            exact_sum_free(&((weighted_state *)state)->products);
            exact_sum_free(&((weighted_state *)state)->weights);
            break;
        default: break;
        }
    }
    memset(c->state, 0, a->state_size);
    c->records = 0;
}

/* ---------------------------------------------------------------- reading records */

static void resolve_columns(aggregate *a, const record_reader *reader)
{
    for (size_t i = 0; i < a->group_count; i++)
        a->group_index[i] = record_reader_column(reader, a->group_columns[i], "-g");
    for (size_t i = 0; i < a->column_count; i++) {
        const char *option = "statistic";
        for (size_t j = 0; j < a->stat_count; j++)
            if ((a->stats[j].column && strcmp(a->stats[j].column, a->columns[i].name) == 0) ||
                (a->stats[j].weight && strcmp(a->stats[j].weight, a->columns[i].name) == 0)) {
                option = kinds[a->stats[j].kind].option;
                break;
            }
        a->columns[i].index = record_reader_column(reader, a->columns[i].name, option);
    }
}

/* Parse the record's numbers; false (after rejecting it) when one is not a number. */
/* Keep the record's numbers (and the texts of --count-distinct) in ROW of the batch; false
 * (after rejecting the record) when a number is not one. */
static bool read_values(aggregate *a, record_reader *reader, const record_t *record, size_t row)
{
    input_batch *b = a->batch;
    record_values *v = &b->rows[row];
    for (size_t i = 0; i < a->column_count; i++) {
        const input_column *column = &a->columns[i];
        size_t length = record->lengths[column->index];
        v->present[i] = length > 0;
        if (length > 0 && column->numeric &&
            !number_parse(record->fields[column->index], length, &v->values[i])) {
            koppel_reject(&a->ctx, reader, record, "column '%s': not a number", column->name);
            return false;
        }
    }
    for (size_t i = 0; i < a->column_count; i++) {
        a->columns[i].missing += !v->present[i];
        if (a->columns[i].text) {
            size_t length = record->lengths[a->columns[i].index];
            size_t at = input_batch_reserve(b, length);
            memcpy(b->bytes + at, record->fields[a->columns[i].index], length);
            b->text_offsets[row * (a->column_count + 1) + i] = at;
            v->text_lengths[i] = length;
        }
    }
    return true;
}

/* The record's group key (a 'g' per group column, then each value and a NUL) into the batch:
 * the key of probe ROW, its offset in the batch's bytes. */
static size_t batch_key(aggregate *a, const record_t *record, size_t row)
{
    input_batch *b = a->batch;
    size_t length = a->group_count;
    for (size_t i = 0; i < a->group_count; i++)
        length += record->lengths[a->group_index[i]] + 1;
    if (length > UINT32_MAX)
        message_die(EXIT_DATA, "group values too long (%zu bytes)", length);
    size_t at = input_batch_reserve(b, length);
    char *p = b->bytes + at;
    memset(p, 'g', a->group_count);
    p += a->group_count;
    for (size_t i = 0; i < a->group_count; i++) {
        size_t index = a->group_index[i];
        memcpy(p, record->fields[index], record->lengths[index]);
        p += record->lengths[index];
        *p++ = '\0';
    }
    b->probes[row].length = length;
    return at;
}

/* Read a batch of good records: their values, their keys hashed, their buckets prefetched.
 * A key equal to the one before it (sorted input) is not looked up: it is the last cell. */
static bool read_batch(aggregate *a, record_reader *reader)
{
    input_batch *b = a->batch;
    const UT_hash_table *table = hash_batch_table(a->cells ? &a->cells->hh : NULL);
    bool repeated[HASH_BATCH_MAX];
    b->count = b->used = 0;
    const record_t *record;
    while (b->count < HASH_BATCH_MAX && record_reader_next(reader, &record)) {
        koppel_progress(&a->ctx);
        size_t i = b->count;
        if (!read_values(a, reader, record, i))
            continue;
        b->key_offsets[i] = batch_key(a, record, i);
        const char *key = b->bytes + b->key_offsets[i];
        repeated[i] = i > 0 && b->probes[i].length == b->probes[i - 1].length &&
                      memcmp(key, b->bytes + b->key_offsets[i - 1], b->probes[i].length) == 0;
        if (!repeated[i]) {
            HASH_VALUE(key, b->probes[i].length, b->probes[i].hash);
            hash_batch_prefetch_bucket(table, b->probes[i].hash);
        }
        b->count++;
    }
    /* The bytes have their final place now. */
    for (size_t i = 0; i < b->count; i++) {
        b->probes[i].key = repeated[i] ? NULL : b->bytes + b->key_offsets[i];
        for (size_t c = 0; c < a->column_count; c++)
            if (a->columns[c].text)
                b->rows[i].texts[c] = b->bytes + b->text_offsets[i * (a->column_count + 1) + c];
    }
    return b->count > 0;
}

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
            update_cell(a, c, &b->rows[i]);
            a->used++;
        }
    }
}

/* ---------------------------------------------------------------- margins */

static void check_label(aggregate *a)
{
    for (cell *c = a->cells; c; c = c->hh.next)
        for (size_t i = 0; i < a->group_count; i++) {
            size_t length;
            const char *value = key_value(a, c, i, &length);
            if (cell_key(c)[i] == 'g' && strcmp(value, a->label) == 0)
                message_die(EXIT_USAGE, "column '%s' has the value '%s', the label of total rows; choose "
                                        "another with --total-label",
                            a->group_columns[i], a->label);
        }
}

/* The margins asked for, as masks of 'g' (grouped) and 't' (totalled) per group column: for
 * the cube every combination but the detail, for the rollup the last column totalled, the
 * last two, ..., all. */
static char **margin_masks(const aggregate *a, size_t *count)
{
    size_t k = a->group_count;
    size_t total = a->margins == MARGINS_CUBE ? ((size_t)1 << k) - 1 : k;
    char **masks = xmalloc((total + 1) * sizeof(char *));
    for (size_t m = 0; m < total; m++) {
        masks[m] = xmalloc(k + 1);
        for (size_t i = 0; i < k; i++) {
            bool totalled = a->margins == MARGINS_CUBE ? ((m + 1) >> i) & 1 : i >= k - 1 - m;
            masks[m][i] = totalled ? 't' : 'g';
        }
        masks[m][k] = '\0';
    }
    *count = total;
    return masks;
}

static void add_margins(aggregate *a)
{
    size_t count = HASH_COUNT(a->cells);
    cell **details = xmalloc((count + 1) * sizeof(cell *));
    size_t n = 0;
    for (cell *c = a->cells; c; c = c->hh.next)
        details[n++] = c;
    size_t mask_count;
    char **masks = margin_masks(a, &mask_count);
    for (size_t m = 0; m < mask_count; m++) {
        const char *mask = masks[m];
        for (size_t d = 0; d < n; d++) {
            const cell *detail = details[d];
            ensure_key(a, cell_key_length(detail));
            memcpy(a->key, mask, a->group_count);
            const char *from = cell_key(detail) + a->group_count;
            char *to = a->key + a->group_count;
            for (size_t i = 0; i < a->group_count; i++) {
                size_t length = strlen(from);
                if (mask[i] == 'g') {
                    memcpy(to, from, length);
                    to += length;
                }
                *to++ = '\0';
                from += length + 1;
            }
            cell *margin = find_cell(a, a->key, (size_t)(to - a->key));
            merge_cell(a, margin, detail);
        }
        free(masks[m]);
    }
    free(masks);
    free(details);
}

/* ---------------------------------------------------------------- writing */

typedef struct text_buffer {
    char *text;
    size_t length, capacity;
} text_buffer;

static void text_reserve(text_buffer *buffer, size_t extra)
{
    if (buffer->length + extra + 1 <= buffer->capacity)
        return;
    while (buffer->capacity < buffer->length + extra + 1)
        buffer->capacity = buffer->capacity ? buffer->capacity * 2 : 256;
    buffer->text = xrealloc(buffer->text, buffer->capacity);
}

static void text_append(text_buffer *buffer, const char *text, size_t length)
{
    text_reserve(buffer, length);
    memcpy(buffer->text + buffer->length, text, length);
    buffer->length += length;
    buffer->text[buffer->length] = '\0';
}

/* The output's column names: results, or with PARTIAL the state columns. */
static char **column_names(const aggregate *a, bool partial, size_t *count)
{
    size_t capacity = a->group_count + 1;
    for (size_t i = 0; i < a->stat_count; i++)
        capacity += partial ? kinds[a->stats[i].kind].part_count : a->stats[i].top_count + 1;
    char **names = xmalloc(capacity * sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < a->group_count; i++)
        names[n++] = xstrdup(a->group_columns[i]);
    if (partial)
        names[n++] = xstrdup(PARTIAL_MARKER);
    for (size_t i = 0; i < a->stat_count; i++) {
        const statistic *s = &a->stats[i];
        if (partial) {
            for (size_t p = 0; p < kinds[s->kind].part_count; p++)
                names[n++] = concatenate(s->output_name, "@", s->disjoint ? "disjoint" : kinds[s->kind].parts[p]);
        } else if (s->kind == STAT_TOP) {
            for (size_t j = 1; j <= s->top_count; j++) {
                char prefix[32];
                snprintf(prefix, sizeof prefix, "top%zu_", j);
                names[n++] = concatenate(prefix, s->column, "");
            }
        } else
            names[n++] = xstrdup(s->output_name);
    }
    *count = n;
    return names;
}

static void free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

static void write_header(aggregate *a)
{
    size_t n;
    char **names = column_names(a, a->partial, &n);
    koppel_open_output(&a->ctx, names, n);
    free_names(names, n);
}

_Noreturn static void die_out_of_range(const statistic *s)
{
    message_die(EXIT_DATA, "column '%s': the %s of a group overflows the range of doubles (about 1.8e308%s)",
                s->output_name, kinds[s->kind].prefix, s->kind == STAT_SD ? ", for the squares of the values" : "");
}

static void write_double(record_writer *out, const statistic *s, double value)
{
    char buffer[32];
    if (!isfinite(value))
        die_out_of_range(s);
    record_writer_field(out, buffer, number_format_double(value, buffer));
}

static void write_uint(record_writer *out, uint64_t value)
{
    char buffer[32];
    int length = snprintf(buffer, sizeof buffer, "%llu", (unsigned long long)value);
    record_writer_field(out, buffer, (size_t)length);
}

static double sum_total(const sum_state *state)
{
    exact_sum total = EXACT_SUM_INIT;
    exact_sum_add_sum(&total, &state->real_sum);
    exact_sum_add_int(&total, state->integer_sum);
    double result = exact_sum_round(&total);
    exact_sum_free(&total);
    return result;
}

static void write_result(aggregate *a, const statistic *s, const cell *c)
{
    record_writer *out = a->ctx.out;
    const void *state = cell_state(c, s);
    char buffer[48];
    switch (s->kind) {
    case STAT_COUNT: write_uint(out, c->records); break;
    case STAT_COUNT_VALUES: write_uint(out, ((const count_state *)state)->n); break;
    case STAT_DISTINCT: write_uint(out, ((const distinct_state *)state)->count); break;
    case STAT_SUM:
    case STAT_MEAN: {
        const sum_state *sum = state;
        if (sum->n == 0)
            record_writer_field(out, "", 0);
        else if (s->kind == STAT_MEAN)
            write_double(out, s, sum_total(sum) / (double)sum->n);
        else if (s->any_real)
            write_double(out, s, sum_total(sum));
        else
            record_writer_field(out, buffer, exact_int_format(sum->integer_sum, buffer));
        break;
    }
    case STAT_MIN:
    case STAT_MAX: {
        const extreme_state *extreme = state;
        record_writer_field(out, buffer, extreme->has ? number_format(extreme->value, buffer) : 0);
        break;
    }
    case STAT_SD: {
        const sd_state *sd = state;
        if (sd->n < 2)
            record_writer_field(out, "", 0);
        else
            write_double(out, s, sqrt(exact_sum_sample_variance(sd->n, &sd->sum, &sd->squares)));
        break;
    }
    case STAT_TOP: {
        const top_state *top = state;
        for (size_t j = 0; j < s->top_count; j++)
            record_writer_field(out, buffer, j < top->count ? number_format(top->values[j], buffer) : 0);
        break;
    }
    case STAT_WSUM:
    case STAT_WMEAN: {
        const weighted_state *weighted = state;
        double weights = exact_sum_round(&weighted->weights);
        if (weighted->n == 0 || (s->kind == STAT_WMEAN && weights == 0))
            record_writer_field(out, "", 0);
        else if (s->kind == STAT_WSUM)
            write_double(out, s, exact_sum_round(&weighted->products));
        else
            write_double(out, s, exact_sum_round(&weighted->products) / weights);
        break;
    }
    default: break;
    }
}

static int compare_entries(const void *left, const void *right)
{
    const distinct_entry *x = *(distinct_entry *const *)left, *y = *(distinct_entry *const *)right;
    size_t common = x->length < y->length ? x->length : y->length;
    int order = memcmp(x->text, y->text, common);
    return order ? order : (x->length > y->length) - (x->length < y->length);
}

static void write_exact_sum(record_writer *out, const exact_sum *sum, text_buffer *buffer)
{
    buffer->length = 0;
    text_reserve(buffer, exact_sum_format_length(sum));
    buffer->length = exact_sum_format(sum, buffer->text);
    record_writer_field(out, buffer->text, buffer->length);
}

/* The set of a cell's distinct values as LENGTH:VALUE pieces, sorted by bytes. */
static void write_distinct_set(record_writer *out, const distinct_state *state, text_buffer *buffer)
{
    distinct_entry **entries = xmalloc((state->count + 1) * sizeof(distinct_entry *));
    size_t n = 0;
    for (distinct_entry *e = state->first; e; e = e->next_in_cell)
        entries[n++] = e;
    qsort(entries, n, sizeof *entries, compare_entries);
    buffer->length = 0;
    for (size_t i = 0; i < n; i++) {
        char length[24];
        int digits = snprintf(length, sizeof length, "%u:", entries[i]->length);
        text_append(buffer, length, (size_t)digits);
        text_append(buffer, entries[i]->text, entries[i]->length);
    }
    record_writer_field(out, buffer->text ? buffer->text : "", buffer->length);
    free(entries);
}

static void write_state(aggregate *a, const statistic *s, const cell *c, text_buffer *buffer)
{
    record_writer *out = a->ctx.out;
    const void *state = cell_state(c, s);
    char number_text[48];
    switch (s->kind) {
    case STAT_COUNT: write_uint(out, c->records); break;
    case STAT_COUNT_VALUES: write_uint(out, ((const count_state *)state)->n); break;
    case STAT_DISTINCT:
        if (s->disjoint)
            write_uint(out, ((const distinct_state *)state)->count);
        else
            write_distinct_set(out, state, buffer);
        break;
    case STAT_SUM:
    case STAT_MEAN: {
        const sum_state *sum = state;
        write_uint(out, sum->n);
        record_writer_field(out, number_text, exact_int_format(sum->integer_sum, number_text));
        if (!sum->has_real)
            record_writer_field(out, "", 0);
        else if (sum->real_sum.count == 0)
            record_writer_field(out, "0", 1);
        else
            write_exact_sum(out, &sum->real_sum, buffer);
        break;
    }
    case STAT_MIN:
    case STAT_MAX: {
        const extreme_state *extreme = state;
        record_writer_field(out, number_text, extreme->has ? number_format(extreme->value, number_text) : 0);
        break;
    }
    case STAT_SD: {
        const sd_state *sd = state;
        write_uint(out, sd->n);
        write_exact_sum(out, &sd->sum, buffer);
        write_exact_sum(out, &sd->squares, buffer);
        break;
    }
    case STAT_TOP: {
        const top_state *top = state;
        buffer->length = 0;
        for (uint32_t j = 0; j < top->count; j++) {
            if (j)
                text_append(buffer, " ", 1);
            text_append(buffer, number_text, number_format(top->values[j], number_text));
        }
        record_writer_field(out, buffer->text ? buffer->text : "", buffer->length);
        break;
    }
    case STAT_WSUM:
    case STAT_WMEAN: {
        const weighted_state *weighted = state;
        write_uint(out, weighted->n);
        write_exact_sum(out, &weighted->products, buffer);
        write_exact_sum(out, &weighted->weights, buffer);
        break;
    }
    default: break;
    }
}

static void write_cells(aggregate *a)
{
    size_t count = HASH_COUNT(a->cells);
    sort_entry *entries = large_allocate((count + 1) * sizeof *entries);
    if (!entries)
        message_die_nomem();
    size_t n = 0;
    for (cell *c = a->cells; c; c = c->hh.next) {
        /* whole numbers or not is a property of the column: decided over every cell */
        for (size_t i = 0; i < a->stat_count; i++)
            if (a->stats[i].kind == STAT_SUM)
                a->stats[i].any_real |= ((const sum_state *)cell_state(c, &a->stats[i]))->has_real;
        if (c->records < a->min_count) {
            a->below_min += !is_total(a, c);
            continue;
        }
        entries[n++] = (sort_entry){sort_prefix(a, c), c};
    }
    sort_entries(a, entries, n);
    write_header(a);
    text_buffer buffer = {0};
    enum { AHEAD = 16 };
    for (size_t j = 0; j < n; j++) {
        const cell *c = entries[j].c;
        if (j + AHEAD < n) { /* cells in sorted order lie anywhere in memory: ask for them early */
            const char *later = (const char *)entries[j + AHEAD].c;
            __builtin_prefetch(later);
            __builtin_prefetch(later + sizeof(cell) + a->state_size); /* the key */
        }
        const char *value = cell_key(c) + a->group_count;
        for (size_t i = 0; i < a->group_count; i++) {
            size_t length = strlen(value);
            if (cell_key(c)[i] == 't')
                record_writer_field_str(a->ctx.out, a->label);
            else
                record_writer_field(a->ctx.out, value, length);
            value += length + 1;
        }
        if (a->partial)
            record_writer_field(a->ctx.out, cell_key(c), a->group_count);
        for (size_t i = 0; i < a->stat_count; i++) {
            if (a->partial)
                write_state(a, &a->stats[i], c, &buffer);
            else
                write_result(a, &a->stats[i], c);
        }
        record_writer_end(a->ctx.out);
    }
    free(buffer.text);
    free(entries);
}

/* ---------------------------------------------------------------- merging partial files */

/* Read the statistics from a partial file's header: group columns, the marker, then
 * STATISTIC@PART columns in the order the statistics were given. */
static void read_partial_header(aggregate *a, record_reader *reader)
{
    const record_t *header = record_reader_header(reader);
    const char *name = record_reader_name(reader);
    long marker = record_reader_find_column(reader, PARTIAL_MARKER);
    if (marker < 0)
        message_die(EXIT_USAGE, "%s is not a partial result of koppel aggregate (it has no column %s; "
                                "write one with --partial)",
                    name, PARTIAL_MARKER);
    a->group_count = (size_t)marker;
    a->group_columns = xmalloc((a->group_count + 1) * sizeof(char *));
    for (size_t i = 0; i < a->group_count; i++)
        a->group_columns[i] = xstrdup(header->fields[i]);
    for (size_t i = (size_t)marker + 1; i < header->count;) {
        const char *column = header->fields[i];
        const char *at = strrchr(column, '@');
        char *output = at ? xstrndup(column, (size_t)(at - column)) : NULL;
        const char *underscore = output ? strchr(output, '_') : NULL;
        stat_kind kind = STAT_KINDS;
        size_t top_count = 0;
        if (output && strcmp(output, "count") == 0)
            kind = STAT_COUNT;
        else if (underscore && underscore[1]) {
            size_t prefix_length = (size_t)(underscore - output);
            for (int k = 0; k < STAT_KINDS; k++)
                if (k != STAT_COUNT && k != STAT_TOP && strlen(kinds[k].prefix) == prefix_length &&
                    memcmp(kinds[k].prefix, output, prefix_length) == 0)
                    kind = (stat_kind)k;
            if (kind == STAT_KINDS && prefix_length > 3 && memcmp(output, "top", 3) == 0 && output[3] != '0') {
                char *end;
                long n = strtol(output + 3, &end, 10);
                if (end == underscore && n >= 1 && n <= TOP_LIMIT) {
                    kind = STAT_TOP;
                    top_count = (size_t)n;
                }
            }
        }
        bool disjoint = kind == STAT_DISTINCT && strcmp(at + 1, "disjoint") == 0;
        bool parts_match = kind != STAT_KINDS && i + kinds[kind].part_count <= header->count;
        for (size_t p = 0; parts_match && p < kinds[kind].part_count; p++) {
            const char *expected = disjoint ? "disjoint" : kinds[kind].parts[p];
            const char *actual = header->fields[i + p];
            size_t length = strlen(output);
            parts_match = strncmp(actual, output, length) == 0 && actual[length] == '@' &&
                          strcmp(actual + length + 1, expected) == 0;
        }
        if (!parts_match)
            message_die(EXIT_USAGE, "%s: column '%s' is not one koppel aggregate --partial writes here", name,
                        column);
        statistic *s = new_statistic(a, kind, kind == STAT_COUNT ? NULL : underscore + 1);
        free(s->output_name);
        s->output_name = output;
        s->top_count = top_count;
        s->disjoint = disjoint;
        i += kinds[kind].part_count;
    }
    a->header_count = header->count;
    a->header_names = xmalloc((header->count + 1) * sizeof(char *));
    for (size_t i = 0; i < header->count; i++)
        a->header_names[i] = xstrdup(header->fields[i]);
}

static void check_same_header(const aggregate *a, record_reader *reader, const char *first)
{
    const record_t *header = record_reader_header(reader);
    bool same = header->count == a->header_count;
    for (size_t i = 0; same && i < header->count; i++)
        same = strcmp(header->fields[i], a->header_names[i]) == 0;
    if (!same)
        message_die(EXIT_USAGE, "%s: its columns differ from those of %s: partial results to merge must come "
                                "from the same statistics and group columns",
                    record_reader_name(reader), first);
}

static bool parse_count(const char *text, size_t length, uint64_t *value)
{
    int64_t parsed;
    if (!number_parse_int64(text, length, &parsed) || parsed < 0 || text[0] == '+')
        return false;
    *value = (uint64_t)parsed;
    return true;
}

/* LENGTH:VALUE pieces; with ADD, each value goes into the cell's set. */
static bool parse_distinct_set(aggregate *a, statistic *s, cell *c, const char *text, size_t length, bool add)
{
    size_t p = 0;
    while (p < length) {
        size_t value_length = 0, digits = 0;
        while (p < length && text[p] >= '0' && text[p] <= '9' && digits < 10) {
            value_length = value_length * 10 + (size_t)(text[p++] - '0');
            digits++;
        }
        if (digits == 0 || p >= length || text[p] != ':' || value_length == 0 || value_length > length - p - 1)
            return false;
        p++;
        if (add)
            distinct_insert(a, s, c, text + p, value_length);
        p += value_length;
    }
    return true;
}

static bool parse_number_list(const char *text, size_t length, top_state *top, size_t capacity)
{
    size_t start = 0;
    if (length == 0)
        return true;
    for (size_t i = 0; i <= length; i++) {
        if (i < length && text[i] != ' ')
            continue;
        number value;
        if (top->count >= capacity || !number_parse(text + start, i - start, &value))
            return false;
        top_insert(top, capacity, value);
        start = i + 1;
    }
    return true;
}

/* Parse one statistic's state fields into the scratch cell; false names the bad field. */
static bool parse_state(aggregate *a, statistic *s, cell *scratch, char *const *fields, const size_t *lengths,
                        size_t *bad)
{
    void *state = cell_state(scratch, s);
    *bad = 0;
    switch (s->kind) {
    case STAT_COUNT: return parse_count(fields[0], lengths[0], &scratch->records);
    case STAT_COUNT_VALUES: return parse_count(fields[0], lengths[0], &((count_state *)state)->n);
    case STAT_DISTINCT:
        if (s->disjoint)
            return parse_count(fields[0], lengths[0], &((distinct_state *)state)->count);
        return parse_distinct_set(a, s, scratch, fields[0], lengths[0], false);
    case STAT_SUM:
    case STAT_MEAN: {
        sum_state *sum = state;
        if (!parse_count(fields[0], lengths[0], &sum->n))
            return false;
        *bad = 1;
        if (!exact_int_parse(fields[1], lengths[1], &sum->integer_sum))
            return false;
        *bad = 2;
        sum->has_real = lengths[2] > 0;
        return exact_sum_parse(fields[2], lengths[2], &sum->real_sum);
    }
    case STAT_MIN:
    case STAT_MAX: {
        extreme_state *extreme = state;
        extreme->has = lengths[0] > 0;
        return !extreme->has || number_parse(fields[0], lengths[0], &extreme->value);
    }
    case STAT_SD: {
        sd_state *sd = state;
        if (!parse_count(fields[0], lengths[0], &sd->n))
            return false;
        *bad = 1;
        if (!exact_sum_parse(fields[1], lengths[1], &sd->sum))
            return false;
        *bad = 2;
        return exact_sum_parse(fields[2], lengths[2], &sd->squares);
    }
    case STAT_TOP: return parse_number_list(fields[0], lengths[0], state, s->top_count);
    case STAT_WSUM:
    case STAT_WMEAN: {
        weighted_state *weighted = state;
        if (!parse_count(fields[0], lengths[0], &weighted->n))
            return false;
        *bad = 1;
        if (!exact_sum_parse(fields[1], lengths[1], &weighted->products))
            return false;
        *bad = 2;
        return exact_sum_parse(fields[2], lengths[2], &weighted->weights);
    }
    default: return false;
    }
}

/* The key of a partial row; false (with a reason) when the marker or a total is malformed. */
static bool partial_row_key(aggregate *a, const record_t *record, size_t *key_length, const char **reason)
{
    size_t marker = a->group_count;
    if (record->lengths[marker] != a->group_count) {
        *reason = "not one g or t per group column";
        return false;
    }
    size_t length = a->group_count;
    for (size_t i = 0; i < a->group_count; i++)
        length += record->lengths[i] + 1;
    ensure_key(a, length);
    char *p = a->key + a->group_count;
    for (size_t i = 0; i < a->group_count; i++) {
        char flag = record->fields[marker][i];
        if (flag != 'g' && flag != 't') {
            *reason = "not one g or t per group column";
            return false;
        }
        a->key[i] = flag;
        if (flag == 't') {
            if (record->lengths[i] == 0) {
                *reason = "a total without a label";
                return false;
            }
            if (!a->merge_label)
                a->merge_label = xstrdup(record->fields[i]);
            else if (strcmp(a->merge_label, record->fields[i]) != 0)
                message_die(EXIT_USAGE, "the partial files label their totals differently ('%s' and '%s')",
                            a->merge_label, record->fields[i]);
        } else {
            memcpy(p, record->fields[i], record->lengths[i]);
            p += record->lengths[i];
        }
        *p++ = '\0';
    }
    *key_length = (size_t)(p - a->key);
    return true;
}

static void merge_partial(aggregate *a, record_reader *reader)
{
    const record_t *header = record_reader_header(reader);
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        koppel_progress(&a->ctx);
        size_t key_length;
        const char *reason = NULL;
        if (!partial_row_key(a, record, &key_length, &reason)) {
            koppel_reject(&a->ctx, reader, record, "column '%s': %s", PARTIAL_MARKER, reason);
            continue;
        }
        clear_cell(a, a->scratch);
        size_t field = a->group_count + 1;
        bool good = true;
        for (size_t i = 0; i < a->stat_count && good; i++) {
            statistic *s = &a->stats[i];
            size_t bad;
            good = parse_state(a, s, a->scratch, record->fields + field, record->lengths + field, &bad);
            if (!good)
                koppel_reject(&a->ctx, reader, record, "column '%s': not a state koppel aggregate --partial writes",
                              header->fields[field + bad]);
            field += kinds[s->kind].part_count;
        }
        if (!good)
            continue;
        cell *target = find_cell(a, a->key, key_length);
        merge_cell(a, target, a->scratch);
        field = a->group_count + 1;
        for (size_t i = 0; i < a->stat_count; i++) {
            statistic *s = &a->stats[i];
            if (s->kind == STAT_DISTINCT && !s->disjoint)
                parse_distinct_set(a, s, target, record->fields[field], record->lengths[field], true);
            field += kinds[s->kind].part_count;
        }
        a->used++;
    }
}

static void check_merge_margins(aggregate *a)
{
    bool has_totals = false;
    for (cell *c = a->cells; c && !has_totals; c = c->hh.next)
        has_totals = is_total(a, c);
    if (a->margins == MARGINS_NONE) {
        if (a->merge_label)
            a->label = a->merge_label;
        return;
    }
    if (has_totals)
        message_die(EXIT_USAGE, "the partial files already contain totals; merge them without --totals or --rollup");
    if (a->group_count == 0)
        koppel_usage_error(&a->ctx, "--totals and --rollup need group columns");
    if (a->margins == MARGINS_CUBE && a->group_count > CUBE_LIMIT)
        koppel_usage_error(&a->ctx, "--totals takes at most %d group columns", CUBE_LIMIT);
    for (size_t i = 0; i < a->stat_count; i++)
        if (a->stats[i].disjoint)
            message_die(EXIT_USAGE, "column '%s': totals of distinct counts need the sets of values, which "
                                    "partials written with --split-by do not keep; add the totals in the "
                                    "--partial runs",
                        a->stats[i].output_name);
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
        clear_cell(a, c);
    if (a->scratch)
        clear_cell(a, a->scratch);
    free(a->scratch);
    HASH_CLEAR(hh, a->cells);
    for (size_t i = 0; i < a->stat_count; i++) {
        statistic *s = &a->stats[i];
        HASH_CLEAR(hh, s->table);
        free(s->column);
        free(s->weight);
        free(s->output_name);
        free(s->probe);
    }
    free(a->stats);
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
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS "g:", long_options, NULL)) != -1) {
        if (koppel_common_option(&a.ctx, opt, optarg))
            continue;
        switch (opt) {
        case 'g':
            if (a.group_columns)
                koppel_usage_error(&a.ctx, "give the group columns in one -g, e.g. -g district,sex");
            a.group_columns = koppel_split_list(&a.ctx, "-g", optarg, &a.group_count);
            break;
        case OPT_TOTALS:
        case OPT_ROLLUP: {
            margin_kind kind = opt == OPT_TOTALS ? MARGINS_CUBE : MARGINS_ROLLUP;
            if (a.margins != MARGINS_NONE && a.margins != kind)
                koppel_usage_error(&a.ctx, "--totals and --rollup exclude each other");
            a.margins = kind;
            break;
        }
        case OPT_TOTAL_LABEL:
            a.label = optarg;
            a.label_given = true;
            break;
        case OPT_PARTIAL: a.partial = true; break;
        case OPT_MERGE: a.merge = true; break;
        case OPT_SPLIT_BY: a.split_by = optarg; break;
        case OPT_MIN_COUNT:
            if (!parse_count(optarg, strlen(optarg), &a.min_count) || a.min_count == 0)
                koppel_usage_error(&a.ctx, "--min-count takes a whole number of 1 or more, not '%s'", optarg);
            break;
        default: add_statistic(&a, opt, optarg); break;
        }
    }
    check_options(&a);

    int input_count = argc - optind;
    char *stdin_only[] = {"-"};
    char **inputs = input_count > 0 ? argv + optind : stdin_only;
    if (input_count == 0)
        input_count = 1;

    record_reader *first = koppel_open_input(&a.ctx, inputs[0]);
    if (a.merge)
        read_partial_header(&a, first);
    plan_statistics(&a);
    a.group_index = xcalloc(a.group_count + 1, sizeof(size_t));
    if (a.merge)
        a.scratch = xcalloc(1, sizeof(cell) + a.state_size);
    a.log_groups = a.min_count >= 2 && a.group_count > 0 && a.margins == MARGINS_NONE && !a.merge && !a.partial;
    for (size_t i = 0; i < a.stat_count; i++)
        a.log_groups &= a.stats[i].kind == STAT_COUNT;
    if (a.group_count == 0) { /* one record for all input, even for none */
        ensure_key(&a, 1);
        find_cell(&a, a.key, 0);
    }
    for (int file = 0; file < input_count; file++) {
        record_reader *reader = file == 0 ? first : koppel_open_input(&a.ctx, inputs[file]);
        if (a.merge) {
            if (file > 0)
                check_same_header(&a, reader, inputs[0]);
            merge_partial(&a, reader);
        } else
            aggregate_input(&a, reader);
        if (reader != first)
            record_reader_close(reader);
    }
    a.last = NULL;
    if (a.merge)
        check_merge_margins(&a);
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
    record_reader_close(first);
    release(&a);
    return status;
}
