/* periods/main.c: koppel periods — one record per calendar month (or year) a period touches
 * within a window, with the days of that unit it covers: clients per month from start and end dates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "koppel.h"
#include "message.h"
#include "number.h"
#include "showable.h"

static const char usage[] =
    "Usage: koppel periods --period START,END --window FROM..TO [OPTIONS] [FILE...]\n"
    "One record per calendar month (or year) a period touches, with the days it covers.\n"
    "\n"
    "Reads CSV with a header from FILEs (all with the same header) or standard input, writes\n"
    "CSV to standard output. Each record with a period START..END (ISO dates YYYY-MM-DD, both\n"
    "days included; an empty END means still open) becomes one record per unit the period\n"
    "touches within the window: every input column, then the unit (2023-01 for a month, 2023\n"
    "for a year) and the number of days of that unit the period covers, within the window.\n"
    "Records keep their input order; the units of one record follow in time order.\n"
    "\n"
    "Options:\n"
    "      --period START,END    the columns holding the period's first and last day\n"
    "      --window FROM..TO     the days counted, both included (ISO dates). Periods are cut\n"
    "                            to it, an open END at TO; a period wholly outside it gives no\n"
    "                            record and is counted as filtered. Required, so that the\n"
    "                            output is finite\n"
    "      --unit UNIT           month (default), year, or care-period: the 13 periods of four\n"
    "                            weeks from 1 January by which Wmo care is billed (CAK), the\n"
    "                            13th running to 31 December; labelled 2015-01 .. 2015-13\n"
    "      --unit-column NAME    the name of the unit column (default: month, year or period,\n"
    "                            as --unit)\n"
    "      --start-column NAME   also a column NAME with the unit's first day (an ISO date), e.g.\n"
    "                            for an age on the first of the month (derive --age)\n"
    "      --days-column NAME    the name of the days column (default: days)\n"
    "\n"
    "A START that is empty or not a real ISO date, an END that is not one, and an END before\n"
    "its START are bad records (see --rejects); the reason names the column, never the value.\n"
    "\n"
    "--stats: records_in counts the records read, records_out the records written (one per\n"
    "unit), filtered the records whose period lies wholly outside the window, rejected the bad\n"
    "ones; records_expanded counts the records that gave at least one unit. So records_in =\n"
    "records_expanded + filtered + rejected. Also: open_ends (empty END), person_days (the\n"
    "sum of the days column: the days the periods cover within the window).\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel periods --period start_date,end_date --window 2023-01-01..2023-12-31 wmo.csv\n"
    "  koppel periods --period start_date,end_date --window 2023-01-01..2023-12-31 wmo.csv \\\n"
    "      | koppel aggregate -g municipality,month --count-distinct bsn > clients-per-month.csv\n"
    "  koppel periods --period start_date,end_date --window 2017-01-01..2023-12-31 --unit year \\\n"
    "      --rejects bad-periods.csv --stats run.json -o wmo-years.csv wmo.csv\n"
    "\n"
    "CAK's four-week periods (week4) are not offered: their calendar is not pinned down here.\n";

enum { OPT_PERIOD = OPT_FILTER_BASE, OPT_WINDOW, OPT_UNIT, OPT_UNIT_COLUMN, OPT_DAYS_COLUMN, OPT_START_COLUMN };

static const struct option long_options[] = {
    {"period", required_argument, NULL, OPT_PERIOD},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"unit-column", required_argument, NULL, OPT_UNIT_COLUMN},
    {"days-column", required_argument, NULL, OPT_DAYS_COLUMN},
    {"start-column", required_argument, NULL, OPT_START_COLUMN},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

typedef struct periods_options {
    char *period;            /* owned copy of --period, split into the two names below */
    const char *start_column, *end_column;
    size_t start_index, end_index;
    bool window_given;
    date_ymd window_from, window_to;
    date_unit unit;
    const char *unit_column; /* NULL: named after the unit */
    const char *days_column;
    const char *unit_start_column; /* NULL: not written */
} periods_options;

/* Figures of this filter for --stats. */
typedef struct periods_counts {
    int64_t records_expanded, open_ends, days;
} periods_counts;

/* ---------------------------------------------------------------- options */

static void parse_period(const koppel_context *ctx, periods_options *options, const char *arg)
{
    free(options->period);
    options->period = xstrdup(arg);
    char *comma = strchr(options->period, ',');
    if (!comma || comma == options->period || comma[1] == '\0' || strchr(comma + 1, ','))
        koppel_usage_error(ctx, "--period expects START,END, e.g. start_date,end_date");
    *comma = '\0';
    options->start_column = options->period;
    options->end_column = comma + 1;
    if (strcmp(options->start_column, options->end_column) == 0)
        koppel_usage_error(ctx, "--period: START and END are one column");
}

