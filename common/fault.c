#include "common/fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef ASSETGEN_FAULT_INJECTION
static int fault_armed(int fd, size_t len)
{
    const char *spec = getenv("ASSETGEN_FAULT");
    if (spec == NULL)
        return 0;
    const char *at = strchr(spec, '@');
    if (at == NULL)
        return 0;
    long long limit = atoll(at + 1);
    off_t offset = lseek(fd, 0, SEEK_CUR);
    if (offset < 0 || (long long)offset + (long long)len <= limit)
        return 0;
    errno = strncmp(spec, "eio", 3) == 0 ? EIO : ENOSPC;
    return 1;
}
#endif

ssize_t fault_write(int fd, const void *buf, size_t len)
{
#ifdef ASSETGEN_FAULT_INJECTION
    if (fault_armed(fd, len))
        return -1;
#endif
    return write(fd, buf, len);
}
