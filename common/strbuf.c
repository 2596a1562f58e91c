#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"

static void strbuf_grow(struct strbuf *buf, size_t more)
{
    if (buf->len + more + 1 <= buf->cap)
        return;
    size_t cap = buf->cap ? buf->cap : 256;
    while (buf->len + more + 1 > cap)
        cap *= 2;
    buf->data = xrealloc(buf->data, cap);
    buf->cap = cap;
}

void strbuf_add(struct strbuf *buf, const char *text, size_t len)
{
    strbuf_grow(buf, len);
    memcpy(buf->data + buf->len, text, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

void strbuf_adds(struct strbuf *buf, const char *text)
{
    strbuf_add(buf, text, strlen(text));
}

void strbuf_addf(struct strbuf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    strbuf_grow(buf, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
}

void strbuf_add_escaped(struct strbuf *buf, const char *text)
{
    for (const char *c = text; *c; c++) {
        switch (*c) {
        case '&':
            strbuf_adds(buf, "&amp;");
            break;
        case '<':
            strbuf_adds(buf, "&lt;");
            break;
        case '>':
            strbuf_adds(buf, "&gt;");
            break;
        case '"':
            strbuf_adds(buf, "&quot;");
            break;
        default:
            strbuf_add(buf, c, 1);
        }
    }
}

char *strbuf_detach(struct strbuf *buf, size_t *len)
{
    if (buf->data == NULL)
        strbuf_add(buf, "", 0);
    char *out = buf->data;
    if (len != NULL)
        *len = buf->len;
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return out;
}

void strbuf_free(struct strbuf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}
