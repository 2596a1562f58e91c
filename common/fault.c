#include "common/fault.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef ASSETGEN_FAULT_INJECTION
/* Whether fd is the temporary of a file called name (".<name>.tmp-..."). */
static int fault_file_is(int fd, const char *name, size_t name_len)
{
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return 0;
    target[n] = '\0';
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    return base[0] == '.' && strncmp(base + 1, name, name_len) == 0 &&
           strncmp(base + 1 + name_len, ".tmp-", 5) == 0;
}

/* "enospc@N" or "eio@N": a write that takes a file past N bytes fails;
 * "...@N:NAME" limits that to files called NAME (manifest.json, say). */
static int fault_armed(int fd, size_t len)
{
    const char *spec = getenv("ASSETGEN_FAULT");
    if (spec == NULL || (strncmp(spec, "enospc@", 7) != 0 && strncmp(spec, "eio@", 4) != 0))
        return 0;
    const char *at = strchr(spec, '@');
    if (at == NULL)
        return 0;
    long long limit = atoll(at + 1);
    const char *name = strchr(at, ':');
    if (name && !fault_file_is(fd, name + 1, strlen(name + 1)))
        return 0;
    off_t offset = lseek(fd, 0, SEEK_CUR);
    if (offset < 0 || (long long)offset + (long long)len <= limit)
        return 0;
    errno = strncmp(spec, "eio", 3) == 0 ? EIO : ENOSPC;
    return 1;
}

static atomic_uint fault_passes;
#endif

void fault_point(const char *name)
{
#ifdef ASSETGEN_FAULT_INJECTION
    const char *spec = getenv("ASSETGEN_FAULT");
    if (spec == NULL || strncmp(spec, "kill@", 5) != 0)
        return;
    const char *colon = strchr(spec, ':');
    if (colon == NULL || strcmp(colon + 1, name) != 0)
        return;
    if (atomic_fetch_add(&fault_passes, 1) + 1 >= (unsigned)atoi(spec + 5))
        raise(SIGKILL);
#else
    (void)name;
#endif
}

ssize_t fault_write(int fd, const void *buf, size_t len)
{
#ifdef ASSETGEN_FAULT_INJECTION
    if (fault_armed(fd, len))
        return -1;
#endif
    return write(fd, buf, len);
}
