/* date_calendar.c: unit tests for common/date.c: day numbers over the whole range of years,
 * strict ISO and DD-MM-YYYY parsing, ages around birthdays and 29 February, and the calendar
 * units (month, year): the unit that holds each day, the next one, its length and its label,
 * checked day by day against a walk. */
#include <stdio.h>
#include <string.h>

#include "date.h"

static int failures;

#define CHECK(condition, ...)                                                    \
    do {                                                                         \
        if (!(condition)) {                                                      \
            fprintf(stderr, "date_calendar: %s:%d: ", __FILE__, __LINE__);       \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
            failures++;                                                          \
        }                                                                        \
    } while (0)

static date_ymd ymd(int year, int month, int day) { return (date_ymd){year, month, day}; }

/* The day after DATE, by calendar rules alone (independent of the day-number algorithm). */
static date_ymd next_day(date_ymd date)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (date.year % 4 == 0 && date.year % 100 != 0) || date.year % 400 == 0;
    int length = date.month == 2 && leap ? 29 : lengths[date.month - 1];
    if (++date.day > length) {
        date.day = 1;
        if (++date.month > 12) {
            date.month = 1;
            date.year++;
        }
    }
    return date;
}

static void test_day_numbers(void)
{
    /* Anchors counted by hand: 30 years of 365 days plus 7 leap days (1972..1996) to 2000-01-01,
     * then 31 + 29 days to 1 March. */
    CHECK(date_to_days(ymd(1970, 1, 1)) == 0, "epoch");
    CHECK(date_to_days(ymd(1969, 12, 31)) == -1, "day before the epoch");
    CHECK(date_to_days(ymd(2000, 1, 1)) == 10957, "2000-01-01");
    CHECK(date_to_days(ymd(2000, 3, 1)) == 11017, "2000-03-01");

    /* Walk every day from 0001-01-01 to 9999-12-31: the numbers are consecutive and read back. */
    date_ymd date = ymd(1, 1, 1);
    int64_t days = date_to_days(date);
    long checked = 0;
    while (date.year <= 9999) {
        CHECK(date_is_valid(date), "%04d-%02d-%02d should be valid", date.year, date.month, date.day);
        CHECK(date_to_days(date) == days, "%04d-%02d-%02d has day number %lld, expected %lld", date.year,
              date.month, date.day, (long long)date_to_days(date), (long long)days);
        date_ymd back = date_from_days(days);
        CHECK(date_compare(back, date) == 0, "day %lld reads back as %04d-%02d-%02d", (long long)days,
              back.year, back.month, back.day);
        if (failures > 20)
            return;
        date = next_day(date);
        days++;
        checked++;
    }
    /* 9999 years of 365 days plus the leap days 9999/4 - 9999/100 + 9999/400. */
    CHECK(checked == 9999L * 365 + 2499 - 99 + 24, "walked %ld days", checked);
}

static bool iso(const char *text, date_ymd *date) { return date_parse_iso(text, strlen(text), date); }
static bool dmy(const char *text, date_ymd *date) { return date_parse_dmy(text, strlen(text), date); }

static void test_parsing(void)
{
    date_ymd d;
    CHECK(iso("2024-02-29", &d) && d.year == 2024 && d.month == 2 && d.day == 29, "leap day");
    CHECK(!iso("2023-02-29", &d), "29 February of a common year");
    CHECK(!iso("1900-02-29", &d), "1900 is not a leap year");
    CHECK(iso("2000-02-29", &d), "2000 is a leap year");
    CHECK(!iso("2023-04-31", &d), "31 April");
    CHECK(!iso("0000-01-01", &d), "year 0");
    CHECK(!iso("2023-1-01", &d) && !iso("2023-01-1", &d) && !iso(" 2023-01-01", &d), "short or padded");
    CHECK(!iso("2023/01/01", &d) && !iso("01-01-2023", &d), "not ISO");

    CHECK(dmy("31-12-2023", &d) && d.year == 2023 && d.month == 12 && d.day == 31, "31-12-2023");
    CHECK(dmy("01/02/2023", &d) && d.year == 2023 && d.month == 2 && d.day == 1, "01/02/2023");
    CHECK(dmy("29.02.2024", &d) && d.year == 2024 && d.month == 2 && d.day == 29, "29.02.2024");
    CHECK(!dmy("29-02-2023", &d), "29-02-2023 does not exist");
    CHECK(!dmy("31-02-2023", &d), "31-02-2023 does not exist");
    CHECK(!dmy("31-12/2023", &d), "mixed separators");
    CHECK(!dmy("1-2-2023", &d) && !dmy("01-02-23", &d), "short forms");
    CHECK(!dmy("2023-12-31", &d), "ISO is not DD-MM-YYYY");
    CHECK(!dmy("31-12-2023 ", &d), "trailing space");
    CHECK(!dmy("00-01-2023", &d) && !dmy("01-13-2023", &d), "day 0, month 13");

    char buffer[11];
    date_format_iso(ymd(987, 6, 5), buffer);
    CHECK(strcmp(buffer, "0987-06-05") == 0, "format pads: %s", buffer);
}

