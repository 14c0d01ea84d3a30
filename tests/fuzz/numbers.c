/* numbers.c (fuzz harness): number_parse_int64 and number_parse_double on arbitrary text, and
 * the printers. Properties: an integer is accepted exactly when it is an optional sign and
 * digits within int64 (checked here with 128-bit arithmetic) and prints back as the same value;
 * a double is accepted only from plain decimal text and equals strtod's reading; every finite
 * double (also from raw bytes) prints as text that parses back to the same value, in at most
 * 17 significant digits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "number.h"

static void check_int64(const char *text, size_t length)
{
    int64_t value = 0;
    bool parsed = number_parse_int64(text, length, &value);
    /* Independently: sign, then at least one digit, accumulated in 128 bits. */
    size_t i = 0;
    bool negative = false, expected = length > 0;
    if (length > 0 && (text[0] == '-' || text[0] == '+'))
        negative = text[i++] == '-';
    if (i == length)
        expected = false;
    __int128 magnitude = 0;
    for (; expected && i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            expected = false;
        else if ((magnitude = magnitude * 10 + (text[i] - '0')) > (__int128)INT64_MAX + 1)
            expected = false;
    }
    __int128 signed_value = negative ? -magnitude : magnitude;
    if (signed_value > INT64_MAX || signed_value < INT64_MIN)
        expected = false;
    FUZZ_CHECK(parsed == expected, "number_parse_int64 says %d for '%.*s'", parsed, (int)length, text);
    if (!parsed)
        return;
    FUZZ_CHECK(value == (int64_t)signed_value, "'%.*s' read as %lld", (int)length, text, (long long)value);
    char buffer[32];
    size_t n = number_format_int64(value, buffer);
    int64_t again;
    FUZZ_CHECK(number_parse_int64(buffer, n, &again) && again == value, "%lld prints as '%s'",
               (long long)value, buffer);
}

static void check_format(double value)
{
    if (!isfinite(value))
        return;
    char buffer[32];
    size_t n = number_format_double(value, buffer);
    FUZZ_CHECK(n == strlen(buffer) && n > 0 && n < 32, "format length %zu", n);
    double again = NAN;
    FUZZ_CHECK(number_parse_double(buffer, n, &again), "%a prints as '%s', which does not parse",
               value, buffer);
    FUZZ_CHECK(again == value, "%a prints as '%s', which reads as %a", value, buffer, again);
    FUZZ_CHECK(buffer[0] != '-' || value < 0, "'%s' for %a", buffer, value);
    /* With exactly N significant digits: parses, and within half a unit of the last digit
     * (unless rounding up leaves the doubles: 1.8e308 to one digit is 2e+308). */
    for (int digits = 1; digits <= 17 && fabs(value) < 1e307; digits += 8) {
        n = number_format_double_digits(value, digits, buffer);
        FUZZ_CHECK(number_parse_double(buffer, n, &again), "%a with %d digits prints as '%s'",
                   value, digits, buffer);
        /* (Below 1e-290 subnormal rounding is coarser than any digit count.) */
        if (fabs(value) > 1e-290)
            FUZZ_CHECK(fabs(again - value) <= fabs(value) * (0.5 * pow(10, 1 - digits) + 4e-16),
                       "%a with %d digits prints as '%s'", value, digits, buffer);
    }
}

static void check_double(const char *text, size_t length)
{
    double value = NAN;
    bool parsed = number_parse_double(text, length, &value);
    if (!parsed)
        return;
    FUZZ_CHECK(isfinite(value), "'%.*s' parses to a non-finite value", (int)length, text);
    for (size_t i = 0; i < length; i++)
        FUZZ_CHECK(strchr("0123456789.-+eE", text[i]) && text[i] != '\0',
                   "'%.*s' holds a character no decimal number has", (int)length, text);
    char *copy = strndup(text, length);
    char *end;
    double expected = strtod(copy, &end);
    FUZZ_CHECK(*end == '\0' && expected == value, "'%s': %a, strtod says %a", copy, value, expected);
    free(copy);
    check_format(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *text = (const char *)data;
    check_int64(text, size);
    check_double(text, size);
    /* The raw bytes as doubles too: every bit pattern, subnormals included. */
    for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
        double value;
        memcpy(&value, data + i, 8);
        check_format(value);
    }
    return 0;
}
