/* select/main.c: koppel select — keep the records that meet every condition, and choose columns.
 * Without conditions it passes valid CSV through unchanged, which makes it the record
 * layer's own test and a cleaner for messy deliveries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "koppel.h"
#include "message.h"
#include "number.h"
#include "showable.h"

static const char usage[] =
    "Usage: koppel select [OPTIONS] [FILE...]\n"
    "Keep the records that meet every condition; keep, order or drop columns.\n"
    "\n"
    "Reads CSV with a header from FILEs (all with the same header) or standard input, writes\n"
    "CSV to standard output. With no condition every valid record passes unchanged.\n"
    "\n"
    "Conditions (each may be repeated; a record must meet all of them):\n"
    "      --eq COL=V[|V...]       COL equals one of the values ('|' separates them)\n"
    "      --ne COL=V[|V...]       COL equals none of the values\n"
    "      --lt COL=X, --le COL=X, --gt COL=X, --ge COL=X\n"
    "                              COL <, <=, >, >= X; X is a number or an ISO date\n"
    "                              (YYYY-MM-DD) and the column is compared as such; an empty\n"
    "                              value never meets a comparison; any other text is a bad record\n"
    "      --in-year COL=Y[|Y...]  COL is an ISO date in one of these years, e.g.\n"
    "                              contact_date=2017|2019|2023; an empty value never meets\n"
    "                              it; any other text is a bad record\n"
    "      --empty COL             COL is empty (a missing value)\n"
    "      --not-empty COL         COL is not empty\n"
    "      --overlaps START,END=FROM..TO\n"
    "                              the period START..END (ISO dates, both days included; an\n"
    "                              empty END means still open) overlaps FROM..TO; an empty\n"
    "                              START is a bad record\n"
    "      --covers START,END=FROM..TO\n"
    "                              the period START..END covers all of FROM..TO (same rules),\n"
    "                              e.g. registered for the whole of a year\n"
    "Columns:\n"
    "      --columns COL[,COL...]  write only these columns, in this order\n"
    "      --drop COL[,COL...]     write all columns but these\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel select --ge age=18 --eq sex=F wmo.csv\n"
    "  koppel select --overlaps start_date,end_date=2023-01-01..2023-12-31 \\\n"
    "      --eq provision_type=household_help|personal_care --drop delivery wmo.csv\n"
    "  koppel select -d ';' --rejects bad.csv practice7.csv > practice7-clean.csv\n"
    "\n"
    "Records left out by a condition are counted as 'filtered' in --stats.\n";

enum { OPT_EQ = OPT_FILTER_BASE, OPT_NE, OPT_LT, OPT_LE, OPT_GT, OPT_GE, OPT_EMPTY, OPT_NOT_EMPTY,
       OPT_OVERLAPS, OPT_COVERS, OPT_IN_YEAR, OPT_COLUMNS, OPT_DROP };

static const struct option long_options[] = {
    {"eq", required_argument, NULL, OPT_EQ},
    {"ne", required_argument, NULL, OPT_NE},
    {"lt", required_argument, NULL, OPT_LT},
    {"le", required_argument, NULL, OPT_LE},
    {"gt", required_argument, NULL, OPT_GT},
    {"ge", required_argument, NULL, OPT_GE},
    {"empty", required_argument, NULL, OPT_EMPTY},
    {"not-empty", required_argument, NULL, OPT_NOT_EMPTY},
    {"overlaps", required_argument, NULL, OPT_OVERLAPS},
    {"covers", required_argument, NULL, OPT_COVERS},
    {"in-year", required_argument, NULL, OPT_IN_YEAR},
    {"columns", required_argument, NULL, OPT_COLUMNS},
    {"drop", required_argument, NULL, OPT_DROP},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* ---------------------------------------------------------------- conditions */

typedef struct condition {
    int kind;           /* OPT_EQ ... OPT_IN_YEAR */
    const char *option; /* "--eq", for messages */
    char *column;       /* as given */
    char *second_column; /* END of --overlaps */
    size_t index, second_index;
    char **values;      /* --eq/--ne */
    size_t *value_lengths;
    size_t value_count;
    bool is_date;       /* comparisons: date or number */
    double number;
    int64_t date, from_date, to_date; /* dates as date_order numbers */
    int *years;         /* --in-year: the values as numbers */
} condition;

