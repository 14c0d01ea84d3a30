/* record.c: the record layer. The reader scans for record boundaries itself (it must know
 * physical lines, which libcsv does not report), splits unquoted records directly, and hands
 * records that contain quotes to libcsv in strict mode. The writer quotes minimally. */
#include "record.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byte_source.h"
#include "message.h"
/* uthash runs out of memory like everything else here: status 3 and a message. */
#define uthash_fatal(msg) message_die_nomem()
#include <uthash.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "showable.h"

#define READ_BLOCK (1u << 20)
#define WRITE_BLOCK (1u << 18)

/* The reason of a record with invalid UTF-8 (compared by address: the hint that goes with it). */
static const char invalid_utf8_reason[] = "invalid UTF-8";

/* Byte classes for the scanner: everything that ends the plain run of a field. */
enum byte_class { PLAIN = 0, DELIMITER, QUOTE, LINE_FEED, CARRIAGE_RETURN, NUL_BYTE, HIGH_BIT };

/* A column of the header by name (uthash, keyed by the name the header holds). */
struct column_entry {
    UT_hash_handle hh;
    size_t index;
};

struct record_reader {
    int fd;
    byte_source *source; /* the input's bytes as UTF-8: gunzipped, converted */
    char *name;
    char delimiter;
    const char *bad_byte_reason; /* "invalid UTF-8", or the byte the encoding does not define */
    unsigned char classes[256];
    unsigned char *buffer;
    size_t capacity; /* one byte always stays free for a terminating NUL */
    size_t start;    /* first unconsumed byte */
    size_t end;      /* end of valid bytes */
    bool eof;
    long line; /* physical line of the next record */
    long blank_run_end;  /* a run of blank lines is known to end in a record on this line */
    char empty_field[1]; /* the field of a blank line once the buffer has moved */
    /* Where the scan of a record that ran past the buffer resumes after the next read, so
     * that a record longer than one read is scanned once, not once per read. */
    struct scan_state {
        bool started, quoted;
        size_t offset; /* relative to the record start */
        size_t fields;
        long newlines;
        int quote_state;
        const char *bad;
    } scan;
    record_t record;
    size_t field_capacity;
    size_t *offsets; /* field start offsets relative to the record start, while scanning */
    record_t header;
    struct column_entry *columns; /* the header's names, for lookups by name */
    /* Fields of a quoted record, as libcsv delivers them. */
    struct csv_parser parser;
    char *arena;
    size_t arena_length, arena_capacity;
    size_t arena_fields;
    record_bad_handler on_bad;
    void *handler_context;
    uint64_t *counter;
    /* Hints: how the file may be meant to be read, each given once. */
    char suggested_delimiter; /* one header column with this delimiter in its name, or 0 */
    unsigned hints_given;     /* bits of enum reader_hint */
    const char *pending_hint; /* for the bad record being handed to on_bad */
    char delimiter_hint[96];
};

enum reader_hint { HINT_ENCODING = 1, HINT_DELIMITER = 2 };

/* ---------------------------------------------------------------- reading bytes */

/* A pipe between two filters holds 64 kB by default: the writer then blocks, and both wake
 * each other, every 64 kB. A 1 MB pipe (the most an unprivileged process may ask for) lets
 * them run on for longer. Only a hint: a refusal changes nothing. */
static void widen_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
    struct stat info;
    if (fstat(fd, &info) == 0 && S_ISFIFO(info.st_mode) && fcntl(fd, F_GETPIPE_SZ) < (1 << 20))
        (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#else
    (void)fd;
#endif
}

static void reader_fill(record_reader *reader)
{
    if (reader->start > 0) {
        memmove(reader->buffer, reader->buffer + reader->start, reader->end - reader->start);
        reader->end -= reader->start;
        reader->start = 0;
    }
    if (reader->end + 1 + BYTE_SOURCE_MINIMUM_ROOM > reader->capacity) {
        if (reader->capacity > SIZE_MAX / 2)
            message_die(3, "%s: record too large", reader->name);
        reader->capacity *= 2;
        reader->buffer = xrealloc(reader->buffer, reader->capacity);
    }
    size_t n = byte_source_read(reader->source, reader->buffer + reader->end, reader->capacity - 1 - reader->end);
    reader->end += n;
    if (n == 0)
        reader->eof = true;
}

/* Length of the UTF-8 sequence at P (AVAILABLE bytes), 0 when invalid, -1 when more bytes
 * are needed to tell. Overlong forms, surrogates and code points above U+10FFFF are invalid. */
static int utf8_sequence_length(const unsigned char *p, size_t available)
{
    unsigned char c = p[0];
    int length;
    unsigned char low = 0x80, high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        length = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        if (c == 0xE0)
            low = 0xA0;
        else if (c == 0xED)
            high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        if (c == 0xF0)
            low = 0x90;
        else if (c == 0xF4)
            high = 0x8F;
    } else
        return 0;
    for (int i = 1; i < length; i++) {
        if ((size_t)i >= available)
            return -1;
        unsigned char lo = i == 1 ? low : 0x80, hi = i == 1 ? high : 0xBF;
        if (p[i] < lo || p[i] > hi)
            return 0;
    }
    return length;
}

/* ---------------------------------------------------------------- scanning records */

typedef struct scan_result {
    size_t content_end; /* end of the record's bytes, before CR LF / LF (absolute) */
    size_t next;        /* where the next record starts (absolute) */
    long newlines;      /* line feeds inside the record (quoted fields) */
    size_t fields;      /* number of fields (fast path) */
    bool quoted;        /* contains a quote: split by libcsv */
    const char *bad;    /* first structural problem, or NULL */
} scan_result;

static void reader_grow_fields(record_reader *reader, size_t index)
{
    while (index >= reader->field_capacity)
        reader->field_capacity = reader->field_capacity ? reader->field_capacity * 2 : 64;
    reader->offsets = xrealloc(reader->offsets, reader->field_capacity * sizeof *reader->offsets);
    reader->record.fields = xrealloc(reader->record.fields, reader->field_capacity * sizeof(char *));
    reader->record.lengths = xrealloc(reader->record.lengths, reader->field_capacity * sizeof(size_t));
}

static inline void reader_note_field(record_reader *reader, size_t index, size_t offset)
{
    if (__builtin_expect(index >= reader->field_capacity, 0))
        reader_grow_fields(reader, index);
    reader->offsets[index] = offset;
}

/* SCAN_QUOTED: the record has a quote; scan it again with scan_quoted. */
enum scan_status { SCAN_RECORD, SCAN_MORE, SCAN_END, SCAN_QUOTED };

#if defined(__SSE2__)
/* The bytes that end a plain run, 16 at a time: a bit per delimiter, quote, LF, CR, NUL or
 * byte >= 0x80 (the sign bit, which movemask reads directly). */
typedef struct special_bytes {
    __m128i delimiter, quote, line_feed, carriage_return, zero;
} special_bytes;

static inline special_bytes special_bytes_for(char delimiter)
{
    return (special_bytes){_mm_set1_epi8(delimiter), _mm_set1_epi8('"'), _mm_set1_epi8('\n'),
                           _mm_set1_epi8('\r'), _mm_setzero_si128()};
}

/* Returns the mask of special bytes other than the delimiter; *DELIMITERS gets the mask of
 * delimiters. */
