/* exact_sum.c: order-independent exact summation (Shewchuk expansions with zero elimination,
 * rounded as CPython's math.fsum does) and 128-bit integer text forms. Must be compiled
 * without -ffast-math: the error-free transformations rely on IEEE-754 rounding. */
#include "exact_sum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "number.h"

static double *parts_for_writing(exact_sum *sum, uint32_t needed)
{
    if (needed <= EXACT_SUM_INLINE && sum->capacity == 0)
        return sum->u.inline_parts;
    if (sum->capacity == 0) {
        double inline_copy[EXACT_SUM_INLINE];
        memcpy(inline_copy, sum->u.inline_parts, sizeof inline_copy);
        uint32_t capacity = 8;
        while (capacity < needed)
            capacity *= 2;
        sum->u.heap = xmalloc(capacity * sizeof(double));
        memcpy(sum->u.heap, inline_copy, sum->count * sizeof(double));
        sum->capacity = capacity;
    } else if (needed > sum->capacity) {
        while (sum->capacity < needed)
            sum->capacity *= 2;
        sum->u.heap = xrealloc(sum->u.heap, sum->capacity * sizeof(double));
    }
    return sum->u.heap;
}

void exact_sum_add(exact_sum *sum, double x)
{
    double *parts = parts_for_writing(sum, sum->count + 1);
    uint32_t kept = 0;
    for (uint32_t j = 0; j < sum->count; j++) {
        double y = parts[j];
        if (fabs(x) < fabs(y)) {
            double t = x;
            x = y;
            y = t;
        }
        double hi = x + y;
        double lo = y - (hi - x);
        if (lo != 0.0)
            parts[kept++] = lo;
        x = hi;
    }
    if (x != 0.0)
        parts[kept++] = x;
    sum->count = kept;
}

void exact_sum_add_product(exact_sum *sum, double a, double b)
{
    double product = a * b;
    double error = fma(a, b, -product);
    exact_sum_add(sum, product);
    if (error != 0.0)
        exact_sum_add(sum, error);
}

void exact_sum_add_sum(exact_sum *sum, const exact_sum *other)
{
    const double *parts = exact_sum_parts(other);
    for (uint32_t i = 0; i < other->count; i++)
        exact_sum_add(sum, parts[i]);
}

void exact_sum_add_int(exact_sum *sum, exact_int value)
{
    /* Four 32-bit pieces, each exactly representable as a double. */
    unsigned __int128 bits = (unsigned __int128)value;
    for (int piece = 0; piece < 4; piece++) {
        uint32_t chunk = (uint32_t)(bits >> (32 * piece));
        double term = piece == 3 ? (double)(int32_t)chunk : (double)chunk;
        if (term != 0.0)
            exact_sum_add(sum, ldexp(term, 32 * piece));
    }
}

double exact_sum_round(const exact_sum *sum)
{
    const double *p = exact_sum_parts(sum);
    uint32_t n = sum->count;
    double hi = 0.0, lo = 0.0;
    if (n == 0)
        return 0.0;
    hi = p[--n];
    while (n > 0) {
        double x = hi, y = p[--n];
        hi = x + y;
        double yr = hi - x;
        lo = y - yr;
        if (lo != 0.0)
            break;
    }
    /* Half-way case: the parts below decide the direction of rounding. */
    if (n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0))) {
        double y = lo * 2.0;
        double x = hi + y;
        double yr = x - hi;
        if (y == yr)
            hi = x;
    }
    return hi;
}

void exact_sum_free(exact_sum *sum)
{
    if (sum->capacity)
        free(sum->u.heap);
    memset(sum, 0, sizeof *sum);
}

double exact_sum_sample_variance(uint64_t n, const exact_sum *sum, const exact_sum *sum_of_squares)
{
    exact_sum numerator = EXACT_SUM_INIT;
    double count = (double)n;
    const double *squares = exact_sum_parts(sum_of_squares);
    for (uint32_t i = 0; i < sum_of_squares->count; i++)
        exact_sum_add_product(&numerator, count, squares[i]);
    const double *parts = exact_sum_parts(sum);
    for (uint32_t i = 0; i < sum->count; i++)
        for (uint32_t j = 0; j < sum->count; j++)
            exact_sum_add_product(&numerator, -parts[i], parts[j]);
    double rounded = exact_sum_round(&numerator);
    exact_sum_free(&numerator);
    if (rounded < 0) /* cannot happen with exact inputs; guards against misuse */
        rounded = 0;
    return rounded / (count * (count - 1.0));
}

