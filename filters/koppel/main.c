/* koppel/main.c: the `koppel` command. `koppel VERB ARGS...` runs koppel-VERB from the directory
 * of this program (then from PATH), the way `git log` runs git-log. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "koppel.h"
#include "message.h"

static const char usage_head[] =
    "Usage: koppel VERB [OPTIONS] [FILE...]\n"
    "Link person-level health and social-care data and publish safe statistics from it.\n"
    "\n"
    "Each verb is a filter: CSV records with a header in, CSV out (view: columns for a\n"
    "terminal). 'koppel VERB --help' shows a verb's options; 'koppel-VERB' runs the same\n"
    "program directly.\n"
    "\n"
    "Verbs:\n";

static const char usage_tail[] =
    "\n"
    "A study is a pipeline of verbs, for example:\n"
    "  koppel pseudonymise --key-file project.key --bsn bsn persons.csv > persons.p.csv\n"
    "  koppel select --ge age=18 persons.p.csv | koppel aggregate -g sex,age_band > counts.csv\n"
    "\n"
    "Options:\n"
    "  -h, --help     list the verbs and exit\n"
    "  -V, --version  show the version and exit\n"
    "\n"
    "Exit status: that of the verb; 2 for an unknown verb.\n";

/* The directory this program lives in. */
static void program_directory(char *directory, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", directory, size - 1);
    if (n <= 0) {
        snprintf(directory, size, ".");
        return;
    }
    directory[n] = '\0';
    char *slash = strrchr(directory, '/');
    if (slash)
        *slash = '\0';
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The second line of `koppel-VERB --help` is its one-line description. */
static void describe_verb(const char *directory, const char *program)
{
    char command[PATH_MAX * 2];
    snprintf(command, sizeof command, "'%s/%s' --help 2>/dev/null", directory, program);
    FILE *help = popen(command, "r");
    char line[512] = "", description[512] = "";
    if (help) {
        if (fgets(line, sizeof line, help) && fgets(description, sizeof description, help))
            description[strcspn(description, "\n")] = '\0';
        while (fgets(line, sizeof line, help))
            ;
        pclose(help);
    }
    printf("  %-20s %s\n", program + strlen("koppel-"), description);
}

/* What --help and --version print must arrive: a full disk is status 3; a closed pipe
 * (koppel --help | head) ends the run quietly. */
static void flush_standard_output(void)
{
    if (fflush(stdout) != 0) {
        if (errno == EPIPE)
            message_exit_quietly(EXIT_OK);
        message_die(EXIT_SYSTEM, "error writing standard output: %s", strerror(errno));
    }
}

static void list_verbs(void)
{
    char directory[PATH_MAX];
    program_directory(directory, sizeof directory);
    fputs(usage_head, stdout);
    DIR *dir = opendir(directory);
    char **names = NULL;
    size_t count = 0;
    struct dirent *entry;
    while (dir && (entry = readdir(dir)) != NULL) {
        if (strncmp(entry->d_name, "koppel-", 7) != 0 || strchr(entry->d_name, '.'))
            continue;
        names = xrealloc(names, (count + 1) * sizeof(char *));
        names[count++] = xstrdup(entry->d_name);
    }
    if (dir)
        closedir(dir);
    qsort(names, count, sizeof(char *), compare_names);
    for (size_t i = 0; i < count; i++) {
        describe_verb(directory, names[i]);
        free(names[i]);
    }
    free(names);
    fputs(usage_tail, stdout);
    flush_standard_output();
}

int main(int argc, char **argv)
{
    message_set_program("koppel");
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        list_verbs();
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("koppel %s\n", KOPPEL_VERSION);
        koppel_print_library_versions();
        flush_standard_output();
        return EXIT_OK;
    }
    const char *verb = argv[1];
    if (verb[0] == '-' || strchr(verb, '/'))
        message_die(EXIT_USAGE, "'%s' is not a verb (try 'koppel --help')", verb);
    char program[256], path[PATH_MAX + 300], directory[PATH_MAX];
    snprintf(program, sizeof program, "koppel-%s", verb);
    program_directory(directory, sizeof directory);
    snprintf(path, sizeof path, "%s/%s", directory, program);
    argv[1] = program;
    if (access(path, X_OK) == 0)
        execv(path, argv + 1);
    else
        execvp(program, argv + 1);
    if (errno == ENOENT)
        message_die(EXIT_USAGE, "'%s' is not a koppel verb (try 'koppel --help')", verb);
    message_die(EXIT_SYSTEM, "cannot run %s: %s", program, strerror(errno));
}
