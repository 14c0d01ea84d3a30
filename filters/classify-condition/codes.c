/* codes.c: normalising, validating and matching ICPC, ATC, DBC, DCSPH, DIET and ICD10 codes
 * (see codes.h). */
#include "codes.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

/* Does CODE of LENGTH have the shape SHAPE: 'd' a digit, 'L' an upper-case letter, 'x' a digit
 * or X, any other character itself? */
static bool has_shape(const char *code, size_t length, const char *shape)
{
    if (length != strlen(shape))
        return false;
    for (size_t i = 0; i < length; i++) {
        bool ok = shape[i] == 'd'   ? is_digit(code[i])
                  : shape[i] == 'L' ? is_upper(code[i])
                  : shape[i] == 'x' ? is_digit(code[i]) || code[i] == 'X'
                                    : code[i] == shape[i];
        if (!ok)
            return false;
    }
    return true;
}

static bool icpc_is_valid(const char *code, size_t length)
{
    if (length < 3 || !strchr("ABDFHKLNPRSTUWXYZ", code[0]) || code[0] == '\0' ||
        !is_digit(code[1]) || !is_digit(code[2]))
        return false;
    if (length == 3)
        return true;
    if (code[3] != '.' || length == 4)
        return false;
    for (size_t i = 4; i < length; i++)
        if (!is_digit(code[i]))
            return false;
    return true;
}

/* ATC levels end after 1, 3, 4, 5 and 7 characters. */
static const size_t atc_level_ends[] = {1, 3, 4, 5, 7};

static bool atc_is_valid(const char *code, size_t length)
{
    bool level_end = false;
    for (size_t i = 0; i < sizeof atc_level_ends / sizeof atc_level_ends[0]; i++)
        level_end |= atc_level_ends[i] == length;
    if (!level_end || !strchr("ABCDGHJLMNPRSV", code[0]) || code[0] == '\0')
        return false;
    for (size_t i = 1; i < length; i++) {
        bool digit_position = i == 1 || i == 2 || i == 5 || i == 6;
        if (digit_position ? !is_digit(code[i]) : !is_upper(code[i]))
            return false;
    }
    return true;
}

static bool dbc_is_valid(const char *code, size_t length) { return has_shape(code, length, "dddd.ddd"); }
static bool dbc_rule_is_valid(const char *code, size_t length)
{
    return has_shape(code, length, "dddd") || dbc_is_valid(code, length);
}

static bool dcsph_is_valid(const char *code, size_t length) { return has_shape(code, length, "dddd"); }
static bool dcsph_rule_is_valid(const char *code, size_t length) { return has_shape(code, length, "xxxx"); }

static bool diet_is_valid(const char *code, size_t length) { return has_shape(code, length, "dd.dd"); }
static bool diet_rule_is_valid(const char *code, size_t length)
{
    return has_shape(code, length, "dd") || diet_is_valid(code, length);
}

static bool icd10_is_valid(const char *code, size_t length)
{
    return has_shape(code, length, "Ldd") || has_shape(code, length, "Ldd.d") || has_shape(code, length, "Ldd.dd");
}

/* One code system: its name, what its input and rule codes look like, and how they are checked.
 * The prefix lengths at which a rule code matches are in code_match_prefixes. */
