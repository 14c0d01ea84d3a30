/* bsn.h: the citizen service number (BSN) as the Dutch register defines it:
 * normalisation (spaces, dots and hyphens removed, 8 digits get a leading 0) and the elfproef. */
#ifndef KOPPEL_BSN_H
#define KOPPEL_BSN_H

#include <stdbool.h>
#include <stddef.h>

/* The elfproef on exactly nine ASCII digits:
 * 9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - 1*d9 divisible by 11.
 * False for anything that is not nine digits. (000000000 passes: bsn_normalise rejects it.) */
bool bsn_elfproef(const char digits[9]);

/* The check digit d9 that makes the eight digits D1..D8 pass the elfproef, or -1 when there is
 * none (the weighted sum leaves remainder 10 modulo 11): one in eleven 8-digit prefixes. */
int bsn_check_digit(const char digits[8]);

/* Normalise TEXT of LENGTH bytes: remove spaces, dots and hyphens; what remains must be 8 or 9
 * ASCII digits (8 get a leading '0'), pass the elfproef and not be 000000000. On success OUT
 * holds the 9 digits and a NUL and the function returns true. On failure it returns false and
 * *REASON (if REASON is not NULL) is a static text that never contains the value:
 *   "BSN is empty" (also when nothing but spaces, dots and hyphens is left),
 *   "BSN has characters other than digits, spaces, dots and hyphens",
 *   "BSN has the wrong number of digits", "BSN is 000000000", "BSN fails the elfproef". */
bool bsn_normalise(const char *text, size_t length, char out[10], const char **reason);

#endif
