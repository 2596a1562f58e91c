#ifndef ASSETGEN_STRBUF_H
#define ASSETGEN_STRBUF_H

#include <stddef.h>

/* A growable NUL-terminated string, for documents built piece by piece
 * (HTML indexes, JUnit XML, rendered templates). */
struct strbuf {
    char *data;
    size_t len;
    size_t cap;
};

void strbuf_add(struct strbuf *buf, const char *text, size_t len);
void strbuf_adds(struct strbuf *buf, const char *text);
void strbuf_addf(struct strbuf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends text with &, <, > and " escaped, for HTML and XML. */
void strbuf_add_escaped(struct strbuf *buf, const char *text);
/* Hands the string over (never NULL); buf is empty afterwards. */
char *strbuf_detach(struct strbuf *buf, size_t *len);
void strbuf_free(struct strbuf *buf);

#endif
