/* output.c: the files koppel synth writes, their columns, and the row every generator
 * fills before emit() writes it (through the faults, when --dirty asks for them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "synth.h"

const file_layout layouts[FILE_ALL] = {
    {"persons",
     {"bsn", "birth_date", "sex", "postcode", "house_number", "gemeente_code", "wijk_code",
      "buurt_code", "district", "household_type", "migration_background", "ses_quintile",
      "registration_start", "registration_end", "death_date"},
     15, {1, 12, 13, 14}, 4, 12, 13, -1, 1},
    {"wmo",
     {"bsn", "gemeente_code", "provision_code", "provision_type", "start_date", "end_date", "delivery"},
     7, {4, 5}, 2, 4, 5, -1, -1},
    {"gp_patients",
     {"bsn", "practice_id", "birth_date", "sex", "postcode", "registration_start", "registration_end",
      "registration_end_reason"},
     8, {2, 5, 6}, 3, 5, 6, -1, 2},
    {"gp_episodes", {"bsn", "practice_id", "episode_id", "icpc", "start_date", "end_date"},
     6, {4, 5}, 2, 4, 5, 3, -1},
    {"gp_contacts", {"bsn", "practice_id", "contact_date", "contact_type", "provider", "icpc"},
     6, {2}, 1, -1, -1, 5, -1},
    {"gp_practices", {"practice_id", "year", "data_quality", "missing_from", "missing_to", "delivers_referrals"},
     6, {3, 4}, 2, 3, 4, -1, -1},
    {"wlz", {"bsn", "start_date", "end_date", "setting"}, 4, {1, 2}, 2, 1, 2, -1, -1},
    {"gp_referrals", {"bsn", "practice_id", "referral_date", "specialism", "icpc"}, 5, {2}, 1, -1, -1, 4, -1},
    {"insured", {"bsn", "year", "insurer_id"}, 3, {0}, 0, -1, -1, -1, -1},
    {"insurer_deliveries", {"insurer_id", "year", "delivery"}, 3, {0}, 0, -1, -1, -1, -1},
    {"claims",
     {"bsn", "insurer_id", "law", "discipline", "declaration_code", "start_date", "end_date", "diagnosis_code"},
     8, {5, 6}, 2, 5, 6, 7, -1},
    /* --country */
    {"municipalities",
     {"gemeente_code", "name", "population", "share_65plus", "wijkteam", "wijkteam_since",
      "merged_into", "merger_date", "gmsd_delivered", "cak_delivered", "category_change"},
     11, {7}, 1, -1, -1, -1, -1},
    {"population", {"gemeente_code", "month", "age_group", "inhabitants"}, 4, {0}, 0, -1, -1, -1, -1},
    {"gmsd", {"bsn", "gemeente_code", "product_code", "start_date", "end_date", "birth_date"},
     6, {3, 4, 5}, 3, 3, 4, -1, 5},
    {"cak", {"bsn", "gemeente_code", "year", "period", "product_code", "hours", "birth_date"},
     7, {6}, 1, -1, -1, -1, 6},
    {"municipality_crosswalk", {"gemeente_code", "boundary_year", "boundary_gemeente_code", "merger_date"},
     4, {3}, 1, -1, -1, -1, -1},
};

/* YYYY-MM-DD written digit by digit: snprintf was the largest cost of writing claims.csv. */
void format_day(int64_t day, char *buffer)
{
    if (day == NO_DATE) {
        buffer[0] = '\0';
        return;
    }
    date_ymd date = date_from_days(day);
    if (date.year < 0 || date.year > 9999) {
        date_format_iso(date, buffer);
        return;
    }
    int parts[3] = {date.year, date.month, date.day}, widths[3] = {4, 2, 2};
    char *out = buffer;
    for (int i = 0; i < 3; i++) {
        for (int k = widths[i] - 1, value = parts[i]; k >= 0; k--, value /= 10)
            out[k] = (char)('0' + value % 10);
        out += widths[i];
        *out++ = i < 2 ? '-' : '\0';
    }
}

/* OUT_DIR/NAME.csv, allocated. */
char *data_file_path(const char *out_dir, const char *name)
{
    size_t size = strlen(out_dir) + strlen(name) + 6;
    char *path = xmalloc(size);
    snprintf(path, size, "%s/%s.csv", out_dir, name);
    return path;
}

/* The files FIRST..LAST - 1, each with its header row. */
static void open_files(synth *s, int first, int last)
{
    for (int file = first; file < last; file++) {
        const file_layout *layout = &layouts[file];
        char *path = data_file_path(s->options.out_dir, layout->name);
        s->files[file] = record_writer_open(path, s->delimiter);
        free(path);
        row_begin(s, layout->column_count);
        for (int i = 0; i < layout->column_count; i++)
            row_text(s, i, layout->columns[i]);
        if (s->options.dirty > 0 && file == FILE_PERSONS)
            write_byte_order_mark(s, file);
        write_fields(s, file, &s->row, layout->column_count, false);
    }
}

void open_output_files(synth *s)
{
    open_files(s, 0, FILE_COUNT);
    if (s->options.dirty > 0)
        open_file_faults(s);
}

void open_country_files(synth *s)
{
    open_files(s, FILE_COUNT, FILE_ALL);
}

void close_country_files(synth *s)
{
    for (int file = FILE_COUNT; file < FILE_ALL; file++)
        record_writer_close(s->files[file]);
}

void write_fields(synth *s, int file, const row *r, int count, bool extra_field)
{
    record_writer *writer = s->files[file];
    for (int i = 0; i < count; i++)
        record_writer_field_str(writer, r->field[i]);
    if (extra_field)
        record_writer_field(writer, "", 0);
    /* The file fault of gp_patients.csv: CRLF line ends, the CR written raw since the writer
     * would quote it. */
    if (file == FILE_GP_PATIENTS && s->options.dirty > 0)
        record_writer_raw(writer, "\r", 1);
    record_writer_end(writer);
}

/* Every data row goes through here. Clean, it is written as it is; dirty, the fault
 * generator (a random stream of its own) may give it one fault. */
void emit(synth *s, int file)
{
    if (s->options.dirty > 0 && write_with_fault(s, file))
        return;
    write_fields(s, file, &s->row, s->row.count, false);
}

void close_output_files(synth *s)
{
    for (int file = 0; file < FILE_COUNT; file++)
        record_writer_close(s->files[file]);
    record_writer_close(s->semicolon_file);
}
