/* bsn.c (fuzz harness): bsn_normalise, the elfproef and check digits, and pseudonym_trim on
 * arbitrary text. Properties: a BSN is accepted exactly when, without spaces, dots and hyphens,
 * it is 8 or 9 digits (8 get a leading 0) passing the elfproef (step 1 of the pseudonym
 * construction in README.md, the weighted sum computed here again) and not 000000000; the
 * reason for a refusal is one of the documented texts, which never hold the value; normalising
 * is idempotent; trimming removes exactly the surrounding ASCII white space. */
#include <string.h>

#include "bsn.h"
#include "fuzz_support.h"
#include "pseudonym.h"

static const char *const documented_reasons[] = {
    "BSN is empty",
    "BSN has characters other than digits, spaces, dots and hyphens",
    "BSN has the wrong number of digits",
    "BSN is 000000000",
    "BSN fails the elfproef",
};

static bool independent_elfproef(const char digits[9])
{
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (9 - i) * (digits[i] - '0');
    sum -= digits[8] - '0';
    return sum % 11 == 0;
}

/* The expected result: the nine digits, or the reason. */
static const char *independent_normalise(const char *text, size_t length, char out[10])
{
    char digits[32];
    size_t count = 0;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (c == ' ' || c == '.' || c == '-')
            continue;
        if (c < '0' || c > '9')
            return documented_reasons[1];
        if (count < sizeof digits)
            digits[count] = c;
        count++;
    }
    if (count == 0)
        return documented_reasons[0];
    if (count != 8 && count != 9)
        return documented_reasons[2];
    memset(out, '0', 9);
    memcpy(out + 9 - count, digits, count);
    out[9] = '\0';
    if (strcmp(out, "000000000") == 0)
        return documented_reasons[3];
    if (!independent_elfproef(out))
        return documented_reasons[4];
    return NULL;
}

static void check_bsn(const char *text, size_t length)
{
    char out[10], expected[10];
    const char *reason = NULL;
    bool accepted = bsn_normalise(text, length, out, &reason);
    const char *expected_reason = independent_normalise(text, length, expected);
    if (expected_reason) {
        FUZZ_CHECK(!accepted, "'%.*s' accepted as a BSN (%s)", (int)length, text, expected_reason);
        /* A text with other characters may stop at the first of them or at the tenth digit. */
        FUZZ_CHECK(reason && (strcmp(reason, expected_reason) == 0 ||
                              (expected_reason == documented_reasons[1] &&
                               strcmp(reason, documented_reasons[2]) == 0)),
                   "reason '%s', expected '%s'", reason ? reason : "(none)", expected_reason);
        FUZZ_CHECK(out[0] == '\0', "a refused BSN leaves its digits in OUT");
        return;
    }
    FUZZ_CHECK(accepted, "'%.*s' refused: %s", (int)length, text, reason ? reason : "(no reason)");
    FUZZ_CHECK(strcmp(out, expected) == 0, "normalised to '%s', expected '%s'", out, expected);
    FUZZ_CHECK(bsn_elfproef(out), "the elfproef refuses a normalised BSN");
    char again[10];
    FUZZ_CHECK(bsn_normalise(out, 9, again, NULL) && strcmp(again, out) == 0, "not idempotent");
    FUZZ_CHECK(bsn_check_digit(out) == out[8] - '0', "the check digit of '%.8s' is not %c", out, out[8]);
}

static void check_check_digit(const char *text, size_t length)
{
    if (length < 8)
        return;
    char digits[9];
    for (int i = 0; i < 8; i++)
        digits[i] = (char)('0' + (unsigned char)text[i] % 10);
    int check = bsn_check_digit(digits);
    int found = -1;
    for (int d = 0; d <= 9 && found < 0; d++) {
        digits[8] = (char)('0' + d);
        if (independent_elfproef(digits))
            found = d;
    }
    FUZZ_CHECK(check == found, "check digit %d, expected %d", check, found);
}

static bool is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void check_trim(const char *text, size_t length)
{
    const char *trimmed = text;
    size_t n = length;
    pseudonym_trim(&trimmed, &n);
    FUZZ_CHECK(trimmed >= text && trimmed + n <= text + length, "trim leaves the text");
    for (const char *p = text; p < trimmed; p++)
        FUZZ_CHECK(is_ascii_space(*p), "trim removed a leading non-space");
    for (const char *p = trimmed + n; p < text + length; p++)
        FUZZ_CHECK(is_ascii_space(*p), "trim removed a trailing non-space");
    FUZZ_CHECK(n == 0 || (!is_ascii_space(trimmed[0]) && !is_ascii_space(trimmed[n - 1])),
               "trim left white space at an end");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *text = (const char *)data;
    check_bsn(text, size);
    check_trim(text, size);
    check_check_digit(text, size);
    /* Fields separated by newlines, as a column of BSNs would be. */
    for (const char *p = text, *end = text + size; p < end;) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        size_t length = newline ? (size_t)(newline - p) : (size_t)(end - p);
        if (newline || p != text) {
            check_bsn(p, length);
            check_trim(p, length);
        }
        p += length + 1;
    }
    return 0;
}
