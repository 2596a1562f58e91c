#include "common/units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

static const struct {
    const char *suffix;
    double factor;
} size_units[] = {
    {"", 1.0},
    {"B", 1.0},
    {"kB", 1e3},
    {"KB", 1e3},
    {"MB", 1e6},
    {"GB", 1e9},
    {"TB", 1e12},
    {"KiB", 1024.0},
    {"MiB", 1048576.0},
    {"GiB", 1073741824.0},
    {"TiB", 1099511627776.0},
};

int parse_size(const char *text, const char *what, uint64_t *bytes, struct ag_error *err)
{
    const char *valid = "a positive number with an optional unit: B, kB, MB, GB, TB "
                        "(powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)";
    if (text == NULL || *text == '\0')
        return ag_error_set(err, AG_USAGE, "%s: empty size; expected %s", what, valid);
    char *end = NULL;
    double number = strtod(text, &end);
    if (end == text || !isfinite(number))
        return ag_error_set(err, AG_USAGE, "%s: '%s' is not a size; expected %s", what, text,
                            valid);
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof size_units / sizeof size_units[0]; i++) {
        if (strcmp(end, size_units[i].suffix) != 0)
            continue;
        double value = number * size_units[i].factor;
        if (value <= 0)
            return ag_error_set(err, AG_USAGE, "%s: size '%s' must be greater than zero", what,
                                text);
        if (value >= 18446744073709551615.0)
            return ag_error_set(err, AG_USAGE,
                                "%s: size '%s' is too large (at most 16EiB - 1, that is "
                                "18446744073709551615 bytes)",
                                what, text);
        /* round(), not llround(): from 2^63 bytes on, a long long overflows. */
        if (round(value) < 1)
            return ag_error_set(err, AG_USAGE, "%s: size '%s' must be at least 1 byte", what, text);
        *bytes = (uint64_t)round(value);
        return AG_OK;
    }
    /* A unit in the wrong case ("10mib") is the likely slip: suggest it. */
    const char *near = NULL;
    for (size_t i = 0; i < sizeof size_units / sizeof size_units[0] && !near; i++)
        if (size_units[i].suffix[0] && strcasecmp(end, size_units[i].suffix) == 0)
            near = size_units[i].suffix;
    if (near)
        return ag_error_set(err, AG_USAGE,
                            "%s: unknown unit '%s' in '%s' (did you mean '%s'?); expected %s", what,
                            end, text, near, valid);
    return ag_error_set(err, AG_USAGE, "%s: unknown unit '%s' in '%s'; expected %s", what, end,
                        text, valid);
}

int parse_duration(const char *text, const char *what, uint64_t *seconds, struct ag_error *err)
{
    char *end = NULL;
    double number = text ? strtod(text, &end) : 0;
    if (text == NULL || end == text || !isfinite(number) || number <= 0)
        return ag_error_set(err, AG_USAGE,
                            "%s: '%s' is not a duration; expected a positive number with s, m "
                            "or h (e.g. 5m)",
                            what, text ? text : "");
    double factor = 0;
    if (strcmp(end, "s") == 0 || *end == '\0')
        factor = 1;
    else if (strcmp(end, "m") == 0)
        factor = 60;
    else if (strcmp(end, "h") == 0)
        factor = 3600;
    if (factor == 0)
        return ag_error_set(err, AG_USAGE, "%s: unknown duration unit '%s'; expected s, m or h",
                            what, end);
    if (number * factor >= 18446744073709551615.0)
        return ag_error_set(err, AG_USAGE, "%s: duration '%s' is too large", what, text);
    *seconds = (uint64_t)round(number * factor);
    return AG_OK;
}

void format_size(uint64_t bytes, char *out, unsigned cap)
{
    static const char *names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(out, cap, "%llu B", (unsigned long long)bytes);
    else
        snprintf(out, cap, "%.1f %s", v, names[u]);
}

static struct tm utc_of(int64_t epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        memset(&tm, 0, sizeof tm);
    return tm;
}

void format_iso8601(int64_t epoch, char *out, size_t cap)
{
    struct tm tm = utc_of(epoch);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void format_utc_readable(int64_t epoch, char *out, size_t cap)
{
    struct tm tm = utc_of(epoch);
    strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}
