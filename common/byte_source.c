/* byte_source.c: an input's bytes for the record reader: plain, or gunzipped with zlib (every
 * member of a stream of several); converted to UTF-8 by table for a single-byte encoding; and
 * refused, with how to convert it, when it is UTF-16 (or UTF-8 with a byte-order mark read in a
 * single-byte encoding). */
#include "byte_source.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "message.h"

#define RAW_BLOCK (1u << 18)     /* compressed bytes, or the first bytes looked at */
#define STAGING_BLOCK (1u << 20) /* bytes in a single-byte encoding, before conversion */

struct byte_source {
    int fd;
    char *name;
    bool end_of_file; /* read has returned 0 */
    /* Bytes read but not yet used: the first bytes, looked at to tell gzip, or compressed data. */
    unsigned char *raw;
    size_t raw_start, raw_end;
    bool gzip;
    z_stream stream;
    bool member_ended; /* a gzip member is complete: the input may end here, or another follow */
    bool member_starting; /* the bytes after a complete member have given no text yet */
    bool start_checked; /* the first bytes have been looked at for UTF-16 */
    int utf16_status;   /* the exit status of a refusal of UTF-16 */
    bool converting;
    text_encoding encoding;
    encoding_table table;
    unsigned char *staging; /* bytes to convert */
    size_t staging_start, staging_end;
};

/* ---------------------------------------------------------------- reading */

static size_t read_descriptor(byte_source *source, unsigned char *target, size_t room)
{
    if (source->end_of_file)
        return 0;
    for (;;) {
        ssize_t n = read(source->fd, target, room);
        if (n > 0)
            return (size_t)n;
        if (n == 0) {
            source->end_of_file = true;
            return 0;
        }
        if (errno != EINTR)
            message_die(EXIT_SYSTEM, "%s: read error: %s", source->name, strerror(errno));
    }
}

static size_t read_plain(byte_source *source, unsigned char *target, size_t room)
{
    if (source->raw_start == source->raw_end)
        return read_descriptor(source, target, room);
    size_t n = source->raw_end - source->raw_start;
    if (n > room)
        n = room;
    memcpy(target, source->raw + source->raw_start, n);
    source->raw_start += n;
    return n;
}

/* More compressed bytes for zlib; false at the end of the input. */
static bool refill_compressed(byte_source *source)
{
    size_t n = read_descriptor(source, source->raw, RAW_BLOCK);
    source->stream.next_in = source->raw;
    source->stream.avail_in = (uInt)n;
    return n > 0;
}

/* Decompressed bytes. A member that ends is followed by the next one (gzip -c a b > ab.gz and
 * cat a.gz b.gz > ab.gz are one input); the input may end only where a member does. */
static size_t read_gunzipped(byte_source *source, unsigned char *target, size_t room)
{
    z_stream *stream = &source->stream;
    uInt wanted = room > UINT_MAX ? UINT_MAX : (uInt)room;
    stream->next_out = target;
    stream->avail_out = wanted;
    while (stream->avail_out == wanted) {
        if (stream->avail_in == 0 && !refill_compressed(source)) {
            if (source->member_ended)
                break;
            message_die(EXIT_DATA, "%s: truncated gzip input: the compressed data stops before the end "
                        "of its stream (an incomplete copy or download?)", source->name);
        }
        if (source->member_ended) {
            inflateReset(stream);
            source->member_ended = false;
            source->member_starting = true;
        }
        int status = inflate(stream, Z_NO_FLUSH);
        if (status == Z_STREAM_END)
            source->member_ended = true;
        else if (status == Z_MEM_ERROR)
            message_die_nomem();
        else if (status != Z_OK && status != Z_BUF_ERROR)
            message_die(EXIT_DATA, "%s: damaged gzip input (%s%s)", source->name,
                        stream->msg ? stream->msg : "data error",
                        source->member_starting ? ", after the end of the compressed data: bytes that are not gzip" : "");
        if (stream->avail_out < wanted)
            source->member_starting = false;
    }
    return wanted - stream->avail_out;
}

/* ---------------------------------------------------------------- UTF-16 */

/* UTF-16 text has a byte-order mark, or (for the letters and digits of a CSV header) a NUL
 * beside every other byte. Returns what gives it away, and *ICONV_NAME the name iconv needs
 * (without a mark, iconv's "UTF-16" would take the text for big-endian). */
