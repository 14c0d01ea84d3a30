/* view/main.c: koppel view — a quick look at CSV in a terminal: some records as aligned columns.
 * For eyes, not pipes: its output is no CSV. The first records are read and no more; --tail and
 * --sample read everything but hold only the records they show. */
#include <errno.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koppel.h"
#include "message.h"
#include "number.h"
#include "showable.h"

static const char usage[] =
    "Usage: koppel view [OPTIONS] [FILE...]\n"
    "Show some records as aligned columns, for a quick look in a terminal.\n"
    "\n"
    "Reads CSV with a header from FILEs (all with the same header) or standard input and\n"
    "writes the header, a line of dashes and the chosen records as columns: numbers (a column\n"
    "whose shown values are all numbers) aligned right, text left. This is for eyes, not for\n"
    "pipes: the output is no CSV (fields are cut to --width, line breaks inside a field are\n"
    "shown as '\xe2\x86\xb5' and other control characters as a space); koppel select passes\n"
    "records on.\n"
    "\n"
    "Which records (one of these; the default is --head 20):\n"
    "  -n, --head N              the first N records; nothing after them is read\n"
    "      --tail N              the last N records\n"
    "      --sample N            N records drawn at random (reservoir sampling, each record\n"
    "                            equally likely), shown in input order\n"
    "      --seed S              the seed of --sample (a whole number, default 1): the same\n"
    "                            seed on the same input draws the same records\n"
    "      --all                 every record\n"
    "Columns:\n"
    "      --columns COL[,COL...]  show only these columns, in this order\n"
    "  -w, --width W             cut values longer than W characters (UTF-8 characters, not\n"
    "                            bytes) to W-1 and '\xe2\x80\xa6' (default 30; 0: never cut)\n"
    "\n"
    "Common options:\n"
    "  -d, --delimiter C         input field delimiter: ',' (default), ';', '\\t' or 'tab'\n"
    "      --encoding NAME       input encoding: utf-8 (default), latin-1 (iso-8859-1),\n"
    "                            iso-8859-15, windows-1252 (cp1252); shown as UTF-8.\n"
    "                            Input compressed with gzip is read as it is.\n"
    "  -h, --help                show this help and exit\n"
    "  -V, --version             show the version and exit\n"
    "\n"
    "Examples:\n"
    "  koppel view out/work/population.csv\n"
    "  koppel view --sample 10 --seed 7 --columns age_group,sex,ses p/persons.csv\n"
    "  koppel view -d ';' --encoding windows-1252 --tail 5 export.csv.gz | less -S\n"
    "\n"
    "A bad record among those read stops the run with status 1 (file:line and what is wrong;\n"
    "never its values); --head reads no further than the records it shows.\n"
    "Exit status: 0 success, 1 bad input data, 2 usage error, 3 system error (I/O, memory).\n"
    "A closed pipe downstream (| head) ends the run quietly with status 0.\n";

enum { OPT_HEAD = 'n', OPT_TAIL = OPT_FILTER_BASE, OPT_SAMPLE, OPT_SEED, OPT_ALL, OPT_COLUMNS, OPT_WIDTH = 'w' };

