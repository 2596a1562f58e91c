/* Expected outcomes of a package set: the resolution each format's
 * client should reach for each request, by the rules the generator
 * declares (how yanked releases and pre-releases are picked). */
#include "common/set_expect.h"

#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/generate_plan.h"
#include "common/version_rules.h"

static const struct set_support no_support = {0};

static const struct set_support *support_of(const struct generator *gen)
{
    return gen->sets ? gen->sets : &no_support;
}

static char *native(const struct generator *gen, const char *version)
{
    const struct set_support *sup = support_of(gen);
    return sup->native_version ? sup->native_version(version) : xstrdup(version);
}

static void say(json_t *list, char *text)
{
    json_array_append_new(list, json_string(text));
    free(text);
}

static int has_not_equal(const struct version_range *range)
{
    for (size_t i = 0; i < range->count; i++)
        if (range->items[i].op == RANGE_NE)
            return 1;
    return 0;
}

json_t *set_unexpressed(const struct package_set *set, const struct generator *gen)
{
    const struct set_support *sup = support_of(gen);
    static const unsigned kind_feature[] = {SET_DEPENDS_RUNTIME, SET_DEPENDS_DEV,
                                            SET_DEPENDS_OPTIONAL};
    json_t *list = json_array();
    for (size_t k = 0; k < set->package_count; k++) {
        const struct set_package *pkg = &set->packages[k];
        for (size_t r = 0; r < pkg->release_count; r++) {
            const struct set_release *rel = &pkg->releases[r];
            if (rel->yanked && !(sup->features & SET_YANKED))
                say(list, xasprintf("%s %s: yanked, but %s has no such flag (it is listed as any "
                                    "other version)",
                                    pkg->name, rel->version, gen->name));
            if (rel->tag_count > 0 && !(sup->features & SET_DIST_TAGS))
                say(list, xasprintf("%s %s: dist-tag %s, but %s has no dist-tags", pkg->name,
                                    rel->version, rel->tags[0], gen->name));
            if (version_is_prerelease(rel->version) && !(sup->features & SET_PRERELEASE))
                say(list, xasprintf("%s %s: a pre-release, which %s does not order before its "
                                    "release",
                                    pkg->name, rel->version, gen->name));
            if (rel->signer != PERSONA_PROJECT &&
                !(gen->sign_modes & (SIGN_DETACHED | SIGN_EMBEDDED | SIGN_REGISTRY)))
                say(list,
                    xasprintf("%s %s: signer %s, but %s packages carry no signature of their own",
                              pkg->name, rel->version, signer_persona_name(rel->signer),
                              gen->name));
            for (size_t v = 0; v < rel->provide_count; v++)
                if (!(sup->features & SET_PROVIDES))
                    say(list, xasprintf("%s %s: provides %s, which %s cannot declare (a "
                                        "dependency on %s finds no package)",
                                        pkg->name, rel->version, rel->provides[v], gen->name,
                                        rel->provides[v]));
            for (size_t c = 0; c < rel->conflict_count; c++)
                if (!(sup->features & SET_CONFLICTS))
                    say(list, xasprintf("%s %s: conflicts with %s %s, which %s cannot declare "
                                        "(both install)",
                                        pkg->name, rel->version, rel->conflicts[c].name,
                                        rel->conflicts[c].range.text, gen->name));
            for (size_t d = 0; d < rel->dependency_count; d++) {
                const struct set_dependency *dep = &rel->dependencies[d];
                if (!(sup->features & kind_feature[dep->kind]))
                    say(list, xasprintf("%s %s: %s dependency on %s, which %s cannot declare",
                                        pkg->name, rel->version, dependency_kind_name(dep->kind),
                                        dep->name, gen->name));
                if (has_not_equal(&dep->range) && !(sup->features & SET_RANGE_NOT_EQUAL))
                    say(list,
                        xasprintf("%s %s: the range '%s' of %s excludes a version, which "
                                  "%s cannot say (the != is left out: a wider range)",
                                  pkg->name, rel->version, dep->range.text, dep->name, gen->name));
            }
        }
    }
    for (size_t q = 0; q < set->request_count; q++)
        if (set->requests[q].tag && !(sup->features & SET_DIST_TAGS))
            say(list, xasprintf("request %s@%s: %s has no dist-tags", set->requests[q].package,
                                set->requests[q].tag, gen->name));
    return list;
}

