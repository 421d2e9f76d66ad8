/*
 * template.c - reading and checking pack templates (see template.h).
 *
 * inih calls handler() once per "key = value", with the section it is in;
 * the first mistake is kept and inih reports its line. What can only be
 * checked once the whole file is read (required keys, duplicate sheet
 * names, {substitutions}) is checked in validate() and named by section.
 */
#include "template.h"

#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/text.h"

/* What inih reads of a line at most (its INI_MAX_LINE, 200 in Debian). */
#define INI_LINE_MAX 200

struct parser {
    struct rg_template *t;
    char msg[400]; /* the first mistake, without its line */
    int failed;
};

static char *
dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p)
        memcpy(p, s, n);
    return p;
}

static int fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Keeps the first mistake; returns 0, which tells inih to note the line. */
static int
fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;

    if (!p->failed) {
        va_start(ap, fmt);
        vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
        va_end(ap);
        p->failed = 1;
    }
    return 0;
}

/* Lowercase letters, digits, '_' and '-'; first a letter. */
static int
is_name(const char *s, int allow_dash)
{
    if (!(*s >= 'a' && *s <= 'z'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (allow_dash && *s == '-')))
            return 0;
    return 1;
}

int
rg_path_is_contained(const char *p)
{
    const char *c = p;

    if (!*p || *p == '/' || p[strlen(p) - 1] == '/' || strchr(p, '\\'))
        return 0;
    while (*c) {
        size_t n = strcspn(c, "/");

        if ((n == 2 && c[0] == '.' && c[1] == '.') || n == 0)
            return 0;
        c += n;
        if (*c == '/')
            c++;
    }
    return 1;
}

static int
parse_bool(const char *v, int *out)
{
    return rg_parse_bool(v, strlen(v), out);
}

static int
parse_int(const char *v, int64_t *out)
{
    char *end;
    long long x;

    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < 0)
        return -1;
    *out = x;
    return 0;
}

const char *
rg_param_type_name(enum rg_param_type type)
{
    static const char *const n[] = { "date", "int", "text", "bool" };

    return n[type];
}

const char *
rg_format_name(enum rg_format f)
{
    static const char *const n[] = { "text", "int", "date", "datetime",
                                     "bool" };

    return n[f];
}

/* Sets *field to a copy of v; a key given twice is a mistake. */
static int
set_once(struct parser *p, char **field, const char *key, const char *v)
{
    if (*field)
        return fail(p, "'%s' is given twice", key);
    if (!(*field = dup(v)))
        return fail(p, "out of memory");
    return 1;
}

/* A description may continue on indented lines: they are joined. */
static int
append(struct parser *p, char **field, const char *v)
{
    size_t old = *field ? strlen(*field) : 0, n = strlen(v);
    char *s = realloc(*field, old + n + 2);

    if (!s)
        return fail(p, "out of memory");
    if (old)
        s[old++] = ' ';
    memcpy(s + old, v, n + 1);
    *field = s;
    return 1;
}

/* Splits "a | b | c" in place into at most max trimmed parts. */
static size_t
split_bars(char *s, char **parts, size_t max)
{
    size_t n = 0;

    while (n < max) {
        char *bar = strchr(s, '|'), *e;

        if (bar)
            *bar = '\0';
        while (*s == ' ' || *s == '\t')
            s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        parts[n++] = s;
        if (!bar)
            break;
        s = bar + 1;
    }
    return n;
}

static int
parse_format(const char *v, enum rg_format *f)
{
    for (int i = 0; i <= RG_FMT_BOOL; i++) {
        if (strcmp(v, rg_format_name((enum rg_format)i)) == 0) {
            *f = (enum rg_format)i;
            return 0;
        }
    }
    return -1;
}

/* "column = name | Title | format | width" */
/* A column's name: a result column name, not used twice in a section. */
static int
check_column_name(struct parser *p, struct rg_section *s, const char *name)
{
    if (s->ncols == RG_TEMPLATE_MAX_COLUMNS)
        return fail(p, "more than 64 columns in [section %s]", s->name);
    if (!is_name(name, 0))
        return fail(p,
                    "column name '%s' must be a result column name "
                    "(lowercase letters, digits, _)",
                    name);
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return fail(p, "column '%s' is given twice", name);
    return 1;
}

