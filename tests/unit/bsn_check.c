/* bsn_check.c: unit test of common/bsn.c (normalisation and elfproef).
 * Expected values are worked out by hand in the comments. */
#include <stdio.h>
#include <string.h>

#include "bsn.h"

static int failures;

static void expect_valid(const char *input, const char *expected)
{
    char out[10];
    const char *reason = NULL;
    if (!bsn_normalise(input, strlen(input), out, &reason) || strcmp(out, expected) != 0) {
        fprintf(stderr, "synth_bsn: '%s' should normalise to %s (%s)\n", input, expected,
                reason ? reason : out);
        failures++;
    }
}

static void expect_invalid(const char *input, const char *expected_reason)
{
    char out[10];
    const char *reason = NULL;
    if (bsn_normalise(input, strlen(input), out, &reason) || strcmp(reason, expected_reason) != 0) {
        fprintf(stderr, "synth_bsn: '%s' should fail with '%s', got '%s'\n", input,
                expected_reason, reason ? reason : "valid");
        failures++;
    }
}

int main(void)
{
    /* 111222333: 9+8+7+12+10+8+9+6 = 69, 69 - 3 = 66 = 6*11. */
    expect_valid("111222333", "111222333");
    /* 123456782: 9+16+21+24+25+24+21+16 = 156, 156 - 2 = 154 = 14*11. */
    expect_valid("123456782", "123456782");
    expect_valid("1234.56.782", "123456782");
    expect_valid(" 123 456 782 ", "123456782");
    expect_valid("123-456-782", "123456782");
    /* 8 digits get a leading 0: 012345672 has weights 9..2 on 0,1,2,3,4,5,6,7:
     * 0+8+14+18+20+20+18+14 = 112, 112 mod 11 = 2 = d9, so it passes; 012345674 does not. */
    expect_valid("12345672", "012345672");
    expect_invalid("12345674", "BSN fails the elfproef");
    expect_invalid("123456783", "BSN fails the elfproef");
    expect_invalid("", "BSN is empty");
    expect_invalid("  ", "BSN is empty");
    expect_invalid("000000000", "BSN is 000000000");
    expect_invalid("00000000", "BSN is 000000000");
    expect_invalid("1234567", "BSN has the wrong number of digits");
    expect_invalid("1234567890", "BSN has the wrong number of digits");
    expect_invalid("12345678x", "BSN has characters other than digits, spaces, dots and hyphens");

    /* Check digit: 12345678 -> 156 mod 11 = 2. 00000019: 1*3 + 9*2 = 21, 21 mod 11 = 10: none. */
    if (bsn_check_digit("12345678") != 2 || bsn_check_digit("00000019") != -1) {
        fprintf(stderr, "synth_bsn: bsn_check_digit wrong\n");
        failures++;
    }
    if (!bsn_elfproef("111222333") || bsn_elfproef("111222334") || bsn_elfproef("11122233x")) {
        fprintf(stderr, "synth_bsn: bsn_elfproef wrong\n");
        failures++;
    }
    return failures ? 1 : 0;
}
