/* date.h: calendar dates as day numbers, strict ISO and Dutch (DD-MM-YYYY) parsing, and
 * age in whole years. */
#ifndef KOPPEL_DATE_H
#define KOPPEL_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct date_ymd {
    int year, month, day;
} date_ymd;

bool date_is_leap_year(int year);
int date_days_in_month(int year, int month);
bool date_is_valid(date_ymd date);

/* Days since 1970-01-01 (negative before), proleptic Gregorian. */
int64_t date_to_days(date_ymd date);
date_ymd date_from_days(int64_t days);

/* Strict YYYY-MM-DD (exactly 10 characters, a real calendar day). */
bool date_parse_iso(const char *text, size_t length, date_ymd *date);
/* Strict DD-MM-YYYY (also DD/MM/YYYY and DD.MM.YYYY). */
bool date_parse_dmy(const char *text, size_t length, date_ymd *date);
/* Writes YYYY-MM-DD and a NUL into BUFFER (at least 11 bytes). */
void date_format_iso(date_ymd date, char *buffer);

/* Whole years completed on REFERENCE by someone born on BIRTH. A person born on 29 February
 * completes a year on 1 March in a common year. Negative when born after REFERENCE. */
int date_age_years(date_ymd birth, date_ymd reference);

/* -1, 0 or 1 as A is before, equal to or after B. */
int date_compare(date_ymd a, date_ymd b);

#endif