/* How "latest" ranks a release when no release claims the tag: the
 * newest neither a pre-release nor yanked, else the newest release, else
 * the newest of all (as the npm generator writes its dist-tags). */
static int latest_rank(const struct set_release *rel)
{
    return version_is_prerelease(rel->version) ? 0 : rel->yanked ? 1 : 2;
}

/* The release a dist-tag names. */
static const struct set_release *tagged(const struct set_package *pkg, const char *tag)
{
    const struct set_release *best = NULL;
    for (size_t r = 0; r < pkg->release_count; r++) {
        const struct set_release *rel = &pkg->releases[r];
        for (size_t t = 0; t < rel->tag_count; t++)
            if (strcmp(rel->tags[t], tag) == 0)
                return rel;
        if (strcmp(tag, "latest") != 0)
            continue;
        if (best == NULL || latest_rank(rel) > latest_rank(best) ||
            (latest_rank(rel) == latest_rank(best) &&
             version_compare_semver(rel->version, best->version) > 0))
            best = rel;
    }
    return best;
}

/* The range as the format writes it: one that cannot say != drops those
 * comparators, and its client resolves the wider range. items is the
 * caller's to free. */
static struct version_range as_written(const struct version_range *range,
                                       const struct set_support *sup)
{
    struct version_range out = *range;
    out.items = xcalloc(range->count + 1, sizeof *out.items);
    out.count = 0;
    for (size_t i = 0; i < range->count; i++)
        if (range->items[i].op != RANGE_NE || (sup->features & SET_RANGE_NOT_EQUAL))
            out.items[out.count++] = range->items[i];
    return out;
}

/* The newest release that matches, by the format's rules for yanked
 * releases and pre-releases; NULL when none does. */
static const struct set_release *choose(const struct set_package *pkg,
                                        const struct version_range *written,
                                        const struct set_support *sup)
{
    struct version_range narrowed = as_written(written, sup);
    const struct version_range *range = &narrowed;
    const struct set_release *found = NULL;
    /* npm takes the latest tag when it fits and is not deprecated. */
    const struct set_release *latest = sup->prefers_latest_tag ? tagged(pkg, "latest") : NULL;
    if (latest && !latest->yanked && version_range_holds(range, latest->version) &&
        (!version_is_prerelease(latest->version) || version_range_matches(range, latest->version) ||
         range->count == 0)) {
        free(narrowed.items);
        return latest;
    }
    if (sup->candidate_only) {
        /* The candidate is the newest release; a pre-release only where
         * there is nothing else, unless the client orders pre-releases as
         * any version (apt's NotAutomatic suite holds them for deb). */
        const struct set_release *candidate = NULL;
        int any_release = 0;
        for (size_t r = 0; r < pkg->release_count; r++)
            any_release = any_release || !version_is_prerelease(pkg->releases[r].version);
        for (size_t r = 0; r < pkg->release_count; r++) {
            const struct set_release *rel = &pkg->releases[r];
            if (version_range_is_pin(range)) {
                if (version_range_holds(range, rel->version))
                    candidate = rel;
                continue;
            }
            if (any_release && !sup->prerelease_ordinary && version_is_prerelease(rel->version))
                continue;
            if (candidate == NULL || version_compare_semver(rel->version, candidate->version) > 0)
                candidate = rel;
        }
        found = candidate && (version_range_is_pin(range) || range->count == 0 ||
                              version_range_matches(range, candidate->version))
                    ? candidate
                    : NULL;
        free(narrowed.items);
        return found;
    }
    if (sup->prerelease_ordinary && range->count == 0) {
        for (size_t r = 0; r < pkg->release_count; r++) {
            const struct set_release *rel = &pkg->releases[r];
            if (rel->yanked && (sup->features & SET_YANKED))
                continue;
            if (found == NULL || version_compare_semver(rel->version, found->version) > 0)
                found = rel;
        }
        free(narrowed.items);
        return found;
    }
    /* Pre-releases are a fallback only when no release at all, yanked
     * ones included, matches (pip filters versions before it weighs
     * yanked files). */
    int any_release = 0;
    for (size_t r = 0; r < pkg->release_count; r++)
        any_release = any_release || version_range_matches(range, pkg->releases[r].version);
    for (int pass = 0; pass < 4; pass++) {
        int allow_yanked = pass & 1;
        int allow_pre = pass >> 1;
        if (allow_pre && any_release)
            continue;
        if (allow_yanked && (sup->yank_policy == YANK_EXCLUDED ||
                             (sup->yank_policy == YANK_PINNED && !version_range_is_pin(range))))
            continue;
        if (allow_pre && (!sup->prerelease_fallback || range->count > 0))
            continue;
        const struct set_release *best = NULL;
        for (size_t r = 0; r < pkg->release_count; r++) {
            const struct set_release *rel = &pkg->releases[r];
            int yanked = rel->yanked && (sup->features & SET_YANKED);
            if (yanked && !allow_yanked)
                continue;
            if (!(allow_pre ? version_range_holds(range, rel->version)
                            : version_range_matches(range, rel->version)))
                continue;
            if (best == NULL || version_compare_semver(rel->version, best->version) > 0)
                best = rel;
        }
        if (best) {
            found = best;
            break;
        }
    }
    free(narrowed.items);
    return found;
}