static inline unsigned special_mask(const special_bytes *special, const unsigned char *bytes,
                                    unsigned *delimiters)
{
    __m128i x = _mm_loadu_si128((const __m128i *)bytes);
    __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(x, special->quote), _mm_cmpeq_epi8(x, special->line_feed));
    hits = _mm_or_si128(hits, _mm_cmpeq_epi8(x, special->carriage_return));
    hits = _mm_or_si128(hits, _mm_cmpeq_epi8(x, special->zero));
    *delimiters = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, special->delimiter));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(hits, x));
}

/* The fast path of scan_plain: whole blocks of 16 bytes from P, noting the fields their
 * delimiters start, up to the first block with a special byte other than a delimiter (P is
 * left on that byte) or the last whole block of the buffer. */
static inline size_t scan_plain_blocks(record_reader *reader, const special_bytes *special, size_t p,
                                       size_t start, size_t *field_count)
{
    const unsigned char *buffer = reader->buffer;
    size_t fields = *field_count;
    while (p + 16 <= reader->end) {
        /* Room for 16 more fields (and the sentinel) before the block, none checked in it. */
        if (__builtin_expect(fields + 17 >= reader->field_capacity, 0))
            reader_grow_fields(reader, fields + 17);
        unsigned delimiters;
        unsigned other = special_mask(special, buffer + p, &delimiters);
        /* The delimiters before the first other special byte are fields; that byte ends
         * the block's fast path. */
        if (other)
            delimiters &= (other & -other) - 1;
        size_t *offsets = reader->offsets;
        for (; delimiters; delimiters &= delimiters - 1)
            offsets[fields++] = p + (unsigned)__builtin_ctz(delimiters) + 1 - start;
        if (other) {
            p += (unsigned)__builtin_ctz(other);
            break;
        }
        p += 16;
    }
    *field_count = fields;
    return p;
}
#endif

/* The checks both scanners make (outside quoted text, for a carriage return). */
enum checked_byte { BYTE_SKIP, LINE_END_CRLF, NEED_MORE };

/* A carriage return at P outside quotes: the line end CR LF, or a bad byte to skip (noted in
 * *BAD unless a reason is there already); NEED_MORE when the byte after it is not read yet. */
static inline enum checked_byte check_carriage_return(const record_reader *reader, size_t p, const char **bad)
{
    if (p + 1 == reader->end && !reader->eof)
        return NEED_MORE;
    if (p + 1 < reader->end && reader->buffer[p + 1] == '\n')
        return LINE_END_CRLF;
    if (!*bad)
        *bad = "carriage return outside quotes (only CR LF or LF end a line)";
    return BYTE_SKIP;
}

/* A NUL byte or a byte of 0x80 or above at P: checked, and how many bytes to skip (a whole
 * UTF-8 sequence, or the one bad byte, noted in *BAD); 0 when the rest of a sequence is not
 * read yet. */
static inline size_t check_other_byte(const record_reader *reader, size_t p, const char **bad)
{
    if (reader->buffer[p] == 0) {
        if (!*bad)
            *bad = "NUL byte in the record";
        return 1;
    }
    int length = utf8_sequence_length(reader->buffer + p, reader->end - p);
    if (length < 0 && !reader->eof)
        return 0;
    if (length <= 0) {
        if (!*bad)
            *bad = reader->bad_byte_reason;
        return 1;
    }
    /* U+FEFF is valid UTF-8, but at the start of a field of a record (not the header, whose
     * first name may begin with one after the file's own mark) it is the byte-order mark of a
     * second file glued on, not data. Only 0xEF pays for the check. */
    if (reader->buffer[p] == 0xEF && reader->buffer[p + 1] == 0xBB && reader->buffer[p + 2] == 0xBF &&
        (p == reader->start || reader->buffer[p - 1] == (unsigned char)reader->delimiter) && reader->line > 1 &&
        !*bad)
        *bad = "a byte-order mark inside the file (files joined with cat?)";
    return (size_t)length;
}

/* Unquoted records: one pass that notes field starts and checks every byte; delimiters
 * are found 16 bytes at a time where the CPU allows (SSE2, every x86-64), byte by byte
 * through the class table elsewhere and in the last bytes of the buffer. Stops at the
 * first quote and leaves the record to scan_quoted. */
static enum scan_status scan_plain(record_reader *reader, scan_result *result)
{
    const unsigned char *buffer = reader->buffer;
    const unsigned char *classes = reader->classes;
    struct scan_state *state = &reader->scan;
    size_t start = reader->start, end = reader->end;
    memset(result, 0, sizeof *result);
    if (!state->started) {
        if (start == end)
            return reader->eof ? SCAN_END : SCAN_MORE;
        state->started = true;
        reader_note_field(reader, state->fields++, 0);
    }
    size_t p = start + state->offset, fields = state->fields;
    const char *bad = state->bad;
#if defined(__SSE2__)
    const special_bytes special = special_bytes_for(reader->delimiter);
#endif
    for (;;) {
#if defined(__SSE2__)
        p = scan_plain_blocks(reader, &special, p, start, &fields);
#endif
        while (p < end && classes[buffer[p]] == PLAIN)
            p++;
        if (p == end) {
            if (!reader->eof)
                goto more;
            result->content_end = result->next = end;
            break;
        }
        switch (classes[buffer[p]]) {
        case DELIMITER:
            p++;
            reader_note_field(reader, fields++, p - start);
            continue;
        case QUOTE:
            *state = (struct scan_state){.started = true, .quoted = true};
            return SCAN_QUOTED;
        case LINE_FEED:
            result->content_end = p;
            result->next = p + 1;
            break;
        case CARRIAGE_RETURN: {
            enum checked_byte checked = check_carriage_return(reader, p, &bad);
            if (checked == NEED_MORE)
                goto more;
            if (checked == LINE_END_CRLF) {
                result->content_end = p;
                result->next = p + 2;
                break;
            }
            p++;
            continue;
        }
        default: { /* NUL_BYTE, HIGH_BIT */
            size_t length = check_other_byte(reader, p, &bad);
            if (length == 0)
                goto more;
            p += length;
            continue;
        }
        }
        break;
    }
    result->fields = fields;
    result->bad = bad;
    return SCAN_RECORD;
more:
    state->offset = p - start;
    state->fields = fields;
    state->bad = bad;
    return SCAN_MORE;
}

/* Records with quotes: find the end with RFC 4180 quote rules, count the line feeds inside
 * quoted fields, and check bytes. libcsv splits the fields afterwards. */
enum quote_state { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED };

/* The state after a quote read in STATE; a quote in an unquoted field is bad (noted in *BAD). */
static inline enum quote_state state_after_quote(enum quote_state state, const char **bad)
{
    if (state == FIELD_START || state == QUOTE_IN_QUOTED)
        return QUOTED;
    if (state == QUOTED)
        return QUOTE_IN_QUOTED;
    if (!*bad)
        *bad = "quote inside an unquoted field (a field with quotes must be quoted as a whole)";
    return state;
}

