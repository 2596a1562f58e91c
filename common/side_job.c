#include "common/side_job.h"

#include <string.h>

static void *side_job_main(void *arg)
{
    struct side_job *job = arg;
    job->rc = job->run(job->ctx, &job->err);
    return NULL;
}

void side_job_start(struct side_job *job, int (*run)(void *ctx, struct ag_error *err), void *ctx)
{
    memset(job, 0, sizeof *job);
    job->run = run;
    job->ctx = ctx;
    job->started = pthread_create(&job->thread, NULL, side_job_main, job) == 0;
}

int side_job_wait(struct side_job *job, struct ag_error *err)
{
    if (job->started)
        pthread_join(job->thread, NULL);
    else
        side_job_main(job);
    if (job->rc != AG_OK)
        return ag_error_set(err, job->rc, "%s", job->err.message);
    return AG_OK;
}