static int
parse_width(struct parser *p, const char *col, const char *v, double *w)
{
    char *end;

    *w = strtod(v, &end);
    if (end == v || *end || !(*w >= 1 && *w <= 255))
        return fail(p,
                    "column '%s': width must be a number from 1 to 255, "
                    "not '%s'",
                    col, v);
    return 1;
}

/* Appends a zeroed column to s; NULL when out of memory. */
static struct rg_column *
new_column(struct parser *p, struct rg_section *s)
{
    struct rg_column *c = realloc(s->cols, (s->ncols + 1) * sizeof(*c));

    if (!c) {
        fail(p, "out of memory");
        return NULL;
    }
    s->cols = c;
    c += s->ncols++;
    memset(c, 0, sizeof(*c));
    return c;
}

static int
add_column(struct parser *p, struct rg_section *s, const char *value)
{
    char buf[1024], *part[5];
    struct rg_column *c;
    enum rg_format f;
    double w;
    size_t n;

    if (strlen(value) >= sizeof(buf))
        return fail(p, "column '%.40s...' is too long", value);
    memcpy(buf, value, strlen(value) + 1);
    n = split_bars(buf, part, 5);
    if (n != 4)
        return fail(p, "column '%s' must be 'name | Title | format | width'",
                    value);
    if (check_column_name(p, s, part[0]) == 0)
        return 0;
    if (!*part[1])
        return fail(p, "column '%s' has no title", part[0]);
    if (parse_format(part[2], &f) < 0)
        return fail(p,
                    "column '%s': format must be text, int, date, "
                    "datetime or bool, not '%s'",
                    part[0], part[2]);
    if (parse_width(p, part[0], part[3], &w) == 0)
        return 0;
    if (!(c = new_column(p, s)))
        return 0;
    c->format = f;
    c->width = w;
    if (!(c->name = dup(part[0])) || !(c->title = dup(part[1])))
        return fail(p, "out of memory");
    return 1;
}

/*
 * "Keep, Remove, Change": each choice non-empty, without quotes (Excel's
 * list formula is quoted), at most RG_TEMPLATE_MAX_VALUES of them, and the
 * whole list within Excel's 255 characters.
 */
static int
check_choices(struct parser *p, const char *col, const char *v)
{
    size_t n = 0;

    if (strlen(v) > 255)
        return fail(p,
                    "input '%s': the choices are longer than Excel's 255 "
                    "characters",
                    col);
    if (strchr(v, '"'))
        return fail(p, "input '%s': a choice may not hold '\"'", col);
    for (const char *c = v;; c++) {
        const char *e = strchr(c, ',');
        size_t len = e ? (size_t)(e - c) : strlen(c);

        while (len && (*c == ' ' || *c == '\t'))
            c++, len--;
        while (len && (c[len - 1] == ' ' || c[len - 1] == '\t'))
            len--;
        if (!len)
            return fail(p, "input '%s': an empty choice in '%s'", col, v);
        if (++n > RG_TEMPLATE_MAX_VALUES)
            return fail(p, "input '%s': more than %d choices", col,
                        RG_TEMPLATE_MAX_VALUES);
        if (!e)
            break;
        c = e;
    }
    return 1;
}

/*
 * input = name | Title | width [| Choice, Choice...]: a blank column the
 * reader fills in, unlocked on a protected sheet, limited to the choices
 * when there are some.
 */
