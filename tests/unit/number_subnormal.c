/* number_subnormal.c: unit test of common/number for subnormal doubles (found by the numbers fuzz
 * harness): number_format_double printed them, number_parse_double refused what it printed,
 * because strtod reports ERANGE for them. Expected values are exact powers of two (ldexp) and
 * C11's DBL_TRUE_MIN, 2^-1074, whose 17-digit decimal is 4.9406564584124654e-324. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "number.h"

static int failures;

#define CHECK(condition)                                                              \
    do {                                                                              \
        if (!(condition)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
            failures++;                                                               \
        }                                                                             \
    } while (0)

static bool round_trips(double value)
{
    char text[32];
    size_t length = number_format_double(value, text);
    double again = 0;
    return number_parse_double(text, length, &again) && again == value;
}

int main(void)
{
    double value = 0;
    CHECK(number_parse_double("4.9406564584124654e-324", 23, &value) && value == DBL_TRUE_MIN);
    CHECK(value == ldexp(1, -1074));
    /* 2^-1023, half the smallest normal double. */
    CHECK(number_parse_double("1.1125369292536007e-308", 23, &value) && value == ldexp(1, -1023));
    CHECK(round_trips(DBL_TRUE_MIN));
    CHECK(round_trips(-DBL_TRUE_MIN));
    CHECK(round_trips(ldexp(3, -1074)));
    CHECK(round_trips(ldexp(12345, -1070)));
    CHECK(round_trips(DBL_MIN - DBL_TRUE_MIN)); /* the largest subnormal */
    CHECK(round_trips(DBL_MIN));
    /* Still refused: an underflow to zero, an overflow. */
    CHECK(!number_parse_double("1e-400", 6, &value));
    CHECK(!number_parse_double("1e309", 5, &value));
    CHECK(number_parse_double("0e-400", 6, &value) && value == 0);
    if (failures)
        fprintf(stderr, "number_subnormal: %d failed\n", failures);
    return failures ? 1 : 0;
}
