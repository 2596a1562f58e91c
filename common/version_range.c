/* The neutral version range of a package set: comparators over SemVer
 * versions, each generator writing them in its own syntax. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/package_set.h"
#include "common/version_rules.h"

static const struct {
    const char *text;
    enum range_op op;
} range_ops[] = {
    {">=", RANGE_GE}, {"<=", RANGE_LE}, {"==", RANGE_EQ}, {"!=", RANGE_NE},
    {">", RANGE_GT},  {"<", RANGE_LT},  {"=", RANGE_EQ},
};

/* 1 to 3 dot-separated numbers without leading zeros; a pre-release
 * only after all three (a SemVer version then). */
static int comparator_version_ok(const char *v)
{
    if (version_is_semver(v))
        return strchr(v, '+') == NULL;
    int parts = 0;
    const char *p = v;
    for (;;) {
        if (!isdigit((unsigned char)*p) || (p[0] == '0' && isdigit((unsigned char)p[1])))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
        parts++;
        if (*p == '\0')
            return parts <= 3;
        if (*p != '.' || parts == 3)
            return 0;
        p++;
    }
}

int version_range_parse(const char *text, struct version_range *range, char *why, size_t why_len)
{
    memset(range, 0, sizeof *range);
    range->text = xstrdup(text);
    const char *p = text;
    while (*p == ' ')
        p++;
    if (strcmp(p, "*") == 0 || *p == '\0')
        return 1;
    char *copy = xstrdup(text);
    int ok = 1;
    for (char *tok = copy, *next; tok && ok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        while (*tok == ' ')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ')
            *--end = '\0';
        if (*tok == '\0') {
            snprintf(why, why_len, "an empty comparator (comparators are separated by ',')");
            ok = 0;
            break;
        }
        size_t o = 0;
        while (o < sizeof range_ops / sizeof range_ops[0] &&
               strncmp(tok, range_ops[o].text, strlen(range_ops[o].text)) != 0)
            o++;
        if (o == sizeof range_ops / sizeof range_ops[0]) {
            snprintf(why, why_len, "comparator '%s' has no operator (valid: >=, >, <=, <, ==, !=)",
                     tok);
            ok = 0;
            break;
        }
        const char *v = tok + strlen(range_ops[o].text);
        while (*v == ' ')
            v++;
        if (!comparator_version_ok(v)) {
            snprintf(why, why_len,
                     "comparator '%s': '%s' is not a version (valid: 1 to 3 numbers as in 1, "
                     "1.2, 1.2.3, or a SemVer pre-release such as 2.0.0-rc.1)",
                     tok, v);
            ok = 0;
            break;
        }
        range->items = xrealloc(range->items, (range->count + 1) * sizeof *range->items);
        range->items[range->count].op = range_ops[o].op;
        range->items[range->count++].version = xstrdup(v);
    }
    free(copy);
    if (ok && range->count == 0) {
        snprintf(why, why_len, "no comparator in '%s'", text);
        ok = 0;
    }
    if (!ok)
        version_range_free(range);
    return ok;
}

void version_range_free(struct version_range *range)
{
    for (size_t i = 0; i < range->count; i++)
        free(range->items[i].version);
    free(range->items);
    free(range->text);
    memset(range, 0, sizeof *range);
}

/* A comparator version as a full SemVer version: missing parts are 0. */
char *version_padded(const char *v)
{
    if (version_is_semver(v))
        return xstrdup(v);
    int dots = 0;
    for (const char *c = v; *c; c++)
        dots += *c == '.';
    return xasprintf("%s%s", v, dots == 0 ? ".0.0" : dots == 1 ? ".0" : "");
}

int version_is_prerelease(const char *version)
{
    const char *dash = strchr(version, '-');
    const char *plus = strchr(version, '+');
    return dash != NULL && (plus == NULL || dash < plus);
}

/* The major.minor.patch of a version, for the pre-release rule. */
static size_t core_length(const char *v)
{
    return strcspn(v, "-+");
}

static int range_check(const struct version_range *range, const char *version, int pre_rule)
{
    int pre_allowed = !pre_rule || !version_is_prerelease(version);
    for (size_t i = 0; i < range->count; i++) {
        char *want = version_padded(range->items[i].version);
        int cmp = version_compare_semver(version, want);
        if (!pre_allowed && version_is_prerelease(want) &&
            core_length(want) == core_length(version) &&
            strncmp(want, version, core_length(want)) == 0)
            pre_allowed = 1;
        free(want);
        int holds = 0;
        switch (range->items[i].op) {
        case RANGE_EQ:
            holds = cmp == 0;
            break;
        case RANGE_NE:
            holds = cmp != 0;
            break;
        case RANGE_LT:
            holds = cmp < 0;
            break;
        case RANGE_LE:
            holds = cmp <= 0;
            break;
        case RANGE_GT:
            holds = cmp > 0;
            break;
        case RANGE_GE:
            holds = cmp >= 0;
            break;
        }
        if (!holds)
            return 0;
    }
    return pre_allowed;
}

int version_range_matches(const struct version_range *range, const char *version)
{
    return range_check(range, version, 1);
}

int version_range_holds(const struct version_range *range, const char *version)
{
    return range_check(range, version, 0);
}

int version_range_one_bound(const struct version_range *range)
{
    return range->count == 0 || (range->count == 1 && range->items[0].op != RANGE_NE);
}

int version_range_is_pin(const struct version_range *range)
{
    return range->count == 1 && range->items[0].op == RANGE_EQ;
}

const char *range_op_spelling(enum range_op op, const char *eq, const char *ne)
{
    switch (op) {
    case RANGE_EQ:
        return eq;
    case RANGE_NE:
        return ne;
    case RANGE_LT:
        return "<";
    case RANGE_LE:
        return "<=";
    case RANGE_GT:
        return ">";
    case RANGE_GE:
        return ">=";
    }
    return NULL;
}
