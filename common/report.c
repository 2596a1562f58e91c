#include "common/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"
#include "common/json_file.h"
#include "common/strbuf.h"
#include "common/units.h"

static const char *status_name(enum check_status s)
{
    return s == CHECK_PASS ? "pass" : s == CHECK_FAIL ? "fail" : "skip";
}

void report_add(struct report *report, const char *group, const char *name,
                enum check_status status, const char *message, double seconds)
{
    report->results = xrealloc(report->results, (report->count + 1) * sizeof *report->results);
    struct check_result *r = &report->results[report->count++];
    r->group = xstrdup(group);
    r->name = xstrdup(name);
    r->status = status;
    r->message = xstrdup(message ? message : "");
    r->seconds = seconds;
}

size_t report_count(const struct report *report, enum check_status status)
{
    size_t n = 0;
    for (size_t i = 0; i < report->count; i++)
        n += report->results[i].status == status;
    return n;
}

const char *report_status(const struct report *report)
{
    if (report_count(report, CHECK_FAIL) > 0)
        return "fail";
    if (report_count(report, CHECK_PASS) == 0)
        return "skip";
    return "pass";
}

/* The CI run's identifier, from whichever CI system set one. */
static const char *workflow_id(void)
{
    static const char *const vars[] = {"GITHUB_RUN_ID", "CI_PIPELINE_ID", "BUILD_ID",
                                       "BUILDKITE_BUILD_ID", "CIRCLE_WORKFLOW_ID"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

int report_write_json(const struct report *report, const char *path, struct ag_error *err)
{
    char when[32];
    format_iso8601((int64_t)time(NULL), when, sizeof when);
    json_t *root = json_object();
    json_object_set_new(root, "tier", json_string(report->tier));
    const char *wf = workflow_id();
    json_object_set_new(root, "workflow", wf ? json_string(wf) : json_null());
    json_object_set_new(root, "timestamp", json_string(when));
    json_object_set_new(root, "status", json_string(report_status(report)));
    json_object_set_new(root, "duration", json_real(report->seconds));
    json_object_set_new(root, "retentionDays", json_integer(14));
    json_object_set_new(root, "passed", json_integer((json_int_t)report_count(report, CHECK_PASS)));
    json_object_set_new(root, "failed", json_integer((json_int_t)report_count(report, CHECK_FAIL)));
    json_object_set_new(root, "skipped",
                        json_integer((json_int_t)report_count(report, CHECK_SKIP)));
    json_t *arts = json_array();
    for (size_t i = 0; i < report->count; i++) {
        const struct check_result *r = &report->results[i];
        json_array_append_new(arts, json_pack("{s:s,s:s,s:s,s:s,s:f}", "name", r->name, "group",
                                              r->group, "status", status_name(r->status), "message",
                                              r->message, "duration", r->seconds));
    }
    json_object_set_new(root, "artifacts", arts);
    int rc = json_write_atomic(path, root, err);
    json_decref(root);
    return rc;
}

int report_write_junit(const struct report *report, const char *path, struct ag_error *err)
{
    struct strbuf xml = {0};
    strbuf_adds(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
    strbuf_add_escaped(&xml, report->tier);
    strbuf_addf(&xml, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
                report->count, report_count(report, CHECK_FAIL), report_count(report, CHECK_SKIP),
                report->seconds);
    for (size_t i = 0; i < report->count; i++) {
        const struct check_result *r = &report->results[i];
        strbuf_adds(&xml, "  <testcase classname=\"");
        strbuf_add_escaped(&xml, r->group);
        strbuf_adds(&xml, "\" name=\"");
        strbuf_add_escaped(&xml, r->name);
        strbuf_addf(&xml, "\" time=\"%.3f\"", r->seconds);
        if (r->status == CHECK_PASS) {
            strbuf_adds(&xml, "/>\n");
            continue;
        }
        strbuf_adds(&xml, r->status == CHECK_FAIL ? ">\n    <failure message=\""
                                                  : ">\n    <skipped message=\"");
        strbuf_add_escaped(&xml, r->message);
        strbuf_adds(&xml, "\"/>\n  </testcase>\n");
    }
    strbuf_adds(&xml, "</testsuite>\n");
    int rc = atomic_write_buffer(path, xml.data, xml.len, err);
    strbuf_free(&xml);
    return rc;
}

void report_free(struct report *report)
{
    for (size_t i = 0; i < report->count; i++) {
        free(report->results[i].name);
        free(report->results[i].group);
        free(report->results[i].message);
    }
    free(report->results);
    free(report->tier);
    memset(report, 0, sizeof *report);
}

double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
