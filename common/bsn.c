/* bsn.c: BSN normalisation and the elfproef, with the 11-test (shared by synth,
 * which makes valid BSNs, and pseudonymise, which must never hash an invalid one). */
#include "bsn.h"

static int weighted_sum_of_first_eight(const char *digits)
{
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (9 - i) * (digits[i] - '0');
    return sum;
}

static bool all_digits(const char *digits, int count)
{
    for (int i = 0; i < count; i++)
        if (digits[i] < '0' || digits[i] > '9')
            return false;
    return true;
}

bool bsn_elfproef(const char digits[9])
{
    if (!all_digits(digits, 9))
        return false;
    return (weighted_sum_of_first_eight(digits) - (digits[8] - '0')) % 11 == 0;
}

int bsn_check_digit(const char digits[8])
{
    if (!all_digits(digits, 8))
        return -1;
    /* sum - d9 = 0 (mod 11) means d9 = sum mod 11, which must be a single digit. */
    int check = weighted_sum_of_first_eight(digits) % 11;
    return check == 10 ? -1 : check;
}

bool bsn_normalise(const char *text, size_t length, char out[10], const char **reason)
{
    const char *why = NULL;
    char digits[9];
    size_t count = 0;
    for (size_t i = 0; i < length && !why; i++) {
        char c = text[i];
        if (c == ' ' || c == '.' || c == '-')
            continue;
        if (c < '0' || c > '9')
            why = "BSN has characters other than digits, spaces, dots and hyphens";
        else if (count == 9)
            why = "BSN has the wrong number of digits";
        else
            digits[count++] = c;
    }
    if (!why && count == 0)
        why = "BSN is empty"; /* nothing but separators is a missing value too */
    else if (!why && count != 8 && count != 9)
        why = "BSN has the wrong number of digits";
    if (!why) {
        int shift = 9 - (int)count; /* 8 digits: the leading zero was lost */
        for (int i = 8; i >= shift; i--)
            out[i] = digits[i - shift];
        if (shift)
            out[0] = '0';
        out[9] = '\0';
        bool zero = true;
        for (int i = 0; i < 9; i++)
            zero = zero && out[i] == '0';
        if (zero)
            why = "BSN is 000000000";
        else if (!bsn_elfproef(out))
            why = "BSN fails the elfproef";
    }
    if (why) {
        out[0] = '\0';
        if (reason)
            *reason = why;
        return false;
    }
    return true;
}
