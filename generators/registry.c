/* The one place that lists the formats: adding a format is one file under
 * generators/, one folder under templates/, and one entry in the line
 * below, which names its `<format>_generator`. */
#include "generators/registry.h"

#define FORMATS(X) X(npm) X(pypi) X(cargo) X(deb) X(rpm)

#define DECLARE(format) extern const struct generator format##_generator;
#define ENTRY(format)   &format##_generator,
FORMATS(DECLARE)

static const struct generator *const formats[] = {FORMATS(ENTRY)};

const struct generator_table generator_registry = {formats, sizeof formats / sizeof formats[0]};
