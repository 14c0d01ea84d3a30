/* dates.c (fuzz harness): date_parse_iso and date_parse_dmy against an independent reading of
 * the same text; formatting back to the same text; day numbers that round-trip and count
 * consecutive days; and ages in whole years by the 1 March rule (born on 29 February: a year
 * older on 1 March in common years), computed here independently. */
#include <stdint.h>
#include <string.h>

#include "date.h"
#include "fuzz_support.h"

static bool independent_leap(int year) { return year % 400 == 0 || (year % 4 == 0 && year % 100 != 0); }

static int independent_days_in_month(int year, int month)
{
    static const int days[] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && independent_leap(year) ? 29 : days[month];
}

static bool independent_valid(int year, int month, int day)
{
    return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
           day <= independent_days_in_month(year, month);
}

/* COUNT digits at TEXT as a number, or -1. */
static int number_at(const char *text, int count)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

static void check_iso(const char *text, size_t length)
{
    date_ymd date = {0, 0, 0};
    bool parsed = date_parse_iso(text, length, &date);
    bool expected = false;
    if (length == 10 && text[4] == '-' && text[7] == '-') {
        int year = number_at(text, 4), month = number_at(text + 5, 2), day = number_at(text + 8, 2);
        expected = year >= 0 && month >= 0 && day >= 0 && independent_valid(year, month, day);
        if (expected)
            FUZZ_CHECK(!parsed || (date.year == year && date.month == month && date.day == day),
                       "ISO %.10s parsed as %d-%d-%d", text, date.year, date.month, date.day);
    }
    FUZZ_CHECK(parsed == expected, "ISO date_parse_iso says %d for '%.*s'", parsed, (int)length, text);
    if (!parsed)
        return;
    char formatted[11];
    date_format_iso(date, formatted);
    FUZZ_CHECK(memcmp(formatted, text, 10) == 0, "'%.10s' formats back as '%s'", text, formatted);
    date_ymd again = date_from_days(date_to_days(date));
    FUZZ_CHECK(date_compare(again, date) == 0, "'%.10s' does not survive day numbers", text);
}

static void check_dmy(const char *text, size_t length)
{
    date_ymd date = {0, 0, 0};
    bool parsed = date_parse_dmy(text, length, &date);
    bool expected = false;
    if (length == 10 && (text[2] == '-' || text[2] == '/' || text[2] == '.') && text[5] == text[2]) {
        int day = number_at(text, 2), month = number_at(text + 3, 2), year = number_at(text + 6, 4);
        expected = year >= 0 && month >= 0 && day >= 0 && independent_valid(year, month, day);
        if (expected)
            FUZZ_CHECK(!parsed || (date.year == year && date.month == month && date.day == day),
                       "DMY %.10s parsed as %d-%d-%d", text, date.year, date.month, date.day);
    }
    FUZZ_CHECK(parsed == expected, "date_parse_dmy says %d for '%.*s'", parsed, (int)length, text);
    if (!parsed)
        return;
    /* DD-MM-YYYY and YYYY-MM-DD name the same day. */
    char formatted[11];
    date_format_iso(date, formatted);
    FUZZ_CHECK(memcmp(formatted, text + 6, 4) == 0 && memcmp(formatted + 5, text + 3, 2) == 0 &&
                   memcmp(formatted + 8, text, 2) == 0,
               "'%.10s' formats as '%s'", text, formatted);
    date_ymd iso;
    FUZZ_CHECK(date_parse_iso(formatted, 10, &iso) && date_compare(iso, date) == 0,
               "'%s' does not parse back", formatted);
}

/* Day numbers: a bijection with consecutive calendar days. */
static void check_days(int64_t days)
{
    date_ymd date = date_from_days(days);
    FUZZ_CHECK(date.month >= 1 && date.month <= 12 && date.day >= 1 &&
                   date.day <= independent_days_in_month(date.year, date.month),
               "day %lld is %d-%d-%d", (long long)days, date.year, date.month, date.day);
    FUZZ_CHECK(date_to_days(date) == days, "day %lld does not round-trip", (long long)days);
    date_ymd next = date_from_days(days + 1);
    date_ymd expected = date;
    if (++expected.day > independent_days_in_month(date.year, date.month)) {
        expected.day = 1;
        if (++expected.month > 12) {
            expected.month = 1;
            expected.year++;
        }
    }
    FUZZ_CHECK(date_compare(next, expected) == 0, "the day after day %lld is not the next day",
               (long long)days);
    FUZZ_CHECK(date_compare(date, next) < 0, "day order is not date order");
    if (days == 0)
        FUZZ_CHECK(date.year == 1970 && date.month == 1 && date.day == 1, "day 0 is not 1970-01-01");
}

/* Whole years completed on REFERENCE: the birthday of someone born on 29 February falls on
 * 1 March in a common year. */
static int independent_age(date_ymd birth, date_ymd reference)
{
    int age = reference.year - birth.year;
    int month = birth.month, day = birth.day;
    if (month == 2 && day == 29 && !independent_leap(reference.year))
        month = 3, day = 1;
    if (reference.month < month || (reference.month == month && reference.day < day))
        age--;
    return age;
}

static void check_age(date_ymd birth, date_ymd reference)
{
    if (!date_is_valid(birth) || !date_is_valid(reference) || date_compare(birth, reference) > 0)
        return;
    int age = date_age_years(birth, reference);
    FUZZ_CHECK(age == independent_age(birth, reference), "age %d from %d-%d-%d to %d-%d-%d, expected %d",
               age, birth.year, birth.month, birth.day, reference.year, reference.month,
               reference.day, independent_age(birth, reference));
    FUZZ_CHECK(age >= 0, "negative age for a birth before the reference");
}

static int64_t read_int64(const uint8_t *data)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = value << 8 | data[i];
    return (int64_t)value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *text = (const char *)data;
    check_iso(text, size);
    check_dmy(text, size);
    /* Every 10-byte window, so that longer inputs still try dates. */
    for (size_t i = 1; size >= 10 && i + 10 <= size && i < 64; i++) {
        check_iso(text + i, 10);
        check_dmy(text + i, 10);
    }
    if (size >= 8) {
        /* Days within about a million years either side of 1970. */
        int64_t days = read_int64(data) % 400000000;
        check_days(days);
    }
    if (size >= 16) {
        date_ymd birth = date_from_days(read_int64(data) % 3000000);
        date_ymd reference = date_from_days(read_int64(data + 8) % 3000000);
        check_age(birth, reference);
        check_age(reference, birth);
    }
    return 0;
}
