#ifndef ASSETGEN_NPM_SETS_H
#define ASSETGEN_NPM_SETS_H

#include <jansson.h>

#include "common/generator.h"

/* npm's side of package sets: ranges, dependencies in package.json,
 * dist-tags and the package URL. */
extern const struct set_support npm_set_support;

/* The neutral range in node-semver syntax ("" for any version). */
char *npm_range_text(const struct version_range *range);
/* dependencies, devDependencies and optionalDependencies of spec into a
 * package.json object. */
void npm_add_dependencies(const struct package_spec *spec, json_t *package_json);
char *npm_purl(const char *name, const char *version);

#endif
