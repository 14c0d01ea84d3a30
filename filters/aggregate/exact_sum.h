/* exact_sum.h: exact sums of doubles (Shewchuk's non-overlapping expansions, the algorithm of
 * Python's math.fsum) and exact 128-bit integer sums. The rounded result is the exact sum
 * correctly rounded, so it does not depend on the order of the additions: sums computed in
 * parts and merged are identical, bit for bit, to one pass over all values. */
#ifndef KOPPEL_EXACT_SUM_H
#define KOPPEL_EXACT_SUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __SIZEOF_INT128__
#error "koppel needs a compiler with a 128-bit integer type (gcc or clang on a 64-bit system)"
#endif

/* A 128-bit integer: exact sums of any number of 64-bit integers (2^64 records of the
 * largest int64 would still fit). */
typedef __int128 exact_int;

/* The exact value is the sum of PARTS[0..count-1], ordered by increasing magnitude, none
 * overlapping. Two parts are kept inline (enough for most data); more spill to the heap. */
#define EXACT_SUM_INLINE 2
typedef struct exact_sum {
    uint32_t count;
    uint32_t capacity; /* heap capacity; 0 while the inline parts suffice */
    union {
        double inline_parts[EXACT_SUM_INLINE];
        double *heap;
    } u;
} exact_sum;

#define EXACT_SUM_INIT {0, 0, {{0}}}

static inline const double *exact_sum_parts(const exact_sum *sum)
{
    return sum->capacity ? sum->u.heap : sum->u.inline_parts;
}

/* Add X (finite) exactly. */
void exact_sum_add(exact_sum *sum, double x);
/* Add A*B exactly (the product's rounding error is kept with fma). */
void exact_sum_add_product(exact_sum *sum, double a, double b);
/* Add every part of OTHER. */
void exact_sum_add_sum(exact_sum *sum, const exact_sum *other);
/* Add a 128-bit integer exactly. */
void exact_sum_add_int(exact_sum *sum, exact_int value);
/* The exact sum correctly rounded to a double (round half to even). May be infinite when the
 * exact sum is beyond the double range. */
double exact_sum_round(const exact_sum *sum);
/* The exact sum divided by DIVISOR (positive, a whole number below 2^53), correctly rounded
 * (half to even): the mean without rounding twice. May be infinite as exact_sum_round. */
double exact_sum_quotient(const exact_sum *sum, double divisor);
/* Release heap parts; the sum is empty afterwards. */
void exact_sum_free(exact_sum *sum);

/* Sample variance from the count N and the exact sums of x and x^2:
 * (N*sum(x^2) - sum(x)^2) / (N*(N-1)), with the numerator computed exactly and rounded once.
 * Requires N >= 2. */
double exact_sum_sample_variance(uint64_t n, const exact_sum *sum, const exact_sum *sum_of_squares);

/* Text forms that read back exactly: the parts as %.17g separated by single spaces ("" when
 * there are none); 128-bit integers in decimal. The parsers are strict and return false on
 * anything else. BUFFER for exact_int_format needs 48 bytes. */
size_t exact_sum_format_length(const exact_sum *sum); /* an upper bound for the buffer */
size_t exact_sum_format(const exact_sum *sum, char *buffer);
bool exact_sum_parse(const char *text, size_t length, exact_sum *sum); /* adds to SUM */
size_t exact_int_format(exact_int value, char *buffer);
bool exact_int_parse(const char *text, size_t length, exact_int *value);
/* Does VALUE fit into an int64_t? */
bool exact_int_fits_int64(exact_int value);

#endif
