#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/template.h"
#include "support.h"

static struct template_vars demo_vars(void)
{
    struct template_vars vars = {0};
    template_vars_set(&vars, "name", "demo");
    template_vars_set(&vars, "version", "1.2.3");
    return vars;
}

static int render(const char *text, const struct template_vars *vars, char **out,
                  struct ag_error *err)
{
    return template_render(text, strlen(text), vars, "x.tmpl", out, NULL, err);
}

Test(template, renders_bare_and_spaced_placeholders)
{
    struct template_vars vars = demo_vars();
    struct ag_error err = {0};
    const char *text = "{{name}}@{{ version }} ({{  name  }})\n";
    char *out = NULL;
    size_t len = 0;
    cr_assert_eq(template_render(text, strlen(text), &vars, "x.tmpl", &out, &len, &err), AG_OK,
                 "%s", err.message);
    cr_assert_str_eq(out, "demo@1.2.3 (demo)\n");
    cr_assert_eq(len, strlen(out));
    free(out);
}

Test(template, later_set_replaces_a_value)
{
    struct template_vars vars = demo_vars();
    template_vars_set(&vars, "name", "other");
    cr_assert_eq(vars.count, 2u);
    cr_assert_str_eq(template_vars_get(&vars, "name"), "other");
    cr_assert_null(template_vars_get(&vars, "nope"));
}

Test(template, text_without_placeholders_is_copied_verbatim)
{
    struct template_vars vars = demo_vars();
    struct ag_error err = {0};
    char *out = NULL;
    const char *text = "{ single } braces }} and { {name} }\n";
    cr_assert_eq(render(text, &vars, &out, &err), AG_OK, "%s", err.message);
    cr_assert_str_eq(out, text);
    free(out);
}

Test(template, unknown_placeholder_names_file_and_line)
{
    struct template_vars vars = demo_vars();
    struct ag_error err = {0};
    char *out = NULL;
    cr_assert_eq(render("one {{name}}\ntwo\nthree {{nope}}\n", &vars, &out, &err), AG_USAGE);
    cr_assert_eq(err.status, AG_USAGE);
    cr_assert_null(out);
    cr_assert(strncmp(err.message, "x.tmpl:3: unknown placeholder {{nope}}", 38) == 0,
              "message: %s", err.message);
    cr_assert(strstr(err.message, "name, version") != NULL, "lists the known names: %s",
              err.message);
}

Test(template, placeholder_with_invalid_characters_is_unknown)
{
    struct template_vars vars = demo_vars();
    struct ag_error err = {0};
    char *out = NULL;
    cr_assert_eq(render("{{na-me}}", &vars, &out, &err), AG_USAGE);
    cr_assert(strstr(err.message, "x.tmpl:1: unknown placeholder {{na-me}}") != NULL, "%s",
              err.message);
    ag_error_clear(&err);
    cr_assert_eq(render("{{}}", &vars, &out, &err), AG_USAGE);
    cr_assert(strstr(err.message, "unknown placeholder {{}}") != NULL, "%s", err.message);
}

Test(template, unterminated_placeholder_names_the_line)
{
    struct template_vars vars = demo_vars();
    struct ag_error err = {0};
    char *out = NULL;
    cr_assert_eq(render("ok {{name}}\n{{version\n}}\n", &vars, &out, &err), AG_USAGE);
    cr_assert_null(out);
    cr_assert(strncmp(err.message, "x.tmpl:2: unterminated placeholder", 34) == 0, "message: %s",
              err.message);
    ag_error_clear(&err);
    cr_assert_eq(render("a\nb\ntail {{", &vars, &out, &err), AG_USAGE);
    cr_assert(strncmp(err.message, "x.tmpl:3: unterminated", 22) == 0, "message: %s", err.message);
}

