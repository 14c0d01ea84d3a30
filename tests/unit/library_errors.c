/* library_errors.c: unit test of the GSL and GLPK error handlers koppel_init installs (common/
 * koppel.c): an error inside either library is a house-format message and status 3, not abort. */
#include <glpk.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "koppel.h"

static int failures;

static void gsl_failure(void) { gsl_error("a test error", "test.c", 12, GSL_EDOM); }

static void glpk_failure(void)
{
    glp_prob *problem = glp_create_prob();
    glp_add_cols(problem, 1);
    glp_set_col_bnds(problem, 7, GLP_FX, 0.0, 0.0); /* column 7 of 1: a GLPK error */
}

/* Run FAILURE in a child that called koppel_init; expect status 3 and stderr starting EXPECTED. */
static void expect_message(const char *name, void (*failure)(void), const char *expected)
{
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0)
        exit(99);
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        koppel_context ctx;
        dup2(pipe_ends[1], STDERR_FILENO);
        close(pipe_ends[0]);
        koppel_init(&ctx, "unit", "usage");
        failure();
        _exit(98); /* the handler returned */
    }
    close(pipe_ends[1]);
    char text[1024] = "";
    ssize_t n = read(pipe_ends[0], text, sizeof text - 1);
    text[n > 0 ? n : 0] = '\0';
    close(pipe_ends[0]);
    int status;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 3 || strncmp(text, expected, strlen(expected)) != 0) {
        fprintf(stderr, "library_errors: %s: expected status 3 and '%s...', got %s %d and '%s'\n", name,
                expected, WIFEXITED(status) ? "status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), text);
        failures++;
    }
}

int main(void)
{
    expect_message("GSL", gsl_failure, "koppel-unit: internal error in GSL (test.c:12, error 1: ");
    expect_message("GLPK", glpk_failure, "koppel-unit: internal error in GLPK (file ");
    if (failures == 0)
        printf("library_errors: all passed\n");
    return failures ? 1 : 0;
}
