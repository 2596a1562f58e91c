#include "common/generator.h"

#include <string.h>

const struct generator *generator_table_find(const struct generator_table *table, const char *name)
{
    for (size_t i = 0; i < table->count; i++)
        if (strcmp(table->items[i]->name, name) == 0)
            return table->items[i];
    return NULL;
}

const struct artifact_kind *generator_kind(const struct generator *gen, const char *kind)
{
    for (size_t i = 0; i < gen->kind_count; i++)
        if (strcmp(gen->kinds[i].kind, kind) == 0)
            return &gen->kinds[i];
    return NULL;
}

const struct defect *generator_defect(const struct generator *gen, const char *name)
{
    for (size_t i = 0; name && i < gen->defect_count; i++)
        if (strcmp(gen->defects[i].name, name) == 0)
            return &gen->defects[i];
    return NULL;
}

const char *package_spec_field(const struct package_spec *spec, const char *key)
{
    for (size_t i = 0; i < spec->field_count; i++)
        if (strcmp(spec->fields[i].key, key) == 0)
            return spec->fields[i].value;
    return NULL;
}

int artifact_has_defect(const struct artifact *art, const char *defect)
{
    return art->defect != NULL && strcmp(art->defect, defect) == 0;
}
