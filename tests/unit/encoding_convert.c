/* encoding_convert.c: unit test of common/encoding.c: names, a few table entries worked out by
 * hand, and conversion into a target too small for everything (no character is split, nothing
 * is lost or repeated, whatever the room). */
#include <stdio.h>
#include <string.h>

#include "encoding.h"

static int failures;

#define CHECK(condition, ...)                                                                  \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            fprintf(stderr, "encoding_convert: " __VA_ARGS__);                                 \
            fputc('\n', stderr);                                                               \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* SOURCE converted in one go must give EXPECTED (LENGTH bytes). */
static void expect(text_encoding encoding, const char *source, const char *expected)
{
    encoding_table table;
    encoding_table_fill(&table, encoding);
    unsigned char out[256];
    size_t consumed, n = encoding_convert(&table, (const unsigned char *)source, strlen(source), out, sizeof out,
                                          &consumed);
    CHECK(consumed == strlen(source) && n == strlen(expected) && memcmp(out, expected, n) == 0,
          "%s: '%s' converted wrongly (%zu bytes)", encoding_name(encoding), source, n);
}

/* SOURCE converted into targets of ROOM bytes at a time, for every ROOM from 3 to 40, gives what
 * one conversion gives. */
static void expect_pieces_agree(text_encoding encoding, const char *source)
{
    encoding_table table;
    encoding_table_fill(&table, encoding);
    unsigned char whole[512], pieces[512];
    size_t length = strlen(source), consumed;
    size_t whole_length = encoding_convert(&table, (const unsigned char *)source, length, whole, sizeof whole, &consumed);
    for (size_t room = 3; room <= 40; room++) {
        size_t in = 0, out = 0;
        while (in < length) {
            size_t n = encoding_convert(&table, (const unsigned char *)source + in, length - in, pieces + out, room,
                                        &consumed);
            CHECK(consumed > 0, "room %zu: no progress at byte %zu", room, in);
            if (consumed == 0)
                return;
            in += consumed;
            out += n;
        }
        CHECK(out == whole_length && memcmp(whole, pieces, out) == 0, "%s: room %zu gives other bytes",
              encoding_name(encoding), room);
    }
}

int main(void)
{
    text_encoding e;
    CHECK(encoding_from_name("Latin-1", &e) && e == ENCODING_LATIN1, "Latin-1");
    CHECK(encoding_from_name("ISO-8859-15", &e) && e == ENCODING_LATIN9, "ISO-8859-15");
    CHECK(encoding_from_name("cp1252", &e) && e == ENCODING_WINDOWS_1252, "cp1252");
    CHECK(encoding_from_name("UTF8", &e) && e == ENCODING_UTF8, "UTF8");
    CHECK(!encoding_from_name("latin-2", &e) && !encoding_from_name("", &e), "unknown names");

    /* ü is U+00FC: 11000011 10111100 = C3 BC. € is U+20AC: E2 82 AC. œ is U+0153: C5 93. */
    expect(ENCODING_LATIN1, "M\xFCller", "M\xC3\xBCller");
    expect(ENCODING_LATIN1, "\xA4\xBD", "\xC2\xA4\xC2\xBD"); /* ¤ ½ in Latin-1 */
    expect(ENCODING_LATIN9, "\xA4\xBD", "\xE2\x82\xAC\xC5\x93"); /* € œ in Latin-9 */
    expect(ENCODING_WINDOWS_1252, "\x80\x9C", "\xE2\x82\xAC\xC5\x93"); /* € œ in Windows-1252 */
    /* undefined in Windows-1252: the byte itself, invalid UTF-8 */
    expect(ENCODING_WINDOWS_1252, "a\x81z", "a\x81z");
    expect(ENCODING_LATIN1, "plain ASCII, longer than one word of eight", "plain ASCII, longer than one word of eight");

    expect_pieces_agree(ENCODING_WINDOWS_1252, "\x80\x80\x80 abcdefgh\x9C\xFCijklmnopq\x80rstuvwxyz0123456789\x80");
    expect_pieces_agree(ENCODING_LATIN9, "\xA4\xA4\xA4\xA4\xA4\xA4\xA4\xA4\xA4\xA4 end");
    return failures ? 1 : 0;
}
