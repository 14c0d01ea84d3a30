/* record.c (fuzz harness): the record reader on arbitrary bytes, with ',' and with ';'.
 * Properties: the reader agrees with an independent RFC 4180 parser (below) on every record up
 * to the first malformed one, and reports that one as bad at its line; good records have the
 * header's field count, NUL-terminated fields without NUL bytes, valid UTF-8 and rising line
 * numbers; bad records keep their original bytes; every record is counted; and the good records
 * written with record_writer read back as the same fields, with nothing bad; read as Latin-1,
 * the input gives what its UTF-8 form gives. (Input compressed with gzip is only read: the
 * oracle parses bytes as they are.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "message.h"
#include "record.h"

/* ---------------------------------------------------------------- rows */

typedef struct row {
    char **fields;
    size_t *lengths;
    size_t count;
    long line;
    bool bad; /* reader: handed to the bad-record handler */
} row;

typedef struct rows {
    row *items;
    size_t count, capacity;
} rows;

static row *rows_add(rows *list, long line)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? 2 * list->capacity : 16;
        list->items = xrealloc(list->items, list->capacity * sizeof *list->items);
    }
    row *r = &list->items[list->count++];
    *r = (row){.line = line};
    return r;
}

static void row_add_field(row *r, const char *text, size_t length)
{
    r->fields = xrealloc(r->fields, (r->count + 1) * sizeof *r->fields);
    r->lengths = xrealloc(r->lengths, (r->count + 1) * sizeof *r->lengths);
    r->fields[r->count] = xstrndup(text, length);
    r->lengths[r->count++] = length;
}

static void row_free(row *r)
{
    for (size_t i = 0; i < r->count; i++)
        free(r->fields[i]);
    free(r->fields);
    free(r->lengths);
}

static void rows_free(rows *list)
{
    for (size_t i = 0; i < list->count; i++)
        row_free(&list->items[i]);
    free(list->items);
}

static bool same_fields(const row *a, const row *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (a->lengths[i] != b->lengths[i] || memcmp(a->fields[i], b->fields[i], a->lengths[i]) != 0)
            return false;
    return true;
}

/* ---------------------------------------------------------------- the oracle */

/* An independent, deliberately simple RFC 4180 parser: rows until the first malformed one
 * (a quote inside an unquoted field, text after a closing quote, an unterminated quote, a CR
 * not followed by LF outside quotes, a NUL byte or invalid UTF-8 in a field). */
typedef struct oracle {
    rows rows;
    bool malformed;
    long malformed_line; /* where the malformed row starts */
} oracle;

typedef struct field_buffer {
    char *bytes;
    size_t length, capacity;
} field_buffer;

static void field_put(field_buffer *field, char c)
{
    if (field->length == field->capacity) {
        field->capacity = field->capacity ? 2 * field->capacity : 64;
        field->bytes = xrealloc(field->bytes, field->capacity);
    }
    field->bytes[field->length++] = c;
}

static bool field_acceptable(const field_buffer *field)
{
    return !memchr(field->bytes ? field->bytes : "", '\0', field->length) &&
           fuzz_utf8_valid(field->bytes ? field->bytes : "", field->length);
}

static void oracle_parse(oracle *o, const unsigned char *data, size_t size, char delimiter)
{
    size_t pos = 0;
    long line = 1;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    field_buffer field = {0};
    while (pos < size) {
        long row_line = line;
        row current = {.line = row_line};
        bool row_done = false, bad = false;
        while (!row_done && !bad) {
            field.length = 0;
            bool field_done = false;
            if (pos < size && data[pos] == '"') {
                pos++;
                for (;;) {
                    if (pos >= size) {
                        bad = true; /* unterminated */
                        break;
                    }
                    unsigned char c = data[pos];
                    if (c == '"') {
                        if (pos + 1 < size && data[pos + 1] == '"') {
                            field_put(&field, '"');
                            pos += 2;
                            continue;
                        }
                        pos++;
                        break;
                    }
                    if (c == '\n')
                        line++;
                    field_put(&field, (char)c);
                    pos++;
                }
                if (bad)
                    break;
                if (pos >= size)
                    row_done = true;
                else if (data[pos] == (unsigned char)delimiter)
                    pos++;
                else if (data[pos] == '\n') {
                    pos++, line++;
                    row_done = true;
                } else if (data[pos] == '\r' && pos + 1 < size && data[pos + 1] == '\n') {
                    pos += 2, line++;
                    row_done = true;
                } else
                    bad = true; /* text after a closing quote */
                field_done = true;
            }
            while (!field_done && !bad) {
                if (pos >= size) {
                    row_done = field_done = true;
                    break;
                }
                unsigned char c = data[pos];
                if (c == (unsigned char)delimiter) {
                    pos++;
                    field_done = true;
                } else if (c == '\n') {
                    pos++, line++;
                    row_done = field_done = true;
                } else if (c == '\r') {
                    if (pos + 1 < size && data[pos + 1] == '\n') {
                        pos += 2, line++;
                        row_done = field_done = true;
                    } else
                        bad = true;
                } else if (c == '"')
                    bad = true;
                else {
                    field_put(&field, (char)c);
                    pos++;
                }
            }
            if (!bad && !field_acceptable(&field))
                bad = true;
            if (!bad)
                row_add_field(&current, field.bytes ? field.bytes : "", field.length);
        }
        if (bad) {
            row_free(&current);
            o->malformed = true;
            o->malformed_line = row_line;
            break;
        }
        *rows_add(&o->rows, row_line) = current;
    }
    free(field.bytes);
}

