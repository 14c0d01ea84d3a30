/* number.c: strict number parsing for fields and round-trip printing. */
#include "number.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool number_parse_int64(const char *text, size_t length, int64_t *value)
{
    size_t i = 0;
    bool negative = false;
    if (length == 0)
        return false;
    if (text[0] == '-' || text[0] == '+') {
        negative = text[0] == '-';
        i = 1;
        if (length == 1)
            return false;
    }
    uint64_t magnitude = 0;
    for (; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        unsigned digit = (unsigned)(text[i] - '0');
        if (magnitude > (UINT64_MAX - digit) / 10)
            return false;
        magnitude = magnitude * 10 + digit;
    }
    if (negative) {
        if (magnitude > (uint64_t)INT64_MAX + 1)
            return false;
        *value = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
    } else {
        if (magnitude > (uint64_t)INT64_MAX)
            return false;
        *value = (int64_t)magnitude;
    }
    return true;
}

bool number_parse_double(const char *text, size_t length, double *value)
{
    char buffer[64];
    if (length == 0 || length >= sizeof buffer)
        return false;
    /* Only the characters of a plain decimal number: no spaces, hex, inf or nan. */
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return false;
    }
    memcpy(buffer, text, length);
    buffer[length] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buffer, &end);
    /* ERANGE is overflow or underflow: a subnormal result is still the value (and what
     * number_format_double prints for one); overflow, or underflow to 0, is not. */
    if (*end != '\0' || end == buffer || !isfinite(v) || (errno == ERANGE && v == 0))
        return false;
    *value = v;
    return true;
}

size_t number_format_double(double value, char *buffer)
{
    if (value == 0)
        value = 0; /* no "-0" */
    for (int digits = 15; digits <= 17; digits++) {
        int n = snprintf(buffer, 32, "%.*g", digits, value);
        if (digits == 17 || strtod(buffer, NULL) == value)
            return (size_t)n;
    }
    return strlen(buffer);
}

size_t number_format_double_digits(double value, int significant, char *buffer)
{
    if (value == 0)
        value = 0;
    return (size_t)snprintf(buffer, 32, "%.*g", significant, value);
}

size_t number_format_int64(int64_t value, char *buffer)
{
    /* Digit by digit rather than snprintf: koppel periods writes one per output record, and
     * snprintf cost more than the rest of its loop together. */
    char digits[20];
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    size_t count = 0, length = 0;
    do {
        digits[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        buffer[length++] = '-';
    while (count)
        buffer[length++] = digits[--count];
    buffer[length] = '\0';
    return length;
}
