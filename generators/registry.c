/* The one place that lists the formats: adding a format is one file under
 * generators/, one folder under templates/, and one line here. */
#include "generators/registry.h"

extern const struct generator npm_generator;
extern const struct generator pypi_generator;

static const struct generator *const formats[] = {
    &npm_generator,
    &pypi_generator,
};

const struct generator_table generator_registry = {formats, sizeof formats / sizeof formats[0]};