/* Age by counting anniversaries: the anniversary in year Y is the same month and day, or
 * 1 March when that day does not exist (29 February in a common year). */
static int age_by_anniversaries(date_ymd birth, date_ymd reference)
{
    int age = 0;
    for (int year = birth.year + 1; year <= reference.year; year++) {
        date_ymd anniversary = ymd(year, birth.month, birth.day);
        if (!date_is_valid(anniversary))
            anniversary = ymd(year, 3, 1);
        if (date_compare(anniversary, reference) <= 0)
            age++;
    }
    return age;
}

static void test_ages(void)
{
    date_ymd birth = ymd(1990, 6, 15);
    CHECK(date_age_years(birth, ymd(2020, 6, 14)) == 29, "day before the 30th birthday");
    CHECK(date_age_years(birth, ymd(2020, 6, 15)) == 30, "on the 30th birthday");
    CHECK(date_age_years(birth, ymd(2020, 6, 16)) == 30, "day after the 30th birthday");
    CHECK(date_age_years(birth, ymd(1990, 6, 15)) == 0, "day of birth");
    CHECK(date_age_years(birth, ymd(1990, 6, 14)) < 0, "before birth");

    date_ymd leapling = ymd(2000, 2, 29);
    CHECK(date_age_years(leapling, ymd(2001, 2, 28)) == 0, "28 Feb of a common year: not yet 1");
    CHECK(date_age_years(leapling, ymd(2001, 3, 1)) == 1, "1 Mar of a common year: 1");
    CHECK(date_age_years(leapling, ymd(2004, 2, 28)) == 3, "28 Feb of a leap year: still 3");
    CHECK(date_age_years(leapling, ymd(2004, 2, 29)) == 4, "29 Feb of a leap year: 4");
    CHECK(date_age_years(leapling, ymd(2004, 3, 1)) == 4, "1 Mar of a leap year: 4");
    CHECK(date_age_years(leapling, ymd(2100, 2, 28)) == 99, "2100 is a common year");
    CHECK(date_age_years(leapling, ymd(2100, 3, 1)) == 100, "1 Mar 2100");
    CHECK(date_age_years(ymd(1999, 3, 1), ymd(2000, 2, 29)) == 0, "born 1 Mar, on 29 Feb");
    CHECK(date_age_years(ymd(1999, 12, 31), ymd(2000, 1, 1)) == 0, "new year");

    /* Every birth date in 1995..2001 against reference dates spread over 2000..2005. */
    for (date_ymd b = ymd(1995, 1, 1); b.year <= 2001; b = next_day(b))
        for (date_ymd r = ymd(2001, 12, 31); r.year <= 2005; r = date_from_days(date_to_days(r) + 37)) {
            int expected = age_by_anniversaries(b, r);
            int got = date_age_years(b, r);
            CHECK(got == expected, "born %04d-%02d-%02d, on %04d-%02d-%02d: age %d, expected %d", b.year,
                  b.month, b.day, r.year, r.month, r.day, got, expected);
            if (failures > 20)
                return;
        }
}

static bool same(date_ymd a, date_ymd b) { return a.year == b.year && a.month == b.month && a.day == b.day; }

