/* key_file.c (fuzz harness): pseudonym_key_load on arbitrary key files and project names.
 * Input: a flags byte (bit 0: a project name follows, up to a NUL byte; bit 1: the file is
 * readable by the group), then the key file's bytes. Properties: a key loads exactly when the
 * file is private and holds 64 hexadecimal characters with at most one LF or CR LF after them,
 * and the project name is acceptable; the loaded key is the one README.md's construction defines
 * (project key HMAC-SHA256(master, "koppel:project:" project), fingerprint and pseudonyms
 * recomputed here with libsodium); a refusal says why without any run of the key's hex digits. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_support.h"
#include "pseudonym.h"

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The master key the file holds, or false. */
static bool independent_key(const char *text, size_t length, unsigned char master[32])
{
    if (length > 0 && text[length - 1] == '\n') {
        length--;
        if (length > 0 && text[length - 1] == '\r')
            length--;
    }
    if (length != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!is_hex(text[i]))
            return false;
    for (size_t i = 0; i < 32; i++)
        master[i] = (unsigned char)(hex_value(text[2 * i]) << 4 | hex_value(text[2 * i + 1]));
    return true;
}

static bool independent_project_ok(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || strchr(" \t\n\v\f\r", name[0]) || strchr(" \t\n\v\f\r", name[length - 1]))
        return false;
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return false;
    return true;
}

static void hmac(const unsigned char key[32], const char *a, const char *b, size_t b_length,
                 unsigned char out[32])
{
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key, 32);
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)a, strlen(a));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)b, b_length);
    crypto_auth_hmacsha256_final(&state, out);
}

static void check_loaded_key(pseudonym_key *key, const unsigned char master[32], const char *project)
{
    unsigned char k[32], mac[32];
    if (project)
        hmac(master, "koppel:project:", project, strlen(project), k);
    else
        memcpy(k, master, 32);
    char hex[65];
    hmac(k, "koppel:fingerprint", "", 0, mac);
    sodium_bin2hex(hex, sizeof hex, mac, 4);
    FUZZ_CHECK(strcmp(pseudonym_fingerprint(key), hex) == 0, "fingerprint %s, expected %s",
               pseudonym_fingerprint(key), hex);
    char pseudonym[PSEUDONYM_HEX_LENGTH + 1];
    pseudonym_compute(key, PSEUDONYM_BSN, "111222333", 9, pseudonym);
    hmac(k, "bsn:", "111222333", 9, mac);
    sodium_bin2hex(hex, sizeof hex, mac, 16);
    FUZZ_CHECK(strcmp(pseudonym, hex) == 0, "bsn pseudonym %s, expected %s", pseudonym, hex);
    pseudonym_compute(key, PSEUDONYM_ID, "A-17", 4, pseudonym);
    hmac(k, "id:", "A-17", 4, mac);
    sodium_bin2hex(hex, sizeof hex, mac, 16);
    FUZZ_CHECK(strcmp(pseudonym, hex) == 0, "id pseudonym %s, expected %s", pseudonym, hex);
}

/* Does WHY hold 8 or more hexadecimal characters in a row of TEXT? */
static bool shows_key_material(const char *why, const char *text, size_t length)
{
    for (size_t i = 0; i + 8 <= length; i++) {
        bool run = true;
        for (size_t j = 0; j < 8 && run; j++)
            run = is_hex(text[i + j]);
        if (run && memmem(why, strlen(why), text + i, 8))
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size == 0 || sodium_init() < 0)
        return 0;
    unsigned flags = data[0];
    const char *rest = (const char *)data + 1;
    size_t rest_length = size - 1;
    char project[128];
    bool has_project = flags & 1;
    if (has_project) {
        const char *nul = memchr(rest, '\0', rest_length);
        size_t length = nul ? (size_t)(nul - rest) : rest_length;
        if (length >= sizeof project)
            length = sizeof project - 1;
        memcpy(project, rest, length);
        project[length] = '\0';
        size_t used = nul ? (size_t)(nul - rest) + 1 : rest_length;
        rest += used;
        rest_length -= used;
    }
    bool group_readable = flags & 2;
    const char *path = fuzz_write_file((const uint8_t *)rest, rest_length, group_readable ? 0640 : 0600);

    pseudonym_status status = PSEUDONYM_OK;
    char why[512] = "";
    pseudonym_key *key = pseudonym_key_load(path, has_project ? project : NULL, &status, why, sizeof why);

    unsigned char master[32];
    bool key_ok = independent_key(rest, rest_length, master);
    bool project_ok = !has_project || independent_project_ok(project);
    bool expected = key_ok && project_ok && !group_readable;
    FUZZ_CHECK((key != NULL) == expected, "key %s, expected %s (%s)", key ? "loaded" : "refused",
               expected ? "loaded" : "refused", why);
    if (key) {
        FUZZ_CHECK(status == PSEUDONYM_OK, "a loaded key with status %d", status);
        check_loaded_key(key, master, has_project ? project : NULL);
        pseudonym_key_free(key);
        return 0;
    }
    FUZZ_CHECK(status == PSEUDONYM_CONFIG, "a bad key file gives status %d (%s)", status, why);
    FUZZ_CHECK(why[0] != '\0', "a refusal without a reason");
    FUZZ_CHECK(!shows_key_material(why, rest, rest_length), "the reason shows key material: %s", why);
    if (!project_ok)
        FUZZ_CHECK(strstr(why, "--project") != NULL, "a bad project name, but: %s", why);
    else if (group_readable)
        FUZZ_CHECK(strstr(why, "group or others") != NULL, "a group-readable file, but: %s", why);
    sodium_memzero(master, sizeof master);
    return 0;
}
