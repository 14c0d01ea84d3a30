/* number.h: strict parsing of numbers in fields and printing that reads back exactly. */
#ifndef KOPPEL_NUMBER_H
#define KOPPEL_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole number, optional sign, digits only, no spaces; false on overflow or other text. */
bool number_parse_int64(const char *text, size_t length, int64_t *value);
/* Decimal number as strtod reads it (no spaces, no hex, no inf/nan); false otherwise. */
bool number_parse_double(const char *text, size_t length, double *value);

/* Shortest %g representation that reads back to the same double (at most 17 digits).
 * BUFFER needs 32 bytes. Returns the length. */
size_t number_format_double(double value, char *buffer);
/* With exactly SIGNIFICANT significant digits (%.*g). */
size_t number_format_double_digits(double value, int significant, char *buffer);
size_t number_format_int64(int64_t value, char *buffer);

#endif
