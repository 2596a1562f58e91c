#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ag_error_set(struct ag_error *err, int status, const char *fmt, ...)
{
    if (err == NULL || err->status != AG_OK)
        return err == NULL ? status : err->status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->status = status;
    return status;
}

int ag_error_prefix(struct ag_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return AG_FAIL;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Shift the message right to make room; truncation keeps the head. */
    size_t plen = strlen(prefix), cap = sizeof err->message;
    if (plen >= cap)
        plen = cap - 1;
    size_t mlen = strlen(err->message);
    if (plen + mlen >= cap)
        mlen = cap - 1 - plen;
    memmove(err->message + plen, err->message, mlen);
    memcpy(err->message, prefix, plen);
    err->message[plen + mlen] = '\0';
    return err->status;
}

void ag_error_replace(struct ag_error *err, const char *from, const char *to)
{
    size_t from_len = strlen(from);
    if (err == NULL || from_len == 0)
        return;
    char out[sizeof err->message];
    size_t used = 0;
    const char *p = err->message;
    const char *hit;
    while ((hit = strstr(p, from)) != NULL) {
        used += (size_t)snprintf(out + used, sizeof out - used, "%.*s%s", (int)(hit - p), p, to);
        if (used >= sizeof out)
            break;
        p = hit + from_len;
    }
    if (used < sizeof out)
        snprintf(out + used, sizeof out - used, "%s", p);
    memcpy(err->message, out, sizeof out);
    err->message[sizeof err->message - 1] = '\0';
}

int ag_status_for_errno(int e)
{
    return (e == EACCES || e == EROFS || e == ENOTDIR || e == EISDIR) ? AG_USAGE : AG_FAIL;
}

void ag_error_clear(struct ag_error *err)
{
    err->status = AG_OK;
    err->message[0] = '\0';
}
