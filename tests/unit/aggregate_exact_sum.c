/* aggregate_exact_sum.c: unit test of filters/aggregate/exact_sum: exact, order-independent sums, the
 * rounding of half-way cases, sample variance, and the text forms that read back exactly.
 * Expected values are worked out by hand in the comments (or are Python's math.fsum examples). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exact_sum.h"

static int failures;

#define CHECK(condition)                                                              \
    do {                                                                              \
        if (!(condition)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
            failures++;                                                               \
        }                                                                             \
    } while (0)

static double sum_of(const double *values, size_t count)
{
    exact_sum sum = EXACT_SUM_INIT;
    for (size_t i = 0; i < count; i++)
        exact_sum_add(&sum, values[i]);
    double result = exact_sum_round(&sum);
    exact_sum_free(&sum);
    return result;
}

static void test_known_sums(void)
{
    /* Python documentation: sum([.1]*10) is 0.9999999999999999, fsum gives 1.0. */
    double tenths[10];
    for (int i = 0; i < 10; i++)
        tenths[i] = 0.1;
    CHECK(sum_of(tenths, 10) == 1.0);
    /* Catastrophic cancellation: 1e100 + 1 - 1e100 is exactly 1. */
    double cancel[] = {1e100, 1.0, -1e100};
    CHECK(sum_of(cancel, 3) == 1.0);
    /* Half-way case: 1 + 2^-53 is exactly between 1 and 1+2^-52 and rounds to even (1);
     * a further 2^-106 tips it upward, to 1+2^-52. */
    double halfway[] = {1.0, ldexp(1, -53)};
    CHECK(sum_of(halfway, 2) == 1.0);
    double above_halfway[] = {1.0, ldexp(1, -53), ldexp(1, -106)};
    CHECK(sum_of(above_halfway, 3) == 1.0 + ldexp(1, -52));
    double below_halfway[] = {1.0, ldexp(1, -53), -ldexp(1, -106)};
    CHECK(sum_of(below_halfway, 3) == 1.0);
    /* An empty sum is 0. */
    CHECK(sum_of(NULL, 0) == 0.0);
}

/* The rounded sum must not depend on the order of the additions nor on a split into parts. */
static void test_order_independence(void)
{
    enum { COUNT = 2000 };
    static double values[COUNT];
    srand(7);
    for (int i = 0; i < COUNT; i++) {
        double magnitude = ldexp((double)rand() / RAND_MAX, rand() % 120 - 60);
        values[i] = rand() % 2 ? magnitude : -magnitude;
    }
    double forward = sum_of(values, COUNT);
    exact_sum backward = EXACT_SUM_INIT;
    for (int i = COUNT - 1; i >= 0; i--)
        exact_sum_add(&backward, values[i]);
    CHECK(exact_sum_round(&backward) == forward);
    /* Three parts merged, and the merged parts through their text form. */
    exact_sum parts[3] = {EXACT_SUM_INIT, EXACT_SUM_INIT, EXACT_SUM_INIT};
    for (int i = 0; i < COUNT; i++)
        exact_sum_add(&parts[i % 3], values[i]);
    exact_sum merged = EXACT_SUM_INIT, reread = EXACT_SUM_INIT;
    for (int p = 2; p >= 0; p--) {
        exact_sum_add_sum(&merged, &parts[p]);
        char *text = malloc(exact_sum_format_length(&parts[p]));
        size_t length = exact_sum_format(&parts[p], text);
        CHECK(exact_sum_parse(text, length, &reread));
        free(text);
        exact_sum_free(&parts[p]);
    }
    CHECK(exact_sum_round(&merged) == forward);
    CHECK(exact_sum_round(&reread) == forward);
    exact_sum_free(&backward);
    exact_sum_free(&merged);
    exact_sum_free(&reread);
}