static const char *utf16_sign(const unsigned char *bytes, size_t length, const char **iconv_name)
{
    *iconv_name = "UTF-16";
    if (length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE)
        return "it starts with the byte-order mark FF FE";
    if (length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF)
        return "it starts with the byte-order mark FE FF";
    if (length < 8)
        return NULL;
    size_t pairs = length / 2 > 32 ? 32 : length / 2, low_zero = 0, high_zero = 0;
    for (size_t i = 0; i < pairs; i++) {
        unsigned char first = bytes[2 * i], second = bytes[2 * i + 1];
        low_zero += first != 0 && second == 0;
        high_zero += first == 0 && second != 0;
    }
    /* The first character decides which half is NUL; three in four of the rest agree. */
    if (bytes[0] != 0 && bytes[1] == 0 && bytes[0] != '\n' && low_zero * 4 >= pairs * 3) {
        *iconv_name = "UTF-16LE";
        return "a NUL byte follows every character";
    }
    if (bytes[0] == 0 && bytes[1] != 0 && high_zero * 4 >= pairs * 3) {
        *iconv_name = "UTF-16BE";
        return "a NUL byte comes before every character";
    }
    return NULL;
}

static void check_not_utf16(const byte_source *source, const unsigned char *bytes, size_t length)
{
    const char *iconv_name, *sign = utf16_sign(bytes, length, &iconv_name);
    if (!sign)
        return;
    message_warn("%s: the input is UTF-16 (%s), which koppel does not read", source->name, sign);
    if (strcmp(source->name, "-") == 0)
        message_hint(source->name, "convert it to UTF-8 on the way in: iconv -f %s -t UTF-8 FILE | koppel ...",
                     iconv_name);
    else
        message_hint(source->name, "convert it to UTF-8 first: iconv -f %s -t UTF-8 %s > converted.csv",
                     iconv_name, source->name);
    message_exit_quietly(source->utf16_status);
}

/* A UTF-8 byte-order mark in input read in a single-byte encoding: the file is UTF-8, and every
 * letter beyond ASCII would silently become two (ü as Ã¼). */
static void check_not_utf8(const byte_source *source, const unsigned char *bytes, size_t length)
{
    if (!source->converting || length < 3 || memcmp(bytes, "\xEF\xBB\xBF", 3) != 0)
        return;
    message_warn("%s: the input starts with a UTF-8 byte-order mark, but --encoding %s was given",
                 source->name, encoding_name(source->encoding));
    message_hint(source->name, "the file is UTF-8: read it without --encoding");
    message_exit_quietly(EXIT_USAGE);
}

/* The input's bytes, decompressed; its first bytes are checked. */
static size_t read_decoded(byte_source *source, unsigned char *target, size_t room)
{
    size_t n = source->gzip ? read_gunzipped(source, target, room) : read_plain(source, target, room);
    if (!source->start_checked && n > 0) {
        source->start_checked = true;
        check_not_utf16(source, target, n);
        check_not_utf8(source, target, n);
    }
    return n;
}

/* ---------------------------------------------------------------- the source */

byte_source *byte_source_open(int fd, const char *name, text_encoding encoding, int utf16_status)
{
    byte_source *source = xcalloc(1, sizeof *source);
    source->fd = fd;
    source->utf16_status = utf16_status;
    source->name = xstrdup(name);
    source->raw = xmalloc(RAW_BLOCK);
    /* The magic needs two bytes; a pipe may deliver them one at a time. */
    while (source->raw_end < 2 && !source->end_of_file)
        source->raw_end += read_descriptor(source, source->raw + source->raw_end, RAW_BLOCK - source->raw_end);
    if (source->raw_end >= 2 && source->raw[0] == 0x1F && source->raw[1] == 0x8B) {
        source->gzip = true;
        if (inflateInit2(&source->stream, 16 + MAX_WBITS) != Z_OK) /* 16: gzip wrapper only */
            message_die_nomem();
        source->stream.next_in = source->raw;
        source->stream.avail_in = (uInt)source->raw_end;
    }
    if (encoding != ENCODING_UTF8) {
        source->converting = true;
        source->encoding = encoding;
        encoding_table_fill(&source->table, encoding);
        source->staging = xmalloc(STAGING_BLOCK);
    }
    return source;
}

size_t byte_source_read(byte_source *source, unsigned char *target, size_t room)
{
    if (!source->converting)
        return read_decoded(source, target, room);
    if (source->staging_start == source->staging_end) {
        source->staging_start = 0;
        source->staging_end = read_decoded(source, source->staging, STAGING_BLOCK);
        if (source->staging_end == 0)
            return 0;
    }
    size_t consumed;
    size_t written = encoding_convert(&source->table, source->staging + source->staging_start,
                                      source->staging_end - source->staging_start, target, room, &consumed);
    source->staging_start += consumed;
    return written;
}

bool byte_source_is_gzip(const byte_source *source) { return source->gzip; }

void byte_source_close(byte_source *source)
{
    if (!source)
        return;
    if (source->gzip)
        inflateEnd(&source->stream);
    free(source->staging);
    free(source->raw);
    free(source->name);
    free(source);
}
