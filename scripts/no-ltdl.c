/* no-ltdl.c: for the static bundle (make dist) only. GLPK loads the ODBC and MySQL drivers of
 * MathProg's table statements through libltdl, which Debian ships without a static library;
 * koppel uses neither, so these stand-ins make such a load fail with a message instead. */
#include <stddef.h>

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