static int
add_input(struct parser *p, struct rg_section *s, const char *value)
{
    char buf[1024], *part[5];
    struct rg_column *c;
    double w;
    size_t n;

    if (strlen(value) >= sizeof(buf))
        return fail(p, "input '%.40s...' is too long", value);
    memcpy(buf, value, strlen(value) + 1);
    n = split_bars(buf, part, 5);
    if (n != 3 && n != 4)
        return fail(p,
                    "input '%s' must be 'name | Title | width' or "
                    "'name | Title | width | Choice, Choice'",
                    value);
    if (check_column_name(p, s, part[0]) == 0)
        return 0;
    if (!*part[1])
        return fail(p, "input '%s' has no title", part[0]);
    if (parse_width(p, part[0], part[2], &w) == 0)
        return 0;
    if (n == 4 && check_choices(p, part[0], part[3]) == 0)
        return 0;
    if (!(c = new_column(p, s)))
        return 0;
    c->format = RG_FMT_TEXT;
    c->width = w;
    c->input = 1;
    if (!(c->name = dup(part[0])) || !(c->title = dup(part[1])) ||
        (n == 4 && !(c->choices = dup(part[3]))))
        return fail(p, "out of memory");
    return 1;
}

static struct rg_section *
find_section(struct rg_template *t, const char *name)
{
    for (size_t i = 0; i < t->nsections; i++)
        if (strcmp(t->sections[i].name, name) == 0)
            return &t->sections[i];
    return NULL;
}

static struct rg_param *
find_param(struct rg_template *t, const char *name)
{
    for (size_t i = 0; i < t->nparams; i++)
        if (strcmp(t->params[i].name, name) == 0)
            return &t->params[i];
    return NULL;
}

static int
pack_key(struct parser *p, const char *name, const char *v)
{
    struct rg_template *t = p->t;

    if (strcmp(name, "id") == 0) {
        if (!is_name(v, 1))
            return fail(p,
                        "pack id '%s' must be lowercase letters, digits "
                        "and '-'",
                        v);
        return set_once(p, &t->id, name, v);
    }
    if (strcmp(name, "title") == 0)
        return set_once(p, &t->title, name, v);
    if (strcmp(name, "description") == 0)
        return append(p, &t->description, v);
    if (strcmp(name, "audience") == 0)
        return set_once(p, &t->audience, name, v);
    return fail(p, "unknown key '%s' in [pack]", name);
}

/* values = a | b | c: the only values a text parameter takes. */
static int
param_values(struct parser *p, struct rg_param *prm, const char *v)
{
    char buf[1024], *part[RG_TEMPLATE_MAX_VALUES + 1];
    size_t n;

    if (prm->values)
        return fail(p, "'values' is given twice");
    if (strlen(v) >= sizeof(buf))
        return fail(p, "values '%.40s...' is too long", v);
    memcpy(buf, v, strlen(v) + 1);
    n = split_bars(buf, part, RG_TEMPLATE_MAX_VALUES + 1);
    if (n > RG_TEMPLATE_MAX_VALUES)
        return fail(p, "more than %d values", RG_TEMPLATE_MAX_VALUES);
    if (!(prm->values = calloc(n, sizeof(*prm->values))))
        return fail(p, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!*part[i])
            return fail(p, "an empty value in 'values = %s'", v);
        for (size_t j = 0; j < i; j++)
            if (strcmp(part[i], part[j]) == 0)
                return fail(p, "value '%s' is given twice", part[i]);
        if (!(prm->values[i] = dup(part[i])))
            return fail(p, "out of memory");
        prm->nvalues = i + 1;
    }
    return 1;
}