/* The sign of SUM - A*B - C*D, exactly (the products are exact with fma, the sum rounded once
 * keeps the sign of the exact value). */
static int sign_after_products(const exact_sum *sum, double a, double b, double c, double d)
{
    exact_sum difference = EXACT_SUM_INIT;
    exact_sum_add_sum(&difference, sum);
    exact_sum_add_product(&difference, -a, b);
    exact_sum_add_product(&difference, -c, d);
    double rounded = exact_sum_round(&difference);
    exact_sum_free(&difference);
    return (rounded > 0) - (rounded < 0);
}

static bool is_even(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return (bits & 1) == 0;
}

double exact_sum_quotient(const exact_sum *sum, double divisor)
{
    double q = exact_sum_round(sum) / divisor;
    /* The first guess is within an ulp or two; move it while the exact quotient lies beyond
     * the midpoint to a neighbour (the midpoint's offset (q - neighbour)/2 times the divisor
     * is exact as (q - neighbour) * (divisor/2)). */
    for (int step = 0; step < 8 && isfinite(q); step++) {
        double below = nextafter(q, -INFINITY), above = nextafter(q, INFINITY);
        int lower = sign_after_products(sum, q, divisor, -(q - below), 0.5 * divisor);
        if (lower < 0) {
            q = below;
            continue;
        }
        if (lower == 0)
            return is_even(q) ? q : below;
        if (isinf(above))
            return q;
        int upper = sign_after_products(sum, q, divisor, above - q, 0.5 * divisor);
        if (upper > 0) {
            q = above;
            continue;
        }
        if (upper == 0)
            return is_even(q) ? q : above;
        return q;
    }
    return q;
}

/* ---------------------------------------------------------------- text forms */

size_t exact_sum_format_length(const exact_sum *sum) { return (size_t)sum->count * 32 + 1; }

size_t exact_sum_format(const exact_sum *sum, char *buffer)
{
    const double *parts = exact_sum_parts(sum);
    size_t length = 0;
    buffer[0] = '\0';
    for (uint32_t i = 0; i < sum->count; i++) {
        if (i)
            buffer[length++] = ' ';
        length += (size_t)snprintf(buffer + length, 32, "%.17g", parts[i]);
    }
    return length;
}

bool exact_sum_parse(const char *text, size_t length, exact_sum *sum)
{
    size_t start = 0;
    if (length == 0)
        return true;
    for (size_t i = 0; i <= length; i++) {
        if (i < length && text[i] != ' ')
            continue;
        double part;
        if (!number_parse_double(text + start, i - start, &part))
            return false;
        exact_sum_add(sum, part);
        start = i + 1;
    }
    return true;
}

size_t exact_int_format(exact_int value, char *buffer)
{
    char digits[48];
    size_t count = 0;
    unsigned __int128 magnitude = value < 0 ? -(unsigned __int128)value : (unsigned __int128)value;
    do {
        digits[count++] = (char)('0' + (int)(magnitude % 10));
        magnitude /= 10;
    } while (magnitude);
    size_t length = 0;
    if (value < 0)
        buffer[length++] = '-';
    while (count)
        buffer[length++] = digits[--count];
    buffer[length] = '\0';
    return length;
}

bool exact_int_parse(const char *text, size_t length, exact_int *value)
{
    size_t i = 0;
    bool negative = length > 0 && text[0] == '-';
    if (negative)
        i = 1;
    if (i == length)
        return false;
    const unsigned __int128 limit = (unsigned __int128)1 << 127; /* |INT128_MIN| */
    unsigned __int128 magnitude = 0;
    for (; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        unsigned digit = (unsigned)(text[i] - '0');
        if (magnitude > (limit - digit) / 10)
            return false;
        magnitude = magnitude * 10 + digit;
    }
    if (!negative && magnitude == limit)
        return false;
    *value = negative ? (exact_int)(-magnitude) : (exact_int)magnitude;
    return true;
}

bool exact_int_fits_int64(exact_int value) { return value >= INT64_MIN && value <= INT64_MAX; }
