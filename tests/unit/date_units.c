/* date_units.c: unit tests for the calendar units of common/date.c (month and year): the unit
 * that holds each day, the unit after it, its length and its label, checked day by day against a walk. */
#include <stdio.h>
#include <string.h>

#include "date.h"

static int failures;

#define CHECK(condition, ...)                                                    \
    do {                                                                         \
        if (!(condition)) {                                                      \
            fprintf(stderr, "date_units: %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
            failures++;                                                          \
        }                                                                        \
    } while (0)

static date_ymd ymd(int year, int month, int day) { return (date_ymd){year, month, day}; }

/* The day after DATE, by calendar rules alone (independent of common/date.c). */
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

int main(void)
{
    test_walk(DATE_UNIT_MONTH, "month");
    test_walk(DATE_UNIT_YEAR, "year");
    test_labels();
    if (failures) {
        fprintf(stderr, "date_units: %d failures\n", failures);
        return 1;
    }
    return 0;
}