static int
param_key(struct parser *p, const char *pname, const char *name, const char *v)
{
    struct rg_template *t = p->t;
    struct rg_param *prm = find_param(t, pname);

    if (!prm) {
        struct rg_param *ps;

        if (!is_name(pname, 0))
            return fail(p,
                        "parameter name '%s' must be lowercase letters, "
                        "digits and _",
                        pname);
        if (t->nparams == RG_TEMPLATE_MAX_PARAMS)
            return fail(p, "more than 32 parameters");
        if (!(ps = realloc(t->params, (t->nparams + 1) * sizeof(*ps))))
            return fail(p, "out of memory");
        t->params = ps;
        prm = &t->params[t->nparams++];
        memset(prm, 0, sizeof(*prm));
        prm->type = (enum rg_param_type) - 1;
        if (!(prm->name = dup(pname)))
            return fail(p, "out of memory");
    }
    if (strcmp(name, "type") == 0) {
        if ((int)prm->type != -1)
            return fail(p, "'type' is given twice");
        for (int i = 0; i <= RG_PARAM_BOOL; i++)
            if (strcmp(v, rg_param_type_name((enum rg_param_type)i)) == 0)
                prm->type = (enum rg_param_type)i;
        if ((int)prm->type == -1)
            return fail(p,
                        "parameter type must be date, int, text or bool, "
                        "not '%s'",
                        v);
        return 1;
    }
    if (strcmp(name, "default") == 0)
        return set_once(p, &prm->dflt, name, v);
    if (strcmp(name, "description") == 0)
        return append(p, &prm->description, v);
    if (strcmp(name, "values") == 0)
        return param_values(p, prm, v);
    if (strcmp(name, "not_before") == 0) {
        if (!is_name(v, 0))
            return fail(p, "not_before must name a date parameter, not '%s'",
                        v);
        return set_once(p, &prm->not_before, name, v);
    }
    if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0) {
        int is_min = name[1] == 'i';
        int *has = is_min ? &prm->has_min : &prm->has_max;
        char *end;
        long long x;

        if (*has)
            return fail(p, "'%s' is given twice", name);
        errno = 0;
        x = strtoll(v, &end, 10);
        if (errno || end == v || *end)
            return fail(p, "%s must be a whole number, not '%s'", name, v);
        *has = 1;
        *(is_min ? &prm->min : &prm->max) = x;
        return 1;
    }
    return fail(p, "unknown key '%s' in [param %s]", name, pname);
}

static int
section_key(struct parser *p, const char *sname, const char *name,
            const char *v)
{
    struct rg_template *t = p->t;
    struct rg_section *s = find_section(t, sname);
    char buf[512], *part[3];
    int b;

    if (!s) {
        struct rg_section *ss;

        if (!is_name(sname, 1))
            return fail(p,
                        "section name '%s' must be lowercase letters, "
                        "digits, _ and -",
                        sname);
        if (t->nsections == RG_TEMPLATE_MAX_SECTIONS)
            return fail(p, "more than 64 sections");
        ss = realloc(t->sections, (t->nsections + 1) * sizeof(*ss));
        if (!ss)
            return fail(p, "out of memory");
        t->sections = ss;
        s = &t->sections[t->nsections++];
        memset(s, 0, sizeof(*s));
        s->pdf = 1;
        s->pdf_rows = RG_TEMPLATE_PDF_ROWS;
        if (!(s->name = dup(sname)))
            return fail(p, "out of memory");
    }
    if (strcmp(name, "title") == 0)
        return set_once(p, &s->title, name, v);
    if (strcmp(name, "description") == 0)
        return append(p, &s->description, v);
    if (strcmp(name, "query") == 0) {
        size_t n = strlen(v);

        if (!rg_path_is_contained(v))
            return fail(p,
                        "query '%s' must be a path inside the queries "
                        "folder (no '..', not absolute)",
                        v);
        if (n < 5 || strcmp(v + n - 4, ".sql") != 0)
            return fail(p, "query '%s' must be a .sql file", v);
        return set_once(p, &s->query, name, v);
    }
    if (strcmp(name, "sheet") == 0) {
        if (strlen(v) > 31 || strpbrk(v, "[]:*?/\\") || !*v || v[0] == '\'' ||
            v[strlen(v) - 1] == '\'' || !rg_utf8_valid(v, strlen(v), NULL))
            return fail(
                p,
                "sheet name '%s' must be 1 to 31 characters without [ ] : * "
                "? / \\, not starting or ending with '",
                v);
        return set_once(p, &s->sheet, name, v);
    }
    if (strcmp(name, "column") == 0)
        return add_column(p, s, v);
    if (strcmp(name, "input") == 0)
        return add_input(p, s, v);
    if (strcmp(name, "pdf_columns") == 0)
        return append(p, &s->pdf_columns, v);
    if (strcmp(name, "split") == 0) {
        if (!is_name(v, 0))
            return fail(p, "split must name a result column, not '%s'", v);
        return set_once(p, &s->split, name, v);
    }
    if (strcmp(name, "pdf") == 0) {
        if (parse_bool(v, &b) < 0)
            return fail(p, "pdf must be yes or no, not '%s'", v);
        s->pdf = b;
        return 1;
    }
    if (strcmp(name, "pdf_rows") == 0) {
        if (parse_int(v, &s->pdf_rows) < 0)
            return fail(p, "pdf_rows must be a whole number, not '%s'", v);
        return 1;
    }
    if (strcmp(name, "highlight") == 0) {
        if (!is_name(v, 0))
            return fail(p, "highlight must name a result column, not '%s'", v);
        return set_once(p, &s->highlight, name, v);
    }
    if (strcmp(name, "chart") == 0) {
        if (strlen(v) >= sizeof(buf))
            return fail(p, "chart is too long");
        memcpy(buf, v, strlen(v) + 1);
        if (split_bars(buf, part, 3) != 2 || !is_name(part[0], 0) ||
            !is_name(part[1], 0))
            return fail(p,
                        "chart must be 'label column | count column', "
                        "not '%s'",
                        v);
        if (s->chart_label)
            return fail(p, "'chart' is given twice");
        if (!(s->chart_label = dup(part[0])) ||
            !(s->chart_value = dup(part[1])))
            return fail(p, "out of memory");
        return 1;
    }
    return fail(p, "unknown key '%s' in [section %s]", name, sname);
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
    struct parser *p = user;

    if (p->failed)
        return 1; /* inih reports the line of the first mistake only */
    if (!rg_utf8_valid(value, strlen(value), NULL))
        return fail(p, "'%s' is not valid UTF-8", name);
    if (strcmp(section, "pack") == 0)
        return pack_key(p, name, value);
    if (strncmp(section, "param ", 6) == 0)
        return param_key(p, section + 6, name, value);
    if (strncmp(section, "section ", 8) == 0)
        return section_key(p, section + 8, name, value);
    if (!*section)
        return fail(p, "'%s' comes before any [section]", name);
    return fail(p,
                "unknown section [%s] (expected [pack], [param NAME] or "
                "[section NAME])",
                section);
}

