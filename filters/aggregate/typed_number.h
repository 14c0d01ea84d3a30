/* typed_number.h: a field's number as it was written (a whole number stays one) and the counts
 * of the partial format: parsing, an exact order across whole and decimal numbers, formatting.
 * Inline: the update of every statistic calls these once per record. */
#ifndef AGGREGATE_TYPED_NUMBER_H
#define AGGREGATE_TYPED_NUMBER_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "number.h"

/* Whole numbers are kept as such so that whole-number columns print as such and extremes keep
 * every digit. */
typedef struct number {
    union {
        int64_t integer;
        double real;
    } v;
    bool is_integer;
} number;

static inline bool number_parse(const char *text, size_t length, number *result)
{
    if (number_parse_int64(text, length, &result->v.integer)) {
        result->is_integer = true;
        return true;
    }
    result->is_integer = false;
    return number_parse_double(text, length, &result->v.real);
}

static inline double number_as_double(number n) { return n.is_integer ? (double)n.v.integer : n.v.real; }

/* Exact comparison of a whole number with a double. */
static inline int compare_integer_real(int64_t integer, double real)
{
    const double two63 = 9223372036854775808.0;
    if (real >= two63)
        return -1;
    if (real < -two63)
        return 1;
    double whole = trunc(real);
    int64_t whole_integer = (int64_t)whole;
    if (integer != whole_integer)
        return integer < whole_integer ? -1 : 1;
    double fraction = real - whole;
    return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
}

/* Order by value; among equal values a whole number ranks above a double, so that which of
 * two equal values is kept never depends on the order of the records. */
static inline int number_rank(number a, number b)
{
    if (a.is_integer && b.is_integer)
        return (a.v.integer > b.v.integer) - (a.v.integer < b.v.integer);
    if (!a.is_integer && !b.is_integer)
        return (a.v.real > b.v.real) - (a.v.real < b.v.real);
    if (a.is_integer) {
        int order = compare_integer_real(a.v.integer, b.v.real);
        return order ? order : 1;
    }
    int order = -compare_integer_real(b.v.integer, a.v.real);
    return order ? order : -1;
}

static inline size_t number_format(number n, char *buffer)
{
    return n.is_integer ? number_format_int64(n.v.integer, buffer) : number_format_double(n.v.real, buffer);
}

/* A count as options and partial states write it: a whole number, not negative, no sign. */
static inline bool parse_count(const char *text, size_t length, uint64_t *value)
{
    int64_t parsed;
    if (!number_parse_int64(text, length, &parsed) || parsed < 0 || text[0] == '+')
        return false;
    *value = (uint64_t)parsed;
    return true;
}

#endif
