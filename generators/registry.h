#ifndef ASSETGEN_REGISTRY_H
#define ASSETGEN_REGISTRY_H

#include "common/generator.h"

/* Every format this build has, for cli/ to hand to the engine. */
extern const struct generator_table generator_registry;

#endif