/* Every {name} in s must be a parameter or snapshot.as_of/tenant. */
static const char *
bad_substitution(struct rg_template *t, const char *s)
{
    static char name[64];

    while (s && (s = strchr(s, '{'))) {
        const char *e = strchr(s, '}');
        size_t n;

        if (!e || (n = (size_t)(e - s - 1)) >= sizeof(name))
            return "{";
        memcpy(name, s + 1, n);
        name[n] = '\0';
        if (strcmp(name, "snapshot.as_of") != 0 &&
            strcmp(name, "snapshot.tenant") != 0 && !find_param(t, name))
            return name;
        s = e + 1;
    }
    return NULL;
}

/*
 * Excel compares sheet names without case; this folds ASCII and the
 * Latin-1 letters (Æ and æ are one name), which covers the names a Danish
 * bank writes.
 */
static int
same_sheet(const char *a, const char *b)
{
    for (;;) {
        unsigned ca = (unsigned char)*a, cb = (unsigned char)*b;

        if (ca >= 'A' && ca <= 'Z')
            ca += 32;
        if (cb >= 'A' && cb <= 'Z')
            cb += 32;
        /* U+00C0-U+00DE (not U+00D7) is the upper case of U+00E0-U+00FE */
        if (ca == 0xc3 && cb == 0xc3) {
            unsigned xa = (unsigned char)a[1], xb = (unsigned char)b[1];

            if (xa >= 0x80 && xa <= 0x9e && xa != 0x97)
                xa += 0x20;
            if (xb >= 0x80 && xb <= 0x9e && xb != 0x97)
                xb += 0x20;
            if (xa != xb)
                return 0;
            a += 2;
            b += 2;
            continue;
        }
        if (ca != cb)
            return 0;
        if (!ca)
            return 1;
        a++;
        b++;
    }
}

/*
 * pdf_columns = a, b: marks every other column no_pdf; each name must be
 * one of the section's columns.
 */
