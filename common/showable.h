/* showable.h: which values a message may show. Codes and category labels may be shown,
 * identifiers never: the rules below keep out anything that could be one. */
#ifndef KOPPEL_SHOWABLE_H
#define KOPPEL_SHOWABLE_H

#include <stdbool.h>
#include <stddef.h>

/* May VALUE be shown in a message? Codes may, identifiers never: a value that landed in the
 * code column by mistake could be one, so only short printable values without a run of four
 * or more digits (a BSN, a date, a postcode) and with fewer than six digits in all (a BSN or a
 * date with dots or dashes) are shown. */
bool code_is_showable(const char *value, size_t length);

/* The same for a category label such as a stratum value (couple_children, other_non_western)
 * or a column name: of any length (a header read with the wrong delimiter is one long name),
 * never sixteen or more hexadecimal characters in a row (a pseudonym). */
bool label_is_showable(const char *value, size_t length);

/* VALUE described by its shape, for a message that must not show it: "3 digits", "6 letters",
 * "10 characters". Written to BUFFER (SIZE bytes, 32 will do), which is returned. */
const char *showable_shape(const char *value, size_t length, char *buffer, size_t size);

/* VALUE as a message may give it: 'VALUE' when label_is_showable, else "a value of SHAPE (not
 * shown)". For command-line values that could be data (--lt bsn=123456782). */
const char *showable_quoted(const char *value, size_t length, char *buffer, size_t size);

#endif