static enum scan_status scan_quoted(record_reader *reader, scan_result *result)
{
    struct scan_state *saved = &reader->scan;
    enum quote_state state = (enum quote_state)saved->quote_state;
    const unsigned char *buffer = reader->buffer;
    size_t end = reader->end, p = reader->start + saved->offset;
    memset(result, 0, sizeof *result);
    result->quoted = true;
    result->newlines = saved->newlines;
    result->bad = saved->bad;
    while (p < end) {
        unsigned char c = buffer[p];
        if (c == '"') {
            state = state_after_quote(state, &result->bad);
            p++;
            continue;
        }
        if (state == QUOTED && c != '\n' && c < 0x80 && c != 0) {
            /* The bulk of a quoted field: plain bytes up to the next quote. */
            while (p < end && buffer[p] != '"' && buffer[p] != '\n' && buffer[p] < 0x80 && buffer[p] != 0)
                p++;
            continue;
        }
        if (state == QUOTE_IN_QUOTED) {
            if (c != (unsigned char)reader->delimiter && c != '\n' && c != '\r' && !result->bad)
                result->bad = "text after a closing quote";
            state = UNQUOTED;
        }
        if (c == (unsigned char)reader->delimiter && state != QUOTED) {
            state = FIELD_START;
            p++;
            continue;
        }
        if (c == '\n') {
            if (state == QUOTED) {
                result->newlines++;
                p++;
                continue;
            }
            result->content_end = p;
            result->next = p + 1;
            return SCAN_RECORD;
        }
        if (c == '\r' && state != QUOTED) {
            enum checked_byte checked = check_carriage_return(reader, p, &result->bad);
            if (checked == NEED_MORE)
                goto more;
            if (checked == LINE_END_CRLF) {
                result->content_end = p;
                result->next = p + 2;
                return SCAN_RECORD;
            }
            p++;
            continue;
        }
        if (state == FIELD_START)
            state = UNQUOTED;
        if (c == 0 || c >= 0x80) {
            size_t length = check_other_byte(reader, p, &result->bad);
            if (length == 0)
                goto more;
            p += length;
        } else
            p++;
    }
    if (!reader->eof)
        goto more;
    if (state == QUOTED && !result->bad)
        result->bad = "unterminated quote (the quoted field runs to the end of the input)";
    result->content_end = result->next = end;
    return SCAN_RECORD;
more:
    saved->offset = p - reader->start;
    saved->quote_state = (int)state;
    saved->newlines = result->newlines;
    saved->bad = result->bad;
    return SCAN_MORE;
}

/* ---------------------------------------------------------------- splitting with libcsv */

static void arena_field(void *data, size_t length, void *context)
{
    record_reader *reader = context;
    if (reader->arena_length + length + 1 > reader->arena_capacity) {
        while (reader->arena_length + length + 1 > reader->arena_capacity)
            reader->arena_capacity = reader->arena_capacity ? reader->arena_capacity * 2 : 4096;
        reader->arena = xrealloc(reader->arena, reader->arena_capacity);
    }
    reader_note_field(reader, reader->arena_fields, reader->arena_length);
    if (length)
        memcpy(reader->arena + reader->arena_length, data, length);
    reader->arena_length += length;
    reader->arena[reader->arena_length++] = '\0';
    reader->arena_fields++;
}

static void arena_record_end(int terminator, void *context)
{
    (void)terminator;
    (void)context;
}

static int never_space(unsigned char c);
static int never_terminator(unsigned char c);

/* libcsv grows its field buffer by a fixed block; growing geometrically instead keeps a
 * very long quoted field linear to read (realloc is asked again only past the real size). */
static void *grow_geometrically(void *pointer, size_t size)
{
    if (pointer && malloc_usable_size(pointer) >= size)
        return pointer;
    size_t current = pointer ? malloc_usable_size(pointer) : 0;
    size_t wanted = current * 2 > size ? current * 2 : size;
    void *grown = realloc(pointer, wanted);
    return grown ? grown : realloc(pointer, size);
}