/* ---------------------------------------------------------------- the reader */

typedef struct reading {
    const unsigned char *data;
    size_t size;
    char delimiter;
    row header;
    rows records; /* good ones with their fields; bad ones with their raw bytes and reason */
    uint64_t counted;
    long last_line;
    reject_sink *rejects; /* when set, bad records are written there too */
    text_encoding encoding; /* of the input given; DATA is its text as UTF-8 */
} reading;

static void on_bad(void *context, record_reader *reader, const record_t *record, const char *reason)
{
    reading *r = context;
    FUZZ_CHECK(reason && reason[0], "a bad record needs a reason");
    for (const char *p = reason; *p; p++)
        FUZZ_CHECK(*p >= 0x20 && *p < 0x7f, "reason '%s' is not plain text", reason);
    FUZZ_CHECK(record->line > r->last_line, "bad record at line %ld after line %ld", record->line,
               r->last_line);
    FUZZ_CHECK(record->raw_length == 0 || (record->raw && memmem(r->data, r->size, record->raw,
                                                                   record->raw_length)),
               "the raw bytes of the bad record at line %ld are not in the input", record->line);
    r->last_line = record->line;
    row *stored = rows_add(&r->records, record->line);
    stored->bad = true;
    row_add_field(stored, record->raw ? record->raw : "", record->raw_length);
    row_add_field(stored, reason, strlen(reason));
    if (r->rejects)
        reject_sink_write(r->rejects, reader, record, reason);
}

static void check_fields(const record_t *record, const char *what)
{
    for (size_t i = 0; i < record->count; i++) {
        FUZZ_CHECK(record->fields[i][record->lengths[i]] == '\0', "%s line %ld field %zu not terminated",
                   what, record->line, i);
        FUZZ_CHECK(strlen(record->fields[i]) == record->lengths[i], "%s line %ld field %zu holds a NUL",
                   what, record->line, i);
        FUZZ_CHECK(fuzz_utf8_valid(record->fields[i], record->lengths[i]),
                   "%s line %ld field %zu is not UTF-8", what, record->line, i);
    }
}

static void read_all(void *context)
{
    reading *r = context;
    record_reader *reader = record_reader_open_encoded("-", r->delimiter, r->encoding, on_bad, r);
    record_reader_set_counter(reader, &r->counted);
    const record_t *header = record_reader_header(reader);
    FUZZ_CHECK(header->count >= 1, "a header has at least one field");
    check_fields(header, "header");
    for (size_t i = 0; i < header->count; i++) {
        row_add_field(&r->header, header->fields[i], header->lengths[i]);
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(header->fields[i], header->fields[j]) != 0, "duplicate header names pass");
    }
    r->last_line = 1;
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        FUZZ_CHECK(record->count == header->count, "line %ld: %zu fields, header %zu", record->line,
                   record->count, header->count);
        FUZZ_CHECK(record->line > r->last_line, "record at line %ld after line %ld", record->line,
                   r->last_line);
        check_fields(record, "record");
        r->last_line = record->line;
        row *stored = rows_add(&r->records, record->line);
        for (size_t i = 0; i < record->count; i++)
            row_add_field(stored, record->fields[i], record->lengths[i]);
    }
    record_reader_close(reader);
    if (r->rejects)
        reject_sink_close(r->rejects);
    r->rejects = NULL;
}

