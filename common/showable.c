/* showable.c: the rules of showable.h. */
#include "showable.h"

#include <stdint.h>
#include <stdio.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* The rules of code_is_showable and label_is_showable, for values of up to MAX_LENGTH bytes. */
static bool value_is_showable(const char *value, size_t length, size_t max_length)
{
    if (length > max_length)
        return false;
    size_t digit_run = 0, digits = 0, hex_run = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c >= 0x7F || c == '\'')
            return false;
        digit_run = is_digit((char)c) ? digit_run + 1 : 0;
        digits += is_digit((char)c);
        hex_run = is_hex_digit((char)c) ? hex_run + 1 : 0;
        /* Six digits in all: a BSN or a date written with separators (12.345.678, 3-11-1948).
         * Sixteen hexadecimal characters: (part of) a pseudonym. */
        if (digit_run >= 4 || digits >= 6 || hex_run >= 16)
            return false;
    }
    return true;
}

bool code_is_showable(const char *value, size_t length)
{
    return value_is_showable(value, length, 10);
}

bool label_is_showable(const char *value, size_t length)
{
    return value_is_showable(value, length, SIZE_MAX);
}

const char *showable_shape(const char *value, size_t length, char *buffer, size_t size)
{
    size_t digits = 0, letters = 0;
    for (size_t i = 0; i < length; i++) {
        char c = value[i];
        digits += is_digit(c);
        letters += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    const char *kind = length && digits == length ? "digit" : length && letters == length ? "letter" : "character";
    snprintf(buffer, size, "%zu %s%s", length, kind, length == 1 ? "" : "s");
    return buffer;
}

const char *showable_quoted(const char *value, size_t length, char *buffer, size_t size)
{
    if (label_is_showable(value, length) && length + 3 <= size) {
        snprintf(buffer, size, "'%.*s'", (int)length, value);
        return buffer;
    }
    char shape[48];
    snprintf(buffer, size, "a value of %s (not shown)", showable_shape(value, length, shape, sizeof shape));
    return buffer;
}