static void parser_setup(record_reader *reader)
{
    if (csv_init(&reader->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        message_die_nomem();
    csv_set_delim(&reader->parser, (unsigned char)reader->delimiter);
    csv_set_space_func(&reader->parser, never_space);
    csv_set_term_func(&reader->parser, never_terminator);
    csv_set_realloc_func(&reader->parser, grow_geometrically);
    csv_set_blk_size(&reader->parser, 4096);
}

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

static int never_terminator(unsigned char c)
{
    (void)c;
    return 0;
}

/* Split a quoted record with libcsv; returns an error text or NULL. */
static const char *split_with_libcsv(record_reader *reader, size_t start, size_t length)
{
    reader->arena_length = 0;
    reader->arena_fields = 0;
    if (csv_parse(&reader->parser, reader->buffer + start, length, arena_field, arena_record_end,
                  reader) != length ||
        csv_fini(&reader->parser, arena_field, arena_record_end, reader) != 0) {
        int error = csv_error(&reader->parser);
        csv_free(&reader->parser);
        parser_setup(reader);
        return error == CSV_ENOMEM ? "record too large for memory" : "malformed quoting";
    }
    for (size_t i = 0; i < reader->arena_fields; i++) {
        size_t next = i + 1 < reader->arena_fields ? reader->offsets[i + 1] : reader->arena_length;
        reader->record.fields[i] = reader->arena + reader->offsets[i];
        reader->record.lengths[i] = next - reader->offsets[i] - 1;
    }
    reader->record.count = reader->arena_fields;
    return NULL;
}

/* ---------------------------------------------------------------- the record loop */

/* Scan and split the next record. Returns false at the end of input; sets *BAD to the
 * reason when the record is structurally bad. */
static bool reader_read(record_reader *reader, const char **bad)
{
    scan_result scan;
    for (;;) {
        enum scan_status status = reader->scan.quoted ? scan_quoted(reader, &scan) : scan_plain(reader, &scan);
        if (status == SCAN_QUOTED)
            continue;
        if (status == SCAN_RECORD)
            break;
        if (status == SCAN_END)
            return false;
        reader_fill(reader);
    }
    memset(&reader->scan, 0, sizeof reader->scan);
    size_t start = reader->start;
    record_t *record = &reader->record;
    record->line = reader->line;
    record->raw = (const char *)reader->buffer + start;
    record->raw_length = scan.content_end - start;
    record->count = 0;
    reader->line += 1 + scan.newlines;
    reader->start = scan.next;
    *bad = scan.bad;
    if (scan.bad)
        return true;
    if (scan.quoted) {
        *bad = split_with_libcsv(reader, start, scan.content_end - start);
        return true;
    }
    /* Plain record: fields point into the buffer. A record with the right number of fields
     * (or the header) is terminated in place, which spoils its raw bytes; a record with the
     * wrong number keeps them for the rejects file. */
    char *base = (char *)reader->buffer + start;
    size_t count = scan.fields;
    bool terminate = !reader->header.fields || count == reader->header.count;
    reader_note_field(reader, count, scan.content_end - start + 1); /* sentinel */
    const size_t *offsets = reader->offsets;
    for (size_t i = 0; i < count; i++) {
        record->fields[i] = base + offsets[i];
        record->lengths[i] = offsets[i + 1] - 1 - offsets[i];
        if (terminate)
            base[offsets[i + 1] - 1] = '\0';
    }
    record->count = count;
    if (terminate) {
        record->raw = NULL;
        record->raw_length = 0;
    }
    return true;
}

/* ---------------------------------------------------------------- hints */

/* Does the first invalid UTF-8 in the LENGTH bytes at TEXT look like a letter of Latin-1 or
 * Windows-1252 (é, ë, ö, ü) in ASCII text, rather than damaged UTF-8: a byte they define, with
 * no byte of 0x80 or above beside it? */
static bool looks_single_byte(const unsigned char *text, size_t length)
{
    static const unsigned char undefined_in_windows_1252[] = {0x81, 0x8D, 0x8F, 0x90, 0x9D};
    for (size_t i = 0; i < length; i++) {
        if (text[i] < 0x80)
            continue;
        int sequence = utf8_sequence_length(text + i, length - i);
        if (sequence > 0) {
            i += (size_t)sequence - 1;
            continue;
        }
        bool ascii_before = i == 0 || text[i - 1] < 0x80, ascii_after = i + 1 == length || text[i + 1] < 0x80;
        return ascii_before && ascii_after &&
               !memchr(undefined_in_windows_1252, text[i], sizeof undefined_in_windows_1252);
    }
    return false;
}

/* The hint of kind WHICH for READER's bad RECORD (NULL: a missing column), when it applies and
 * has not been given; NULL otherwise. */
static const char *reader_hint(const record_reader *reader, const record_t *record, enum reader_hint which)
{
    if (reader->hints_given & which)
        return NULL;
    if (which == HINT_ENCODING && record && reader->bad_byte_reason == invalid_utf8_reason &&
        looks_single_byte((const unsigned char *)record->raw, record->raw_length))
        return "the file looks like Latin-1 or Windows-1252: try --encoding windows-1252";
    if (which == HINT_DELIMITER && reader->suggested_delimiter)
        return reader->delimiter_hint;
    return NULL;
}

/* The hint for the problem REASON reports (a bad byte; any other: the record could not be split
 * into the header's fields), marked as given: NULL when there is none, or it was given before
 * for this file. */
static const char *reader_claim_hint(record_reader *reader, const record_t *record, const char *reason)
{
    enum reader_hint which = reason == reader->bad_byte_reason ? HINT_ENCODING : HINT_DELIMITER;
    const char *hint = reader_hint(reader, record, which);
    if (hint)
        reader->hints_given |= which;
    return hint;
}

const char *record_reader_take_hint(record_reader *reader)
{
    const char *hint = reader->pending_hint;
    reader->pending_hint = NULL;
    return hint;
}

/* A header of one column whose name holds another common delimiter: the file is probably
 * separated by that one (a Dutch spreadsheet's ';' read with the default ','). */
static void suggest_delimiter(record_reader *reader)
{
    if (reader->header.count != 1)
        return;
    static const char candidates[] = {';', ',', '\t', '|'};
    for (size_t i = 0; i < sizeof candidates; i++) {
        char c = candidates[i];
        if (c == reader->delimiter || !memchr(reader->header.fields[0], c, reader->header.lengths[0]))
            continue;
        reader->suggested_delimiter = c;
        if (c == '\t')
            snprintf(reader->delimiter_hint, sizeof reader->delimiter_hint,
                     "the header is one column with tabs in its name: try -d tab");
        else
            snprintf(reader->delimiter_hint, sizeof reader->delimiter_hint,
                     "the header is one column with '%c' in its name: try -d '%c'", c, c);
        return;
    }
}

/* ---------------------------------------------------------------- the records */

/* Hand a structurally bad record to the handler: BAD is the scanner's reason, or NULL for a
 * record whose fields do not match the header's. Out of line: the loop of good records stays
 * small. */
static __attribute__((noinline)) void reader_reject(record_reader *reader, record_t *record, const char *bad)
{
    char reason[160];
    if (!bad) {
        if (record->count == 1 && record->lengths[0] == 0)
            snprintf(reason, sizeof reason, "empty line (expected %zu fields)", reader->header.count);
        else
            snprintf(reason, sizeof reason, "%zu fields, expected %zu as in the header", record->count,
                     reader->header.count);
        bad = reason;
    }
    /* Structural rejects keep the raw bytes; no fields are handed on. */
    record->count = 0;
    reader->pending_hint = reader_claim_hint(reader, record, bad);
    reader->on_bad(reader->handler_context, reader, record, bad);
    reader->pending_hint = NULL;
}

/* Is the blank line just read followed by nothing but blank lines (LF or CRLF) up to the end of
 * the input? Then they are the newlines an export or editor leaves at the end, not records. Reads
 * ahead without consuming; a run found to end in a record is remembered by its line, so that its
 * other blank lines do not look ahead again. Out of line: blank lines are rare. */
static __attribute__((noinline)) bool blank_lines_end_input(record_reader *reader)
{
    record_t *record = &reader->record;
    if (record->line < reader->blank_run_end)
        return false;
    size_t offset = 0; /* from reader->start, which reader_fill may move */
    long lines = 0;
    for (;;) {
        const unsigned char *buffer = reader->buffer;
        size_t p = reader->start + offset, end = reader->end;
        while (p < end) {
            if (buffer[p] == '\n') {
                p++;
            } else if (buffer[p] == '\r' && p + 1 < end && buffer[p + 1] == '\n') {
                p += 2;
            } else if (buffer[p] == '\r' && p + 1 == end && !reader->eof) {
                break;
            } else {
                reader->blank_run_end = reader->line + lines;
                return false;
            }
            lines++;
        }
        if (p == end && reader->eof)
            return true;
        offset = p - reader->start;
        reader_fill(reader);
        /* The buffer may have moved: the blank line's raw bytes point at no bytes. */
        record->raw = reader->empty_field;
    }
}

/* A record whose fields do not match the header's, or a bad one: true when it is an empty line
 * that only blank lines follow (the end of the input: it was counted, and is not); otherwise it is
 * rejected. An empty line keeps its raw bytes here: none. */
static __attribute__((noinline)) bool reader_irregular(record_reader *reader, record_t *record, const char *bad)
{
    if (!bad && record->raw_length == 0 && blank_lines_end_input(reader)) {
        if (reader->counter)
            (*reader->counter)--;
        return true;
    }
    reader_reject(reader, record, bad);
    return false;
}

/* In a one-column file an empty line is a record of one empty value, unless only blank lines
 * follow it (then, as above, it is the end). Unquoted, an empty field lies in the buffer; a quoted
 * "" in the arena. */
static __attribute__((noinline)) bool reader_one_column_end(record_reader *reader)
{
    const unsigned char *field = (const unsigned char *)reader->record.fields[0];
    if (reader->header.count != 1 || field < reader->buffer || field >= reader->buffer + reader->end)
        return false;
    if (!blank_lines_end_input(reader)) {
        /* A record after all: the buffer may have moved under its field. */
        reader->empty_field[0] = '\0';
        reader->record.fields[0] = reader->empty_field;
        reader->record.raw = NULL;
        return false;
    }
    if (reader->counter)
        (*reader->counter)--;
    return true;
}

bool record_reader_next(record_reader *reader, const record_t **result)
{
    for (;;) {
        const char *bad = NULL;
        if (!reader_read(reader, &bad))
            return false;
        if (reader->counter)
            (*reader->counter)++;
        record_t *record = &reader->record;
        if (__builtin_expect(bad || record->count != reader->header.count, 0)) {
            if (reader_irregular(reader, record, bad))
                return false;
            continue;
        }
        record->raw = NULL; /* only bad records keep their raw bytes */
        record->raw_length = 0;
        *result = record;
        if (__builtin_expect(record->lengths[0] == 0, 0))
            return !reader_one_column_end(reader);
        return true;
    }
}

/* ---------------------------------------------------------------- opening */

/* A header row that looks like data (a file without one: its first record is read as the
 * header): a name that is a number, or one showable.h keeps out. Then no name is shown. */
static bool name_looks_like_data(const char *name, size_t length)
{
    return length > 0 && (strspn(name, "0123456789") == length || !label_is_showable(name, length));
}

/* Of the first COUNT names of HEADER (the header is checked while it is being read). */
static bool header_looks_like_data(const record_t *header, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (name_looks_like_data(header->fields[i], header->lengths[i]))
            return true;
    return false;
}

/* A name as column names are written (bsn, start_date), which a surname or a place (Jansen) is
 * not: only such a name is shown when it stands twice, since a repeated value is data. */
static bool plain_column_name(const char *name, size_t length)
{
    if (length == 0 || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
        return false;
    return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == length;
}

static _Noreturn void die_duplicate_column(const record_reader *reader, size_t first, size_t second)
{
    const record_t *header = &reader->header;
    const char *name = header->fields[second];
    if (plain_column_name(name, header->lengths[second]) && !header_looks_like_data(header, second + 1))
        message_die_at(1, reader->name, 1, "duplicate column name '%s' in the header", name);
    char shape[48];
    message_die_at(1, reader->name, 1, "duplicate column name in the header (columns %zu and %zu, a name of %s; "
                   "it may be data and is not shown: has the file a header row?)", first + 1, second + 1,
                   showable_shape(name, header->lengths[second], shape, sizeof shape));
}

static record_reader *reader_open(const char *path, char delimiter, text_encoding encoding, int utf16_status,
                                  record_bad_handler on_bad, void *handler_context);

record_reader *record_reader_open(const char *path, char delimiter, record_bad_handler on_bad,
                                  void *handler_context)
{
    return reader_open(path, delimiter, ENCODING_UTF8, EXIT_USAGE, on_bad, handler_context);
}

/* The reason a record with a bad byte is rejected: in UTF-8 any invalid sequence; converted from
 * a single-byte encoding only a byte it leaves undefined. */
static const char *bad_byte_reason_for(text_encoding encoding)
{
    if (encoding == ENCODING_WINDOWS_1252)
        return "a byte that windows-1252 does not define (0x81, 0x8D, 0x8F, 0x90 or 0x9D)";
    return encoding == ENCODING_UTF8 ? invalid_utf8_reason : "a byte that is not valid in the input's encoding";
}

record_reader *record_reader_open_encoded(const char *path, char delimiter, text_encoding encoding,
                                          record_bad_handler on_bad, void *handler_context)
{
    return reader_open(path, delimiter, encoding, EXIT_DATA, on_bad, handler_context);
}

static record_reader *reader_open(const char *path, char delimiter, text_encoding encoding, int utf16_status,
                                  record_bad_handler on_bad, void *handler_context)
{
    record_reader *reader = xcalloc(1, sizeof *reader);
    if (!path || strcmp(path, "-") == 0) {
        reader->fd = STDIN_FILENO;
        reader->name = xstrdup("-");
    } else {
        reader->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (reader->fd < 0)
            message_die(errno == ENOENT || errno == EACCES ? 2 : 3, "cannot open %s: %s", path,
                        strerror(errno));
        struct stat info;
        if (fstat(reader->fd, &info) == 0 && S_ISDIR(info.st_mode))
            message_die(2, "cannot read %s: it is a directory", path);
        reader->name = xstrdup(path);
    }
    widen_pipe(reader->fd);
    reader->source = byte_source_open(reader->fd, reader->name, encoding, utf16_status);
    reader->bad_byte_reason = bad_byte_reason_for(encoding);
    reader->delimiter = delimiter;
    reader->classes[(unsigned char)delimiter] = DELIMITER;
    reader->classes['"'] = QUOTE;
    reader->classes['\n'] = LINE_FEED;
    reader->classes['\r'] = CARRIAGE_RETURN;
    reader->classes[0] = NUL_BYTE;
    for (int c = 0x80; c < 0x100; c++)
        reader->classes[c] = HIGH_BIT;
    reader->capacity = READ_BLOCK + 1;
    reader->buffer = xmalloc(reader->capacity);
    reader->line = 1;
    reader->on_bad = on_bad;
    reader->handler_context = handler_context;
    parser_setup(reader);

    while (reader->end < 3 && !reader->eof)
        reader_fill(reader);
    if (reader->end >= 3 && memcmp(reader->buffer, "\xEF\xBB\xBF", 3) == 0)
        reader->start = 3;

    const char *bad = NULL;
    if (!reader_read(reader, &bad))
        message_die(1, "%s: empty input: no header row", reader->name);
    if (bad) {
        const char *hint = bad == reader->bad_byte_reason ? reader_claim_hint(reader, &reader->record, bad) : NULL;
        message_warn_at(reader->name, 1, "header: %s", bad);
        if (hint)
            message_hint(reader->name, "%s", hint);
        message_exit_quietly(EXIT_DATA);
    }
    record_t *record = &reader->record;
    reader->header.count = record->count;
    reader->header.line = 1;
    reader->header.fields = xmalloc(record->count * sizeof(char *));
    reader->header.lengths = xmalloc(record->count * sizeof(size_t));
    struct column_entry *entries = xcalloc(record->count ? record->count : 1, sizeof *entries);
    for (size_t i = 0; i < record->count; i++) {
        reader->header.fields[i] = xstrndup(record->fields[i], record->lengths[i]);
        reader->header.lengths[i] = record->lengths[i];
        struct column_entry *seen;
        HASH_FIND(hh, reader->columns, reader->header.fields[i], record->lengths[i], seen);
        if (seen)
            die_duplicate_column(reader, seen->index, i);
        entries[i].index = i;
        HASH_ADD_KEYPTR(hh, reader->columns, reader->header.fields[i], record->lengths[i], &entries[i]);
    }
    if (!reader->columns)
        free(entries);
    suggest_delimiter(reader);
    return reader;
}

const record_t *record_reader_header(const record_reader *reader) { return &reader->header; }
const char *record_reader_name(const record_reader *reader) { return reader->name; }
void record_reader_set_counter(record_reader *reader, uint64_t *counter) { reader->counter = counter; }

void record_reader_close(record_reader *reader)
{
    if (!reader)
        return;
    byte_source_close(reader->source);
    if (reader->fd != STDIN_FILENO)
        close(reader->fd);
    csv_free(&reader->parser);
    for (size_t i = 0; i < reader->header.count; i++)
        free(reader->header.fields[i]);
    struct column_entry *entries = reader->columns; /* the first entry is the block's start */
    HASH_CLEAR(hh, reader->columns);
    free(entries);
    free(reader->header.fields);
    free(reader->header.lengths);
    free(reader->record.fields);
    free(reader->record.lengths);
    free(reader->offsets);
    free(reader->arena);
    free(reader->buffer);
    free(reader->name);
    free(reader);
}

long record_reader_find_column(const record_reader *reader, const char *name)
{
    struct column_entry *entry;
    HASH_FIND(hh, reader->columns, name, strlen(name), entry);
    return entry ? (long)entry->index : -1;
}

size_t record_reader_column(const record_reader *reader, const char *name, const char *option)
{
    long index = record_reader_find_column(reader, name);
    if (index >= 0)
        return (size_t)index;
    /* The header of a file without one is its first record: names that look like data (a
     * BSN, a date, a postcode, a pseudonym) are never shown. */
    bool described = header_looks_like_data(&reader->header, reader->header.count);
    size_t size = 1, hidden_count = 0;
    for (size_t i = 0; i < reader->header.count; i++)
        size += reader->header.lengths[i] + 64;
    char *list = xmalloc(size), *end = list;
    for (size_t i = 0; i < reader->header.count; i++) {
        const char *field = reader->header.fields[i];
        size_t length = reader->header.lengths[i];
        char shape[48];
        bool shown = !described && label_is_showable(field, length);
        hidden_count += !shown;
        end += sprintf(end, "%s%s%s%s", i ? ", " : "", shown ? "" : "(", shown ? field : showable_shape(field, length, shape, sizeof shape),
                       shown ? "" : ")");
    }
    /* the name asked for is shown only when it looks like a name (one typed from the data is not) */
    char shape[48];
    bool asked_shown = label_is_showable(name, strlen(name));
    message_warn("%s%scolumn %s%s%s not found in %s; the columns are: %s%s", option ? option : "",
                 option ? ": " : "", asked_shown ? "'" : "(",
                 asked_shown ? name : showable_shape(name, strlen(name), shape, sizeof shape), asked_shown ? "'" : ")",
                 reader->name, list,
                 hidden_count ? " (names that look like data are described, not shown: has the file a header row?)" : "");
    const char *hint = reader_hint(reader, NULL, HINT_DELIMITER);
    if (hint)
        message_hint(reader->name, "%s", hint);
    message_exit_quietly(EXIT_USAGE);
}

/* ---------------------------------------------------------------- writing */

struct record_writer {
    int fd;
    char *path;
    char *temporary;
    char delimiter;
    char *buffer;
    size_t used;
    uint64_t records;
    bool in_record;
    bool lone_empty_field; /* the record so far is one empty field */
    bool direct; /* a named non-regular file, written in place */
    bool written; /* record_writer_finish_writing has run: only the rename is left */
    mode_t mode;  /* of the file once in place */
    bool replaces; /* an existing file */
};

static void writer_flush(record_writer *writer)
{
    size_t done = 0;
    while (done < writer->used) {
        ssize_t n = write(writer->fd, writer->buffer + done, writer->used - done);
        if (n >= 0) {
            done += (size_t)n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EPIPE) /* the reader downstream has gone: end quietly */
            message_exit_quietly(0);
        message_die(3, "error writing %s: %s", writer->path ? writer->path : "standard output",
                    strerror(errno));
    }
    writer->used = 0;
}

static inline void writer_bytes(record_writer *writer, const char *bytes, size_t length)
{
    if (writer->used + length > WRITE_BLOCK) {
        writer_flush(writer);
        if (length > WRITE_BLOCK) {
            char *saved = writer->buffer;
            writer->buffer = (char *)bytes;
            writer->used = length;
            writer_flush(writer);
            writer->buffer = saved;
            return;
        }
    }
    memcpy(writer->buffer + writer->used, bytes, length);
    writer->used += length;
}

static inline void writer_byte(record_writer *writer, char c)
{
    if (writer->used == WRITE_BLOCK)
        writer_flush(writer);
    writer->buffer[writer->used++] = c;
}

/* The descriptor a path names: 1 for /dev/stdout, N for /dev/fd/N or /proc/self/fd/N; else -1. */
static int descriptor_path(const char *path)
{
    if (strcmp(path, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0)
        return STDERR_FILENO;
    const char *number = strncmp(path, "/dev/fd/", 8) == 0           ? path + 8
                         : strncmp(path, "/proc/self/fd/", 14) == 0 ? path + 14
                                                                     : NULL;
    if (!number || *number < '0' || *number > '9')
        return -1;
    char *end;
    errno = 0;
    long fd = strtol(number, &end, 10);
    return *end || errno || fd > INT_MAX ? -1 : (int)fd;
}

record_writer *record_writer_open(const char *path, char delimiter)
{
    record_writer *writer = xcalloc(1, sizeof *writer);
    writer->delimiter = delimiter;
    writer->buffer = xcalloc(1, WRITE_BLOCK + 16); /* slack: see copied_field_needs_quotes */
    if (!path || strcmp(path, "-") == 0) {
        writer->fd = STDOUT_FILENO;
        widen_pipe(writer->fd);
        return writer;
    }
    writer->path = xstrdup(path);
    int descriptor = descriptor_path(path);
    if (descriptor >= 0) {
        /* /dev/stdout, /dev/fd/3 ...: the descriptor the shell opened, even when it is a regular
         * file. A temporary renamed over the name would replace /dev/stdout itself. */
        writer->fd = fcntl(descriptor, F_DUPFD_CLOEXEC, 3);
        if (writer->fd < 0)
            message_die(3, "cannot write %s: %s", path, strerror(errno));
        writer->direct = true;
        return writer;
    }
    struct stat info;
    if (stat(path, &info) == 0 && !S_ISREG(info.st_mode)) {
        /* A device or a FIFO (-o /dev/null, a named pipe) is written directly: renaming a
         * temporary over it would replace the device with a file. */
        writer->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (writer->fd < 0)
            message_die(3, "cannot open %s: %s", path, strerror(errno));
        writer->direct = true;
        return writer;
    }
    struct stat link;
    bool is_link = lstat(path, &link) == 0 && S_ISLNK(link.st_mode);
    char *target = is_link ? realpath(path, NULL) : NULL;
    if (is_link && !target) /* a temporary renamed over the name would replace the link */
        message_die(2, "cannot write %s: a symbolic link to a file that does not exist (name the file itself)",
                    path);
    if (target) { /* a symbolic link to a file: the file is replaced, the link stays */
        free(writer->path);
        writer->path = target;
        path = target;
    }
    size_t length = strlen(path) + 16;
    writer->temporary = xmalloc(length);
    snprintf(writer->temporary, length, "%s.tmpXXXXXX", path);
    writer->fd = mkstemp(writer->temporary);
    if (writer->fd < 0)
        message_die(3, "cannot create %s: %s", path, strerror(errno));
    message_register_temporary(writer->temporary);
    /* mkstemp creates 0600; the file in place gets the mode of the file it replaces (a 0600
     * file stays private), else the usual mode for new files. */
    mode_t mask = umask(0);
    umask(mask);
    writer->replaces = stat(path, &info) == 0;
    writer->mode = writer->replaces ? info.st_mode & 07777 : 0666 & ~mask;
    return writer;
}

/* Does the 8-byte word hold a byte equal to C? (The classic "has a zero byte" test on X ^ C.) */
static inline uint64_t word_has_byte(uint64_t x, unsigned char c)
{
    uint64_t v = x ^ (UINT64_C(0x0101010101010101) * c);
    return (v - UINT64_C(0x0101010101010101)) & ~v & UINT64_C(0x8080808080808080);
}

static inline bool word_needs_quotes(const char *bytes, char delimiter)
{
    uint64_t x;
    memcpy(&x, bytes, 8);
    return (word_has_byte(x, (unsigned char)delimiter) | word_has_byte(x, '"') | word_has_byte(x, '\n') |
            word_has_byte(x, '\r')) != 0;
}

bool record_field_needs_quotes(const char *text, size_t length, char delimiter)
{
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i delimiters = _mm_set1_epi8(delimiter), quote = _mm_set1_epi8('"'),
                  line_feed = _mm_set1_epi8('\n'), carriage_return = _mm_set1_epi8('\r');
    for (; i + 16 <= length; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(text + i));
        __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, delimiters), _mm_cmpeq_epi8(x, quote)),
                                    _mm_or_si128(_mm_cmpeq_epi8(x, line_feed), _mm_cmpeq_epi8(x, carriage_return)));
        if (_mm_movemask_epi8(hits))
            return true;
    }
#endif
    /* What is left, 8 bytes at a time; the last word may overlap the one before. */
    if (length >= 8) {
        for (; i + 8 <= length; i += 8)
            if (word_needs_quotes(text + i, delimiter))
                return true;
        return i < length && word_needs_quotes(text + length - 8, delimiter);
    }
    for (; i < length; i++) {
        char c = text[i];
        if (c == delimiter || c == '"' || c == '\n' || c == '\r')
            return true;
    }
    return false;
}

