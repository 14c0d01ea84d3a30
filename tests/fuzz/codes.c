/* codes.c (fuzz harness): code_normalise, code_is_valid, code_rule_is_valid, code_match_prefixes,
 * the DCSPH wildcard patterns and code_is_showable on arbitrary text. Properties: normalising trims
 * ASCII white space and upper-cases, and is idempotent; validity of input and rule codes agrees
 * with POSIX regular expressions written from the definitions in codes.h (ICPC, ATC, DBC, DCSPH,
 * DIET, ICD10); every match prefix is itself a valid rule code, longest first; every wildcard
 * pattern is a rule code of its mask; a showable value never holds four digits in a row. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "fuzz_support.h"

/* Per system: input codes, and rule codes (which also take a specialism, a group, or X). */
static const char *const input_expressions[CODE_SYSTEMS] = {
    [CODE_SYSTEM_ICPC] = "^[ABDFHKLNPRSTUWXYZ][0-9]{2}(\\.[0-9]+)?$",
    [CODE_SYSTEM_ATC] = "^[ABCDGHJLMNPRSV]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$",
    [CODE_SYSTEM_DBC] = "^[0-9]{4}\\.[0-9]{3}$",
    [CODE_SYSTEM_DCSPH] = "^[0-9]{4}$",
    [CODE_SYSTEM_DIET] = "^[0-9]{2}\\.[0-9]{2}$",
    [CODE_SYSTEM_ICD10] = "^[A-Z][0-9]{2}(\\.[0-9]{1,2})?$",
};
/* Rule codes where they differ from input codes (NULL: the same). */
static const char *const rule_expressions[CODE_SYSTEMS] = {
    [CODE_SYSTEM_DBC] = "^[0-9]{4}(\\.[0-9]{3})?$",
    [CODE_SYSTEM_DCSPH] = "^[0-9X]{4}$",
    [CODE_SYSTEM_DIET] = "^[0-9]{2}(\\.[0-9]{2})?$",
};
/* The broadest rule code's length: ICPC a chapter and number, ATC a letter, DBC a specialism,
 * DIET a group, ICD10 a three-character code (DCSPH: the code itself). */
static const size_t broadest_prefix[CODE_SYSTEMS] = {3, 1, 4, 4, 2, 3};
static regex_t input_patterns[CODE_SYSTEMS], rule_patterns[CODE_SYSTEMS];
static bool patterns_ready;