/* Walk every day of 1899..2101: a unit begins on a day whose unit differs from the day before's;
 * date_unit_first must give that day, and date_unit_next of the previous unit's first day too. */
static void test_walk(date_unit unit, const char *name)
{
    date_ymd day = ymd(1899, 1, 1), unit_start = day, previous_start = ymd(0, 0, 0);
    long units = 0, days_in_unit = 0;
    while (day.year <= 2101) {
        bool begins = unit == DATE_UNIT_YEAR ? day.month == 1 && day.day == 1 : day.day == 1;
        if (begins) {
            if (previous_start.year) {
                CHECK(same(date_unit_next(unit, previous_start), day), "%s: the unit after %04d-%02d-%02d",
                      name, previous_start.year, previous_start.month, previous_start.day);
                CHECK(date_unit_length(unit, previous_start) == days_in_unit, "%s: %04d-%02d has %d days, walked %ld",
                      name, previous_start.year, previous_start.month, date_unit_length(unit, previous_start),
                      days_in_unit);
            }
            previous_start = unit_start = day;
            units++;
            days_in_unit = 0;
        }
        days_in_unit++;
        CHECK(same(date_unit_first(unit, day), unit_start), "%s: first day of the unit of %04d-%02d-%02d", name,
              day.year, day.month, day.day);
        if (failures > 20)
            return;
        day = next_day(day);
    }
    CHECK(units == (unit == DATE_UNIT_YEAR ? 203 : 203 * 12), "%s: %ld units in 1899..2101", name, units);
}

static void test_labels(void)
{
    char buffer[16];
    CHECK(date_unit_format(DATE_UNIT_MONTH, ymd(2023, 1, 1), buffer) == 7 && strcmp(buffer, "2023-01") == 0,
          "month label: %s", buffer);
    CHECK(date_unit_format(DATE_UNIT_MONTH, ymd(2024, 12, 1), buffer) == 7 && strcmp(buffer, "2024-12") == 0,
          "month label: %s", buffer);
    CHECK(date_unit_format(DATE_UNIT_MONTH, ymd(987, 6, 1), buffer) == 7 && strcmp(buffer, "0987-06") == 0,
          "padded month label: %s", buffer);
    CHECK(date_unit_format(DATE_UNIT_YEAR, ymd(2024, 1, 1), buffer) == 4 && strcmp(buffer, "2024") == 0,
          "year label: %s", buffer);
    CHECK(date_unit_format(DATE_UNIT_YEAR, ymd(45, 1, 1), buffer) == 4 && strcmp(buffer, "0045") == 0,
          "padded year label: %s", buffer);
    /* Every month of 1..9999 against snprintf. */
    for (int year = 1; year <= 9999; year++)
        for (int month = 1; month <= 12; month++) {
            char expected[32];
            snprintf(expected, sizeof expected, "%04d-%02d", year, month);
            date_unit_format(DATE_UNIT_MONTH, ymd(year, month, 1), buffer);
            CHECK(strcmp(buffer, expected) == 0, "label %s, expected %s", buffer, expected);
            if (failures > 20)
                return;
        }
    /* The last unit of the calendar is followed by a first day in year 10000 (a day number still). */
    CHECK(same(date_unit_next(DATE_UNIT_MONTH, ymd(9999, 12, 1)), ymd(10000, 1, 1)), "after 9999-12");
    CHECK(date_to_days(ymd(10000, 1, 1)) - date_to_days(ymd(9999, 12, 31)) == 1, "day numbers past 9999");
}

/* date_read: every day of 1800..2100 written in each register format (with snprintf) reads
 * back as that day; partial dates by the rules worked by hand; impossible days and times fail. */
static date_read_status read_as(const char *text, date_format format, date_partial_rule rule, date_ymd *date)
{
    return date_read(text, strlen(text), format, rule, date);
}

