/* date.c: civil-date arithmetic (days from 1970-01-01 after H. Hinnant's algorithms), strict
 * parsing of ISO and Dutch day-month-year dates, and age in whole years. */
#include "date.h"

#include <stdio.h>
#include <string.h>

bool date_is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int date_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && date_is_leap_year(year) ? 29 : days[month - 1];
}

bool date_is_valid(date_ymd date)
{
    return date.year >= 1 && date.year <= 9999 && date.month >= 1 && date.month <= 12 &&
           date.day >= 1 && date.day <= date_days_in_month(date.year, date.month);
}

int64_t date_to_days(date_ymd date)
{
    int64_t y = date.year - (date.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t month_index = date.month > 2 ? date.month - 3 : date.month + 9;
    int64_t day_of_year = (153 * month_index + 2) / 5 + date.day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

date_ymd date_from_days(int64_t days)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_index = (5 * day_of_year + 2) / 153;
    date_ymd date;
    date.day = (int)(day_of_year - (153 * month_index + 2) / 5 + 1);
    date.month = (int)(month_index < 10 ? month_index + 3 : month_index - 9);
    date.year = (int)(year_of_era + era * 400 + (date.month <= 2));
    return date;
}

static bool digits(const char *text, int count, int *value)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        v = v * 10 + (text[i] - '0');
    }
    *value = v;
    return true;
}

bool date_parse_dmy(const char *text, size_t length, date_ymd *date)
{
    if (length != 10)
        return false;
    char separator = text[2];
    if ((separator != '-' && separator != '/' && separator != '.') || text[5] != separator)
        return false;
    date_ymd d;
    if (!digits(text, 2, &d.day) || !digits(text + 3, 2, &d.month) || !digits(text + 6, 4, &d.year))
        return false;
    if (!date_is_valid(d))
        return false;
    *date = d;
    return true;
}

static const char *const format_names[DATE_FORMAT_COUNT] = {"yyyymmdd", "d-m-yyyy", "dd-mm-yyyy", "yyyy-mm-dd"};

const char *date_format_name(date_format format) { return format_names[format]; }

bool date_format_from_name(const char *name, date_format *format)
{
    for (int i = 0; i < DATE_FORMAT_COUNT; i++)
        if (strcmp(name, format_names[i]) == 0) {
            *format = (date_format)i;
            return true;
        }
    return false;
}

bool date_partial_rule_from_name(const char *name, date_partial_rule *rule)
{
    static const char *const names[] = {"reject", "first", "middle"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *rule = (date_partial_rule)i;
            return true;
        }
    return false;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* One or two digits at TEXT (of LENGTH): their value, and how many were read (0: none). */
static size_t short_number(const char *text, size_t length, int *value)
{
    size_t n = 0;
    *value = 0;
    while (n < 2 && n < length && is_digit(text[n]))
        *value = *value * 10 + (text[n++] - '0');
    return n;
}

/* A time part " HH:MM" or " HH:MM:SS" (a clock time: hours 00-23, minutes and seconds 00-59), or
 * nothing. */
static bool time_part(const char *text, size_t length)
{
    int hours, minutes, seconds;
    if (length == 0)
        return true;
    if ((length != 6 && length != 9) || text[0] != ' ' || text[3] != ':' || !digits(text + 1, 2, &hours) ||
        !digits(text + 4, 2, &minutes) || hours > 23 || minutes > 59)
        return false;
    return length == 6 || (text[6] == ':' && digits(text + 7, 2, &seconds) && seconds <= 59);
}

static bool is_separator(char c) { return c == '-' || c == '/' || c == '.'; }

/* Year, month and day as written in FORMAT (00 allowed; the calendar is checked later). */
static bool read_parts(const char *text, size_t length, date_format format, date_ymd *parts)
{
    size_t at;
    switch (format) {
    case DATE_FORMAT_YYYYMMDD:
        if (length < 8 || !digits(text, 4, &parts->year) || !digits(text + 4, 2, &parts->month) ||
            !digits(text + 6, 2, &parts->day))
            return false;
        at = 8;
        break;
    case DATE_FORMAT_YYYY_MM_DD:
        if (length < 10 || text[4] != '-' || text[7] != '-' || !digits(text, 4, &parts->year) ||
            !digits(text + 5, 2, &parts->month) || !digits(text + 8, 2, &parts->day))
            return false;
        at = 10;
        break;
    default: { /* D-M-YYYY, DD-MM-YYYY */
        size_t day_digits = short_number(text, length, &parts->day);
        if (day_digits == 0 || day_digits >= length || !is_separator(text[day_digits]))
            return false;
        char separator = text[day_digits];
        at = day_digits + 1;
        size_t month_digits = short_number(text + at, length - at, &parts->month);
        if (month_digits == 0 || at + month_digits >= length || text[at + month_digits] != separator)
            return false;
        if (format == DATE_FORMAT_DD_MM_YYYY && (day_digits != 2 || month_digits != 2))
            return false;
        at += month_digits + 1;
        if (length < at + 4 || !digits(text + at, 4, &parts->year))
            return false;
        at += 4;
    }
    }
    return time_part(text + at, length - at);
}

/* The calendar and the partial-date rule applied to PARTS. */
static date_read_status complete(date_ymd parts, date_partial_rule rule, date_ymd *date)
{
    if (parts.year == 0 || (parts.month == 0 && parts.day != 0))
        return parts.year == 0 && parts.month <= 12 && parts.day <= 31 ? DATE_READ_UNKNOWN : DATE_READ_INVALID;
    if (parts.month == 0 || parts.day == 0) {
        if (parts.month > 12)
            return DATE_READ_INVALID;
        if (rule == DATE_PARTIAL_REJECT)
            return DATE_READ_PARTIAL;
        if (parts.month == 0)
            parts.month = rule == DATE_PARTIAL_FIRST ? 1 : 7;
        else
            parts.day = rule == DATE_PARTIAL_FIRST ? 1 : 15;
        if (parts.day == 0)
            parts.day = 1;
        *date = parts;
        return DATE_READ_IMPUTED;
    }
    if (!date_is_valid(parts))
        return DATE_READ_INVALID;
    *date = parts;
    return DATE_READ_EXACT;
}

date_read_status date_read(const char *text, size_t length, date_format format, date_partial_rule rule,
                           date_ymd *date)
{
    date_ymd parts;
    if (!read_parts(text, length, format, &parts) && !read_parts(text, length, DATE_FORMAT_YYYY_MM_DD, &parts))
        return DATE_READ_INVALID;
    return complete(parts, rule, date);
}

bool date_format_guess(const char *text, size_t length, date_format *format)
{
    static const date_format order[] = {DATE_FORMAT_YYYYMMDD, DATE_FORMAT_DD_MM_YYYY, DATE_FORMAT_D_M_YYYY,
                                        DATE_FORMAT_YYYY_MM_DD};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        date_ymd parts, date;
        if (!read_parts(text, length, order[i], &parts))
            continue;
        date_read_status status = complete(parts, DATE_PARTIAL_FIRST, &date);
        if (status == DATE_READ_EXACT || status == DATE_READ_IMPUTED) {
            *format = order[i];
            return true;
        }
    }
    return false;
}

