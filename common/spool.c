#include "common/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/crc32.h"
#include "common/fault.h"
#include "common/fsutil.h"

#define SPOOL_BUFFER_BYTES (256u * 1024u)

int spool_open(struct spool *spool, const char *dir, unsigned digest_mask, struct ag_error *err)
{
    memset(spool, 0, sizeof *spool);
    spool->fd = -1;
    char *want = xasprintf("%s/spool", dir);
    char *temp = NULL;
    spool->fd = cleanup_create_temp(want, 0, &temp, err);
    free(want);
    if (spool->fd < 0)
        return err->status;
    /* Unlinked at once: the descriptor is the only way to the bytes, and
     * the space comes back when it closes, even after SIGKILL. */
    unlink(temp);
    cleanup_unregister(temp);
    free(temp);
    int flags = fcntl(spool->fd, F_GETFD);
    if (flags >= 0)
        fcntl(spool->fd, F_SETFD, flags | FD_CLOEXEC);
    spool->dir = xstrdup(dir);
    spool->buffer = xmalloc(SPOOL_BUFFER_BYTES);
    if (digest_set_init(&spool->digests, digest_mask, err) != AG_OK) {
        spool_free(spool);
        return err->status;
    }
    return AG_OK;
}

static int write_all(struct spool *spool, const unsigned char *data, size_t len,
                     struct ag_error *err)
{
    while (len > 0) {
        ssize_t n = fault_write(spool->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            return ag_error_set(err, ag_status_for_errno(e), "cannot write a spool in %s: %s",
                                spool->dir, strerror(e));
        }
        data += n;
        len -= (size_t)n;
    }
    return AG_OK;
}

static int flush_buffer(struct spool *spool, struct ag_error *err)
{
    int rc = write_all(spool, spool->buffer, spool->buffered, err);
    spool->buffered = 0;
    return rc;
}

int spool_write(struct spool *spool, const void *data, size_t len, struct ag_error *err)
{
    if (spool->finished)
        return ag_error_set(err, AG_FAIL, "write to a finished spool in %s", spool->dir);
    digest_set_update(&spool->digests, data, len);
    spool->crc32 = crc32_extend(spool->crc32, data, len);
    spool->bytes += len;
    if (spool->buffered + len > SPOOL_BUFFER_BYTES) {
        if (flush_buffer(spool, err) != AG_OK)
            return err->status;
        if (len >= SPOOL_BUFFER_BYTES)
            return write_all(spool, data, len, err);
    }
    memcpy(spool->buffer + spool->buffered, data, len);
    spool->buffered += len;
    return AG_OK;
}

int spool_finish(struct spool *spool, struct ag_error *err)
{
    if (spool->finished)
        return AG_OK;
    if (flush_buffer(spool, err) != AG_OK || digest_set_final(&spool->digests, err) != AG_OK)
        return err->status;
    free(spool->buffer);
    spool->buffer = NULL;
    spool->finished = 1;
    return AG_OK;
}

int spool_copy(const struct spool *spool, const struct byte_sink *sink, struct ag_error *err)
{
    if (!spool->finished)
        return ag_error_set(err, AG_FAIL, "copy of an unfinished spool in %s", spool->dir);
    unsigned char *chunk = xmalloc(SPOOL_CHUNK);
    int rc = AG_OK;
    for (uint64_t done = 0; done < spool->bytes && rc == AG_OK;) {
        uint64_t left = spool->bytes - done;
        size_t want = left < SPOOL_CHUNK ? (size_t)left : SPOOL_CHUNK;
        ssize_t n = pread(spool->fd, chunk, want, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            rc = ag_error_set(err, ag_status_for_errno(e), "cannot read a spool in %s: %s",
                              spool->dir, strerror(e));
            break;
        }
        rc = byte_sink_write(sink, chunk, (size_t)n, err);
        done += (uint64_t)n;
    }
    free(chunk);
    return rc;
}

void spool_free(struct spool *spool)
{
    if (spool->fd >= 0)
        close(spool->fd);
    spool->fd = -1;
    free(spool->dir);
    spool->dir = NULL;
    free(spool->buffer);
    spool->buffer = NULL;
    digest_set_free(&spool->digests);
}
