#ifndef ASSETGEN_DIGEST_WORKERS_H
#define ASSETGEN_DIGEST_WORKERS_H

#include <stddef.h>

#include "common/digest.h"

/* The threads behind a digest_set's large updates: each chunk is offered
 * kind by kind, costliest first, to the workers and the calling thread. Only
 * digest.c uses this. */

/* Starts the set's workers unless it has them; 0 on success. On failure the
 * threads already started are joined and the set is marked serial_only. */
int digest_workers_start(struct digest_set *set);
/* Hashes the chunk into every kind of the set; returns when all are done. */
void digest_workers_update(struct digest_workers *workers, const void *data, size_t len);
/* Starts hashing the chunk and returns at once; the chunk must stay as it
 * is until digest_workers_wait (which the next update or post does too). */
void digest_workers_post(struct digest_workers *workers, const void *data, size_t len);
void digest_workers_wait(struct digest_workers *workers);
/* Joins and frees the set's workers (a posted chunk finished first); harmless on a set that has
 * none. */
void digest_workers_stop(struct digest_set *set);

#endif
