/* codes.c: normalising, validating and matching ICPC and ATC codes (see codes.h). */
#include "codes.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

bool code_system_parse(const char *name, code_system *system)
{
    if (strcasecmp(name, "ICPC") == 0)
        *system = CODE_SYSTEM_ICPC;
    else if (strcasecmp(name, "ATC") == 0)
        *system = CODE_SYSTEM_ATC;
    else
        return false;
    return true;
}

const char *code_system_name(code_system system)
{
    return system == CODE_SYSTEM_ICPC ? "ICPC" : "ATC";
}

const char *code_system_expected(code_system system)
{
    if (system == CODE_SYSTEM_ICPC)
        return "a chapter letter (A B D F H K L N P R S T U W X Y Z), two digits and an optional "
               "dotted numeric sub-code, e.g. T90 or T90.02";
    return "an anatomical group letter (A B C D G H J L M N P R S V) followed by the ATC levels "
           "(two digits, a letter, a letter, two digits), e.g. A10, A10B or A10BA02";
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

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

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

bool code_is_valid(code_system system, const char *code, size_t length)
{
    if (length == 0)
        return false;
    return system == CODE_SYSTEM_ICPC ? icpc_is_valid(code, length) : atc_is_valid(code, length);
}

size_t code_match_prefixes(code_system system, const char *code, size_t length, size_t *lengths)
{
    (void)code;
    size_t n = 0;
    if (system == CODE_SYSTEM_ICPC) {
        lengths[n++] = length;
        if (length > 3)
            lengths[n++] = 3;
        return n;
    }
    for (size_t i = sizeof atc_level_ends / sizeof atc_level_ends[0]; i-- > 0;)
        if (atc_level_ends[i] <= length)
            lengths[n++] = atc_level_ends[i];
    return n;
}
