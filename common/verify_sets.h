#ifndef ASSETGEN_VERIFY_SETS_H
#define ASSETGEN_VERIFY_SETS_H

#include "common/manifest.h"
#include "common/report.h"

/* Each package set the manifest describes: every dependency inside the
 * set is satisfiable within it, and every expected resolution names
 * packages the tree lists for that format. One report line per set and
 * format. */
void verify_sets(const struct manifest *m, struct report *report);

#endif
