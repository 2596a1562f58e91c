#ifndef ASSETGEN_VERIFY_RUN_H
#define ASSETGEN_VERIFY_RUN_H

#include "common/config.h"
#include "common/error.h"
#include "common/generator.h"
#include "common/report.h"

/* Re-reads every artifact of out_root/manifest.json: bytes and digests,
 * size within the tier, then the format's own checks. One result per
 * artifact goes into report. Signatures are checked against public_key. Returns a usage error only
 * when the tree cannot be read at all. */
int verify_run(const struct generator_table *formats, const char *out_root,
               const struct size_tier *size, const char *public_key, struct report *report,
               struct ag_error *err);

#endif