static const struct option long_options[] = {
    {"head", required_argument, NULL, OPT_HEAD},
    {"tail", required_argument, NULL, OPT_TAIL},
    {"sample", required_argument, NULL, OPT_SAMPLE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"all", no_argument, NULL, OPT_ALL},
    {"columns", required_argument, NULL, OPT_COLUMNS},
    {"width", required_argument, NULL, OPT_WIDTH},
    {"delimiter", required_argument, NULL, 'd'},
    {"encoding", required_argument, NULL, OPT_ENCODING},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

typedef enum { PICK_HEAD, PICK_TAIL, PICK_SAMPLE, PICK_ALL } pick_mode;

typedef struct view_options {
    pick_mode mode;
    const char *mode_option; /* the option that chose it, for messages */
    uint64_t count;          /* N of --head, --tail, --sample */
    uint64_t seed;
    bool seed_given;
    size_t width;            /* 0: no limit */
    char **columns;
    size_t column_count;
} view_options;

/* One record as shown: copies of the chosen fields (they outlive the reader's buffer). */
typedef struct shown_row {
    char **cells;
    size_t *lengths;
    uint64_t number; /* the record's place in the input (0-based), for input order */
} shown_row;

/* The records kept: at most CAPACITY (--head, --tail, --sample), or growing (--all). */
typedef struct row_store {
    shown_row *rows;
    size_t count, capacity, allocated;
    size_t next_tail; /* --tail: the slot the next record replaces once full */
} row_store;

/* ---------------------------------------------------------------- options */

static uint64_t parse_count(const koppel_context *ctx, const char *option, const char *text)
{
    int64_t value;
    if (!number_parse_int64(text, strlen(text), &value) || value < 0 || text[0] == '+') {
        char shown[96];
        koppel_usage_error(ctx, "%s expects a whole number (0 or more), got %s", option,
                           showable_quoted(text, strlen(text), shown, sizeof shown));
    }
    return (uint64_t)value;
}

static void choose_mode(const koppel_context *ctx, view_options *options, pick_mode mode, const char *option,
                        const char *arg)
{
    if (options->mode_option && strcmp(options->mode_option, option) != 0)
        koppel_usage_error(ctx, "%s and %s exclude each other", options->mode_option, option);
    options->mode = mode;
    options->mode_option = option;
    if (arg)
        options->count = parse_count(ctx, option, arg);
}

static void parse_options(koppel_context *ctx, view_options *options, int argc, char **argv)
{
    int opt;
    *options = (view_options){.mode = PICK_HEAD, .count = 20, .seed = 1, .width = 30};
    while ((opt = getopt_long(argc, argv, "d:n:w:hV", long_options, NULL)) != -1) {
        switch (opt) {
        case OPT_HEAD:
            choose_mode(ctx, options, PICK_HEAD, "--head", optarg);
            break;
        case OPT_TAIL:
            choose_mode(ctx, options, PICK_TAIL, "--tail", optarg);
            break;
        case OPT_SAMPLE:
            choose_mode(ctx, options, PICK_SAMPLE, "--sample", optarg);
            break;
        case OPT_ALL:
            choose_mode(ctx, options, PICK_ALL, "--all", NULL);
            break;
        case OPT_SEED:
            options->seed = parse_count(ctx, "--seed", optarg);
            options->seed_given = true;
            break;
        case OPT_WIDTH:
            options->width = parse_count(ctx, "--width", optarg);
            break;
        case OPT_COLUMNS:
            free(options->columns);
            options->columns = koppel_split_list(ctx, "--columns", optarg, &options->column_count);
            break;
        default:
            if (!koppel_common_option(ctx, opt, optarg))
                koppel_usage_error(ctx, "unknown option");
        }
    }
    if (options->seed_given && options->mode != PICK_SAMPLE)
        koppel_usage_error(ctx, "--seed goes with --sample");
    if (options->columns)
        koppel_names_distinct(ctx, "--columns", options->columns, options->column_count, NULL);
}

/* The shown columns' indexes in the header: --columns, else every column. */
static size_t *shown_columns(const view_options *options, const record_reader *reader, size_t *count)
{
    const record_t *header = record_reader_header(reader);
    *count = options->columns ? options->column_count : header->count;
    size_t *indexes = xmalloc((*count + 1) * sizeof(size_t));
    for (size_t i = 0; i < *count; i++)
        indexes[i] = options->columns ? record_reader_column(reader, options->columns[i], "--columns") : i;
    return indexes;
}

/* ---------------------------------------------------------------- keeping records */

static void row_free(shown_row *row)
{
    free(row->cells); /* one allocation holds the pointers, the lengths and the text */
    row->cells = NULL;
}

/* ROW becomes a copy of RECORD's fields at INDEXES. */
static void row_fill(shown_row *row, const record_t *record, const size_t *indexes, size_t count,
                     uint64_t number)
{
    size_t text = 0;
    for (size_t i = 0; i < count; i++)
        text += record->lengths[indexes[i]] + 1;
    row_free(row);
    char *block = xmalloc(count * (sizeof(char *) + sizeof(size_t)) + text + 1);
    row->cells = (char **)block;
    row->lengths = (size_t *)(block + count * sizeof(char *));
    char *end = block + count * (sizeof(char *) + sizeof(size_t));
    for (size_t i = 0; i < count; i++) {
        size_t length = record->lengths[indexes[i]];
        memcpy(end, record->fields[indexes[i]], length);
        end[length] = '\0';
        row->cells[i] = end;
        row->lengths[i] = length;
        end += length + 1;
    }
    row->number = number;
}

/* The slot a new record goes to while the store is not full (or always, for --all). */
static shown_row *store_append(row_store *store)
{
    if (store->count == store->allocated) {
        store->allocated = store->allocated ? store->allocated * 2 : 64;
        store->rows = xrealloc(store->rows, store->allocated * sizeof(shown_row));
    }
    shown_row *row = &store->rows[store->count++];
    row->cells = NULL;
    return row;
}

/* A uniform whole number in [0, N): GSL's own when N fits its generator's range, else from two
 * draws of 32 bits, rejecting the top that would make some values likelier. */
static uint64_t uniform_below(gsl_rng *rng, uint64_t n)
{
    if (n <= gsl_rng_max(rng) - gsl_rng_min(rng))
        return gsl_rng_uniform_int(rng, (unsigned long)n);
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, draw;
    do
        draw = ((uint64_t)gsl_rng_uniform_int(rng, 1UL << 31) << 33) ^
               ((uint64_t)gsl_rng_uniform_int(rng, 1UL << 31) << 2) ^ gsl_rng_uniform_int(rng, 4);
    while (draw >= limit);
    return draw % n;
}

/* Where record NUMBER (0-based) goes, or NULL when it is not kept. */
static shown_row *store_slot(row_store *store, pick_mode mode, uint64_t number, gsl_rng *rng)
{
    if (mode == PICK_ALL || store->count < store->capacity)
        return store_append(store);
    if (store->capacity == 0)
        return NULL;
    if (mode == PICK_TAIL) {
        shown_row *row = &store->rows[store->next_tail];
        store->next_tail = (store->next_tail + 1) % store->capacity;
        return row;
    }
    /* Reservoir sampling (Algorithm R): record NUMBER replaces a kept one with chance
     * capacity/(NUMBER+1), so that every record read so far is kept with the same chance. */
    uint64_t place = uniform_below(rng, number + 1);
    return place < store->capacity ? &store->rows[place] : NULL;
}

static int compare_row_numbers(const void *a, const void *b)
{
    uint64_t x = ((const shown_row *)a)->number, y = ((const shown_row *)b)->number;
    return (x > y) - (x < y);
}

/* Read the records, keep those to show (in input order). */
static void read_rows(koppel_context *ctx, koppel_inputs *inputs, const view_options *options,
                      const size_t *indexes, size_t count, row_store *store)
{
    gsl_rng *rng = NULL;
    if (options->mode == PICK_SAMPLE) {
        rng = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(rng, (unsigned long)options->seed);
    }
    store->capacity = options->count;
    uint64_t number = 0;
    bool done = options->mode == PICK_HEAD && options->count == 0;
    record_reader *reader;
    while (!done && (reader = koppel_inputs_next(ctx, inputs))) {
        const record_t *record;
        while (!done && record_reader_next(reader, &record)) {
            koppel_progress(ctx);
            shown_row *row = store_slot(store, options->mode, number, rng);
            if (row)
                row_fill(row, record, indexes, count, number);
            number++;
            done = options->mode == PICK_HEAD && store->count == store->capacity;
        }
    }
    if (rng)
        gsl_rng_free(rng);
    if (store->count > 1) /* none kept (--head 0): no array to sort, which qsort may not be given */
        qsort(store->rows, store->count, sizeof(shown_row), compare_row_numbers);
}

/* ---------------------------------------------------------------- showing */

/* How a cell is shown: at most WIDTH characters (0: all), control characters replaced. */
typedef struct shown_text {
    char *bytes;
    size_t length;     /* bytes */
    size_t characters; /* what a terminal shows, one column each */
} shown_text;

static bool is_c1_control(const unsigned char *p, size_t left)
{
    return left >= 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F;
}

/* TEXT as shown (written into OUT, which has room for 3 * LENGTH + 4 bytes). Line breaks become
 * '↵', other control characters (C0, DEL, C1: a terminal would act on them) a space. */
static shown_text show_text(const char *text, size_t length, size_t width, char *out)
{
    shown_text shown = {out, 0, 0};
    const unsigned char *p = (const unsigned char *)text, *end = p + length;
    size_t total = 0;
    for (const unsigned char *q = p; q < end; q++)
        total += (*q & 0xC0) != 0x80;
    bool cut = width && total > width;
    size_t keep = cut ? width - 1 : total;
    while (p < end && shown.characters < keep) {
        size_t size = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        if (size > (size_t)(end - p))
            size = (size_t)(end - p);
        if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] != '\n'))) {
            memcpy(out + shown.length, "\xe2\x86\xb5", 3);
            shown.length += 3;
        } else if (*p == '\r') {
            p++; /* CR LF is one line break: shown by its LF */
            continue;
        } else if (*p < 0x20 || *p == 0x7F || is_c1_control(p, (size_t)(end - p)))
            out[shown.length++] = ' ';
        else {
            memcpy(out + shown.length, p, size);
            shown.length += size;
        }
        shown.characters++;
        p += size;
    }
    if (cut) {
        memcpy(out + shown.length, "\xe2\x80\xa6", 3);
        shown.length += 3;
        shown.characters++;
    }
    return shown;
}