static void test_register_formats(void)
{
    char text[64];
    date_ymd d;
    for (date_ymd day = ymd(1800, 1, 1); day.year <= 2100; day = next_day(day)) {
        snprintf(text, sizeof text, "%04d%02d%02d", day.year, day.month, day.day);
        CHECK(read_as(text, DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_REJECT, &d) == DATE_READ_EXACT && same(d, day),
              "%s", text);
        snprintf(text, sizeof text, "%02d.%02d.%04d 07:30", day.day, day.month, day.year);
        CHECK(read_as(text, DATE_FORMAT_DD_MM_YYYY, DATE_PARTIAL_REJECT, &d) == DATE_READ_EXACT && same(d, day),
              "%s", text);
        snprintf(text, sizeof text, "%d/%d/%04d 23:59:59", day.day, day.month, day.year);
        CHECK(read_as(text, DATE_FORMAT_D_M_YYYY, DATE_PARTIAL_REJECT, &d) == DATE_READ_EXACT && same(d, day),
              "%s", text);
        CHECK(read_as(text, DATE_FORMAT_DD_MM_YYYY, DATE_PARTIAL_REJECT, &d) ==
                  (day.day > 9 && day.month > 9 ? DATE_READ_EXACT : DATE_READ_INVALID),
              "%s as dd-mm-yyyy", text);
        if (failures > 20)
            return;
    }
    CHECK(read_as("19800500", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_REJECT, &d) == DATE_READ_PARTIAL, "day 00");
    CHECK(read_as("19800500", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_FIRST, &d) == DATE_READ_IMPUTED &&
              same(d, ymd(1980, 5, 1)), "day 00, first");
    CHECK(read_as("19800500", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_MIDDLE, &d) == DATE_READ_IMPUTED &&
              same(d, ymd(1980, 5, 15)), "day 00, middle");
    CHECK(read_as("19800000", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_FIRST, &d) == DATE_READ_IMPUTED &&
              same(d, ymd(1980, 1, 1)), "month 00, first");
    CHECK(read_as("00-00-1980", DATE_FORMAT_DD_MM_YYYY, DATE_PARTIAL_MIDDLE, &d) == DATE_READ_IMPUTED &&
              same(d, ymd(1980, 7, 1)), "month 00, middle");
    CHECK(read_as("00000000", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_FIRST, &d) == DATE_READ_UNKNOWN, "year 0000");
    CHECK(read_as("19800015", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_FIRST, &d) == DATE_READ_INVALID, "month 00, day 15");
    CHECK(read_as("19801300", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_FIRST, &d) == DATE_READ_INVALID, "month 13, day 00");
    CHECK(read_as("31-02-2019", DATE_FORMAT_DD_MM_YYYY, DATE_PARTIAL_FIRST, &d) == DATE_READ_INVALID, "31 February");
    CHECK(read_as("20190101 24:00", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_FIRST, &d) == DATE_READ_INVALID, "24:00");
    CHECK(read_as("20190101 ", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_FIRST, &d) == DATE_READ_INVALID, "a bare space");
    CHECK(read_as("123-1-2019", DATE_FORMAT_D_M_YYYY, DATE_PARTIAL_FIRST, &d) == DATE_READ_INVALID, "3-digit day");
    CHECK(read_as("1-1-20190", DATE_FORMAT_D_M_YYYY, DATE_PARTIAL_FIRST, &d) == DATE_READ_INVALID, "5-digit year");
    CHECK(read_as("2019-03-01 10:00", DATE_FORMAT_YYYYMMDD, DATE_PARTIAL_FIRST, &d) == DATE_READ_EXACT &&
              same(d, ymd(2019, 3, 1)), "ISO passes under any format");
    date_format guess;
    CHECK(date_format_guess("21-05-1980", 10, &guess) && guess == DATE_FORMAT_DD_MM_YYYY, "guess dd-mm-yyyy");
    CHECK(date_format_guess("19800521", 8, &guess) && guess == DATE_FORMAT_YYYYMMDD, "guess yyyymmdd");
    CHECK(!date_format_guess("31-02-2019", 10, &guess), "no guess for a day that does not exist");
    CHECK(!date_format_guess("123456789", 9, &guess), "no guess for nine digits");
}

int main(void)
{
    test_day_numbers();
    test_parsing();
    test_ages();
    test_walk(DATE_UNIT_MONTH, "month");
    test_walk(DATE_UNIT_YEAR, "year");
    test_labels();
    test_register_formats();
    if (failures) {
        fprintf(stderr, "date_calendar: %d failures\n", failures);
        return 1;
    }
    return 0;
}