static void compile_patterns(void)
{
    if (patterns_ready)
        return;
    for (int system = 0; system < CODE_SYSTEMS; system++)
        if (regcomp(&input_patterns[system], input_expressions[system], REG_EXTENDED | REG_NOSUB) ||
            regcomp(&rule_patterns[system],
                    rule_expressions[system] ? rule_expressions[system] : input_expressions[system],
                    REG_EXTENDED | REG_NOSUB))
            abort();
    patterns_ready = true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool matches(const regex_t *pattern, const char *code, size_t length)
{
    if (memchr(code, '\0', length))
        return false;
    char text[CODE_MAX_LENGTH + 1];
    memcpy(text, code, length);
    text[length] = '\0';
    return regexec(pattern, text, 0, NULL, 0) == 0;
}

/* Every DCSPH wildcard pattern of a valid code is a rule code with that mask. */
static void check_wildcards(const char *code)
{
    for (unsigned mask = 0; mask < 16; mask++) {
        char pattern[5];
        code_wildcard_pattern(code, mask, pattern);
        FUZZ_CHECK(code_rule_is_valid(CODE_SYSTEM_DCSPH, pattern, 4) && code_wildcard_mask(pattern) == mask,
                   "pattern %u of '%.4s' is '%s'", mask, code, pattern);
    }
}

static void check_system(code_system system, const char *code, size_t length)
{
    bool valid = code_is_valid(system, code, length);
    FUZZ_CHECK(valid == matches(&input_patterns[system], code, length), "%s: code_is_valid says %d for '%.*s'",
               code_system_name(system), valid, (int)length, code);
    bool rule_valid = code_rule_is_valid(system, code, length);
    FUZZ_CHECK(rule_valid == matches(&rule_patterns[system], code, length),
               "%s: code_rule_is_valid says %d for '%.*s'", code_system_name(system), rule_valid, (int)length, code);
    FUZZ_CHECK(!valid || rule_valid, "%s: '%.*s' is a code but no rule code", code_system_name(system), (int)length,
               code);
    if (!valid)
        return;
    if (system == CODE_SYSTEM_DCSPH)
        check_wildcards(code);
    size_t prefixes[CODE_MAX_PREFIXES + 1];
    size_t count = code_match_prefixes(system, code, length, prefixes);
    FUZZ_CHECK(count >= 1 && count <= CODE_MAX_PREFIXES, "%zu prefixes", count);
    FUZZ_CHECK(prefixes[0] == length, "the first prefix is not the code itself");
    for (size_t i = 0; i < count; i++) {
        FUZZ_CHECK(i == 0 || prefixes[i] < prefixes[i - 1], "prefixes not longest first");
        FUZZ_CHECK(code_rule_is_valid(system, code, prefixes[i]), "prefix %zu of '%.*s' is no rule code",
                   prefixes[i], (int)length, code);
    }
    size_t broadest = system == CODE_SYSTEM_DCSPH ? length : broadest_prefix[system];
    FUZZ_CHECK(prefixes[count - 1] == broadest, "the broadest prefix of '%.*s' has length %zu", (int)length,
               code, prefixes[count - 1]);
}

/* The raw or normalised code checked in every system. */
static void check_systems(const char *code, size_t length)
{
    for (int system = 0; system < CODE_SYSTEMS; system++)
        check_system((code_system)system, code, length);
}

static void check_normalise(const char *text, size_t length)
{
    char buffer[CODE_MAX_LENGTH + 1];
    int n = code_normalise(text, length, buffer);
    size_t first = 0, last = length;
    while (first < last && is_space(text[first]))
        first++;
    while (last > first && is_space(text[last - 1]))
        last--;
    if (last - first > CODE_MAX_LENGTH) {
        FUZZ_CHECK(n == -1, "a %zu-byte code normalised", last - first);
        return;
    }
    FUZZ_CHECK(n == (int)(last - first), "normalised length %d, expected %zu", n, last - first);
    FUZZ_CHECK(buffer[n] == '\0', "normalised code not terminated");
    for (int i = 0; i < n; i++) {
        char c = text[first + (size_t)i];
        char upper = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
        FUZZ_CHECK(buffer[i] == upper, "byte %d of the normalised code", i);
    }
    char again[CODE_MAX_LENGTH + 1];
    FUZZ_CHECK(code_normalise(buffer, (size_t)n, again) == n && memcmp(again, buffer, (size_t)n) == 0,
               "normalising is not idempotent");
    check_systems(buffer, (size_t)n);
}

static void check_showable(const char *text, size_t length)
{
    if (!code_is_showable(text, length))
        return;
    FUZZ_CHECK(length <= 10, "a %zu-byte value is showable", length);
    size_t run = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        FUZZ_CHECK(c >= 0x20 && c < 0x7f && c != '\'', "a showable value holds byte %u", c);
        run = c >= '0' && c <= '9' ? run + 1 : 0;
        FUZZ_CHECK(run < 4, "a showable value holds four digits in a row");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    compile_patterns();
    const char *text = (const char *)data;
    check_normalise(text, size);
    check_showable(text, size);
    /* The raw text too: validity must not depend on normalising first. */
    if (size <= CODE_MAX_LENGTH)
        check_systems(text, size);
    /* Inputs hold several codes separated by '|', as rules files do. */
    for (const char *p = text, *end = text + size; p < end;) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        size_t length = bar ? (size_t)(bar - p) : (size_t)(end - p);
        if (bar || p != text)
            check_normalise(p, length);
        p += length + 1;
    }
    return 0;
}