typedef struct select_options {
    condition *conditions;
    size_t condition_count;
    char **keep; /* --columns */
    size_t keep_count;
    char **drop;
    size_t drop_count;
} select_options;

static const char *option_name(int kind)
{
    static const char *names[] = {"--eq", "--ne", "--lt", "--le", "--gt", "--ge",
                                  "--empty", "--not-empty", "--overlaps", "--covers", "--in-year"};
    return names[kind - OPT_EQ];
}

/* Split "COL=VALUE" at the first '='. */
static char *split_assignment(const koppel_context *ctx, const char *option, char *text)
{
    char *equals = strchr(text, '=');
    char shown[96];
    if (!equals || equals == text)
        koppel_usage_error(ctx, "%s expects COL=VALUE, got %s", option,
                           showable_quoted(text, strlen(text), shown, sizeof shown));
    *equals = '\0';
    return equals + 1;
}

/* An ISO date as a number that orders dates (date_order). */
static bool parse_date_order(const char *text, int64_t *order)
{
    date_ymd date;
    if (!date_parse_iso(text, strlen(text), &date))
        return false;
    *order = date_order(date);
    return true;
}

static void add_condition(const koppel_context *ctx, select_options *options, int kind, const char *arg)
{
    options->conditions = xrealloc(options->conditions, (options->condition_count + 1) * sizeof(condition));
    condition *c = &options->conditions[options->condition_count++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->option = option_name(kind);
    c->column = xstrdup(arg);
    if (kind == OPT_EMPTY || kind == OPT_NOT_EMPTY)
        return;
    char *value = split_assignment(ctx, c->option, c->column);
    if (kind == OPT_EQ || kind == OPT_NE || kind == OPT_IN_YEAR) {
        size_t count = 1;
        for (const char *p = value; *p; p++)
            count += *p == '|';
        c->values = xmalloc(count * sizeof(char *));
        c->value_lengths = xmalloc(count * sizeof(size_t));
        for (char *item = value;; ) {
            char *bar = strchr(item, '|');
            if (bar)
                *bar = '\0';
            c->value_lengths[c->value_count] = strlen(item);
            c->values[c->value_count++] = item;
            if (!bar)
                break;
            item = bar + 1;
        }
        if (kind != OPT_IN_YEAR)
            return;
        c->years = xmalloc(c->value_count * sizeof *c->years);
        for (size_t i = 0; i < c->value_count; i++) {
            const char *year = c->values[i];
            if (c->value_lengths[i] != 4 || strspn(year, "0123456789") != 4 || strcmp(year, "0000") == 0)
            {
                char shown[96];
                koppel_usage_error(ctx, "--in-year %s: %s is not a year (YYYY)", c->column,
                                   showable_quoted(year, c->value_lengths[i], shown, sizeof shown));
            }
            c->years[i] = atoi(year);
        }
    } else if (kind == OPT_OVERLAPS || kind == OPT_COVERS) {
        char *comma = strchr(c->column, ',');
        char *dots = strstr(value, "..");
        if (!comma || !dots)
            koppel_usage_error(ctx, "%s expects START,END=FROM..TO, e.g. "
                                    "start_date,end_date=2023-01-01..2023-12-31", c->option);
        *comma = '\0';
        c->second_column = comma + 1;
        *dots = '\0';
        if (!parse_date_order(value, &c->from_date) || !parse_date_order(dots + 2, &c->to_date))
            koppel_usage_error(ctx, "%s: FROM and TO must be ISO dates (YYYY-MM-DD)", c->option);
        if (c->from_date > c->to_date)
            koppel_usage_error(ctx, "%s: FROM is after TO", c->option);
    } else if (parse_date_order(value, &c->date))
        c->is_date = true;
    else if (!number_parse_double(value, strlen(value), &c->number)) {
        char shown[96];
        koppel_usage_error(ctx, "%s %s: %s is neither a number nor an ISO date (YYYY-MM-DD)", c->option,
                           c->column, showable_quoted(value, strlen(value), shown, sizeof shown));
    }
}

static void resolve_conditions(select_options *options, const record_reader *reader)
{
    for (size_t i = 0; i < options->condition_count; i++) {
        condition *c = &options->conditions[i];
        c->index = record_reader_column(reader, c->column, c->option);
        if (c->second_column)
            c->second_index = record_reader_column(reader, c->second_column, c->option);
    }
}

/* Reads a date field as a number that orders dates; false when it is not an ISO date. */
static bool field_date(const record_t *record, size_t index, int64_t *order)
{
    date_ymd date;
    if (!date_parse_iso(record->fields[index], record->lengths[index], &date))
        return false;
    *order = date_order(date);
    return true;
}

typedef enum { MEETS, FAILS, BAD } verdict;

static verdict compare(const condition *c, double difference)
{
    bool meets = c->kind == OPT_LT   ? difference < 0
                 : c->kind == OPT_LE ? difference <= 0
                 : c->kind == OPT_GT ? difference > 0
                                     : difference >= 0;
    return meets ? MEETS : FAILS;
}

/* Does RECORD meet condition C? On BAD, *REASON says why (never with the value). */
static verdict evaluate(const condition *c, const record_t *record, const char *header_name,
                        char *reason, size_t reason_size)
{
    const char *field = record->fields[c->index];
    size_t length = record->lengths[c->index];
    switch (c->kind) {
    case OPT_EMPTY:
        return length == 0 ? MEETS : FAILS;
    case OPT_NOT_EMPTY:
        return length != 0 ? MEETS : FAILS;
    case OPT_EQ:
    case OPT_NE: {
        bool found = false;
        for (size_t i = 0; i < c->value_count && !found; i++)
            found = c->value_lengths[i] == length && memcmp(c->values[i], field, length) == 0;
        return found == (c->kind == OPT_EQ) ? MEETS : FAILS;
    }
    case OPT_IN_YEAR: {
        date_ymd date;
        if (length == 0)
            return FAILS;
        if (!date_parse_iso(field, length, &date)) {
            date_not_iso_reason(reason, reason_size, header_name, DATE_ISO_WHAT, field, length, DATE_CONVERTER);
            return BAD;
        }
        for (size_t i = 0; i < c->value_count; i++)
            if (c->years[i] == date.year)
                return MEETS;
        return FAILS;
    }
    case OPT_OVERLAPS:
    case OPT_COVERS: {
        int64_t start, finish;
        if (!field_date(record, c->index, &start)) {
            if (length)
                date_not_iso_reason(reason, reason_size, header_name, DATE_ISO_WHAT, field, length, DATE_CONVERTER);
            else
                snprintf(reason, reason_size, "column '%s': empty start of a period", header_name);
            return BAD;
        }
        if (record->lengths[c->second_index] == 0)
            finish = INT64_MAX; /* still open */
        else if (!field_date(record, c->second_index, &finish)) {
            date_not_iso_reason(reason, reason_size, c->second_column, DATE_ISO_WHAT, record->fields[c->second_index],
                                record->lengths[c->second_index], DATE_CONVERTER);
            return BAD;
        } else if (finish < start) {
            snprintf(reason, reason_size, "column '%s' is before column '%s'", c->second_column, header_name);
            return BAD;
        }
        if (c->kind == OPT_COVERS)
            return start <= c->from_date && finish >= c->to_date ? MEETS : FAILS;
        return start <= c->to_date && finish >= c->from_date ? MEETS : FAILS;
    }
    default:
        if (length == 0)
            return FAILS;
        if (c->is_date) {
            int64_t order;
            if (!field_date(record, c->index, &order)) {
                date_not_iso_reason(reason, reason_size, header_name, DATE_ISO_WHAT, field, length, DATE_CONVERTER);
                return BAD;
            }
            return compare(c, (double)(order - c->date));
        }
        double number;
        if (!number_parse_double(field, length, &number)) {
            snprintf(reason, reason_size, "column '%s': not a number", header_name);
            return BAD;
        }
        return compare(c, number - c->number);
    }
}

/* ---------------------------------------------------------------- columns */

/* The output column order: --columns, else every column but --drop. */
static size_t *output_columns(const koppel_context *ctx, const select_options *options,
                              const record_reader *reader, size_t *count)
{
    const record_t *header = record_reader_header(reader);
    size_t *order = xmalloc((header->count + options->keep_count + 1) * sizeof(size_t));
    size_t n = 0;
    if (options->keep) {
        koppel_names_distinct(ctx, "--columns", options->keep, options->keep_count, NULL);
        for (size_t i = 0; i < options->keep_count; i++)
            order[n++] = record_reader_column(reader, options->keep[i], "--columns");
    } else {
        bool *dropped = xcalloc(header->count, sizeof(bool));
        for (size_t i = 0; i < options->drop_count; i++)
            dropped[record_reader_column(reader, options->drop[i], "--drop")] = true;
        for (size_t i = 0; i < header->count; i++)
            if (!dropped[i])
                order[n++] = i;
        free(dropped);
    }
    *count = n;
    return order;
}

/* ---------------------------------------------------------------- main */

static void parse_options(koppel_context *ctx, select_options *options, int argc, char **argv)
{
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(ctx, opt, optarg))
            continue;
        if (opt == OPT_COLUMNS)
            options->keep = koppel_split_list(ctx, "--columns", optarg, &options->keep_count);
        else if (opt == OPT_DROP)
            options->drop = koppel_split_list(ctx, "--drop", optarg, &options->drop_count);
        else
            add_condition(ctx, options, opt, optarg);
    }
    if (options->keep && options->drop)
        koppel_usage_error(ctx, "--columns and --drop exclude each other");
}

