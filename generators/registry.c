/* The one place that lists the formats: adding a format is one file under
 * generators/, one folder under templates/, and one line here. */
#include <string.h>

#include "common/generator.h"

extern const struct generator npm_generator;
extern const struct generator pypi_generator;

const struct generator *const generator_registry[] = {
    &npm_generator,
    &pypi_generator,
};

const size_t generator_registry_count = sizeof generator_registry / sizeof generator_registry[0];

const struct generator *generator_find(const char *name)
{
    for (size_t i = 0; i < generator_registry_count; i++)
        if (strcmp(generator_registry[i]->name, name) == 0)
            return generator_registry[i];
    return NULL;
}

int artifact_has_defect(const struct artifact *art, const char *defect)
{
    return art->defect != NULL && strcmp(art->defect, defect) == 0;
}
