#ifndef ASSETGEN_ERROR_H
#define ASSETGEN_ERROR_H

/* Exit statuses the command line maps errors onto. */
enum ag_status {
    AG_OK = 0,
    AG_FAIL = 1,  /* generation or verification failed */
    AG_USAGE = 2, /* bad argument, configuration or input */
};

/* The one error type carried from common/ and generators/ up to cli/,
 * which alone prints it. */
struct ag_error {
    int status;
    char message[1024];
};

/* Records the first error only: the innermost cause is the useful one.
 * Returns status so callers can write `return ag_error_set(...)`. */
int ag_error_set(struct ag_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes context ("writing npm/x.tgz: ") onto an error already set. */
int ag_error_prefix(struct ag_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Replaces every occurrence of from in the message with to: a path
 * inside a staging directory becomes the path the user knows. */
void ag_error_replace(struct ag_error *err, const char *from, const char *to);

/* The status an I/O failure maps to: a full or failing disk fails the
 * run (1); a path the user cannot write is a usage error (2). */
int ag_status_for_errno(int e);

void ag_error_clear(struct ag_error *err);

#endif
