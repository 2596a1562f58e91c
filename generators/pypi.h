#ifndef ASSETGEN_PYPI_H
#define ASSETGEN_PYPI_H

#include <jansson.h>

#include "common/generator.h"
#include "common/template.h"

/* The parts of the pypi format shared by its files. */

/* PEP 503: lowercase, every run of -_. becomes sep ('-' for the index,
 * '_' for wheel and sdist file names). */
char *pypi_normalize(const char *name, char sep);
/* The value of "Key: value" in an RFC 822 style metadata text, or NULL. */
char *pypi_metadata_field(const char *text, const char *key);

extern const struct set_support pypi_set_support;
char *pypi_purl(const char *name, const char *version);
/* The core metadata with spec's dependencies as Requires-Dist (dev and
 * optional ones behind extras of those names), a fresh string. */
char *pypi_metadata_with_dependencies(const struct package_spec *spec, const char *metadata);

/* PyPI's JSON API (pypi/<project>/json and pypi/<project>/<version>/json)
 * from the project's rows. */
int pypi_write_json_api(const struct index_request *req, const char *project, struct ag_error *err);

#endif