static void read_all_with_rejects(void *context)
{
    reading *r = context;
    r->rejects = reject_sink_open(NULL, r->delimiter);
    read_all(r);
}

/* Read DATA; false when the reader refused the input (no header, a bad header). With REJECTS,
 * bad records also go to a rejects file, whose bytes *REJECTS then holds (allocated). */
static bool read_input(reading *r, const unsigned char *data, size_t size, char delimiter,
                       char **rejects, size_t *rejects_size)
{
    *r = (reading){.data = data, .size = size, .delimiter = delimiter};
    fuzz_set_stdin(data, size);
    if (rejects)
        fuzz_capture_begin();
    bool opened = fuzz_try(rejects ? read_all_with_rejects : read_all, r);
    if (rejects) {
        *rejects = fuzz_capture_end(rejects_size);
        if (!opened) {
            free(*rejects);
            *rejects = NULL;
        }
    }
    if (opened)
        return true;
    FUZZ_CHECK(fuzz_die_status() == 1, "the reader stopped with status %d: %s", fuzz_die_status(),
               fuzz_messages());
    return false;
}

static void reading_free(reading *r)
{
    row_free(&r->header);
    rows_free(&r->records);
}

/* ---------------------------------------------------------------- properties */

static size_t count_line_feeds(const unsigned char *data, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n;
}

static bool header_acceptable(const oracle *o)
{
    if (o->rows.count == 0)
        return false;
    const row *h = &o->rows.items[0];
    for (size_t i = 0; i < h->count; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(h->fields[i], h->fields[j]) == 0)
                return false;
    return true;
}

/* The reader against the oracle on the same bytes. */
static void compare_with_oracle(const reading *r, bool opened, const oracle *o, size_t size,
                                size_t line_feeds)
{
    if (!opened) {
        FUZZ_CHECK(!header_acceptable(o), "the reader refused a good header: %s", fuzz_messages());
        return;
    }
    FUZZ_CHECK(o->rows.count > 0 || o->malformed, "a header was read from %zu bytes without one", size);
    FUZZ_CHECK(o->rows.count > 0, "a malformed header was accepted (oracle: line %ld)", o->malformed_line);
    FUZZ_CHECK(same_fields(&r->header, &o->rows.items[0]), "header differs from the oracle's");
    FUZZ_CHECK(r->counted == r->records.count, "counted %llu records, handed over %zu",
               (unsigned long long)r->counted, r->records.count);
    FUZZ_CHECK(r->records.count <= line_feeds + 1, "%zu records in %zu lines", r->records.count,
               line_feeds + 1);
    size_t expected = o->rows.count - 1;
    FUZZ_CHECK(r->records.count >= expected + (o->malformed ? 1 : 0),
               "%zu records, the oracle has %zu%s", r->records.count, expected,
               o->malformed ? " and a malformed one" : "");
    if (!o->malformed)
        FUZZ_CHECK(r->records.count == expected, "%zu records, the oracle has %zu", r->records.count,
                   expected);
    for (size_t i = 0; i < expected; i++) {
        const row *got = &r->records.items[i], *want = &o->rows.items[i + 1];
        FUZZ_CHECK(got->line == want->line, "record %zu at line %ld, the oracle says %ld", i,
                   got->line, want->line);
        bool should_be_bad = want->count != r->header.count;
        FUZZ_CHECK(got->bad == should_be_bad, "record at line %ld: %s, but it has %zu fields and the header %zu",
                   got->line, got->bad ? "bad" : "good", want->count, r->header.count);
        if (!got->bad)
            FUZZ_CHECK(same_fields(got, want), "record at line %ld differs from the oracle's", got->line);
    }
    if (o->malformed) {
        const row *got = &r->records.items[expected];
        FUZZ_CHECK(got->bad && got->line == o->malformed_line,
                   "the malformed record at line %ld came back %s at line %ld", o->malformed_line,
                   got->bad ? "bad" : "good", got->line);
    }
}

/* Write R's header and good records with record_writer; the bytes, allocated. */
typedef struct writing {
    const reading *source;
} writing;