static void free_options(select_options *options)
{
    for (size_t i = 0; i < options->condition_count; i++) {
        free(options->conditions[i].column);
        free(options->conditions[i].values);
        free(options->conditions[i].value_lengths);
        free(options->conditions[i].years);
    }
    free(options->conditions);
    free(options->keep);
    free(options->drop);
}

int main(int argc, char **argv)
{
    koppel_context ctx;
    select_options options = {0};
    koppel_init(&ctx, "select", usage);
    parse_options(&ctx, &options, argc, argv);

    koppel_inputs inputs;
    record_reader *first = koppel_inputs_open(&ctx, &inputs, argc, argv, optind);
    resolve_conditions(&options, first);
    size_t column_count;
    size_t *columns = output_columns(&ctx, &options, first, &column_count);
    const record_t *header = record_reader_header(first);
    char **out_header = xmalloc((column_count + 1) * sizeof(char *));
    for (size_t i = 0; i < column_count; i++)
        out_header[i] = header->fields[columns[i]];
    koppel_open_output(&ctx, out_header, column_count);
    char **out_fields = xmalloc((column_count + 1) * sizeof(char *));
    size_t *out_lengths = xmalloc((column_count + 1) * sizeof(size_t));
    bool every_column = column_count == header->count; /* in their order: records go out as read */
    for (size_t i = 0; i < column_count; i++)
        every_column &= columns[i] == i;

    record_reader *reader;
    while ((reader = koppel_inputs_next(&ctx, &inputs))) {
        const record_t *record;
        while (record_reader_next(reader, &record)) {
            koppel_progress(&ctx);
            verdict result = MEETS;
            char reason[512];
            for (size_t i = 0; i < options.condition_count && result == MEETS; i++)
                result = evaluate(&options.conditions[i], record,
                                  header->fields[options.conditions[i].index], reason, sizeof reason);
            if (result == BAD) {
                koppel_reject(&ctx, reader, record, "%s", reason);
                continue;
            }
            if (result == FAILS) {
                ctx.counts.filtered++;
                continue;
            }
            if (every_column) {
                record_writer_record(ctx.out, record->fields, record->lengths, record->count);
                continue;
            }
            for (size_t i = 0; i < column_count; i++) {
                out_fields[i] = record->fields[columns[i]];
                out_lengths[i] = record->lengths[columns[i]];
            }
            record_writer_record(ctx.out, out_fields, out_lengths, column_count);
        }
    }
    int status = koppel_finish(&ctx);
    koppel_inputs_close(&inputs);
    free_options(&options);
    free(columns);
    free(out_header);
    free(out_fields);
    free(out_lengths);
    return status;
}
