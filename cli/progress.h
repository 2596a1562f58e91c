#ifndef ASSETGEN_CLI_PROGRESS_H
#define ASSETGEN_CLI_PROGRESS_H

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "common/generate_run.h"

/* What generate shows on stderr while it works: a line per finished
 * package and, on a terminal, a bar of the bytes written. */
struct progress_display {
    FILE *out;
    int lines;     /* a line per finished package */
    int bar;       /* a redrawn bar (a terminal only) */
    int bar_drawn; /* the bar is on the current line */
    struct timespec start;
    pthread_mutex_t lock;
};

void progress_display_init(struct progress_display *d, FILE *out, int lines, int bar);
/* The callbacks for generate_plan_run. */
struct generate_progress progress_display_callbacks(struct progress_display *d);
/* For cleanup_register_hook: an interrupt's message starts on a clean
 * line. */
void progress_display_interrupted(void *display);
/* Clears the bar, so what follows starts on a clean line. */
void progress_display_finish(struct progress_display *d);

#endif
