/*
 * test_template.c - template parsing, parameter resolution and
 * substitution.
 */
#include <stdlib.h>
#include <string.h>

#include "query/query.h"
#include "query/template.h"
#include "t.h"

static const char good[] = "[pack]\n"
                           "id = demo-pack\n"
                           "title = Demo for {snapshot.tenant} at {as_of}\n"
                           "description = first line\n"
                           "  second line\n"
                           "[param as_of]\n"
                           "type = date\n"
                           "default = snapshot.as_of\n"
                           "[param days]\n"
                           "type = int\n"
                           "default = 90\n"
                           "[param who]\n"
                           "type = text\n"
                           "[section one]\n"
                           "title = One\n"
                           "query = a/b.sql\n"
                           "sheet = Sheet One\n"
                           "pdf = no\n"
                           "pdf_rows = 10\n"
                           "highlight = flag\n"
                           "chart = label | n\n"
                           "column = label | Label | text | 20\n"
                           "column = n | Count | int | 8.5\n";

static const char *
parse_err(const char *text)
{
    static struct rg_err err;
    struct rg_template *t;

    rg_err_init(&err);
    t = rg_template_parse("t.ini", text, &err);
    rg_template_free(t);
    return t ? "OK" : err.msg;
}

static void
test_good(void)
{
    struct rg_err err;
    struct rg_template *t;

    rg_err_init(&err);
    t = rg_template_parse("t.ini", good, &err);
    T_CHECK(t != NULL);
    if (!t) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    T_STREQ(t->id, "demo-pack");
    T_STREQ(t->description, "first line second line");
    T_CHECK(t->nparams == 3 && t->params[1].type == RG_PARAM_INT);
    T_STREQ(t->params[0].dflt, "snapshot.as_of");
    T_CHECK(t->params[2].dflt == NULL);
    T_CHECK(t->nsections == 1);
    T_CHECK(t->sections[0].pdf == 0 && t->sections[0].pdf_rows == 10);
    T_STREQ(t->sections[0].chart_value, "n");
    T_CHECK(t->sections[0].ncols == 2);
    T_CHECK(t->sections[0].cols[1].format == RG_FMT_INT);
    T_CHECK(t->sections[0].cols[1].width == 8.5);
    rg_template_free(t);
}

static void
test_bad(void)
{
    T_STREQ(parse_err("[pack]\nid = Big\ntitle = T\n"),
            "cannot load template 't.ini' line 2: pack id 'Big' must be "
            "lowercase letters, digits and '-'");
    T_STREQ(parse_err("[pack]\nid = a\ntitle = T\ntitle = U\n"),
            "cannot load template 't.ini' line 4: 'title' is given twice");
    T_STREQ(parse_err("[pack]\nid = a\ntitle = T\n[nonsense]\nx = 1\n"),
            "cannot load template 't.ini' line 5: unknown section [nonsense] "
            "(expected [pack], [param NAME] or [section NAME])");
    T_STREQ(parse_err("[pack]\nid = a\ntitle = T\n[param x]\ntype = float\n"),
            "cannot load template 't.ini' line 5: parameter type must be "
            "date, int, text or bool, not 'float'");
    T_STREQ(parse_err(
                "[pack]\nid = a\ntitle = T\n[section s]\nquery = /etc/x.sql\n"),
            "cannot load template 't.ini' line 5: query '/etc/x.sql' must be "
            "a path inside the queries folder (no '..', not absolute)");
    T_STREQ(
        parse_err("[pack]\nid = a\ntitle = T\n[section s]\nquery = a//b.sql\n"),
        "cannot load template 't.ini' line 5: query 'a//b.sql' must be "
        "a path inside the queries folder (no '..', not absolute)");
    T_STREQ(parse_err("[pack]\nid = a\ntitle = T\n[section s]\nsheet = a/b\n"),
            "cannot load template 't.ini' line 5: sheet name 'a/b' must be 1 "
            "to 31 characters without [ ] : * ? / \\, not starting or ending "
            "with '");
    T_STREQ(
        parse_err("[pack]\nid = a\ntitle = T\n[section s]\ncolumn = a | b\n"),
        "cannot load template 't.ini' line 5: column 'a | b' must be "
        "'name | Title | format | width'");
    T_STREQ(parse_err("[pack]\nid = a\ntitle = T\n[section s]\n"
                      "column = a | A | text | 0\n"),
            "cannot load template 't.ini' line 5: column 'a': width must be a "
            "number from 1 to 255, not '0'");
    T_STREQ(
        parse_err("[pack]\nid = a\ntitle = T\n[section s]\npdf_rows = -1\n"),
        "cannot load template 't.ini' line 5: pdf_rows must be a whole "
        "number, not '-1'");
    T_STREQ(parse_err("[pack]\nid = a\ntitle = T\n"),
            "template 't.ini' has no [section]");
    T_STREQ(parse_err("[pack]\nid = a\ntitle = T\n[param p]\ndefault = 1\n"
                      "[section s]\ntitle = S\nquery = q.sql\nsheet = S\n"
                      "column = a | A | text | 5\n"),
            "template 't.ini': [param p] needs a type");
    T_STREQ(
        parse_err("[pack]\nid = a\ntitle = T\n[section s]\ntitle = S\n"
                  "query = q.sql\nsheet = Cover\ncolumn = a | A | text | 5\n"),
        "template 't.ini': [section s]: the sheet name 'Cover' is "
        "reportgen's own");
    T_STREQ(parse_err("[pack]\nid = a\ntitle = T\n[section s]\ntitle = S\n"
                      "query = q.sql\nsheet = X\ncolumn = a | A | text | 5\n"
                      "[section t]\ntitle = S\nquery = q.sql\nsheet = x\n"
                      "column = a | A | text | 5\n"),
            "template 't.ini': sections s and t both use sheet 'x'");
    T_STREQ(parse_err("this is not ini\n"),
            "cannot load template 't.ini' line 1: expected '[section]' or "
            "'key = value'");
}