static void parse_window(const koppel_context *ctx, periods_options *options, const char *arg)
{
    const char *dots = strstr(arg, "..");
    if (!dots || !date_parse_iso(arg, (size_t)(dots - arg), &options->window_from) ||
        !date_parse_iso(dots + 2, strlen(dots + 2), &options->window_to))
        koppel_usage_error(ctx, "--window expects FROM..TO, two ISO dates (YYYY-MM-DD), e.g. "
                                "2023-01-01..2023-12-31");
    if (date_compare(options->window_from, options->window_to) > 0)
        koppel_usage_error(ctx, "--window: FROM is after TO");
    options->window_given = true;
}

static void parse_unit(const koppel_context *ctx, periods_options *options, const char *arg)
{
    char shown[96];
    if (strcmp(arg, "month") == 0)
        options->unit = DATE_UNIT_MONTH;
    else if (strcmp(arg, "year") == 0)
        options->unit = DATE_UNIT_YEAR;
    else if (strcmp(arg, "care-period") == 0)
        options->unit = DATE_UNIT_CARE_PERIOD;
    else
        koppel_usage_error(ctx, "--unit: %s is not a unit; use month, year or care-period",
                           showable_quoted(arg, strlen(arg), shown, sizeof shown));
}

static void parse_options(koppel_context *ctx, periods_options *options, int argc, char **argv)
{
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(ctx, opt, optarg))
            continue;
        if (opt == OPT_PERIOD)
            parse_period(ctx, options, optarg);
        else if (opt == OPT_WINDOW)
            parse_window(ctx, options, optarg);
        else if (opt == OPT_UNIT)
            parse_unit(ctx, options, optarg);
        else if (opt == OPT_UNIT_COLUMN || opt == OPT_DAYS_COLUMN || opt == OPT_START_COLUMN) {
            if (!*optarg)
                koppel_usage_error(ctx, "%s expects a column name",
                                   opt == OPT_UNIT_COLUMN ? "--unit-column"
                                   : opt == OPT_DAYS_COLUMN ? "--days-column" : "--start-column");
            if (opt == OPT_UNIT_COLUMN)
                options->unit_column = optarg;
            else if (opt == OPT_DAYS_COLUMN)
                options->days_column = optarg;
            else
                options->unit_start_column = optarg;
        }
    }
    if (!options->period)
        koppel_usage_error(ctx, "--period START,END is required");
    if (!options->window_given)
        koppel_usage_error(ctx, "--window FROM..TO is required (open periods are cut at TO)");
    if (!options->unit_column)
        options->unit_column = options->unit == DATE_UNIT_YEAR          ? "year"
                               : options->unit == DATE_UNIT_CARE_PERIOD ? "period"
                                                                        : "month";
    if (!options->days_column)
        options->days_column = "days";
    if (strcmp(options->unit_column, options->days_column) == 0)
        koppel_usage_error(ctx, "the unit and days columns are both named '%s'", options->days_column);
    if (options->unit_start_column && (strcmp(options->unit_start_column, options->unit_column) == 0 ||
                                       strcmp(options->unit_start_column, options->days_column) == 0))
        koppel_usage_error(ctx, "--start-column: '%s' is the name of the unit or days column",
                           options->unit_start_column);
}

/* The output header: every input column, then the unit and days columns (and the unit's first
 * day, with --start-column), which must be new. */
static char **output_header(const koppel_context *ctx, const periods_options *options,
                            const record_reader *reader, size_t *count)
{
    const record_t *header = record_reader_header(reader);
    const char *added[3] = {options->unit_column, options->days_column, options->unit_start_column};
    const char *option[3] = {"--unit-column", "--days-column", "--start-column"};
    size_t adding = options->unit_start_column ? 3 : 2;
    for (size_t i = 0; i < adding; i++)
        if (record_reader_find_column(reader, added[i]) >= 0)
            koppel_usage_error(ctx, "%s: there is a column '%s' already; name the new one with %s",
                               record_reader_name(reader), added[i], option[i]);
    char **names = xmalloc((header->count + adding) * sizeof(char *));
    for (size_t i = 0; i < header->count; i++)
        names[i] = header->fields[i];
    for (size_t i = 0; i < adding; i++)
        names[header->count + i] = (char *)added[i];
    *count = header->count + adding;
    return names;
}

/* ---------------------------------------------------------------- one record */

typedef enum { PERIOD_INSIDE, PERIOD_OUTSIDE, PERIOD_BAD } period_verdict;

/* Read RECORD's period, cut to the window, into [*FIRST, *LAST_DAY] (*FIRST_DAY is FIRST's day
 * number). On PERIOD_BAD, *REASON says why: it names the column, never the value. */