/* Does the field at TEXT, a copy inside the writer's buffer, need quotes? The buffer has 16
 * initialised bytes of slack, so whole 16-byte blocks may be read past the field's end. */
static inline bool copied_field_needs_quotes(const record_writer *writer, const char *text, size_t length)
{
#if defined(__SSE2__)
    const __m128i delimiter = _mm_set1_epi8(writer->delimiter), quote = _mm_set1_epi8('"'),
                  line_feed = _mm_set1_epi8('\n'), carriage_return = _mm_set1_epi8('\r');
    for (size_t i = 0; i < length; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(text + i));
        __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(x, delimiter), _mm_cmpeq_epi8(x, quote));
        hits = _mm_or_si128(hits, _mm_or_si128(_mm_cmpeq_epi8(x, line_feed), _mm_cmpeq_epi8(x, carriage_return)));
        unsigned mask = (unsigned)_mm_movemask_epi8(hits);
        if (length - i < 16)
            mask &= (1u << (length - i)) - 1;
        if (mask)
            return true;
    }
    return false;
#else
    return record_field_needs_quotes(text, length, writer->delimiter);
#endif
}

/* memcpy for the short fields of most records, without a call. */
static inline void copy_short(char *target, const char *source, size_t length)
{
    if (length >= 8 && length <= 16) {
        uint64_t head, tail;
        memcpy(&head, source, 8);
        memcpy(&tail, source + length - 8, 8);
        memcpy(target, &head, 8);
        memcpy(target + length - 8, &tail, 8);
    } else if (length >= 4 && length < 8) {
        uint32_t head, tail;
        memcpy(&head, source, 4);
        memcpy(&tail, source + length - 4, 4);
        memcpy(target, &head, 4);
        memcpy(target + length - 4, &tail, 4);
    } else if (length < 4) {
        for (size_t i = 0; i < length; i++)
            target[i] = source[i];
    } else
        memcpy(target, source, length);
}

