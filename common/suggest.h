#ifndef ASSETGEN_SUGGEST_H
#define ASSETGEN_SUGGEST_H

#include <stddef.h>

/* The candidate closest to word by edit distance, or NULL when none is
 * close enough to be a plausible typo. */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t count);
/* Joins candidates as "a, b, c" into out. */
void suggest_join(const char *const *candidates, size_t count, char *out, size_t cap);
/* The tail of an "unknown X" message: " (did you mean 'y'? valid: a, b)",
 * or " (valid: a, b)" when nothing is close. */
void suggest_hint(const char *word, const char *const *candidates, size_t count, char *out,
                  size_t cap);

#endif
