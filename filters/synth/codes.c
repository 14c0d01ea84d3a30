/* codes.c: drawing an ICPC code by weight among those that fit a patient's sex and age, for
 * episodes and for contacts. */
#include "synth.h"

static bool code_fits(const code_weight *code, int sex, int age)
{
    return (code->sex == ANY || code->sex == sex) && age >= code->age_from && age <= code->age_to;
}

/* A code from CODES that fits SEX and AGE, by weight; NULL when none fits. */
const char *pick_code(gsl_rng *rng, const code_weight *codes, size_t count, int sex, int age)
{
    unsigned long total = 0;
    for (size_t i = 0; i < count && codes[i].code; i++)
        if (code_fits(&codes[i], sex, age))
            total += (unsigned long)codes[i].weight;
    if (total == 0)
        return NULL;
    unsigned long pick = uniform_int(rng, total);
    for (size_t i = 0; i < count && codes[i].code; i++)
        if (code_fits(&codes[i], sex, age)) {
            if (pick < (unsigned long)codes[i].weight)
                return codes[i].code;
            pick -= (unsigned long)codes[i].weight;
        }
    return NULL;
}
