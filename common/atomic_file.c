#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fault.h"
#include "common/fsutil.h"

#define ATOMIC_BUFFER_BYTES (1u << 20)

/* The temporary file, as mkstemp makes it: mode 0600 at most. */
static int open_temp(struct atomic_file *file, const char *path, unsigned digest_mask,
                     struct ag_error *err)
{
    memset(file, 0, sizeof *file);
    file->fd = -1;
    /* A leading dot hides the partial file from directory listings and
     * from every index glob. */
    file->fd = cleanup_create_temp(path, 0, &file->temp_path, err);
    if (file->fd < 0)
        return err->status;
    file->final_path = xstrdup(path);
    file->buffer = xmalloc(ATOMIC_BUFFER_BYTES);
    file->spare = xmalloc(ATOMIC_BUFFER_BYTES);
    if (digest_set_init(&file->digests, digest_mask, err) != AG_OK) {
        atomic_file_abort(file);
        return err->status;
    }
    return AG_OK;
}

int atomic_file_open(struct atomic_file *file, const char *path, unsigned digest_mask,
                     struct ag_error *err)
{
    if (open_temp(file, path, digest_mask, err) != AG_OK)
        return err->status;
    fchmod(file->fd, 0644);
    return AG_OK;
}

static int write_all(struct atomic_file *file, const unsigned char *data, size_t len,
                     struct ag_error *err)
{
    while (len > 0) {
        ssize_t n = fault_write(file->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            return ag_error_set(err, ag_status_for_errno(e), "cannot write %s: %s",
                                file->final_path, strerror(e));
        }
        data += n;
        len -= (size_t)n;
    }
    return AG_OK;
}

/* The digests see the buffer as it is flushed, not each write: writers
 * hand over archive blocks of a few KiB, and a chunk of a MiB is what lets
 * the digest threads share the kinds. The chunk is hashed while it is
 * written and while the writer fills the other buffer: the two cores
 * make the bytes and digest them at once. */
static int flush_buffer(struct atomic_file *file, struct ag_error *err)
{
    if (file->buffered == 0)
        return AG_OK;
    digest_set_update_async(&file->digests, file->buffer, file->buffered);
    int rc = write_all(file, file->buffer, file->buffered, err);
    file->buffered = 0;
    /* The next post waits for this chunk's hashing before it starts its
     * own, so the spare is free again by the time it is filled. */
    unsigned char *hashed = file->buffer;
    file->buffer = file->spare;
    file->spare = hashed;
    return rc;
}

int atomic_file_write(struct atomic_file *file, const void *data, size_t len, struct ag_error *err)
{
    file->bytes += len;
    if (file->buffered + len > ATOMIC_BUFFER_BYTES) {
        if (flush_buffer(file, err) != AG_OK)
            return err->status;
        if (len >= ATOMIC_BUFFER_BYTES) {
            digest_set_update(&file->digests, data, len);
            return write_all(file, data, len, err);
        }
    }
    memcpy(file->buffer + file->buffered, data, len);
    file->buffered += len;
    return AG_OK;
}

int atomic_file_truncate(struct atomic_file *file, uint64_t len, struct ag_error *err)
{
    if (flush_buffer(file, err) != AG_OK)
        return err->status;
    if (len > file->bytes)
        len = file->bytes;
    if (ftruncate(file->fd, (off_t)len) != 0)
        return ag_error_set(err, AG_FAIL, "cannot truncate %s: %s", file->final_path,
                            strerror(errno));
    struct digest_set old = file->digests;
    digest_set_free(&file->digests);
    if (digest_set_init(&file->digests, old.mask, err) != AG_OK)
        return err->status;
    /* What the caller chose about threads outlives the restart. */
    file->digests.thread_limit = old.thread_limit;
    file->digests.start_thread = old.start_thread;
    file->digests.start_thread_ctx = old.start_thread_ctx;
    unsigned char *chunk = file->buffer;
    for (uint64_t done = 0; done < len;) {
        size_t want = len - done < (1u << 20) ? (size_t)(len - done) : (1u << 20);
        ssize_t n = pread(file->fd, chunk, want, (off_t)done);
        if (n <= 0)
            return ag_error_set(err, AG_FAIL, "cannot re-read %s", file->final_path);
        digest_set_update(&file->digests, chunk, (size_t)n);
        done += (uint64_t)n;
    }
    file->bytes = len;
    if (lseek(file->fd, (off_t)len, SEEK_SET) < 0)
        return ag_error_set(err, AG_FAIL, "cannot seek in %s", file->final_path);
    return AG_OK;
}

