#ifndef ASSETGEN_CLEANUP_H
#define ASSETGEN_CLEANUP_H

/* The table of temporary files in flight, so that SIGINT and SIGTERM can
 * remove them before the process exits. */
void cleanup_register(const char *path);
void cleanup_unregister(const char *path);
/* Installs SIGINT/SIGTERM/SIGHUP handlers that unlink every registered
 * file, print what was kept, and exit 128+signal. */
void cleanup_install_signal_handlers(void);

#endif
