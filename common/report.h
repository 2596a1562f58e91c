#ifndef ASSETGEN_REPORT_H
#define ASSETGEN_REPORT_H

#include <stddef.h>

#include "common/error.h"

/* The seed's Test Report: one run's results, written as JSON and JUnit. */
enum check_status { CHECK_PASS, CHECK_FAIL, CHECK_SKIP };

struct check_result {
    char *name;  /* e.g. the artifact path */
    char *group; /* e.g. the format */
    enum check_status status;
    char *message;
    double seconds;
};

struct report {
    char *tier;
    struct check_result *results;
    size_t count;
    double seconds;
};

void report_add(struct report *report, const char *group, const char *name,
                enum check_status status, const char *message, double seconds);
size_t report_count(const struct report *report, enum check_status status);
/* "pass", "fail" or "skip" for the whole run. */
const char *report_status(const struct report *report);
int report_write_json(const struct report *report, const char *path, struct ag_error *err);
int report_write_junit(const struct report *report, const char *path, struct ag_error *err);
void report_free(struct report *report);
double monotonic_seconds(void);

#endif
