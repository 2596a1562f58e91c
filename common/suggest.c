#include "common/suggest.h"

#include <stdio.h>
#include <string.h>

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *suggest_nearest(const char *word, const char *const *candidates, size_t count)
{
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(word, candidates[i]);
        if (d < best_distance) {
            best_distance = d;
            best = candidates[i];
        }
    }
    size_t limit = strlen(word) / 3 + 1;
    return best_distance <= limit ? best : NULL;
}

void suggest_join(const char *const *candidates, size_t count, char *out, size_t cap)
{
    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", i ? ", " : "", candidates[i]);
    }
}

void suggest_hint(const char *word, const char *const *candidates, size_t count, char *out,
                  size_t cap)
{
    char valid[512];
    suggest_join(candidates, count, valid, sizeof valid);
    const char *near = word ? suggest_nearest(word, candidates, count) : NULL;
    if (near)
        snprintf(out, cap, " (did you mean '%s'? valid: %s)", near, valid);
    else
        snprintf(out, cap, " (valid: %s)", valid);
}
