#ifndef ASSETGEN_FAULT_H
#define ASSETGEN_FAULT_H

#include <stddef.h>
#include <sys/types.h>

/* The one fault-injection point for output writes. In builds configured
 * with ASSETGEN_FAULT_INJECTION, ASSETGEN_FAULT=enospc@N or eio@N makes a
 * write fail once the file would pass N bytes (ASSETGEN_FAULT=enospc@0:NAME
 * only in files called NAME); elsewhere it is write(2). */
ssize_t fault_write(int fd, const void *buf, size_t len);

/* A place a crash is simulated: ASSETGEN_FAULT=kill@N:NAME kills the
 * process with SIGKILL on the N-th pass through fault_point(NAME), in
 * fault-injection builds only. */
void fault_point(const char *name);

#endif