static void writer_quoted_field(record_writer *writer, const char *text, size_t length)
{
    writer_byte(writer, '"');
    size_t from = 0;
    for (size_t i = 0; i < length; i++)
        if (text[i] == '"') {
            writer_bytes(writer, text + from, i + 1 - from);
            writer_byte(writer, '"');
            from = i + 1;
        }
    writer_bytes(writer, text + from, length - from);
    writer_byte(writer, '"');
}

/* One field, without the delimiter before it: copied into the buffer and checked there;
 * the rare field that needs quotes is written again, quoted, over its copy. */
static inline void writer_field(record_writer *writer, const char *text, size_t length)
{
    if (writer->used + length > WRITE_BLOCK) {
        writer_flush(writer);
        if (length > WRITE_BLOCK) {
            if (record_field_needs_quotes(text, length, writer->delimiter))
                writer_quoted_field(writer, text, length);
            else
                writer_bytes(writer, text, length);
            return;
        }
    }
    char *copy = writer->buffer + writer->used;
    copy_short(copy, text, length);
    if (!copied_field_needs_quotes(writer, copy, length))
        writer->used += length;
    else
        writer_quoted_field(writer, text, length);
}

void record_writer_field(record_writer *writer, const char *text, size_t length)
{
    /* An output that begins with a byte-order mark of its own (a column named U+FEFF...)
     * quotes it, or the next reader would take it for the file's mark and drop it. */
    if (!writer->in_record && writer->records == 0 && length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        writer->in_record = true;
        writer_quoted_field(writer, text, length);
        return;
    }
    writer->lone_empty_field = !writer->in_record && length == 0;
    if (writer->in_record)
        writer_byte(writer, writer->delimiter);
    writer->in_record = true;
    writer_field(writer, text, length);
}

