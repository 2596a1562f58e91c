#ifndef ASSETGEN_GENERATE_RUN_H
#define ASSETGEN_GENERATE_RUN_H

#include <stdint.h>

#include "common/artifact.h"
#include "common/config.h"
#include "common/error.h"
#include "common/generate_plan.h"
#include "common/generator.h"

/* What a run reports while it works; any callback may be NULL. */
struct generate_progress {
    /* From a worker thread as each package finishes. */
    void (*package_done)(void *ctx, const struct planned_package *pkg,
                         const struct artifact_list *made, size_t done, size_t total);
    /* About four times a second while packages are written: the bytes
     * written so far and the bytes the plan expects in all. */
    void (*bytes_written)(void *ctx, uint64_t written, uint64_t planned);
    /* Once, when the output lock is held by another process (pid, or 0). */
    void (*lock_wait)(void *ctx, long pid);
    void *ctx;
};

/* Generates every package with up to jobs threads into a staging
 * directory, then under the output lock merges the manifest, writes each
 * format's index there and moves the lot into place. On failure nothing
 * visible has changed: out/ and its manifest are as they were. */
int generate_plan_run(const struct generate_plan *plan, unsigned jobs, const char *tool,
                      const struct generate_progress *progress, struct artifact_list *made,
                      struct ag_error *err);

#endif