int atomic_file_commit(struct atomic_file *file, struct ag_error *err)
{
    if (flush_buffer(file, err) != AG_OK)
        goto fail;
    if (fsync(file->fd) != 0) {
        int e = errno;
        ag_error_set(err, AG_FAIL, "cannot sync %s: %s", file->final_path, strerror(e));
        goto fail;
    }
    if (close(file->fd) != 0) {
        int e = errno;
        file->fd = -1;
        ag_error_set(err, AG_FAIL, "cannot close %s: %s", file->final_path, strerror(e));
        goto fail;
    }
    file->fd = -1;
    struct digest_state *state =
        file->keep_sha256_state ? digest_set_snapshot(&file->digests, DIGEST_SHA256) : NULL;
    if (digest_set_final(&file->digests, err) != AG_OK) {
        digest_state_free(state);
        goto fail;
    }
    /* Only a regular file is replaced: renaming over a device node, a
     * FIFO or a symlink would swap it for a file. */
    struct stat target;
    if (lstat(file->final_path, &target) == 0 && !S_ISREG(target.st_mode)) {
        ag_error_set(err, AG_FAIL, "%s exists and is not a regular file; not replaced",
                     file->final_path);
        digest_state_free(state);
        goto fail;
    }
    if (rename(file->temp_path, file->final_path) != 0) {
        int e = errno;
        digest_state_free(state);
        ag_error_set(err, ag_status_for_errno(e), "cannot rename into %s: %s", file->final_path,
                     strerror(e));
        goto fail;
    }
    cleanup_unregister(file->temp_path);
    free(file->temp_path);
    file->temp_path = NULL;
    atomic_file_abort(file);
    file->sha256_state = state;
    return AG_OK;
fail:
    atomic_file_abort(file);
    return err->status;
}

void atomic_file_abort(struct atomic_file *file)
{
    if (file->fd >= 0)
        close(file->fd);
    file->fd = -1;
    if (file->temp_path != NULL) {
        unlink(file->temp_path);
        cleanup_unregister(file->temp_path);
        free(file->temp_path);
        file->temp_path = NULL;
    }
    free(file->final_path);
    file->final_path = NULL;
    /* The threads first: one may still be hashing a buffer. */
    digest_set_free(&file->digests);
    free(file->buffer);
    free(file->spare);
    file->buffer = NULL;
    file->spare = NULL;
}

int atomic_write_buffer(const char *path, const void *data, size_t len, struct ag_error *err)
{
    return atomic_write_mode(path, data, len, 0644, err);
}

int atomic_write_mode(const char *path, const void *data, size_t len, unsigned mode,
                      struct ag_error *err)
{
    struct atomic_file file;
    /* Not atomic_file_open: in the moment between its 0644 and mode, another
     * user could open the file and later read the data through that fd. */
    if (open_temp(&file, path, 0, err) != AG_OK)
        return err->status;
    if (fchmod(file.fd, (mode_t)mode) != 0) {
        atomic_file_abort(&file);
        return ag_error_set(err, AG_FAIL, "cannot set the mode of %s", path);
    }
    if (atomic_file_write(&file, data, len, err) != AG_OK) {
        atomic_file_abort(&file);
        return err->status;
    }
    return atomic_file_commit(&file, err);
}
