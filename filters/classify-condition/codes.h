/* codes.h: classification codes (ICPC, ATC): normalisation (case, surrounding white space),
 * validation, and the prefixes of a code at which a rule code may match it. */
#ifndef KOPPEL_CODES_H
#define KOPPEL_CODES_H

#include <stdbool.h>
#include <stddef.h>

#include "showable.h"

typedef enum code_system { CODE_SYSTEM_ICPC, CODE_SYSTEM_ATC } code_system;

/* The longest normalised code any system accepts (ICPC "T90.02" is 6, ATC "A10BA02" 7). */
#define CODE_MAX_LENGTH 15
/* The most prefixes code_match_prefixes returns (ATC: 7, 5, 4, 3, 1). */
#define CODE_MAX_PREFIXES 5

/* "ICPC" or "ATC" (any case); false for anything else. */
bool code_system_parse(const char *name, code_system *system);
const char *code_system_name(code_system system);

/* What a valid code of SYSTEM looks like, for messages. */
const char *code_system_expected(code_system system);

/* Copy TEXT without surrounding ASCII white space and in upper case into BUFFER (at least
 * CODE_MAX_LENGTH + 1 bytes, NUL-terminated). Returns the length (0 for an empty or blank
 * field), or -1 when the code is longer than CODE_MAX_LENGTH. */
int code_normalise(const char *text, size_t length, char *buffer);

/* Is the normalised CODE of LENGTH a valid code of SYSTEM?
 * ICPC: a chapter letter (A B D F H K L N P R S T U W X Y Z), two digits, and optionally a dot
 * with one or more digits (T90, T90.02). ATC: an anatomical main group letter (A B C D G H J L
 * M N P R S V), then optionally two digits, a letter, a letter, two digits (A, A10, A10B,
 * A10BA, A10BA02). */
bool code_is_valid(code_system system, const char *code, size_t length);

/* The lengths of the prefixes of the valid normalised CODE at which a rule code matches it,
 * longest (the code itself) first: a rule code matches the code and its sub-codes, never a
 * longer code that merely starts with the same characters (ICPC T90 matches T90.02, not T901).
 * ICPC T90.02 -> 6, 3. ATC A10BA02 -> 7, 5, 4, 3, 1. Returns how many (<= CODE_MAX_PREFIXES). */
size_t code_match_prefixes(code_system system, const char *code, size_t length, size_t *lengths);

#endif
