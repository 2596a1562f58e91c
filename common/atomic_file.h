#ifndef ASSETGEN_ATOMIC_FILE_H
#define ASSETGEN_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"

/* A file written under a temporary name in its final directory and renamed
 * into place on commit, so a reader sees either nothing or the whole file.
 * Bytes are digested as they are written: one pass gives size and hashes. */
struct atomic_file {
    int fd;
    char *final_path;
    char *temp_path;
    struct digest_set digests;
    uint64_t bytes;
    unsigned char *buffer;
    unsigned char *spare; /* the buffer being hashed while the other fills */
    /* Set before commit to keep the SHA-256 state of the whole file
     * (for a signature), which artifact_take_digests then takes. */
    int keep_sha256_state;
    struct digest_state *sha256_state;
    size_t buffered;
};

int atomic_file_open(struct atomic_file *file, const char *path, unsigned digest_mask,
                     struct ag_error *err);
int atomic_file_write(struct atomic_file *file, const void *data, size_t len, struct ag_error *err);
/* Cuts the file to its first len bytes before commit, as a broken
 * download would (a defect variant); the digests become those of the cut
 * file. */
int atomic_file_truncate(struct atomic_file *file, uint64_t len, struct ag_error *err);
/* Flushes, fsyncs, renames into place and finalises the digests. */
int atomic_file_commit(struct atomic_file *file, struct ag_error *err);
/* Removes the temporary file; safe after commit or on a closed file. */
void atomic_file_abort(struct atomic_file *file);

/* Writes a whole buffer atomically (mode 0644). */
int atomic_write_buffer(const char *path, const void *data, size_t len, struct ag_error *err);
/* The same with a chosen mode, set before the rename: a private key is
 * never readable by others, not even for a moment. */
int atomic_write_mode(const char *path, const void *data, size_t len, unsigned mode,
                      struct ag_error *err);

#endif