struct resolve_state {
    const struct package_set *set;
    const struct generator *gen;
    const char *tier;
    int plain;
    json_t *resolves; /* name in the tree -> native version */
    json_t *picked;   /* set name -> neutral version */
    json_t *notes;
    /* 1: no resolution exists; 2: one may, found by backtracking (pip)
     * or nesting a second copy (npm), which this does not predict. */
    int failed;
};

static void note(struct resolve_state *st, char *text)
{
    say(st->notes, text);
}

static void pick(struct resolve_state *st, const struct set_package *pkg,
                 const struct set_release *rel);

static const struct set_release *release_of(const struct set_package *pkg, const char *version)
{
    for (size_t r = 0; version && r < pkg->release_count; r++)
        if (strcmp(pkg->releases[r].version, version) == 0)
            return &pkg->releases[r];
    return NULL;
}

/* The release of the set picked for pkg, or NULL. */
static const struct set_release *picked_release(const struct resolve_state *st,
                                                const struct set_package *pkg)
{
    return release_of(pkg, json_string_value(json_object_get(st->picked, pkg->name)));
}

static void fail_with(struct resolve_state *st, int how, const struct set_dependency *dep)
{
    if (dep->kind != DEPENDENCY_OPTIONAL && st->failed == 0)
        st->failed = how;
}

/* A dependency on a virtual name: met by the one package that provides
 * it at a version the range holds. Several providers are the client's
 * choice, which this does not predict. */