void record_writer_field_str(record_writer *writer, const char *text)
{
    record_writer_field(writer, text, strlen(text));
}

void record_writer_end(record_writer *writer)
{
    /* A record of one empty field is written "" : an empty line would read back as no record. */
    if (writer->lone_empty_field)
        writer_bytes(writer, "\"\"", 2);
    writer->lone_empty_field = false;
    writer_byte(writer, '\n');
    writer->in_record = false;
    writer->records++;
}

#if defined(__SSE2__)
/* Copy LENGTH bytes from FROM to TO, 16 at a time where they reach: returns a bit per quote, LF, CR or DELIMITER met, and turns NUL bytes into DELIMITER
 * (a record as read has a NUL between its fields, and none in them: the reader refuses NUL
 * bytes). The last bytes are the 16 that end the run, overlapping the block before. FROM is
 * read only within its bytes and TO is never read back: a load that spans several recent
 * stores would wait for them. */
static inline unsigned copy_checked(char *to, const char *from, size_t length, char delimiter)
{
    if (length < 16) {
        unsigned bad = 0;
        for (size_t i = 0; i < length; i++) {
            char c = from[i];
            bad |= (unsigned)(c == '"') | (unsigned)(c == '\n') | (unsigned)(c == '\r') | (unsigned)(c == delimiter);
            to[i] = c ? c : delimiter;
        }
        return bad;
    }
    const __m128i delimiters = _mm_set1_epi8(delimiter), quote = _mm_set1_epi8('"'),
                  line_feed = _mm_set1_epi8('\n'), carriage_return = _mm_set1_epi8('\r'),
                  zero = _mm_setzero_si128();
    unsigned bad = 0;
    for (size_t i = 0; i < length;) {
        size_t at = i + 16 <= length ? i : length - 16;
        __m128i x = _mm_loadu_si128((const __m128i *)(from + at));
        __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, delimiters)),
                                    _mm_or_si128(_mm_cmpeq_epi8(x, line_feed), _mm_cmpeq_epi8(x, carriage_return)));
        bad |= (unsigned)_mm_movemask_epi8(hits);
        x = _mm_or_si128(x, _mm_and_si128(_mm_cmpeq_epi8(x, zero), delimiters));
        _mm_storeu_si128((__m128i *)(to + at), x);
        i = at + 16;
    }
    return bad;
}
#endif

/* Fields appended to the record in one go (they fit in the buffer), then checked in one
 * pass. Returns false, having written nothing, when some field needs quotes. */
static bool writer_plain_fields(record_writer *writer, char *const *fields, const size_t *lengths,
                                size_t count)
{
#if defined(__SSE2__)
    size_t length = count - 1; /* the fields and the delimiters between them */
    bool one_run = true;       /* every field right after the one before and a NUL, as read */
    length += lengths[0];
    for (size_t i = 1; i < count; i++) {
        length += lengths[i];
        one_run &= fields[i] == fields[i - 1] + lengths[i - 1] + 1 && fields[i][-1] == '\0';
    }
    size_t lead = writer->in_record; /* a delimiter after the record's earlier fields */
    if (writer->used + lead + length > WRITE_BLOCK) {
        writer_flush(writer);
        if (lead + length > WRITE_BLOCK)
            return false;
    }
    /* Fields that lie one after another in memory (as a record read has them) are copied
     * as one run; between runs goes a delimiter. No field may hold a quote, LF, CR or the
     * delimiter. */
    char *start = writer->buffer + writer->used + lead, *q = start;
    unsigned bad = 0;
    if (one_run)
        bad = copy_checked(start, fields[0], length, writer->delimiter);
    else {
        for (size_t i = 0; i < count;) {
            size_t last = i;
            while (last + 1 < count && fields[last] + lengths[last] + 1 == fields[last + 1])
                last++;
            size_t run = (size_t)(fields[last] + lengths[last] - fields[i]);
            if (i > 0)
                *q++ = writer->delimiter;
            bad |= copy_checked(q, fields[i], run, writer->delimiter);
            q += run;
            i = last + 1;
        }
        /* The bytes between the fields of a run become delimiters (a NUL already is one). */
        for (size_t k = 0, at = 0; k + 1 < count; k++) {
            at += lengths[k];
            start[at++] = writer->delimiter;
        }
    }
    if (bad)
        return false;
    if (lead)
        start[-1] = writer->delimiter;
    writer->used += lead + length;
    writer->in_record = true;
    writer->lone_empty_field = false;
    return true;
#else
    (void)writer, (void)fields, (void)lengths, (void)count;
    return false;
#endif
}

