#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fsutil.h"
#include "common/template.h"
#include "support.h"

static int render_value(const char *value, enum template_syntax syntax, char **out,
                        struct ag_error *err)
{
    struct template_vars vars = {0};
    template_vars_set(&vars, "description", value);
    const char *text = "a\n[{{description}}]\n";
    return template_render_as(text, strlen(text), &vars, syntax, "t.tmpl", out, NULL, err);
}

static void expect_rendered(const char *value, enum template_syntax syntax, const char *want)
{
    char *out = NULL;
    struct ag_error err = {0};
    cr_assert_eq(render_value(value, syntax, &out, &err), AG_OK, "%s", err.message);
    char *full = xasprintf("a\n[%s]\n", want);
    cr_assert_str_eq(out, full);
    free(full);
    free(out);
}

static void expect_refused(const char *value, enum template_syntax syntax, const char *why)
{
    char *out = NULL;
    struct ag_error err = {0};
    cr_assert_eq(render_value(value, syntax, &out, &err), AG_USAGE, "accepted: %s", out);
    cr_assert(strstr(err.message, "t.tmpl:2: the value of {{description}} holds ") != NULL,
              "names template, line and placeholder: %s", err.message);
    cr_assert(strstr(err.message, why) != NULL, "says why (%s): %s", why, err.message);
}

Test(template_syntax, json_escapes_what_would_end_the_string)
{
    expect_rendered("x\", \"scripts\": {\"postinstall\": \"touch /tmp/pwned\"}, \"y\": \"z",
                    SYNTAX_JSON,
                    "x\\\", \\\"scripts\\\": {\\\"postinstall\\\": \\\"touch /tmp/pwned\\\"}, "
                    "\\\"y\\\": \\\"z");
    expect_rendered("a\\b\nc\td\x01", SYNTAX_JSON, "a\\\\b\\nc\\td\\u0001");
    expect_rendered("it's", SYNTAX_JSON, "it's");
}

Test(template_syntax, source_literals_escape_single_quotes_too)
{
    expect_rendered("it's \"x\"\n", SYNTAX_SOURCE, "it\\'s \\\"x\\\"\\n");
}

Test(template_syntax, toml_and_yaml_use_backslash_escapes)
{
    expect_rendered("a\"b\\", SYNTAX_TOML, "a\\\"b\\\\");
    expect_rendered("a\"b\n", SYNTAX_YAML, "a\\\"b\\n");
}

Test(template_syntax, xml_escapes_markup_and_refuses_control_characters)
{
    expect_rendered("<script>alert(1)</script> & \"q\"", SYNTAX_XML,
                    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;");
    expect_refused("bell\x07", SYNTAX_XML, "a control character");
}

Test(template_syntax, rfc822_headers_refuse_line_breaks)
{
    expect_rendered("one line, \"quoted\": fine", SYNTAX_RFC822, "one line, \"quoted\": fine");
    expect_refused("line one\nRequires-Dist: evil", SYNTAX_RFC822, "a line break");
    expect_refused("cr\rhere", SYNTAX_RFC822, "a line break");
}

Test(template_syntax, ini_settings_refuse_line_breaks_and_comments)
{
    expect_refused("x\nregistry=http://evil/", SYNTAX_INI, "a line break");
    expect_refused("x # y", SYNTAX_INI, "a comment character");
}

Test(template_syntax, text_is_taken_as_it_is)
{
    expect_rendered("a\n\"b\"", SYNTAX_TEXT, "a\n\"b\"");
}

Test(template_syntax, syntax_comes_from_a_rule_then_the_extension)
{
    static const struct template_syntax_rule rules[] = {{"PKG-INFO", SYNTAX_RFC822}};
    cr_assert_eq(template_syntax_of("PKG-INFO", rules, 1), SYNTAX_RFC822);
    cr_assert_eq(template_syntax_of("sub/PKG-INFO", rules, 1), SYNTAX_RFC822);
    cr_assert_eq(template_syntax_of("PKG-INFO", NULL, 0), SYNTAX_TEXT);
    cr_assert_eq(template_syntax_of("package.json", NULL, 0), SYNTAX_JSON);
    cr_assert_eq(template_syntax_of("pyproject.toml", NULL, 0), SYNTAX_TOML);
    cr_assert_eq(template_syntax_of("demo/__init__.py", NULL, 0), SYNTAX_SOURCE);
    cr_assert_eq(template_syntax_of("index.js", NULL, 0), SYNTAX_SOURCE);
    cr_assert_eq(template_syntax_of("pom.xml", NULL, 0), SYNTAX_XML);
    cr_assert_eq(template_syntax_of("Chart.yaml", NULL, 0), SYNTAX_YAML);
    cr_assert_eq(template_syntax_of("README.md", NULL, 0), SYNTAX_TEXT);
}

Test(template_syntax, load_dir_renders_each_file_in_its_syntax)
{
    char *dir = make_tmpdir("template");
    write_file(dir, "package.json", "{\"description\": \"{{description}}\"}\n", 0644);
    write_file(dir, "README.md", "{{description}}\n", 0644);
    struct template_vars vars = {0};
    template_vars_set(&vars, "description", "say \"hi\"");
    struct template_set set;
    struct ag_error err = {0};
    cr_assert_eq(template_load_dir(dir, &vars, &set, &err), AG_OK, "%s", err.message);
    cr_assert_str_eq(template_set_find(&set, "package.json")->content,
                     "{\"description\": \"say \\\"hi\\\"\"}\n");
    cr_assert_str_eq(template_set_find(&set, "README.md")->content, "say \"hi\"\n");
    template_set_free(&set);
    remove_tree(dir);
    free(dir);
}

Test(template_syntax, load_dir_refuses_a_fifo)
{
    char *dir = make_tmpdir("template");
    char *fifo = xasprintf("%s/pipe", dir);
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    struct template_vars vars = {0};
    struct template_set set;
    struct ag_error err = {0};
    cr_assert_eq(template_load_dir(dir, &vars, &set, &err), AG_USAGE, "a FIFO was read");
    cr_assert(strstr(err.message, "is not a regular file") != NULL, "%s", err.message);
    free(fifo);
    remove_tree(dir);
    free(dir);
}
