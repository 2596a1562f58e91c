#ifndef ASSETGEN_CLEANUP_H
#define ASSETGEN_CLEANUP_H

#include "common/error.h"

/* What must not outlive an interrupted run: temporary files in flight and
 * private resources (a GnuPG home and its agent). SIGINT, SIGTERM and
 * SIGHUP are taken by one thread that removes them, says what was kept,
 * and exits 128+signal. Temporary files are registered as
 * cleanup_create_temp makes them. */
void cleanup_unregister(const char *path);

/* Holds off an interrupt's cleanup while a step that must not be cut
 * short runs (moving a finished run into place and writing its
 * manifest); a signal that arrives meanwhile is handled at
 * cleanup_resume. */
void cleanup_defer(void);
void cleanup_resume(void);
/* Called before the process exits on its own: an interrupt already being
 * handled is left to finish (it ends the process) instead of racing the
 * exit. */
void cleanup_settle(void);

typedef void (*cleanup_hook)(void *arg);
/* Runs hook(arg) if the process is interrupted before the unregister. */
void cleanup_register_hook(cleanup_hook hook, void *arg);
void cleanup_unregister_hook(cleanup_hook hook, void *arg);

/* Blocks the signals in every thread and starts the thread that waits for
 * them; call before any other thread exists. */
void cleanup_install_signal_handlers(void);

/* The temporary name for path: ".<base>.tmp-<pid>-XXXXXX" in its directory,
 * so a later run can tell a dead run's leftovers from a live one's. */
char *cleanup_temp_name(const char *path);

/* Makes path's parent directories and a temporary for it: a file
 * (mkstemp, registered; returns its descriptor) or, with directory set, a
 * directory (mkdtemp; returns 0). All of it happens under the lock an
 * interrupt takes first, so once an interrupt is being handled nothing
 * new appears in the output. On failure returns -1 with err set and
 * *temp_path NULL. */
int cleanup_create_temp(const char *path, int directory, char **temp_path, struct ag_error *err);
/* Opens dir and holds an exclusive flock on it for as long as the
 * descriptor is open (close it to let go): marks a temporary directory as
 * a live run's to every sweep, across pid namespaces. -1 on failure. */
int cleanup_hold_dir(const char *dir);

/* Calls found(ctx, path, owner_gone) for every temporary under dir (a
 * temporary directory counts as one);
 * owner_gone is 1 when the process that made it no longer exists. */
typedef void (*temporary_fn)(void *ctx, const char *path, int owner_gone);
void cleanup_each_temporary(const char *dir, temporary_fn found, void *ctx);
/* Removes temporaries under dir left by processes that no longer exist
 * (a run killed with SIGKILL). */
void cleanup_stale_temporaries(const char *dir);
/* Removes this process's own temporaries under dir, including those made
 * but not yet registered when an interrupt arrives. */
void cleanup_own_temporaries(const char *dir);

#endif