Test(template, load_dir_renders_file_names_and_sorts_by_rendered_path)
{
    char *dir = make_tmpdir("template");
    write_file(dir, "b.txt", "b", 0644);
    write_file(dir, "{{name}}.txt", "v={{version}}\n", 0644);
    write_file(dir, "sub/{{name}}/run.sh", "#!/bin/sh\n", 0755);
    write_file(dir, "Z.txt", "z", 0644);
    struct template_vars vars = demo_vars();
    struct template_set set;
    struct ag_error err = {0};
    cr_assert_eq(template_load_dir(dir, &vars, &set, &err), AG_OK, "%s", err.message);
    cr_assert_eq(set.count, 4u);
    /* "{{name}}.txt" sorts by what it renders to, not by its own name. */
    const char *want[] = {"Z.txt", "b.txt", "demo.txt", "sub/demo/run.sh"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(set.files[i].path, want[i]);
    const struct template_file *f = template_set_find(&set, "demo.txt");
    cr_assert_not_null(f);
    cr_assert_str_eq(f->content, "v=1.2.3\n");
    cr_assert_eq(f->length, 8u);
    cr_assert_eq(f->mode, 0644u);
    cr_assert_eq(template_set_find(&set, "sub/demo/run.sh")->mode, 0755u);
    cr_assert_null(template_set_find(&set, "{{name}}.txt"));
    template_set_free(&set);
    cr_assert_eq(set.count, 0u);
    remove_tree(dir);
    free(dir);
}

Test(template, load_dir_refuses_a_symlink)
{
    char *dir = make_tmpdir("template");
    write_file(dir, "real.txt", "x", 0644);
    char *link = xasprintf("%s/link.txt", dir);
    cr_assert_eq(symlink("real.txt", link), 0);
    struct template_vars vars = demo_vars();
    struct template_set set;
    struct ag_error err = {0};
    cr_assert_eq(template_load_dir(dir, &vars, &set, &err), AG_USAGE);
    cr_assert(strstr(err.message, "link.txt") != NULL, "names the link: %s", err.message);
    cr_assert(strstr(err.message, "symbolic link") != NULL, "%s", err.message);
    cr_assert_eq(set.count, 0u);
    cr_assert_null(set.files);
    free(link);
    remove_tree(dir);
    free(dir);
}

Test(template, load_dir_refuses_a_rendered_path_with_dotdot)
{
    char *dir = make_tmpdir("template");
    write_file(dir, "{{name}}", "x", 0644);
    struct template_vars vars = {0};
    template_vars_set(&vars, "name", "../x");
    struct template_set set;
    struct ag_error err = {0};
    cr_assert_eq(template_load_dir(dir, &vars, &set, &err), AG_USAGE);
    cr_assert(strstr(err.message, "'../x'") != NULL, "names the path: %s", err.message);
    cr_assert(strstr(err.message, "leaves the package") != NULL, "%s", err.message);

    template_vars_set(&vars, "name", "a/../../x");
    ag_error_clear(&err);
    cr_assert_eq(template_load_dir(dir, &vars, &set, &err), AG_USAGE);
    template_vars_set(&vars, "name", "/etc/x");
    ag_error_clear(&err);
    cr_assert_eq(template_load_dir(dir, &vars, &set, &err), AG_USAGE, "absolute path accepted");
    template_vars_set(&vars, "name", "..data");
    ag_error_clear(&err);
    cr_assert_eq(template_load_dir(dir, &vars, &set, &err), AG_OK, "'..data' stays inside: %s",
                 err.message);
    cr_assert_str_eq(set.files[0].path, "..data");
    template_set_free(&set);
    remove_tree(dir);
    free(dir);
}

Test(template, load_dir_error_in_content_names_file_and_line)
{
    char *dir = make_tmpdir("template");
    write_file(dir, "a.txt", "fine {{name}}\nbad {{missing}}\n", 0644);
    struct template_vars vars = demo_vars();
    struct template_set set;
    struct ag_error err = {0};
    cr_assert_eq(template_load_dir(dir, &vars, &set, &err), AG_USAGE);
    char *want = xasprintf("%s/a.txt:2: unknown placeholder {{missing}}", dir);
    cr_assert(strstr(err.message, want) != NULL, "message: %s", err.message);
    free(want);
    remove_tree(dir);
    free(dir);
}

Test(template, load_dir_of_a_missing_directory_is_empty)
{
    char *dir = make_tmpdir("template");
    char *missing = xasprintf("%s/none", dir);
    struct template_vars vars = demo_vars();
    struct template_set set;
    struct ag_error err = {0};
    cr_assert_eq(template_load_dir(missing, &vars, &set, &err), AG_OK);
    cr_assert_eq(set.count, 0u);
    free(missing);
    remove_tree(dir);
    free(dir);
}