static period_verdict read_period(const periods_options *options, const record_t *record, date_ymd *first,
                                  int64_t *first_day, int64_t *last_day, bool *open, char *reason,
                                  size_t reason_size)
{
    size_t start_length = record->lengths[options->start_index];
    size_t end_length = record->lengths[options->end_index];
    date_ymd start, end;
    if (!date_parse_iso(record->fields[options->start_index], start_length, &start)) {
        if (start_length)
            date_not_iso_reason(reason, reason_size, options->start_column, DATE_ISO_WHAT,
                                record->fields[options->start_index], start_length, DATE_CONVERTER);
        else
            snprintf(reason, reason_size, "column '%s': empty start of a period", options->start_column);
        return PERIOD_BAD;
    }
    *open = end_length == 0;
    if (*open)
        end = options->window_to;
    else if (!date_parse_iso(record->fields[options->end_index], end_length, &end)) {
        date_not_iso_reason(reason, reason_size, options->end_column, DATE_ISO_WHAT, record->fields[options->end_index],
                            end_length, DATE_CONVERTER);
        return PERIOD_BAD;
    } else if (date_order(end) < date_order(start)) {
        snprintf(reason, reason_size, "column '%s' is before column '%s'", options->end_column,
                 options->start_column);
        return PERIOD_BAD;
    }
    if (date_order(start) > date_order(options->window_to) || date_order(end) < date_order(options->window_from))
        return PERIOD_OUTSIDE;
    if (date_order(start) < date_order(options->window_from))
        start = options->window_from;
    if (date_order(end) > date_order(options->window_to))
        end = options->window_to;
    *first = start;
    *first_day = date_to_days(start);
    *last_day = date_to_days(end);
    return PERIOD_INSIDE;
}

/* Write one record per unit from the unit holding FIRST to the one holding LAST_DAY. */
static void write_units(koppel_context *ctx, const periods_options *options, const record_t *record,
                        date_ymd first, int64_t first_day, int64_t last_day, periods_counts *counts)
{
    date_ymd unit_start = date_unit_first(options->unit, first);
    /* Day numbers of the units from their lengths: one date_to_days per record, not per unit. */
    int64_t from = first_day, next_day = date_to_days(unit_start);
    while (from <= last_day) {
        next_day += date_unit_length(options->unit, unit_start);
        int64_t to = next_day - 1 < last_day ? next_day - 1 : last_day;
        char label[16], days[32];
        size_t label_length = date_unit_format(options->unit, unit_start, label);
        size_t days_length = number_format_int64(to - from + 1, days);
        record_writer_fields(ctx->out, record->fields, record->lengths, record->count);
        record_writer_field(ctx->out, label, label_length);
        record_writer_field(ctx->out, days, days_length);
        if (options->unit_start_column) {
            char start[16];
            date_format_iso(unit_start, start);
            record_writer_field_str(ctx->out, start);
        }
        record_writer_end(ctx->out);
        counts->days += to - from + 1;
        unit_start = date_unit_next(options->unit, unit_start);
        from = next_day;
    }
}

static void process_record(koppel_context *ctx, const periods_options *options, record_reader *reader,
                           const record_t *record, periods_counts *counts)
{
    date_ymd first;
    int64_t first_day, last_day;
    bool open = false;
    char reason[512];
    switch (read_period(options, record, &first, &first_day, &last_day, &open, reason, sizeof reason)) {
    case PERIOD_BAD:
        koppel_reject(ctx, reader, record, "%s", reason);
        return;
    case PERIOD_OUTSIDE:
        ctx->counts.filtered++;
        counts->open_ends += open;
        return;
    case PERIOD_INSIDE:
        counts->records_expanded++;
        counts->open_ends += open;
        write_units(ctx, options, record, first, first_day, last_day, counts);
        return;
    }
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    koppel_context ctx;
    periods_options options = {0};
    periods_counts counts = {0};
    koppel_init(&ctx, "periods", usage);
    parse_options(&ctx, &options, argc, argv);

    koppel_inputs inputs;
    record_reader *first = koppel_inputs_open(&ctx, &inputs, argc, argv, optind);
    options.start_index = record_reader_column(first, options.start_column, "--period");
    options.end_index = record_reader_column(first, options.end_column, "--period");
    size_t column_count;
    char **header = output_header(&ctx, &options, first, &column_count);
    koppel_open_output(&ctx, header, column_count);

    record_reader *reader;
    while ((reader = koppel_inputs_next(&ctx, &inputs))) {
        const record_t *record;
        while (record_reader_next(reader, &record)) {
            koppel_progress(&ctx);
            process_record(&ctx, &options, reader, record, &counts);
        }
    }
    koppel_stats_int(&ctx, "records_expanded", counts.records_expanded);
    koppel_stats_int(&ctx, "open_ends", counts.open_ends);
    koppel_stats_int(&ctx, "person_days", counts.days);
    int status = koppel_finish(&ctx);
    koppel_inputs_close(&inputs);
    free(header);
    free(options.period);
    return status;
}