static void resolve_virtual(struct resolve_state *st, const struct set_package *from,
                            const struct set_dependency *dep)
{
    const struct set_support *sup = support_of(st->gen);
    if (!(sup->features & SET_PROVIDES)) {
        note(st, xasprintf("%s needs %s %s, a name only a Provides gives, which %s cannot "
                           "declare: no package has that name",
                           from->name, dep->name, dep->range.text, st->gen->name));
        fail_with(st, 1, dep);
        return;
    }
    const struct set_package *provider = NULL;
    size_t providers = 0;
    for (size_t k = 0; k < st->set->package_count; k++) {
        const struct set_package *pkg = &st->set->packages[k];
        int provides = 0;
        for (size_t r = 0; r < pkg->release_count; r++)
            provides = provides || set_release_provides(&pkg->releases[r], dep->name);
        if (!provides)
            continue;
        providers++;
        const struct set_release *have = picked_release(st, pkg);
        if (have && set_release_provides(have, dep->name) &&
            version_range_holds(&dep->range, have->version))
            return; /* met by what is chosen already */
        provider = provider ? provider : pkg;
    }
    if (providers > 1) {
        note(st, xasprintf("%s needs %s %s, which %zu packages provide: the client picks one, "
                           "which is not predicted here",
                           from->name, dep->name, dep->range.text, providers));
        fail_with(st, 2, dep);
        return;
    }
    if (provider == NULL) /* no release provides it: the set says otherwise */
        return;
    if (picked_release(st, provider) != NULL) {
        note(st, xasprintf("%s needs %s %s, but the %s chosen does not provide it: the client "
                           "backtracks, which is not predicted here",
                           from->name, dep->name, dep->range.text, provider->name));
        fail_with(st, 2, dep);
        return;
    }
    /* apt installs the provider's candidate, which must provide it; other
     * clients weigh only the releases that provide the name. */
    struct set_package offered = {provider->name, NULL, 0};
    offered.releases = xcalloc(provider->release_count, sizeof *offered.releases);
    for (size_t r = 0; r < provider->release_count; r++)
        if (sup->candidate_only || set_release_provides(&provider->releases[r], dep->name))
            offered.releases[offered.release_count++] = provider->releases[r];
    const struct set_release *rel = choose(&offered, &dep->range, sup);
    if (rel == NULL || !set_release_provides(rel, dep->name)) {
        note(st, xasprintf("%s needs %s %s, and no release of %s that provides it matches%s",
                           from->name, dep->name, dep->range.text, provider->name,
                           sup->candidate_only ? " as its candidate" : ""));
        fail_with(st, 1, dep);
    } else {
        pick(st, provider, release_of(provider, rel->version));
    }
    free(offered.releases);
}

/* Whether rel, chosen for pkg, is what a conflict's name and range name. */
static int conflict_hits(const struct set_dependency *conflict, const struct set_package *pkg,
                         const struct set_release *rel)
{
    return (strcmp(conflict->name, pkg->name) == 0 || set_release_provides(rel, conflict->name)) &&
           version_range_holds(&conflict->range, rel->version);
}

/* Two chosen releases that conflict: the client refuses to install both.
 * Where another version of either could avoid it, a resolver that
 * backtracks (dnf's) may find it, which is not predicted here. */
static void check_conflicts(struct resolve_state *st)
{
    const struct set_support *sup = support_of(st->gen);
    if (!(sup->features & SET_CONFLICTS))
        return;
    for (size_t a = 0; a < st->set->package_count; a++) {
        const struct set_package *pa = &st->set->packages[a];
        const struct set_release *ra = picked_release(st, pa);
        for (size_t c = 0; ra && c < ra->conflict_count; c++)
            for (size_t b = 0; b < st->set->package_count; b++) {
                const struct set_package *pb = &st->set->packages[b];
                const struct set_release *rb = picked_release(st, pb);
                if (b == a || rb == NULL || !conflict_hits(&ra->conflicts[c], pb, rb))
                    continue;
                int fixed =
                    sup->candidate_only || (pa->release_count == 1 && pb->release_count == 1);
                note(st, xasprintf("%s %s conflicts with %s %s (%s %s): the client refuses to "
                                   "install both%s",
                                   pa->name, ra->version, pb->name, rb->version,
                                   ra->conflicts[c].name, ra->conflicts[c].range.text,
                                   fixed ? ""
                                         : "; another version may avoid it, which is not "
                                           "predicted here"));
                if (st->failed == 0 || fixed)
                    st->failed = fixed ? 1 : 2;
            }
    }
}

