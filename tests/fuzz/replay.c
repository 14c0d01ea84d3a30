/* replay.c: runs a fuzz harness on saved inputs without libFuzzer, so that `make check` (and its
 * sanitizer build) replays the seed corpus and every regression with the ordinary compiler.
 * Usage: fuzz-TARGET FILE|DIRECTORY... (a directory: every regular file in it). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_support.h"

static size_t inputs_replayed;

static int replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        perror(path);
        return 1;
    }
    size_t capacity = 4096, size = 0;
    unsigned char *data = malloc(capacity);
    size_t n;
    while (data && (n = fread(data + size, 1, capacity - size, file)) > 0) {
        size += n;
        if (size == capacity)
            data = realloc(data, capacity *= 2);
    }
    fclose(file);
    if (!data) {
        fprintf(stderr, "%s: out of memory\n", path);
        return 1;
    }
    /* Named first, so that a crash report says which input it was. */
    fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    inputs_replayed++;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in DIRECTORY, in name order (a stable order for the log). */
static int replay_directory(const char *directory)
{
    DIR *dir = opendir(directory);
    if (!dir) {
        perror(directory);
        return 1;
    }
    char **names = NULL;
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        names = realloc(names, (count + 1) * sizeof *names);
        size_t length = strlen(directory) + strlen(entry->d_name) + 2;
        names[count] = malloc(length);
        snprintf(names[count++], length, "%s/%s", directory, entry->d_name);
    }
    closedir(dir);
    if (count)
        qsort(names, count, sizeof *names, compare_names);
    int failures = 0;
    for (size_t i = 0; i < count; i++) {
        struct stat info;
        if (stat(names[i], &info) == 0 && S_ISREG(info.st_mode))
            failures += replay_file(names[i]);
        free(names[i]);
    }
    free(names);
    return failures;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "Usage: %s FILE|DIRECTORY...\n", argv[0]);
        return 2;
    }
    int failures = 0;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            perror(argv[i]);
            failures++;
        } else if (S_ISDIR(info.st_mode))
            failures += replay_directory(argv[i]);
        else
            failures += replay_file(argv[i]);
    }
    printf("replayed %zu inputs\n", inputs_replayed);
    return failures ? 1 : 0;
}