void date_not_iso_reason(char *reason, size_t size, const char *column, const char *what, const char *text,
                         size_t length, const char *converter)
{
    date_format guess;
    date_ymd date;
    if (!date_format_guess(text, length, &guess)) {
        snprintf(reason, size, "column '%s': not %s", column, what);
        return;
    }
    bool partial = date_read(text, length, guess, DATE_PARTIAL_REJECT, &date) == DATE_READ_PARTIAL;
    snprintf(reason, size, "column '%s': not %s; it looks like %s%s: convert it first with %s %s --date-format %s%s",
             column, what, partial ? "a partial date written " : "", date_format_name(guess), converter, column,
             date_format_name(guess), partial ? " --partial-dates first|middle" : "");
}

void date_format_iso(date_ymd date, char *buffer)
{
    snprintf(buffer, 11, "%04d-%02d-%02d", (date.year % 10000 + 10000) % 10000,
             (date.month % 100 + 100) % 100, (date.day % 100 + 100) % 100);
}

int date_compare(date_ymd a, date_ymd b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

int date_age_years(date_ymd birth, date_ymd reference)
{
    int age = reference.year - birth.year;
    /* Comparing (month, day) pairs gives the 1 March rule for 29 February birthdays. */
    if (reference.month < birth.month || (reference.month == birth.month && reference.day < birth.day))
        age--;
    return age;
}

/* Care periods: day D (0-based) of the year lies in period min(D / 28, 12) + 1. */
static int day_of_year(date_ymd date)
{
    return (int)(date_to_days(date) - date_to_days((date_ymd){date.year, 1, 1}));
}

int date_care_period_number(date_ymd first)
{
    int period = day_of_year(first) / DATE_CARE_PERIOD_DAYS;
    return (period < DATE_CARE_PERIODS - 1 ? period : DATE_CARE_PERIODS - 1) + 1;
}

date_ymd date_care_period_first(date_ymd date)
{
    int64_t january = date_to_days((date_ymd){date.year, 1, 1});
    return date_from_days(january + (int64_t)(date_care_period_number(date) - 1) * DATE_CARE_PERIOD_DAYS);
}

date_ymd date_care_period_next(date_ymd first)
{
    if (date_care_period_number(first) == DATE_CARE_PERIODS)
        return (date_ymd){first.year + 1, 1, 1};
    return date_from_days(date_to_days(first) + DATE_CARE_PERIOD_DAYS);
}

int date_care_period_length(date_ymd first)
{
    if (date_care_period_number(first) < DATE_CARE_PERIODS)
        return DATE_CARE_PERIOD_DAYS;
    return (date_is_leap_year(first.year) ? 366 : 365) - (DATE_CARE_PERIODS - 1) * DATE_CARE_PERIOD_DAYS;
}

size_t date_unit_format(date_unit unit, date_ymd first, char *buffer)
{
    /* Written digit by digit: this runs once per output record of koppel periods. */
    unsigned year = (unsigned)(first.year % 10000 + 10000) % 10000, month = (unsigned)first.month % 100;
    if (unit == DATE_UNIT_CARE_PERIOD)
        month = (unsigned)date_care_period_number(first);
    buffer[0] = (char)('0' + year / 1000);
    buffer[1] = (char)('0' + year / 100 % 10);
    buffer[2] = (char)('0' + year / 10 % 10);
    buffer[3] = (char)('0' + year % 10);
    if (unit == DATE_UNIT_YEAR) {
        buffer[4] = '\0';
        return 4;
    }
    buffer[4] = '-';
    buffer[5] = (char)('0' + month / 10);
    buffer[6] = (char)('0' + month % 10);
    buffer[7] = '\0';
    return 7;
}
