/* classify-condition_codes.c: unit test of filters/classify-condition/codes.c and common/showable.c:
 * normalisation, ICPC, ATC and the claims systems' validity, match prefixes and DCSPH wildcard
 * patterns, and which values may be shown in messages.
 * Expected values are written out by hand. */
#include <stdio.h>
#include <string.h>

#include "codes.h"

static int failures = 0;

#define CHECK(condition)                                                                     \
    do {                                                                                     \
        if (!(condition)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition);   \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

static void check_normalise(const char *input, int expected_length, const char *expected)
{
    char buffer[CODE_MAX_LENGTH + 1];
    int length = code_normalise(input, strlen(input), buffer);
    CHECK(length == expected_length);
    if (length == expected_length && expected)
        CHECK(strcmp(buffer, expected) == 0);
}

static bool icpc(const char *code) { return code_is_valid(CODE_SYSTEM_ICPC, code, strlen(code)); }
static bool atc(const char *code) { return code_is_valid(CODE_SYSTEM_ATC, code, strlen(code)); }

static void check_prefixes(code_system system, const char *code, size_t count, const size_t *expected)
{
    size_t lengths[CODE_MAX_PREFIXES];
    size_t n = code_match_prefixes(system, code, strlen(code), lengths);
    CHECK(n == count);
    for (size_t i = 0; i < n && i < count; i++)
        CHECK(lengths[i] == expected[i]);
}

int main(void)
{
    check_normalise(" t90 ", 3, "T90");
    check_normalise("\tt90.02\r", 6, "T90.02");
    check_normalise("   ", 0, "");
    check_normalise("", 0, "");
    check_normalise("a10ba02", 7, "A10BA02");
    check_normalise("0123456789ABCDEF", -1, NULL); /* 16 characters */
    check_normalise("  0123456789ABCDE  ", 15, "0123456789ABCDE");

    /* ICPC chapters: A B D F H K L N P R S T U W X Y Z; C E G I J M O Q V are none. */
    const char *chapters = "ABDFHKLNPRSTUWXYZ";
    for (char c = 'A'; c <= 'Z'; c++) {
        char code[4] = {c, '0', '1', '\0'};
        CHECK(icpc(code) == (strchr(chapters, c) != NULL));
    }
    CHECK(icpc("T90"));
    CHECK(icpc("T90.02"));
    CHECK(icpc("T90.2"));
    CHECK(icpc("T90.123"));
    CHECK(!icpc("T90."));
    CHECK(!icpc("T901"));
    CHECK(!icpc("T9"));
    CHECK(!icpc("T9A"));
    CHECK(!icpc("T90.0A"));
    CHECK(!icpc("T90.02.1"));
    CHECK(!icpc("t90")); /* validation sees normalised codes only */
    CHECK(!icpc(""));
    CHECK(!icpc("90T"));

    CHECK(atc("A"));
    CHECK(atc("A10"));
    CHECK(atc("A10B"));
    CHECK(atc("A10BA"));
    CHECK(atc("A10BA02"));
    CHECK(!atc("A1"));
    CHECK(!atc("A10BA0"));
    CHECK(!atc("A10BA023"));
    CHECK(!atc("E10"));  /* E is no anatomical main group */
    CHECK(!atc("A1BB"));
    CHECK(!atc("A10B1"));

    /* The claims systems: input codes, and rule codes (which also take a specialism, a group,
     * or DCSPH wildcards). */
    CHECK(code_is_valid(CODE_SYSTEM_DBC, "0320.202", 8));
    CHECK(!code_is_valid(CODE_SYSTEM_DBC, "0329", 4)); /* a specialism is a rule code only */
    CHECK(code_rule_is_valid(CODE_SYSTEM_DBC, "0329", 4));
    CHECK(code_rule_is_valid(CODE_SYSTEM_DBC, "0320.202", 8));
    CHECK(!code_rule_is_valid(CODE_SYSTEM_DBC, "0320.20", 7));
    CHECK(!code_rule_is_valid(CODE_SYSTEM_DBC, "329", 3));
    CHECK(code_is_valid(CODE_SYSTEM_DCSPH, "3120", 4));
    CHECK(!code_is_valid(CODE_SYSTEM_DCSPH, "3X20", 4)); /* wildcards in rule codes only */
    CHECK(!code_is_valid(CODE_SYSTEM_DCSPH, "312", 3));
    CHECK(code_rule_is_valid(CODE_SYSTEM_DCSPH, "XX80", 4));
    CHECK(code_rule_is_valid(CODE_SYSTEM_DCSPH, "3XXX", 4));
    CHECK(!code_rule_is_valid(CODE_SYSTEM_DCSPH, "3Y20", 4));
    CHECK(code_is_valid(CODE_SYSTEM_DIET, "04.02", 5));
    CHECK(!code_is_valid(CODE_SYSTEM_DIET, "04", 2));
    CHECK(code_rule_is_valid(CODE_SYSTEM_DIET, "04", 2));
    CHECK(!code_rule_is_valid(CODE_SYSTEM_DIET, "4", 1));
    CHECK(code_is_valid(CODE_SYSTEM_ICD10, "I21", 3));
    CHECK(code_is_valid(CODE_SYSTEM_ICD10, "U07.1", 5));
    CHECK(code_is_valid(CODE_SYSTEM_ICD10, "I21.45", 6));
    CHECK(!code_is_valid(CODE_SYSTEM_ICD10, "I21.456", 7));
    CHECK(!code_is_valid(CODE_SYSTEM_ICD10, "I21.", 4));
    CHECK(!code_is_valid(CODE_SYSTEM_ICD10, "121", 3));

    check_prefixes(CODE_SYSTEM_DBC, "0320.202", 2, (size_t[]){8, 4});
    check_prefixes(CODE_SYSTEM_DIET, "04.02", 2, (size_t[]){5, 2});
    check_prefixes(CODE_SYSTEM_ICD10, "I21.45", 3, (size_t[]){6, 5, 3});
    check_prefixes(CODE_SYSTEM_ICD10, "I21", 1, (size_t[]){3});
    CHECK(code_wildcard_mask("XX80") == 0x3);
    CHECK(code_wildcard_mask("3XXX") == 0xE);
    CHECK(code_wildcard_mask("3120") == 0);
    char pattern[5];
    code_wildcard_pattern("3120", 0x2, pattern);
    CHECK(strcmp(pattern, "3X20") == 0);
    code_wildcard_pattern("3120", 0xF, pattern);
    CHECK(strcmp(pattern, "XXXX") == 0);

    check_prefixes(CODE_SYSTEM_ICPC, "T90", 1, (size_t[]){3});
    check_prefixes(CODE_SYSTEM_ICPC, "T90.02", 2, (size_t[]){6, 3});
    check_prefixes(CODE_SYSTEM_ATC, "A10BA02", 5, (size_t[]){7, 5, 4, 3, 1});
    check_prefixes(CODE_SYSTEM_ATC, "A10B", 3, (size_t[]){4, 3, 1});
    check_prefixes(CODE_SYSTEM_ATC, "A", 1, (size_t[]){1});

    CHECK(code_is_showable("T90.02", 6));
    CHECK(code_is_showable("X999", 4)); /* a run of three digits is fine, four is not */
    CHECK(!code_is_showable("X9999", 5));
    CHECK(!code_is_showable("123456782", 9));   /* a BSN */
    CHECK(!code_is_showable("1011AB", 6));      /* a postcode */
    CHECK(!code_is_showable("2023-01-01", 10)); /* a date */
    CHECK(!code_is_showable("12.345.678", 10)); /* a BSN of 8 digits, with dots */
    CHECK(!code_is_showable("3-11-1948", 9));   /* a date */
    CHECK(!code_is_showable("03-11-48", 8));    /* a date, two-digit year */
    CHECK(code_is_showable("A10BA02", 7));      /* an ATC code: four digits in all */

    CHECK(label_is_showable("couple_children", 15));
    CHECK(label_is_showable("85-89", 5));
    CHECK(label_is_showable("90+", 3));
    CHECK(!label_is_showable("1931-07-26", 10));  /* a date of birth */
    CHECK(!label_is_showable("7384 QZ", 7));      /* a postcode */
    CHECK(!label_is_showable("9016 90 934", 11)); /* a BSN with spaces */
    CHECK(!label_is_showable("ab1cd2ef3ab4cd5e", 16)); /* part of a pseudonym, no 4 digits */
    CHECK(label_is_showable("ab1cd2ef3ab4cd5", 15));
    CHECK(label_is_showable("bsn;practice_id;episode_id;icpc;start_date;end_date", 51));
    CHECK(!label_is_showable("827756926;1931-07-26;7384QZ", 27));
    CHECK(!code_is_showable("0123456789abcdef0123456789abcdef", 32)); /* a pseudonym */
    CHECK(!code_is_showable("abcdefghijk", 11));
    CHECK(!code_is_showable("it's", 4));
    CHECK(!code_is_showable("a\x01", 2));

    CHECK(code_system_parse("icpc", &(code_system){0}));
    CHECK(code_system_parse("icd10", &(code_system){0}));
    CHECK(!code_system_parse("ICD9", &(code_system){0}));

    if (failures)
        fprintf(stderr, "%d checks failed\n", failures);
    return failures ? 1 : 0;
}
