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

/* Strict YYYY-MM-DD (exactly 10 characters, a real calendar day). Inline, as filters read
 * dates on every record: ten byte checks, and the calendar only for days after the 28th. */
static inline bool date_parse_iso(const char *text, size_t length, date_ymd *date)
{
    if (length != 10 || text[4] != '-' || text[7] != '-')
        return false;
    const unsigned char *t = (const unsigned char *)text;
    unsigned d[8] = {t[0] - 48u, t[1] - 48u, t[2] - 48u, t[3] - 48u, t[5] - 48u, t[6] - 48u, t[8] - 48u, t[9] - 48u};
    if ((d[0] > 9) | (d[1] > 9) | (d[2] > 9) | (d[3] > 9) | (d[4] > 9) | (d[5] > 9) | (d[6] > 9) | (d[7] > 9))
        return false;
    int year = (int)(d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]);
    int month = (int)(d[4] * 10 + d[5]), day = (int)(d[6] * 10 + d[7]);
    if (year < 1 || month < 1 || month > 12 || day < 1 || (day > 28 && day > date_days_in_month(year, month)))
        return false;
    *date = (date_ymd){year, month, day};
    return true;
}

/* A number that orders dates as the calendar does (not a count of days): for comparisons. */
static inline int64_t date_order(date_ymd date)
{
    return (int64_t)date.year * 512 + date.month * 32 + date.day;
}

/* Strict DD-MM-YYYY (also DD/MM/YYYY and DD.MM.YYYY). */
bool date_parse_dmy(const char *text, size_t length, date_ymd *date);
/* The ways Dutch registers write a date (koppel derive --iso-date --date-format): the BRP's own
 * YYYYMMDD, D-M-YYYY (one or two digits for day and month), DD-MM-YYYY and YYYY-MM-DD. D-M-YYYY
 * and DD-MM-YYYY take '-', '/' or '.' (the same one twice). Any of them may be followed by a
 * time, " HH:MM" or " HH:MM:SS", which is dropped. */
typedef enum { DATE_FORMAT_YYYYMMDD, DATE_FORMAT_D_M_YYYY, DATE_FORMAT_DD_MM_YYYY, DATE_FORMAT_YYYY_MM_DD,
               DATE_FORMAT_COUNT } date_format;
/* The spelling of FORMAT ("yyyymmdd", "d-m-yyyy", "dd-mm-yyyy", "yyyy-mm-dd"), and back
 * (false for an unknown NAME). */
const char *date_format_name(date_format format);
bool date_format_from_name(const char *name, date_format *format);

/* What a partial date becomes: the BRP writes an unknown day or month as 00. REJECT leaves it a
 * partial date; FIRST takes the 1st of the month (1 January when the month is 00 too); MIDDLE
 * the 15th (1 July when the month is 00 too). */
typedef enum { DATE_PARTIAL_REJECT, DATE_PARTIAL_FIRST, DATE_PARTIAL_MIDDLE } date_partial_rule;
bool date_partial_rule_from_name(const char *name, date_partial_rule *rule);

typedef enum {
    DATE_READ_EXACT,    /* a day that exists, in the format */
    DATE_READ_IMPUTED,  /* a partial date, completed by the rule */
    DATE_READ_PARTIAL,  /* day or month 00, and the rule is REJECT */
    DATE_READ_UNKNOWN,  /* year 0000 (or month 00 with a day): nothing to impute from */
    DATE_READ_INVALID,  /* not written in the format (nor as YYYY-MM-DD), or a day that does not exist */
} date_read_status;

/* Read TEXT of LENGTH bytes written in FORMAT, or as YYYY-MM-DD (a value already converted),
 * either with an optional time part; *DATE is set for EXACT and IMPUTED. */
date_read_status date_read(const char *text, size_t length, date_format format, date_partial_rule rule,
                           date_ymd *date);

/* The format TEXT is written in, for a hint to a value that is not an ISO date: the first of
 * YYYYMMDD, DD-MM-YYYY, D-M-YYYY, YYYY-MM-DD (the last: with a time or a 00) in which it reads as a
 * date, possibly partial; false when none. */
bool date_format_guess(const char *text, size_t length, date_format *format);

/* The reason for a value TEXT of COLUMN that is not WHAT (e.g. "an ISO date (YYYY-MM-DD)"): where
 * TEXT reads as a date in another format, how to convert it first: CONVERTER (e.g. "koppel
 * derive --iso-date", or derive's own "--iso-date") with the column and --date-format (and
 * --partial-dates for a partial date). Names the column and the format, never the value. */
void date_not_iso_reason(char *reason, size_t size, const char *column, const char *what, const char *text,
                         size_t length, const char *converter);
#define DATE_ISO_WHAT "an ISO date (YYYY-MM-DD)"
#define DATE_CONVERTER "koppel derive --iso-date"

/* Writes YYYY-MM-DD and a NUL into BUFFER (at least 11 bytes). */
void date_format_iso(date_ymd date, char *buffer);

/* Whole years completed on REFERENCE by someone born on BIRTH. A person born on 29 February
 * completes a year on 1 March in a common year. Negative when born after REFERENCE. */
int date_age_years(date_ymd birth, date_ymd reference);

/* -1, 0 or 1 as A is before, equal to or after B. */
int date_compare(date_ymd a, date_ymd b);

/* Calendar units a period is cut into (koppel periods): a month, a year, or a care period: the
 * thirteen periods of four weeks from 1 January by which Dutch Wmo care is billed, the 13th
 * running to 31 December (29 or 30 days). */
typedef enum { DATE_UNIT_MONTH, DATE_UNIT_YEAR, DATE_UNIT_CARE_PERIOD } date_unit;
#define DATE_CARE_PERIOD_DAYS 28
#define DATE_CARE_PERIODS 13

/* Care periods: the first day of the one holding DATE, the first day of the next, its length,
 * its number 1..13 (date.c). */
date_ymd date_care_period_first(date_ymd date);
date_ymd date_care_period_next(date_ymd first);
int date_care_period_length(date_ymd first);
int date_care_period_number(date_ymd first);

/* The first day of the unit that holds DATE (the 1st of its month, or 1 January). Inline, as
 * these run once per output record of koppel periods. */
static inline date_ymd date_unit_first(date_unit unit, date_ymd date)
{
    if (unit == DATE_UNIT_CARE_PERIOD)
        return date_care_period_first(date);
    return (date_ymd){date.year, unit == DATE_UNIT_YEAR ? 1 : date.month, 1};
}
/* The first day of the unit after the one that starts on FIRST (a unit's first day). */
static inline date_ymd date_unit_next(date_unit unit, date_ymd first)
{
    if (unit == DATE_UNIT_CARE_PERIOD)
        return date_care_period_next(first);
    if (unit == DATE_UNIT_YEAR || first.month == 12)
        return (date_ymd){first.year + 1, 1, 1};
    return (date_ymd){first.year, first.month + 1, 1};
}
/* The number of days of the unit that starts on FIRST. */
static inline int date_unit_length(date_unit unit, date_ymd first)
{
    if (unit == DATE_UNIT_CARE_PERIOD)
        return date_care_period_length(first);
    if (unit == DATE_UNIT_YEAR)
        return date_is_leap_year(first.year) ? 366 : 365;
    return date_days_in_month(first.year, first.month);
}
/* The unit that starts on FIRST as text, NUL-terminated: YYYY-MM, YYYY, or YYYY-PP for a care
 * period (2015-01 .. 2015-13) (at least 8 bytes). */
size_t date_unit_format(date_unit unit, date_ymd first, char *buffer);

#endif