/* A column is shown right-aligned when every value shown in it that is not empty is a number
 * (and there is one). */
static bool column_is_numeric(const row_store *store, size_t column)
{
    bool any = false;
    for (size_t r = 0; r < store->count; r++) {
        double number;
        size_t length = store->rows[r].lengths[column];
        if (length == 0)
            continue;
        if (!number_parse_double(store->rows[r].cells[column], length, &number))
            return false;
        any = true;
    }
    return any;
}

static void write_padding(size_t count, char fill)
{
    for (size_t i = 0; i < count; i++)
        putchar(fill);
}

/* One line of cells; the last one is padded only when right-aligned (no trailing spaces). */
static void write_line(char *const *cells, const size_t *lengths, size_t count, const size_t *widths,
                       const bool *right, size_t width, char *buffer)
{
    for (size_t c = 0; c < count; c++) {
        shown_text text = show_text(cells[c], lengths[c], width, buffer);
        size_t padding = widths[c] > text.characters ? widths[c] - text.characters : 0;
        if (c)
            fputs("  ", stdout);
        if (right[c])
            write_padding(padding, ' ');
        fwrite(text.bytes, 1, text.length, stdout);
        if (!right[c] && c + 1 < count)
            write_padding(padding, ' ');
    }
    putchar('\n');
}