static const struct {
    const char *name, *article, *expected, *rule_expected;
    bool (*is_valid)(const char *code, size_t length);
    bool (*rule_is_valid)(const char *code, size_t length);
} systems[CODE_SYSTEMS] = {
    [CODE_SYSTEM_ICPC] = {"ICPC", "an",
                          "a chapter letter (A B D F H K L N P R S T U W X Y Z), two digits and an optional "
                          "dotted numeric sub-code, e.g. T90 or T90.02",
                          NULL, icpc_is_valid, icpc_is_valid},
    [CODE_SYSTEM_ATC] = {"ATC", "an",
                         "an anatomical group letter (A B C D G H J L M N P R S V) followed by the ATC levels "
                         "(two digits, a letter, a letter, two digits), e.g. A10, A10B or A10BA02",
                         NULL, atc_is_valid, atc_is_valid},
    [CODE_SYSTEM_DBC] = {"DBC", "a", "a four-digit specialism, a dot and a three-digit diagnosis, e.g. 0320.202",
                         "a four-digit specialism (0329) or a full code (0320.202)", dbc_is_valid,
                         dbc_rule_is_valid},
    [CODE_SYSTEM_DCSPH] = {"DCSPH", "a", "four digits (location, sub-location, two of pathology), e.g. 3120",
                           "four characters, each a digit or the wildcard X, e.g. 3120, 3XXX or XX80",
                           dcsph_is_valid, dcsph_rule_is_valid},
    [CODE_SYSTEM_DIET] = {"DIET", "a", "a two-digit group, a dot and a two-digit item, e.g. 04.02",
                          "a two-digit group (04) or a full code (04.02)", diet_is_valid, diet_rule_is_valid},
    [CODE_SYSTEM_ICD10] = {"ICD10", "an",
                           "a letter, two digits and an optional dot with one or two digits, e.g. I21 or I21.4",
                           NULL, icd10_is_valid, icd10_is_valid},
};

bool code_system_parse(const char *name, code_system *system)
{
    for (int i = 0; i < CODE_SYSTEMS; i++)
        if (strcasecmp(name, systems[i].name) == 0) {
            *system = (code_system)i;
            return true;
        }
    return false;
}

const char *code_system_name(code_system system) { return systems[system].name; }
const char *code_system_article(code_system system) { return systems[system].article; }
const char *code_system_names(void) { return "ICPC, ATC, DBC, DCSPH, DIET or ICD10"; }
const char *code_system_expected(code_system system) { return systems[system].expected; }

const char *code_system_rule_expected(code_system system)
{
    return systems[system].rule_expected ? systems[system].rule_expected : systems[system].expected;
}

static bool is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int code_normalise(const char *text, size_t length, char *buffer)
{
    size_t first = 0, last = length;
    while (first < last && is_ascii_space((unsigned char)text[first]))
        first++;
    while (last > first && is_ascii_space((unsigned char)text[last - 1]))
        last--;
    size_t n = last - first;
    if (n > CODE_MAX_LENGTH)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = text[first + i];
        buffer[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    buffer[n] = '\0';
    return (int)n;
}

bool code_is_valid(code_system system, const char *code, size_t length)
{
    if (system == CODE_SYSTEM_ICPC) /* every GP record: a direct call */
        return length > 0 && icpc_is_valid(code, length);
    return length > 0 && systems[system].is_valid(code, length);
}

bool code_rule_is_valid(code_system system, const char *code, size_t length)
{
    return length > 0 && systems[system].rule_is_valid(code, length);
}

size_t code_match_prefixes(code_system system, const char *code, size_t length, size_t *lengths)
{
    (void)code;
    size_t n = 0;
    lengths[n++] = length;
    if (system == CODE_SYSTEM_ICPC || system == CODE_SYSTEM_ICD10) { /* T90.02, T90; I21.45, I21.4, I21 */
        if (system == CODE_SYSTEM_ICD10 && length == 6)
            lengths[n++] = 5;
        if (length > 3)
            lengths[n++] = 3;
    } else if (system == CODE_SYSTEM_ATC) {
        for (size_t i = sizeof atc_level_ends / sizeof atc_level_ends[0]; i-- > 0;)
            if (atc_level_ends[i] < length)
                lengths[n++] = atc_level_ends[i];
    } else if (system == CODE_SYSTEM_DBC) { /* 0320.202, 0320 */
        lengths[n++] = 4;
    } else if (system == CODE_SYSTEM_DIET) { /* 04.02, 04 */
        lengths[n++] = 2;
    }
    return n; /* DCSPH: the code itself; its wildcard patterns are looked up apart */
}

unsigned code_wildcard_mask(const char *rule_code)
{
    unsigned mask = 0;
    for (unsigned i = 0; i < 4; i++)
        if (rule_code[i] == 'X')
            mask |= 1u << i;
    return mask;
}

void code_wildcard_pattern(const char *code, unsigned mask, char *pattern)
{
    for (unsigned i = 0; i < 4; i++)
        pattern[i] = mask & (1u << i) ? 'X' : code[i];
    pattern[4] = '\0';
}
