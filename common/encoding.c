/* encoding.c: the single-byte encodings koppel reads, as data (what each differs in from
 * Latin-1), and their conversion to UTF-8 by table. */
#include "encoding.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- the encodings */

static const struct {
    const char *name;
    text_encoding encoding;
} known_names[] = {
    {"utf-8", ENCODING_UTF8},           {"utf8", ENCODING_UTF8},
    {"latin-1", ENCODING_LATIN1},       {"latin1", ENCODING_LATIN1},
    {"iso-8859-1", ENCODING_LATIN1},    {"iso8859-1", ENCODING_LATIN1},
    {"iso-8859-15", ENCODING_LATIN9},   {"iso8859-15", ENCODING_LATIN9},
    {"latin-9", ENCODING_LATIN9},       {"latin9", ENCODING_LATIN9},
    {"windows-1252", ENCODING_WINDOWS_1252}, {"cp1252", ENCODING_WINDOWS_1252},
};

bool encoding_from_name(const char *name, text_encoding *encoding)
{
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++)
        if (strcasecmp(name, known_names[i].name) == 0) {
            *encoding = known_names[i].encoding;
            return true;
        }
    return false;
}

const char *encoding_name(text_encoding encoding)
{
    switch (encoding) {
    case ENCODING_LATIN1:
        return "latin-1";
    case ENCODING_LATIN9:
        return "iso-8859-15";
    case ENCODING_WINDOWS_1252:
        return "windows-1252";
    case ENCODING_UTF8:
        break;
    }
    return "utf-8";
}

/* Where ISO-8859-15 differs from Latin-1: the euro sign and seven letters in place of
 * symbols (ISO/IEC 8859-15:1999). */
static const struct {
    unsigned char byte;
    uint16_t code_point;
} latin9_differences[] = {
    {0xA4, 0x20AC}, /* € (Latin-1: ¤) */
    {0xA6, 0x0160}, /* Š (¦) */
    {0xA8, 0x0161}, /* š (¨) */
    {0xB4, 0x017D}, /* Ž (´) */
    {0xB8, 0x017E}, /* ž (¸) */
    {0xBC, 0x0152}, /* Œ (¼) */
    {0xBD, 0x0153}, /* œ (½) */
    {0xBE, 0x0178}, /* Ÿ (¾) */
};

/* Windows-1252 0x80-0x9F (Latin-1 has control characters there; 0xA0-0xFF are Latin-1's).
 * 0 marks the five bytes it leaves undefined: 0x81, 0x8D, 0x8F, 0x90 and 0x9D. */
static const uint16_t windows_1252_80_to_9f[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 0x80 € ‚ ƒ „ … † ‡ */
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,      /* 0x88 ˆ ‰ Š ‹ Œ Ž */
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 0x90 ‘ ’ “ ” • – — */
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178, /* 0x98 ˜ ™ š › œ ž Ÿ */
};

/* ---------------------------------------------------------------- tables */

static void table_entry(encoding_table *table, unsigned byte, uint16_t code_point)
{
    unsigned char *entry = table->utf8[byte - 0x80];
    if (code_point == 0) { /* undefined: the byte itself, invalid UTF-8 */
        entry[0] = 1;
        entry[1] = (unsigned char)byte;
    } else if (code_point < 0x800) {
        entry[0] = 2;
        entry[1] = (unsigned char)(0xC0 | code_point >> 6);
        entry[2] = (unsigned char)(0x80 | (code_point & 0x3F));
    } else {
        entry[0] = 3;
        entry[1] = (unsigned char)(0xE0 | code_point >> 12);
        entry[2] = (unsigned char)(0x80 | (code_point >> 6 & 0x3F));
        entry[3] = (unsigned char)(0x80 | (code_point & 0x3F));
    }
}

void encoding_table_fill(encoding_table *table, text_encoding encoding)
{
    memset(table, 0, sizeof *table);
    for (unsigned byte = 0x80; byte < 0x100; byte++)
        table_entry(table, byte, (uint16_t)byte); /* Latin-1: the byte is the code point */
    if (encoding == ENCODING_LATIN9)
        for (size_t i = 0; i < sizeof latin9_differences / sizeof latin9_differences[0]; i++)
            table_entry(table, latin9_differences[i].byte, latin9_differences[i].code_point);
    if (encoding == ENCODING_WINDOWS_1252)
        for (unsigned byte = 0x80; byte < 0xA0; byte++)
            table_entry(table, byte, windows_1252_80_to_9f[byte - 0x80]);
}

/* ---------------------------------------------------------------- conversion */

size_t encoding_convert(const encoding_table *table, const unsigned char *source, size_t length,
                        unsigned char *target, size_t room, size_t *consumed)
{
    size_t in = 0, out = 0;
    while (in < length) {
        /* Runs of ASCII, most of any export, 8 bytes at a time: a word is copied whole and the
         * run goes on up to its first byte of 0x80 or above (little-endian: the lowest bit set
         * of the mask is the first such byte). */
        while (in + 8 <= length && out + 8 <= room) {
            uint64_t word, high;
            memcpy(&word, source + in, 8);
            memcpy(target + out, &word, 8);
            high = word & UINT64_C(0x8080808080808080);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            if (high) {
                size_t ascii = (size_t)__builtin_ctzll(high) / 8;
                in += ascii;
                out += ascii;
                break;
            }
#else
            if (high)
                break;
#endif
            in += 8;
            out += 8;
        }
        if (in == length)
            break;
        unsigned char byte = source[in];
        if (byte < 0x80) {
            if (out == room)
                break;
            target[out++] = byte;
        } else {
            const unsigned char *entry = table->utf8[byte - 0x80];
            if (out + entry[0] > room)
                break;
            memcpy(target + out, entry + 1, 3 <= room - out ? 3 : entry[0]);
            out += entry[0];
        }
        in++;
    }
    *consumed = in;
    return out;
}