void record_writer_fields(record_writer *writer, char *const *fields, const size_t *lengths, size_t count)
{
    /* A lone field takes the field path, which knows how to write a record of one empty field. */
    if (count == 0 || (lengths && (count > 1 || writer->in_record) && writer->records > 0 &&
                       writer_plain_fields(writer, fields, lengths, count)))
        return;
    for (size_t i = 0; i < count; i++)
        record_writer_field(writer, fields[i], lengths ? lengths[i] : strlen(fields[i]));
}

void record_writer_record(record_writer *writer, char *const *fields, const size_t *lengths, size_t count)
{
    record_writer_fields(writer, fields, lengths, count);
    record_writer_end(writer);
}

void record_writer_raw(record_writer *writer, const char *bytes, size_t length)
{
    writer_bytes(writer, bytes, length);
}

uint64_t record_writer_records(const record_writer *writer) { return writer->records; }

static void writer_free(record_writer *writer)
{
    free(writer->buffer);
    free(writer->path);
    free(writer->temporary);
    free(writer);
}

void record_writer_finish_writing(record_writer *writer)
{
    if (!writer || writer->written)
        return;
    writer_flush(writer);
    writer->written = true;
    if (writer->direct && close(writer->fd) != 0)
        message_die(3, "error writing %s: %s", writer->path, strerror(errno));
    if (!writer->temporary)
        return;
    if (fsync(writer->fd) != 0 && errno != EINVAL)
        message_die(3, "error writing %s: %s", writer->path, strerror(errno));
    if (close(writer->fd) != 0)
        message_die(3, "error writing %s: %s", writer->path, strerror(errno));
    chmod(writer->temporary, writer->mode);
}

void record_writer_close(record_writer *writer)
{
    if (!writer)
        return;
    record_writer_finish_writing(writer);
    if (writer->temporary) {
        if (rename(writer->temporary, writer->path) != 0)
            message_die(3, "cannot rename output into place as %s: %s", writer->path, strerror(errno));
        message_unregister_temporary(writer->temporary);
    }
    writer_free(writer);
}

void record_writer_private(record_writer *writer)
{
    writer->mode = writer->replaces ? writer->mode & 0600 : 0600;
}

void record_writer_abandon(record_writer *writer)
{
    if (!writer)
        return;
    if (writer->direct && !writer->written)
        close(writer->fd);
    if (writer->temporary) {
        if (!writer->written)
            close(writer->fd);
        unlink(writer->temporary);
        message_unregister_temporary(writer->temporary);
    }
    writer_free(writer);
}

/* ---------------------------------------------------------------- rejects */

struct reject_sink {
    record_writer *writer;
    char **columns; /* the columns of the first input that rejected (or was registered) */
    size_t column_count;
    bool header_written;
    uint64_t count;
};

reject_sink *reject_sink_open(const char *path, char delimiter)
{
    reject_sink *sink = xcalloc(1, sizeof *sink);
    sink->writer = record_writer_open(path, delimiter);
    return sink;
}

static bool same_columns(const reject_sink *sink, const record_t *header)
{
    if (sink->column_count != header->count)
        return false;
    for (size_t i = 0; i < header->count; i++)
        if (strcmp(sink->columns[i], header->fields[i]) != 0)
            return false;
    return true;
}

/* The name of a column the rejects file adds; an input that already has a column of that
 * name (a rejects file read again) gets it with underscores in front until it is unique. */
static void sink_added_column(reject_sink *sink, const char *name)
{
    size_t length = strlen(name), leading = 0;
    for (size_t i = 0; i < sink->column_count; i++) {
        const char *column = sink->columns[i];
        size_t underscores = strspn(column, "_");
        if (strcmp(column + underscores, name) == 0 && underscores + 1 > leading)
            leading = underscores + 1;
    }
    char *unique = xmalloc(leading + length + 1);
    memset(unique, '_', leading);
    memcpy(unique + leading, name, length + 1);
    record_writer_field(sink->writer, unique, leading + length);
    free(unique);
}

static void sink_header(reject_sink *sink, const record_t *header)
{
    if (sink->header_written)
        return;
    if (header) {
        sink->column_count = header->count;
        sink->columns = xmalloc((header->count + 1) * sizeof(char *));
        for (size_t i = 0; i < header->count; i++) {
            sink->columns[i] = xstrdup(header->fields[i]);
            record_writer_field(sink->writer, header->fields[i], header->lengths[i]);
        }
    }
    static const char *const added[] = {"reject_file", "reject_line", "reject_reason", "reject_raw"};
    for (size_t i = 0; i < sizeof added / sizeof *added; i++)
        sink_added_column(sink, added[i]);
    record_writer_end(sink->writer);
    sink->header_written = true;
}

void reject_sink_write(reject_sink *sink, const record_reader *reader, const record_t *record,
                       const char *reason)
{
    const record_t *header = record_reader_header(reader);
    sink_header(sink, header);
    bool aligned = record->count == sink->column_count && same_columns(sink, header);
    for (size_t i = 0; i < sink->column_count; i++) {
        if (aligned)
            record_writer_field(sink->writer, record->fields[i], record->lengths[i]);
        else
            record_writer_field(sink->writer, "", 0);
    }
    char line[32];
    snprintf(line, sizeof line, "%ld", record->line);
    record_writer_field_str(sink->writer, record_reader_name(reader));
    record_writer_field_str(sink->writer, line);
    record_writer_field_str(sink->writer, reason);
    if (record->raw && !aligned)
        record_writer_field(sink->writer, record->raw, record->raw_length);
    else if (!aligned) {
        /* Fields of another input: keep them, re-encoded as one CSV line. */
        record_writer *w = sink->writer;
        size_t size = 16;
        for (size_t i = 0; i < record->count; i++)
            size += record->lengths[i] * 2 + 3;
        char *line_text = xmalloc(size), *q = line_text;
        for (size_t i = 0; i < record->count; i++) {
            if (i)
                *q++ = w->delimiter;
            bool quote = record_field_needs_quotes(record->fields[i], record->lengths[i], w->delimiter);
            if (quote)
                *q++ = '"';
            for (size_t j = 0; j < record->lengths[i]; j++) {
                if (record->fields[i][j] == '"')
                    *q++ = '"';
                *q++ = record->fields[i][j];
            }
            if (quote)
                *q++ = '"';
        }
        record_writer_field(w, line_text, (size_t)(q - line_text));
        free(line_text);
    } else
        record_writer_field(sink->writer, "", 0);
    record_writer_end(sink->writer);
    sink->count++;
}

void reject_sink_register(reject_sink *sink, const record_t *header) { sink_header(sink, header); }

uint64_t reject_sink_count(const reject_sink *sink) { return sink->count; }

void reject_sink_private(reject_sink *sink) { record_writer_private(sink->writer); }

void reject_sink_finish_writing(reject_sink *sink)
{
    if (!sink)
        return;
    sink_header(sink, NULL);
    record_writer_finish_writing(sink->writer);
}

void reject_sink_close(reject_sink *sink)
{
    if (!sink)
        return;
    sink_header(sink, NULL);
    record_writer_close(sink->writer);
    for (size_t i = 0; i < sink->column_count; i++)
        free(sink->columns[i]);
    free(sink->columns);
    free(sink);
}
