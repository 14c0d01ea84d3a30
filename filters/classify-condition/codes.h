/* codes.h: classification codes (ICPC, ATC, and the claims systems DBC, DCSPH, DIET, ICD10):
 * normalisation (case, surrounding white space), validation of input and rule codes, and the
 * keys (prefixes or wildcard patterns) at which a rule code may match a code. */
#ifndef KOPPEL_CODES_H
#define KOPPEL_CODES_H

#include <stdbool.h>
#include <stddef.h>

#include "showable.h"

typedef enum code_system {
    CODE_SYSTEM_ICPC, CODE_SYSTEM_ATC, CODE_SYSTEM_DBC, CODE_SYSTEM_DCSPH, CODE_SYSTEM_DIET,
    CODE_SYSTEM_ICD10, CODE_SYSTEMS
} code_system;

/* The longest normalised code any system accepts (ICPC "T90.02" is 6, ATC "A10BA02" 7). */
#define CODE_MAX_LENGTH 15
/* The most prefixes code_match_prefixes returns (ATC: 7, 5, 4, 3, 1). */
#define CODE_MAX_PREFIXES 5
/* The most rule codes one code can match: a DCSPH code has 16 wildcard patterns. */
#define CODE_MAX_MATCHES 16

/* "ICPC", "ATC", "DBC", "DCSPH", "DIET" or "ICD10" (any case); false for anything else. */
bool code_system_parse(const char *name, code_system *system);
const char *code_system_name(code_system system);
/* "a" or "an", for "an ICPC code", "a DBC code". */
const char *code_system_article(code_system system);
/* The names of all systems, for a message: "ICPC, ATC, DBC, DCSPH, DIET or ICD10". */
const char *code_system_names(void);

/* What a valid code of SYSTEM looks like, for messages: as input, and as a rule code. */
const char *code_system_expected(code_system system);
const char *code_system_rule_expected(code_system system);

/* Copy TEXT without surrounding ASCII white space and in upper case into BUFFER (at least
 * CODE_MAX_LENGTH + 1 bytes, NUL-terminated). Returns the length (0 for an empty or blank
 * field), or -1 when the code is longer than CODE_MAX_LENGTH. */
int code_normalise(const char *text, size_t length, char *buffer);

/* Is the normalised CODE of LENGTH a valid input code of SYSTEM?
 * ICPC: a chapter letter (A B D F H K L N P R S T U W X Y Z), two digits, and optionally a dot
 * with one or more digits (T90, T90.02). ATC: an anatomical main group letter (A B C D G H J L
 * M N P R S V), then optionally two digits, a letter, a letter, two digits (A, A10, A10B,
 * A10BA, A10BA02). DBC: a four-digit specialism, a dot, a three-digit diagnosis (0320.202).
 * DCSPH: four digits, LSPP (3120). DIET: a two-digit group, a dot, a two-digit item (04.02).
 * ICD10: a letter, two digits, and optionally a dot with one or two digits (I21, I21.4). */
bool code_is_valid(code_system system, const char *code, size_t length);

/* Is the normalised CODE a valid rule code of SYSTEM? As code_is_valid, and also: DBC a
 * specialism alone (0329), DIET a group alone (04), DCSPH four characters each a digit or the
 * wildcard X (3XXX, XX80). */
bool code_rule_is_valid(code_system system, const char *code, size_t length);

/* The lengths of the prefixes of the valid normalised CODE at which a rule code matches it,
 * longest (the code itself) first: a rule code matches the code and its sub-codes, never a
 * longer code that merely starts with the same characters (ICPC T90 matches T90.02, not T901).
 * ICPC T90.02 -> 6, 3. ATC A10BA02 -> 7, 5, 4, 3, 1. DBC 0320.202 -> 8, 4. DIET 04.02 -> 5, 2.
 * ICD10 I21.45 -> 6, 5, 3. Returns how many (<= CODE_MAX_PREFIXES). DCSPH matches by wildcard
 * patterns instead (code_wildcard_mask, code_wildcard_pattern). */
size_t code_match_prefixes(code_system system, const char *code, size_t length, size_t *lengths);

/* The wildcard positions of a DCSPH rule code as a mask: bit i set when character i is X
 * (XX80 -> 0x3, 3XXX -> 0xE). */
unsigned code_wildcard_mask(const char *rule_code);

/* The DCSPH CODE (four digits) with the positions of MASK replaced by X, into PATTERN (at least
 * 5 bytes): the rule code of that mask that would match CODE. */
void code_wildcard_pattern(const char *code, unsigned mask, char *pattern);

#endif
