/* number_and_quoting.c: unit tests for common/number.c (strict parsing, round-trip printing)
 * and the writer's quoting rule in common/record.c. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "record.h"

static int failures;
#define CHECK(condition)                                                      \
    do {                                                                      \
        if (!(condition)) {                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static int parses_int(const char *text, int64_t expected)
{
    int64_t v;
    return number_parse_int64(text, strlen(text), &v) && v == expected;
}

static int rejects_int(const char *text)
{
    int64_t v;
    return !number_parse_int64(text, strlen(text), &v);
}

int main(void)
{
    CHECK(parses_int("0", 0));
    CHECK(parses_int("-17", -17));
    CHECK(parses_int("+5", 5));
    CHECK(parses_int("9223372036854775807", INT64_MAX));
    CHECK(parses_int("-9223372036854775808", INT64_MIN));
    CHECK(rejects_int("9223372036854775808"));
    CHECK(rejects_int("-9223372036854775809"));
    CHECK(rejects_int(""));
    CHECK(rejects_int("-"));
    CHECK(rejects_int(" 1"));
    CHECK(rejects_int("1 "));
    CHECK(rejects_int("1.0"));
    CHECK(rejects_int("0x10"));

    double d;
    CHECK(number_parse_double("2.5", 3, &d) && d == 2.5);
    CHECK(number_parse_double("-1e-3", 5, &d) && d == -1e-3);
    CHECK(!number_parse_double("inf", 3, &d));
    CHECK(!number_parse_double("nan", 3, &d));
    CHECK(!number_parse_double("1,5", 3, &d));
    CHECK(!number_parse_double("1e999", 5, &d));
    CHECK(!number_parse_double("", 0, &d));
    CHECK(!number_parse_double(" 2", 2, &d));

    /* Round trip: the shortest text reads back to the same double. */
    char buffer[32];
    const double samples[] = {0.1, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 123456789.123456789, 0.3, -0.0, 5e-324};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        number_format_double(samples[i], buffer);
        CHECK(strtod(buffer, NULL) == samples[i]);
    }
    number_format_double(0.1, buffer);
    CHECK(strcmp(buffer, "0.1") == 0);
    number_format_double(-0.0, buffer);
    CHECK(strcmp(buffer, "0") == 0);
    number_format_double(42, buffer);
    CHECK(strcmp(buffer, "42") == 0);
    number_format_double_digits(2.0 / 3.0, 10, buffer);
    CHECK(strcmp(buffer, "0.6666666667") == 0);
    number_format_int64(INT64_MIN, buffer);
    CHECK(strcmp(buffer, "-9223372036854775808") == 0);
    /* Whole numbers as printf writes them: around every power of ten, both signs, the extremes. */
    for (int64_t power = 1, step = 0; step < 19; step++, power = step < 19 ? power * 10 : power)
        for (int64_t delta = -1; delta <= 1; delta++)
            for (int sign = -1; sign <= 1; sign += 2) {
                int64_t value = sign * (power + delta);
                char expected[32];
                snprintf(expected, sizeof expected, "%" PRId64, value);
                size_t length = number_format_int64(value, buffer);
                CHECK(strcmp(buffer, expected) == 0 && length == strlen(expected));
            }
    number_format_int64(INT64_MAX, buffer);
    CHECK(strcmp(buffer, "9223372036854775807") == 0);
    number_format_int64(0, buffer);
    CHECK(strcmp(buffer, "0") == 0);

    /* Minimal quoting: only delimiter, quote, CR and LF force quotes. */
    CHECK(!record_field_needs_quotes("plain text; é", strlen("plain text; é"), ','));
    CHECK(record_field_needs_quotes("a,b", 3, ','));
    CHECK(!record_field_needs_quotes("a,b", 3, ';'));
    CHECK(record_field_needs_quotes("a;b", 3, ';'));
    CHECK(record_field_needs_quotes("say \"x\"", 7, ','));
    CHECK(record_field_needs_quotes("a\nb", 3, ','));
    CHECK(record_field_needs_quotes("a\rb", 3, ','));
    CHECK(!record_field_needs_quotes(" padded ", 8, ','));
    /* The word-at-a-time check against the definition, for every length up to 40 and every
     * position of a special byte (also bytes that differ from one by a single bit). */
    {
        const char specials[] = {',', ';', '"', '\n', '\r'};
        const char near_misses[] = {'-', '.', '#', '\v', '\f', 'l', '*', (char)0xAC, (char)0xA2};
        char text[41];
        for (size_t length = 0; length <= 40; length++) {
            memset(text, 'x', sizeof text);
            CHECK(!record_field_needs_quotes(text, length, ','));
            for (size_t at = 0; at < length; at++) {
                for (size_t s = 0; s < sizeof specials; s++) {
                    text[at] = specials[s];
                    int expected = specials[s] != ';';
                    CHECK(record_field_needs_quotes(text, length, ',') == expected);
                    CHECK(record_field_needs_quotes(text, length, ';') == (specials[s] != ','));
                }
                for (size_t s = 0; s < sizeof near_misses; s++) {
                    text[at] = near_misses[s];
                    CHECK(!record_field_needs_quotes(text, length, ','));
                }
                text[at] = 'x';
            }
            /* A special byte just past the end does not count. */
            text[length] = '"';
            CHECK(!record_field_needs_quotes(text, length, ','));
        }
    }

    if (failures)
        fprintf(stderr, "number_and_quoting: %d checks failed\n", failures);
    return failures != 0;
}