static int
pdf_columns(struct rg_template *t, struct rg_section *s, struct rg_err *err)
{
    size_t shown = 0;

    for (size_t c = 0; c < s->ncols; c++)
        s->cols[c].no_pdf = 1;
    for (const char *p = s->pdf_columns;;) {
        size_t n;
        size_t c;

        while (*p == ' ' || *p == '\t')
            p++;
        n = strcspn(p, ",");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        for (c = 0; c < s->ncols; c++)
            if (strlen(s->cols[c].name) == n &&
                strncmp(s->cols[c].name, p, n) == 0)
                break;
        if (c == s->ncols)
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [section %s]: pdf_columns names "
                           "'%.*s', which is not one of its columns",
                           t->path, s->name, (int)(n > 64 ? 64 : n), p);
        shown += s->cols[c].no_pdf;
        s->cols[c].no_pdf = 0;
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    if (!shown)
        return rg_fail(err, RG_ERR_INPUT,
                       "template '%s': [section %s]: pdf_columns shows no "
                       "column",
                       t->path, s->name);
    return 0;
}

static int
validate(struct rg_template *t, struct rg_err *err)
{
    const char *bad;

    if (!t->id || !t->title)
        return rg_fail(err, RG_ERR_INPUT,
                       "template '%s': [pack] needs an id and a title",
                       t->path);
    if (t->nsections == 0)
        return rg_fail(err, RG_ERR_INPUT, "template '%s' has no [section]",
                       t->path);
    for (size_t i = 0; i < t->nparams; i++) {
        struct rg_param *p = &t->params[i];

        if ((int)p->type == -1)
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [param %s] needs a type", t->path,
                           p->name);
        if (p->values && p->type != RG_PARAM_TEXT)
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [param %s]: 'values' is for text "
                           "parameters",
                           t->path, p->name);
        if ((p->has_min || p->has_max) && p->type != RG_PARAM_INT)
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [param %s]: 'min' and 'max' are "
                           "for int parameters",
                           t->path, p->name);
        if (p->not_before) {
            const struct rg_param *o = find_param(t, p->not_before);

            if (p->type != RG_PARAM_DATE || !o || o->type != RG_PARAM_DATE ||
                o == p)
                return rg_fail(err, RG_ERR_INPUT,
                               "template '%s': [param %s]: not_before must "
                               "name another date parameter, and it must be "
                               "a date",
                               t->path, p->name);
        }
        if (p->has_min && p->has_max && p->min > p->max)
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [param %s]: min is above max",
                           t->path, p->name);
    }
    if ((bad = bad_substitution(t, t->title)) ||
        (bad = bad_substitution(t, t->description)))
        return rg_fail(err, RG_ERR_INPUT,
                       "template '%s': [pack] uses {%s}, which is not a "
                       "parameter",
                       t->path, bad);
    for (size_t i = 0; i < t->nsections; i++) {
        struct rg_section *s = &t->sections[i];

        if (!s->title || !s->query || !s->sheet)
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [section %s] needs a title, a "
                           "query and a sheet",
                           t->path, s->name);
        if (s->ncols == 0)
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [section %s] shows no column",
                           t->path, s->name);
        if (s->pdf_columns && pdf_columns(t, s, err) < 0)
            return -1;
        if (s->cols[0].input)
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [section %s]: its first column is "
                           "an input; a row needs something to show first",
                           t->path, s->name);
        if ((bad = bad_substitution(t, s->title)) ||
            (bad = bad_substitution(t, s->description)))
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [section %s] uses {%s}, which is "
                           "not a parameter",
                           t->path, s->name, bad);
        if (rg_ascii_ieq(s->sheet, strlen(s->sheet), "Cover"))
            return rg_fail(err, RG_ERR_INPUT,
                           "template '%s': [section %s]: the sheet name "
                           "'Cover' is reportgen's own",
                           t->path, s->name);
        for (size_t j = 0; j < i; j++)
            if (same_sheet(s->sheet, t->sections[j].sheet))
                return rg_fail(err, RG_ERR_INPUT,
                               "template '%s': sections %s and %s both use "
                               "sheet '%s'",
                               t->path, t->sections[j].name, s->name, s->sheet);
    }
    return 0;
}