/* A failed write to standard output: a closed pipe ends the run quietly, anything else is status 3. */
static void check_standard_output(bool flush)
{
    if ((flush && fflush(stdout) != 0) || ferror(stdout)) {
        if (errno == EPIPE)
            message_exit_quietly(EXIT_OK);
        message_die(EXIT_SYSTEM, "error writing standard output: %s", strerror(errno));
    }
}

static void show_rows(const record_t *header, const size_t *indexes, size_t count, const row_store *store,
                      size_t width)
{
    size_t longest = 0;
    char **names = xmalloc((count + 1) * sizeof(char *));
    size_t *name_lengths = xmalloc((count + 1) * sizeof(size_t)), *widths = xcalloc(count + 1, sizeof(size_t));
    bool *right = xcalloc(count + 1, sizeof(bool));
    for (size_t c = 0; c < count; c++) {
        names[c] = header->fields[indexes[c]];
        name_lengths[c] = header->lengths[indexes[c]];
        right[c] = column_is_numeric(store, c);
        longest = name_lengths[c] > longest ? name_lengths[c] : longest;
        for (size_t r = 0; r < store->count; r++)
            longest = store->rows[r].lengths[c] > longest ? store->rows[r].lengths[c] : longest;
    }
    char *buffer = xmalloc(3 * longest + 8);
    for (size_t c = 0; c < count; c++) {
        widths[c] = show_text(names[c], name_lengths[c], width, buffer).characters;
        for (size_t r = 0; r < store->count; r++) {
            size_t shown = show_text(store->rows[r].cells[c], store->rows[r].lengths[c], width, buffer).characters;
            widths[c] = shown > widths[c] ? shown : widths[c];
        }
    }
    write_line(names, name_lengths, count, widths, right, width, buffer);
    for (size_t c = 0; c < count; c++) {
        fputs(c ? "  " : "", stdout);
        write_padding(widths[c], '-');
    }
    putchar('\n');
    for (size_t r = 0; r < store->count; r++) {
        write_line(store->rows[r].cells, store->rows[r].lengths, count, widths, right, width, buffer);
        check_standard_output(false);
    }
    check_standard_output(true);
    free(buffer);
    free(names);
    free(name_lengths);
    free(widths);
    free(right);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    koppel_context ctx;
    view_options options;
    koppel_init(&ctx, "view", usage);
    parse_options(&ctx, &options, argc, argv);

    koppel_inputs inputs;
    record_reader *first = koppel_inputs_open(&ctx, &inputs, argc, argv, optind);
    size_t count;
    size_t *indexes = shown_columns(&options, first, &count);
    row_store store = {0};
    read_rows(&ctx, &inputs, &options, indexes, count, &store);
    if (ctx.progress_on && ctx.progress_last > ctx.progress_started)
        fputs("\r\033[K", stderr);
    show_rows(record_reader_header(first), indexes, count, &store, options.width);

    koppel_inputs_close(&inputs);
    for (size_t r = 0; r < store.count; r++)
        row_free(&store.rows[r]);
    free(store.rows);
    free(indexes);
    free(options.columns);
    return EXIT_OK;
}
