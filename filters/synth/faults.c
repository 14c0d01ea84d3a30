/* faults.c: the faults of real deliveries (BSNs mangled, duplicate rows, DD-MM-YYYY dates, bad
 * ICPC codes, broken CSV) that --dirty injects: at most one per row, drawn from a random stream
 * of their own, and a few once per file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "synth.h"

const char *const fault_names[FAULT_KINDS] = {
    "bsn_8_digits", "bsn_separators", "bsn_elfproef", "bsn_empty", "duplicate_row",
    "same_person_different_data", "date_dmy", "end_before_start", "icpc_case_padding",
    "icpc_not_icpc", "too_few_fields", "too_many_fields", "byte_order_mark", "crlf",
    "unterminated_quote", "semicolon_practice"};
static const char *const not_icpc_codes[] = {"E11.9", "J45", "I10", "M54.5", "0000", "ONBEKEND", "T9O"};

static bool fault_applies(const row *r, const file_layout *layout, int kind)
{
    switch (kind) {
    case FAULT_BSN_8_DIGITS:
        return r->field[0][0] == '0' && strlen(r->field[0]) == 9;
    case FAULT_SAME_PERSON_DIFFERENT_DATA:
        return layout->birth_column >= 0;
    case FAULT_DATE_DMY:
        for (int i = 0; i < layout->date_count; i++)
            if (r->field[layout->dates[i]][0])
                return true;
        return false;
    case FAULT_END_BEFORE_START:
        return layout->start_column >= 0 && r->field[layout->start_column][0];
    case FAULT_ICPC_CASE_PADDING:
    case FAULT_ICPC_NOT_ICPC:
        return layout->icpc_column >= 0 && r->field[layout->icpc_column][0];
    default:
        return true;
    }
}

static int choose_fault(synth *s, const row *r, const file_layout *layout)
{
    for (int kind = 0; kind < FAULT_ROW_KINDS; kind++) {
        if (!fault_applies(r, layout, kind))
            continue;
        /* Only a BSN that begins with 0 can lose it: one in ten. */
        double rate = kind == FAULT_BSN_8_DIGITS ? 10 * s->options.dirty : s->options.dirty;
        if (chance(s->fault_rng, rate))
            return kind;
    }
    return -1;
}

static void shift_iso_date(char *field, int64_t days)
{
    date_ymd date;
    if (date_parse_iso(field, strlen(field), &date))
        format_day(date_to_days(date) + days, field);
}

static void fault_bsn(synth *s, char *bsn, int kind)
{
    if (kind == FAULT_BSN_8_DIGITS) {
        memmove(bsn, bsn + 1, 9);
    } else if (kind == FAULT_BSN_EMPTY) {
        bsn[0] = '\0';
    } else if (kind == FAULT_BSN_ELFPROEF) {
        /* The check digit is unique, so any other last digit fails. */
        int digit = bsn[8] - '0';
        bsn[8] = (char)('0' + (digit + 1 + (int)uniform_int(s->fault_rng, 9)) % 10);
    } else {
        char separator = uniform_int(s->fault_rng, 2) ? '.' : ' ';
        char spaced[16];
        snprintf(spaced, sizeof spaced, "%.3s%c%.3s%c%.3s", bsn, separator, bsn + 3, separator, bsn + 6);
        memcpy(bsn, spaced, 12);
    }
}

/* The same person again, with a birth date up to a month off. */
static void fault_birth_date(synth *s, row *r, const file_layout *layout)
{
    int64_t shift = 1 + (int64_t)uniform_int(s->fault_rng, 30);
    shift_iso_date(r->field[layout->birth_column], uniform_int(s->fault_rng, 2) ? shift : -shift);
}

static void fault_date_dmy(synth *s, row *r, const file_layout *layout)
{
    int candidates[4], count = 0;
    for (int i = 0; i < layout->date_count; i++)
        if (r->field[layout->dates[i]][0])
            candidates[count++] = layout->dates[i];
    char *field = r->field[candidates[uniform_int(s->fault_rng, (unsigned long)count)]];
    date_ymd date;
    if (date_parse_iso(field, strlen(field), &date))
        snprintf(field, FIELD_SIZE, "%02d-%02d-%04d", date.day, date.month, date.year);
}

static void fault_end_before_start(synth *s, row *r, const file_layout *layout)
{
    memcpy(r->field[layout->end_column], r->field[layout->start_column], FIELD_SIZE);
    shift_iso_date(r->field[layout->end_column], -1 - (int64_t)uniform_int(s->fault_rng, 365));
}