static void resolve_dependency(struct resolve_state *st, const struct set_package *from,
                               const struct set_dependency *dep)
{
    const struct set_support *sup = support_of(st->gen);
    if (dep->kind == DEPENDENCY_DEV ||
        (dep->kind == DEPENDENCY_OPTIONAL && !sup->installs_optional))
        return;
    const struct set_package *pkg = package_set_package(st->set, dep->name);
    if (pkg == NULL && package_set_provides(st->set, dep->name)) {
        resolve_virtual(st, from, dep);
        return;
    }
    if (pkg == NULL) {
        /* The tree is the client's only source: nothing there has the name. */
        note(st, xasprintf("%s needs %s %s, which the set does not provide: the client finds no "
                           "package of that name",
                           from->name, dep->name, dep->range.text));
        fail_with(st, 1, dep);
        return;
    }
    const char *have = json_string_value(json_object_get(st->picked, pkg->name));
    if (have != NULL) {
        struct version_range written = as_written(&dep->range, sup);
        int holds = version_range_holds(&written, have);
        free(written.items);
        if (!holds) {
            note(st, xasprintf("%s needs %s %s, but %s is already chosen: the client backtracks "
                               "or nests a second copy, which is not predicted here",
                               from->name, dep->name, dep->range.text, have));
            if (dep->kind != DEPENDENCY_OPTIONAL && st->failed == 0)
                st->failed = 2;
        }
        return;
    }
    const struct set_release *rel = choose(pkg, &dep->range, sup);
    if (rel == NULL) {
        /* npm leaves an optional dependency it cannot meet out. */
        int optional = dep->kind == DEPENDENCY_OPTIONAL;
        if (sup->candidate_only)
            note(st, xasprintf("%s needs %s %s, which excludes its candidate (the newest "
                               "version, the only one the %s client installs unless pinned)",
                               from->name, dep->name, dep->range.text, st->gen->name));
        else
            note(st, xasprintf("%s needs %s %s, and no release matches%s", from->name, dep->name,
                               dep->range.text, optional ? ": left out, as it is optional" : ""));
        if (!optional)
            st->failed = 1;
        return;
    }
    pick(st, pkg, rel);
}

static void pick(struct resolve_state *st, const struct set_package *pkg,
                 const struct set_release *rel)
{
    char *name = plan_tier_name(pkg->name, st->tier, st->plain);
    char *version = native(st->gen, rel->version);
    json_object_set_new(st->resolves, name, json_string(version));
    json_object_set_new(st->picked, pkg->name, json_string(rel->version));
    if (rel->yanked && (support_of(st->gen)->features & SET_YANKED))
        note(st, xasprintf("%s %s is %s%s%s", name, version, support_of(st->gen)->yank_name,
                           rel->yanked[0] ? ": " : "", rel->yanked));
    free(name);
    free(version);
    for (size_t d = 0; d < rel->dependency_count; d++)
        resolve_dependency(st, pkg, &rel->dependencies[d]);
}

static json_t *resolve_request(const struct package_set *set, const struct set_request *req,
                               const struct generator *gen, const char *tier, int plain)
{
    const struct set_support *sup = support_of(gen);
    char *name = plan_tier_name(req->package, tier, plain);
    int tag_less = req->tag && !(sup->features & SET_DIST_TAGS);
    char *text = tag_less || (req->tag && !sup->requirement) ? xasprintf("%s@%s", name, req->tag)
                 : sup->requirement ? sup->requirement(name, &req->range, req->tag)
                                    : xasprintf("%s %s", name, req->range.text);
    free(name);
    json_t *out = json_pack("{s:s}", "request", text);
    free(text);
    if (req->tag && !(sup->features & SET_DIST_TAGS)) {
        json_object_set_new(out, "outcome", json_string("not expressible"));
        return out;
    }
    struct resolve_state st = {set,           gen,           tier,         plain,
                               json_object(), json_object(), json_array(), 0};
    const struct set_package *pkg = package_set_package(set, req->package);
    const struct set_release *rel =
        req->tag ? tagged(pkg, req->tag) : choose(pkg, &req->range, sup);
    if (rel == NULL) {
        note(&st, xasprintf("no release of %s matches", req->package));
        st.failed = 1;
    } else {
        pick(&st, pkg, rel);
        check_conflicts(&st);
    }
    static const char *const outcomes[] = {"resolves", "fails", "not predicted"};
    json_object_set_new(out, "outcome", json_string(outcomes[st.failed]));
    json_object_set_new(out, "resolves", st.resolves);
    json_object_set_new(out, "notes", st.notes);
    json_decref(st.picked);
    return out;
}

