#ifndef ASSETGEN_SET_EXPECT_H
#define ASSETGEN_SET_EXPECT_H

#include <jansson.h>
#include <stddef.h>

#include "common/generator.h"
#include "common/package_set.h"

/* What a registry's or resolver's test asserts on: for each chosen
 * format, what it cannot express of the set and what its client should
 * resolve for each of the set's requests. The manifest's sets.<name>. */
json_t *set_manifest_entry(const struct package_set *set, const struct generator *const *gens,
                           size_t gen_count, const char *tier, int plain_names);

/* The parts of the set the format cannot carry, as sentences (a JSON
 * array of strings): never dropped without a word. */
json_t *set_unexpressed(const struct package_set *set, const struct generator *gen);

#endif