static void write_records(void *context)
{
    const reading *r = ((writing *)context)->source;
    record_writer *writer = record_writer_open(NULL, r->delimiter);
    record_writer_record(writer, r->header.fields, r->header.lengths, r->header.count);
    for (size_t i = 0; i < r->records.count; i++)
        if (!r->records.items[i].bad)
            record_writer_record(writer, r->records.items[i].fields, r->records.items[i].lengths,
                                 r->records.items[i].count);
    record_writer_close(writer);
}

static void check_round_trip(const reading *r)
{
    writing w = {r};
    fuzz_capture_begin();
    bool wrote = fuzz_try(write_records, &w);
    size_t size;
    char *written = fuzz_capture_end(&size);
    FUZZ_CHECK(wrote, "record_writer stopped: %s", fuzz_messages());

    oracle o = {0};
    oracle_parse(&o, (const unsigned char *)written, size, r->delimiter);
    FUZZ_CHECK(!o.malformed, "record_writer wrote malformed CSV (line %ld)", o.malformed_line);

    reading back;
    bool opened = read_input(&back, (const unsigned char *)written, size, r->delimiter, NULL, NULL);
    FUZZ_CHECK(opened, "the written header was refused: %s", fuzz_messages());
    /* (A first column name that begins with U+FEFF is quoted, so it is not taken for a
     * byte-order mark: fixed, was a finding of this harness.) */
    FUZZ_CHECK(same_fields(&back.header, &r->header), "the header changed in the round trip");
    size_t j = 0;
    for (size_t i = 0; i < r->records.count; i++) {
        const row *original = &r->records.items[i];
        if (original->bad)
            continue;
        FUZZ_CHECK(j < back.records.count, "records lost in the round trip");
        const row *copy = &back.records.items[j++];
        FUZZ_CHECK(!copy->bad, "a written record (from line %ld) read back as bad", original->line);
        FUZZ_CHECK(same_fields(copy, original), "the record from line %ld changed in the round trip",
                   original->line);
    }
    FUZZ_CHECK(j == back.records.count, "the round trip added records");
    reading_free(&back);
    rows_free(&o.rows);
    free(written);
}

/* The rejects file: the input's columns (empty for a record that could not be split) and
 * reject_file, reject_line, reject_reason, reject_raw. Read back, every bad record is there
 * with its line, its reason and exactly its original bytes (nothing is lost), unless those
 * bytes are themselves what a reader refuses (a NUL byte, invalid UTF-8). */
static void check_rejects(const reading *r, const char *rejects, size_t size)
{
    static const char *const columns[] = {"reject_file", "reject_line", "reject_reason", "reject_raw"};
    size_t bad = 0;
    for (size_t i = 0; i < r->records.count; i++)
        bad += r->records.items[i].bad;
    reading back;
    bool opened = read_input(&back, (const unsigned char *)rejects, size, r->delimiter, NULL, NULL);
    FUZZ_CHECK(opened, "the rejects file cannot be read: %s", fuzz_messages());
    size_t n = bad ? r->header.count : 0;
    FUZZ_CHECK(back.header.count == n + 4, "the rejects file has %zu columns, expected %zu",
               back.header.count, n + 4);
    /* The added columns are the four names, with underscores in front when the input has a
     * column of that name already (with as many underscores, or fewer). */
    for (size_t i = 0; i < 4; i++) {
        size_t leading = 0;
        for (size_t k = 0; k < n; k++) {
            size_t underscores = strspn(r->header.fields[k], "_");
            if (strcmp(r->header.fields[k] + underscores, columns[i]) == 0 && underscores + 1 > leading)
                leading = underscores + 1;
        }
        const char *added = back.header.fields[n + i];
        FUZZ_CHECK(strspn(added, "_") == leading && strcmp(added + leading, columns[i]) == 0,
                   "rejects column %zu", n + i);
    }
    FUZZ_CHECK(back.records.count == bad, "%zu rejects for %zu bad records", back.records.count, bad);
    size_t j = 0;
    for (size_t i = 0; i < r->records.count; i++) {
        const row *original = &r->records.items[i];
        if (!original->bad)
            continue;
        const row *reject = &back.records.items[j++];
        const char *raw = original->fields[0];
        size_t raw_length = original->lengths[0];
        bool readable = !memchr(raw, '\0', raw_length) && fuzz_utf8_valid(raw, raw_length);
        if (!readable)
            continue; /* the reject holds bytes no reader accepts: reported, not lost */
        FUZZ_CHECK(!reject->bad, "the reject of line %ld reads back as bad", original->line);
        char line[32];
        snprintf(line, sizeof line, "%ld", original->line);
        for (size_t k = 0; k < n; k++)
            FUZZ_CHECK(reject->lengths[k] == 0, "the reject of line %ld has a field", original->line);
        FUZZ_CHECK(strcmp(reject->fields[n], "-") == 0 && strcmp(reject->fields[n + 1], line) == 0,
                   "the reject of line %ld names '%s' line %s", original->line, reject->fields[n],
                   reject->fields[n + 1]);
        FUZZ_CHECK(strcmp(reject->fields[n + 2], original->fields[1]) == 0, "reject reason changed");
        FUZZ_CHECK(reject->lengths[n + 3] == raw_length && memcmp(reject->fields[n + 3], raw, raw_length) == 0,
                   "the raw bytes of line %ld changed in the rejects file", original->line);
    }
    reading_free(&back);
}

