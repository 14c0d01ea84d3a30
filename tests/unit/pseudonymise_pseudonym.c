/* pseudonymise_pseudonym.c: unit test of filters/pseudonymise/pseudonym.c. The precomputed HMAC
 * states must give exactly the one-shot HMAC-SHA256 of the construction in README.md; fixed
 * vectors were computed outside koppel with python3's hmac (commands in the comments). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "pseudonym.h"

static int failures;

static void expect_text(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "pseudonymise_pseudonym: %s: got %s, want %s\n", what, got, want);
        failures++;
    }
}

/* The pseudonym by the one-shot API: hex of the first 16 bytes of HMAC-SHA256(K, TYPE ":" VALUE). */
static void one_shot(const unsigned char key[32], const char *type, const char *value, size_t length,
                     char out[33])
{
    unsigned char message[600], mac[32];
    size_t type_length = strlen(type);
    memcpy(message, type, type_length);
    message[type_length] = ':';
    memcpy(message + type_length + 1, value, length);
    crypto_auth_hmacsha256(mac, message, type_length + 1 + length, key);
    sodium_bin2hex(out, 33, mac, 16);
}

static void fixed_vectors(void)
{
    unsigned char master[32];
    for (int i = 0; i < 32; i++)
        master[i] = (unsigned char)i;
    char out[33];

    /* python3: hmac.new(bytes(range(32)), b"bsn:123456782", sha256).hexdigest()[:32] */
    pseudonym_key *key = pseudonym_key_from_master(master, NULL);
    pseudonym_compute(key, PSEUDONYM_BSN, "123456782", 9, out);
    expect_text("bsn without project", out, "d2592a8aaa1d5dc9a4d1511370125c56");
    /* The state after the key is copied, not used up: the same again. */
    pseudonym_compute(key, PSEUDONYM_BSN, "123456782", 9, out);
    expect_text("bsn again", out, "d2592a8aaa1d5dc9a4d1511370125c56");
    pseudonym_key_free(key);

    /* k = hmac.new(bytes(range(32)), b"koppel:project:ahti-2017", sha256).digest();
     * hmac.new(k, b"id:C-0042", sha256).hexdigest()[:32] and
     * hmac.new(k, b"koppel:fingerprint", sha256).hexdigest()[:8] */
    key = pseudonym_key_from_master(master, "ahti-2017");
    pseudonym_compute(key, PSEUDONYM_ID, "C-0042", 6, out);
    expect_text("id with project", out, "d79134402144caa615ab6de138ae2f4c");
    expect_text("fingerprint with project", pseudonym_fingerprint(key), "770dcb46");
    pseudonym_key_free(key);
}

/* Random keys, projects and values: the precomputed path equals the one-shot HMAC. */
static void random_agreement(void)
{
    for (int round = 0; round < 2000; round++) {
        unsigned char master[32], project_key[32], mac[32];
        char value[512], project[40], want[33], got[33], want_fingerprint[9];
        randombytes_buf(master, sizeof master);
        size_t length = randombytes_uniform(sizeof value);
        randombytes_buf(value, length);
        bool with_project = round % 2;
        snprintf(project, sizeof project, "study-%u", randombytes_uniform(1000000));

        if (with_project) {
            char message[64];
            int n = snprintf(message, sizeof message, "koppel:project:%s", project);
            crypto_auth_hmacsha256(project_key, (unsigned char *)message, (size_t)n, master);
        } else
            memcpy(project_key, master, 32);
        crypto_auth_hmacsha256(mac, (const unsigned char *)"koppel:fingerprint", 18, project_key);
        sodium_bin2hex(want_fingerprint, sizeof want_fingerprint, mac, 4);

        pseudonym_key *key = pseudonym_key_from_master(master, with_project ? project : NULL);
        pseudonym_type type = round % 3 ? PSEUDONYM_ID : PSEUDONYM_BSN;
        one_shot(project_key, type == PSEUDONYM_BSN ? "bsn" : "id", value, length, want);
        pseudonym_compute(key, type, value, length, got);
        expect_text("random pseudonym", got, want);
        expect_text("random fingerprint", pseudonym_fingerprint(key), want_fingerprint);
        pseudonym_key_free(key);
        if (failures)
            return;
    }
}

static void trimming_and_names(void)
{
    struct { const char *in, *want; } cases[] = {
        {"  C-0042 ", "C-0042"}, {"\t\r\nx y\v\f", "x y"}, {"   ", ""}, {"", ""}, {"a", "a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *text = cases[i].in;
        size_t length = strlen(text);
        pseudonym_trim(&text, &length);
        char trimmed[32];
        snprintf(trimmed, sizeof trimmed, "%.*s", (int)length, text);
        expect_text("trim", trimmed, cases[i].want);
    }
    const char *why;
    if (!pseudonym_project_name_valid("ahti-2017", &why) || !pseudonym_project_name_valid("wijk Oost é", &why) ||
        pseudonym_project_name_valid("", &why) || pseudonym_project_name_valid(" a", &why) ||
        pseudonym_project_name_valid("a\n", &why) || pseudonym_project_name_valid("a\x7f" "b", &why)) {
        fprintf(stderr, "pseudonymise_pseudonym: project name validation wrong\n");
        failures++;
    }
}

int main(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "pseudonymise_pseudonym: libsodium did not initialise\n");
        return 1;
    }
    fixed_vectors();
    random_agreement();
    trimming_and_names();
    return failures ? 1 : 0;
}