static void test_integers(void)
{
    /* 3 * INT64_MAX = 27670116110564327421, beyond int64, exact in 128 bits. */
    exact_int total = 0;
    for (int i = 0; i < 3; i++)
        total += INT64_MAX;
    char text[48];
    size_t length = exact_int_format(total, text);
    CHECK(strcmp(text, "27670116110564327421") == 0);
    exact_int back;
    CHECK(exact_int_parse(text, length, &back) && back == total);
    CHECK(!exact_int_fits_int64(total));
    CHECK(exact_int_fits_int64((exact_int)INT64_MIN));
    exact_int_format(-(exact_int)12345, text);
    CHECK(strcmp(text, "-12345") == 0);
    exact_int_format(0, text);
    CHECK(strcmp(text, "0") == 0);
    CHECK(!exact_int_parse("12a", 3, &back));
    CHECK(!exact_int_parse("-", 1, &back));
    CHECK(!exact_int_parse("", 0, &back));
    /* 2^127 does not fit; -2^127 does. */
    CHECK(!exact_int_parse("170141183460469231731687303715884105728", 39, &back));
    CHECK(exact_int_parse("-170141183460469231731687303715884105728", 40, &back) && back < 0);
    /* A 128-bit integer added to an exact sum: 2^70 + 3 - 2^70 = 3. */
    exact_sum sum = EXACT_SUM_INIT;
    exact_sum_add_int(&sum, ((exact_int)1 << 70) + 3);
    exact_sum_add(&sum, -ldexp(1, 70));
    CHECK(exact_sum_round(&sum) == 3.0);
    exact_sum_add_int(&sum, -7);
    CHECK(exact_sum_round(&sum) == -4.0);
    exact_sum_free(&sum);
}

static void test_variance(void)
{
    /* 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32,
     * sample variance 32/7. */
    double values[] = {2, 4, 4, 4, 5, 5, 7, 9};
    exact_sum sum = EXACT_SUM_INIT, squares = EXACT_SUM_INIT;
    for (int i = 0; i < 8; i++) {
        exact_sum_add(&sum, values[i]);
        exact_sum_add_product(&squares, values[i], values[i]);
    }
    CHECK(exact_sum_sample_variance(8, &sum, &squares) == 32.0 / 7.0);
    exact_sum_free(&sum);
    exact_sum_free(&squares);
    /* A large offset does not destroy the result: 1e9+1, 1e9+2, 1e9+3 has variance 1. */
    exact_sum_add(&sum, 1e9 + 1);
    exact_sum_add(&sum, 1e9 + 2);
    exact_sum_add(&sum, 1e9 + 3);
    exact_sum_add_product(&squares, 1e9 + 1, 1e9 + 1);
    exact_sum_add_product(&squares, 1e9 + 2, 1e9 + 2);
    exact_sum_add_product(&squares, 1e9 + 3, 1e9 + 3);
    CHECK(exact_sum_sample_variance(3, &sum, &squares) == 1.0);
    exact_sum_free(&sum);
    exact_sum_free(&squares);
}

static void test_text(void)
{
    exact_sum sum = EXACT_SUM_INIT;
    CHECK(exact_sum_parse("", 0, &sum) && sum.count == 0);
    CHECK(!exact_sum_parse("1 x", 3, &sum));
    CHECK(!exact_sum_parse("1  2", 4, &sum));
    CHECK(!exact_sum_parse("inf", 3, &sum));
    exact_sum_free(&sum);
    CHECK(exact_sum_parse("0.1 0.2", 7, &sum));
    /* 0.1 + 0.2 exactly is 0.3000000000000000166..., nearest double 0.30000000000000004 */
    CHECK(exact_sum_round(&sum) == 0.30000000000000004);
    exact_sum_free(&sum);
}

int main(void)
{
    test_known_sums();
    test_order_independence();
    test_integers();
    test_variance();
    test_text();
    if (failures)
        fprintf(stderr, "aggregate_exact_sum: %d checks failed\n", failures);
    return failures ? 1 : 0;
}