static void check_delimiter(const unsigned char *data, size_t size, char delimiter)
{
    oracle o = {0};
    oracle_parse(&o, data, size, delimiter);
    reading r;
    char *rejects = NULL;
    size_t rejects_size = 0;
    bool opened = read_input(&r, data, size, delimiter, &rejects, &rejects_size);
    compare_with_oracle(&r, opened, &o, size, count_line_feeds(data, size));
    if (opened) {
        check_round_trip(&r);
        check_rejects(&r, rejects, rejects_size);
        reading_free(&r);
    }
    free(rejects);
    rows_free(&o.rows);
}

/* Latin-1 read with --encoding latin-1 reads as its UTF-8 form does, converted here on its own
 * (a byte of 0x80 or above is two bytes: 110000xx 10xxxxxx): the same header, the same records
 * at the same lines, good or bad alike, with the same fields, reasons and raw bytes. */
static void check_latin1(const unsigned char *data, size_t size)
{
    unsigned char *text = xmalloc(2 * size + 1);
    size_t length = 0;
    for (size_t i = 0; i < size; i++)
        if (data[i] < 0x80)
            text[length++] = data[i];
        else {
            text[length++] = (unsigned char)(0xC0 | data[i] >> 6);
            text[length++] = (unsigned char)(0x80 | (data[i] & 0x3F));
        }
    reading converted, reference;
    converted = (reading){.data = text, .size = length, .delimiter = ',', .encoding = ENCODING_LATIN1};
    fuzz_set_stdin(data, size);
    bool opened = fuzz_try(read_all, &converted);
    FUZZ_CHECK(opened || fuzz_die_status() == 1, "latin-1: the reader stopped with status %d: %s",
               fuzz_die_status(), fuzz_messages());
    bool reference_opened = read_input(&reference, text, length, ',', NULL, NULL);
    FUZZ_CHECK(opened == reference_opened, "latin-1: %s, its UTF-8 form %s", opened ? "read" : "refused",
               reference_opened ? "read" : "refused");
    if (opened) {
        FUZZ_CHECK(same_fields(&converted.header, &reference.header), "latin-1: the header differs");
        FUZZ_CHECK(converted.records.count == reference.records.count, "latin-1: %zu records, its UTF-8 form %zu",
                   converted.records.count, reference.records.count);
        for (size_t i = 0; i < converted.records.count; i++) {
            const row *a = &converted.records.items[i], *b = &reference.records.items[i];
            FUZZ_CHECK(a->line == b->line && a->bad == b->bad && same_fields(a, b),
                       "latin-1: the record at line %ld differs from that of its UTF-8 form", a->line);
        }
        reading_free(&converted);
        reading_free(&reference);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    /* Input that starts with the gzip magic is decompressed before it is parsed, which the
     * oracle does not do: here only the properties of what is read, and status 1 if refused. */
    if (size >= 2 && data[0] == 0x1F && data[1] == 0x8B) {
        reading r;
        if (read_input(&r, data, size, ',', NULL, NULL))
            reading_free(&r);
        return 0;
    }
    check_delimiter(data, size, ',');
    check_delimiter(data, size, ';');
    /* (Byte-order marks are refused as such, with --encoding latin-1 also UTF-8's; in Latin-1
     * they would be the letters ÿþ or ï»¿.) */
    bool utf16_mark = size >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF));
    bool utf8_mark = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
    if (!utf16_mark && !utf8_mark)
        check_latin1(data, size);
    return 0;
}