static json_t *definition(const struct package_set *set)
{
    json_t *packages = json_object();
    for (size_t k = 0; k < set->package_count; k++) {
        const struct set_package *pkg = &set->packages[k];
        json_t *versions = json_object();
        for (size_t r = 0; r < pkg->release_count; r++) {
            const struct set_release *rel = &pkg->releases[r];
            json_t *deps = json_array();
            for (size_t d = 0; d < rel->dependency_count; d++) {
                const struct set_dependency *dep = &rel->dependencies[d];
                json_array_append_new(deps, json_pack("{s:s,s:s,s:s,s:b}", "name", dep->name,
                                                      "range", dep->range.text, "kind",
                                                      dependency_kind_name(dep->kind), "provided",
                                                      package_set_package(set, dep->name) != NULL ||
                                                          package_set_provides(set, dep->name)));
            }
            json_t *tags = json_array();
            for (size_t t = 0; t < rel->tag_count; t++)
                json_array_append_new(tags, json_string(rel->tags[t]));
            json_t *provides = json_array();
            for (size_t v = 0; v < rel->provide_count; v++)
                json_array_append_new(provides, json_string(rel->provides[v]));
            json_t *conflicts = json_array();
            for (size_t c = 0; c < rel->conflict_count; c++)
                json_array_append_new(conflicts,
                                      json_pack("{s:s,s:s}", "name", rel->conflicts[c].name,
                                                "range", rel->conflicts[c].range.text));
            json_object_set_new(versions, rel->version,
                                json_pack("{s:o,s:o,s:o,s:i,s:s,s:o,s:o}", "yanked",
                                          rel->yanked ? json_string(rel->yanked) : json_false(),
                                          "tags", tags, "dependencies", deps, "copies",
                                          (int)rel->copies, "signer",
                                          signer_persona_name(rel->signer), "provides", provides,
                                          "conflicts", conflicts));
        }
        json_object_set_new(packages, pkg->name, json_pack("{s:o}", "versions", versions));
    }
    json_t *requests = json_array();
    for (size_t q = 0; q < set->request_count; q++) {
        const struct set_request *req = &set->requests[q];
        json_array_append_new(requests, json_pack("{s:s,s:s,s:o}", "package", req->package, "range",
                                                  req->range.text, "tag",
                                                  req->tag ? json_string(req->tag) : json_null()));
    }
    return json_pack("{s:s,s:o,s:o}", "summary", set->summary ? set->summary : "", "packages",
                     packages, "requests", requests);
}

json_t *set_manifest_entry(const struct package_set *set, const struct generator *const *gens,
                           size_t gen_count, const char *tier, int plain_names)
{
    json_t *entry = definition(set);
    json_t *formats = json_object();
    for (size_t g = 0; g < gen_count; g++) {
        const struct generator *gen = gens[g];
        json_t *names = json_object();
        for (size_t k = 0; k < set->package_count; k++) {
            char *name = plan_tier_name(set->packages[k].name, tier, plain_names);
            json_object_set_new(names, set->packages[k].name, json_string(name));
            free(name);
        }
        json_t *resolutions = json_array();
        for (size_t q = 0; q < set->request_count; q++)
            json_array_append_new(resolutions,
                                  resolve_request(set, &set->requests[q], gen, tier, plain_names));
        json_object_set_new(formats, gen->name,
                            json_pack("{s:o,s:o,s:o}", "names", names, "unexpressed",
                                      set_unexpressed(set, gen), "resolutions", resolutions));
    }
    json_object_set_new(entry, "formats", formats);
    return entry;
}