static void fault_icpc(synth *s, row *r, const file_layout *layout, int kind)
{
    char *field = r->field[layout->icpc_column];
    if (kind == FAULT_ICPC_NOT_ICPC) {
        size_t count = sizeof not_icpc_codes / sizeof not_icpc_codes[0];
        snprintf(field, FIELD_SIZE, "%s", not_icpc_codes[uniform_int(s->fault_rng, count)]);
        return;
    }
    char lower[FIELD_SIZE];
    size_t length = strlen(field);
    for (size_t i = 0; i <= length; i++)
        lower[i] = (char)(field[i] >= 'A' && field[i] <= 'Z' ? field[i] - 'A' + 'a' : field[i]);
    static const char *const paddings[] = {" %s ", " %s", "%s "};
    snprintf(field, FIELD_SIZE, paddings[uniform_int(s->fault_rng, 3)], lower);
}

/* The row in s->row, written with a fault when one is drawn for it (true); false leaves it
 * unwritten, for emit() to write as it is. */
bool write_with_fault(synth *s, int file)
{
    row *r = &s->row;
    const file_layout *layout = &layouts[file];
    int kind = choose_fault(s, r, layout);
    if (kind < 0)
        return false;
    s->faults[kind]++;
    int count = r->count;
    bool extra_field = false;
    switch (kind) {
    case FAULT_BSN_8_DIGITS:
    case FAULT_BSN_SEPARATORS:
    case FAULT_BSN_ELFPROEF:
    case FAULT_BSN_EMPTY:
        fault_bsn(s, r->field[0], kind);
        break;
    case FAULT_DUPLICATE_ROW:
        write_fields(s, file, r, r->count, false);
        break;
    case FAULT_SAME_PERSON_DIFFERENT_DATA:
        write_fields(s, file, r, r->count, false);
        fault_birth_date(s, r, layout);
        break;
    case FAULT_DATE_DMY:
        fault_date_dmy(s, r, layout);
        break;
    case FAULT_END_BEFORE_START:
        fault_end_before_start(s, r, layout);
        break;
    case FAULT_ICPC_CASE_PADDING:
    case FAULT_ICPC_NOT_ICPC:
        fault_icpc(s, r, layout, kind);
        break;
    case FAULT_TOO_FEW_FIELDS:
        count--;
        break;
    case FAULT_TOO_MANY_FIELDS:
        extra_field = true;
        break;
    }
    write_fields(s, file, r, count, extra_field);
    return true;
}

/* Written raw: as the first bytes of a field the writer would quote the mark (a column name
 * that begins with U+FEFF), and it would no longer be the file's mark. */
void write_byte_order_mark(synth *s, int file)
{
    record_writer_raw(s->files[file], "\xEF\xBB\xBF", 3);
    s->faults[FAULT_BYTE_ORDER_MARK]++;
}

/* The file faults that hold for the whole run: CRLF line ends in gp_patients.csv (written by
 * write_fields) and the last practice delivering its contacts with ';' in a file of its own. */
void open_file_faults(synth *s)
{
    s->faults[FAULT_CRLF]++;
    s->semicolon_practice = s->practice_count - 1;
    size_t size = strlen(s->options.out_dir) + 64;
    char *path = xmalloc(size);
    snprintf(path, size, "%s/gp_contacts_practice_%s.csv", s->options.out_dir,
             s->practices[s->semicolon_practice].id);
    s->semicolon_file = record_writer_open(path, ';');
    free(path);
    record_writer_record(s->semicolon_file, (char *const *)layouts[FILE_GP_CONTACTS].columns, NULL,
                         (size_t)layouts[FILE_GP_CONTACTS].column_count);
    s->faults[FAULT_SEMICOLON_PRACTICE]++;
}

/* The unterminated quote goes last, since a reader would take everything after it as part
 * of the field; written raw, since the writer would close it. */
void write_unterminated_quote(synth *s)
{
    char bsn[10], start[16], line[160];
    next_bsn(s, bsn);
    format_day(day_of(s->options.last_year, 3, 1), start);
    char d = s->delimiter;
    snprintf(line, sizeof line, "%s%c%s%c\"%s%c%s%c%s%c%cin_kind", bsn, d, GEMEENTE_CODE, d,
             provisions[WMO_HOUSEHOLD_HELP].codes[0], d, provisions[WMO_HOUSEHOLD_HELP].type, d,
             start, d, d);
    record_writer_raw(s->files[FILE_WMO], line, strlen(line));
    record_writer_end(s->files[FILE_WMO]);
    s->faults[FAULT_UNTERMINATED_QUOTE]++;
}
