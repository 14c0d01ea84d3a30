/* dist-shims.c: for the static bundle (make dist) only: what keeps its programs off libltdl and
 * off a newer glibc than they need. */
#include <stddef.h>

/* GLPK loads the ODBC and MySQL drivers of MathProg's table statements through libltdl, which
 * Debian ships without a static library; koppel uses neither, so these stand-ins make such a
 * load fail with a message instead. */

typedef void *lt_dlhandle;

int lt_dlinit(void) { return 0; }
int lt_dlexit(void) { return 0; }
lt_dlhandle lt_dlopen(const char *name)
{
    (void)name;
    return NULL;
}
void *lt_dlsym(lt_dlhandle handle, const char *name)
{
    (void)handle;
    (void)name;
    return NULL;
}
int lt_dlclose(lt_dlhandle handle)
{
    (void)handle;
    return 0;
}
const char *lt_dlerror(void) { return "dynamic loading is not part of the koppel bundle"; }

/* glibc 2.35 gave hypot a new symbol version (the same results; only the obsolete SVID error
 * handling went); linked with --wrap=hypot the programs call the one every x86_64 glibc has, and
 * so run on glibc 2.34 (RHEL 9 and its rebuilds) too. */
double hypot_any_glibc(double x, double y);
__asm__(".symver hypot_any_glibc, hypot@GLIBC_2.2.5");
double __wrap_hypot(double x, double y);
double __wrap_hypot(double x, double y) { return hypot_any_glibc(x, y); }
