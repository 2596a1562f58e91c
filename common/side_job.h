#ifndef ASSETGEN_SIDE_JOB_H
#define ASSETGEN_SIDE_JOB_H

#include <pthread.h>

#include "common/error.h"

/* A piece of work run on a second thread while the caller does another
 * (a package's second file while its first is written): the two cores
 * then both work on one package. When no thread can start, the job runs
 * in side_job_wait instead. */
struct side_job {
    pthread_t thread;
    int started;
    int (*run)(void *ctx, struct ag_error *err);
    void *ctx;
    int rc;
    struct ag_error err;
};

void side_job_start(struct side_job *job, int (*run)(void *ctx, struct ag_error *err), void *ctx);
/* Joins the job (or runs it now); its status, with its error in err. */
int side_job_wait(struct side_job *job, struct ag_error *err);

#endif