struct rg_template *
rg_template_parse(const char *path, const char *text, struct rg_err *err)
{
    struct parser p;
    int line;

    memset(&p, 0, sizeof(p));
    if (!(p.t = calloc(1, sizeof(*p.t))) || !(p.t->path = dup(path))) {
        free(p.t);
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    /*
     * inih splits lines longer than its buffer (200 bytes in Debian's
     * build) and then reports a confusing mistake; say what is wrong.
     */
    line = 1;
    for (const char *c = text; *c; line++) {
        size_t n = strcspn(c, "\n");

        if (n >= INI_LINE_MAX) {
            rg_fail(err, RG_ERR_INPUT,
                    "cannot load template '%s' line %d: longer than %d "
                    "characters (continue a description on indented lines)",
                    path, line, INI_LINE_MAX - 1);
            goto fail;
        }
        c += n + (c[n] == '\n');
    }
    line = ini_parse_string(text, handler, &p);
    if (line != 0) {
        if (p.failed)
            rg_fail(err, RG_ERR_INPUT, "cannot load template '%s' line %d: %s",
                    path, line, p.msg);
        else
            rg_fail(err, RG_ERR_INPUT,
                    "cannot load template '%s' line %d: expected "
                    "'[section]' or 'key = value'",
                    path, line);
        goto fail;
    }
    if (validate(p.t, err) < 0)
        goto fail;
    return p.t;

fail:
    rg_template_free(p.t);
    return NULL;
}

struct rg_template *
rg_template_load(const char *path, struct rg_err *err)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t n;
    struct rg_template *t = NULL;

    if (!f) {
        rg_fail(err, RG_ERR_IO, "cannot open template '%s': %s", path,
                strerror(errno));
        return NULL;
    }
    if (!(text = malloc(RG_TEMPLATE_MAX_BYTES + 1))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    n = fread(text, 1, RG_TEMPLATE_MAX_BYTES + 1, f);
    if (ferror(f)) {
        rg_fail(err, RG_ERR_IO, "cannot read template '%s': %s", path,
                strerror(errno));
        goto done;
    }
    if (n > RG_TEMPLATE_MAX_BYTES) {
        rg_fail(err, RG_ERR_LIMIT, "template '%s' is larger than 256 KiB",
                path);
        goto done;
    }
    text[n] = '\0';
    if (strlen(text) != n || !rg_utf8_valid(text, n, NULL)) {
        rg_fail(err, RG_ERR_INPUT, "template '%s' is not valid UTF-8 text",
                path);
        goto done;
    }
    if ((t = rg_template_parse(path, text, err))) {
        t->text = text; /* the bytes that ran, for the pack */
        t->text_len = n;
        text = NULL;
    }
done:
    free(text);
    fclose(f);
    return t;
}

void
rg_template_free(struct rg_template *t)
{
    if (!t)
        return;
    free(t->text);
    for (size_t i = 0; i < t->nparams; i++) {
        free(t->params[i].name);
        free(t->params[i].dflt);
        free(t->params[i].description);
        free(t->params[i].not_before);
        for (size_t j = 0; j < t->params[i].nvalues; j++)
            free(t->params[i].values[j]);
        free(t->params[i].values);
    }
    for (size_t i = 0; i < t->nsections; i++) {
        struct rg_section *s = &t->sections[i];

        for (size_t j = 0; j < s->ncols; j++) {
            free(s->cols[j].name);
            free(s->cols[j].title);
            free(s->cols[j].choices);
        }
        free(s->cols);
        free(s->name);
        free(s->title);
        free(s->description);
        free(s->query);
        free(s->sheet);
        free(s->highlight);
        free(s->chart_label);
        free(s->chart_value);
        free(s->split);
        free(s->pdf_columns);
    }
    free(t->params);
    free(t->sections);
    free(t->path);
    free(t->id);
    free(t->title);
    free(t->description);
    free(t->audience);
    free(t);
}

const struct rg_param *
rg_template_param(const struct rg_template *t, const char *name)
{
    return find_param((struct rg_template *)t, name);
}