static void
test_params(void)
{
    struct rg_err err;
    struct rg_template *t;
    struct rg_bound *b = NULL;
    const char *ok[] = { "who=Søren", "as_of=2026-10-31T23:30:00+01:00" };
    const char *bad[] = { "days=1.5" };
    char *s;

    rg_err_init(&err);
    t = rg_template_parse("t.ini", good, &err);
    if (!t)
        return;
    T_CHECK(rg_params_resolve(t, ok, 2, "2026-11-01T00:00:00Z", &b, &err) == 0);
    if (b) {
        T_STREQ(b[0].text, "2026-10-31T22:30:00Z");
        T_CHECK(b[1].i == 90);
        T_STREQ(b[2].text, "Søren");
        s = rg_substitute("{who} at {as_of}, {days} days, {snapshot.tenant} "
                          "{nope}",
                          b, 3, "2026-11-01T00:00:00Z", "Nordhavn");
        T_STREQ(s, "Søren at 2026-10-31T22:30:00Z, 90 days, Nordhavn {nope}");
        free(s);
        rg_bound_free(b, 3);
        b = NULL;
    }
    /* a date at midnight shows as a date */
    T_CHECK(rg_params_resolve(t, ok, 1, "2026-11-01T00:00:00Z", &b, &err) == 0);
    if (b) {
        s = rg_substitute("{as_of}", b, 3, "x", NULL);
        T_STREQ(s, "2026-11-01");
        free(s);
        rg_bound_free(b, 3);
        b = NULL;
    }
    rg_err_init(&err);
    T_CHECK(rg_params_resolve(t, bad, 1, "2026-11-01T00:00:00Z", &b, &err) < 0);
    T_STREQ(err.msg, "parameter 'days' must be a whole number, not '1.5'");
    T_CHECK(err.code == RG_ERR_USAGE);
    rg_template_free(t);
}

static void
test_contained(void)
{
    T_CHECK(rg_path_is_contained("a/b.sql"));
    T_CHECK(rg_path_is_contained("b.sql"));
    T_CHECK(rg_path_is_contained("a..b.sql"));
    T_CHECK(!rg_path_is_contained("../b.sql"));
    T_CHECK(!rg_path_is_contained("a/../../b.sql"));
    T_CHECK(!rg_path_is_contained("/b.sql"));
    T_CHECK(!rg_path_is_contained("a\\b.sql"));
    T_CHECK(!rg_path_is_contained(""));
    T_CHECK(!rg_path_is_contained("a/"));
}

int
main(void)
{
    test_good();
    test_bad();
    test_params();
    test_contained();
    return T_REPORT();
}
